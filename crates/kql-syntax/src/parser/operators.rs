//! Pipelines and tabular operators: `source | op | op` folded into
//! `ExprKind::Pipe`, and each operator rule of `kql.pest` turned into its
//! `ast::OpKind`. Operators whose structure we do not model keep their text.

use super::clauses::parse_kind;
use super::{Builder, Result, Rule, children, span_of};
use crate::ast::{
    Expr, ExprKind, FindColumn, FindOutput, NamedExpr, OpKind, OpParam, TabularOp, TopNestedLevel,
};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use pest::iterators::Pair;

impl Builder {
    /// `head | op | op ...` (a head alone is returned as is).
    pub(super) fn pipe_expr(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let parts = children(p);
        let levels = parts.len().saturating_sub(1);
        self.descend(levels, span)?;
        let mut it = parts.into_iter();
        let head = it
            .next()
            .ok_or_else(|| Diagnostic::internal("parser", "pipeline"))?;
        let mut e = match head.as_rule() {
            Rule::expr => self.expr(head)?,
            _ => {
                let op = self.tab_op(head)?;
                Expr {
                    span: op.span,
                    kind: ExprKind::Source(Box::new(op)),
                }
            }
        };
        for op in it {
            e = self.pipe_step(e, op)?;
        }
        self.ascend(levels);
        Ok(e)
    }

    /// The operators of `mv-apply ... on (where ... | ...)`, applied to the implicit input.
    pub(super) fn subquery(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let parts = children(p);
        let levels = parts.len();
        self.descend(levels, span)?;
        let mut e = Expr {
            kind: ExprKind::ImplicitInput,
            span: Span::new(span.start, span.start),
        };
        for op in parts {
            e = self.pipe_step(e, op)?;
        }
        self.ascend(levels);
        Ok(e)
    }

    fn pipe_step(&mut self, source: Expr, op: Pair<'_, Rule>) -> Result<Expr> {
        let op = self.tab_op(op)?;
        let span = Span::new(source.span.start, op.span.end);
        Ok(Expr {
            kind: ExprKind::Pipe {
                source: Box::new(source),
                op: Box::new(op),
            },
            span,
        })
    }

    /// A `tab_op` pair or one of its alternatives.
    fn tab_op(&mut self, p: Pair<'_, Rule>) -> Result<TabularOp> {
        if p.as_rule() == Rule::tab_op {
            let inner = children(p).into_iter().next();
            return self.tab_op(inner.ok_or_else(|| Diagnostic::internal("parser", "tab_op"))?);
        }
        let span = span_of(&p);
        self.descend(1, span)?;
        let kind = self.op_kind(p)?;
        self.ascend(1);
        Ok(TabularOp { kind, span })
    }

    /// `find [params] [in (...)] [where] Predicate [project-smart | project ...]`.
    fn find<'a>(
        &mut self,
        params: Vec<OpParam>,
        parts: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Result<OpKind> {
        let mut tables = Vec::new();
        let mut predicate = None;
        let mut output = FindOutput::Smart;
        for part in parts {
            match part.as_rule() {
                Rule::find_in => {
                    for t in children(part) {
                        tables.push(self.expr(t)?);
                    }
                }
                Rule::find_output => {
                    let mut columns = Vec::new();
                    let mut pack_all = false;
                    for c in children(part) {
                        let span = span_of(&c);
                        match c.as_rule() {
                            Rule::kw_project_smart => {}
                            Rule::find_column => {
                                let Some(inner) = children(c).into_iter().next() else {
                                    return Err(Diagnostic::internal("parser", "find column"));
                                };
                                match inner.as_rule() {
                                    Rule::find_pack_all => pack_all = true,
                                    Rule::col_decl => {
                                        let d = self.col_decl(inner)?;
                                        columns.push(FindColumn {
                                            name: d.name,
                                            ty: Some(d.ty),
                                            span,
                                        });
                                    }
                                    _ => columns.push(FindColumn {
                                        name: self.any_name(inner)?,
                                        ty: None,
                                        span,
                                    }),
                                }
                            }
                            _ => return Err(Diagnostic::internal("parser", "find output")),
                        }
                    }
                    if !columns.is_empty() || pack_all {
                        output = FindOutput::Columns { columns, pack_all };
                    }
                }
                _ => predicate = Some(self.expr(part)?),
            }
        }
        Ok(OpKind::Find {
            params,
            tables,
            predicate: predicate.ok_or_else(|| Diagnostic::internal("parser", "find"))?,
            output,
        })
    }

