//! Assorted scalar functions: `toguid`, `new_guid`, `todecimal`,
//! `format_bytes`, `jaccard_index`, `range`, `parse_command_line`,
//! `parse_path`, `parse_xml`, `parse_user_agent`, `indexof_regex`, `beta_cdf` / `beta_pdf` /
//! `beta_inv`, `welch_test`, `datetime_list_timezones`, `assert`,
//! `ingestion_time`, and the deprecated aliases
//! `replace` (`replace(regex, rewrite, text)` is `replace_regex(text,
//! regex, rewrite)`) and `arraylength`. Also the results of
//! `array_sort_asc` / `array_sort_desc` of several arrays: picked by a
//! constant index (`[k]`, [`bind_sorted_member`]) or as one `print` column
//! each ([`bind_sort_results`]). The kernels live in
//! `kql_functions::{scalars, command_line, paths, xml, beta, regex_fns}`.

use super::{arity, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::eager::{evaluate_in_place, fold_if_constant};
use crate::binder::expr::{cast_to, column_expr, to_string_expr};
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, is_numeric};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, cast, lit, try_cast};
use kql_functions::scalars::{RangeKind, range_expr, scalar_function_expr};
use kql_syntax::ast::{self, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "toguid",
    "new_guid",
    "todecimal",
    "format_bytes",
    "jaccard_index",
    "range",
    "parse_command_line",
    "parse_path",
    "parse_xml",
    "parse_user_agent",
    "indexof_regex",
    "beta_cdf",
    "beta_pdf",
    "beta_inv",
    "welch_test",
    "datetime_list_timezones",
    "assert",
    "ingestion_time",
    "replace",
    "arraylength",
];

