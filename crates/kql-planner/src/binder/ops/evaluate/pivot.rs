//! `evaluate pivot(pivotColumn [, aggregationFunction] [, column1, ...])
//! [: (schema)]` (pivot-plugin.md): one row per distinct combination of the
//! listed columns (by default "all columns other than the pivoted and
//! aggregated columns"), which come first, then one column per distinct
//! value of `pivotColumn` (named by the value's text, in ordinal order)
//! holding the aggregate (`count()` by default) over the rows with that
//! value.
//!
//! The distinct values are computed once, while binding; with an output
//! schema they are the schema's columns that are not grouping columns (and
//! the output follows the schema's order and types). A combination without
//! rows for a value gets 0 from `count`, `countif`, `dcount`, `dcountif`,
//! `sum` and `sumif` (the documented examples show 0 there), "" from a
//! string aggregate and null from the others.
//!
//! Plan: `summarize agg by columns, tostring(pivotColumn)`, then
//! `summarize max(iff(pivot == value, agg, null)), ... by columns`.

use super::super::super::aggregates::{bind_aggregate, is_aggregate};
use super::super::super::eager;
use super::super::super::expr::{cast_to, column_expr, to_string_expr};
use super::super::super::naming::unique_name;
use super::super::project_node;
use super::{Plugin, first_column_text};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::{KqlType, arrow_type};
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{cast, lit, when};
use kql_syntax::ast::ExprKind;
use kql_syntax::{Code, Diagnostic};

const PIVOT: &str = "__kql_pivot";
const VALUE: &str = "__kql_pivot_value";