    fn op_kind(&mut self, p: Pair<'_, Rule>) -> Result<OpKind> {
        let rule = p.as_rule();
        let text = p.as_str();
        let raw = || text[..super::code_len(text)].to_string();
        let mut params = Vec::new();
        let mut rest = Vec::new();
        for c in children(p) {
            if matches!(
                c.as_rule(),
                Rule::op_param | Rule::hint_param | Rule::with_param
            ) {
                params.extend(self.op_params(c)?);
            } else {
                rest.push(c);
            }
        }
        let mut it = rest.into_iter();
        Ok(match rule {
            Rule::where_op => OpKind::Where {
                params,
                predicate: self.next_expr(&mut it)?,
            },
            Rule::project_op => OpKind::Project(self.named_exprs(it)?),
            Rule::extend_op => OpKind::Extend(self.named_exprs(it)?),
            Rule::serialize_op => OpKind::Serialize(self.named_exprs(it)?),
            Rule::print_op => OpKind::Print(self.named_exprs(it)?),
            Rule::project_away_op => {
                OpKind::ProjectAway(it.map(|c| self.col_pattern(c)).collect::<Result<_>>()?)
            }
            Rule::project_keep_op => {
                OpKind::ProjectKeep(it.map(|c| self.col_pattern(c)).collect::<Result<_>>()?)
            }
            Rule::project_rename_op => {
                OpKind::ProjectRename(it.map(|c| self.rename_pair(c)).collect::<Result<_>>()?)
            }
            Rule::project_by_names_op => {
                OpKind::ProjectByNames(it.map(|e| self.expr(e)).collect::<Result<_>>()?)
            }
            Rule::project_reorder_op => {
                OpKind::ProjectReorder(it.map(|c| self.reorder_key(c)).collect::<Result<_>>()?)
            }
            Rule::summarize_op => {
                let mut aggregates = Vec::new();
                let mut by = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::by_clause => by = self.named_exprs(children(c).into_iter())?,
                        _ => aggregates.push(self.named_expr(c)?),
                    }
                }
                OpKind::Summarize {
                    params,
                    aggregates,
                    by,
                }
            }
            Rule::count_op => OpKind::Count {
                name: it.next().map(|n| self.any_name(n)).transpose()?,
            },
            Rule::take_op => OpKind::Take(self.next_expr(&mut it)?),
            Rule::top_op => {
                let count = self.next_expr(&mut it)?;
                let key = it
                    .next()
                    .ok_or_else(|| Diagnostic::internal("parser", "top"))?;
                OpKind::Top {
                    count,
                    by: self.sort_key(key)?,
                    with_others: None,
                }
            }
            Rule::sort_op => OpKind::Sort {
                params,
                keys: it.map(|k| self.sort_key(k)).collect::<Result<_>>()?,
            },
            Rule::distinct_op => {
                let mut items = Vec::new();
                for c in it {
                    items.push(match c.as_rule() {
                        Rule::star => NamedExpr {
                            names: Vec::new(),
                            span: span_of(&c),
                            expr: self.expr(c)?,
                        },
                        _ => self.named_expr(c)?,
                    });
                }
                if items.iter().any(|n| !n.names.is_empty()) {
                    // `distinct Name = expr` is `summarize by Name = expr`.
                    OpKind::Summarize {
                        params,
                        aggregates: Vec::new(),
                        by: items,
                    }
                } else {
                    OpKind::Distinct(items.into_iter().map(|n| n.expr).collect())
                }
            }
            Rule::as_op => OpKind::As {
                params,
                name: self.any_name(
                    it.next()
                        .ok_or_else(|| Diagnostic::internal("parser", "as"))?,
                )?,
            },
            Rule::join_op | Rule::lookup_op => {
                let right = self.next_expr(&mut it)?;
                let on = match it.next() {
                    Some(on) => children(on)
                        .into_iter()
                        .map(|e| self.expr(e))
                        .collect::<Result<_>>()?,
                    None => Vec::new(),
                };
                if rule == Rule::join_op {
                    OpKind::Join { params, right, on }
                } else {
                    OpKind::Lookup { params, right, on }
                }
            }
            Rule::mv_expand_op | Rule::mv_apply_op => self.mv_op(rule, params, it)?,
            Rule::parse_op | Rule::parse_where_op => {
                let (kind, params) = parse_kind(params)?;
                let source = self.next_expr(&mut it)?;
                let pattern = it
                    .next()
                    .ok_or_else(|| Diagnostic::internal("parser", "parse"))?;
                let pattern = self.parse_pattern(pattern)?;
                if rule == Rule::parse_op {
                    OpKind::Parse {
                        kind,
                        params,
                        source,
                        pattern,
                    }
                } else {
                    OpKind::ParseWhere {
                        kind,
                        params,
                        source,
                        pattern,
                    }
                }
            }
            Rule::parse_kv_op => {
                let source = self.next_expr(&mut it)?;
                let columns = it.map(|c| self.col_decl(c)).collect::<Result<_>>()?;
                OpKind::ParseKv {
                    source,
                    columns,
                    params,
                }
            }
            Rule::make_series_op => self.make_series(params, it)?,
            Rule::evaluate_op => OpKind::Evaluate {
                params,
                call: self.next_expr(&mut it)?,
                schema: it.next().map(|t| self.tabular_type(t)).transpose()?,
            },
            Rule::render_op => OpKind::Render {
                chart: self.any_name(
                    it.next()
                        .ok_or_else(|| Diagnostic::internal("parser", "render"))?,
                )?,
                params,
                raw: raw(),
            },
            Rule::invoke_op => OpKind::Invoke(self.next_expr(&mut it)?),
            Rule::sample_op => OpKind::Sample(self.next_expr(&mut it)?),
            Rule::sample_distinct_op => OpKind::SampleDistinct {
                count: self.next_expr(&mut it)?,
                column: self.next_expr(&mut it)?,
            },
            Rule::getschema_op => OpKind::GetSchema,
            Rule::consume_op => OpKind::Consume { params },
            Rule::union_op => OpKind::Union {
                params,
                tables: it.map(|t| self.expr(t)).collect::<Result<_>>()?,
            },
            Rule::search_op => {
                let mut exprs = it.map(|t| self.expr(t)).collect::<Result<Vec<_>>>()?;
                let predicate = exprs
                    .pop()
                    .ok_or_else(|| Diagnostic::internal("parser", "search"))?;
                OpKind::Search {
                    params,
                    tables: exprs,
                    predicate,
                }
            }
            Rule::range_op => {
                let column = self.any_name(
                    it.next()
                        .ok_or_else(|| Diagnostic::internal("parser", "range"))?,
                )?;
                OpKind::Range {
                    column,
                    from: self.next_expr(&mut it)?,
                    to: self.next_expr(&mut it)?,
                    step: self.next_expr(&mut it)?,
                }
            }
            Rule::datatable_op => {
                let mut columns = Vec::new();
                let mut values = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::col_decl => columns.push(self.col_decl(c)?),
                        _ => values.push(self.expr(c)?),
                    }
                }
                OpKind::Datatable { columns, values }
            }
            Rule::externaldata_op => {
                let mut columns = Vec::new();
                let mut urls = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::col_decl => columns.push(self.col_decl(c)?),
                        _ => urls.push(self.expr(c)?),
                    }
                }
                OpKind::ExternalData {
                    columns,
                    urls,
                    params,
                }
            }
            Rule::top_nested_op => OpKind::TopNested(
                it.map(|level| self.top_nested_level(level))
                    .collect::<Result<_>>()?,
            ),
            Rule::top_hitters_op => OpKind::TopHitters { raw: raw() },
            Rule::find_op => self.find(params, it)?,
            Rule::fork_op => OpKind::Fork { raw: raw() },
            Rule::facet_op => OpKind::Facet { raw: raw() },
            Rule::partition_op => {
                let column = self.any_name(
                    it.next()
                        .ok_or_else(|| Diagnostic::internal("parser", "partition"))?,
                )?;
                let body = it
                    .next()
                    .ok_or_else(|| Diagnostic::internal("parser", "partition"))?;
                let (subquery, source) = if body.as_rule() == Rule::partition_source {
                    let inner = children(body)
                        .into_iter()
                        .next()
                        .ok_or_else(|| Diagnostic::internal("parser", "partition"))?;
                    (None, Some(self.expr(inner)?))
                } else {
                    (Some(self.subquery(body)?), None)
                };
                OpKind::Partition {
                    params,
                    column,
                    subquery,
                    source,
                }
            }
            Rule::scan_op => OpKind::Scan(self.scan_op(params, it)?),
            Rule::reduce_op => OpKind::Reduce { raw: raw() },
            Rule::make_graph_op
            | Rule::graph_match_op
            | Rule::graph_shortest_paths_op
            | Rule::graph_to_table_op
            | Rule::graph_mark_components_op => {
                OpKind::Graph(self.graph_op(rule, raw(), it.collect())?)
            }
            Rule::other_op => {
                let raw = raw();
                let name = raw
                    .split(|c: char| c.is_whitespace() || c == '(')
                    .next()
                    .unwrap_or("")
                    .to_string();
                OpKind::Other { name, raw }
            }
            _ => {
                return Err(Diagnostic::internal(
                    "parser",
                    format!("no builder for {rule:?}"),
                ));
            }
        })
    }

    pub(super) fn next_expr<'i>(
        &mut self,
        it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Result<Expr> {
        let p = it
            .next()
            .ok_or_else(|| Diagnostic::internal("parser", "missing operand"))?;
        self.expr(p)
    }

    fn top_nested_level(&mut self, p: Pair<'_, Rule>) -> Result<TopNestedLevel> {
        let span = span_of(&p);
        let mut count = None;
        let mut others = None;
        let mut named = Vec::new();
        let mut ascending = false;
        for c in children(p) {
            match c.as_rule() {
                Rule::tn_count => count = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::tn_others => others = Some(self.next_expr(&mut children(c).into_iter())?),
                Rule::named_expr => named.push(self.named_expr(c)?),
                Rule::sort_order => ascending = c.as_str() == "asc",
                _ => return Err(super::shape(&c)),
            }
        }
        let [of, by]: [NamedExpr; 2] = named
            .try_into()
            .map_err(|_| Diagnostic::internal("parser", "top-nested level"))?;
        Ok(TopNestedLevel {
            count,
            of,
            others,
            by,
            ascending,
            span,
        })
    }

    pub(super) fn named_exprs<'i>(
        &mut self,
        it: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Result<Vec<NamedExpr>> {
        it.map(|c| self.named_expr(c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::*;
    use crate::parser::test_util::{last_op, names, params};
    use crate::printer::{op_name, print_sexpr};

    #[test]
    fn where_project_extend() {
        let OpKind::Where {
            params: p,
            predicate,
        } = last_op("T | where hint.x=y a > 1")
        else {
            panic!()
        };
        assert_eq!(
            (params(&p), print_sexpr(&predicate)),
            (vec!["hint.x=y".to_string()], "(> a 1)".to_string())
        );
        assert!(matches!(last_op("T | filter a"), OpKind::Where { .. }));
        let OpKind::Project(items) = last_op("T | project a, b = c + 1, (x, y) = f()") else {
            panic!()
        };
        assert_eq!(names(&items), ["=a", "b=(+ c 1)", "x,y=(call f)"]);
        let OpKind::Extend(items) = last_op("T | extend ['a b'] = 1") else {
            panic!()
        };
        assert_eq!(names(&items), ["a b=1"]);
    }

    #[test]
    fn summarize_forms() {
        let OpKind::Summarize {
            params: p,
            aggregates,
            by,
        } = last_op(
            "T | summarize hint.strategy=shuffle n = count(), (a, b) = arg_max(t, x) by bin(t, 1h), k = lower(k)",
        )
        else {
            panic!()
        };
        assert_eq!(params(&p), ["hint.strategy=shuffle"]);
        assert_eq!(
            names(&aggregates),
            ["n=(call count)", "a,b=(call arg_max t x)"]
        );
        assert_eq!(
            names(&by),
            ["=(call bin t timespan(01:00:00))", "k=(call lower k)"]
        );
        let OpKind::Summarize { aggregates, by, .. } = last_op("T | summarize by a, b") else {
            panic!()
        };
        assert!(aggregates.is_empty() && by.len() == 2);
        let OpKind::Summarize { aggregates, by, .. } = last_op("T | summarize count()") else {
            panic!()
        };
        assert!(aggregates.len() == 1 && by.is_empty());
    }

    #[test]
    fn join_lookup_union_as() {
        let OpKind::Join {
            params: p,
            right,
            on,
        } = last_op(
            "T | join kind=leftouter hint.strategy=broadcast (U | where x) on a, $left.b == $right.c",
        )
        else {
            panic!()
        };
        assert_eq!(params(&p), ["kind=leftouter", "hint.strategy=broadcast"]);
        assert_eq!(print_sexpr(&right), "(| U where)");
        let on: Vec<String> = on.iter().map(print_sexpr).collect();
        assert_eq!(on, ["a", "(== (. $left b) (. $right c))"]);
        let OpKind::Join { right, on, .. } = last_op("T | join U on k") else {
            panic!()
        };
        assert_eq!((print_sexpr(&right), on.len()), ("U".into(), 1));
        assert!(matches!(
            last_op("T | lookup kind=inner U on k"),
            OpKind::Lookup { .. }
        ));
        let OpKind::Union { params: p, tables } =
            last_op("union isfuzzy=true withsource=S A, (B | take 1), C*, f()")
        else {
            panic!()
        };
        assert_eq!(params(&p), ["isfuzzy=true", "withsource=S"]);
        let t: Vec<String> = tables.iter().map(print_sexpr).collect();
        assert_eq!(t, ["A", "(| B take)", "C*", "(call f)"]);
        let OpKind::As { params: p, name } = last_op("T | as hint.materialized=true X") else {
            panic!()
        };
        assert_eq!(
            (params(&p), name.name),
            (vec!["hint.materialized=true".to_string()], "X".to_string())
        );
    }

    #[test]
    fn make_series_evaluate_render_and_friends() {
        let OpKind::MakeSeries {
            params: p,
            aggregates,
            on,
            from,
            to,
            step,
            by,
            range,
        } = last_op("T | make-series n = count() default = 0 on t from a to b step 1h by k")
        else {
            panic!()
        };
        assert_eq!(params(&p), ["default=0"]);
        assert_eq!(
            (aggregates.len(), print_sexpr(&on), by.len()),
            (1, "t".to_string(), 1)
        );
        assert!(from.is_some() && to.is_some() && step.is_some() && range.is_none());
        let OpKind::MakeSeries { range, .. } =
            last_op("T | make-series count() on t in range(a, b, 1d)")
        else {
            panic!()
        };
        assert!(range.is_some());
        let OpKind::Evaluate { call, schema, .. } =
            last_op("T | evaluate bag_unpack(x) : (a:string, *)")
        else {
            panic!()
        };
        assert_eq!(print_sexpr(&call), "(call bag_unpack x)");
        let (columns, open) = schema.expect("the output schema is kept");
        assert_eq!(columns.len(), 1);
        assert_eq!(columns[0].name.name, "a");
        assert!(open);
        let OpKind::Render {
            chart, params: p, ..
        } = last_op("T | render timechart with (title='x', ycolumns=a, b)")
        else {
            panic!()
        };
        assert_eq!(
            (chart.name, params(&p)),
            (
                "timechart".to_string(),
                vec![
                    "title=\"x\"".to_string(),
                    "ycolumns=a".into(),
                    "ycolumns=b".into()
                ]
            )
        );
        assert!(
            matches!(last_op("T | serialize n = row_number()"), OpKind::Serialize(v) if v.len() == 1)
        );
        assert!(matches!(last_op("T | invoke f(1)"), OpKind::Invoke(_)));
        assert!(matches!(last_op("T | sample 3"), OpKind::Sample(_)));
        assert!(matches!(
            last_op("T | sample-distinct 3 of c"),
            OpKind::SampleDistinct { .. }
        ));
        assert!(matches!(last_op("T | getschema"), OpKind::GetSchema));
        assert!(matches!(last_op("T | consume"), OpKind::Consume { .. }));
    }

    #[test]
    fn sources() {
        assert!(matches!(last_op("print 1, x = 2"), OpKind::Print(v) if v.len() == 2));
        let OpKind::Range { column, .. } = last_op("range i from 1 to 10 step 2") else {
            panic!()
        };
        assert_eq!(column.name, "i");
        let OpKind::Datatable { columns, values } =
            last_op("datatable(a:string, b:long)['x', 1, 'y', 2,]")
        else {
            panic!()
        };
        assert_eq!((columns.len(), values.len()), (2, 4));
        let OpKind::ExternalData {
            columns,
            urls,
            params: p,
        } = last_op(
            "externaldata(a:string)[h@'https://x/y.csv'] with (format='csv', ignoreFirstRecord=true)",
        )
        else {
            panic!()
        };
        assert_eq!((columns.len(), urls.len(), params(&p).len()), (1, 1, 2));
        let OpKind::Search {
            tables, predicate, ..
        } = last_op("search in (A, B) 'x'")
        else {
            panic!()
        };
        assert_eq!(
            (tables.len(), print_sexpr(&predicate)),
            (2, "\"x\"".to_string())
        );
        let OpKind::Find {
            params: p,
            tables,
            predicate,
            output,
        } = last_op("find withsource=T in (A, B*) where x == 1 project a, b:long, pack_all()")
        else {
            panic!()
        };
        assert_eq!(
            (params(&p).len(), tables.len(), print_sexpr(&predicate)),
            (1, 2, "(== x 1)".to_string())
        );
        let FindOutput::Columns { columns, pack_all } = output else {
            panic!()
        };
        assert!(pack_all);
        assert_eq!(
            columns
                .iter()
                .map(|c| (c.name.name.as_str(), c.ty))
                .collect::<Vec<_>>(),
            [("a", None), ("b", Some(TypeName::Long))]
        );
        for q in [
            "find \"x\"",
            "find x == 1 project-smart",
            "find in (T) where *",
        ] {
            assert!(
                matches!(
                    last_op(q),
                    OpKind::Find {
                        output: FindOutput::Smart,
                        ..
                    }
                ),
                "{q}"
            );
        }
    }

    #[test]
    fn scan_clauses_and_steps() {
        let OpKind::Scan(scan) = last_op(
            "T | scan with_match_id=m declare (c: long = 0, s: string) with (\n\
             step a: x > 1 => c = a.c + x;\n\
             step b output=none: x == 2;\n\
             step c optional output=last: true => c = 1, s = 'z';\n)",
        ) else {
            panic!()
        };
        assert_eq!(params(&scan.params), ["with_match_id=m"]);
        let declared: Vec<(&str, bool)> = scan
            .declare
            .iter()
            .map(|p| (p.name.name.as_str(), p.default.is_some()))
            .collect();
        assert_eq!(declared, [("c", true), ("s", false)]);
        let steps: Vec<(&str, bool, ScanOutput, usize)> = scan
            .steps
            .iter()
            .map(|s| {
                (
                    s.name.name.as_str(),
                    s.optional,
                    s.output,
                    s.assignments.len(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("a", false, ScanOutput::All, 1),
                ("b", false, ScanOutput::None, 0),
                ("c", true, ScanOutput::Last, 2)
            ]
        );
        assert!(scan.order.is_empty() && scan.partition.is_empty());
        let OpKind::Scan(scan) =
            last_op("T | scan order by t asc partition by k, j with (step s: true;)")
        else {
            panic!()
        };
        assert_eq!((scan.order.len(), scan.partition.len()), (1, 2));
    }

    #[test]
    fn partition_by_column_and_subquery() {
        let OpKind::Partition {
            params: p,
            column,
            subquery,
            source,
        } = last_op("T | partition hint.strategy=native by a (summarize count() | take 1)")
        else {
            panic!()
        };
        assert_eq!((params(&p).len(), column.name.as_str()), (1, "a"));
        assert!(subquery.is_some() && source.is_none());
        let OpKind::Partition {
            subquery, source, ..
        } = last_op("T | partition by a { U | where b == toscalar(a) }")
        else {
            panic!()
        };
        assert!(subquery.is_none() && source.is_some());
    }

    #[test]
    fn raw_operators_keep_their_text() {
        for (src, name) in [
            ("T | top-hitters 3 of a", "top-hitters"),
            ("T | fork (where a | count) (take 1)", "fork"),
            ("T | facet by a", "facet"),
            ("T | reduce by a", "reduce"),
            ("T | project-smart a", "project-smart"),
        ] {
            let op = last_op(&format!("{src} // comment\n"));
            assert_eq!(op_name(&op), name);
            let raw = match &op {
                OpKind::TopHitters { raw }
                | OpKind::Fork { raw }
                | OpKind::Facet { raw }
                | OpKind::Reduce { raw }
                | OpKind::Other { raw, .. } => raw.clone(),
                _ => panic!("{src}"),
            };
            assert_eq!(raw, &src[4..], "{src}");
        }
    }
}
