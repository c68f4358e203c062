//! String and encoding functions: `substring`, `indexof`, `replace_string`,
//! `replace_strings`, `trim`, `trim_start`, `trim_end`, `reverse`,
//! `countof`, `strcat_delim`, `strcmp`, `strrep`, `string_size`, `isascii`,
//! `regex_quote`, `unicode_codepoints_from_string`,
//! `unicode_codepoints_to_string`, `tohex`, `parse_csv`, the base64
//! functions and the hashes. Signatures are checked here; the kernels are
//! `kql_functions::strings::text` and `kql_functions::encoding`.

use super::{arity, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::expr::to_string_expr;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_functions::encoding::encoding_function_expr;
use kql_functions::strings::text::{
    TextRegexFn, check_pattern, text_function_expr, text_regex_expr,
};
use kql_syntax::ast::{self, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "substring",
    "indexof",
    "replace_string",
    "replace_strings",
    "trim",
    "trim_start",
    "trim_end",
    "reverse",
    "countof",
    "strcat_delim",
    "strcmp",
    "strrep",
    "string_size",
    "isascii",
    "isutf8",
    "translate",
    "regex_quote",
    "unicode_codepoints_from_string",
    "to_utf8",
    "unicode_codepoints_to_string",
    "make_string",
    "tohex",
    "parse_csv",
    "base64_encode_tostring",
    "base64_encodestring",
    "base64_decode_tostring",
    "base64_decodestring",
    "base64_decode_toarray",
    "base64_encode_fromarray",
    "base64_decode_toguid",
    "base64_encode_fromguid",
    "hash_md5",
    "hash_sha1",
    "hash_sha256",
    "hash",
    "hash_xxhash64",
];

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

/// Any scalar as text, as the functions that "forcibly cast" their
/// argument to a string do.
fn any_text(v: BExpr) -> Expr {
    to_string_expr(v).expr
}

/// The text a hash or `reverse()` sees: strings as they are, a datetime as
/// its round-trip text (`2020-01-01T00:00:00.0000000Z`).
fn hashed_text(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    match v.ty {
        KqlType::DateTime => encoding_function_expr(
            "datetime_roundtrip_text",
            vec![cast(v.expr, DataType::Int64)],
        )
        .ok_or_else(|| internal(name)),
        KqlType::String => Ok(v.expr),
        other => Err(type_error(
            span,
            &format!(
                "{name}() of a {} is not supported yet: only string and datetime values are hashed",
                other.as_str()
            ),
        )
        .with_hint(format!("hash its text: {name}(tostring(x))"))),
    }
}

/// A constant regex pattern, checked.
fn constant_pattern(v: &BExpr, span: Span) -> Result<Option<String>, Diagnostic> {
    let Some(Literal::String(p)) = &v.literal else {
        return Ok(None);
    };
    check_pattern(p).map_err(|e| {
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
    Ok(Some(p.clone()))
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
    let string_arg = |b: &mut Binder, i: usize| {
        let v = b.bind_scalar(&args[i].value, row)?;
        expect_string(name, v, args[i].value.span)
    };
    let int_arg = |b: &mut Binder, i: usize| {
        let v = b.bind_scalar(&args[i].value, row)?;
        expect_integer(name, v, args[i].value.span)
    };
    let text_fn = |e: Vec<Expr>, ty: KqlType| {
        text_function_expr(name, e)
            .map(|e| BExpr::new(e, ty))
            .ok_or_else(|| internal(name))
    };
    let enc_fn = |n: &str, e: Vec<Expr>, ty: KqlType| {
        encoding_function_expr(n, e)
            .map(|e| BExpr::new(e, ty))
            .ok_or_else(|| internal(name))
    };
    match name {
        "substring" => {
            arity(name, args, 2, 3, span)?;
            let mut e = vec![any_text(arg(b, 0)?), int_arg(b, 1)?];
            if args.len() == 3 {
                e.push(int_arg(b, 2)?);
            }
            text_fn(e, KqlType::String)
        }
        "indexof" => {
            arity(name, args, 2, 5, span)?;
            let mut e = vec![any_text(arg(b, 0)?), any_text(arg(b, 1)?)];
            for i in 2..args.len() {
                e.push(int_arg(b, i)?);
            }
            text_fn(e, KqlType::Long)
        }
        "replace_string" => {
            arity(name, args, 3, 3, span)?;
            let e = vec![string_arg(b, 0)?, string_arg(b, 1)?, string_arg(b, 2)?];
            text_fn(e, KqlType::String)
        }
        "replace_strings" => {
            arity(name, args, 3, 3, span)?;
            let s = string_arg(b, 0)?;
            let l = arg(b, 1)?;
            let l = expect_dynamic(name, l, args[1].value.span)?.expr;
            let r = arg(b, 2)?;
            let r = expect_dynamic(name, r, args[2].value.span)?.expr;
            text_fn(vec![s, l, r], KqlType::String)
        }
        "trim" | "trim_start" | "trim_end" => {
            arity(name, args, 2, 2, span)?;
            let re = arg(b, 0)?;
            let preset = constant_pattern(&re, args[0].value.span)?;
            let re = expect_string(name, re, args[0].value.span)?;
            let s = string_arg(b, 1)?;
            let f = match name {
                "trim" => TextRegexFn::Trim,
                "trim_start" => TextRegexFn::TrimStart,
                _ => TextRegexFn::TrimEnd,
            };
            Ok(BExpr::new(
                text_regex_expr(f, preset.as_deref(), vec![re, s]),
                KqlType::String,
            ))
        }
        "reverse" => {
            arity(name, args, 1, 1, span)?;
            let v = arg(b, 0)?;
            let s = if v.ty == KqlType::DateTime {
                hashed_text(name, v, args[0].value.span)?
            } else {
                any_text(v)
            };
            text_fn(vec![s], KqlType::String)
        }
        "countof" => {
            arity(name, args, 2, 3, span)?;
            let s = string_arg(b, 0)?;
            let search = arg(b, 1)?;
            let regex = match args.get(2) {
                None => false,
                Some(a) => {
                    let k = b.bind_scalar(&a.value, row)?;
                    match &k.literal {
                        Some(Literal::String(k)) if k == "normal" => false,
                        Some(Literal::String(k)) if k == "regex" => true,
                        _ => {
                            return Err(Diagnostic::at(
                                Code::BadArgument,
                                a.value.span,
                                "countof()'s kind must be the constant \"normal\" or \"regex\"",
                            ));
                        }
                    }
                }
            };
            if regex {
                let preset = constant_pattern(&search, args[1].value.span)?;
                let p = expect_string(name, search, args[1].value.span)?;
                return Ok(BExpr::new(
                    text_regex_expr(TextRegexFn::CountofRegex, preset.as_deref(), vec![s, p]),
                    KqlType::Long,
                ));
            }
            let p = expect_string(name, search, args[1].value.span)?;
            text_fn(vec![s, p], KqlType::Long)
        }
        "strcat_delim" => {
            arity(name, args, 3, 65, span)?;
            let d = string_arg(b, 0)?;
            let mut parts = Vec::with_capacity(args.len() - 1);
            for i in 1..args.len() {
                parts.push(any_text(arg(b, i)?));
            }
            Ok(BExpr::new(
                datafusion::functions::string::expr_fn::concat_ws(d, parts),
                KqlType::String,
            ))
        }
        "strcmp" => {
            arity(name, args, 2, 2, span)?;
            let e = vec![string_arg(b, 0)?, string_arg(b, 1)?];
            text_fn(e, KqlType::Int)
        }
        "strrep" => {
            arity(name, args, 2, 3, span)?;
            let mut e = vec![any_text(arg(b, 0)?), int_arg(b, 1)?];
            if args.len() == 3 {
                e.push(any_text(arg(b, 2)?));
            }
            text_fn(e, KqlType::String)
        }
        "string_size" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            Ok(BExpr::new(
                cast(
                    datafusion::functions::string::expr_fn::octet_length(s),
                    DataType::Int64,
                ),
                KqlType::Long,
            ))
        }
        "isascii" => {
            arity(name, args, 1, 1, span)?;
            text_fn(vec![string_arg(b, 0)?], KqlType::Bool)
        }
        "isutf8" => {
            // Arrow strings are UTF-8 by construction (Kusto, too, replaces
            // invalid bytes with U+FFFD at ingestion): every string is.
            arity(name, args, 1, 1, span)?;
            string_arg(b, 0)?;
            Ok(BExpr::new(lit(true), KqlType::Bool))
        }
        "translate" => {
            arity(name, args, 3, 3, span)?;
            let e = vec![string_arg(b, 0)?, string_arg(b, 1)?, string_arg(b, 2)?];
            text_fn(e, KqlType::String)
        }
        "regex_quote" | "parse_csv" => {
            arity(name, args, 1, 1, span)?;
            let ty = if name == "parse_csv" {
                KqlType::Dynamic
            } else {
                KqlType::String
            };
            text_fn(vec![string_arg(b, 0)?], ty)
        }
        "unicode_codepoints_from_string" | "to_utf8" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            text_function_expr("unicode_codepoints_from_string", vec![s])
                .map(|e| BExpr::new(e, KqlType::Dynamic))
                .ok_or_else(|| internal(name))
        }
        "unicode_codepoints_to_string" | "make_string" => {
            arity(name, args, 1, 64, span)?;
            let mut e = Vec::with_capacity(args.len());
            for (i, a) in args.iter().enumerate() {
                let v = arg(b, i)?;
                e.push(match v.ty {
                    KqlType::Int | KqlType::Long => cast(v.expr, DataType::Utf8),
                    KqlType::Dynamic => v.expr,
                    other => {
                        return Err(type_error(
                            a.value.span,
                            &format!(
                                "{name}() needs int, long or dynamic code points, got {}",
                                other.as_str()
                            ),
                        ));
                    }
                });
            }
            text_function_expr("unicode_codepoints_to_string", e)
                .map(|e| BExpr::new(e, KqlType::String))
                .ok_or_else(|| internal(name))
        }
        "tohex" => {
            arity(name, args, 1, 2, span)?;
            let v = arg(b, 0)?;
            let width: i64 = match v.ty {
                KqlType::Int => 32,
                KqlType::Long => 64,
                other => {
                    return Err(type_error(
                        args[0].value.span,
                        &format!("tohex() needs an int or a long, got {}", other.as_str()),
                    ));
                }
            };
            let v = cast(v.expr, DataType::Int64);
            let min = if args.len() == 2 {
                int_arg(b, 1)?
            } else {
                lit(0i64)
            };
            text_fn(vec![v, min, lit(width)], KqlType::String)
        }
        "base64_encode_tostring" | "base64_encodestring" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            enc_fn("base64_encode_tostring", vec![s], KqlType::String)
        }
        "base64_decode_tostring" | "base64_decodestring" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            enc_fn("base64_decode_tostring", vec![s], KqlType::String)
        }
        "base64_decode_toarray" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            enc_fn(name, vec![s], KqlType::Dynamic)
        }
        "base64_decode_toguid" => {
            arity(name, args, 1, 1, span)?;
            let s = string_arg(b, 0)?;
            enc_fn(name, vec![s], KqlType::Guid)
        }
        "base64_encode_fromguid" => {
            arity(name, args, 1, 1, span)?;
            let v = arg(b, 0)?;
            if v.ty != KqlType::Guid {
                return Err(type_error(
                    args[0].value.span,
                    &format!("{name}() needs a guid, got {}", v.ty.as_str()),
                )
                .with_hint("make one with toguid(\"...\")"));
            }
            enc_fn(name, vec![v.expr], KqlType::String)
        }
        "base64_encode_fromarray" => {
            arity(name, args, 1, 1, span)?;
            let v = arg(b, 0)?;
            let v = expect_dynamic(name, v, args[0].value.span)?;
            enc_fn(name, vec![v.expr], KqlType::String)
        }
        "hash_md5" | "hash_sha1" | "hash_sha256" => {
            arity(name, args, 1, 1, span)?;
            let v = arg(b, 0)?;
            let s = hashed_text(name, v, args[0].value.span)?;
            enc_fn(name, vec![s], KqlType::String)
        }
        _ => {
            // hash(source[, mod]), hash_xxhash64(source[, mod])
            arity(name, args, 1, 2, span)?;
            let v = arg(b, 0)?;
            let (udf, first) = match v.ty {
                KqlType::DateTime => ("xxhash64_ticks", cast(v.expr, DataType::Int64)),
                KqlType::String => ("xxhash64", v.expr),
                other => {
                    return Err(type_error(
                        args[0].value.span,
                        &format!(
                            "{name}() of a {} is not supported yet: only string and datetime values are hashed",
                            other.as_str()
                        ),
                    )
                    .with_hint(format!("hash its text: {name}(tostring(x))")));
                }
            };
            let mut e = vec![first];
            if args.len() == 2 {
                e.push(int_arg(b, 1)?);
            }
            enc_fn(udf, e, KqlType::Long)
        }
    }
}
