//! Filters: `series_fir(s, filter[, normalize[, center]])` and
//! `series_iir(s, numerators, denominators)`.
//!
//! * FIR (series-fir-function.md): y[i] = Σ filter[j]·x[i-j] over the
//!   points inside the series; with *center* the window is shifted by
//!   (len - 1) / 2 points so that it covers points before and after i.
//!   *normalize* divides the coefficients by their sum; it defaults to true
//!   unless a coefficient is negative, and "If filter contains negative
//!   values, then normalize must be specified as false, otherwise result
//!   will be null".
//! * IIR (series-iir-function.md): Y[i] = (b0·X[i] + b1·X[i-1] + ... -
//!   a1·Y[i-1] - a2·Y[i-2] - ...) / a0 with b the numerators and a the
//!   denominators; a0 = 0 gives null.
//!
//! Outputs are reals; an output that depends on a non-numeric element is
//! null. A filter that is not an all-numeric, non-empty array gives null.

use super::{Num, ok, reals, text_rows, write_array};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

pub const NAMES: &[&str] = &["series_fir", "series_iir"];

/// All-numeric, non-empty coefficients.
fn coefficients(text: Option<&str>) -> Option<Vec<f64>> {
    let v: Vec<f64> = reals(text?)?.into_iter().collect::<Option<_>>()?;
    (!v.is_empty()).then_some(v)
}

fn flag(text: Option<&str>) -> Option<bool> {
    match text? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// FIR over `x`; `None` when the normalisation is impossible.
pub fn fir(
    x: &[Option<f64>],
    filter: &[f64],
    normalize: Option<bool>,
    center: bool,
) -> Option<Vec<Option<f64>>> {
    let negative = filter.iter().any(|c| *c < 0.0);
    let normalize = match normalize {
        Some(true) if negative => return None,
        Some(n) => n,
        None => !negative,
    };
    let f: Vec<f64> = if normalize {
        let sum: f64 = filter.iter().fold(0.0, |a, b| a + b);
        if sum == 0.0 {
            return None;
        }
        filter.iter().map(|c| c / sum).collect()
    } else {
        filter.to_vec()
    };
    let shift = if center { (f.len() - 1) / 2 } else { 0 } as isize;
    let n = x.len() as isize;
    Some(
        (0..n)
            .map(|i| {
                let mut acc = 0.0;
                for (j, c) in f.iter().enumerate() {
                    let k = i + shift - j as isize;
                    if (0..n).contains(&k) {
                        acc += c * x[k as usize]?;
                    }
                }
                Some(acc)
            })
            .collect(),
    )
}

/// IIR over `x`; `None` when a0 is 0.
pub fn iir(x: &[Option<f64>], b: &[f64], a: &[f64]) -> Option<Vec<Option<f64>>> {
    let a0 = *a.first()?;
    if a0 == 0.0 {
        return None;
    }
    let mut y: Vec<Option<f64>> = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let mut acc = Some(0.0);
        for (j, c) in b.iter().enumerate() {
            if j <= i {
                acc = acc.and_then(|s| Some(s + c * x[i - j]?));
            }
        }
        for (k, c) in a.iter().enumerate().skip(1) {
            if k <= i {
                acc = acc.and_then(|s| Some(s - c * y[i - k]?));
            }
        }
        y.push(acc.map(|s| s / a0));
    }
    Some(y)
}

fn fir_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let (Some(x), Some(f)) = (arg(0).and_then(reals), coefficients(arg(1))) else {
            return false;
        };
        let normalize = flag(arg(2));
        let center = flag(arg(3)).unwrap_or(false);
        match fir(&x, &f, normalize, center) {
            Some(y) => {
                write_array(y.into_iter().map(|v| v.map(Num::R)), buf);
                true
            }
            None => false,
        }
    }))
}

fn iir_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let arg = |c: usize| a.cols.get(c).and_then(|c| c.str(i));
        let (Some(x), Some(b), Some(den)) = (
            arg(0).and_then(reals),
            coefficients(arg(1)),
            coefficients(arg(2)),
        ) else {
            return false;
        };
        match iir(&x, &b, &den) {
            Some(y) => {
                write_array(y.into_iter().map(|v| v.map(Num::R)), buf);
                true
            }
            None => false,
        }
    }))
}

const STR: &[Read] = &[Read::Str];

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    let (n, k): (&'static str, crate::udf::Kernel) = match name {
        "series_fir" => ("kql_series_fir", fir_kernel),
        "series_iir" => ("kql_series_iir", iir_kernel),
        _ => return None,
    };
    Some(KernelUdf::new(n, DataType::Utf8, STR, k))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::one;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn fir_moving_average_and_difference() {
        assert_eq!(
            one("series_fir", &["[0,0,10,20,0,0]", "[1,1]"]),
            s("[0.0,0.0,5.0,15.0,10.0,0.0]")
        );
        assert_eq!(
            one("series_fir", &["[0,0,10,0,0]", "[1,1,1]", "true", "true"]),
            s("[0.0,3.333333333333333,3.333333333333333,3.333333333333333,0.0]")
        );
        assert_eq!(
            one("series_fir", &["[0,0,2,2,3]", "[1,-1]", "false", "false"]),
            s("[0.0,0.0,2.0,0.0,1.0]")
        );
        // negative coefficients: normalize defaults to false, true is null
        assert_eq!(one("series_fir", &["[1,3]", "[1,-1]"]), s("[1.0,2.0]"));
        assert_eq!(one("series_fir", &["[1,3]", "[1,-1]", "true"]), None);
        // a null input makes the outputs that use it null
        assert_eq!(
            one("series_fir", &["[1,null,3,4]", "[1,1]", "false"]),
            s("[1.0,null,null,7.0]")
        );
        assert_eq!(one("series_fir", &["[1]", "[]"]), None);
        assert_eq!(one("series_fir", &["[]", "[1]"]), s("[]"));
    }

    #[test]
    fn iir_cumulative_sum() {
        assert_eq!(
            one("series_iir", &["[1.0,2.0,3.0,4.0]", "[1]", "[1,-1]"]),
            s("[1.0,3.0,6.0,10.0]")
        );
        assert_eq!(
            one("series_iir", &["[0,1,2,3,4]", "[1]", "[1,-1]"]),
            s("[0.0,1.0,3.0,6.0,10.0]")
        );
        assert_eq!(one("series_iir", &["[1,2]", "[1]", "[0,1]"]), None);
        assert_eq!(
            one("series_iir", &["[1,null,2]", "[1]", "[1,-1]"]),
            s("[1.0,null,null]")
        );
    }
}
