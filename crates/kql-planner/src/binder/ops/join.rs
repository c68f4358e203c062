//! `join` (join-operator.md): an equi-join on `on Key` / `on $left.a ==
//! $right.b` conditions (separated by commas or `and`).
//!
//! Kinds: `innerunique` (the default: the left side keeps one row per key
//! before an inner join), `inner`, `leftouter`, `rightouter`, `fullouter`,
//! `leftsemi`, `leftanti` (`anti`, `leftantisemi`), `rightsemi`, `rightanti`
//! (`rightantisemi`). Outer and inner kinds return the left columns, then
//! the right ones, keys included; a right column whose name the left side
//! (or an earlier right column) already has gets the suffix `1` (`Key1`),
//! or `2`, ... Semi and anti kinds return one side's columns. Null keys
//! match nothing (a null is not equal to anything, itself included).
//! `hint.*` parameters change nothing here.

use super::super::expr::cast_to;
use super::super::naming::unique_name;
use super::Binder;
use super::param_text;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular, JoinKind, JoinSide};
use crate::types::{KqlType, numeric_common};
use datafusion::logical_expr::Expr;
use kql_syntax::ast::{self, BinaryOp, ExprKind, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

/// `join`'s kinds; `None` is innerunique.
fn join_kind(params: &[OpParam]) -> Result<Option<JoinKind>, Diagnostic> {
    let mut kind = None;
    for p in params {
        let name = p.name.name.as_str();
        if name.starts_with("hint.") {
            continue;
        }
        let value = param_text(p).unwrap_or_default();
        if name != "kind" {
            return Err(Diagnostic::at(
                Code::BadArgument,
                p.span,
                format!("unknown join parameter '{name}'"),
            )
            .with_hint("join takes kind=... and hint.* parameters"));
        }
        kind = match value.as_str() {
            "innerunique" => None,
            "inner" => Some(JoinKind::Inner),
            "leftouter" => Some(JoinKind::LeftOuter),
            "rightouter" => Some(JoinKind::RightOuter),
            "fullouter" => Some(JoinKind::FullOuter),
            "leftsemi" => Some(JoinKind::LeftSemi),
            "leftanti" | "anti" | "leftantisemi" => Some(JoinKind::LeftAnti),
            "rightsemi" => Some(JoinKind::RightSemi),
            "rightanti" | "rightantisemi" => Some(JoinKind::RightAnti),
            other => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.value.span,
                    format!("unknown join kind '{other}'"),
                )
                .with_hint("the kinds are innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti"));
            }
        };
    }
    Ok(kind)
}

/// One `on` condition: the left and the right column it equates.
pub(super) struct KeyPair {
    pub left: String,
    pub right: String,
    pub span: Span,
}

fn side_column(e: &ast::Expr) -> Option<(ast::JoinSide, String)> {
    match &e.kind {
        ExprKind::Member { target, name } => match target.kind {
            ExprKind::JoinSide(side) => Some((side, name.name.clone())),
            _ => None,
        },
        _ => None,
    }
}

fn bad_condition(span: Span, what: &str) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedFeature,
        span,
        format!("this `{what}` condition is not supported: only equalities of columns are"),
    )
    .with_hint(format!(
        "write `on Column` or `on $left.LeftColumn == $right.RightColumn` (several joined by commas or `and`); filter with `where` after the {what}"
    ))
}

fn collect_pairs(e: &ast::Expr, what: &str, out: &mut Vec<KeyPair>) -> Result<(), Diagnostic> {
    match &e.kind {
        ExprKind::Name(id) => out.push(KeyPair {
            left: id.name.clone(),
            right: id.name.clone(),
            span: e.span,
        }),
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            collect_pairs(left, what, out)?;
            collect_pairs(right, what, out)?;
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => match (side_column(left), side_column(right)) {
            (Some((ast::JoinSide::Left, l)), Some((ast::JoinSide::Right, r)))
            | (Some((ast::JoinSide::Right, r)), Some((ast::JoinSide::Left, l))) => {
                out.push(KeyPair {
                    left: l,
                    right: r,
                    span: e.span,
                })
            }
            _ => return Err(bad_condition(e.span, what)),
        },
        _ => return Err(bad_condition(e.span, what)),
    }
    Ok(())
}

/// The key pairs of an `on` list.
pub(super) fn key_pairs(
    on: &[ast::Expr],
    what: &str,
    span: Span,
) -> Result<Vec<KeyPair>, Diagnostic> {
    if on.is_empty() {
        return Err(Diagnostic::at(
            Code::Syntax,
            span,
            format!("`{what}` needs an `on` clause naming the columns to match"),
        )
        .with_hint(format!("e.g. `| {what} (OtherTable) on Key`")));
    }
    let mut pairs = Vec::new();
    for e in on {
        collect_pairs(e, what, &mut pairs)?;
    }
    Ok(pairs)
}

