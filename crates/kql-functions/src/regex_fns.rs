//! Regular-expression functions: `extract`, `extract_all`, `replace_regex`.
//!
//! Kusto's regexes are RE2; Rust's `regex` crate implements the same syntax
//! (no look-around, no back-references) but for a few literals it reads as
//! syntax, which [`crate::re2`] rewrites. A pattern written as a constant is
//! compiled once, when the binder builds the call ([`regex_udf_expr`] gets it);
//! a pattern from a column is compiled when it changes from one row to the
//! next. Never once per row.
//!
//! * `kql_extract(regex, group, text)`: the group's text of the first match;
//!   null when there is no match or the group did not take part.
//! * `kql_extract_all(regex, [groups,] text)`: every match's groups as a
//!   dynamic array, one dimension when one group is selected, two
//!   otherwise; null when nothing matches (extract-all-function.md).
//!   `groups` is a JSON array of group numbers and names.
//! * `kql_replace_regex(text, regex, rewrite)`: every match replaced; in
//!   `rewrite`, `\0` is the whole match and `\1`.. the groups.
//! * `kql_indexof_regex(text, regex, start, length, occurrence)`: the
//!   character index of the `occurrence`-th match (matches do not overlap)
//!   within `length` characters (-1: to the end) from `start`; -1 when there
//!   is none (and for occurrence 0); null when start < 0, length < -1 or
//!   occurrence < 0 (indexof-regex-function.md).

use crate::columnar::{Args, Col, Read, fmt_err};
use crate::dynamic::arrays::array_elements;
use crate::dynamic::write_json_string;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::Regex;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// The regex functions of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegexFn {
    Extract,
    ExtractAll,
    ReplaceRegex,
    IndexOfRegex,
}

impl RegexFn {
    fn udf_name(self) -> &'static str {
        match self {
            RegexFn::Extract => "kql_extract",
            RegexFn::ExtractAll => "kql_extract_all",
            RegexFn::ReplaceRegex => "kql_replace_regex",
            RegexFn::IndexOfRegex => "kql_indexof_regex",
        }
    }

    /// The position of the pattern among the arguments.
    fn pattern_arg(self) -> usize {
        match self {
            RegexFn::ReplaceRegex | RegexFn::IndexOfRegex => 1,
            _ => 0,
        }
    }
}

/// Compile a pattern (the binder reports the error text as a diagnostic).
pub fn compile(pattern: &str) -> std::result::Result<Regex, String> {
    crate::re2::regex(pattern)
}

/// The number of capture groups of a valid pattern, and its group names.
pub fn capture_groups(pattern: &str) -> std::result::Result<(usize, Vec<String>), String> {
    let r = compile(pattern)?;
    let names = r.capture_names().flatten().map(str::to_string).collect();
    Ok((r.captures_len() - 1, names))
}

/// The last compiled pattern of one call site.
struct RegexCache {
    slot: Mutex<Option<(String, Arc<Regex>)>>,
}

impl RegexCache {
    fn new(preset: Option<&str>) -> RegexCache {
        let slot = preset.and_then(|p| Some((p.to_string(), Arc::new(compile(p).ok()?))));
        RegexCache {
            slot: Mutex::new(slot),
        }
    }

    fn preset(&self) -> Option<String> {
        self.slot
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|(p, _)| p.clone()))
    }

    fn get(&self, pattern: &str) -> Result<Arc<Regex>> {
        let mut slot = self
            .slot
            .lock()
            .map_err(|_| DataFusionError::Execution("regex cache poisoned".into()))?;
        if let Some((p, r)) = slot.as_ref()
            && p == pattern
        {
            return Ok(r.clone());
        }
        let r = Arc::new(
            compile(pattern).map_err(|e| DataFusionError::Execution(format!("bad regex: {e}")))?,
        );
        *slot = Some((pattern.to_string(), r.clone()));
        Ok(r)
    }
}

/// One regex function with its pattern cache.
pub struct RegexUdf {
    func: RegexFn,
    /// The constant pattern this call site was built with (for equality).
    preset: Option<String>,
    cache: RegexCache,
    signature: Signature,
}

impl RegexUdf {
    pub fn new(func: RegexFn, preset: Option<&str>) -> RegexUdf {
        RegexUdf {
            func,
            preset: preset.map(str::to_string),
            cache: RegexCache::new(preset),
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl std::fmt::Debug for RegexUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegexUdf")
            .field("func", &self.func)
            .field("pattern", &self.cache.preset())
            .finish()
    }
}

impl PartialEq for RegexUdf {
    fn eq(&self, other: &Self) -> bool {
        self.func == other.func && self.preset == other.preset
    }
}

impl Eq for RegexUdf {}

impl Hash for RegexUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.func.hash(state);
        self.preset.hash(state);
    }
}

