//! More dynamic-array functions: `set_has_element`, `set_intersect`,
//! `set_difference`, `array_index_of`, `array_sort_asc` / `_desc`,
//! `array_reverse`, `array_rotate_left` / `_right`, `array_shift_left` /
//! `_right`, `array_split`, `array_sum`, `array_iff`, `zip`,
//! `has_any_index`.
//!
//! Rules (the Kusto function pages):
//! * An argument that should be an array but is not (another JSON value, a
//!   dynamic null) makes the result null.
//! * Elements are equal when their JSON values are: strings by their text
//!   (whatever the escapes), other values by their compact text.
//! * `set_intersect` / `set_difference` keep the first array's order of
//!   first appearance, without repeats.
//! * `array_index_of(arr, v, start, length, occurrence)`: a negative start
//!   counts from the end; length -1 is unlimited; null for length < -1 or
//!   occurrence < 0; -1 when not found.
//! * `array_sort_*`: numbers, then strings (datetimes and timespans are
//!   ISO / Kusto text in a dynamic, so they order as text), then every
//!   other value by its text; stable; nulls last unless `nulls_last` is
//!   false.
//! * `array_rotate_*` by any count (modulo the length; negative rotates the
//!   other way); `array_shift_*` fills with the given value, else with ""
//!   when every non-null element is a string, else null.
//! * `array_split(arr, i | [i1, ...])`: negative indexes count from the
//!   end; indexes are clamped to the array.
//! * `array_sum`: a real; null when an element is not a number.
//! * `array_iff(cond, t, f)`: per condition element: bools as they are,
//!   numbers true when not 0, anything else gives a null element; `t` / `f`
//!   that are arrays are taken element by element (missing → null), other
//!   values as they are.
//! * `zip`: as long as the longest array, missing elements null.
//! * `has_any_index(s, values)`: the index of the first value that `s has`
//!   (a term match, case-insensitive); -1 when none or `values` is empty.

use super::arrays::{array_elements, write_element};
use super::bags::text_rows;
use super::{Kind, kind, unquote, write_json_string};
use crate::columnar::{Args, Read, fmt_err};
use crate::strings::{MatchKind, Matcher};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, Int64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

/// The comparison key of an element: strings as their (re-escaped) JSON
/// string, other values compact.
fn element_key(v: &str, out: &mut String) -> Result<()> {
    out.clear();
    match kind(v) {
        Some(Kind::String) if v.contains('\\') => match unquote(v) {
            Some(s) => write_json_string(&s, out).map_err(fmt_err),
            None => {
                out.push_str(v);
                Ok(())
            }
        },
        _ => write_element(v, out).map_err(fmt_err),
    }
}

fn write_array<'a>(items: impl IntoIterator<Item = &'a str>, out: &mut String) -> Result<()> {
    out.push('[');
    for (n, v) in items.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_element(v, out).map_err(fmt_err)?;
    }
    out.push(']');
    Ok(())
}

fn set_has_element_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = BooleanBuilder::with_capacity(a.rows);
    let (mut want, mut el) = (String::new(), String::new());
    for i in 0..a.rows {
        let Some(els) = a.cols[0].str(i).and_then(array_elements) else {
            out.append_null();
            continue;
        };
        element_key(a.cols[1].str(i).unwrap_or("null"), &mut want)?;
        let mut found = false;
        for e in els {
            element_key(e, &mut el)?;
            if el == want {
                found = true;
                break;
            }
        }
        out.append_value(found);
    }
    Ok(Arc::new(out.finish()))
}

