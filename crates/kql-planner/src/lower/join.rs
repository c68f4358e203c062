//! Joins (`join`, `lookup`): each side computes its key expressions into
//! hidden columns, the right side's columns are renamed to hidden names (so
//! both sides may hold the same names), DataFusion joins on the hidden keys,
//! and a projection names the output columns the Kusto way. On the side an
//! outer join pads with nulls, strings become "" (a KQL string is never
//! null).

use super::build::BuildExt;
use super::{Required, column, columns_of, df_err, field_names, lower_node};
use crate::bound::{BoundTabular, JoinKind, JoinSide};
use crate::catalog::Catalog;
use crate::types::KqlType;
use datafusion::common::JoinType;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use kql_syntax::Diagnostic;
use std::collections::HashSet;

pub(super) struct JoinParts<'a> {
    pub left: &'a BoundTabular,
    pub right: &'a BoundTabular,
    pub kind: JoinKind,
    pub keys: &'a [(Expr, Expr)],
    pub outputs: &'a [(JoinSide, String)],
}

fn join_type(kind: JoinKind) -> JoinType {
    match kind {
        JoinKind::Inner => JoinType::Inner,
        JoinKind::LeftOuter => JoinType::Left,
        JoinKind::RightOuter => JoinType::Right,
        JoinKind::FullOuter => JoinType::Full,
        JoinKind::LeftSemi => JoinType::LeftSemi,
        JoinKind::LeftAnti => JoinType::LeftAnti,
        JoinKind::RightSemi => JoinType::RightSemi,
        JoinKind::RightAnti => JoinType::RightAnti,
    }
}

/// Whether the join pads `side` with nulls for rows without a match.
fn padded(kind: JoinKind, side: JoinSide) -> bool {
    matches!(
        (kind, side),
        (JoinKind::FullOuter, _)
            | (JoinKind::LeftOuter, JoinSide::Right)
            | (JoinKind::RightOuter, JoinSide::Left)
    )
}

pub(super) fn lower_join(
    t: &BoundTabular,
    j: JoinParts<'_>,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    // (output column, side, source column), only those the plan needs
    let wanted: Vec<(&str, KqlType, JoinSide, &str)> = t
        .columns
        .iter()
        .zip(j.outputs)
        .filter(|(c, _)| required.as_ref().is_none_or(|r| r.contains(&c.name)))
        .map(|(c, (side, src))| (c.name.as_str(), c.ty, *side, src.as_str()))
        .collect();
    let side_needs = |side: JoinSide, keys: Vec<&Expr>| -> HashSet<String> {
        let mut n = columns_of(keys);
        n.extend(
            wanted
                .iter()
                .filter(|w| w.2 == side)
                .map(|w| w.3.to_string()),
        );
        n
    };
    let left_needs = side_needs(JoinSide::Left, j.keys.iter().map(|k| &k.0).collect());
    let right_needs = side_needs(JoinSide::Right, j.keys.iter().map(|k| &k.1).collect());

    let left = lower_node(j.left, catalog, Some(left_needs.clone()))?;
    let mut left_exprs: Vec<Expr> = field_names(&left)
        .iter()
        .filter(|n| left_needs.contains(*n))
        .map(|n| column(n))
        .collect();
    let left_keys: Vec<String> = (0..j.keys.len()).map(|i| format!("__kql_lk{i}")).collect();
    for ((l, _), name) in j.keys.iter().zip(&left_keys) {
        left_exprs.push(l.clone().alias(name));
    }
    let left = left.select_exprs(left_exprs)?;

    let right = lower_node(j.right, catalog, Some(right_needs.clone()))?;
    let right_names: Vec<String> = field_names(&right)
        .into_iter()
        .filter(|n| right_needs.contains(n))
        .collect();
    let hidden_right = |name: &str| -> String {
        let i = right_names
            .iter()
            .position(|n| n == name)
            .expect("a needed right column");
        format!("__kql_r{i}")
    };
    let mut right_exprs: Vec<Expr> = right_names
        .iter()
        .map(|n| column(n).alias(hidden_right(n)))
        .collect();
    let right_keys: Vec<String> = (0..j.keys.len()).map(|i| format!("__kql_rk{i}")).collect();
    for ((_, r), name) in j.keys.iter().zip(&right_keys) {
        right_exprs.push(r.clone().alias(name));
    }
    let right = right.select_exprs(right_exprs)?.build().map_err(df_err)?;

    let joined = left
        .join(right, join_type(j.kind), (left_keys, right_keys), None)
        .map_err(df_err)?;
    let out = wanted.iter().map(|(name, ty, side, src)| {
        let mut e = match side {
            JoinSide::Left => column(src),
            JoinSide::Right => column(&hidden_right(src)),
        };
        if *ty == KqlType::String && padded(j.kind, *side) {
            e = coalesce(vec![e, lit("")]);
        }
        e.alias(*name)
    });
    joined.select_exprs(out)
}
