//! `make-series` (make-series-operator.md):
//!
//! ```text
//! T | make-series [kind=nonempty] [Col =] Agg [default = v], ...
//!       on Axis [from start] [to end] step step [by [Col =] Key, ...]
//! T | make-series ... on Axis in range(start, stop, step) [by ...]
//! ```
//!
//! Output: the `by` keys, one dynamic array per aggregate, then the axis
//! column (named as `Axis`) holding the array of bin values. The bins are
//! `start + k * step` below `end` (the main syntax; a row falls in the bin
//! of `bin_at(Axis, step, start)`); with `in range(...)` they run from
//! `bin(start, step)` up to `bin(stop, step)`, both included ("The stop
//! value is inclusive. Binning the index axis is generated with bin() and
//! not bin_at()"). Without `from` the first bin is `bin(min(Axis), step)`
//! over all rows, without `to` the last is the bin of `max(Axis)`: both
//! computed once, while binding (`binder/eager.rs`). Rows outside the bins
//! and rows whose axis value is null are left out. A bin without rows gets
//! the aggregate's default (0 unless `default =` says otherwise; null for an
//! aggregate that is not numeric).
//!
//! Empty input gives no row, unless `kind=nonempty` (then, without `by`
//! keys, one row of defaults). A series has at most 2^20 bins.
//!
//! Plan: `where` the axis is inside the bins → `summarize aggs by keys,
//! bin index` → `summarize kql_make_series_fill(array_agg({i, v}), n,
//! default) by keys` → project the keys, the arrays and the axis constant.

use super::super::aggregates::{bind_aggregate, default_name, is_aggregate};
use super::super::eager;
use super::super::expr::{cast_to, column_expr};
use super::super::naming::{NameGen, derived_name, unique_name};
use super::Binder;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::{KqlType, is_numeric};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::named_struct;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_syntax::ast::{self, ExprKind, NamedExpr, OpParam};
use kql_syntax::{Code, Diagnostic, Span};

const BIN: &str = "__kql_ms_bin";
const ROWS: &str = "__kql_ms_rows";

/// The parts of a `make-series` operator.
pub(crate) struct MakeSeriesOp<'a> {
    pub params: &'a [OpParam],
    pub aggregates: &'a [NamedExpr],
    pub on: &'a ast::Expr,
    pub range: Option<&'a (ast::Expr, ast::Expr, ast::Expr)>,
    pub step: Option<&'a ast::Expr>,
    pub from: Option<&'a ast::Expr>,
    pub to: Option<&'a ast::Expr>,
    pub by: &'a [NamedExpr],
    pub span: Span,
}

/// A number on the axis: integer nanoseconds / longs, or reals.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

