//! `mv-expand` (mv-expand-operator.md): one row per item of dynamic arrays
//! or property bags.
//!
//! * Each expanded value gives as many rows as it has items; several are
//!   expanded in parallel (zipped, the shorter padded with nulls); an empty
//!   array or bag gives no row, a null one row with null.
//! * `kind=bag` / `bagexpansion=bag` (default): a property bag expands into
//!   single-property bags; `kind=array`: into `[key, value]` pairs.
//! * `Name = expr` names the expanded column: a column of that name is
//!   replaced in place, otherwise it is added at the end; an expanded column
//!   keeps its place. The items are `dynamic`, or the type of
//!   `to typeof(T)` (converted as `to<T>()` does: null when they do not).
//! * `with_itemindex=Name` adds the item's 0-based position (long) last.
//! * `limit N`: at most N rows per input row.

use super::super::expr::{cast_to, column_expr};
use super::super::naming::{NameGen, derived_name};
use super::param_text;
use super::take::constant_count;
use super::{Binder, duplicate_column};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use kql_functions::tabular::mv_expand_expr;
use kql_syntax::ast::{Expr, MvExpandColumn, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

/// One value to expand.
pub(super) struct Expansion {
    pub name: String,
    /// A dynamic expression over the input.
    pub value: BExpr,
    pub to_type: Option<KqlType>,
}

/// The hidden name of the unnested position column.
const INDEX: &str = "__kql_mv_index";

/// Bind the `[Name =] expr [to typeof(T)]` items over `input`.
pub(super) fn bind_items(
    b: &mut Binder,
    input: &BoundTabular,
    items: &[MvExpandColumn],
    what: &str,
) -> Result<Vec<Expansion>, Diagnostic> {
    let mut names = NameGen::default();
    let mut out: Vec<Expansion> = Vec::new();
    for item in items {
        let value = b.bind_scalar(&item.expr, &input.columns)?;
        if value.ty != KqlType::Dynamic {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                item.expr.span,
                format!(
                    "{what} expands dynamic arrays and property bags, but this is {}",
                    super::super::operators::with_article(value.ty)
                ),
            )
            .with_hint("convert it first, e.g. `parse_json(x)` for JSON text or `pack_array(x)`"));
        }
        let name = match &item.name {
            Some(n) => n.name.clone(),
            None => derived_name(&item.expr).unwrap_or_else(|| {
                names.column(&|n| {
                    input.columns.iter().any(|c| c.name == n) || out.iter().any(|e| e.name == n)
                })
            }),
        };
        if out.iter().any(|e| e.name == name) {
            return Err(duplicate_column(&name, item.span));
        }
        out.push(Expansion {
            name,
            value,
            to_type: item.to_type,
        });
    }
    Ok(out)
}

/// Expand `items` of `input` (see the module doc); `index` names the
/// position column.
pub(super) fn expand(
    input: BoundTabular,
    items: Vec<Expansion>,
    index: Option<String>,
    array_bags: bool,
    limit: Option<usize>,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let hidden = |i: usize| format!("__kql_mv{i}");
    let lists: Vec<(String, datafusion::logical_expr::Expr)> = items
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                hidden(i),
                mv_expand_expr(e.value.expr.clone(), array_bags, limit),
            )
        })
        .collect();
    let item_output = |i: usize, e: &Expansion| {
        let v = BExpr::new(column_expr(&hidden(i)), KqlType::Dynamic);
        match e.to_type {
            Some(t) => cast_to(v, t),
            None => v,
        }
    };
    let mut columns: Vec<BoundColumn> = Vec::new();
    let mut outputs: Vec<BExpr> = Vec::new();
    for c in &input.columns {
        match items.iter().position(|e| e.name == c.name) {
            Some(i) => {
                let v = item_output(i, &items[i]);
                columns.push(BoundColumn::new(c.name.clone(), v.ty));
                outputs.push(v);
            }
            None => {
                columns.push(c.clone());
                outputs.push(BExpr::new(column_expr(&c.name), c.ty));
            }
        }
    }
    for (i, e) in items.iter().enumerate() {
        if input.column(&e.name).is_none() {
            let v = item_output(i, e);
            columns.push(BoundColumn::new(e.name.clone(), v.ty));
            outputs.push(v);
        }
    }
    if let Some(ix) = &index {
        if columns.iter().any(|c| &c.name == ix) {
            return Err(duplicate_column(ix, span));
        }
        columns.push(BoundColumn::new(ix.clone(), KqlType::Long));
        outputs.push(BExpr::new(column_expr(INDEX), KqlType::Long));
    }
    Ok(BoundTabular {
        op: BoundOp::Expand {
            input: Box::new(input),
            lists,
            index: index.map(|_| INDEX.to_string()),
            outputs,
        },
        columns,
    })
}

/// `with_itemindex=`, `kind=` / `bagexpansion=` of mv-expand.
struct Options {
    index: Option<String>,
    array_bags: bool,
}

fn options(params: &[OpParam]) -> Result<Options, Diagnostic> {
    let mut o = Options {
        index: None,
        array_bags: false,
    };
    for p in params {
        match (p.name.name.as_str(), param_text(p).as_deref()) {
            ("with_itemindex", Some(n)) => o.index = Some(n.to_string()),
            ("kind" | "bagexpansion", Some("bag")) => o.array_bags = false,
            ("kind" | "bagexpansion", Some("array")) => o.array_bags = true,
            (n, _) if n.starts_with("hint.") => {}
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("unknown or invalid mv-expand parameter '{n}'"),
                )
                .with_hint(
                    "mv-expand takes kind=bag|array (or bagexpansion=...) and with_itemindex=Name",
                ));
            }
        }
    }
    Ok(o)
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    params: &[OpParam],
    columns: &[MvExpandColumn],
    limit: Option<&Expr>,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let o = options(params)?;
    let limit = limit
        .map(|n| constant_count(b, n, &input.columns, "mv-expand limit"))
        .transpose()?;
    let items = bind_items(b, &input, columns, "mv-expand")?;
    expand(input, items, o.index, o.array_bags, limit, span)
}
