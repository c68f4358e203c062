//! `where` / `filter`: keep the rows where the predicate is true (null counts
//! as false).

use super::super::fold;
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
    let scope = input.columns.clone();
    bind_in_scope(b, input, predicate, &scope)
}

/// `where` whose predicate sees only the columns of `scope` (a subset of
/// the input's).
pub(crate) fn bind_in_scope(
    b: &mut Binder,
    input: BoundTabular,
    predicate: &Expr,
    scope: &[crate::bound::BoundColumn],
) -> Result<BoundTabular, Diagnostic> {
    let p = b.bind_scalar(predicate, scope)?;
    let p = expect_bool(p, predicate.span, "the `where` predicate")?;
    let columns = input.columns.clone();
    let predicate = match fold::decide(p) {
        fold::Decided::Always => return Ok(input),
        fold::Decided::Never => {
            return Ok(BoundTabular {
                op: BoundOp::Values { rows: Vec::new() },
                columns,
            });
        }
        fold::Decided::Depends(p) => p,
    };
    Ok(BoundTabular {
        op: BoundOp::Filter {
            input: Box::new(input),
            predicate,
        },
        columns,
    })
}
