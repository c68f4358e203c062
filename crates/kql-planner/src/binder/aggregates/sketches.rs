//! Percentiles, t-digests and hll sketches in `summarize`:
//!
//! * `percentile(x, p)`, `percentiles(x, p1, ...)`: one column per
//!   percentile, `percentile_<x>_<p>` (`99.9` → `99_9`), of the type of `x`
//!   (percentiles-aggregation-function.md); `percentilew(x, w, p)`,
//!   `percentilesw(x, w, p1, ...)` weigh each value by `w`
//!   (percentilesw-aggregation-function.md).
//! * `percentiles_array(x, p1, ... | dynamic([...]))` → `percentiles_<x>`,
//!   `percentilesw_array(x, w, ...)` → `percentile_<x>` (as the two pages
//!   name them): one dynamic array.
//! * `tdigest(x [, w])` → `tdigest_<x>`; `tdigest_merge(d)` /
//!   `merge_tdigest(d)` → `merge_tdigests_<d>` (tdigest-merge-aggregation-function.md).
//! * `hll(x [, accuracy])`, `hll_if(x, p [, accuracy])`, `hll_merge(h)`.
//!
//! Percentiles are Kusto's nearest-rank percentiles computed exactly (Kusto
//! estimates them with a t-digest; where its digest is exact the results
//! agree); `x` may be a number, a datetime or a timespan. The percentiles
//! are constants in [0, 100]. The digest and hll values, and why they are
//! exact, are described in `kql_functions::aggregate::percentiles` and
//! `kql_functions::aggregate::hll`.

use super::super::Binder;
use super::super::eager::fold_if_constant;
use super::super::operators::type_error;
use super::ArgColumn;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Expr, cast};
use kql_functions::aggregate::hll::DEFAULT_ACCURACY;
use kql_functions::aggregate::percentiles::{Input, Output, ValueType, column_field};
use kql_functions::aggregate::{hll_expr, percentiles_expr};
use kql_syntax::ast::{self, DynamicLit, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

/// The aggregates of this module.
pub(crate) const NAMES: &[&str] = &[
    "percentile",
    "percentiles",
    "percentilew",
    "percentilesw",
    "percentiles_array",
    "percentilesw_array",
    "tdigest",
    "tdigest_merge",
    "merge_tdigest",
    "hll",
    "hll_if",
    "hll_merge",
];

/// The aggregates that give one column per percentile (bound by
/// [`bind_percentile_columns`], which names the columns by the percentiles'
/// values, constants included).
pub(crate) fn is_multi_column(name: &str) -> bool {
    matches!(
        name,
        "percentile" | "percentiles" | "percentilew" | "percentilesw"
    )
}

fn argument_name(call: &ast::Call, i: usize) -> String {
    call.args
        .get(i)
        .and_then(|a| match &a.value.kind {
            ExprKind::Name(id) => Some(id.name.clone()),
            _ => super::super::naming::derived_name(&a.value),
        })
        .unwrap_or_default()
}

/// A percentile as Kusto writes it in a column name: `50`, `99_9`.
fn percent_text(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{}", p as i64)
    } else {
        format!("{p}").replace('.', "_")
    }
}

/// Kusto's default result name of the single-column aggregates of this
/// module; `None` for a name not of this module.
pub(crate) fn default_name(call: &ast::Call) -> Option<String> {
    let x = argument_name(call, 0);
    Some(match call.name.name.as_str() {
        "percentile" => {
            let p = call
                .args
                .get(1)
                .and_then(|a| literal_percent(&a.value))
                .map(percent_text)
                .unwrap_or_default();
            format!("percentile_{x}_{p}")
        }
        "percentilew" => {
            let p = call
                .args
                .get(2)
                .and_then(|a| literal_percent(&a.value))
                .map(percent_text)
                .unwrap_or_default();
            format!("percentile_{x}_{p}")
        }
        "percentiles_array" => format!("percentiles_{x}"),
        "percentilesw_array" => format!("percentile_{x}"),
        "tdigest" => format!("tdigest_{x}"),
        "tdigest_merge" | "merge_tdigest" => format!("merge_tdigests_{x}"),
        "hll" => format!("hll_{x}"),
        "hll_if" => format!("hll_if_{x}"),
        "hll_merge" => format!("hll_merge_{x}"),
        _ => return None,
    })
}

/// The value of a percentile argument written as a literal (for names).
fn literal_percent(e: &ast::Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Literal(l) => number(l),
        _ => None,
    }
}

fn number(l: &Literal) -> Option<f64> {
    match l {
        Literal::Int(i) => Some(f64::from(*i)),
        Literal::Long(i) => Some(*i as f64),
        Literal::Real(r) => Some(*r),
        _ => None,
    }
}

