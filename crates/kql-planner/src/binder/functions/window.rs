//! Row-window functions: `row_number`, `prev`, `next`, `row_cumsum`,
//! `row_rank_min`, `row_rank_dense`.
//!
//! They read neighbouring rows, so Kusto allows them only over a serialized
//! row set (after `serialize`, `sort` / `order`, `top`, `range`, and the
//! operators that keep that order). A call records a [`WindowDef`] in the
//! binder's window scope and stands for a hidden column; the operator that
//! made the scope (`ops/serialize.rs`) puts a `BoundOp::Window` computing
//! those columns under its result.

use super::super::eager::constant_in_place;
use super::super::expr::{cast_to, column_expr};
use super::super::operators::{expect_bool, type_error};
use super::{Binder, arity};
use crate::bound::{BExpr, BoundColumn, WindowDef, WindowFunc};
use crate::types::{KqlType, arrow_type};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::cast;
use kql_syntax::ast;
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) const NAMES: &[&str] = &[
    "row_number",
    "prev",
    "next",
    "row_cumsum",
    "row_rank_min",
    "row_rank_dense",
    "row_window_session",
];

/// The window functions an operator's expressions call.
#[derive(Debug, Default)]
pub(crate) struct WindowScope {
    /// Whether the operator's input is serialized.
    pub serialized: bool,
    /// Columns each window is computed separately for: in an `mv-apply`
    /// subquery, which runs over the items of all rows at once, the hidden
    /// input row number (a window must not cross rows).
    pub partition: Vec<datafusion::logical_expr::Expr>,
    /// The hidden columns asked for, in the order they must be computed
    /// (a window's arguments may read earlier ones).
    pub defs: Vec<(BoundColumn, WindowDef)>,
}

impl WindowScope {
    pub(crate) fn new(serialized: bool) -> Self {
        WindowScope {
            serialized,
            partition: Vec::new(),
            defs: Vec::new(),
        }
    }
}

fn not_serialized(name: &str, span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::BadArgument,
        span,
        format!("function '{name}()' cannot be invoked here: the row set must be serialized"),
    )
    .with_hint(
        "put `| serialize` (or `| sort by ...`) before the operator; summarize, join, \
         distinct, mv-expand and count give rows in no order",
    )
}

/// The value of a constant argument converted to `ty`, or a "not constant" error.
fn constant_arg(v: BExpr, ty: KqlType, what: &str, span: Span) -> Result<ScalarValue, Diagnostic> {
    let v = cast_to(v, ty);
    let value = constant_in_place(&v).ok_or_else(|| {
        Diagnostic::at(
            Code::NotConstant,
            span,
            format!("{what} must be a constant"),
        )
    })?;
    value
        .cast_to(&arrow_type(ty))
        .map_err(|e| Diagnostic::internal("bind", e))
}

fn constant_integer(
    b: &mut Binder,
    arg: &ast::Arg,
    row: &[BoundColumn],
    what: &str,
) -> Result<i64, Diagnostic> {
    let v = b.bind_scalar(&arg.value, row)?;
    if !matches!(v.ty, KqlType::Int | KqlType::Long) {
        return Err(type_error(
            arg.value.span,
            &format!("{what} must be an integer, got {}", v.ty.as_str()),
        ));
    }
    match constant_arg(v, KqlType::Long, what, arg.value.span)? {
        ScalarValue::Int64(Some(i)) => Ok(i),
        _ => Err(Diagnostic::at(
            Code::BadArgument,
            arg.value.span,
            format!("{what} cannot be null"),
        )),
    }
}

fn restart_arg(
    b: &mut Binder,
    arg: Option<&ast::Arg>,
    row: &[BoundColumn],
    name: &str,
) -> Result<Option<datafusion::logical_expr::Expr>, Diagnostic> {
    let Some(arg) = arg else {
        return Ok(None);
    };
    let v = b.bind_scalar(&arg.value, row)?;
    let v = expect_bool(
        v,
        arg.value.span,
        &format!("the restart argument of {name}()"),
    )?;
    Ok(Some(v.expr))
}

