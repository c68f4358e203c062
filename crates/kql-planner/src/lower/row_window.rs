//! `BoundOp::Window`: a serialized row set and its row-window columns
//! (`row_number()`, `prev()`, `next()`, `row_cumsum()`, `row_rank_min()`,
//! `row_rank_dense()`).
//!
//! The rows are numbered once in their serialized order (`__kql_serial_ord`: by
//! the sort they come from when it is known, else in arrival order); every
//! window then orders by that number, so ties of the sort keys keep one
//! order throughout. A `restart` becomes a group number (the running count
//! of rows where it is true) that the window is partitioned by, after its
//! own partition columns (mv-apply's input row number). The output
//! is sorted by `__kql_serial_ord` again, so it keeps the serialized order.

use super::build::BuildExt;
use super::window::{SERIAL_ORD, by_serial_ord, numbered};
use super::{Required, column, columns_of, df_err, field_names, lower_node};
use crate::bound::{BoundTabular, WindowDef, WindowFunc};
use crate::catalog::Catalog;
use crate::types::arrow_type;
use datafusion::common::ScalarValue;
use datafusion::functions_aggregate::min_max::min_udaf;
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::functions_window::expr_fn::{lag, lead, row_number};
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, LogicalPlanBuilder, SortExpr, WindowFrame, WindowFrameBound,
    WindowFrameUnits, cast, lit, when,
};
use kql_functions::tabular::row_window::row_window_session_udwf;
use kql_syntax::Diagnostic;

/// ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
fn running() -> WindowFrame {
    WindowFrame::new_bounds(
        WindowFrameUnits::Rows,
        WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
        WindowFrameBound::CurrentRow,
    )
}

/// `expr` with `partition by .. order by` the serialized order and the running frame.
fn over(expr: Expr, partition: &[Expr]) -> Result<Expr, Diagnostic> {
    expr.partition_by(partition.to_vec())
        .order_by(by_serial_ord())
        .window_frame(running())
        .build()
        .map_err(df_err)
}

fn aggregate_window(
    udaf: std::sync::Arc<datafusion::logical_expr::AggregateUDF>,
    arg: Expr,
) -> Expr {
    Expr::from(WindowFunction::new(udaf, vec![arg]))
}

/// Add the window expression `w` as column `name` (`post` applied to it).
fn add(
    b: LogicalPlanBuilder,
    w: Expr,
    name: &str,
    post: impl FnOnce(Expr) -> Expr,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let names = field_names(&b);
    let wcol = column(&w.schema_name().to_string());
    let mut exprs: Vec<Expr> = names.iter().map(|n| column(n)).collect();
    exprs.push(post(wcol).alias(name));
    b.window(vec![w]).map_err(df_err)?.select_exprs(exprs)
}

/// 1 where `p` is true, else 0 (null counts as false).
fn one_if(p: Expr) -> Result<Expr, Diagnostic> {
    when(p, lit(1i64)).otherwise(lit(0i64)).map_err(df_err)
}

/// The running count of the rows where `restart` is true: a group number
/// that changes exactly at those rows.
fn group(
    b: LogicalPlanBuilder,
    restart: &Option<Expr>,
    name: &str,
) -> Result<(LogicalPlanBuilder, Vec<Expr>), Diagnostic> {
    let Some(r) = restart else {
        return Ok((b, Vec::new()));
    };
    let w = over(aggregate_window(sum_udaf(), one_if(r.clone())?), &[])?;
    Ok((add(b, w, name, |e| e)?, vec![column(name)]))
}

