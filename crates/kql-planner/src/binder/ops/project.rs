//! The column-shaping operators: `project`, `extend`, `project-away`,
//! `project-keep`, `project-rename`, `project-reorder`.
//!
//! `extend x = ...` where `x` exists removes the old column and appends the
//! new one at the end (Kusto's rule); `project` keeps exactly what it lists,
//! in order.

use super::super::expr::column_expr;
use super::super::naming::{NameGen, derived_name_in, derived_unique_name};
use super::{Binder, duplicate_column, passthrough, project_node};
use crate::binder::functions;
use crate::bound::{BExpr, BoundColumn, BoundTabular};
use kql_syntax::ast::{ColumnPattern, ExprKind, NamedExpr, RenamePair, ReorderKey, SortOrder};
use kql_syntax::diagnostic::suggest;
use kql_syntax::{Code, Diagnostic};

/// Does `name` match a column pattern with `*` wildcards?
pub(crate) fn matches_pattern(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// Bind `[name =] expr` items over `input`; unnamed ones get Kusto's names.
///
/// An item may use a column defined by an earlier item of the same operator
/// (`extend y = x + 1, z = y * 10`), and sees its new value. When one does,
/// the earlier items are first computed in a projection of their own (returned
/// as the new input), and from then on they are plain columns of it.
fn bind_items(
    b: &mut Binder,
    mut input: BoundTabular,
    items: &[NamedExpr],
    names: &mut NameGen,
    taken: &dyn Fn(&str) -> bool,
    uniquify: bool,
) -> Result<(BoundTabular, Vec<(String, BExpr)>), Diagnostic> {
    let mut out: Vec<(String, BExpr)> = Vec::new();
    for item in items {
        // The row this item sees: the input, with the earlier items in place.
        let mut row = input.columns.clone();
        for (n, v) in &out {
            match row.iter_mut().find(|c| c.name == *n) {
                Some(c) => c.ty = v.ty,
                None => row.push(BoundColumn::new(n.clone(), v.ty)),
            }
        }
        // A function that returns several columns (`series_stats(x)`,
        // `(a, b) = series_fit_line(x)`): its columns, named by `names` (only
        // as many as there are names) or by default.
        let multi = match &item.expr.kind {
            ExprKind::Call(call) if functions::series::is_multi_column(&call.name.name) => Some(
                functions::series::bind_multi_column(b, call, &row, item.expr.span)?,
            ),
            _ => None,
        };
        let v = match &multi {
            Some(cols) => cols.first().map(|c| c.1.clone()).ok_or_else(|| {
                Diagnostic::internal("bind", "a several-column function without columns")
            })?,
            None => b.bind_scalar(&item.expr, &row)?,
        };
        // Earlier items whose value is not already a column of `input`.
        let computed = |n: &str, e: &BExpr| {
            e.expr != column_expr(n) || !input.columns.iter().any(|c| c.name == n)
        };
        let uses_earlier = multi
            .as_ref()
            .map_or_else(|| vec![&v], |cols| cols.iter().map(|c| &c.1).collect())
            .iter()
            .flat_map(|v| v.expr.column_refs())
            .any(|c| out.iter().any(|(n, e)| *n == c.name && computed(n, e)));
        if uses_earlier {
            let mut proj = passthrough(&input.columns);
            for (n, e) in &out {
                proj.retain(|(p, _)| p != n);
                proj.push((n.clone(), e.clone()));
            }
            input = project_node(input, proj);
            for (n, e) in &mut out {
                *e = BExpr::new(column_expr(n), e.ty);
            }
        }
        if let Some(cols) = multi {
            if item.names.len() > cols.len() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    format!(
                        "{} names for the {} columns of this function",
                        item.names.len(),
                        cols.len()
                    ),
                ));
            }
            let named: Vec<(String, BExpr)> = if item.names.is_empty() {
                cols
            } else {
                item.names
                    .iter()
                    .zip(cols)
                    .map(|(n, (_, v))| (n.name.clone(), v))
                    .collect()
            };
            out.extend(named);
            continue;
        }
        let name = match item.names.as_slice() {
            [] => {
                let has_column = |n: &str| row.iter().any(|c| c.name == n);
                // project adds a derived name under a unique name; extend
                // replaces the column of that name
                let derived = if uniquify {
                    derived_unique_name(&item.expr, &has_column, |c| {
                        out.iter().any(|(o, _)| o == c)
                    })
                } else {
                    derived_name_in(&item.expr, &has_column)
                };
                derived.unwrap_or_else(|| {
                    names.column(&|n| taken(n) || out.iter().any(|(o, _)| o == n))
                })
            }
            [one] => one.name.clone(),
            many => {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    many[0].span.to(many[many.len() - 1].span),
                    "assigning several names at once is only supported for functions that return several columns",
                ));
            }
        };
        out.push((name, v));
    }
    Ok((input, out))
}

