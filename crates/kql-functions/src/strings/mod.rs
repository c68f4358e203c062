//! String predicates as vectorised DataFusion UDFs: `kql_has`, `kql_has_cs`,
//! `kql_contains`, ... one UDF per (operator, case) pair, so plans say what
//! they do. Each runs over a whole Arrow string array with the needle
//! prepared once when it is a constant (the usual case). [`has_any`] is
//! `has_any` over a whole needle list in one pass (Aho-Corasick);
//! [`case_insensitive`] is `=~` / `in~` and [`regex_match`] `matches regex`.

pub mod case_insensitive;
pub mod has_any;
mod matching;
pub mod regex_match;
pub mod text;

pub use case_insensitive::{CaseInsensitiveUdf, equals_ci_expr, in_ci_array_expr, in_ci_expr};
pub use has_any::{TermSet, has_any_expr, terms_json};
pub use matching::{MatchKind, Matcher};
pub use regex_match::{MatchesRegexUdf, matches_regex_expr};

use datafusion::arrow::array::{Array, AsArray, BooleanBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// The UDF for one string predicate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StringMatchUdf {
    kind: MatchKind,
    case_sensitive: bool,
    name: String,
    signature: Signature,
}

impl StringMatchUdf {
    pub fn new(kind: MatchKind, case_sensitive: bool) -> Self {
        let name = format!(
            "kql_{}{}",
            kind.name(),
            if case_sensitive { "_cs" } else { "" }
        );
        // Any two arguments: the binder has made both strings, and the
        // kernel reads the three Arrow string types and casts anything else
        // (a dictionary column) itself. A `one_of` list of exact string
        // signatures made DataFusion's optimiser exponential in the depth of
        // `extend x = iff(s contains ..., f(x), x)` chains.
        StringMatchUdf {
            kind,
            case_sensitive,
            name,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// All string-match UDFs, for registration in a session.
pub fn all_string_match_udfs() -> Vec<ScalarUDF> {
    let kinds = [
        MatchKind::Has,
        MatchKind::HasPrefix,
        MatchKind::HasSuffix,
        MatchKind::Contains,
        MatchKind::StartsWith,
        MatchKind::EndsWith,
    ];
    let mut udfs: Vec<ScalarUDF> = kinds
        .iter()
        .flat_map(|k| [false, true].map(|cs| ScalarUDF::from(StringMatchUdf::new(*k, cs))))
        .collect();
    udfs.extend(has_any::all_has_any_udfs());
    udfs.extend(case_insensitive::all_case_insensitive_udfs());
    udfs.extend(regex_match::all_regex_match_udfs());
    udfs
}

/// The expression `kql_<kind>[_cs](hay, needle)`.
pub fn string_match_expr(kind: MatchKind, case_sensitive: bool, hay: Expr, needle: Expr) -> Expr {
    let udf = Arc::new(ScalarUDF::from(StringMatchUdf::new(kind, case_sensitive)));
    udf.call(vec![hay, needle])
}

use crate::columnar::{for_each_str, scalar_str};

/// `v` as one of the Arrow string types (a dictionary or other column cast
/// to Utf8; a null stays null).
fn as_string_value(v: &ColumnarValue) -> Result<ColumnarValue> {
    let is_string = |t: &DataType| {
        matches!(
            t,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
        )
    };
    Ok(match v {
        ColumnarValue::Array(a) if !is_string(a.data_type()) => {
            ColumnarValue::Array(cast(a, &DataType::Utf8)?)
        }
        ColumnarValue::Scalar(s) if !is_string(&s.data_type()) => {
            ColumnarValue::Scalar(s.cast_to(&DataType::Utf8)?)
        }
        other => other.clone(),
    })
}

impl ScalarUDFImpl for StringMatchUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [hay, needle] = args.args.as_slice() else {
            return exec_err!("{} takes two arguments", self.name);
        };
        let (hay, needle) = (&as_string_value(hay)?, &as_string_value(needle)?);
        // A null on either side: the predicate is false (two-valued).
        match (hay, needle) {
            (_, ColumnarValue::Scalar(n)) => {
                let Some(n) = scalar_str(n) else {
                    return Ok(match hay {
                        ColumnarValue::Scalar(_) => {
                            ColumnarValue::Scalar(ScalarValue::Boolean(Some(false)))
                        }
                        ColumnarValue::Array(a) => ColumnarValue::Array(Arc::new(
                            datafusion::arrow::array::BooleanArray::from(vec![false; a.len()]),
                        )),
                    });
                };
                let mut m = Matcher::new(self.kind, self.case_sensitive, n);
                match hay {
                    ColumnarValue::Scalar(h) => Ok(ColumnarValue::Scalar(ScalarValue::Boolean(
                        Some(scalar_str(h).is_some_and(|h| m.matches(h))),
                    ))),
                    ColumnarValue::Array(a) => {
                        let mut out = BooleanBuilder::with_capacity(a.len());
                        for_each_str(a, |h| out.append_value(h.is_some_and(|h| m.matches(h))))?;
                        Ok(ColumnarValue::Array(Arc::new(out.finish())))
                    }
                }
            }
            (_, ColumnarValue::Array(needles)) => {
                // Per-row needles (rare: a needle from a column): both sides
                // as Utf8, walked together; each needle is prepared in turn.
                let len = needles.len();
                let hays = cast(&hay.to_array(len)?, &DataType::Utf8)?;
                let needles = cast(needles, &DataType::Utf8)?;
                let mut out = BooleanBuilder::with_capacity(len);
                for (h, n) in hays
                    .as_string::<i32>()
                    .iter()
                    .zip(needles.as_string::<i32>())
                {
                    out.append_value(match (h, n) {
                        (Some(h), Some(n)) => {
                            Matcher::new(self.kind, self.case_sensitive, n).matches(h)
                        }
                        _ => false,
                    });
                }
                Ok(ColumnarValue::Array(Arc::new(out.finish())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, BooleanArray, StringArray};
    use datafusion::arrow::datatypes::Field;

    fn run(udf: &StringMatchUdf, hay: ArrayRef, needle: ColumnarValue) -> BooleanArray {
        let n = hay.len();
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(hay), needle],
            arg_fields: vec![
                Arc::new(Field::new("h", DataType::Utf8, true)),
                Arc::new(Field::new("n", DataType::Utf8, true)),
            ],
            number_rows: n,
            return_field: Arc::new(Field::new("r", DataType::Boolean, true)),
            config_options: Arc::new(Default::default()),
        };
        match udf.invoke_with_args(args).unwrap() {
            ColumnarValue::Array(a) => a.as_boolean().clone(),
            ColumnarValue::Scalar(_) => panic!("expected an array"),
        }
    }

    #[test]
    fn has_over_an_array_with_nulls_and_empty_strings() {
        let udf = StringMatchUdf::new(MatchKind::Has, false);
        let hay: ArrayRef = Arc::new(StringArray::from(vec![
            Some("Mozilla XMRig/6"),
            None,
            Some(""),
            Some("myxmrigbox"),
        ]));
        let out = run(
            &udf,
            hay,
            ColumnarValue::Scalar(ScalarValue::Utf8(Some("xmrig".into()))),
        );
        assert_eq!(out, BooleanArray::from(vec![true, false, false, false]));
    }

    #[test]
    fn null_needle_is_false_and_per_row_needles_work() {
        let udf = StringMatchUdf::new(MatchKind::Contains, false);
        let hay: ArrayRef = Arc::new(StringArray::from(vec![Some("abc"), Some("abc")]));
        let out = run(
            &udf,
            hay.clone(),
            ColumnarValue::Scalar(ScalarValue::Utf8(None)),
        );
        assert_eq!(out, BooleanArray::from(vec![false, false]));
        let needles: ArrayRef = Arc::new(StringArray::from(vec![Some("B"), Some("x")]));
        let out = run(&udf, hay, ColumnarValue::Array(needles));
        assert_eq!(out, BooleanArray::from(vec![true, false]));
    }

    #[test]
    fn a_dictionary_column_is_read_as_its_strings() {
        use datafusion::arrow::array::DictionaryArray;
        use datafusion::arrow::datatypes::Int32Type;
        let dict: DictionaryArray<Int32Type> = vec![
            Some("cmd.exe /c x"),
            None,
            Some("svchost.exe"),
            Some("cmd.exe /c x"),
        ]
        .into_iter()
        .collect();
        let udf = StringMatchUdf::new(MatchKind::Has, false);
        let out = run(
            &udf,
            Arc::new(dict),
            ColumnarValue::Scalar(ScalarValue::Utf8(Some("CMD".into()))),
        );
        assert_eq!(
            out.iter().collect::<Vec<_>>(),
            vec![Some(true), Some(false), Some(false), Some(true)]
        );
    }
}
