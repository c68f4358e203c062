//! `kql_dynamic_get(json, key)`: `x.name` / `x['name']` (a Utf8 key) and
//! `x[i]` (an Int64 index, negative counts from the end). A missing
//! property, an index out of range, a target that is not an object / array,
//! invalid JSON text, or a null on either side all give a dynamic null.

use super::{
    Kind, finish, for_each_str, kind, scalar_str, scan_string, scan_value, skip_ws, unquote,
    write_compact,
};
use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DynamicGetUdf {
    signature: Signature,
}

impl Default for DynamicGetUdf {
    fn default() -> Self {
        DynamicGetUdf {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8]),
                    TypeSignature::Exact(vec![DataType::Utf8, DataType::Int64]),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

/// `kql_dynamic_get(json, key)`; `key` must be Utf8 (property) or Int64 (index).
pub fn dynamic_get_expr(json: Expr, key: Expr) -> Expr {
    Arc::new(ScalarUDF::from(DynamicGetUdf::default())).call(vec![json, key])
}

/// A property name or an array index.
#[derive(Debug, Clone, Copy)]
pub enum Key<'k> {
    Name(&'k str),
    Index(i64),
}

/// The text of the element of `json` named by `key`, trimmed (it may still
/// contain whitespace inside when `json` is not compact). `None` when there
/// is no such element or `json` is not a valid object / array there.
pub fn get<'a>(json: &'a str, key: Key<'_>) -> Option<&'a str> {
    let b = json.as_bytes();
    let i = skip_ws(b, 0);
    match (key, b.get(i)?) {
        (Key::Name(name), b'{') => get_member(json, i, name),
        (Key::Index(idx), b'[') => get_index(json, i, idx),
        _ => None,
    }
}

fn get_member<'a>(json: &'a str, open: usize, name: &str) -> Option<&'a str> {
    let b = json.as_bytes();
    let mut j = skip_ws(b, open + 1);
    if b.get(j) == Some(&b'}') {
        return None;
    }
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let (kend, escaped) = scan_string(b, j)?;
        let matches = if escaped {
            unquote(&json[j..kend]).is_some_and(|k| k == name)
        } else {
            &json[j + 1..kend - 1] == name
        };
        j = skip_ws(b, kend);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        let (vend, _) = scan_value(b, j, 1)?;
        if matches {
            return Some(&json[j..vend]);
        }
        j = skip_ws(b, vend);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            _ => return None,
        }
    }
}

/// Call `f` with the range of each element of the array opening at `open`,
/// until it returns true. Returns false on invalid text.
pub(crate) fn each_element(
    json: &str,
    open: usize,
    mut f: impl FnMut(usize, usize) -> bool,
) -> bool {
    let b = json.as_bytes();
    let mut j = skip_ws(b, open + 1);
    if b.get(j) == Some(&b']') {
        return true;
    }
    loop {
        let Some((vend, _)) = scan_value(b, j, 1) else {
            return false;
        };
        if f(j, vend) {
            return true;
        }
        j = skip_ws(b, vend);
        match b.get(j) {
            Some(b',') => j = skip_ws(b, j + 1),
            Some(b']') => return true,
            _ => return false,
        }
    }
}

/// The number of elements of the array opening at `open`.
pub(crate) fn array_len(json: &str, open: usize) -> Option<usize> {
    let mut n = 0;
    each_element(json, open, |_, _| {
        n += 1;
        false
    })
    .then_some(n)
}

fn get_index(json: &str, open: usize, idx: i64) -> Option<&str> {
    let target = if idx < 0 {
        let len = array_len(json, open)? as i64;
        let t = len + idx;
        if t < 0 {
            return None;
        }
        t as u64
    } else {
        idx as u64
    };
    let mut n = 0u64;
    let mut found = None;
    each_element(json, open, |s, e| {
        if n == target {
            found = Some((s, e));
            return true;
        }
        n += 1;
        false
    });
    found.map(|(s, e)| &json[s..e])
}

/// Append an element as a dynamic value: JSON `null` is a dynamic null.
fn append_element(out: &mut StringBuilder, v: Option<&str>) -> Result<()> {
    match v {
        None => out.append_null(),
        Some(v) if kind(v) == Some(Kind::Null) => out.append_null(),
        Some(v) if matches!(kind(v), Some(Kind::Array | Kind::Object)) => {
            // Compact already unless the source text was not.
            if v.bytes().any(super::is_ws) {
                write_compact(v, out)
                    .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
                out.append_value("");
            } else {
                out.append_value(v);
            }
        }
        Some(v) => out.append_value(v),
    }
    Ok(())
}

fn scalar_key(v: &ScalarValue) -> Option<Key<'_>> {
    match v {
        ScalarValue::Int64(Some(i)) => Some(Key::Index(*i)),
        ScalarValue::Int32(Some(i)) => Some(Key::Index(i64::from(*i))),
        other => scalar_str(other).map(Key::Name),
    }
}

