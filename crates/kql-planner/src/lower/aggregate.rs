//! Lowering of `summarize`: DataFusion's Aggregate node only takes bare
//! aggregate calls, so an aggregate wrapped in other expressions (`cast(sum(x))`,
//! `coalesce(min(s), '')`) is split: the inner calls are aggregated under
//! internal names and a projection on top computes the wrappers.
//!
//! Over a sorted input, `make_list` keeps the input's order ("If the input
//! to the summarize operator is sorted, the order of elements in the
//! resulting array tracks that of the input",
//! make-list-aggregation-function.md). DataFusion drops a sort that nothing
//! above requires and merges partitions in any order, so the rows are
//! numbered in sort order just above the sort (`row_number()` over the sort
//! keys), the number is carried up through the projections, filters and
//! limits between the sort and `summarize`, and the list aggregates order
//! their elements by it ([`kql_functions::aggregate::in_row_order`]).

use super::build::BuildExt;
use super::{column, df_err};
use crate::bound::BExpr;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Projection};
use kql_functions::aggregate::in_row_order;
use kql_syntax::Diagnostic;
use std::sync::Arc;

/// The row number in sort order, carried from the sort to `summarize`.
const ORD: &str = "__kql_ord";

/// Whether `e` holds an aggregate whose result depends on row order.
fn is_order_sensitive(e: &Expr) -> bool {
    e.exists(|e| {
        Ok(matches!(e, Expr::AggregateFunction(f)
            if in_row_order(&f.func, &f.params.args, column(ORD)).is_some()))
    })
    .unwrap_or(false)
}

/// `plan` with the column [`ORD`] numbering its rows in the order of the
/// sort it reads through projections, filters and limits; `None` when no
/// sort is reached that way (the input order is undefined).
fn number_rows_in_sort_order(plan: &LogicalPlan) -> Result<Option<LogicalPlan>, Diagnostic> {
    match plan {
        LogicalPlan::Sort(sort) => {
            let b = LogicalPlanBuilder::from(plan.clone());
            Ok(Some(
                super::window::numbered(b, &[], &sort.expr, ORD)?
                    .build()
                    .map_err(df_err)?,
            ))
        }
        LogicalPlan::Projection(p) => {
            let Some(input) = number_rows_in_sort_order(&p.input)? else {
                return Ok(None);
            };
            let mut exprs = p.expr.clone();
            exprs.push(column(ORD));
            let node = Projection::try_new(exprs, Arc::new(input)).map_err(df_err)?;
            Ok(Some(LogicalPlan::Projection(node)))
        }
        LogicalPlan::Filter(_) | LogicalPlan::Limit(_) | LogicalPlan::SubqueryAlias(_) => {
            let [input] = plan.inputs()[..] else {
                return Ok(None);
            };
            let Some(input) = number_rows_in_sort_order(input)? else {
                return Ok(None);
            };
            plan.with_new_exprs(plan.expressions(), vec![input])
                .map(Some)
                .map_err(df_err)
        }
        _ => Ok(None),
    }
}

/// Over a sorted input, the input numbered in sort order and the
/// aggregates with their order-keeping forms; otherwise both unchanged.
fn keep_sort_order(
    input: LogicalPlanBuilder,
    aggregates: &[BExpr],
) -> Result<(LogicalPlanBuilder, Vec<BExpr>), Diagnostic> {
    if !aggregates.iter().any(|a| is_order_sensitive(&a.expr)) {
        return Ok((input, aggregates.to_vec()));
    }
    let plan = input.build().map_err(df_err)?;
    let Some(numbered) = number_rows_in_sort_order(&plan)? else {
        return Ok((LogicalPlanBuilder::from(plan), aggregates.to_vec()));
    };
    let ordered = aggregates
        .iter()
        .map(|a| {
            let expr = a
                .expr
                .clone()
                .transform_down(|e| match &e {
                    Expr::AggregateFunction(f) => {
                        match in_row_order(&f.func, &f.params.args, column(ORD)) {
                            Some(o) => Ok(Transformed::yes(o)),
                            None => Ok(Transformed::no(e)),
                        }
                    }
                    _ => Ok(Transformed::no(e)),
                })
                .map_err(df_err)?
                .data;
            Ok(BExpr { expr, ..a.clone() })
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    Ok((LogicalPlanBuilder::from(numbered), ordered))
}

fn unalias(e: &Expr) -> (&Expr, Option<&str>) {
    match e {
        Expr::Alias(a) => (&a.expr, Some(a.name.as_str())),
        other => (other, None),
    }
}

pub(super) fn lower(
    input: LogicalPlanBuilder,
    keys: &[BExpr],
    aggregates: &[BExpr],
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let (input, aggregates) = keep_sort_order(input, aggregates)?;
    let mut agg_exprs: Vec<Expr> = Vec::new();
    let mut post: Vec<Expr> = Vec::new();
    let mut needs_projection = false;
    let mut shared: Vec<(Expr, String)> = Vec::new();
    for a in &aggregates {
        let (inner, name) = unalias(&a.expr);
        let name = name.unwrap_or("agg").to_string();
        if matches!(inner, Expr::AggregateFunction(_)) {
            agg_exprs.push(inner.clone().alias(name.clone()));
            post.push(column(&name));
            continue;
        }
        needs_projection = true;
        let rewritten = inner
            .clone()
            .transform_down(|e| {
                if matches!(e, Expr::AggregateFunction(_)) {
                    // the same aggregate twice (the fields of arg_max's row)
                    // is computed once
                    if let Some(internal) = shared.iter().find(|(a, _)| a == &e).map(|(_, n)| n) {
                        return Ok(Transformed::new(
                            column(internal),
                            true,
                            datafusion::common::tree_node::TreeNodeRecursion::Jump,
                        ));
                    }
                    let internal = format!("__kql_agg_{}", agg_exprs.len());
                    shared.push((e.clone(), internal.clone()));
                    agg_exprs.push(e.alias(internal.clone()));
                    Ok(Transformed::new(
                        column(&internal),
                        true,
                        datafusion::common::tree_node::TreeNodeRecursion::Jump,
                    ))
                } else {
                    Ok(Transformed::no(e))
                }
            })
            .map_err(df_err)?
            .data;
        post.push(rewritten.alias(name));
    }
    let key_names: Vec<String> = keys
        .iter()
        .map(|k| unalias(&k.expr).1.unwrap_or("key").to_string())
        .collect();
    let b = input.group(keys.iter().map(|k| k.expr.clone()), agg_exprs)?;
    if !needs_projection {
        return Ok(b);
    }
    let mut proj: Vec<Expr> = key_names.iter().map(|n| column(n)).collect();
    proj.extend(post);
    b.select_exprs(proj)
}
