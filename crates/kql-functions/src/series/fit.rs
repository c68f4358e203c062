//! Regression, outliers and decomposition.
//!
//! * `series_fit_line_dynamic(s)` (series-fit-line-function.md): least
//!   squares line over x = 1, 2, ..., n (the documented example's
//!   `line_fit` starts at slope + interception); `variance` is the sample
//!   variance of the input, `rvariance` the residuals' sum of squares over
//!   n - 1, `rsquare` 1 - SSres / SStot (the documented 0.982 / 98.628 /
//!   1.686 / -1.666). Non-numeric elements are left out of the fit;
//!   `line_fit` covers every position.
//! * `series_fit_poly(y[, x[, degree]])` (series-fit-poly-function.md):
//!   least squares polynomial of the given degree (1 by default) over x
//!   (1, 2, ..., n when not given or null); `coefficients` from the highest
//!   power down, `rsquare`, `variance`, `rvariance` as for
//!   `series_fit_line` ("series_fit_poly with degree=1 matches
//!   series_fit_line"), `poly_fit` the fitted values. Points where x or y
//!   is not a number are left out; fewer points than coefficients, or a
//!   singular system, give null.
//! * `series_outliers(s[, kind[, ignore_val[, min_pct[, max_pct]]]])`
//!   (series-outliers-function.md): Tukey's fences; with the quantiles Q1,
//!   Q3 (10th / 90th percentiles for "ctukey", the default, or the given
//!   ones; 25th / 75th for "tukey") of the numeric values that are not
//!   `ignore_val`, the score of x above Q3 is (x - Q3) / (Q3 - Q1), below Q1
//!   (x - Q1) / (Q3 - Q1), else 0, so "a value greater than 1.5 indicates a
//!   rise anomaly". Percentiles interpolate linearly between ranks. Nulls
//!   and ignore values score 0.
//! * `series_seasonal(s[, period])` (series-seasonal-function.md): "the
//!   median of all the values that correspond to the location of the bin,
//!   across the periods"; a non-positive period other than -1 gives zeros.
//! * `series_decompose(s[, seasonality, trend, test_points, threshold])` and
//!   `series_decompose_anomalies(s[, threshold, seasonality, trend,
//!   test_points, ad_method, seasonality_threshold])`
//!   (series-decompose-function.md): seasonal = per-phase median of the
//!   learning points (all but the last `test_points`), deseasonal = x -
//!   seasonal, trend = its average ("avg", the default), its regression
//!   line ("linefit") or 0 ("none"), baseline = seasonal + trend, residual =
//!   x - baseline; the anomaly score is `series_outliers` of the residual
//!   with `ad_method`, the flag +1 / -1 / 0 where the score is above
//!   `threshold` / below `-threshold` / neither. Returned as a bag of the
//!   component arrays; the binder spreads it into columns.
//! * `series_decompose_forecast(s, points[, seasonality, trend,
//!   seasonality_threshold])` (series-decompose-forecast-function.md): the
//!   baseline of `series_decompose` with the last `points` points left out
//!   of the learning ("These points are excluded from the learning, or
//!   regression, process"), so it extends the seasonal and trend
//!   components over them.
//!
//! Seasonality -1 (the default) detects the period. Kusto's detector
//! (`series_periods_detect`) is not documented beyond its constraints
//! ("periods containing at least 4 points and at most half of the series
//! length", a score in [0, 1] compared with the threshold); this one scores
//! each candidate period p (4 <= p < n/2) by the autocorrelation at lag p
//! of the series less its regression line, with outliers clipped to the
//! Tukey fences of the 10th / 90th percentiles (normalised for the n - p
//! overlapping points), and takes
//! the best-scoring period when its score reaches the threshold. It
//! reproduces the documented `series_seasonal` examples; on other data its
//! choice can differ from Kusto's.

use super::{Num, ok, param_f64, reals, text_rows, write_array, write_real, write_reals};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

pub const NAMES: &[&str] = &[
    "series_fit_line_dynamic",
    "series_outliers",
    "series_seasonal",
    "series_decompose",
    "series_decompose_anomalies",
    "series_decompose_forecast",
    "series_fit_poly",
];

/// A fitted line.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub rsquare: f64,
    pub slope: f64,
    pub variance: f64,
    pub rvariance: f64,
    pub interception: f64,
    pub line: Vec<f64>,
}

