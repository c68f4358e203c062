//! `partition [hint.strategy=...] by Column (TransformationSubQuery)`
//! (partition-operator.md): the subquery runs on the rows of each value of
//! `Column` and the results are unioned.
//!
//! Rules:
//! - Every strategy gives the same result (the documentation: the choice
//!   "doesn't change the end result"); the hints are accepted and ignored.
//! - The subquery's operators are bound per value of the column by
//!   mv-apply's per-group machinery (`summarize`, `count`, `distinct` group
//!   by it too; `take` / `top` keep N rows per value; `sort` orders within
//!   a value); operators that reach outside the partition are refused.
//! - A null value is a partition of its own.
//! - The legacy `{ subquery with its own source }` form, which reads the
//!   key as `toscalar(Column)`, is refused with a clear error.
//! - Not reproduced: the legacy strategy's error when the column has more
//!   than 64 distinct values; every partition is computed.

use super::Binder;
use super::mv_apply::bind_per_group;
use crate::bound::BoundTabular;
use kql_syntax::ast::{Expr, Ident, OpParam};
use kql_syntax::{Code, Diagnostic};

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    params: &[OpParam],
    column: &Ident,
    subquery: Option<&Expr>,
    source: Option<&Expr>,
) -> Result<BoundTabular, Diagnostic> {
    if let Some(p) = params.iter().find(|p| !p.name.name.starts_with("hint.")) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            p.span,
            format!("unknown partition parameter '{}'", p.name.name),
        )
        .with_hint(
            "partition takes hint.strategy=legacy|native|shuffle and other hint.* parameters",
        ));
    }
    if let Some(s) = source {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            s.span,
            "partition's `{ ... }` form (a subquery with its own source) is not supported yet",
        )
        .with_hint("write the subquery as a transformation of each partition: `partition by Col (summarize ...)`"));
    }
    let Some(key) = input.column(&column.name).cloned() else {
        return Err(Diagnostic::at(
            Code::UnknownColumn,
            column.span,
            format!("unknown column '{}' to partition by", column.name),
        ));
    };
    let subquery =
        subquery.ok_or_else(|| Diagnostic::internal("bind", "partition without a subquery"))?;
    bind_per_group(b, input, &key, subquery)
}
