//! Datetime and timespan functions: `startofday` ... `endofyear` (with the
//! optional offset), `datetime_add`, `datetime_diff`, `datetime_part`,
//! `getyear`, `getmonth`, `monthofyear`, `dayofmonth`, `dayofyear`,
//! `hourofday`, `week_of_year`, `dayofweek`, `format_datetime`,
//! `format_timespan`, `make_datetime`, `make_timespan` and `bin_at`.
//!
//! Datetimes and timespans reach the kernels of `kql_functions::datetime`
//! as Int64 nanoseconds. A period, part or format written as a constant is
//! checked here, so a typo is a binder error rather than a column of nulls.

use super::{arity, bin, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::expr::cast_to;
use crate::binder::operators::{arithmetic, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, is_numeric};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::Operator;
use datafusion::logical_expr::{Expr, binary_expr, cast, lit, try_cast, when};
use kql_functions::datetime::{
    Period, check_datetime_format, check_timespan_format, datetime_function_expr,
};
use kql_syntax::ast::{self, BinaryOp, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "datetime_add",
    "datetime_diff",
    "datetime_part",
    "getyear",
    "getmonth",
    "monthofyear",
    "dayofmonth",
    "dayofyear",
    "hourofday",
    "week_of_year",
    "dayofweek",
    "format_datetime",
    "format_timespan",
    "make_datetime",
    "make_timespan",
    "bin_at",
];

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

fn udf(name: &str, args: Vec<Expr>) -> Result<Expr, Diagnostic> {
    datetime_function_expr(name, args).ok_or_else(|| internal(name))
}

/// A value of type `want` (a dynamic value converted as `to<type>()`), as
/// Int64 nanoseconds.
fn nanos(name: &str, v: BExpr, want: KqlType, span: Span) -> Result<Expr, Diagnostic> {
    if v.ty == want || v.ty == KqlType::Dynamic {
        return Ok(cast(cast_to(v, want).expr, DataType::Int64));
    }
    Err(type_error(
        span,
        &format!(
            "{name}() needs a {} here, got {}",
            want.as_str(),
            v.ty.as_str()
        ),
    ))
}

/// A period/part argument: a constant must name a known one.
fn period_arg(
    name: &str,
    v: BExpr,
    span: Span,
    valid: fn(Period) -> bool,
    known: &str,
) -> Result<Expr, Diagnostic> {
    if let Some(Literal::String(s)) = &v.literal
        && !Period::parse(s).is_some_and(valid)
    {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            format!("{name}(): unknown period '{s}'"),
        )
        .with_hint(format!("use one of {known}")));
    }
    expect_string(name, v, span)
}

/// A format checker: `Err` names the unsupported element.
type FormatCheck = fn(&str) -> Result<(), String>;

const INTERVALS: &str =
    "year, quarter, month, week, day, hour, minute, second, millisecond, microsecond, nanosecond";
const PARTS: &str = "year, quarter, month, week_of_year, day, dayofyear, hour, minute, second, millisecond, microsecond, nanosecond";

