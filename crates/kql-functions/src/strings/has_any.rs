//! `kql_has_any(hay, needles)` / `kql_has_any_cs`: `hay has_any (...)` in one
//! pass over each string.
//!
//! `needles` is a dynamic array (JSON text) of the terms; string elements
//! are the terms, numbers and bools their text, other elements are left out.
//! The terms go into one Aho-Corasick automaton (ASCII case folding unless
//! `_cs`); every occurrence it reports is checked for Kusto's term
//! boundaries exactly as `has` does ([`super::Matcher`]): a needle whose
//! first / last character is alphanumeric must not continue an alphanumeric
//! run of the haystack on that side. Terms with non-ASCII letters, matched
//! case-insensitively, need Unicode folding and go through `has`'s matcher.
//!
//! The automaton is built once per distinct needle list: at bind time when
//! the list is a constant, else when the list changes (a `toscalar()` or
//! function parameter gives the same text on every row). No allocation per
//! row.

use super::matching::{MatchKind, Matcher, alnum_at, alnum_before};
use crate::columnar::for_each_str;
use crate::dynamic::arrays::array_elements;
use crate::dynamic::{Kind, kind, unquote};
use aho_corasick::AhoCorasick;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// A needle list prepared for matching.
#[derive(Debug)]
pub struct TermSet {
    ac: Option<AhoCorasick>,
    /// Per automaton pattern: must its start / end sit on a term boundary?
    edges: Vec<(bool, bool)>,
    /// Terms matched with Unicode case folding.
    folded: Vec<String>,
    /// An empty term matches every string (as `has ""` does).
    has_empty: bool,
    case_sensitive: bool,
}

impl TermSet {
    pub fn new<'a>(terms: impl IntoIterator<Item = &'a str>, case_sensitive: bool) -> TermSet {
        let mut patterns: Vec<&str> = Vec::new();
        let mut edges = Vec::new();
        let mut folded = Vec::new();
        let mut has_empty = false;
        for t in terms {
            if t.is_empty() {
                has_empty = true;
            } else if !case_sensitive && !t.is_ascii() {
                folded.push(t.to_string());
            } else {
                let left = t.chars().next().is_some_and(char::is_alphanumeric);
                let right = t.chars().next_back().is_some_and(char::is_alphanumeric);
                patterns.push(t);
                edges.push((left, right));
            }
        }
        let ac = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(!case_sensitive)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        TermSet {
            ac,
            edges,
            folded,
            has_empty,
            case_sensitive,
        }
    }

    /// The terms of a JSON array (see the module docs).
    pub fn from_json(json: &str, case_sensitive: bool) -> TermSet {
        let els = array_elements(json).unwrap_or_default();
        let terms: Vec<std::borrow::Cow<'_, str>> = els
            .into_iter()
            .filter_map(|el| match kind(el)? {
                Kind::String => unquote(el),
                Kind::Number | Kind::Bool => Some(std::borrow::Cow::Borrowed(el)),
                _ => None,
            })
            .collect();
        TermSet::new(terms.iter().map(|t| t.as_ref()), case_sensitive)
    }

    /// The matchers of the Unicode-folded terms, for one thread's use.
    pub fn folded_matchers(&self) -> Vec<Matcher> {
        self.folded
            .iter()
            .map(|t| Matcher::new(MatchKind::Has, self.case_sensitive, t))
            .collect()
    }

    /// Does `hay` have one of the terms? `folded` comes from
    /// [`TermSet::folded_matchers`].
    pub fn matches(&self, hay: &str, folded: &mut [Matcher]) -> bool {
        if self.has_empty {
            return true;
        }
        if let Some(ac) = &self.ac {
            let b = hay.as_bytes();
            for m in ac.find_overlapping_iter(hay) {
                let (left, right) = self.edges[m.pattern().as_usize()];
                if (!left || !alnum_before(b, m.start())) && (!right || !alnum_at(b, m.end())) {
                    return true;
                }
            }
        }
        folded.iter_mut().any(|m| m.matches(hay))
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none() && self.folded.is_empty() && !self.has_empty
    }
}

