//! `take N` / `limit N`: any N rows.

use super::Binder;
use crate::bound::{BoundOp, BoundTabular};
use kql_syntax::ast::{Expr, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic};

/// A non-negative constant row count (a literal or a `let` constant).
pub(crate) fn constant_count(b: &mut Binder, n: &Expr, what: &str) -> Result<usize, Diagnostic> {
    let v = b.bind_scalar(n, &[])?;
    let value = match (&n.kind, &v.literal) {
        (_, Some(Literal::Long(i))) => Some(*i),
        (_, Some(Literal::Int(i))) => Some(i64::from(*i)),
        (ExprKind::Literal(Literal::Long(i)), _) => Some(*i),
        _ => None,
    };
    match value {
        Some(i) if i >= 0 => Ok(usize::try_from(i).unwrap_or(usize::MAX)),
        Some(_) => Err(Diagnostic::at(
            Code::BadArgument,
            n.span,
            format!("the row count of `{what}` cannot be negative"),
        )),
        None => Err(Diagnostic::at(
            Code::NotConstant,
            n.span,
            format!("the row count of `{what}` must be a constant integer"),
        )),
    }
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    n: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    let count = constant_count(b, n, "take")?;
    let columns = input.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Limit {
            input: Box::new(input),
            count,
        },
        columns,
    })
}
