//! `parse_user_agent(ua, look_for)` (parse-user-agent-function.md): the
//! browser, operating system and device of a user-agent string, as a
//! dynamic bag.
//!
//! The patterns are ua-parser's `regexes.yaml` (uap-core, Apache-2.0,
//! bundled in `data/uap-core/`), applied as its specification says: the
//! first pattern of a list that matches decides; each field is its
//! `*_replacement` with `$1`..`$9` filled from the match, or else the
//! capture group of the field's position; a field left empty is empty; no
//! match gives family `Other`. Device fields are trimmed. Kusto returns
//! every field as a string, empty when unknown:
//! `{"Browser":{"Family","MajorVersion","MinorVersion","Patch"},
//!   "OperatingSystem":{"Family","MajorVersion","MinorVersion","Patch","PatchMinor"},
//!   "Device":{"Family","Brand","Model"}}`, the parts asked for in that order.
//!
//! The YAML is read once per process; each pattern is compiled the first
//! time the search reaches it, so common user agents that match early do
//! not pay for the rare patterns.

use crate::columnar::{Args, Read, fmt_err};
use crate::dynamic::write_json_string;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, ScalarUDF, lit};
use regex::{Captures, Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, OnceLock};

const REGEXES: &str = include_str!("../data/uap-core/regexes.yaml");

/// `look_for` bits: which parts the bag has.
pub const BROWSER: i64 = 1;
pub const OS: i64 = 2;
pub const DEVICE: i64 = 4;

/// The part a `look_for` name asks for (`"browser"`, `"os"`, `"device"`,
/// any case).
pub fn target_bit(name: &str) -> Option<i64> {
    match name.to_ascii_lowercase().as_str() {
        "browser" => Some(BROWSER),
        "os" => Some(OS),
        "device" => Some(DEVICE),
        _ => None,
    }
}

#[derive(Deserialize)]
struct File {
    user_agent_parsers: Vec<Entry>,
    os_parsers: Vec<Entry>,
    device_parsers: Vec<Entry>,
}

/// One `regexes.yaml` entry; the replacements of all three lists.
#[derive(Deserialize)]
struct Entry {
    regex: String,
    regex_flag: Option<String>,
    family_replacement: Option<String>,
    v1_replacement: Option<String>,
    v2_replacement: Option<String>,
    v3_replacement: Option<String>,
    os_replacement: Option<String>,
    os_v1_replacement: Option<String>,
    os_v2_replacement: Option<String>,
    os_v3_replacement: Option<String>,
    os_v4_replacement: Option<String>,
    device_replacement: Option<String>,
    brand_replacement: Option<String>,
    model_replacement: Option<String>,
}

/// A pattern and, per output field, its replacement and the capture group
/// that stands in when there is none (`None`: the field is empty then).
struct Rule {
    pattern: String,
    case_insensitive: bool,
    compiled: OnceLock<Option<Regex>>,
    fields: Vec<(Option<String>, Option<usize>)>,
}

impl Rule {
    fn new(e: &Entry, fields: Vec<(Option<&String>, Option<usize>)>) -> Rule {
        Rule {
            pattern: e.regex.clone(),
            case_insensitive: e.regex_flag.as_deref() == Some("i"),
            compiled: OnceLock::new(),
            fields: fields.into_iter().map(|(r, g)| (r.cloned(), g)).collect(),
        }
    }

    fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.pattern)
                    .case_insensitive(self.case_insensitive)
                    .size_limit(1 << 24)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The fields from a match.
    fn fields(&self, caps: &Captures, trim: bool) -> Vec<String> {
        self.fields
            .iter()
            .map(|(replacement, group)| {
                let v = match replacement {
                    Some(r) => fill(r, caps),
                    None => group
                        .and_then(|g| caps.get(g))
                        .map_or_else(String::new, |m| m.as_str().to_string()),
                };
                if trim { v.trim().to_string() } else { v }
            })
            .collect()
    }
}

/// `$1`..`$9` in `template` replaced by the capture groups (empty when a
/// group did not take part).
fn fill(template: &str, caps: &Captures) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$'
            && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
        {
            chars.next();
            if let Some(m) = caps.get(d as usize) {
                out.push_str(m.as_str());
            }
            continue;
        }
        out.push(c);
    }
    out
}

struct Parsers {
    browser: Vec<Rule>,
    os: Vec<Rule>,
    device: Vec<Rule>,
}

