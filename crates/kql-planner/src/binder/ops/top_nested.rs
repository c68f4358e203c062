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
//! `with others = C` on a level adds, under each group of the levels
//! before it, one row for the rows whose value did not make its top N:
//! value `C`, aggregation over those rows. Below such a row nothing is
//! ranked again: each deeper level shows its own `with others` value and
//! the aggregation over all those rows, or empty value and aggregation when
//! it has none. The rows that miss a level's top N under a level without
//! `with others` still reach a deeper level that has one (the documentation's
//! `KANSAS | | | All Other End Locations` row); when no level at or below
//! has `with others`, they are dropped.
//!
//! Implementation: each input row is marked level by level: at level i
//! the rows still on a kept path are grouped by the kept values above and
//! their own value, the first N_i groups in A_i order kept, and a row keeps
//! its value (`m_i`) when its group was kept, else it is "other" from
//! there on (`o_i`). The output is one row per distinct marked path, each
//! level's aggregation computed over the rows that share the path up to
//! that level (null-safe keys: a null value is a group of its own).

use super::super::expr::{column_expr, null_of};
use super::take::constant_count;
use super::{Binder, project, summarize};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular, JoinKind, JoinSide};
use crate::types::{KqlType, arrow_type};
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, SortExpr, lit, when};
use kql_syntax::ast::{self, ExprKind, Ident, NamedExpr, TopNestedLevel};
use kql_syntax::{Code, Diagnostic, Span};
use std::ops::Not;

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    levels: &[TopNestedLevel],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if levels.is_empty() {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            "top-nested needs a level",
        ));
    }
    let plans = plan_levels(b, &input, levels)?;
    // the input with each level's value as `__tn_v<i>`
    let values: Vec<NamedExpr> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| named(&value_col(i), l.of.expr.clone(), l.of.span))
        .collect();
    let mut marked = project::bind_extend(b, input, &values)?;
    for (i, plan) in plans.iter().enumerate() {
        marked = mark_level(b, marked, i, plan)?;
    }
    output(b, marked, &plans)
}

/// What one level needs once its names and constants are known.
struct LevelPlan {
    level: TopNestedLevel,
    value_name: String,
    aggregate_name: String,
    value_ty: KqlType,
    aggregate_ty: KqlType,
    count: Option<usize>,
    others: Option<BExpr>,
}

fn value_col(i: usize) -> String {
    format!("__tn_v{i}")
}
fn mark_col(i: usize) -> String {
    format!("__tn_m{i}")
}
fn other_col(i: usize) -> String {
    format!("__tn_o{i}")
}
fn aggregate_col(i: usize) -> String {
    format!("__tn_a{i}")
}

fn named(name: &str, expr: ast::Expr, span: Span) -> NamedExpr {
    NamedExpr {
        names: vec![Ident {
            name: name.to_string(),
            span,
        }],
        expr,
        span,
    }
}

fn name_ref(name: &str, span: Span) -> NamedExpr {
    let expr = ast::Expr {
        kind: ExprKind::Name(Ident {
            name: name.to_string(),
            span,
        }),
        span,
    };
    named(name, expr, span)
}

/// Each level's output names, types, count and `with others` value.
fn plan_levels(
    b: &mut Binder,
    input: &BoundTabular,
    levels: &[TopNestedLevel],
) -> Result<Vec<LevelPlan>, Diagnostic> {
    let mut plans = Vec::new();
    let mut by: Vec<NamedExpr> = Vec::new();
    for level in levels {
        let count = level
            .count
            .as_ref()
            .map(|n| constant_count(b, n, &input.columns, "top-nested"))
            .transpose()?;
        by.push(level.of.clone());
        let value_name = level_value_name(b, input, &by)?;
        *by.last_mut().expect("pushed above") =
            named(&value_name, level.of.expr.clone(), level.of.span);
        let aggregate_name = match level.by.names.first() {
            Some(n) => n.name.clone(),
            None => format!("aggregated_{value_name}"),
        };
        let aggregate = named(&aggregate_name, level.by.expr.clone(), level.by.span);
        // bind-time only: the types of the value and the aggregation
        let probe = summarize::bind(b, input.clone(), &[aggregate], &by)?;
        let ty_of = |n: &str| {
            probe
                .column(n)
                .map(|c| c.ty)
                .ok_or_else(|| Diagnostic::internal("bind", "top-nested column"))
        };
        let (value_ty, aggregate_ty) = (ty_of(&value_name)?, ty_of(&aggregate_name)?);
        if aggregate_ty == KqlType::Dynamic {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                level.by.span,
                "top-nested orders by its aggregation, which cannot be dynamic",
            ));
        }
        let others = level
            .others
            .as_ref()
            .map(|o| others_value(b, o, value_ty))
            .transpose()?;
        plans.push(LevelPlan {
            level: level.clone(),
            value_name,
            aggregate_name,
            value_ty,
            aggregate_ty,
            count,
            others,
        });
    }
    Ok(plans)
}

