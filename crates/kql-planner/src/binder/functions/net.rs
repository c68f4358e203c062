//! URL and IPv4 functions: `url_decode`, `url_encode`, `parse_url`,
//! `parse_ipv4`, `ipv4_is_private`, `ipv4_is_in_range`, `ipv4_is_match`,
//! `has_any_ipv4_prefix`, `has_ipv4_prefix`. Strings in; the UDFs of
//! `kql_functions::url` and `kql_functions::ipv4` do the work.

use super::arrays::element_json;
use super::{arity, expect_integer, expect_string};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use kql_functions::dynamic::arrays::array_function_expr;
use kql_functions::ipv4::ipv4_function_expr;
use kql_functions::url::url_function_expr;
use kql_syntax::ast;
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "url_decode",
    "url_encode",
    "parse_url",
    "parse_ipv4",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_match",
    "has_any_ipv4_prefix",
    "has_ipv4_prefix",
];

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let string_arg = |b: &mut Binder, i: usize| {
        let v = b.bind_scalar(&args[i].value, row)?;
        expect_string(name, v, args[i].value.span)
    };
    match name {
        "url_decode" | "url_encode" | "parse_url" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            let ty = if name == "parse_url" {
                KqlType::Dynamic
            } else {
                KqlType::String
            };
            let e = url_function_expr(name, s).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, ty))
        }
        "parse_ipv4" | "ipv4_is_private" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            let ty = if name == "parse_ipv4" {
                KqlType::Long
            } else {
                KqlType::Bool
            };
            let e = ipv4_function_expr(name, vec![s]).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, ty))
        }
        "ipv4_is_in_range" | "ipv4_is_match" => {
            let max = if name == "ipv4_is_match" { 3 } else { 2 };
            arity(name, args, 2, max, span)?;
            let mut e = vec![string_arg(b, 0)?, string_arg(b, 1)?];
            if args.len() == 3 {
                let p = b.bind_scalar(&args[2].value, row)?;
                e.push(expect_integer(name, p, args[2].value.span)?);
            }
            let e = ipv4_function_expr(name, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Bool))
        }
        _ => {
            // has_any_ipv4_prefix(text, p1, p2, ...) | (text, dynamic([...]));
            // has_ipv4_prefix(text, p)
            if name == "has_ipv4_prefix" {
                arity(name, args, 2, 2, span)?;
            } else {
                arity(name, args, 2, 64, span)?;
            }
            let text = string_arg(b, 0)?;
            let first = b.bind_scalar(&args[1].value, row)?;
            let prefixes = if args.len() == 2 && first.ty == KqlType::Dynamic {
                if name == "has_ipv4_prefix" {
                    return Err(Diagnostic::at(
                        Code::TypeMismatch,
                        args[1].value.span,
                        "has_ipv4_prefix() takes one prefix string; use has_any_ipv4_prefix() for a list",
                    ));
                }
                first.expr
            } else {
                let mut items = vec![element_json(expect_string_b(
                    name,
                    first,
                    args[1].value.span,
                )?)];
                for a in &args[2..] {
                    let v = b.bind_scalar(&a.value, row)?;
                    items.push(element_json(expect_string_b(name, v, a.value.span)?));
                }
                array_function_expr("pack_array", items).ok_or_else(|| internal(name))?
            };
            let e = ipv4_function_expr("has_any_ipv4_prefix", vec![text, prefixes])
                .ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Bool))
        }
    }
}

/// A string argument kept as a typed value (for [`element_json`]).
fn expect_string_b(name: &str, v: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    let e = expect_string(name, v, span)?;
    Ok(BExpr::new(e, KqlType::String))
}
