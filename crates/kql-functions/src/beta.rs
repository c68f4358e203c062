//! The beta distribution: `beta_cdf(x, alpha, beta)`, `beta_pdf(x, alpha,
//! beta)`, `beta_inv(p, alpha, beta)` (beta-cdf-function.md,
//! beta-pdf-function.md, beta-inv-function.md), and Welch's t-test, whose
//! p-value is a beta integral: `welch_test(mean1, variance1, count1, mean2,
//! variance2, count2)`. Null in, null out.
//!
//! * `beta_cdf`: the regularized incomplete beta function I_x(α, β); NaN
//!   when x < 0 or x > 1, or α or β is ≤ 0 or > 10000.
//! * `beta_pdf`: x^(α-1) (1-x)^(β-1) / B(α, β); NaN when x ≤ 0 or x ≥ 1,
//!   or α or β is ≤ 0.
//! * `beta_inv`: the x with `beta_cdf(x, α, β) = p`. The page's notes and
//!   its example disagree on which bad input gives null and which NaN; the
//!   example's outputs are followed: p outside [0, 1] gives null, α or β ≤ 0
//!   gives NaN.
//! * `welch_test`: the two-sided p-value of Welch's unequal-variances t-test
//!   (welch-test-function.md; its Wikipedia example gives 0.021):
//!   t = (m1 - m2) / sqrt(v1/n1 + v2/n2), with the Welch–Satterthwaite
//!   degrees of freedom ν, p = I_{ν/(ν+t²)}(ν/2, 1/2). Inputs that make t or
//!   ν undefined (no variance, a count of 1 or less) give NaN.

use crate::math::loggamma;
use crate::typed_udf::{TypedArgs, TypedUdf};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Builder};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::sync::Arc;

fn ln_beta(a: f64, b: f64) -> f64 {
    loggamma(a) + loggamma(b) - loggamma(a + b)
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// I_x(a, b) for valid arguments.
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(x, a, b) / a
    } else {
        1.0 - front * beta_cf(1.0 - x, b, a) / b
    }
}

pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    let bad_param = |p: f64| !(p > 0.0 && p <= 10_000.0);
    if !(0.0..=1.0).contains(&x) || bad_param(a) || bad_param(b) {
        return f64::NAN;
    }
    inc_beta(x, a, b)
}

pub fn beta_pdf(x: f64, a: f64, b: f64) -> f64 {
    let positive = |v: f64| v > 0.0;
    if !(x > 0.0 && x < 1.0 && positive(a) && positive(b)) {
        return f64::NAN;
    }
    ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta(a, b)).exp()
}

pub fn beta_inv(p: f64, a: f64, b: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    let positive = |v: f64| v > 0.0;
    if !(positive(a) && positive(b)) {
        return Some(f64::NAN);
    }
    if p == 0.0 || p == 1.0 {
        return Some(p);
    }
    // bisection to full double precision, then Newton polish
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if inc_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..3 {
        let f = inc_beta(x, a, b) - p;
        let d = beta_pdf(x, a, b);
        if !(d.is_finite() && d > 0.0) {
            break;
        }
        let nx = x - f / d;
        if !(nx > 0.0 && nx < 1.0) {
            break;
        }
        x = nx;
    }
    Some(x)
}

/// The two-sided p-value of Welch's t-test.
pub fn welch_test(m1: f64, v1: f64, n1: f64, m2: f64, v2: f64, n2: f64) -> f64 {
    let (s1, s2) = (v1 / n1, v2 / n2);
    let se2 = s1 + s2;
    let t = (m1 - m2) / se2.sqrt();
    let df = se2 * se2 / (s1 * s1 / (n1 - 1.0) + s2 * s2 / (n2 - 1.0));
    if t.is_nan() || df.is_nan() || df <= 0.0 || n1 <= 1.0 || n2 <= 1.0 {
        return f64::NAN;
    }
    inc_beta(df / (df + t * t), df / 2.0, 0.5)
}

fn welch_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let mut out = Float64Builder::with_capacity(c.rows);
    let mut v = [0.0; 6];
    for i in 0..c.rows {
        let all = (0..6).all(|k| c.f64(k, i).map(|x| v[k] = x).is_some());
        out.append_option(all.then(|| welch_test(v[0], v[1], v[2], v[3], v[4], v[5])));
    }
    Ok(Arc::new(out.finish()))
}

