//! Tabular operators: one file per operator (or per family); this module only
//! dispatches and holds the helpers they share.

mod as_op;
mod distinct;
mod evaluate;
mod file_profile;
mod find;
mod getschema;
mod invoke;
mod join;
mod lookup;
mod make_series;
mod mv_apply;
mod mv_expand;
mod parse;
mod parse_kv;
mod partition;
mod print;
mod project;
mod project_by_names;
mod range;
mod render;
mod sample;
mod scan;
mod search;
mod serialize;
mod sort;
mod summarize;
mod take;
mod top_nested;
mod union;
mod where_op;

use super::Binder;
use super::expr::column_expr;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use kql_syntax::ast::{ExprKind, Literal, OpKind, OpParam, TabularOp};
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) use project::matches_pattern;

/// Apply `| op` to `input`.
pub(crate) fn bind_operator(
    b: &mut Binder,
    input: BoundTabular,
    op: &TabularOp,
) -> Result<BoundTabular, Diagnostic> {
    // row-window functions (`row_number()`, `prev()`, ...) get their window here
    serialize::with_window_scope(b, input, op, bind_op)
}

fn bind_op(
    b: &mut Binder,
    input: BoundTabular,
    op: &TabularOp,
) -> Result<BoundTabular, Diagnostic> {
    match &op.kind {
        OpKind::Where { predicate, .. } => where_op::bind(b, input, predicate),
        OpKind::Project(items) => project::bind_project(b, input, items),
        OpKind::ProjectAway(patterns) => project::bind_away(input, patterns),
        OpKind::ProjectKeep(patterns) => project::bind_keep(input, patterns),
        OpKind::ProjectRename(pairs) => project::bind_rename(input, pairs),
        OpKind::ProjectReorder(keys) => project::bind_reorder(input, keys),
        OpKind::Extend(items) => project::bind_extend(b, input, items),
        OpKind::Summarize { aggregates, by, .. } => summarize::bind(b, input, aggregates, by),
        OpKind::Count { name } => summarize::bind_count(input, name.as_ref()),
        OpKind::Take(n) => take::bind(b, input, n),
        OpKind::Top { count, by, .. } => sort::bind_top(b, input, count, by),
        OpKind::Sort { keys, .. } => sort::bind_sort(b, input, keys),
        OpKind::Distinct(cols) => distinct::bind(b, input, cols),
        OpKind::Union { params, tables } => union::bind(b, Some(input), params, tables, op.span),
        OpKind::Search {
            params,
            tables,
            predicate,
        } => search::bind(b, Some(input), params, tables, predicate, op.span),
        OpKind::As { name, .. } => as_op::bind(b, input, name),
        OpKind::Partition {
            params,
            column,
            subquery,
            source,
        } => partition::bind(b, input, params, column, subquery.as_ref(), source.as_ref()),
        OpKind::Parse {
            kind,
            params,
            source,
            pattern,
        }
        | OpKind::ParseWhere {
            kind,
            params,
            source,
            pattern,
        } => parse::bind(
            b,
            input,
            parse::ParseOp {
                kind: *kind,
                params,
                source,
                pattern,
                matched_only: matches!(op.kind, OpKind::ParseWhere { .. }),
                span: op.span,
            },
        ),
        OpKind::Join { params, right, on } => join::bind(b, input, params, right, on, op.span),
        OpKind::Lookup { params, right, on } => lookup::bind(b, input, params, right, on, op.span),
        OpKind::MvExpand {
            params,
            columns,
            limit,
        } => mv_expand::bind(b, input, params, columns, limit.as_ref(), op.span),
        OpKind::MvApply {
            params,
            items,
            limit,
            id_column,
            subquery,
        } => mv_apply::bind(
            b,
            input,
            mv_apply::MvApplyOp {
                params,
                items,
                limit: limit.as_ref(),
                id_column: id_column.as_ref(),
                subquery,
                span: op.span,
            },
        ),
        OpKind::TopNested(levels) => top_nested::bind(b, input, levels, op.span),
        OpKind::Scan(s) => scan::bind(b, input, s, op.span),
        OpKind::Sample(n) => sample::bind_sample(b, input, n),
        OpKind::SampleDistinct { count, column } => {
            sample::bind_sample_distinct(b, input, count, column)
        }
        OpKind::Invoke(call) => invoke::bind(b, input, call, op.span),
        OpKind::Render { chart, .. } => render::bind(input, chart),
        OpKind::Serialize(items) => serialize::bind(b, input, items),
        OpKind::GetSchema => Ok(getschema::bind(&input)),
        OpKind::ProjectByNames(specs) => project_by_names::bind(b, input, specs, op.span),
        OpKind::ParseKv {
            source,
            columns,
            params,
        } => parse_kv::bind(b, input, source, columns, params, op.span),
        OpKind::Evaluate {
            params,
            call,
            schema,
        } => evaluate::bind(b, Some(input), params, call, schema.as_ref(), op.span),
        OpKind::MakeSeries {
            params,
            aggregates,
            on,
            range,
            step,
            from,
            to,
            by,
        } => make_series::bind(
            b,
            input,
            make_series::MakeSeriesOp {
                params,
                aggregates,
                on,
                range: range.as_ref(),
                step: step.as_ref(),
                from: from.as_ref(),
                to: to.as_ref(),
                by,
                span: op.span,
            },
        ),
        _ => Err(unsupported_operator(op)),
    }
}