/// Least squares over x = 1..=n of the numeric points; `None` when there
/// is none.
pub fn fit_line(y: &[Option<f64>]) -> Option<Fit> {
    let pts: Vec<(f64, f64)> = y
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|v| ((k + 1) as f64, v)))
        .collect();
    if pts.is_empty() {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, v) in &pts {
        sxy += (x - mx) * (v - my);
        sxx += (x - mx) * (x - mx);
        syy += (v - my) * (v - my);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let interception = my - slope * mx;
    let ssres: f64 = pts
        .iter()
        .map(|(x, v)| {
            let r = v - (slope * x + interception);
            r * r
        })
        .sum();
    let dof = if pts.len() > 1 { n - 1.0 } else { 1.0 };
    Some(Fit {
        rsquare: 1.0 - ssres / syy,
        slope,
        variance: syy / dof,
        rvariance: ssres / dof,
        interception,
        line: (1..=y.len())
            .map(|x| slope * x as f64 + interception)
            .collect(),
    })
}

fn fit_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(y) = a.cols[0].str(i).and_then(reals) else {
            return false;
        };
        let Some(f) = fit_line(&y) else {
            return false;
        };
        for (k, (name, v)) in [
            ("rsquare", f.rsquare),
            ("slope", f.slope),
            ("variance", f.variance),
            ("rvariance", f.rvariance),
            ("interception", f.interception),
        ]
        .into_iter()
        .enumerate()
        {
            buf.push(if k == 0 { '{' } else { ',' });
            buf.push('"');
            buf.push_str(name);
            buf.push_str("\":");
            write_real(v, buf);
        }
        buf.push_str(",\"line_fit\":");
        write_reals(f.line.iter().copied(), buf);
        buf.push('}');
        true
    }))
}

/// A least squares polynomial fit: coefficients from the highest power.
pub fn fit_poly(y: &[Option<f64>], x: &[Option<f64>], degree: usize) -> Option<(Vec<f64>, Fit)> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect();
    let m = degree + 1;
    if pts.len() < m {
        return None;
    }
    // normal equations (Σ x^(i+j)) c = Σ x^i y, solved with partial pivoting
    let mut a = vec![vec![0.0; m + 1]; m];
    for (px, py) in &pts {
        let pow: Vec<f64> = (0..2 * m).map(|k| px.powi(k as i32)).collect();
        for i in 0..m {
            for j in 0..m {
                a[i][j] += pow[i + j];
            }
            a[i][m] += pow[i] * py;
        }
    }
    for col in 0..m {
        let piv = (col..m).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        let pivot = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot[col];
                for (x, p) in row[col..].iter_mut().zip(&pivot[col..]) {
                    *x -= f * p;
                }
            }
        }
    }
    // lowest power first
    let c: Vec<f64> = (0..m).map(|i| a[i][m] / a[i][i]).collect();
    let eval = |x: f64| c.iter().rev().fold(0.0, |acc, k| acc * x + k);
    let n = pts.len() as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let syy: f64 = pts.iter().map(|p| (p.1 - my) * (p.1 - my)).sum();
    let ssres: f64 = pts.iter().map(|p| (p.1 - eval(p.0)).powi(2)).sum();
    let dof = if pts.len() > 1 { n - 1.0 } else { 1.0 };
    let fit = Fit {
        rsquare: 1.0 - ssres / syy,
        slope: f64::NAN,
        variance: syy / dof,
        rvariance: ssres / dof,
        interception: f64::NAN,
        line: x.iter().map(|x| x.map_or(f64::NAN, eval)).collect(),
    };
    // (+ 0.0 turns a -0.0 into 0.0)
    Some((c.into_iter().rev().map(|v| v + 0.0).collect(), fit))
}

fn poly_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let Some(y) = arg(0).and_then(reals) else {
            return false;
        };
        let x = match arg(1) {
            None | Some("null") => (1..=y.len()).map(|k| Some(k as f64)).collect(),
            Some(t) => match reals(t) {
                Some(x) if x.len() == y.len() => x,
                _ => return false,
            },
        };
        let Some(degree) = int_param(arg(2), 1).filter(|d| *d >= 1) else {
            return false;
        };
        let Some((coefficients, f)) = fit_poly(&y, &x, degree as usize) else {
            return false;
        };
        write_member("rsquare", true, buf);
        write_real(f.rsquare, buf);
        write_member("coefficients", false, buf);
        write_reals(coefficients, buf);
        write_member("variance", false, buf);
        write_real(f.variance, buf);
        write_member("rvariance", false, buf);
        write_real(f.rvariance, buf);
        write_member("poly_fit", false, buf);
        write_reals(f.line, buf);
        buf.push('}');
        true
    }))
}

