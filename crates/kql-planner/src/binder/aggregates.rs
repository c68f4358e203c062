//! Aggregation functions of `summarize`: typing, Kusto's default result
//! names (`count_`, `sum_x`, `dcount_x`, ...) and lowering to DataFusion
//! aggregates. Nulls are skipped; `count()` counts rows. `make_list` /
//! `make_set` (and their `_if` forms) are the `kql_make_list` / `kql_make_set`
//! UDAFs of kql-functions.
//!
//! `dcount` is exact here (a distinct count), where Kusto estimates it with
//! HyperLogLog: on small sets both agree; on large ones Kusto's answer may
//! differ from ours by its documented error (about 1% at the default accuracy).
//!
//! Percentiles, `tdigest` and `hll` (and their merges) are bound in
//! [`sketches`].

mod sketches;

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
    "count_distinctif",
    "hll",
    "tdigest",
    "stdevif",
    "varianceif",
    "take_anyif",
    "make_bag_if",
    "percentilew",
    "percentilesw",
    "stdevp",
    "variancep",
    "stdevpif",
    "variancepif",
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
    "anyif",
    "argmax",
    "argmin",
    "buildschema",
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
        "take_anyif" | "anyif" => "anyif",
        "buildschema" => "schema",
        "make_bag" | "make_bag_if" => "bag",
        "count_distinct" => "count_distinct",
        other => other,
    }
}

