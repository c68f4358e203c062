//! Sources of constant rows: `print` and `datatable`.

use super::super::expr::coerce_to;
use super::Binder;
use crate::bound::{BoundColumn, BoundOp, BoundTabular};
use kql_syntax::ast::{ColumnDecl, Expr, NamedExpr};
use kql_syntax::{Code, Diagnostic, Span};

/// `print a = 1, 2`: one row; unnamed expressions are `print_0`, `print_1`, ...
/// by position.
pub(crate) fn bind_print(b: &mut Binder, items: &[NamedExpr]) -> Result<BoundTabular, Diagnostic> {
    let mut columns: Vec<BoundColumn> = Vec::new();
    let mut row = Vec::new();
    for (i, item) in items.iter().enumerate() {
        // `print array_sort_asc(a1, a2)`: one column per array
        let named = !item.names.is_empty();
        if let Some(results) =
            super::super::functions::bind_sort_results(b, &item.expr, &[], named)?
        {
            if named && item.names.len() != results.len() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    format!("{} name(s) for {} results", item.names.len(), results.len()),
                ));
            }
            for (k, (default, v)) in results.into_iter().enumerate() {
                let name = item.names.get(k).map_or(default, |n| n.name.clone());
                if columns.iter().any(|c| c.name == name) {
                    return Err(super::duplicate_column(&name, item.span));
                }
                columns.push(BoundColumn::new(name, v.ty));
                row.push(v);
            }
            continue;
        }
        let v = b.bind_scalar(&item.expr, &[])?;
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            // Kusto names every unnamed print column by position, even a
            // bare name (`print list` → `print_0`, which Sentinel's ASIM
            // parsers rely on: `print list | mv-apply l = print_0 ...`).
            [] => format!("print_{i}"),
            _ => {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    item.span,
                    "several names for one print expression are not supported",
                ));
            }
        };
        if columns.iter().any(|c| c.name == name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        columns.push(BoundColumn::new(name, v.ty));
        row.push(v);
    }
    Ok(BoundTabular {
        op: BoundOp::Values { rows: vec![row] },
        columns,
    })
}

/// `datatable(a:long, b:string) [1, "x", 2, "y"]`: values in row-major order.
pub(crate) fn bind_datatable(
    b: &mut Binder,
    decls: &[ColumnDecl],
    values: &[Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if decls.is_empty() {
        return Err(Diagnostic::at(
            Code::Syntax,
            span,
            "datatable needs at least one column",
        ));
    }
    if !values.len().is_multiple_of(decls.len()) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            format!(
                "datatable has {} columns but {} values, which is not a whole number of rows",
                decls.len(),
                values.len()
            ),
        ));
    }
    let mut rows = Vec::new();
    for chunk in values.chunks(decls.len()) {
        let mut row = Vec::new();
        for (v, d) in chunk.iter().zip(decls) {
            let bound = b.bind_scalar(v, &[])?;
            row.push(coerce_to(bound, d.ty, v.span)?);
        }
        rows.push(row);
    }
    let columns = decls
        .iter()
        .map(|d| BoundColumn::new(d.name.name.clone(), d.ty))
        .collect();
    Ok(BoundTabular {
        op: BoundOp::Values { rows },
        columns,
    })
}
