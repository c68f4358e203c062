//! `union`: rows of several tables, columns merged by name (outer by
//! default). The same name with different types becomes one column per type,
//! named `name_type`. `withsource=Col` adds the source's name; `isfuzzy=true`
//! skips sources that do not resolve; `kind=inner` keeps only the columns
//! every source has.

use super::super::expr::{column_expr, null_of};
use super::super::naming::unique_name;
use super::Binder;
use super::param_text;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::logical_expr::lit;
use kql_syntax::ast::{Expr, ExprKind, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

struct Options {
    inner: bool,
    fuzzy: bool,
    source_column: Option<String>,
}

fn options(params: &[OpParam]) -> Result<Options, Diagnostic> {
    let mut o = Options {
        inner: false,
        fuzzy: false,
        source_column: None,
    };
    for p in params {
        let text = param_text(p);
        match (p.name.name.as_str(), text.as_deref()) {
            ("kind", Some("inner")) => o.inner = true,
            ("kind", Some("outer")) => o.inner = false,
            ("isfuzzy", Some(v)) => o.fuzzy = v.eq_ignore_ascii_case("true"),
            ("withsource", Some(v)) => o.source_column = Some(v.to_string()),
            (n, _) if n.starts_with("hint.") => {}
            (n @ ("kind" | "isfuzzy" | "withsource"), v) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    match v {
                        Some(v) => format!("invalid value '{v}' for the union parameter '{n}'"),
                        None => format!("invalid value for the union parameter '{n}'"),
                    },
                )
                .with_hint("union takes kind=inner|outer, withsource=Name, isfuzzy=true|false"));
            }
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("unknown or invalid union parameter '{n}'"),
                )
                .with_hint("union takes kind=inner|outer, withsource=Name, isfuzzy=true|false"));
            }
        }
    }
    Ok(o)
}

