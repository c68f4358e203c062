//! `serialize [Name = Expr, ...]` and the serialized row set that the
//! row-window functions (`row_number()`, `prev()`, `next()`, `row_cumsum()`,
//! `row_rank_min()`, `row_rank_dense()`) need.
//!
//! Kusto (serialize-operator.md, window-functions.md): `serialize`, `sort` /
//! `order`, `top`, `range` and `getschema` output a serialized row set; `summarize`,
//! `count`, `distinct`, `join`, `mv-expand`, `make-series`, `evaluate`, ...
//! output a non-serialized one; every other operator keeps what its input
//! has. A window function over a row set that is not serialized is an error.
//!
//! `extend`, `project`, `where` and `serialize` may call window functions:
//! they are bound with a window scope; each call adds a hidden column, and a
//! `BoundOp::Window` that computes them is put between the operator and its
//! input.

use super::super::expr::column_expr;
use super::super::functions::window::WindowScope;
use super::{Binder, passthrough, project, project_node};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use datafusion::common::plan_err;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::{Expr, SortExpr};
use kql_syntax::ast::{NamedExpr, OpKind, TabularOp};
use kql_syntax::{Code, Diagnostic};

/// Whether the rows of `t` come in an order window functions may use.
pub(crate) fn is_serialized(t: &BoundTabular) -> bool {
    match &t.op {
        BoundOp::Window { .. } | BoundOp::Sort { .. } | BoundOp::Range { .. } => true,
        BoundOp::Filter { input, .. }
        | BoundOp::Project { input, .. }
        | BoundOp::Limit { input, .. }
        | BoundOp::Parse { input, .. }
        | BoundOp::RowNumber { input } => is_serialized(input),
        _ => false,
    }
}

/// Where the order of a serialized row set comes from.
enum Order {
    /// A sort by these keys, which still read columns of the row set.
    Keys(Vec<SortExpr>),
    /// No sort: the order the rows arrive in (`range`, `serialize` of
    /// rows in no particular order).
    Arrival,
    /// A sort whose columns were projected away or replaced since: the
    /// windows cannot ask for that order any more (and DataFusion drops a
    /// sort nothing asks for), so they are refused rather than wrong.
    Lost,
}

/// The order of `t`, in terms of its own columns.
fn serial_order(t: &BoundTabular) -> Order {
    match &t.op {
        BoundOp::Sort { keys, .. } => Order::Keys(keys.clone()),
        BoundOp::Filter { input, .. }
        | BoundOp::Limit { input, .. }
        | BoundOp::RowNumber { input }
        | BoundOp::Window { input, .. } => serial_order(input),
        BoundOp::Parse { input, fields, .. } => match serial_order(input) {
            // a parsed column that replaces a sort column changes the key
            Order::Keys(keys)
                if keys.iter().any(|k| {
                    k.expr
                        .column_refs()
                        .iter()
                        .any(|c| fields.iter().any(|(f, _)| *f == c.name))
                }) =>
            {
                Order::Lost
            }
            other => other,
        },
        BoundOp::Project { input, exprs } => match serial_order(input) {
            Order::Keys(keys) => {
                // each input column a key reads, under its name here
                let renamed = |name: &str| {
                    t.columns.iter().zip(exprs).find_map(|(c, e)| {
                        let source = match &e.expr {
                            Expr::Column(col) => Some(&col.name),
                            Expr::Alias(a) => match a.expr.as_ref() {
                                Expr::Column(col) => Some(&col.name),
                                _ => None,
                            },
                            _ => None,
                        };
                        (source.map(String::as_str) == Some(name)).then(|| c.name.clone())
                    })
                };
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    let mapped = k.expr.clone().transform(|e| match &e {
                        Expr::Column(col) => match renamed(&col.name) {
                            Some(n) => Ok(Transformed::yes(column_expr(&n))),
                            None => plan_err!("lost"),
                        },
                        _ => Ok(Transformed::no(e)),
                    });
                    match mapped {
                        Ok(m) => out.push(SortExpr::new(m.data, k.asc, k.nulls_first)),
                        Err(_) => return Order::Lost,
                    }
                }
                Order::Keys(out)
            }
            other => other,
        },
        BoundOp::Range { step, .. } => range_order(t, step),
        _ => Order::Arrival,
    }
}

/// `range`'s rows come in the order they are generated: ascending by the
/// column for a positive step, descending for a negative one. (Its rows
/// may be split into parallel streams and merged again before the
/// windows, so the order must be a key, not the arrival order.)
fn range_order(t: &BoundTabular, step: &BExpr) -> Order {
    let sign = crate::binder::eager::constant_in_place(step).and_then(|v| {
        let zero = datafusion::common::ScalarValue::new_zero(&v.data_type()).ok()?;
        v.partial_cmp(&zero)
    });
    let asc = match sign {
        Some(std::cmp::Ordering::Greater) => true,
        Some(std::cmp::Ordering::Less) => false,
        _ => return Order::Arrival,
    };
    match t.columns.first() {
        Some(c) => Order::Keys(vec![SortExpr::new(column_expr(&c.name), asc, false)]),
        None => Order::Arrival,
    }
}