/// The `p`-th percentile (0..=100) of sorted values, interpolating
/// linearly between ranks.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0).clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

/// Tukey fence scores (see the module text).
pub fn outlier_scores(v: &[Option<f64>], ignore: Option<f64>, lo: f64, hi: f64) -> Vec<f64> {
    let keep = |x: &Option<f64>| match x {
        Some(x) if x.is_finite() => ignore != Some(*x),
        _ => false,
    };
    let mut sorted: Vec<f64> = v.iter().filter(|x| keep(x)).flatten().copied().collect();
    if sorted.is_empty() {
        return vec![0.0; v.len()];
    }
    sorted.sort_by(f64::total_cmp);
    let (q1, q3) = (percentile(&sorted, lo), percentile(&sorted, hi));
    let iqr = q3 - q1;
    v.iter()
        .map(|x| match x {
            Some(x) if keep(&Some(*x)) => {
                if *x > q3 {
                    (x - q3) / iqr
                } else if *x < q1 {
                    (x - q1) / iqr
                } else {
                    0.0
                }
            }
            _ => 0.0,
        })
        .collect()
}

/// The quantile range of an outlier method name; `None` for an unknown one.
fn method_range(kind: &str, lo: Option<f64>, hi: Option<f64>) -> Option<(f64, f64)> {
    match kind {
        "tukey" => Some((25.0, 75.0)),
        "ctukey" => Some((lo.unwrap_or(10.0), hi.unwrap_or(90.0))),
        _ => None,
    }
}

fn outliers_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(v) = a.cols[0].str(i).and_then(reals) else {
            return false;
        };
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let kind = arg(1).unwrap_or("ctukey");
        let ignore = param_f64(arg(2));
        let (lo, hi) = (param_f64(arg(3)), param_f64(arg(4)));
        if [lo, hi].iter().flatten().any(|p| !(2.0..=98.0).contains(p)) {
            return false;
        }
        let Some((lo, hi)) = method_range(kind, lo, hi) else {
            return false;
        };
        write_reals(outlier_scores(&v, ignore, lo, hi), buf);
        true
    }))
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// The seasonal component with period `p` learnt from the first `train`
/// points, for `n` points.
pub fn seasonal(v: &[Option<f64>], p: usize, train: usize) -> Vec<f64> {
    // a period longer than the series is the series' length (every point its
    // own phase either way)
    let p = p.clamp(1, v.len().max(1));
    let mut phase = vec![Vec::new(); p];
    for (k, x) in v.iter().take(train).enumerate() {
        if let Some(x) = x.filter(|x| x.is_finite()) {
            phase[k % p].push(x);
        }
    }
    let med: Vec<f64> = phase
        .iter_mut()
        .map(|ph| median(ph).unwrap_or(0.0))
        .collect();
    (0..v.len()).map(|k| med[k % p]).collect()
}

/// The detected period (see the module text), or `None`.
pub fn detect_period(v: &[Option<f64>], threshold: f64) -> Option<usize> {
    if v.iter().any(|x| !x.is_some_and(f64::is_finite)) {
        return None;
    }
    // the scores are of the series without its regression line (a trend
    // alone correlates with itself at every lag)
    let n = v.len();
    let line = fit_line(v)?;
    let mut d: Vec<f64> = v
        .iter()
        .zip(&line.line)
        .map(|(x, l)| x.unwrap_or(0.0) - l)
        .collect();
    // and with its outliers clipped to the Tukey fences (10th / 90th
    // percentiles, k = 1.5): one spike must not hide the period
    let mut sorted = d.clone();
    sorted.sort_by(f64::total_cmp);
    let (q1, q3) = (percentile(&sorted, 10.0), percentile(&sorted, 90.0));
    let (lo, hi) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
    d.iter_mut().for_each(|x| *x = x.clamp(lo, hi));
    let mean = d.iter().sum::<f64>() / n as f64;
    d.iter_mut().for_each(|x| *x -= mean);
    let den: f64 = d.iter().map(|v| v * v).sum();
    if den <= 0.0 {
        return None;
    }
    let ac = super::spectral::autocorrelation(&d);
    let mut best: Option<(usize, f64)> = None;
    let mut p = 4;
    while 2 * p < n {
        let s = ac[p];
        let score = s / den * n as f64 / (n - p) as f64;
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((p, score));
        }
        p += 1;
    }
    best.filter(|(_, s)| *s >= threshold).map(|(p, _)| p)
}