pub(crate) fn bind(
    b: &mut Binder,
    input: Option<BoundTabular>,
    params: &[OpParam],
    tables: &[Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let input = input.map(|i| ("union_arg0".to_string(), i));
    bind_with(b, input, options(params)?, tables, span)
}

/// An outer union of `input` (with its source name) or `tables` with a
/// column `source_column` naming each row's table (what `search` reads).
pub(crate) fn bind_with_source_column(
    b: &mut Binder,
    input: Option<(String, BoundTabular)>,
    tables: &[Expr],
    source_column: &str,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let opts = Options {
        inner: false,
        fuzzy: false,
        source_column: Some(source_column.to_string()),
    };
    bind_with(b, input, opts, tables, span)
}

fn bind_with(
    b: &mut Binder,
    input: Option<(String, BoundTabular)>,
    opts: Options,
    tables: &[Expr],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let sources = sources(b, input, tables, opts.fuzzy, span)?;
    Ok(merge(sources, opts.inner, opts.source_column.as_deref()))
}

/// The sources of a union: `input` (with its source name), then each of
/// `tables`, wildcards expanded over the tabular lets and the catalog;
/// `fuzzy` skips the ones that do not resolve.
pub(crate) fn sources(
    b: &mut Binder,
    input: Option<(String, BoundTabular)>,
    tables: &[Expr],
    fuzzy: bool,
    span: Span,
) -> Result<Vec<(String, BoundTabular)>, Diagnostic> {
    // (source name, bound table)
    let mut sources: Vec<(String, BoundTabular)> = Vec::new();
    sources.extend(input);
    for (i, t) in tables.iter().enumerate() {
        match &t.kind {
            ExprKind::Name(id) if id.name.contains('*') => {
                // Tabular `let`s and views match too (union-operator.md:
                // `union isfuzzy=true View*, SomeView*, OtherView*`); they
                // shadow tables of the same name.
                let lets = b.tabular_let_names();
                let mut names: Vec<String> = lets
                    .iter()
                    .cloned()
                    .chain(b.catalog.table_names())
                    .filter(|n| super::matches_pattern(&id.name, n))
                    .collect();
                names.sort();
                names.dedup();
                for n in names {
                    if lets.contains(&n) {
                        let ident = kql_syntax::ast::Ident {
                            name: n.clone(),
                            span: id.span,
                        };
                        let bound = b.bind_table_name(&ident)?;
                        sources.push((n, bound));
                    } else if let Some(cols) = b.catalog.table(&n) {
                        sources.push((n.clone(), b.scan_table(&n, cols)));
                    }
                }
            }
            _ => {
                let name = match &t.kind {
                    ExprKind::Name(id) => id.name.clone(),
                    _ => format!("union_arg{}", sources.len().max(i)),
                };
                match b.bind_tabular(t) {
                    Ok(bound) => sources.push((name, bound)),
                    Err(e)
                        if fuzzy
                            && matches!(e.code, Code::UnknownTable | Code::UnknownFunction) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    if sources.is_empty() {
        return Err(Diagnostic::at(
            Code::UnknownTable,
            span,
            "none of the union's sources exist",
        ));
    }
    Ok(sources)
}

/// The outer (or, `inner`, common-column) union of `sources`, with a
/// `source_column` naming each row's source when given.
pub(crate) fn merge(
    sources: Vec<(String, BoundTabular)>,
    inner: bool,
    source_column: Option<&str>,
) -> BoundTabular {
    // Output columns: by name, in order of first appearance; a name seen with
    // several types becomes name_type for each type.
    let mut seen: Vec<(String, Vec<KqlType>)> = Vec::new();
    for (_, s) in &sources {
        for c in &s.columns {
            match seen.iter_mut().find(|(n, _)| *n == c.name) {
                Some((_, tys)) => {
                    if !tys.contains(&c.ty) {
                        tys.push(c.ty);
                    }
                }
                None => seen.push((c.name.clone(), vec![c.ty])),
            }
        }
    }
    if inner {
        seen.retain(|(n, tys)| {
            tys.len() == 1 && sources.iter().all(|(_, s)| s.column(n).is_some())
        });
    }
    // (output name, source column name, type)
    let mut out: Vec<(String, String, KqlType)> = Vec::new();
    for (name, tys) in &seen {
        if tys.len() == 1 {
            out.push((name.clone(), name.clone(), tys[0]));
        } else {
            for ty in tys {
                // A generated name that another column already has gets a
                // numeric suffix: x_long1 when x_long exists (union-operator.md).
                let base = format!("{name}_{}", ty.as_str());
                let taken = |n: &str| {
                    seen.iter().any(|(s, t)| t.len() == 1 && s == n)
                        || out.iter().any(|(o, _, _)| o == n)
                };
                out.push((unique_name(base, taken), name.clone(), *ty));
            }
        }
    }
    let mut columns: Vec<BoundColumn> = Vec::new();
    if let Some(sc) = source_column {
        columns.push(BoundColumn::new(sc.to_string(), KqlType::String));
    }
    columns.extend(out.iter().map(|(n, _, t)| BoundColumn::new(n.clone(), *t)));

    let mut inputs = Vec::new();
    for (source_name, s) in sources {
        let mut items: Vec<(String, BExpr)> = Vec::new();
        if let Some(sc) = source_column {
            items.push((
                sc.to_string(),
                BExpr::new(lit(source_name.clone()), KqlType::String),
            ));
        }
        for (out_name, src_name, ty) in &out {
            let e = match s.column(src_name) {
                Some(c) if c.ty == *ty => BExpr::new(column_expr(src_name), *ty),
                _ => null_of(*ty),
            };
            items.push((out_name.clone(), e));
        }
        inputs.push(super::project_node(s, items));
    }
    if inputs.len() == 1 {
        return inputs.pop().expect("one input");
    }
    BoundTabular {
        op: BoundOp::Union { inputs },
        columns,
    }
}
