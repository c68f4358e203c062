//! Dynamic arrays: `array_concat`, `set_union`, `array_slice`,
//! `pack_array`, `repeat`, `split`, `strcat_array`.
//!
//! `repeat(v, n)` (repeat-function.md): `n` copies of `v`; `[]` for 0, null
//! for a negative or null count; more than [`REPEAT_MAX`] copies is an error.
//!
//! Arguments and results are JSON text like every dynamic value. An argument
//! that should be an array but is not (another JSON value, a dynamic null,
//! invalid text) makes `array_concat` / `set_union` / `array_slice` null;
//! `strcat_array` gives "" (a string is never null).

use super::access::each_element;
use super::convert::dynamic_to_text;
use super::{Kind, kind, skip_ws, write_compact};
use crate::columnar::{Args, Read, fmt_err};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::collections::HashSet;
use std::fmt::Write;
use std::sync::Arc;

/// The elements of a JSON array (trimmed text of each), `None` when `json`
/// is not a valid array.
pub fn array_elements(json: &str) -> Option<Vec<&str>> {
    let b = json.as_bytes();
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'[') {
        return None;
    }
    let mut out = Vec::new();
    each_element(json, open, |s, e| {
        out.push(&json[s..e]);
        false
    })
    .then_some(out)
}

/// Append one element's JSON text to an array being written, compacted.
pub(crate) fn write_element(v: &str, out: &mut impl Write) -> std::fmt::Result {
    if matches!(kind(v), Some(Kind::Array | Kind::Object)) && v.bytes().any(super::is_ws) {
        write_compact(v, out)
    } else {
        out.write_str(v)
    }
}

/// Write `[e1,e2,...]`.
fn write_array<'a>(
    items: impl IntoIterator<Item = &'a str>,
    out: &mut impl Write,
) -> std::fmt::Result {
    out.write_char('[')?;
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        write_element(v, out)?;
    }
    out.write_char(']')
}

/// A kernel whose rows each produce an optional JSON array / text.
fn text_rows(a: &Args, mut row: impl FnMut(usize, &mut String) -> bool) -> Result<ArrayRef> {
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
    Ok(Arc::new(out.finish()))
}

fn concat_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = text_rows(a, |i, buf| {
        let mut all = Vec::new();
        for c in &a.cols {
            match c.str(i).and_then(array_elements) {
                Some(els) => all.extend(els),
                None => return false,
            }
        }
        if let Err(e) = write_array(all, buf) {
            err = Err(fmt_err(e));
        }
        true
    })?;
    err.map(|_| r)
}

fn set_union_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let mut seen: HashSet<String> = HashSet::new();
    let mut el = String::new();
    let r = text_rows(a, |i, buf| {
        seen.clear();
        let mut all = Vec::new();
        for c in &a.cols {
            match c.str(i).and_then(array_elements) {
                Some(els) => all.extend(els),
                None => return false,
            }
        }
        buf.push('[');
        let mut first = true;
        for v in all {
            el.clear();
            if let Err(e) = write_element(v, &mut el) {
                err = Err(fmt_err(e));
            }
            if seen.contains(el.as_str()) {
                continue;
            }
            if !first {
                buf.push(',');
            }
            first = false;
            buf.push_str(&el);
            seen.insert(el.clone());
        }
        buf.push(']');
        true
    })?;
    err.map(|_| r)
}

/// `array_slice`: inclusive bounds, negative ones count from the end, out of
/// range ones are clamped (array-slice-function.md: "Out of bounds indices
/// are ignored").
pub fn slice_bounds(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let fix = |x: i64| if x < 0 { len.saturating_add(x) } else { x };
    let (s, e) = (fix(start).max(0), fix(end).min(len - 1));
    (s <= e && s < len).then(|| (s as usize, e as usize + 1))
}

fn slice_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = text_rows(a, |i, buf| {
        let (Some(els), Some(s), Some(e)) = (
            a.cols[0].str(i).and_then(array_elements),
            a.cols[1].i64(i),
            a.cols[2].i64(i),
        ) else {
            return false;
        };
        let part = match slice_bounds(els.len(), s, e) {
            Some((s, e)) => &els[s..e],
            None => &[][..],
        };
        if let Err(x) = write_array(part.iter().copied(), buf) {
            err = Err(fmt_err(x));
        }
        true
    })?;
    err.map(|_| r)
}

/// `pack_array(v1, ...)`: each argument is already the element's JSON text
/// (the binder converts it); a null element is JSON `null`.
fn pack_array_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = text_rows(a, |i, buf| {
        let items = a.cols.iter().map(|c| c.str(i).unwrap_or("null"));
        if let Err(e) = write_array(items, buf) {
            err = Err(fmt_err(e));
        }
        true
    })?;
    err.map(|_| r)
}