/// Kusto's default name of an unnamed aggregate: `count()` → `count_`,
/// `count(x)` → `count_x`, `sum(Bytes)` → `sum_Bytes`, `countif(...)` →
/// `countif_` (summarize-operator.md: `count(x), countif(x > 0)` →
/// `count_x`, `countif_`). `None`: a generated `ColumnN`.
///
/// `take_any(x)` is named `x`, and `take_anyif(x, p)` and
/// `binary_all_or/and/xor(x)` too (Kusto.Language:
/// `GetAnyResult`, `ResultNameKind.FirstArgument`; take-any's example
/// `summarize take_any(State)` gives `State`); only the deprecated `any(x)`
/// / `anyif(x, p)` add the `any_` / `anyif_` prefix.
pub(crate) fn default_name(call: &ast::Call) -> Option<String> {
    if let Some(n) = sketches::default_name(call) {
        return Some(n);
    }
    let prefix = name_prefix(&call.name.name);
    let arg_name = |i: usize| {
        call.args.get(i).and_then(|a| match &a.value.kind {
            ExprKind::Name(id) => Some(id.name.clone()),
            _ => super::naming::derived_name(&a.value),
        })
    };
    let arg = match call.name.name.as_str() {
        "take_any" => return Some(arg_name(0).unwrap_or_else(|| "any_arg0".to_string())),
        // ResultNameKind.FirstArgument in Kusto.Language
        "take_anyif" | "binary_all_or" | "binary_all_and" | "binary_all_xor" => {
            return arg_name(0);
        }
        "countif" => None,
        // covariance(x, y) → covariance_x_y (covariance-aggregation-function.md)
        n if n.starts_with("covariance") => Some(format!(
            "{}_{}",
            arg_name(0).unwrap_or_default(),
            arg_name(1).unwrap_or_default()
        )),
        _ => arg_name(0),
    };
    Some(format!("{prefix}_{}", arg.unwrap_or_default()))
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
    if sketches::NAMES.contains(&name) {
        return sketches::bind(b, call, row, span);
    }
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
        "dcountif" | "count_distinctif" => {
            // dcountif's third argument is its accuracy (our count is exact)
            if name == "count_distinctif" {
                args_exact(name, call, 2, span)?;
            } else if call.args.len() < 2 || call.args.len() > 3 {
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
        "sum" | "sumif" | "avg" | "avgif" | "stdev" | "variance" | "stdevif" | "varianceif"
        | "stdevp" | "variancep" | "stdevpif" | "variancepif" => {
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
                // aggregations"); avg is NaN (0 / 0, below).
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
                // "The result of avg_x(x) is NaN due to dividing by 0"
                // (summarize-operator.md): over no value, avg is NaN
                "avg" => BExpr::new(
                    coalesce(vec![agg::avg(cast(x, DataType::Float64)), lit(f64::NAN)]),
                    KqlType::Real,
                ),
                "stdev" => BExpr::new(
                    coalesce(vec![agg::stddev(cast(x, DataType::Float64)), lit(0.0f64)]),
                    KqlType::Real,
                ),
                // the population forms have no documented default: null over
                // no values (summarize-operator.md, "Default values of
                // aggregations" lists only the sample forms as 0)
                "stdevp" => BExpr::new(agg::stddev_pop(cast(x, DataType::Float64)), KqlType::Real),
                "variancep" => BExpr::new(agg::var_pop(cast(x, DataType::Float64)), KqlType::Real),
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
            // bool is orderable (false < true), as in Kusto.Language
            if ty == KqlType::Dynamic {
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
            args_exact(name, call, 1, span)?;
            // a non-null (for strings non-empty) value is preferred when
            // there is one (take-any-aggregation-function.md, Remarks)
            let v = arg(b, 0)?;
            let ty = v.ty;
            any_non_empty(v.expr, ty)
        }
        "buildschema" => {
            // buildschema-aggregation-function.md: `buildschema(value)` →
            // `schema_value`, the minimal schema of the dynamic values
            args_exact(name, call, 1, span)?;
            let v = arg(b, 0)?;
            if v.ty != KqlType::Dynamic {
                return Err(type_error(
                    call.args[0].value.span,
                    &format!("buildschema() needs a dynamic value, got {}", v.ty.as_str()),
                )
                .with_hint("convert it first, e.g. buildschema(todynamic(x))"));
            }
            Ok(BExpr::new(
                kql_functions::aggregate::buildschema_expr(v.expr),
                KqlType::Dynamic,
            ))
        }
        "take_anyif" | "anyif" => {
            args_exact(name, call, 2, span)?;
            let v = arg(b, 0)?;
            let ty = v.ty;
            let p = arg(b, 1)?;
            bind_take_anyif(v, p, ty, span)
        }
        "make_list" | "make_set" | "makelist" | "makeset" | "make_list_if" | "make_set_if" => {
            bind_make_list(b, call, row, span)
        }
        "make_list_with_nulls" => bind_make_list_with_nulls(b, call, row, span),
        "make_bag" | "make_bag_if" => bind_make_bag(b, call, row, span),
        "covariance" | "covariancep" | "covarianceif" | "covariancepif" => {
            let conditional = name.ends_with("if");
            args_exact(name, call, if conditional { 3 } else { 2 }, span)?;
            let mut xs = Vec::with_capacity(2);
            for i in 0..2 {
                let v = arg(b, i)?;
                if !is_numeric(v.ty) {
                    return Err(type_error(
                        call.args[i].value.span,
                        &format!("{name}() needs numbers, got {}", v.ty.as_str()),
                    ));
                }
                xs.push(cast(v.expr, DataType::Float64));
            }
            if conditional {
                let p = arg(b, 2)?;
                let p = expect_bool(p, span, "the condition")?;
                let keep = coalesce(vec![p.expr, lit(false)]);
                xs = xs
                    .into_iter()
                    .map(|x| when(keep.clone(), x).end())
                    .collect::<Result<_, _>>()
                    .map_err(|e| Diagnostic::internal("bind", e))?;
            }
            let y = xs.pop().expect("two arguments");
            let x = xs.pop().expect("two arguments");
            let e = if name.starts_with("covariancep") {
                agg::covar_pop(x, y)
            } else {
                agg::covar_samp(x, y)
            };
            Ok(BExpr::new(e, KqlType::Real))
        }
        "binary_all_and" | "binary_all_or" | "binary_all_xor" => {
            args_exact(name, call, 1, span)?;
            let v = arg(b, 0)?;
            if !matches!(v.ty, KqlType::Int | KqlType::Long) {
                return Err(type_error(
                    call.args[0].value.span,
                    &format!("{name}() needs a long, got {}", v.ty.as_str()),
                ));
            }
            let x = cast(v.expr, DataType::Int64);
            let e = match name {
                "binary_all_and" => datafusion::functions_aggregate::expr_fn::bit_and(x),
                "binary_all_or" => datafusion::functions_aggregate::expr_fn::bit_or(x),
                _ => datafusion::functions_aggregate::expr_fn::bit_xor(x),
            };
            Ok(BExpr::new(e, KqlType::Long))
        }
        "arg_max" | "arg_min" | "argmax" | "argmin" => Err(Diagnostic::at(
            Code::BadArgument,
            span,
            format!("{name}() returns several columns: use it directly as a `summarize` result"),
        )),
        _ => Err(Diagnostic::at(
            Code::UnsupportedFunction,
            call.name.span,
            format!("aggregation function '{name}()' is not supported yet"),
        )),
    }
}

/// `take_anyif(x, p)` / the deprecated `anyif(x, p)`
/// (take-anyif-aggregation-function.md): the value of `x` in some row where
/// `p` holds; null when it holds in none. A non-null (for strings,
/// non-empty) value is preferred when there is one.
fn bind_take_anyif(v: BExpr, p: BExpr, ty: KqlType, span: Span) -> Result<BExpr, Diagnostic> {
    any_non_empty(only_if(v.expr, p, span)?, ty)
}

/// Some value of `x`, a non-null (for strings non-empty) one when there is
/// one; for strings "" when there is none.
fn any_non_empty(mut x: Expr, ty: KqlType) -> Result<BExpr, Diagnostic> {
    use datafusion::logical_expr::ExprFunctionExt;
    use datafusion::logical_expr::expr::NullTreatment;
    if ty == KqlType::String {
        x = datafusion::functions::core::expr_fn::nullif(x, lit(""));
    }
    let e = agg::first_value(x, vec![])
        .null_treatment(NullTreatment::IgnoreNulls)
        .build()
        .map_err(|e| Diagnostic::internal("bind", e))?;
    let e = if ty == KqlType::String {
        coalesce(vec![e, lit("")])
    } else {
        e
    };
    Ok(BExpr::new(e, ty))
}

/// Whether a `summarize` result of this aggregate call may be several
/// columns (`arg_max`, `arg_min`, their deprecated `argmax` / `argmin`, the
/// percentiles: one column per percentile, and `take_any` / `any` of
/// several expressions or `*`).
pub(crate) fn is_multi_column(call: &ast::Call) -> bool {
    let name = call.name.name.as_str();
    matches!(name, "arg_max" | "arg_min" | "argmax" | "argmin")
        || sketches::is_multi_column(name)
        || (matches!(name, "take_any" | "any")
            && (call.args.len() > 1
                || call
                    .args
                    .iter()
                    .any(|a| matches!(a.value.kind, ExprKind::Star))))
}

/// The result columns of an aggregate of [`is_multi_column`].
pub(crate) fn bind_columns(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    skip: &[String],
    span: Span,
) -> Result<Vec<ArgColumn>, Diagnostic> {
    if sketches::is_multi_column(&call.name.name) {
        return sketches::bind_percentile_columns(b, call, row, span);
    }
    if matches!(call.name.name.as_str(), "take_any" | "any") {
        return bind_take_any_columns(b, call, row, skip);
    }
    bind_arg_max(b, call, row, skip, span)
}

/// `take_any(a, b, ...)` / `take_any(*)` (and the deprecated `any`): the
/// values of one arbitrary row of the group. Names as Kusto.Language's
/// `GetAnyResult`: a column is named after itself, `*` is every column but
/// the `by` keys (each once), any other expression takes its derived name or
/// `any_arg<i>` (`arg<i>` for `any`).
fn bind_take_any_columns(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    skip: &[String],
) -> Result<Vec<ArgColumn>, Diagnostic> {
    let prefix = if call.name.name == "take_any" {
        "any_"
    } else {
        ""
    };
    let mut cols: Vec<ArgColumn> = Vec::new();
    let mut taken: Vec<String> = skip.to_vec();
    for (i, a) in call.args.iter().enumerate() {
        match &a.value.kind {
            ExprKind::Star => {
                for c in row {
                    if !taken.contains(&c.name) {
                        taken.push(c.name.clone());
                        cols.push(ArgColumn {
                            name: Some(c.name.clone()),
                            value: BExpr::new(super::expr::column_expr(&c.name), c.ty),
                        });
                    }
                }
            }
            kind => {
                let value = b.bind_scalar(&a.value, row)?;
                let name = match kind {
                    ExprKind::Name(id) => {
                        taken.push(id.name.clone());
                        id.name.clone()
                    }
                    _ => super::naming::derived_name(&a.value)
                        .unwrap_or_else(|| format!("{prefix}arg{i}")),
                };
                cols.push(ArgColumn {
                    name: Some(name),
                    value,
                });
            }
        }
    }
    Ok(same_row(cols, None))
}

/// `make_list(x [, maxSize])`, `make_set(...)`, the deprecated `makelist` /
/// `makeset` (128 elements by default) and `make_list_if(x, p [, maxSize])` /
/// `make_set_if(...)`: a dynamic array of the group's non-null values.
/// Each value goes to the UDAF as its JSON element text, typed by its KQL
/// type (`cast_to` dynamic: strings quoted, numbers bare, datetimes as ISO
/// strings, dynamic values as they are).
/// The optional `maxSize` argument of make_list / make_set / make_bag: a
/// positive constant integer, `default` when not given.
fn max_size(
    b: &mut Binder,
    name: &str,
    arg: Option<&ast::Arg>,
    default: usize,
    row: &[BoundColumn],
) -> Result<usize, Diagnostic> {
    let Some(a) = arg else {
        return Ok(default);
    };
    let m = b.bind_scalar(&a.value, row)?;
    match m.literal {
        Some(Literal::Int(n)) if n > 0 => Ok(n as usize),
        Some(Literal::Long(n)) if n > 0 => Ok(usize::try_from(n).unwrap_or(default)),
        _ => Err(Diagnostic::at(
            Code::BadArgument,
            a.value.span,
            format!("{name}()'s maxSize must be a positive constant integer"),
        )),
    }
}

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
    let v = b.bind_scalar(&call.args[0].value, row)?;
    let mut elem = super::expr::cast_to(v, KqlType::Dynamic).expr;
    if conditional {
        let p = b.bind_scalar(&call.args[1].value, row)?;
        elem = only_if(elem, p, call.args[1].value.span)?;
    }
    let default = if matches!(name, "makelist" | "makeset") {
        DEPRECATED_MAX_SIZE
    } else {
        MAX_SIZE
    };
    let max = max_size(b, name, call.args.get(fixed), default, row)?;
    Ok(BExpr::new(
        kql_functions::aggregate::make_list_expr(set, max, elem),
        KqlType::Dynamic,
    ))
}

/// `make_list_with_nulls(x)`: the group's values as a dynamic array, a null
/// value as a JSON `null` element (make-list-with-nulls-aggregation-function.md).
/// Kusto documents no `maxSize` argument: at most 1048576 elements.
fn bind_make_list_with_nulls(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    use kql_functions::aggregate::make_list::MAX_SIZE;
    args_exact("make_list_with_nulls", call, 1, span)?;
    let v = b.bind_scalar(&call.args[0].value, row)?;
    let elem = super::expr::cast_to(v, KqlType::Dynamic).expr;
    let elem = coalesce(vec![elem, lit("null")]);
    Ok(BExpr::new(
        kql_functions::aggregate::make_list_expr(false, MAX_SIZE, elem),
        KqlType::Dynamic,
    ))
}

/// One result column of `arg_max` / `arg_min`: its default name (`None`:
/// Kusto's `Column1`, ...) and its value.
pub(crate) struct ArgColumn {
    pub name: Option<String>,
    pub value: BExpr,
}

/// `arg_max(ExprToMaximize, * | ExprToReturn [, ...])` and `arg_min(...)`
/// (arg-max-aggregation-function.md, arg-min-aggregation-function.md): the
/// row of the group that maximizes (minimizes) the first expression; its
/// columns are that expression's, then the ones listed. `*` stands for every
/// input column but the maximized one (when it is a plain column) and the
/// ones in `skip` (the `by` columns, already in the output). Rows where the
/// expression is null are taken only when every row's is (then the row is
/// arbitrary, as the docs say).
///
/// All columns come from the same row: the aggregate is one `first_value`
/// of a struct of them, ordered by the expression, and each column is a
/// field of it.
pub(crate) fn bind_arg_max(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    skip: &[String],
    span: Span,
) -> Result<Vec<ArgColumn>, Diagnostic> {
    let name = call.name.name.as_str();
    // the deprecated argmax / argmin are arg_max / arg_min
    let minimize = matches!(name, "arg_min" | "argmin");
    if call.args.len() < 2 {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            format!("{name}() takes an expression and at least one expression to return (or *)"),
        ));
    }
    if matches!(call.args[0].value.kind, ExprKind::Star) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            call.args[0].value.span,
            format!(
                "{name}()'s first argument is the expression to {}, not *",
                if !minimize { "maximize" } else { "minimize" }
            ),
        ));
    }
    let key = b.bind_scalar(&call.args[0].value, row)?;
    if key.ty == KqlType::Dynamic {
        return Err(type_error(
            call.args[0].value.span,
            &format!("{name}() cannot order by dynamic values"),
        ));
    }
    let key_column = match &call.args[0].value.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        _ => None,
    };
    let mut cols = vec![ArgColumn {
        name: key_column
            .clone()
            .or_else(|| super::naming::derived_name(&call.args[0].value)),
        value: key.clone(),
    }];
    for a in &call.args[1..] {
        if matches!(a.value.kind, ExprKind::Star) {
            for c in row {
                if Some(&c.name) == key_column.as_ref() || skip.contains(&c.name) {
                    continue;
                }
                cols.push(ArgColumn {
                    name: Some(c.name.clone()),
                    value: BExpr::new(super::expr::column_expr(&c.name), c.ty),
                });
            }
            continue;
        }
        let v = b.bind_scalar(&a.value, row)?;
        cols.push(ArgColumn {
            name: match &a.value.kind {
                ExprKind::Name(id) => Some(id.name.clone()),
                _ => super::naming::derived_name(&a.value),
            },
            value: v,
        });
    }
    Ok(same_row(cols, Some(key.expr.sort(minimize, false))))
}

