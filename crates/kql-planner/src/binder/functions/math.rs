//! Math functions: `around`, `round`, `ceiling`, `exp`, `exp2`, `exp10`, `log`,
//! `log2`, `log10`, `pow`, `sqrt`, the trigonometric functions, `degrees`,
//! `radians`, `pi`, `sign`, `isfinite`, `isinf`, `isnan`, `gamma`,
//! `loggamma`, `erf`, `erfc` and the bit functions (`binary_and`, ...,
//! `bitset_count_ones`).
//!
//! Real functions take any number (int, long, real, decimal, or a dynamic
//! number) as a real and return a real. Where the documentation says the
//! result is null (the logarithm or square root of a negative number, the
//! arc sine/cosine outside [-1, 1]) the result is null, not NaN. The bit
//! functions work on longs.

use super::arity;
use crate::binder::Binder;
use crate::binder::expr::cast_to;
use crate::binder::operators::{arithmetic, compare, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, is_numeric};
use datafusion::common::ScalarValue;
use datafusion::functions::math::expr_fn as m;
use datafusion::logical_expr::{Expr, Operator, binary_expr, lit, when};
use kql_functions::math::math_function_expr;
use kql_syntax::ast::{self, BinaryOp};
use kql_syntax::{Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "around",
    "round",
    "ceiling",
    "exp",
    "exp2",
    "exp10",
    "log",
    "log2",
    "log10",
    "pow",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "cot",
    "degrees",
    "radians",
    "pi",
    "sign",
    "isfinite",
    "isinf",
    "isnan",
    "gamma",
    "loggamma",
    "erf",
    "erfc",
    "binary_and",
    "binary_or",
    "binary_xor",
    "binary_not",
    "binary_shift_left",
    "binary_shift_right",
    "bitset_count_ones",
];

fn number(name: &str, v: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    if is_numeric(v.ty) || v.ty == KqlType::Dynamic {
        return Ok(v);
    }
    Err(type_error(
        span,
        &format!("{name}() needs a number, got {}", v.ty.as_str()),
    ))
}

fn real(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    Ok(cast_to(number(name, v, span)?, KqlType::Real).expr)
}

fn integer(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    match v.ty {
        KqlType::Int | KqlType::Long | KqlType::Dynamic => Ok(cast_to(v, KqlType::Long).expr),
        other => Err(type_error(
            span,
            &format!("{name}() needs an integer, got {}", other.as_str()),
        )),
    }
}

/// `e` unless `bad` holds, then null.
fn null_when(bad: Expr, e: Expr) -> Result<Expr, Diagnostic> {
    when(bad, lit(ScalarValue::Float64(None)))
        .otherwise(e)
        .map_err(|e| Diagnostic::internal("bind", e))
}

