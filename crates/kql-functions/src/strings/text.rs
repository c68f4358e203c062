//! String scalar functions: `substring`, `indexof`, `replace_string`,
//! `replace_strings`, `trim` / `trim_start` / `trim_end`, `reverse`,
//! `countof`, `strcmp`, `strrep`, `isascii`, `regex_quote`,
//! `unicode_codepoints_from_string`, `unicode_codepoints_to_string`,
//! `tohex`, `parse_csv`, `translate`.
//!
//! Positions and lengths count characters (Unicode scalar values), not
//! bytes. The binder has converted the arguments to the types read here
//! (text as Utf8, integers as Int64); a null text reads as "" (a KQL string
//! is never null) and the string results are never null.
//!
//! * `kql_substring(s, start[, length])`: a negative start counts from the
//!   end (clamped to 0); a start past the end or a negative length is "";
//!   a null start or length is "" (substring-function.md).
//! * `kql_indexof(s, lookup, start, length, occurrence)`: -1 when not found;
//!   null when start (after a negative start is taken from the end) is
//!   negative, length < -1 or occurrence < 0 (indexof-function.md). The
//!   window is `length` characters from the search start, -1 meaning to the
//!   end; the next occurrence is searched from one character after the
//!   previous one with the same window length (the documented
//!   `indexof("abcdefgabcdefg", "cde", 1, 10, 2)` is 9). Occurrence 0 is -1.
//! * `kql_replace_string(s, lookup, rewrite)`: every non-overlapping match,
//!   left to right; an empty lookup changes nothing.
//! * `kql_replace_strings(s, lookups, rewrites)`: lookups (JSON arrays) in
//!   list order, each claiming its non-overlapping matches that do not
//!   overlap an earlier lookup's; a non-string rewrite keeps the matched
//!   text; a non-string lookup is ignored (replace-strings-function.md).
//! * `kql_trim*(regex, s)`: every leading / trailing repetition of the regex
//!   removed; the regex is compiled once ([`TextRegexUdf`]).
//! * `kql_countof(s, search)`: plain matches, overlapping; an empty search
//!   counts 0. `kql_countof_regex(s, regex)`: non-overlapping regex matches.
//! * `kql_strcmp(a, b)`: -1, 0 or 1 by code point order.
//! * `kql_strrep(s, n[, delim])`: n clamped to 67108864; n < 1 is "".
//! * `kql_unicode_codepoints_to_string(v, ...)`: each argument the JSON
//!   text of a number or an array of numbers; any invalid code point (or a
//!   null) makes the result "" (Kusto: null).
//! * `kql_tohex(v, min_length, width)`: lower-case hex, negatives as the
//!   two's complement of `width` bits (32 for int, 64 for long), zero padded
//!   to `min_length` (at most 16); a null value is "".
//! * `kql_parse_csv(s)`: the fields of the first record, `"` quoting with
//!   `""` for a quote (parse-csv-function.md).
//! * `kql_translate(search, replacement, s)`: each character of `s` found in
//!   `search` (its first occurrence there, at position k) becomes
//!   `replacement[k]`, or the last character of `replacement` when that is
//!   shorter, or is removed when `replacement` is empty
//!   (translate-function.md: `translate("abc", "x", "abc")` is `"xxx"`,
//!   `translate("abc", "", "ab")` is `""`).

use crate::columnar::{Args, Col, Read, fmt_err};
use crate::dynamic::arrays::array_elements;
use crate::dynamic::convert::to_i64;
use crate::dynamic::{Kind, kind, unquote, write_json_string};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::Regex;
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// The largest `strrep` multiplier (strrep-function.md).
pub const STRREP_MAX: i64 = 67_108_864;

