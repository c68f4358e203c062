//! Property bags (JSON objects): `bag_pack` / `pack` / `pack_all` /
//! `bag_pack_columns`, `bag_keys`, `bag_merge`, `bag_has_key`,
//! `bag_set_key`, `bag_remove_keys`, `bag_zip`; and the JSON-shape helpers
//! `dynamic_to_json`, `gettype` of a dynamic, `extract_json`.
//!
//! Rules (the Kusto function pages):
//! * `bag_pack(k1, v1, ...)` keeps the keys in the order written; a key
//!   written twice keeps its first place and takes the last value. A null
//!   value is JSON `null`. `pack_all(true)` leaves out null and "" values.
//! * `bag_keys` of a non-bag is null; keys in the bag's order.
//! * `bag_merge`: a key present in several bags takes the value of the
//!   first (bag-merge-function.md example); arguments that are not bags
//!   are skipped; all of them not bags gives null.
//! * `bag_has_key`, `bag_set_key`, `bag_remove_keys`: a key is a plain
//!   first-level name, or a JSONPath (`$.a.b`, `$['a']`) into nested bags;
//!   array indexing is not supported (a path with an index matches
//!   nothing). A non-bag input: `bag_has_key` false, the others null.
//!   `bag_set_key` creates missing intermediate bags and replaces an
//!   intermediate value that is not a bag.
//! * `bag_zip(keys, values)`: keys that are not strings are skipped; more
//!   keys than values fill null; a values argument that is not an array
//!   fills null; a keys argument that is not an array gives null.
//! * `dynamic_to_json`: compact JSON with the properties of every bag sorted
//!   by name; a top-level string is its bare text (as `tostring`); null → "".
//! * `gettype(dynamic)`: "null", "bool", "int" (integers in int range, as
//!   `gettype(parse_json('1'))` documents), "long", "real", "string",
//!   "array", "dictionary".
//! * `extract_json(path, text)`: the element at a JSONPath (`$`, `.name`,
//!   `['name']`, `[i]`) of the JSON text, null when absent, when the text
//!   is not JSON, or the path uses unsupported syntax (`*`, `..`, filters).

use super::arrays::{array_elements, write_element};
use super::{
    Kind, kind, scan_string, scan_value, skip_ws, unquote, validate, write_compact,
    write_json_string,
};
use crate::columnar::{Args, Read, fmt_err};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::borrow::Cow;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// JSON object helpers

/// The members of a JSON object: (key as JSON string text, value text),
/// `None` when `json` is not a valid object.
pub(crate) fn object_members(json: &str) -> Option<Vec<(&str, &str)>> {
    let b = json.as_bytes();
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'{') {
        return None;
    }
    let mut out = Vec::new();
    let mut j = skip_ws(b, open + 1);
    if b.get(j) == Some(&b'}') {
        return (skip_ws(b, j + 1) == b.len()).then_some(out);
    }
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let (kend, _) = scan_string(b, j)?;
        let key = &json[j..kend];
        j = skip_ws(b, kend);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        let (vend, _) = scan_value(b, j, 1)?;
        out.push((key, &json[j..vend]));
        j = skip_ws(b, vend);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b'}' => return (skip_ws(b, j + 1) == b.len()).then_some(out),
            _ => return None,
        }
    }
}

/// Does the JSON string literal `key` hold `name`?
fn key_is(key: &str, name: &str) -> bool {
    if !key.contains('\\') {
        return key.len() == name.len() + 2 && &key[1..key.len() - 1] == name;
    }
    unquote(key).is_some_and(|k| k == name)
}

/// The bare text of a JSON string literal key.
fn key_text(key: &str) -> Cow<'_, str> {
    unquote(key).unwrap_or(Cow::Borrowed(key))
}

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Name(String),
    Index(i64),
}

