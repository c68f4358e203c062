//! `case()`, `column_ifexists()` / `columnifexists()` (binder-only: no UDF)
//! and `unixtime_*_todatetime()`.

use super::{arity, branch_type};
use crate::binder::Binder;
use crate::binder::expr::{cast_to, column_expr};
use crate::binder::operators::{expect_bool, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;

use datafusion::logical_expr::{cast, when};
use kql_functions::unixtime::{EpochUnit, unixtime_expr};
use kql_syntax::ast::{self, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "case",
    "column_ifexists",
    "columnifexists",
    "unixtime_seconds_todatetime",
    "unixtime_milliseconds_todatetime",
    "unixtime_microseconds_todatetime",
    "unixtime_nanoseconds_todatetime",
];

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    match name {
        "case" => {
            arity(name, args, 3, 256, span)?;
            if args.len().is_multiple_of(2) {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    span,
                    format!(
                        "case() takes predicate/value pairs and an else value (an odd number of arguments), got {}",
                        args.len()
                    ),
                ));
            }
            let mut preds = Vec::new();
            let mut values = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let v = b.bind_scalar(&a.value, row)?;
                if i % 2 == 0 && i + 1 < args.len() {
                    let p = expect_bool(v, a.value.span, "a case() predicate")?;
                    // a null predicate is not satisfied: CASE WHEN treats
                    // null as not true already
                    preds.push(p.expr);
                } else {
                    values.push(v);
                }
            }
            let mut ty = values[0].ty;
            for v in &values[1..] {
                ty = branch_type(ty, v.ty).ok_or_else(|| {
                    type_error(
                        span,
                        &format!(
                            "case() values must have the same type: {} and {}",
                            ty.as_str(),
                            v.ty.as_str()
                        ),
                    )
                })?;
            }
            let mut values = values.into_iter().map(|v| cast_to(v, ty).expr);
            let else_value = values.next_back().expect("an else value");
            let mut builder: Option<
                datafusion::logical_expr::conditional_expressions::CaseBuilder,
            > = None;
            for (p, v) in preds.into_iter().zip(values) {
                builder = Some(match builder {
                    None => when(p, v),
                    Some(mut bld) => bld.when(p, v),
                });
            }
            let e = builder
                .expect("at least one pair")
                .otherwise(else_value)
                .map_err(|e| Diagnostic::internal("bind", e))?;
            Ok(BExpr::new(e, ty))
        }
        "column_ifexists" | "columnifexists" => {
            arity(name, args, 2, 2, span)?;
            // A literal, or a constant such as a function's string parameter
            // (`column_ifexists(field, "")` in ASIM helpers).
            let col = match &args[0].value.kind {
                ExprKind::Literal(Literal::String(col)) => col.clone(),
                _ => match b.bind_scalar(&args[0].value, row)?.literal {
                    Some(Literal::String(col)) => col,
                    _ => {
                        return Err(Diagnostic::at(
                            Code::NotConstant,
                            args[0].value.span,
                            format!("{name}() needs the column name as a constant string"),
                        ));
                    }
                },
            };
            if let Some(c) = row.iter().find(|c| c.name == col) {
                return Ok(BExpr::new(column_expr(&c.name), c.ty));
            }
            b.bind_scalar(&args[1].value, row)
        }
        _ => {
            arity(name, args, 1, 1, span)?;
            let unit = EpochUnit::from_function(name)
                .ok_or_else(|| Diagnostic::internal("bind", format!("unknown unit of {name}")))?;
            let v = b.bind_scalar(&args[0].value, row)?;
            let x = match v.ty {
                KqlType::Int | KqlType::Long => cast(v.expr, DataType::Int64),
                KqlType::Real | KqlType::Decimal => cast(v.expr, DataType::Float64),
                KqlType::Dynamic => cast_to(v, KqlType::Real).expr,
                other => {
                    return Err(type_error(
                        args[0].value.span,
                        &format!("{name}() needs a number, got {}", other.as_str()),
                    ));
                }
            };
            Ok(BExpr::new(unixtime_expr(unit, x), KqlType::DateTime))
        }
    }
}