pub(crate) fn bind_project(
    b: &mut Binder,
    input: BoundTabular,
    items: &[NamedExpr],
) -> Result<BoundTabular, Diagnostic> {
    let mut names_gen = NameGen::default();
    let (input, bound) = bind_items(b, input, items, &mut names_gen, &|_| false, true)?;
    for (i, (name, _)) in bound.iter().enumerate() {
        if bound[..i].iter().any(|(n, _)| n == name) {
            return Err(duplicate_column(name, items[i].span));
        }
    }
    Ok(project_node(input, bound))
}

pub(crate) fn bind_extend(
    b: &mut Binder,
    input: BoundTabular,
    items: &[NamedExpr],
) -> Result<BoundTabular, Diagnostic> {
    let mut names_gen = NameGen::default();
    let cols = input.columns.clone();
    let (input, bound) = bind_items(
        b,
        input,
        items,
        &mut names_gen,
        &|n| cols.iter().any(|c| c.name == n),
        false,
    )?;
    let mut out = passthrough(&input.columns);
    for (name, v) in bound {
        // a replaced column moves to the end
        out.retain(|(n, _)| n != &name);
        out.push((name, v));
    }
    Ok(project_node(input, out))
}

fn no_match(p: &ColumnPattern, input: &BoundTabular) -> Diagnostic {
    let names: Vec<&str> = input.columns.iter().map(|c| c.name.as_str()).collect();
    let close = suggest(&p.pattern, names.iter().copied());
    let d = Diagnostic::at(
        Code::UnknownColumn,
        p.span,
        format!("no column matches '{}'", p.pattern),
    );
    if close.is_empty() {
        d
    } else {
        d.with_hint(format!("did you mean '{}'?", close.join("', '")))
    }
}

pub(crate) fn bind_away(
    input: BoundTabular,
    patterns: &[ColumnPattern],
) -> Result<BoundTabular, Diagnostic> {
    for p in patterns {
        if !p.has_wildcard && !input.columns.iter().any(|c| c.name == p.pattern) {
            return Err(no_match(p, &input));
        }
    }
    let keep: Vec<_> = passthrough(&input.columns)
        .into_iter()
        .filter(|(n, _)| !patterns.iter().any(|p| matches_pattern(&p.pattern, n)))
        .collect();
    Ok(project_node(input, keep))
}

pub(crate) fn bind_keep(
    input: BoundTabular,
    patterns: &[ColumnPattern],
) -> Result<BoundTabular, Diagnostic> {
    for p in patterns {
        if !p.has_wildcard && !input.columns.iter().any(|c| c.name == p.pattern) {
            return Err(no_match(p, &input));
        }
    }
    let keep: Vec<_> = passthrough(&input.columns)
        .into_iter()
        .filter(|(n, _)| patterns.iter().any(|p| matches_pattern(&p.pattern, n)))
        .collect();
    Ok(project_node(input, keep))
}

pub(crate) fn bind_rename(
    input: BoundTabular,
    pairs: &[RenamePair],
) -> Result<BoundTabular, Diagnostic> {
    let mut items = passthrough(&input.columns);
    for pair in pairs {
        let Some(slot) = items.iter_mut().find(|(n, _)| *n == pair.old_name.name) else {
            let p = ColumnPattern {
                pattern: pair.old_name.name.clone(),
                has_wildcard: false,
                span: pair.old_name.span,
            };
            return Err(no_match(&p, &input));
        };
        slot.0 = pair.new_name.name.clone();
    }
    for (i, (name, _)) in items.iter().enumerate() {
        if items[..i].iter().any(|(n, _)| n == name) {
            let span = pairs
                .iter()
                .find(|p| &p.new_name.name == name)
                .map(|p| p.span)
                .unwrap_or_default();
            return Err(duplicate_column(name, span));
        }
    }
    Ok(project_node(input, items))
}

pub(crate) fn bind_reorder(
    input: BoundTabular,
    keys: &[ReorderKey],
) -> Result<BoundTabular, Diagnostic> {
    let mut rest = passthrough(&input.columns);
    let mut first = Vec::new();
    for k in keys {
        if !k.pattern.has_wildcard
            && !rest.iter().any(|(n, _)| *n == k.pattern.pattern)
            && !first
                .iter()
                .any(|(n, _): &(String, BExpr)| *n == k.pattern.pattern)
        {
            return Err(no_match(&k.pattern, &input));
        }
        let (mut matched, others): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|(n, _)| matches_pattern(&k.pattern.pattern, n));
        match k.order {
            Some(SortOrder::Asc) => matched.sort_by(|a, b| a.0.cmp(&b.0)),
            Some(SortOrder::Desc) => matched.sort_by(|a, b| b.0.cmp(&a.0)),
            None => {}
        }
        first.extend(matched);
        rest = others;
    }
    first.extend(rest);
    Ok(project_node(input, first))
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn wildcards() {
        assert!(matches_pattern("Device*", "DeviceName"));
        assert!(matches_pattern("*_s", "Computer_s"));
        assert!(matches_pattern("*", "x"));
        assert!(matches_pattern("a*b*c", "aXXbYc"));
        assert!(!matches_pattern("Device*", "SourceDevice"));
        assert!(matches_pattern("Name", "Name"));
        assert!(!matches_pattern("Name", "Name1"));
    }
}
