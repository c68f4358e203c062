//! `mv-apply` (mv-apply-operator.md): run a subquery over the expanded
//! items of each input row, and add the row's other columns to its results.
//!
//! Implementation: the input rows are numbered (a hidden `__kql_row`), the
//! columns that are not expanded get hidden copies, and the items are
//! expanded as by `mv-expand` (the subquery sees the input's columns, the
//! items and the `with_itemindex` column). Then each operator of the
//! subquery is bound so that it works per input row: `summarize`, `count`
//! and `distinct` also group by the hidden columns, `project` and
//! `project-keep` keep them, `take` / `top` keep N rows per input row, and
//! `sort` orders within each input row, and the row-window functions
//! (`next()`, `row_number()`, ...) in `extend` / `project` / `where` follow
//! each row's items in order. Operators that cannot work per row
//! (`join`, `union`, a nested `mv-apply`, ...) are refused. `scan` runs
//! once per group (per mv-apply row, over its items in order).
//!
//! The result is, per row of the subquery's output: the input's
//! non-expanded columns the subquery does not itself return (from the
//! hidden copies), then the subquery's columns.

use super::super::expr::column_expr;
use super::mv_expand::{bind_items, expand};
use super::take::constant_count;
use super::{Binder, bind_operator, operator_name, passthrough, project_node};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::logical_expr::SortExpr;
use kql_syntax::ast::{
    self, Call, ColumnPattern, ExprKind, Ident, MvExpandColumn, NamedExpr, OpKind, OpParam,
    TabularOp,
};
use kql_syntax::{Code, Diagnostic, Span};

/// The hidden row number.
pub(crate) const ROW: &str = "__kql_row";

/// The hidden position of an item in its row's expansion.
const ITEM: &str = "__kql_item";

fn keep_name(i: usize) -> String {
    format!("__kql_keep{i}")
}

pub(crate) struct MvApplyOp<'a> {
    pub params: &'a [OpParam],
    pub items: &'a [MvExpandColumn],
    pub limit: Option<&'a ast::Expr>,
    pub id_column: Option<&'a Ident>,
    pub subquery: &'a ast::Expr,
    pub span: Span,
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    op: MvApplyOp<'_>,
) -> Result<BoundTabular, Diagnostic> {
    for p in op.params {
        if !p.name.name.starts_with("hint.") {
            return Err(Diagnostic::at(
                Code::BadArgument,
                p.span,
                format!("unknown mv-apply parameter '{}'", p.name.name),
            )
            .with_hint(
                "mv-apply takes with_itemindex=Name, the items, `limit N` and `on (subquery)`",
            ));
        }
    }
    let limit = op
        .limit
        .map(|n| constant_count(b, n, &input.columns, "mv-apply limit"))
        .transpose()?;
    let items = bind_items(b, &input, op.items, "mv-apply")?;
    // The input columns the expansion does not replace, with their copies.
    let kept: Vec<(String, String, KqlType)> = input
        .columns
        .iter()
        .filter(|c| !items.iter().any(|e| e.name == c.name))
        .enumerate()
        .map(|(i, c)| (c.name.clone(), keep_name(i), c.ty))
        .collect();

    // number the rows, copy the kept columns
    let mut numbered_columns = input.columns.clone();
    numbered_columns.push(BoundColumn::new(ROW, KqlType::Long));
    let numbered = BoundTabular {
        op: BoundOp::RowNumber {
            input: Box::new(input),
        },
        columns: numbered_columns,
    };
    let mut copy = passthrough(&numbered.columns);
    for (name, hidden, ty) in &kept {
        copy.push((hidden.clone(), BExpr::new(column_expr(name), *ty)));
    }
    let copied = project_node(numbered, copy);
    // The items' positions order each row's items; a hidden column unless
    // the query names it.
    let item = op
        .id_column
        .map(|i| i.name.clone())
        .unwrap_or_else(|| ITEM.to_string());
    let expanded = expand(copied, items, Some(item.clone()), false, limit, op.span)?;

    let mut hidden: Vec<String> = vec![ROW.to_string()];
    hidden.extend(kept.iter().map(|(_, h, _)| h.clone()));
    let mut state = State {
        group: ROW.to_string(),
        operator: "mv-apply",
        hidden,
        item: (item == ITEM).then(|| item.clone()),
        order: vec![SortExpr::new(column_expr(&item), true, false)],
    };
    let t = bind_ops(b, expanded, op.subquery, &mut state)?;

    // in the order of the input rows, each row's results in their order
    let mut keys = vec![state.group_key()];
    keys.extend(state.order.iter().cloned());
    let columns = t.columns.clone();
    let t = BoundTabular {
        op: BoundOp::Sort {
            input: Box::new(t),
            keys,
        },
        columns,
    };
    // the kept columns the subquery does not return, then its columns
    let mut out: Vec<(String, BExpr)> = Vec::new();
    for (name, h, ty) in &kept {
        if t.column(name).is_none() {
            out.push((name.clone(), BExpr::new(column_expr(h), *ty)));
        }
    }
    for c in &t.columns {
        if !state.is_hidden(&c.name) {
            out.push((c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)));
        }
    }
    Ok(project_node(t, out))
}

