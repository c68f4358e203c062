//! `distinct a, b` / `distinct *`: the distinct combinations.

use super::{Binder, project_node};
use crate::bound::{BoundOp, BoundTabular};
use kql_syntax::Diagnostic;
use kql_syntax::ast::{Expr, ExprKind};

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    cols: &[Expr],
) -> Result<BoundTabular, Diagnostic> {
    let projected = if cols.len() == 1 && matches!(cols[0].kind, ExprKind::Star) {
        input
    } else {
        let mut items = Vec::new();
        for (i, c) in cols.iter().enumerate() {
            let v = b.bind_scalar(c, &input.columns)?;
            let name = super::super::naming::derived_name_in(c, &|n| input.column(n).is_some())
                .unwrap_or_else(|| format!("Column{}", i + 1));
            if items.iter().any(|(n, _)| n == &name) {
                return Err(super::duplicate_column(&name, c.span));
            }
            items.push((name, v));
        }
        project_node(input, items)
    };
    let columns = projected.columns.clone();
    Ok(BoundTabular {
        op: BoundOp::Distinct {
            input: Box::new(projected),
        },
        columns,
    })
}