fn wrong_count(name: &str, span: Span, what: &str) -> Diagnostic {
    Diagnostic::at(Code::WrongArgCount, span, format!("{name}() takes {what}"))
}

/// The value argument: its digest type and the expression the UDAF reads.
fn value_argument(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
) -> Result<(BExpr, ValueType), Diagnostic> {
    let a = &call.args[0].value;
    let v = b.bind_scalar(a, row)?;
    let ty = match v.ty {
        KqlType::Int | KqlType::Long => ValueType::Long,
        KqlType::Real => ValueType::Real,
        KqlType::DateTime => ValueType::DateTime,
        KqlType::TimeSpan => ValueType::TimeSpan,
        other => {
            return Err(type_error(
                a.span,
                &format!(
                    "{name}() needs a number, a datetime or a timespan, got {}",
                    other.as_str()
                ),
            ));
        }
    };
    let expr = if v.ty == KqlType::Int {
        cast(v.expr.clone(), DataType::Int64)
    } else {
        v.expr.clone()
    };
    Ok((BExpr::new(expr, v.ty), ty))
}

fn weight_argument(
    b: &mut Binder,
    name: &str,
    a: &ast::Expr,
    row: &[BoundColumn],
) -> Result<Expr, Diagnostic> {
    let w = b.bind_scalar(a, row)?;
    if !matches!(w.ty, KqlType::Int | KqlType::Long) {
        return Err(type_error(
            a.span,
            &format!(
                "{name}()'s weight must be an integer, got {}",
                w.ty.as_str()
            ),
        ));
    }
    Ok(cast(w.expr, DataType::Int64))
}

