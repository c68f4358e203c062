//! The parts of tabular operators: options, column patterns, renames,
//! reorder and sort keys, `mv-expand`/`mv-apply` items, `parse` patterns,
//! `make-series` clauses and `scan`'s clauses and steps.

use super::{Builder, Result, Rule, children, shape, span_of, type_name};
use crate::ast::{
    ColumnPattern, ExprKind, Ident, MvExpandColumn, NullsOrder, OpKind, OpParam, ParseKind,
    ParsePart, RenamePair, ReorderKey, ScanOp, ScanOutput, ScanStep, SortKey, SortOrder,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use pest::iterators::Pair;

impl Builder {
    /// `name = value` (one `OpParam`), or `name = a, b` in `with (...)` (one per value).
    pub(super) fn op_params(&mut self, p: Pair<'_, Rule>) -> Result<Vec<OpParam>> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let name = it
            .next()
            .ok_or_else(|| Diagnostic::internal("parser", "option"))?;
        let name = Ident {
            name: match name.as_rule() {
                Rule::any_name => self.any_name(name.clone())?.name,
                _ => name.as_str().to_string(),
            },
            span: span_of(&name),
        };
        it.map(|v| {
            Ok(OpParam {
                name: name.clone(),
                value: self.param_value(v)?,
                span,
            })
        })
        .collect()
    }

    pub(super) fn col_pattern(&mut self, p: Pair<'_, Rule>) -> Result<ColumnPattern> {
        let span = span_of(&p);
        let inner = children(p).into_iter().next();
        let inner = inner.ok_or_else(|| Diagnostic::internal("parser", "column pattern"))?;
        let pattern = match inner.as_rule() {
            Rule::bracket_name => self.any_name(inner)?.name,
            _ => inner.as_str().to_string(),
        };
        Ok(ColumnPattern {
            has_wildcard: pattern.contains('*'),
            pattern,
            span,
        })
    }

    pub(super) fn rename_pair(&mut self, p: Pair<'_, Rule>) -> Result<RenamePair> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let (Some(new), Some(old)) = (it.next(), it.next()) else {
            return Err(Diagnostic::internal("parser", "rename"));
        };
        Ok(RenamePair {
            new_name: self.any_name(new)?,
            old_name: self.any_name(old)?,
            span,
        })
    }

    pub(super) fn reorder_key(&mut self, p: Pair<'_, Rule>) -> Result<ReorderKey> {
        let mut it = children(p).into_iter();
        let pattern = self.col_pattern(
            it.next()
                .ok_or_else(|| Diagnostic::internal("parser", "reorder"))?,
        )?;
        let order = it.next().map(|o| o.as_str().to_string());
        Ok(ReorderKey {
            pattern,
            order: order.as_deref().map(|o| {
                if o.ends_with("desc") {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                }
            }),
            granny: order.is_some_and(|o| o.starts_with("granny")),
        })
    }

    pub(super) fn sort_key(&mut self, p: Pair<'_, Rule>) -> Result<SortKey> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let expr = self.next_expr(&mut it)?;
        let mut order = None;
        let mut nulls = None;
        for c in it {
            match c.as_rule() {
                Rule::sort_order => {
                    order = Some(if c.as_str() == "asc" {
                        SortOrder::Asc
                    } else {
                        SortOrder::Desc
                    })
                }
                Rule::nulls_order => {
                    nulls = Some(if c.as_str().ends_with("first") {
                        NullsOrder::First
                    } else {
                        NullsOrder::Last
                    })
                }
                _ => return Err(shape(&c)),
            }
        }
        Ok(SortKey {
            expr,
            order,
            nulls,
            span,
        })
    }

    /// `scan ...`: its clauses and steps (`params` already read).
    pub(super) fn scan_op<'i>(
        &mut self,
        params: Vec<OpParam>,
        it: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Result<ScanOp> {
        let mut op = ScanOp {
            params,
            order: Vec::new(),
            partition: Vec::new(),
            declare: Vec::new(),
            steps: Vec::new(),
        };
        for c in it {
            match c.as_rule() {
                Rule::scan_order => {
                    for k in children(c) {
                        if k.as_rule() == Rule::sort_key {
                            op.order.push(self.sort_key(k)?);
                        }
                    }
                }
                Rule::scan_partition => {
                    for e in children(c) {
                        if e.as_rule() == Rule::expr {
                            op.partition.push(self.expr(e)?);
                        }
                    }
                }
                Rule::scan_declare => {
                    for p in children(c) {
                        if p.as_rule() == Rule::params {
                            op.declare = self.params(p)?;
                        }
                    }
                }
                Rule::scan_step => op.steps.push(self.scan_step(c)?),
                Rule::lparen | Rule::rparen => {}
                _ => return Err(shape(&c)),
            }
        }
        Ok(op)
    }

    fn scan_step(&mut self, p: Pair<'_, Rule>) -> Result<ScanStep> {
        let span = span_of(&p);
        let mut name = None;
        let mut optional = false;
        let mut output = ScanOutput::All;
        let mut condition = None;
        let mut assignments = Vec::new();
        for c in children(p) {
            match c.as_rule() {
                Rule::any_name => name = Some(self.any_name(c)?),
                Rule::scan_optional => optional = true,
                Rule::scan_output => {
                    for k in children(c) {
                        if k.as_rule() == Rule::scan_output_kind {
                            output = match k.as_str() {
                                "last" => ScanOutput::Last,
                                "none" => ScanOutput::None,
                                _ => ScanOutput::All,
                            };
                        }
                    }
                }
                Rule::expr => condition = Some(self.expr(c)?),
                Rule::scan_assigns => {
                    for a in children(c) {
                        if a.as_rule() != Rule::scan_assign {
                            continue;
                        }
                        let mut parts = children(a).into_iter();
                        let (Some(col), Some(value)) = (parts.next(), parts.next()) else {
                            return Err(Diagnostic::internal("parser", "scan assignment"));
                        };
                        assignments.push((self.any_name(col)?, self.expr(value)?));
                    }
                }
                Rule::colon | Rule::semi => {}
                _ => return Err(shape(&c)),
            }
        }
        let (Some(name), Some(condition)) = (name, condition) else {
            return Err(Diagnostic::internal("parser", "scan step"));
        };
        Ok(ScanStep {
            name,
            optional,
            output,
            condition,
            assignments,
            span,
        })
    }

    pub(super) fn mv_op<'i>(
        &mut self,
        rule: Rule,
        mut params: Vec<OpParam>,
        it: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Result<OpKind> {
        let mut items = Vec::new();
        let mut limit = None;
        let mut subquery = None;
        for c in it {
            match c.as_rule() {
                Rule::mv_item => items.push(self.mv_item(c)?),
                Rule::mv_limit => limit = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::subquery => subquery = Some(self.subquery(c)?),
                _ => return Err(shape(&c)),
            }
        }
        if rule == Rule::mv_expand_op {
            return Ok(OpKind::MvExpand {
                params,
                columns: items,
                limit,
            });
        }
        let id_column = match params.iter().position(|p| p.name.name == "with_itemindex") {
            Some(i) => match params.remove(i).value.kind {
                ExprKind::Name(id) => Some(id),
                _ => None,
            },
            None => None,
        };
        Ok(OpKind::MvApply {
            params,
            items,
            limit,
            id_column,
            subquery: subquery.ok_or_else(|| Diagnostic::internal("parser", "mv-apply"))?,
        })
    }

    pub(super) fn mv_item(&mut self, p: Pair<'_, Rule>) -> Result<MvExpandColumn> {
        let span = span_of(&p);
        let mut parts = children(p);
        let to_type = match parts.last() {
            Some(last) if last.as_rule() == Rule::mv_to_type => {
                let t = parts.pop().expect("last");
                let ty = children(t).into_iter().next();
                Some(type_name(
                    &ty.ok_or_else(|| Diagnostic::internal("parser", "typeof"))?,
                )?)
            }
            _ => None,
        };
        let expr = parts
            .pop()
            .ok_or_else(|| Diagnostic::internal("parser", "mv item"))?;
        Ok(MvExpandColumn {
            name: parts.pop().map(|n| self.any_name(n)).transpose()?,
            expr: self.expr(expr)?,
            to_type,
            span,
        })
    }

    pub(super) fn parse_pattern(&mut self, p: Pair<'_, Rule>) -> Result<Vec<ParsePart>> {
        let mut parts = Vec::new();
        for c in children(p) {
            parts.push(match c.as_rule() {
                Rule::star => ParsePart::Wildcard,
                Rule::string_lit => ParsePart::Text(super::literal::string(c)?),
                Rule::parse_column => {
                    let mut it = children(c).into_iter();
                    let name = self.any_name(
                        it.next()
                            .ok_or_else(|| Diagnostic::internal("parser", "parse column"))?,
                    )?;
                    let ty = it.next().map(|t| type_name(&t)).transpose()?;
                    ParsePart::Column { name, ty }
                }
                _ => return Err(shape(&c)),
            });
        }
        Ok(parts)
    }

    pub(super) fn make_series<'i>(
        &mut self,
        mut params: Vec<OpParam>,
        it: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Result<OpKind> {
        let mut aggregates = Vec::new();
        let mut on = None;
        let mut range = None;
        let (mut from, mut to, mut step) = (None, None, None);
        let mut by = Vec::new();
        for c in it {
            match c.as_rule() {
                Rule::ms_agg => {
                    let mut parts = children(c).into_iter();
                    let agg = parts
                        .next()
                        .ok_or_else(|| Diagnostic::internal("parser", "make-series"))?;
                    aggregates.push(self.named_expr(agg)?);
                    if let Some(d) = parts.next() {
                        // `default = v` per aggregate: kept as a `default` option, in order.
                        let span = span_of(&d);
                        let value = self.next_expr(&mut children(d).into_iter())?;
                        params.push(OpParam {
                            name: Ident {
                                name: "default".to_string(),
                                span: Span::new(span.start, span.start + "default".len()),
                            },
                            value,
                            span,
                        });
                    }
                }
                Rule::ms_in_range => {
                    let mut parts = children(c).into_iter();
                    let a = self.next_expr(&mut parts)?;
                    let b = self.next_expr(&mut parts)?;
                    let s = self.next_expr(&mut parts)?;
                    range = Some((a, b, s));
                }
                Rule::ms_from => from = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::ms_to => to = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::ms_step => step = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::by_clause => by = self.named_exprs(children(c).into_iter())?,
                _ => on = Some(self.expr(c)?),
            }
        }
        Ok(OpKind::MakeSeries {
            params,
            aggregates,
            on: on.ok_or_else(|| Diagnostic::internal("parser", "make-series on"))?,
            range,
            step,
            from,
            to,
            by,
        })
    }
}