/// `with others = C`: a constant of the level's value type.
fn others_value(b: &mut Binder, e: &ast::Expr, ty: KqlType) -> Result<BExpr, Diagnostic> {
    let v = b.bind_scalar(e, &[])?;
    if v.ty != ty {
        return Err(Diagnostic::at(
            Code::TypeMismatch,
            e.span,
            format!(
                "top-nested's `with others` value is a {}, but the level's values are {}",
                v.ty.as_str(),
                ty.as_str()
            ),
        ));
    }
    Ok(v)
}

/// `marked` with `__tn_m<i>` (the row's value when its group made level
/// i's top N under a kept path, else null) and `__tn_o<i>` (it did not).
fn mark_level(
    b: &mut Binder,
    marked: BoundTabular,
    i: usize,
    plan: &LevelPlan,
) -> Result<BoundTabular, Diagnostic> {
    let span = plan.level.span;
    let live = |t: &BoundTabular| -> BoundTabular {
        if i == 0 {
            return t.clone();
        }
        let columns = t.columns.clone();
        BoundTabular {
            op: BoundOp::Filter {
                input: Box::new(t.clone()),
                predicate: BExpr::new(column_expr(&other_col(i - 1)).not(), KqlType::Bool),
            },
            columns,
        }
    };
    let mut by: Vec<NamedExpr> = (0..i).map(|j| name_ref(&mark_col(j), span)).collect();
    by.push(name_ref(&value_col(i), span));
    let aggregate = named(
        &aggregate_col(i),
        plan.level.by.expr.clone(),
        plan.level.by.span,
    );
    let grouped = summarize::bind(b, live(&marked), &[aggregate], &by)?;
    let kept = match plan.count {
        None => grouped,
        Some(count) => {
            let columns = grouped.columns.clone();
            BoundTabular {
                op: BoundOp::TopPerGroup {
                    input: Box::new(grouped),
                    partition: (0..i).map(|j| column_expr(&mark_col(j))).collect(),
                    order: vec![SortExpr::new(
                        column_expr(&aggregate_col(i)),
                        plan.level.ascending,
                        plan.level.ascending,
                    )],
                    count,
                },
                columns,
            }
        }
    };
    // Join the kept groups back to the rows on a kept path: a hit keeps
    // its value.
    let key_names: Vec<String> = by.iter().map(|n| n.names[0].name.clone()).collect();
    let mut hits: Vec<(String, BExpr)> = key_names
        .iter()
        .map(|n| {
            let ty = kept.column(n).map_or(KqlType::String, |c| c.ty);
            (n.clone(), BExpr::new(column_expr(n), ty))
        })
        .collect();
    hits.push(("__tn_hit".into(), BExpr::new(lit(true), KqlType::Bool)));
    let kept = super::project_node(kept, hits);
    let mut keys = null_safe_keys(&marked, &key_names);
    if i > 0 {
        // rows already "other" never match
        keys.push((column_expr(&other_col(i - 1)), lit(false)));
    }
    let hit_column = BoundColumn::new("__tn_hit".to_string(), KqlType::Bool);
    let joined = join_one_column(marked, kept, JoinKind::LeftOuter, keys, hit_column);
    let hit = column_expr("__tn_hit").is_not_null();
    let mut items: Vec<(String, BExpr)> = joined
        .columns
        .iter()
        .filter(|c| c.name != "__tn_hit")
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .collect();
    items.push((
        mark_col(i),
        BExpr::new(
            when(hit.clone(), column_expr(&value_col(i)))
                .otherwise(null_of(plan.value_ty).expr)
                .expect("a case with a branch"),
            plan.value_ty,
        ),
    ));
    items.push((other_col(i), BExpr::new(hit.not(), KqlType::Bool)));
    Ok(super::project_node(joined, items))
}

