//! The unit conversion functions `convert_angle`, `convert_energy`,
//! `convert_force`, `convert_length`, `convert_mass`, `convert_speed`,
//! `convert_temperature`, `convert_volume`: `(value: real, from: string,
//! to: string) -> real`. The tables live in `kql_functions::convert`.

use super::{arity, expect_string};
use crate::binder::Binder;
use crate::binder::expr::cast_to;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, is_numeric};
use kql_functions::convert::{CONVERT_FUNCTIONS, convert_function_expr};
use kql_syntax::ast;
use kql_syntax::{Diagnostic, Span};

pub(super) const NAMES: &[&str] = CONVERT_FUNCTIONS;

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    arity(name, args, 3, 3, span)?;
    let v = b.bind_scalar(&args[0].value, row)?;
    if !is_numeric(v.ty) && v.ty != KqlType::Dynamic {
        return Err(type_error(
            args[0].value.span,
            &format!("{name}() needs a number, got {}", v.ty.as_str()),
        ));
    }
    let v = cast_to(v, KqlType::Real).expr;
    let from = b.bind_scalar(&args[1].value, row)?;
    let from = expect_string(name, from, args[1].value.span)?;
    let to = b.bind_scalar(&args[2].value, row)?;
    let to = expect_string(name, to, args[2].value.span)?;
    let e = convert_function_expr(name, vec![v, from, to])
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))?;
    Ok(BExpr::new(e, KqlType::Real))
}
