//! The time-window analytics plugins, computed once while binding over the
//! input's rows (one pass in memory; the result is held in memory and
//! scanned):
//!
//! * `activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Window
//!   [, dim...])` (activity-counts-metrics-plugin.md): per window `Start +
//!   k * Window` up to `End` (included) and dims: `count` (rows),
//!   `dcount` (distinct ids), `new_dcount` (ids not seen in an earlier
//!   window) and `aggregated_dcount` (distinct ids from the first window
//!   through this one). Rows outside the windows are left out.
//! * `active_users_count(IdColumn, TimelineColumn, Start, End,
//!   LookbackWindow, Period, ActivePeriodsCount, Bin [, dim...])`
//!   (active-users-count-plugin.md): an id is active at one of its
//!   appearances `t` in a bin when it appears in at least
//!   `ActivePeriodsCount` distinct periods (`bin(t', Period)`) within
//!   `(t - LookbackWindow, t]` (appearances before `Start` count in the
//!   look-back); per bin (`Start + k * Bin` up to `End`) and dims, `dcount`
//!   of the ids active in it. Bins without active ids give no row.
//! * `sliding_window_counts(IdColumn, TimelineColumn, Start, End,
//!   LookbackWindow, Bin [, dim...])` (sliding-window-counts-plugin.md): per
//!   bin `b` and dims, `Count` and `Dcount` of the rows in the look-back
//!   window ending with the bin, `[b + Bin - LookbackWindow, b + Bin)`.
//! * `rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize,
//!   BinsToLookBack [, dim...])` (rolling-percentile-plugin.md): per bin of
//!   the index (`bin(IndexColumn, BinSize)`, from the first to the last bin
//!   of the data) and dims, the nearest-rank percentile of the values in
//!   this bin and the `BinsToLookBack - 1` before it, in a column named
//!   `rolling_{BinsToLookBack}_percentile_{ValueColumn}_{Percentile}`.
//!
//! Null ids, times and values are left out.

use super::super::super::eager;
use super::super::super::expr::{cast_to, to_string_expr};
use super::super::project_node;
use super::Plugin;
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn, BoundTabular};
use crate::catalog::MemoryTable;
use crate::types::{KqlType, arrow_type, is_numeric};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, new_empty_array};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use kql_syntax::ast::{self, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic, Span};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The rows the plugins read: the dims of each row (as values), an id or
/// value (text), and a time (nanoseconds or the number).
struct Rows {
    dims: Vec<Vec<ScalarValue>>,
    keys: Vec<String>,
    times: Vec<i64>,
}

/// A constant of a plugin argument: a datetime / timespan in nanoseconds,
/// a number as i64.
fn const_i64(b: &mut Binder, e: &ast::Expr, want: KqlType, what: &str) -> Result<i64, Diagnostic> {
    let v = b.bind_scalar(e, &[])?;
    let ok = v.ty == want || (is_numeric(want) && matches!(v.ty, KqlType::Int | KqlType::Long));
    if !ok {
        return Err(super::super::super::operators::type_error(
            e.span,
            &format!("{what} must be a {}, not {}", want.as_str(), v.ty.as_str()),
        ));
    }
    let v = eager::fold_if_constant(b, v, e.span)?;
    let value = match &v.expr {
        datafusion::logical_expr::Expr::Literal(s, _) => Some(s.clone()),
        _ => eager::evaluate_in_place(&v),
    };
    match value {
        Some(
            ScalarValue::TimestampNanosecond(Some(x), _)
            | ScalarValue::DurationNanosecond(Some(x))
            | ScalarValue::Int64(Some(x)),
        ) => Ok(x),
        Some(ScalarValue::Int32(Some(x))) => Ok(i64::from(x)),
        _ => Err(Diagnostic::at(
            Code::NotConstant,
            e.span,
            format!("{what} must be a constant"),
        )),
    }
}

fn positive(v: i64, e: &ast::Expr, what: &str) -> Result<i64, Diagnostic> {
    if v <= 0 {
        return Err(Diagnostic::at(
            Code::BadArgument,
            e.span,
            format!("{what} must be greater than zero"),
        ));
    }
    Ok(v)
}

