//! The `series_*` functions over dynamic numeric arrays. The work is done by
//! the `kql_series_*` UDFs of `kql_functions::series`; this checks the KQL
//! signatures and passes every argument as text: series as their dynamic
//! JSON, numbers and bools as their JSON text, strings as they are.
//!
//! `series_stats`, `series_fit_line`, `series_decompose`,
//! `series_decompose_anomalies`, `series_fit_poly`, `series_fft` and
//! `series_ifft` return
//! several columns: `extend
//! series_stats(x)` adds `series_stats_x_min`, ...; `extend (a, b) =
//! series_stats(x)` names the first ones and drops the rest ("If you
//! provide a limited number of names, the table will show only those
//! columns", series-stats-function.md). They are computed once as a bag
//! (the `_dynamic` UDF) and each column reads one member of it
//! ([`bind_multi_column`], called by `extend` / `project`).

use super::{arity, expect_dynamic};
use crate::binder::Binder;
use crate::binder::expr::{cast_to, from_dynamic};
use crate::binder::naming::derived_name;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, is_numeric};
use datafusion::logical_expr::{Expr, lit};
use kql_functions::series::series_function_expr;
use kql_syntax::ast;
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "series_add",
    "series_subtract",
    "series_multiply",
    "series_divide",
    "series_pow",
    "series_greater",
    "series_greater_equals",
    "series_less",
    "series_less_equals",
    "series_equals",
    "series_not_equals",
    "series_abs",
    "series_acos",
    "series_asin",
    "series_atan",
    "series_ceiling",
    "series_cos",
    "series_exp",
    "series_floor",
    "series_log",
    "series_sign",
    "series_sin",
    "series_sqrt",
    "series_tan",
    "series_sum",
    "series_dot_product",
    "series_cosine_similarity",
    "series_pearson_correlation",
    "series_stats_dynamic",
    "series_magnitude",
    "series_product",
    "series_fir",
    "series_iir",
    "series_fill_backward",
    "series_fill_forward",
    "series_fill_const",
    "series_fill_linear",
    "series_fit_line_dynamic",
    "series_outliers",
    "series_seasonal",
    "series_stats",
    "series_fit_line",
    "series_decompose",
    "series_decompose_anomalies",
    "series_decompose_forecast",
    "series_fft",
    "series_ifft",
    "series_fit_poly",
];

/// The members of a bag that become columns, with their types.
type Members = &'static [(&'static str, KqlType)];

/// The functions that return several columns: (name, bag UDF, columns).
const MULTI: &[(&str, &str, Members)] = &[
    (
        "series_stats",
        "series_stats_dynamic",
        &[
            ("min", KqlType::Real),
            ("min_idx", KqlType::Long),
            ("max", KqlType::Real),
            ("max_idx", KqlType::Long),
            ("avg", KqlType::Real),
            ("stdev", KqlType::Real),
            ("variance", KqlType::Real),
        ],
    ),
    (
        "series_fit_line",
        "series_fit_line_dynamic",
        &[
            ("rsquare", KqlType::Real),
            ("slope", KqlType::Real),
            ("variance", KqlType::Real),
            ("rvariance", KqlType::Real),
            ("interception", KqlType::Real),
            ("line_fit", KqlType::Dynamic),
        ],
    ),
    (
        "series_decompose",
        "series_decompose",
        &[
            ("baseline", KqlType::Dynamic),
            ("seasonal", KqlType::Dynamic),
            ("trend", KqlType::Dynamic),
            ("residual", KqlType::Dynamic),
        ],
    ),
    (
        "series_fit_poly",
        "series_fit_poly",
        &[
            ("rsquare", KqlType::Real),
            ("coefficients", KqlType::Dynamic),
            ("variance", KqlType::Real),
            ("rvariance", KqlType::Real),
            ("poly_fit", KqlType::Dynamic),
        ],
    ),
    (
        "series_fft",
        "series_fft",
        &[("real", KqlType::Dynamic), ("imag", KqlType::Dynamic)],
    ),
    (
        "series_ifft",
        "series_ifft",
        &[("real", KqlType::Dynamic), ("imag", KqlType::Dynamic)],
    ),
    (
        "series_decompose_anomalies",
        "series_decompose_anomalies",
        &[
            ("ad_flag", KqlType::Dynamic),
            ("ad_score", KqlType::Dynamic),
            ("baseline", KqlType::Dynamic),
        ],
    ),
];

/// Does `name` return several columns?
pub(crate) fn is_multi_column(name: &str) -> bool {
    MULTI.iter().any(|(n, _, _)| *n == name)
}

