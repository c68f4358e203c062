//! Operators built on `row_number()`: the first N rows of each group
//! (`TopPerGroup`) and numbering the rows (`RowNumber`).

use super::build::BuildExt;
use super::{Required, column, df_err, field_names, lower_node};
use crate::bound::BoundTabular;
use crate::catalog::Catalog;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlanBuilder, SortExpr, lit};
use kql_syntax::Diagnostic;

/// The row number in serialized order that row windows and `scan` order by
/// (not `aggregate.rs`'s `__kql_ord`, which may number the rows of this sort
/// again for an order-keeping `make_list`).
pub(super) const SERIAL_ORD: &str = "__kql_serial_ord";

/// Ascending by [`SERIAL_ORD`].
pub(super) fn by_serial_ord() -> Vec<SortExpr> {
    vec![column(SERIAL_ORD).sort(true, false)]
}

/// Add `row_number() over (partition by .. order by ..)` as the column `name`.
pub(super) fn numbered(
    b: LogicalPlanBuilder,
    partition: &[Expr],
    order: &[SortExpr],
    name: &str,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let rn = match (partition.is_empty(), order.is_empty()) {
        (true, true) => row_number(),
        (false, true) => row_number()
            .partition_by(partition.to_vec())
            .build()
            .map_err(df_err)?,
        (true, false) => row_number()
            .order_by(order.to_vec())
            .build()
            .map_err(df_err)?,
        (false, false) => row_number()
            .partition_by(partition.to_vec())
            .order_by(order.to_vec())
            .build()
            .map_err(df_err)?,
    };
    let window_column = column(&rn.schema_name().to_string());
    let mut exprs: Vec<Expr> = field_names(&b).iter().map(|n| column(n)).collect();
    exprs.push(window_column.alias(name));
    b.window(vec![rn]).map_err(df_err)?.select_exprs(exprs)
}

pub(super) fn lower_top_per_group(
    input: &BoundTabular,
    partition: &[Expr],
    order: &[SortExpr],
    count: usize,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let needed = super::plus(
        &required,
        partition
            .iter()
            .chain(order.iter().map(|s| &s.expr))
            .collect(),
    );
    let b = lower_node(input, catalog, needed)?;
    let names = field_names(&b);
    const RN: &str = "__kql_rank";
    let n = i64::try_from(count).unwrap_or(i64::MAX);
    numbered(b, partition, order, RN)?
        .keep(column(RN).lt_eq(lit(n)))?
        .select_exprs(names.iter().map(|c| column(c)))
}

pub(super) fn lower_row_number(
    t: &BoundTabular,
    input: &BoundTabular,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let name = &t.columns.last().expect("RowNumber adds a column").name;
    let needed = required.as_ref().map(|r| {
        let mut n = r.clone();
        n.remove(name);
        n
    });
    let b = lower_node(input, catalog, needed)?;
    numbered(b, &[], &[], name)
}
