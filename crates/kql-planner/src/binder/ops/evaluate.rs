//! `evaluate [hints] plugin(args) [: (schema)]` (evaluate-operator.md): a
//! dispatch to the plugins kql implements, one file each under
//! `evaluate/`. A plugin whose output columns depend on the data
//! (`bag_unpack`, `pivot`) computes what it needs once, while binding
//! (`binder/eager.rs`). Any other plugin is reported as not supported.

mod bag_unpack;
mod geo_lookup;
mod ip_lookup;
mod pivot;
mod rows_near;
mod timeline;

use super::Binder;
use crate::bound::BoundTabular;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::record_batch::RecordBatch;
use kql_syntax::ast::{self, ColumnDecl, ExprKind, Literal, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

/// One `evaluate` operator.
pub(crate) struct Plugin<'a> {
    pub call: &'a ast::Call,
    pub schema: Option<&'a (Vec<ColumnDecl>, bool)>,
    pub span: Span,
}

/// `T | evaluate plugin(...)`.
pub(crate) fn bind(
    b: &mut Binder,
    input: Option<BoundTabular>,
    params: &[OpParam],
    call: &ast::Expr,
    schema: Option<&(Vec<ColumnDecl>, bool)>,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    for p in params {
        if !p.name.name.starts_with("hint.") {
            return Err(Diagnostic::at(
                Code::BadArgument,
                p.name.span,
                format!("evaluate has no parameter '{}'", p.name.name),
            ));
        }
    }
    let ExprKind::Call(c) = &call.kind else {
        return Err(Diagnostic::at(
            Code::BadArgument,
            call.span,
            "evaluate expects a plugin call, such as bag_unpack(Column)",
        ));
    };
    let plugin = Plugin {
        call: c,
        schema,
        span,
    };
    let name = c.name.name.as_str();
    let Some(input) = input else {
        return Err(unsupported(name, c.name.span));
    };
    match name {
        "bag_unpack" => bag_unpack::bind(b, input, &plugin),
        "pivot" => pivot::bind(b, input, &plugin),
        "ipv4_lookup" => ip_lookup::bind(b, input, &plugin, false),
        "ipv6_lookup" => ip_lookup::bind(b, input, &plugin, true),
        "rows_near" => rows_near::bind(b, input, &plugin),
        "geo_polygon_lookup" => geo_lookup::bind(b, input, &plugin, false),
        "geo_line_lookup" => geo_lookup::bind(b, input, &plugin, true),
        "activity_counts_metrics" => timeline::activity_counts_metrics(b, input, &plugin),
        "active_users_count" => timeline::active_users_count(b, input, &plugin),
        "sliding_window_counts" => timeline::sliding_window_counts(b, input, &plugin),
        "rolling_percentile" => timeline::rolling_percentile(b, input, &plugin),
        _ => Err(unsupported(name, c.name.span)),
    }
}

fn unsupported(name: &str, span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedOperator,
        span,
        format!("the evaluate plugin {name}() is not supported yet"),
    )
    .with_hint(
        "kql implements bag_unpack, pivot, ipv4_lookup, ipv6_lookup, geo_polygon_lookup, \
         geo_line_lookup, rows_near, activity_counts_metrics, active_users_count, \
         sliding_window_counts and rolling_percentile",
    )
}

/// The positional and named arguments of a plugin call: `names[i]` is the
/// name of the i-th parameter. A named argument takes its parameter's
/// place; a positional one the next free place.
pub(crate) fn plugin_args<'a>(
    plugin: &'a Plugin<'_>,
    names: &[&str],
) -> Result<Vec<Option<&'a ast::Expr>>, Diagnostic> {
    let pname = &plugin.call.name.name;
    let mut out: Vec<Option<&ast::Expr>> = vec![None; names.len()];
    let mut next = 0;
    for a in &plugin.call.args {
        let i = match &a.name {
            Some(n) => names
                .iter()
                .position(|x| x.eq_ignore_ascii_case(&n.name))
                .ok_or_else(|| {
                    Diagnostic::at(
                        Code::BadArgument,
                        n.span,
                        format!("{pname}() has no parameter named '{}'", n.name),
                    )
                    .with_hint(format!("its parameters are: {}", names.join(", ")))
                })?,
            None => {
                while next < names.len() && out[next].is_some() {
                    next += 1;
                }
                next
            }
        };
        if i >= names.len() {
            return Err(Diagnostic::at(
                Code::WrongArgCount,
                a.span,
                format!("{pname}() takes at most {} arguments", names.len()),
            ));
        }
        if out[i].is_some() {
            return Err(Diagnostic::at(
                Code::BadArgument,
                a.span,
                format!("{pname}() is given '{}' twice", names[i]),
            ));
        }
        out[i] = Some(&a.value);
    }
    Ok(out)
}

/// A constant string argument (a literal or a folded `let`).
pub(crate) fn const_string(
    b: &mut Binder,
    e: &ast::Expr,
    what: &str,
) -> Result<String, Diagnostic> {
    if let ExprKind::Name(id) = &e.kind
        && b.lookup_let(&id.name).is_none()
    {
        // `columnsConflict=keep_source` written without quotes
        return Ok(id.name.clone());
    }
    let v = b.bind_scalar(e, &[])?;
    let v = super::super::eager::fold_if_constant(b, v, e.span)?;
    match v.literal {
        Some(Literal::String(s)) => Ok(s),
        _ => Err(Diagnostic::at(
            Code::NotConstant,
            e.span,
            format!("{what} must be a constant string"),
        )),
    }
}

/// A constant bool argument.
pub(crate) fn const_bool(b: &mut Binder, e: &ast::Expr, what: &str) -> Result<bool, Diagnostic> {
    let v = b.bind_scalar(e, &[])?;
    let v = super::super::eager::fold_if_constant(b, v, e.span)?;
    match v.literal {
        Some(Literal::Bool(x)) => Ok(x),
        _ => Err(Diagnostic::at(
            Code::NotConstant,
            e.span,
            format!("{what} must be a constant bool"),
        )),
    }
}

/// The values of the first column of computed batches, as text (`None`
/// for a null).
pub(crate) fn first_column_text(
    batches: &[RecordBatch],
) -> Result<Vec<Option<String>>, Diagnostic> {
    let mut out = Vec::new();
    for batch in batches {
        if batch.num_columns() == 0 {
            continue;
        }
        let col = datafusion::arrow::compute::cast(
            batch.column(0),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .map_err(|e| Diagnostic::internal("bind", e))?;
        let s = col.as_string::<i32>();
        for i in 0..s.len() {
            out.push(s.is_valid(i).then(|| s.value(i).to_string()));
        }
    }
    Ok(out)
}

/// Without data (`kql check`), a data-dependent plugin's output: the
/// columns it is known to keep, and the open-schema marker for the rest.
pub(crate) fn open_output(input: BoundTabular, kept: &[crate::bound::BoundColumn]) -> BoundTabular {
    let mut items: Vec<(String, crate::bound::BExpr)> = kept
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                crate::bound::BExpr::new(super::column_expr(&c.name), c.ty),
            )
        })
        .collect();
    items.push((
        crate::bound::OPEN_SCHEMA_COLUMN.to_string(),
        super::super::expr::null_of(crate::types::KqlType::Dynamic),
    ));
    super::project_node(input, items)
}