/// What an argument may be.
#[derive(Clone, Copy)]
enum P {
    /// a dynamic series
    Series,
    /// a series or a numeric scalar
    SeriesOrNumber,
    /// a number
    Number,
    /// a bool
    Bool,
    /// a string
    Str,
    /// any scalar value (a placeholder or fill constant)
    Value,
}

/// (min arity, parameter kinds; the last ones optional).
fn signature(name: &str) -> Option<(usize, &'static [P])> {
    use P::*;
    Some(match name {
        "series_add"
        | "series_subtract"
        | "series_multiply"
        | "series_divide"
        | "series_pow"
        | "series_greater"
        | "series_greater_equals"
        | "series_less"
        | "series_less_equals"
        | "series_equals"
        | "series_not_equals"
        | "series_dot_product" => (2, &[SeriesOrNumber, SeriesOrNumber]),
        "series_abs"
        | "series_acos"
        | "series_asin"
        | "series_atan"
        | "series_ceiling"
        | "series_cos"
        | "series_exp"
        | "series_floor"
        | "series_log"
        | "series_sign"
        | "series_sin"
        | "series_sqrt"
        | "series_tan"
        | "series_sum"
        | "series_fit_line"
        | "series_fit_line_dynamic"
        | "series_magnitude"
        | "series_product" => (1, &[Series]),
        "series_fir" => (2, &[Series, Series, Bool, Bool]),
        "series_iir" => (3, &[Series, Series, Series]),
        "series_fft" | "series_ifft" => (1, &[Series, Series]),
        "series_fit_poly" => (1, &[Series, Value, Number]),
        "series_cosine_similarity" => (2, &[Series, Series, Number, Number]),
        "series_pearson_correlation" => (2, &[Series, Series]),
        "series_stats" | "series_stats_dynamic" => (1, &[Series, Bool]),
        "series_fill_backward" | "series_fill_forward" => (1, &[Series, Value]),
        "series_fill_const" => (2, &[Series, Value, Value]),
        "series_fill_linear" => (1, &[Series, Value, Bool, Value]),
        "series_outliers" => (1, &[Series, Str, Number, Number, Number]),
        "series_seasonal" => (1, &[Series, Number]),
        "series_decompose" => (1, &[Series, Number, Str, Number, Number]),
        "series_decompose_forecast" => (2, &[Series, Number, Number, Str, Number]),
        "series_decompose_anomalies" => (1, &[Series, Number, Number, Str, Number, Str, Number]),
        _ => return None,
    })
}

/// Check and convert the arguments of `name`.
fn bind_args(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<Vec<Expr>, Diagnostic> {
    let (min, params) = signature(name)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no signature for {name}")))?;
    arity(name, &call.args, min, params.len(), span)?;
    let mut out = Vec::with_capacity(call.args.len());
    let mut any_series = false;
    let season = seasonality_arg(name);
    if let Some(at) = season
        && call.args.len() <= at
    {
        return Err(no_period_detection(name, span));
    }
    for (i, (a, p)) in call.args.iter().zip(params).enumerate() {
        let v = b.bind_scalar(&a.value, row)?;
        let s = a.value.span;
        if season == Some(i) {
            let v = super::super::eager::fold_if_constant(b, v.clone(), s)?;
            match &v.literal {
                Some(ast::Literal::Int(-1)) | Some(ast::Literal::Long(-1)) => {
                    return Err(no_period_detection(name, s));
                }
                Some(ast::Literal::Int(_) | ast::Literal::Long(_)) => {}
                _ => {
                    return Err(Diagnostic::at(
                        Code::NotConstant,
                        s,
                        format!("{name}(): the seasonality must be a constant whole number"),
                    ));
                }
            }
        }
        let null = matches!(v.literal, Some(ast::Literal::Null(_)));
        let wrong = |what: &str| {
            type_error(
                s,
                &format!("{name}() needs {what} here, got {}", v.ty.as_str()),
            )
        };
        let e = match p {
            P::Series => {
                any_series = true;
                expect_dynamic(name, v, s)?.expr
            }
            P::SeriesOrNumber => {
                if v.ty == KqlType::Dynamic {
                    any_series = true;
                    v.expr
                } else if is_numeric(v.ty) {
                    cast_to(v, KqlType::Dynamic).expr
                } else {
                    return Err(wrong("a dynamic array or a number"));
                }
            }
            P::Number => {
                if is_numeric(v.ty) || v.ty == KqlType::Dynamic || null {
                    cast_to(v, KqlType::Dynamic).expr
                } else {
                    return Err(wrong("a number"));
                }
            }
            P::Bool => {
                if matches!(v.ty, KqlType::Bool | KqlType::Dynamic) || null {
                    cast_to(cast_to(v, KqlType::Bool), KqlType::Dynamic).expr
                } else {
                    return Err(wrong("a bool"));
                }
            }
            P::Str => match v.ty {
                KqlType::String => {
                    if let Some(ast::Literal::String(text)) = &v.literal {
                        check_choice(name, i, text, s)?;
                    }
                    v.expr
                }
                KqlType::Dynamic => cast_to(v, KqlType::String).expr,
                _ => return Err(wrong("a string")),
            },
            P::Value => {
                if is_numeric(v.ty) || matches!(v.ty, KqlType::Dynamic | KqlType::Bool) || null {
                    cast_to(v, KqlType::Dynamic).expr
                } else {
                    return Err(wrong("a number"));
                }
            }
        };
        out.push(e);
    }
    if !any_series {
        return Err(type_error(
            span,
            &format!("{name}() needs at least one dynamic array argument"),
        ));
    }
    Ok(out)
}

/// The position of the seasonality argument of the functions that take one.
fn seasonality_arg(name: &str) -> Option<usize> {
    match name {
        "series_seasonal" | "series_decompose" => Some(1),
        "series_decompose_anomalies" | "series_decompose_forecast" => Some(2),
        _ => None,
    }
}

/// Seasonality -1 (the default) asks Kusto to detect the period, with an
/// algorithm it does not document (series_periods_detect); a detector of
/// ours could pick another period on real data and so report other
/// anomalies, silently. Refused until it can match: the period is given.
fn no_period_detection(name: &str, span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedFeature,
        span,
        format!(
            "{name}() with automatic seasonality detection (-1, the default) is not supported: \
             Kusto's period detection is not documented, so kql cannot promise the period Kusto finds"
        ),
    )
    .with_hint(
        "give the period in bins explicitly (e.g. 24 for hourly bins with a daily cycle, \
         7 for daily bins with a weekly one), or 0 for no seasonality",
    )
}

