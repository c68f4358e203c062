//! The `_expected/` folder: hunt answers made from the planting record, the hunts' query
//! text, and `manifest.json`.
//!
//! Result files are `{"columns":[{"name","type"}],"rows":[[...]]}` with values rendered the
//! Kusto way: datetime as ISO 8601 UTC with `Z` (fraction only when non-zero), int/long as
//! numbers, strings as strings. A null string is `""` (Kusto strings are never null); a null
//! number is `null`.

use std::fs;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::Result;
use super::columns::Value;
use super::plant::{RecordRow, WindowPlant};
use super::rule::WebEvent;
use super::schema::KqlType;
use super::values::kusto_datetime;
use super::write::FileReport;

/// A seed hunt with a planted answer.
pub struct Hunt {
    pub name: &'static str,
    pub table: &'static str,
    pub query: &'static str,
    /// Output columns; the first is the time column the output is ordered by (desc).
    pub columns: &'static [(&'static str, KqlType)],
}

pub const THREATFOX_CSL: Hunt = Hunt {
    name: "threatfox_csl",
    table: "CommonSecurityLog",
    query: r#"let malicious_ips = dynamic(["195.20.239.136", "47.253.156.31", "60.165.167.98"]);
CommonSecurityLog
| where DestinationIP in (malicious_ips) or SourceIP in (malicious_ips)
| project TimeGenerated, SourceIP, DestinationIP, DestinationPort, DeviceAction, Activity
| order by TimeGenerated desc
"#,
    columns: &[
        ("TimeGenerated", KqlType::DateTime),
        ("SourceIP", KqlType::String),
        ("DestinationIP", KqlType::String),
        ("DestinationPort", KqlType::Int),
        ("DeviceAction", KqlType::String),
        ("Activity", KqlType::String),
    ],
};

pub const THREATFOX_DNE: Hunt = Hunt {
    name: "threatfox_dne",
    table: "DeviceNetworkEvents",
    query: r#"let malicious_ips = dynamic(["195.20.239.136", "47.253.156.31", "60.165.167.98"]);
DeviceNetworkEvents
| where RemoteIP in (malicious_ips)
| project Timestamp, DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName, ActionType
| order by Timestamp desc
"#,
    columns: &[
        ("Timestamp", KqlType::DateTime),
        ("DeviceName", KqlType::String),
        ("RemoteIP", KqlType::String),
        ("RemotePort", KqlType::Int),
        ("InitiatingProcessFileName", KqlType::String),
        ("ActionType", KqlType::String),
    ],
};

/// Columns of `cryptominer_ua_rows.json` (the planted miner rows in ASIM WebSession terms;
/// not a query result).
pub const MINER_COLUMNS: &[(&str, KqlType)] = &[
    ("TimeGenerated", KqlType::DateTime),
    ("Table", KqlType::String),
    ("SrcIpAddr", KqlType::String),
    ("HttpUserAgent", KqlType::String),
    ("Url", KqlType::String),
    ("SrcUsername", KqlType::String),
];

/// Renders a value of a column of type `ty` as Kusto prints it in JSON.
pub fn render(value: &Value, ty: KqlType) -> Json {
    match value {
        Value::Null if ty.is_stringy() => json!(""),
        Value::Null => Json::Null,
        Value::Str(s) => json!(s),
        Value::Int(i) => json!(i),
        Value::Time(t) => json!(kusto_datetime(*t)),
    }
}

/// Sorts `rows` by time, newest first, and renders them.
pub fn render_rows(columns: &[(&str, KqlType)], rows: &[RecordRow]) -> Vec<Vec<Json>> {
    let mut sorted: Vec<&RecordRow> = rows.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.time));
    sorted
        .iter()
        .map(|r| {
            r.values
                .iter()
                .zip(columns)
                .map(|(v, (_, ty))| render(v, *ty))
                .collect()
        })
        .collect()
}

/// The text of a result file: columns, then one row per line.
pub fn result_text(columns: &[(&str, KqlType)], rows: &[Vec<Json>]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|(name, ty)| json!({"name": name, "type": ty.name()}).to_string())
        .collect();
    let mut out = String::from("{\n  \"columns\": [\n");
    out.push_str(&indent_join(&cols));
    out.push_str("  ],\n  \"rows\": [\n");
    let rows: Vec<String> = rows
        .iter()
        .map(|r| Json::from(r.clone()).to_string())
        .collect();
    out.push_str(&indent_join(&rows));
    out.push_str("  ]\n}\n");
    out
}