/// The components of a decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    pub baseline: Vec<f64>,
    pub seasonal: Vec<f64>,
    pub trend: Vec<f64>,
    pub residual: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trend {
    Avg,
    LineFit,
    None,
}

/// `series_decompose`; `seasonality` -1 detects the period with
/// `threshold`, 0 (or any other non-positive value) has none.
pub fn decompose(
    v: &[Option<f64>],
    seasonality: i64,
    trend: Trend,
    test_points: usize,
    threshold: f64,
) -> Decomposition {
    let n = v.len();
    let train = n.saturating_sub(test_points);
    let period = match seasonality {
        -1 => detect_period(&v[..train], threshold),
        p if p > 0 => Some(p as usize),
        _ => None,
    };
    let seas = match period {
        Some(p) => seasonal(v, p, train),
        None => vec![0.0; n],
    };
    let deseasonal: Vec<Option<f64>> = v
        .iter()
        .zip(&seas)
        .map(|(x, s)| x.filter(|x| x.is_finite()).map(|x| x - s))
        .collect();
    let tr: Vec<f64> = match trend {
        Trend::None => vec![0.0; n],
        Trend::Avg => {
            let pts: Vec<f64> = deseasonal[..train].iter().flatten().copied().collect();
            let avg = if pts.is_empty() {
                0.0
            } else {
                pts.iter().sum::<f64>() / pts.len() as f64
            };
            vec![avg; n]
        }
        Trend::LineFit => match fit_line(&deseasonal[..train]) {
            Some(f) => (1..=n)
                .map(|x| f.slope * x as f64 + f.interception)
                .collect(),
            None => vec![0.0; n],
        },
    };
    let baseline: Vec<f64> = seas.iter().zip(&tr).map(|(s, t)| s + t).collect();
    let residual = v
        .iter()
        .zip(&baseline)
        .map(|(x, b)| x.map(|x| x - b))
        .collect();
    Decomposition {
        baseline,
        seasonal: seas,
        trend: tr,
        residual,
    }
}

fn trend_of(t: Option<&str>) -> Option<Trend> {
    match t.unwrap_or("avg") {
        "avg" => Some(Trend::Avg),
        "linefit" => Some(Trend::LineFit),
        "none" => Some(Trend::None),
        _ => None,
    }
}

fn int_param(t: Option<&str>, default: i64) -> Option<i64> {
    match t {
        None => Some(default),
        Some(t) => param_f64(Some(t)).map(|f| f as i64),
    }
}

fn seasonal_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(v) = a.cols[0].str(i).and_then(reals) else {
            return false;
        };
        let Some(period) = int_param(a.cols.get(1).and_then(|c| c.str(i)), -1) else {
            return false;
        };
        let p = match period {
            -1 => detect_period(&v, 0.7),
            p if p > 0 => Some(p as usize),
            _ => None,
        };
        match p {
            Some(p) => write_reals(seasonal(&v, p, v.len()), buf),
            None => write_reals(v.iter().map(|_| 0.0), buf),
        }
        true
    }))
}

fn write_member(name: &str, first: bool, buf: &mut String) {
    buf.push(if first { '{' } else { ',' });
    buf.push('"');
    buf.push_str(name);
    buf.push_str("\":");
}

fn decompose_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let Some(v) = arg(0).and_then(reals) else {
            return false;
        };
        let (Some(season), Some(trend), Some(test)) = (
            int_param(arg(1), -1),
            trend_of(arg(2)),
            int_param(arg(3), 0),
        ) else {
            return false;
        };
        let threshold = param_f64(arg(4)).unwrap_or(0.6);
        let d = decompose(&v, season, trend, test.max(0) as usize, threshold);
        write_member("baseline", true, buf);
        write_reals(d.baseline, buf);
        write_member("seasonal", false, buf);
        write_reals(d.seasonal, buf);
        write_member("trend", false, buf);
        write_reals(d.trend, buf);
        write_member("residual", false, buf);
        write_array(d.residual.into_iter().map(|r| r.map(Num::R)), buf);
        buf.push('}');
        true
    }))
}

