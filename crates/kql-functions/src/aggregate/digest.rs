//! The scalar functions over the values of `tdigest()` and `hll()` (their
//! layout: [`super::percentiles`] and [`super::hll`]):
//!
//! * `kql_percentile_tdigest(digest, percents, type)`: the first percentile
//!   as a dynamic element; `kql_percentiles_array_tdigest(digest, percents,
//!   type)`: all of them as a dynamic array (percentile-tdigest-function.md,
//!   percentile-array-tdigest-function.md). `percents` is a constant JSON
//!   array of numbers; `type` the name of the `typeLiteral` (`""` without
//!   one): each value is converted to it (`long` / `int`: reals truncated;
//!   `real`: longs widened; `datetime` / `timespan`: only from a digest of
//!   that type), a value that does not convert is null.
//! * `kql_percentrank_tdigest(digest, value, class)`: the rank as a
//!   percentage of the total weight (percentrank-tdigest-function.md).
//! * `kql_rank_tdigest(digest, value, class)`: the total weight of the values
//!   `<=` value (rank-tdigest-function.md). `value` is its number as text
//!   (datetimes and timespans as nanoseconds), `class` `number`,
//!   `datetime` or `timespan`; a value of another class than the digest's
//!   ("must be of the same type as the tdigest") gives null.
//! * `kql_merge_tdigest(d1, d2, ...)` (merge-tdigest-function.md) and
//!   `kql_hll_merge(h1, h2, ...)` (hll-merge-function.md): nulls are
//!   skipped, all null gives null.
//! * `kql_dcount_hll(hll)` (dcount-hll-function.md): the number of distinct
//!   values; null for null.
//!
//! A null digest (the `tdigest()` of a group without values) gives null; a
//! value that is not a digest (hll) of this engine is an error.

use super::hll::Hll;
use super::percentiles::{Digest, Value, ValueType};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, Float64Builder, Int64Builder, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::sync::Arc;

fn digest(name: &str, text: &str) -> Result<Digest> {
    match Digest::parse(text) {
        Some(d) => Ok(d),
        None => exec_err!("{name}(): the value is not a tdigest: {text}"),
    }
}

fn hll(name: &str, text: &str) -> Result<Hll> {
    match Hll::parse(text) {
        Some(h) => Ok(h),
        None => exec_err!("{name}(): the value is not an hll: {text}"),
    }
}

