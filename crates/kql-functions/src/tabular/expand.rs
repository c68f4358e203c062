//! The runtime of `mv-expand` (and of the expansion step of `mv-apply`):
//! dynamic values become Arrow lists that DataFusion's unnest turns into
//! rows.
//!
//! `kql_mv_expand(json, array_bags, limit)` lists the top-level items of each
//! value (mv-expand-operator.md, "Returns"):
//! * an array: its elements (a JSON `null` element is a dynamic null);
//! * a property bag: one single-property bag `{"k":v}` per property, or, with
//!   `array_bags` (`kind=array`), one `["k",v]` pair per property;
//! * an empty array or bag: no items (the row disappears);
//! * a null (or JSON `null`): one null item (the row stays, with null);
//! * any other value (a number, a string): itself, as the one item.
//!
//! At most `limit` items are kept. `kql_mv_expand_index(lists...)` gives
//! `[0, 1, ..., n-1]` for the longest of its lists, for `with_itemindex`:
//! lists unnested together are zipped, the shorter ones padded with nulls.

use crate::columnar::for_each_str;
use crate::dynamic::{Kind, kind, validate, write_compact};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility, lit,
};
use std::fmt::Write;
use std::sync::Arc;

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvExpandUdf {
    signature: Signature,
}

impl Default for MvExpandUdf {
    fn default() -> Self {
        MvExpandUdf {
            signature: Signature::one_of(
                vec![TypeSignature::Exact(vec![
                    DataType::Utf8,
                    DataType::Boolean,
                    DataType::Int64,
                ])],
                Volatility::Immutable,
            ),
        }
    }
}

/// `kql_mv_expand(json, array_bags, limit)`; `limit` `None` is no limit.
pub fn mv_expand_expr(json: Expr, array_bags: bool, limit: Option<usize>) -> Expr {
    let limit = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
    Arc::new(ScalarUDF::from(MvExpandUdf::default())).call(vec![json, lit(array_bags), lit(limit)])
}

