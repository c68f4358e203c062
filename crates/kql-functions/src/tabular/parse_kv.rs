//! `kql_parse_kv(text, spec)`: the key/value extraction of the `parse-kv`
//! operator (parse-kv-operator.md). It returns a struct with one Utf8 field
//! per listed key (`c0`, `c1`, ...): the key's value as text, null when the
//! key does not appear; the binder converts the fields to their types.
//!
//! Rules (parse-kv-operator.md, "Returns" and the examples):
//! * only the listed keys are extracted; the first appearance of a key wins;
//!   leading and trailing white space of keys and values is ignored;
//! * **delimited** (`pair_delimiter`, `kv_delimiter`): pairs are separated by
//!   the pair delimiter, key and value by the first kv delimiter; a key or a
//!   value may be wrapped in quotes (`quote='"'`, or `'()'` for a different
//!   closing quote; several `quote`s allowed), inside which delimiters are
//!   text and an `escape` character makes the next character literal. A part
//!   without kv delimiter is skipped; with `greedy=true` an unquoted value
//!   runs on, over pair delimiters, up to the next pair that holds a key
//!   (a kv delimiter) or the end;
//! * **no delimiters**: any non-alphanumeric character separates words
//!   (quoted strings are one word); a listed key word takes the next word as
//!   its value;
//! * **regex**: every match of the regex gives a key (group 1) and a value
//!   (group 2).

use crate::columnar::{for_each_str, scalar_str};
use datafusion::arrow::array::{ArrayRef, StringBuilder, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility, lit,
};
use regex::Regex;
use serde_json::{Value, json};
use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// How the pairs are found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KvMode {
    Delimited {
        pair: String,
        kv: String,
        greedy: bool,
    },
    /// Any non-alphanumeric character is a delimiter.
    Words,
    /// Group 1 is the key, group 2 the value.
    Regex(String),
}

/// What one `parse-kv` operator extracts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KvSpec {
    pub keys: Vec<String>,
    pub mode: KvMode,
    /// (opening, closing) quote characters.
    pub quotes: Vec<(char, char)>,
    pub escapes: Vec<char>,
}

impl KvSpec {
    /// The name of the struct field of the i-th key.
    pub fn field(i: usize) -> String {
        format!("c{i}")
    }

    fn encode(&self) -> String {
        let mode = match &self.mode {
            KvMode::Delimited { pair, kv, greedy } => {
                json!({"pair": pair, "kv": kv, "greedy": greedy})
            }
            KvMode::Words => json!("words"),
            KvMode::Regex(r) => json!({"regex": r}),
        };
        json!({
            "keys": self.keys,
            "mode": mode,
            "quotes": self.quotes.iter().map(|(o, c)| format!("{o}{c}")).collect::<Vec<_>>(),
            "escapes": self.escapes.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        })
        .to_string()
    }

    fn decode(text: &str) -> Option<KvSpec> {
        let v: Value = serde_json::from_str(text).ok()?;
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let keys = strings(&v["keys"])?;
        let mode = match &v["mode"] {
            Value::String(s) if s == "words" => KvMode::Words,
            m if m.get("regex").is_some() => KvMode::Regex(m["regex"].as_str()?.to_string()),
            m => KvMode::Delimited {
                pair: m["pair"].as_str()?.to_string(),
                kv: m["kv"].as_str()?.to_string(),
                greedy: m["greedy"].as_bool()?,
            },
        };
        let quotes = strings(&v["quotes"])?
            .iter()
            .map(|q| {
                let mut cs = q.chars();
                let o = cs.next()?;
                Some((o, cs.next().unwrap_or(o)))
            })
            .collect::<Option<Vec<_>>>()?;
        let escapes = strings(&v["escapes"])?
            .iter()
            .map(|e| e.chars().next())
            .collect::<Option<Vec<_>>>()?;
        Some(KvSpec {
            keys,
            mode,
            quotes,
            escapes,
        })
    }

    fn return_type(&self) -> DataType {
        let fields: Vec<Field> = (0..self.keys.len())
            .map(|i| Field::new(KvSpec::field(i), DataType::Utf8, true))
            .collect();
        DataType::Struct(Fields::from(fields))
    }
}