fn parsers() -> Result<&'static Parsers> {
    static PARSERS: OnceLock<std::result::Result<Parsers, String>> = OnceLock::new();
    PARSERS
        .get_or_init(|| {
            let file: File = serde_yaml::from_str(REGEXES)
                .map_err(|e| format!("the bundled uap-core regexes.yaml: {e}"))?;
            let browser = file
                .user_agent_parsers
                .iter()
                .map(|e| {
                    Rule::new(
                        e,
                        vec![
                            (e.family_replacement.as_ref(), Some(1)),
                            (e.v1_replacement.as_ref(), Some(2)),
                            (e.v2_replacement.as_ref(), Some(3)),
                            (e.v3_replacement.as_ref(), Some(4)),
                        ],
                    )
                })
                .collect();
            let os = file
                .os_parsers
                .iter()
                .map(|e| {
                    Rule::new(
                        e,
                        vec![
                            (e.os_replacement.as_ref(), Some(1)),
                            (e.os_v1_replacement.as_ref(), Some(2)),
                            (e.os_v2_replacement.as_ref(), Some(3)),
                            (e.os_v3_replacement.as_ref(), Some(4)),
                            (e.os_v4_replacement.as_ref(), Some(5)),
                        ],
                    )
                })
                .collect();
            let device = file
                .device_parsers
                .iter()
                .map(|e| {
                    Rule::new(
                        e,
                        vec![
                            (e.device_replacement.as_ref(), Some(1)),
                            (e.brand_replacement.as_ref(), None),
                            (e.model_replacement.as_ref(), Some(1)),
                        ],
                    )
                })
                .collect();
            Ok(Parsers {
                browser,
                os,
                device,
            })
        })
        .as_ref()
        .map_err(|e| DataFusionError::Execution(e.clone()))
}

/// The fields of the first rule that matches `ua`, or `Other` and empty
/// fields.
fn first_match(rules: &[Rule], ua: &str, width: usize, trim: bool) -> Vec<String> {
    for rule in rules {
        if let Some(caps) = rule.regex().and_then(|r| r.captures(ua)) {
            return rule.fields(&caps, trim);
        }
    }
    let mut v = vec![String::new(); width];
    v[0] = "Other".to_string();
    v
}

/// Write the bag for `ua` with the parts `targets` asks for.
fn write_bag(p: &Parsers, ua: &str, targets: i64, out: &mut String) -> std::fmt::Result {
    type Part<'a> = (i64, &'a str, &'a [Rule], &'a [&'a str], bool);
    let parts: [Part; 3] = [
        (
            BROWSER,
            "Browser",
            &p.browser,
            &["Family", "MajorVersion", "MinorVersion", "Patch"],
            false,
        ),
        (
            OS,
            "OperatingSystem",
            &p.os,
            &[
                "Family",
                "MajorVersion",
                "MinorVersion",
                "Patch",
                "PatchMinor",
            ],
            false,
        ),
        (
            DEVICE,
            "Device",
            &p.device,
            &["Family", "Brand", "Model"],
            true,
        ),
    ];
    out.write_char('{')?;
    let mut first = true;
    for (bit, name, rules, names, trim) in parts {
        if targets & bit == 0 {
            continue;
        }
        if !first {
            out.write_char(',')?;
        }
        first = false;
        write!(out, "\"{name}\":{{")?;
        let values = first_match(rules, ua, names.len(), trim);
        for (i, (field, value)) in names.iter().zip(values).enumerate() {
            if i > 0 {
                out.write_char(',')?;
            }
            write!(out, "\"{field}\":")?;
            write_json_string(&value, out)?;
        }
        out.write_char('}')?;
    }
    out.write_char('}')
}

fn kernel(a: &Args) -> Result<ArrayRef> {
    let p = parsers()?;
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 120);
    // Logs repeat a few agents over and over: each distinct one of the
    // batch is matched once.
    let mut seen: HashMap<(&str, i64), String> = HashMap::new();
    for i in 0..a.rows {
        let Some(targets) = a.cols[1].i64(i) else {
            out.append_null();
            continue;
        };
        let ua = a.cols[0].str(i).unwrap_or("");
        if let Some(bag) = seen.get(&(ua, targets)) {
            out.append_value(bag);
            continue;
        }
        let mut bag = String::new();
        write_bag(p, ua, targets, &mut bag).map_err(fmt_err)?;
        out.append_value(&bag);
        seen.insert((ua, targets), bag);
    }
    Ok(Arc::new(out.finish()))
}

fn udf() -> KernelUdf {
    KernelUdf::new(
        "kql_parse_user_agent",
        DataType::Utf8,
        &[Read::Str, Read::I64],
        kernel,
    )
}

/// `kql_parse_user_agent(ua, targets)`: a dynamic bag; `targets` is an OR
/// of [`BROWSER`], [`OS`], [`DEVICE`].
pub fn parse_user_agent_expr(ua: Expr, targets: i64) -> Expr {
    udf().call(vec![ua, lit(targets)])
}