/// The text of an operator parameter's value (`kind=inner`, `flags="U"`).
pub(crate) fn param_text(p: &OpParam) -> Option<String> {
    match &p.value.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        ExprKind::Literal(Literal::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// A tabular expression that starts a pipeline without input.
pub(crate) fn bind_source(b: &mut Binder, op: &TabularOp) -> Result<BoundTabular, Diagnostic> {
    // no row set to be serialized: window functions are an error here
    let saved = b.window.take();
    let out = bind_source_op(b, op);
    b.window = saved;
    out
}

fn bind_source_op(b: &mut Binder, op: &TabularOp) -> Result<BoundTabular, Diagnostic> {
    match &op.kind {
        OpKind::Print(items) => print::bind_print(b, items),
        OpKind::Datatable { columns, values } => print::bind_datatable(b, columns, values, op.span),
        OpKind::Range {
            column,
            from,
            to,
            step,
        } => range::bind(b, column, from, to, step, op.span),
        OpKind::Union { params, tables } => union::bind(b, None, params, tables, op.span),
        OpKind::Search {
            params,
            tables,
            predicate,
        } => search::bind(b, None, params, tables, predicate, op.span),
        OpKind::Find {
            params,
            tables,
            predicate,
            output,
        } => find::bind(b, params, tables, predicate, output, op.span),
        OpKind::ExternalData {
            columns,
            urls,
            params,
        } => super::workspace::bind_externaldata(b, columns, urls, params, op.span),
        OpKind::Evaluate {
            params,
            call,
            schema,
        } => evaluate::bind(b, None, params, call, schema.as_ref(), op.span),
        _ => Err(unsupported_operator(op)),
    }
}

pub(crate) fn operator_name(kind: &OpKind) -> &str {
    match kind {
        OpKind::Where { .. } => "where",
        OpKind::Project(_) => "project",
        OpKind::ProjectAway(_) => "project-away",
        OpKind::ProjectKeep(_) => "project-keep",
        OpKind::ProjectRename(_) => "project-rename",
        OpKind::ProjectReorder(_) => "project-reorder",
        OpKind::ProjectByNames(_) => "project-by-names",
        OpKind::Extend(_) => "extend",
        OpKind::Summarize { .. } => "summarize",
        OpKind::Count { .. } => "count",
        OpKind::Take(_) => "take",
        OpKind::Top { .. } => "top",
        OpKind::Sort { .. } => "sort",
        OpKind::Distinct(_) => "distinct",
        OpKind::Print(_) => "print",
        OpKind::Datatable { .. } => "datatable",
        OpKind::Range { .. } => "range",
        OpKind::Union { .. } => "union",
        OpKind::As { .. } => "as",
        OpKind::Join { .. } => "join",
        OpKind::Lookup { .. } => "lookup",
        OpKind::MvExpand { .. } => "mv-expand",
        OpKind::MvApply { .. } => "mv-apply",
        OpKind::Parse { .. } => "parse",
        OpKind::ParseWhere { .. } => "parse-where",
        OpKind::ParseKv { .. } => "parse-kv",
        OpKind::MakeSeries { .. } => "make-series",
        OpKind::Evaluate { .. } => "evaluate",
        OpKind::Render { .. } => "render",
        OpKind::Serialize(_) => "serialize",
        OpKind::Invoke(_) => "invoke",
        OpKind::Sample(_) => "sample",
        OpKind::SampleDistinct { .. } => "sample-distinct",
        OpKind::GetSchema => "getschema",
        OpKind::TopNested { .. } => "top-nested",
        OpKind::TopHitters { .. } => "top-hitters",
        OpKind::Search { .. } => "search",
        OpKind::Find { .. } => "find",
        OpKind::Fork { .. } => "fork",
        OpKind::Facet { .. } => "facet",
        OpKind::Partition { .. } => "partition",
        OpKind::Scan { .. } => "scan",
        OpKind::Consume { .. } => "consume",
        OpKind::Reduce { .. } => "reduce",
        OpKind::ExternalData { .. } => "externaldata",
        OpKind::Graph(g) => g.kind.name(),
        OpKind::Other { name, .. } => name,
    }
}

fn unsupported_operator(op: &TabularOp) -> Diagnostic {
    let name = operator_name(&op.kind);
    Diagnostic::at(
        Code::UnsupportedOperator,
        op.span,
        format!("the `{name}` operator is not supported yet"),
    )
    .with_hint("see the operator support table in the README")
}

/// A scan of a catalog table.
pub(crate) fn scan(table: &str, columns: Vec<BoundColumn>) -> BoundTabular {
    BoundTabular {
        op: BoundOp::Scan {
            table: table.to_string(),
        },
        columns,
    }
}

/// Project `input` to exactly `items` (name, expression) in order.
pub(crate) fn project_node(input: BoundTabular, items: Vec<(String, BExpr)>) -> BoundTabular {
    let columns = items
        .iter()
        .map(|(n, e)| BoundColumn::new(n.clone(), e.ty))
        .collect();
    let exprs = items
        .into_iter()
        .map(|(n, e)| BExpr {
            expr: e.expr.alias(n),
            ty: e.ty,
            literal: None,
        })
        .collect();
    BoundTabular {
        op: BoundOp::Project {
            input: Box::new(input),
            exprs,
        },
        columns,
    }
}

/// The (name, expression) list that passes every column through.
pub(crate) fn passthrough(columns: &[BoundColumn]) -> Vec<(String, BExpr)> {
    columns
        .iter()
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .collect()
}

pub(crate) fn duplicate_column(name: &str, span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::DuplicateName,
        span,
        format!("column '{name}' is defined more than once"),
    )
    .with_hint("give each output column a distinct name with `Name = ...`")
}