/// The bins: `n` values `start + k * step`.
struct Bins {
    start: Num,
    step: Num,
    n: usize,
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    op: MakeSeriesOp<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let mut nonempty = false;
    let mut defaults: Vec<Option<&ast::Expr>> = vec![None; op.aggregates.len()];
    for p in op.params {
        match p.name.name.as_str() {
            "kind" => match &p.value.kind {
                ExprKind::Name(id) if id.name == "nonempty" => nonempty = true,
                _ => {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        p.value.span,
                        "make-series kind can only be `nonempty`",
                    ));
                }
            },
            "default" => {
                // the aggregate the `default = v` follows
                let i = op
                    .aggregates
                    .iter()
                    .rposition(|a| a.span.end <= p.span.start)
                    .unwrap_or(0);
                defaults[i] = Some(&p.value);
            }
            n if n.starts_with("hint.") => {}
            other => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.name.span,
                    format!("make-series has no parameter '{other}'"),
                )
                .with_hint("its parameters are kind=nonempty and hint.shufflekey"));
            }
        }
    }

    // the axis
    let axis = b.bind_scalar(op.on, &input.columns)?;
    let axis_name = derived_name(op.on).ok_or_else(|| {
        Diagnostic::at(
            Code::BadArgument,
            op.on.span,
            "the make-series axis must be a column",
        )
    })?;
    let integral = match axis.ty {
        KqlType::DateTime | KqlType::TimeSpan | KqlType::Int | KqlType::Long => true,
        KqlType::Real | KqlType::Decimal => false,
        other => {
            return Err(super::super::operators::type_error(
                op.on.span,
                &format!(
                    "the make-series axis must be a datetime, timespan or number, not {}",
                    other.as_str()
                ),
            ));
        }
    };
    let axis_num = if integral {
        cast(axis.expr.clone(), DataType::Int64)
    } else {
        cast(axis.expr.clone(), DataType::Float64)
    };

    // the bins
    let (start_e, stop_e, step_e, inclusive) = match op.range {
        Some((s, e, st)) => (Some(s), Some(e), st, true),
        None => {
            let step = op.step.ok_or_else(|| {
                Diagnostic::at(Code::Syntax, op.span, "make-series needs a `step`")
            })?;
            (op.from, op.to, step, false)
        }
    };
    let step = constant(b, step_e, axis.ty, true)?;
    let start = start_e
        .map(|e| constant(b, e, axis.ty, false))
        .transpose()?;
    let stop = stop_e.map(|e| constant(b, e, axis.ty, false)).transpose()?;
    let bins = match step {
        None => None,
        Some(step) => {
            if step.f() <= 0.0 || step.f().is_nan() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    step_e.span,
                    "the make-series step must be greater than zero",
                ));
            }
            let step = match (integral, step) {
                (true, Num::F(f)) if f.fract() == 0.0 => Num::I(f as i64),
                (true, Num::F(_)) => {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        step_e.span,
                        "the step of an integer axis must be a whole number",
                    ));
                }
                (false, s) => Num::F(s.f()),
                (true, s) => s,
            };
            let (start, stop) = match (start, stop) {
                (Some(Some(s)), Some(Some(e))) => (Some(s), Some(e)),
                (Some(None), _) | (_, Some(None)) => (None, None),
                (s, e) => {
                    // from the data: min / max of the axis
                    match min_max(b, &input, &axis, op.span)? {
                        Some((lo, hi)) => (
                            Some(s.flatten().unwrap_or_else(|| floor_to(lo, step))),
                            Some(e.flatten().unwrap_or_else(|| {
                                // the end of the bin that holds the maximum
                                let first = s.flatten().unwrap_or_else(|| floor_to(lo, step));
                                add(bin_at(hi, step, first), step)
                            })),
                        ),
                        // no rows (or no data to compute them from)
                        None => (None, None),
                    }
                }
            };
            match (start, stop) {
                (Some(s), Some(e)) => Some(bins(s, e, step, inclusive, op.span)?),
                _ => Some(Bins {
                    start: Num::I(0),
                    step,
                    n: 0,
                }),
            }
        }
    };
    let bins = bins.unwrap_or(Bins {
        start: Num::I(0),
        step: Num::I(1),
        n: 0,
    });
    let end = add(bins.start, mul(bins.step, bins.n));

    // stage 1: the rows inside the bins, aggregated per key and bin
    let as_num = |v: Num| match (integral, v) {
        (true, Num::I(i)) => lit(i),
        (true, Num::F(f)) => lit(f as i64),
        (false, v) => lit(v.f()),
    };
    // compared in the axis's own type, so a scan can prune by it
    let typed = |v: Num| match (axis.ty, v) {
        (KqlType::DateTime, Num::I(ns)) => lit(ScalarValue::TimestampNanosecond(Some(ns), None)),
        (KqlType::TimeSpan, Num::I(ns)) => lit(ScalarValue::DurationNanosecond(Some(ns))),
        (KqlType::Long, v) => as_num(v),
        _ => as_num(v),
    };
    let inside = match axis.ty {
        KqlType::DateTime | KqlType::TimeSpan | KqlType::Long => axis
            .expr
            .clone()
            .gt_eq(typed(bins.start))
            .and(axis.expr.clone().lt(typed(end))),
        _ => axis_num
            .clone()
            .gt_eq(as_num(bins.start))
            .and(axis_num.clone().lt(as_num(end))),
    };
    let bin_index = if integral {
        (axis_num - as_num(bins.start)) / as_num(bins.step)
    } else {
        cast(
            datafusion::functions::math::expr_fn::floor(
                (axis_num - as_num(bins.start)) / as_num(bins.step),
            ),
            DataType::Int64,
        )
    };
    let filtered = BoundTabular {
        columns: input.columns.clone(),
        op: BoundOp::Filter {
            input: Box::new(input.clone()),
            predicate: BExpr::new(inside, KqlType::Bool),
        },
    };

    let mut names: Vec<String> = Vec::new();
    let mut names_gen = NameGen::default();
    let mut key_cols = Vec::new();
    let mut keys = Vec::new();
    for item in op.by {
        let v = b.bind_scalar(&item.expr, &input.columns)?;
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            [] => derived_name(&item.expr)
                .unwrap_or_else(|| names_gen.column(&|n| names.iter().any(|t| t == n))),
            _ => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    "a make-series key takes one name",
                ));
            }
        };
        if names.contains(&name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        names.push(name.clone());
        key_cols.push(BoundColumn::new(name.clone(), v.ty));
        keys.push(BExpr::new(v.expr.alias(name), v.ty));
    }
    if nonempty && !keys.is_empty() {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            op.span,
            "make-series kind=nonempty with `by` keys is not supported yet",
        ));
    }

    let mut aggs = Vec::new(); // (name, value in stage 1, default)
    for (i, item) in op.aggregates.iter().enumerate() {
        let call = match &item.expr.kind {
            ExprKind::Call(call) if is_aggregate(&call.name.name) => Some(call),
            _ => None,
        };
        if let Some(c) = call
            && matches!(c.name.name.as_str(), "arg_max" | "arg_min")
        {
            return Err(Diagnostic::at(
                Code::BadArgument,
                item.expr.span,
                format!("{}() cannot be used in make-series", c.name.name),
            ));
        }
        let v = match call {
            Some(call) => bind_aggregate(b, call, &input.columns, item.expr.span)?,
            None => super::summarize::bind_around_aggregates(b, item, &input.columns)?,
        };
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            [] => match call {
                Some(call) => match default_name(call) {
                    Some(d) => unique_name(d, |n| names.iter().any(|t| t == n)),
                    None => names_gen.column(&|n| names.iter().any(|t| t == n)),
                },
                None => derived_name(&item.expr)
                    .map(|d| unique_name(d, |n| names.iter().any(|t| t == n)))
                    .unwrap_or_else(|| names_gen.column(&|n| names.iter().any(|t| t == n))),
            },
            _ => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    "a make-series aggregate takes one name",
                ));
            }
        };
        if names.contains(&name) {
            return Err(super::duplicate_column(&name, item.span));
        }
        names.push(name.clone());
        let default = match defaults[i] {
            Some(d) => {
                let dv = b.bind_scalar(d, &[])?;
                let dv = eager::fold_if_constant(b, dv, d.span)?;
                if is_numeric(dv.ty) && is_numeric(v.ty) {
                    cast_to(dv, v.ty)
                } else {
                    dv
                }
            }
            None if is_numeric(v.ty) => cast_to(BExpr::new(lit(0i64), KqlType::Long), v.ty),
            None => BExpr::new(lit(ScalarValue::Utf8(None)), KqlType::Dynamic),
        };
        aggs.push((name, v, cast_to(default, KqlType::Dynamic).expr));
    }
    if names.contains(&axis_name) {
        return Err(super::duplicate_column(&axis_name, op.on.span));
    }

    let mut stage1_cols = key_cols.clone();
    let mut stage1_keys = keys;
    stage1_cols.push(BoundColumn::new(BIN, KqlType::Long));
    stage1_keys.push(BExpr::new(bin_index.alias(BIN), KqlType::Long));
    let mut stage1_aggs = Vec::new();
    for (j, (_, v, _)) in aggs.iter().enumerate() {
        let hidden = format!("__kql_ms_v{j}");
        stage1_cols.push(BoundColumn::new(hidden.clone(), v.ty));
        stage1_aggs.push(BExpr::new(v.expr.clone().alias(hidden), v.ty));
    }
    let stage1 = BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(filtered),
            keys: stage1_keys,
            aggregates: stage1_aggs,
        },
        columns: stage1_cols,
    };

    // stage 2: one dense array per key and aggregate
    let n = i64::try_from(bins.n).unwrap_or(0);
    let mut stage2_cols = key_cols.clone();
    let stage2_keys: Vec<BExpr> = key_cols
        .iter()
        .map(|c| BExpr::new(column_expr(&c.name).alias(&c.name), c.ty))
        .collect();
    let mut stage2_aggs = Vec::new();
    for (j, (name, v, default)) in aggs.iter().enumerate() {
        let value = BExpr::new(column_expr(&format!("__kql_ms_v{j}")), v.ty);
        let entry = named_struct(vec![
            lit("i"),
            column_expr(BIN),
            lit("v"),
            cast_to(value, KqlType::Dynamic).expr,
        ]);
        let filled = kql_functions::tabular::series_fill::series_fill_expr(
            agg::array_agg(entry),
            lit(n),
            default.clone(),
        );
        stage2_cols.push(BoundColumn::new(name.clone(), KqlType::Dynamic));
        stage2_aggs.push(BExpr::new(filled.alias(name), KqlType::Dynamic));
    }
    let count_rows = key_cols.is_empty() && !nonempty;
    if count_rows {
        stage2_cols.push(BoundColumn::new(ROWS, KqlType::Long));
        stage2_aggs.push(BExpr::new(agg::count(lit(1i64)).alias(ROWS), KqlType::Long));
    }
    let mut out = BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(stage1),
            keys: stage2_keys,
            aggregates: stage2_aggs,
        },
        columns: stage2_cols,
    };
    if count_rows {
        // an empty input has no series
        out = BoundTabular {
            columns: out.columns.clone(),
            op: BoundOp::Filter {
                input: Box::new(out),
                predicate: BExpr::new(column_expr(ROWS).gt(lit(0i64)), KqlType::Bool),
            },
        };
    }

    let mut items: Vec<(String, BExpr)> = key_cols
        .iter()
        .map(|c| (c.name.clone(), BExpr::new(column_expr(&c.name), c.ty)))
        .chain(
            aggs.iter()
                .map(|(n, _, _)| (n.clone(), BExpr::new(column_expr(n), KqlType::Dynamic))),
        )
        .collect();
    items.push((
        axis_name,
        BExpr::new(lit(axis_json(&bins, axis.ty)), KqlType::Dynamic),
    ));
    Ok(super::project_node(out, items))
}