/// The most elements `repeat()` builds (the limit `strrep` documents).
pub const REPEAT_MAX: i64 = 67_108_864;

/// `repeat(v, n)`: the element arrives as its JSON text (null: `null`).
fn repeat_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = text_rows(a, |i, buf| {
        let Some(n) = a.cols[1].i64(i).filter(|n| *n >= 0) else {
            return false;
        };
        if n > REPEAT_MAX {
            err = Err(datafusion::common::DataFusionError::Execution(format!(
                "repeat(): a count of {n} is more than the {REPEAT_MAX} elements an array may hold"
            )));
            return false;
        }
        let v = a.cols[0].str(i).unwrap_or("null");
        if let Err(e) = write_array(std::iter::repeat_n(v, n as usize), buf) {
            err = Err(fmt_err(e));
        }
        true
    })?;
    err.map(|_| r)
}

/// `split(s, delim[, index])` of one string: the parts as a JSON array of
/// strings; with an index, only that part, or `[]` when there is none
/// (split-function.md). An empty delimiter does not split (kql choice).
pub fn split_one(s: &str, delim: &str, index: Option<i64>, out: &mut String) -> std::fmt::Result {
    use super::write_json_string;
    out.push('[');
    if delim.is_empty() {
        if index.is_none() || index == Some(0) {
            write_json_string(s, out)?;
        }
    } else if let Some(ix) = index {
        if ix >= 0
            && let Some(part) = s.split(delim).nth(ix as usize)
        {
            write_json_string(part, out)?;
        }
    } else {
        for (n, part) in s.split(delim).enumerate() {
            if n > 0 {
                out.push(',');
            }
            write_json_string(part, out)?;
        }
    }
    out.push(']');
    Ok(())
}

fn split_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let with_index = a.cols.len() > 2;
    let r = text_rows(a, |i, buf| {
        // A string is never null: a null reads as "".
        let s = a.cols[0].str(i).unwrap_or("");
        let d = a.cols[1].str(i).unwrap_or("");
        let index = if with_index {
            match a.cols[2].i64(i) {
                Some(ix) => Some(ix),
                None => return false,
            }
        } else {
            None
        };
        if let Err(e) = split_one(s, d, index, buf) {
            err = Err(fmt_err(e));
        }
        true
    })?;
    err.map(|_| r)
}

fn strcat_array_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = text_rows(a, |i, buf| {
        let delim = a.cols[1].str(i).unwrap_or("");
        if let Some(els) = a.cols[0].str(i).and_then(array_elements) {
            for (n, v) in els.into_iter().enumerate() {
                if n > 0 {
                    buf.push_str(delim);
                }
                if let Err(e) = dynamic_to_text(v, buf) {
                    err = Err(fmt_err(e));
                }
            }
        }
        true
    })?;
    err.map(|_| r)
}

const DYN: &[Read] = &[Read::Str];
const SLICE: &[Read] = &[Read::Str, Read::I64, Read::I64];
const SPLIT: &[Read] = &[Read::Str, Read::Str, Read::I64];
const REPEAT: &[Read] = &[Read::Str, Read::I64];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "array_concat" => KernelUdf::new("kql_array_concat", DataType::Utf8, DYN, concat_kernel),
        "set_union" => KernelUdf::new("kql_set_union", DataType::Utf8, DYN, set_union_kernel),
        "array_slice" => KernelUdf::new("kql_array_slice", DataType::Utf8, SLICE, slice_kernel),
        "pack_array" => KernelUdf::new("kql_pack_array", DataType::Utf8, DYN, pack_array_kernel),
        "repeat" => KernelUdf::new("kql_repeat", DataType::Utf8, REPEAT, repeat_kernel),
        "split" => KernelUdf::new("kql_split", DataType::Utf8, SPLIT, split_kernel),
        "strcat_array" => {
            KernelUdf::new("kql_strcat_array", DataType::Utf8, DYN, strcat_array_kernel)
        }
        _ => return None,
    })
}

/// The KQL array functions this module implements.
pub const ARRAY_FUNCTIONS: &[&str] = &[
    "array_concat",
    "set_union",
    "array_slice",
    "pack_array",
    "repeat",
    "split",
    "strcat_array",
];

