//! Aggregation functions of `summarize`: typing, Kusto's default result
//! names (`count_`, `sum_x`, `dcount_x`, ...) and lowering to DataFusion
//! aggregates. Nulls are skipped; `count()` counts rows. `make_list` /
//! `make_set` (and their `_if` forms) are the `kql_make_list` / `kql_make_set`
//! UDAFs of kql-functions.
//!
//! `dcount` is exact here (a distinct count), where Kusto estimates it with
//! HyperLogLog: on small sets both agree; on large ones Kusto's answer may
//! differ from ours by its documented error (about 1% at the default accuracy).

use super::Binder;
use super::operators::{expect_bool, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, is_numeric};
use datafusion::arrow::datatypes::DataType;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, cast, lit, when};
use kql_syntax::ast::{self, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) const AGGREGATES: &[&str] = &[
    "count",
    "countif",
    "dcount",
    "dcountif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "min",
    "max",
    "minif",
    "maxif",
    "take_any",
    "any",
    "stdev",
    "variance",
    "make_list",
    "make_set",
    "makelist",
    "makeset",
    "make_list_if",
    "make_set_if",
    "make_bag",
    "arg_max",
    "arg_min",
    "percentile",
    "percentiles",
    "count_distinct",
    "hll",
    "tdigest",
    "stdevif",
    "varianceif",
    "take_anyif",
    "make_bag_if",
    "dcount_hll",
    "percentilew",
    "percentilesw",
];

/// Kusto aggregation functions kql does not implement yet: `summarize`
/// names them as unsupported instead of calling them non-aggregates.
pub(crate) const UNSUPPORTED_AGGREGATES: &[&str] = &[
    "stdevp",
    "variancep",
    "variancepif",
    "stdevpif",
    "covariance",
    "covariancep",
    "covarianceif",
    "covariancepif",
    "binary_all_and",
    "binary_all_or",
    "binary_all_xor",
    "make_list_with_nulls",
    "percentiles_array",
    "percentilesw_array",
    "hll_if",
    "hll_merge",
    "tdigest_merge",
    "merge_tdigest",
    "buildschema",
    "count_distinctif",
];

pub(crate) fn is_aggregate(name: &str) -> bool {
    AGGREGATES.contains(&name)
}

/// The prefix of the default result name: `make_list(x)` → `list_x`.
fn name_prefix(name: &str) -> &str {
    match name {
        "make_list" | "makelist" | "make_list_if" => "list",
        "make_set" | "makeset" | "make_set_if" => "set",
        "take_any" | "any" => "any",
        "count_distinct" => "count_distinct",
        other => other,
    }
}

/// Kusto's default name of an unnamed aggregate: `count()` → `count_`,
/// `count(x)` → `count_x`, `sum(Bytes)` → `sum_Bytes`, `countif(...)` →
/// `countif_` (summarize-operator.md: `count(x), countif(x > 0)` →
/// `count_x`, `countif_`).
pub(crate) fn default_name(call: &ast::Call) -> String {
    let prefix = name_prefix(&call.name.name);
    let arg = match call.name.name.as_str() {
        "countif" => None,
        _ => call.args.first().and_then(|a| match &a.value.kind {
            ExprKind::Name(id) => Some(id.name.clone()),
            _ => super::naming::derived_name(&a.value),
        }),
    };
    format!("{prefix}_{}", arg.unwrap_or_default())
}

fn args_exact(name: &str, call: &ast::Call, n: usize, span: Span) -> Result<(), Diagnostic> {
    if call.args.len() != n {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            format!("{name}() takes {n} argument(s), got {}", call.args.len()),
        ));
    }
    Ok(())
}

/// `case when p then x end`: x where the predicate holds, null elsewhere.
fn only_if(x: Expr, p: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    let p = expect_bool(p, span, "the condition")?;
    when(coalesce(vec![p.expr, lit(false)]), x)
        .end()
        .map_err(|e| Diagnostic::internal("bind", e))
}

