//! Missing-value interpolation: `series_fill_backward`, `_forward`,
//! `_const`, `_linear` (series-fill-*-function.md).
//!
//! A missing element is one equal to *missing_value_placeholder*: by
//! default (or when it is null: "`double(null)`, `long(null)`, and
//! `int(null)` have the same meaning") a JSON `null`; otherwise a number
//! equal to the placeholder's value. Elements that are kept are copied as
//! they are ("preserves the original type of the array elements").
//!
//! * backward: each missing element takes the nearest non-missing value to
//!   its right; the rightmost missing ones stay.
//! * forward: the nearest to its left; the leftmost ones stay.
//! * const: every missing element becomes *constant_value* (written with its
//!   own type: `series_fill_const([1,null], 0.0)` is `[1,0.0]`).
//! * linear: linear interpolation between the numeric neighbours; with
//!   *fill_edges* (default true) the leading / trailing missing elements
//!   take the nearest value; "If the whole array consists of the
//!   missing_value_placeholder, the array is filled with constant_value, or
//!   0 if not specified" (a null *constant_value* keeps the nulls). "If
//!   series contains only int or long elements, then the linear
//!   interpolation returns rounded interpolated values": the documented
//!   example truncates (73.5 → 73, 32.667 → 32), and so does this.
//!
//! A first argument that is not an array gives null.

use super::{Num, Operand, ok, parse_num, text_rows, write_num};
use crate::columnar::{Args, Read};
use crate::dynamic::arrays::{array_elements, write_element};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

pub const NAMES: &[&str] = &[
    "series_fill_backward",
    "series_fill_forward",
    "series_fill_const",
    "series_fill_linear",
];

/// Which elements are missing, by the placeholder's text (`None`: null).
fn missing(els: &[&str], placeholder: Option<&str>) -> Vec<bool> {
    let ph = placeholder.and_then(|p| match Operand::read(Some(p)) {
        Some(Operand::Scalar(n)) => Some(n.f()),
        _ => None,
    });
    els.iter()
        .map(|e| match ph {
            None => *e == "null",
            Some(p) => parse_num(e).is_some_and(|n| n.f() == p || (p.is_nan() && n.f().is_nan())),
        })
        .collect()
}

/// A fill constant as element text: numbers in this module's spelling
/// (a real NaN / infinity as the JSON strings `"NaN"`, ...), anything else
/// as it is; null is `null`.
fn constant(text: Option<&str>) -> String {
    match Operand::read(text) {
        Some(Operand::Scalar(n)) => {
            let mut s = String::new();
            write_num(n, &mut s);
            s
        }
        _ => text.unwrap_or("null").to_string(),
    }
}

fn write_items<'a>(items: impl IntoIterator<Item = &'a str>, out: &mut String) {
    out.push('[');
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write_element(v, out);
    }
    out.push(']');
}

fn directional(a: &Args, backward: bool) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(els) = a.cols[0].str(i).and_then(array_elements) else {
            return false;
        };
        let ph = a.cols.get(1).and_then(|c| c.str(i));
        let miss = missing(&els, ph);
        let mut out: Vec<&str> = els.clone();
        let mut last: Option<&str> = None;
        let order: Box<dyn Iterator<Item = usize>> = if backward {
            Box::new((0..els.len()).rev())
        } else {
            Box::new(0..els.len())
        };
        for k in order {
            if miss[k] {
                if let Some(v) = last {
                    out[k] = v;
                }
            } else {
                last = Some(els[k]);
            }
        }
        write_items(out, buf);
        true
    }))
}

fn backward_kernel(a: &Args) -> Result<ArrayRef> {
    directional(a, true)
}

fn forward_kernel(a: &Args) -> Result<ArrayRef> {
    directional(a, false)
}

fn const_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(els) = a.cols[0].str(i).and_then(array_elements) else {
            return false;
        };
        let c = constant(a.cols[1].str(i));
        let c = c.as_str();
        let miss = missing(&els, a.cols.get(2).and_then(|c| c.str(i)));
        write_items(
            els.iter().zip(&miss).map(|(e, m)| if *m { c } else { *e }),
            buf,
        );
        true
    }))
}

