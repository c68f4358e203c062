//! `parse` and `parse-where`: extract columns from a string with a pattern
//! of text, `*` wildcards and `Name[:type]` columns (parse-operator.md,
//! parse-where-operator.md).
//!
//! The pattern becomes one regex, built and compiled here, once per
//! operator; the `kql_parse` UDF matches each row once and returns every
//! column at once (kql_functions::tabular::parse has the matching rules of
//! the kinds `simple`, `relaxed` and `regex`). Rows that do not match get ""
//! in string columns and null in the others; `parse-where` drops them. The
//! new columns are added at the end, replacing input columns of the same
//! name, as `extend` does. A non-string source is converted to its string.

use super::super::expr::to_string_expr;
use super::param_text;
use super::{Binder, duplicate_column};
use crate::bound::{BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use kql_functions::tabular::{
    ParseKind as RtKind, ParseSpec, ParseType, PatternPart, build_regex, parse_expr,
};
use kql_syntax::ast::{Expr, OpParam, ParseKind, ParsePart};
use kql_syntax::{Code, Diagnostic, Span};

/// The runtime's name for a KQL type.
pub(super) fn parse_type(ty: KqlType) -> ParseType {
    match ty {
        KqlType::Bool => ParseType::Bool,
        KqlType::Int => ParseType::Int,
        KqlType::Long => ParseType::Long,
        KqlType::Real => ParseType::Real,
        KqlType::Decimal => ParseType::Decimal,
        KqlType::String => ParseType::String,
        KqlType::DateTime => ParseType::DateTime,
        KqlType::TimeSpan => ParseType::TimeSpan,
        KqlType::Guid => ParseType::Guid,
        KqlType::Dynamic => ParseType::Dynamic,
    }
}

/// `flags=Ui` of `kind=regex`: RE2 flags.
fn regex_flags(kind: ParseKind, params: &[OpParam]) -> Result<String, Diagnostic> {
    let mut flags = String::new();
    for p in params {
        match (p.name.name.as_str(), param_text(p)) {
            ("flags", Some(f)) if kind == ParseKind::Regex => {
                if let Some(bad) = f.chars().find(|c| !"imsU".contains(*c)) {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        p.span,
                        format!("unknown regex flag '{bad}' in `flags={f}`"),
                    )
                    .with_hint("the flags are i (ignore case), m (multi-line), s (`.` matches a newline) and U (ungreedy)"));
                }
                flags = f;
            }
            ("flags", _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    "`flags=` is only valid with `kind=regex`",
                ));
            }
            (n, _) if n.starts_with("hint.") => {}
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("unknown parse parameter '{n}'"),
                )
                .with_hint(
                    "parse takes kind=simple|relaxed|regex and, with kind=regex, flags=...",
                ));
            }
        }
    }
    Ok(flags)
}

pub(crate) struct ParseOp<'a> {
    pub kind: ParseKind,
    pub params: &'a [OpParam],
    pub source: &'a Expr,
    pub pattern: &'a [ParsePart],
    /// `parse-where`
    pub matched_only: bool,
    pub span: Span,
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    op: ParseOp<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let flags = regex_flags(op.kind, op.params)?;
    let source = to_string_expr(b.bind_scalar(op.source, &input.columns)?);
    let mut new_columns: Vec<BoundColumn> = Vec::new();
    let mut parts = Vec::with_capacity(op.pattern.len());
    for part in op.pattern {
        parts.push(match part {
            ParsePart::Text(t) => PatternPart::Text(t),
            ParsePart::Wildcard => PatternPart::Wildcard,
            ParsePart::Column { name, ty } => {
                if new_columns.iter().any(|c| c.name == name.name) {
                    return Err(duplicate_column(&name.name, name.span));
                }
                let ty = ty.unwrap_or(KqlType::String);
                new_columns.push(BoundColumn::new(name.name.clone(), ty));
                PatternPart::Column(parse_type(ty))
            }
        });
    }
    if new_columns.is_empty() {
        return Err(Diagnostic::at(
            Code::BadArgument,
            op.span,
            "the parse pattern extracts no column",
        )
        .with_hint("name the columns to extract: `parse s with \"key=\" Value:long \";\" *`"));
    }
    let kind = match op.kind {
        ParseKind::Simple => RtKind::Simple,
        ParseKind::Relaxed => RtKind::Relaxed,
        ParseKind::Regex => RtKind::Regex,
    };
    let spec = ParseSpec {
        regex: build_regex(kind, &flags, &parts),
        relaxed: op.kind == ParseKind::Relaxed,
        types: new_columns.iter().map(|c| parse_type(c.ty)).collect(),
    };
    let call = parse_expr(source.expr, &spec).map_err(|e| {
        // The regex crate shows the generated regex and a caret first; the
        // reason is on the last line.
        let reason = e.rsplit("error: ").next().unwrap_or(&e).trim();
        Diagnostic::at(
            Code::BadArgument,
            op.span,
            format!("the parse pattern is not a valid regular expression: {reason}"),
        )
        .with_hint("with kind=regex, the quoted parts are RE2 regular expressions")
    })?;
    let mut columns: Vec<BoundColumn> = input
        .columns
        .iter()
        .filter(|c| !new_columns.iter().any(|n| n.name == c.name))
        .cloned()
        .collect();
    let fields = new_columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), ParseSpec::field(i)))
        .collect();
    columns.extend(new_columns);
    Ok(BoundTabular {
        op: BoundOp::Parse {
            input: Box::new(input),
            call,
            fields,
            matched_only: op.matched_only,
        },
        columns,
    })
}
