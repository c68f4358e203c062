//! Reads a written archive back with the Parquet reader and recomputes the planted answers
//! in plain Rust, independently of the planting record: the two ThreatFox hunts must give
//! exactly the rows of their `_expected` files, the rows whose user agent holds a miner
//! term must be exactly the planted miner rows, the seed rule `UnusualUACryptoMiners` over
//! every row of the files must give exactly `_expected/UnusualUACryptoMiners.json`, and
//! every `SquidProxy_CL.RawData` line must match the ASIM Squid parser's regex.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampNanosecondType};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value as Json, json};

use super::Result;
use super::expected::{Hunt, THREATFOX_CSL, THREATFOX_DNE};
use super::rule::{self, WebEvent};
use super::schema::KqlType;
use super::values::{MALICIOUS_IPS, kusto_datetime, parse_datetime};

/// The `.parquet` files under `dir`, recursively, in path order.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Calls `f` for every batch of every file of a table with the named columns (None where
/// a file lacks one). Timestamps come as nanoseconds without timezone, ints as Int64.
fn scan(
    table_dir: &Path,
    names: &[&str],
    mut f: impl FnMut(&[Option<ArrayRef>], usize) -> Result<()>,
) -> Result<()> {
    for path in parquet_files(table_dir)? {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path)?)?;
        let schema = builder.schema().clone();
        let roots: Vec<usize> = names
            .iter()
            .filter_map(|n| schema.index_of(n).ok())
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        for batch in builder.with_projection(mask).build()? {
            let batch = batch?;
            let cols = names
                .iter()
                .map(|n| batch.column_by_name(n).map(normalize).transpose())
                .collect::<Result<Vec<_>>>()?;
            f(&cols, batch.num_rows())?;
        }
    }
    Ok(())
}

fn normalize(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Timestamp(_, _) => cast(a, &DataType::Timestamp(TimeUnit::Nanosecond, None))?,
        DataType::Int32 => cast(a, &DataType::Int64)?,
        _ => a.clone(),
    })
}

fn string_at(col: &Option<ArrayRef>, row: usize) -> Option<&str> {
    let a = col.as_ref()?.as_string::<i32>();
    a.is_valid(row).then(|| a.value(row))
}

fn time_at(col: &Option<ArrayRef>, row: usize) -> Option<i64> {
    let a = col.as_ref()?.as_primitive::<TimestampNanosecondType>();
    a.is_valid(row).then(|| a.value(row))
}

fn json_at(col: &Option<ArrayRef>, row: usize, ty: KqlType) -> Json {
    match ty {
        KqlType::DateTime => time_at(col, row).map_or(Json::Null, |t| json!(kusto_datetime(t))),
        KqlType::Int | KqlType::Long => col
            .as_ref()
            .map(|a| a.as_primitive::<Int64Type>())
            .filter(|a| a.is_valid(row))
            .map_or(Json::Null, |a| json!(a.value(row))),
        _ => json!(string_at(col, row).unwrap_or("")),
    }
}

/// Runs a ThreatFox hunt over the archive: rows whose filter columns hold one of the
/// indicators exactly, projected and ordered by time desc.
fn run_hunt(out: &Path, hunt: &Hunt, filter: &[&str]) -> Result<Vec<Vec<Json>>> {
    let mut names: Vec<&str> = hunt.columns.iter().map(|(n, _)| *n).collect();
    names.extend_from_slice(filter);
    let mut rows: Vec<(i64, Vec<Json>)> = Vec::new();
    scan(&out.join(hunt.table), &names, |cols, n| {
        let filter_cols = &cols[hunt.columns.len()..];
        for row in 0..n {
            let hit = filter_cols
                .iter()
                .any(|c| string_at(c, row).is_some_and(|s| MALICIOUS_IPS.contains(&s)));
            if hit {
                let time = time_at(&cols[0], row).ok_or("hit with null time")?;
                let values = hunt
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| json_at(&cols[i], row, *ty))
                    .collect();
                rows.push((time, values));
            }
        }
        Ok(())
    })?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    if rows.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(format!("{}: hits share a timestamp, order undefined", hunt.name).into());
    }
    Ok(rows.into_iter().map(|(_, v)| v).collect())
}

fn expected_rows(out: &Path, file: &str) -> Result<Vec<Json>> {
    let text = fs::read_to_string(out.join("_expected").join(file))?;
    let json: Json = serde_json::from_str(&text)?;
    Ok(json["rows"].as_array().ok_or("no rows array")?.clone())
}