fn indent_join(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        out.push_str("    ");
        out.push_str(item);
        if i + 1 < items.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out
}

/// Writes a hunt's expected result and query text; returns the row count.
pub fn write_hunt(dir: &Path, hunt: &Hunt, rows: &[RecordRow]) -> Result<usize> {
    let rendered = render_rows(hunt.columns, rows);
    fs::write(
        dir.join(format!("{}.json", hunt.name)),
        result_text(hunt.columns, &rendered),
    )?;
    fs::write(dir.join(format!("{}.kql", hunt.name)), hunt.query)?;
    Ok(rendered.len())
}

/// The rows of `cryptominer_ua_rows.json`: planted web events that a WebSession parser
/// reads and whose agent has a Cryptominer term, in ASIM names (any time).
pub fn miner_rows(events: &[WebEvent]) -> Vec<RecordRow> {
    events
        .iter()
        .filter_map(|e| {
            let k = e.through_parser()?;
            Some(RecordRow {
                time: e.time,
                values: vec![
                    Value::Time(e.time),
                    Value::str(e.table),
                    Value::Str(k.src_ip),
                    Value::Str(k.user_agent),
                    Value::Str(k.url),
                    Value::Str(k.user),
                ],
            })
        })
        .collect()
}

/// Writes the planted miner rows.
pub fn write_miner_rows(dir: &Path, rows: &[RecordRow]) -> Result<usize> {
    let rendered = render_rows(MINER_COLUMNS, rows);
    fs::write(
        dir.join("cryptominer_ua_rows.json"),
        result_text(MINER_COLUMNS, &rendered),
    )?;
    Ok(rendered.len())
}

#[derive(Serialize)]
pub struct Manifest {
    pub generator: &'static str,
    pub command: String,
    pub seed: u64,
    pub rows_per_table: u64,
    pub plant_rate: u64,
    pub start: String,
    pub end: String,
    pub row_group_size: usize,
    pub tables: Vec<TableReport>,
    pub planted: Vec<PlantedReport>,
    pub expected: Vec<ExpectedReport>,
    /// The fixed rows in and around the query period of UnusualUACryptoMiners.
    pub rule_window: Vec<WindowPlant>,
    pub notes: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct TableReport {
    pub name: &'static str,
    pub rows: u64,
    pub columns: usize,
    pub drift_columns: Vec<&'static str>,
    pub files: Vec<FileReport>,
}

#[derive(Serialize)]
pub struct PlantedReport {
    pub table: &'static str,
    pub kind: &'static str,
    pub rows: usize,
}

#[derive(Serialize)]
pub struct ExpectedReport {
    pub file: String,
    pub query: Option<String>,
    pub table: String,
    pub rows: usize,
}

pub const NOTES: &[&str] = &[
    "Folders starting with '_' are not tables.",
    "threatfox_*.json: exactly the rows the query in threatfox_*.kql returns, in its output order; null strings are rendered as \"\".",
    "cryptominer_ua_rows.json: the planted rows with a crypto-miner user agent (terms XMRig/ccminer), one per row, at any time, in ASIM WebSession column names; for CommonSecurityLog only Zscaler/NSSWeblog rows, Url as the ASIM Zscaler parser makes it (iff(RequestURL == '', '', tolower(ApplicationProtocol) + '://' + url_decode(RequestURL))). Not a query result.",
    "UnusualUACryptoMiners.json: exactly the rows the seed rule UnusualUACryptoMiners returns with now = the window end and its query period (15m, both ends inclusive), in no particular order; 'now', 'query_period', 'window' and the column types are in the file; row_sources says which tables each row's events came from. SquidProxy_CL contributes nothing (its parser's pre-filter drops every row when the rule passes user agents).",
    "rule_window: fixed rows planted at fixed times before the window end in the newest file of ASimWebSessionLogs, CommonSecurityLog and SquidProxy_CL (hits, edges of the query period, near misses).",
    "Near misses (not matching): IPs with extra characters, a trailing or leading space, a prefix, leading zeros, ip:port, IPv4-mapped IPv6, indicator IPs in columns the hunts do not read, null IPs; miner-like user agents without the whole terms (xmrigger, myccminerbox, XMRigProxy), feed agents of other categories (sqlmap, WindowsPowerShell), a miner agent in a non-Zscaler or non-NSSWeblog CommonSecurityLog row, miner agents 1 s and more before the rule's query period, a miner in the URL only.",
];

pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let mut text = serde_json::to_string_pretty(manifest)?;
    text.push('\n');
    fs::write(dir.join("manifest.json"), text)?;
    Ok(())
}
