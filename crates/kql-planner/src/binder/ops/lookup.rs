//! `lookup` (lookup-operator.md): extend the rows of the left (fact) table
//! with the columns of the right (dimension) table whose keys match.
//!
//! `kind=leftouter` (the default) keeps left rows without a match, with
//! nulls ("" for strings) in the added columns; `kind=inner` drops them.
//! The output is the left columns, then the right columns that are not
//! keys: the right-side key columns are not repeated (for `$left.a ==
//! $right.b` neither is `b`). A right column whose name the left side
//! already has is renamed with the suffix `1` (`2`, ... when taken).

use super::super::naming::unique_name;
use super::Binder;
use super::join::{key_exprs, key_pairs};
use super::param_text;
use crate::bound::{BoundColumn, BoundOp, BoundTabular, JoinKind, JoinSide};
use kql_syntax::ast::{self, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

fn lookup_kind(params: &[OpParam]) -> Result<JoinKind, Diagnostic> {
    let mut kind = JoinKind::LeftOuter;
    for p in params {
        let name = p.name.name.as_str();
        if name.starts_with("hint.") {
            continue;
        }
        kind = match (name, param_text(p).as_deref()) {
            ("kind", Some("leftouter")) => JoinKind::LeftOuter,
            ("kind", Some("inner")) => JoinKind::Inner,
            ("kind", v) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.value.span,
                    format!(
                        "lookup supports kind=leftouter and kind=inner, not '{}'",
                        v.unwrap_or("?")
                    ),
                )
                .with_hint("for other kinds, use `join`"));
            }
            (other, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("unknown lookup parameter '{other}'"),
                )
                .with_hint("lookup takes kind=leftouter|inner"));
            }
        };
    }
    Ok(kind)
}

pub(crate) fn bind(
    b: &mut Binder,
    left: BoundTabular,
    params: &[OpParam],
    right: &ast::Expr,
    on: &[ast::Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let kind = lookup_kind(params)?;
    let right = b.bind_tabular(right)?;
    let pairs = key_pairs(on, "lookup", span)?;
    let keys = key_exprs(&left, &right, &pairs)?;
    let mut columns: Vec<BoundColumn> = left.columns.clone();
    let mut outputs: Vec<(JoinSide, String)> = left
        .columns
        .iter()
        .map(|c| (JoinSide::Left, c.name.clone()))
        .collect();
    for c in &right.columns {
        if pairs.iter().any(|p| p.right == c.name) {
            continue;
        }
        let name = unique_name(c.name.clone(), |n| columns.iter().any(|o| o.name == n));
        columns.push(BoundColumn::new(name, c.ty));
        outputs.push((JoinSide::Right, c.name.clone()));
    }
    Ok(BoundTabular {
        op: BoundOp::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            keys,
            outputs,
        },
        columns,
    })
}
