//! The two published ThreatFox XMRIG hunts, run unchanged by the `kql` binary
//! over the sample archive, must return exactly the rows the generator planted
//! (recorded in testdata/archive/_expected independently of the engine),
//! in the query's order, with Kusto's column types and value rendering.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_json(query_file: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(["run", "--format", "json", "--archive"])
        .arg(root().join("testdata/archive"))
        .arg("-f")
        .arg(root().join(query_file))
        .output()
        .expect("the kql binary runs");
    assert!(
        out.status.success(),
        "kql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn expected(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("testdata/archive/_expected").join(name))
        .expect("expected answer of the sample archive");
    serde_json::from_str(&text).expect("expected JSON")
}

/// The hunt's JSON output equals the generator's record of what it planted.
fn assert_returns_the_planted_rows(query_file: &str, expected_file: &str) {
    let got = run_json(query_file);
    let want = expected(expected_file);
    assert!(!want["rows"].as_array().unwrap().is_empty());
    assert_eq!(got, want);
}

#[test]
fn commonsecuritylog_hunt_returns_the_planted_rows() {
    assert_returns_the_planted_rows(
        "queries/threatfox/xmrig_commonsecuritylog.kql",
        "threatfox_csl.json",
    );
}

#[test]
fn devicenetworkevents_hunt_returns_the_planted_rows() {
    assert_returns_the_planted_rows(
        "queries/threatfox/xmrig_devicenetworkevents.kql",
        "threatfox_dne.json",
    );
}

#[test]
fn the_predicate_is_pushed_into_the_parquet_scan() {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(["explain", "--stage", "physical", "--archive"])
        .arg(root().join("testdata/archive"))
        .arg("-f")
        .arg(root().join("queries/threatfox/xmrig_commonsecuritylog.kql"))
        .output()
        .expect("the kql binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let scan = text
        .lines()
        .find(|l| l.contains("DataSourceExec"))
        .expect("a Parquet scan");
    assert!(scan.contains("predicate=DestinationIP"), "{scan}");
    assert!(scan.contains("pruning_predicate="), "{scan}");
    // only the six projected columns are read
    let projection = scan
        .split("projection=[")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    assert_eq!(
        projection.matches(" as ").count() + 2,
        projection.split(", ").count(),
        "{projection}"
    );
    assert_eq!(projection.split(", ").count(), 6, "{projection}");
}