/// The dims: plain columns of the input.
fn dim_columns(input: &BoundTabular, args: &[&ast::Expr]) -> Result<Vec<BoundColumn>, Diagnostic> {
    let mut dims: Vec<BoundColumn> = Vec::new();
    for e in args {
        let ExprKind::Name(id) = &e.kind else {
            return Err(Diagnostic::at(
                Code::BadArgument,
                e.span,
                "the dimension arguments must be column names",
            ));
        };
        let Some(c) = input.column(&id.name) else {
            return Err(Diagnostic::at(
                Code::UnknownColumn,
                id.span,
                format!("unknown column '{}'", id.name),
            ));
        };
        if dims.iter().any(|d| d.name == c.name) {
            return Err(super::super::duplicate_column(&c.name, e.span));
        }
        dims.push(c.clone());
    }
    Ok(dims)
}

/// Compute the input's (dims, key text, time) rows now.
fn read_rows(
    b: &mut Binder,
    input: &BoundTabular,
    dims: &[BoundColumn],
    key: BExpr,
    time: BExpr,
    span: Span,
) -> Result<Rows, Diagnostic> {
    let mut items: Vec<(String, BExpr)> = dims
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                BExpr::new(super::super::super::expr::column_expr(&d.name), d.ty),
            )
        })
        .collect();
    items.push(("__kql_key".to_string(), key));
    items.push(("__kql_time".to_string(), time));
    let t = project_node(input.clone(), items);
    let batches = eager::evaluate_tabular_if_data(b, &t, span)?;
    let mut rows = Rows {
        dims: Vec::new(),
        keys: Vec::new(),
        times: Vec::new(),
    };
    for batch in &batches {
        let n = dims.len();
        let keys =
            datafusion::arrow::compute::cast(batch.column(n), &DataType::Utf8).map_err(internal)?;
        let keys = keys.as_string::<i32>();
        let times = datafusion::arrow::compute::cast(batch.column(n + 1), &DataType::Int64)
            .map_err(internal)?;
        let times = times.as_primitive::<Int64Type>();
        for r in 0..batch.num_rows() {
            if keys.is_null(r) || times.is_null(r) {
                continue;
            }
            let mut d = Vec::with_capacity(n);
            for c in 0..n {
                d.push(ScalarValue::try_from_array(batch.column(c), r).map_err(internal)?);
            }
            rows.dims.push(d);
            rows.keys.push(keys.value(r).to_string());
            rows.times.push(times.value(r));
        }
    }
    Ok(rows)
}

fn internal(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::internal("bind", e)
}

/// Group row indices by dims, in first-seen order.
fn by_dims(rows: &Rows) -> Vec<(Vec<ScalarValue>, Vec<usize>)> {
    let mut order: Vec<(Vec<ScalarValue>, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Vec<ScalarValue>, usize> = HashMap::new();
    for (i, d) in rows.dims.iter().enumerate() {
        let g = *index.entry(d.clone()).or_insert_with(|| {
            order.push((d.clone(), Vec::new()));
            order.len() - 1
        });
        order[g].1.push(i);
    }
    order
}

/// An output table: the columns and their values, row by row.
struct Output {
    columns: Vec<BoundColumn>,
    rows: Vec<Vec<ScalarValue>>,
}

fn time_value(ns: i64, ty: KqlType) -> ScalarValue {
    match ty {
        KqlType::DateTime => ScalarValue::TimestampNanosecond(Some(ns), None),
        KqlType::TimeSpan => ScalarValue::DurationNanosecond(Some(ns)),
        _ => ScalarValue::Int64(Some(ns)),
    }
}

fn finish(b: &mut Binder, out: Output, span: Span) -> Result<BoundTabular, Diagnostic> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(out.columns.len());
    for (c, col) in out.columns.iter().enumerate() {
        let ty = arrow_type(col.ty);
        let a = if out.rows.is_empty() {
            new_empty_array(&ty)
        } else {
            let a = ScalarValue::iter_to_array(out.rows.iter().map(|r| r[c].clone()))
                .map_err(internal)?;
            datafusion::arrow::compute::cast(&a, &ty).map_err(internal)?
        };
        arrays.push(a);
    }
    let schema = Arc::new(Schema::new(
        out.columns
            .iter()
            .map(|c| Field::new(&c.name, arrow_type(c.ty), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema, arrays).map_err(internal)?;
    let name = b.catalog.register_memory(
        MemoryTable {
            columns: out.columns.clone(),
            batches: vec![batch],
        },
        span,
    )?;
    b.memory_tables.insert(name.clone());
    Ok(super::super::scan(&name, out.columns))
}

/// The plugin's positional arguments, at least `fixed`.
fn positional<'a>(plugin: &'a Plugin<'_>, fixed: usize) -> Result<Vec<&'a ast::Expr>, Diagnostic> {
    let name = &plugin.call.name.name;
    if let Some(a) = plugin.call.args.iter().find(|a| a.name.is_some()) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            a.span,
            format!("{name}() takes no named arguments"),
        ));
    }
    let args: Vec<&ast::Expr> = plugin.call.args.iter().map(|a| &a.value).collect();
    if args.len() < fixed {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            format!(
                "{name}() takes at least {fixed} arguments, got {}",
                args.len()
            ),
        ));
    }
    Ok(args)
}

