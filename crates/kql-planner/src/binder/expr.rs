//! Scalar expressions: names, member access, calls, and the dispatch to the
//! operator and function binders. Also the conversions (`coerce_to`,
//! `to_string_expr`) every other scalar binder uses.

use super::literal::{bind_literal, constant};
use super::{Binder, LetBinding, aggregates, functions, operators};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, is_numeric};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, cast, lit, try_cast};
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
        ExprKind::HasAnyAll { expr, op, list } => operators::bind_has_list(b, expr, *op, list, row),
        ExprKind::Call(call) => bind_call(b, call, row, e.span),
        // `$left.Col` parses as a member access on `$left`.
        ExprKind::Member { target, .. } if matches!(target.kind, ExprKind::JoinSide(_)) => {
            Err(join_side_outside_join(e.span))
        }
        ExprKind::Member { target, name } => {
            let t = bind_dynamic_target(b, target, row)?;
            let key = lit(name.name.as_str());
            Ok(BExpr::new(
                kql_functions::dynamic::dynamic_get_expr(t.expr, key),
                KqlType::Dynamic,
            ))
        }
        ExprKind::Index { target, index } => {
            // `array_sort_asc(a1, a2)[1]`: one of the sorted arrays
            if let Some(v) = super::functions::bind_sorted_member(b, target, index, row)? {
                return Ok(v);
            }
            let t = bind_dynamic_target(b, target, row)?;
            let i = b.bind_scalar(index, row)?;
            let key = match i.ty {
                KqlType::String => i.expr,
                KqlType::Int | KqlType::Long => cast(i.expr, DataType::Int64),
                KqlType::Dynamic => cast_to(i, KqlType::Long).expr,
                other => {
                    return Err(Diagnostic::at(
                        Code::TypeMismatch,
                        index.span,
                        format!(
                            "an index into a dynamic value must be a string or an integer, got {}",
                            other.as_str()
                        ),
                    ));
                }
            };
            Ok(BExpr::new(
                kql_functions::dynamic::dynamic_get_expr(t.expr, key),
                KqlType::Dynamic,
            ))
        }
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

