//! `where` / `filter`: keep the rows where the predicate is true (null counts
//! as false).

use super::super::operators::expect_bool;
use super::Binder;
use crate::bound::{BoundOp, BoundTabular};
use kql_syntax::Diagnostic;
use kql_syntax::ast::Expr;

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    predicate: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    let p = b.bind_scalar(predicate, &input.columns)?;
    let p = expect_bool(p, predicate.span, "the `where` predicate")?;
    let columns = input.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Filter {
            input: Box::new(input),
            predicate: p,
        },
        columns,
    })
}
