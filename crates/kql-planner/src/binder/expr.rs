//! Scalar expressions: names, member access, calls, and the dispatch to the
//! operator and function binders. Also the conversions (`coerce_to`,
//! `to_string_expr`) every other scalar binder uses.

use super::literal::{bind_literal, constant};
use super::{Binder, LetBinding, aggregates, functions, operators};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, is_numeric};
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_syntax::ast::{self, ExprKind};
use kql_syntax::diagnostic::suggest;
use kql_syntax::{Code, Diagnostic, Span};

/// A reference to a column by exact name (no identifier parsing: KQL names
/// may hold dots, spaces or other characters inside `['...']`).
pub(crate) fn column_expr(name: &str) -> Expr {
    Expr::Column(Column::from_name(name))
}

pub(crate) fn bind_scalar(
    b: &mut Binder,
    e: &ast::Expr,
    row: &[BoundColumn],
) -> Result<BExpr, Diagnostic> {
    match &e.kind {
        ExprKind::Literal(l) => bind_literal(l, e.span),
        ExprKind::Name(id) => bind_name(b, id, row),
        ExprKind::Unary { op, operand } => operators::bind_unary(b, *op, operand, row, e.span),
        ExprKind::Binary { op, left, right } => {
            operators::bind_binary(b, *op, left, right, row, e.span)
        }
        ExprKind::In { expr, op, list } => operators::bind_in(b, expr, *op, list, row, e.span),
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => operators::bind_between(b, expr, low, high, *negated, row, e.span),
        ExprKind::HasAnyAll { expr, op, list } => {
            operators::bind_has_list(b, expr, *op, list, row, e.span)
        }
        ExprKind::Call(call) => bind_call(b, call, row, e.span),
        // `$left.Col` parses as a member access on `$left`.
        ExprKind::Member { target, .. } if matches!(target.kind, ExprKind::JoinSide(_)) => {
            Err(join_side_outside_join(e.span))
        }
        ExprKind::Member { .. } | ExprKind::Index { .. } => Err(Diagnostic::at(
            Code::UnsupportedFeature,
            e.span,
            "access into dynamic values (`x.name`, `x[0]`) is not supported yet",
        )
        .with_hint("dynamic property and index access comes with the function library")),
        ExprKind::JoinSide(_) => Err(join_side_outside_join(e.span)),
        ExprKind::Star => Err(Diagnostic::at(
            Code::Syntax,
            e.span,
            "`*` is not a value here",
        )),
        ExprKind::Pipe { .. } | ExprKind::Source(_) | ExprKind::ImplicitInput => {
            Err(Diagnostic::at(
                Code::NotScalar,
                e.span,
                "a tabular expression cannot be used as a scalar value",
            )
            .with_hint("use toscalar(...) to turn a one-row, one-column table into a value"))
        }
    }
}

fn join_side_outside_join(span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::Syntax,
        span,
        "`$left` / `$right` can only be used in the `on` clause of a join",
    )
    .with_hint("outside a join, refer to the column by its name alone")
}

fn bind_name(b: &mut Binder, id: &ast::Ident, row: &[BoundColumn]) -> Result<BExpr, Diagnostic> {
    if let Some(c) = row.iter().find(|c| c.name == id.name) {
        return Ok(BExpr::new(column_expr(&c.name), c.ty));
    }
    match b.lookup_let(&id.name) {
        Some(LetBinding::Scalar(v)) => return Ok(v.clone()),
        Some(LetBinding::Tabular(_)) => {
            return Err(Diagnostic::at(
                Code::NotScalar,
                id.span,
                format!(
                    "'{}' is a table, but a scalar value is expected here",
                    id.name
                ),
            )
            .with_hint("use toscalar(...) to turn a one-row, one-column table into a value"));
        }
        Some(LetBinding::Function(f)) if f.params.is_empty() => {
            let f = f.clone();
            return match b.call_user_function(&id.name, &f, &[], row, id.span)? {
                super::Bound::Scalar(s) => Ok(s),
                super::Bound::Tabular(_) => Err(Diagnostic::at(
                    Code::NotScalar,
                    id.span,
                    format!(
                        "'{}' returns a table, but a scalar value is expected here",
                        id.name
                    ),
                )),
            };
        }
        _ => {}
    }
    if b.catalog.table(&id.name).is_some() {
        return Err(Diagnostic::at(
            Code::NotScalar,
            id.span,
            format!(
                "'{}' is a table, but a scalar value is expected here",
                id.name
            ),
        ));
    }
    let mut d = Diagnostic::at(
        Code::UnknownColumn,
        id.span,
        format!("unknown column or variable '{}'", id.name),
    );
    let names: Vec<&str> = row.iter().map(|c| c.name.as_str()).collect();
    let close = suggest(&id.name, names.iter().copied());
    if !close.is_empty() {
        d = d.with_hint(format!("did you mean '{}'?", close.join("', '")));
    } else if names.is_empty() {
        d = d.with_hint("there are no columns here; define it with `let` first");
    } else if names.len() <= 30 {
        d = d.with_hint(format!("the columns here are: {}", names.join(", ")));
    } else {
        d = d.with_hint(format!(
            "the columns here are: {}, ... ({} in all)",
            names[..30].join(", "),
            names.len()
        ));
    }
    Err(d)
}

