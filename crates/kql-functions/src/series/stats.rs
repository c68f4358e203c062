//! Whole-series values.
//!
//! * `series_sum(s)`: "a double type value with the sum of the elements"
//!   (series-sum-function.md); non-numeric elements are skipped, an empty
//!   array sums to 0.
//! * `series_magnitude(s)`: the square root of the dot product of the series
//!   with itself; `series_product(s)`: the product of the elements (1 for
//!   an empty array); both skip non-numeric elements and return a real
//!   (series-magnitude-function.md, series-product-function.md).
//! * `series_dot_product(s1, s2)`: either side may be a numeric scalar,
//!   broadcast to the other's length; "the longer series will be truncated
//!   to the length of the shorter one", "any non-numeric element of the input
//!   series will be ignored", "if one or both input arrays are empty, the
//!   result will be null" (series-dot-product-function.md).
//! * `series_cosine_similarity(s1, s2[, m1[, m2]])`: the same length and
//!   element rules; magnitudes are computed when not given.
//! * `series_pearson_correlation(s1, s2)`: "Any non-numeric element or
//!   nonexisting element (arrays of different sizes) yields a null result".
//! * `series_stats_dynamic(s[, ignore_nonfinite])`: the bag of `min`,
//!   `min_idx`, `max`, `max_idx`, `avg`, `stdev`, `variance` (sample),
//!   `sum`, `len`; with a non-finite element (null, NaN, infinity,
//!   non-numeric) and `ignore_nonfinite` false the result is null
//!   (series-stats-dynamic-function.md).

use super::{Num, Operand, ok, param_f64, real_rows, text_rows, write_real};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use std::fmt::Write;

pub const NAMES: &[&str] = &[
    "series_sum",
    "series_dot_product",
    "series_cosine_similarity",
    "series_pearson_correlation",
    "series_stats_dynamic",
    "series_magnitude",
    "series_product",
];

/// A sum that is 0.0 (not -0.0) when empty.
pub(crate) fn total(it: impl Iterator<Item = f64>) -> f64 {
    it.fold(0.0, |a, b| a + b)
}

fn sum_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| match Operand::read(a.cols[0].str(i))? {
        Operand::Array(v) => Some(total(v.iter().flatten().map(|n| n.f()))),
        Operand::Scalar(_) => None,
    }))
}

fn magnitude_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| match Operand::read(a.cols[0].str(i))? {
        Operand::Array(v) => Some(total(v.iter().flatten().map(|n| n.f() * n.f())).sqrt()),
        Operand::Scalar(_) => None,
    }))
}

fn product_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| match Operand::read(a.cols[0].str(i))? {
        Operand::Array(v) => Some(v.iter().flatten().fold(1.0, |p, n| p * n.f())),
        Operand::Scalar(_) => None,
    }))
}

/// The numeric pairs of two operands (truncated to the shorter array, a
/// scalar broadcast); `None` when neither is an array, or one is empty.
fn pairs(x: &Operand, y: &Operand) -> Option<Vec<(f64, f64)>> {
    let n = match (x.len(), y.len()) {
        (Some(p), Some(q)) => p.min(q),
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => return None,
    };
    if x.len() == Some(0) || y.len() == Some(0) {
        return None;
    }
    Some(
        (0..n)
            .filter_map(|k| Some((x.get(k)?.f(), y.get(k)?.f())))
            .collect(),
    )
}

fn dot_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| {
        let x = Operand::read(a.cols[0].str(i))?;
        let y = Operand::read(a.cols[1].str(i))?;
        Some(total(pairs(&x, &y)?.iter().map(|(p, q)| p * q)))
    }))
}

fn cosine_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| {
        let x = Operand::read(a.cols[0].str(i))?;
        let y = Operand::read(a.cols[1].str(i))?;
        let ps = pairs(&x, &y)?;
        let dot: f64 = ps.iter().map(|(p, q)| p * q).sum();
        let given = |c: usize| a.cols.get(c).and_then(|c| param_f64(c.str(i)));
        let m1 = given(2).unwrap_or_else(|| ps.iter().map(|(p, _)| p * p).sum::<f64>().sqrt());
        let m2 = given(3).unwrap_or_else(|| ps.iter().map(|(_, q)| q * q).sum::<f64>().sqrt());
        Some(dot / (m1 * m2))
    }))
}

