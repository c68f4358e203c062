//! Lowering: bound IR → DataFusion `LogicalPlan`.
//!
//! The binder has already typed every expression and inserted the casts, so
//! lowering only assembles plan nodes. Two things happen here and nowhere
//! else: scans normalise what the Parquet files hold (a null string reads as
//! "", other columns cast to the canonical Arrow type of their KQL type), and
//! `where` predicates drop the two-valued null wrappers where null and false
//! mean the same, so DataFusion can push the bare comparison into the scan.

mod aggregate;
mod build;
mod fence;
pub use fence::inlined_size;
mod join;
mod merge;
mod row_window;
mod scan;
mod step_scan;
mod unnest;
mod window;

use crate::bound::{BExpr, BoundOp, BoundTabular};
use crate::catalog::Catalog;
use crate::types::{KqlType, arrow_type};
use build::BuildExt;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{BinaryExpr, Expr, LogicalPlan, LogicalPlanBuilder, Operator, cast};
use kql_syntax::{Code, Diagnostic};
use std::collections::HashSet;

pub(crate) fn df_err(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::internal("lowering", e)
}

pub(crate) fn column(name: &str) -> Expr {
    Expr::Column(Column::from_name(name))
}

/// The output column names of `b`, in order.
fn field_names(b: &LogicalPlanBuilder) -> Vec<String> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Lower a bound tabular expression to a logical plan whose output columns
/// are exactly `t.columns`, in order, with their canonical Arrow types.
pub fn lower(t: &BoundTabular, catalog: &dyn Catalog) -> Result<LogicalPlan, Diagnostic> {
    lower_node(t, catalog, None)?.build().map_err(df_err)
}

/// Lower the one-column table on the right of `x in (T)` to a subquery plan
/// whose single column has type `ty` (lower-cased for `in~`).
pub fn lower_subquery(
    t: &BoundTabular,
    catalog: &dyn Catalog,
    ty: KqlType,
    case_insensitive: bool,
) -> Result<LogicalPlan, Diagnostic> {
    let c = &t.columns[0];
    let v = crate::binder::cast_to(BExpr::new(column(&c.name), c.ty), ty);
    let mut e = v.expr;
    if case_insensitive {
        e = datafusion::functions::string::expr_fn::lower(e);
    }
    // A fresh name: reusing the column's own name for `lower(name)` makes
    // DataFusion's NOT IN decorrelation project two columns with one name.
    lower_node(t, catalog, None)?
        .select_exprs(vec![e.alias("__kql_in_value")])?
        .build()
        .map_err(df_err)
}

/// The input columns the operators above need; `None` means all of them.
type Required = Option<HashSet<String>>;

fn columns_of<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> HashSet<String> {
    let mut out = HashSet::new();
    for e in exprs {
        out.extend(e.column_refs().into_iter().map(|c| c.name.clone()));
    }
    out
}

/// `required` plus the columns of `exprs` (still `None` when all are needed).
fn plus(required: &Required, exprs: Vec<&Expr>) -> Required {
    required.as_ref().map(|r| {
        let mut all = r.clone();
        all.extend(columns_of(exprs));
        all
    })
}