/// `set_intersect` (`intersect`) or `set_difference`.
fn set_op(a: &Args, intersect: bool) -> Result<ArrayRef> {
    let mut others: Vec<HashSet<String>> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut el = String::new();
    text_rows(a, |i, buf| {
        let Some(first) = a.cols[0].str(i).and_then(array_elements) else {
            return Ok(false);
        };
        others.clear();
        for c in &a.cols[1..] {
            let Some(els) = c.str(i).and_then(array_elements) else {
                return Ok(false);
            };
            let mut set = HashSet::with_capacity(els.len());
            for e in els {
                element_key(e, &mut el)?;
                set.insert(el.clone());
            }
            others.push(set);
        }
        seen.clear();
        buf.push('[');
        let mut n = 0;
        for e in first {
            element_key(e, &mut el)?;
            if seen.contains(&el) {
                continue;
            }
            let keep = if intersect {
                others.iter().all(|s| s.contains(&el))
            } else {
                !others.iter().any(|s| s.contains(&el))
            };
            seen.insert(el.clone());
            if keep {
                if n > 0 {
                    buf.push(',');
                }
                n += 1;
                buf.push_str(&el);
            }
        }
        buf.push(']');
        Ok(true)
    })
}

fn set_intersect_kernel(a: &Args) -> Result<ArrayRef> {
    set_op(a, true)
}

fn set_difference_kernel(a: &Args) -> Result<ArrayRef> {
    set_op(a, false)
}

/// `array_index_of` over the elements; see the module docs.
pub fn index_of(
    els: &[&str],
    want: &str,
    start: i64,
    length: i64,
    occurrence: i64,
) -> Result<Option<i64>> {
    if length < -1 || occurrence < 0 {
        return Ok(None);
    }
    let len = els.len() as i64;
    let s = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    if s >= len {
        return Ok(Some(-1));
    }
    let e = if length == -1 {
        len
    } else {
        s.saturating_add(length).min(len)
    };
    let (mut w, mut el) = (String::new(), String::new());
    element_key(want, &mut w)?;
    let mut hits = 0;
    for (idx, v) in els.iter().enumerate().take(e as usize).skip(s as usize) {
        element_key(v, &mut el)?;
        if el == w {
            hits += 1;
            if hits >= occurrence.max(1) {
                return Ok(Some(idx as i64));
            }
        }
    }
    Ok(Some(-1))
}

fn index_of_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        let els = a.cols[0].str(i).and_then(array_elements);
        let (Some(els), Some(start), Some(length), Some(occ)) =
            (els, a.cols[2].i64(i), a.cols[3].i64(i), a.cols[4].i64(i))
        else {
            out.append_null();
            continue;
        };
        let want = a.cols[1].str(i).unwrap_or("null");
        out.append_option(index_of(&els, want, start, length, occ)?);
    }
    Ok(Arc::new(out.finish()))
}

/// The order of two non-null elements for `array_sort_asc`.
pub(crate) fn sort_cmp(x: &str, y: &str) -> Ordering {
    let rank = |v: &str| match kind(v) {
        Some(Kind::Number) => 0,
        Some(Kind::String) => 1,
        _ => 2,
    };
    match (rank(x), rank(y)) {
        (0, 0) => match (x.parse::<i64>(), y.parse::<i64>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => {
                let a: f64 = x.parse().unwrap_or(f64::NAN);
                let b: f64 = y.parse().unwrap_or(f64::NAN);
                a.total_cmp(&b)
            }
        },
        (1, 1) => match (unquote(x), unquote(y)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => x.cmp(y),
        },
        (a, b) if a != b => a.cmp(&b),
        _ => x.cmp(y),
    }
}

fn sort_kernel(a: &Args, desc: bool) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let Some(mut els) = a.cols[0].str(i).and_then(array_elements) else {
            return Ok(false);
        };
        let nulls_last = a.cols.get(1).is_none_or(|c| c.i64(i).unwrap_or(1) != 0);
        let is_null = |v: &str| kind(v) == Some(Kind::Null);
        els.sort_by(|x, y| match (is_null(x), is_null(y)) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, false) => {
                let o = sort_cmp(x, y);
                if desc { o.reverse() } else { o }
            }
        });
        write_array(els, buf)?;
        Ok(true)
    })
}

