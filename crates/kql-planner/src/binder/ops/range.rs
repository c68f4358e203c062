//! `range x from a to b step s`: a column of values from a to b inclusive.

use super::super::operators::type_error;
use super::Binder;
use crate::bound::{BoundColumn, BoundOp, BoundTabular};
use crate::types::{KqlType, numeric_common};
use kql_syntax::ast::{Expr, Ident};
use kql_syntax::{Diagnostic, Span};

pub(crate) fn bind(
    b: &mut Binder,
    column: &Ident,
    from: &Expr,
    to: &Expr,
    step: &Expr,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let f = b.bind_scalar(from, &[])?;
    let t = b.bind_scalar(to, &[])?;
    let s = b.bind_scalar(step, &[])?;
    let ty = match (f.ty, t.ty, s.ty) {
        (KqlType::DateTime, KqlType::DateTime, KqlType::TimeSpan) => KqlType::DateTime,
        (KqlType::TimeSpan, KqlType::TimeSpan, KqlType::TimeSpan) => KqlType::TimeSpan,
        (a, c, d) => match numeric_common(a, c).and_then(|x| numeric_common(x, d)) {
            Some(KqlType::Int) | Some(KqlType::Long) => KqlType::Long,
            Some(KqlType::Real) => KqlType::Real,
            _ => {
                return Err(type_error(
                    span,
                    &format!(
                        "range needs numbers, or datetimes with a timespan step; got {}, {}, {}",
                        a.as_str(),
                        c.as_str(),
                        d.as_str()
                    ),
                ));
            }
        },
    };
    Ok(BoundTabular {
        op: BoundOp::Range {
            from: f,
            to: t,
            step: s,
        },
        columns: vec![BoundColumn::new(column.name.clone(), ty)],
    })
}
