//! Values Kusto computes once per query, computed once while binding:
//! `toscalar()`, `materialize()`, scalar `let`s and constant arguments,
//! and the table on the right of `has_any` / `in`.
//!
//! The catalog runs the sub-plan ([`Catalog::evaluate`]); the result comes
//! back as a constant, so the main plan sees literals: `has_any` builds its
//! matcher once, `in` becomes an `IN (...)` list the Parquet scan can prune
//! with, and a `where not(disabled)` on a constant disappears. A catalog
//! without data (binding for `check`) cannot evaluate: the expressions stay
//! as they are.
//!
//! [`Catalog::evaluate`]: crate::catalog::Catalog::evaluate

use super::Binder;
use super::literal::bind_literal;
use crate::bound::{BExpr, BoundOp, BoundTabular};
use crate::catalog::MemoryTable;
use crate::types::KqlType;
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::execution::context::ExecutionProps;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{Case, ColumnarValue, Expr, LogicalPlanBuilder};
use datafusion::physical_expr::create_physical_expr;
use kql_syntax::ast::{self, DynamicLit, Literal};
use kql_syntax::{Code, Diagnostic, Span};
use std::sync::Arc;

/// Replace an expression that reads no column by its value (a scalar `let`,
/// a constant argument), when the catalog can run plans.
pub(crate) fn fold_if_constant(b: &Binder, v: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    if v.literal.is_some()
        || !b.catalog.can_evaluate()
        || !v.expr.column_refs().is_empty()
        || matches!(v.expr, datafusion::logical_expr::Expr::Literal(..))
    {
        return Ok(v);
    }
    let value = evaluate_scalar(b, &v, span)?;
    to_constant(value, v.ty, span)
}

fn evaluate_scalar(b: &Binder, v: &BExpr, span: Span) -> Result<ScalarValue, Diagnostic> {
    if let Some(value) = evaluate_in_place(v) {
        return Ok(value);
    }
    let plan = LogicalPlanBuilder::empty(true)
        .project(vec![v.expr.clone().alias("__kql_value")])
        .and_then(|p| p.build())
        .map_err(|e| Diagnostic::internal("bind", e))?;
    let batches = b.catalog.evaluate(&plan, span)?;
    first_value(&batches, v.ty)
}

/// The value of `v` when it reads no column and computes in place (a
/// literal, a `let` constant, a function's parameter given a constant);
/// `None` otherwise. Needs no catalog, so it works in `kql check` too.
pub(crate) fn constant_in_place(v: &BExpr) -> Option<ScalarValue> {
    if v.expr.column_refs().is_empty() {
        evaluate_in_place(v)
    } else {
        None
    }
}

/// The value of an expression that reads no column, computed directly over
/// one empty row: microseconds, where a plan through the catalog costs a
/// query. `None` when the expression needs what only a full plan gives
/// (the analyzer's coercions): the caller then runs the plan.
pub(crate) fn evaluate_in_place(v: &BExpr) -> Option<ScalarValue> {
    let schema = DFSchema::empty();
    let expr = coalesce_as_case(v.expr.clone()).ok()?;
    let physical = create_physical_expr(
        &expr,
        &schema,
        &ExecutionProps::new(),
        &PhysicalPlanningContext::default(),
    )
    .ok()?;
    let one_row = RecordBatchOptions::new().with_row_count(Some(1));
    let batch =
        RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &one_row).ok()?;
    let value = match physical.evaluate(&batch).ok()? {
        ColumnarValue::Scalar(s) => s,
        ColumnarValue::Array(a) if a.len() == 1 => ScalarValue::try_from_array(&a, 0).ok()?,
        ColumnarValue::Array(_) => return None,
    };
    // the type the plan would have given it, or the slow path decides
    (value.data_type() == crate::types::arrow_type(v.ty)).then_some(value)
}

