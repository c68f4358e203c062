//! The value layer shared by the text renderers: one [`Value`] per result cell,
//! produced by per-column accessors built from the Arrow array of a batch.
//!
//! Rendering is driven by the Arrow type; the KQL type only decides between
//! plain text and dynamic (JSON text) for string arrays, and turns a null
//! `string` into `""` (KQL strings are never null).

use std::borrow::Cow;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Date64Type, Decimal32Type, Decimal64Type,
    Decimal128Type, Decimal256Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float16Type, Float32Type, Float64Type, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use kql_functions::format::{
    compact_json, format_date_days, format_decimal, format_decimal_text, format_duration,
    format_real, format_real32, format_timestamp,
};
use kql_syntax::ast::TypeName;

use super::RenderError;

/// One rendered cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    /// Text of a valid JSON number (integers, decimals, finite reals).
    Number(String),
    /// Text: strings, guids, datetimes, timespans, `NaN`/`Infinity`, and anything
    /// rendered through Arrow's display. A JSON string in JSON output.
    Text(Cow<'a, str>),
    /// Compact, valid JSON text (a dynamic value). Embedded as is in JSON output.
    Json(Cow<'a, str>),
}

impl Value<'_> {
    /// Appends the value as one JSON token.
    pub(crate) fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n),
            Value::Text(s) => push_json_string(out, s),
            Value::Json(j) => out.push_str(j),
        }
    }

    /// The bare text form (CSV fields, table cells); null is empty.
    pub(crate) fn text(&self) -> &str {
        match self {
            Value::Null => "",
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
            Value::Number(n) => n,
            Value::Text(s) | Value::Json(s) => s,
        }
    }
}

/// Appends `s` as a JSON string literal (quotes included). Escapes `"`, `\` and
/// control characters; everything else, including non-ASCII, is written as is.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{08}' => Some("\\b"),
            '\u{0c}' => Some("\\f"),
            c if c < ' ' => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", c as u32)),
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Produces the cell of one row of a column.
pub(crate) type CellFn<'a> = Box<dyn Fn(usize) -> Value<'a> + 'a>;

/// Calls `f` with the cells of every row of every batch, in order. Batches must
/// already have `columns.len()` columns (checked by [`super::render`]).
pub(crate) fn for_each_row(
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    mut f: impl FnMut(&[Value<'_>]) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    for batch in batches {
        let arrays: Vec<ArrayRef> = batch.columns().iter().map(unpack).collect();
        let cells: Vec<CellFn<'_>> = arrays
            .iter()
            .zip(columns)
            .map(|(array, (_, kql))| cell_fn(array, *kql))
            .collect::<Result<_, _>>()?;
        let mut row: Vec<Value<'_>> = Vec::with_capacity(cells.len());
        for i in 0..batch.num_rows() {
            row.clear();
            row.extend(cells.iter().map(|cell| cell(i)));
            f(&row)?;
        }
    }
    Ok(())
}

/// Dictionary and run-end encoded arrays are decoded to their value type, so the
/// type-directed rendering applies; if that cast fails the array is kept and
/// shown through Arrow's display.
fn unpack(array: &ArrayRef) -> ArrayRef {
    let target = match array.data_type() {
        DataType::Dictionary(_, value) => value.as_ref().clone(),
        DataType::RunEndEncoded(_, values) => values.data_type().clone(),
        _ => return array.clone(),
    };
    cast(array.as_ref(), &target).unwrap_or_else(|_| array.clone())
}

/// Builds the cell accessor of one column of a batch.
pub(crate) fn cell_fn(array: &ArrayRef, kql: TypeName) -> Result<CellFn<'_>, RenderError> {
    let f = typed_cell_fn(array.as_ref(), kql)?;
    if kql == TypeName::String {
        // KQL strings are never null.
        return Ok(Box::new(move |i| match f(i) {
            Value::Null => Value::Text(Cow::Borrowed("")),
            v => v,
        }));
    }
    Ok(f)
}