impl ScalarUDFImpl for DynamicGetUdf {
    fn name(&self) -> &str {
        "kql_dynamic_get"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [json, key] = args.args.as_slice() else {
            return exec_err!("kql_dynamic_get takes two arguments");
        };
        let all_scalar = matches!(
            (json, key),
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_))
        );
        let rows = if all_scalar {
            1
        } else {
            args.number_rows.max(1)
        };
        let jsons = json.to_array(rows)?;
        let mut out = StringBuilder::with_capacity(jsons.len(), jsons.len() * 8);
        match key {
            // The usual case: a constant key, prepared once.
            ColumnarValue::Scalar(k) => {
                let key = scalar_key(k);
                let mut err = Ok(());
                for_each_str(&jsons, |j| {
                    let v = match (j, key) {
                        (Some(j), Some(k)) => get(j, k),
                        _ => None,
                    };
                    if err.is_ok() {
                        err = append_element(&mut out, v);
                    }
                })?;
                err?;
            }
            ColumnarValue::Array(keys) => {
                let keys = keys.clone();
                let mut row = 0usize;
                let mut err = Ok(());
                let mut visit = |j: Option<&str>, out: &mut StringBuilder| {
                    let k = if keys.is_null(row) {
                        None
                    } else {
                        match keys.data_type() {
                            DataType::Int64 => {
                                Some(Key::Index(keys.as_primitive::<Int64Type>().value(row)))
                            }
                            DataType::Utf8 => Some(Key::Name(keys.as_string::<i32>().value(row))),
                            _ => None,
                        }
                    };
                    row += 1;
                    let v = match (j, k) {
                        (Some(j), Some(k)) => get(j, k),
                        _ => None,
                    };
                    if err.is_ok() {
                        err = append_element(out, v);
                    }
                };
                for_each_str(&jsons, |j| visit(j, &mut out))?;
                err?;
            }
        }
        finish(Arc::new(out.finish()), all_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
    use datafusion::arrow::datatypes::Field;
    use datafusion::config::ConfigOptions;

    fn run(json: Vec<Option<&str>>, key: ColumnarValue) -> Vec<Option<String>> {
        let n = json.len();
        let arr: ArrayRef = Arc::new(StringArray::from(json));
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(arr), key],
            arg_fields: vec![
                Arc::new(Field::new("j", DataType::Utf8, true)),
                Arc::new(Field::new("k", DataType::Utf8, true)),
            ],
            number_rows: n,
            return_field: Arc::new(Field::new("r", DataType::Utf8, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let ColumnarValue::Array(a) = DynamicGetUdf::default().invoke_with_args(args).unwrap()
        else {
            panic!("array expected")
        };
        a.as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn member_access_over_an_array_with_nulls() {
        let key = ColumnarValue::Scalar(ScalarValue::Utf8(Some("a".into())));
        let out = run(
            vec![
                Some(r#"{"a":1}"#),
                None,
                Some(""),
                Some(r#"{"b":1}"#),
                Some(r#"{"a":null}"#),
                Some(r#"{ "x" : 1, "a" : { "b" : [ 1, 2 ] } }"#),
                Some("[1,2]"),
                Some(r#""a""#),
                Some(r#"{"a":"x y"}"#),
                Some(r#"{"\u0061":true}"#),
                Some("not json"),
            ],
            key,
        );
        assert_eq!(
            out,
            vec![
                s("1"),
                None,
                None,
                None,
                None,
                s(r#"{"b":[1,2]}"#),
                None,
                None,
                s(r#""x y""#),
                s("true"),
                None
            ]
        );
    }

    #[test]
    fn index_access_counts_negative_from_the_end() {
        let doc = Some(r#"[1,"two",{"b":"x"},[3]]"#);
        let at = |i: i64| {
            run(
                vec![doc],
                ColumnarValue::Scalar(ScalarValue::Int64(Some(i))),
            )
            .remove(0)
        };
        assert_eq!(at(0), s("1"));
        assert_eq!(at(1), s(r#""two""#));
        assert_eq!(at(2), s(r#"{"b":"x"}"#));
        assert_eq!(at(-1), s("[3]"));
        assert_eq!(at(-4), s("1"));
        assert_eq!(at(-5), None);
        assert_eq!(at(4), None);
        assert_eq!(
            run(
                vec![Some("[]"), Some(r#"{"0":1}"#), None],
                ColumnarValue::Scalar(ScalarValue::Int64(Some(0)))
            ),
            vec![None, None, None]
        );
    }

    #[test]
    fn per_row_keys() {
        let keys: ArrayRef = Arc::new(Int64Array::from(vec![Some(0), Some(-1), None]));
        assert_eq!(
            run(
                vec![Some("[1,2]"), Some("[1,2]"), Some("[1,2]")],
                ColumnarValue::Array(keys)
            ),
            vec![s("1"), s("2"), None]
        );
    }
}