/// A constant string parameter (argument `i`) must be one of the
/// documented choices.
fn check_choice(name: &str, i: usize, text: &str, span: Span) -> Result<(), Diagnostic> {
    const TREND: &[&str] = &["avg", "linefit", "none"];
    const METHOD: &[&str] = &["ctukey", "tukey"];
    let choices = match (name, i) {
        ("series_outliers", 1) | ("series_decompose_anomalies", 5) => METHOD,
        ("series_decompose", 2)
        | ("series_decompose_anomalies", 3)
        | ("series_decompose_forecast", 3) => TREND,
        _ => return Ok(()),
    };
    if choices.contains(&text) {
        return Ok(());
    }
    Err(Diagnostic::at(
        Code::BadArgument,
        span,
        format!(
            "{name}() does not know '{text}': expected one of '{}'",
            choices.join("', '")
        ),
    ))
}

fn udf_call(name: &str, args: Vec<Expr>) -> Result<Expr, Diagnostic> {
    series_function_expr(name, args)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if is_multi_column(name) {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            span,
            format!("{name}() returns several columns and cannot be used inside an expression"),
        )
        .with_hint(format!(
            "use it on its own: `extend {name}(x)` or `extend (a, b, ...) = {name}(x)`"
        )));
    }
    let args = bind_args(b, name, call, row, span)?;
    let ty = match name {
        "series_sum"
        | "series_dot_product"
        | "series_cosine_similarity"
        | "series_pearson_correlation"
        | "series_magnitude"
        | "series_product" => KqlType::Real,
        _ => KqlType::Dynamic,
    };
    Ok(BExpr::new(udf_call(name, args)?, ty))
}

/// The columns of a several-column function call: each column's default
/// name (`<function>_<argument>_<member>`) and value.
pub(crate) fn bind_multi_column(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<Vec<(String, BExpr)>, Diagnostic> {
    let name = call.name.name.as_str();
    let Some((_, bag_udf, columns)) = MULTI.iter().find(|(n, _, _)| *n == name) else {
        return Err(Diagnostic::internal(
            "bind",
            format!("{name} is not a several-column function"),
        ));
    };
    let args = bind_args(b, name, call, row, span)?;
    let bag = udf_call(bag_udf, args)?;
    // An argument without a name leaves the middle part empty
    // (series-fit-poly-function.md: `extend series_stats(series_add(T, 0))`
    // makes `series_stats__min`).
    let arg = call.args.first().and_then(|a| derived_name(&a.value));
    let prefix = format!("{name}_{}", arg.unwrap_or_default());
    Ok(columns
        .iter()
        .map(|(member, ty)| {
            let v = BExpr::new(
                kql_functions::dynamic::dynamic_get_expr(bag.clone(), lit(*member)),
                KqlType::Dynamic,
            );
            (format!("{prefix}_{member}"), from_dynamic(v, *ty))
        })
        .collect())
}