fn typed_cell_fn(a: &dyn Array, kql: TypeName) -> Result<CellFn<'_>, RenderError> {
    use TimeUnit::*;
    let text = |s: String| Value::Text(Cow::Owned(s));
    Ok(match a.data_type() {
        DataType::Null => Box::new(|_| Value::Null),
        DataType::Boolean => {
            let b = a.as_boolean();
            Box::new(move |i| {
                if b.is_null(i) {
                    Value::Null
                } else {
                    Value::Bool(b.value(i))
                }
            })
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => {
            let fmt = ArrayFormatter::try_new(a, &FormatOptions::default())?;
            Box::new(move |i| {
                if a.is_null(i) {
                    Value::Null
                } else {
                    Value::Number(fmt.value(i).to_string())
                }
            })
        }
        DataType::Float16 => primitive::<Float16Type>(a, |v| real(format_real32(v.to_f32()))),
        DataType::Float32 => primitive::<Float32Type>(a, |v| real(format_real32(v))),
        DataType::Float64 => primitive::<Float64Type>(a, |v| real(format_real(v))),
        DataType::Decimal32(_, s) => {
            let s = *s;
            primitive::<Decimal32Type>(a, move |v| Value::Number(format_decimal(i128::from(v), s)))
        }
        DataType::Decimal64(_, s) => {
            let s = *s;
            primitive::<Decimal64Type>(a, move |v| Value::Number(format_decimal(i128::from(v), s)))
        }
        DataType::Decimal128(_, s) => {
            let s = *s;
            primitive::<Decimal128Type>(a, move |v| Value::Number(format_decimal(v, s)))
        }
        DataType::Decimal256(_, s) => {
            let s = *s;
            primitive::<Decimal256Type>(a, move |v| {
                Value::Number(format_decimal_text(&v.to_string(), s))
            })
        }
        DataType::Timestamp(unit, _) => {
            // Arrow timestamps are UTC instants whatever the time zone annotation.
            let unit = *unit;
            let f = move |v: i64| text(format_timestamp(v, unit));
            match unit {
                Second => primitive::<TimestampSecondType>(a, f),
                Millisecond => primitive::<TimestampMillisecondType>(a, f),
                Microsecond => primitive::<TimestampMicrosecondType>(a, f),
                Nanosecond => primitive::<TimestampNanosecondType>(a, f),
            }
        }
        DataType::Date32 => primitive::<Date32Type>(a, move |v| text(format_date_days(v))),
        DataType::Date64 => {
            primitive::<Date64Type>(a, move |v| text(format_timestamp(v, Millisecond)))
        }
        DataType::Duration(unit) => {
            let unit = *unit;
            let f = move |v: i64| text(format_duration(v, unit));
            match unit {
                Second => primitive::<DurationSecondType>(a, f),
                Millisecond => primitive::<DurationMillisecondType>(a, f),
                Microsecond => primitive::<DurationMicrosecondType>(a, f),
                Nanosecond => primitive::<DurationNanosecondType>(a, f),
            }
        }
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            string(move |i| (!s.is_null(i)).then(|| s.value(i)), kql)
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            string(move |i| (!s.is_null(i)).then(|| s.value(i)), kql)
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            string(move |i| (!s.is_null(i)).then(|| s.value(i)), kql)
        }
        _ => {
            let fmt = ArrayFormatter::try_new(a, &FormatOptions::default())?;
            Box::new(move |i| {
                if a.is_null(i) {
                    Value::Null
                } else {
                    text(fmt.value(i).to_string())
                }
            })
        }
    })
}

/// A finite real is a number; NaN and the infinities are text.
fn real(text: String) -> Value<'static> {
    if text.bytes().any(|b| b.is_ascii_digit()) {
        Value::Number(text)
    } else {
        Value::Text(Cow::Owned(text))
    }
}

fn primitive<'a, T: ArrowPrimitiveType>(
    a: &'a dyn Array,
    render: impl Fn(T::Native) -> Value<'static> + 'a,
) -> CellFn<'a> {
    let p = a.as_primitive::<T>();
    Box::new(move |i| {
        if p.is_null(i) {
            Value::Null
        } else {
            render(p.value(i))
        }
    })
}