fn bind_call(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let name = call.name.name.as_str();
    if let Some(LetBinding::Function(f)) = b.lookup_let(name) {
        let f = f.clone();
        return match b.call_user_function(name, &f, &call.args, row, span)? {
            super::Bound::Scalar(s) => Ok(s),
            super::Bound::Tabular(_) => Err(Diagnostic::at(
                Code::NotScalar,
                span,
                format!("'{name}()' returns a table, but a scalar value is expected here"),
            )),
        };
    }
    if aggregates::is_aggregate(name) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            format!("aggregation function '{name}()' can only be used in `summarize`"),
        )
        .with_hint(format!(
            "aggregate first, e.g. `| summarize r = {name}(...) by ...`, then use `r`"
        )));
    }
    functions::bind_function(b, call, row, span)
}

/// Convert a value to a KQL type as a function parameter or a datatable cell
/// does: numeric widening and exact matches only.
pub(crate) fn coerce_to(v: BExpr, to: KqlType, span: Span) -> Result<BExpr, Diagnostic> {
    if v.ty == to {
        return Ok(v);
    }
    let is_null_literal = matches!(v.literal, Some(ast::Literal::Null(_)));
    if (is_numeric(v.ty) && is_numeric(to))
        || is_null_literal
        || to == KqlType::Dynamic
        || (v.ty == KqlType::String && to == KqlType::Guid)
    {
        return Ok(cast_to(v, to));
    }
    Err(Diagnostic::at(
        Code::TypeMismatch,
        span,
        format!(
            "expected a value of type {}, got {}",
            to.as_str(),
            v.ty.as_str()
        ),
    ))
}

/// An explicit cast to the Arrow type of `to` (no check).
pub(crate) fn cast_to(v: BExpr, to: KqlType) -> BExpr {
    if v.ty == to {
        return v;
    }
    let expr = match (v.ty, to) {
        // A null of another type becomes a null of the new type; a string is
        // never null.
        (_, KqlType::String) => return to_string_expr(v),
        (_, KqlType::Dynamic) if v.ty != KqlType::String && v.ty != KqlType::Guid => {
            cast(v.expr, arrow_type(KqlType::String))
        }
        _ => cast(v.expr, arrow_type(to)),
    };
    BExpr::new(expr, to)
}

/// `tostring()` semantics for the simple types: a null becomes "".
pub(crate) fn to_string_expr(v: BExpr) -> BExpr {
    match v.ty {
        KqlType::String => v,
        KqlType::Guid | KqlType::Dynamic => {
            BExpr::new(coalesce(vec![v.expr, lit("")]), KqlType::String)
        }
        KqlType::DateTime | KqlType::TimeSpan | KqlType::Real => BExpr::new(
            kql_functions::tostring::tostring_expr(v.expr),
            KqlType::String,
        ),
        _ => BExpr::new(
            coalesce(vec![cast(v.expr, arrow_type(KqlType::String)), lit("")]),
            KqlType::String,
        ),
    }
}

/// A typed null constant.
pub(crate) fn null_of(ty: KqlType) -> BExpr {
    if ty == KqlType::String {
        return constant(ScalarValue::Utf8(Some(String::new())), ty);
    }
    let v = ScalarValue::try_from(&arrow_type(ty)).unwrap_or(ScalarValue::Null);
    constant(v, ty)
}