fn sort_asc_kernel(a: &Args) -> Result<ArrayRef> {
    sort_kernel(a, false)
}

fn sort_desc_kernel(a: &Args) -> Result<ArrayRef> {
    sort_kernel(a, true)
}

fn reverse_kernel(a: &Args) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let Some(els) = a.cols[0].str(i).and_then(array_elements) else {
            return Ok(false);
        };
        write_array(els.into_iter().rev(), buf)?;
        Ok(true)
    })
}

/// Rotate left by `n` (negative: right).
fn rotate(a: &Args, left: bool) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let (Some(mut els), Some(n)) =
            (a.cols[0].str(i).and_then(array_elements), a.cols[1].i64(i))
        else {
            return Ok(false);
        };
        if !els.is_empty() {
            let len = els.len() as i64;
            let k = (if left { n } else { n.saturating_neg() }).rem_euclid(len);
            els.rotate_left(k as usize);
        }
        write_array(els, buf)?;
        Ok(true)
    })
}

fn rotate_left_kernel(a: &Args) -> Result<ArrayRef> {
    rotate(a, true)
}

fn rotate_right_kernel(a: &Args) -> Result<ArrayRef> {
    rotate(a, false)
}

/// Shift left by `n` (negative: right), filling with the fill value.
fn shift(a: &Args, left: bool) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let (Some(els), Some(n)) = (a.cols[0].str(i).and_then(array_elements), a.cols[1].i64(i))
        else {
            return Ok(false);
        };
        let fill = match a.cols.get(2) {
            Some(c) => c.str(i).unwrap_or("null"),
            None => {
                let strings = els.iter().any(|v| kind(v) == Some(Kind::String))
                    && els
                        .iter()
                        .all(|v| matches!(kind(v), Some(Kind::String | Kind::Null)));
                if strings { "\"\"" } else { "null" }
            }
        };
        let len = els.len() as i64;
        let by = if left { n } else { n.saturating_neg() };
        let items = (0..len).map(|j| {
            let src = j.saturating_add(by);
            if (0..len).contains(&src) {
                els[src as usize]
            } else {
                fill
            }
        });
        write_array(items, buf)?;
        Ok(true)
    })
}

fn shift_left_kernel(a: &Args) -> Result<ArrayRef> {
    shift(a, true)
}

fn shift_right_kernel(a: &Args) -> Result<ArrayRef> {
    shift(a, false)
}

fn split_kernel(a: &Args) -> Result<ArrayRef> {
    let mut idx: Vec<usize> = Vec::new();
    text_rows(a, |i, buf| {
        let (Some(els), Some(ix)) = (a.cols[0].str(i).and_then(array_elements), a.cols[1].str(i))
        else {
            return Ok(false);
        };
        let len = els.len() as i64;
        let fix = |v: &str| -> Option<usize> {
            let n = super::convert::to_i64(v).filter(|_| kind(v) == Some(Kind::Number))?;
            let n = if n < 0 { len + n } else { n };
            Some(n.clamp(0, len) as usize)
        };
        idx.clear();
        match kind(ix.trim()) {
            Some(Kind::Array) => {
                for v in array_elements(ix).unwrap_or_default() {
                    let Some(n) = fix(v) else {
                        return Ok(false);
                    };
                    idx.push(n);
                }
            }
            Some(Kind::Number) => match fix(ix.trim()) {
                Some(n) => idx.push(n),
                None => return Ok(false),
            },
            _ => return Ok(false),
        }
        buf.push('[');
        let mut from = 0;
        for (n, &to) in idx.iter().chain(std::iter::once(&els.len())).enumerate() {
            if n > 0 {
                buf.push(',');
            }
            let part = if to > from { &els[from..to] } else { &[][..] };
            write_array(part.iter().copied(), buf)?;
            from = to;
        }
        buf.push(']');
        Ok(true)
    })
}