/// String arrays: dynamic columns hold JSON text (compacted; kept as text when it
/// does not parse), all other KQL types are plain text.
fn string<'a>(get: impl Fn(usize) -> Option<&'a str> + 'a, kql: TypeName) -> CellFn<'a> {
    if kql == TypeName::Dynamic {
        Box::new(move |i| match get(i) {
            None => Value::Null,
            Some(s) => match compact_json(s) {
                Some(json) => Value::Json(json),
                None => Value::Text(Cow::Borrowed(s)),
            },
        })
    } else {
        Box::new(move |i| match get(i) {
            None => Value::Null,
            Some(s) => Value::Text(Cow::Borrowed(s)),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        BinaryArray, Date32Array, Decimal256Array, DictionaryArray, DurationSecondArray,
        Float32Array, Float64Array, Int8Array, Int64Array, LargeStringArray, ListArray, NullArray,
        StringArray, StringViewArray, TimestampMillisecondArray, UInt64Array,
    };
    use arrow::datatypes::{Int32Type, i256};

    use super::*;

    fn cells(array: ArrayRef, kql: TypeName) -> Vec<Value<'static>> {
        let f = cell_fn(&array, kql).unwrap();
        (0..array.len())
            .map(|i| match f(i) {
                Value::Text(s) => Value::Text(Cow::Owned(s.into_owned())),
                Value::Json(s) => Value::Json(Cow::Owned(s.into_owned())),
                Value::Null => Value::Null,
                Value::Bool(b) => Value::Bool(b),
                Value::Number(n) => Value::Number(n),
            })
            .collect()
    }

    fn json(values: &[Value<'_>]) -> String {
        let mut out = String::new();
        for v in values {
            v.write_json(&mut out);
            out.push(' ');
        }
        out
    }

    #[test]
    fn json_string_escaping() {
        let samples = [
            "",
            "plain",
            "quote \" backslash \\ slash /",
            "new\nline\r\ttab",
            "\u{0}\u{1}\u{1f}\u{7f}\u{08}\u{0c}",
            "héllo ✓ 😀",
        ];
        for s in samples {
            let mut out = String::new();
            push_json_string(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, s);
        }
        let mut out = String::new();
        push_json_string(&mut out, "a\u{1}b\"");
        assert_eq!(out, r#""a\u0001b\"""#);
    }

    #[test]
    fn string_semantics_by_kql_type() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), Some(""), None]));
        assert_eq!(json(&cells(a.clone(), TypeName::String)), r#""x" "" "" "#);
        assert_eq!(json(&cells(a.clone(), TypeName::Guid)), r#""x" "" null "#);
        let d: ArrayRef = Arc::new(StringArray::from(vec![
            Some(" [1, 2] "),
            Some("\"s\""),
            Some("oops"),
            None,
        ]));
        assert_eq!(
            json(&cells(d, TypeName::Dynamic)),
            r#"[1,2] "s" "oops" null "#
        );
    }

    #[test]
    fn other_string_layouts() {
        let large: ArrayRef = Arc::new(LargeStringArray::from(vec![Some("a"), None]));
        assert_eq!(json(&cells(large, TypeName::String)), r#""a" "" "#);
        let view: ArrayRef = Arc::new(StringViewArray::from(vec![
            Some("a string longer than twelve bytes"),
            None,
        ]));
        assert_eq!(
            json(&cells(view, TypeName::Dynamic)),
            r#""a string longer than twelve bytes" null "#
        );
        let dict: ArrayRef = Arc::new(
            vec![Some("x"), None, Some("x"), Some("y")]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        let unpacked = unpack(&dict);
        assert_eq!(
            json(&cells(unpacked, TypeName::String)),
            r#""x" "" "x" "y" "#
        );
    }

    #[test]
    fn numbers() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-128), None]));
        assert_eq!(json(&cells(a, TypeName::Int)), "-128 null ");
        let a: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX]));
        assert_eq!(json(&cells(a, TypeName::Long)), "18446744073709551615 ");
        let a: ArrayRef = Arc::new(Float32Array::from(vec![0.1, f32::INFINITY]));
        assert_eq!(json(&cells(a, TypeName::Real)), r#"0.1 "Infinity" "#);
        let a: ArrayRef = Arc::new(Float64Array::from(vec![
            1.0,
            -0.0,
            1e-7,
            f64::NAN,
            f64::NEG_INFINITY,
        ]));
        assert_eq!(
            json(&cells(a, TypeName::Real)),
            r#"1.0 -0.0 1e-7 "NaN" "-Infinity" "#
        );
        let a: ArrayRef = Arc::new(
            Decimal256Array::from(vec![Some(i256::from_i128(-12_345)), None])
                .with_precision_and_scale(40, 3)
                .unwrap(),
        );
        assert_eq!(json(&cells(a, TypeName::Decimal)), "-12.345 null ");
    }

    #[test]
    fn time_types() {
        let a: ArrayRef =
            Arc::new(TimestampMillisecondArray::from(vec![Some(-1), None]).with_timezone("+05:00"));
        assert_eq!(
            json(&cells(a, TypeName::DateTime)),
            r#""1969-12-31T23:59:59.999Z" null "#
        );
        let a: ArrayRef = Arc::new(Date32Array::from(vec![19_723]));
        assert_eq!(
            json(&cells(a, TypeName::DateTime)),
            r#""2024-01-01T00:00:00Z" "#
        );
        let a: ArrayRef = Arc::new(DurationSecondArray::from(vec![Some(-90), None]));
        assert_eq!(json(&cells(a, TypeName::TimeSpan)), r#""-00:01:30" null "#);
    }

    #[test]
    fn mismatched_and_exotic_types_use_arrow_display() {
        let a: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"\x01\xff"[..]), None]));
        assert_eq!(json(&cells(a, TypeName::String)), r#""01ff" "" "#);
        let a: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
            None,
        ]));
        assert_eq!(json(&cells(a, TypeName::Dynamic)), r#""[1, , 3]" null "#);
        let a: ArrayRef = Arc::new(NullArray::new(2));
        assert_eq!(json(&cells(a.clone(), TypeName::Long)), "null null ");
        assert_eq!(json(&cells(a, TypeName::String)), r#""" "" "#);
        // A long declared as a string: still a number, because the data is.
        let a: ArrayRef = Arc::new(Int64Array::from(vec![7]));
        assert_eq!(json(&cells(a, TypeName::String)), "7 ");
    }

    #[test]
    fn bare_text() {
        assert_eq!(Value::Null.text(), "");
        assert_eq!(Value::Bool(true).text(), "true");
        assert_eq!(Value::Number("1.5".into()).text(), "1.5");
        assert_eq!(Value::Json(Cow::Borrowed("{\"a\":1}")).text(), "{\"a\":1}");
    }
}