/// Parse a JSONPath of the supported subset: `$` followed by `.name`,
/// `['name']` / `["name"]` and `[i]` steps. `None` for anything else
/// (wildcards, recursive descent, filters, slices).
pub fn parse_json_path(path: &str) -> Option<Vec<Seg>> {
    let p = path.trim();
    let rest = p.strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut i = 0;
    let mut segs = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                let s = i;
                while i < b.len() && !matches!(b[i], b'.' | b'[') {
                    i += 1;
                }
                let name = &rest[s..i];
                if name.is_empty() || name == "*" {
                    return None;
                }
                segs.push(Seg::Name(name.to_string()));
            }
            b'[' => {
                let close = rest[i..].find(']')? + i;
                let inner = rest[i + 1..close].trim();
                let q = inner.as_bytes().first().copied();
                if matches!(q, Some(b'\'' | b'"')) {
                    let q = q.unwrap_or(b'\'') as char;
                    let name = inner.strip_prefix(q)?.strip_suffix(q)?;
                    if name.contains(q) {
                        return None;
                    }
                    segs.push(Seg::Name(name.to_string()));
                } else {
                    segs.push(Seg::Index(inner.parse().ok()?));
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(segs)
}

/// A bag key argument: a JSONPath when it starts with `$` (at least one
/// step, names only), else one first-level name.
fn bag_key_path(key: &str) -> Option<Vec<String>> {
    if key.trim_start().starts_with('$') {
        let segs = parse_json_path(key)?;
        if segs.is_empty() {
            return None;
        }
        segs.into_iter()
            .map(|s| match s {
                Seg::Name(n) => Some(n),
                Seg::Index(_) => None,
            })
            .collect()
    } else {
        Some(vec![key.to_string()])
    }
}

/// The parsed key of the previous row, reused while the key text repeats
/// (keys are nearly always constants).
#[derive(Default)]
struct PathCache {
    text: Option<String>,
    path: Option<Vec<String>>,
}

impl PathCache {
    fn get(&mut self, key: &str) -> Option<&[String]> {
        if self.text.as_deref() != Some(key) {
            self.text = Some(key.to_string());
            self.path = bag_key_path(key);
        }
        self.path.as_deref()
    }
}

/// Write `{` members `}` from (key JSON text, value) pairs.
fn write_members<'a>(
    members: impl IntoIterator<Item = (&'a str, &'a str)>,
    out: &mut String,
) -> std::fmt::Result {
    out.push('{');
    for (n, (k, v)) in members.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push(':');
        write_element(v, out)?;
    }
    out.push('}');
    Ok(())
}

/// `obj` with `path` set to `value` (a JSON value). False when `obj` is not
/// a bag.
fn set_path(obj: &str, path: &[String], value: &str, out: &mut String) -> Result<bool> {
    let Some(members) = object_members(obj) else {
        return Ok(false);
    };
    let Some((name, rest)) = path.split_first() else {
        return Ok(false);
    };
    let nested = |child: &str, out: &mut String| -> Result<()> {
        if rest.is_empty() {
            write_element(value, out).map_err(fmt_err)
        } else {
            let child = if kind(child) == Some(Kind::Object) {
                child
            } else {
                "{}"
            };
            set_path(child, rest, value, out).map(|_| ())
        }
    };
    out.push('{');
    let mut found = false;
    for (n, (k, v)) in members.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push(':');
        if !found && key_is(k, name) {
            found = true;
            nested(v, out)?;
        } else {
            write_element(v, out).map_err(fmt_err)?;
        }
    }
    if !found {
        if !members.is_empty() {
            out.push(',');
        }
        write_json_string(name, out).map_err(fmt_err)?;
        out.push(':');
        nested("{}", out)?;
    }
    out.push('}');
    Ok(true)
}

/// `obj` without the property at `path` (unchanged when it is absent).
fn remove_path(obj: &str, path: &[String], out: &mut String) -> Result<bool> {
    let Some(members) = object_members(obj) else {
        return Ok(false);
    };
    let Some((name, rest)) = path.split_first() else {
        return Ok(false);
    };
    out.push('{');
    let mut first = true;
    for (k, v) in members {
        let hit = key_is(k, name);
        if hit && rest.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(k);
        out.push(':');
        if hit && kind(v) == Some(Kind::Object) {
            remove_path(v, rest, out)?;
        } else {
            write_element(v, out).map_err(fmt_err)?;
        }
    }
    out.push('}');
    Ok(true)
}

/// Is there a property at `path`?
fn has_path(obj: &str, path: &[String]) -> bool {
    let mut cur = obj;
    for name in path {
        let Some(members) = object_members(cur) else {
            return false;
        };
        match members.into_iter().find(|(k, _)| key_is(k, name)) {
            Some((_, v)) => cur = v,
            None => return false,
        }
    }
    true
}

