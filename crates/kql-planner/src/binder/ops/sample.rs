//! `sample N` (sample-operator.md) and `sample-distinct N of Column`
//! (sample-distinct-operator.md).
//!
//! `sample` returns up to N rows drawn at random, uniformly: the rows are
//! ordered by a fresh `kql_rand()` per row and the first N kept (DataFusion
//! runs that as a top-N, keeping N rows in memory). `sample-distinct`
//! returns one column, up to N distinct values of the column, drawn the
//! same way from the distinct values (Kusto's may be biased; ours is not).

use super::super::expr::column_expr;
use super::take::constant_count;
use super::{Binder, distinct, passthrough, project_node};
use crate::bound::{BExpr, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::logical_expr::SortExpr;
use kql_syntax::ast::{Expr, ExprKind};
use kql_syntax::{Code, Diagnostic};

/// The hidden random sort key.
const KEY: &str = "__kql_sample_key";

/// `input` in random order, its first `count` rows. The random key is a
/// column of its own (a sort by a bare `kql_rand()` over rows whose columns
/// are all pruned away fails in DataFusion).
fn random_rows(input: BoundTabular, count: usize) -> BoundTabular {
    let columns = input.columns.clone();
    let mut items = passthrough(&columns);
    items.push((
        KEY.to_string(),
        BExpr::new(kql_functions::random::rand_expr(None), KqlType::Real),
    ));
    let keyed = project_node(input, items);
    let keyed_columns = keyed.columns.clone();
    let shuffled = BoundTabular {
        op: BoundOp::Sort {
            input: Box::new(keyed),
            keys: vec![SortExpr::new(column_expr(KEY), true, false)],
        },
        columns: keyed_columns.clone(),
    };
    let limited = BoundTabular {
        op: BoundOp::Limit {
            input: Box::new(shuffled),
            count,
        },
        columns: keyed_columns,
    };
    project_node(limited, passthrough(&columns))
}

pub(crate) fn bind_sample(
    b: &mut Binder,
    input: BoundTabular,
    n: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    let count = constant_count(b, n, &input.columns, "sample")?;
    Ok(random_rows(input, count))
}

pub(crate) fn bind_sample_distinct(
    b: &mut Binder,
    input: BoundTabular,
    n: &Expr,
    column: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    let count = constant_count(b, n, &input.columns, "sample-distinct")?;
    if !matches!(column.kind, ExprKind::Name(_)) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            column.span,
            "sample-distinct takes a column name after `of`",
        ));
    }
    let values = distinct::bind(b, input, std::slice::from_ref(column))?;
    Ok(random_rows(values, count))
}