/// A spec with its regex compiled.
#[derive(Debug)]
struct Compiled {
    spec: KvSpec,
    regex: Option<Regex>,
}

impl Compiled {
    fn new(spec: KvSpec) -> std::result::Result<Compiled, String> {
        let regex = match &spec.mode {
            KvMode::Regex(r) => {
                let re = crate::re2::regex(r)?;
                if re.captures_len() != 3 {
                    return Err(format!(
                        "the regex must have exactly two capturing groups (key, value), it has {}",
                        re.captures_len() - 1
                    ));
                }
                Some(re)
            }
            _ => None,
        };
        Ok(Compiled { spec, regex })
    }

    /// The values of the keys in `s` (`None`: the key does not appear).
    fn extract<'s>(&self, s: &'s str) -> Vec<Option<Cow<'s, str>>> {
        let mut out: Vec<Option<Cow<'s, str>>> = vec![None; self.spec.keys.len()];
        let mut missing = out.len();
        let mut emit = |key: &str, value: Cow<'s, str>| -> bool {
            if let Some(i) = self.spec.keys.iter().position(|k| k == key)
                && out[i].is_none()
            {
                out[i] = Some(value);
                missing -= 1;
            }
            missing == 0
        };
        match &self.spec.mode {
            KvMode::Regex(_) => {
                let re = self.regex.as_ref().expect("compiled with the spec");
                for caps in re.captures_iter(s) {
                    let key = caps.get(1).map_or("", |m| m.as_str()).trim();
                    let value = caps.get(2).map_or("", |m| m.as_str()).trim();
                    if emit(key, Cow::Borrowed(value)) {
                        break;
                    }
                }
            }
            KvMode::Words => self.words(s, &mut emit),
            KvMode::Delimited { pair, kv, greedy } => {
                self.delimited(s, pair, kv, *greedy, &mut emit)
            }
        }
        out
    }

    /// The closing quote when `s[i..]` starts with an opening quote.
    fn quote_at(&self, s: &str, i: usize) -> Option<(char, char)> {
        let c = s[i..].chars().next()?;
        self.spec.quotes.iter().copied().find(|(o, _)| *o == c)
    }

    /// The text of the quoted string whose opening quote is at `i`, and the
    /// position after its closing quote (the end when it is not closed).
    fn quoted<'s>(
        &self,
        s: &'s str,
        i: usize,
        (open, close): (char, char),
    ) -> (Cow<'s, str>, usize) {
        let start = i + open.len_utf8();
        let mut out: Option<String> = None;
        let mut chars = s[start..].char_indices();
        while let Some((j, c)) = chars.next() {
            if c == close {
                let end = start + j + c.len_utf8();
                let text = match out {
                    Some(o) => Cow::Owned(o),
                    None => Cow::Borrowed(&s[start..start + j]),
                };
                return (text, end);
            }
            if self.spec.escapes.contains(&c) {
                let o = out.get_or_insert_with(|| s[start..start + j].to_string());
                if let Some((_, next)) = chars.next() {
                    o.push(next);
                }
                continue;
            }
            if let Some(o) = out.as_mut() {
                o.push(c);
            }
        }
        let text = match out {
            Some(o) => Cow::Owned(o),
            None => Cow::Borrowed(&s[start..]),
        };
        (text, s.len())
    }

    fn words<'s>(&self, s: &'s str, emit: &mut impl FnMut(&str, Cow<'s, str>) -> bool) {
        let mut words: Vec<Cow<'s, str>> = Vec::new();
        let mut i = 0;
        while i < s.len() {
            if let Some(q) = self.quote_at(s, i) {
                let (w, end) = self.quoted(s, i, q);
                words.push(w);
                i = end;
                continue;
            }
            let c = s[i..].chars().next().expect("i < len");
            if c.is_alphanumeric() {
                let len = s[i..]
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(s.len() - i);
                words.push(Cow::Borrowed(&s[i..i + len]));
                i += len;
            } else {
                i += c.len_utf8();
            }
        }
        let mut k = 0;
        while k + 1 < words.len() {
            if self.spec.keys.iter().any(|key| *key == words[k]) {
                let key = words[k].clone();
                if emit(&key, words[k + 1].clone()) {
                    return;
                }
                k += 2;
            } else {
                k += 1;
            }
        }
    }

    fn delimited<'s>(
        &self,
        s: &'s str,
        pair: &str,
        kv: &str,
        greedy: bool,
        emit: &mut impl FnMut(&str, Cow<'s, str>) -> bool,
    ) {
        // white space that is not a delimiter
        let skip_ws = |mut i: usize| {
            while i < s.len() && !s[i..].starts_with(pair) && !s[i..].starts_with(kv) {
                match s[i..].chars().next() {
                    Some(c) if c.is_whitespace() => i += c.len_utf8(),
                    _ => break,
                }
            }
            i
        };
        // the position after the next pair delimiter at or after `i`
        let after_pair = |i: usize| match s[i..].find(pair) {
            Some(p) => i + p + pair.len(),
            None => s.len(),
        };
        let mut i = 0;
        while i < s.len() {
            i = skip_ws(i);
            if i >= s.len() {
                break;
            }
            let key: Cow<'s, str>;
            if let Some(q) = self.quote_at(s, i) {
                let (k, end) = self.quoted(s, i, q);
                i = skip_ws(end);
                if !s[i..].starts_with(kv) {
                    i = after_pair(i);
                    continue;
                }
                key = k;
            } else {
                let next_kv = s[i..].find(kv).map(|p| i + p);
                let next_pair = s[i..].find(pair).map(|p| i + p);
                match (next_kv, next_pair) {
                    (Some(k), Some(p)) if p < k => {
                        // a part without a key
                        i = p + pair.len();
                        continue;
                    }
                    (Some(k), _) => {
                        key = Cow::Borrowed(s[i..k].trim());
                        i = k;
                    }
                    (None, _) => break,
                }
            }
            i = skip_ws(i + kv.len());
            let value: Cow<'s, str>;
            if i < s.len()
                && let Some(q) = self.quote_at(s, i)
            {
                let (v, end) = self.quoted(s, i, q);
                value = v;
                i = after_pair(end);
            } else {
                let mut end = s[i..].find(pair).map_or(s.len(), |p| i + p);
                if greedy {
                    // run on to the pair delimiter before the next key
                    while end < s.len() {
                        let rest = end + pair.len();
                        let part_end = s[rest..].find(pair).map_or(s.len(), |p| rest + p);
                        let starts_key = self.quote_at(s, skip_ws(rest)).is_some()
                            || s[rest..part_end].contains(kv);
                        if starts_key {
                            break;
                        }
                        end = part_end;
                    }
                }
                value = Cow::Borrowed(s[i..end].trim());
                i = if end < s.len() {
                    end + pair.len()
                } else {
                    s.len()
                };
            }
            if emit(&key, value) {
                return;
            }
        }
    }
}