/// The hidden copy of `partition`'s key column.
const PART: &str = "__kql_part";

/// `partition by Column (subquery)`: the subquery's operators bound per
/// value of `column` (with the same per-group rules as mv-apply's per-row
/// ones); the result is the subquery's columns.
pub(crate) fn bind_per_group(
    b: &mut Binder,
    input: BoundTabular,
    column: &BoundColumn,
    subquery: &ast::Expr,
) -> Result<BoundTabular, Diagnostic> {
    let mut copy = passthrough(&input.columns);
    copy.push((
        PART.to_string(),
        BExpr::new(column_expr(&column.name), column.ty),
    ));
    let copied = project_node(input, copy);
    let mut state = State {
        group: PART.to_string(),
        operator: "partition",
        hidden: vec![PART.to_string()],
        item: None,
        order: Vec::new(),
    };
    let t = bind_ops(b, copied, subquery, &mut state)?;
    let out = t
        .columns
        .iter()
        .filter(|c| !state.is_hidden(&c.name))
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .collect();
    Ok(project_node(t, out))
}

/// The subquery's operators bound one by one on `t` per group.
fn bind_ops(
    b: &mut Binder,
    mut t: BoundTabular,
    subquery: &ast::Expr,
    state: &mut State,
) -> Result<BoundTabular, Diagnostic> {
    for sub in subquery_ops(subquery, state.operator)? {
        t = bind_per_row(b, t, sub, state)?;
        let refs_ok = state.order.iter().all(|k| {
            k.expr
                .column_refs()
                .iter()
                .all(|c| t.column(&c.name).is_some())
        });
        if !refs_ok {
            state.order.clear();
        }
        if let Some(h) = state.hidden.iter().find(|h| t.column(h).is_none()) {
            return Err(Diagnostic::at(
                Code::UnsupportedFeature,
                sub.span,
                format!(
                    "this `{}` drops a column {op} needs ('{h}'), which is not supported inside {op}",
                    operator_name(&sub.kind),
                    op = state.operator,
                ),
            ));
        }
    }
    Ok(t)
}

/// What binding the subquery's operators keeps track of.
struct State {
    /// The hidden column that tells the groups apart (mv-apply's input row
    /// number, partition's key copy).
    group: String,
    /// The operator the subquery belongs to, for messages.
    operator: &'static str,
    /// Hidden columns every operator must keep: the row number and the
    /// copies of the kept input columns.
    hidden: Vec<String>,
    /// The hidden item position, when the query does not name it: kept by
    /// `project`, but not a group key.
    item: Option<String>,
    /// The order of the rows within each input row (what `take` takes the
    /// first of), empty when unknown.
    order: Vec<SortExpr>,
}

impl State {
    /// The group column as a sort key (ascending).
    fn group_key(&self) -> SortExpr {
        SortExpr::new(column_expr(&self.group), true, false)
    }