fn sum_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Float64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        let sum = a.cols[0].str(i).and_then(array_elements).and_then(|els| {
            els.iter().try_fold(0.0f64, |acc, v| {
                (kind(v) == Some(Kind::Number))
                    .then(|| v.parse::<f64>().ok())
                    .flatten()
                    .map(|x| acc + x)
            })
        });
        out.append_option(sum);
    }
    Ok(Arc::new(out.finish()))
}

fn iff_kernel(a: &Args) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let Some(cond) = a.cols[0].str(i).and_then(array_elements) else {
            return Ok(false);
        };
        let branch = |c: usize| -> (Option<Vec<&str>>, &str) {
            let v = a.cols[c].str(i).unwrap_or("null");
            match kind(v.trim()) {
                Some(Kind::Array) => (array_elements(v), v),
                _ => (None, v),
            }
        };
        let (t_arr, t) = branch(1);
        let (f_arr, f) = branch(2);
        buf.push('[');
        for (n, c) in cond.iter().enumerate() {
            if n > 0 {
                buf.push(',');
            }
            let truth = match kind(c) {
                Some(Kind::Bool) => Some(*c == "true"),
                Some(Kind::Number) => c.parse::<f64>().ok().map(|x| x != 0.0),
                _ => None,
            };
            let v = match truth {
                None => "null",
                Some(true) => match &t_arr {
                    Some(els) => els.get(n).copied().unwrap_or("null"),
                    None => t,
                },
                Some(false) => match &f_arr {
                    Some(els) => els.get(n).copied().unwrap_or("null"),
                    None => f,
                },
            };
            write_element(v.trim(), buf).map_err(fmt_err)?;
        }
        buf.push(']');
        Ok(true)
    })
}

fn zip_kernel(a: &Args) -> Result<ArrayRef> {
    let mut arrays: Vec<Vec<&str>> = Vec::new();
    text_rows(a, |i, buf| {
        arrays.clear();
        for c in &a.cols {
            match c.str(i).and_then(array_elements) {
                Some(els) => arrays.push(els),
                None => return Ok(false),
            }
        }
        let len = arrays.iter().map(Vec::len).max().unwrap_or(0);
        buf.push('[');
        for n in 0..len {
            if n > 0 {
                buf.push(',');
            }
            write_array(
                arrays
                    .iter()
                    .map(|els| els.get(n).copied().unwrap_or("null")),
                buf,
            )?;
        }
        buf.push(']');
        Ok(true)
    })
}

/// The `has` matchers of a value list (`None` for elements that are not
/// scalars: they match nothing), rebuilt only when the list text changes.
#[derive(Default)]
struct Needles {
    text: Option<String>,
    matchers: Option<Vec<Option<Matcher>>>,
}

impl Needles {
    fn get(&mut self, json: &str) -> Option<&mut Vec<Option<Matcher>>> {
        if self.text.as_deref() != Some(json) {
            self.text = Some(json.to_string());
            self.matchers = array_elements(json).map(|els| {
                els.into_iter()
                    .map(|v| match kind(v) {
                        Some(Kind::String) => {
                            unquote(v).map(|s| Matcher::new(MatchKind::Has, false, &s))
                        }
                        Some(Kind::Number | Kind::Bool) => {
                            Some(Matcher::new(MatchKind::Has, false, v))
                        }
                        _ => None,
                    })
                    .collect()
            });
        }
        self.matchers.as_mut()
    }
}

fn has_any_index_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    let mut needles = Needles::default();
    for i in 0..a.rows {
        let hay = a.cols[0].str(i).unwrap_or("");
        let Some(ms) = a.cols[1].str(i).and_then(|v| needles.get(v)) else {
            out.append_null();
            continue;
        };
        let found = ms
            .iter_mut()
            .position(|m| m.as_mut().is_some_and(|m| m.matches(hay)));
        out.append_value(found.map_or(-1, |n| n as i64));
    }
    Ok(Arc::new(out.finish()))
}

