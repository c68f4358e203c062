//! The binary's contract: exit codes, diagnostics on stderr, formats, --now.

mod common;

use common::kql;

#[test]
fn runs_on_the_sample_archive_by_default() {
    let (code, out, err) = kql(&["run", "CommonSecurityLog | count"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Count:long"), "{out}");
}

#[test]
fn now_is_settable_and_renders_as_iso() {
    let (code, out, err) = kql(&[
        "run",
        "--now",
        "2026-06-20T00:00:00Z",
        "--format",
        "csv",
        "print n = now(), a = ago(1d)",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "n,a\n2026-06-20T00:00:00Z,2026-06-19T00:00:00Z\n");
}

#[test]
fn a_bad_query_exits_non_zero_with_a_diagnostic() {
    let (code, out, err) = kql(&["run", "CommonSecurityLog | where Nope == 1"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("error[KQL2002]"), "{err}");
    assert!(err.contains("^^^^"), "{err}");
}

#[test]
fn a_missing_archive_is_a_clear_error() {
    let (code, _, err) = kql(&["run", "--archive", "/nonexistent/archive", "print 1"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("KQL5001") && err.contains("/nonexistent/archive"),
        "{err}"
    );
}

#[test]
fn bad_now_is_a_clear_error() {
    let (code, _, err) = kql(&["run", "--now", "yesterday", "print 1"]);
    assert_eq!(code, 1);
    assert!(err.contains("--now"), "{err}");
}

#[test]
fn tables_lists_schemas_with_kql_types() {
    let (code, out, err) = kql(&["tables"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("DeviceNetworkEvents ("), "{out}");
    assert!(out.contains("  AdditionalFields: dynamic"), "{out}");
    assert!(out.contains("  TimeGenerated: datetime"), "{out}");
}

#[test]
fn every_format_writes_something() {
    for f in ["table", "csv", "json", "ndjson"] {
        let (code, out, err) = kql(&["run", "--format", f, "print x = 1"]);
        assert_eq!(code, 0, "{f}: {err}");
        assert!(out.contains('1'), "{f}: {out}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.parquet");
    let (code, _, err) = kql(&[
        "run",
        "--format",
        "parquet",
        "-o",
        path.to_str().unwrap(),
        "print x = 1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
}

#[test]
fn timings_go_to_stderr_and_leave_the_result_alone() {
    let (code, out, err) = kql(&["run", "--timings", "--format", "csv", "print x = 1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "x\n1\n");
    let line = err
        .lines()
        .find(|l| l.starts_with("timings: "))
        .expect(&err);
    for stage in [
        "parse", "tables", "bind", "lower", "optimize", "physical", "execute", "total",
    ] {
        assert!(line.contains(&format!("{stage} ")), "{line}");
    }
}

#[test]
fn a_file_of_blank_line_separated_queries_runs_each_or_one_block() {
    let dir = std::env::temp_dir().join(format!("kql-blocks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("saved.kql");
    std::fs::write(&f, "print a = 1\n\nprint b = 2\n| extend c = 3\n").expect("write");
    let path = f.to_str().expect("utf-8 path");
    let (code, out, err) = kql(&["run", "--format", "csv", "-f", path]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "a\n1\nb,c\n2,3\n");
    assert!(
        err.contains("holds 2 queries separated by blank lines"),
        "{err}"
    );
    let (code, out, err) = kql(&["run", "--format", "csv", "--block", "2", "-f", path]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "b,c\n2,3\n");
    let (code, _, err) = kql(&["run", "--block", "3", "-f", path]);
    assert_eq!(code, 1);
    assert!(err.contains("--block 3"), "{err}");
}
