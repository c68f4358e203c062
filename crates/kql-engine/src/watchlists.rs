//! `_GetWatchlist('alias')` offline: watchlists are files of a folder.
//!
//! `<folder>/<alias>.csv` holds the items, first row the header. The search
//! key column is the one named by `itemsSearchKey` (or `searchKey`) in
//! `<folder>/<alias>.json` when that file exists — Sentinel's watchlist ARM
//! templates have that field, and their `rawContent` CSV is used when there
//! is no `.csv` — else the first column.
//!
//! The result has Sentinel's columns: `_DTItemId`, `LastUpdatedTimeUTC`,
//! `SearchKey`, `WatchlistItem` (the row as a property bag), then the
//! watchlist's own columns as strings. An unknown alias gives an empty table
//! with the four standard columns, as Sentinel does.

use crate::typed::TypedColumns;
use kql_planner::{BoundColumn, KqlType};
use kql_syntax::{Code, Diagnostic};
use std::path::Path;

/// The standard columns every watchlist has.
pub fn standard_columns() -> Vec<BoundColumn> {
    vec![
        BoundColumn::new("_DTItemId", KqlType::String),
        BoundColumn::new("LastUpdatedTimeUTC", KqlType::DateTime),
        BoundColumn::new("SearchKey", KqlType::String),
        BoundColumn::new("WatchlistItem", KqlType::Dynamic),
    ]
}

/// Read the watchlist `alias` from `dir`.
pub fn read(dir: &Path, alias: &str) -> Result<TypedColumns, Diagnostic> {
    let csv_path = dir.join(format!("{alias}.csv"));
    let json_path = dir.join(format!("{alias}.json"));
    let template = match std::fs::read_to_string(&json_path) {
        Ok(text) => Some(
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| unreadable(&json_path, &format!("not valid JSON: {e}")))?,
        ),
        Err(_) => None,
    };
    let csv_text = match std::fs::read_to_string(&csv_path) {
        Ok(t) => Some(t),
        Err(_) => template
            .as_ref()
            .and_then(|t| find_key(t, "rawContent"))
            .and_then(|v| v.as_str().map(str::to_string)),
    };
    let Some(csv_text) = csv_text else {
        return Ok(TypedColumns::new(&standard_columns()));
    };
    let updated = std::fs::metadata(if csv_path.exists() {
        &csv_path
    } else {
        &json_path
    })
    .and_then(|m| m.modified())
    .ok()
    .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339());

    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| unreadable(&csv_path, &e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let key_name = template
        .as_ref()
        .and_then(|t| find_key(t, "itemsSearchKey").or_else(|| find_key(t, "searchKey")))
        .and_then(|v| v.as_str().map(str::to_string));
    let key_index = match &key_name {
        Some(k) => header.iter().position(|h| h == k).ok_or_else(|| {
            unreadable(
                &csv_path,
                &format!(
                    "the search key column '{k}' is not in the header ({})",
                    header.join(", ")
                ),
            )
        })?,
        None => 0,
    };
    let mut columns = standard_columns();
    for h in &header {
        if !columns.iter().any(|c| &c.name == h) {
            columns.push(BoundColumn::new(h.clone(), KqlType::String));
        }
    }
    let mut out = TypedColumns::new(&columns);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(&csv_path, &e.to_string()))?;
        let item: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), serde_json::Value::String(v.to_string())))
            .collect();
        // A stable GUID-shaped id for item `i` of `alias`.
        let id = kql_sentinel::alerts::guid(&format!("{alias}#{i}"));
        let item_json = serde_json::Value::Object(item).to_string();
        let mut fields: Vec<Option<&str>> = vec![
            Some(&id),
            updated.as_deref(),
            record.get(key_index),
            Some(&item_json),
        ];
        for c in &columns[4..] {
            let at = header.iter().position(|h| h == &c.name);
            fields.push(at.and_then(|j| record.get(j)));
        }
        out.push_row(&fields);
    }
    Ok(out)
}

fn find_key<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m
            .get(key)
            .or_else(|| m.values().find_map(|x| find_key(x, key))),
        serde_json::Value::Array(items) => items.iter().find_map(|x| find_key(x, key)),
        _ => None,
    }
}

fn unreadable(path: &Path, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::WatchlistUnreadable,
        format!("cannot read the watchlist '{}': {what}", path.display()),
    )
    .with_hint("a watchlist is a CSV file with a header row, named <alias>.csv, in the --watchlists folder")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_key_comes_from_the_template_else_the_first_column() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("A.csv"), "Name,Kind\nx,k1\ny,k2\n").unwrap();
        std::fs::write(
            dir.path().join("A.json"),
            r#"{"properties":{"itemsSearchKey":"Kind"}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("B.csv"), "Name,Kind\nx,k1\n").unwrap();
        let a = read(dir.path(), "A").unwrap();
        let names: Vec<&str> = a.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "_DTItemId",
                "LastUpdatedTimeUTC",
                "SearchKey",
                "WatchlistItem",
                "Name",
                "Kind"
            ]
        );
        let batches = a.finish().unwrap();
        let key = batches[0]
            .column(2)
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap();
        assert_eq!(key.value(1), "k2");
        let b = read(dir.path(), "B").unwrap().finish().unwrap();
        let key = b[0]
            .column(2)
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap();
        assert_eq!(key.value(0), "x");
    }

    #[test]
    fn an_unknown_alias_is_an_empty_table_with_the_standard_columns() {
        let dir = tempfile::tempdir().unwrap();
        let t = read(dir.path(), "Nope").unwrap();
        assert_eq!(t.columns().len(), 4);
        assert!(t.finish().unwrap().is_empty());
    }
}