/// The byte offset of character `k` of `s` (`s.len()` when past the end).
fn char_to_byte(s: &str, k: usize) -> usize {
    if s.is_ascii() {
        return k.min(s.len());
    }
    s.char_indices().nth(k).map_or(s.len(), |(b, _)| b)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// `substring(s, start, length)` in characters.
pub fn substring(s: &str, start: i64, length: Option<i64>) -> &str {
    let n = char_count(s) as i64;
    let start = if start < 0 { (n + start).max(0) } else { start };
    if start >= n {
        return "";
    }
    let end = match length {
        None => n,
        Some(l) if l < 0 => return "",
        Some(l) => start.saturating_add(l).min(n),
    };
    let b0 = char_to_byte(s, start as usize);
    let b1 = b0 + char_to_byte(&s[b0..], (end - start) as usize);
    &s[b0..b1]
}

/// `indexof(s, lookup, start, length, occurrence)` in characters.
pub fn indexof(s: &str, lookup: &str, start: i64, length: i64, occurrence: i64) -> Option<i64> {
    let n = char_count(s) as i64;
    let mut start = if start < 0 { n + start } else { start };
    if start < 0 || length < -1 || occurrence < 0 {
        return None;
    }
    if occurrence == 0 {
        return Some(-1);
    }
    let mut found = -1;
    for _ in 0..occurrence {
        if start > n {
            return Some(-1);
        }
        let end = if length == -1 {
            n
        } else {
            start.saturating_add(length).min(n)
        };
        let b0 = char_to_byte(s, start as usize);
        let b1 = b0 + char_to_byte(&s[b0..], (end - start) as usize);
        let Some(at) = s[b0..b1].find(lookup) else {
            return Some(-1);
        };
        found = start + char_count(&s[b0..b0 + at]) as i64;
        start = found + 1;
    }
    Some(found)
}

/// `countof(s, search)`: overlapping plain matches.
pub fn countof(s: &str, search: &str) -> i64 {
    if search.is_empty() {
        return 0;
    }
    let first = search.chars().next().map_or(1, char::len_utf8);
    let (mut n, mut pos) = (0, 0);
    while let Some(at) = s[pos..].find(search) {
        n += 1;
        pos += at + first;
    }
    n
}

/// `replace_strings` over parsed lookups and rewrites (`None`: keep the
/// matched text).
pub fn replace_strings(s: &str, pairs: &[(String, Option<String>)], out: &mut String) {
    // (start, end, pair index), non-overlapping
    let mut claims: Vec<(usize, usize, usize)> = Vec::new();
    for (k, (lookup, _)) in pairs.iter().enumerate() {
        if lookup.is_empty() {
            continue;
        }
        let mut pos = 0;
        while let Some(at) = s[pos..].find(lookup.as_str()) {
            let (b, e) = (pos + at, pos + at + lookup.len());
            if claims.iter().any(|&(cb, ce, _)| b < ce && cb < e) {
                pos = b + s[b..].chars().next().map_or(1, char::len_utf8);
            } else {
                claims.push((b, e, k));
                pos = e;
            }
        }
    }
    claims.sort_unstable();
    let mut last = 0;
    for (b, e, k) in claims {
        out.push_str(&s[last..b]);
        out.push_str(pairs[k].1.as_deref().unwrap_or(&s[b..e]));
        last = e;
    }
    out.push_str(&s[last..]);
}

/// The (lookup, rewrite) pairs of two JSON arrays; `None` when either is
/// not an array. Lookups that are not strings are left out.
pub fn replace_pairs(lookups: &str, rewrites: &str) -> Option<Vec<(String, Option<String>)>> {
    let l = array_elements(lookups)?;
    let r = array_elements(rewrites)?;
    let string = |v: &str| {
        (kind(v) == Some(Kind::String))
            .then(|| unquote(v).map(|c| c.into_owned()))
            .flatten()
    };
    Some(
        l.iter()
            .enumerate()
            .filter_map(|(i, v)| Some((string(v)?, r.get(i).and_then(|w| string(w)))))
            .collect(),
    )
}

/// Code points from arguments that are each the JSON text of a number or
/// of an array of numbers; `None` when one is not a valid code point.
pub fn codepoints_to_string(parts: &[Option<&str>], out: &mut String) -> Option<()> {
    let mut push = |v: &str| -> Option<()> {
        let c = to_i64(v).filter(|_| kind(v.trim()) == Some(Kind::Number))?;
        out.push(char::from_u32(u32::try_from(c).ok()?)?);
        Some(())
    };
    for p in parts {
        let p = (*p)?.trim();
        if kind(p) == Some(Kind::Array) {
            for e in array_elements(p)? {
                push(e)?;
            }
        } else {
            push(p)?;
        }
    }
    Some(())
}

/// `tohex(v, min_length)` for a value of `width` bits.
pub fn tohex(v: i64, min_length: i64, width: i64, out: &mut String) {
    let pad = min_length.clamp(0, 16) as usize;
    if width == 32 {
        let _ = write!(out, "{:0pad$x}", v as i32 as u32);
    } else {
        let _ = write!(out, "{:0pad$x}", v as u64);
    }
}

/// The fields of the first CSV record of `s`.
pub fn parse_csv(s: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut cur));
                at_start = true;
            }
            '\n' => break,
            '\r' if chars.peek() == Some(&'\n') => break,
            c => {
                cur.push(c);
                at_start = false;
            }
        }
    }
    fields.push(cur);
    fields
}

