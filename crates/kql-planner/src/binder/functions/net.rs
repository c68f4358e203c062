//! URL, IPv4 and IPv6 functions: `url_decode`, `url_encode`,
//! `url_encode_component`, `parse_url`, `parse_urlquery`, `parse_ipv4`,
//! `parse_ipv4_mask`, `ipv4_is_private`, `ipv4_is_in_range`,
//! `ipv4_is_in_any_range`, `ipv4_is_match`, `ipv4_compare`,
//! `ipv4_netmask_suffix`, `format_ipv4`, `format_ipv4_mask`,
//! `ipv4_range_to_cidr_list`, `has_ipv4`, `has_any_ipv4`,
//! `has_any_ipv4_prefix`, `has_ipv4_prefix`, `parse_ipv6`,
//! `parse_ipv6_mask`, `ipv6_compare`, `ipv6_is_match`, `ipv6_is_in_range`,
//! `ipv6_is_in_any_range`. Strings in; the UDFs of `kql_functions::url`,
//! `kql_functions::ipv4` and `kql_functions::ipv6` do the work.

use super::arrays::element_json;
use super::{arity, expect_integer, expect_string};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use kql_functions::dynamic::arrays::array_function_expr;
use kql_functions::ipv4::ipv4_function_expr;
use kql_functions::ipv6::ipv6_function_expr;
use kql_functions::url::url_function_expr;
use kql_syntax::ast;
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "url_decode",
    "url_encode",
    "url_encode_component",
    "parse_url",
    "parse_urlquery",
    "parse_ipv4",
    "parse_ipv4_mask",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_match",
    "has_any_ipv4_prefix",
    "has_ipv4_prefix",
    "has_ipv4",
    "has_any_ipv4",
    "ipv4_compare",
    "ipv4_is_in_any_range",
    "ipv4_netmask_suffix",
    "format_ipv4",
    "format_ipv4_mask",
    "ipv4_range_to_cidr_list",
    "parse_ipv6",
    "parse_ipv6_mask",
    "ipv6_compare",
    "ipv6_is_match",
    "ipv6_is_in_range",
    "ipv6_is_in_any_range",
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
        "url_decode" | "url_encode" | "url_encode_component" | "parse_url" | "parse_urlquery" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            let ty = if name.starts_with("parse_") {
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
        "ipv4_is_in_range" | "ipv4_is_match" | "ipv4_compare" | "ipv6_compare"
        | "ipv6_is_match" | "ipv6_is_in_range" => {
            let max = if name.ends_with("_in_range") { 2 } else { 3 };
            arity(name, args, 2, max, span)?;
            let mut e = vec![string_arg(b, 0)?, string_arg(b, 1)?];
            if args.len() == 3 {
                let p = b.bind_scalar(&args[2].value, row)?;
                e.push(expect_integer(name, p, args[2].value.span)?);
            }
            let ty = if name.ends_with("_compare") {
                KqlType::Long
            } else {
                KqlType::Bool
            };
            let e = if name.starts_with("ipv6") {
                ipv6_function_expr(name, e)
            } else {
                ipv4_function_expr(name, e)
            };
            Ok(BExpr::new(e.ok_or_else(|| internal(name))?, ty))
        }
        "ipv4_netmask_suffix" | "parse_ipv6" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            let (e, ty) = if name == "parse_ipv6" {
                (ipv6_function_expr(name, vec![s]), KqlType::String)
            } else {
                (ipv4_function_expr(name, vec![s]), KqlType::Long)
            };
            Ok(BExpr::new(e.ok_or_else(|| internal(name))?, ty))
        }
        "parse_ipv4_mask" | "parse_ipv6_mask" => {
            // (address, prefix): a long for IPv4, the masked text for IPv6
            arity(name, args, 2, 2, span)?;
            let s = string_arg(b, 0)?;
            let p = b.bind_scalar(&args[1].value, row)?;
            let p = expect_integer(name, p, args[1].value.span)?;
            let (e, ty) = if name == "parse_ipv4_mask" {
                (ipv4_function_expr(name, vec![s, p]), KqlType::Long)
            } else {
                (ipv6_function_expr(name, vec![s, p]), KqlType::String)
            };
            Ok(BExpr::new(e.ok_or_else(|| internal(name))?, ty))
        }
        "format_ipv4" | "format_ipv4_mask" => {
            // (ip as string or long [, prefix])
            arity(name, args, 1, 2, span)?;
            let ip = b.bind_scalar(&args[0].value, row)?;
            let (udf, ip) = match ip.ty {
                KqlType::Int | KqlType::Long => (
                    format!("{name}_long"),
                    expect_integer(name, ip, args[0].value.span)?,
                ),
                _ => (
                    name.to_string(),
                    expect_string(name, ip, args[0].value.span)?,
                ),
            };
            let mut e = vec![ip];
            if args.len() == 2 {
                let p = b.bind_scalar(&args[1].value, row)?;
                e.push(expect_integer(name, p, args[1].value.span)?);
            }
            let e = ipv4_function_expr(&udf, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::String))
        }
        "ipv4_range_to_cidr_list" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![string_arg(b, 0)?, string_arg(b, 1)?];
            let e = ipv4_function_expr(name, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Dynamic))
        }
        _ => {
            // has_any_ipv4_prefix / has_any_ipv4 / ipv4_is_in_any_range /
            // ipv6_is_in_any_range (first, v1, v2, ...) | (first,
            // dynamic([...])); has_ipv4_prefix / has_ipv4 (text, v)
            let single = name == "has_ipv4_prefix" || name == "has_ipv4";
            if single {
                arity(name, args, 2, 2, span)?;
            } else {
                arity(name, args, 2, 64, span)?;
            }
            let text = string_arg(b, 0)?;
            let first = b.bind_scalar(&args[1].value, row)?;
            let prefixes = if args.len() == 2 && first.ty == KqlType::Dynamic {
                if single {
                    return Err(Diagnostic::at(
                        Code::TypeMismatch,
                        args[1].value.span,
                        format!(
                            "{name}() takes one string; use has_any_{}() for a list",
                            &name[4..]
                        ),
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
            let e = match name {
                "has_ipv4_prefix" | "has_any_ipv4_prefix" => {
                    ipv4_function_expr("has_any_ipv4_prefix", vec![text, prefixes])
                }
                "has_ipv4" | "has_any_ipv4" => {
                    ipv4_function_expr("has_any_ipv4", vec![text, prefixes])
                }
                "ipv6_is_in_any_range" => ipv6_function_expr(name, vec![text, prefixes]),
                _ => ipv4_function_expr(name, vec![text, prefixes]),
            }
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
