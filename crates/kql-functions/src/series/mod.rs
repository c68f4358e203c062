//! The `series_*` functions over dynamic numeric arrays (the arrays
//! `make-series` produces). Arguments and results are dynamic JSON text like
//! every dynamic value; scalar numeric arguments reach the kernels as their
//! text too (the binder casts them), so every argument is read as a string.
//!
//! * [`elementwise`]: `series_add`, ..., `series_greater`, ..., `series_abs`,
//!   `series_sin`, ... (element by element, a dynamic array result).
//! * [`stats`]: `series_sum`, `series_dot_product`,
//!   `series_cosine_similarity`, `series_pearson_correlation`,
//!   `series_magnitude`, `series_product`,
//!   `series_stats_dynamic` (whole-series values).
//! * [`fill`]: `series_fill_backward` / `_forward` / `_const` / `_linear`.
//! * [`fit`]: `series_fit_line_dynamic`, `series_outliers`,
//!   `series_seasonal`, `series_decompose`, `series_decompose_anomalies`.
//! * [`filter`]: `series_fir`, `series_iir`.
//! * [`spectral`]: `series_fft`, `series_ifft`.
//!
//! Element rules (series-*-function.md): an element is numeric when it is a
//! JSON number (the strings `"NaN"`, `"Infinity"`, `"-Infinity"` that these
//! functions write for non-finite reals count as reals); any other element
//! is "non-numeric" and gives a `null` element. A JSON number without `.`
//! or exponent is a long, otherwise a real; results keep longs where the
//! page's examples do (`series_add` of longs is longs, `series_divide` is
//! always reals).

pub mod elementwise;
pub mod fill;
pub mod filter;
pub mod fit;
pub mod spectral;
pub mod stats;

use crate::columnar::Args;
use crate::dynamic::arrays::array_elements;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, Float64Builder, StringBuilder};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

/// One numeric element: a long or a real.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    L(i64),
    R(f64),
}

impl Num {
    pub fn f(self) -> f64 {
        match self {
            Num::L(v) => v as f64,
            Num::R(v) => v,
        }
    }
}

/// A JSON element as a number (`None`: non-numeric).
pub fn parse_num(v: &str) -> Option<Num> {
    let v = v.trim();
    match *v.as_bytes().first()? {
        b'-' | b'0'..=b'9' => {
            if v.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) {
                v.parse().ok().map(Num::R)
            } else {
                v.parse::<i64>()
                    .ok()
                    .map(Num::L)
                    .or_else(|| v.parse().ok().map(Num::R))
            }
        }
        b'"' => match v {
            "\"NaN\"" => Some(Num::R(f64::NAN)),
            "\"Infinity\"" => Some(Num::R(f64::INFINITY)),
            "\"-Infinity\"" => Some(Num::R(f64::NEG_INFINITY)),
            _ => None,
        },
        _ => None,
    }
}

/// The elements of a JSON array as numbers (`None` when `json` is not an
/// array).
pub fn numbers(json: &str) -> Option<Vec<Option<Num>>> {
    Some(array_elements(json)?.into_iter().map(parse_num).collect())
}

/// The elements of a JSON array as reals (non-numeric ones `None`).
pub fn reals(json: &str) -> Option<Vec<Option<f64>>> {
    Some(
        array_elements(json)?
            .into_iter()
            .map(|e| parse_num(e).map(Num::f))
            .collect(),
    )
}

/// A series argument that may also be a numeric scalar (broadcast).
#[derive(Debug)]
pub(crate) enum Operand {
    Array(Vec<Option<Num>>),
    Scalar(Num),
}

impl Operand {
    /// Read a dynamic value or a scalar's text (`None`: neither an array nor
    /// a number, e.g. a null or a string).
    pub(crate) fn read(text: Option<&str>) -> Option<Operand> {
        let t = text?.trim();
        if t.starts_with('[') {
            return numbers(t).map(Operand::Array);
        }
        // A scalar as the binder writes it (Arrow's text of a real may be
        // `inf` / `NaN`).
        match t {
            "inf" => Some(Operand::Scalar(Num::R(f64::INFINITY))),
            "-inf" => Some(Operand::Scalar(Num::R(f64::NEG_INFINITY))),
            "NaN" => Some(Operand::Scalar(Num::R(f64::NAN))),
            _ => parse_num(t).map(Operand::Scalar),
        }
    }

    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            Operand::Array(v) => Some(v.len()),
            Operand::Scalar(_) => None,
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<Num> {
        match self {
            Operand::Array(v) => v.get(i).copied().flatten(),
            Operand::Scalar(n) => Some(*n),
        }
    }
}

/// A real parameter given as text (`None` for null or non-numeric text).
pub(crate) fn param_f64(text: Option<&str>) -> Option<f64> {
    match Operand::read(text)? {
        Operand::Scalar(n) => Some(n.f()),
        Operand::Array(_) => None,
    }
}