impl ScalarUDFImpl for MvExpandUdf {
    fn name(&self) -> &str {
        "kql_mv_expand"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(list_of(DataType::Utf8))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [json, bags, limit] = args.args.as_slice() else {
            return exec_err!("kql_mv_expand takes three arguments");
        };
        let (
            ColumnarValue::Scalar(ScalarValue::Boolean(Some(array_bags))),
            ColumnarValue::Scalar(ScalarValue::Int64(Some(limit))),
        ) = (bags, limit)
        else {
            return exec_err!("kql_mv_expand needs constant bag mode and limit");
        };
        let limit = usize::try_from(*limit).unwrap_or(0);
        let is_scalar = matches!(json, ColumnarValue::Scalar(_));
        let array = json.to_array(args.number_rows.max(1))?;
        let mut out = ListBuilder::with_capacity(StringBuilder::new(), array.len());
        let mut err = Ok(());
        for_each_str(&array, |v| {
            if let Err(e) = items(v, *array_bags, limit, &mut out) {
                err = exec_err!("kql_mv_expand: {e}");
            }
            out.append(true);
        })?;
        err?;
        let result: ArrayRef = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

/// Append the items of one dynamic value to the current list of `out`.
fn items(
    v: Option<&str>,
    array_bags: bool,
    limit: usize,
    out: &mut ListBuilder<StringBuilder>,
) -> std::fmt::Result {
    let b = out.values();
    let Some(v) = v else {
        if limit > 0 {
            b.append_null();
        }
        return Ok(());
    };
    let Some((v, compact)) = validate(v) else {
        // not JSON text (cannot come from a dynamic column): the value itself
        if limit > 0 {
            b.append_value(v);
        }
        return Ok(());
    };
    let write = |b: &mut StringBuilder, text: &str| {
        if compact {
            b.write_str(text)
        } else {
            write_compact(text, b)
        }
    };
    match kind(v) {
        Some(Kind::Null) | None => {
            if limit > 0 {
                b.append_null();
            }
        }
        Some(Kind::Array) => {
            for (s, e) in top_level(v).into_iter().take(limit) {
                let item = &v[s..e];
                if kind(item) == Some(Kind::Null) {
                    b.append_null();
                } else {
                    write(b, item)?;
                    b.append_value("");
                }
            }
        }
        Some(Kind::Object) => {
            for (s, e) in top_level(v).into_iter().take(limit) {
                let member = &v[s..e];
                let (key, value) = split_member(member);
                let (open, sep, close) = if array_bags {
                    ("[", ",", "]")
                } else {
                    ("{", ":", "}")
                };
                b.write_str(open)?;
                write(b, key)?;
                b.write_str(sep)?;
                write(b, value)?;
                b.write_str(close)?;
                b.append_value("");
            }
        }
        Some(_) => {
            if limit > 0 {
                write(b, v)?;
                b.append_value("");
            }
        }
    }
    Ok(())
}

/// The byte ranges (trimmed) of the top-level items of a valid JSON array or
/// object text.
fn top_level(v: &str) -> Vec<(usize, usize)> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 1;
    for (i, &c) in b.iter().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    push_trimmed(v, start, i, &mut out);
                }
            }
            b',' if depth == 1 => {
                push_trimmed(v, start, i, &mut out);
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

fn push_trimmed(v: &str, s: usize, e: usize, out: &mut Vec<(usize, usize)>) {
    let part = &v[s..e];
    let t = part.trim_start();
    let s = s + (part.len() - t.len());
    let e = s + t.trim_end().len();
    if e > s {
        out.push((s, e));
    }
}

/// `"key" : value` → (`"key"`, `value`), both trimmed.
fn split_member(m: &str) -> (&str, &str) {
    let b = m.as_bytes();
    let mut escaped = false;
    // the key is a string starting at 0
    for (i, &c) in b.iter().enumerate().skip(1) {
        match c {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => {
                let key = &m[..=i];
                let rest = m[i + 1..].trim_start();
                let value = rest.strip_prefix(':').unwrap_or(rest).trim();
                return (key, value);
            }
            _ => {}
        }
    }
    (m, "null")
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvExpandIndexUdf {
    signature: Signature,
}

impl Default for MvExpandIndexUdf {
    fn default() -> Self {
        MvExpandIndexUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// `kql_mv_expand_index(lists...)`: `[0, ..., n-1]` for the longest list.
pub fn mv_expand_index_expr(lists: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::from(MvExpandIndexUdf::default())).call(lists)
}

impl ScalarUDFImpl for MvExpandIndexUdf {
    fn name(&self) -> &str {
        "kql_mv_expand_index"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(list_of(DataType::Int64))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows.max(1);
        let is_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let mut lengths = vec![0usize; rows];
        for a in &arrays {
            let DataType::List(_) = a.data_type() else {
                return exec_err!("kql_mv_expand_index takes lists, got {}", a.data_type());
            };
            let list = a.as_list::<i32>();
            for (i, len) in lengths.iter_mut().enumerate() {
                if list.is_valid(i) {
                    *len = (*len).max(list.value_length(i) as usize);
                }
            }
        }
        let mut out = ListBuilder::with_capacity(Int64Builder::new(), rows);
        for len in lengths {
            for i in 0..len {
                out.values().append_value(i as i64);
            }
            out.append(true);
        }
        let result: ArrayRef = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(v: Option<&str>, bags: bool, limit: usize) -> Vec<Option<String>> {
        let mut out = ListBuilder::new(StringBuilder::new());
        items(v, bags, limit, &mut out).unwrap();
        out.append(true);
        let list = out.finish();
        let values = list.value(0);
        values
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect()
    }

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn arrays_bags_scalars_nulls() {
        assert_eq!(
            expand(Some(r#"[10, "a,b", {"x":[1,2]}, null]"#), false, usize::MAX),
            vec![
                Some("10".into()),
                Some(r#""a,b""#.into()),
                Some(r#"{"x":[1,2]}"#.into()),
                None
            ]
        );
        assert_eq!(
            expand(Some(r#"{"prop1": "a", "p\"2":[1, 2]}"#), false, usize::MAX),
            some(&[r#"{"prop1":"a"}"#, r#"{"p\"2":[1,2]}"#])
        );
        assert_eq!(
            expand(Some(r#"{"prop1":"a","prop2":"b"}"#), true, usize::MAX),
            some(&[r#"["prop1","a"]"#, r#"["prop2","b"]"#])
        );
        assert_eq!(expand(Some("[]"), false, usize::MAX), some(&[]));
        assert_eq!(expand(Some("{ }"), false, usize::MAX), some(&[]));
        assert_eq!(expand(None, false, usize::MAX), vec![None]);
        assert_eq!(expand(Some("5"), false, usize::MAX), some(&["5"]));
        assert_eq!(expand(Some("[1,2,3]"), false, 2), some(&["1", "2"]));
    }
}