const DYN: &[Read] = &[Read::Str];
const DYN_N: &[Read] = &[Read::Str, Read::I64, Read::Str];
const SORT: &[Read] = &[Read::Str, Read::I64];
const INDEX_OF: &[Read] = &[Read::Str, Read::Str, Read::I64];

fn udf(name: &str) -> Option<KernelUdf> {
    let u = |n, ret, reads, k| KernelUdf::new(n, ret, reads, k);
    let s = DataType::Utf8;
    Some(match name {
        "set_has_element" => u(
            "kql_set_has_element",
            DataType::Boolean,
            DYN,
            set_has_element_kernel,
        ),
        "set_intersect" => u("kql_set_intersect", s, DYN, set_intersect_kernel),
        "set_difference" => u("kql_set_difference", s, DYN, set_difference_kernel),
        "array_index_of" => u(
            "kql_array_index_of",
            DataType::Int64,
            INDEX_OF,
            index_of_kernel,
        ),
        "array_sort_asc" => u("kql_array_sort_asc", s, SORT, sort_asc_kernel),
        "array_sort_desc" => u("kql_array_sort_desc", s, SORT, sort_desc_kernel),
        "array_reverse" => u("kql_array_reverse", s, DYN, reverse_kernel),
        "array_rotate_left" => u("kql_array_rotate_left", s, DYN_N, rotate_left_kernel),
        "array_rotate_right" => u("kql_array_rotate_right", s, DYN_N, rotate_right_kernel),
        "array_shift_left" => u("kql_array_shift_left", s, DYN_N, shift_left_kernel),
        "array_shift_right" => u("kql_array_shift_right", s, DYN_N, shift_right_kernel),
        "array_split" => u("kql_array_split", s, DYN, split_kernel),
        "array_sum" => u("kql_array_sum", DataType::Float64, DYN, sum_kernel),
        "array_iff" => u("kql_array_iff", s, DYN, iff_kernel),
        "zip" => u("kql_zip", s, DYN, zip_kernel),
        "has_any_index" => u(
            "kql_has_any_index",
            DataType::Int64,
            DYN,
            has_any_index_kernel,
        ),
        _ => return None,
    })
}

/// The kernels of this module, by the name [`array_op_expr`] takes.
pub const ARRAY_OPS: &[&str] = &[
    "set_has_element",
    "set_intersect",
    "set_difference",
    "array_index_of",
    "array_sort_asc",
    "array_sort_desc",
    "array_reverse",
    "array_rotate_left",
    "array_rotate_right",
    "array_shift_left",
    "array_shift_right",
    "array_split",
    "array_sum",
    "array_iff",
    "zip",
    "has_any_index",
];

