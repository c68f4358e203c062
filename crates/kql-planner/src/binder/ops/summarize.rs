//! `summarize aggs by keys` and `count`.
//!
//! Output: the by-keys first (in order), then the aggregates. Unnamed keys
//! take the name of the column they derive from (`bin(TimeGenerated, 1h)` →
//! `TimeGenerated`); unnamed aggregates take Kusto's default names
//! (`count_`, `sum_x`, ...). Null keys form their own group.

use super::super::aggregates::{
    UNSUPPORTED_AGGREGATES, bind_aggregate, default_name, is_aggregate,
};
use super::super::naming::{NameGen, derived_name, unique_name};
use super::Binder;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
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
            [] => derived_name(&item.expr)
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
    let mut aggs = Vec::new();
    for item in aggregates {
        let ExprKind::Call(call) = &item.expr.kind else {
            return Err(not_an_aggregate(item));
        };
        if UNSUPPORTED_AGGREGATES.contains(&call.name.name.as_str()) {
            return Err(Diagnostic::at(
                Code::UnsupportedFunction,
                call.name.span,
                format!(
                    "the aggregation function {}() is not supported yet",
                    call.name.name
                ),
            ));
        }
        if !is_aggregate(&call.name.name) {
            return Err(not_an_aggregate(item));
        }
        let v = bind_aggregate(b, call, &input.columns, item.expr.span)?;
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            [] => unique_name(default_name(call), |n| names.iter().any(|t| t == n)),
            many => return Err(multi_name(many)),
        };
        if names.contains(&name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        names.push(name.clone());
        columns.push(BoundColumn::new(name.clone(), v.ty));
        aggs.push(BExpr::new(v.expr.alias(name), v.ty));
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

fn multi_name(many: &[Ident]) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedFeature,
        many[0].span.to(many[many.len() - 1].span),
        "several result names for one aggregate are not supported yet (arg_max/arg_min come with the function library)",
    )
}

fn not_an_aggregate(item: &NamedExpr) -> Diagnostic {
    Diagnostic::at(
        Code::BadArgument,
        item.expr.span,
        "each `summarize` result must be an aggregation function call such as count(), sum(x), dcount(x)",
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