/// The hidden copy of sort column `name` carried up to the windows.
fn carried(name: &str) -> String {
    format!("__kql_sortkey_{name}")
}

/// `t` with hidden copies of the columns its sort reads carried up through
/// the operators since (which dropped or replaced them), and the sort keys
/// over those copies; `None` when an operator on the way cannot carry them.
fn carry_keys(t: BoundTabular) -> Option<(BoundTabular, Vec<SortExpr>)> {
    let BoundTabular { op, mut columns } = t;
    match op {
        BoundOp::Sort { input, keys } => {
            let mut refs: Vec<BoundColumn> = Vec::new();
            for k in &keys {
                for c in k.expr.column_refs() {
                    let col = input.column(&c.name)?;
                    if !refs.iter().any(|r| r.name == col.name) {
                        refs.push(col.clone());
                    }
                }
            }
            let mapped = keys
                .iter()
                .map(|k| {
                    let e = k
                        .expr
                        .clone()
                        .transform(|e| match &e {
                            Expr::Column(col) => {
                                Ok(Transformed::yes(column_expr(&carried(&col.name))))
                            }
                            _ => Ok(Transformed::no(e)),
                        })
                        .ok()?
                        .data;
                    Some(SortExpr::new(e, k.asc, k.nulls_first))
                })
                .collect::<Option<Vec<_>>>()?;
            let sorted = BoundTabular {
                op: BoundOp::Sort { input, keys },
                columns,
            };
            let mut items = passthrough(&sorted.columns);
            for r in &refs {
                items.push((carried(&r.name), BExpr::new(column_expr(&r.name), r.ty)));
            }
            Some((project_node(sorted, items), mapped))
        }
        BoundOp::Filter { input, predicate } => {
            let (input, keys) = carry_keys(*input)?;
            columns.extend(hidden_of(&input, &columns));
            let op = BoundOp::Filter {
                input: Box::new(input),
                predicate,
            };
            Some((BoundTabular { op, columns }, keys))
        }
        BoundOp::Limit { input, count } => {
            let (input, keys) = carry_keys(*input)?;
            columns.extend(hidden_of(&input, &columns));
            let op = BoundOp::Limit {
                input: Box::new(input),
                count,
            };
            Some((BoundTabular { op, columns }, keys))
        }
        BoundOp::Window {
            input,
            order,
            windows,
        } => {
            let (input, keys) = carry_keys(*input)?;
            columns.extend(hidden_of(&input, &columns));
            let op = BoundOp::Window {
                input: Box::new(input),
                order,
                windows,
            };
            Some((BoundTabular { op, columns }, keys))
        }
        BoundOp::Project { input, mut exprs } => {
            let (input, keys) = carry_keys(*input)?;
            for h in hidden_of(&input, &columns) {
                exprs.push(BExpr::new(column_expr(&h.name).alias(h.name.clone()), h.ty));
                columns.push(h);
            }
            let op = BoundOp::Project {
                input: Box::new(input),
                exprs,
            };
            Some((BoundTabular { op, columns }, keys))
        }
        _ => None,
    }
}

/// The carried sort columns of `input` that `columns` lacks.
fn hidden_of(input: &BoundTabular, columns: &[BoundColumn]) -> Vec<BoundColumn> {
    input
        .columns
        .iter()
        .filter(|c| {
            c.name.starts_with("__kql_sortkey_") && !columns.iter().any(|o| o.name == c.name)
        })
        .cloned()
        .collect()
}

/// `input` marked as serialized, with the window columns `defs` added.
fn window_node(input: BoundTabular, scope: WindowScope) -> BoundTabular {
    let order = match serial_order(&input) {
        Order::Keys(keys) => keys,
        Order::Arrival | Order::Lost => Vec::new(),
    };
    let mut columns = input.columns.clone();
    let mut windows = Vec::new();
    for (c, d) in scope.defs {
        columns.push(c);
        windows.push(d);
    }
    BoundTabular {
        op: BoundOp::Window {
            input: Box::new(input),
            order,
            windows,
        },
        columns,
    }
}

