//! End-to-end test of `xtask gen-archive`: generates a tiny archive twice and checks
//! determinism, the manifest's counts, the planted answers (read back independently), the
//! expected answer of the seed rule UnusualUACryptoMiners (hits from both sources, every
//! near-miss kind left out) and the realism features (hive folders, schema drift, timestamp
//! units).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit, TimestampNanosecondType};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value as Json;

const MALICIOUS: [&str; 3] = ["195.20.239.136", "47.253.156.31", "60.165.167.98"];
const ROWS: u64 = 3000;

/// Runs the generator; returns whether it succeeded and its stderr.
fn run(out: &Path, extra: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["gen-archive", "--rows", &ROWS.to_string(), "--seed", "7"])
        .args(["--plant-rate", "100", "--row-group-size", "500"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run xtask");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn run_ok(out: &Path, extra: &[&str]) {
    let (ok, stderr) = run(out, extra);
    assert!(ok, "gen-archive {extra:?} failed:\n{stderr}");
}

/// All files under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn reader(path: &Path) -> ParquetRecordBatchReaderBuilder<File> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap()
}

/// Rows of a table whose `columns` hold an indicator exactly, counted from the Parquet
/// files directly.
fn count_hits(archive: &Path, table: &str, columns: &[&str]) -> usize {
    let mut hits = 0;
    for f in files(&archive.join(table)) {
        for batch in reader(&archive.join(table).join(f)).build().unwrap() {
            let batch = batch.unwrap();
            let cols: Vec<_> = columns
                .iter()
                .map(|c| batch.column_by_name(c).unwrap().as_string::<i32>().clone())
                .collect();
            hits += (0..batch.num_rows())
                .filter(|&r| {
                    cols.iter()
                        .any(|c| c.is_valid(r) && MALICIOUS.contains(&c.value(r)))
                })
                .count();
        }
    }
    hits
}

/// Columns the generator writes: the catalog's, except for SquidProxy_CL, which has the
/// 27 columns of the Azure-Sentinel validation schema (the catalog adds two).
fn catalog_columns(table: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/kql-engine/schemas/tables")
        .join(format!("{table}.json"));
    let n = read_json(&path)["Properties"].as_array().unwrap().len();
    if table == "SquidProxy_CL" { n - 2 } else { n }
}

