//! Result files → [`ResultTable`], the format detected from the content:
//!
//! - CSV as the Log Analytics portal exports it (header of column names,
//!   `TimeGenerated [UTC]` marking datetimes; no other types),
//! - Log Analytics query API JSON `{"tables":[{"name","columns":[{"name","type"}],"rows"}]}`,
//! - Kusto v1 JSON `{"Tables":[{"TableName","Columns":[{"ColumnName","DataType","ColumnType"}],"Rows"}]}`,
//! - Kusto v2 JSON (a list of frames; the `PrimaryResult` data table),
//! - `kql run --format json` (`{"columns":[{"name","type"}],"rows":[[...]]}`, one
//!   document per line for several statements) and `--format ndjson` (one object per row).

use std::fmt;
use std::path::Path;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::cell::canonical_type;
use crate::alerts::ResultTable;
use crate::error::SentinelError;

/// Reads a result export; see the module docs for the formats.
pub fn load_result(path: &Path) -> Result<ResultTable, SentinelError> {
    let text = std::fs::read_to_string(path).map_err(|e| SentinelError::io(path, &e))?;
    parse_result(&text, path)
}

/// Parses result text (format detected from the content); `path` names it in errors.
pub(crate) fn parse_result(text: &str, path: &Path) -> Result<ResultTable, SentinelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(text, path)
    } else {
        parse_csv(text, path)
    }
}

const FORMATS: &str = "export the result as CSV from the Log Analytics portal, save the query API / Kusto JSON response, or use `kql run --format json`";

fn bad(path: &Path, msg: impl Into<String>) -> SentinelError {
    SentinelError::new(path, msg, FORMATS)
}

/// A JSON object with its keys in file order (serde_json's map sorts them).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn json_err(path: &Path, e: &serde_json::Error, line_offset: usize) -> SentinelError {
    bad(path, format!("not valid JSON: {e}")).at(e.line() + line_offset, e.column())
}

fn parse_json(text: &str, path: &Path) -> Result<ResultTable, SentinelError> {
    let whole = serde_json::from_str::<Value>(text);
    let value = match whole {
        Ok(v) => v,
        // Several documents: NDJSON rows or one `kql run` document per statement.
        Err(e) if e.to_string().starts_with("trailing characters") => {
            return parse_lines(text, path);
        }
        Err(e) => return Err(json_err(path, &e, 0)),
    };
    match &value {
        Value::Object(o) if o.get("tables").is_some_and(Value::is_array) => {
            let tables = o["tables"].as_array().unwrap_or(&Vec::new()).clone();
            let t = tables
                .iter()
                .find(|t| t.get("name").and_then(Value::as_str) == Some("PrimaryResult"))
                .or_else(|| tables.first())
                .ok_or_else(|| bad(path, "the response holds no tables"))?;
            table(path, t, "columns", "rows", &["name"], &["type"])
        }
        Value::Object(o) if o.get("Tables").is_some_and(Value::is_array) => {
            let t = o["Tables"]
                .as_array()
                .and_then(|t| t.first())
                .ok_or_else(|| bad(path, "the response holds no tables"))?;
            table(
                path,
                t,
                "Columns",
                "Rows",
                &["ColumnName"],
                &["ColumnType", "DataType"],
            )
        }
        Value::Object(o) if o.contains_key("columns") && o.contains_key("rows") => {
            table(path, &value, "columns", "rows", &["name"], &["type"])
        }
        Value::Array(frames) if frames.iter().any(|f| f.get("FrameType").is_some()) => {
            let t = frames
                .iter()
                .find(|f| {
                    f.get("FrameType").and_then(Value::as_str) == Some("DataTable")
                        && f.get("TableKind").and_then(Value::as_str) == Some("PrimaryResult")
                })
                .ok_or_else(|| {
                    bad(
                        path,
                        "the Kusto v2 response holds no PrimaryResult data table",
                    )
                })?;
            table(
                path,
                t,
                "Columns",
                "Rows",
                &["ColumnName"],
                &["ColumnType", "DataType"],
            )
        }
        Value::Object(_) => parse_lines(text, path),
        _ => Err(bad(
            path,
            "the JSON is not a result table: expected `tables` (Log Analytics), `Tables` (Kusto), \
             or `columns` and `rows` (kql run)",
        )),
    }
}

