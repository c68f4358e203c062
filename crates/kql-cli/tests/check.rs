//! `kql check`: verdicts per query, the JSON line format, the summary and
//! the exit code; query files, blank-line-separated blocks, rule YAML, a
//! JSONL corpus, and bad inputs.

mod common;

use common::kql;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn every_query_binding_exits_zero() {
    let dir = scratch("ok");
    let f = dir.join("ok.kql");
    std::fs::write(
        &f,
        "SigninLogs\n| where ResultType == \"0\"\n| summarize count() by UserPrincipalName\n",
    )
    .unwrap();
    let (code, out, err) = kql(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": ok"), "{out}");
    assert!(out.contains("checked 1 queries: 1 ok"), "{out}");
}

#[test]
fn json_lines_name_each_diagnostic_and_its_place() {
    let dir = scratch("json");
    std::fs::write(
        dir.join("a.kql"),
        "SigninLogs | take 1\n\nSigninLogs\n| where Nope == 1\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.kql"), "SigninLogs | where (").unwrap();
    let (code, out, err) = kql(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let a = dir.join("a.kql").display().to_string();
    assert_eq!(
        lines[0],
        format!(r#"{{"id":"{a}#1","parse":"ok","bind":"ok","diagnostics":[]}}"#)
    );
    assert!(
        lines[1].starts_with(&format!(
            r#"{{"id":"{a}#2","parse":"ok","bind":"error","diagnostics":[{{"code":"KQL2002","message":"#
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(r#""line":4,"column":9}]}"#),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(r#""parse":"error","bind":"skipped""#),
        "{}",
        lines[2]
    );
    // the summary goes to stderr, so stdout is only JSON
    assert!(err.contains("checked 3 queries: 1 ok"), "{err}");
    for l in lines {
        serde_json::from_str::<serde_json::Value>(l).expect("each line is JSON");
    }
}

#[test]
fn a_corpus_file_is_checked_line_by_line() {
    let dir = scratch("corpus");
    let c = dir.join("c.jsonl");
    std::fs::write(
        &c,
        concat!(
            r#"{"id": "one", "query": "DeviceProcessEvents | where FileName =~ \"cmd.exe\""}"#,
            "\n",
            r#"{"id": "two", "query": "NoSuchTable | take 1"}"#,
            "\n"
        ),
    )
    .unwrap();
    let (code, out, _) = kql(&["check", "--corpus", c.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("one: ok"), "{out}");
    assert!(out.contains("two: bind error\n  KQL2001 at 1:1"), "{out}");
    assert!(out.contains("unknown table 1"), "{out}");
}

#[test]
fn a_rule_yaml_is_checked_through_its_query() {
    let rule = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queries/UnusualUACryptoMiners.yaml"
    );
    let (code, out, err) = kql(&["check", rule]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("UnusualUACryptoMiners.yaml: ok"), "{out}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let (code, _, err) = kql(&["check", "/nonexistent/queries"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no file or folder at '/nonexistent/queries'"),
        "{err}"
    );
    let dir = scratch("bad");
    let c = dir.join("c.jsonl");
    std::fs::write(&c, "{not json\n").unwrap();
    let (code, _, err) = kql(&["check", "--corpus", c.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("c.jsonl:1: not JSON"), "{err}");
}

#[test]
fn run_also_runs_what_binds_on_the_archive() {
    let dir = scratch("run");
    std::fs::write(
        dir.join("q.kql"),
        "CommonSecurityLog | count\n\nprint x = toint(\"1\") + 1\n\nprint toscalar(CommonSecurityLog | summarize max(TimeGenerated)) > now()\n",
    )
    .unwrap();
    let (code, out, err) = kql(&["check", "--run", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches(r#""run":"ok""#).count(), 3, "{out}");
    assert!(err.contains("3 ran on the archive"), "{err}");
}

#[test]
fn an_archive_gives_its_own_schemas_and_a_missing_one_is_an_error() {
    let archive = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/archive");
    let dir = scratch("archive");
    std::fs::write(dir.join("q.kql"), "CommonSecurityLog | take 1").unwrap();
    let q = dir.join("q.kql");
    let (code, out, err) = kql(&["check", "--archive", archive, q.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = kql(&[
        "check",
        "--archive",
        "/nonexistent/archive",
        q.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/archive"), "{err}");
}

#[test]
fn bag_unpack_and_pivot_without_data_leave_their_columns_open() {
    // Without data their output columns are unknown: a name they may
    // produce binds (as Kusto's language service accepts it), a name that
    // is wrong before them still does not, and `run` computes the columns.
    let dir = scratch("open");
    std::fs::write(
        dir.join("open.kql"),
        "DeviceInfo\n| extend b = parse_json(AdditionalFields)\n| evaluate bag_unpack(b)\n| where Anything == \"x\"\n| project DeviceName, Anything\n\n\
         DeviceInfo\n| evaluate pivot(OSPlatform, count(), DeviceName)\n| project DeviceName, Windows10\n\n\
         DeviceInfo\n| where Nope == 1\n| evaluate bag_unpack(AdditionalFields)\n",
    )
    .unwrap();
    let (code, out, err) = kql(&["check", dir.join("open.kql").to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("open.kql#1: ok"), "{out}");
    assert!(out.contains("open.kql#2: ok"), "{out}");
    assert!(out.contains("KQL2002"), "{out}");
    assert!(out.contains("'Nope'"), "{out}");

    let (code, out, err) = kql(&[
        "run",
        "datatable(d:dynamic)[dynamic({\"a\":1})] | evaluate bag_unpack(d) | project a",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("a:long"), "{out}");
}

#[test]
fn lookup_plugins_bind_without_data() {
    // ipv4_lookup / geo lookups and the time-window plugins read data to
    // build the plan; without data they read none, and the output's columns
    // are still checked.
    let dir = scratch("lookups");
    std::fs::write(
        dir.join("lookups.kql"),
        "let Nets = datatable(Net:string, Site:string)[\"10.0.0.0/8\", \"HQ\"];\n\
         DeviceNetworkEvents\n| evaluate ipv4_lookup(Nets, RemoteIP, Net, return_unmatched = true)\n\
         | where isempty(Net)\n| project RemoteIP, Site\n\n\
         let Nets = datatable(Net:string, Site:string)[\"10.0.0.0/8\", \"HQ\"];\n\
         DeviceNetworkEvents\n| evaluate ipv4_lookup(Nets, RemoteIP, Net)\n| project Nope\n\n\
         SigninLogs\n| evaluate sliding_window_counts(UserPrincipalName, TimeGenerated, ago(7d), now(), 1d, 1h)\n\
         | project TimeGenerated, Count, Dcount\n",
    )
    .unwrap();
    let (code, out, err) = kql(&["check", dir.join("lookups.kql").to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("lookups.kql#1: ok"), "{out}");
    assert!(out.contains("lookups.kql#3: ok"), "{out}");
    assert!(out.contains("'Nope'"), "{out}");
}
