//! A compact, deterministic text form of the AST for snapshot tests and
//! `kql explain --stage ast`: one node per line, children indented by two
//! spaces, each line ending with the node's span as `@start..end` (group
//! labels such as `By` that have no span of their own have none).
//!
//! ```text
//! Query @0..20
//!   Pipe @0..20
//!     Name T @0..1
//!     Where @4..20
//!       Binary > @10..20
//! ```

mod text;

pub use text::{literal_text, op_name, print_sexpr, str_op_text};

use crate::ast::*;
use crate::span::Span;
use std::fmt::Write;
use text::{binary_text, sort_text};

/// The whole script as an indented tree.
pub fn print_script(script: &Script) -> String {
    let mut p = Printer::default();
    p.line("Script", script.span);
    p.nest(|p| script.statements.iter().for_each(|s| p.statement(s)));
    p.out
}

/// One expression as an indented tree.
pub fn print_expr(expr: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(expr);
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn line(&mut self, label: &str, span: Span) {
        let _ = writeln!(
            self.out,
            "{:w$}{label} @{}..{}",
            "",
            span.start,
            span.end,
            w = self.indent * 2
        );
    }

    /// A line for something that has no span of its own (a `by` group, a parse
    /// pattern's text part).
    fn label(&mut self, label: &str) {
        let _ = writeln!(self.out, "{:w$}{label}", "", w = self.indent * 2);
    }

    fn group(&mut self, label: &str, f: impl FnOnce(&mut Self)) {
        self.label(label);
        self.nest(f);
    }

    fn nest(&mut self, f: impl FnOnce(&mut Self)) {
        self.indent += 1;
        f(self);
        self.indent -= 1;
    }

    fn node(&mut self, label: &str, span: Span, f: impl FnOnce(&mut Self)) {
        self.line(label, span);
        self.nest(f);
    }

    fn statement(&mut self, s: &Statement) {
        match s {
            Statement::Let(l) => self.node(&format!("Let {}", l.name.name), l.span, |p| {
                match &l.value {
                    LetValue::Expr(e) => p.expr(e),
                    LetValue::Function(f) => p.function("Function", f),
                    LetValue::View(f) => p.function("View", f),
                    LetValue::Other(t) => p.line(&format!("Other {t:?}"), l.span),
                }
            }),
            Statement::Set(s) => self.node(&format!("Set {}", s.name.name), s.span, |p| {
                if let Some(v) = &s.value {
                    p.expr(v);
                }
            }),
            Statement::DeclareQueryParameters(d) => {
                self.node("DeclareQueryParameters", d.span, |p| {
                    d.params.iter().for_each(|x| p.param(x))
                })
            }
            Statement::Query(e) => self.node("Query", e.span, |p| p.expr(e)),
        }
    }

    fn function(&mut self, label: &str, f: &FunctionDef) {
        self.node(label, f.span, |p| {
            f.params.iter().for_each(|x| p.param(x));
            f.body.iter().for_each(|s| p.statement(s));
        });
    }

    fn param(&mut self, x: &Param) {
        let ty = match &x.ty {
            ParamType::Scalar(t) => t.as_str().to_string(),
            ParamType::Tabular { columns, open } => {
                let mut cols: Vec<String> = columns
                    .iter()
                    .map(|c| format!("{}:{}", c.name.name, c.ty.as_str()))
                    .collect();
                if *open {
                    cols.push("*".into());
                }
                format!("({})", cols.join(", "))
            }
        };
        self.node(&format!("Param {}:{ty}", x.name.name), x.span, |p| {
            if let Some(d) = &x.default {
                p.expr(d);
            }
        });
    }

    fn expr(&mut self, e: &Expr) {
        let span = e.span;
        match &e.kind {
            ExprKind::Literal(l) => self.line(&format!("Literal {}", literal_text(l)), span),
            ExprKind::Name(n) => self.line(&format!("Name {}", n.name), span),
            ExprKind::JoinSide(JoinSide::Left) => self.line("$left", span),
            ExprKind::JoinSide(JoinSide::Right) => self.line("$right", span),
            ExprKind::Member { target, name } => {
                self.node(&format!("Member {:?}", name.name), span, |p| p.expr(target))
            }
            ExprKind::Index { target, index } => self.node("Index", span, |p| {
                p.expr(target);
                p.expr(index);
            }),
            ExprKind::Call(c) => self.node(&format!("Call {}", c.name.name), span, |p| {
                for a in &c.args {
                    match &a.name {
                        Some(n) => {
                            p.node(&format!("Arg {}=", n.name), a.span, |p| p.expr(&a.value))
                        }
                        None => p.expr(&a.value),
                    }
                }
            }),
            ExprKind::Unary { op, operand } => {
                let t = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::Not => "not",
                };
                self.node(&format!("Unary {t}"), span, |p| p.expr(operand))
            }
            ExprKind::Binary { op, left, right } => {
                self.node(&format!("Binary {}", binary_text(*op)), span, |p| {
                    p.expr(left);
                    p.expr(right);
                })
            }
            ExprKind::In { expr, op, list } => {
                let t = match op {
                    InOp::In => "in",
                    InOp::NotIn => "!in",
                    InOp::InCi => "in~",
                    InOp::NotInCi => "!in~",
                };
                self.list(&format!("In {t}"), span, expr, list)
            }
            ExprKind::HasAnyAll { expr, op, list } => {
                let t = match op {
                    HasListOp::HasAny => "has_any",
                    HasListOp::HasAll => "has_all",
                    HasListOp::HasAnyCs => "has_any_cs",
                    HasListOp::HasAllCs => "has_all_cs",
                };
                self.list(&format!("HasList {t}"), span, expr, list)
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => self.node(
                if *negated {
                    "Between !between"
                } else {
                    "Between"
                },
                span,
                |p| {
                    p.expr(expr);
                    p.expr(low);
                    p.expr(high);
                },
            ),
            ExprKind::Star => self.line("Star", span),
            ExprKind::Pipe { source, op } => self.node("Pipe", span, |p| {
                p.expr(source);
                p.op(op);
            }),
            ExprKind::Source(op) => self.node("Source", span, |p| p.op(op)),
            ExprKind::ImplicitInput => self.line("ImplicitInput", span),
        }
    }

    fn list(&mut self, label: &str, span: Span, expr: &Expr, list: &[Expr]) {
        self.node(label, span, |p| {
            p.expr(expr);
            list.iter().for_each(|x| p.expr(x));
        })
    }

    fn params(&mut self, params: &[OpParam]) {
        for x in params {
            self.node(&format!("Option {}", x.name.name), x.span, |p| {
                p.expr(&x.value)
            });
        }
    }

    fn named(&mut self, items: &[NamedExpr]) {
        for n in items {
            let label = match n.names.as_slice() {
                [] => "Column".to_string(),
                [one] => format!("Column {}", one.name),
                many => {
                    let names: Vec<&str> = many.iter().map(|i| i.name.as_str()).collect();
                    format!("Column ({})", names.join(", "))
                }
            };
            self.node(&label, n.span, |p| p.expr(&n.expr));
        }
    }

    fn sort_key(&mut self, k: &SortKey) {
        self.node(
            &format!("Key{}", sort_text(k.order, k.nulls)),
            k.span,
            |p| p.expr(&k.expr),
        );
    }

    fn columns(&mut self, cols: &[ColumnDecl]) {
        for c in cols {
            self.line(
                &format!("ColumnDecl {}:{}", c.name.name, c.ty.as_str()),
                c.span,
            );
        }
    }

    fn patterns(&mut self, pats: &[ColumnPattern]) {
        for c in pats {
            self.line(&format!("Pattern {}", c.pattern), c.span);
        }
    }

    fn labelled(&mut self, label: &str, e: &Expr) {
        self.node(label, e.span, |p| p.expr(e));
    }

    fn mv_items(&mut self, items: &[MvExpandColumn]) {
        for c in items {
            let mut label = "Item".to_string();
            if let Some(n) = &c.name {
                label.push_str(&format!(" {}", n.name));
            }
            if let Some(t) = c.to_type {
                label.push_str(&format!(" to typeof({})", t.as_str()));
            }
            self.node(&label, c.span, |p| p.expr(&c.expr));
        }
    }

    fn op(&mut self, op: &TabularOp) {
        let span = op.span;
        match &op.kind {
            OpKind::Where { params, predicate } => self.node("Where", span, |p| {
                p.params(params);
                p.expr(predicate);
            }),
            OpKind::Project(items) => self.node("Project", span, |p| p.named(items)),
            OpKind::Extend(items) => self.node("Extend", span, |p| p.named(items)),
            OpKind::Print(items) => self.node("Print", span, |p| p.named(items)),
            OpKind::Serialize(items) => self.node("Serialize", span, |p| p.named(items)),
            OpKind::ProjectAway(pats) => self.node("ProjectAway", span, |p| p.patterns(pats)),
            OpKind::ProjectKeep(pats) => self.node("ProjectKeep", span, |p| p.patterns(pats)),
            OpKind::ProjectRename(pairs) => self.node("ProjectRename", span, |p| {
                for r in pairs {
                    p.line(
                        &format!("Rename {} <- {}", r.new_name.name, r.old_name.name),
                        r.span,
                    );
                }
            }),
            OpKind::ProjectByNames(specs) => self.node("ProjectByNames", span, |p| {
                for e in specs {
                    p.expr(e);
                }
            }),
            OpKind::ProjectReorder(keys) => self.node("ProjectReorder", span, |p| {
                for k in keys {
                    let g = if k.granny { " granny" } else { "" };
                    let label = format!(
                        "Pattern {}{}{g}",
                        k.pattern.pattern,
                        sort_text(k.order, None)
                    );
                    p.line(&label, k.pattern.span);
                }
            }),
            OpKind::Summarize {
                params,
                aggregates,
                by,
            } => self.node("Summarize", span, |p| {
                p.params(params);
                p.named(aggregates);
                if !by.is_empty() {
                    p.group("By", |p| p.named(by));
                }
            }),
            OpKind::Count { name } => match name {
                Some(n) => self.line(&format!("Count as {}", n.name), span),
                None => self.line("Count", span),
            },
            OpKind::Take(e) => self.node("Take", span, |p| p.expr(e)),
            OpKind::Top {
                count,
                by,
                with_others,
            } => self.node("Top", span, |p| {
                p.expr(count);
                p.sort_key(by);
                if let Some(w) = with_others {
                    p.line(&format!("WithOthers {}", w.name), w.span);
                }
            }),
            OpKind::Sort { params, keys } => self.node("Sort", span, |p| {
                p.params(params);
                keys.iter().for_each(|k| p.sort_key(k));
            }),
            OpKind::Distinct(items) => {
                self.node("Distinct", span, |p| items.iter().for_each(|e| p.expr(e)))
            }
            OpKind::Datatable { columns, values } => self.node("Datatable", span, |p| {
                p.columns(columns);
                values.iter().for_each(|e| p.expr(e));
            }),
            OpKind::Range {
                column,
                from,
                to,
                step,
            } => self.node(&format!("Range {}", column.name), span, |p| {
                p.labelled("From", from);
                p.labelled("To", to);
                p.labelled("Step", step);
            }),
            OpKind::Union { params, tables } => self.node("Union", span, |p| {
                p.params(params);
                tables.iter().for_each(|e| p.expr(e));
            }),
            OpKind::As { params, name } => {
                self.node(&format!("As {}", name.name), span, |p| p.params(params))
            }
            OpKind::Join { params, right, on } => self.join("Join", span, params, right, on),
            OpKind::Lookup { params, right, on } => self.join("Lookup", span, params, right, on),
            OpKind::MvExpand {
                params,
                columns,
                limit,
            } => self.node("MvExpand", span, |p| {
                p.params(params);
                p.mv_items(columns);
                if let Some(l) = limit {
                    p.labelled("Limit", l);
                }
            }),
            OpKind::MvApply {
                params,
                items,
                limit,
                id_column,
                subquery,
            } => self.node("MvApply", span, |p| {
                p.params(params);
                p.mv_items(items);
                if let Some(l) = limit {
                    p.labelled("Limit", l);
                }
                if let Some(id) = id_column {
                    p.line(&format!("ItemIndex {}", id.name), id.span);
                }
                p.labelled("On", subquery);
            }),
            OpKind::Parse {
                kind,
                params,
                source,
                pattern,
            } => self.parse_op(&format!("Parse {kind:?}"), span, params, source, pattern),
            OpKind::ParseWhere {
                kind,
                params,
                source,
                pattern,
            } => self.parse_op(
                &format!("ParseWhere {kind:?}"),
                span,
                params,
                source,
                pattern,
            ),
            OpKind::ParseKv {
                source,
                columns,
                params,
            } => self.node("ParseKv", span, |p| {
                p.expr(source);
                p.columns(columns);
                p.params(params);
            }),
            OpKind::MakeSeries {
                params,
                aggregates,
                on,
                range,
                step,
                from,
                to,
                by,
            } => self.node("MakeSeries", span, |p| {
                p.params(params);
                p.named(aggregates);
                p.labelled("On", on);
                if let Some((a, b, c)) = range {
                    p.group("InRange", |p| {
                        p.expr(a);
                        p.expr(b);
                        p.expr(c);
                    });
                }
                for (label, e) in [("From", from), ("To", to), ("Step", step)] {
                    if let Some(e) = e {
                        p.labelled(label, e);
                    }
                }
                if !by.is_empty() {
                    p.group("By", |p| p.named(by));
                }
            }),
            OpKind::Evaluate { params, call, .. } => self.node("Evaluate", span, |p| {
                p.params(params);
                p.expr(call);
            }),
            OpKind::Render { chart, params, .. } => {
                self.node(&format!("Render {}", chart.name), span, |p| {
                    p.params(params)
                })
            }
            OpKind::Invoke(e) => self.node("Invoke", span, |p| p.expr(e)),
            OpKind::Sample(e) => self.node("Sample", span, |p| p.expr(e)),
            OpKind::SampleDistinct { count, column } => self.node("SampleDistinct", span, |p| {
                p.expr(count);
                p.expr(column);
            }),
            OpKind::GetSchema => self.line("GetSchema", span),
            OpKind::Search {
                params,
                tables,
                predicate,
            } => self.node("Search", span, |p| {
                p.params(params);
                tables.iter().for_each(|t| p.labelled("In", t));
                p.expr(predicate);
            }),
            OpKind::Consume { params } => self.node("Consume", span, |p| p.params(params)),
            OpKind::ExternalData {
                columns,
                urls,
                params,
            } => self.node("ExternalData", span, |p| {
                p.columns(columns);
                urls.iter().for_each(|u| p.expr(u));
                p.params(params);
            }),
            OpKind::TopNested(levels) => self.node("TopNested", span, |p| {
                for l in levels {
                    let order = if l.ascending { "asc" } else { "desc" };
                    p.node(&format!("Level {order}"), l.span, |p| {
                        if let Some(n) = &l.count {
                            p.labelled("Count", n);
                        }
                        p.named(std::slice::from_ref(&l.of));
                        if let Some(o) = &l.others {
                            p.labelled("Others", o);
                        }
                        p.named(std::slice::from_ref(&l.by));
                    });
                }
            }),
            OpKind::TopHitters { raw } => self.raw("TopHitters", span, raw),
            OpKind::Find {
                params,
                tables,
                predicate,
                output,
            } => self.node("Find", span, |p| {
                p.params(params);
                tables.iter().for_each(|t| p.labelled("In", t));
                p.expr(predicate);
                if let FindOutput::Columns { columns, pack_all } = output {
                    for c in columns {
                        let ty = c.ty.map(|t| format!(":{}", t.as_str())).unwrap_or_default();
                        p.line(&format!("Project {}{ty}", c.name.name), c.span);
                    }
                    if *pack_all {
                        p.line("Project pack_all()", span);
                    }
                }
            }),
            OpKind::Fork { raw } => self.raw("Fork", span, raw),
            OpKind::Facet { raw } => self.raw("Facet", span, raw),
            OpKind::Partition {
                params,
                column,
                subquery,
                source,
            } => self.node(&format!("Partition by {}", column.name), span, |p| {
                p.params(params);
                if let Some(q) = subquery {
                    p.labelled("Subquery", q);
                }
                if let Some(s) = source {
                    p.labelled("Source", s);
                }
            }),
            OpKind::Scan(scan) => self.node("Scan", span, |p| {
                p.params(&scan.params);
                scan.order.iter().for_each(|k| p.sort_key(k));
                scan.partition
                    .iter()
                    .for_each(|e| p.labelled("PartitionBy", e));
                scan.declare.iter().for_each(|x| p.param(x));
                for s in &scan.steps {
                    let output = match s.output {
                        ScanOutput::All => "",
                        ScanOutput::Last => " output=last",
                        ScanOutput::None => " output=none",
                    };
                    let optional = if s.optional { " optional" } else { "" };
                    let label = format!("Step {}{optional}{output}", s.name.name);
                    p.node(&label, s.span, |p| {
                        p.expr(&s.condition);
                        for (col, value) in &s.assignments {
                            p.labelled(&format!("Assign {}", col.name), value);
                        }
                    });
                }
            }),
            OpKind::Reduce { raw } => self.raw("Reduce", span, raw),
            OpKind::Graph(g) => self.raw(&format!("Graph {}", g.kind.name()), span, &g.raw),
            OpKind::Other { name, raw } => self.raw(&format!("Other {name}"), span, raw),
        }
    }

    fn parse_op(
        &mut self,
        label: &str,
        span: Span,
        params: &[OpParam],
        source: &Expr,
        pattern: &[ParsePart],
    ) {
        self.node(label, span, |p| {
            p.params(params);
            p.expr(source);
            for part in pattern {
                match part {
                    ParsePart::Text(s) => p.label(&format!("Text {s:?}")),
                    ParsePart::Wildcard => p.label("Wildcard"),
                    ParsePart::Column { name, ty } => {
                        let t = ty.map(|t| format!(":{}", t.as_str())).unwrap_or_default();
                        p.line(&format!("Column {}{t}", name.name), name.span);
                    }
                }
            }
        })
    }

    fn join(&mut self, label: &str, span: Span, params: &[OpParam], right: &Expr, on: &[Expr]) {
        self.node(label, span, |p| {
            p.params(params);
            p.expr(right);
            for c in on {
                p.labelled("On", c);
            }
        })
    }

    fn raw(&mut self, label: &str, span: Span, raw: &str) {
        let short: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        self.line(&format!("{label} {short:?}"), span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn tree_with_spans() {
        let src = "let n = 5;\nT | where x > n | summarize c = count() by bin(t, 1h)";
        let printed = print_script(&parse(src).unwrap());
        assert_eq!(
            printed,
            "\
Script @0..64
  Let n @0..9
    Literal 5 @8..9
  Query @11..64
    Pipe @11..64
      Pipe @11..26
        Name T @11..12
        Where @15..26
          Binary > @21..26
            Name x @21..22
            Name n @25..26
      Summarize @29..64
        Column c @39..50
          Call count @43..50
        By
          Column @54..64
            Call bin @54..64
              Name t @58..59
              Literal timespan(01:00:00) @61..63
"
        );
    }

    #[test]
    fn literal_and_operator_text() {
        assert_eq!(literal_text(&Literal::Null(TypeName::Long)), "long(null)");
        assert_eq!(
            literal_text(&Literal::DateTime(0)),
            "datetime(1970-01-01T00:00:00Z)"
        );
        assert_eq!(
            literal_text(&Literal::TimeSpan(-10_000_000)),
            "timespan(-00:00:01)"
        );
        assert_eq!(literal_text(&Literal::String("a\"b".into())), "\"a\\\"b\"");
        let op = StrOp {
            kind: StrOpKind::Like,
            negated: true,
            case_sensitive: true,
        };
        assert_eq!(str_op_text(op), "notlike_cs");
        let e = parse("print x").unwrap();
        let Statement::Query(q) = &e.statements[0] else {
            panic!()
        };
        assert_eq!(print_sexpr(q), "(source print)");
        assert_eq!(print_expr(q).lines().count(), 4);
    }
}