/// The bins from `start` to `stop` (exclusive, or with `inclusive` the
/// `in range(...)` form: from `bin(start)` to `bin(stop)` included).
fn bins(start: Num, stop: Num, step: Num, inclusive: bool, span: Span) -> Result<Bins, Diagnostic> {
    let (start, end) = if inclusive {
        let first = floor_to(start, step);
        (first, add(floor_to(stop, step), step))
    } else {
        (start, stop)
    };
    let n = match (start, end, step) {
        (Num::I(s), Num::I(e), Num::I(st)) => {
            if e <= s {
                0
            } else {
                let span = (e as i128) - (s as i128);
                ((span + st as i128 - 1) / st as i128) as u128
            }
        }
        _ => {
            let k = ((end.f() - start.f()) / step.f()).ceil();
            if k.is_nan() || k <= 0.0 { 0 } else { k as u128 }
        }
    };
    let max = kql_functions::tabular::series_fill::MAX_BINS as u128;
    if n > max {
        return Err(Diagnostic::at(
            Code::BadArgument,
            span,
            format!("make-series would build {n} bins; a series holds at most {max} (2^20)"),
        )
        .with_hint("use a larger step or a shorter range"));
    }
    Ok(Bins {
        start,
        step,
        n: n as usize,
    })
}