// ---------------------------------------------------------------------------
// Row drivers

/// A kernel whose rows each produce optional text.
pub(crate) fn text_rows(
    a: &Args,
    mut row: impl FnMut(usize, &mut String) -> Result<bool>,
) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        if row(i, &mut buf)? {
            out.append_value(&buf);
        } else {
            out.append_null();
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A kernel whose rows each produce an optional bool.
pub(crate) fn bool_rows(a: &Args, mut row: impl FnMut(usize) -> Option<bool>) -> Result<ArrayRef> {
    let mut out = BooleanBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(row(i));
    }
    Ok(Arc::new(out.finish()))
}

// ---------------------------------------------------------------------------
// Kernels

/// `kql_bag_pack(skip_empty, k1, v1, ...)`: values are JSON text.
fn bag_pack_kernel(a: &Args) -> Result<ArrayRef> {
    // The quoted keys of the row, one after the other in `kbuf`; `pairs`
    // holds each key's range there and its value.
    let mut kbuf = String::new();
    let mut pairs: Vec<(usize, usize, &str)> = Vec::new();
    text_rows(a, |i, buf| {
        let skip = a.cols[0].i64(i).unwrap_or(0) != 0;
        kbuf.clear();
        pairs.clear();
        for pair in a.cols[1..].chunks(2) {
            let k = pair[0].str(i).unwrap_or("");
            let v = pair.get(1).and_then(|c| c.str(i)).unwrap_or("null");
            if skip && matches!(v.trim(), "null" | "\"\"") {
                continue;
            }
            let s = kbuf.len();
            write_json_string(k, &mut kbuf).map_err(fmt_err)?;
            let e = kbuf.len();
            match pairs.iter().position(|p| kbuf[p.0..p.1] == kbuf[s..e]) {
                Some(n) => {
                    pairs[n].2 = v;
                    kbuf.truncate(s);
                }
                None => pairs.push((s, e, v)),
            }
        }
        write_members(pairs.iter().map(|&(s, e, v)| (&kbuf[s..e], v)), buf).map_err(fmt_err)?;
        Ok(true)
    })
}

fn bag_keys_kernel(a: &Args) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let Some(members) = a.cols[0].str(i).and_then(object_members) else {
            return Ok(false);
        };
        buf.push('[');
        for (n, (k, _)) in members.iter().enumerate() {
            if n > 0 {
                buf.push(',');
            }
            buf.push_str(k);
        }
        buf.push(']');
        Ok(true)
    })
}

fn bag_merge_kernel(a: &Args) -> Result<ArrayRef> {
    let mut all: Vec<(&str, &str)> = Vec::new();
    text_rows(a, |i, buf| {
        all.clear();
        let mut any = false;
        for c in &a.cols {
            let Some(members) = c.str(i).and_then(object_members) else {
                continue;
            };
            any = true;
            for (k, v) in members {
                if !all.iter().any(|(ek, _)| key_text(ek) == key_text(k)) {
                    all.push((k, v));
                }
            }
        }
        if !any {
            return Ok(false);
        }
        write_members(all.iter().copied(), buf).map_err(fmt_err)?;
        Ok(true)
    })
}

fn bag_has_key_kernel(a: &Args) -> Result<ArrayRef> {
    let mut cache = PathCache::default();
    bool_rows(a, |i| {
        let bag = a.cols[0].str(i)?;
        let key = a.cols[1].str(i).unwrap_or("");
        Some(match cache.get(key) {
            Some(path) => has_path(bag, path),
            None => false,
        })
    })
}

fn bag_set_key_kernel(a: &Args) -> Result<ArrayRef> {
    let mut cache = PathCache::default();
    text_rows(a, |i, buf| {
        let Some(bag) = a.cols[0].str(i) else {
            return Ok(false);
        };
        let key = a.cols[1].str(i).unwrap_or("");
        let value = a.cols[2].str(i).unwrap_or("null");
        match cache.get(key) {
            Some(path) => set_path(bag, path, value, buf),
            None => Ok(false),
        }
    })
}