/// Bind `op` over `input` with `bind`, giving the window functions its
/// expressions call their window (or an error when `input` is not
/// serialized).
pub(crate) fn with_window_scope(
    b: &mut Binder,
    input: BoundTabular,
    op: &TabularOp,
    bind: impl FnOnce(&mut Binder, BoundTabular, &TabularOp) -> Result<BoundTabular, Diagnostic>,
) -> Result<BoundTabular, Diagnostic> {
    let calls_windows = matches!(
        op.kind,
        OpKind::Extend(_) | OpKind::Project(_) | OpKind::Where { .. } | OpKind::Serialize(_)
    );
    // In an mv-apply subquery (its input rows numbered in a hidden column)
    // the rows are serialized while the order of each row's items is known,
    // and each window stays within one input row.
    let mv_apply = input
        .column(super::mv_apply::ROW)
        .is_some()
        .then(|| b.mv_apply_order.take().unwrap_or_default());
    let scope = calls_windows.then(|| match &mv_apply {
        Some(order) => WindowScope {
            partition: vec![column_expr(super::mv_apply::ROW)],
            ..WindowScope::new(!order.is_empty())
        },
        None => WindowScope::new(is_serialized(&input) || matches!(op.kind, OpKind::Serialize(_))),
    });
    let saved = std::mem::replace(&mut b.window, scope);
    let input_columns = input.columns.clone();
    let out = bind(b, input, op);
    let scope = std::mem::replace(&mut b.window, saved);
    let mut out = out?;
    let Some(scope) = scope else {
        return Ok(out);
    };
    if scope.defs.is_empty() {
        return Ok(out);
    }
    let windows_under = |child: BoundTabular, scope: WindowScope| match &mv_apply {
        Some(order) => {
            let row = SortExpr::new(column_expr(super::mv_apply::ROW), true, false);
            let order = std::iter::once(row).chain(order.iter().cloned()).collect();
            Ok(window_node_in(child, scope, order))
        }
        None => ordered_window_node(child, scope, op.span),
    };
    // the operators above built one node over their input: put the windows under it
    match &mut out.op {
        BoundOp::Project { input, .. } => {
            let child = std::mem::replace(input.as_mut(), placeholder());
            **input = windows_under(child, scope)?;
            Ok(out)
        }
        BoundOp::Filter { input, .. } => {
            let child = std::mem::replace(input.as_mut(), placeholder());
            **input = windows_under(child, scope)?;
            // the filter passes the hidden columns on: drop them
            let items = passthrough(&input_columns);
            Ok(project_node(out, items))
        }
        _ => Err(Diagnostic::internal(
            "bind",
            "row-window functions in an operator that built no projection or filter",
        )),
    }
}

/// [`window_node`], carrying the sort columns up first when the operators
/// since the sort dropped or replaced them.
fn ordered_window_node(
    input: BoundTabular,
    scope: WindowScope,
    span: kql_syntax::Span,
) -> Result<BoundTabular, Diagnostic> {
    let (input, keys) = serial_keys(
        input,
        span,
        "row-window functions here are",
        "the window functions",
    )?;
    Ok(window_node_in(input, scope, keys))
}

/// `input` and the order its rows come in, for an operator that goes over
/// them one by one (`scan`): the keys of the sort they come from (carried up
/// when the operators since dropped its columns), or none: the order they
/// arrive in.
pub(crate) fn in_serial_order(
    input: BoundTabular,
    span: kql_syntax::Span,
) -> Result<(BoundTabular, Vec<SortExpr>), Diagnostic> {
    serial_keys(input, span, "this operator's row order is", "here")
}

/// [`in_serial_order`], its error saying `what` is not supported and
/// `until` where to keep the sort columns.
fn serial_keys(
    input: BoundTabular,
    span: kql_syntax::Span,
    what: &str,
    until: &str,
) -> Result<(BoundTabular, Vec<SortExpr>), Diagnostic> {
    match serial_order(&input) {
        Order::Keys(keys) => Ok((input, keys)),
        Order::Arrival => Ok((input, Vec::new())),
        Order::Lost => carry_keys(input).ok_or_else(|| {
            Diagnostic::at(
                Code::UnsupportedFeature,
                span,
                format!(
                    "{what} not supported yet: the sort's columns were \
                     replaced or dropped by an operator they cannot be carried through"
                ),
            )
            .with_hint(format!(
                "keep the sort columns until {until}, or sort again"
            ))
        }),
    }
}

/// [`window_node`] in the given order rather than the one its input's
/// operators say.
fn window_node_in(input: BoundTabular, scope: WindowScope, order: Vec<SortExpr>) -> BoundTabular {
    let mut node = window_node(input, scope);
    if let BoundOp::Window { order: o, .. } = &mut node.op {
        *o = order;
    }
    node
}

fn placeholder() -> BoundTabular {
    BoundTabular {
        op: BoundOp::Values { rows: Vec::new() },
        columns: Vec::<BoundColumn>::new(),
    }
}

/// `input` marked as serialized in the order its rows come in (the rows of
/// `getschema`).
pub(crate) fn serialized(input: BoundTabular) -> BoundTabular {
    window_node(input, WindowScope::default())
}

/// `serialize [Name = Expr, ...]`: the input marked as serialized, with the
/// columns of `extend Name = Expr, ...` (window functions allowed).
pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    items: &[NamedExpr],
) -> Result<BoundTabular, Diagnostic> {
    if items.is_empty() {
        return Ok(window_node(input, WindowScope::default()));
    }
    let mut out = project::bind_extend(b, input, items)?;
    // with no window function among the items, the marker still goes in
    if b.window.as_ref().is_some_and(|w| w.defs.is_empty())
        && let BoundOp::Project { input, .. } = &mut out.op
    {
        let child = std::mem::replace(input.as_mut(), placeholder());
        **input = window_node(child, WindowScope::default());
    }
    Ok(out)
}