/// Split `kind=...` off a `parse` operator's options.
pub(super) fn parse_kind(params: Vec<OpParam>) -> Result<(ParseKind, Vec<OpParam>)> {
    let mut kind = ParseKind::Simple;
    let mut rest = Vec::new();
    for p in params {
        if p.name.name != "kind" {
            rest.push(p);
            continue;
        }
        let text = match &p.value.kind {
            ExprKind::Name(n) => n.name.clone(),
            _ => String::new(),
        };
        kind = match text.as_str() {
            "simple" => ParseKind::Simple,
            "relaxed" => ParseKind::Relaxed,
            "regex" => ParseKind::Regex,
            _ => {
                return Err(Diagnostic::at(
                    Code::Syntax,
                    p.value.span,
                    format!("unknown parse kind '{text}'"),
                )
                .with_hint("parse kind is one of simple, relaxed or regex"));
            }
        };
    }
    Ok((kind, rest))
}

#[cfg(test)]
mod tests {
    use crate::ast::*;
    use crate::parse;
    use crate::parser::test_util::{last_op, names, params};
    use crate::printer::print_sexpr;

    #[test]
    fn project_family() {
        let OpKind::ProjectAway(p) = last_op("T | project-away a, B*, *_s, ['c d']") else {
            panic!()
        };
        let pats: Vec<(&str, bool)> = p
            .iter()
            .map(|c| (c.pattern.as_str(), c.has_wildcard))
            .collect();
        assert_eq!(
            pats,
            [("a", false), ("B*", true), ("*_s", true), ("c d", false)]
        );
        assert!(matches!(last_op("T | project-keep a*"), OpKind::ProjectKeep(p) if p.len() == 1));
        let OpKind::ProjectRename(r) = last_op("T | project-rename new = old, ['x y'] = z") else {
            panic!()
        };
        assert_eq!(
            (r[1].new_name.name.as_str(), r[1].old_name.name.as_str()),
            ("x y", "z")
        );
        let OpKind::ProjectReorder(k) = last_op("T | project-reorder a, b desc, c* granny-asc")
        else {
            panic!()
        };
        assert_eq!(k[1].order, Some(SortOrder::Desc));
        assert!(k[2].granny && k[2].order == Some(SortOrder::Asc) && k[2].pattern.has_wildcard);
    }