/// The UDF of one `has_any` call site, holding its prepared term set.
pub struct HasAnyUdf {
    case_sensitive: bool,
    /// The constant needle list this call site was built with.
    preset: Option<String>,
    cache: Mutex<Option<(String, Arc<TermSet>)>>,
    signature: Signature,
}

impl HasAnyUdf {
    pub fn new(case_sensitive: bool, preset: Option<&str>) -> HasAnyUdf {
        let cache = preset.map(|p| {
            (
                p.to_string(),
                Arc::new(TermSet::from_json(p, case_sensitive)),
            )
        });
        HasAnyUdf {
            case_sensitive,
            preset: preset.map(str::to_string),
            cache: Mutex::new(cache),
            signature: Signature::any(2, Volatility::Immutable),
        }
    }

    fn terms(&self, json: &str) -> Result<Arc<TermSet>> {
        let mut slot = self
            .cache
            .lock()
            .map_err(|_| DataFusionError::Execution("has_any cache poisoned".into()))?;
        if let Some((k, t)) = slot.as_ref()
            && k == json
        {
            return Ok(t.clone());
        }
        let t = Arc::new(TermSet::from_json(json, self.case_sensitive));
        *slot = Some((json.to_string(), t.clone()));
        Ok(t)
    }
}

/// `kql_has_any[_cs](hay, needles)`; `constant` is the needles' JSON text
/// when it is known at bind time (the automaton is built now).
pub fn has_any_expr(
    case_sensitive: bool,
    hay: Expr,
    needles: Expr,
    constant: Option<&str>,
) -> Expr {
    Arc::new(ScalarUDF::from(HasAnyUdf::new(case_sensitive, constant))).call(vec![hay, needles])
}

/// A JSON array of strings, for [`has_any_expr`]'s constant needles.
pub fn terms_json<'a>(terms: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from("[");
    for (i, t) in terms.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // writing into a String cannot fail
        let _ = crate::dynamic::write_json_string(t, &mut s);
    }
    s.push(']');
    s
}

impl std::fmt::Debug for HasAnyUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HasAnyUdf")
            .field("case_sensitive", &self.case_sensitive)
            .field("needles", &self.preset)
            .finish()
    }
}

impl PartialEq for HasAnyUdf {
    fn eq(&self, other: &Self) -> bool {
        self.case_sensitive == other.case_sensitive && self.preset == other.preset
    }
}

impl Eq for HasAnyUdf {}

impl Hash for HasAnyUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.case_sensitive.hash(state);
        self.preset.hash(state);
    }
}

impl ScalarUDFImpl for HasAnyUdf {
    fn name(&self) -> &str {
        if self.case_sensitive {
            "kql_has_any_cs"
        } else {
            "kql_has_any"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [hay, needles] = args.args.as_slice() else {
            return exec_err!("{} takes two arguments", self.name());
        };
        let all_scalar = matches!(
            (hay, needles),
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_))
        );
        let rows = if all_scalar { 1 } else { args.number_rows };
        let hays = hay.to_array(rows)?;
        let mut out = BooleanBuilder::with_capacity(rows);
        match needles {
            ColumnarValue::Scalar(n) => {
                let Some(json) = crate::columnar::scalar_str(n) else {
                    // a null list: nothing to find
                    out.append_n(rows, false);
                    return crate::columnar::finish(Arc::new(out.finish()), all_scalar);
                };
                let terms = self.terms(json)?;
                let mut folded = terms.folded_matchers();
                for_each_str(&hays, |h| {
                    out.append_value(h.is_some_and(|h| terms.matches(h, &mut folded)))
                })?;
            }
            ColumnarValue::Array(n) => {
                let n: ArrayRef = cast(n, &DataType::Utf8)?;
                let n = n.as_string::<i32>();
                let mut current: Option<(usize, Arc<TermSet>, Vec<Matcher>)> = None;
                let mut row = 0usize;
                let mut err = Ok(());
                for_each_str(&hays, |h| {
                    let i = row;
                    row += 1;
                    if n.is_null(i) || err.is_err() {
                        out.append_value(false);
                        return;
                    }
                    let json = n.value(i);
                    // the same list as the row this set was built for?
                    let same = current
                        .as_ref()
                        .is_some_and(|(at, _, _)| n.value(*at) == json);
                    if !same {
                        match self.terms(json) {
                            Ok(t) => {
                                let f = t.folded_matchers();
                                current = Some((i, t, f));
                            }
                            Err(e) => {
                                err = Err(e);
                                out.append_value(false);
                                return;
                            }
                        }
                    }
                    let hit = match (&mut current, h) {
                        (Some((_, t, f)), Some(h)) => t.matches(h, f),
                        _ => false,
                    };
                    out.append_value(hit);
                })?;
                err?;
            }
        }
        crate::columnar::finish(Arc::new(out.finish()), all_scalar)
    }
}

