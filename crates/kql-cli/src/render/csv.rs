//! CSV renderer: a header line of column names, then one line per row.
//!
//! Quoting follows RFC 4180: a field is quoted when it contains a comma, a double
//! quote, CR or LF, and quotes inside are doubled. Lines end with LF. Values are
//! the bare text forms (strings unquoted unless needed, dynamic as compact JSON
//! text, datetimes/timespans/reals as in JSON); null is an empty field.

use std::io::Write;

use arrow::record_batch::RecordBatch;
use kql_syntax::ast::TypeName;

use super::RenderError;
use super::value::for_each_row;

/// Appends one CSV field, quoted if needed.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

pub(crate) fn render(
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut line = String::with_capacity(256);
    for (i, (name, _)) in columns.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_field(&mut line, name);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    for_each_row(columns, batches, |row| {
        line.clear();
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_field(&mut line, value.text());
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, StringArray};
    use kql_syntax::ast::TypeName;

    use super::super::Format;
    use super::super::testutil::{all_types, batch, cols, render_text};
    use super::push_field;

    fn field(s: &str) -> String {
        let mut out = String::new();
        push_field(&mut out, s);
        out
    }

    #[test]
    fn quoting() {
        assert_eq!(field(""), "");
        assert_eq!(field("plain text"), "plain text");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(field("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(field(" padded "), " padded ");
        assert_eq!(field("ünï,cödé"), "\"ünï,cödé\"");
    }

    #[test]
    fn all_types_rows() {
        let (columns, batches) = all_types();
        let text = render_text(Format::Csv, &columns, &batches);
        let expected = concat!(
            "b,i,l,r,d,s,t,ts,g,dyn\n",
            "true,1,42,1.5,123.45,\"héllo, \"\"wörld\"\"\",2026-11-20T03:04:05.1Z,00:03:00,",
            "7f1d2a3b-0000-4c5d-8e9f-0123456789ab,\"{\"\"b\"\":[1,{\"\"c\"\":null}],\"\"a\"\":\"\"x\\ny\"\"}\"\n",
            "false,-2147483648,9223372036854775807,NaN,-0.05,,1960-01-02T00:00:00Z,",
            "-1.02:03:04.5000000,,not json\n",
            ",,,,,,,,,\n",
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn header_names_are_quoted_too() {
        let columns = cols(&[("a,b", TypeName::String), ("c\"d", TypeName::Dynamic)]);
        let b = batch(vec![
            Arc::new(StringArray::from(vec!["x\r\ny"])) as ArrayRef,
            Arc::new(StringArray::from(vec!["\"str\""])),
        ]);
        assert_eq!(
            render_text(Format::Csv, &columns, &[b]),
            "\"a,b\",\"c\"\"d\"\n\"x\r\ny\",\"\"\"str\"\"\"\n"
        );
    }

    #[test]
    fn header_only_when_empty() {
        let columns = cols(&[("a", TypeName::Long), ("b", TypeName::String)]);
        assert_eq!(render_text(Format::Csv, &columns, &[]), "a,b\n");
    }
}