/// A real number of seconds as whole ticks (rounded), null when it does
/// not fit.
fn seconds_to_ticks(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    if !is_numeric(v.ty) && v.ty != KqlType::Dynamic {
        return Err(type_error(
            span,
            &format!("{name}() needs a number of seconds, got {}", v.ty.as_str()),
        ));
    }
    let s = cast_to(v, KqlType::Real).expr;
    let ticks = datafusion::functions::math::expr_fn::round(vec![binary_expr(
        s,
        Operator::Multiply,
        lit(10_000_000f64),
    )]);
    Ok(try_cast(ticks, DataType::Int64))
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
        "startofday" | "startofweek" | "startofmonth" | "startofyear" | "endofday"
        | "endofweek" | "endofmonth" | "endofyear" => {
            arity(name, args, 1, 2, span)?;
            let d = arg(b, 0)?;
            let mut e = vec![nanos(name, d, KqlType::DateTime, sp(0))?];
            if args.len() == 2 {
                let o = arg(b, 1)?;
                e.push(expect_integer(name, o, sp(1))?);
            }
            Ok(BExpr::new(udf(name, e)?, KqlType::DateTime))
        }
        "datetime_add" => {
            arity(name, args, 3, 3, span)?;
            let p = arg(b, 0)?;
            let p = period_arg(name, p, sp(0), Period::is_interval, INTERVALS)?;
            let n = arg(b, 1)?;
            let n = expect_integer(name, n, sp(1))?;
            let d = arg(b, 2)?;
            let d = nanos(name, d, KqlType::DateTime, sp(2))?;
            Ok(BExpr::new(udf(name, vec![p, n, d])?, KqlType::DateTime))
        }
        "datetime_diff" => {
            arity(name, args, 3, 3, span)?;
            let p = arg(b, 0)?;
            let p = period_arg(name, p, sp(0), Period::is_interval, INTERVALS)?;
            let d1 = arg(b, 1)?;
            let d1 = nanos(name, d1, KqlType::DateTime, sp(1))?;
            let d2 = arg(b, 2)?;
            let d2 = nanos(name, d2, KqlType::DateTime, sp(2))?;
            Ok(BExpr::new(udf(name, vec![p, d1, d2])?, KqlType::Long))
        }
        "datetime_part" => {
            arity(name, args, 2, 2, span)?;
            let p = arg(b, 0)?;
            let p = period_arg(name, p, sp(0), Period::is_part, PARTS)?;
            let d = arg(b, 1)?;
            let d = nanos(name, d, KqlType::DateTime, sp(1))?;
            Ok(BExpr::new(udf("datetime_part", vec![p, d])?, KqlType::Int))
        }
        "getyear" | "getmonth" | "monthofyear" | "dayofmonth" | "dayofyear" | "hourofday"
        | "week_of_year" => {
            arity(name, args, 1, 1, span)?;
            let part = match name {
                "getyear" => "year",
                "getmonth" | "monthofyear" => "month",
                "dayofmonth" => "day",
                "dayofyear" => "dayofyear",
                "hourofday" => "hour",
                _ => "week_of_year",
            };
            let d = arg(b, 0)?;
            let d = nanos(name, d, KqlType::DateTime, sp(0))?;
            Ok(BExpr::new(
                udf("datetime_part", vec![lit(part), d])?,
                KqlType::Int,
            ))
        }
        "dayofweek" => {
            arity(name, args, 1, 1, span)?;
            let d = arg(b, 0)?;
            let d = nanos(name, d, KqlType::DateTime, sp(0))?;
            Ok(BExpr::new(udf(name, vec![d])?, KqlType::TimeSpan))
        }
        "format_datetime" | "format_timespan" => {
            arity(name, args, 2, 2, span)?;
            let (want, check) = if name == "format_datetime" {
                (KqlType::DateTime, check_datetime_format as FormatCheck)
            } else {
                (KqlType::TimeSpan, check_timespan_format as FormatCheck)
            };
            let v = arg(b, 0)?;
            let v = nanos(name, v, want, sp(0))?;
            let f = arg(b, 1)?;
            if let Some(Literal::String(s)) = &f.literal
                && let Err(bad) = check(s)
            {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    sp(1),
                    format!("{name}(): unsupported format element '{bad}'"),
                )
                .with_hint(
                    "use the documented specifiers (d, f.., F.., h, H, m, M, s, y.., tt) and the delimiters space / - : , . _ [ ]",
                ));
            }
            let f = expect_string(name, f, sp(1))?;
            Ok(BExpr::new(udf(name, vec![v, f])?, KqlType::String))
        }
        "make_datetime" => {
            arity(name, args, 3, 6, span)?;
            if args.len() == 4 {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    span,
                    "make_datetime() takes year, month, day [, hour, minute [, second]]: 3, 5 or 6 arguments, got 4",
                ));
            }
            let mut e = Vec::with_capacity(6);
            for i in 0..args.len().min(5) {
                let v = arg(b, i)?;
                e.push(expect_integer(name, v, sp(i))?);
            }
            while e.len() < 5 {
                e.push(lit(0i64));
            }
            e.push(if args.len() == 6 {
                let s = arg(b, 5)?;
                seconds_to_ticks(name, s, sp(5))?
            } else {
                lit(0i64)
            });
            Ok(BExpr::new(udf(name, e)?, KqlType::DateTime))
        }
        "make_timespan" => {
            arity(name, args, 2, 4, span)?;
            // (hour, minute) | (hour, minute, second) | (day, hour, minute, second)
            let n = args.len();
            let int = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
                let v = b.bind_scalar(&args[i].value, row)?;
                expect_integer(name, v, args[i].value.span)
            };
            let day = if n == 4 { int(b, 0)? } else { lit(0i64) };
            let first = usize::from(n == 4);
            let hour = int(b, first)?;
            let minute = int(b, first + 1)?;
            let ticks = if n >= 3 {
                let s = b.bind_scalar(&args[n - 1].value, row)?;
                seconds_to_ticks(name, s, args[n - 1].value.span)?
            } else {
                lit(0i64)
            };
            let in_range = |v: &Expr, hi: i64| v.clone().between(lit(0i64), lit(hi));
            let ok = in_range(&hour, 23)
                .and(in_range(&minute, 59))
                .and(in_range(&ticks, 600_000_000 - 1));
            let mul = |a: Expr, k: i64| binary_expr(a, Operator::Multiply, lit(k));
            let add = |a: Expr, c: Expr| binary_expr(a, Operator::Plus, c);
            let minutes = add(mul(add(mul(day, 24), hour), 60), minute);
            let ns = add(mul(minutes, 60_000_000_000), mul(ticks, 100));
            let e = when(ok, ns)
                .otherwise(lit(ScalarValue::Int64(None)))
                .map_err(|e| Diagnostic::internal("bind", e))?;
            Ok(BExpr::new(
                cast(e, arrow_type(KqlType::TimeSpan)),
                KqlType::TimeSpan,
            ))
        }
        _ => {
            // bin_at(value, size, fixed_point): bin(value - fixed_point, size) + fixed_point
            arity(name, args, 3, 3, span)?;
            let v = arg(b, 0)?;
            let size = arg(b, 1)?;
            let fixed = arg(b, 2)?;
            let fixed = if is_numeric(v.ty) && is_numeric(fixed.ty) || v.ty == fixed.ty {
                fixed
            } else {
                return Err(type_error(
                    sp(2),
                    &format!(
                        "bin_at() needs a fixed point of the value's type ({}), got {}",
                        v.ty.as_str(),
                        fixed.ty.as_str()
                    ),
                ));
            };
            let shifted = arithmetic(BinaryOp::Sub, v, fixed.clone(), span)?;
            let binned = bin(shifted, size, span)?;
            arithmetic(BinaryOp::Add, binned, fixed, span)
        }
    }
}