/// `kql_parse_kv(text, spec)`. An instance made by [`parse_kv_expr`] holds
/// its spec compiled; the registered default instance compiles the spec of
/// its arguments per batch.
#[derive(Debug)]
pub struct ParseKvUdf {
    signature: Signature,
    compiled: Option<Arc<Compiled>>,
}

impl Default for ParseKvUdf {
    fn default() -> Self {
        let strings = [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View];
        ParseKvUdf {
            signature: Signature::one_of(
                strings
                    .iter()
                    .map(|s| TypeSignature::Exact(vec![s.clone(), DataType::Utf8]))
                    .collect(),
                Volatility::Immutable,
            ),
            compiled: None,
        }
    }
}

impl PartialEq for ParseKvUdf {
    fn eq(&self, other: &Self) -> bool {
        self.compiled.as_ref().map(|c| &c.spec) == other.compiled.as_ref().map(|c| &c.spec)
    }
}

impl Eq for ParseKvUdf {}

impl Hash for ParseKvUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.compiled.as_ref().map(|c| &c.spec).hash(state);
    }
}

/// The call `kql_parse_kv(text, spec)` with the spec compiled now; `Err`
/// says why the regex is not usable.
pub fn parse_kv_expr(text: Expr, spec: &KvSpec) -> std::result::Result<Expr, String> {
    let compiled = Compiled::new(spec.clone())?;
    let udf = ParseKvUdf {
        compiled: Some(Arc::new(compiled)),
        ..ParseKvUdf::default()
    };
    Ok(Arc::new(ScalarUDF::from(udf)).call(vec![text, lit(spec.encode())]))
}