/// `kql_<name>(args)` for a KQL array function name of [`ARRAY_FUNCTIONS`].
/// Arguments: dynamic JSON text (for `pack_array`: each element's JSON
/// text), strings, and Int64 indexes, as the KQL signatures say.
pub fn array_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_array_udfs() -> Vec<ScalarUDF> {
    ARRAY_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::logical_expr::ScalarUDFImpl;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn run(name: &str, args: Vec<datafusion::logical_expr::ColumnarValue>) -> Vec<Option<String>> {
        let u = udf(name).unwrap();
        strings(&invoke(&u as &dyn ScalarUDFImpl, args))
    }

    #[test]
    fn concat_and_union_over_rows_with_nulls() {
        let a = str_col(vec![Some("[1,2]"), None, Some("[]"), Some("\"x\"")]);
        let b = str_lit("[2,\"b\",[ 3 ]]");
        assert_eq!(
            run("array_concat", vec![a, b]),
            vec![s("[1,2,2,\"b\",[3]]"), None, s("[2,\"b\",[3]]"), None]
        );
        let a = str_col(vec![Some("[\"A4\",\"A2\",\"A7\",\"A2\"]"), Some("[]")]);
        assert_eq!(
            run("set_union", vec![a, str_lit("[\"A7\",1]")]),
            vec![s("[\"A4\",\"A2\",\"A7\",1]"), s("[\"A7\",1]")]
        );
    }

    #[test]
    fn slices_clamp_and_count_from_the_end() {
        assert_eq!(slice_bounds(3, 1, 2), Some((1, 3)));
        assert_eq!(slice_bounds(5, -3, -2), Some((2, 4)));
        assert_eq!(slice_bounds(5, 2, -1), Some((2, 5)));
        assert_eq!(slice_bounds(3, 1, 10), Some((1, 3)));
        assert_eq!(slice_bounds(3, 2, 1), None);
        assert_eq!(slice_bounds(0, 0, 0), None);
        assert_eq!(slice_bounds(3, 5, 9), None);
        let arr = str_col(vec![Some("[1,2,3,4,5]"), None, Some("7")]);
        assert_eq!(
            run("array_slice", vec![arr, i64_lit(1), i64_lit(-2)]),
            vec![s("[2,3,4]"), None, None]
        );
    }

    #[test]
    fn split_forms() {
        let mut o = String::new();
        let mut sp = |s: &str, d: &str, i: Option<i64>| {
            o.clear();
            split_one(s, d, i, &mut o).unwrap();
            o.clone()
        };
        assert_eq!(sp("aa_bb", "_", None), r#"["aa","bb"]"#);
        assert_eq!(sp("aaa_bbb_ccc", "_", Some(1)), r#"["bbb"]"#);
        assert_eq!(sp("", "_", None), r#"[""]"#);
        assert_eq!(sp("a__b", "_", None), r#"["a","","b"]"#);
        assert_eq!(sp("aabbcc", "bb", None), r#"["aa","cc"]"#);
        assert_eq!(sp("a_b", "_", Some(5)), "[]");
        assert_eq!(sp("a_b", "_", Some(-1)), "[]");
        assert_eq!(sp("a\"b", "", None), r#"["a\"b"]"#);
        let col = str_col(vec![Some("a@b.c"), None, Some("")]);
        assert_eq!(
            run("split", vec![col, str_lit("@")]),
            vec![s(r#"["a","b.c"]"#), s(r#"[""]"#), s(r#"[""]"#)]
        );
    }

    #[test]
    fn strcat_array_and_pack_array() {
        let arr = str_col(vec![Some("[1,\"a\",[2],null]"), None, Some("{}")]);
        assert_eq!(
            run("strcat_array", vec![arr, str_lit("->")]),
            vec![s("1->a->[2]->"), s(""), s("")]
        );
        let x = str_col(vec![Some("1"), None]);
        assert_eq!(
            run("pack_array", vec![x, str_lit("\"s\"")]),
            vec![s("[1,\"s\"]"), s("[null,\"s\"]")]
        );
    }

    #[test]
    fn repeat_counts() {
        // repeat-function.md: [1,1,1]; 0 is []; a negative count is null
        let v = str_col(vec![Some("1"), Some("\"a\""), None, Some("2"), Some("3")]);
        let n = i64_col(vec![Some(3), Some(2), Some(2), Some(0), Some(-1)]);
        assert_eq!(
            run("repeat", vec![v, n]),
            vec![
                s("[1,1,1]"),
                s("[\"a\",\"a\"]"),
                s("[null,null]"),
                s("[]"),
                None
            ]
        );
        let u = udf("repeat").unwrap();
        let too_many = try_invoke(&u, vec![str_lit("1"), i64_lit(REPEAT_MAX + 1)]);
        assert!(too_many.is_err());
    }
}