fn floor_to(v: Num, step: Num) -> Num {
    match (v, step) {
        (Num::I(v), Num::I(s)) => Num::I(v.div_euclid(s).saturating_mul(s)),
        _ => Num::F((v.f() / step.f()).floor() * step.f()),
    }
}

fn bin_at(v: Num, step: Num, at: Num) -> Num {
    match (v, step, at) {
        (Num::I(v), Num::I(s), Num::I(a)) => {
            Num::I(a.saturating_add(v.saturating_sub(a).div_euclid(s).saturating_mul(s)))
        }
        _ => Num::F(at.f() + ((v.f() - at.f()) / step.f()).floor() * step.f()),
    }
}

fn add(a: Num, b: Num) -> Num {
    match (a, b) {
        (Num::I(a), Num::I(b)) => Num::I(a.saturating_add(b)),
        _ => Num::F(a.f() + b.f()),
    }
}

fn mul(a: Num, k: usize) -> Num {
    match a {
        Num::I(a) => Num::I(a.saturating_mul(i64::try_from(k).unwrap_or(i64::MAX))),
        Num::F(f) => Num::F(f * k as f64),
    }
}

/// The axis values as a JSON array, each in its KQL type's dynamic form.
fn axis_json(bins: &Bins, ty: KqlType) -> String {
    use kql_functions::format::{format_datetime, format_real, format_timespan};
    let mut out = String::from("[");
    for k in 0..bins.n {
        if k > 0 {
            out.push(',');
        }
        let v = add(bins.start, mul(bins.step, k));
        match (ty, v) {
            (KqlType::DateTime, Num::I(ns)) => {
                out.push('"');
                out.push_str(&format_datetime(ns));
                out.push('"');
            }
            (KqlType::TimeSpan, Num::I(ns)) => {
                out.push('"');
                out.push_str(&format_timespan(ns));
                out.push('"');
            }
            (_, Num::I(i)) => out.push_str(&i.to_string()),
            (_, Num::F(f)) => out.push_str(&format_real(f)),
        }
    }
    out.push(']');
    out
}