/// One table of a JSON response: column names/types and rows of arrays.
fn table(
    path: &Path,
    t: &Value,
    cols_key: &str,
    rows_key: &str,
    name_keys: &[&str],
    type_keys: &[&str],
) -> Result<ResultTable, SentinelError> {
    let cols = t
        .get(cols_key)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(path, format!("the table has no `{cols_key}` list")))?;
    let mut columns = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let name = name_keys
            .iter()
            .find_map(|k| c.get(*k).and_then(Value::as_str))
            .ok_or_else(|| bad(path, format!("column {} has no name", i + 1)))?;
        let ty = type_keys
            .iter()
            .find_map(|k| c.get(*k).and_then(Value::as_str))
            .unwrap_or("");
        columns.push((name.to_string(), canonical_type(ty)));
    }
    let rows_v = t
        .get(rows_key)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(path, format!("the table has no `{rows_key}` list")))?;
    let mut rows = Vec::with_capacity(rows_v.len());
    for (i, r) in rows_v.iter().enumerate() {
        let cells = r
            .as_array()
            .filter(|c| c.len() == columns.len())
            .ok_or_else(|| {
                bad(
                    path,
                    format!(
                        "row {} does not have {} values, one per column",
                        i + 1,
                        columns.len()
                    ),
                )
            })?;
        rows.push(cells.clone());
    }
    Ok(ResultTable { columns, rows })
}