/// Checks the archive at `out`; returns a one-line summary.
pub fn verify(out: &Path) -> Result<String> {
    let mut summary = Vec::new();
    for (hunt, filter) in [
        (&THREATFOX_CSL, &["DestinationIP", "SourceIP"][..]),
        (&THREATFOX_DNE, &["RemoteIP"][..]),
    ] {
        if !out.join(hunt.table).is_dir() {
            continue;
        }
        let got = run_hunt(out, hunt, filter)?;
        let want = expected_rows(out, &format!("{}.json", hunt.name))?;
        if got.len() != want.len() {
            return Err(format!(
                "{}: scan finds {} rows, expected file has {}",
                hunt.name,
                got.len(),
                want.len()
            )
            .into());
        }
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if Json::from(g.clone()) != *w {
                return Err(format!(
                    "{} row {i}: scan gives {}, expected {w}",
                    hunt.name,
                    Json::from(g.clone())
                )
                .into());
            }
        }
        summary.push(format!("{} {} rows", hunt.name, got.len()));
    }

    let manifest: Json = serde_json::from_str(&fs::read_to_string(
        out.join("_expected").join("manifest.json"),
    )?)?;
    let now = parse_datetime(manifest["end"].as_str().ok_or("manifest has no end")?)?;
    let events = web_events(out)?;

    // Rows with a miner agent that a parser reads, at any time.
    let mut miners: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        if e.through_parser().is_some() {
            *miners.entry(e.table).or_default() += 1;
        }
    }
    let planted = expected_rows(out, "cryptominer_ua_rows.json")?;
    for table in ["ASimWebSessionLogs", "CommonSecurityLog"] {
        if !out.join(table).is_dir() {
            continue;
        }
        let found = miners.get(table).copied().unwrap_or(0);
        let want = planted.iter().filter(|r| r[1] == json!(table)).count();
        if found != want {
            return Err(
                format!("{table}: {found} rows with a miner user agent, {want} planted").into(),
            );
        }
        summary.push(format!("{table} miner UA {found} rows"));
    }

    if rule::SOURCE_TABLES.iter().any(|t| out.join(t).is_dir()) {
        summary.push(check_rule(out, &events, now)?);
    }
    if out.join("SquidProxy_CL").is_dir() {
        summary.push(check_squid(out)?);
    }
    Ok(summary.join(", "))
}

/// The rows of ASimWebSessionLogs and CommonSecurityLog whose agent has a Cryptominer term
/// (the only rows the rule can return), read from the files.
fn web_events(out: &Path) -> Result<Vec<WebEvent>> {
    let mut events = Vec::new();
    let asim = out.join("ASimWebSessionLogs");
    if asim.is_dir() {
        let cols = [
            "TimeGenerated",
            "HttpUserAgent",
            "SrcIpAddr",
            "Url",
            "SrcUsername",
        ];
        scan(&asim, &cols, |c, n| {
            for r in 0..n {
                let Some(ua) = string_at(&c[1], r).filter(|u| rule::is_miner_agent(u)) else {
                    continue;
                };
                let owned = |i: usize| string_at(&c[i], r).map(str::to_string);
                events.push(WebEvent {
                    table: "ASimWebSessionLogs",
                    time: time_at(&c[0], r).ok_or("ASimWebSessionLogs: null TimeGenerated")?,
                    user_agent: Some(ua.to_string()),
                    src_ip: owned(2),
                    url: owned(3),
                    user: owned(4),
                    ..WebEvent::default()
                });
            }
            Ok(())
        })?;
    }
    let csl = out.join("CommonSecurityLog");
    if csl.is_dir() {
        let cols = [
            "TimeGenerated",
            "RequestClientApplication",
            "DeviceVendor",
            "DeviceProduct",
            "SourceIP",
            "RequestURL",
            "ApplicationProtocol",
            "SourceUserName",
        ];
        scan(&csl, &cols, |c, n| {
            for r in 0..n {
                let Some(ua) = string_at(&c[1], r).filter(|u| rule::is_miner_agent(u)) else {
                    continue;
                };
                let owned = |i: usize| string_at(&c[i], r).map(str::to_string);
                events.push(WebEvent {
                    table: "CommonSecurityLog",
                    time: time_at(&c[0], r).ok_or("CommonSecurityLog: null TimeGenerated")?,
                    user_agent: Some(ua.to_string()),
                    vendor: owned(2),
                    product: owned(3),
                    src_ip: owned(4),
                    url: owned(5),
                    protocol: owned(6),
                    user: owned(7),
                });
            }
            Ok(())
        })?;
    }
    Ok(events)
}