/// Pearson's r of two equally long, all-numeric series.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.is_empty() {
        return None;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (p, q) in x.iter().zip(y) {
        let (dx, dy) = (p - mx, q - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    Some(sxy / (sxx * syy).sqrt())
}

fn pearson_kernel(a: &Args) -> Result<ArrayRef> {
    ok(real_rows(a, |i| {
        let all = |c: usize| -> Option<Vec<f64>> {
            match Operand::read(a.cols[c].str(i))? {
                Operand::Array(v) => v.into_iter().map(|n| n.map(Num::f)).collect(),
                Operand::Scalar(_) => None,
            }
        };
        pearson(&all(0)?, &all(1)?)
    }))
}

/// The statistics of `series_stats` / `series_stats_dynamic`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub min: Option<f64>,
    pub min_idx: Option<i64>,
    pub max: Option<f64>,
    pub max_idx: Option<i64>,
    pub avg: Option<f64>,
    pub stdev: Option<f64>,
    pub variance: Option<f64>,
    pub sum: f64,
    pub len: i64,
}

/// Statistics of the finite elements (indexes are positions in the whole
/// array); `None` when a non-finite element is present and not ignored.
pub fn stats(v: &[Option<Num>], ignore_nonfinite: bool) -> Option<Stats> {
    let mut vals: Vec<(usize, f64)> = Vec::with_capacity(v.len());
    for (k, e) in v.iter().enumerate() {
        match e.map(Num::f) {
            Some(f) if f.is_finite() => vals.push((k, f)),
            _ if ignore_nonfinite => {}
            _ => return None,
        }
    }
    let n = vals.len();
    let sum = total(vals.iter().map(|(_, f)| *f));
    let mut s = Stats {
        min: None,
        min_idx: None,
        max: None,
        max_idx: None,
        avg: None,
        stdev: None,
        variance: None,
        sum,
        len: v.len() as i64,
    };
    if n == 0 {
        return Some(s);
    }
    let (mut lo, mut hi) = (vals[0], vals[0]);
    for &(k, f) in &vals[1..] {
        if f < lo.1 {
            lo = (k, f);
        }
        if f > hi.1 {
            hi = (k, f);
        }
    }
    let avg = sum / n as f64;
    let variance = if n > 1 {
        vals.iter().map(|(_, f)| (f - avg) * (f - avg)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    s.min = Some(lo.1);
    s.min_idx = Some(lo.0 as i64);
    s.max = Some(hi.1);
    s.max_idx = Some(hi.0 as i64);
    s.avg = Some(avg);
    s.variance = Some(variance);
    s.stdev = Some(variance.sqrt());
    Some(s)
}

/// Write the `series_stats_dynamic` bag.
pub fn write_stats(s: &Stats, out: &mut String) {
    let real = |v: Option<f64>, out: &mut String| match v {
        Some(f) => write_real(f, out),
        None => out.push_str("null"),
    };
    let long = |v: Option<i64>, out: &mut String| match v {
        Some(l) => {
            let _ = write!(out, "{l}");
        }
        None => out.push_str("null"),
    };
    out.push_str("{\"min\":");
    real(s.min, out);
    out.push_str(",\"min_idx\":");
    long(s.min_idx, out);
    out.push_str(",\"max\":");
    real(s.max, out);
    out.push_str(",\"max_idx\":");
    long(s.max_idx, out);
    out.push_str(",\"avg\":");
    real(s.avg, out);
    out.push_str(",\"stdev\":");
    real(s.stdev, out);
    out.push_str(",\"variance\":");
    real(s.variance, out);
    out.push_str(",\"sum\":");
    real(Some(s.sum), out);
    out.push_str(",\"len\":");
    long(Some(s.len), out);
    out.push('}');
}

fn stats_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(Operand::Array(v)) = Operand::read(a.cols[0].str(i)) else {
            return false;
        };
        let ignore = a
            .cols
            .get(1)
            .and_then(|c| c.str(i))
            .is_some_and(|t| t == "true");
        match stats(&v, ignore) {
            Some(s) => {
                write_stats(&s, buf);
                true
            }
            None => false,
        }
    }))
}