// ---- kernels -------------------------------------------------------------

/// A string result per row (never null).
fn str_rows(a: &Args, mut f: impl FnMut(usize, &mut String)) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        f(i, &mut buf);
        out.append_value(&buf);
    }
    Ok(Arc::new(out.finish()))
}

fn text(c: &Col, i: usize) -> &str {
    c.str(i).unwrap_or("")
}

fn substring_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        let s = text(&a.cols[0], i);
        let length = match a.cols.get(2) {
            Some(c) => match c.i64(i) {
                Some(l) => Some(l),
                None => return,
            },
            None => None,
        };
        if let Some(start) = a.cols[1].i64(i) {
            buf.push_str(substring(s, start, length));
        }
    })
}

fn indexof_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        let arg = |k: usize, default: i64| a.cols.get(k).map_or(Some(default), |c| c.i64(i));
        let v = match (arg(2, 0), arg(3, -1), arg(4, 1)) {
            (Some(st), Some(len), Some(occ)) => {
                indexof(text(&a.cols[0], i), text(&a.cols[1], i), st, len, occ)
            }
            _ => None,
        };
        out.append_option(v);
    }
    Ok(Arc::new(out.finish()))
}

fn replace_string_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        let (s, l, r) = (
            text(&a.cols[0], i),
            text(&a.cols[1], i),
            text(&a.cols[2], i),
        );
        if l.is_empty() {
            buf.push_str(s);
            return;
        }
        let mut last = 0;
        for (at, m) in s.match_indices(l) {
            buf.push_str(&s[last..at]);
            buf.push_str(r);
            last = at + m.len();
        }
        buf.push_str(&s[last..]);
    })
}

fn replace_strings_kernel(a: &Args) -> Result<ArrayRef> {
    let constant = (a.cols[1].is_scalar() && a.cols[2].is_scalar())
        .then(|| replace_pairs(text(&a.cols[1], 0), text(&a.cols[2], 0)));
    str_rows(a, |i, buf| {
        let s = text(&a.cols[0], i);
        let owned;
        let pairs = match &constant {
            Some(p) => p.as_ref(),
            None => {
                owned = replace_pairs(text(&a.cols[1], i), text(&a.cols[2], i));
                owned.as_ref()
            }
        };
        match pairs {
            Some(p) => replace_strings(s, p, buf),
            None => buf.push_str(s),
        }
    })
}

fn reverse_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| buf.extend(text(&a.cols[0], i).chars().rev()))
}

fn countof_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_value(countof(text(&a.cols[0], i), text(&a.cols[1], i)));
    }
    Ok(Arc::new(out.finish()))
}

fn strcmp_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int32Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_value(text(&a.cols[0], i).cmp(text(&a.cols[1], i)) as i32);
    }
    Ok(Arc::new(out.finish()))
}

fn strrep_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        let s = text(&a.cols[0], i);
        let d = a.cols.get(2).map_or("", |c| text(c, i));
        let n = a.cols[1].i64(i).unwrap_or(0).min(STRREP_MAX);
        for k in 0..n {
            if k > 0 {
                buf.push_str(d);
            }
            buf.push_str(s);
        }
    })
}

fn isascii_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = BooleanBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_value(text(&a.cols[0], i).is_ascii());
    }
    Ok(Arc::new(out.finish()))
}