    fn is_hidden(&self, name: &str) -> bool {
        self.hidden.iter().any(|h| h == name) || self.item.as_deref() == Some(name)
    }

    /// The columns `project` must keep.
    fn projected(&self) -> impl Iterator<Item = &String> {
        self.hidden.iter().chain(self.item.as_ref())
    }
}

/// The operators of the subquery, first to last.
fn subquery_ops<'a>(e: &'a ast::Expr, operator: &str) -> Result<Vec<&'a TabularOp>, Diagnostic> {
    match &e.kind {
        ExprKind::ImplicitInput => Ok(Vec::new()),
        ExprKind::Pipe { source, op } => {
            let mut ops = subquery_ops(source, operator)?;
            ops.push(op);
            Ok(ops)
        }
        _ => Err(Diagnostic::at(
            Code::UnsupportedFeature,
            e.span,
            format!(
                "the subquery of {operator} must apply operators to its input rows, e.g. `(where x > 1 | summarize make_list(x))`"
            ),
        )),
    }
}

fn name_expr(name: &str, span: Span) -> ast::Expr {
    ast::Expr {
        kind: ExprKind::Name(Ident {
            name: name.to_string(),
            span,
        }),
        span,
    }
}

fn named(name: &str, span: Span) -> NamedExpr {
    NamedExpr {
        names: vec![],
        expr: name_expr(name, span),
        span,
    }
}

fn with_kind(op: &TabularOp, kind: OpKind) -> TabularOp {
    TabularOp {
        kind,
        span: op.span,
    }
}

/// `bind` with the order of each input row's rows made known to the
/// row-window functions (`next()`, ...) it may call (`ops/serialize.rs`).
fn in_item_order(
    b: &mut Binder,
    state: &State,
    bind: impl FnOnce(&mut Binder) -> Result<BoundTabular, Diagnostic>,
) -> Result<BoundTabular, Diagnostic> {
    if state.group != ROW {
        // row-window functions follow mv-apply's items only
        return bind(b);
    }
    b.mv_apply_order = Some(state.order.clone());
    let out = bind(b);
    b.mv_apply_order = None;
    out
}

