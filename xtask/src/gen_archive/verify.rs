//! Reads a written archive back with the Parquet reader and recomputes the planted answers
//! in plain Rust, independently of the planting record: the two ThreatFox hunts must give
//! exactly the rows of their `_expected` files, and the rows whose user agent holds a miner
//! term must be exactly the planted miner rows.

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
use super::schema::KqlType;
use super::values::{MALICIOUS_IPS, kusto_datetime};

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

/// Whether `text` holds `term` as a whole term (maximal alphanumeric run), ignoring case,
/// as Kusto's `has` does.
pub fn has_term(text: &str, term: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| t.eq_ignore_ascii_case(term))
}

fn is_miner(ua: Option<&str>) -> bool {
    ua.is_some_and(|u| has_term(u, "XMRig") || has_term(u, "ccminer"))
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

    let mut miners: BTreeMap<&str, usize> = BTreeMap::new();
    let asim = out.join("ASimWebSessionLogs");
    if asim.is_dir() {
        scan(&asim, &["HttpUserAgent"], |cols, n| {
            let hits = (0..n).filter(|&r| is_miner(string_at(&cols[0], r))).count();
            *miners.entry("ASimWebSessionLogs").or_default() += hits;
            Ok(())
        })?;
    }
    let csl = out.join("CommonSecurityLog");
    let csl_cols = ["DeviceVendor", "DeviceProduct", "RequestClientApplication"];
    if csl.is_dir() {
        scan(&csl, &csl_cols, |cols, n| {
            let hits = (0..n)
                .filter(|&r| {
                    string_at(&cols[0], r) == Some("Zscaler")
                        && string_at(&cols[1], r) == Some("NSSWeblog")
                        && is_miner(string_at(&cols[2], r))
                })
                .count();
            *miners.entry("CommonSecurityLog").or_default() += hits;
            Ok(())
        })?;
    }
    let planted = expected_rows(out, "cryptominer_ua_rows.json")?;
    for (table, found) in &miners {
        let want = planted.iter().filter(|r| r[1] == json!(table)).count();
        if *found != want {
            return Err(
                format!("{table}: {found} rows with a miner user agent, {want} planted").into(),
            );
        }
        summary.push(format!("{table} miner UA {found} rows"));
    }
    Ok(summary.join(", "))
}

#[cfg(test)]
mod tests {
    use super::has_term;

    #[test]
    fn terms() {
        assert!(has_term("XMRig/6.2.1", "xmrig"));
        assert!(has_term("foo ccminer/2.3", "ccminer"));
        assert!(!has_term("XMRigger/1.0", "XMRig"));
        assert!(!has_term("ccminerbot", "ccminer"));
    }
}
