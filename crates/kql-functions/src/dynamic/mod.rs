//! The `dynamic` representation: a KQL dynamic value is an Arrow Utf8 holding
//! compact JSON text; a dynamic null is an Arrow null. Every piece of code
//! that looks inside that text lives in this module, so the representation
//! can change in one place.
//!
//! The JSON is read with a small byte scanner instead of building a
//! `serde_json::Value` per row: member and index access only need the byte
//! range of one value, and the text is copied out as is when it is already
//! compact (the usual case) — no allocation besides the output builder.
//!
//! * [`access`]: `kql_dynamic_get(json, key)` for `x.name`, `x['name']`, `x[i]`.
//! * [`arrays`]: `array_concat`, `set_union`, `array_slice`, `pack_array`,
//!   `split`, `strcat_array`.
//! * [`convert`]: `parse_json`, `tostring`, `tolong`/`toint`/`todouble`/`tobool`
//!   of a dynamic, and `array_length`.
//! * [`bags`]: property bags (`bag_pack`, `bag_keys`, `bag_merge`, ...),
//!   `dynamic_to_json`, `gettype`, `extract_json`.
//! * [`array_ops`]: `set_intersect`, `array_index_of`, `array_sort_*`,
//!   `array_shift_*`, `zip`, `has_any_index`, ...

pub mod access;
pub mod array_ops;
pub mod arrays;
pub mod bags;
pub mod convert;

pub use access::{DynamicGetUdf, dynamic_get_expr};
pub use convert::{
    ArrayLengthUdf, ConvertTarget, DynamicConvertUdf, DynamicToStringUdf, ParseJsonUdf,
    StringToDynamicUdf, array_length_expr, dynamic_convert_expr, dynamic_tostring_expr,
    parse_json_expr, string_to_dynamic_expr,
};

use datafusion::logical_expr::ScalarUDF;
use std::fmt::Write;

/// All dynamic UDFs, for registration in a session.
pub fn all_dynamic_udfs() -> Vec<ScalarUDF> {
    let mut v = vec![
        ScalarUDF::from(DynamicGetUdf::default()),
        ScalarUDF::from(ParseJsonUdf::default()),
        ScalarUDF::from(DynamicToStringUdf::default()),
        ScalarUDF::from(ArrayLengthUdf::default()),
        ScalarUDF::from(StringToDynamicUdf::default()),
    ];
    for t in ConvertTarget::ALL {
        v.push(ScalarUDF::from(DynamicConvertUdf::new(t)));
    }
    v.extend(arrays::all_array_udfs());
    v.extend(bags::all_bag_udfs());
    v.extend(array_ops::all_array_op_udfs());
    v
}

/// Nesting limit of the scanner (deeper text counts as invalid JSON).
const MAX_DEPTH: usize = 512;

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// The end of the string starting at `b[i] == b'"'`, and whether it holds
/// escapes.
fn scan_string(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    debug_assert_eq!(b.get(i), Some(&b'"'));
    i += 1;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = b.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
            c if c < 0x20 => return None,
            _ => i += 1,
        }
    }
    None
}

