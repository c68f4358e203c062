//! The scalar functions over `tdigest()` and `hll()` results:
//! `percentile_tdigest(d, p [, typeof(T)])`, `percentiles_array_tdigest(d,
//! p1, ... | dynamic([...]) [, typeof(T)])`, `rank_tdigest(d, v)`,
//! `percentrank_tdigest(d, v)`, `merge_tdigest(d1, d2, ...)`,
//! `hll_merge(h1, h2, ...)` and `dcount_hll(h)`. The kernels are in
//! `kql_functions::aggregate::digest`.
//!
//! `percentile_tdigest` without a type is a dynamic value (a digest may hold
//! values of any type, percentile-tdigest-function.md); with `typeof(T)` it
//! is a column of type `T`. `percentiles_array_tdigest` is a dynamic array,
//! its values converted to `T` when a type is given, or a column of type
//! `T` when it is given one percentile and a type
//! (percentile-array-tdigest-function.md). Inside `summarize`,
//! `merge_tdigest(d)` and `hll_merge(h)` of one argument are the aggregates.

use super::{arity, expect_dynamic};
use crate::binder::Binder;
use crate::binder::eager::fold_if_constant;
use crate::binder::expr::from_dynamic;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_functions::aggregate::digest::digest_function_expr;
use kql_syntax::ast::{self, DynamicLit, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "percentile_tdigest",
    "percentiles_array_tdigest",
    "rank_tdigest",
    "percentrank_tdigest",
    "merge_tdigest",
    "hll_merge",
    "dcount_hll",
];

fn call_udf(name: &str, args: Vec<Expr>) -> Result<Expr, Diagnostic> {
    digest_function_expr(name, args)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))
}

/// `typeof(T)` as an argument.
fn type_argument(e: &ast::Expr) -> Option<Result<KqlType, Diagnostic>> {
    let ExprKind::Call(c) = &e.kind else {
        return None;
    };
    if c.name.name != "typeof" {
        return None;
    }
    let ty = match c.args.as_slice() {
        [a] => match &a.value.kind {
            ExprKind::Name(id) => KqlType::from_name(&id.name),
            _ => None,
        },
        _ => None,
    };
    Some(match ty {
        Some(
            t @ (KqlType::Int
            | KqlType::Long
            | KqlType::Real
            | KqlType::Decimal
            | KqlType::DateTime
            | KqlType::TimeSpan),
        ) => Ok(t),
        _ => Err(Diagnostic::at(
            Code::BadArgument,
            e.span,
            "the type must be typeof(long), typeof(int), typeof(real), typeof(decimal), typeof(datetime) or typeof(timespan)",
        )),
    })
}

/// The constant percentiles as JSON text.
fn percents(
    b: &mut Binder,
    name: &str,
    args: &[ast::Arg],
    row: &[BoundColumn],
    array_ok: bool,
) -> Result<(String, usize), Diagnostic> {
    let mut out: Vec<f64> = Vec::new();
    for a in args {
        let bad = || {
            Diagnostic::at(
                Code::BadArgument,
                a.value.span,
                format!("{name}()'s percentiles must be constant numbers between 0 and 100"),
            )
        };
        let v = b.bind_scalar(&a.value, row)?;
        let v = fold_if_constant(b, v, a.value.span)?;
        let num = |l: &DynamicLit| match l {
            DynamicLit::Long(x) => Some(*x as f64),
            DynamicLit::Real(x) => Some(*x),
            _ => None,
        };
        match &v.literal {
            Some(Literal::Int(x)) => out.push(f64::from(*x)),
            Some(Literal::Long(x)) => out.push(*x as f64),
            Some(Literal::Real(x)) => out.push(*x),
            Some(Literal::Dynamic(DynamicLit::Array(items))) if array_ok && args.len() == 1 => {
                for i in items {
                    out.push(num(i).ok_or_else(bad)?);
                }
            }
            _ => return Err(bad()),
        }
        if out.iter().any(|p| !(0.0..=100.0).contains(p)) {
            return Err(bad());
        }
    }
    let text = out
        .iter()
        .map(|p| kql_functions::format::format_real(*p))
        .collect::<Vec<_>>()
        .join(",");
    Ok((format!("[{text}]"), out.len()))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let dynamic_arg = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
        let v = b.bind_scalar(&args[i].value, row)?;
        Ok(expect_dynamic(name, v, args[i].value.span)?.expr)
    };
    match name {
        "percentile_tdigest" | "percentiles_array_tdigest" => {
            let single = name == "percentile_tdigest";
            arity(name, args, 2, if single { 3 } else { usize::MAX }, span)?;
            let d = dynamic_arg(b, 0)?;
            let (ty, last) = match args.last().and_then(|a| type_argument(&a.value)) {
                Some(t) if args.len() > 2 => (Some(t?), args.len() - 1),
                Some(_) => {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        format!("{name}() needs a percentile before the type"),
                    ));
                }
                None => (None, args.len()),
            };
            let (ps, count) = percents(b, name, &args[1..last], row, !single)?;
            let type_name = ty.map(|t| t.as_str()).unwrap_or("");
            let udf = if single || count == 1 && ty.is_some() && !is_array_arg(b, &args[1]) {
                "percentile_tdigest"
            } else {
                "percentiles_array_tdigest"
            };
            let e = call_udf(udf, vec![d, lit(ps), lit(type_name)])?;
            let v = BExpr::new(e, KqlType::Dynamic);
            Ok(match ty {
                Some(t) if udf == "percentile_tdigest" => from_dynamic(v, t),
                _ => v,
            })
        }
        "rank_tdigest" | "percentrank_tdigest" => {
            arity(name, args, 2, 2, span)?;
            let d = dynamic_arg(b, 0)?;
            let v = b.bind_scalar(&args[1].value, row)?;
            let (text, class) = match v.ty {
                KqlType::Int | KqlType::Long => (cast(v.expr, DataType::Int64), "number"),
                KqlType::Real | KqlType::Decimal => (cast(v.expr, DataType::Float64), "number"),
                KqlType::DateTime => (cast(v.expr, DataType::Int64), "datetime"),
                KqlType::TimeSpan => (cast(v.expr, DataType::Int64), "timespan"),
                other => {
                    return Err(type_error(
                        args[1].value.span,
                        &format!(
                            "{name}() ranks a number, a datetime or a timespan, got {}",
                            other.as_str()
                        ),
                    ));
                }
            };
            let e = call_udf(name, vec![d, cast(text, DataType::Utf8), lit(class)])?;
            Ok(BExpr::new(
                e,
                if name == "rank_tdigest" {
                    KqlType::Long
                } else {
                    KqlType::Real
                },
            ))
        }
        "merge_tdigest" | "hll_merge" => {
            arity(name, args, 1, 64, span)?;
            let ds = (0..args.len())
                .map(|i| dynamic_arg(b, i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BExpr::new(call_udf(name, ds)?, KqlType::Dynamic))
        }
        "dcount_hll" => {
            arity(name, args, 1, 1, span)?;
            let h = dynamic_arg(b, 0)?;
            Ok(BExpr::new(call_udf(name, vec![h])?, KqlType::Long))
        }
        _ => Err(Diagnostic::internal(
            "bind",
            format!("no binding for {name}"),
        )),
    }
}

/// Whether the percentile argument is a dynamic array (then the result is
/// an array even of one percentile).
fn is_array_arg(b: &mut Binder, a: &ast::Arg) -> bool {
    b.bind_scalar(&a.value, &[])
        .map(|v| v.ty == KqlType::Dynamic)
        .unwrap_or(false)
}
