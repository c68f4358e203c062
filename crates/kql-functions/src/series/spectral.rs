//! `series_fft(x_real[, x_imaginary])` and `series_ifft(fft_real[,
//! fft_imaginary])` (series-fft-function.md, series-ifft-function.md): the
//! discrete Fourier transform X[k] = Σ x[n]·e^(-2πikn/N) and its inverse
//! x[n] = (1/N)·Σ X[k]·e^(2πikn/N), so that `series_ifft` of `series_fft`
//! gives the series back. Both return two series, the real and the
//! imaginary components, as the bag `{"real": [...], "imag": [...]}` that the
//! binder spreads into two columns.
//!
//! Without the imaginary argument the series is real. An element that is
//! not a number, or an imaginary array of another length, gives null.

use super::{ok, reals, text_rows, write_reals};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use std::f64::consts::PI;

pub const NAMES: &[&str] = &["series_fft", "series_ifft"];

/// The DFT (or its inverse) of `re + i·im`.
pub fn dft(re: &[f64], im: &[f64], inverse: bool) -> (Vec<f64>, Vec<f64>) {
    let n = re.len();
    if n == 0 {
        return (Vec::new(), Vec::new());
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    // e^(±2πi·j/N) for j in 0..N; the exponent k·m is reduced modulo N
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|j| {
            let a = 2.0 * PI * j as f64 / n as f64;
            (a.cos(), sign * a.sin())
        })
        .unzip();
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    let mut out_re = Vec::with_capacity(n);
    let mut out_im = Vec::with_capacity(n);
    for k in 0..n {
        let (mut sr, mut si) = (0.0, 0.0);
        for m in 0..n {
            let j = (k * m) % n;
            sr += re[m] * cos[j] - im[m] * sin[j];
            si += re[m] * sin[j] + im[m] * cos[j];
        }
        out_re.push(sr * scale);
        out_im.push(si * scale);
    }
    (out_re, out_im)
}

/// In-place radix-2 FFT (or its unscaled inverse) of a power-of-two length.
pub fn fft_pow2(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    debug_assert!(n.is_power_of_two() && im.len() == n);
    // bit-reversal permutation
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let ang = sign * 2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (ws, wc) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * wc - im[b] * ws;
                let ti = re[b] * ws + im[b] * wc;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Σ_k d[k]·d[k+p] for every lag p < d.len(), through the FFT.
pub fn autocorrelation(d: &[f64]) -> Vec<f64> {
    let n = d.len();
    if n == 0 {
        return Vec::new();
    }
    let size = (2 * n).next_power_of_two();
    let mut re = vec![0.0; size];
    re[..n].copy_from_slice(d);
    let mut im = vec![0.0; size];
    fft_pow2(&mut re, &mut im, false);
    for (r, i) in re.iter_mut().zip(im.iter_mut()) {
        *r = *r * *r + *i * *i;
        *i = 0.0;
    }
    fft_pow2(&mut re, &mut im, true);
    re.truncate(n);
    re.iter().map(|v| v / size as f64).collect()
}

fn all_numbers(text: Option<&str>) -> Option<Vec<f64>> {
    reals(text?)?.into_iter().collect()
}

fn transform(a: &Args, inverse: bool) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(re) = all_numbers(a.cols[0].str(i)) else {
            return false;
        };
        let im = match a.cols.get(1) {
            None => vec![0.0; re.len()],
            Some(c) => match all_numbers(c.str(i)) {
                Some(im) if im.len() == re.len() => im,
                _ => return false,
            },
        };
        let (r, m) = if re.len().is_power_of_two() {
            let (mut r, mut m) = (re, im);
            fft_pow2(&mut r, &mut m, inverse);
            if inverse {
                let n = r.len() as f64;
                r.iter_mut().chain(m.iter_mut()).for_each(|v| *v /= n);
            }
            (r, m)
        } else {
            dft(&re, &im, inverse)
        };
        buf.push_str("{\"real\":");
        write_reals(r, buf);
        buf.push_str(",\"imag\":");
        write_reals(m, buf);
        buf.push('}');
        true
    }))
}

fn fft_kernel(a: &Args) -> Result<ArrayRef> {
    transform(a, false)
}

fn ifft_kernel(a: &Args) -> Result<ArrayRef> {
    transform(a, true)
}

const STR: &[Read] = &[Read::Str];

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    let (n, k): (&'static str, crate::udf::Kernel) = match name {
        "series_fft" => ("kql_series_fft", fft_kernel),
        "series_ifft" => ("kql_series_ifft", ifft_kernel),
        _ => return None,
    };
    Some(KernelUdf::new(n, DataType::Utf8, STR, k))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::one;
    use super::dft;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn transforms_and_inverts() {
        let out = one("series_fft", &["[1,1,1,1]"]).unwrap();
        assert!(out.starts_with("{\"real\":[4.0,"), "{out}");
        let x = [1.0, 2.0, -3.0, 0.5, 7.0];
        let zero = [0.0; 5];
        let (r, i) = dft(&x, &zero, false);
        let (x2, i2) = dft(&r, &i, true);
        for k in 0..5 {
            assert!((x2[k] - x[k]).abs() < 1e-12);
            assert!(i2[k].abs() < 1e-12);
        }
        // X[1] of [0,1,0,0] is e^(-iπ/2) = -i
        let (r, i) = dft(&[0.0, 1.0, 0.0, 0.0], &[0.0; 4], false);
        assert!(r[1].abs() < 1e-12 && (i[1] + 1.0).abs() < 1e-12);
        assert_eq!(one("series_fft", &["[]"]), s("{\"real\":[],\"imag\":[]}"));
        // the radix-2 path agrees with the plain transform
        let x: Vec<f64> = (0..16).map(|k| ((k * 7) % 5) as f64 - 1.5).collect();
        let y: Vec<f64> = (0..16).map(|k| (k % 3) as f64).collect();
        let (dr, di) = dft(&x, &y, false);
        let (mut fr, mut fi) = (x.clone(), y.clone());
        super::fft_pow2(&mut fr, &mut fi, false);
        for k in 0..16 {
            assert!((dr[k] - fr[k]).abs() < 1e-9 && (di[k] - fi[k]).abs() < 1e-9);
        }
        let ac = super::autocorrelation(&x);
        for p in 0..16 {
            let direct: f64 = (0..16 - p).map(|k| x[k] * x[k + p]).sum();
            assert!((ac[p] - direct).abs() < 1e-9, "{p}");
        }
        assert_eq!(one("series_fft", &["[1,null]"]), None);
        assert_eq!(one("series_ifft", &["[1,2]", "[1]"]), None);
    }
}