/// A constant bound of the axis (or its step) as a number: datetimes and
/// timespans in nanoseconds. `Ok(None)` when it cannot be computed now
/// (binding without data).
fn constant(
    b: &mut Binder,
    e: &ast::Expr,
    axis: KqlType,
    is_step: bool,
) -> Result<Option<Num>, Diagnostic> {
    let v = b.bind_scalar(e, &[])?;
    let expected = match (axis, is_step) {
        (KqlType::DateTime, true) | (KqlType::TimeSpan, _) => Some(KqlType::TimeSpan),
        (KqlType::DateTime, false) => Some(KqlType::DateTime),
        _ => None,
    };
    let ok = match expected {
        Some(t) => v.ty == t,
        None => is_numeric(v.ty),
    };
    if !ok {
        let what = if is_step { "step" } else { "range bound" };
        return Err(super::super::operators::type_error(
            e.span,
            &format!(
                "the make-series {what} must be {}, not {}",
                expected.map_or("a number", KqlType::as_str),
                v.ty.as_str()
            ),
        ));
    }
    let v = eager::fold_if_constant(b, v, e.span)?;
    let value = match &v.expr {
        Expr::Literal(s, _) => Some(s.clone()),
        _ => eager::evaluate_in_place(&v),
    };
    Ok(value.and_then(|s| to_num(&s)))
}

fn to_num(s: &ScalarValue) -> Option<Num> {
    Some(match s {
        ScalarValue::TimestampNanosecond(Some(v), _)
        | ScalarValue::DurationNanosecond(Some(v))
        | ScalarValue::Int64(Some(v)) => Num::I(*v),
        ScalarValue::Int32(Some(v)) => Num::I(i64::from(*v)),
        ScalarValue::Float64(Some(v)) => Num::F(*v),
        ScalarValue::Decimal128(Some(_), _, _) => {
            Num::F(s.cast_to(&DataType::Float64).ok().and_then(|f| match f {
                ScalarValue::Float64(Some(f)) => Some(f),
                _ => None,
            })?)
        }
        _ => return None,
    })
}

/// The smallest and largest axis value over the input, computed now;
/// `None` without rows or without data.
fn min_max(
    b: &Binder,
    input: &BoundTabular,
    axis: &BExpr,
    span: Span,
) -> Result<Option<(Num, Num)>, Diagnostic> {
    if !b.catalog.can_evaluate() {
        return Ok(None);
    }
    let t = BoundTabular {
        op: BoundOp::Aggregate {
            input: Box::new(input.clone()),
            keys: vec![],
            aggregates: vec![
                BExpr::new(agg::min(axis.expr.clone()).alias("lo"), axis.ty),
                BExpr::new(agg::max(axis.expr.clone()).alias("hi"), axis.ty),
            ],
        },
        columns: vec![
            BoundColumn::new("lo", axis.ty),
            BoundColumn::new("hi", axis.ty),
        ],
    };
    let batches = eager::evaluate_tabular(b, &t, span)?;
    for batch in &batches {
        if batch.num_rows() == 0 || batch.num_columns() < 2 {
            continue;
        }
        let lo = ScalarValue::try_from_array(batch.column(0), 0)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let hi = ScalarValue::try_from_array(batch.column(1), 0)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        return Ok(to_num(&lo).zip(to_num(&hi)));
    }
    Ok(None)
}