pub(super) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = &plugin.call.args;
    if let Some(a) = args.iter().find(|a| a.name.is_some()) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            a.span,
            "pivot() takes no named arguments",
        ));
    }
    let Some(first) = args.first() else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            "pivot() needs the pivot column",
        ));
    };
    let pivot = b.bind_scalar(&first.value, &input.columns)?;
    let pivot_text = to_string_expr(pivot);
    // the aggregate: the second argument when it is an aggregation call
    let (agg_call, key_args) = match args.get(1).map(|a| &a.value.kind) {
        Some(ExprKind::Call(c)) if is_aggregate(&c.name.name) => {
            (Some((c, args[1].value.span)), &args[2..])
        }
        _ => (None, &args[1..]),
    };
    let value = match agg_call {
        Some((c, span)) => {
            if matches!(c.name.name.as_str(), "arg_max" | "arg_min") {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    span,
                    format!("{}() cannot be used in pivot", c.name.name),
                ));
            }
            bind_aggregate(b, c, &input.columns, span)?
        }
        None => BExpr::new(agg::count(lit(1i64)), KqlType::Long),
    };
    let counting = agg_call.is_none_or(|(c, _)| {
        matches!(
            c.name.name.as_str(),
            "count" | "countif" | "dcount" | "dcountif" | "sum" | "sumif"
        )
    });
    let mut keys: Vec<BoundColumn> = Vec::new();
    for a in key_args {
        let ExprKind::Name(id) = &a.value.kind else {
            return Err(Diagnostic::at(
                Code::BadArgument,
                a.value.span,
                "pivot()'s columns after the aggregation must be column names",
            ));
        };
        let Some(c) = input.column(&id.name) else {
            if input.column(crate::bound::OPEN_SCHEMA_COLUMN).is_some() {
                continue; // a column of an open schema (`kql check`)
            }
            return Err(b
                .bind_scalar(&a.value, &input.columns)
                .err()
                .unwrap_or_else(|| {
                    Diagnostic::at(Code::UnknownColumn, id.span, "unknown column")
                }));
        };
        if keys.iter().any(|k| k.name == c.name) {
            return Err(super::super::duplicate_column(&c.name, a.span));
        }
        keys.push(c.clone());
    }
    if key_args.is_empty() {
        // "The default is all columns other than the pivoted and aggregated columns."
        let used: Vec<String> = pivot_text
            .expr
            .column_refs()
            .into_iter()
            .chain(value.expr.column_refs())
            .map(|c| c.name.clone())
            .collect();
        keys = input
            .columns
            .iter()
            .filter(|c| !used.contains(&c.name))
            .cloned()
            .collect();
    }

    // the pivot values: from the output schema, or from the data
    let values: Vec<String> = match plugin.schema {
        Some((cols, _)) => cols
            .iter()
            .filter(|c| !keys.iter().any(|k| k.name == c.name.name))
            .map(|c| c.name.name.clone())
            .collect(),
        None => {
            if !b.catalog.can_evaluate() {
                return Ok(super::open_output(input, &keys));
            }
            let distinct = BoundTabular {
                columns: vec![BoundColumn::new(PIVOT, KqlType::String)],
                op: BoundOp::Distinct {
                    input: Box::new(project_node(
                        input.clone(),
                        vec![(PIVOT.to_string(), pivot_text.clone())],
                    )),
                },
            };
            let batches = eager::evaluate_tabular(b, &distinct, plugin.span)?;
            let mut values: Vec<String> = first_column_text(&batches)?
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect();
            values.sort();
            values.dedup();
            values
        }
    };

    // stage 1: the aggregate per columns and pivot value
    let key_exprs = |ks: &[BoundColumn]| -> Vec<BExpr> {
        ks.iter()
            .map(|k| BExpr::new(column_expr(&k.name).alias(&k.name), k.ty))
            .collect()
    };
    let mut stage1_keys = key_exprs(&keys);
    stage1_keys.push(BExpr::new(pivot_text.expr.alias(PIVOT), KqlType::String));
    let mut stage1_cols = keys.clone();
    stage1_cols.push(BoundColumn::new(PIVOT, KqlType::String));
    stage1_cols.push(BoundColumn::new(VALUE, value.ty));
    let stage1 = BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(input),
            keys: stage1_keys,
            aggregates: vec![BExpr::new(value.expr.alias(VALUE), value.ty)],
        },
        columns: stage1_cols,
    };

    // stage 2: one column per value
    let mut cols = keys.clone();
    let mut aggs = Vec::new();
    let mut hidden = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let name = if v.is_empty() {
            unique_name("Column1".to_string(), |n| cols.iter().any(|c| c.name == n))
        } else {
            unique_name(v.clone(), |n| cols.iter().any(|c| c.name == n))
        };
        let cell = when(column_expr(PIVOT).eq(lit(v.clone())), column_expr(VALUE))
            .end()
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let mut e = agg::max(cell);
        if counting {
            e = coalesce(vec![e, cast(lit(0i64), arrow_type(value.ty))]);
        } else if value.ty == KqlType::String {
            e = coalesce(vec![e, lit(ScalarValue::Utf8(Some(String::new())))]);
        }
        let h = format!("__kql_pivot_{i}");
        aggs.push(BExpr::new(e.alias(&h), value.ty));
        hidden.push((h, name.clone()));
        cols.push(BoundColumn::new(name, value.ty));
    }
    let mut stage2_cols = keys.clone();
    stage2_cols.extend(
        hidden
            .iter()
            .map(|(h, _)| BoundColumn::new(h.clone(), value.ty)),
    );
    let stage2 = BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(stage1),
            keys: key_exprs(&keys),
            aggregates: aggs,
        },
        columns: stage2_cols,
    };
    let mut items: Vec<(String, BExpr)> = keys
        .iter()
        .map(|k| (k.name.clone(), BExpr::new(column_expr(&k.name), k.ty)))
        .collect();
    items.extend(
        hidden
            .into_iter()
            .map(|(h, n)| (n, BExpr::new(column_expr(&h), value.ty))),
    );
    if let Some((cols, _)) = plugin.schema {
        let mut typed = Vec::with_capacity(cols.len());
        for c in cols {
            let Some((_, v)) = items.iter().find(|(n, _)| *n == c.name.name) else {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    c.span,
                    format!("pivot()'s output has no column '{}'", c.name.name),
                ));
            };
            typed.push((c.name.name.clone(), cast_to(v.clone(), c.ty)));
        }
        if let Some(k) = keys
            .iter()
            .find(|k| !cols.iter().any(|c| c.name.name == k.name))
        {
            return Err(Diagnostic::at(
                Code::BadArgument,
                plugin.span,
                format!(
                    "pivot()'s output schema does not list the column '{}'",
                    k.name
                ),
            ));
        }
        items = typed;
    }
    Ok(project_node(stage2, items))
}