pub(crate) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if !b.window.as_ref().is_some_and(|w| w.serialized) {
        return Err(not_serialized(name, span));
    }
    let args = &call.args;
    let (func, restart, ty) = match name {
        "row_number" => {
            arity(name, args, 0, 2, span)?;
            let start = match args.first() {
                Some(a) => constant_integer(b, a, row, "the start index of row_number()")?,
                None => 1,
            };
            let restart = restart_arg(b, args.get(1), row, name)?;
            (WindowFunc::RowNumber { start }, restart, KqlType::Long)
        }
        "prev" | "next" => {
            arity(name, args, 1, 3, span)?;
            let value = b.bind_scalar(&args[0].value, row)?;
            let offset = match args.get(1) {
                Some(a) => constant_integer(b, a, row, &format!("the offset of {name}()"))?,
                None => 1,
            };
            if offset < 0 {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    args[1].value.span,
                    format!("the offset of {name}() cannot be negative"),
                ));
            }
            let (value, default) = match args.get(2) {
                Some(a) => {
                    let d = b.bind_scalar(&a.value, row)?;
                    let ty = super::result_type(value.ty, d.ty).ok_or_else(|| {
                        type_error(
                            a.value.span,
                            &format!(
                                "the default of {name}() must have the type of its value ({}), got {}",
                                value.ty.as_str(),
                                d.ty.as_str()
                            ),
                        )
                    })?;
                    let default =
                        constant_arg(d, ty, &format!("the default of {name}()"), a.value.span)?;
                    (cast_to(value, ty), default)
                }
                None => {
                    // a string is never null: no row there reads as ""
                    let default = if value.ty == KqlType::String {
                        ScalarValue::Utf8(Some(String::new()))
                    } else {
                        ScalarValue::try_from(&arrow_type(value.ty))
                            .map_err(|e| Diagnostic::internal("bind", e))?
                    };
                    (value, default)
                }
            };
            let ty = value.ty;
            let offset = if name == "prev" { offset } else { -offset };
            (
                WindowFunc::Shift {
                    value: value.expr,
                    offset,
                    default,
                },
                None,
                ty,
            )
        }
        "row_cumsum" => {
            arity(name, args, 1, 2, span)?;
            let value = b.bind_scalar(&args[0].value, row)?;
            let ty = match value.ty {
                KqlType::Int | KqlType::Long => KqlType::Long,
                KqlType::Real => KqlType::Real,
                other => {
                    return Err(type_error(
                        args[0].value.span,
                        &format!(
                            "row_cumsum() needs an int, long or real, got {}",
                            other.as_str()
                        ),
                    ));
                }
            };
            let value = cast_to(value, ty).expr;
            let restart = restart_arg(b, args.get(1), row, name)?;
            (WindowFunc::CumSum { value }, restart, ty)
        }
        "row_rank_min" | "row_rank_dense" => {
            arity(name, args, 1, 2, span)?;
            let value = b.bind_scalar(&args[0].value, row)?;
            if value.ty == KqlType::Dynamic {
                return Err(type_error(
                    args[0].value.span,
                    &format!("{name}() needs a scalar value, got dynamic"),
                ));
            }
            let restart = restart_arg(b, args.get(1), row, name)?;
            let func = if name == "row_rank_min" {
                WindowFunc::RankMin { value: value.expr }
            } else {
                WindowFunc::RankDense { value: value.expr }
            };
            (func, restart, KqlType::Long)
        }
        "row_window_session" => {
            arity(name, args, 3, 4, span)?;
            let value = b.bind_scalar(&args[0].value, row)?;
            if value.ty != KqlType::DateTime {
                return Err(type_error(
                    args[0].value.span,
                    &format!(
                        "row_window_session() needs a datetime, got {}",
                        value.ty.as_str()
                    ),
                ));
            }
            let mut distances = Vec::new();
            for a in &args[1..3] {
                let d = b.bind_scalar(&a.value, row)?;
                if d.ty != KqlType::TimeSpan {
                    return Err(type_error(
                        a.value.span,
                        &format!(
                            "row_window_session() needs a timespan distance, got {}",
                            d.ty.as_str()
                        ),
                    ));
                }
                distances.push(cast(d.expr, DataType::Int64));
            }
            let restart = restart_arg(b, args.get(3), row, name)?;
            let max_between = distances.pop().expect("two distances");
            let max_from_first = distances.pop().expect("two distances");
            (
                WindowFunc::Session {
                    value: cast(value.expr, DataType::Int64),
                    max_from_first,
                    max_between,
                },
                restart,
                KqlType::DateTime,
            )
        }
        _ => unreachable!("window::NAMES lists the names bound here"),
    };
    let scope = b
        .window
        .as_mut()
        .expect("checked above; binding the arguments keeps the scope");
    let column = format!("__kql_window_{}", scope.defs.len());
    scope.defs.push((
        BoundColumn::new(column.clone(), ty),
        WindowDef {
            name: column.clone(),
            func,
            restart,
            partition: scope.partition.clone(),
        },
    ));
    Ok(BExpr::new(column_expr(&column), ty))
}