fn kernel(a: &[ArrayRef], rows: usize, f: fn(f64, f64, f64) -> Option<f64>) -> Result<ArrayRef> {
    let (x, al, be) = (
        a[0].as_primitive::<Float64Type>(),
        a[1].as_primitive::<Float64Type>(),
        a[2].as_primitive::<Float64Type>(),
    );
    let mut out = Float64Builder::with_capacity(rows);
    for i in 0..rows {
        if x.is_null(i) || al.is_null(i) || be.is_null(i) {
            out.append_null();
        } else {
            out.append_option(f(x.value(i), al.value(i), be.value(i)));
        }
    }
    Ok(Arc::new(out.finish()))
}

fn cdf_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    kernel(a, rows, |x, al, be| Some(beta_cdf(x, al, be)))
}
fn pdf_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    kernel(a, rows, |x, al, be| Some(beta_pdf(x, al, be)))
}
fn inv_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    kernel(a, rows, beta_inv)
}

const REALS: &[DataType] = &[DataType::Float64];

fn udf(name: &str) -> Option<TypedUdf> {
    let r = DataType::Float64;
    Some(match name {
        "beta_cdf" => TypedUdf::new("kql_beta_cdf", r, REALS, cdf_kernel),
        "beta_pdf" => TypedUdf::new("kql_beta_pdf", r, REALS, pdf_kernel),
        "beta_inv" => TypedUdf::new("kql_beta_inv", r, REALS, inv_kernel),
        "welch_test" => TypedUdf::new("kql_welch_test", r, REALS, welch_kernel),
        _ => return None,
    })
}

/// The KQL functions of this module.
pub const BETA_FUNCTIONS: &[&str] = &["beta_cdf", "beta_pdf", "beta_inv", "welch_test"];

/// `kql_beta_<f>(x, alpha, beta)` over Float64 arguments.
pub fn beta_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_beta_udfs() -> Vec<ScalarUDF> {
    BETA_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::invoke;
    use datafusion::arrow::array::Float64Array;
    use datafusion::logical_expr::ColumnarValue;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-12)
    }

    #[test]
    fn documented_values() {
        assert!(close(beta_cdf(0.9, 10.0, 20.0), 0.999999999999959));
        assert!(beta_cdf(1.5, 10.0, 20.0).is_nan());
        assert!(beta_cdf(-10.0, 10.0, 20.0).is_nan());
        assert!(beta_cdf(0.1, -1.0, 20.0).is_nan());
        assert!(beta_cdf(0.5, 20000.0, 1.0).is_nan());
        assert!(close(beta_pdf(0.5, 10.0, 20.0), 0.746176019310951));
        assert!(beta_pdf(1.0, 10.0, 20.0).is_nan());
        assert!(beta_pdf(0.1, -1.0, 20.0).is_nan());
        assert!(close(beta_inv(0.1, 10.0, 20.0).unwrap(), 0.226415022388749));
        assert_eq!(beta_inv(1.5, 10.0, 20.0), None);
        assert!(beta_inv(0.1, -1.0, 20.0).unwrap().is_nan());
        // symmetric case
        assert!(close(beta_cdf(0.5, 3.0, 3.0), 0.5));
        assert!(close(beta_cdf(0.3, 1.0, 1.0), 0.3));
    }

    #[test]
    fn welch_test_of_the_documented_samples() {
        // welch-test-function.md (Wikipedia's first example): p = 0.021
        let s1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let s2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let stats = |s: &[f64]| {
            let n = s.len() as f64;
            let m = s.iter().sum::<f64>() / n;
            let v = s.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
            (m, v, n)
        };
        let ((m1, v1, n1), (m2, v2, n2)) = (stats(&s1), stats(&s2));
        let p = welch_test(m1, v1, n1, m2, v2, n2);
        assert!((p - 0.021).abs() < 0.0005, "{p}");
        // symmetric in the two samples; equal means give 1
        assert!(close(p, welch_test(m2, v2, n2, m1, v1, n1)));
        assert!(close(welch_test(5.0, 2.0, 10.0, 5.0, 3.0, 12.0), 1.0));
        // undefined: no variance at all, or a single value
        assert!(welch_test(1.0, 0.0, 10.0, 1.0, 0.0, 10.0).is_nan());
        assert!(welch_test(1.0, 1.0, 1.0, 2.0, 1.0, 10.0).is_nan());
    }

    #[test]
    fn kernel_nulls() {
        let u = udf("beta_cdf").unwrap();
        let col = |v: Vec<Option<f64>>| ColumnarValue::Array(Arc::new(Float64Array::from(v)));
        let out = invoke(
            &u,
            vec![
                col(vec![Some(0.5), None]),
                col(vec![Some(1.0), Some(1.0)]),
                col(vec![Some(1.0), Some(1.0)]),
            ],
        );
        let out = out.as_primitive::<Float64Type>();
        assert!(close(out.value(0), 0.5));
        assert!(out.is_null(1));
    }
}
