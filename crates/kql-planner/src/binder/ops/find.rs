//! `find [withsource=C] [in (Tables)] [where] Predicate [project-smart |
//! project Col[:type], ...[, pack_all()]]` (find-operator.md).
//!
//! Rules:
//! - The rows come from the tables in `in (...)` (wildcards and tabular
//!   expressions as in `union`), else from every table of the archive. A
//!   table that has none of the columns the predicate names is left out;
//!   in the others a column the table lacks is null (so `A == 1 or B == 2`
//!   is `B == 2` in a table without `A`, as the documentation describes).
//!   Each table is filtered with its own column types; one where the
//!   predicate does not type-check (`Port == 1` where `Port` is a string)
//!   is left out, unless that leaves none.
//! - The predicate is `search`'s: a bare string term searches every column
//!   (`find "x"` is `find where * has "x"`).
//! - The first column, `source_` (or `withsource=`'s name), names the table.
//! - `project-smart` (the default) returns the columns the predicate names,
//!   then the columns every table has, then `pack_`: a bag of the row's
//!   other columns that are neither null nor empty.
//! - `project Col[:type], ...` returns those columns (null where a table
//!   lacks one; a column no table has needs its type); `pack_all()` adds
//!   `pack_` with the other columns.

use super::Binder;
use super::param_text;
use super::search;
use super::union;
use super::where_op;
use crate::binder::expr::{cast_to, column_expr, null_of};
use crate::binder::functions::bags::pack_non_empty;
use crate::bound::{BExpr, BoundColumn, BoundTabular};
use crate::types::KqlType;
use kql_syntax::ast::{Expr, ExprKind, FindColumn, FindOutput, Ident, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

/// The default name of the column that names each row's table.
const SOURCE_COLUMN: &str = "source_";
/// The bag of the other columns.
const PACK_COLUMN: &str = "pack_";

pub(crate) fn bind(
    b: &mut Binder,
    params: &[OpParam],
    tables: &[Expr],
    predicate: &Expr,
    output: &FindOutput,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let source_column = source_column(params)?;
    let all_tables;
    let tables = if tables.is_empty() {
        all_tables = b
            .catalog
            .table_names()
            .into_iter()
            .map(|name| Expr {
                kind: ExprKind::Name(Ident { name, span }),
                span,
            })
            .collect::<Vec<_>>();
        &all_tables[..]
    } else {
        tables
    };
    let mut sources = union::sources(b, None, tables, false, span)?;

    let predicate = if matches!(predicate.kind, ExprKind::Star) {
        None
    } else {
        Some(search::rewrite(predicate, false))
    };
    // The predicate's names that are columns of some table, in order.
    let mut named = Vec::new();
    if let Some(p) = &predicate {
        names_in(p, &mut named);
    }
    let mut seen = std::collections::HashSet::new();
    named.retain(|n| seen.insert(n.clone()) && sources.iter().any(|(_, s)| s.column(n).is_some()));
    if !named.is_empty() {
        sources.retain(|(_, s)| named.iter().any(|n| s.column(n).is_some()));
    }
    // Each table is filtered on its own, with its own column types (a
    // column may be a string in one table and a long in another).
    if let Some(p) = &predicate {
        let mut types = Vec::new();
        for n in &named {
            if let Some(c) = sources.iter().find_map(|(_, s)| s.column(n)) {
                types.push((n.clone(), c.ty));
            }
        }
        // A table where the predicate does not type-check (its column has
        // another type) is left out, as Kusto resolves the predicate per
        // column type; when it fits no table, that is the error.
        let mut filtered = Vec::new();
        let mut first_error = None;
        for (name, s) in sources {
            match filter_source(b, s, p, &types) {
                Ok(f) => filtered.push((name, f)),
                Err(e) if e.code == Code::TypeMismatch => {
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        if filtered.is_empty()
            && let Some(e) = first_error
        {
            return Err(e);
        }
        sources = filtered;
    }
    // The columns every remaining table has, in the first table's order.
    let common: Vec<String> = sources
        .first()
        .map(|(_, first)| {
            first
                .columns
                .iter()
                .filter(|c| {
                    sources
                        .iter()
                        .all(|(_, s)| s.column(&c.name).is_some_and(|o| o.ty == c.ty))
                })
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();

    let rows = union::merge(sources, false, Some(&source_column));

    let (mut items, rest) = match output {
        FindOutput::Smart => smart_columns(&rows, &source_column, &named, &common),
        FindOutput::Columns { columns, .. } => listed_columns(&rows, &source_column, columns)?,
    };
    let pack = match output {
        FindOutput::Smart => !rest.is_empty(),
        FindOutput::Columns { pack_all, .. } => *pack_all,
    };
    if pack {
        items.push((PACK_COLUMN.to_string(), pack_non_empty(&rest)?));
    }
    Ok(super::project_node(rows, items))
}

type Items = Vec<(String, BExpr)>;

/// `source` where `predicate` holds; the predicate's columns the table
/// lacks (`named`, with a type another table gives them) are null there.
fn filter_source(
    b: &mut Binder,
    source: BoundTabular,
    predicate: &Expr,
    named: &[(String, KqlType)],
) -> Result<BoundTabular, Diagnostic> {
    let own = |t: &BoundTabular| -> Items {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
            .collect()
    };
    let missing: Vec<_> = named
        .iter()
        .filter(|(n, _)| source.column(n).is_none())
        .collect();
    if missing.is_empty() {
        let scope = source.columns.clone();
        return where_op::bind_in_scope(b, source, predicate, &scope);
    }
    let columns = own(&source);
    let mut widened = columns.clone();
    widened.extend(missing.iter().map(|(n, ty)| (n.clone(), null_of(*ty))));
    let widened = super::project_node(source, widened);
    let scope = widened.columns.clone();
    let filtered = where_op::bind_in_scope(b, widened, predicate, &scope)?;
    Ok(super::project_node(filtered, columns))
}

/// `project-smart`: the source, the predicate's columns, the common ones;
/// the rest for `pack_`.
fn smart_columns(
    rows: &BoundTabular,
    source_column: &str,
    named: &[String],
    common: &[String],
) -> (Items, Vec<BoundColumn>) {
    // A name with several types is several `name_type` columns of the union.
    let is_of = |c: &BoundColumn, name: &str| {
        c.name == name
            || c.name
                .strip_prefix(name)
                .and_then(|t| t.strip_prefix('_'))
                .is_some_and(|t| KqlType::from_name(t) == Some(c.ty))
    };
    let mut kept: Vec<&BoundColumn> = rows
        .columns
        .iter()
        .filter(|c| c.name == source_column)
        .collect();
    for name in named.iter().chain(common) {
        for c in rows.columns.iter().filter(|c| is_of(c, name)) {
            if !kept.iter().any(|k| k.name == c.name) {
                kept.push(c);
            }
        }
    }
    let rest = rows
        .columns
        .iter()
        .filter(|c| !kept.iter().any(|k| k.name == c.name))
        .cloned()
        .collect();
    let items = kept
        .into_iter()
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .collect();
    (items, rest)
}

/// `project Col[:type], ...`: the source and those columns; the rest for
/// `pack_all()`.
fn listed_columns(
    rows: &BoundTabular,
    source_column: &str,
    columns: &[FindColumn],
) -> Result<(Items, Vec<BoundColumn>), Diagnostic> {
    let mut items: Items = vec![(
        source_column.to_string(),
        BExpr::new(column_expr(source_column), KqlType::String),
    )];
    for c in columns {
        let name = &c.name.name;
        let value = match (rows.column(name), c.ty) {
            (Some(col), None) => BExpr::new(column_expr(name), col.ty),
            (Some(col), Some(ty)) => cast_to(BExpr::new(column_expr(name), col.ty), ty),
            (None, Some(ty)) => null_of(ty),
            (None, None) => {
                return Err(Diagnostic::at(
                    Code::UnknownColumn,
                    c.span,
                    format!("no table find reads has a column '{name}'"),
                )
                .with_hint(format!(
                    "give its type (`project {name}:string`) for a column none of the tables has"
                )));
            }
        };
        items.push((name.clone(), value));
    }
    let rest = rows
        .columns
        .iter()
        .filter(|c| c.name != source_column && !columns.iter().any(|l| l.name.name == c.name))
        .cloned()
        .collect();
    Ok((items, rest))
}

/// `withsource=Name`: the name of the source column.
fn source_column(params: &[OpParam]) -> Result<String, Diagnostic> {
    let mut name = SOURCE_COLUMN.to_string();
    for p in params {
        match (p.name.name.as_str(), param_text(p)) {
            ("withsource", Some(v)) => name = v,
            (n, _) if n.starts_with("hint.") => {}
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("invalid find parameter '{n}'"),
                )
                .with_hint("find takes withsource=ColumnName"));
            }
        }
    }
    Ok(name)
}

/// The bare names in `e`, in order (columns or `let`s; the caller keeps
/// the columns).
fn names_in(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(id) => out.push(id.name.clone()),
        ExprKind::Member { target, .. } => names_in(target, out),
        ExprKind::Index { target, index } => {
            names_in(target, out);
            names_in(index, out);
        }
        ExprKind::Call(c) => c.args.iter().for_each(|a| names_in(&a.value, out)),
        ExprKind::Unary { operand, .. } => names_in(operand, out),
        ExprKind::Binary { left, right, .. } => {
            names_in(left, out);
            names_in(right, out);
        }
        ExprKind::In { expr, list, .. } | ExprKind::HasAnyAll { expr, list, .. } => {
            names_in(expr, out);
            list.iter().for_each(|x| names_in(x, out));
        }
        ExprKind::Between {
            expr, low, high, ..
        } => {
            names_in(expr, out);
            names_in(low, out);
            names_in(high, out);
        }
        ExprKind::Literal(_)
        | ExprKind::JoinSide(_)
        | ExprKind::Star
        | ExprKind::Pipe { .. }
        | ExprKind::Source(_)
        | ExprKind::ImplicitInput => {}
    }
}
