//! `externaldata` offline: URLs are read from a local mirror, never from the
//! network.
//!
//! A URL maps to a file of the mirror folder in one of two ways:
//! 1. `manifest.json` in the folder, `{"<url>": "<path relative to the folder>"}`,
//!    checked first (exact URL text);
//! 2. otherwise `<folder>/<host>/<path>`, the path percent-decoded and the query
//!    string dropped: `https://raw.githubusercontent.com/a/b/Feeds/x%20y.csv` →
//!    `<folder>/raw.githubusercontent.com/a/b/Feeds/x y.csv`.
//!
//! Formats: csv, tsv/tsve, psv, scsv, sohsv (fields by position), txt (one
//! line per record, first column), raw (the whole file, first column), json /
//! multijson (objects, fields by column name), parquet (by name, else by
//! position). Values are typed as the declared columns; a field that does not
//! parse as its type is null, a missing field null (a string "").

use crate::typed::TypedColumns;
use kql_planner::{BoundColumn, ExternalDataRequest};
use kql_syntax::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// The file a URL is mirrored at (whether or not it exists).
pub fn mirror_path(mirror: &Path, url: &str) -> PathBuf {
    if let Some(p) = manifest_entry(mirror, url) {
        return mirror.join(p);
    }
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut path = mirror.to_path_buf();
    for segment in rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
    {
        path.push(percent_decode(segment));
    }
    path
}

fn manifest_entry(mirror: &Path, url: &str) -> Option<String> {
    let text = std::fs::read_to_string(mirror.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get(url)?.as_str().map(str::to_string)
}

/// `%XX` decoding of one path segment. Unlike `url_decode`
/// (kql-functions), a `+` stays a `+`: in a URL path it is not a space.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Read every URL of the request from the mirror into typed columns.
pub fn read(mirror: &Path, request: &ExternalDataRequest) -> Result<TypedColumns, Diagnostic> {
    let option = |name: &str| {
        request
            .options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let format = option("format").unwrap_or("csv").to_ascii_lowercase();
    let skip_first = option("ignorefirstrecord").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut out = TypedColumns::new(&request.columns);
    for url in &request.urls {
        let path = mirror_path(mirror, url);
        let bytes = std::fs::read(&path).map_err(|e| missing(url, &path, mirror, e))?;
        let unreadable = |what: String| {
            Diagnostic::at(
                Code::FeedUnreadable,
                request.span,
                format!(
                    "cannot read the feed '{}' as {format}: {what}",
                    path.display()
                ),
            )
            .with_hint(format!(
                "check the file mirrors {url}, or change `format` in the query's `with (...)`"
            ))
        };
        match format.as_str() {
            "csv" | "tsv" | "tsve" | "psv" | "scsv" | "sohsv" => {
                let delimiter = match format.as_str() {
                    "tsv" | "tsve" => b'\t',
                    "psv" => b'|',
                    "scsv" => b';',
                    "sohsv" => 0x01,
                    _ => b',',
                };
                read_delimited(&bytes, delimiter, skip_first, &mut out)
                    .map_err(|e| unreadable(e.to_string()))?;
            }
            "txt" => {
                let text = String::from_utf8_lossy(&bytes);
                for (i, line) in text.lines().enumerate() {
                    if i == 0 && skip_first {
                        continue;
                    }
                    out.push_row(&[Some(line)]);
                }
            }
            "raw" => {
                let text = String::from_utf8_lossy(&bytes);
                out.push_row(&[Some(&text)]);
            }
            "json" | "multijson" | "singlejson" => {
                read_json(&bytes, &request.columns, &mut out).map_err(unreadable)?;
            }
            "parquet" => crate::typed::read_parquet(&bytes, &mut out).map_err(unreadable)?,
            other => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    request.span,
                    format!("externaldata format '{other}' is not supported"),
                )
                .with_hint(
                    "use csv, tsv, psv, scsv, sohsv, txt, raw, json, multijson or parquet",
                ));
            }
        }
    }
    Ok(out)
}

fn missing(url: &str, path: &Path, mirror: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::FeedMissing,
        format!(
            "externaldata URL {url} is not in the local feed mirror: no file at '{}' ({e})",
            path.display()
        ),
    )
    .with_hint(format!(
        "download the file once and save it at that path (or map the URL to a file in '{}'), or pass --feeds DIR; kql never reads the network",
        mirror.join("manifest.json").display()
    ))
}

fn read_delimited(
    bytes: &[u8],
    delimiter: u8,
    skip_first: bool,
    out: &mut TypedColumns,
) -> Result<(), csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut first = true;
    while reader.read_record(&mut record)? {
        if std::mem::take(&mut first) && skip_first {
            continue;
        }
        let fields: Vec<Option<&str>> = record.iter().map(Some).collect();
        out.push_row(&fields);
    }
    Ok(())
}

fn read_json(bytes: &[u8], columns: &[BoundColumn], out: &mut TypedColumns) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    let mut objects = Vec::new();
    let stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    for v in stream {
        match v.map_err(|e| e.to_string())? {
            serde_json::Value::Array(items) => objects.extend(items),
            other => objects.push(other),
        }
    }
    for o in objects {
        let texts: Vec<Option<String>> = columns
            .iter()
            .map(|c| match o.get(&c.name) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(v) => Some(v.to_string()),
            })
            .collect();
        let fields: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
        out.push_row(&fields);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_host_and_decoded_path() {
        let p = mirror_path(
            Path::new("/m"),
            "https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Sample%20Data/Feeds/UnusualUserAgents.csv?x=1",
        );
        assert_eq!(
            p,
            Path::new(
                "/m/raw.githubusercontent.com/Azure/Azure-Sentinel/master/Sample Data/Feeds/UnusualUserAgents.csv"
            )
        );
    }

    #[test]
    fn dot_dot_segments_cannot_leave_the_mirror() {
        let p = mirror_path(Path::new("/m"), "https://h/../../etc/passwd");
        assert_eq!(p, Path::new("/m/h/etc/passwd"));
    }
}