/// parse_user_agent's *look-for*: a constant "browser", "os" or "device",
/// or a dynamic array of them, as the UDF's bit set.
fn user_agent_targets(v: &BExpr, span: Span) -> Result<i64, Diagnostic> {
    use kql_functions::user_agent::target_bit;
    let bad = |what: &str| {
        Diagnostic::at(
            Code::BadArgument,
            span,
            format!("parse_user_agent()'s look-for {what}"),
        )
        .with_hint(r#"write "browser", "os" or "device", or dynamic(["browser", "os", "device"])"#)
    };
    let names: Vec<&str> = match &v.literal {
        Some(Literal::String(s)) => vec![s.as_str()],
        Some(Literal::Dynamic(ast::DynamicLit::Array(items))) => items
            .iter()
            .map(|i| match i {
                ast::DynamicLit::String(s) => Ok(s.as_str()),
                _ => Err(bad("array holds something other than a name")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad("must be a constant name or array of names")),
    };
    let mut bits = 0;
    for n in names {
        bits |= target_bit(n).ok_or_else(|| bad(&format!("'{n}' is not browser, os or device")))?;
    }
    if bits == 0 {
        return Err(bad("names no part"));
    }
    Ok(bits)
}

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

/// A number (int, long, real, decimal or a dynamic number) as a real.
fn real(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    if is_numeric(v.ty) || v.ty == KqlType::Dynamic {
        return Ok(cast_to(v, KqlType::Real).expr);
    }
    Err(type_error(
        span,
        &format!("{name}() needs a number, got {}", v.ty.as_str()),
    ))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let bind_all = |b: &mut Binder| -> Result<Vec<(BExpr, Span)>, Diagnostic> {
        args.iter()
            .map(|a| Ok((b.bind_scalar(&a.value, row)?, a.value.span)))
            .collect()
    };
    match name {
        "toguid" => {
            arity(name, args, 1, 1, span)?;
            let (v, _) = bind_all(b)?.remove(0);
            match v.ty {
                KqlType::Guid => Ok(v),
                KqlType::String | KqlType::Dynamic => {
                    let text = to_string_expr(v).expr;
                    let e = scalar_function_expr(name, vec![text]).ok_or_else(|| internal(name))?;
                    Ok(BExpr::new(e, KqlType::Guid))
                }
                // other types do not convert: null, as conversions give
                _ => Ok(BExpr::new(lit(ScalarValue::Utf8(None)), KqlType::Guid)),
            }
        }
        "new_guid" => {
            arity(name, args, 0, 0, span)?;
            let e = scalar_function_expr(name, vec![]).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Guid))
        }
        "todecimal" => {
            arity(name, args, 1, 1, span)?;
            let (v, _) = bind_all(b)?.remove(0);
            let to = KqlType::Decimal;
            let udf = |n: &str, e: Expr| {
                scalar_function_expr(n, vec![e])
                    .map(|e| BExpr::new(e, to))
                    .ok_or_else(|| internal(n))
            };
            match v.ty {
                KqlType::Decimal => Ok(v),
                // text and reals by the decimal parser (exponents, .NET's
                // 15 significant digits of a double)
                KqlType::String => udf("todecimal_text", v.expr),
                KqlType::Dynamic => udf("todecimal_text", to_string_expr(v).expr),
                KqlType::Real => udf("todecimal_real", v.expr),
                KqlType::Bool => Ok(BExpr::new(
                    try_cast(cast(v.expr, DataType::Int64), arrow_type(to)),
                    to,
                )),
                t if is_numeric(t) => Ok(BExpr::new(try_cast(v.expr, arrow_type(to)), to)),
                _ => Ok(BExpr::new(lit(ScalarValue::Decimal128(None, 38, 18)), to)),
            }
        }
        "format_bytes" => {
            arity(name, args, 1, 4, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (size, s0) = a.next().expect("arity");
            let mut e = vec![real(name, size, s0)?];
            if let Some((p, s1)) = a.next() {
                e.push(expect_integer(name, p, s1)?);
            }
            if let Some((u, s2)) = a.next() {
                e.push(expect_string(name, u, s2)?);
            }
            if let Some((base, s3)) = a.next() {
                e.push(expect_integer(name, base, s3)?);
            }
            let e = scalar_function_expr(name, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::String))
        }
        "jaccard_index" => {
            arity(name, args, 2, 2, span)?;
            let e = bind_all(b)?
                .into_iter()
                .map(|(v, s)| expect_dynamic(name, v, s).map(|v| v.expr))
                .collect::<Result<Vec<_>, _>>()?;
            let e = scalar_function_expr(name, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Real))
        }
        "range" => {
            arity(name, args, 2, 3, span)?;
            bind_range(bind_all(b)?)
        }
        "parse_command_line" => {
            arity(name, args, 2, 2, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (line, s0) = a.next().expect("arity");
            let (parser, s1) = a.next().expect("arity");
            let e = kql_functions::command_line::parse_command_line_expr(
                expect_string(name, line, s0)?,
                expect_string(name, parser, s1)?,
            );
            Ok(BExpr::new(e, KqlType::Dynamic))
        }
        "parse_path" | "parse_xml" => {
            arity(name, args, 1, 1, span)?;
            let (v, s0) = bind_all(b)?.remove(0);
            let text = expect_string(name, v, s0)?;
            let e = if name == "parse_path" {
                kql_functions::paths::parse_path_expr(text)
            } else {
                kql_functions::xml::parse_xml_expr(text)
            };
            Ok(BExpr::new(e, KqlType::Dynamic))
        }
        "parse_user_agent" => {
            arity(name, args, 2, 2, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (ua, s0) = a.next().expect("arity");
            let (look_for, s1) = a.next().expect("arity");
            let targets = user_agent_targets(&look_for, s1)?;
            let e = kql_functions::user_agent::parse_user_agent_expr(
                expect_string(name, ua, s0)?,
                targets,
            );
            Ok(BExpr::new(e, KqlType::Dynamic))
        }
        "indexof_regex" => {
            arity(name, args, 2, 5, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (text, s0) = a.next().expect("arity");
            let (re, s1) = a.next().expect("arity");
            let preset = match &re.literal {
                Some(Literal::String(p)) => {
                    kql_functions::regex_fns::compile(p).map_err(|e| {
                        Diagnostic::at(
                            Code::BadArgument,
                            s1,
                            format!(
                                "invalid regular expression: {}",
                                e.lines().last().unwrap_or("")
                            ),
                        )
                        .with_hint("Kusto regexes use RE2 syntax")
                    })?;
                    Some(p.clone())
                }
                _ => None,
            };
            let mut e = vec![expect_string(name, text, s0)?, expect_string(name, re, s1)?];
            for (v, s) in a {
                e.push(expect_integer(name, v, s)?);
            }
            let e = kql_functions::regex_fns::regex_udf_expr(
                kql_functions::regex_fns::RegexFn::IndexOfRegex,
                preset.as_deref(),
                e,
            );
            Ok(BExpr::new(e, KqlType::Long))
        }
        "beta_cdf" | "beta_pdf" | "beta_inv" | "welch_test" => {
            let n = if name == "welch_test" { 6 } else { 3 };
            arity(name, args, n, n, span)?;
            let e = bind_all(b)?
                .into_iter()
                .map(|(v, s)| real(name, v, s))
                .collect::<Result<Vec<_>, _>>()?;
            let e =
                kql_functions::beta::beta_function_expr(name, e).ok_or_else(|| internal(name))?;
            Ok(BExpr::new(e, KqlType::Real))
        }
        "datetime_list_timezones" => {
            arity(name, args, 0, 0, span)?;
            let names = kql_functions::misc::timezone_names_json();
            Ok(BExpr::new(lit(names), KqlType::Dynamic))
        }
        "assert" => {
            arity(name, args, 2, 2, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (cond, s0) = a.next().expect("arity");
            let (msg, s1) = a.next().expect("arity");
            if cond.ty != KqlType::Bool {
                return Err(type_error(
                    s0,
                    &format!("assert() needs a bool condition, got {}", cond.ty.as_str()),
                ));
            }
            let holds = match constant_value(b, cond, s0)? {
                ScalarValue::Boolean(Some(v)) => v,
                _ => false,
            };
            if holds {
                return Ok(BExpr::new(lit(true), KqlType::Bool));
            }
            let msg = match constant_value(b, to_string_expr(msg), s1)? {
                ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) => s,
                _ => String::new(),
            };
            Err(Diagnostic::at(
                Code::BadArgument,
                span,
                format!("assert() has failed with message: '{msg}'"),
            ))
        }
        "ingestion_time" => {
            arity(name, args, 0, 0, span)?;
            // Log Analytics keeps the time a record reached the workspace in
            // the standard column _TimeReceived.
            match row
                .iter()
                .find(|c| c.name == "_TimeReceived" && c.ty == KqlType::DateTime)
            {
                Some(c) => Ok(BExpr::new(column_expr(&c.name), KqlType::DateTime)),
                None => Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    span,
                    "ingestion_time() needs the record's ingestion time, and this input has no _TimeReceived column",
                )
                .with_hint(
                    "use it on a Log Analytics table (which has _TimeReceived), before project or summarize drop that column",
                )),
            }
        }
        "replace" => {
            // replace(regex, rewrite, text) -> replace_regex(text, regex, rewrite)
            arity(name, args, 3, 3, span)?;
            let call = ast::Call {
                name: ast::Ident {
                    name: "replace_regex".to_string(),
                    span: call.name.span,
                },
                args: vec![args[2].clone(), args[0].clone(), args[1].clone()],
            };
            super::regex::bind(b, "replace_regex", &call, row, span)
        }
        "arraylength" => {
            arity(name, args, 1, 1, span)?;
            let (v, s0) = bind_all(b)?.remove(0);
            let v = expect_dynamic(name, v, s0)?;
            Ok(BExpr::new(
                kql_functions::dynamic::array_length_expr(v.expr),
                KqlType::Long,
            ))
        }
        _ => Err(internal(name)),
    }
}

/// The value of an argument that must be known while binding.
fn constant_value(b: &Binder, v: BExpr, span: Span) -> Result<ScalarValue, Diagnostic> {
    if !v.expr.column_refs().is_empty() {
        return Err(Diagnostic::at(
            Code::NotConstant,
            span,
            "assert() arguments must be constants (they cannot read the row)",
        ));
    }
    if let Expr::Literal(s, _) = &v.expr {
        return Ok(s.clone());
    }
    if let Some(s) = evaluate_in_place(&v) {
        return Ok(s);
    }
    match fold_if_constant(b, v, span)?.expr {
        Expr::Literal(s, _) => Ok(s),
        _ => Err(Diagnostic::at(
            Code::NotConstant,
            span,
            "assert() arguments must be constants",
        )),
    }
}

/// `range(start, stop [, step])`: longs, reals, datetimes (a timespan
/// step, 1h by default) or timespans (1h by default).
fn bind_range(a: Vec<(BExpr, Span)>) -> Result<BExpr, Diagnostic> {
    const HOUR: i64 = 3_600_000_000_000;
    let mut a = a.into_iter();
    let (start, s0) = a.next().expect("arity");
    let (stop, s1) = a.next().expect("arity");
    let step = a.next();
    let int = |t: KqlType| matches!(t, KqlType::Int | KqlType::Long);
    let num = |t: KqlType| is_numeric(t) || t == KqlType::Dynamic;
    let (kind, args) = match (start.ty, stop.ty) {
        (KqlType::DateTime, KqlType::DateTime) | (KqlType::TimeSpan, KqlType::TimeSpan) => {
            let step = match step {
                Some((st, _)) if st.ty == KqlType::TimeSpan => cast(st.expr, DataType::Int64),
                Some((st, ss)) => {
                    return Err(type_error(
                        ss,
                        &format!("range() needs a timespan step here, got {}", st.ty.as_str()),
                    ));
                }
                None => lit(HOUR),
            };
            let kind = if start.ty == KqlType::DateTime {
                RangeKind::DateTime
            } else {
                RangeKind::TimeSpan
            };
            (
                kind,
                vec![
                    cast(start.expr, DataType::Int64),
                    cast(stop.expr, DataType::Int64),
                    step,
                ],
            )
        }
        (x, y) if int(x) && int(y) && step.as_ref().is_none_or(|(s, _)| int(s.ty)) => {
            let step = step.map_or(lit(1i64), |(s, _)| cast_to(s, KqlType::Long).expr);
            (
                RangeKind::Long,
                vec![
                    cast_to(start, KqlType::Long).expr,
                    cast_to(stop, KqlType::Long).expr,
                    step,
                ],
            )
        }
        (x, y) if num(x) && num(y) && step.as_ref().is_none_or(|(s, _)| num(s.ty)) => {
            let step = step.map_or(lit(1.0f64), |(s, _)| cast_to(s, KqlType::Real).expr);
            (
                RangeKind::Real,
                vec![
                    cast_to(start, KqlType::Real).expr,
                    cast_to(stop, KqlType::Real).expr,
                    step,
                ],
            )
        }
        (x, y) => {
            let at = if num(x) || matches!(x, KqlType::DateTime | KqlType::TimeSpan) {
                s1
            } else {
                s0
            };
            return Err(type_error(
                at,
                &format!(
                    "range() needs numbers, datetimes or timespans, got {} and {}",
                    x.as_str(),
                    y.as_str()
                ),
            )
            .with_hint("write e.g. range(1, 10, 2) or range(datetime(2024-01-01), datetime(2024-01-07), 1d)"));
        }
    };
    Ok(BExpr::new(range_expr(kind, args), KqlType::Dynamic))
}

/// `array_sort_asc(a1, a2, ...)[k]` / `array_sort_desc(...)[k]`: the k-th
/// of the arrays a sort of several arrays returns (the first sorted, the
/// others reordered to match). `None` when `target` is not such a call (a
/// sort of one array indexes its elements as usual). The results of a
/// several-array sort as columns of their own are not supported.
pub(crate) fn bind_sorted_member(
    b: &mut Binder,
    target: &ast::Expr,
    index: &ast::Expr,
    row: &[BoundColumn],
) -> Result<Option<BExpr>, Diagnostic> {
    let ast::ExprKind::Call(call) = &target.kind else {
        return Ok(None);
    };
    let name = call.name.name.as_str();
    if !matches!(name, "array_sort_asc" | "array_sort_desc") || call.args.len() < 2 {
        return Ok(None);
    }
    let mut bound = call
        .args
        .iter()
        .map(|a| Ok((b.bind_scalar(&a.value, row)?, a.value.span)))
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let mut nulls_last = lit(1i64);
    if bound.last().is_some_and(|(v, _)| v.ty == KqlType::Bool) {
        let (v, _) = bound.pop().expect("checked");
        nulls_last = cast(v.expr, DataType::Int64);
    }
    if bound.len() < 2 {
        return Ok(None);
    }
    let k = match &index.kind {
        ast::ExprKind::Literal(Literal::Int(k)) => i64::from(*k),
        ast::ExprKind::Literal(Literal::Long(k)) => *k,
        _ => {
            return Err(Diagnostic::at(
                Code::NotConstant,
                index.span,
                format!("the result of {name}() of several arrays is picked by a constant index"),
            ));
        }
    };
    let Some(k) = usize::try_from(k).ok().filter(|k| *k < bound.len()) else {
        return Err(Diagnostic::at(
            Code::BadArgument,
            index.span,
            format!(
                "{name}() of {} arrays returns {} arrays; there is no result {k}",
                bound.len(),
                bound.len()
            ),
        ));
    };
    let mut arrays = Vec::with_capacity(bound.len());
    for (v, s) in bound {
        arrays.push(expect_dynamic(name, v, s)?.expr);
    }
    let keys = arrays[0].clone();
    let e = if k == 0 {
        kql_functions::dynamic::array_ops::array_op_expr(name, vec![keys, nulls_last])
    } else {
        let values = arrays[k].clone();
        scalar_function_expr(&format!("{name}_by"), vec![keys, values, nulls_last])
    };
    let e = e.ok_or_else(|| internal(name))?;
    Ok(Some(BExpr::new(e, KqlType::Dynamic)))
}

/// `array_sort_asc(a1, a2, ...)` / `array_sort_desc(...)` of several arrays
/// as a whole: one value per array, each with its default column name
/// (`<argument name>_sorted`, array-sort-asc-function.md). `None` when
/// `e` is not such a call. With `named`, the caller names the columns; an
/// argument that is not a plain name has no default name, which is an
/// error then.
pub(crate) fn bind_sort_results(
    b: &mut Binder,
    e: &ast::Expr,
    row: &[BoundColumn],
    named: bool,
) -> Result<Option<Vec<(String, BExpr)>>, Diagnostic> {
    let ast::ExprKind::Call(call) = &e.kind else {
        return Ok(None);
    };
    let name = call.name.name.as_str();
    if !matches!(name, "array_sort_asc" | "array_sort_desc") || call.args.len() < 2 {
        return Ok(None);
    }
    // the arrays: every argument but a trailing bool
    let last_is_flag = {
        let last = &call.args[call.args.len() - 1].value;
        b.bind_scalar(last, row)?.ty == KqlType::Bool
    };
    let n = call.args.len() - usize::from(last_is_flag);
    if n < 2 {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let arg = &call.args[k].value;
        let col = match &arg.kind {
            ast::ExprKind::Name(id) => format!("{}_sorted", id.name),
            _ if named => String::new(),
            _ => {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    arg.span,
                    format!(
                        "the result columns of {name}() of several arrays are named after the arrays; this argument is not a name"
                    ),
                )
                .with_hint("name the results: (a, b) = array_sort_asc(x, y)"));
            }
        };
        let index = ast::Expr {
            kind: ast::ExprKind::Literal(Literal::Long(k as i64)),
            span: arg.span,
        };
        let v = bind_sorted_member(b, e, &index, row)?
            .ok_or_else(|| Diagnostic::internal("bind", "several-array sort"))?;
        out.push((col, v));
    }
    Ok(Some(out))
}