/// The two `has_any` UDFs (unprepared), for registration.
pub(crate) fn all_has_any_udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(HasAnyUdf::new(false, None)),
        ScalarUDF::from(HasAnyUdf::new(true, None)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;

    fn has_any(terms: &[&str], cs: bool, hay: &str) -> bool {
        let t = TermSet::new(terms.iter().copied(), cs);
        let mut f = t.folded_matchers();
        t.matches(hay, &mut f)
    }

    #[test]
    fn agrees_with_has_on_term_boundaries() {
        let hays = [
            "Mozilla/5.0 XMRig/6.2",
            "myxmrigbox",
            "xmrigs",
            "xabc abc",
            "",
            "une école ici",
            "run XMRig now",
            "a-b c",
        ];
        let needles = [
            "xmrig",
            "XMRig",
            "abc",
            "5.0 xmrig",
            "/5.0",
            "ÉCOLE",
            "cole",
            "b c",
            "-b",
        ];
        for cs in [false, true] {
            for h in hays {
                for n in needles {
                    let expected = Matcher::new(MatchKind::Has, cs, n).matches(h);
                    assert_eq!(has_any(&[n], cs, h), expected, "{h:?} has {n:?} cs={cs}");
                }
                let expected = needles
                    .iter()
                    .any(|n| Matcher::new(MatchKind::Has, cs, n).matches(h));
                assert_eq!(has_any(&needles, cs, h), expected, "{h:?} cs={cs}");
            }
        }
    }

    #[test]
    fn overlapping_candidates_are_all_checked() {
        // "ab" occurs inside "xab" (no boundary) and again as a term
        assert!(has_any(&["xa", "ab"], false, "xab ab"));
        assert!(!has_any(&["ab", "bc"], false, "abc"));
        assert!(has_any(&[""], false, "anything"));
        assert!(!has_any(&[], false, "anything"));
    }

    #[test]
    fn json_needles_over_arrays_with_nulls() {
        let u = HasAnyUdf::new(false, Some(r#"["xmrig","ccminer",1,null,["x"]]"#));
        let hay = str_col(vec![
            Some("Mozilla XMRig/6"),
            None,
            Some(""),
            Some("ccminer-1"),
            Some("v1"),
            Some("build 1"),
        ]);
        let out = invoke(
            &u,
            vec![hay, str_lit(r#"["xmrig","ccminer",1,null,["x"]]"#)],
        );
        let out: Vec<_> = out.as_boolean().iter().collect();
        assert_eq!(
            out,
            vec![
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                Some(false),
                Some(true)
            ]
        );
    }

    #[test]
    fn per_row_needle_lists() {
        let u = HasAnyUdf::new(true, None);
        let hay = str_col(vec![Some("a b"), Some("a b"), Some("A b"), Some("x")]);
        let needles = str_col(vec![
            Some(r#"["a"]"#),
            Some(r#"["a"]"#),
            Some(r#"["a"]"#),
            None,
        ]);
        let out = invoke(&u, vec![hay, needles]);
        let out: Vec<_> = out.as_boolean().iter().collect();
        assert_eq!(out, vec![Some(true), Some(true), Some(false), Some(false)]);
    }
}