fn regex_quote_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        buf.push_str(&regex::escape(text(&a.cols[0], i)))
    })
}

fn codepoints_from_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        buf.push('[');
        for (k, c) in text(&a.cols[0], i).chars().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            let _ = write!(buf, "{}", c as u32);
        }
        buf.push(']');
    })
}

fn codepoints_to_kernel(a: &Args) -> Result<ArrayRef> {
    let mut parts = Vec::with_capacity(a.cols.len());
    str_rows(a, |i, buf| {
        parts.clear();
        parts.extend(a.cols.iter().map(|c| c.str(i)));
        if codepoints_to_string(&parts, buf).is_none() {
            buf.clear();
        }
    })
}

fn tohex_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        if let Some(v) = a.cols[0].i64(i) {
            let min = a.cols[1].i64(i).unwrap_or(0);
            tohex(v, min, a.cols[2].i64(i).unwrap_or(64), buf);
        }
    })
}

fn parse_csv_kernel(a: &Args) -> Result<ArrayRef> {
    let mut err = Ok(());
    let r = str_rows(a, |i, buf| {
        buf.push('[');
        for (k, f) in parse_csv(text(&a.cols[0], i)).iter().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            if let Err(e) = write_json_string(f, buf) {
                err = Err(fmt_err(e));
            }
        }
        buf.push(']');
    })?;
    err?;
    Ok(r)
}

/// `translate(search, replacement, s)` of one string.
pub fn translate(search: &str, replacement: &str, s: &str, out: &mut String) {
    for c in s.chars() {
        match search.chars().position(|x| x == c) {
            None => out.push(c),
            Some(k) => {
                let mut r = replacement.chars();
                if let Some(r) = r.clone().nth(k).or_else(|| r.next_back()) {
                    out.push(r);
                }
            }
        }
    }
}

fn translate_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        translate(
            text(&a.cols[0], i),
            text(&a.cols[1], i),
            text(&a.cols[2], i),
            buf,
        )
    })
}

const S: &[Read] = &[Read::Str];
const S_I: &[Read] = &[Read::Str, Read::I64];
const S_S_I: &[Read] = &[Read::Str, Read::Str, Read::I64];
const S_I_S: &[Read] = &[Read::Str, Read::I64, Read::Str];
const I: &[Read] = &[Read::I64];

/// The KQL names with a [`KernelUdf`] here.
pub const KERNEL_NAMES: &[&str] = &[
    "substring",
    "indexof",
    "replace_string",
    "replace_strings",
    "reverse",
    "countof",
    "strcmp",
    "strrep",
    "isascii",
    "regex_quote",
    "unicode_codepoints_from_string",
    "unicode_codepoints_to_string",
    "tohex",
    "parse_csv",
    "translate",
];

fn udf(name: &str) -> Option<KernelUdf> {
    use DataType::{Boolean, Int32, Int64, Utf8};
    let (n, ret, reads, k): (&'static str, DataType, &'static [Read], crate::udf::Kernel) =
        match name {
            "substring" => ("kql_substring", Utf8, S_I, substring_kernel),
            "indexof" => ("kql_indexof", Int64, S_S_I, indexof_kernel),
            "replace_string" => ("kql_replace_string", Utf8, S, replace_string_kernel),
            "replace_strings" => ("kql_replace_strings", Utf8, S, replace_strings_kernel),
            "reverse" => ("kql_reverse", Utf8, S, reverse_kernel),
            "countof" => ("kql_countof", Int64, S, countof_kernel),
            "strcmp" => ("kql_strcmp", Int32, S, strcmp_kernel),
            "strrep" => ("kql_strrep", Utf8, S_I_S, strrep_kernel),
            "isascii" => ("kql_isascii", Boolean, S, isascii_kernel),
            "regex_quote" => ("kql_regex_quote", Utf8, S, regex_quote_kernel),
            "unicode_codepoints_from_string" => (
                "kql_unicode_codepoints_from_string",
                Utf8,
                S,
                codepoints_from_kernel,
            ),
            "unicode_codepoints_to_string" => (
                "kql_unicode_codepoints_to_string",
                Utf8,
                S,
                codepoints_to_kernel,
            ),
            "tohex" => ("kql_tohex", Utf8, I, tohex_kernel),
            "parse_csv" => ("kql_parse_csv", Utf8, S, parse_csv_kernel),
            "translate" => ("kql_translate", Utf8, S, translate_kernel),
            _ => return None,
        };
    Some(KernelUdf::new(n, ret, reads, k))
}

