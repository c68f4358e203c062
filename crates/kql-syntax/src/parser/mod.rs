//! The parser: runs the pest grammar (`kql.pest`) and turns its pairs into the
//! typed AST. Submodules: `expr` (scalar expressions), `operators` (tabular
//! operators and pipelines), `literal` (decoding literal text), `errors`
//! (pest errors → human diagnostics), `nesting` (the depth guard run before pest).
//!
//! Nothing pest-typed is public: `Rule` and `Pair` stay inside this module.

mod clauses;
mod errors;
mod expr;
mod graph;
mod literal;
mod nesting;
mod operators;
mod time;

#[cfg(test)]
mod test_util;

use crate::ast::{
    ColumnDecl, DeclareStmt, FunctionDef, Ident, LetStmt, LetValue, Param, ParamType, Script,
    SetStmt, Statement, TypeName,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use pest::Parser;
use pest::iterators::Pair;

pub use nesting::{MAX_AST_DEPTH, MAX_NESTING};
pub use time::{format_datetime, format_timespan, parse_datetime};

#[derive(pest_derive::Parser)]
#[grammar = "kql.pest"]
struct KqlParser;

type Result<T> = std::result::Result<T, Diagnostic>;

/// Parse a whole query text (statements separated by `;`).
pub fn parse(src: &str) -> Result<Script> {
    let depth = nesting::check(src)?;
    nesting::with_stack_for(depth, || parse_script(src))
}

/// Parse a single expression (scalar or tabular), for tests and tools.
pub fn parse_expr(src: &str) -> Result<crate::ast::Expr> {
    let depth = nesting::check(src)?;
    nesting::with_stack_for(depth, || parse_expression(src))
}

fn parse_script(src: &str) -> Result<Script> {
    let mut pairs = KqlParser::parse(Rule::script, src)
        .map_err(|e| errors::refine_end_of_input(src, errors::convert(src, e)))?;
    let script = pairs.next().expect("script rule yields one pair");
    let mut b = Builder::new();
    let mut statements = Vec::new();
    for p in script.into_inner() {
        if p.as_rule() != Rule::EOI && !is_noise(p.as_rule()) {
            statements.push(b.statement(p)?);
        }
    }
    Ok(Script {
        statements,
        span: Span::new(0, src.len()),
    })
}

fn parse_expression(src: &str) -> Result<crate::ast::Expr> {
    let mut pairs = KqlParser::parse(Rule::expr_only, src).map_err(|e| errors::convert(src, e))?;
    let top = pairs.next().expect("expr_only rule yields one pair");
    let inner = children(top)
        .into_iter()
        .find(|p| p.as_rule() == Rule::pipe_expr)
        .expect("expr_only holds a pipe_expr");
    Builder::new().pipe_expr(inner)
}

/// Punctuation and keyword pairs: produced so errors can name them, skipped
/// when building the AST.
fn is_noise(r: Rule) -> bool {
    use Rule::*;
    matches!(
        r,
        lparen
            | rparen
            | lbracket
            | rbracket
            | lbrace
            | rbrace
            | comma
            | semi
            | colon
            | dot
            | dotdot
            | pipe
            | assign
            | EOI
            | kw_let
            | kw_view
            | kw_set
            | kw_declare
            | kw_query_parameters
            | kw_by
            | kw_on
            | kw_as
            | kw_of
            | kw_others
            | kw_in
            | kw_to
            | kw_from
            | kw_step
            | kw_with
            | kw_limit
            | kw_typeof
            | kw_default
            | kw_range
            | kw_nulls
            | kw_dynamic
            | kw_where
            | kw_project
            | kw_project_away
            | kw_project_keep
            | kw_project_rename
            | kw_project_reorder
            | kw_project_by_names
            | kw_extend
            | kw_summarize
            | kw_count
            | kw_take
            | kw_top
            | kw_top_nested
            | kw_top_hitters
            | kw_sort
            | kw_distinct
            | kw_join
            | kw_lookup
            | kw_mv_expand
            | kw_mv_apply
            | kw_parse
            | kw_parse_where
            | kw_parse_kv
            | kw_make_series
            | kw_evaluate
            | kw_render
            | kw_serialize
            | kw_invoke
            | kw_sample
            | kw_sample_distinct
            | kw_getschema
            | kw_union
            | kw_search
            | kw_find
            | kw_fork
            | kw_facet
            | kw_partition
            | kw_scan
            | kw_consume
            | kw_reduce
            | kw_print
            | kw_datatable
            | kw_externaldata
            | kw_other
            | kw_make_graph
            | kw_graph_match
            | kw_graph_shortest_paths
            | kw_graph_to_table
            | kw_graph_mark_components
            | kw_partitioned_by
            | graph_arrow
    )
}

/// The meaningful children of a pair (punctuation and keywords dropped).
fn children(p: Pair<'_, Rule>) -> Vec<Pair<'_, Rule>> {
    p.into_inner().filter(|c| !is_noise(c.as_rule())).collect()
}

/// The span of a pair without trailing whitespace and comments (pest includes
/// the blanks it skipped before an optional part that then did not match).
fn span_of(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.start() + code_len(s.as_str()))
}

fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{200B}')
}