/// The rule over the files' rows against `_expected/UnusualUACryptoMiners.json`, as
/// multisets of rows.
fn check_rule(out: &Path, events: &[WebEvent], now: i64) -> Result<String> {
    let text = fs::read_to_string(out.join("_expected").join(rule::FILE))?;
    let want: Json = serde_json::from_str(&text)?;
    if want["now"] != json!(kusto_datetime(now)) {
        return Err(format!(
            "{}: now is {}, the window ends {}",
            rule::FILE,
            want["now"],
            kusto_datetime(now)
        )
        .into());
    }
    let columns: Vec<Json> = rule::COLUMNS
        .iter()
        .map(|(n, t)| json!({"name": n, "type": t.name()}))
        .collect();
    if want["columns"] != Json::from(columns) {
        return Err(format!("{}: unexpected columns {}", rule::FILE, want["columns"]).into());
    }
    let mut got: Vec<Json> = rule::answer(events, now)
        .iter()
        .map(|r| Json::from(r.render()))
        .collect();
    let mut want_rows = want["rows"].as_array().ok_or("no rows array")?.clone();
    let key = |j: &Json| j.to_string();
    got.sort_by_key(key);
    want_rows.sort_by_key(key);
    if got != want_rows {
        let extra: Vec<&Json> = got.iter().filter(|g| !want_rows.contains(g)).collect();
        let missing: Vec<&Json> = want_rows.iter().filter(|w| !got.contains(w)).collect();
        return Err(format!(
            "{}: the files give {} rows, the expected file {}; not expected: {extra:?}; missing: {missing:?}",
            rule::FILE,
            got.len(),
            want_rows.len()
        )
        .into());
    }
    Ok(format!("{} {} rows", rule::NAME, got.len()))
}

/// The ASIM Squid parser's regex (vimWebSessionSquidProxy, `extract_all(..., RawData)`).
pub const SQUID_REGEX: &str = r"^(\d+\.\d+)\s+(\d+)\s(\S+)\s([A-Z_]+)\/(\d+)\s(\d+)\s([A-Z]+)\s(\S+)\s(\S+)\s([A-Z_]+)\/(\S+)\s(\S+)";

/// Every RawData line parses, and its time is the row's TimeGenerated (to the millisecond).
fn check_squid(out: &Path) -> Result<String> {
    let re = regex::Regex::new(SQUID_REGEX)?;
    let mut lines = 0usize;
    let mut with_user = 0usize;
    scan(
        &out.join("SquidProxy_CL"),
        &["TimeGenerated", "RawData"],
        |c, n| {
            for r in 0..n {
                let line = string_at(&c[1], r).ok_or("SquidProxy_CL: null RawData")?;
                let caps = re
                    .captures(line)
                    .ok_or_else(|| format!("SquidProxy_CL: RawData does not parse: {line}"))?;
                let time = time_at(&c[0], r).ok_or("SquidProxy_CL: null TimeGenerated")?;
                let stamp = format!(
                    "{}.{:03}",
                    time.div_euclid(1_000_000_000),
                    time.div_euclid(1_000_000).rem_euclid(1000)
                );
                if caps[1] != stamp {
                    return Err(format!(
                        "SquidProxy_CL: RawData time {} but TimeGenerated {}",
                        &caps[1],
                        kusto_datetime(time)
                    )
                    .into());
                }
                lines += 1;
                with_user += usize::from(&caps[9] != "-");
            }
            Ok(())
        },
    )?;
    Ok(format!(
        "SquidProxy_CL {lines} lines parse ({with_user} with a user)"
    ))
}

#[cfg(test)]
mod tests {
    use super::SQUID_REGEX;

    #[test]
    fn squid_regex_is_the_parsers() {
        let re = regex::Regex::new(SQUID_REGEX).unwrap();
        let line = "1781913600.123    245 10.1.0.52 TCP_MISS/200 10543 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html";
        let caps = re.captures(line).unwrap();
        assert_eq!(&caps[4], "TCP_MISS");
        assert_eq!(&caps[8], "http://www.example.com/");
        assert!(!re.is_match("1781913600 245 10.1.0.52 TCP_MISS/200"));
    }
}
