//! Regex functions: `extract`, `extract_all` (and its deprecated alias `extractall`), `replace_regex`. A regex
//! written as a constant is checked here (a bad one is a diagnostic, not a
//! runtime failure) and compiled once into the call's UDF.

use super::{arity, convert_string, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::lit;
use kql_functions::regex_fns::{RegexFn, capture_groups, regex_udf_expr};
use kql_syntax::ast::{self, DynamicLit, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &["extract", "extract_all", "extractall", "replace_regex"];

/// The pattern when written as a constant string, checked; its number of
/// capture groups and their names.
fn constant_regex(
    v: &BExpr,
    span: Span,
) -> Result<Option<(String, usize, Vec<String>)>, Diagnostic> {
    let Some(Literal::String(p)) = &v.literal else {
        return Ok(None);
    };
    let (n, names) = capture_groups(p).map_err(|e| {
        Diagnostic::at(
            Code::BadArgument,
            span,
            format!(
                "invalid regular expression: {}",
                e.lines().last().unwrap_or("")
            ),
        )
        .with_hint("Kusto regexes use RE2 syntax")
    })?;
    Ok(Some((p.clone(), n, names)))
}

/// `typeof(T)` as the last argument of `extract`.
fn type_literal(e: &ast::Expr) -> Option<Result<KqlType, Diagnostic>> {
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
    Some(ty.ok_or_else(|| {
        Diagnostic::at(
            Code::BadArgument,
            e.span,
            "typeof() needs a scalar type name, e.g. typeof(long)",
        )
    }))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    match name {
        "extract" => {
            arity(name, args, 3, 4, span)?;
            let to = match args.get(3) {
                Some(a) => match type_literal(&a.value) {
                    Some(t) => t?,
                    None => {
                        return Err(Diagnostic::at(
                            Code::BadArgument,
                            a.value.span,
                            "the 4th argument of extract() must be a type, e.g. typeof(long)",
                        ));
                    }
                },
                None => KqlType::String,
            };
            let re = b.bind_scalar(&args[0].value, row)?;
            let preset = constant_regex(&re, args[0].value.span)?;
            let group = b.bind_scalar(&args[1].value, row)?;
            let constant_group = match group.literal {
                Some(Literal::Int(g)) => Some(i64::from(g)),
                Some(Literal::Long(g)) => Some(g),
                _ => None,
            };
            if let (Some((_, n, _)), Some(g)) = (&preset, constant_group)
                && (g < 0 || g as usize > *n)
            {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    args[1].value.span,
                    format!("the regex has {n} capture group(s); group {g} does not exist"),
                ));
            }
            let group = expect_integer(name, group, args[1].value.span)?;
            let text = b.bind_scalar(&args[2].value, row)?;
            let text = expect_string(name, text, args[2].value.span)?;
            let re_expr = expect_string(name, re, args[0].value.span)?;
            let raw = regex_udf_expr(
                RegexFn::Extract,
                preset.as_ref().map(|p| p.0.as_str()),
                vec![re_expr, group, text],
            );
            // no match is null; a string is never null
            if to == KqlType::String {
                return Ok(BExpr::new(coalesce(vec![raw, lit("")]), KqlType::String));
            }
            Ok(convert_string(raw, to))
        }
        // `extractall` is the deprecated alias (extract-all-function.md)
        "extract_all" | "extractall" => {
            arity(name, args, 2, 3, span)?;
            let re = b.bind_scalar(&args[0].value, row)?;
            let preset = constant_regex(&re, args[0].value.span)?;
            if let Some((_, n, _)) = &preset
                && !(1..=16).contains(n)
            {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    args[0].value.span,
                    format!("extract_all() needs a regex with 1 to 16 capture groups; it has {n}"),
                ));
            }
            let mut exprs = vec![expect_string(name, re, args[0].value.span)?];
            if args.len() == 3 {
                let g = b.bind_scalar(&args[1].value, row)?;
                if let (Some((_, n, names)), Some(Literal::Dynamic(d))) = (&preset, &g.literal) {
                    check_groups(d, *n, names, args[1].value.span)?;
                }
                exprs.push(expect_dynamic(name, g, args[1].value.span)?.expr);
            }
            let last = args.last().expect("arity");
            let text = b.bind_scalar(&last.value, row)?;
            exprs.push(expect_string(name, text, last.value.span)?);
            Ok(BExpr::new(
                regex_udf_expr(
                    RegexFn::ExtractAll,
                    preset.as_ref().map(|p| p.0.as_str()),
                    exprs,
                ),
                KqlType::Dynamic,
            ))
        }
        _ => {
            // replace_regex(text, regex, rewrite)
            arity(name, args, 3, 3, span)?;
            let text = b.bind_scalar(&args[0].value, row)?;
            let re = b.bind_scalar(&args[1].value, row)?;
            let preset = constant_regex(&re, args[1].value.span)?;
            let rewrite = b.bind_scalar(&args[2].value, row)?;
            let exprs = vec![
                expect_string(name, text, args[0].value.span)?,
                expect_string(name, re, args[1].value.span)?,
                expect_string(name, rewrite, args[2].value.span)?,
            ];
            Ok(BExpr::new(
                regex_udf_expr(
                    RegexFn::ReplaceRegex,
                    preset.as_ref().map(|p| p.0.as_str()),
                    exprs,
                ),
                KqlType::String,
            ))
        }
    }
}

/// `extract_all`'s constant group list: numbers 1..=n or group names.
fn check_groups(d: &DynamicLit, n: usize, names: &[String], span: Span) -> Result<(), Diagnostic> {
    let bad = |what: String| Diagnostic::at(Code::BadArgument, span, what);
    let DynamicLit::Array(items) = d else {
        return Err(bad(
            "extract_all()'s capture groups must be a dynamic array".into(),
        ));
    };
    if items.is_empty() {
        return Err(bad("extract_all() needs at least one capture group".into()));
    }
    for it in items {
        match it {
            DynamicLit::Long(g) if *g >= 1 && (*g as usize) <= n => {}
            DynamicLit::String(s) if names.iter().any(|x| x == s) => {}
            DynamicLit::Long(g) => {
                return Err(bad(format!(
                    "capture group {g} does not exist: the regex has {n}"
                )));
            }
            DynamicLit::String(s) => {
                return Err(bad(format!("the regex has no capture group named '{s}'")));
            }
            _ => {
                return Err(bad("capture groups are given by number or by name".into()));
            }
        }
    }
    Ok(())
}
