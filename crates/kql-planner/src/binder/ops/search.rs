//! `[T |] search [kind=case_sensitive] [in (Tables)] Predicate`
//! (search-operator.md).
//!
//! Rules:
//! - The rows come from the piped input, else from the tables listed in
//!   `in (...)` (wildcards as in `union`), else from every table of the
//!   archive; the columns are merged by name as `union` merges them, and a
//!   `$table` column first names the table each row came from (for a piped
//!   input, the table it reads when it reads one; otherwise `union_arg0`,
//!   standing for Kusto's "system-generated name").
//! - A bare string term in the predicate searches every column (not
//!   `$table`): `"err"` is `* has "err"`, `"err*"` `* hasprefix`, `"*err"`
//!   `* hassuffix`, `"*err*"` `* contains`, and a `*` inside (`"Lab*PC"`)
//!   is `* matches regex @"\bLab.*PC\b"`. `Col:"err"` is `Col has "err"`;
//!   any other predicate (`Col == "x"`, `A > 1`) is the ordinary one; terms
//!   combine with `and`, `or` and `not(...)`. `search *` keeps every row.
//! - String operators are case-insensitive unless `kind=case_sensitive`
//!   (which turns `has` into `has_cs` and so on, and drops the regex's
//!   `(?i)`).

use super::Binder;
use super::param_text;
use super::union;
use super::where_op;
use crate::bound::{BoundOp, BoundTabular};
use kql_syntax::ast::{BinaryOp, Expr, ExprKind, Literal, OpParam, StrOp, StrOpKind};
use kql_syntax::{Code, Diagnostic, Span};

/// The name of the column that says which table a row came from.
const TABLE_COLUMN: &str = "$table";

pub(crate) fn bind(
    b: &mut Binder,
    input: Option<BoundTabular>,
    params: &[OpParam],
    tables: &[Expr],
    predicate: &Expr,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let case_sensitive = case_sensitivity(params)?;
    if input.is_some() && !tables.is_empty() {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            "search takes a piped input or `in (tables)`, not both",
        ));
    }
    let all_tables;
    let tables = if input.is_none() && tables.is_empty() {
        // every table of the archive (not the query's tabular lets)
        all_tables = b
            .catalog
            .table_names()
            .into_iter()
            .map(|name| Expr {
                kind: ExprKind::Name(kql_syntax::ast::Ident { name, span }),
                span,
            })
            .collect::<Vec<_>>();
        &all_tables[..]
    } else {
        tables
    };
    let input = input.map(|i| (source_name(&i), i));
    let rows = union::bind_with_source_column(b, input, tables, TABLE_COLUMN, span)?;
    if matches!(predicate.kind, ExprKind::Star) {
        return Ok(rows);
    }
    let predicate = rewrite(predicate, case_sensitive);
    let scope: Vec<_> = rows
        .columns
        .iter()
        .filter(|c| c.name != TABLE_COLUMN)
        .cloned()
        .collect();
    where_op::bind_in_scope(b, rows, &predicate, &scope)
}

/// The `$table` of a piped input: the table it reads when it is one table
/// filtered or reshaped, else the name `union` gives an unnamed source.
fn source_name(t: &BoundTabular) -> String {
    match &t.op {
        BoundOp::Scan { table } => table.clone(),
        BoundOp::Filter { input, .. }
        | BoundOp::Project { input, .. }
        | BoundOp::Sort { input, .. }
        | BoundOp::Limit { input, .. } => source_name(input),
        _ => "union_arg0".to_string(),
    }
}

/// `kind=`: whether string comparisons are case-sensitive.
fn case_sensitivity(params: &[OpParam]) -> Result<bool, Diagnostic> {
    let mut case_sensitive = false;
    for p in params {
        match (p.name.name.as_str(), param_text(p).as_deref()) {
            ("kind", Some("case_sensitive")) => case_sensitive = true,
            ("kind", Some("case_insensitive" | "default")) => case_sensitive = false,
            (n, _) if n.starts_with("hint.") => {}
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("invalid search parameter '{n}'"),
                )
                .with_hint("search takes kind=default|case_insensitive|case_sensitive"));
            }
        }
    }
    Ok(case_sensitive)
}

/// The search predicate as an ordinary one: bare terms become operators
/// over every column, string operators take the search's case sensitivity.
pub(super) fn rewrite(e: &Expr, case_sensitive: bool) -> Expr {
    let kind = match &e.kind {
        ExprKind::Literal(Literal::String(s)) => return term(s, e.span, case_sensitive),
        ExprKind::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            left,
            right,
        } => ExprKind::Binary {
            op: *op,
            left: Box::new(rewrite(left, case_sensitive)),
            right: Box::new(rewrite(right, case_sensitive)),
        },
        ExprKind::Binary {
            op: BinaryOp::Str(sop),
            left,
            right,
        } if case_sensitive && sop.kind != StrOpKind::MatchesRegex => ExprKind::Binary {
            op: BinaryOp::Str(StrOp {
                case_sensitive: true,
                ..*sop
            }),
            left: left.clone(),
            right: right.clone(),
        },
        ExprKind::Call(c) if c.name.name == "not" && c.args.len() == 1 => {
            let mut c = c.clone();
            c.args[0].value = rewrite(&c.args[0].value, case_sensitive);
            ExprKind::Call(c)
        }
        other => other.clone(),
    };
    Expr { kind, span: e.span }
}

/// A bare search term: the operator its `*` wildcards choose, over `*`.
fn term(text: &str, span: Span, case_sensitive: bool) -> Expr {
    let leading = text.starts_with('*');
    let trailing = text.len() > 1 && text.ends_with('*');
    let core = text.trim_start_matches('*').trim_end_matches('*');
    let (kind, needle) = if core.is_empty() {
        // `"*"`: every row
        return Expr {
            kind: ExprKind::Literal(Literal::Bool(true)),
            span,
        };
    } else if core.contains('*') {
        let body = core
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(".*");
        let regex = format!(
            "{}{}{body}{}",
            if case_sensitive { "" } else { "(?i)" },
            if leading { "" } else { r"\b" },
            if trailing { "" } else { r"\b" },
        );
        (StrOpKind::MatchesRegex, regex)
    } else {
        let kind = match (leading, trailing) {
            (false, false) => StrOpKind::Has,
            (false, true) => StrOpKind::HasPrefix,
            (true, false) => StrOpKind::HasSuffix,
            (true, true) => StrOpKind::Contains,
        };
        (kind, core.to_string())
    };
    Expr {
        kind: ExprKind::Binary {
            op: BinaryOp::Str(StrOp {
                kind,
                negated: false,
                case_sensitive,
            }),
            left: Box::new(Expr {
                kind: ExprKind::Star,
                span,
            }),
            right: Box::new(Expr {
                kind: ExprKind::Literal(Literal::String(needle)),
                span,
            }),
        },
        span,
    }
}