/// Lower `t`; its output must hold at least the `required` columns (all of
/// them when `None`), so a scan normalises only what the plan uses.
fn lower_node(
    t: &BoundTabular,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    match &t.op {
        BoundOp::Scan { table } => scan::lower_scan(table, t, &[], catalog, required.as_ref()),
        BoundOp::Values { rows } => lower_values(t, rows),
        BoundOp::Range { from, to, step } => lower_range(t, from, to, step),
        BoundOp::Filter { .. } if scan::filters_over_scan(t).is_some() => {
            let (scan_node, predicates) = scan::filters_over_scan(t).expect("checked");
            let BoundOp::Scan { table } = &scan_node.op else {
                unreachable!("filters_over_scan returns a scan")
            };
            let needed = plus(&required, predicates.iter().map(|p| &p.expr).collect());
            scan::lower_scan(table, scan_node, &predicates, catalog, needed.as_ref())
        }
        BoundOp::Filter { input, predicate } => {
            lower_node(input, catalog, plus(&required, vec![&predicate.expr]))?
                .keep(strip_two_valued(predicate.expr.clone()))
        }
        BoundOp::Project { .. } if t.column(crate::bound::OPEN_SCHEMA_COLUMN).is_some() => {
            Err(Diagnostic::at(
                Code::NeedsData,
                kql_syntax::Span::default(),
                "bag_unpack() / pivot() without data: their output columns are known only from the data",
            )
            .with_hint("run the query against an archive"))
        }
        BoundOp::Project { input, exprs } => {
            // Only the outputs the operators above use: a parser's extends
            // re-project every column of a wide table, most of them unused.
            let mut kept: Vec<&BExpr> = exprs
                .iter()
                .zip(&t.columns)
                .filter(|(_, c)| required.as_ref().is_none_or(|r| r.contains(&c.name)))
                .map(|(e, _)| e)
                .collect();
            if kept.is_empty() {
                // keep one column, so the rows are still counted
                kept.extend(exprs.first());
            }
            let exprs = kept.iter().map(|e| e.expr.clone()).collect();
            let (base, exprs) = merge::through_projections(input, exprs);
            let exprs = fence::fence_large(base, exprs);
            let needed = Some(columns_of(exprs.iter()));
            lower_node(base, catalog, needed)?.select_exprs(exprs)
        }
        BoundOp::Aggregate {
            input,
            keys,
            aggregates,
        } => {
            let needed = Some(columns_of(keys.iter().chain(aggregates).map(|e| &e.expr)));
            aggregate::lower(lower_node(input, catalog, needed)?, keys, aggregates)
        }
        BoundOp::Sort { input, keys } => {
            let needed = plus(&required, keys.iter().map(|k| &k.expr).collect());
            lower_node(input, catalog, needed)?
                .sort(keys.clone())
                .map_err(df_err)
        }
        BoundOp::Limit { input, count } => lower_node(input, catalog, required)?
            .limit(0, Some(*count))
            .map_err(df_err),
        // distinct compares whole rows: every column counts
        BoundOp::Distinct { input } => lower_node(input, catalog, None)?.distinct().map_err(df_err),
        BoundOp::Union { inputs } => {
            // Every leg yields the same columns (those required, in the
            // union's order), so the legs line up by position.
            let mut names: Vec<&str> = t
                .columns
                .iter()
                .filter(|c| required.as_ref().is_none_or(|r| r.contains(&c.name)))
                .map(|c| c.name.as_str())
                .collect();
            if names.is_empty() {
                names.extend(t.columns.first().map(|c| c.name.as_str()));
            }
            let wanted: HashSet<String> = names.iter().map(|n| n.to_string()).collect();
            // Legs that can yield no row (a parser whose filter on its
            // parameters is never true) are left out; one stays for the schema.
            let live: Vec<&BoundTabular> = inputs
                .iter()
                .filter(|leg| !leg.is_statically_empty())
                .collect();
            let live = if live.is_empty() {
                inputs.iter().take(1).collect()
            } else {
                live
            };
            let mut legs = live.into_iter().map(|leg| {
                let b = lower_node(leg, catalog, Some(wanted.clone()))?;
                let same = b.schema().fields().len() == names.len()
                    && b.schema()
                        .fields()
                        .iter()
                        .zip(&names)
                        .all(|(f, n)| f.name() == n);
                if same {
                    Ok(b)
                } else {
                    b.select_exprs(names.iter().map(|n| column(n)))
                }
            });
            let mut b = legs
                .next()
                .ok_or_else(|| df_err("union without inputs"))??;
            for leg in legs {
                b = b.union(leg?.build().map_err(df_err)?).map_err(df_err)?;
            }
            Ok(b)
        }
        BoundOp::Parse {
            input,
            call,
            fields,
            matched_only,
        } => unnest::lower_parse(t, input, call, fields, *matched_only, catalog, required),
        BoundOp::Expand {
            input,
            lists,
            index,
            outputs,
        } => unnest::lower_expand(
            t,
            input,
            lists,
            index.as_deref(),
            outputs,
            catalog,
            required,
        ),
        BoundOp::Join {
            left,
            right,
            kind,
            keys,
            outputs,
        } => join::lower_join(
            t,
            join::JoinParts {
                left,
                right,
                kind: *kind,
                keys,
                outputs,
            },
            catalog,
            required,
        ),
        BoundOp::TopPerGroup {
            input,
            partition,
            order,
            count,
        } => window::lower_top_per_group(input, partition, order, *count, catalog, required),
        BoundOp::RowNumber { input } => window::lower_row_number(t, input, catalog, required),
        BoundOp::Window {
            input,
            order,
            windows,
        } => row_window::lower(t, input, order, windows, catalog, required),
        BoundOp::StepScan {
            input,
            order,
            partition,
            program,
            match_id,
        } => step_scan::lower(
            t,
            step_scan::StepScanParts {
                input,
                order,
                partition,
                program,
                match_id: match_id.as_deref(),
            },
            catalog,
            required,
        ),
    }
}