fn real_result(e: Expr) -> BExpr {
    BExpr::new(e, KqlType::Real)
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let arg = |b: &mut Binder, i: usize| b.bind_scalar(&args[i].value, row);
    let sp = |i: usize| args[i].value.span;
    match name {
        "around" => {
            // center - delta <= value <= center + delta; null when any is
            arity(name, args, 3, 3, span)?;
            let v = arg(b, 0)?;
            let center = arg(b, 1)?;
            let delta = arg(b, 2)?;
            let lo = arithmetic(BinaryOp::Sub, center.clone(), delta.clone(), span)?;
            let hi = arithmetic(BinaryOp::Add, center, delta, span)?;
            let ge = compare(BinaryOp::GtEq, v.clone(), lo, span)?;
            let le = compare(BinaryOp::LtEq, v, hi, span)?;
            Ok(BExpr::new(ge.expr.and(le.expr), KqlType::Bool))
        }
        "pi" => {
            arity(name, args, 0, 0, span)?;
            Ok(real_result(lit(std::f64::consts::PI)))
        }
        "round" => {
            arity(name, args, 1, 2, span)?;
            let v = arg(b, 0)?;
            let v = number(name, v, sp(0))?;
            let digits = if args.len() == 2 {
                let p = arg(b, 1)?;
                integer(name, p, sp(1))?
            } else {
                lit(0i64)
            };
            match v.ty {
                KqlType::Int | KqlType::Long => {
                    // rounding to a negative number of digits (to tens,
                    // hundreds, ...) is the only change to an integer
                    let ty = v.ty;
                    let x = cast_to(v, KqlType::Real).expr;
                    let r = BExpr::new(m::round(vec![x, digits]), KqlType::Real);
                    Ok(cast_to(r, ty))
                }
                KqlType::Decimal => Err(Diagnostic::at(
                    kql_syntax::Code::UnsupportedFeature,
                    sp(0),
                    "round() of a decimal is not supported yet",
                )
                .with_hint("convert it with todouble() first")),
                _ => {
                    let x = cast_to(v, KqlType::Real).expr;
                    Ok(real_result(m::round(vec![x, digits])))
                }
            }
        }
        "ceiling" => {
            arity(name, args, 1, 1, span)?;
            let v = arg(b, 0)?;
            let v = number(name, v, sp(0))?;
            match v.ty {
                KqlType::Int | KqlType::Long => Ok(v),
                _ => Ok(real_result(m::ceil(cast_to(v, KqlType::Real).expr))),
            }
        }
        "atan2" | "pow" => {
            arity(name, args, 2, 2, span)?;
            let x = arg(b, 0)?;
            let x = real(name, x, sp(0))?;
            let y = arg(b, 1)?;
            let y = real(name, y, sp(1))?;
            Ok(real_result(if name == "pow" {
                m::power(x, y)
            } else {
                m::atan2(x, y)
            }))
        }
        "isnan" | "isinf" | "isfinite" => {
            arity(name, args, 1, 1, span)?;
            let x = arg(b, 0)?;
            let x = real(name, x, sp(0))?;
            let inf = binary_expr(m::abs(x.clone()), Operator::Eq, lit(f64::INFINITY));
            let e = match name {
                "isnan" => m::isnan(x),
                "isinf" => inf,
                _ => binary_expr(
                    Expr::Not(Box::new(m::isnan(x))),
                    Operator::And,
                    Expr::Not(Box::new(inf)),
                ),
            };
            Ok(BExpr::new(e, KqlType::Bool))
        }
        "binary_and" | "binary_or" | "binary_xor" | "binary_shift_left" | "binary_shift_right" => {
            arity(name, args, 2, 2, span)?;
            let x = arg(b, 0)?;
            let x = integer(name, x, sp(0))?;
            let y = arg(b, 1)?;
            let y = integer(name, y, sp(1))?;
            let op = match name {
                "binary_and" => Operator::BitwiseAnd,
                "binary_or" => Operator::BitwiseOr,
                "binary_xor" => Operator::BitwiseXor,
                "binary_shift_left" => Operator::BitwiseShiftLeft,
                _ => Operator::BitwiseShiftRight,
            };
            let e = if name.starts_with("binary_shift") {
                // value << (shift % 64); a negative shift is null
                let shift = binary_expr(y.clone(), Operator::Modulo, lit(64i64));
                when(y.gt_eq(lit(0i64)), binary_expr(x, op, shift))
                    .otherwise(lit(ScalarValue::Int64(None)))
                    .map_err(|e| Diagnostic::internal("bind", e))?
            } else {
                binary_expr(x, op, y)
            };
            Ok(BExpr::new(e, KqlType::Long))
        }
        "binary_not" => {
            arity(name, args, 1, 1, span)?;
            let x = arg(b, 0)?;
            let x = integer(name, x, sp(0))?;
            Ok(BExpr::new(
                binary_expr(x, Operator::BitwiseXor, lit(-1i64)),
                KqlType::Long,
            ))
        }
        "bitset_count_ones" => {
            arity(name, args, 1, 1, span)?;
            let x = arg(b, 0)?;
            let x = integer(name, x, sp(0))?;
            let e = math_function_expr(name, x)
                .ok_or_else(|| Diagnostic::internal("bind", "no UDF for bitset_count_ones"))?;
            Ok(BExpr::new(e, KqlType::Long))
        }
        _ => {
            arity(name, args, 1, 1, span)?;
            let x = arg(b, 0)?;
            let x = real(name, x, sp(0))?;
            let negative = || x.clone().lt(lit(0.0f64));
            let e = match name {
                "exp" => m::exp(x),
                "exp2" => m::power(lit(2.0f64), x),
                "exp10" => m::power(lit(10.0f64), x),
                "log" => null_when(negative(), m::ln(x.clone()))?,
                "log2" => null_when(negative(), m::log2(x.clone()))?,
                "log10" => null_when(negative(), m::log10(x.clone()))?,
                "sqrt" => null_when(negative(), m::sqrt(x.clone()))?,
                "sin" => m::sin(x),
                "cos" => m::cos(x),
                "tan" => m::tan(x),
                "asin" | "acos" => {
                    let outside = m::abs(x.clone()).gt(lit(1.0f64));
                    let f = if name == "asin" {
                        m::asin(x)
                    } else {
                        m::acos(x)
                    };
                    null_when(outside, f)?
                }
                "atan" => m::atan(x),
                "cot" => m::cot(x),
                "degrees" => m::degrees(x),
                "radians" => m::radians(x),
                "sign" => m::signum(x),
                _ => math_function_expr(name, x)
                    .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))?,
            };
            Ok(real_result(e))
        }
    }
}