    #[test]
    fn sort_top_take_count_distinct() {
        let OpKind::Sort { keys, .. } =
            last_op("T | order by a, b asc, c desc nulls first, d nulls last")
        else {
            panic!()
        };
        let k: Vec<_> = keys.iter().map(|k| (k.order, k.nulls)).collect();
        assert_eq!(
            k,
            [
                (None, None),
                (Some(SortOrder::Asc), None),
                (Some(SortOrder::Desc), Some(NullsOrder::First)),
                (None, Some(NullsOrder::Last))
            ]
        );
        let OpKind::Top { count, by, .. } = last_op("T | top 10 by x asc nulls last") else {
            panic!()
        };
        assert_eq!(
            (print_sexpr(&count), by.order, by.nulls),
            ("10".into(), Some(SortOrder::Asc), Some(NullsOrder::Last))
        );
        assert!(matches!(last_op("T | take 5"), OpKind::Take(_)));
        assert!(matches!(last_op("T | limit 5"), OpKind::Take(_)));
        assert!(matches!(last_op("T | count"), OpKind::Count { name: None }));
        assert!(matches!(
            last_op("T | count as n"),
            OpKind::Count { name: Some(_) }
        ));
        let OpKind::Distinct(d) = last_op("T | distinct a, b") else {
            panic!()
        };
        assert_eq!(d.len(), 2);
        assert!(
            matches!(last_op("T | distinct *"), OpKind::Distinct(d) if d[0].kind == ExprKind::Star)
        );
        let OpKind::Summarize { by, .. } = last_op("T | distinct Url = RemoteUrl") else {
            panic!()
        };
        assert_eq!(names(&by), ["Url=RemoteUrl"]);
    }