/// Length of `text` once trailing blanks and `//` comments are removed.
fn code_len(text: &str) -> usize {
    let mut t = text.trim_end_matches(is_blank);
    loop {
        let line_start = t.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&t[line_start..]) {
            Some(c) => t = t[..line_start + c].trim_end_matches(is_blank),
            None => return t.len(),
        }
    }
}

/// Where a `//` comment starts in one line of code, skipping string literals.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => return Some(i),
            q @ (b'"' | b'\'') => {
                let verbatim = i > 0 && b[i - 1] == b'@';
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' && !verbatim { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// An internal error: the grammar produced a shape the builder does not expect.
fn shape(p: &Pair<'_, Rule>) -> Diagnostic {
    Diagnostic::internal(
        "parser",
        format!("unexpected {:?} at {}..", p.as_rule(), p.as_span().start()),
    )
}

/// Builds AST nodes from pairs and tracks how deep the tree being built is,
/// so no consumer of the AST has to recurse deeper than [`MAX_AST_DEPTH`].
struct Builder {
    depth: usize,
}

impl Builder {
    fn new() -> Self {
        Builder { depth: 0 }
    }

    /// Account for `levels` more levels of tree below the current node.
    fn descend(&mut self, levels: usize, span: Span) -> Result<()> {
        self.depth += levels;
        if self.depth > MAX_AST_DEPTH {
            return Err(Diagnostic::at(
                Code::Syntax,
                span,
                format!("query is nested too deeply (more than {MAX_AST_DEPTH} levels)"),
            )
            .with_hint("split long operator chains or deeply nested calls into `let` statements"));
        }
        Ok(())
    }

    fn ascend(&mut self, levels: usize) {
        self.depth -= levels;
    }

    fn statement(&mut self, p: Pair<'_, Rule>) -> Result<Statement> {
        match p.as_rule() {
            Rule::let_stmt => Ok(Statement::Let(self.let_stmt(p)?)),
            Rule::set_stmt => {
                let span = span_of(&p);
                let mut it = children(p).into_iter();
                let name_pair = it
                    .next()
                    .ok_or_else(|| Diagnostic::internal("parser", "set"))?;
                let name = Ident {
                    name: name_pair.as_str().to_string(),
                    span: span_of(&name_pair),
                };
                let value = it.next().map(|v| self.param_value(v)).transpose()?;
                Ok(Statement::Set(SetStmt { name, value, span }))
            }
            Rule::declare_stmt => {
                let span = span_of(&p);
                let mut params = Vec::new();
                for c in children(p) {
                    if c.as_rule() == Rule::params {
                        params = self.params(c)?;
                    }
                }
                Ok(Statement::DeclareQueryParameters(DeclareStmt {
                    params,
                    span,
                }))
            }
            Rule::query_stmt => {
                let inner = children(p).into_iter().next();
                let inner = inner.ok_or_else(|| Diagnostic::internal("parser", "empty query"))?;
                Ok(Statement::Query(self.pipe_expr(inner)?))
            }
            _ => Err(shape(&p)),
        }
    }

    fn let_stmt(&mut self, p: Pair<'_, Rule>) -> Result<LetStmt> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let (Some(name), Some(value)) = (it.next(), it.next()) else {
            return Err(Diagnostic::internal("parser", "let without value"));
        };
        let name = self.any_name(name)?;
        let value = match value.as_rule() {
            Rule::func_def => LetValue::Function(self.function_def(value)?),
            Rule::view_def => LetValue::View(self.function_def(value)?),
            Rule::pipe_expr => LetValue::Expr(self.pipe_expr(value)?),
            _ => return Err(shape(&value)),
        };
        Ok(LetStmt { name, value, span })
    }

    fn function_def(&mut self, p: Pair<'_, Rule>) -> Result<FunctionDef> {
        let span = span_of(&p);
        let mut params = Vec::new();
        let mut body = Vec::new();
        for c in children(p) {
            match c.as_rule() {
                Rule::params => params = self.params(c)?,
                Rule::body => {
                    self.descend(1, span)?;
                    for s in children(c) {
                        body.push(self.statement(s)?);
                    }
                    self.ascend(1);
                }
                _ => return Err(shape(&c)),
            }
        }
        Ok(FunctionDef { params, body, span })
    }

    fn params(&mut self, p: Pair<'_, Rule>) -> Result<Vec<Param>> {
        children(p).into_iter().map(|c| self.param(c)).collect()
    }

    fn param(&mut self, p: Pair<'_, Rule>) -> Result<Param> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let (Some(name), Some(ty)) = (it.next(), it.next()) else {
            return Err(Diagnostic::internal("parser", "parameter without type"));
        };
        let name = self.any_name(name)?;
        let ty = match ty.as_rule() {
            Rule::tabular_type => {
                let (columns, open) = self.tabular_type(ty)?;
                ParamType::Tabular { columns, open }
            }
            Rule::type_name => ParamType::Scalar(type_name(&ty)?),
            _ => return Err(shape(&ty)),
        };
        let default = it.next().map(|d| self.expr(d)).transpose()?;
        Ok(Param {
            name,
            ty,
            default,
            span,
        })
    }

    /// `(*)`, `(a:string, b:long)`, `(a:string, *)`: the columns and whether `*` was written.
    fn tabular_type(&mut self, p: Pair<'_, Rule>) -> Result<(Vec<ColumnDecl>, bool)> {
        let mut columns = Vec::new();
        let mut open = false;
        for c in children(p) {
            match c.as_rule() {
                Rule::star => open = true,
                Rule::col_decl => columns.push(self.col_decl(c)?),
                _ => return Err(shape(&c)),
            }
        }
        Ok((columns, open))
    }

    fn col_decl(&mut self, p: Pair<'_, Rule>) -> Result<ColumnDecl> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let (Some(name), Some(ty)) = (it.next(), it.next()) else {
            return Err(Diagnostic::internal("parser", "column without type"));
        };
        Ok(ColumnDecl {
            name: self.any_name(name)?,
            ty: type_name(&ty)?,
            span,
        })
    }
}