/// The percentiles of `args`: constants in [0, 100]; a single dynamic
/// array of them when `array_ok`.
fn percent_arguments(
    b: &mut Binder,
    name: &str,
    args: &[ast::Arg],
    row: &[BoundColumn],
    array_ok: bool,
    span: Span,
) -> Result<Vec<f64>, Diagnostic> {
    let bad = |span: Span| {
        Diagnostic::at(
            Code::BadArgument,
            span,
            format!(
                "{name}()'s percentiles must be constant numbers between 0 and 100{}",
                if array_ok {
                    " (or one constant dynamic array of them)"
                } else {
                    ""
                }
            ),
        )
    };
    let mut out = Vec::new();
    for a in args {
        let v = b.bind_scalar(&a.value, row)?;
        let v = fold_if_constant(b, v, a.value.span)?;
        let found: Vec<f64> = match &v.literal {
            Some(l) if number(l).is_some() => vec![number(l).unwrap_or_default()],
            Some(Literal::Dynamic(DynamicLit::Array(items))) if array_ok && args.len() == 1 => {
                items
                    .iter()
                    .map(|i| match i {
                        DynamicLit::Long(x) => Some(*x as f64),
                        DynamicLit::Real(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| bad(a.value.span))?
            }
            _ => return Err(bad(a.value.span)),
        };
        if found.iter().any(|p| !(0.0..=100.0).contains(p)) {
            return Err(bad(a.value.span));
        }
        out.extend(found);
    }
    if out.is_empty() {
        return Err(wrong_count(name, span, "at least one percentile"));
    }
    Ok(out)
}

/// The result columns of `percentiles(x, p1, ...)` / `percentilesw(x, w,
/// p1, ...)` (and of `percentile` / `percentilew`): one per percentile,
/// named `percentile_<x>_<p>`, all fields of one aggregate.
pub(crate) fn bind_percentile_columns(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<Vec<ArgColumn>, Diagnostic> {
    let name = call.name.name.as_str();
    let weighted = name.ends_with('w');
    let fixed = if weighted { 2 } else { 1 };
    let single = matches!(name, "percentile" | "percentilew");
    if (single && call.args.len() != fixed + 1) || call.args.len() <= fixed {
        return Err(wrong_count(
            name,
            span,
            &if single {
                format!("{} arguments", fixed + 1)
            } else {
                format!("at least {} arguments", fixed + 1)
            },
        ));
    }
    let (v, ty) = value_argument(b, name, call, row)?;
    let mut args = vec![v.expr.clone()];
    if weighted {
        args.push(weight_argument(b, name, &call.args[1].value, row)?);
    }
    let ps = percent_arguments(b, name, &call.args[fixed..], row, false, span)?;
    let x = argument_name(call, 0);
    let agg = percentiles_expr(
        Input::Values { ty, weighted },
        Output::Columns(ps.clone()),
        args,
    );
    Ok(ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let field = get_field(agg.clone(), column_field(i));
            let field = if v.ty == KqlType::Int {
                cast(field, DataType::Int32)
            } else {
                field
            };
            ArgColumn {
                name: Some(format!("percentile_{x}_{}", percent_text(*p))),
                value: BExpr::new(field, v.ty),
            }
        })
        .collect())
}

/// One aggregate of this module as a single value.
pub(crate) fn bind(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let name = call.name.name.as_str();
    match name {
        "percentile" | "percentilew" | "percentiles" | "percentilesw" => {
            let mut cols = bind_percentile_columns(b, call, row, span)?;
            if cols.len() != 1 {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    span,
                    format!(
                        "{name}() with several percentiles returns several columns: use it directly as a `summarize` result, or use percentiles_array()"
                    ),
                ));
            }
            Ok(cols.remove(0).value)
        }
        "percentiles_array" | "percentilesw_array" => {
            let weighted = name == "percentilesw_array";
            let fixed = if weighted { 2 } else { 1 };
            if call.args.len() <= fixed {
                return Err(wrong_count(
                    name,
                    span,
                    &format!("at least {} arguments", fixed + 1),
                ));
            }
            let (v, ty) = value_argument(b, name, call, row)?;
            let mut args = vec![v.expr];
            if weighted {
                args.push(weight_argument(b, name, &call.args[1].value, row)?);
            }
            let ps = percent_arguments(b, name, &call.args[fixed..], row, true, span)?;
            Ok(BExpr::new(
                percentiles_expr(Input::Values { ty, weighted }, Output::Array(ps), args),
                KqlType::Dynamic,
            ))
        }
        "tdigest" => {
            if call.args.is_empty() || call.args.len() > 2 {
                return Err(wrong_count(name, span, "1 or 2 arguments"));
            }
            let (v, ty) = value_argument(b, name, call, row)?;
            let weighted = call.args.len() == 2;
            let mut args = vec![v.expr];
            if weighted {
                args.push(weight_argument(b, name, &call.args[1].value, row)?);
            }
            Ok(BExpr::new(
                percentiles_expr(Input::Values { ty, weighted }, Output::Digest, args),
                KqlType::Dynamic,
            ))
        }
        "tdigest_merge" | "merge_tdigest" | "hll_merge" => {
            if call.args.len() != 1 {
                return Err(wrong_count(name, span, "1 argument in `summarize`"));
            }
            let d = b.bind_scalar(&call.args[0].value, row)?;
            if d.ty != KqlType::Dynamic {
                return Err(type_error(
                    call.args[0].value.span,
                    &format!(
                        "{name}() needs the dynamic result of {}, got {}",
                        if name == "hll_merge" {
                            "hll()"
                        } else {
                            "tdigest()"
                        },
                        d.ty.as_str()
                    ),
                ));
            }
            let e = if name == "hll_merge" {
                hll_expr(true, DEFAULT_ACCURACY, d.expr)
            } else {
                percentiles_expr(Input::Digests, Output::Digest, vec![d.expr])
            };
            Ok(BExpr::new(e, KqlType::Dynamic))
        }
        "hll" | "hll_if" => {
            let fixed = if name == "hll_if" { 2 } else { 1 };
            if call.args.len() < fixed || call.args.len() > fixed + 1 {
                return Err(wrong_count(
                    name,
                    span,
                    &format!("{fixed} or {} arguments", fixed + 1),
                ));
            }
            let v = b.bind_scalar(&call.args[0].value, row)?;
            let mut elem = super::super::expr::cast_to(v, KqlType::Dynamic).expr;
            if fixed == 2 {
                let p = b.bind_scalar(&call.args[1].value, row)?;
                elem = super::only_if(elem, p, call.args[1].value.span)?;
            }
            let accuracy = match call.args.get(fixed) {
                None => DEFAULT_ACCURACY,
                Some(a) => {
                    let v = b.bind_scalar(&a.value, row)?;
                    let v = fold_if_constant(b, v, a.value.span)?;
                    match v.literal.as_ref().and_then(number) {
                        Some(n) if (0.0..=4.0).contains(&n) && n.fract() == 0.0 => n as i64,
                        _ => {
                            return Err(Diagnostic::at(
                                Code::BadArgument,
                                a.value.span,
                                format!(
                                    "{name}()'s accuracy must be a constant integer from 0 to 4"
                                ),
                            ));
                        }
                    }
                }
            };
            Ok(BExpr::new(
                hll_expr(false, accuracy, elem),
                KqlType::Dynamic,
            ))
        }
        _ => Err(Diagnostic::internal(
            "bind",
            format!("{name}() is not a percentile or sketch aggregate"),
        )),
    }
}