/// The target of `x.name` / `x[i]`: it must be `dynamic`, as in Kusto.
fn bind_dynamic_target(
    b: &mut Binder,
    target: &ast::Expr,
    row: &[BoundColumn],
) -> Result<BExpr, Diagnostic> {
    let t = b.bind_scalar(target, row)?;
    if t.ty == KqlType::Dynamic {
        return Ok(t);
    }
    let d = Diagnostic::at(
        Code::TypeMismatch,
        target.span,
        format!(
            "property and index access (`x.name`, `x[0]`) needs a dynamic value, got {}",
            t.ty.as_str()
        ),
    );
    Err(if t.ty == KqlType::String {
        d.with_hint("parse the JSON text first: parse_json(x).name or todynamic(x)[0]")
    } else {
        d.with_hint("only dynamic values have properties and elements")
    })
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
    if row
        .iter()
        .any(|c| c.name == crate::bound::OPEN_SCHEMA_COLUMN)
    {
        // a column the data may have (see OPEN_SCHEMA_COLUMN)
        return Ok(null_of(KqlType::Dynamic));
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
    if name == "toscalar" {
        return super::eager::toscalar(b, call, span);
    }
    if !functions::is_known_scalar(name)
        && !aggregates::is_aggregate(name)
        && let Some(f) = b.catalog.function(name)?
    {
        return match b.call_workspace_function(&f, &call.args, row, span)? {
            super::Bound::Scalar(s) => Ok(s),
            super::Bound::Tabular(_) => Err(Diagnostic::at(
                Code::NotScalar,
                span,
                format!("'{name}()' returns a table, but a scalar value is expected here"),
            )),
        };
    }
    if let Some(input) = b.aggregate_row.take() {
        // an aggregate inside a `summarize` result expression: its arguments
        // read the input rows (and may not hold aggregates themselves)
        if aggregates::is_aggregate(name) {
            let r = aggregates::bind_aggregate(b, call, &input, span);
            b.aggregate_row = Some(input);
            return r;
        }
        b.aggregate_row = Some(input);
    }
    // merge_tdigest / hll_merge are scalar functions too outside `summarize`
    if aggregates::is_aggregate(name) && !functions::is_known_scalar(name) {
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
        // Out of dynamic: the JSON scalar converted as to<type>() does.
        (KqlType::Dynamic, _) => return from_dynamic(v, to),
        // A null of another type becomes a null of the new type; a string is
        // never null.
        (_, KqlType::String) => return to_string_expr(v),
        // Text becomes a dynamic *string* (JSON-quoted), as do datetimes and
        // timespans (by their Kusto text); numbers and bools are JSON already.
        (
            KqlType::String | KqlType::Guid | KqlType::DateTime | KqlType::TimeSpan,
            KqlType::Dynamic,
        ) => {
            let text = to_string_expr(v.clone()).expr;
            let quoted = kql_functions::dynamic::string_to_dynamic_expr(text);
            // keep a null a null (a string is never null)
            if matches!(v.ty, KqlType::DateTime | KqlType::TimeSpan) {
                datafusion::logical_expr::when(v.expr.is_null(), lit(ScalarValue::Utf8(None)))
                    .otherwise(quoted)
                    .unwrap_or_else(|_| lit(ScalarValue::Utf8(None)))
            } else {
                quoted
            }
        }
        (_, KqlType::Dynamic) => cast(v.expr, arrow_type(KqlType::String)),
        // The text forms a `datetime(...)` literal accepts, null otherwise.
        (KqlType::String, KqlType::DateTime) => kql_functions::todatetime::todatetime_expr(v.expr),
        _ => cast(v.expr, arrow_type(to)),
    };
    BExpr::new(expr, to)
}

/// `tostring()` semantics for the simple types: a null becomes "".
pub(crate) fn to_string_expr(v: BExpr) -> BExpr {
    match v.ty {
        KqlType::String => v,
        KqlType::Guid => BExpr::new(coalesce(vec![v.expr, lit("")]), KqlType::String),
        KqlType::Dynamic => BExpr::new(
            kql_functions::dynamic::dynamic_tostring_expr(v.expr),
            KqlType::String,
        ),
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

/// A dynamic value converted to a scalar type as `tolong()`, `tostring()`,
/// ... do: null when the value does not convert.
pub(crate) fn from_dynamic(v: BExpr, to: KqlType) -> BExpr {
    use kql_functions::dynamic::{ConvertTarget, dynamic_convert_expr};
    let conv = |t| dynamic_convert_expr(t, v.expr.clone());
    let expr = match to {
        KqlType::Dynamic => return v,
        KqlType::String => return to_string_expr(v),
        KqlType::Long => conv(ConvertTarget::Long),
        KqlType::Int => conv(ConvertTarget::Int),
        KqlType::Real => conv(ConvertTarget::Real),
        KqlType::Bool => conv(ConvertTarget::Bool),
        KqlType::Decimal => try_cast(conv(ConvertTarget::Real), arrow_type(to)),
        KqlType::Guid => {
            datafusion::functions::core::expr_fn::nullif(to_string_expr(v.clone()).expr, lit(""))
        }
        KqlType::TimeSpan => {
            kql_functions::timespan::totimespan_expr(to_string_expr(v.clone()).expr)
        }
        KqlType::DateTime => {
            kql_functions::todatetime::todatetime_expr(to_string_expr(v.clone()).expr)
        }
    };
    BExpr::new(expr, to)
}

/// A typed null constant.
pub(crate) fn null_of(ty: KqlType) -> BExpr {
    if ty == KqlType::String {
        return constant(ScalarValue::Utf8(Some(String::new())), ty);
    }
    let v = ScalarValue::try_from(&arrow_type(ty)).unwrap_or(ScalarValue::Null);
    constant(v, ty)
}