fn missing(side: &str, name: &str, t: &BoundTabular, span: Span) -> Diagnostic {
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let close = kql_syntax::diagnostic::suggest(name, names.iter().copied());
    let d = Diagnostic::at(
        Code::UnknownColumn,
        span,
        format!("the {side} side of the join has no column '{name}'"),
    );
    if close.is_empty() {
        d.with_hint(format!("its columns are: {}", names.join(", ")))
    } else {
        d.with_hint(format!("did you mean '{}'?", close.join("', '")))
    }
}

/// The key expressions of each pair, of one type on both sides.
pub(super) fn key_exprs(
    left: &BoundTabular,
    right: &BoundTabular,
    pairs: &[KeyPair],
) -> Result<Vec<(Expr, Expr)>, Diagnostic> {
    let mut keys = Vec::new();
    for p in pairs {
        let l = left
            .column(&p.left)
            .ok_or_else(|| missing("left", &p.left, left, p.span))?;
        let r = right
            .column(&p.right)
            .ok_or_else(|| missing("right", &p.right, right, p.span))?;
        let common = if l.ty == r.ty {
            Some(l.ty)
        } else {
            numeric_common(l.ty, r.ty).or(match (l.ty, r.ty) {
                (KqlType::String, KqlType::Guid) | (KqlType::Guid, KqlType::String) => {
                    Some(KqlType::String)
                }
                _ => None,
            })
        };
        let Some(ty) = common else {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                p.span,
                format!(
                    "cannot match the left column '{}' ({}) with the right column '{}' ({})",
                    p.left,
                    l.ty.as_str(),
                    p.right,
                    r.ty.as_str()
                ),
            )
            .with_hint("convert one side first, e.g. `extend k = tostring(k)`"));
        };
        let side = |c: &BoundColumn| {
            cast_to(
                BExpr::new(super::super::expr::column_expr(&c.name), c.ty),
                ty,
            )
            .expr
        };
        keys.push((side(l), side(r)));
    }
    Ok(keys)
}

pub(crate) fn bind(
    b: &mut Binder,
    left: BoundTabular,
    params: &[OpParam],
    right: &ast::Expr,
    on: &[ast::Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let kind = join_kind(params)?;
    let right = b.bind_tabular(right)?;
    let pairs = key_pairs(on, "join", span)?;
    let keys = key_exprs(&left, &right, &pairs)?;
    let left = match kind {
        // innerunique: one (any) left row per key
        None => {
            let columns = left.columns.clone();
            BoundTabular {
                op: BoundOp::TopPerGroup {
                    input: Box::new(left),
                    partition: keys.iter().map(|k| k.0.clone()).collect(),
                    order: vec![],
                    count: 1,
                },
                columns,
            }
        }
        Some(_) => left,
    };
    let kind = kind.unwrap_or(JoinKind::Inner);
    let mut columns: Vec<BoundColumn> = Vec::new();
    let mut outputs: Vec<(JoinSide, String)> = Vec::new();
    let left_cols = !matches!(kind, JoinKind::RightSemi | JoinKind::RightAnti);
    let right_cols = !matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti);
    if left_cols {
        for c in &left.columns {
            columns.push(c.clone());
            outputs.push((JoinSide::Left, c.name.clone()));
        }
    }
    if right_cols {
        for c in &right.columns {
            let name = unique_name(c.name.clone(), |n| columns.iter().any(|o| o.name == n));
            columns.push(BoundColumn::new(name, c.ty));
            outputs.push((JoinSide::Right, c.name.clone()));
        }
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

#[cfg(test)]
mod tests {
    use crate::binder::{BindOptions, bind};
    use crate::catalog::StaticCatalog;

    fn bound(q: &str) -> String {
        let script = kql_syntax::parse(q).expect("parses");
        bind(&script, &StaticCatalog::default(), &BindOptions::at(0))
            .expect("binds")
            .display_tree()
    }

    #[test]
    fn innerunique_dedups_the_left_side_and_suffixes_right_names() {
        let tree = bound("print Key = 'a', v = 1 | join (print Key = 'a', v = 2) on Key");
        let first = tree.lines().next().unwrap();
        assert!(
            first.starts_with("Join kind=inner on [Key == Key]"),
            "{tree}"
        );
        assert!(
            first.ends_with("=> [Key:string, v:long, Key1:string, v1:long]"),
            "{tree}"
        );
        assert!(tree.contains("TopPerGroup 1 by [Key]"), "{tree}");
    }

    #[test]
    fn lookup_drops_the_right_keys() {
        let tree = bound(
            "print a = 'x', n = 1 | lookup (print b = 'x', n = 2, w = 3) on $left.a == $right.b",
        );
        let first = tree.lines().next().unwrap();
        assert!(
            first.starts_with("Join kind=leftouter on [a == b]"),
            "{tree}"
        );
        assert!(
            first.ends_with("=> [a:string, n:long, n1:long, w:long]"),
            "{tree}"
        );
        assert!(!tree.contains("TopPerGroup"), "{tree}");
    }
}