pub(crate) fn all_user_agent_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(udf())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(ua: &str, targets: i64) -> String {
        let mut s = String::new();
        write_bag(
            parsers().expect("the bundled regexes load"),
            ua,
            targets,
            &mut s,
        )
        .unwrap();
        s
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            bag(
                "Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1",
                BROWSER
            ),
            r#"{"Browser":{"Family":"AdobeAIR","MajorVersion":"2","MinorVersion":"5","Patch":"1"}}"#
        );
        assert_eq!(
            bag(
                "Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 \
                 Configuration/CLDC-1.1 ) AppleWebKit/413 (KHTML, like Gecko) Safari/4",
                BROWSER | OS | DEVICE
            ),
            concat!(
                r#"{"Browser":{"Family":"Nokia OSS Browser","MajorVersion":"3","MinorVersion":"1","Patch":""},"#,
                r#""OperatingSystem":{"Family":"Symbian OS","MajorVersion":"9","MinorVersion":"2","Patch":"","PatchMinor":""},"#,
                r#""Device":{"Family":"Nokia N81","Brand":"Nokia","Model":"N81-3"}}"#
            )
        );
    }

    #[test]
    fn specification_examples() {
        // docs/specification.md of uap-core
        assert_eq!(
            bag(
                "Mozilla/5.0 (Windows; Windows NT 5.1; rv:2.0b3pre) Gecko/20100727 Minefield/4.0.1pre",
                BROWSER
            ),
            r#"{"Browser":{"Family":"Firefox (Minefield)","MajorVersion":"4","MinorVersion":"0","Patch":"1pre"}}"#
        );
        // tests/test_os.yaml of uap-core (the specification's own OS example
        // predates the current patterns)
        assert!(
            bag(
                "Mozilla/5.0 (Windows; U; Win95; en-GB; rv:1.0.1) Gecko/20020823 Netscape/7.0",
                OS
            )
            .starts_with(
                r#"{"OperatingSystem":{"Family":"Windows","MajorVersion":"95","MinorVersion":"""#
            )
        );
    }

    #[test]
    fn common_agents_and_unknown_ones() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                      (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";
        assert_eq!(
            bag(chrome, BROWSER | OS),
            concat!(
                r#"{"Browser":{"Family":"Chrome","MajorVersion":"120","MinorVersion":"0","Patch":"6099"},"#,
                r#""OperatingSystem":{"Family":"Windows","MajorVersion":"10","MinorVersion":"","Patch":"","PatchMinor":""}}"#
            )
        );
        assert_eq!(
            bag("", BROWSER | DEVICE),
            r#"{"Browser":{"Family":"Other","MajorVersion":"","MinorVersion":"","Patch":""},"Device":{"Family":"Other","Brand":"","Model":""}}"#
        );
    }

    /// uap-core's own test files (tests/test_*.yaml), when `UAP_TESTS`
    /// names the folder that holds them: every case must agree.
    #[test]
    fn uap_core_test_files() {
        let Ok(dir) = std::env::var("UAP_TESTS") else {
            return;
        };
        #[derive(Deserialize)]
        struct Cases {
            test_cases: Vec<std::collections::BTreeMap<String, Option<String>>>,
        }
        let p = parsers().unwrap();
        for (file, rules, keys, trim) in [
            (
                "test_ua.yaml",
                &p.browser,
                &["family", "major", "minor", "patch"][..],
                false,
            ),
            (
                "test_os.yaml",
                &p.os,
                &["family", "major", "minor", "patch", "patch_minor"][..],
                false,
            ),
            (
                "test_device.yaml",
                &p.device,
                &["family", "brand", "model"][..],
                true,
            ),
        ] {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            let cases: Cases = serde_yaml::from_str(&text).unwrap();
            let mut failed = 0;
            for c in &cases.test_cases {
                let ua = c["user_agent_string"].clone().unwrap_or_default();
                let got = first_match(rules, &ua, keys.len(), trim);
                let want: Vec<String> = keys
                    .iter()
                    .map(|k| c.get(*k).cloned().flatten().unwrap_or_default())
                    .collect();
                if got != want {
                    failed += 1;
                    if failed < 5 {
                        eprintln!("{file}: {ua}\n  got  {got:?}\n  want {want:?}");
                    }
                }
            }
            eprintln!("{file}: {} cases, {failed} differ", cases.test_cases.len());
            assert_eq!(failed, 0, "{file}");
        }
    }

    #[test]
    fn every_bundled_pattern_compiles() {
        let p = parsers().unwrap();
        for r in p.browser.iter().chain(&p.os).chain(&p.device) {
            assert!(r.regex().is_some(), "{}", r.pattern);
        }
    }

    #[test]
    fn kernel_over_a_column_with_repeats_and_nulls() {
        use crate::udf::test_util::{invoke, str_col, strings};
        use datafusion::common::ScalarValue;
        use datafusion::logical_expr::ColumnarValue;
        let curl = Some("curl/8.4.0");
        let out = strings(&invoke(
            &udf(),
            vec![
                str_col(vec![curl, None, curl]),
                ColumnarValue::Scalar(ScalarValue::Int64(Some(BROWSER))),
            ],
        ));
        let want =
            r#"{"Browser":{"Family":"curl","MajorVersion":"8","MinorVersion":"4","Patch":"0"}}"#;
        assert_eq!(out[0].as_deref(), Some(want));
        assert_eq!(out[2].as_deref(), Some(want));
        assert!(out[1].as_deref().unwrap().contains(r#""Family":"Other""#));
    }

    #[test]
    fn fill_takes_groups_and_leaves_absent_ones_empty() {
        let re = Regex::new("(a)(b)?").unwrap();
        let caps = re.captures("a").unwrap();
        assert_eq!(fill("x$1-$2-$9$", &caps), "xa--$");
    }
}