fn bag_remove_keys_kernel(a: &Args) -> Result<ArrayRef> {
    let mut other = String::new();
    text_rows(a, |i, buf| {
        let Some(bag) = a.cols[0].str(i) else {
            return Ok(false);
        };
        if object_members(bag).is_none() {
            return Ok(false);
        }
        let keys = a.cols[1]
            .str(i)
            .and_then(array_elements)
            .unwrap_or_default();
        write_compact(bag.trim(), buf).map_err(fmt_err)?;
        for k in keys {
            if kind(k) != Some(Kind::String) {
                continue;
            }
            let Some(path) = unquote(k).as_deref().and_then(bag_key_path) else {
                continue;
            };
            other.clear();
            remove_path(buf, &path, &mut other)?;
            std::mem::swap(buf, &mut other);
        }
        Ok(true)
    })
}

fn bag_zip_kernel(a: &Args) -> Result<ArrayRef> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    text_rows(a, |i, buf| {
        let Some(keys) = a.cols[0].str(i).and_then(array_elements) else {
            return Ok(false);
        };
        let values = a.cols[1]
            .str(i)
            .and_then(array_elements)
            .unwrap_or_default();
        pairs.clear();
        for (n, k) in keys.into_iter().enumerate() {
            if kind(k) != Some(Kind::String) {
                continue;
            }
            let v = values.get(n).copied().unwrap_or("null");
            match pairs.iter_mut().find(|(ek, _)| key_text(ek) == key_text(k)) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k, v)),
            }
        }
        write_members(pairs.iter().copied(), buf).map_err(fmt_err)?;
        Ok(true)
    })
}

/// The canonical text of a JSON value: compact, bag properties sorted by
/// name, strings re-escaped uniformly.
fn write_canonical(v: &str, out: &mut String) -> Result<()> {
    match kind(v) {
        Some(Kind::Object) => {
            let mut members = object_members(v).unwrap_or_default();
            members.sort_by(|a, b| key_text(a.0).cmp(&key_text(b.0)));
            out.push('{');
            for (n, (k, v)) in members.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_json_string(&key_text(k), out).map_err(fmt_err)?;
                out.push(':');
                write_canonical(v, out)?;
            }
            out.push('}');
        }
        Some(Kind::Array) => {
            out.push('[');
            for (n, e) in array_elements(v)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                if n > 0 {
                    out.push(',');
                }
                write_canonical(e, out)?;
            }
            out.push(']');
        }
        Some(Kind::String) => match unquote(v) {
            Some(s) => write_json_string(&s, out).map_err(fmt_err)?,
            None => out.push_str(v),
        },
        _ => out.push_str(v),
    }
    Ok(())
}

fn dynamic_to_json_kernel(a: &Args) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        let Some(v) = a.cols[0].str(i) else {
            return Ok(true);
        };
        let v = v.trim();
        match kind(v) {
            None | Some(Kind::Null) => {}
            Some(Kind::String) => buf.push_str(&unquote(v).unwrap_or(Cow::Borrowed(v))),
            _ => write_canonical(v, buf)?,
        }
        Ok(true)
    })
}

/// The runtime type name of a dynamic value.
pub fn dynamic_type_name(v: Option<&str>) -> &'static str {
    let Some(v) = v.map(str::trim) else {
        return "null";
    };
    match kind(v) {
        None | Some(Kind::Null) => "null",
        Some(Kind::Bool) => "bool",
        Some(Kind::String) => "string",
        Some(Kind::Array) => "array",
        Some(Kind::Object) => "dictionary",
        Some(Kind::Number) => {
            if v.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) {
                "real"
            } else if let Ok(n) = v.parse::<i64>() {
                if i32::try_from(n).is_ok() {
                    "int"
                } else {
                    "long"
                }
            } else {
                "real"
            }
        }
    }
}

fn gettype_kernel(a: &Args) -> Result<ArrayRef> {
    text_rows(a, |i, buf| {
        buf.push_str(dynamic_type_name(a.cols[0].str(i)));
        Ok(true)
    })
}

/// The element of `json` at `path`.
pub fn json_path_get<'a>(json: &'a str, path: &[Seg]) -> Option<&'a str> {
    let (mut cur, _) = validate(json)?;
    for seg in path {
        cur = match seg {
            Seg::Name(n) => super::access::get(cur, super::access::Key::Name(n))?,
            Seg::Index(i) => super::access::get(cur, super::access::Key::Index(*i))?,
        };
    }
    Some(cur)
}