/// Bind one aggregate call over rows with `row` columns.
pub(crate) fn bind_aggregate(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let name = call.name.name.as_str();
    let arg = |b: &mut Binder, i: usize| b.bind_scalar(&call.args[i].value, row);
    match name {
        "count" => {
            if call.args.is_empty() || matches!(call.args[0].value.kind, ExprKind::Star) {
                return Ok(BExpr::new(agg::count(lit(1i64)), KqlType::Long));
            }
            args_exact(name, call, 1, span)?;
            // The argument is checked, but every record counts, null or not:
            // "The standard count function includes null values in its count"
            // (summarize-operator.md: count(y) over [null, 5] is 2).
            arg(b, 0)?;
            Ok(BExpr::new(agg::count(lit(1i64)), KqlType::Long))
        }
        "countif" => {
            args_exact(name, call, 1, span)?;
            let p = arg(b, 0)?;
            Ok(BExpr::new(
                agg::count(only_if(lit(1i64), p, span)?),
                KqlType::Long,
            ))
        }
        "dcount" | "count_distinct" => {
            if call.args.is_empty() || call.args.len() > 2 {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    span,
                    format!("{name}() takes 1 or 2 arguments"),
                ));
            }
            let v = arg(b, 0)?;
            Ok(BExpr::new(agg::count_distinct(v.expr), KqlType::Long))
        }
        "dcountif" => {
            if call.args.len() < 2 || call.args.len() > 3 {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    span,
                    "dcountif() takes 2 or 3 arguments",
                ));
            }
            let v = arg(b, 0)?;
            let p = arg(b, 1)?;
            Ok(BExpr::new(
                agg::count_distinct(only_if(v.expr, p, span)?),
                KqlType::Long,
            ))
        }
        "sum" | "sumif" | "avg" | "avgif" | "stdev" | "variance" | "stdevif" | "varianceif" => {
            let conditional = name.ends_with("if");
            args_exact(name, call, if conditional { 2 } else { 1 }, span)?;
            let v = arg(b, 0)?;
            let ty = v.ty;
            let numeric_ok = is_numeric(ty) || (ty == KqlType::TimeSpan && name.starts_with("sum"));
            if !numeric_ok {
                return Err(type_error(
                    call.args[0].value.span,
                    &format!("{name}() needs a number, got {}", ty.as_str()),
                ));
            }
            let mut x = match ty {
                KqlType::Int => cast(v.expr, DataType::Int64),
                KqlType::TimeSpan => cast(v.expr, DataType::Int64),
                _ => v.expr,
            };
            if conditional {
                let p = arg(b, 1)?;
                x = only_if(x, p, span)?;
            }
            let base = name.trim_end_matches("if");
            Ok(match base {
                // sum, stdev and variance default to 0 when there is nothing to
                // aggregate (summarize-operator.md, "Default values of
                // aggregations"); avg stays null.
                "sum" => match ty {
                    KqlType::Int | KqlType::Long => {
                        BExpr::new(coalesce(vec![agg::sum(x), lit(0i64)]), KqlType::Long)
                    }
                    KqlType::TimeSpan => BExpr::new(
                        cast(
                            coalesce(vec![agg::sum(x), lit(0i64)]),
                            crate::types::arrow_type(KqlType::TimeSpan),
                        ),
                        KqlType::TimeSpan,
                    ),
                    KqlType::Real => BExpr::new(coalesce(vec![agg::sum(x), lit(0.0f64)]), ty),
                    _ => BExpr::new(agg::sum(x), ty),
                },
                "avg" => BExpr::new(agg::avg(cast(x, DataType::Float64)), KqlType::Real),
                "stdev" => BExpr::new(
                    coalesce(vec![agg::stddev(cast(x, DataType::Float64)), lit(0.0f64)]),
                    KqlType::Real,
                ),
                _ => BExpr::new(
                    coalesce(vec![
                        agg::var_sample(cast(x, DataType::Float64)),
                        lit(0.0f64),
                    ]),
                    KqlType::Real,
                ),
            })
        }
        "min" | "max" | "minif" | "maxif" => {
            let conditional = name.ends_with("if");
            args_exact(name, call, if conditional { 2 } else { 1 }, span)?;
            let v = arg(b, 0)?;
            let ty = v.ty;
            if ty == KqlType::Dynamic || ty == KqlType::Bool {
                return Err(type_error(
                    span,
                    &format!("{name}() cannot aggregate {} values", ty.as_str()),
                ));
            }
            let mut x = v.expr;
            if conditional {
                let p = arg(b, 1)?;
                x = only_if(x, p, span)?;
            }
            let e = if name.starts_with("min") {
                agg::min(x)
            } else {
                agg::max(x)
            };
            // min/max of strings over no rows is "" (never null)
            let e = if ty == KqlType::String {
                coalesce(vec![e, lit("")])
            } else {
                e
            };
            Ok(BExpr::new(e, ty))
        }
        "take_any" | "any" => {
            if call.args.len() != 1 || matches!(call.args[0].value.kind, ExprKind::Star) {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    span,
                    format!("{name}() is supported with exactly one expression for now"),
                ));
            }
            let v = arg(b, 0)?;
            let ty = v.ty;
            let e = agg::first_value(v.expr, vec![]);
            let e = if ty == KqlType::String {
                coalesce(vec![e, lit("")])
            } else {
                e
            };
            Ok(BExpr::new(e, ty))
        }
        "make_list" | "make_set" | "makelist" | "makeset" | "make_list_if" | "make_set_if" => {
            bind_make_list(b, call, row, span)
        }
        _ => Err(Diagnostic::at(
            Code::UnsupportedFunction,
            call.name.span,
            format!("aggregation function '{name}()' is not supported yet"),
        )),
    }
}

