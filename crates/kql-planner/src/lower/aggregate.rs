//! Lowering of `summarize`: DataFusion's Aggregate node only takes bare
//! aggregate calls, so an aggregate wrapped in other expressions (`cast(sum(x))`,
//! `coalesce(min(s), '')`) is split: the inner calls are aggregated under
//! internal names and a projection on top computes the wrappers.

use super::build::BuildExt;
use super::{column, df_err};
use crate::bound::BExpr;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Diagnostic;

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
    let mut agg_exprs: Vec<Expr> = Vec::new();
    let mut post: Vec<Expr> = Vec::new();
    let mut needs_projection = false;
    for a in aggregates {
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
                    let internal = format!("__kql_agg_{}", agg_exprs.len());
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