/// `cols`' values taken from one row of the group: the first in `order`,
/// or any row. One `first_value` over a struct of them all, so every value
/// comes from the same row.
fn same_row(
    mut cols: Vec<ArgColumn>,
    order: Option<datafusion::logical_expr::SortExpr>,
) -> Vec<ArgColumn> {
    use datafusion::functions::core::expr_fn::{get_field, named_struct};
    let mut fields = Vec::with_capacity(cols.len() * 2);
    for (i, c) in cols.iter().enumerate() {
        fields.push(lit(format!("f{i}")));
        fields.push(c.value.expr.clone());
    }
    let row_struct = agg::first_value(named_struct(fields), order.into_iter().collect());
    for (i, c) in cols.iter_mut().enumerate() {
        let field = get_field(row_struct.clone(), format!("f{i}"));
        // strings are never null: an empty group's string columns are ""
        let field = if c.value.ty == KqlType::String {
            coalesce(vec![field, lit("")])
        } else {
            field
        };
        c.value = BExpr::new(field, c.value.ty);
    }
    cols
}

/// `make_bag(bag [, maxSize])` / `make_bag_if(bag, p [, maxSize])`
/// (make-bag-aggregation-function.md, make-bag-if-aggregation-function.md):
/// the group's property bags merged into one; values that are not bags are
/// ignored; `maxSize` (default and most 1048576) limits the keys.
fn bind_make_bag(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    use kql_functions::aggregate::make_bag::MAX_SIZE;
    let name = call.name.name.as_str();
    let fixed = if name == "make_bag_if" { 2 } else { 1 };
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
    let v = b.bind_scalar(&call.args[0].value, row)?;
    if v.ty != KqlType::Dynamic {
        return Err(type_error(
            call.args[0].value.span,
            &format!(
                "{name}() needs a dynamic property bag, got {}",
                v.ty.as_str()
            ),
        ));
    }
    let mut bag = v.expr;
    if fixed == 2 {
        let p = b.bind_scalar(&call.args[1].value, row)?;
        bag = only_if(bag, p, call.args[1].value.span)?;
    }
    let max = max_size(b, name, call.args.get(fixed), MAX_SIZE, row)?;
    Ok(BExpr::new(
        kql_functions::aggregate::make_bag_expr(max, bag),
        KqlType::Dynamic,
    ))
}