/// The percentages of a constant JSON array of numbers.
fn percents(name: &str, text: Option<&str>) -> Result<Vec<f64>> {
    let parsed = text
        .and_then(crate::dynamic::arrays::array_elements)
        .and_then(|els| {
            els.iter()
                .map(|e| e.trim().parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()
        });
    match parsed {
        Some(p) if p.iter().all(|x| (0.0..=100.0).contains(x)) => Ok(p),
        _ => exec_err!("{name}(): the percentiles must be numbers between 0 and 100"),
    }
}

fn percentiles_kernel(a: &Args, array: bool) -> Result<ArrayRef> {
    let name = if array {
        "percentiles_array_tdigest"
    } else {
        "percentile_tdigest"
    };
    let fixed = if a.cols[1].is_scalar() {
        Some(percents(name, a.cols[1].str(0))?)
    } else {
        None
    };
    let target = a.cols.get(2).and_then(|c| c.str(0)).unwrap_or("");
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 8);
    for i in 0..a.rows {
        let Some(text) = a.cols[0].str(i) else {
            out.append_null();
            continue;
        };
        let mut d = digest(name, text)?;
        let ps = match &fixed {
            Some(p) => p.clone(),
            None => percents(name, a.cols[1].str(i))?,
        };
        if d.is_empty() {
            out.append_null();
            continue;
        }
        let mut elems = Vec::with_capacity(ps.len());
        for p in ps {
            elems.push(match d.percentile(p).and_then(|v| convert(&d, v, target)) {
                Some(v) => typed_element(&d, v, target),
                None => "null".to_string(),
            });
        }
        if array {
            out.append_value(format!("[{}]", elems.join(",")));
        } else {
            match elems.first() {
                Some(e) => out.append_value(e),
                None => out.append_null(),
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A percentile of `d` converted to the `typeLiteral` `target` (`""`: as
/// it is); `None` when it does not convert. The element is then written by
/// the digest's own type, so a real target over a long digest gives the
/// value as a real.
fn convert(d: &Digest, v: Value, target: &str) -> Option<Value> {
    match (target, d.ty, v) {
        ("", _, v) => Some(v),
        ("long" | "int", ValueType::Long, v) => Some(v),
        ("long" | "int", ValueType::Real, Value::Real(x)) if x.is_finite() => {
            Some(Value::Real(x.trunc()))
        }
        ("real" | "decimal", ValueType::Long | ValueType::Real, v) => Some(v),
        ("datetime", ValueType::DateTime, v) | ("timespan", ValueType::TimeSpan, v) => Some(v),
        _ => None,
    }
}

/// The dynamic element of a converted value: whole numbers for `long` /
/// `int`, reals for `real` / `decimal`, the digest's own form otherwise.
fn typed_element(d: &Digest, v: Value, target: &str) -> String {
    match (target, v) {
        ("long" | "int", Value::Real(x)) => format!("{}", x as i64),
        ("real" | "decimal", Value::Int(x)) => crate::format::format_real(x as f64),
        _ => d.element(v),
    }
}

fn percentile_kernel(a: &Args) -> Result<ArrayRef> {
    percentiles_kernel(a, false)
}

fn percentiles_array_kernel(a: &Args) -> Result<ArrayRef> {
    percentiles_kernel(a, true)
}

/// Whether a value of `class` may be ranked in a digest of `ty`.
fn same_class(class: &str, ty: ValueType) -> bool {
    match class {
        "number" => matches!(ty, ValueType::Long | ValueType::Real),
        "datetime" => ty == ValueType::DateTime,
        "timespan" => ty == ValueType::TimeSpan,
        _ => false,
    }
}

fn rank_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for_each_rank(a, "rank_tdigest", |r| match r {
        Some((rank, _)) => out.append_value(i64::try_from(rank).unwrap_or(i64::MAX)),
        None => out.append_null(),
    })?;
    Ok(Arc::new(out.finish()))
}

fn percentrank_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Float64Builder::with_capacity(a.rows);
    for_each_rank(a, "percentrank_tdigest", |r| match r {
        Some((rank, total)) if total > 0 => out.append_value(rank as f64 * 100.0 / total as f64),
        _ => out.append_null(),
    })?;
    Ok(Arc::new(out.finish()))
}

/// Each row's rank and the digest's total weight (`None`: a null).
fn for_each_rank(a: &Args, name: &str, mut f: impl FnMut(Option<(u64, u64)>)) -> Result<()> {
    for i in 0..a.rows {
        let (Some(text), Some(v), Some(class)) =
            (a.cols[0].str(i), a.cols[1].str(i), a.cols[2].str(i))
        else {
            f(None);
            continue;
        };
        let mut d = digest(name, text)?;
        let v = match v.parse::<i64>() {
            Ok(x) => Some(Value::Int(x)),
            Err(_) => v.parse::<f64>().ok().map(Value::Real),
        };
        match v {
            Some(v) if same_class(class, d.ty) && !matches!(v, Value::Real(x) if x.is_nan()) => {
                f(Some((d.rank(v), d.total_weight())))
            }
            _ => f(None),
        }
    }
    Ok(())
}

fn merge_tdigest_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    for i in 0..a.rows {
        let mut acc: Option<Digest> = None;
        for c in &a.cols {
            let Some(text) = c.str(i) else { continue };
            let d = digest("merge_tdigest", text)?;
            match &mut acc {
                Some(m) => m.merge(&d)?,
                None => acc = Some(d),
            }
        }
        match acc {
            Some(mut d) => out.append_value(d.to_text()),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn hll_merge_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    for i in 0..a.rows {
        let mut acc: Option<Hll> = None;
        for c in &a.cols {
            let Some(text) = c.str(i) else { continue };
            let h = hll("hll_merge", text)?;
            match &mut acc {
                Some(m) => m.merge(h),
                None => acc = Some(h),
            }
        }
        match acc {
            Some(h) => out.append_value(h.to_text()),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn dcount_hll_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        match a.cols[0].str(i) {
            None => out.append_null(),
            Some(text) => {
                let n = hll("dcount_hll", text)?.items.len();
                out.append_value(i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

const STRS: &[Read] = &[Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "percentile_tdigest" => KernelUdf::new(
            "kql_percentile_tdigest",
            DataType::Utf8,
            STRS,
            percentile_kernel,
        ),
        "percentiles_array_tdigest" => KernelUdf::new(
            "kql_percentiles_array_tdigest",
            DataType::Utf8,
            STRS,
            percentiles_array_kernel,
        ),
        "rank_tdigest" => KernelUdf::new("kql_rank_tdigest", DataType::Int64, STRS, rank_kernel),
        "percentrank_tdigest" => KernelUdf::new(
            "kql_percentrank_tdigest",
            DataType::Float64,
            STRS,
            percentrank_kernel,
        ),
        "merge_tdigest" => KernelUdf::new(
            "kql_merge_tdigest",
            DataType::Utf8,
            STRS,
            merge_tdigest_kernel,
        ),
        "hll_merge" => KernelUdf::new(
            "kql_hll_merge_scalar",
            DataType::Utf8,
            STRS,
            hll_merge_kernel,
        ),
        "dcount_hll" => KernelUdf::new("kql_dcount_hll", DataType::Int64, STRS, dcount_hll_kernel),
        _ => return None,
    })
}

const NAMES: &[&str] = &[
    "percentile_tdigest",
    "percentiles_array_tdigest",
    "rank_tdigest",
    "percentrank_tdigest",
    "merge_tdigest",
    "hll_merge",
    "dcount_hll",
];

/// The call of the scalar digest function `name` (a KQL name of the module
/// header; every argument Utf8 text).
pub fn digest_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_digest_udfs() -> Vec<ScalarUDF> {
    NAMES
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::logical_expr::ScalarUDFImpl;

    fn longs(a: &ArrayRef) -> Vec<Option<i64>> {
        a.as_primitive::<Int64Type>().iter().collect()
    }

    #[test]
    fn percentile_of_a_digest() {
        let u = udf("percentile_tdigest").unwrap();
        // tdigest-aggregation-function.md: 1.0 (weight 1), 2.0 (weight 2) → P50 = 2
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![
                    Some(r#"[["real"],[1.0,2.0],[1,2]]"#),
                    None,
                    Some(r#"[["datetime"],[0],[1]]"#),
                    Some(r#"[["long"],[],[]]"#),
                ]),
                str_lit("[50]"),
            ],
        ));
        assert_eq!(
            out,
            vec![
                Some("2.0".into()),
                None,
                Some("\"1970-01-01T00:00:00Z\"".into()),
                None
            ]
        );
        let u = udf("percentiles_array_tdigest").unwrap();
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![Some(r#"[["long"],[1,5,9],[1,1,1]]"#)]),
                str_lit("[0, 50, 100]"),
            ],
        ));
        assert_eq!(out, vec![Some("[1,5,9]".into())]);
        // a typeLiteral converts each value: long truncates reals, datetime
        // only reads a datetime digest
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![
                    Some(r#"[["real"],[0.5,2.5],[1,1]]"#),
                    Some(r#"[["long"],[3],[1]]"#),
                ]),
                str_lit("[0, 100]"),
                str_lit("long"),
            ],
        ));
        assert_eq!(out, vec![Some("[0,2]".into()), Some("[3,3]".into())]);
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![Some(r#"[["long"],[3],[1]]"#)]),
                str_lit("[50]"),
                str_lit("datetime"),
            ],
        ));
        assert_eq!(out, vec![Some("[null]".into())]);
        let bad = u.invoke_with_args(datafusion::logical_expr::ScalarFunctionArgs {
            args: vec![str_col(vec![Some("[1]")]), str_lit("[50]")],
            arg_fields: vec![],
            number_rows: 1,
            return_field: Arc::new(datafusion::arrow::datatypes::Field::new(
                "r",
                DataType::Utf8,
                true,
            )),
            config_options: Arc::new(datafusion::config::ConfigOptions::default()),
        });
        assert!(bad.is_err());
    }

    #[test]
    fn rank_counts_weights_at_or_below() {
        let u = udf("rank_tdigest").unwrap();
        let out = invoke(
            &u,
            vec![
                str_lit(r#"[["long"],[1,2,3],[1,2,3]]"#),
                str_col(vec![Some("2"), Some("0"), Some("2.5"), None, Some("9")]),
                str_lit("number"),
            ],
        );
        assert_eq!(longs(&out), vec![Some(3), Some(0), Some(3), None, Some(6)]);
        let out = invoke(
            &u,
            vec![
                str_lit(r#"[["long"],[1],[1]]"#),
                str_col(vec![Some("5")]),
                str_lit("datetime"),
            ],
        );
        assert!(out.is_null(0));
        let p = udf("percentrank_tdigest").unwrap();
        let out = invoke(
            &p,
            vec![
                str_lit(r#"[["long"],[1,2,3],[1,2,1]]"#),
                str_col(vec![Some("2"), None]),
                str_lit("number"),
            ],
        );
        let out: Vec<Option<f64>> = out
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
            .iter()
            .collect();
        assert_eq!(out, vec![Some(75.0), None]);
    }

    #[test]
    fn merges_and_dcount() {
        let u = udf("merge_tdigest").unwrap();
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![Some(r#"[["long"],[1,2],[1,1]]"#), None]),
                str_col(vec![Some(r#"[["long"],[2,3],[1,1]]"#), None]),
            ],
        ));
        assert_eq!(
            out,
            vec![Some(r#"[["long"],[1,2,3],[1,2,1]]"#.into()), None]
        );
        let h = udf("hll_merge").unwrap();
        let merged = invoke(
            &h,
            vec![
                str_col(vec![Some("[[1],[1,2]]"), None]),
                str_col(vec![Some("[[1],[\"x\",2]]"), None]),
            ],
        );
        assert_eq!(
            strings(&merged),
            vec![Some("[[1],[\"x\",1,2]]".into()), None]
        );
        let d = udf("dcount_hll").unwrap();
        let out = invoke(
            &d,
            vec![datafusion::logical_expr::ColumnarValue::Array(merged)],
        );
        assert_eq!(longs(&out), vec![Some(3), None]);
    }
}
