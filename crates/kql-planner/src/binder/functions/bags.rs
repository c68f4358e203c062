//! Property-bag and more dynamic-array functions: `bag_pack` (`pack`,
//! `pack_dictionary`), `pack_all`, `bag_pack_columns`, `bag_keys`,
//! `bag_merge`, `bag_has_key`, `bag_set_key`, `bag_remove_keys`, `bag_zip`,
//! `set_has_element`, `set_intersect`, `set_difference`, `array_index_of`,
//! `array_sort_asc` / `_desc`, `array_reverse`, `array_rotate_*`,
//! `array_shift_*`, `array_split`, `array_sum`, `array_iff` / `array_iif`,
//! `zip`, `gettype`, `dynamic_to_json`, `extract_json` / `extractjson`,
//! `has_any_index`. This checks the KQL signatures and converts the
//! arguments (values of any type become their JSON text); the UDFs of
//! `kql_functions::dynamic::{bags, array_ops}` do the work.

use super::arrays::element_json;
use super::{arity, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::expr::{column_expr, from_dynamic, to_string_expr};
use crate::binder::operators::{expect_bool, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_functions::dynamic::array_ops::array_op_expr;
use kql_functions::dynamic::bags::{bag_function_expr, parse_json_path};
use kql_syntax::ast::{self, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "pack",
    "bag_pack",
    "pack_dictionary",
    "pack_all",
    "bag_pack_columns",
    "bag_keys",
    "bag_merge",
    "bag_has_key",
    "bag_set_key",
    "bag_remove_keys",
    "bag_zip",
    "set_has_element",
    "set_intersect",
    "set_difference",
    "array_index_of",
    "array_sort_asc",
    "array_sort_desc",
    "array_reverse",
    "array_rotate_left",
    "array_rotate_right",
    "array_shift_left",
    "array_shift_right",
    "array_split",
    "array_sum",
    "array_iff",
    "array_iif",
    "zip",
    "gettype",
    "dynamic_to_json",
    "extract_json",
    "extractjson",
    "has_any_index",
];

/// `pack_all(true)` over `columns` only: a bag of their values that are
/// neither null nor empty (what `find` puts in `pack_`).
pub(crate) fn pack_non_empty(columns: &[BoundColumn]) -> Result<BExpr, Diagnostic> {
    let mut e = vec![lit(1i64)];
    for c in columns {
        e.push(lit(c.name.as_str()));
        e.push(element_json(BExpr::new(column_expr(&c.name), c.ty)));
    }
    let e = bag_function_expr("bag_pack", e).ok_or_else(|| internal("pack_all"))?;
    Ok(BExpr::new(e, KqlType::Dynamic))
}

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

/// A property-bag argument (a dynamic).
fn expect_bag(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    if v.ty == KqlType::Dynamic {
        return Ok(v.expr);
    }
    Err(type_error(
        span,
        &format!(
            "{name}() needs a dynamic property bag here, got {}",
            v.ty.as_str()
        ),
    )
    .with_hint("build one with bag_pack() or dynamic({...}), or parse JSON text with parse_json()"))
}

/// A bool argument as Int64 0 / 1 (how the kernels read flags).
fn flag(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    let v = expect_bool(v, span, &format!("{name}() flag"))?;
    Ok(cast(v.expr, DataType::Int64))
}

/// The type of an `extract_json` type argument: `typeof(T)`.
fn type_argument(e: &ast::Expr) -> Option<KqlType> {
    let ExprKind::Call(c) = &e.kind else {
        return None;
    };
    if c.name.name != "typeof" || c.args.len() != 1 {
        return None;
    }
    match &c.args[0].value.kind {
        ExprKind::Name(id) => KqlType::from_name(&id.name),
        _ => None,
    }
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let arg = |b: &mut Binder, i: usize| -> Result<(BExpr, Span), Diagnostic> {
        Ok((b.bind_scalar(&args[i].value, row)?, args[i].value.span))
    };
    let dynamic = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
        let (v, s) = arg(b, i)?;
        Ok(expect_dynamic(name, v, s)?.expr)
    };
    let bag = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
        let (v, s) = arg(b, i)?;
        expect_bag(name, v, s)
    };
    let integer = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
        let (v, s) = arg(b, i)?;
        expect_integer(name, v, s)
    };
    let string = |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> {
        let (v, s) = arg(b, i)?;
        expect_string(name, v, s)
    };
    let value =
        |b: &mut Binder, i: usize| -> Result<Expr, Diagnostic> { Ok(element_json(arg(b, i)?.0)) };
    let bags = |e: Vec<Expr>, ty: KqlType| -> Result<BExpr, Diagnostic> {
        let k = match name {
            "pack" | "pack_dictionary" | "pack_all" | "bag_pack_columns" => "bag_pack",
            "extractjson" => "extract_json",
            n => n,
        };
        let e = bag_function_expr(k, e).ok_or_else(|| internal(name))?;
        Ok(BExpr::new(e, ty))
    };
    let ops = |e: Vec<Expr>, ty: KqlType| -> Result<BExpr, Diagnostic> {
        let k = if name == "array_iif" {
            "array_iff"
        } else {
            name
        };
        let e = array_op_expr(k, e).ok_or_else(|| internal(name))?;
        Ok(BExpr::new(e, ty))
    };
    match name {
        "pack" | "bag_pack" | "pack_dictionary" => {
            arity(name, args, 0, usize::MAX, span)?;
            if !args.len().is_multiple_of(2) {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    span,
                    format!(
                        "{name}() takes key / value pairs: an even number of arguments, got {}",
                        args.len()
                    ),
                ));
            }
            let mut e = vec![lit(0i64)];
            for i in (0..args.len()).step_by(2) {
                e.push(string(b, i)?);
                e.push(value(b, i + 1)?);
            }
            bags(e, KqlType::Dynamic)
        }
        "pack_all" => {
            arity(name, args, 0, 1, span)?;
            let skip = if args.is_empty() {
                lit(0i64)
            } else {
                let (v, s) = arg(b, 0)?;
                flag(name, v, s)?
            };
            let mut e = vec![skip];
            for c in row {
                e.push(lit(c.name.as_str()));
                e.push(element_json(BExpr::new(column_expr(&c.name), c.ty)));
            }
            bags(e, KqlType::Dynamic)
        }
        "bag_pack_columns" => {
            arity(name, args, 1, usize::MAX, span)?;
            let mut e = vec![lit(0i64)];
            for a in args {
                let col = match &a.value.kind {
                    ExprKind::Name(id) => row.iter().find(|c| c.name == id.name),
                    _ => None,
                };
                let Some(col) = col else {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        a.value.span,
                        format!("{name}() takes column names of its input"),
                    ));
                };
                e.push(lit(col.name.as_str()));
                e.push(element_json(BExpr::new(column_expr(&col.name), col.ty)));
            }
            bags(e, KqlType::Dynamic)
        }
        "bag_keys" => {
            arity(name, args, 1, 1, span)?;
            let e = vec![bag(b, 0)?];
            bags(e, KqlType::Dynamic)
        }
        "bag_merge" => {
            arity(name, args, 2, 64, span)?;
            let e = (0..args.len())
                .map(|i| bag(b, i))
                .collect::<Result<_, _>>()?;
            bags(e, KqlType::Dynamic)
        }
        "bag_has_key" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![bag(b, 0)?, string(b, 1)?];
            bags(e, KqlType::Bool)
        }
        "bag_set_key" => {
            arity(name, args, 3, 3, span)?;
            let e = vec![bag(b, 0)?, string(b, 1)?, value(b, 2)?];
            bags(e, KqlType::Dynamic)
        }
        "bag_remove_keys" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![bag(b, 0)?, dynamic(b, 1)?];
            bags(e, KqlType::Dynamic)
        }
        "bag_zip" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![dynamic(b, 0)?, dynamic(b, 1)?];
            bags(e, KqlType::Dynamic)
        }
        "gettype" => {
            arity(name, args, 1, 1, span)?;
            let (v, _) = arg(b, 0)?;
            if v.ty != KqlType::Dynamic {
                return Ok(BExpr::new(lit(v.ty.as_str()), KqlType::String));
            }
            bags(vec![v.expr], KqlType::String)
        }
        "dynamic_to_json" => {
            arity(name, args, 1, 1, span)?;
            let (v, _) = arg(b, 0)?;
            if v.ty != KqlType::Dynamic {
                // "a scalar value of type other than dynamic": tostring()
                return Ok(to_string_expr(v));
            }
            bags(vec![v.expr], KqlType::String)
        }
        "extract_json" | "extractjson" => {
            arity(name, args, 2, 3, span)?;
            if let ExprKind::Literal(Literal::String(p)) = &args[0].value.kind
                && parse_json_path(p).is_none()
            {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    args[0].value.span,
                    format!(
                        "{name}(): only JSONPath steps `.name`, `['name']` and `[index]` after `$` are supported"
                    ),
                ));
            }
            let to = match args.get(2) {
                None => KqlType::String,
                Some(a) => type_argument(&a.value).ok_or_else(|| {
                    type_error(
                        a.value.span,
                        &format!("{name}() takes a type as its third argument: typeof(long), ..."),
                    )
                })?,
            };
            let e = vec![string(b, 0)?, string(b, 1)?];
            let element = bags(e, KqlType::Dynamic)?;
            Ok(from_dynamic(element, to))
        }
        "set_has_element" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![dynamic(b, 0)?, value(b, 1)?];
            ops(e, KqlType::Bool)
        }
        "set_intersect" | "set_difference" | "zip" => {
            let max = if name == "zip" { 16 } else { 64 };
            arity(name, args, 2, max, span)?;
            let e = (0..args.len())
                .map(|i| dynamic(b, i))
                .collect::<Result<_, _>>()?;
            ops(e, KqlType::Dynamic)
        }
        "array_index_of" => {
            arity(name, args, 2, 5, span)?;
            let mut e = vec![dynamic(b, 0)?, value(b, 1)?];
            for (i, default) in [(2, 0i64), (3, -1), (4, 1)] {
                e.push(if i < args.len() {
                    integer(b, i)?
                } else {
                    lit(default)
                });
            }
            ops(e, KqlType::Long)
        }
        "array_sort_asc" | "array_sort_desc" => {
            arity(name, args, 1, 64, span)?;
            let mut bound = Vec::new();
            for i in 0..args.len() {
                bound.push(arg(b, i)?);
            }
            let mut nulls_last = lit(1i64);
            if bound.len() > 1 && bound.last().is_some_and(|(v, _)| v.ty == KqlType::Bool) {
                let (v, s) = bound.pop().expect("checked");
                nulls_last = flag(name, v, s)?;
            }
            if bound.len() > 1 {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    span,
                    format!(
                        "{name}() of several arrays (one result column each) is not supported yet"
                    ),
                )
                .with_hint("sort one array at a time"));
            }
            let (arr, s) = bound.pop().expect("arity");
            let e = vec![expect_dynamic(name, arr, s)?.expr, nulls_last];
            ops(e, KqlType::Dynamic)
        }
        "array_reverse" => {
            arity(name, args, 1, 1, span)?;
            let e = vec![dynamic(b, 0)?];
            ops(e, KqlType::Dynamic)
        }
        "array_rotate_left" | "array_rotate_right" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![dynamic(b, 0)?, integer(b, 1)?];
            ops(e, KqlType::Dynamic)
        }
        "array_shift_left" | "array_shift_right" => {
            arity(name, args, 2, 3, span)?;
            let mut e = vec![dynamic(b, 0)?, integer(b, 1)?];
            if args.len() == 3 {
                e.push(value(b, 2)?);
            }
            ops(e, KqlType::Dynamic)
        }
        "array_split" => {
            arity(name, args, 2, 2, span)?;
            let arr = dynamic(b, 0)?;
            let (ix, s) = arg(b, 1)?;
            let ix = match ix.ty {
                KqlType::Dynamic => ix.expr,
                KqlType::Int | KqlType::Long => element_json(ix),
                other => {
                    return Err(type_error(
                        s,
                        &format!(
                            "{name}() needs an integer or an array of integers here, got {}",
                            other.as_str()
                        ),
                    ));
                }
            };
            ops(vec![arr, ix], KqlType::Dynamic)
        }
        "array_sum" => {
            arity(name, args, 1, 1, span)?;
            let e = vec![dynamic(b, 0)?];
            ops(e, KqlType::Real)
        }
        "array_iff" | "array_iif" => {
            arity(name, args, 3, 3, span)?;
            let e = vec![dynamic(b, 0)?, value(b, 1)?, value(b, 2)?];
            ops(e, KqlType::Dynamic)
        }
        _ => {
            // has_any_index
            arity(name, args, 2, 2, span)?;
            let e = vec![string(b, 0)?, dynamic(b, 1)?];
            ops(e, KqlType::Long)
        }
    }
}
