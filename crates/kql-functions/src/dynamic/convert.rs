//! Conversions into and out of `dynamic`:
//!
//! * `kql_parse_json(s)`: valid JSON → its compact text; text that is not
//!   JSON → a dynamic string holding the text (as Kusto does); "" or a null
//!   → dynamic null.
//! * `kql_dynamic_tostring(d)`: a JSON string → the bare string; an object /
//!   array → compact JSON; a number / bool → its text; null → "".
//! * `kql_dynamic_to_long|int|real|bool(d)`: the JSON scalar converted, null
//!   when it does not convert (objects, arrays, null, bad text).
//! * `kql_array_length(d)`: the element count of an array, null otherwise.
//! * `kql_string_to_dynamic(s)`: a string as a dynamic string value.

use super::access::array_len;
use super::{
    Kind, finish, for_each_str, kind, skip_ws, unquote, validate, write_compact, write_json_string,
};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

fn fmt_err(e: std::fmt::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

fn one_arg(name: &str, args: &ScalarFunctionArgs) -> Result<(ArrayRef, bool)> {
    let [a] = args.args.as_slice() else {
        return exec_err!("{name} takes one argument");
    };
    let scalar = matches!(a, ColumnarValue::Scalar(_));
    let rows = if scalar { 1 } else { args.number_rows.max(1) };
    Ok((a.to_array(rows)?, scalar))
}

macro_rules! unary_udf {
    ($ty:ident, $name:literal, $ret:expr) => {
        #[derive(Debug, PartialEq, Eq, Hash)]
        pub struct $ty {
            signature: Signature,
        }

        impl Default for $ty {
            fn default() -> Self {
                $ty {
                    signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
                }
            }
        }

        impl ScalarUDFImpl for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn signature(&self) -> &Signature {
                &self.signature
            }
            fn return_type(&self, _: &[DataType]) -> Result<DataType> {
                Ok($ret)
            }
            fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
                let (a, scalar) = one_arg($name, &args)?;
                finish(self.run(&a)?, scalar)
            }
        }
    };
}

unary_udf!(ParseJsonUdf, "kql_parse_json", DataType::Utf8);
unary_udf!(DynamicToStringUdf, "kql_dynamic_tostring", DataType::Utf8);
unary_udf!(ArrayLengthUdf, "kql_array_length", DataType::Int64);
unary_udf!(StringToDynamicUdf, "kql_string_to_dynamic", DataType::Utf8);

/// `kql_string_to_dynamic(s)`: a string as a dynamic string (JSON-quoted).
pub fn string_to_dynamic_expr(s: Expr) -> Expr {
    Arc::new(ScalarUDF::from(StringToDynamicUdf::default())).call(vec![s])
}

impl StringToDynamicUdf {
    fn run(&self, a: &ArrayRef) -> Result<ArrayRef> {
        let mut out = StringBuilder::with_capacity(a.len(), a.len() * 16);
        let mut err = Ok(());
        for_each_str(a, |s| match s {
            None => out.append_null(),
            Some(s) => {
                if let Err(e) = write_json_string(s, &mut out) {
                    err = Err(fmt_err(e));
                }
                out.append_value("");
            }
        })?;
        err?;
        Ok(Arc::new(out.finish()))
    }
}

/// `kql_parse_json(s)` for a string `s`.
pub fn parse_json_expr(s: Expr) -> Expr {
    Arc::new(ScalarUDF::from(ParseJsonUdf::default())).call(vec![s])
}

/// `kql_dynamic_tostring(d)`: `tostring()` of a dynamic (never null).
pub fn dynamic_tostring_expr(d: Expr) -> Expr {
    Arc::new(ScalarUDF::from(DynamicToStringUdf::default())).call(vec![d])
}

/// `kql_array_length(d)`.
pub fn array_length_expr(d: Expr) -> Expr {
    Arc::new(ScalarUDF::from(ArrayLengthUdf::default())).call(vec![d])
}

/// Append the parsed form of `text` to `out` (not finishing the value).
pub fn parse_json_text(text: &str, out: &mut impl std::fmt::Write) -> std::fmt::Result {
    match validate(text) {
        Some((v, true)) => out.write_str(v),
        Some((v, false)) => write_compact(v, out),
        None => write_json_string(text, out),
    }
}