/// `coalesce(a, b, …)` as `case when a is not null then a … else last end`.
/// DataFusion's `coalesce` has no kernel of its own (its optimiser rewrites
/// it so before planning), and the binder writes it wherever a `null` must
/// read as `false` or `""`.
fn coalesce_as_case(e: Expr) -> datafusion::common::Result<Expr> {
    e.transform_up(|node| match node {
        Expr::ScalarFunction(f) if f.func.name() == "coalesce" && !f.args.is_empty() => {
            let mut args = f.args;
            let last = args.pop().expect("not empty");
            if args.is_empty() {
                return Ok(Transformed::yes(last));
            }
            let when_then = args
                .into_iter()
                .map(|a| (Box::new(a.clone().is_not_null()), Box::new(a)))
                .collect();
            Ok(Transformed::yes(Expr::Case(Case::new(
                None,
                when_then,
                Some(Box::new(last)),
            ))))
        }
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// The first row's first column, or a typed null when there is no row.
fn first_value(batches: &[RecordBatch], ty: KqlType) -> Result<ScalarValue, Diagnostic> {
    for batch in batches {
        if batch.num_rows() > 0 && batch.num_columns() > 0 {
            return ScalarValue::try_from_array(batch.column(0), 0)
                .map_err(|e| Diagnostic::internal("bind", e));
        }
    }
    ScalarValue::try_from(&crate::types::arrow_type(ty))
        .map_err(|e| Diagnostic::internal("bind", e))
}

/// `toscalar(expr)`: the value of a scalar expression or of a table's first
/// column in its first row (null when it has no rows), computed once.
pub(crate) fn toscalar(b: &mut Binder, call: &ast::Call, span: Span) -> Result<BExpr, Diagnostic> {
    let [arg] = call.args.as_slice() else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            "toscalar() takes one argument: a table or a scalar expression",
        ));
    };
    if b.is_tabular(&arg.value) {
        let t = b.bind_tabular(&arg.value)?;
        let Some(first) = t.columns.first() else {
            return Err(Diagnostic::at(
                Code::BadArgument,
                arg.value.span,
                "toscalar() needs a table with at least one column",
            ));
        };
        let ty = first.ty;
        if !b.catalog.can_evaluate() {
            return Ok(BExpr::new(super::expr::null_of(ty).expr, ty));
        }
        let batches = evaluate_tabular(b, &t, span)?;
        return to_constant(first_value(&batches, ty)?, ty, span);
    }
    let v = b.bind_scalar(&arg.value, &[])?;
    fold_if_constant(b, v, span)
}

/// Run a bound table now.
pub(crate) fn evaluate_tabular(
    b: &Binder,
    t: &BoundTabular,
    span: Span,
) -> Result<Vec<RecordBatch>, Diagnostic> {
    let plan = crate::lower::lower(t, b.catalog)?;
    b.catalog.evaluate(&plan, span)
}

/// [`evaluate_tabular`], or no rows without data (`kql check`): for the
/// plugins that read rows while binding but whose output columns do not
/// depend on them (lookups, the time-window plugins).
pub(crate) fn evaluate_tabular_if_data(
    b: &Binder,
    t: &BoundTabular,
    span: Span,
) -> Result<Vec<RecordBatch>, Diagnostic> {
    if b.catalog.can_evaluate() {
        evaluate_tabular(b, t, span)
    } else {
        Ok(Vec::new())
    }
}

/// `materialize(T)`: T's rows computed once and kept in memory.
pub(crate) fn materialize(
    b: &mut Binder,
    t: BoundTabular,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if !b.catalog.can_evaluate() {
        return Ok(t);
    }
    // A table already held in memory (a feed, a watchlist, a materialized
    // result) reads the same rows each time.
    if let BoundOp::Scan { table } = &t.op
        && b.memory_tables.contains(table)
    {
        return Ok(t);
    }
    let batches = evaluate_tabular(b, &t, span)?;
    let name = b.catalog.register_memory(
        MemoryTable {
            columns: t.columns.clone(),
            batches,
        },
        span,
    )?;
    b.memory_tables.insert(name.clone());
    Ok(super::ops::scan(&name, t.columns))
}

/// The values of a table's first column, computed now; `None` when the
/// catalog cannot run plans or the table has more than `limit` rows.
pub(crate) fn first_column_values(
    b: &Binder,
    t: &BoundTabular,
    limit: usize,
    span: Span,
) -> Result<Option<Vec<ScalarValue>>, Diagnostic> {
    if !b.catalog.can_evaluate() || t.columns.is_empty() {
        return Ok(None);
    }
    let batches = evaluate_tabular(b, t, span)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows > limit {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows);
    for batch in &batches {
        let column = batch.column(0);
        for i in 0..column.len() {
            out.push(
                ScalarValue::try_from_array(column, i)
                    .map_err(|e| Diagnostic::internal("bind", e))?,
            );
        }
    }
    Ok(Some(out))
}

/// A computed value as a constant expression that remembers its literal
/// (so `has_any`, `in` and `column_ifexists` can see through it).
pub(crate) fn to_constant(
    value: ScalarValue,
    ty: KqlType,
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let literal = to_literal(&value, ty);
    match literal {
        Some(l) => {
            let mut e = bind_literal(&l, span)?;
            // bind_literal types a null dynamic / string by the literal;
            // keep the computed type.
            e.ty = ty;
            Ok(e)
        }
        None => Ok(super::literal::constant(value, ty)),
    }
}