/// Write a real as a dynamic element: finite values as JSON numbers
/// (`1.0`, `0.25`), non-finite ones as the strings `"NaN"`, `"Infinity"`,
/// `"-Infinity"` (JSON has no such numbers).
pub fn write_real(v: f64, out: &mut String) {
    if v.is_finite() {
        out.push_str(&crate::format::format_real(v));
    } else {
        out.push('"');
        out.push_str(&crate::format::format_real(v));
        out.push('"');
    }
}

pub fn write_num(n: Num, out: &mut String) {
    match n {
        Num::L(v) => {
            let _ = write!(out, "{v}");
        }
        Num::R(v) => write_real(v, out),
    }
}

/// Write `[e1,...]` from optional numbers (`None` is `null`).
pub(crate) fn write_array(items: impl IntoIterator<Item = Option<Num>>, out: &mut String) {
    out.push('[');
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            Some(n) => write_num(n, out),
            None => out.push_str("null"),
        }
    }
    out.push(']');
}

pub(crate) fn write_reals(items: impl IntoIterator<Item = f64>, out: &mut String) {
    write_array(items.into_iter().map(|v| Some(Num::R(v))), out)
}

/// A kernel whose rows each produce optional JSON text.
pub(crate) fn text_rows(a: &Args, mut row: impl FnMut(usize, &mut String) -> bool) -> ArrayRef {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        if row(i, &mut buf) {
            out.append_value(&buf);
        } else {
            out.append_null();
        }
    }
    Arc::new(out.finish())
}

/// A kernel whose rows each produce an optional real.
pub(crate) fn real_rows(a: &Args, mut row: impl FnMut(usize) -> Option<f64>) -> ArrayRef {
    let mut out = Float64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(row(i));
    }
    Arc::new(out.finish())
}

pub(crate) fn ok(a: ArrayRef) -> Result<ArrayRef> {
    Ok(a)
}

fn udf(name: &str) -> Option<KernelUdf> {
    elementwise::udf(name)
        .or_else(|| stats::udf(name))
        .or_else(|| fill::udf(name))
        .or_else(|| fit::udf(name))
        .or_else(|| filter::udf(name))
        .or_else(|| spectral::udf(name))
}

/// Every KQL function name this module has a UDF for.
pub const SERIES_FUNCTIONS: &[&[&str]] = &[
    elementwise::NAMES,
    stats::NAMES,
    fill::NAMES,
    fit::NAMES,
    filter::NAMES,
    spectral::NAMES,
];

/// `kql_<name>(args)` for a series function: every argument is dynamic
/// JSON text or a scalar's text (the binder casts them).
pub fn series_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub fn all_series_udfs() -> Vec<ScalarUDF> {
    SERIES_FUNCTIONS
        .iter()
        .flat_map(|n| n.iter())
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::udf::test_util::*;
    use datafusion::logical_expr::{ColumnarValue, ScalarUDFImpl};

    /// Run the UDF of a KQL series function; results as text (reals via
    /// their Arrow text).
    pub fn run(name: &str, args: Vec<ColumnarValue>) -> Vec<Option<String>> {
        let u = super::udf(name).unwrap();
        let out = invoke(&u as &dyn ScalarUDFImpl, args);
        match out.data_type() {
            datafusion::arrow::datatypes::DataType::Float64 => {
                use datafusion::arrow::array::AsArray;
                out.as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                    .iter()
                    .map(|v| v.map(crate::format::format_real))
                    .collect()
            }
            _ => strings(&out),
        }
    }

    pub fn one(name: &str, args: &[&str]) -> Option<String> {
        run(name, args.iter().map(|a| str_lit(a)).collect()).remove(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_elements() {
        assert_eq!(parse_num("1"), Some(Num::L(1)));
        assert_eq!(parse_num("-2.5"), Some(Num::R(-2.5)));
        assert_eq!(parse_num("1e3"), Some(Num::R(1000.0)));
        assert_eq!(parse_num("1.0"), Some(Num::R(1.0)));
        assert_eq!(parse_num("null"), None);
        assert_eq!(parse_num("\"1\""), None);
        assert_eq!(parse_num("true"), None);
        assert!(matches!(parse_num("\"NaN\""), Some(Num::R(f)) if f.is_nan()));
        assert_eq!(
            numbers("[1,null,\"a\"]"),
            Some(vec![Some(Num::L(1)), None, None])
        );
        assert_eq!(numbers("{}"), None);
    }

    #[test]
    fn writes_reals_like_kusto_dynamic() {
        let mut s = String::new();
        write_array(
            [
                Some(Num::R(1.0)),
                Some(Num::L(2)),
                None,
                Some(Num::R(f64::INFINITY)),
                Some(Num::R(0.25)),
            ],
            &mut s,
        );
        assert_eq!(s, "[1.0,2,null,\"Infinity\",0.25]");
    }
}