impl ParseJsonUdf {
    fn run(&self, a: &ArrayRef) -> Result<ArrayRef> {
        let mut out = StringBuilder::with_capacity(a.len(), a.len() * 16);
        let mut err = Ok(());
        for_each_str(a, |s| match s {
            None => out.append_null(),
            Some(s) if s.bytes().all(super::is_ws) => out.append_null(),
            Some(s) => match validate(s) {
                Some((_, _)) if kind(s.trim()) == Some(Kind::Null) => out.append_null(),
                _ => {
                    if let Err(e) = parse_json_text(s, &mut out) {
                        err = Err(fmt_err(e));
                    }
                    out.append_value("");
                }
            },
        })?;
        err?;
        Ok(Arc::new(out.finish()))
    }
}

/// `tostring()` of one dynamic value (`None` for null → "").
pub fn dynamic_to_text(v: &str, out: &mut impl std::fmt::Write) -> std::fmt::Result {
    let t = v.trim();
    match kind(t) {
        None | Some(Kind::Null) => Ok(()),
        Some(Kind::String) => match unquote(t) {
            Some(s) => out.write_str(&s),
            None => out.write_str(t),
        },
        Some(Kind::Array | Kind::Object) => write_compact(t, out),
        Some(Kind::Bool | Kind::Number) => out.write_str(t),
    }
}

impl DynamicToStringUdf {
    fn run(&self, a: &ArrayRef) -> Result<ArrayRef> {
        let mut out = StringBuilder::with_capacity(a.len(), a.len() * 16);
        let mut err = Ok(());
        for_each_str(a, |s| {
            if let Some(s) = s
                && let Err(e) = dynamic_to_text(s, &mut out)
            {
                err = Err(fmt_err(e));
            }
            out.append_value("");
        })?;
        err?;
        Ok(Arc::new(out.finish()))
    }
}

impl ArrayLengthUdf {
    fn run(&self, a: &ArrayRef) -> Result<ArrayRef> {
        let mut out = Int64Builder::with_capacity(a.len());
        for_each_str(a, |s| {
            let n = s.and_then(|s| {
                let i = skip_ws(s.as_bytes(), 0);
                (s.as_bytes().get(i) == Some(&b'[')).then(|| array_len(s, i))?
            });
            out.append_option(n.map(|n| n as i64));
        })?;
        Ok(Arc::new(out.finish()))
    }
}

/// The scalar type a dynamic converts to with `tolong()`, `toint()`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConvertTarget {
    Long,
    Int,
    Real,
    Bool,
}

impl ConvertTarget {
    pub const ALL: [ConvertTarget; 4] = [
        ConvertTarget::Long,
        ConvertTarget::Int,
        ConvertTarget::Real,
        ConvertTarget::Bool,
    ];

