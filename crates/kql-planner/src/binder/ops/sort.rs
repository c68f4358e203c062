//! `sort by` / `order by` and `top N by`.
//!
//! Kusto's defaults: descending; nulls last when descending, first when
//! ascending, unless `nulls first|last` says otherwise.

use super::Binder;
use super::take::constant_count;
use crate::bound::{BoundOp, BoundTabular};
use datafusion::logical_expr::SortExpr;
use kql_syntax::Diagnostic;
use kql_syntax::ast::{Expr, NullsOrder, SortKey, SortOrder};

fn sort_expr(b: &mut Binder, input: &BoundTabular, key: &SortKey) -> Result<SortExpr, Diagnostic> {
    let v = b.bind_scalar(&key.expr, &input.columns)?;
    let asc = key.order == Some(SortOrder::Asc);
    let nulls_first = match key.nulls {
        Some(NullsOrder::First) => true,
        Some(NullsOrder::Last) => false,
        None => asc,
    };
    Ok(SortExpr::new(v.expr, asc, nulls_first))
}

pub(crate) fn bind_sort(
    b: &mut Binder,
    input: BoundTabular,
    keys: &[SortKey],
) -> Result<BoundTabular, Diagnostic> {
    let keys = keys
        .iter()
        .map(|k| sort_expr(b, &input, k))
        .collect::<Result<Vec<_>, _>>()?;
    let columns = input.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Sort {
            input: Box::new(input),
            keys,
        },
        columns,
    })
}

pub(crate) fn bind_top(
    b: &mut Binder,
    input: BoundTabular,
    count: &Expr,
    by: &SortKey,
) -> Result<BoundTabular, Diagnostic> {
    let n = constant_count(b, count, &input.columns, "top")?;
    let sorted = bind_sort(b, input, std::slice::from_ref(by))?;
    let columns = sorted.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Limit {
            input: Box::new(sorted),
            count: n,
        },
        columns,
    })
}