/// NDJSON rows, or `kql run --format json` documents one per line.
fn parse_lines(text: &str, path: &Path) -> Result<ResultTable, SentinelError> {
    let mut docs = Vec::new();
    let mut objects = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let obj: Ordered = serde_json::from_str(line).map_err(|e| json_err(path, &e, i))?;
        let is_doc =
            obj.0.iter().any(|(k, _)| k == "columns") && obj.0.iter().any(|(k, _)| k == "rows");
        if is_doc {
            docs.push(i + 1);
        }
        objects.push(obj);
    }
    if !docs.is_empty() {
        if docs.len() == objects.len() && docs.len() == 1 {
            let v: Value = serde_json::from_str(text.trim()).map_err(|e| json_err(path, &e, 0))?;
            return table(path, &v, "columns", "rows", &["name"], &["type"]);
        }
        return Err(SentinelError::new(
            path,
            format!(
                "the file holds {} result tables (lines {}), one per query statement",
                docs.len(),
                docs.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "compare one result at a time: keep the line of the statement you want in its own file",
        ));
    }
    // NDJSON: the columns are the keys in first-seen order; types unknown.
    let mut names: Vec<String> = Vec::new();
    for obj in &objects {
        for (k, _) in &obj.0 {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let rows = objects
        .into_iter()
        .map(|obj| {
            names
                .iter()
                .map(|n| {
                    obj.0
                        .iter()
                        .find(|(k, _)| k == n)
                        .map_or(Value::Null, |(_, v)| v.clone())
                })
                .collect()
        })
        .collect();
    Ok(ResultTable {
        columns: names.into_iter().map(|n| (n, String::new())).collect(),
        rows,
    })
}

fn parse_csv(text: &str, path: &Path) -> Result<ResultTable, SentinelError> {
    let csv_err = |e: csv::Error| {
        let err = bad(path, format!("not valid CSV: {e}"));
        match e.position() {
            Some(p) => err.line(Some(p.line() as usize)),
            None => err,
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_err)?.clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(bad(path, "the CSV has no header line of column names"));
    }
    let columns = headers
        .iter()
        .map(|h| {
            let h = h.trim();
            // The portal writes datetime columns as `TimeGenerated [UTC]`.
            match h.strip_suffix(" [UTC]") {
                Some(name) => (name.to_string(), "datetime".to_string()),
                None => (h.to_string(), String::new()),
            }
        })
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        rows.push(
            record
                .iter()
                .map(|f| Value::String(f.to_string()))
                .collect(),
        );
    }
    Ok(ResultTable { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Result<ResultTable, SentinelError> {
        parse_result(text, Path::new("r"))
    }

    #[test]
    fn each_format() {
        let la = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"a","type":"long"},{"name":"t","type":"datetime"}],"rows":[[1,"2026-06-19T12:37:52.521Z"]]}]}"#;
        let t = load(la).unwrap();
        assert_eq!(t.columns[1], ("t".to_string(), "datetime".to_string()));
        assert_eq!(
            t.rows,
            vec![vec![json!(1), json!("2026-06-19T12:37:52.521Z")]]
        );

        let v1 = r#"{"Tables":[{"TableName":"Table_0","Columns":[{"ColumnName":"a","DataType":"Int64","ColumnType":"long"},{"ColumnName":"b","DataType":"SByte"}],"Rows":[[1,true]]},{"TableName":"Table_1","Columns":[],"Rows":[]}]}"#;
        let t = load(v1).unwrap();
        assert_eq!(
            t.columns,
            [("a".into(), "long".into()), ("b".into(), "bool".into())]
        );

        let v2 = r#"[{"FrameType":"DataSetHeader"},{"FrameType":"DataTable","TableKind":"PrimaryResult","Columns":[{"ColumnName":"a","ColumnType":"string"}],"Rows":[["x"]]}]"#;
        assert_eq!(load(v2).unwrap().rows, vec![vec![json!("x")]]);

        let ours = "{\"columns\":[{\"name\":\"n\",\"type\":\"long\"}],\"rows\":[[1],[2]]}\n";
        assert_eq!(load(ours).unwrap().rows.len(), 2);

        let nd = "{\"z\":1,\"a\":\"x\"}\n{\"z\":2,\"a\":\"y\",\"extra\":true}\n";
        let t = load(nd).unwrap();
        let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["z", "a", "extra"]);
        assert_eq!(t.rows[0], [json!(1), json!("x"), Value::Null]);

        let one_nd = "{\"z\":1}\n";
        assert_eq!(
            load(one_nd).unwrap().columns,
            [("z".to_string(), String::new())]
        );

        let csv = "\u{feff}TimeGenerated [UTC],SourceIP,N\r\n\"6/19/2026, 12:37:52.521 PM\",10.0.0.1,3\r\n";
        let t = load(csv).unwrap();
        assert_eq!(
            t.columns[0],
            ("TimeGenerated".to_string(), "datetime".to_string())
        );
        assert_eq!(t.columns[2], ("N".to_string(), String::new()));
        assert_eq!(t.rows[0][0], json!("6/19/2026, 12:37:52.521 PM"));
    }

    #[test]
    fn bad_inputs_say_what_to_do() {
        let e = load("{\"columns\":[{\"name\":\"n\"}],\"rows\":[[1,2]]}").unwrap_err();
        insta::assert_snapshot!(e.to_string(), @r"
        r: row 1 does not have 1 values, one per column
          = help: export the result as CSV from the Log Analytics portal, save the query API / Kusto JSON response, or use `kql run --format json`
        ");
        let e = load("{\"columns\":[],\n\"rows\":[}").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let two = "{\"columns\":[],\"rows\":[]}\n{\"columns\":[],\"rows\":[]}\n";
        insta::assert_snapshot!(load(two).unwrap_err().to_string(), @r"
        r: the file holds 2 result tables (lines 1, 2), one per query statement
          = help: compare one result at a time: keep the line of the statement you want in its own file
        ");
        let e = load("a,b\n1,2\n3\n").unwrap_err();
        assert!(e.message.starts_with("not valid CSV"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(load("{\"x\":[1]}").unwrap().columns.len() == 1);
        assert!(
            load("[1,2]")
                .unwrap_err()
                .message
                .contains("not a result table")
        );
    }
}
