//! `parse-kv Expr as (Key:type, ...) with (...)`: extract the listed keys of
//! a key/value text into typed columns (parse-kv-operator.md).
//!
//! Three modes, chosen by the `with` parameters: delimited
//! (`pair_delimiter` + `kv_delimiter`, optional `quote`s, `escape`s and
//! `greedy=true`), no delimiters (only `quote`s / `escape`s: any
//! non-alphanumeric character separates), and `regex` (two groups: key,
//! value). The kernel (`kql_functions::tabular::parse_kv`) returns each
//! key's text; here each becomes a column of its declared type (a missing
//! key or a value that does not convert: null, "" for strings). The new
//! columns are added at the end, replacing input columns of the same name,
//! as `extend` does. A non-string source is converted to its string.

use super::super::expr::{column_expr, to_string_expr};
use super::super::functions::convert_string;
use super::param_text;
use super::{Binder, duplicate_column, project_node};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use kql_functions::tabular::parse_kv::{KvMode, KvSpec, parse_kv_expr};
use kql_syntax::ast::{ColumnDecl, Expr, ExprKind, Literal, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

fn bad(span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::at(Code::BadArgument, span, msg.into())
}

/// A string-literal parameter value.
fn text_param(p: &OpParam) -> Result<String, Diagnostic> {
    match &p.value.kind {
        ExprKind::Literal(Literal::String(s)) => Ok(s.clone()),
        _ => Err(bad(
            p.value.span,
            format!(
                "the parse-kv parameter '{}' must be a string literal",
                p.name.name
            ),
        )),
    }
}

/// The extraction mode, the (opening, closing) quotes and the escapes.
type Extraction = (KvMode, Vec<(char, char)>, Vec<char>);

/// The extraction of the `with (...)` parameters.
fn mode(params: &[OpParam], span: Span) -> Result<Extraction, Diagnostic> {
    let (mut pair, mut kv, mut regex, mut greedy) = (None, None, None, None);
    let mut quotes = Vec::new();
    let mut escapes = Vec::new();
    for p in params {
        match p.name.name.as_str() {
            "pair_delimiter" | "kv_delimiter" => {
                let d = text_param(p)?;
                if d.is_empty() {
                    return Err(bad(
                        p.value.span,
                        format!("{} cannot be empty", p.name.name),
                    ));
                }
                if p.name.name == "pair_delimiter" {
                    pair = Some(d);
                } else {
                    kv = Some(d);
                }
            }
            "quote" => {
                let q = text_param(p)?;
                let cs: Vec<char> = q.chars().collect();
                match cs.as_slice() {
                    [c] => quotes.push((*c, *c)),
                    [o, c] => quotes.push((*o, *c)),
                    _ => {
                        return Err(bad(
                            p.value.span,
                            "a parse-kv quote is one character, or two (opening and closing)",
                        ));
                    }
                }
            }
            "escape" => {
                let e = text_param(p)?;
                let mut cs = e.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => escapes.push(c),
                    _ => {
                        return Err(bad(p.value.span, "a parse-kv escape is one character"));
                    }
                }
            }
            "greedy" => match param_text(p).as_deref() {
                Some("true") => greedy = Some(true),
                Some("false") => greedy = Some(false),
                _ => return Err(bad(p.value.span, "greedy takes true or false")),
            },
            "regex" => regex = Some((text_param(p)?, p.value.span)),
            other => {
                return Err(bad(p.span, format!("unknown parse-kv parameter '{other}'")).with_hint(
                    "parse-kv takes pair_delimiter, kv_delimiter, quote, escape, greedy or regex",
                ));
            }
        }
    }
    if let Some((r, rspan)) = regex {
        if pair.is_some()
            || kv.is_some()
            || greedy.is_some()
            || !quotes.is_empty()
            || !escapes.is_empty()
        {
            return Err(bad(
                rspan,
                "parse-kv with regex takes no delimiters, quotes, escapes or greedy",
            ));
        }
        return Ok((KvMode::Regex(r), quotes, escapes));
    }
    match (pair, kv) {
        (Some(pair), Some(kv)) => Ok((
            KvMode::Delimited {
                pair,
                kv,
                greedy: greedy.unwrap_or(false),
            },
            quotes,
            escapes,
        )),
        (None, None) if greedy.is_none() => Ok((KvMode::Words, quotes, escapes)),
        (None, None) => Err(bad(span, "greedy needs pair_delimiter and kv_delimiter")),
        _ => Err(bad(
            span,
            "parse-kv needs both pair_delimiter and kv_delimiter, or neither",
        )),
    }
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    source: &Expr,
    keys: &[ColumnDecl],
    params: &[OpParam],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let text = to_string_expr(b.bind_scalar(source, &input.columns)?);
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].iter().any(|o| o.name.name == k.name.name) {
            return Err(duplicate_column(&k.name.name, k.name.span));
        }
    }
    if keys.is_empty() {
        return Err(bad(span, "parse-kv lists no key to extract"));
    }
    let (mode, quotes, escapes) = mode(params, span)?;
    let spec = KvSpec {
        keys: keys.iter().map(|k| k.name.name.clone()).collect(),
        mode,
        quotes,
        escapes,
    };
    let call = parse_kv_expr(text.expr, &spec).map_err(|e| {
        let reason = e.rsplit("error: ").next().unwrap_or(&e).trim().to_string();
        bad(span, format!("the parse-kv regex is not usable: {reason}"))
    })?;
    // the kernel's texts as hidden columns, then typed
    let hidden = |i: usize| format!("__kql_kv_{i}");
    let mut parsed_columns = input.columns.clone();
    parsed_columns.extend((0..keys.len()).map(|i| BoundColumn::new(hidden(i), KqlType::String)));
    let input_columns = input.columns.clone();
    let parsed = BoundTabular {
        op: BoundOp::Parse {
            input: Box::new(input),
            call,
            fields: (0..keys.len())
                .map(|i| (hidden(i), KvSpec::field(i)))
                .collect(),
            matched_only: false,
        },
        columns: parsed_columns,
    };
    let mut items: Vec<(String, BExpr)> = input_columns
        .iter()
        .filter(|c| !keys.iter().any(|k| k.name.name == c.name))
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .collect();
    for (i, k) in keys.iter().enumerate() {
        let text = column_expr(&hidden(i));
        let v = if k.ty == KqlType::DateTime {
            BExpr::new(
                kql_functions::todatetime::todatetime_expr(text),
                KqlType::DateTime,
            )
        } else {
            convert_string(text, k.ty)
        };
        items.push((k.name.name.clone(), v));
    }
    Ok(project_node(parsed, items))
}