/// The call of the kernel UDF for KQL function `name` over `args` (already
/// converted to the types the kernel reads).
pub fn text_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

// ---- regex-argument functions -------------------------------------------

/// The functions whose pattern argument is a regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextRegexFn {
    Trim,
    TrimStart,
    TrimEnd,
    CountofRegex,
}

impl TextRegexFn {
    fn udf_name(self) -> &'static str {
        match self {
            TextRegexFn::Trim => "kql_trim",
            TextRegexFn::TrimStart => "kql_trim_start",
            TextRegexFn::TrimEnd => "kql_trim_end",
            TextRegexFn::CountofRegex => "kql_countof_regex",
        }
    }

    /// The position of the pattern among the arguments (the other one is
    /// the text).
    fn pattern_arg(self) -> usize {
        match self {
            TextRegexFn::CountofRegex => 1,
            _ => 0,
        }
    }
}

/// A pattern compiled for one function.
struct Compiled {
    /// `^(?:R)+` (trims) or `R` (countof)
    first: Regex,
    /// `(?:R)+$` (trims that remove a suffix)
    end: Option<Regex>,
}

fn compile_for(func: TextRegexFn, pattern: &str) -> std::result::Result<Compiled, String> {
    let re = |p: String| crate::re2::regex(&p);
    // the pattern alone first, so its own error is the one reported
    let plain = re(pattern.to_string())?;
    Ok(match func {
        TextRegexFn::CountofRegex => Compiled {
            first: plain,
            end: None,
        },
        TextRegexFn::TrimEnd => Compiled {
            first: re(format!("(?:{pattern})+$"))?,
            end: None,
        },
        TextRegexFn::TrimStart => Compiled {
            first: re(format!("^(?:{pattern})+"))?,
            end: None,
        },
        TextRegexFn::Trim => Compiled {
            first: re(format!("^(?:{pattern})+"))?,
            end: Some(re(format!("(?:{pattern})+$"))?),
        },
    })
}

/// Check a constant pattern (the binder reports the error).
pub fn check_pattern(pattern: &str) -> std::result::Result<(), String> {
    crate::re2::regex(pattern).map(|_| ())
}

/// `trim*` / `countof(..., "regex")` with its compiled pattern: the constant
/// one it was built with, or the last one seen in a column.
pub struct TextRegexUdf {
    func: TextRegexFn,
    preset: Option<String>,
    slot: Mutex<Option<(String, Arc<Compiled>)>>,
    signature: Signature,
}

impl TextRegexUdf {
    pub fn new(func: TextRegexFn, preset: Option<&str>) -> TextRegexUdf {
        let slot = preset.and_then(|p| Some((p.to_string(), Arc::new(compile_for(func, p).ok()?))));
        TextRegexUdf {
            func,
            preset: preset.map(str::to_string),
            slot: Mutex::new(slot),
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    fn get(&self, pattern: &str) -> Result<Arc<Compiled>> {
        let mut slot = self
            .slot
            .lock()
            .map_err(|_| DataFusionError::Execution("regex cache poisoned".into()))?;
        if let Some((p, c)) = slot.as_ref()
            && p == pattern
        {
            return Ok(c.clone());
        }
        let c = Arc::new(
            compile_for(self.func, pattern)
                .map_err(|e| DataFusionError::Execution(format!("bad regex: {e}")))?,
        );
        *slot = Some((pattern.to_string(), c.clone()));
        Ok(c)
    }
}

impl std::fmt::Debug for TextRegexUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextRegexUdf")
            .field("func", &self.func)
            .field("pattern", &self.preset)
            .finish()
    }
}

impl PartialEq for TextRegexUdf {
    fn eq(&self, other: &Self) -> bool {
        self.func == other.func && self.preset == other.preset
    }
}

