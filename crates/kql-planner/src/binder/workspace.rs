//! What a Sentinel workspace adds to the language: saved functions (ASIM
//! parsers) callable by name, `_GetWatchlist(alias)`, `externaldata` feeds,
//! and a scheduled rule's time window on every table scan.

use super::expr::column_expr;
use super::{Binder, Bound};
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::catalog::{ExternalDataRequest, WorkspaceFunction};
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Operator, binary_expr, lit};
use kql_syntax::ast::{self, ColumnDecl, ExprKind, Literal, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

/// The column Sentinel's look-back applies to.
const TIME_COLUMN: &str = "TimeGenerated";

impl Binder<'_> {
    /// A scan of an archive table, limited to the rule's time window when
    /// one is set and the table has a `TimeGenerated` datetime column.
    pub(crate) fn scan_table(&self, table: &str, columns: Vec<BoundColumn>) -> BoundTabular {
        let scan = super::ops::scan(table, columns);
        let Some((from, to)) = self.options.time_window else {
            return scan;
        };
        let has_time = scan
            .columns
            .iter()
            .any(|c| c.name == TIME_COLUMN && c.ty == KqlType::DateTime);
        if !has_time {
            return scan;
        }
        let at = |ns: i64| lit(ScalarValue::TimestampNanosecond(Some(ns), None));
        let predicate = binary_expr(
            binary_expr(column_expr(TIME_COLUMN), Operator::GtEq, at(from)),
            Operator::And,
            binary_expr(column_expr(TIME_COLUMN), Operator::LtEq, at(to)),
        );
        BoundTabular {
            columns: scan.columns.clone(),
            op: BoundOp::Filter {
                input: Box::new(scan),
                predicate: BExpr::new(predicate, KqlType::Bool),
            },
        }
    }

    /// A workspace function by name, when the catalog has one that parses
    /// (a parse error surfaces when the function is called).
    pub(crate) fn workspace_function(&self, name: &str) -> Option<WorkspaceFunction> {
        self.catalog.function(name).ok().flatten()
    }

    /// Whether `name` is a workspace function whose text does not parse:
    /// binding it as a table reports the error.
    pub(crate) fn broken_workspace_function(&self, name: &str) -> bool {
        self.catalog.function(name).is_err()
    }

    /// Call a saved function: bound like a `let` function, but in a scope
    /// that hides the caller's `let`s; a diagnostic from inside its body is
    /// re-pointed at the call and names the place in the function's file.
    pub(crate) fn call_workspace_function(
        &mut self,
        f: &WorkspaceFunction,
        args: &[ast::Arg],
        row: &[BoundColumn],
        span: Span,
    ) -> Result<Bound, Diagnostic> {
        let arity_ok = args.len() <= f.def.params.len();
        let result = self.call_function(&f.name, &f.def, args, row, span, true);
        result.map_err(|mut d| {
            // Errors in the arguments already point into the caller's text.
            let in_args = d.span.is_some_and(|s| {
                args.iter()
                    .any(|a| a.span.start <= s.start && s.end <= a.span.end)
            });
            if arity_ok && !in_args && d.code != Code::WrongArgCount {
                let place = d
                    .span
                    .map(|s| (f.locate)(s))
                    .unwrap_or_else(|| f.origin.clone());
                d.message = format!(
                    "{} (in workspace function '{}', {place})",
                    d.message, f.name
                );
                d.span = Some(span);
            }
            d
        })
    }
}

/// `_GetWatchlist('alias')`.
pub(crate) fn bind_watchlist(
    b: &mut Binder,
    call: &ast::Call,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let [arg] = call.args.as_slice() else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            "_GetWatchlist() takes one argument: the watchlist alias",
        ));
    };
    let Some(Literal::String(alias)) = b.bind_scalar(&arg.value, &[])?.literal else {
        return Err(Diagnostic::at(
            Code::NotConstant,
            arg.value.span,
            "_GetWatchlist() needs a constant string: the watchlist alias",
        ));
    };
    let (table, columns) = b.catalog.watchlist(&alias, span)?;
    b.memory_tables.insert(table.clone());
    Ok(super::ops::scan(&table, columns))
}

/// `externaldata (cols) [urls] with (options)`.
pub(crate) fn bind_externaldata(
    b: &mut Binder,
    columns: &[ColumnDecl],
    urls: &[ast::Expr],
    params: &[OpParam],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let columns: Vec<BoundColumn> = columns
        .iter()
        .map(|c| BoundColumn::new(c.name.name.clone(), c.ty))
        .collect();
    let mut url_texts = Vec::new();
    for u in urls {
        let v = b.bind_scalar(u, &[])?;
        match v.literal {
            Some(Literal::String(s)) => url_texts.push(s),
            _ => {
                return Err(Diagnostic::at(
                    Code::NotConstant,
                    u.span,
                    "an externaldata URL must be a constant string",
                ));
            }
        }
    }
    let mut options = Vec::new();
    for p in params {
        let value = match &p.value.kind {
            ExprKind::Name(id) => id.name.clone(),
            ExprKind::Literal(Literal::String(s)) => s.clone(),
            ExprKind::Literal(Literal::Bool(v)) => v.to_string(),
            ExprKind::Literal(Literal::Long(v)) => v.to_string(),
            ExprKind::Literal(Literal::Int(v)) => v.to_string(),
            _ => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.value.span,
                    format!(
                        "the externaldata option '{}' needs a constant value",
                        p.name.name
                    ),
                ));
            }
        };
        options.push((p.name.name.to_ascii_lowercase(), value));
    }
    let request = ExternalDataRequest {
        columns: columns.clone(),
        urls: url_texts,
        options,
        span,
    };
    let table = b.catalog.external_data(&request)?;
    b.memory_tables.insert(table.clone());
    Ok(super::ops::scan(&table, columns))
}
