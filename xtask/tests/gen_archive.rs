//! End-to-end test of `xtask gen-archive`: generates a tiny archive twice and checks
//! determinism, the manifest's counts, the planted answers (read back independently) and
//! the realism features (hive folders, schema drift, timestamp units).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
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

fn catalog_columns(table: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/kql-engine/schemas/tables")
        .join(format!("{table}.json"));
    read_json(&path)["Properties"].as_array().unwrap().len()
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
    assert_eq!(tables.len(), 3);
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
    let miners = read_json(&a.join("_expected/cryptominer_ua_rows.json"));
    assert_eq!(
        miners["rows"].as_array().unwrap().len(),
        planted("CommonSecurityLog", "cryptominer_ua")
            + planted("ASimWebSessionLogs", "cryptominer_ua")
    );
}