/// `kql_extract_json(path, text)`: the element as dynamic JSON text.
fn extract_json_kernel(a: &Args) -> Result<ArrayRef> {
    let mut last: Option<(String, Option<Vec<Seg>>)> = None;
    text_rows(a, |i, buf| {
        let path = a.cols[0].str(i).unwrap_or("");
        let Some(text) = a.cols[1].str(i) else {
            return Ok(false);
        };
        if last.as_ref().is_none_or(|(t, _)| t != path) {
            last = Some((path.to_string(), parse_json_path(path)));
        }
        let Some(segs) = last.as_ref().and_then(|(_, s)| s.as_ref()) else {
            return Ok(false);
        };
        match json_path_get(text, segs) {
            Some(v) if kind(v) != Some(Kind::Null) => {
                write_element(v, buf).map_err(fmt_err)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    })
}

// ---------------------------------------------------------------------------
// Registration

const DYN: &[Read] = &[Read::Str];
const PACK: &[Read] = &[Read::I64, Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    let u = |n, ret, reads, k| KernelUdf::new(n, ret, reads, k);
    Some(match name {
        "bag_pack" => u("kql_bag_pack", DataType::Utf8, PACK, bag_pack_kernel),
        "bag_keys" => u("kql_bag_keys", DataType::Utf8, DYN, bag_keys_kernel),
        "bag_merge" => u("kql_bag_merge", DataType::Utf8, DYN, bag_merge_kernel),
        "bag_has_key" => u(
            "kql_bag_has_key",
            DataType::Boolean,
            DYN,
            bag_has_key_kernel,
        ),
        "bag_set_key" => u("kql_bag_set_key", DataType::Utf8, DYN, bag_set_key_kernel),
        "bag_remove_keys" => u(
            "kql_bag_remove_keys",
            DataType::Utf8,
            DYN,
            bag_remove_keys_kernel,
        ),
        "bag_zip" => u("kql_bag_zip", DataType::Utf8, DYN, bag_zip_kernel),
        "dynamic_to_json" => u(
            "kql_dynamic_to_json",
            DataType::Utf8,
            DYN,
            dynamic_to_json_kernel,
        ),
        "gettype" => u("kql_gettype", DataType::Utf8, DYN, gettype_kernel),
        "extract_json" => u("kql_extract_json", DataType::Utf8, DYN, extract_json_kernel),
        _ => return None,
    })
}

/// The kernels of this module, by the name [`bag_function_expr`] takes.
pub const BAG_FUNCTIONS: &[&str] = &[
    "bag_pack",
    "bag_keys",
    "bag_merge",
    "bag_has_key",
    "bag_set_key",
    "bag_remove_keys",
    "bag_zip",
    "dynamic_to_json",
    "gettype",
    "extract_json",
];

/// `kql_<name>(args)` for a name of [`BAG_FUNCTIONS`]. Arguments as the
/// binder prepares them: dynamic values and keys as Utf8 (JSON text /
/// plain text), `bag_pack`'s first argument the Int64 skip-empty flag.
pub fn bag_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_bag_udfs() -> Vec<ScalarUDF> {
    BAG_FUNCTIONS
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
    use datafusion::logical_expr::ScalarUDFImpl;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn run(name: &str, args: Vec<datafusion::logical_expr::ColumnarValue>) -> Vec<Option<String>> {
        let u = udf(name).unwrap();
        strings(&invoke(&u as &dyn ScalarUDFImpl, args))
    }

    fn bools(name: &str, args: Vec<datafusion::logical_expr::ColumnarValue>) -> Vec<Option<bool>> {
        let u = udf(name).unwrap();
        let a = invoke(&u as &dyn ScalarUDFImpl, args);
        a.as_boolean().iter().collect()
    }

    #[test]
    fn members_and_paths() {
        assert_eq!(
            object_members(r#" { "a" : 1, "b":[1, 2] } "#),
            Some(vec![(r#""a""#, "1"), (r#""b""#, "[1, 2]")])
        );
        assert_eq!(object_members("{}"), Some(vec![]));
        for bad in ["[1]", "1", "{", "{\"a\"}", "{\"a\":1,}"] {
            assert_eq!(object_members(bad), None, "{bad}");
        }
        assert_eq!(
            parse_json_path("$.a['b c'][2]"),
            Some(vec![
                Seg::Name("a".into()),
                Seg::Name("b c".into()),
                Seg::Index(2)
            ])
        );
        assert_eq!(parse_json_path("$"), Some(vec![]));
        for bad in ["a.b", "$..a", "$.*", "$[*]", "$.a[?(@.x)]", "$.", "$['a]"] {
            assert_eq!(parse_json_path(bad), None, "{bad}");
        }
        assert_eq!(bag_key_path("a.b"), Some(vec!["a.b".to_string()]));
        assert_eq!(
            bag_key_path("$.a.b"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(bag_key_path("$.a[0]"), None);
        assert_eq!(bag_key_path("$"), None);
    }

    #[test]
    fn pack_keeps_order_and_skips_empty_on_request() {
        let v = str_col(vec![Some("1"), None, Some("\"\"")]);
        assert_eq!(
            run(
                "bag_pack",
                vec![
                    i64_lit(0),
                    str_lit("b"),
                    v.clone(),
                    str_lit("a\"q"),
                    str_lit("[ 1 ]")
                ]
            ),
            vec![
                s(r#"{"b":1,"a\"q":[1]}"#),
                s(r#"{"b":null,"a\"q":[1]}"#),
                s(r#"{"b":"","a\"q":[1]}"#)
            ]
        );
        assert_eq!(
            run(
                "bag_pack",
                vec![i64_lit(1), str_lit("b"), v, str_lit("c"), str_lit("2")]
            ),
            vec![s(r#"{"b":1,"c":2}"#), s(r#"{"c":2}"#), s(r#"{"c":2}"#)]
        );
        // a repeated key keeps its place and takes the last value
        assert_eq!(
            run(
                "bag_pack",
                vec![
                    i64_lit(0),
                    str_lit("k"),
                    str_lit("1"),
                    str_lit("j"),
                    str_lit("2"),
                    str_lit("k"),
                    str_lit("3")
                ]
            ),
            vec![s(r#"{"k":3,"j":2}"#)]
        );
        assert_eq!(run("bag_pack", vec![i64_lit(0)]), vec![s("{}")]);
    }

    #[test]
    fn keys_merge_and_zip() {
        let d = str_col(vec![
            Some(r#"{"a":"b","c":{"d":1}}"#),
            None,
            Some("{}"),
            Some("\"a\""),
            Some("[]"),
        ]);
        assert_eq!(
            run("bag_keys", vec![d]),
            vec![s(r#"["a","c"]"#), None, s("[]"), None, None]
        );
        let a = str_col(vec![Some(r#"{"A1":12,"B1":2}"#), None, Some("1")]);
        assert_eq!(
            run("bag_merge", vec![a, str_lit(r#"{"A2":81,"A1":1}"#)]),
            vec![
                s(r#"{"A1":12,"B1":2,"A2":81}"#),
                s(r#"{"A2":81,"A1":1}"#),
                s(r#"{"A2":81,"A1":1}"#)
            ]
        );
        assert_eq!(
            run("bag_merge", vec![str_lit("1"), str_lit("[]")]),
            vec![None]
        );
        let k = str_col(vec![
            Some(r#"["a","b","c"]"#),
            Some(r#"["a",8,"b"]"#),
            Some(r#""a""#),
            None,
        ]);
        assert_eq!(
            run("bag_zip", vec![k.clone(), str_lit(r#"[1,"2",2.5]"#)]),
            vec![
                s(r#"{"a":1,"b":"2","c":2.5}"#),
                s(r#"{"a":1,"b":2.5}"#),
                None,
                None
            ]
        );
        assert_eq!(
            run("bag_zip", vec![k, str_lit("1")]),
            vec![
                s(r#"{"a":null,"b":null,"c":null}"#),
                s(r#"{"a":null,"b":null}"#),
                None,
                None
            ]
        );
    }

    #[test]
    fn has_set_and_remove_keys() {
        let bag = str_col(vec![
            Some(r#"{"key1":123,"key2":{"prop1":"abc"}}"#),
            Some(r#"{"key1":123}"#),
            None,
            Some("[1]"),
        ]);
        assert_eq!(
            bools("bag_has_key", vec![bag.clone(), str_lit("$.key2.prop1")]),
            vec![Some(true), Some(false), None, Some(false)]
        );
        assert_eq!(
            bools("bag_has_key", vec![bag.clone(), str_lit("key1")]),
            vec![Some(true), Some(true), None, Some(false)]
        );
        assert_eq!(
            bools("bag_has_key", vec![bag.clone(), str_lit("$.key2[0]")]),
            vec![Some(false), Some(false), None, Some(false)]
        );
        assert_eq!(
            run(
                "bag_set_key",
                vec![bag.clone(), str_lit("$.key2.prop1"), str_lit("\"x\"")]
            ),
            vec![
                s(r#"{"key1":123,"key2":{"prop1":"x"}}"#),
                s(r#"{"key1":123,"key2":{"prop1":"x"}}"#),
                None,
                None
            ]
        );
        assert_eq!(
            run(
                "bag_set_key",
                vec![bag.clone(), str_lit("key1"), str_lit("[ 1 ]")]
            ),
            vec![
                s(r#"{"key1":[1],"key2":{"prop1":"abc"}}"#),
                s(r#"{"key1":[1]}"#),
                None,
                None
            ]
        );
        assert_eq!(
            run(
                "bag_remove_keys",
                vec![bag, str_lit(r#"["$.key2.prop1","nope",1,"$.key1[0]"]"#)]
            ),
            vec![
                s(r#"{"key1":123,"key2":{}}"#),
                s(r#"{"key1":123}"#),
                None,
                None
            ]
        );
        assert_eq!(
            run(
                "bag_remove_keys",
                vec![str_lit(r#"{"a":1,"b":2,"c":3}"#), str_lit(r#"["a","c"]"#)]
            ),
            vec![s(r#"{"b":2}"#)]
        );
    }

    #[test]
    fn canonical_json_and_types() {
        let v = str_col(vec![
            Some(r#"{"b":[1,{"z":1,"y":"\u0041"}],"a":{}}"#),
            Some("\"text\""),
            None,
            Some("12"),
        ]);
        assert_eq!(
            run("dynamic_to_json", vec![v]),
            vec![
                s(r#"{"a":{},"b":[1,{"y":"A","z":1}]}"#),
                s("text"),
                s(""),
                s("12")
            ]
        );
        let v = str_col(vec![
            Some("1"),
            Some("12345678901"),
            Some("1.5"),
            Some("1e3"),
            Some("\"a\""),
            Some("true"),
            Some("[1]"),
            Some("{}"),
            Some("null"),
            None,
        ]);
        assert_eq!(
            run("gettype", vec![v]),
            [
                "int",
                "long",
                "real",
                "real",
                "string",
                "bool",
                "array",
                "dictionary",
                "null",
                "null"
            ]
            .map(s)
            .to_vec()
        );
    }

    #[test]
    fn extract_json_paths() {
        let text = str_col(vec![
            Some(r#"{"name":"John","a":{"b":[10,{"c":true}]}}"#),
            Some("not json"),
            None,
            Some(""),
        ]);
        let get = |p: &str| run("extract_json", vec![str_lit(p), text.clone()]);
        assert_eq!(get("$.name"), vec![s("\"John\""), None, None, None]);
        assert_eq!(get("$.a.b[1].c"), vec![s("true"), None, None, None]);
        assert_eq!(get("$['a']['b'][0]"), vec![s("10"), None, None, None]);
        assert_eq!(get("$.a.b[-1]"), vec![s(r#"{"c":true}"#), None, None, None]);
        assert_eq!(get("$.missing"), vec![None, None, None, None]);
        assert_eq!(get("$..name"), vec![None, None, None, None]);
        assert_eq!(
            get("$")[0].as_deref(),
            Some(r#"{"name":"John","a":{"b":[10,{"c":true}]}}"#)
        );
        let out = invoke(
            &udf("extract_json").unwrap() as &dyn ScalarUDFImpl,
            vec![str_lit("$.x"), str_lit(r#"{"x":null}"#)],
        );
        assert!(out.is_null(0));
    }
}