#[test]
fn gen_archive_end_to_end() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gen_archive_e2e");
    let _ = fs::remove_dir_all(&root);
    let (a, b) = (root.join("a"), root.join("b"));
    run_ok(&a, &["--verify"]);
    run_ok(&b, &[]);

    // Determinism: byte-identical trees.
    let listing = files(&a);
    assert_eq!(listing, files(&b));
    for f in &listing {
        assert!(
            fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
    // An existing archive is not overwritten without --force.
    let (ok, stderr) = run(&a, &[]);
    assert!(!ok && stderr.contains("--force"), "{stderr}");
    run_ok(&b, &["--force"]);

    let manifest = read_json(&a.join("_expected/manifest.json"));
    assert_eq!(manifest["seed"], 7);
    let tables = manifest["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 4);
    for table in tables {
        let name = table["name"].as_str().unwrap();
        let time_col = if name == "DeviceNetworkEvents" {
            "Timestamp"
        } else {
            "TimeGenerated"
        };
        assert_eq!(table["rows"].as_u64().unwrap(), ROWS, "{name}");
        let catalog = catalog_columns(name);
        assert_eq!(table["columns"].as_u64().unwrap() as usize, catalog);
        let file_list = table["files"].as_array().unwrap();
        assert!(file_list.len() >= 3, "{name}: {} files", file_list.len());
        assert!(
            file_list
                .iter()
                .any(|f| f["path"].as_str().unwrap().contains("/date="))
        );
        let mut sum = 0;
        let mut narrow = 0;
        let mut units = BTreeSet::new();
        for f in file_list {
            let builder = reader(&a.join(f["path"].as_str().unwrap()));
            let rows = builder.metadata().file_metadata().num_rows() as u64;
            assert_eq!(rows, f["rows"].as_u64().unwrap(), "{}", f["path"]);
            sum += rows;
            let schema = builder.schema();
            if schema.fields().len() < catalog {
                narrow += 1;
            }
            match schema.field_with_name(time_col).unwrap().data_type() {
                DataType::Timestamp(unit, tz) => {
                    units.insert(format!("{unit:?} {tz:?}"));
                }
                other => panic!("{name}.{time_col} is {other}"),
            }
        }
        assert_eq!(sum, ROWS, "{name}: file rows do not add up");
        assert!(narrow >= 1, "{name}: no file lacks columns");
        assert!(units.len() >= 3, "{name}: timestamp formats {units:?}");
    }

    // Planted answers: the expected files hold exactly the planted hits, and a direct scan
    // of the Parquet files finds the same number.
    let planted = |table: &str, kind: &str| -> usize {
        manifest["planted"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["table"] == table && p["kind"] == kind)
            .map_or(0, |p| p["rows"].as_u64().unwrap() as usize)
    };
    for (file, table, filter) in [
        (
            "threatfox_csl.json",
            "CommonSecurityLog",
            &["DestinationIP", "SourceIP"][..],
        ),
        (
            "threatfox_dne.json",
            "DeviceNetworkEvents",
            &["RemoteIP"][..],
        ),
    ] {
        let expected = read_json(&a.join("_expected").join(file));
        let rows = expected["rows"].as_array().unwrap();
        let hits = planted(table, "threatfox");
        assert_eq!(hits as u64, ROWS / 100, "{table}: plant count");
        assert_eq!(rows.len(), hits, "{file}");
        assert!(planted(table, "threatfox_near_miss") > 0);
        assert_eq!(count_hits(&a, table, filter), hits, "{table}: scan");
        assert_eq!(expected["columns"].as_array().unwrap().len(), 6);
        // Ordered by time, newest first, no ties.
        let times: Vec<_> = rows
            .iter()
            .map(|r| chrono::DateTime::parse_from_rfc3339(r[0].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] > w[1]), "{file}: order");
        assert!(rows.iter().all(|r| r[0].as_str().unwrap().ends_with('Z')));
    }
    // Rate-planted miner rows plus the rule-window ones (the window hits and the miner
    // agents just before the query period).
    let miners = read_json(&a.join("_expected/cryptominer_ua_rows.json"));
    assert!(
        miners["rows"].as_array().unwrap().len()
            > planted("CommonSecurityLog", "cryptominer_ua")
                + planted("ASimWebSessionLogs", "cryptominer_ua")
                + planted("ASimWebSessionLogs", "rule_window_hit")
    );
    assert!(planted("SquidProxy_CL", "rule_window_other") > 0);
    check_rule_answer(&a);
}

const NOW: &str = "2026-06-20T00:00:00Z";
const PERIOD_START: &str = "2026-06-19T23:45:00Z";

fn ns(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
}

/// The test's own term test: `XMRig` or `ccminer` between non-alphanumerics, any case.
fn miner_agent(ua: &str) -> bool {
    let re = regex::Regex::new(r"(?i)(^|[^a-z0-9])(xmrig|ccminer)([^a-z0-9]|$)").unwrap();
    re.is_match(ua)
}

/// A web row read straight from the Parquet files.
#[derive(Debug)]
struct Web {
    table: &'static str,
    time: i64,
    ua: String,
    product: String,
}

fn column(batch: &arrow::record_batch::RecordBatch, name: &str) -> Option<ArrayRef> {
    let c = batch.column_by_name(name)?;
    Some(match c.data_type() {
        DataType::Timestamp(_, _) => {
            cast(c, &DataType::Timestamp(TimeUnit::Nanosecond, None)).unwrap()
        }
        _ => c.clone(),
    })
}

/// Rows of ASimWebSessionLogs and CommonSecurityLog with a non-null agent.
fn web_rows(archive: &Path) -> Vec<Web> {
    let mut out = Vec::new();
    for (table, ua_col) in [
        ("ASimWebSessionLogs", "HttpUserAgent"),
        ("CommonSecurityLog", "RequestClientApplication"),
    ] {
        for f in files(&archive.join(table)) {
            for batch in reader(&archive.join(table).join(f)).build().unwrap() {
                let batch = batch.unwrap();
                let time = column(&batch, "TimeGenerated").unwrap();
                let time = time.as_primitive::<TimestampNanosecondType>();
                let ua = column(&batch, ua_col).unwrap();
                let ua = ua.as_string::<i32>();
                let product = column(&batch, "DeviceProduct");
                for r in 0..batch.num_rows() {
                    if !ua.is_valid(r) {
                        continue;
                    }
                    out.push(Web {
                        table,
                        time: time.value(r),
                        ua: ua.value(r).to_string(),
                        product: product
                            .as_ref()
                            .map(|p| p.as_string::<i32>())
                            .filter(|p| p.is_valid(r))
                            .map_or(String::new(), |p| p.value(r).to_string()),
                    });
                }
            }
        }
    }
    out
}

/// `_expected/UnusualUACryptoMiners.json`: its format, its hits, and the near misses in the
/// files that it leaves out.
fn check_rule_answer(archive: &Path) {
    let expected = read_json(&archive.join("_expected/UnusualUACryptoMiners.json"));
    assert_eq!(expected["now"], NOW);
    assert_eq!(expected["window"]["start"], PERIOD_START);
    let columns: Vec<(String, String)> = expected["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("SrcIpAddr", "string"),
        ("Url", "string"),
        ("TimeGenerated", "datetime"),
        ("HttpUserAgent", "string"),
        ("SrcUsername", "string"),
        ("N_Events", "long"),
        ("AccountName", "string"),
        ("AccountUPNSuffix", "string"),
    ];
    assert_eq!(
        columns,
        want.map(|(n, t)| (n.to_string(), t.to_string())).to_vec()
    );
    let rows = expected["rows"].as_array().unwrap();
    let sources = expected["row_sources"].as_array().unwrap();
    assert_eq!(rows.len(), sources.len());
    assert!(rows.len() >= 10, "{} rows", rows.len());
    let (start, now) = (ns(PERIOD_START), ns(NOW));
    let mut keys = BTreeSet::new();
    for (row, src) in rows.iter().zip(sources) {
        let time = ns(row[2].as_str().unwrap());
        assert!(time >= start && time <= now, "{row}");
        assert!(row[2].as_str().unwrap().ends_with('Z'));
        assert!(miner_agent(row[3].as_str().unwrap()), "{row}");
        let user = row[4].as_str().unwrap();
        let mut parts = user.split('@');
        assert_eq!(row[6], parts.next().unwrap_or(""), "{row}");
        assert_eq!(row[7], parts.next().unwrap_or(""), "{row}");
        assert!(row[5].as_i64().unwrap() >= 1);
        assert!(!src.to_string().contains("SquidProxy_CL"));
        keys.insert((time, row[3].as_str().unwrap().to_string()));
    }
    let has_source = |t: &str| {
        sources
            .iter()
            .any(|s| s.as_array().unwrap().contains(&t.into()))
    };
    assert!(has_source("ASimWebSessionLogs") && has_source("CommonSecurityLog"));
    // The first instant of the query period is in it.
    assert!(rows.iter().any(|r| r[2] == PERIOD_START));
    // Identical requests are one group: within a table, and across the two sources.
    assert!(rows.iter().any(|r| r[5] == 2));
    assert!(sources.iter().any(|s| s.as_array().unwrap().len() == 2));
    assert!(rows.iter().any(|r| r[4] == "" && r[6] == "" && r[7] == ""));
    assert!(
        rows.iter()
            .any(|r| !r[4].as_str().unwrap().contains('@') && r[4] != "")
    );

    // Near misses are in the files, in or next to the period, and not in the answer.
    let web = web_rows(archive);
    let near = |what: &str, pick: &dyn Fn(&Web) -> bool| {
        let found: Vec<&Web> = web.iter().filter(|w| pick(w)).collect();
        assert!(!found.is_empty(), "no {what} planted");
        for w in found {
            assert!(
                !keys.contains(&(w.time, w.ua.clone())),
                "{what} returned: {w:?}"
            );
        }
    };
    let in_period = |w: &Web| w.time >= start && w.time <= now;
    for table in ["ASimWebSessionLogs", "CommonSecurityLog"] {
        let t = |w: &Web| w.table == table;
        near("xmrigger", &|w| {
            t(w) && in_period(w) && w.ua.to_lowercase().contains("xmrigger")
        });
        near("myccminerbox", &|w| {
            t(w) && in_period(w) && w.ua.contains("myccminerbox")
        });
        near("sqlmap", &|w| {
            t(w) && in_period(w) && w.ua.starts_with("sqlmap")
        });
        near("miner 1 s early", &|w| {
            t(w) && w.time == start - 1_000_000_000 && miner_agent(&w.ua)
        });
        // Before the period: no miner row of the table is returned.
        near("miner before the period", &|w| {
            t(w) && w.time < start && miner_agent(&w.ua)
        });
    }
    near("Zscaler firewall feed", &|w| {
        in_period(w) && w.product == "NSSFWlog" && miner_agent(&w.ua)
    });
    near("other CEF product", &|w| {
        in_period(w)
            && w.table == "CommonSecurityLog"
            && w.product == "PAN-OS"
            && miner_agent(&w.ua)
    });

    // SquidProxy_CL: native lines, inside the period some name a miner and some a user;
    // row_sources above never names the table.
    let (mut squid_miner, mut squid_users) = (0, 0);
    for f in files(&archive.join("SquidProxy_CL")) {
        for batch in reader(&archive.join("SquidProxy_CL").join(f))
            .build()
            .unwrap()
        {
            let batch = batch.unwrap();
            let raw = column(&batch, "RawData").unwrap();
            let time = column(&batch, "TimeGenerated").unwrap();
            let time = time.as_primitive::<TimestampNanosecondType>();
            for r in 0..batch.num_rows() {
                let line = raw.as_string::<i32>().value(r);
                assert!(
                    line.split(' ').filter(|s| !s.is_empty()).count() == 10,
                    "{line}"
                );
                let fields: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).collect();
                if (start..=now).contains(&time.value(r)) {
                    squid_miner += usize::from(miner_agent(line));
                    squid_users += usize::from(fields[7] != "-");
                }
            }
        }
    }
    assert!(
        squid_miner >= 1 && squid_users >= 2,
        "{squid_miner} {squid_users}"
    );
}