fn forecast_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let Some(v) = arg(0).and_then(reals) else {
            return false;
        };
        let (Some(points), Some(season), Some(trend)) = (
            int_param(arg(1), 0),
            int_param(arg(2), -1),
            trend_of(arg(3)),
        ) else {
            return false;
        };
        let threshold = param_f64(arg(4)).unwrap_or(0.6);
        let d = decompose(&v, season, trend, points.max(0) as usize, threshold);
        write_reals(d.baseline, buf);
        true
    }))
}

fn anomalies_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let Some(v) = arg(0).and_then(reals) else {
            return false;
        };
        let threshold = match arg(1) {
            None => 1.5,
            Some(t) => match param_f64(Some(t)) {
                Some(t) => t,
                None => return false,
            },
        };
        let (Some(season), Some(trend), Some(test)) = (
            int_param(arg(2), -1),
            trend_of(arg(3)),
            int_param(arg(4), 0),
        ) else {
            return false;
        };
        let Some((lo, hi)) = method_range(arg(5).unwrap_or("ctukey"), None, None) else {
            return false;
        };
        let s_threshold = param_f64(arg(6)).unwrap_or(0.6);
        let d = decompose(&v, season, trend, test.max(0) as usize, s_threshold);
        let scores = outlier_scores(&d.residual, None, lo, hi);
        write_member("ad_flag", true, buf);
        write_array(
            scores.iter().map(|s| {
                Some(Num::L(if *s > threshold {
                    1
                } else if *s < -threshold {
                    -1
                } else {
                    0
                }))
            }),
            buf,
        );
        write_member("ad_score", false, buf);
        write_reals(scores, buf);
        write_member("baseline", false, buf);
        write_reals(d.baseline, buf);
        buf.push('}');
        true
    }))
}