/// `kql_extract` / `kql_extract_all` / `kql_replace_regex` over `args` (in
/// the KQL order; `extract_all`'s groups, when given, as JSON text). When
/// the pattern argument is a constant, pass it as `pattern`: it is
/// compiled now, once.
pub fn regex_udf_expr(func: RegexFn, pattern: Option<&str>, args: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::from(RegexUdf::new(func, pattern))).call(args)
}

/// The regex of row `i` (from the cache).
fn regex_at(cache: &RegexCache, col: &Col, i: usize) -> Result<Option<Arc<Regex>>> {
    match col.str(i) {
        Some(p) => cache.get(p).map(Some),
        None => Ok(None),
    }
}

impl ScalarUDFImpl for RegexUdf {
    fn name(&self) -> &str {
        self.func.udf_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.func {
            RegexFn::IndexOfRegex => DataType::Int64,
            _ => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let reads: &[Read] = match self.func {
            RegexFn::Extract => &[Read::Str, Read::I64, Read::Str],
            RegexFn::IndexOfRegex => &[Read::Str, Read::Str, Read::I64],
            _ => &[Read::Str],
        };
        let a = Args::new(self.func.udf_name(), &args, reads)?;
        let out = match self.func {
            RegexFn::Extract => self.extract(&a)?,
            RegexFn::ExtractAll => self.extract_all(&a)?,
            RegexFn::ReplaceRegex => self.replace(&a)?,
            RegexFn::IndexOfRegex => self.index_of(&a)?,
        };
        a.finish(out)
    }
}

impl RegexUdf {
    fn pattern_col<'a>(&self, a: &'a Args) -> &'a Col {
        &a.cols[self.func.pattern_arg()]
    }

    fn extract(&self, a: &Args) -> Result<ArrayRef> {
        let mut out = StringBuilder::with_capacity(a.rows, a.rows * 8);
        for i in 0..a.rows {
            let re = regex_at(&self.cache, self.pattern_col(a), i)?;
            let v = match (re, a.cols[1].i64(i), a.cols[2].str(i)) {
                (Some(re), Some(g), Some(text)) if g >= 0 => re
                    .captures(text)
                    .and_then(|c| c.get(g as usize))
                    .map(|m| m.as_str()),
                _ => None,
            };
            out.append_option(v);
        }
        Ok(Arc::new(out.finish()))
    }

    fn extract_all(&self, a: &Args) -> Result<ArrayRef> {
        let with_groups = a.cols.len() > 2;
        let text_col = &a.cols[a.cols.len() - 1];
        let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
        let mut buf = String::new();
        let mut groups: Vec<usize> = Vec::new();
        for i in 0..a.rows {
            let (Some(re), Some(text)) = (
                regex_at(&self.cache, self.pattern_col(a), i)?,
                text_col.str(i),
            ) else {
                out.append_null();
                continue;
            };
            groups.clear();
            if with_groups {
                let Some(sel) = a.cols[1].str(i).and_then(|g| select_groups(&re, g)) else {
                    out.append_null();
                    continue;
                };
                groups.extend(sel);
            } else if re.captures_len() > 1 {
                groups.extend(1..re.captures_len());
            } else {
                groups.push(0);
            }
            buf.clear();
            if write_all_matches(&re, text, &groups, &mut buf).map_err(fmt_err)? {
                out.append_value(&buf);
            } else {
                out.append_null();
            }
        }
        Ok(Arc::new(out.finish()))
    }

    fn index_of(&self, a: &Args) -> Result<ArrayRef> {
        let mut out = datafusion::arrow::array::Int64Builder::with_capacity(a.rows);
        for i in 0..a.rows {
            let arg = |k: usize, default: i64| a.cols.get(k).map_or(Some(default), |c| c.i64(i));
            let re = regex_at(&self.cache, self.pattern_col(a), i)?;
            let v = match (re, arg(2, 0), arg(3, -1), arg(4, 1)) {
                (Some(re), Some(st), Some(len), Some(occ)) => {
                    indexof_regex(a.cols[0].str(i).unwrap_or(""), &re, st, len, occ)
                }
                _ => None,
            };
            out.append_option(v);
        }
        Ok(Arc::new(out.finish()))
    }

    fn replace(&self, a: &Args) -> Result<ArrayRef> {
        let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
        let mut last_rewrite: Option<(String, String)> = None;
        for i in 0..a.rows {
            let text = a.cols[0].str(i).unwrap_or("");
            let (Some(re), Some(rewrite)) = (
                regex_at(&self.cache, self.pattern_col(a), i)?,
                a.cols[2].str(i),
            ) else {
                out.append_value(text);
                continue;
            };
            if last_rewrite.as_ref().is_none_or(|(k, _)| k != rewrite) {
                last_rewrite = Some((rewrite.to_string(), rust_rewrite(rewrite)));
            }
            let rep = last_rewrite.as_ref().map_or("", |(_, r)| r.as_str());
            out.append_value(re.replace_all(text, rep));
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The group numbers a JSON array of numbers and names selects; `None` when
/// one does not name a group of `re`.
fn select_groups(re: &Regex, groups_json: &str) -> Option<Vec<usize>> {
    let els = array_elements(groups_json)?;
    let mut out = Vec::with_capacity(els.len());
    for el in els {
        let g = if el.starts_with('"') {
            let name: String = serde_json::from_str(el).ok()?;
            re.capture_names().position(|n| n == Some(name.as_str()))?
        } else {
            let n: i64 = el.parse().ok()?;
            usize::try_from(n).ok().filter(|n| *n < re.captures_len())?
        };
        out.push(g);
    }
    (!out.is_empty()).then_some(out)
}

/// Write the selected groups of every match; false when nothing matched.
fn write_all_matches(
    re: &Regex,
    text: &str,
    groups: &[usize],
    out: &mut String,
) -> std::result::Result<bool, std::fmt::Error> {
    out.push('[');
    let mut n = 0;
    for caps in re.captures_iter(text) {
        if n > 0 {
            out.push(',');
        }
        n += 1;
        if groups.len() > 1 {
            out.push('[');
        }
        for (k, g) in groups.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            write_json_string(caps.get(*g).map_or("", |m| m.as_str()), out)?;
        }
        if groups.len() > 1 {
            out.push(']');
        }
    }
    out.push(']');
    Ok(n > 0)
}

/// Kusto's rewrite text (`\1`, `\0`) in the `regex` crate's syntax (`${1}`),
/// with a literal `$` escaped.
pub fn rust_rewrite(rewrite: &str) -> String {
    let mut out = String::with_capacity(rewrite.len() + 4);
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let d = chars.next().unwrap_or('0');
                out.push_str("${");
                out.push(d);
                out.push('}');
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

/// `indexof_regex(s, re, start, length, occurrence)` in characters.
pub fn indexof_regex(s: &str, re: &Regex, start: i64, length: i64, occurrence: i64) -> Option<i64> {
    if start < 0 || length < -1 || occurrence < 0 {
        return None;
    }
    if occurrence == 0 {
        return Some(-1);
    }
    let n = s.chars().count() as i64;
    if start > n {
        return Some(-1);
    }
    let end = if length == -1 {
        n
    } else {
        start.saturating_add(length).min(n)
    };
    let byte = |c: i64| s.char_indices().nth(c as usize).map_or(s.len(), |(b, _)| b);
    let (b0, b1) = (byte(start), byte(end));
    let Some(m) = re.find_iter(&s[b0..b1]).nth(occurrence as usize - 1) else {
        return Some(-1);
    };
    Some(start + s[b0..b0 + m.start()].chars().count() as i64)
}

/// Every regex UDF (unprepared), for registration.
pub(crate) fn all_regex_udfs() -> Vec<ScalarUDF> {
    [
        RegexFn::Extract,
        RegexFn::ExtractAll,
        RegexFn::ReplaceRegex,
        RegexFn::IndexOfRegex,
    ]
    .into_iter()
    .map(|f| ScalarUDF::from(RegexUdf::new(f, None)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::AsArray;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn extract_first_match_group_or_null() {
        let u = RegexUdf::new(RegexFn::Extract, Some(r"-(\d{2})-"));
        let text = str_col(vec![Some("15-12-2024"), None, Some(""), Some("no")]);
        let out = strings(&invoke(
            &u,
            vec![str_lit(r"-(\d{2})-"), i64_lit(1), text.clone()],
        ));
        assert_eq!(out, vec![s("12"), None, None, None]);
        let out = strings(&invoke(&u, vec![str_lit(r"-(\d{2})-"), i64_lit(0), text]));
        assert_eq!(out[0], s("-12-"));
    }

    #[test]
    fn extract_with_a_pattern_per_row() {
        let u = RegexUdf::new(RegexFn::Extract, None);
        let pats = str_col(vec![Some("a(b)"), Some("x(y)"), None]);
        let out = strings(&invoke(&u, vec![pats, i64_lit(1), str_lit("abxy")]));
        assert_eq!(out, vec![s("b"), s("y"), None]);
    }

    #[test]
    fn extract_all_shapes() {
        let id = "82b8be2d-dfa7-4bd1-8f63-24ad26d31449";
        let u = RegexUdf::new(RegexFn::ExtractAll, None);
        let one = strings(&invoke(
            &u,
            vec![str_lit(r"(\d+)"), str_lit("a 123, 567 and 789")],
        ));
        assert_eq!(one, vec![s(r#"["123","567","789"]"#)]);
        let three = strings(&invoke(&u, vec![str_lit(r"(\w)(\w+)(\w)"), str_lit(id)]));
        assert_eq!(
            three,
            vec![s(
                r#"[["8","2b8be2","d"],["d","fa","7"],["4","bd","1"],["8","f6","3"],["2","4ad26d3144","9"]]"#
            )]
        );
        let sub = strings(&invoke(
            &u,
            vec![str_lit(r"(\w)(\w+)(\w)"), str_lit("[1,3]"), str_lit(id)],
        ));
        assert_eq!(
            sub,
            vec![s(r#"[["8","d"],["d","7"],["4","1"],["8","3"],["2","9"]]"#)]
        );
        let named = strings(&invoke(
            &u,
            vec![
                str_lit(r"(?P<first>\w)(?P<middle>\w+)(?P<last>\w)"),
                str_lit(r#"["first",2,"last"]"#),
                str_lit(id),
            ],
        ));
        assert_eq!(named, three);
        let none = invoke(
            &u,
            vec![str_lit(r"(\d+)"), str_col(vec![Some("abc"), None])],
        );
        assert!(is_null(&none, 0) && is_null(&none, 1));
    }

    #[test]
    fn indexof_regex_documented() {
        let re = |p: &str| Regex::new(p).unwrap();
        assert_eq!(indexof_regex("abcabc", &re("a.c"), 0, -1, 1), Some(0));
        assert_eq!(indexof_regex("abcabcdefg", &re("a.c"), 0, 9, 2), Some(3));
        assert_eq!(indexof_regex("abcabc", &re("a.c"), 1, -1, 2), Some(-1));
        assert_eq!(indexof_regex("ababaa", &re("a.a"), 0, -1, 2), Some(-1));
        assert_eq!(indexof_regex("abcabc", &re("a|ab"), -1, -1, 1), None);
        assert_eq!(indexof_regex("abc", &re("c"), 0, -2, 1), None);
        assert_eq!(indexof_regex("abc", &re("c"), 0, -1, -1), None);
        assert_eq!(indexof_regex("abc", &re("c"), 9, -1, 1), Some(-1));
        assert_eq!(indexof_regex("éaéb", &re("b"), 1, -1, 1), Some(3));
        assert_eq!(indexof_regex("", &re("x"), 0, -1, 1), Some(-1));
        let u = RegexUdf::new(RegexFn::IndexOfRegex, Some("b+"));
        let out = invoke(&u, vec![str_col(vec![Some("abb"), None]), str_lit("b+")]);
        let out = out.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!(out.value(0), 1);
        assert_eq!(out.value(1), -1);
    }

    #[test]
    fn replace_regex_rewrites_groups() {
        assert_eq!(rust_rewrite(r"was: \1"), "was: ${1}");
        assert_eq!(rust_rewrite(r"$\0"), "$$${0}");
        let u = RegexUdf::new(RegexFn::ReplaceRegex, Some(r"is (\d+)"));
        let text = str_col(vec![Some("Number is 1"), None, Some("")]);
        let out = strings(&invoke(
            &u,
            vec![text, str_lit(r"is (\d+)"), str_lit(r"was: \1")],
        ));
        assert_eq!(out, vec![s("Number was: 1"), s(""), s("")]);
        let u = RegexUdf::new(RegexFn::ReplaceRegex, None);
        let out = strings(&invoke(
            &u,
            vec![
                str_lit("https://x.com"),
                str_lit("^(?i:.*?)://"),
                str_lit(""),
            ],
        ));
        assert_eq!(out, vec![s("x.com")]);
    }
}