const STR: &[Read] = &[Read::Str];

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "series_sum" => KernelUdf::new("kql_series_sum", DataType::Float64, STR, sum_kernel),
        "series_dot_product" => {
            KernelUdf::new("kql_series_dot_product", DataType::Float64, STR, dot_kernel)
        }
        "series_cosine_similarity" => KernelUdf::new(
            "kql_series_cosine_similarity",
            DataType::Float64,
            STR,
            cosine_kernel,
        ),
        "series_pearson_correlation" => KernelUdf::new(
            "kql_series_pearson_correlation",
            DataType::Float64,
            STR,
            pearson_kernel,
        ),
        "series_magnitude" => KernelUdf::new(
            "kql_series_magnitude",
            DataType::Float64,
            STR,
            magnitude_kernel,
        ),
        "series_product" => {
            KernelUdf::new("kql_series_product", DataType::Float64, STR, product_kernel)
        }
        "series_stats_dynamic" => KernelUdf::new(
            "kql_series_stats_dynamic",
            DataType::Utf8,
            STR,
            stats_kernel,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::one;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn sums_and_products() {
        assert_eq!(one("series_sum", &["[1,2,3,4]"]), s("10.0"));
        assert_eq!(one("series_sum", &["[1,null,\"a\",2.5]"]), s("3.5"));
        assert_eq!(one("series_sum", &["[]"]), s("0.0"));
        assert_eq!(one("series_sum", &["3"]), None);
        assert_eq!(
            one("series_magnitude", &["[1,2,3,4]"]),
            s("5.477225575051661")
        );
        assert_eq!(one("series_magnitude", &["[]"]), s("0.0"));
        assert_eq!(one("series_product", &["[1,2,3,4,null]"]), s("24.0"));
        assert_eq!(one("series_product", &["[]"]), s("1.0"));
        assert_eq!(one("series_product", &["null"]), None);
        assert_eq!(
            one("series_dot_product", &["[1,2,4]", "[4,2,1]"]),
            s("12.0")
        );
        assert_eq!(one("series_dot_product", &["[1,2,4]", "2"]), s("14.0"));
        assert_eq!(one("series_dot_product", &["3", "[1,2,4]"]), s("21.0"));
        // truncated to the shorter; non-numeric ignored; empty is null
        assert_eq!(
            one("series_dot_product", &["[1,2,4,8]", "[1,\"a\",1]"]),
            s("5.0")
        );
        assert_eq!(one("series_dot_product", &["[]", "[1]"]), None);
        assert_eq!(one("series_dot_product", &["null", "[1]"]), None);
    }

    #[test]
    fn cosine_and_pearson() {
        let c = one(
            "series_cosine_similarity",
            &["[0.1,0.2,0.1,0.2]", "[1,2,3,4]"],
        )
        .unwrap();
        assert!((c.parse::<f64>().unwrap() - 0.923760430703401).abs() < 1e-12);
        assert_eq!(
            one("series_cosine_similarity", &["[3,4]", "[3,4]", "5", "5"]),
            s("1.0")
        );
        assert_eq!(one("series_cosine_similarity", &["[]", "[]"]), None);
        assert_eq!(
            one(
                "series_pearson_correlation",
                &["[1,2,3,4,5]", "[2,4,6,8,10]"]
            ),
            s("1.0")
        );
        assert_eq!(
            one("series_pearson_correlation", &["[1,2,3]", "[3,2,1]"]),
            s("-1.0")
        );
        assert_eq!(
            one("series_pearson_correlation", &["[1,2,3]", "[1,2]"]),
            None
        );
        assert_eq!(
            one("series_pearson_correlation", &["[1,null]", "[1,2]"]),
            None
        );
        assert_eq!(one("series_pearson_correlation", &["[]", "[]"]), None);
    }

    #[test]
    fn stats_bag() {
        let x = "[23,46,23,87,4,8,3,75,2,56,13,75,32,16,29]";
        assert_eq!(
            one("series_stats_dynamic", &[x]),
            s(
                "{\"min\":2.0,\"min_idx\":8,\"max\":87.0,\"max_idx\":3,\"avg\":32.8,\
                 \"stdev\":28.503633853548266,\"variance\":812.4571428571428,\"sum\":492.0,\"len\":15}"
            )
        );
        assert_eq!(one("series_stats_dynamic", &["[1,null]"]), None);
        assert_eq!(
            one("series_stats_dynamic", &["[null,5,\"NaN\"]", "true"]),
            s(
                "{\"min\":5.0,\"min_idx\":1,\"max\":5.0,\"max_idx\":1,\"avg\":5.0,\
                 \"stdev\":0.0,\"variance\":0.0,\"sum\":5.0,\"len\":3}"
            )
        );
        assert_eq!(
            one("series_stats_dynamic", &["[]"]),
            s(
                "{\"min\":null,\"min_idx\":null,\"max\":null,\"max_idx\":null,\"avg\":null,\
                 \"stdev\":null,\"variance\":null,\"sum\":0.0,\"len\":0}"
            )
        );
        assert_eq!(one("series_stats_dynamic", &["null"]), None);
    }
}
