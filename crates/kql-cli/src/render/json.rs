//! JSON renderer: one compact document, then a newline:
//! `{"columns":[{"name":"a","type":"long"}],"rows":[[1],[2]]}`.
//!
//! Values: numbers as JSON numbers (reals shortest round-trip, decimals exact),
//! NaN/±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, datetimes
//! and timespans as strings, dynamic embedded as JSON (a string when its text is
//! not valid JSON), null as `null` (a null `string` is `""`).

use std::io::Write;

use arrow::record_batch::RecordBatch;
use kql_syntax::ast::TypeName;

use super::RenderError;
use super::value::{for_each_row, push_json_string};

pub(crate) fn render(
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut buf = String::with_capacity(4096);
    buf.push_str("{\"columns\":[");
    for (i, (name, kql)) in columns.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        buf.push_str("{\"name\":");
        push_json_string(&mut buf, name);
        buf.push_str(",\"type\":");
        push_json_string(&mut buf, kql.as_str());
        buf.push('}');
    }
    buf.push_str("],\"rows\":[");
    let mut first_row = true;
    for_each_row(columns, batches, |row| {
        if !first_row {
            buf.push(',');
        }
        first_row = false;
        buf.push('[');
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                buf.push(',');
            }
            value.write_json(&mut buf);
        }
        buf.push(']');
        if buf.len() >= 64 * 1024 {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
        Ok(())
    })?;
    buf.push_str("]}\n");
    out.write_all(buf.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use kql_syntax::ast::TypeName;

    use super::super::Format;
    use super::super::testutil::{all_types, batch, cols, render_text};

    #[test]
    fn all_types_document() {
        let (columns, batches) = all_types();
        let text = render_text(Format::Json, &columns, &batches);
        let expected = concat!(
            r#"{"columns":[{"name":"b","type":"bool"},{"name":"i","type":"int"},"#,
            r#"{"name":"l","type":"long"},{"name":"r","type":"real"},"#,
            r#"{"name":"d","type":"decimal"},{"name":"s","type":"string"},"#,
            r#"{"name":"t","type":"datetime"},{"name":"ts","type":"timespan"},"#,
            r#"{"name":"g","type":"guid"},{"name":"dyn","type":"dynamic"}],"rows":["#,
            r#"[true,1,42,1.5,123.45,"héllo, \"wörld\"","2026-11-20T03:04:05.1Z","00:03:00","#,
            r#""7f1d2a3b-0000-4c5d-8e9f-0123456789ab",{"b":[1,{"c":null}],"a":"x\ny"}],"#,
            r#"[false,-2147483648,9223372036854775807,"NaN",-0.05,"","1960-01-02T00:00:00Z","#,
            r#""-1.02:03:04.5000000","","not json"],"#,
            r#"[null,null,null,null,null,"",null,null,null,null]]}"#,
            "\n"
        );
        assert_eq!(text, expected);
        // It is one valid JSON document.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["rows"].as_array().unwrap().len(), 3);
        assert_eq!(v["rows"][0][9]["b"][1]["c"], serde_json::Value::Null);
    }

    #[test]
    fn empty_results() {
        assert_eq!(
            render_text(Format::Json, &[], &[]),
            "{\"columns\":[],\"rows\":[]}\n"
        );
        let columns = cols(&[("n", TypeName::Long)]);
        assert_eq!(
            render_text(Format::Json, &columns, &[]),
            "{\"columns\":[{\"name\":\"n\",\"type\":\"long\"}],\"rows\":[]}\n"
        );
    }

    #[test]
    fn rows_span_batches_and_names_are_escaped() {
        let columns = cols(&[("we\"ird\nname", TypeName::Long), ("s", TypeName::String)]);
        let b1 = batch(vec![
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            Arc::new(StringArray::from(vec!["a", "b"])),
        ]);
        let b2 = batch(vec![
            Arc::new(Int64Array::from(Vec::<i64>::new())) as ArrayRef,
            Arc::new(StringArray::from(Vec::<&str>::new())),
        ]);
        let b3 = batch(vec![
            Arc::new(Int64Array::from(vec![3])) as ArrayRef,
            Arc::new(StringArray::from(vec!["tab\there"])),
        ]);
        let text = render_text(Format::Json, &columns, &[b1, b2, b3]);
        assert_eq!(
            text,
            concat!(
                r#"{"columns":[{"name":"we\"ird\nname","type":"long"},{"name":"s","type":"string"}],"#,
                r#""rows":[[1,"a"],[2,"b"],[3,"tab\there"]]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn large_output_is_complete() {
        let columns = cols(&[("n", TypeName::Long)]);
        let values: Vec<i64> = (0..50_000).collect();
        let b = batch(vec![Arc::new(Int64Array::from(values)) as ArrayRef]);
        let text = render_text(Format::Json, &columns, &[b]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 50_000);
        assert_eq!(rows[49_999][0], 49_999);
    }
}