/// The output: one row per distinct marked path, each level's value and
/// aggregation.
fn output(
    b: &mut Binder,
    marked: BoundTabular,
    plans: &[LevelPlan],
) -> Result<BoundTabular, Diagnostic> {
    let span = plans[0].level.span;
    let n = plans.len();
    let path = |upto: usize| -> Vec<NamedExpr> {
        (0..upto)
            .flat_map(|j| [name_ref(&mark_col(j), span), name_ref(&other_col(j), span)])
            .collect()
    };
    let mut rows = summarize::bind(b, marked.clone(), &[], &path(n))?;
    for (i, plan) in plans.iter().enumerate() {
        let aggregate = named(
            &aggregate_col(i),
            plan.level.by.expr.clone(),
            plan.level.by.span,
        );
        let level = summarize::bind(b, marked.clone(), &[aggregate], &path(i + 1))?;
        let key_names: Vec<String> = path(i + 1)
            .iter()
            .map(|p| p.names[0].name.clone())
            .collect();
        let keys = null_safe_keys(&rows, &key_names);
        let column = BoundColumn::new(aggregate_col(i), plan.aggregate_ty);
        rows = join_one_column(rows, level, JoinKind::Inner, keys, column);
    }
    // A path that turned "other" at a level with no `with others` at or
    // below it is dropped: keep it when it never turned, or had turned by
    // the last level that has `with others`.
    let last_others = plans.iter().rposition(|p| p.others.is_some());
    let mut keep = column_expr(&other_col(n - 1)).not();
    if let Some(d) = last_others {
        keep = keep.or(column_expr(&other_col(d)));
    }
    let columns = rows.columns.clone();
    let rows = BoundTabular {
        op: BoundOp::Filter {
            input: Box::new(rows),
            predicate: BExpr::new(keep, KqlType::Bool),
        },
        columns,
    };
    let mut items = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let other = column_expr(&other_col(i));
        let (value, aggregate) = match &plan.others {
            Some(c) => (c.expr.clone(), column_expr(&aggregate_col(i))),
            None => (null_of(plan.value_ty).expr, null_of(plan.aggregate_ty).expr),
        };
        let value = when(other.clone(), value)
            .otherwise(column_expr(&mark_col(i)))
            .expect("a case with a branch");
        let aggregate = when(other, aggregate)
            .otherwise(column_expr(&aggregate_col(i)))
            .expect("a case with a branch");
        items.push((plan.value_name.clone(), BExpr::new(value, plan.value_ty)));
        items.push((
            plan.aggregate_name.clone(),
            BExpr::new(aggregate, plan.aggregate_ty),
        ));
    }
    Ok(super::project_node(rows, items))
}

/// `left` joined to `right` on `keys`: every column of `left` and
/// `right`'s `column`.
fn join_one_column(
    left: BoundTabular,
    right: BoundTabular,
    kind: JoinKind,
    keys: Vec<(Expr, Expr)>,
    column: BoundColumn,
) -> BoundTabular {
    let mut outputs: Vec<(JoinSide, String)> = left
        .columns
        .iter()
        .map(|c| (JoinSide::Left, c.name.clone()))
        .collect();
    outputs.push((JoinSide::Right, column.name.clone()));
    let mut columns = left.columns.clone();
    columns.push(column);
    BoundTabular {
        op: BoundOp::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            keys,
            outputs,
        },
        columns,
    }
}

/// Join keys over `names` that match a null with a null (a value's
/// is-null flag is a second key).
fn null_safe_keys(side: &BoundTabular, names: &[String]) -> Vec<(Expr, Expr)> {
    let mut keys = Vec::new();
    for k in names {
        let ty = side.column(k).map_or(KqlType::String, |c| c.ty);
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
    keys
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
