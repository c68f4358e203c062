//! `project-by-names Spec, ...` (project-by-names-operator.md): keep and
//! reorder the columns named by each spec, in the order the specs name or
//! match them. A spec is a constant: a column name, a name pattern with `*`,
//! or a dynamic array of names (`column_names_of(T)` gives one). Names that
//! match no column are ignored; a column named twice is kept once, at its
//! first place.

use super::super::eager::{evaluate_in_place, fold_if_constant};
use super::{Binder, matches_pattern, passthrough, project_node};
use crate::bound::{BoundColumn, BoundTabular};
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use kql_syntax::ast::Expr;
use kql_syntax::{Code, Diagnostic, Span};

fn not_constant(span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::NotConstant,
        span,
        "a project-by-names column specifier must be a constant string or dynamic array",
    )
    .with_hint("write \"Name\", \"Prefix*\", dynamic([\"A\", \"B\"]) or column_names_of(T)")
}

/// The name patterns of one specifier.
fn patterns(b: &mut Binder, e: &Expr, row: &[BoundColumn]) -> Result<Vec<String>, Diagnostic> {
    let v = b.bind_scalar(e, row)?;
    if !matches!(v.ty, KqlType::String | KqlType::Dynamic) {
        return Err(Diagnostic::at(
            Code::TypeMismatch,
            e.span,
            format!(
                "a project-by-names column specifier must be a string or a dynamic array, got {}",
                v.ty.as_str()
            ),
        ));
    }
    if !v.expr.column_refs().is_empty() {
        return Err(not_constant(e.span));
    }
    let v = fold_if_constant(b, v, e.span)?;
    let ty = v.ty;
    let text = match evaluate_in_place(&v) {
        Some(ScalarValue::Utf8(t) | ScalarValue::LargeUtf8(t) | ScalarValue::Utf8View(t)) => t,
        Some(ScalarValue::Null) => None,
        _ => return Err(not_constant(e.span)),
    };
    match ty {
        KqlType::String => Ok(text.into_iter().collect()),
        KqlType::Dynamic => {
            let Some(json) = text else {
                return Ok(Vec::new());
            };
            match serde_json::from_str::<serde_json::Value>(&json) {
                Ok(serde_json::Value::Array(items)) => items
                    .into_iter()
                    .map(|i| match i {
                        serde_json::Value::String(s) => Ok(s),
                        _ => Err(Diagnostic::at(
                            Code::BadArgument,
                            e.span,
                            "a project-by-names array must hold column names (strings)",
                        )),
                    })
                    .collect(),
                Ok(serde_json::Value::String(s)) => Ok(vec![s]),
                Ok(serde_json::Value::Null) => Ok(Vec::new()),
                _ => Err(Diagnostic::at(
                    Code::BadArgument,
                    e.span,
                    "a project-by-names dynamic specifier must be an array of column names",
                )),
            }
        }
        _ => unreachable!("checked above"),
    }
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    specs: &[Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let mut keep: Vec<usize> = Vec::new();
    for e in specs {
        for p in patterns(b, e, &input.columns)? {
            for (i, c) in input.columns.iter().enumerate() {
                if matches_pattern(&p, &c.name) && !keep.contains(&i) {
                    keep.push(i);
                }
            }
        }
    }
    if keep.is_empty() {
        return Err(Diagnostic::at(
            Code::UnknownColumn,
            span,
            "project-by-names keeps no column: no specifier names a column of its input",
        ));
    }
    let all = passthrough(&input.columns);
    let items = keep.into_iter().map(|i| all[i].clone()).collect();
    Ok(project_node(input, items))
}