const STR: &[Read] = &[Read::Str];

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    let (n, k): (&'static str, crate::udf::Kernel) = match name {
        "series_fit_line_dynamic" => ("kql_series_fit_line_dynamic", fit_kernel),
        "series_outliers" => ("kql_series_outliers", outliers_kernel),
        "series_seasonal" => ("kql_series_seasonal", seasonal_kernel),
        "series_decompose" => ("kql_series_decompose", decompose_kernel),
        "series_decompose_anomalies" => ("kql_series_decompose_anomalies", anomalies_kernel),
        "series_decompose_forecast" => ("kql_series_decompose_forecast", forecast_kernel),
        "series_fit_poly" => ("kql_series_fit_poly", poly_kernel),
        _ => return None,
    };
    Some(KernelUdf::new(n, DataType::Utf8, STR, k))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::one;
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn fits_the_documented_line() {
        let y: Vec<Option<f64>> = [2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]
            .iter()
            .map(|v| Some(*v as f64))
            .collect();
        let f = fit_line(&y).unwrap();
        assert!(close(f.rsquare, 0.982));
        assert!(close(f.slope, 2.730));
        assert!(close(f.variance, 98.628));
        assert!(close(f.rvariance, 1.686));
        assert!(close(f.interception, -1.666));
        assert!(close(f.line[0], 1.064));
        assert!(close(f.line[11], 31.102));
        assert_eq!(one("series_fit_line_dynamic", &["[]"]), None);
        assert_eq!(one("series_fit_line_dynamic", &["null"]), None);
        assert_eq!(
            one("series_fit_line_dynamic", &["[1,2,3]"]),
            s(
                "{\"rsquare\":1.0,\"slope\":1.0,\"variance\":1.0,\"rvariance\":0.0,\"interception\":0.0,\"line_fit\":[1.0,2.0,3.0]}"
            )
        );
    }

    #[test]
    fn fits_polynomials() {
        let x: Vec<Option<f64>> = (0..6).map(|k| Some(k as f64)).collect();
        let y: Vec<Option<f64>> = (0..6)
            .map(|k| Some(2.0 * (k * k) as f64 - 3.0 * k as f64 + 1.0))
            .collect();
        let (c, f) = fit_poly(&y, &x, 2).unwrap();
        assert!(
            close(c[0], 2.0) && close(c[1], -3.0) && close(c[2], 1.0),
            "{c:?}"
        );
        assert!(close(f.rsquare, 1.0));
        // degree 1 over 1..n is series_fit_line
        let y: Vec<Option<f64>> = [2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]
            .iter()
            .map(|v| Some(*v as f64))
            .collect();
        let x: Vec<Option<f64>> = (1..=12).map(|k| Some(k as f64)).collect();
        let (c, f) = fit_poly(&y, &x, 1).unwrap();
        let l = fit_line(&y).unwrap();
        assert!(close(c[0], l.slope) && close(c[1], l.interception));
        assert!(close(f.rvariance, l.rvariance) && close(f.rsquare, l.rsquare));
        assert_eq!(
            one("series_fit_poly", &["[1,2,3]"]),
            s(
                "{\"rsquare\":1.0,\"coefficients\":[1.0,0.0],\"variance\":1.0,\"rvariance\":0.0,\"poly_fit\":[1.0,2.0,3.0]}"
            )
        );
        assert_eq!(one("series_fit_poly", &["[1,2]", "[1,2]", "3"]), None);
        assert_eq!(one("series_fit_poly", &["[1,2]", "[1]"]), None);
    }

    #[test]
    fn outliers_score_by_tukey_fences() {
        // the 10th / 90th percentiles of the 12 numbers are 1.1 and 9.9
        let v = "[0,1,2,3,4,5,6,7,8,9,10,30,null]";
        let out = one("series_outliers", &[v]).unwrap();
        assert!(out.starts_with("[-0.125,"), "{out}");
        assert!(out.ends_with(",2.284090909090909,0.0]"), "{out}");
        let tukey = one("series_outliers", &["[1,2,3,4,5]", "tukey"]);
        assert_eq!(tukey, s("[-0.5,0.0,0.0,0.0,0.5]"));
        assert_eq!(
            one("series_outliers", &["[1,2,3,4,100]", "tukey"]),
            s("[-0.5,0.0,0.0,0.0,48.0]")
        );
        assert_eq!(one("series_outliers", &["[]"]), s("[]"));
        assert_eq!(one("series_outliers", &["[1]", "bogus"]), None);
        assert_eq!(
            one("series_outliers", &["[1]", "ctukey", "null", "1", "90"]),
            None
        );
    }

    #[test]
    fn seasonal_medians_and_detection() {
        assert_eq!(
            one("series_seasonal", &["[1,3,5,2,4,6,1,3,5,2,4,6]", "3"]),
            s("[1.5,3.5,5.5,1.5,3.5,5.5,1.5,3.5,5.5,1.5,3.5,5.5]")
        );
        assert_eq!(
            one("series_seasonal", &["[1,3,5,1,3,5,2,4,6]", "3"]),
            s("[1.0,3.0,5.0,1.0,3.0,5.0,1.0,3.0,5.0]")
        );
        assert_eq!(
            one(
                "series_seasonal",
                &["[2,5,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1,2,3,4,3,2,1]"]
            ),
            s(
                "[1.0,2.0,3.0,4.0,3.0,2.0,1.0,2.0,3.0,4.0,3.0,2.0,1.0,2.0,3.0,4.0,3.0,2.0,1.0,2.0,3.0,4.0,3.0,2.0,1.0]"
            )
        );
        assert_eq!(
            one(
                "series_seasonal",
                &["[8,12,14,12,10,10,12,14,12,10,10,12,14,12,10,10,12,14,12,10]"]
            ),
            s(
                "[10.0,12.0,14.0,12.0,10.0,10.0,12.0,14.0,12.0,10.0,10.0,12.0,14.0,12.0,10.0,10.0,12.0,14.0,12.0,10.0]"
            )
        );
        assert_eq!(
            one("series_seasonal", &["[1,3,5,2,4,6,1,3,5,2,4,6]"]),
            s("[0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0]")
        );
        assert_eq!(
            one("series_seasonal", &["[1,2,3]", "0"]),
            s("[0.0,0.0,0.0]")
        );
        assert_eq!(one("series_seasonal", &["[]"]), s("[]"));
    }

    #[test]
    fn detects_periods_not_trends() {
        let line: Vec<Option<f64>> = (0..40).map(|k| Some(k as f64)).collect();
        assert_eq!(detect_period(&line, 0.6), None);
        let daily: Vec<Option<f64>> = (0..24 * 14)
            .map(|k| {
                let h = (k % 24) as f64;
                Some(10.0 + 5.0 * (h * std::f64::consts::PI / 12.0).sin() + 0.01 * k as f64)
            })
            .collect();
        assert_eq!(detect_period(&daily, 0.6), Some(24));
        assert_eq!(detect_period(&[Some(1.0), None, Some(2.0)], 0.6), None);
        assert_eq!(detect_period(&[], 0.6), None);
    }

    #[test]
    fn decomposes() {
        // period 4 plus a line: linefit recovers both
        let v: Vec<Option<f64>> = (0..24)
            .map(|k| Some([1.0, 5.0, 2.0, 0.0][k % 4] + 0.5 * k as f64))
            .collect();
        let d = decompose(&v, 0, Trend::LineFit, 0, 0.6);
        assert!(d.seasonal.iter().all(|s| *s == 0.0));
        assert!((d.trend[1] - d.trend[0] - 0.5).abs() < 0.05);
        let d = decompose(&v, 4, Trend::LineFit, 0, 0.6);
        assert!((d.trend[1] - d.trend[0] - 0.5).abs() < 0.05);
        let d = decompose(&v, 4, Trend::None, 0, 0.6);
        assert_eq!(d.trend, vec![0.0; 24]);
        let d = decompose(&v, -1, Trend::Avg, 0, 0.6);
        assert!(d.seasonal.iter().any(|s| *s != 0.0));
        // residual = x - baseline; a null element stays null
        let d = decompose(&[Some(1.0), None, Some(3.0)], 0, Trend::Avg, 0, 0.6);
        assert_eq!(d.baseline, vec![2.0; 3]);
        assert_eq!(d.residual, vec![Some(-1.0), None, Some(1.0)]);
        // test points are left out of the learning
        let d = decompose(&[Some(1.0), Some(1.0), Some(100.0)], 0, Trend::Avg, 1, 0.6);
        assert_eq!(d.baseline, vec![1.0; 3]);
        assert_eq!(
            one("series_decompose", &["[1,2,3]", "0", "none"]),
            s(
                "{\"baseline\":[0.0,0.0,0.0],\"seasonal\":[0.0,0.0,0.0],\"trend\":[0.0,0.0,0.0],\"residual\":[1.0,2.0,3.0]}"
            )
        );
        assert_eq!(one("series_decompose", &["[1]", "0", "bogus"]), None);
    }

    #[test]
    fn forecasts_from_the_learning_points() {
        // period 2 learnt from the first 6 points, extended over the last 2
        assert_eq!(
            one(
                "series_decompose_forecast",
                &["[1,5,1,5,1,5,0,0]", "2", "2", "avg"]
            ),
            s("[1.0,5.0,1.0,5.0,1.0,5.0,1.0,5.0]")
        );
        assert_eq!(
            one(
                "series_decompose_forecast",
                &["[1,2,3,0]", "1", "0", "linefit"]
            ),
            s("[1.0,2.0,3.0,4.0]")
        );
        assert_eq!(one("series_decompose_forecast", &["null", "1"]), None);
    }

    #[test]
    fn flags_anomalies() {
        let mut v = vec!["1"; 30];
        v[5] = "2";
        v[7] = "0";
        v[20] = "50";
        let arr = format!("[{}]", v.join(","));
        let out = one("series_decompose_anomalies", &[&arr, "1.5", "0", "avg"]).unwrap();
        let flags = &out[out.find("[").unwrap()..out.find("]").unwrap() + 1];
        let mut expect = vec!["0"; 30];
        expect[5] = "1";
        expect[7] = "-1";
        expect[20] = "1";
        assert_eq!(flags, format!("[{}]", expect.join(",")));
        assert!(out.contains("\"baseline\":["));
        assert_eq!(one("series_decompose_anomalies", &["null"]), None);
        assert_eq!(
            one("series_decompose_anomalies", &["[]"]),
            s("{\"ad_flag\":[],\"ad_score\":[],\"baseline\":[]}")
        );
    }
}