fn lower_values(t: &BoundTabular, rows: &[Vec<BExpr>]) -> Result<LogicalPlanBuilder, Diagnostic> {
    let typed = |e: &BExpr, ty: KqlType| -> Expr {
        let want = arrow_type(ty);
        match &e.expr {
            Expr::Literal(v, _) if v.data_type() == want => e.expr.clone(),
            _ => cast(e.expr.clone(), want),
        }
    };
    match rows {
        [] => {
            let exprs = t
                .columns
                .iter()
                .map(|c| {
                    let v = ScalarValue::try_from(&arrow_type(c.ty)).map_err(df_err)?;
                    Ok(Expr::Literal(v, None).alias(c.name.clone()))
                })
                .collect::<Result<Vec<_>, Diagnostic>>()?;
            LogicalPlanBuilder::empty(true)
                .select_exprs(exprs)?
                .limit(0, Some(0))
                .map_err(df_err)
        }
        [row] => LogicalPlanBuilder::empty(true).select_exprs(
            row.iter()
                .zip(&t.columns)
                .map(|(e, c)| typed(e, c.ty).alias(c.name.clone())),
        ),
        _ => {
            let values: Vec<Vec<Expr>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&t.columns)
                        .map(|(e, c)| typed(e, c.ty))
                        .collect()
                })
                .collect();
            let b = LogicalPlanBuilder::values(values).map_err(df_err)?;
            let names: Vec<String> = b
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            b.select_exprs(
                names
                    .iter()
                    .zip(&t.columns)
                    .map(|(n, c)| column(n).alias(c.name.clone())),
            )
        }
    }
}

fn lower_range(
    t: &BoundTabular,
    from: &BExpr,
    to: &BExpr,
    step: &BExpr,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let c = &t.columns[0];
    if c.ty == KqlType::Real {
        return Err(Diagnostic::new(
            Code::UnsupportedFeature,
            "`range` over real numbers is not supported yet; use long or datetime bounds",
        ));
    }
    let as_i64 = |e: &BExpr| cast(e.expr.clone(), DataType::Int64);
    let series =
        datafusion::functions_nested::expr_fn::gen_series(as_i64(from), as_i64(to), as_i64(step));
    LogicalPlanBuilder::empty(true)
        .select_exprs(vec![series.alias("__kql_range")])?
        .unnest_column("__kql_range")
        .map_err(df_err)?
        .select_exprs(vec![
            cast(column("__kql_range"), arrow_type(c.ty)).alias(c.name.clone()),
        ])
}

/// In a filter, null and false both drop the row, so at positive positions
/// (under `and`/`or`, not under `not`) `coalesce(p, false)` is just `p`, and
/// so is the binder's `CASE WHEN <both null> THEN NULL ELSE coalesce(p, false)
/// END` for `==` between two nullable values.
pub(crate) fn strip_two_valued(e: Expr) -> Expr {
    match e {
        Expr::Case(c)
            if c.expr.is_none()
                && c.when_then_expr.len() == 1
                && matches!(
                    c.when_then_expr[0].1.as_ref(),
                    Expr::Literal(ScalarValue::Boolean(None), _)
                )
                && c.else_expr.as_deref().is_some_and(is_coalesce_false) =>
        {
            strip_two_valued(*c.else_expr.expect("checked"))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or) =>
        {
            Expr::BinaryExpr(BinaryExpr {
                left: Box::new(strip_two_valued(*left)),
                op,
                right: Box::new(strip_two_valued(*right)),
            })
        }
        Expr::ScalarFunction(f) if is_coalesce_false(&Expr::ScalarFunction(f.clone())) => {
            strip_two_valued(f.args[0].clone())
        }
        other => other,
    }
}

/// `coalesce(p, false)`: the binder's two-valued wrapper.
fn is_coalesce_false(e: &Expr) -> bool {
    matches!(e, Expr::ScalarFunction(f)
    if f.func.name() == "coalesce"
        && f.args.len() == 2
        && matches!(
            &f.args[1],
            Expr::Literal(ScalarValue::Boolean(Some(false)), _)
        ))
}