    #[test]
    fn mv_expand_and_mv_apply() {
        let OpKind::MvExpand {
            params: p,
            columns,
            limit,
        } = last_op("T | mv-expand bagexpansion=array a, b = c to typeof(long) limit 3")
        else {
            panic!()
        };
        assert_eq!(params(&p), ["bagexpansion=array"]);
        assert_eq!(columns[1].name.as_ref().map(|n| n.name.as_str()), Some("b"));
        assert_eq!(columns[1].to_type, Some(TypeName::Long));
        assert!(limit.is_some());
        assert!(matches!(last_op("T | mvexpand x"), OpKind::MvExpand { .. }));
        let OpKind::MvApply {
            items,
            id_column,
            subquery,
            ..
        } = last_op(
            "T | mv-apply with_itemindex=i x to typeof(string) on (where x != '' | take 1)",
        )
        else {
            panic!()
        };
        assert_eq!(items[0].to_type, Some(TypeName::String));
        assert_eq!(id_column.map(|i| i.name), Some("i".to_string()));
        assert_eq!(print_sexpr(&subquery), "(| (| (input) where) take)");
    }

    #[test]
    fn parse_family() {
        let OpKind::Parse {
            kind,
            params: p,
            source,
            pattern,
        } = last_op(r#"T | parse kind=regex flags=Ui s with "a" x:long * y"#)
        else {
            panic!()
        };
        assert_eq!(
            (kind, params(&p), print_sexpr(&source)),
            (
                ParseKind::Regex,
                vec!["flags=Ui".to_string()],
                "s".to_string()
            )
        );
        assert_eq!(pattern.len(), 4);
        assert!(
            matches!(&pattern[1], ParsePart::Column { name, ty: Some(TypeName::Long) } if name.name == "x")
        );
        assert_eq!(pattern[2], ParsePart::Wildcard);
        assert!(matches!(
            last_op("T | parse-where s with * 'x' y"),
            OpKind::ParseWhere {
                kind: ParseKind::Simple,
                ..
            }
        ));
        let OpKind::ParseKv {
            columns, params: p, ..
        } = last_op("T | parse-kv s as (a:string) with (pair_delimiter=',')")
        else {
            panic!()
        };
        assert_eq!(
            (columns.len(), params(&p)),
            (1, vec!["pair_delimiter=\",\"".to_string()])
        );
        let d = parse("T | parse kind=fuzzy s with x").unwrap_err();
        assert!(
            d.message.contains("unknown parse kind 'fuzzy'"),
            "{}",
            d.message
        );
    }
}
