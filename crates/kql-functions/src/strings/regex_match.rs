//! `text matches regex pattern` as `kql_matches_regex(text, pattern)`.
//!
//! Kusto's regular expressions are RE2, which the `regex` crate implements;
//! a match anywhere in the text counts (no implicit anchors) and the match
//! is case-sensitive unless the pattern says `(?i)`. A constant pattern is
//! compiled once, when the binder builds the call; a pattern read from a
//! column is compiled when it changes from the row before. A null on either
//! side does not match.

use crate::columnar::{for_each_str, scalar_str};
use datafusion::arrow::array::{Array, AsArray, BooleanBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::Regex;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// `kql_matches_regex` with its constant pattern compiled.
pub struct MatchesRegexUdf {
    preset: Option<(String, Regex)>,
    signature: Signature,
}

impl MatchesRegexUdf {
    /// `preset`: the constant pattern of this call site, if any (an invalid
    /// one is reported by the binder and never reaches here).
    pub fn new(preset: Option<&str>) -> MatchesRegexUdf {
        MatchesRegexUdf {
            preset: preset.and_then(|p| Some((p.to_string(), crate::re2::regex(p).ok()?))),
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    fn compiled(&self, pattern: &str) -> Result<Regex> {
        match &self.preset {
            Some((p, r)) if p == pattern => Ok(r.clone()),
            _ => crate::re2::regex(pattern)
                .map_err(|e| DataFusionError::Execution(format!("bad regex: {e}"))),
        }
    }
}

/// `kql_matches_regex(text, pattern)`; pass a constant pattern as `preset`.
pub fn matches_regex_expr(text: Expr, pattern: Expr, preset: Option<&str>) -> Expr {
    Arc::new(ScalarUDF::from(MatchesRegexUdf::new(preset))).call(vec![text, pattern])
}

impl std::fmt::Debug for MatchesRegexUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchesRegexUdf")
            .field("pattern", &self.preset.as_ref().map(|(p, _)| p))
            .finish()
    }
}

impl PartialEq for MatchesRegexUdf {
    fn eq(&self, other: &Self) -> bool {
        self.preset.as_ref().map(|(p, _)| p) == other.preset.as_ref().map(|(p, _)| p)
    }
}

impl Eq for MatchesRegexUdf {}

impl Hash for MatchesRegexUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.preset.as_ref().map(|(p, _)| p).hash(state);
    }
}

impl ScalarUDFImpl for MatchesRegexUdf {
    fn name(&self) -> &str {
        "kql_matches_regex"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text, pattern] = args.args.as_slice() else {
            return exec_err!("kql_matches_regex takes two arguments");
        };
        let rows = args.number_rows;
        match pattern {
            ColumnarValue::Scalar(p) => {
                let Some(p) = scalar_str(p) else {
                    // A null pattern matches nothing.
                    return Ok(match text {
                        ColumnarValue::Scalar(_) => {
                            ColumnarValue::Scalar(ScalarValue::Boolean(Some(false)))
                        }
                        ColumnarValue::Array(a) => ColumnarValue::Array(Arc::new(
                            datafusion::arrow::array::BooleanArray::from(vec![false; a.len()]),
                        )),
                    });
                };
                let re = self.compiled(p)?;
                match text {
                    ColumnarValue::Scalar(t) => Ok(ColumnarValue::Scalar(ScalarValue::Boolean(
                        Some(scalar_str(t).is_some_and(|t| re.is_match(t))),
                    ))),
                    ColumnarValue::Array(a) => {
                        let mut out = BooleanBuilder::with_capacity(a.len());
                        for_each_str(a, |t| out.append_value(t.is_some_and(|t| re.is_match(t))))?;
                        Ok(ColumnarValue::Array(Arc::new(out.finish())))
                    }
                }
            }
            ColumnarValue::Array(patterns) => {
                let texts = cast(&text.to_array(rows)?, &DataType::Utf8)?;
                let patterns = cast(patterns, &DataType::Utf8)?;
                let (texts, patterns) = (texts.as_string::<i32>(), patterns.as_string::<i32>());
                let mut out = BooleanBuilder::with_capacity(rows);
                let mut last: Option<(usize, Regex)> = None;
                for r in 0..rows {
                    if texts.is_null(r) || patterns.is_null(r) {
                        out.append_value(false);
                        continue;
                    }
                    let p = patterns.value(r);
                    let same = last.as_ref().is_some_and(|(i, _)| patterns.value(*i) == p);
                    if !same {
                        last = Some((r, self.compiled(p)?));
                    }
                    let re = &last.as_ref().expect("compiled above").1;
                    out.append_value(re.is_match(texts.value(r)));
                }
                Ok(ColumnarValue::Array(Arc::new(out.finish())))
            }
        }
    }
}

pub(crate) fn all_regex_match_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(MatchesRegexUdf::new(None))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::{invoke, str_col, str_lit};

    fn bools(a: &datafusion::arrow::array::ArrayRef) -> Vec<bool> {
        let b = a.as_boolean();
        (0..b.len()).map(|i| b.is_valid(i) && b.value(i)).collect()
    }

    #[test]
    fn matches_anywhere_case_sensitively() {
        let udf = MatchesRegexUdf::new(Some("[0-9]+x"));
        let col = str_col(vec![Some("ab12x"), Some("12X"), None, Some("")]);
        let r = invoke(&udf, vec![col, str_lit("[0-9]+x")]);
        assert_eq!(bools(&r), vec![true, false, false, false]);
    }

    #[test]
    fn inline_flags_and_empty_pattern() {
        let udf = MatchesRegexUdf::new(None);
        let col = str_col(vec![Some("CMD.EXE"), Some("")]);
        let r = invoke(&udf, vec![col.clone(), str_lit("(?i)^cmd\\.exe$")]);
        assert_eq!(bools(&r), vec![true, false]);
        // the empty pattern matches every string, the empty one too
        assert_eq!(
            bools(&invoke(&udf, vec![col, str_lit("")])),
            vec![true, true]
        );
    }

    #[test]
    fn patterns_from_a_column() {
        let udf = MatchesRegexUdf::new(None);
        let t = str_col(vec![Some("abc"), Some("abc"), Some("xyz"), Some("q")]);
        let p = str_col(vec![Some("^a"), Some("^a"), Some("^a"), None]);
        assert_eq!(
            bools(&invoke(&udf, vec![t, p])),
            vec![true, true, false, false]
        );
    }

    #[test]
    fn a_bad_pattern_from_a_column_is_an_error_not_a_panic() {
        let udf = MatchesRegexUdf::new(None);
        let args = ScalarFunctionArgs {
            args: vec![str_col(vec![Some("a")]), str_col(vec![Some("(")])],
            arg_fields: vec![
                Arc::new(datafusion::arrow::datatypes::Field::new(
                    "a",
                    DataType::Utf8,
                    true,
                )),
                Arc::new(datafusion::arrow::datatypes::Field::new(
                    "b",
                    DataType::Utf8,
                    true,
                )),
            ],
            number_rows: 1,
            return_field: Arc::new(datafusion::arrow::datatypes::Field::new(
                "r",
                DataType::Boolean,
                true,
            )),
            config_options: Arc::new(datafusion::config::ConfigOptions::default()),
        };
        assert!(udf.invoke_with_args(args).is_err());
    }
}
