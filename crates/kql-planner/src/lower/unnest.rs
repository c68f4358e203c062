//! Operators that compute hidden helper columns, then build their outputs
//! from them: `parse` (one struct of parsed values per row, then its fields)
//! and `mv-expand` (lists of items, unnested together).

use super::build::BuildExt;
use super::{Required, column, columns_of, df_err, field_names, lower_node};
use crate::bound::{BExpr, BoundTabular};
use crate::catalog::Catalog;
use datafusion::common::{Column, UnnestOptions};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_functions::tabular::{ParseSpec, mv_expand_index_expr, parse_field_expr};
use kql_syntax::Diagnostic;
use std::collections::HashSet;

/// The hidden column holding the parse struct.
const PARSED: &str = "__kql_parsed";

/// The columns of `t` the plan needs, in order.
fn wanted<'a>(t: &'a BoundTabular, required: &Required) -> Vec<&'a str> {
    t.columns
        .iter()
        .filter(|c| required.as_ref().is_none_or(|r| r.contains(&c.name)))
        .map(|c| c.name.as_str())
        .collect()
}

pub(super) fn lower_parse(
    t: &BoundTabular,
    input: &BoundTabular,
    call: &Expr,
    fields: &[(String, String)],
    matched_only: bool,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let produced: HashSet<&str> = fields.iter().map(|(c, _)| c.as_str()).collect();
    let needed = required.as_ref().map(|r| {
        let mut n: HashSet<String> = r
            .iter()
            .filter(|c| !produced.contains(c.as_str()))
            .cloned()
            .collect();
        n.extend(columns_of([call]));
        n
    });
    let b = lower_node(input, catalog, needed)?;
    let mut exprs: Vec<Expr> = field_names(&b).iter().map(|n| column(n)).collect();
    exprs.push(call.clone().alias(PARSED));
    let mut b = b.select_exprs(exprs)?;
    if matched_only {
        b = b.keep(parse_field_expr(column(PARSED), ParseSpec::MATCHED))?;
    }
    let out =
        wanted(t, &required)
            .into_iter()
            .map(|name| match fields.iter().find(|(c, _)| c == name) {
                Some((_, f)) => parse_field_expr(column(PARSED), f).alias(name),
                None => column(name),
            });
    b.select_exprs(out)
}

pub(super) fn lower_expand(
    t: &BoundTabular,
    input: &BoundTabular,
    lists: &[(String, Expr)],
    index: Option<&str>,
    outputs: &[BExpr],
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let kept: Vec<(&str, &BExpr)> = t
        .columns
        .iter()
        .zip(outputs)
        .filter(|(c, _)| required.as_ref().is_none_or(|r| r.contains(&c.name)))
        .map(|(c, e)| (c.name.as_str(), e))
        .collect();
    let hidden: HashSet<&str> = lists.iter().map(|(n, _)| n.as_str()).chain(index).collect();
    let mut needed = columns_of(lists.iter().map(|(_, e)| e));
    needed.extend(
        columns_of(kept.iter().map(|(_, e)| &e.expr))
            .into_iter()
            .filter(|c| !hidden.contains(c.as_str())),
    );
    let b = lower_node(input, catalog, Some(needed.clone()))?;
    let mut exprs: Vec<Expr> = field_names(&b)
        .iter()
        .filter(|n| needed.contains(*n))
        .map(|n| column(n))
        .collect();
    exprs.extend(lists.iter().map(|(n, e)| e.clone().alias(n)));
    let mut b = b.select_exprs(exprs)?;
    let mut unnest: Vec<Column> = lists.iter().map(|(n, _)| Column::from_name(n)).collect();
    if let Some(ix) = index {
        let mut exprs: Vec<Expr> = field_names(&b).iter().map(|n| column(n)).collect();
        let of = lists.iter().map(|(n, _)| column(n)).collect();
        exprs.push(mv_expand_index_expr(of).alias(ix));
        b = b.select_exprs(exprs)?;
        unnest.push(Column::from_name(ix));
    }
    b.unnest_columns_with_options(unnest, UnnestOptions::default())
        .map_err(df_err)?
        .select_exprs(kept.into_iter().map(|(name, e)| e.expr.clone().alias(name)))
}