fn to_literal(value: &ScalarValue, ty: KqlType) -> Option<Literal> {
    if value.is_null() {
        return Some(match ty {
            KqlType::Dynamic => Literal::Dynamic(DynamicLit::Null),
            t => Literal::Null(t),
        });
    }
    Some(match (ty, value) {
        (KqlType::Bool, ScalarValue::Boolean(Some(v))) => Literal::Bool(*v),
        (KqlType::Int, ScalarValue::Int32(Some(v))) => Literal::Int(*v),
        (KqlType::Long, ScalarValue::Int64(Some(v))) => Literal::Long(*v),
        (KqlType::Real, ScalarValue::Float64(Some(v))) => Literal::Real(*v),
        (KqlType::String, ScalarValue::Utf8(Some(s))) => Literal::String(s.clone()),
        (KqlType::Guid, ScalarValue::Utf8(Some(s))) => Literal::Guid(s.clone()),
        (KqlType::DateTime, ScalarValue::TimestampNanosecond(Some(ns), _)) if ns % 100 == 0 => {
            Literal::DateTime(ns / 100)
        }
        (KqlType::TimeSpan, ScalarValue::DurationNanosecond(Some(ns))) if ns % 100 == 0 => {
            Literal::TimeSpan(ns / 100)
        }
        (KqlType::Dynamic, ScalarValue::Utf8(Some(json))) => {
            let v: serde_json::Value = serde_json::from_str(json).ok()?;
            Literal::Dynamic(json_to_dynamic(&v))
        }
        _ => return None,
    })
}

/// A parsed JSON value as a `dynamic` literal tree.
pub(crate) fn json_to_dynamic(v: &serde_json::Value) -> DynamicLit {
    use serde_json::Value;
    match v {
        Value::Null => DynamicLit::Null,
        Value::Bool(b) => DynamicLit::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => DynamicLit::Long(i),
            None => DynamicLit::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => DynamicLit::String(s.clone()),
        Value::Array(items) => DynamicLit::Array(items.iter().map(json_to_dynamic).collect()),
        Value::Object(map) => DynamicLit::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_dynamic(v)))
                .collect(),
        ),
    }
}

/// A table's first-column values as one constant `dynamic` array, for
/// `x has_any (T)`.
pub(crate) fn tabular_as_list(b: &mut Binder, e: &ast::Expr) -> Result<Option<BExpr>, Diagnostic> {
    let t = b.bind_tabular(e)?;
    let Some(first) = t.columns.first() else {
        return Ok(None);
    };
    let ty = first.ty;
    let Some(values) = first_column_values(b, &t, 1_000_000, e.span)? else {
        return Ok(None);
    };
    let elems = values
        .iter()
        .filter_map(|v| to_literal(v, ty))
        .filter_map(|l| literal_to_dynamic(&l))
        .collect();
    let l = Literal::Dynamic(DynamicLit::Array(elems));
    Ok(Some(bind_literal(&l, e.span)?))
}

fn literal_to_dynamic(l: &Literal) -> Option<DynamicLit> {
    Some(match l {
        Literal::Null(_) => return None,
        Literal::Bool(v) => DynamicLit::Bool(*v),
        Literal::Int(v) => DynamicLit::Long(i64::from(*v)),
        Literal::Long(v) => DynamicLit::Long(*v),
        Literal::Real(v) => DynamicLit::Real(*v),
        Literal::Decimal(t) => DynamicLit::Real(t.parse().ok()?),
        Literal::String(s) => DynamicLit::String(s.clone()),
        Literal::DateTime(t) => DynamicLit::DateTime(*t),
        Literal::TimeSpan(t) => DynamicLit::TimeSpan(*t),
        Literal::Guid(g) => DynamicLit::Guid(g.clone()),
        Literal::Dynamic(d) => d.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::functions::core::expr_fn::coalesce;
    use datafusion::logical_expr::lit;

    fn value_of(e: Expr, ty: KqlType) -> Option<ScalarValue> {
        evaluate_in_place(&BExpr::new(e, ty))
    }

    #[test]
    fn coalesce_is_computed_in_place() {
        // the binder writes coalesce(p, false) around comparisons of `where`
        let null_bool = lit(ScalarValue::Boolean(None));
        assert_eq!(
            value_of(coalesce(vec![null_bool, lit(false)]), KqlType::Bool),
            Some(ScalarValue::Boolean(Some(false)))
        );
        let null_long = lit(ScalarValue::Int64(None));
        assert_eq!(
            value_of(
                coalesce(vec![null_long.clone(), null_long, lit(7i64)]).eq(lit(7i64)),
                KqlType::Bool
            ),
            Some(ScalarValue::Boolean(Some(true)))
        );
        assert_eq!(
            value_of(coalesce(vec![lit(1i64), lit(2i64)]), KqlType::Long),
            Some(ScalarValue::Int64(Some(1)))
        );
    }
}
