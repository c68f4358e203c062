//! `top-nested` (top-nested-operator.md): hierarchical aggregation.
//!
//! `T | top-nested N1 of E1 by A1, top-nested N2 of E2 by A2, ...` keeps the
//! N1 values of E1 with the greatest A1 (computed over all rows with that
//! value), then within each of them the N2 values of E2 with the greatest
//! A2 (over the rows with both values), and so on. The result has two
//! columns per level, in level order: the value (named as written,
//! `Name = E`, or as a summarize would name it) and the aggregate (`Name =
//! A`, or `aggregated_<value column>`). `asc` keeps the smallest instead;
//! without N every value is kept.
//!
//! Implementation: level i is `summarize A_i by E_1, ..., E_i` over the
//! input, joined on E_1..E_i-1 with the rows kept at level i-1 (null keys
//! match each other, as groups do), then the first N_i rows of each
//! E_1..E_i-1 group in A_i order. `with others = C` is refused with a clear
//! error for now.

use super::super::expr::column_expr;
use super::take::constant_count;
use super::{Binder, summarize};
use crate::bound::{BoundOp, BoundTabular, JoinKind, JoinSide};
use crate::types::{KqlType, arrow_type};
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, SortExpr, lit};
use kql_syntax::ast::{Ident, NamedExpr, TopNestedLevel};
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    levels: &[TopNestedLevel],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if let Some(l) = levels.iter().find(|l| l.others.is_some()) {
        let at = l.others.as_ref().map_or(l.span, |o| o.span);
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            at,
            "top-nested's `with others = ...` is not supported yet",
        )
        .with_hint("leave out `with others`; the levels' top values are computed without it"));
    }
    // the value expressions of the levels so far, under their output names
    let mut keys: Vec<NamedExpr> = Vec::new();
    let mut kept: Option<BoundTabular> = None;
    for level in levels {
        let count = level
            .count
            .as_ref()
            .map(|n| constant_count(b, n, &input.columns, "top-nested"))
            .transpose()?;
        let mut by = keys.clone();
        by.push(level.of.clone());
        let value_name = level_value_name(b, &input, &by)?;
        let aggregate_name = match level.by.names.first() {
            Some(n) => n.name.clone(),
            None => format!("aggregated_{value_name}"),
        };
        let aggregate = NamedExpr {
            names: vec![Ident {
                name: aggregate_name.clone(),
                span: level.by.span,
            }],
            ..level.by.clone()
        };
        *by.last_mut().expect("pushed above") = NamedExpr {
            names: vec![Ident {
                name: value_name.clone(),
                span: level.of.span,
            }],
            ..level.of.clone()
        };
        let grouped = summarize::bind(b, input.clone(), &[aggregate], &by)?;
        let aggregate_ty = grouped
            .column(&aggregate_name)
            .map(|c| c.ty)
            .ok_or_else(|| Diagnostic::internal("bind", "top-nested aggregate column"))?;
        if aggregate_ty == KqlType::Dynamic {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                level.by.span,
                "top-nested orders by its aggregation, which cannot be dynamic",
            ));
        }
        let parent_keys: Vec<String> = keys.iter().map(|k| k.names[0].name.clone()).collect();
        let candidates = match kept.take() {
            None => grouped,
            Some(parent) => {
                join_parent(parent, grouped, &parent_keys, &value_name, &aggregate_name)
            }
        };
        let order = vec![SortExpr::new(
            column_expr(&aggregate_name),
            level.ascending,
            level.ascending,
        )];
        let partition: Vec<Expr> = parent_keys.iter().map(|k| column_expr(k)).collect();
        let columns = candidates.columns.clone();
        let top = match count {
            None => candidates,
            Some(count) => BoundTabular {
                op: BoundOp::TopPerGroup {
                    input: Box::new(candidates),
                    partition,
                    order,
                    count,
                },
                columns,
            },
        };
        kept = Some(top);
        keys = by;
    }
    kept.ok_or_else(|| Diagnostic::at(Code::BadArgument, span, "top-nested needs a level"))
}

/// The output name of the newest level's value: as written, or as a
/// `summarize by` would name it.
fn level_value_name(
    b: &mut Binder,
    input: &BoundTabular,
    by: &[NamedExpr],
) -> Result<String, Diagnostic> {
    let last = by.last().expect("a level");
    if let Some(n) = last.names.first() {
        return Ok(n.name.clone());
    }
    // bind the keys alone (no aggregate) to see the name summarize gives
    let probe = summarize::bind(b, input.clone(), &[], by)?;
    probe
        .columns
        .get(by.len() - 1)
        .map(|c| c.name.clone())
        .ok_or_else(|| Diagnostic::internal("bind", "top-nested value column"))
}

/// The groups of this level under the parent rows kept: joined on the
/// parent's value columns, a null matching a null.
fn join_parent(
    parent: BoundTabular,
    grouped: BoundTabular,
    parent_keys: &[String],
    value: &str,
    aggregate: &str,
) -> BoundTabular {
    let mut keys: Vec<(Expr, Expr)> = Vec::new();
    for k in parent_keys {
        let ty = parent.column(k).map_or(KqlType::String, |c| c.ty);
        let (l, r) = (column_expr(k), column_expr(k));
        match non_null_of(ty) {
            Some(fill) => {
                keys.push((
                    coalesce(vec![l.clone(), fill.clone()]),
                    coalesce(vec![r.clone(), fill]),
                ));
                keys.push((l.is_null(), r.is_null()));
            }
            None => keys.push((l, r)),
        }
    }
    let mut columns = parent.columns.clone();
    let mut outputs: Vec<(JoinSide, String)> = parent
        .columns
        .iter()
        .map(|c| (JoinSide::Left, c.name.clone()))
        .collect();
    for name in [value, aggregate] {
        if let Some(c) = grouped.column(name) {
            columns.push(c.clone());
            outputs.push((JoinSide::Right, name.to_string()));
        }
    }
    BoundTabular {
        op: BoundOp::Join {
            left: Box::new(parent),
            right: Box::new(grouped),
            kind: JoinKind::Inner,
            keys,
            outputs,
        },
        columns,
    }
}

/// A non-null value of `ty` to stand for null in a join key (the key's
/// is-null flag is a second key), or `None` when `ty`'s values are never
/// null (string) or no such value is at hand.
fn non_null_of(ty: KqlType) -> Option<Expr> {
    if ty == KqlType::String {
        return None;
    }
    let dt = arrow_type(ty);
    if matches!(dt, datafusion::arrow::datatypes::DataType::Utf8) {
        return Some(lit(""));
    }
    ScalarValue::new_zero(&dt).ok().map(lit)
}