/// `kql_<name>(args)` for a name of [`ARRAY_OPS`]. Arguments as the binder
/// prepares them: arrays and values as dynamic JSON text, counts and
/// indexes as Int64 (`array_index_of` always gets all five arguments,
/// `array_sort_*` its `nulls_last` as Int64 0 / 1), `has_any_index` its
/// string first.
pub fn array_op_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_array_op_udfs() -> Vec<ScalarUDF> {
    ARRAY_OPS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{Float64Type, Int64Type};
    use datafusion::logical_expr::{ColumnarValue, ScalarUDFImpl};

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn out(name: &str, args: Vec<ColumnarValue>) -> ArrayRef {
        let u = udf(name).unwrap();
        invoke(&u as &dyn ScalarUDFImpl, args)
    }

    fn run(name: &str, args: Vec<ColumnarValue>) -> Vec<Option<String>> {
        strings(&out(name, args))
    }

    fn longs(name: &str, args: Vec<ColumnarValue>) -> Vec<Option<i64>> {
        out(name, args).as_primitive::<Int64Type>().iter().collect()
    }

    #[test]
    fn sets() {
        let a1 = str_col(vec![Some("[1,2,1,4]"), None, Some("[\"a\",\"\\u0062\"]")]);
        let a2 = str_lit("[1,2,\"b\"]");
        assert_eq!(
            run(
                "set_intersect",
                vec![a1.clone(), a2.clone(), str_lit("[2,1,8]")]
            ),
            vec![s("[1,2]"), None, s("[]")]
        );
        assert_eq!(
            run("set_difference", vec![a1.clone(), a2.clone()]),
            vec![s("[4]"), None, s("[\"a\"]")]
        );
        assert_eq!(
            run("set_difference", vec![a1.clone(), str_lit("7")]),
            vec![None, None, None]
        );
        let has = out("set_has_element", vec![a1, str_lit("\"b\"")]);
        let has: Vec<Option<bool>> = has.as_boolean().iter().collect();
        assert_eq!(has, vec![Some(false), None, Some(true)]);
    }

    #[test]
    fn index_of_documented_cases() {
        let arr = [
            "\"this\"",
            "\"is\"",
            "\"an\"",
            "\"example\"",
            "\"an\"",
            "\"example\"",
        ];
        let f = |v: &str, s, l, o| index_of(&arr, v, s, l, o).unwrap();
        assert_eq!(f("\"an\"", 0, -1, 1), Some(2));
        assert_eq!(f("\"example\"", 1, 3, 1), Some(3));
        assert_eq!(f("\"example\"", 1, 2, 1), Some(-1));
        assert_eq!(f("\"is\"", 2, 4, 1), Some(-1));
        assert_eq!(f("\"example\"", 2, -1, 1), Some(3));
        assert_eq!(f("\"an\"", 1, -1, 2), Some(4));
        assert_eq!(f("\"an\"", 1, -1, 3), Some(-1));
        assert_eq!(f("\"an\"", -3, -1, 1), Some(4));
        assert_eq!(f("\"is\"", -4, -1, 1), Some(-1));
        assert_eq!(f("\"is\"", 10, -1, 1), Some(-1));
        assert_eq!(f("\"is\"", -10, -1, 1), Some(1));
        assert_eq!(f("\"is\"", 0, -2, 1), None);
        assert_eq!(f("\"is\"", 0, -1, -1), None);
        let arr = str_col(vec![Some("[1,2,3]"), None, Some("{}")]);
        assert_eq!(
            longs(
                "array_index_of",
                vec![arr, str_lit("3"), i64_lit(0), i64_lit(-1), i64_lit(1)]
            ),
            vec![Some(2), None, None]
        );
    }

    #[test]
    fn sorting() {
        let arr = str_col(vec![
            Some("[null,\"blue\",\"yellow\",\"green\",null]"),
            Some("[3,\"a\",1.5,true,[1],-2,null]"),
            None,
        ]);
        assert_eq!(
            run("array_sort_asc", vec![arr.clone()]),
            vec![
                s("[\"blue\",\"green\",\"yellow\",null,null]"),
                s("[-2,1.5,3,\"a\",[1],true,null]"),
                None
            ]
        );
        assert_eq!(
            run("array_sort_asc", vec![arr.clone(), i64_lit(0)]),
            vec![
                s("[null,null,\"blue\",\"green\",\"yellow\"]"),
                s("[null,-2,1.5,3,\"a\",[1],true]"),
                None
            ]
        );
        assert_eq!(
            run("array_sort_desc", vec![arr]),
            vec![
                s("[\"yellow\",\"green\",\"blue\",null,null]"),
                s("[true,[1],\"a\",3,1.5,-2,null]"),
                None
            ]
        );
    }

    #[test]
    fn reverse_rotate_shift() {
        let arr = str_col(vec![Some("[1,2,3,4,5]"), Some("[]"), None, Some("\"x\"")]);
        assert_eq!(
            run("array_reverse", vec![arr.clone()]),
            vec![s("[5,4,3,2,1]"), s("[]"), None, None]
        );
        assert_eq!(
            run("array_rotate_left", vec![arr.clone(), i64_lit(2)]),
            vec![s("[3,4,5,1,2]"), s("[]"), None, None]
        );
        assert_eq!(
            run("array_rotate_right", vec![arr.clone(), i64_lit(7)]),
            vec![s("[4,5,1,2,3]"), s("[]"), None, None]
        );
        assert_eq!(
            run("array_rotate_left", vec![arr.clone(), i64_lit(-1)]),
            vec![s("[5,1,2,3,4]"), s("[]"), None, None]
        );
        assert_eq!(
            run("array_shift_left", vec![arr.clone(), i64_lit(2)]),
            vec![s("[3,4,5,null,null]"), s("[]"), None, None]
        );
        assert_eq!(
            run(
                "array_shift_left",
                vec![arr.clone(), i64_lit(-2), str_lit("-1")]
            ),
            vec![s("[-1,-1,1,2,3]"), s("[]"), None, None]
        );
        assert_eq!(
            run("array_shift_right", vec![arr, i64_lit(9), str_lit("0")]),
            vec![s("[0,0,0,0,0]"), s("[]"), None, None]
        );
        assert_eq!(
            run(
                "array_shift_right",
                vec![str_lit("[\"a\",\"b\"]"), i64_lit(1)]
            ),
            vec![s("[\"\",\"a\"]")]
        );
    }

    #[test]
    fn split_sum_iff_zip() {
        let arr = str_col(vec![Some("[1,2,3,4,5]"), None, Some("[]")]);
        assert_eq!(
            run("array_split", vec![arr.clone(), str_lit("[1,3]")]),
            vec![s("[[1],[2,3],[4,5]]"), None, s("[[],[],[]]")]
        );
        assert_eq!(
            run("array_split", vec![arr.clone(), str_lit("-2")]),
            vec![s("[[1,2,3],[4,5]]"), None, s("[[],[]]")]
        );
        assert_eq!(
            run("array_split", vec![arr.clone(), str_lit("[\"x\"]")]),
            vec![None, None, None]
        );
        let sums = out(
            "array_sum",
            vec![str_col(vec![
                Some("[1,2,3.5]"),
                Some("[1,\"2\"]"),
                Some("[]"),
                None,
                Some("[1,null]"),
            ])],
        );
        let sums: Vec<Option<f64>> = sums.as_primitive::<Float64Type>().iter().collect();
        assert_eq!(sums, vec![Some(6.5), None, Some(0.0), None, None]);
        assert_eq!(
            run(
                "array_iff",
                vec![
                    str_col(vec![
                        Some("[true,false,true]"),
                        Some("[1,0,\"s\",null]"),
                        None
                    ]),
                    str_lit("[1,2]"),
                    str_lit("\"no\"")
                ]
            ),
            vec![s("[1,\"no\",null]"), s("[1,\"no\",null,null]"), None]
        );
        assert_eq!(
            run(
                "zip",
                vec![
                    str_col(vec![Some("[\"A\",1,1.5]"), Some("5")]),
                    str_lit("[{},\"B\"]")
                ]
            ),
            vec![s("[[\"A\",{}],[1,\"B\"],[1.5,null]]"), None]
        );
    }

    #[test]
    fn has_any_index_terms() {
        let hay = str_col(vec![
            Some("this is an example"),
            Some("Example number 2"),
            Some(""),
        ]);
        assert_eq!(
            longs(
                "has_any_index",
                vec![hay.clone(), str_lit("[\"not\",\"EXAMPLE\"]")]
            ),
            vec![Some(1), Some(1), Some(-1)]
        );
        assert_eq!(
            longs("has_any_index", vec![hay.clone(), str_lit("[1,2,3]")]),
            vec![Some(-1), Some(1), Some(-1)]
        );
        assert_eq!(
            longs("has_any_index", vec![hay.clone(), str_lit("[]")]),
            vec![Some(-1), Some(-1), Some(-1)]
        );
        assert_eq!(
            longs("has_any_index", vec![hay, str_lit("\"x\"")]),
            vec![None, None, None]
        );
    }
}