/// A type name as written (`string`, `long`, `boolean`...), or a syntax error.
fn type_name(p: &Pair<'_, Rule>) -> Result<TypeName> {
    TypeName::from_name(p.as_str()).ok_or_else(|| {
        Diagnostic::at(
            Code::Syntax,
            span_of(p),
            format!("unknown type '{}'", p.as_str()),
        )
        .with_hint(
            "types are bool, int, long, real, decimal, string, datetime, timespan, guid and dynamic",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_len_drops_trailing_blanks_and_comments() {
        assert_eq!(code_len("a + b  \n\t"), 5);
        assert_eq!(code_len("x // note\n  // more\n"), 1);
        assert_eq!(code_len("f(\"http://x\") // c"), 13);
        assert_eq!(code_len("@'C:\\' // c"), 6);
        assert_eq!(code_len("'a\\'b' "), 6);
    }
}

#[cfg(test)]
mod statement_tests {
    use crate::ast::*;
    use crate::printer::print_sexpr;
    use crate::{Code, parse};

    fn statements(src: &str) -> Vec<Statement> {
        parse(src)
            .unwrap_or_else(|d| panic!("{}", d.render(src, "test")))
            .statements
    }

    #[test]
    fn let_forms() {
        let s = statements(
            "let a = 1; let T2 = T | take 1; let f = (x:long, y:string = 'a', U:(*), V:(c:string, *)) { let z = x; z };\
             let v = view () { T }; f(1)",
        );
        assert_eq!(s.len(), 5);
        let Statement::Let(LetStmt {
            name,
            value: LetValue::Expr(e),
            ..
        }) = &s[0]
        else {
            panic!()
        };
        assert_eq!((name.name.as_str(), print_sexpr(e)), ("a", "1".to_string()));
        let Statement::Let(LetStmt {
            value: LetValue::Function(f),
            ..
        }) = &s[2]
        else {
            panic!()
        };
        assert_eq!(f.params.len(), 4);
        assert_eq!(f.params[0].ty, ParamType::Scalar(TypeName::Long));
        assert_eq!(
            f.params[1].default.as_ref().map(print_sexpr),
            Some("\"a\"".to_string())
        );
        assert_eq!(
            f.params[2].ty,
            ParamType::Tabular {
                columns: vec![],
                open: true
            }
        );
        let ParamType::Tabular {
            columns,
            open: true,
        } = &f.params[3].ty
        else {
            panic!()
        };
        assert_eq!(columns[0].ty, TypeName::String);
        assert_eq!(f.body.len(), 2);
        assert!(
            matches!(&s[3], Statement::Let(LetStmt { value: LetValue::View(v), .. }) if v.params.is_empty())
        );
        assert!(matches!(&s[4], Statement::Query(_)));
    }

    #[test]
    fn set_declare_and_separators() {
        let s = statements(
            ";;set notruncation; set a.b = 5;\ndeclare query_parameters(p:string = 'x');\nT;;\nU;",
        );
        assert_eq!(s.len(), 5);
        assert!(
            matches!(&s[0], Statement::Set(SetStmt { name, value: None, .. }) if name.name == "notruncation")
        );
        assert!(
            matches!(&s[1], Statement::Set(SetStmt { name, value: Some(_), .. }) if name.name == "a.b")
        );
        assert!(matches!(&s[2], Statement::DeclareQueryParameters(d) if d.params.len() == 1));
        assert!(statements("").is_empty());
        assert!(statements("// only a comment\n").is_empty());
    }

    #[test]
    fn the_threatfox_hunt() {
        let src = "let malicious_ips = dynamic([\"195.20.239.136\"]);\nCommonSecurityLog\n| where DestinationIP in (malicious_ips) or SourceIP in (malicious_ips)\n| order by TimeGenerated desc";
        let s = statements(src);
        let Statement::Query(q) = &s[1] else { panic!() };
        assert_eq!(print_sexpr(q), "(| (| CommonSecurityLog where) sort)");
        let ExprKind::Pipe { source, .. } = &q.kind else {
            panic!()
        };
        let ExprKind::Pipe { op, .. } = &source.kind else {
            panic!()
        };
        let OpKind::Where { predicate, .. } = &op.kind else {
            panic!()
        };
        assert_eq!(
            print_sexpr(predicate),
            "(or (in DestinationIP malicious_ips) (in SourceIP malicious_ips))"
        );
    }

    #[test]
    fn unknown_types_and_nesting_limits() {
        let d = parse("let f = (a:strng) { a }; f(1)").unwrap_err();
        assert_eq!(
            (d.code, d.message.as_str()),
            (Code::Syntax, "unknown type 'strng'")
        );
        let deep = format!("print {}1{}", "(".repeat(300), ")".repeat(300));
        let d = parse(&deep).unwrap_err();
        assert!(d.message.contains("nested too deeply"), "{}", d.message);
        let ok = format!("print {}1{}", "f(".repeat(200), ")".repeat(200));
        assert!(parse(&ok).is_ok());
        let long_chain = format!("print {}", vec!["x"; 2000].join(" or "));
        let d = parse(&long_chain).unwrap_err();
        assert!(d.message.contains("nested too deeply"), "{}", d.message);
        let pipes = format!("T{}", " | take 1".repeat(1000));
        assert!(parse(&pipes).is_err());
        assert!(parse(&format!("T{}", " | take 1".repeat(100))).is_ok());
    }
}
