//! NDJSON renderer: one compact JSON object per row, newline-terminated, keys
//! are the column names in column order; values as in the JSON renderer.

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
    // Column names are escaped once: `"name":` for each column.
    let keys: Vec<String> = columns
        .iter()
        .map(|(name, _)| {
            let mut key = String::with_capacity(name.len() + 3);
            push_json_string(&mut key, name);
            key.push(':');
            key
        })
        .collect();
    let mut line = String::with_capacity(256);
    for_each_row(columns, batches, |row| {
        line.clear();
        line.push('{');
        for (i, (key, value)) in keys.iter().zip(row).enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(key);
            value.write_json(&mut line);
        }
        line.push_str("}\n");
        out.write_all(line.as_bytes())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use kql_syntax::ast::TypeName;

    use super::super::Format;
    use super::super::testutil::{all_types, batch, cols, render_text};

    #[test]
    fn all_types_lines() {
        let (columns, batches) = all_types();
        let text = render_text(Format::Ndjson, &columns, &batches);
        let expected = concat!(
            r#"{"b":true,"i":1,"l":42,"r":1.5,"d":123.45,"s":"héllo, \"wörld\"","#,
            r#""t":"2026-11-20T03:04:05.1Z","ts":"00:03:00","#,
            r#""g":"7f1d2a3b-0000-4c5d-8e9f-0123456789ab","dyn":{"b":[1,{"c":null}],"a":"x\ny"}}"#,
            "\n",
            r#"{"b":false,"i":-2147483648,"l":9223372036854775807,"r":"NaN","d":-0.05,"s":"","#,
            r#""t":"1960-01-02T00:00:00Z","ts":"-1.02:03:04.5000000","g":"","dyn":"not json"}"#,
            "\n",
            r#"{"b":null,"i":null,"l":null,"r":null,"d":null,"s":"","t":null,"ts":null,"#,
            r#""g":null,"dyn":null}"#,
            "\n",
        );
        assert_eq!(text, expected);
        for line in text.lines() {
            assert!(
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap()
                    .is_object()
            );
        }
    }

    #[test]
    fn column_order_is_kept() {
        let columns = cols(&[("zeta", TypeName::Long), ("alpha", TypeName::String)]);
        let b = batch(vec![
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            Arc::new(StringArray::from(vec!["ü", "line\nbreak"])),
        ]);
        assert_eq!(
            render_text(Format::Ndjson, &columns, &[b]),
            "{\"zeta\":1,\"alpha\":\"ü\"}\n{\"zeta\":2,\"alpha\":\"line\\nbreak\"}\n"
        );
    }

    #[test]
    fn no_rows_no_output() {
        let columns = cols(&[("a", TypeName::Long)]);
        assert_eq!(render_text(Format::Ndjson, &columns, &[]), "");
    }
}
