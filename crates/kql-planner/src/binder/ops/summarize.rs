//! `summarize aggs by keys` and `count`.
//!
//! Output: the by-keys first (in order), then the aggregates. Unnamed keys
//! take the name of the column they derive from (`bin(TimeGenerated, 1h)` →
//! `TimeGenerated`); unnamed aggregates take Kusto's default names
//! (`count_`, `sum_x`, ...). Null keys form their own group.

use super::super::aggregates::{
    bind_aggregate, bind_columns, default_name, is_aggregate, is_multi_column,
};
use super::super::naming::{NameGen, derived_name, derived_unique_name, unique_name};
use super::Binder;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::common::tree_node::TreeNode;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::lit;
use kql_syntax::ast::{ExprKind, Ident, NamedExpr};
use kql_syntax::{Code, Diagnostic};

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    aggregates: &[NamedExpr],
    by: &[NamedExpr],
) -> Result<BoundTabular, Diagnostic> {
    let mut names: Vec<String> = Vec::new();
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    let mut names_gen = NameGen::default();
    for item in by {
        let v = b.bind_scalar(&item.expr, &input.columns)?;
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            [] => derived_unique_name(&item.expr, &|n| input.column(n).is_some(), |c| {
                names.iter().any(|t| t == c)
            })
            .unwrap_or_else(|| names_gen.column(&|n| names.iter().any(|t| t == n))),
            many => return Err(multi_name(many)),
        };
        if names.contains(&name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        names.push(name.clone());
        columns.push(BoundColumn::new(name.clone(), v.ty));
        keys.push(BExpr::new(v.expr.alias(name), v.ty));
    }
    // the `by` columns `arg_max(x, *)` leaves out: plain columns kept as keys
    let key_columns: Vec<String> = by
        .iter()
        .zip(&names)
        .filter(|(item, name)| matches!(&item.expr.kind, ExprKind::Name(id) if &id.name == *name))
        .map(|(_, name)| name.clone())
        .collect();
    // the names written in the query (by-keys and `Name = agg`)
    let mut declared: Vec<String> = names.clone();
    let mut aggs = Vec::new();
    let mut push = |name: String, v: BExpr, names: &mut Vec<String>| {
        names.push(name.clone());
        columns.push(BoundColumn::new(name.clone(), v.ty));
        aggs.push(BExpr::new(v.expr.alias(name), v.ty));
    };
    for item in aggregates {
        let call = match &item.expr.kind {
            ExprKind::Call(call) if is_aggregate(&call.name.name) => Some(call),
            _ => None,
        };
        if let Some(call) = call
            && is_multi_column(call)
        {
            let cols = bind_columns(b, call, &input.columns, &key_columns, item.expr.span)?;
            if item.names.len() > cols.len() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    format!(
                        "{} names for the {} columns of {}()",
                        item.names.len(),
                        cols.len(),
                        call.name.name
                    ),
                ));
            }
            for (i, c) in cols.into_iter().enumerate() {
                let name = match item.names.get(i) {
                    Some(n) => {
                        if names.contains(&n.name) {
                            return Err(super::duplicate_column(&n.name, item.span));
                        }
                        declared.push(n.name.clone());
                        n.name.clone()
                    }
                    // a clash with an earlier column takes a suffix (x1, ...)
                    None => match c.name {
                        Some(d) => unique_name(d, |n| names.iter().any(|t| t == n)),
                        None => names_gen.column(&|n| names.iter().any(|t| t == n)),
                    },
                };
                push(name, c.value, &mut names);
            }
            continue;
        }
        let v = match call {
            Some(call) => bind_aggregate(b, call, &input.columns, item.expr.span)?,
            None => bind_around_aggregates(b, item, &input.columns)?,
        };
        let name = match item.names.as_slice() {
            // An explicit name taken by a column an earlier aggregate added
            // under its own name (`arg_max(t, *)`'s columns, a default name)
            // is made unique, as Kusto.Language's ProjectionBuilder.Declare
            // adds it; one taken by a by-key or another explicit name is an
            // error.
            [n] if !declared.contains(&n.name) && names.contains(&n.name) => {
                unique_name(n.name.clone(), |x| names.iter().any(|t| t == x))
            }
            [n] => n.name.clone(),
            [] => match call {
                Some(call) => match default_name(call) {
                    Some(d) => unique_name(d, |n| names.iter().any(|t| t == n)),
                    None => names_gen.column(&|n| names.iter().any(|t| t == n)),
                },
                None => derived_name(&item.expr)
                    .map(|d| unique_name(d, |n| names.iter().any(|t| t == n)))
                    .unwrap_or_else(|| names_gen.column(&|n| names.iter().any(|t| t == n))),
            },
            many => return Err(multi_name(many)),
        };
        if names.contains(&name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        if !item.names.is_empty() {
            declared.push(name.clone());
        }
        push(name, v, &mut names);
    }
    Ok(BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(input),
            keys,
            aggregates: aggs,
        },
        columns,
    })
}

/// A `summarize` result that is an expression around aggregates
/// (`round(avg(x), 2)`, `countif(a) * 100.0 / count()`): each aggregate call
/// inside reads the input rows; the rest is computed per group after the
/// aggregation (lowering splits the two). Anything outside the aggregate
/// calls sees no input column.
pub(crate) fn bind_around_aggregates(
    b: &mut Binder,
    item: &NamedExpr,
    row: &[BoundColumn],
) -> Result<BExpr, Diagnostic> {
    let saved = b.aggregate_row.replace(row.to_vec());
    let v = b.bind_scalar(&item.expr, &[]);
    b.aggregate_row = saved;
    let v = v.map_err(|d| {
        if matches!(d.code, Code::UnknownColumn | Code::UnknownName)
            && b.bind_scalar(&item.expr, row).is_ok()
        {
            // a plain row expression (`summarize x + 1`): no aggregate at all
            not_an_aggregate(item)
        } else if matches!(d.code, Code::UnknownColumn | Code::UnknownName) {
            d.with_hint(
                "outside its aggregation calls, a `summarize` result sees no input column: aggregate it, or group `by` it",
            )
        } else {
            d
        }
    })?;
    let has_aggregate = v
        .expr
        .exists(|e| {
            Ok(matches!(
                e,
                datafusion::logical_expr::Expr::AggregateFunction(_)
            ))
        })
        .unwrap_or(false);
    if !has_aggregate {
        return Err(not_an_aggregate(item));
    }
    Ok(v)
}

fn multi_name(many: &[Ident]) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedFeature,
        many[0].span.to(many[many.len() - 1].span),
        "only arg_max() and arg_min() results take several names",
    )
}

fn not_an_aggregate(item: &NamedExpr) -> Diagnostic {
    Diagnostic::at(
        Code::BadArgument,
        item.expr.span,
        "each `summarize` result must be an aggregation function call such as count(), sum(x), dcount(x), or an expression of such calls",
    )
    .with_hint("compute other values with `extend` after the summarize")
}

/// `count [as Name]`: the number of rows, in a column named `Count`.
pub(crate) fn bind_count(
    input: BoundTabular,
    name: Option<&Ident>,
) -> Result<BoundTabular, Diagnostic> {
    let name = name
        .map(|n| n.name.clone())
        .unwrap_or_else(|| "Count".to_string());
    Ok(BoundTabular {
        columns: vec![BoundColumn::new(name.clone(), KqlType::Long)],
        op: BoundOp::Aggregate {
            input: Box::new(input),
            keys: vec![],
            aggregates: vec![BExpr::new(agg::count(lit(1i64)).alias(name), KqlType::Long)],
        },
    })
}