/// `make_list(x [, maxSize])`, `make_set(...)`, the deprecated `makelist` /
/// `makeset` (128 elements by default) and `make_list_if(x, p [, maxSize])` /
/// `make_set_if(...)`: a dynamic array of the group's non-null values.
/// Each value goes to the UDAF as its JSON element text, typed by its KQL
/// type (`cast_to` dynamic: strings quoted, numbers bare, datetimes as ISO
/// strings, dynamic values as they are).
fn bind_make_list(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    use kql_functions::aggregate::make_list::{DEPRECATED_MAX_SIZE, MAX_SIZE};
    let name = call.name.name.as_str();
    let conditional = name.ends_with("_if");
    let set = name.contains("set");
    let fixed = if conditional { 2 } else { 1 };
    if call.args.len() < fixed || call.args.len() > fixed + 1 {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            format!(
                "{name}() takes {fixed} or {} arguments, got {}",
                fixed + 1,
                call.args.len()
            ),
        ));
    }
    if let Some(a) = call.args.iter().find(|a| a.name.is_some()) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            a.span,
            format!("{name}() does not take named arguments"),
        ));
    }
    let v = b.bind_scalar(&call.args[0].value, row)?;
    let mut elem = super::expr::cast_to(v, KqlType::Dynamic).expr;
    if conditional {
        let p = b.bind_scalar(&call.args[1].value, row)?;
        elem = only_if(elem, p, call.args[1].value.span)?;
    }
    let max = match call.args.get(fixed) {
        None if matches!(name, "makelist" | "makeset") => DEPRECATED_MAX_SIZE,
        None => MAX_SIZE,
        Some(a) => {
            let m = b.bind_scalar(&a.value, row)?;
            match m.literal {
                Some(Literal::Int(n)) if n > 0 => n as usize,
                Some(Literal::Long(n)) if n > 0 => usize::try_from(n).unwrap_or(MAX_SIZE),
                _ => {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        a.value.span,
                        format!("{name}()'s maxSize must be a positive constant integer"),
                    ));
                }
            }
        }
    };
    Ok(BExpr::new(
        kql_functions::aggregate::make_list_expr(set, max, elem),
        KqlType::Dynamic,
    ))
}