impl Eq for TextRegexUdf {}

impl Hash for TextRegexUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.func.hash(state);
        self.preset.hash(state);
    }
}

/// `s` with the leading / trailing matches of `c` removed.
fn trim_with<'s>(c: &Compiled, func: TextRegexFn, s: &'s str) -> &'s str {
    match func {
        TextRegexFn::TrimEnd => match c.first.find(s) {
            Some(m) => &s[..m.start()],
            None => s,
        },
        _ => {
            let s = match c.first.find(s) {
                Some(m) => &s[m.end()..],
                None => s,
            };
            match c.end.as_ref().and_then(|e| e.find(s)) {
                Some(m) => &s[..m.start()],
                None => s,
            }
        }
    }
}

impl ScalarUDFImpl for TextRegexUdf {
    fn name(&self) -> &str {
        self.func.udf_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.func {
            TextRegexFn::CountofRegex => DataType::Int64,
            _ => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let a = Args::new(self.func.udf_name(), &args, &[Read::Str])?;
        let p = self.func.pattern_arg();
        let (pat, txt) = (&a.cols[p], &a.cols[1 - p]);
        let out: ArrayRef = if self.func == TextRegexFn::CountofRegex {
            let mut out = Int64Builder::with_capacity(a.rows);
            for i in 0..a.rows {
                let c = self.get(text(pat, i))?;
                out.append_value(c.first.find_iter(text(txt, i)).count() as i64);
            }
            Arc::new(out.finish())
        } else {
            let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
            for i in 0..a.rows {
                let c = self.get(text(pat, i))?;
                out.append_value(trim_with(&c, self.func, text(txt, i)));
            }
            Arc::new(out.finish())
        };
        a.finish(out)
    }
}

/// `kql_trim*(regex, text)` / `kql_countof_regex(text, regex)`; a constant
/// pattern is compiled now, once.
pub fn text_regex_expr(func: TextRegexFn, preset: Option<&str>, args: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::from(TextRegexUdf::new(func, preset))).call(args)
}