fn add_def(
    b: LogicalPlanBuilder,
    def: &WindowDef,
    ty: crate::types::KqlType,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let name = &def.name;
    let tmp = |s: &str| format!("{name}_{s}");
    let (b, restarts) = group(b, &def.restart, &tmp("group"))?;
    let mut partition = def.partition.clone();
    partition.extend(restarts);
    let want = arrow_type(ty);
    match &def.func {
        WindowFunc::RowNumber { start } => {
            let w = over(row_number(), &partition)?;
            let start = *start;
            add(b, w, name, |e| {
                cast(e, datafusion::arrow::datatypes::DataType::Int64) + lit(start - 1)
            })
        }
        WindowFunc::Shift {
            value,
            offset,
            default,
        } => {
            let f = if *offset >= 0 {
                lag(value.clone(), Some(*offset), Some(default.clone()))
            } else {
                lead(value.clone(), Some(-*offset), Some(default.clone()))
            };
            let w = f
                .partition_by(partition)
                .order_by(by_serial_ord())
                .build()
                .map_err(df_err)?;
            add(b, w, name, |e| cast(e, want))
        }
        WindowFunc::CumSum { value } => {
            let w = over(aggregate_window(sum_udaf(), value.clone()), &partition)?;
            add(b, w, name, |e| cast(e, want))
        }
        WindowFunc::Session {
            value,
            max_from_first,
            max_between,
        } => {
            // a restart starts a partition, and so a session
            let w = Expr::from(WindowFunction::new(
                row_window_session_udwf(),
                vec![value.clone(), max_from_first.clone(), max_between.clone()],
            ))
            .partition_by(partition)
            .order_by(by_serial_ord())
            .build()
            .map_err(df_err)?;
            add(b, w, name, |e| cast(e, want))
        }
        WindowFunc::RankMin { value } | WindowFunc::RankDense { value } => {
            // a run starts at the group's first row and where the value
            // differs from the row before
            let rn = tmp("rn");
            let w = over(row_number(), &partition)?;
            let b = add(b, w, &rn, |e| e)?;
            let before = tmp("before");
            let w = lag(value.clone(), Some(1), None)
                .partition_by(partition.clone())
                .order_by(by_serial_ord())
                .build()
                .map_err(df_err)?;
            let b = add(b, w, &before, |e| e)?;
            let starts = column(&rn)
                .eq(lit(1u64))
                .or(datafusion::logical_expr::binary_expr(
                    value.clone(),
                    datafusion::logical_expr::Operator::IsDistinctFrom,
                    column(&before),
                ));
            let new_run = one_if(starts)?;
            if matches!(def.func, WindowFunc::RankDense { .. }) {
                let w = over(aggregate_window(sum_udaf(), new_run), &partition)?;
                return add(b, w, name, |e| cast(e, want));
            }
            let run = tmp("run");
            let w = over(aggregate_window(sum_udaf(), new_run), &[])?;
            let b = add(b, w, &run, |e| e)?;
            let w = over(aggregate_window(min_udaf(), column(&rn)), &[column(&run)])?;
            add(b, w, name, |e| cast(e, want))
        }
    }
}

pub(super) fn lower(
    t: &BoundTabular,
    input: &BoundTabular,
    order: &[SortExpr],
    windows: &[WindowDef],
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let hidden: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
    let mut exprs: Vec<&Expr> = order.iter().map(|k| &k.expr).collect();
    for w in windows {
        exprs.extend(&w.restart);
        exprs.extend(&w.partition);
        match &w.func {
            WindowFunc::RowNumber { .. } => {}
            WindowFunc::Shift { value, .. }
            | WindowFunc::CumSum { value }
            | WindowFunc::RankMin { value }
            | WindowFunc::RankDense { value } => exprs.push(value),
            WindowFunc::Session {
                value,
                max_from_first,
                max_between,
            } => exprs.extend([value, max_from_first, max_between]),
        }
    }
    let needed = required.as_ref().map(|r| {
        let mut n = r.clone();
        n.extend(columns_of(exprs.iter().copied()));
        n.retain(|c| !hidden.contains(&c.as_str()));
        n
    });
    let mut b = lower_node(input, catalog, needed)?;
    let output = field_names(&b);
    if windows.is_empty() {
        return Ok(b);
    }
    b = numbered(b, &[], order, SERIAL_ORD)?;
    for w in windows {
        let ty = t
            .column(&w.name)
            .map(|c| c.ty)
            .ok_or_else(|| df_err(format!("window column {} has no type", w.name)))?;
        b = add_def(b, w, ty)?;
    }
    let mut keep: Vec<Expr> = output.iter().map(|n| column(n)).collect();
    keep.extend(windows.iter().map(|w| column(&w.name)));
    b.sort(by_serial_ord()).map_err(df_err)?.select_exprs(keep)
}
