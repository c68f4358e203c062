//! `evaluate rows_near(Condition, NumRows [, RowsAfter])`
//! (rows-near-plugin.md): the rows of a serialized (sorted) table that are
//! at most `NumRows` rows before or `RowsAfter` (default `NumRows`) rows
//! after a row where `Condition` is true, in the input's order; a null
//! condition is false.
//!
//! The input is computed once, while binding, with the condition as one
//! more column; the kept rows are held in memory and scanned.

use super::super::super::eager;
use super::super::super::operators::expect_bool;
use super::super::passthrough;
use super::{Plugin, plugin_args};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn, BoundTabular};
use crate::catalog::MemoryTable;
use crate::types::KqlType;
use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::lit;
use kql_syntax::ast::{self, Literal};
use kql_syntax::{Code, Diagnostic};

const COND: &str = "__kql_rows_near";

fn count_arg(b: &mut Binder, e: &ast::Expr, what: &str) -> Result<usize, Diagnostic> {
    let v = b.bind_scalar(e, &[])?;
    let v = eager::fold_if_constant(b, v, e.span)?;
    let n = match v.literal {
        Some(Literal::Int(n)) => i64::from(n),
        Some(Literal::Long(n)) => n,
        _ => -1,
    };
    usize::try_from(n).map_err(|_| {
        Diagnostic::at(
            Code::BadArgument,
            e.span,
            format!("rows_near()'s {what} must be a constant integer, 0 or more"),
        )
    })
}

pub(super) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = plugin_args(plugin, &["Condition", "NumRows", "RowsAfter"])?;
    let (Some(cond_e), Some(n_e)) = (args[0], args[1]) else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            "rows_near() needs a condition and a number of rows",
        ));
    };
    let cond = b.bind_scalar(cond_e, &input.columns)?;
    let cond = expect_bool(cond, cond_e.span, "rows_near()'s condition")?;
    let before = count_arg(b, n_e, "NumRows")?;
    let after = match args[2] {
        Some(e) => count_arg(b, e, "RowsAfter")?,
        None => before,
    };
    if !b.catalog.can_evaluate() {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            plugin.call.name.span,
            "rows_near() needs data: it is computed while binding",
        )
        .with_hint("run the query with `kql run` against an archive"));
    }
    let mut items = passthrough(&input.columns);
    items.push((
        COND.to_string(),
        BExpr::new(coalesce(vec![cond.expr, lit(false)]), KqlType::Bool),
    ));
    let with_cond = super::super::project_node(input.clone(), items);
    let batches = eager::evaluate_tabular(b, &with_cond, plugin.span)?;
    let hits: Vec<bool> = batches
        .iter()
        .flat_map(|batch| {
            let c = batch.column(batch.num_columns() - 1).as_boolean().clone();
            (0..c.len())
                .map(move |i| c.is_valid(i) && c.value(i))
                .collect::<Vec<_>>()
        })
        .collect();
    let keep = near(&hits, before, after);
    let mut kept = Vec::new();
    let mut offset = 0;
    for batch in &batches {
        let n = batch.num_rows();
        let mask = BooleanArray::from(keep[offset..offset + n].to_vec());
        offset += n;
        let filtered =
            filter_record_batch(batch, &mask).map_err(|e| Diagnostic::internal("bind", e))?;
        let cols: Vec<usize> = (0..filtered.num_columns() - 1).collect();
        let projected: RecordBatch = filtered
            .project(&cols)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        kept.push(projected);
    }
    let columns: Vec<BoundColumn> = input.columns.clone();
    let name = b.catalog.register_memory(
        MemoryTable {
            columns: columns.clone(),
            batches: kept,
        },
        plugin.span,
    )?;
    b.memory_tables.insert(name.clone());
    Ok(super::super::scan(&name, columns))
}

/// Which rows are within `before` rows before or `after` rows after a hit.
fn near(hits: &[bool], before: usize, after: usize) -> Vec<bool> {
    let n = hits.len();
    let mut keep = vec![false; n];
    // the distance to the next hit at or after i, and since the last one
    let mut last: Option<usize> = None;
    for i in 0..n {
        if hits[i] {
            last = Some(i);
        }
        if last.is_some_and(|l| i - l <= after) {
            keep[i] = true;
        }
    }
    let mut next: Option<usize> = None;
    for i in (0..n).rev() {
        if hits[i] {
            next = Some(i);
        }
        if next.is_some_and(|h| h - i <= before) {
            keep[i] = true;
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::near;

    #[test]
    fn rows_around_hits() {
        let hits = [false, false, false, true, false, false, false];
        assert_eq!(
            near(&hits, 2, 1),
            vec![false, true, true, true, true, false, false]
        );
        assert_eq!(near(&hits, 0, 0), hits.to_vec());
        assert_eq!(near(&[], 3, 3), Vec::<bool>::new());
        assert_eq!(near(&[true, false, true], 0, 5), vec![true, true, true]);
    }
}