/// The time column (datetime) and the id (as text) of a timeline plugin.
fn id_and_time(
    b: &mut Binder,
    input: &BoundTabular,
    id: &ast::Expr,
    time: &ast::Expr,
) -> Result<(BExpr, BExpr, String), Diagnostic> {
    let idv = b.bind_scalar(id, &input.columns)?;
    let tv = b.bind_scalar(time, &input.columns)?;
    if tv.ty != KqlType::DateTime {
        return Err(super::super::super::operators::type_error(
            time.span,
            &format!(
                "the timeline column must be a datetime, not {}",
                tv.ty.as_str()
            ),
        ));
    }
    let name =
        super::super::super::naming::derived_name(time).unwrap_or_else(|| "Timestamp".into());
    // an id of any type, as its text (a null stays null)
    let key = if idv.ty == KqlType::String {
        idv
    } else {
        let is_null = idv.expr.clone().is_null();
        let text = to_string_expr(idv).expr;
        BExpr::new(
            datafusion::logical_expr::when(
                is_null,
                datafusion::logical_expr::lit(ScalarValue::Utf8(None)),
            )
            .otherwise(text)
            .map_err(|e| Diagnostic::internal("bind", e))?,
            KqlType::String,
        )
    };
    Ok((key, tv, name))
}