impl ParseKvUdf {
    fn spec_for(&self, spec: Option<&str>) -> Result<Arc<Compiled>> {
        if let Some(c) = &self.compiled {
            return Ok(c.clone());
        }
        let Some(text) = spec else {
            return plan_err!("kql_parse_kv needs a constant spec");
        };
        let Some(spec) = KvSpec::decode(text) else {
            return plan_err!("kql_parse_kv: bad spec '{text}'");
        };
        match Compiled::new(spec) {
            Ok(c) => Ok(Arc::new(c)),
            Err(e) => plan_err!("kql_parse_kv: {e}"),
        }
    }
}

impl ScalarUDFImpl for ParseKvUdf {
    fn name(&self) -> &str {
        "kql_parse_kv"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        match &self.compiled {
            Some(c) => Ok(c.spec.return_type()),
            None => plan_err!("kql_parse_kv: the result type depends on the constant spec"),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let spec = args
            .scalar_arguments
            .get(1)
            .copied()
            .flatten()
            .and_then(scalar_str);
        let c = self.spec_for(spec)?;
        Ok(Arc::new(Field::new(
            self.name(),
            c.spec.return_type(),
            false,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text, spec] = args.args.as_slice() else {
            return exec_err!("kql_parse_kv takes two arguments");
        };
        let spec = match spec {
            ColumnarValue::Scalar(s) => scalar_str(s).map(str::to_string),
            ColumnarValue::Array(_) => None,
        };
        let c = self.spec_for(spec.as_deref())?;
        let is_scalar = matches!(text, ColumnarValue::Scalar(_));
        let array = text.to_array(args.number_rows.max(1))?;
        let result = run(&c, &array)?;
        crate::columnar::finish(result, is_scalar)
    }
}

fn run(c: &Compiled, text: &ArrayRef) -> Result<ArrayRef> {
    let rows = text.len();
    let mut columns: Vec<StringBuilder> = c
        .spec
        .keys
        .iter()
        .map(|_| StringBuilder::with_capacity(rows, rows * 8))
        .collect();
    for_each_str(text, |s| {
        let values = c.extract(s.unwrap_or(""));
        for (b, v) in columns.iter_mut().zip(values) {
            match v {
                Some(v) => b.append_value(v),
                None => b.append_null(),
            }
        }
    })?;
    let DataType::Struct(fields) = c.spec.return_type() else {
        unreachable!("a parse-kv spec returns a struct")
    };
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    if arrays.is_empty() {
        return Ok(Arc::new(StructArray::new_empty_fields(rows, None)));
    }
    Ok(Arc::new(StructArray::try_new(fields, arrays, None)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray, StringArray};

    fn spec(keys: &[&str], mode: KvMode, quotes: &[(char, char)], escapes: &[char]) -> Compiled {
        Compiled::new(KvSpec {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            mode,
            quotes: quotes.to_vec(),
            escapes: escapes.to_vec(),
        })
        .expect("valid spec")
    }

    fn delimited(pair: &str, kv: &str, greedy: bool) -> KvMode {
        KvMode::Delimited {
            pair: pair.into(),
            kv: kv.into(),
            greedy,
        }
    }

    fn get(c: &Compiled, s: &str) -> Vec<Option<String>> {
        c.extract(s)
            .into_iter()
            .map(|v| v.map(|v| v.into_owned()))
            .collect()
    }

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn well_defined_delimiters_trim_and_skip_unlisted_keys() {
        let c = spec(
            &["Text", "ThreadId", "Machine"],
            delimited(",", ":", false),
            &[],
            &[],
        );
        let s = "ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info";
        assert_eq!(
            get(&c, s),
            some(&["The service is up", "458745723", "Node001"])
        );
    }

    #[test]
    fn quoted_keys_and_values_keep_delimiters() {
        let c = spec(
            &["event time", "src", "failure"],
            delimited(" ", "=", false),
            &[('(', ')')],
            &[],
        );
        let s = "src=10.1.1.123 failure=(connection aborted) (event time)=(2021-01-01 10:00:54)";
        assert_eq!(
            get(&c, s),
            some(&["2021-01-01 10:00:54", "10.1.1.123", "connection aborted"])
        );
    }

    #[test]
    fn escapes_inside_quotes() {
        let c = spec(
            &["failure", "time"],
            delimited(" ", "=", false),
            &[('"', '"')],
            &['\\'],
        );
        let s = r#"failure="the remote host sent \"bye!\"" time=2021"#;
        assert_eq!(get(&c, s), some(&["the remote host sent \"bye!\"", "2021"]));
    }

    #[test]
    fn greedy_runs_to_the_next_key() {
        let s = "name=John Doe phone=555 5555 city=New York";
        let keys = ["name", "phone", "city"];
        let c = spec(&keys, delimited(" ", "=", false), &[], &[]);
        assert_eq!(get(&c, s), some(&["John", "555", "New"]));
        let c = spec(&keys, delimited(" ", "=", true), &[], &[]);
        assert_eq!(get(&c, s), some(&["John Doe", "555 5555", "New York"]));
    }

    #[test]
    fn first_appearance_wins_and_missing_keys_are_null() {
        let c = spec(&["a", "b"], delimited(";", "=", false), &[], &[]);
        assert_eq!(get(&c, "a=1;a=2"), vec![Some("1".into()), None]);
        assert_eq!(get(&c, ""), vec![None, None]);
        assert_eq!(get(&c, "a=;b= x "), some(&["", "x"]));
        // a part without a key is skipped
        assert_eq!(get(&c, "junk;b=2"), vec![None, Some("2".into())]);
    }

    #[test]
    fn words_mode() {
        let c = spec(
            &["Text", "ThreadId", "Machine"],
            KvMode::Words,
            &[('\'', '\'')],
            &['\\'],
        );
        let s = "2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: Started";
        assert_eq!(get(&c, s), some(&["Started", "458745723", "Node001"]));
        let s = r"2021 [INFO] ThreadId:4, Machine:N1, Text: 'The service \' is up'";
        assert_eq!(get(&c, s), some(&["The service ' is up", "4", "N1"]));
    }

    #[test]
    fn regex_mode() {
        let c = spec(
            &["referer url", "advertiser id"],
            KvMode::Regex(r#""([\w ]+)\s*:\s*([^"]*)""#.into()),
            &[],
            &[],
        );
        let s = r#"["referer url: https://h.com/?h=1", "advertiser id: 24fe"]"#;
        assert_eq!(get(&c, s), some(&["https://h.com/?h=1", "24fe"]));
        assert!(
            Compiled::new(KvSpec {
                keys: vec![],
                mode: KvMode::Regex("(a)".into()),
                quotes: vec![],
                escapes: vec![],
            })
            .is_err()
        );
    }

    #[test]
    fn spec_round_trips() {
        let s = KvSpec {
            keys: vec!["a".into(), "b c".into()],
            mode: delimited(" ", "=", true),
            quotes: vec![('(', ')'), ('"', '"')],
            escapes: vec!['\\'],
        };
        assert_eq!(KvSpec::decode(&s.encode()), Some(s));
    }

    #[test]
    fn kernel_over_an_array_with_nulls() {
        let c = spec(&["a", "b"], delimited(",", "=", false), &[], &[]);
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("a=1,b=2"), None, Some("")]));
        let out = run(&c, &text).expect("runs");
        let out = out.as_struct();
        let a = out.column(0).as_string::<i32>();
        assert_eq!(a.value(0), "1");
        assert!(a.is_null(1) && a.is_null(2));
    }
}