fn scan_number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i > s).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else {
        i = digits(b, i)?;
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// Validate the JSON value starting at `b[i]` (no leading whitespace).
/// Returns its end and whether it is compact (no whitespace between tokens).
fn scan_value(b: &[u8], i: usize, depth: usize) -> Option<(usize, bool)> {
    if depth > MAX_DEPTH {
        return None;
    }
    match *b.get(i)? {
        b'"' => scan_string(b, i).map(|(e, _)| (e, true)),
        b't' => b[i..].starts_with(b"true").then_some((i + 4, true)),
        b'f' => b[i..].starts_with(b"false").then_some((i + 5, true)),
        b'n' => b[i..].starts_with(b"null").then_some((i + 4, true)),
        b'-' | b'0'..=b'9' => scan_number(b, i).map(|e| (e, true)),
        open @ (b'[' | b'{') => {
            let close = if open == b'[' { b']' } else { b'}' };
            let mut compact = true;
            let mut j = i + 1;
            let k = skip_ws(b, j);
            compact &= k == j;
            j = k;
            if b.get(j) == Some(&close) {
                return Some((j + 1, compact));
            }
            loop {
                if open == b'{' {
                    if b.get(j) != Some(&b'"') {
                        return None;
                    }
                    j = scan_string(b, j)?.0;
                    let k = skip_ws(b, j);
                    compact &= k == j;
                    if b.get(k) != Some(&b':') {
                        return None;
                    }
                    j = k + 1;
                    let k = skip_ws(b, j);
                    compact &= k == j;
                    j = k;
                }
                let (e, c) = scan_value(b, j, depth + 1)?;
                compact &= c;
                let k = skip_ws(b, e);
                compact &= k == e;
                match b.get(k)? {
                    b',' => {
                        let k2 = skip_ws(b, k + 1);
                        compact &= k2 == k + 1;
                        j = k2;
                    }
                    c if *c == close => return Some((k + 1, compact)),
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

/// The trimmed text of a whole JSON document if it is valid, and whether it
/// is already compact.
pub(crate) fn validate(text: &str) -> Option<(&str, bool)> {
    let b = text.as_bytes();
    let s = skip_ws(b, 0);
    let (e, compact) = scan_value(b, s, 0)?;
    if skip_ws(b, e) != b.len() {
        return None;
    }
    Some((&text[s..e], compact))
}

/// Write valid JSON text without the whitespace between tokens.
pub(crate) fn write_compact(text: &str, out: &mut impl Write) -> std::fmt::Result {
    let b = text.as_bytes();
    let (mut i, mut start) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => i = scan_string(b, i).map_or(b.len(), |(e, _)| e),
            c if is_ws(c) => {
                out.write_str(&text[start..i])?;
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.write_str(&text[start..])
}

/// Write `s` as a JSON string literal.
pub(crate) fn write_json_string(s: &str, out: &mut impl Write) -> std::fmt::Result {
    out.write_char('"')?;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.write_str(&s[start..i])?;
        if esc.is_empty() {
            write!(out, "\\u{:04x}", c as u32)?;
        } else {
            out.write_str(esc)?;
        }
        start = i + c.len_utf8();
    }
    out.write_str(&s[start..])?;
    out.write_char('"')
}

/// The kind of a (trimmed, valid) JSON value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

pub fn kind(v: &str) -> Option<Kind> {
    Some(match *v.as_bytes().first()? {
        b'n' => Kind::Null,
        b't' | b'f' => Kind::Bool,
        b'"' => Kind::String,
        b'[' => Kind::Array,
        b'{' => Kind::Object,
        _ => Kind::Number,
    })
}

/// The text of a JSON string literal `v` (with its quotes) without escapes:
/// borrowed when there are none.
pub(crate) fn unquote(v: &str) -> Option<std::borrow::Cow<'_, str>> {
    let b = v.as_bytes();
    let (end, escaped) = scan_string(b, 0)?;
    if end != b.len() {
        return None;
    }
    if !escaped {
        return Some(std::borrow::Cow::Borrowed(&v[1..v.len() - 1]));
    }
    serde_json::from_str::<String>(v)
        .ok()
        .map(std::borrow::Cow::Owned)
}

pub(crate) use crate::columnar::{finish, for_each_str, scalar_str};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_reports_compactness() {
        assert_eq!(validate(r#"{"a":[1,2]}"#), Some((r#"{"a":[1,2]}"#, true)));
        assert_eq!(
            validate(r#" { "a" : [1, 2] } "#),
            Some((r#"{ "a" : [1, 2] }"#, false))
        );
        assert_eq!(validate("-1.5e3"), Some(("-1.5e3", true)));
        for bad in [
            "", "{", "[1,]", "{'a':1}", "01", "abc", "1 2", "\"x", "[1 2]",
        ] {
            assert_eq!(validate(bad), None, "{bad}");
        }
    }

    #[test]
    fn compacts_outside_strings_only() {
        let mut s = String::new();
        write_compact(r#"{ "a b" : [ 1 , "x y" ] }"#, &mut s).unwrap();
        assert_eq!(s, r#"{"a b":[1,"x y"]}"#);
    }

    #[test]
    fn quotes_and_unquotes() {
        let mut s = String::new();
        write_json_string("a\"b\\c\nd\u{1}", &mut s).unwrap();
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
        assert_eq!(unquote(&s).unwrap(), "a\"b\\c\nd\u{1}");
        assert_eq!(unquote(r#""plain""#).unwrap(), "plain");
    }
}