/// Every UDF of this module, for registration.
pub fn all_text_udfs() -> Vec<ScalarUDF> {
    let mut v: Vec<ScalarUDF> = KERNEL_NAMES
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect();
    for f in [
        TextRegexFn::Trim,
        TextRegexFn::TrimStart,
        TextRegexFn::TrimEnd,
        TextRegexFn::CountofRegex,
    ] {
        v.push(ScalarUDF::from(TextRegexUdf::new(f, None)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;

    fn longs(a: &ArrayRef) -> Vec<Option<i64>> {
        a.as_primitive::<Int64Type>().iter().collect()
    }

    #[test]
    fn substring_rules() {
        assert_eq!(substring("123456", 1, None), "23456");
        assert_eq!(substring("123456", 2, Some(2)), "34");
        assert_eq!(substring("ABCD", 0, Some(2)), "AB");
        assert_eq!(substring("123456", -2, Some(2)), "56");
        assert_eq!(substring("123456", -20, Some(2)), "12");
        assert_eq!(substring("123456", 6, None), "");
        assert_eq!(substring("123456", 2, Some(-1)), "");
        assert_eq!(substring("123456", 4, Some(100)), "56");
        assert_eq!(substring("äöü€x", 1, Some(3)), "öü€");
        assert_eq!(substring("", 0, None), "");
        let u = udf("substring").unwrap();
        let out = strings(&invoke(
            &u,
            vec![str_col(vec![Some("héllo"), None, Some("")]), i64_lit(1)],
        ));
        assert_eq!(
            out,
            vec![Some("éllo".into()), Some("".into()), Some("".into())]
        );
    }

    #[test]
    fn indexof_documented() {
        let f = |s, m, st, l, o| indexof(s, m, st, l, o);
        assert_eq!(f("abcdefg", "cde", 0, -1, 1), Some(2));
        assert_eq!(f("abcdefg", "cde", 1, 4, 1), Some(2));
        assert_eq!(f("abcdefg", "cde", 1, 2, 1), Some(-1));
        assert_eq!(f("abcdefg", "cde", 3, 4, 1), Some(-1));
        assert_eq!(f("abcdefg", "cde", -5, -1, 1), Some(2));
        assert_eq!(f("1234567", "5", 1, 4, 1), Some(4));
        assert_eq!(f("abcdefg", "cde", 2, -1, 1), Some(2));
        assert_eq!(f("abcdefgabcdefg", "cde", 1, 10, 2), Some(9));
        assert_eq!(f("abcdefgabcdefg", "cde", 1, -1, 3), Some(-1));
        assert_eq!(f("abc", "b", -10, -1, 1), None);
        assert_eq!(f("abc", "b", 0, -2, 1), None);
        assert_eq!(f("abc", "b", 0, -1, -1), None);
        assert_eq!(f("abc", "b", 9, -1, 1), Some(-1));
        assert_eq!(f("äbc", "c", 0, -1, 1), Some(2));
        assert_eq!(f("", "", 0, -1, 1), Some(0));
        let u = udf("indexof").unwrap();
        let out = longs(&invoke(
            &u,
            vec![
                str_col(vec![Some("xay"), None, Some("a")]),
                str_lit("a"),
                i64_lit(0),
                i64_lit(-1),
                ColumnarValue::Scalar(datafusion::common::ScalarValue::Int64(None)),
            ],
        ));
        assert_eq!(out, vec![None, None, None]);
        let out = longs(&invoke(
            &u,
            vec![str_col(vec![Some("xay"), None, Some("a")]), str_lit("a")],
        ));
        assert_eq!(out, vec![Some(1), Some(-1), Some(0)]);
    }

    #[test]
    fn countof_and_replace() {
        assert_eq!(countof("aaa", "a"), 3);
        assert_eq!(countof("aaaa", "aa"), 3);
        assert_eq!(countof("ababa", "ab"), 2);
        assert_eq!(countof("ababa", "aba"), 2);
        assert_eq!(countof("abc", ""), 0);
        let u = udf("replace_string").unwrap();
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![Some("a cat, a cat"), None, Some("")]),
                str_lit("cat"),
                str_lit("dog"),
            ],
        ));
        assert_eq!(
            out,
            vec![
                Some("a dog, a dog".into()),
                Some("".into()),
                Some("".into())
            ]
        );
    }

    #[test]
    fn replace_strings_order() {
        let run = |s: &str, l: &str, r: &str| {
            let mut out = String::new();
            replace_strings(s, &replace_pairs(l, r).unwrap(), &mut out);
            out
        };
        let m = "This is an example";
        assert_eq!(
            run(m, r#"["This","is"]"#, r#"["This","was"]"#),
            "This was an example"
        );
        assert_eq!(
            run(m, r#"["is","This"]"#, r#"["was","This"]"#),
            "Thwas was an example"
        );
        assert_eq!(
            run(m, r#"["This","is"]"#, r#"[12345,"was"]"#),
            "This was an example"
        );
        assert_eq!(
            run(
                "a cat into a dog",
                r#"["cat","dog"]"#,
                r#"["dog","pigeon"]"#
            ),
            "a dog into a pigeon"
        );
    }

    #[test]
    fn trims_compile_once_and_apply() {
        let t = TextRegexUdf::new(TextRegexFn::Trim, Some("--"));
        let out = strings(&invoke(
            &t,
            vec![
                str_lit("--"),
                str_col(vec![Some("----x--y--"), None, Some("--")]),
            ],
        ));
        assert_eq!(
            out,
            vec![Some("x--y".into()), Some("".into()), Some("".into())]
        );
        let e = TextRegexUdf::new(TextRegexFn::TrimEnd, Some(r"[^\w]+"));
        let out = strings(&invoke(
            &e,
            vec![str_lit(r"[^\w]+"), str_col(vec![Some("-  Te st1// $")])],
        ));
        assert_eq!(out, vec![Some("-  Te st1".into())]);
        let s = TextRegexUdf::new(TextRegexFn::TrimStart, None);
        let out = strings(&invoke(
            &s,
            vec![str_lit(r"\s+"), str_col(vec![Some("  a  ")])],
        ));
        assert_eq!(out, vec![Some("a  ".into())]);
        let c = TextRegexUdf::new(TextRegexFn::CountofRegex, None);
        let out = longs(&invoke(
            &c,
            vec![str_col(vec![Some("abcabc"), None]), str_lit("a.c")],
        ));
        assert_eq!(out, vec![Some(2), Some(0)]);
    }

    #[test]
    fn translate_maps_characters() {
        let t = |search: &str, rep: &str, s: &str| {
            let mut out = String::new();
            translate(search, rep, s, &mut out);
            out
        };
        // translate-function.md's examples
        assert_eq!(t("abc", "x", "abc"), "xxx");
        assert_eq!(t("abc", "", "ab"), "");
        assert_eq!(t("krasp", "otsku", "spark"), "kusto");
        // characters not searched stay; the first occurrence in search wins
        assert_eq!(t("aa", "xy", "abc"), "xbc");
        assert_eq!(t("é", "e", "café!"), "cafe!");
        let u = udf("translate").unwrap();
        assert_eq!(
            strings(&invoke(
                &u,
                vec![
                    str_lit("ab"),
                    str_lit("AB"),
                    str_col(vec![Some("abc"), None, Some("")])
                ]
            )),
            vec![Some("ABc".into()), Some("".into()), Some("".into())]
        );
    }

    #[test]
    fn small_functions() {
        let u = udf("strrep").unwrap();
        let out = strings(&invoke(
            &u,
            vec![str_col(vec![Some("123"), None]), i64_lit(3), str_lit(".")],
        ));
        assert_eq!(out, vec![Some("123.123.123".into()), Some("..".into())]);
        let u = udf("strcmp").unwrap();
        let out = invoke(
            &u,
            vec![
                str_col(vec![Some("abc"), Some("ABC"), None]),
                str_lit("ABC"),
            ],
        );
        let v: Vec<_> = out
            .as_primitive::<datafusion::arrow::datatypes::Int32Type>()
            .iter()
            .collect();
        assert_eq!(v, vec![Some(1), Some(0), Some(-1)]);
        let u = udf("reverse").unwrap();
        assert_eq!(
            strings(&invoke(&u, vec![str_col(vec![Some("abç"), None])])),
            vec![Some("çba".into()), Some("".into())]
        );
        let u = udf("isascii").unwrap();
        let out = invoke(&u, vec![str_col(vec![Some("abc"), Some("é"), None])]);
        let v: Vec<_> = out.as_boolean().iter().collect();
        assert_eq!(v, vec![Some(true), Some(false), Some(true)]);
        assert!(!out.is_null(2));
        let mut s = String::new();
        tohex(-256, 0, 64, &mut s);
        assert_eq!(s, "ffffffffffffff00");
        s.clear();
        tohex(-256, 8, 32, &mut s);
        assert_eq!(s, "ffffff00");
        s.clear();
        tohex(256, 8, 64, &mut s);
        assert_eq!(s, "00000100");
        s.clear();
        tohex(256, 2, 64, &mut s);
        assert_eq!(s, "100");
    }

    #[test]
    fn codepoints_and_csv() {
        let u = udf("unicode_codepoints_from_string").unwrap();
        assert_eq!(
            strings(&invoke(&u, vec![str_col(vec![Some("K⒦"), None])])),
            vec![Some("[75,9382]".into()), Some("[]".into())]
        );
        let mut s = String::new();
        codepoints_to_string(&[Some("[75,117]"), Some("115")], &mut s).unwrap();
        assert_eq!(s, "Kus");
        assert!(codepoints_to_string(&[Some("55296")], &mut String::new()).is_none());
        assert!(codepoints_to_string(&[None], &mut String::new()).is_none());
        assert!(codepoints_to_string(&[Some("\"a\"")], &mut String::new()).is_none());
        assert_eq!(
            parse_csv("aa,\"b,b,b\",cc,\"Escaping quotes: \"\"Title\"\"\",\"line1\nline2\""),
            vec![
                "aa",
                "b,b,b",
                "cc",
                "Escaping quotes: \"Title\"",
                "line1\nline2"
            ]
        );
        assert_eq!(parse_csv("record1,a\nrecord2,x"), vec!["record1", "a"]);
        assert_eq!(parse_csv(""), vec![""]);
    }
}