pub(super) fn activity_counts_metrics(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = positional(plugin, 5)?;
    let (key, time, tname) = id_and_time(b, &input, args[0], args[1])?;
    let start = const_i64(b, args[2], KqlType::DateTime, "Start")?;
    let end = const_i64(b, args[3], KqlType::DateTime, "End")?;
    let window = positive(
        const_i64(b, args[4], KqlType::TimeSpan, "Window")?,
        args[4],
        "Window",
    )?;
    let dims = dim_columns(&input, &args[5..])?;
    let rows = read_rows(b, &input, &dims, key, time, plugin.span)?;
    let mut columns = vec![BoundColumn::new(tname, KqlType::DateTime)];
    columns.extend(dims.iter().cloned());
    for n in ["count", "dcount", "new_dcount", "aggregated_dcount"] {
        columns.push(BoundColumn::new(n, KqlType::Long));
    }
    let mut out = Output {
        columns,
        rows: Vec::new(),
    };
    let last = if end >= start {
        (end - start) / window
    } else {
        -1
    };
    for (d, idx) in by_dims(&rows) {
        // per window: rows and ids
        let mut per: BTreeMap<i64, (i64, HashSet<&str>)> = BTreeMap::new();
        for &i in &idx {
            let t = rows.times[i];
            if t < start {
                continue;
            }
            let k = (t - start) / window;
            if k > last {
                continue;
            }
            let e = per.entry(k).or_default();
            e.0 += 1;
            e.1.insert(rows.keys[i].as_str());
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for k in 0..=last {
            let (count, ids) = per.remove(&k).unwrap_or_default();
            let new = ids.iter().filter(|id| !seen.contains(*id)).count() as i64;
            seen.extend(ids.iter().copied());
            let mut row = vec![time_value(start + k * window, KqlType::DateTime)];
            row.extend(d.iter().cloned());
            row.push(ScalarValue::Int64(Some(count)));
            row.push(ScalarValue::Int64(Some(ids.len() as i64)));
            row.push(ScalarValue::Int64(Some(new)));
            row.push(ScalarValue::Int64(Some(seen.len() as i64)));
            out.rows.push(row);
        }
    }
    finish(b, out, plugin.span)
}

pub(super) fn active_users_count(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = positional(plugin, 8)?;
    let (key, time, tname) = id_and_time(b, &input, args[0], args[1])?;
    let start = const_i64(b, args[2], KqlType::DateTime, "Start")?;
    let end = const_i64(b, args[3], KqlType::DateTime, "End")?;
    let lookback = positive(
        const_i64(b, args[4], KqlType::TimeSpan, "LookbackWindow")?,
        args[4],
        "LookbackWindow",
    )?;
    let period = positive(
        const_i64(b, args[5], KqlType::TimeSpan, "Period")?,
        args[5],
        "Period",
    )?;
    let active = const_i64(b, args[6], KqlType::Long, "ActivePeriodsCount")?;
    let bin = positive(
        const_i64(b, args[7], KqlType::TimeSpan, "Bin")?,
        args[7],
        "Bin",
    )?;
    let dims = dim_columns(&input, &args[8..])?;
    let rows = read_rows(b, &input, &dims, key, time, plugin.span)?;
    let mut columns = vec![BoundColumn::new(tname, KqlType::DateTime)];
    columns.extend(dims.iter().cloned());
    columns.push(BoundColumn::new("dcount", KqlType::Long));
    let mut out = Output {
        columns,
        rows: Vec::new(),
    };
    let last = if end >= start {
        (end - start) / bin
    } else {
        -1
    };
    for (d, idx) in by_dims(&rows) {
        // each id's appearances, sorted
        let mut per_id: HashMap<&str, Vec<i64>> = HashMap::new();
        for &i in &idx {
            per_id
                .entry(rows.keys[i].as_str())
                .or_default()
                .push(rows.times[i]);
        }
        let mut active_in: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for (id, times) in per_id.iter_mut() {
            times.sort_unstable();
            for (j, &t) in times.iter().enumerate() {
                if t < start {
                    continue;
                }
                let k = (t - start) / bin;
                if k > last {
                    continue;
                }
                // distinct periods among the appearances in (t - lookback, t]
                let periods: BTreeSet<i64> = times[..=j]
                    .iter()
                    .rev()
                    .take_while(|&&x| x > t - lookback)
                    .map(|&x| x.div_euclid(period))
                    .collect();
                if periods.len() as i64 >= active {
                    active_in.entry(k).or_default().insert(id);
                }
            }
        }
        for (k, ids) in active_in {
            let mut row = vec![time_value(start + k * bin, KqlType::DateTime)];
            row.extend(d.iter().cloned());
            row.push(ScalarValue::Int64(Some(ids.len() as i64)));
            out.rows.push(row);
        }
    }
    finish(b, out, plugin.span)
}

pub(super) fn sliding_window_counts(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = positional(plugin, 6)?;
    let (key, time, tname) = id_and_time(b, &input, args[0], args[1])?;
    let start = const_i64(b, args[2], KqlType::DateTime, "Start")?;
    let end = const_i64(b, args[3], KqlType::DateTime, "End")?;
    let lookback = positive(
        const_i64(b, args[4], KqlType::TimeSpan, "LookbackWindow")?,
        args[4],
        "LookbackWindow",
    )?;
    let bin = positive(
        const_i64(b, args[5], KqlType::TimeSpan, "Bin")?,
        args[5],
        "Bin",
    )?;
    let dims = dim_columns(&input, &args[6..])?;
    let rows = read_rows(b, &input, &dims, key, time, plugin.span)?;
    let mut columns = vec![BoundColumn::new(tname, KqlType::DateTime)];
    columns.extend(dims.iter().cloned());
    columns.push(BoundColumn::new("Count", KqlType::Long));
    columns.push(BoundColumn::new("Dcount", KqlType::Long));
    let mut out = Output {
        columns,
        rows: Vec::new(),
    };
    let last = if end >= start {
        (end - start) / bin
    } else {
        -1
    };
    for (d, idx) in by_dims(&rows) {
        let mut points: Vec<(i64, &str)> = idx
            .iter()
            .map(|&i| (rows.times[i], rows.keys[i].as_str()))
            .collect();
        points.sort_unstable();
        for k in 0..=last {
            let hi = start + (k + 1) * bin;
            let lo = hi - lookback;
            let from = points.partition_point(|p| p.0 < lo);
            let to = points.partition_point(|p| p.0 < hi);
            let window = &points[from..to.max(from)];
            let ids: HashSet<&str> = window.iter().map(|p| p.1).collect();
            let mut row = vec![time_value(start + k * bin, KqlType::DateTime)];
            row.extend(d.iter().cloned());
            row.push(ScalarValue::Int64(Some(window.len() as i64)));
            row.push(ScalarValue::Int64(Some(ids.len() as i64)));
            out.rows.push(row);
        }
    }
    finish(b, out, plugin.span)
}

pub(super) fn rolling_percentile(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = positional(plugin, 5)?;
    let value = b.bind_scalar(args[0], &input.columns)?;
    if !is_numeric(value.ty) {
        return Err(super::super::super::operators::type_error(
            args[0].span,
            &format!(
                "rolling_percentile()'s value must be a number, not {}",
                value.ty.as_str()
            ),
        ));
    }
    let vname = super::super::super::naming::derived_name(args[0]).unwrap_or_default();
    let pct = b.bind_scalar(args[1], &[])?;
    let pct = eager::fold_if_constant(b, pct, args[1].span)?;
    let (p, ptext) = match pct.literal {
        Some(Literal::Int(v)) => (f64::from(v), v.to_string()),
        Some(Literal::Long(v)) => (v as f64, v.to_string()),
        Some(Literal::Real(v)) => (v, kql_functions::tostring::real_text(v)),
        _ => {
            return Err(Diagnostic::at(
                Code::NotConstant,
                args[1].span,
                "rolling_percentile()'s percentile must be a constant number",
            ));
        }
    };
    if !(0.0..=100.0).contains(&p) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            args[1].span,
            "rolling_percentile()'s percentile must be between 0 and 100",
        ));
    }
    let index = b.bind_scalar(args[2], &input.columns)?;
    let iname =
        super::super::super::naming::derived_name(args[2]).unwrap_or_else(|| "Index".into());
    let bin_ty = match index.ty {
        KqlType::DateTime => KqlType::TimeSpan,
        KqlType::TimeSpan => KqlType::TimeSpan,
        KqlType::Int | KqlType::Long => KqlType::Long,
        other => {
            return Err(super::super::super::operators::type_error(
                args[2].span,
                &format!(
                    "rolling_percentile()'s index must be a datetime, timespan or integer, not {}",
                    other.as_str()
                ),
            ));
        }
    };
    let bin = positive(
        const_i64(b, args[3], bin_ty, "BinSize")?,
        args[3],
        "BinSize",
    )?;
    let look = positive(
        const_i64(b, args[4], KqlType::Long, "BinsToLookBack")?,
        args[4],
        "BinsToLookBack",
    )?;
    let dims = dim_columns(&input, &args[5..])?;
    // the value as its text, read back in its type
    let vty = value.ty;
    let value_real = cast_to(value, KqlType::Real);
    let index_ty = index.ty;
    let rows = read_rows(b, &input, &dims, value_real, index, plugin.span)?;
    let mut columns = vec![BoundColumn::new(iname, index_ty)];
    columns.extend(dims.iter().cloned());
    let out_ty = if matches!(vty, KqlType::Int | KqlType::Long) {
        KqlType::Long
    } else {
        KqlType::Real
    };
    columns.push(BoundColumn::new(
        format!("rolling_{look}_percentile_{vname}_{ptext}"),
        out_ty,
    ));
    let mut out = Output {
        columns,
        rows: Vec::new(),
    };
    let bins: Vec<i64> = rows.times.iter().map(|t| t.div_euclid(bin)).collect();
    let (Some(&first), Some(&last)) = (bins.iter().min(), bins.iter().max()) else {
        return finish(b, out, plugin.span);
    };
    for (d, idx) in by_dims(&rows) {
        let mut per: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for &i in &idx {
            if let Ok(v) = rows.keys[i].parse::<f64>() {
                per.entry(bins[i]).or_default().push(v);
            }
        }
        for k in first..=last {
            let mut vals: Vec<f64> = per
                .range(k - look + 1..=k)
                .flat_map(|(_, v)| v.iter().copied())
                .collect();
            if vals.is_empty() {
                continue;
            }
            vals.sort_by(f64::total_cmp);
            let rank = kql_functions::aggregate::percentiles::nearest_rank(p, vals.len() as u64)
                .unwrap_or(1);
            let v = vals[(rank - 1) as usize];
            let mut row = vec![time_value(k * bin, index_ty)];
            row.extend(d.iter().cloned());
            row.push(if out_ty == KqlType::Long {
                ScalarValue::Int64(Some(v as i64))
            } else {
                ScalarValue::Float64(Some(v))
            });
            out.rows.push(row);
        }
    }
    finish(b, out, plugin.span)
}