fn linear_kernel(a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(els) = a.cols[0].str(i).and_then(array_elements) else {
            return false;
        };
        let miss = missing(&els, a.cols.get(1).and_then(|c| c.str(i)));
        let fill_edges = a
            .cols
            .get(2)
            .and_then(|c| c.str(i))
            .is_none_or(|t| t != "false");
        // the numeric, non-missing elements interpolate
        let anchors: Vec<(usize, Num)> = els
            .iter()
            .enumerate()
            .filter(|(k, _)| !miss[*k])
            .filter_map(|(k, e)| parse_num(e).map(|n| (k, n)))
            .collect();
        if miss.iter().all(|m| *m) {
            let c = match a.cols.get(3) {
                Some(c) => constant(c.str(i)),
                None => "0.0".to_string(),
            };
            write_items(els.iter().map(|_| c.as_str()), buf);
            return true;
        }
        let ints = anchors.iter().all(|(_, n)| matches!(n, Num::L(_)));
        buf.push('[');
        let mut next = 0; // index in `anchors` of the first anchor at or after k
        for (k, e) in els.iter().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            while next < anchors.len() && anchors[next].0 < k {
                next += 1;
            }
            if !miss[k] {
                let _ = write_element(e, buf);
                continue;
            }
            let before = next.checked_sub(1).map(|p| anchors[p]);
            let after = anchors.get(next).copied();
            match (before, after) {
                (Some((p, x)), Some((q, y))) => {
                    let v = x.f() + (y.f() - x.f()) * (k - p) as f64 / (q - p) as f64;
                    if ints {
                        write_num(Num::L(v.trunc() as i64), buf);
                    } else {
                        write_num(Num::R(v), buf);
                    }
                }
                (Some((p, _)), None) | (None, Some((p, _))) if fill_edges => {
                    let _ = write_element(els[p], buf);
                }
                _ => {
                    let _ = write_element(e, buf);
                }
            }
        }
        buf.push(']');
        true
    }))
}

const STR: &[Read] = &[Read::Str];

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    let (n, k): (&'static str, crate::udf::Kernel) = match name {
        "series_fill_backward" => ("kql_series_fill_backward", backward_kernel),
        "series_fill_forward" => ("kql_series_fill_forward", forward_kernel),
        "series_fill_const" => ("kql_series_fill_const", const_kernel),
        "series_fill_linear" => ("kql_series_fill_linear", linear_kernel),
        _ => return None,
    };
    Some(KernelUdf::new(n, DataType::Utf8, STR, k))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{one, run};
    use crate::udf::test_util::str_col;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn backward_forward_const() {
        let x = "[111,null,36,41,null,null,16,61,33,null,null]";
        assert_eq!(
            one("series_fill_backward", &[x]),
            s("[111,36,36,41,16,16,16,61,33,null,null]")
        );
        let y = "[null,null,36,41,null,null,16,61,33,null,null]";
        assert_eq!(
            one("series_fill_forward", &[y]),
            s("[null,null,36,41,41,41,16,61,33,33,33]")
        );
        let z = "[111,null,36,41,23,null,16,61,33,null,null]";
        assert_eq!(
            one("series_fill_const", &[z, "0.0"]),
            s("[111,0.0,36,41,23,0.0,16,61,33,0.0,0.0]")
        );
        assert_eq!(
            one("series_fill_const", &[z, "-1"]),
            s("[111,-1,36,41,23,-1,16,61,33,-1,-1]")
        );
        // a numeric placeholder
        assert_eq!(
            one("series_fill_forward", &["[1,0,0,2]", "0"]),
            s("[1,1,1,2]")
        );
        assert_eq!(one("series_fill_backward", &["[]"]), s("[]"));
        assert_eq!(one("series_fill_const", &["[null]", "NaN"]), s("[\"NaN\"]"));
        assert_eq!(
            one("series_fill_const", &["[null,1]", "null"]),
            s("[null,1]")
        );
        assert_eq!(
            run("series_fill_forward", vec![str_col(vec![None, Some("5")])]),
            vec![None, None]
        );
    }

    #[test]
    fn linear() {
        let d = "[null,111.0,null,36.0,41.0,null,null,16.0,61.0,33.0,null,null]";
        assert_eq!(
            one("series_fill_linear", &[d]),
            s(
                "[111.0,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,33.0,33.0]"
            )
        );
        assert_eq!(
            one("series_fill_linear", &[d, "null", "false"]),
            s(
                "[null,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,null,null]"
            )
        );
        let l = "[null,111,null,36,41,null,null,16,61,33,null,null]";
        assert_eq!(
            one("series_fill_linear", &[l]),
            s("[111,111,73,36,41,32,24,16,61,33,33,33]")
        );
        assert_eq!(
            one("series_fill_linear", &["[null,null,null,null]"]),
            s("[0.0,0.0,0.0,0.0]")
        );
        assert_eq!(
            one(
                "series_fill_linear",
                &["[null,null]", "null", "true", "3.14159"]
            ),
            s("[3.14159,3.14159]")
        );
        assert_eq!(one("series_fill_linear", &["[]"]), s("[]"));
    }
}