    fn name(self) -> &'static str {
        match self {
            ConvertTarget::Long => "kql_dynamic_to_long",
            ConvertTarget::Int => "kql_dynamic_to_int",
            ConvertTarget::Real => "kql_dynamic_to_real",
            ConvertTarget::Bool => "kql_dynamic_to_bool",
        }
    }

    fn data_type(self) -> DataType {
        match self {
            ConvertTarget::Long => DataType::Int64,
            ConvertTarget::Int => DataType::Int32,
            ConvertTarget::Real => DataType::Float64,
            ConvertTarget::Bool => DataType::Boolean,
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DynamicConvertUdf {
    target: ConvertTarget,
    signature: Signature,
}

impl DynamicConvertUdf {
    pub fn new(target: ConvertTarget) -> Self {
        DynamicConvertUdf {
            target,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// `kql_dynamic_to_<target>(d)`.
pub fn dynamic_convert_expr(target: ConvertTarget, d: Expr) -> Expr {
    Arc::new(ScalarUDF::from(DynamicConvertUdf::new(target))).call(vec![d])
}

/// A JSON scalar as a number: numbers, numeric strings, bools as 1 / 0.
fn to_f64(v: &str) -> Option<f64> {
    match kind(v)? {
        Kind::Number => v.parse().ok(),
        Kind::Bool => Some(if v == "true" { 1.0 } else { 0.0 }),
        Kind::String => unquote(v)?.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON scalar as a long: integers exactly, reals truncated toward zero,
/// integer strings, bools as 1 / 0.
pub fn to_i64(v: &str) -> Option<i64> {
    let v = v.trim();
    match kind(v)? {
        Kind::Number => v.parse::<i64>().ok().or_else(|| {
            let f: f64 = v.parse().ok()?;
            (f.is_finite() && f.abs() < 9.2e18).then_some(f.trunc() as i64)
        }),
        Kind::Bool => Some(i64::from(v == "true")),
        Kind::String => unquote(v)?.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON scalar as a real.
pub fn to_real(v: &str) -> Option<f64> {
    to_f64(v.trim())
}

/// A JSON scalar as a bool: bools, numbers (non-zero is true), the strings
/// "true" / "false" in any case.
pub fn to_bool(v: &str) -> Option<bool> {
    let v = v.trim();
    match kind(v)? {
        Kind::Bool => Some(v == "true"),
        Kind::Number => v.parse::<f64>().ok().map(|f| f != 0.0),
        Kind::String => {
            let s = unquote(v)?;
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

impl ScalarUDFImpl for DynamicConvertUdf {
    fn name(&self) -> &str {
        self.target.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.target.data_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (a, scalar) = one_arg(self.target.name(), &args)?;
        let n = a.len();
        let result: ArrayRef = match self.target {
            ConvertTarget::Long => {
                let mut b = Int64Builder::with_capacity(n);
                for_each_str(&a, |s| b.append_option(s.and_then(to_i64)))?;
                Arc::new(b.finish())
            }
            ConvertTarget::Int => {
                let mut b = Int32Builder::with_capacity(n);
                for_each_str(&a, |s| {
                    b.append_option(s.and_then(to_i64).and_then(|v| i32::try_from(v).ok()))
                })?;
                Arc::new(b.finish())
            }
            ConvertTarget::Real => {
                let mut b = Float64Builder::with_capacity(n);
                for_each_str(&a, |s| b.append_option(s.and_then(to_real)))?;
                Arc::new(b.finish())
            }
            ConvertTarget::Bool => {
                let mut b = BooleanBuilder::with_capacity(n);
                for_each_str(&a, |s| b.append_option(s.and_then(to_bool)))?;
                Arc::new(b.finish())
            }
        };
        finish(result, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray, StringArray};

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect()
    }

    fn input(v: Vec<Option<&str>>) -> ArrayRef {
        Arc::new(StringArray::from(v))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn parse_json_compacts_and_keeps_bad_text_as_a_string() {
        let out = ParseJsonUdf::default()
            .run(&input(vec![
                Some(r#" { "b" : 1, "a" : [ true, null ] } "#),
                Some("not json"),
                Some(""),
                None,
                Some("null"),
                Some("12"),
                Some(r#"say "hi""#),
            ]))
            .unwrap();
        assert_eq!(
            strings(&out),
            vec![
                s(r#"{"b":1,"a":[true,null]}"#),
                s(r#""not json""#),
                None,
                None,
                None,
                s("12"),
                s(r#""say \"hi\"""#),
            ]
        );
    }

    #[test]
    fn tostring_of_dynamic() {
        let out = DynamicToStringUdf::default()
            .run(&input(vec![
                Some(r#""x\ty""#),
                Some(r#"{"a":[1, 2]}"#),
                None,
                Some("1.5"),
                Some("false"),
                Some(r#""""#),
            ]))
            .unwrap();
        assert_eq!(out.null_count(), 0);
        assert_eq!(
            strings(&out),
            vec![
                s("x\ty"),
                s(r#"{"a":[1,2]}"#),
                s(""),
                s("1.5"),
                s("false"),
                s("")
            ]
        );
    }

    #[test]
    fn scalar_conversions() {
        assert_eq!(to_i64("42"), Some(42));
        assert_eq!(to_i64("-2.9"), Some(-2));
        assert_eq!(to_i64(r#""17""#), Some(17));
        assert_eq!(to_i64("true"), Some(1));
        assert_eq!(to_i64(r#""x""#), None);
        assert_eq!(to_i64("[1]"), None);
        assert_eq!(to_i64("null"), None);
        assert_eq!(to_real("1e3"), Some(1000.0));
        assert_eq!(to_real(r#""2.5""#), Some(2.5));
        assert_eq!(to_bool(r#""TRUE""#), Some(true));
        assert_eq!(to_bool("0"), Some(false));
        assert_eq!(to_bool("{}"), None);
    }

    #[test]
    fn strings_become_dynamic_strings() {
        let out = StringToDynamicUdf::default()
            .run(&input(vec![Some("a\"b"), Some(""), None]))
            .unwrap();
        assert_eq!(strings(&out), vec![s(r#""a\"b""#), s(r#""""#), None]);
    }

    #[test]
    fn array_length_is_null_for_non_arrays() {
        let out = ArrayLengthUdf::default()
            .run(&input(vec![
                Some("[1,[2,3],{}]"),
                Some("[]"),
                Some(r#"{"a":1}"#),
                Some(r#""[1]""#),
                None,
            ]))
            .unwrap();
        let v: Vec<Option<i64>> = out
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .iter()
            .collect();
        assert_eq!(v, vec![Some(3), Some(0), None, None, None]);
    }
}
