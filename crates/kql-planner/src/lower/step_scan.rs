//! `BoundOp::StepScan` (the `scan` operator): the rows are numbered in
//! their serialized order (`__kql_serial_ord`), the window function
//! `kql_scan` runs the steps over each partition in that order and gives
//! every row the list of records it output, the list is unnested (a row
//! that output nothing disappears) and its fields become the declared
//! columns and the match id. The result is sorted back into the serialized
//! order, a row's records in the order the steps were tried.

use super::build::BuildExt;
use super::window::{SERIAL_ORD, by_serial_ord, numbered};
use super::{Required, column, columns_of, df_err, field_names, lower_node};
use crate::bound::BoundTabular;
use crate::catalog::Catalog;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlanBuilder, SortExpr};
use kql_functions::tabular::scan::{
    MATCH_ID_FIELD, ORDER_FIELD, ScanProgram, declared_field, scan_udwf,
};
use kql_syntax::Diagnostic;
use std::sync::Arc;

/// Each row's list of output records, then one record.
const OUT: &str = "__kql_scan_out";
/// A record's place among its row's records.
const SUB: &str = "__kql_scan_sub";

/// The parts of a `BoundOp::StepScan`.
pub(super) struct StepScanParts<'a> {
    pub input: &'a BoundTabular,
    pub order: &'a [SortExpr],
    pub partition: &'a [Expr],
    pub program: &'a Arc<ScanProgram>,
    pub match_id: Option<&'a str>,
}

pub(super) fn lower(
    t: &BoundTabular,
    p: StepScanParts,
    catalog: &dyn Catalog,
    required: Required,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let own: Vec<String> = p
        .program
        .declared
        .iter()
        .map(|d| d.field.name().clone())
        .chain(p.match_id.map(str::to_string))
        .collect();
    let needed = required.as_ref().map(|r| {
        let mut n: std::collections::HashSet<String> =
            r.iter().filter(|c| !own.contains(c)).cloned().collect();
        n.extend(p.program.inputs.iter().map(|f| f.name().clone()));
        n.extend(columns_of(
            p.partition.iter().chain(p.order.iter().map(|k| &k.expr)),
        ));
        n
    });
    let b = lower_node(p.input, catalog, needed)?;
    let names = field_names(&b);
    let b = numbered(b, &[], p.order, SERIAL_ORD)?;
    let args = p.program.inputs.iter().map(|f| column(f.name())).collect();
    let w = Expr::from(WindowFunction::new(scan_udwf(Arc::clone(p.program)), args))
        .partition_by(p.partition.to_vec())
        .order_by(by_serial_ord())
        .build()
        .map_err(df_err)?;
    let w_name = w.schema_name().to_string();
    let mut listed: Vec<Expr> = names.iter().map(|n| column(n)).collect();
    listed.push(column(SERIAL_ORD));
    listed.push(column(&w_name).alias(OUT));
    let b = b
        .window(vec![w])
        .map_err(df_err)?
        .select_exprs(listed)?
        .unnest_column(OUT)
        .map_err(df_err)?;
    let record = |field: &str| get_field(column(OUT), field);
    let mut fields: Vec<Expr> = names.iter().map(|n| column(n)).collect();
    for (i, d) in p.program.declared.iter().enumerate() {
        fields.push(record(&declared_field(i)).alias(d.field.name()));
    }
    if let Some(m) = p.match_id {
        fields.push(record(MATCH_ID_FIELD).alias(m));
    }
    fields.push(column(SERIAL_ORD));
    fields.push(record(ORDER_FIELD).alias(SUB));
    let keep = t
        .columns
        .iter()
        .filter(|c| names.contains(&c.name) || own.contains(&c.name))
        .map(|c| column(&c.name));
    let mut order = by_serial_ord();
    order.push(column(SUB).sort(true, false));
    b.select_exprs(fields)?
        .sort(order)
        .map_err(df_err)?
        .select_exprs(keep)
}