/// Bind one subquery operator so that it works on each input row's rows.
fn bind_per_row(
    b: &mut Binder,
    t: BoundTabular,
    op: &TabularOp,
    state: &mut State,
) -> Result<BoundTabular, Diagnostic> {
    let span = op.span;
    let hidden = &state.hidden;
    match &op.kind {
        OpKind::Where { .. }
        | OpKind::Extend(_)
        | OpKind::ProjectAway(_)
        | OpKind::ProjectRename(_)
        | OpKind::ProjectReorder(_)
        | OpKind::Parse { .. }
        | OpKind::ParseWhere { .. }
        | OpKind::MvExpand { .. } => in_item_order(b, state, |b| bind_operator(b, t, op)),
        OpKind::Distinct(cols) if cols.len() == 1 && matches!(cols[0].kind, ExprKind::Star) => {
            // every column but the hidden item position
            let cols = t
                .columns
                .iter()
                .filter(|c| state.item.as_deref() != Some(c.name.as_str()))
                .map(|c| name_expr(&c.name, span))
                .collect();
            state.order.clear();
            bind_operator(b, t, &with_kind(op, OpKind::Distinct(cols)))
        }
        OpKind::Distinct(cols) => {
            let mut cols = cols.clone();
            cols.extend(hidden.iter().map(|h| name_expr(h, span)));
            state.order.clear();
            bind_operator(b, t, &with_kind(op, OpKind::Distinct(cols)))
        }
        OpKind::Project(items) => {
            let mut items = items.clone();
            items.extend(state.projected().map(|h| named(h, span)));
            in_item_order(b, state, |b| {
                bind_operator(b, t, &with_kind(op, OpKind::Project(items)))
            })
        }
        OpKind::ProjectKeep(patterns) => {
            let mut patterns = patterns.clone();
            patterns.extend(state.projected().map(|h| ColumnPattern {
                pattern: h.clone(),
                has_wildcard: false,
                span,
            }));
            bind_operator(b, t, &with_kind(op, OpKind::ProjectKeep(patterns)))
        }
        OpKind::Summarize {
            params,
            aggregates,
            by,
        } => {
            let mut keys: Vec<NamedExpr> = hidden.iter().map(|h| named(h, span)).collect();
            keys.extend(by.iter().cloned());
            let kind = OpKind::Summarize {
                params: params.clone(),
                aggregates: aggregates.clone(),
                by: keys,
            };
            state.order.clear();
            bind_operator(b, t, &with_kind(op, kind))
        }
        OpKind::Count { name } => {
            let count = NamedExpr {
                names: vec![name.clone().unwrap_or(Ident {
                    name: "Count".to_string(),
                    span,
                })],
                expr: ast::Expr {
                    kind: ExprKind::Call(Call {
                        name: Ident {
                            name: "count".to_string(),
                            span,
                        },
                        args: vec![],
                    }),
                    span,
                },
                span,
            };
            let kind = OpKind::Summarize {
                params: vec![],
                aggregates: vec![count],
                by: hidden.iter().map(|h| named(h, span)).collect(),
            };
            state.order.clear();
            bind_operator(b, t, &with_kind(op, kind))
        }
        OpKind::Take(_) => {
            let bound = bind_operator(b, t, op)?;
            let BoundOp::Limit { input, count } = bound.op else {
                return Err(Diagnostic::internal("bind", "take is a limit"));
            };
            Ok(BoundTabular {
                columns: bound.columns,
                op: BoundOp::TopPerGroup {
                    input,
                    partition: vec![column_expr(&state.group)],
                    order: state.order.clone(),
                    count,
                },
            })
        }
        OpKind::Top { .. } => {
            let bound = bind_operator(b, t, op)?;
            let BoundOp::Limit { input, count } = bound.op else {
                return Err(Diagnostic::internal("bind", "top is a limit"));
            };
            let BoundOp::Sort { input, keys } = input.op else {
                return Err(Diagnostic::internal("bind", "top sorts"));
            };
            let columns = bound.columns;
            let mut order = vec![state.group_key()];
            order.extend(keys.iter().cloned());
            state.order = keys.clone();
            let top = BoundTabular {
                columns: columns.clone(),
                op: BoundOp::TopPerGroup {
                    input,
                    partition: vec![column_expr(&state.group)],
                    order: keys,
                    count,
                },
            };
            Ok(BoundTabular {
                columns,
                op: BoundOp::Sort {
                    input: Box::new(top),
                    keys: order,
                },
            })
        }
        OpKind::Scan(_) => {
            // one scan per group (per mv-apply row: over its items in order),
            // with its own state and match ids
            let mut bound = bind_operator(b, t, op)?;
            if let BoundOp::StepScan {
                partition, order, ..
            } = &mut bound.op
            {
                partition.push(column_expr(&state.group));
                if state.group == ROW {
                    *order = std::iter::once(state.group_key())
                        .chain(state.order.iter().cloned())
                        .collect();
                }
            }
            Ok(bound)
        }
        OpKind::Sort { .. } => {
            let bound = bind_operator(b, t, op)?;
            let BoundOp::Sort { input, keys } = bound.op else {
                return Err(Diagnostic::internal("bind", "sort sorts"));
            };
            let mut order = vec![state.group_key()];
            order.extend(keys.iter().cloned());
            state.order = keys;
            Ok(BoundTabular {
                columns: bound.columns,
                op: BoundOp::Sort { input, keys: order },
            })
        }
        other => Err(Diagnostic::at(
            Code::UnsupportedOperator,
            span,
            format!(
                "the `{}` operator is not supported inside {}",
                operator_name(other),
                state.operator
            ),
        )
        .with_hint(format!(
            "inside {} use where, extend, project, summarize, take, top, sort, distinct, count, parse, mv-expand or scan",
            if state.group == ROW { "`on (...)`" } else { "`partition by Col (...)`" }
        ))),
    }
}
