//! `take N` / `limit N`: any N rows.

use super::Binder;
use crate::bound::{BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use kql_syntax::ast::{Expr, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic};

/// A non-negative constant row count (a literal or a `let` constant). It is
/// bound over the input's columns (`row`) so that naming a column is reported
/// as "not a constant" rather than as an unknown name.
pub(crate) fn constant_count(
    b: &mut Binder,
    n: &Expr,
    row: &[BoundColumn],
    what: &str,
) -> Result<usize, Diagnostic> {
    let v = b.bind_scalar(n, row)?;
    let value = match (&n.kind, &v.literal) {
        (_, Some(Literal::Long(i))) => Some(*i),
        (_, Some(Literal::Int(i))) => Some(i64::from(*i)),
        (ExprKind::Literal(Literal::Long(i)), _) => Some(*i),
        // a constant expression, e.g. a function's parameter given a literal
        _ if matches!(v.ty, KqlType::Int | KqlType::Long) => {
            match super::super::eager::constant_in_place(&v) {
                Some(ScalarValue::Int64(Some(i))) => Some(i),
                Some(ScalarValue::Int32(Some(i))) => Some(i64::from(i)),
                _ => None,
            }
        }
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
        )
        .with_hint(format!(
            "write a number (`{what} 10`) or a `let` constant defined before the query"
        ))),
    }
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    n: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    let count = constant_count(b, n, &input.columns, "take")?;
    let columns = input.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Limit {
            input: Box::new(input),
            count,
        },
        columns,
    })
}
