//! Sentinel content through the binary: `rule run` (time window, trigger,
//! alerts, folders, --expect), `feeds`, `diff`, the workspace options on
//! `run`, and the bad inputs each must report clearly.

mod common;

use common::{kql, repo};

fn seed_rule() -> String {
    repo()
        .join("queries/UnusualUACryptoMiners.yaml")
        .display()
        .to_string()
}

/// A small rule over a datatable, so the trigger and alerts do not depend on
/// the archive.
const DATATABLE_RULE: &str = r#"id: 11111111-2222-3333-4444-555555555555
name: Test rule
description: A rule over constants
severity: High
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 1
tactics:
  - Execution
relevantTechniques:
  - T1059
query: |
  datatable(Host:string, Ip:string, N:long) ["a", "10.0.0.1", 1, "b", "10.0.0.2", 2]
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: Ip
eventGroupingSettings:
  aggregationKind: AlertPerResult
alertDetailsOverride:
  alertDisplayNameFormat: Host {{Host}} seen
"#;

#[test]
fn a_rule_gives_one_alert_per_row_with_filled_names_and_entities() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yaml");
    std::fs::write(&rule, DATATABLE_RULE).unwrap();
    let (code, out, err) = kql(&[
        "rule",
        "run",
        "--now",
        "2026-06-20T00:00:00Z",
        "--format",
        "json",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON outcome");
    let alerts = v["Alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 2, "{out}");
    let names: Vec<&str> = alerts
        .iter()
        .map(|a| a["AlertName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Host a seen", "Host b seen"]);
    assert_eq!(alerts[0]["AlertSeverity"], "High");
    assert!(out.contains("10.0.0.2"), "{out}");
}

#[test]
fn the_trigger_threshold_decides() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yaml");
    std::fs::write(
        &rule,
        DATATABLE_RULE.replace("triggerThreshold: 1", "triggerThreshold: 2"),
    )
    .unwrap();
    let (code, out, err) = kql(&["rule", "run", "--format", "json", rule.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Triggered"], false, "{out}");
    assert_eq!(v["Alerts"].as_array().map(Vec::len), Some(0));
}

#[test]
fn the_rule_window_limits_every_table_to_the_query_period() {
    // The seed rule looks back 15 minutes: at a `now` before the archive's
    // first event it finds nothing; the same query without the rule does.
    let (code, out, err) = kql(&[
        "rule",
        "run",
        "--now",
        "2020-01-01T00:00:00Z",
        "--format",
        "json",
        &seed_rule(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ResultCount"], 0, "{out}");
}

#[test]
fn a_folder_of_rules_runs_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), DATATABLE_RULE).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        DATATABLE_RULE.replace("name: Test rule", "name: Second rule"),
    )
    .unwrap();
    let (code, out, err) = kql(&["rule", "run", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Test rule") && out.contains("Second rule"),
        "{out}"
    );
}

#[test]
fn a_malformed_rule_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("bad.yaml");
    std::fs::write(&rule, "id: x\nname: [unclosed\nquery: |\n  print 1\n").unwrap();
    let (code, _, err) = kql(&["rule", "run", rule.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("KQL5010") && err.contains("bad.yaml:"),
        "{err}"
    );
}

#[test]
fn a_bad_duration_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("bad.yaml");
    std::fs::write(
        &rule,
        DATATABLE_RULE.replace("queryPeriod: 1h", "queryPeriod: soon"),
    )
    .unwrap();
    let (code, _, err) = kql(&["rule", "run", rule.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("queryPeriod") && err.contains("bad.yaml:6"),
        "{err}"
    );
}

#[test]
fn a_query_error_in_a_rule_points_into_the_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("r.yaml");
    std::fs::write(
        &rule,
        DATATABLE_RULE.replace(
            "  datatable(Host:string, Ip:string, N:long) [\"a\", \"10.0.0.1\", 1, \"b\", \"10.0.0.2\", 2]",
            "  print x = 1\n  | where Nope == 2",
        ),
    )
    .unwrap();
    let (code, _, err) = kql(&["rule", "run", rule.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("KQL2002") && err.contains("r.yaml:15:11"),
        "{err}"
    );
}

#[test]
fn feeds_lists_what_a_rule_reads_and_whether_it_is_mirrored() {
    let (code, out, err) = kql(&["feeds", &seed_rule()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("present") && out.contains("UnusualUserAgents.csv"),
        "{out}"
    );

    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = kql(&[
        "feeds",
        "--feeds",
        empty.path().to_str().unwrap(),
        &seed_rule(),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("MISSING"), "{out}");
    assert!(out.contains("raw.githubusercontent.com/Azure/Azure-Sentinel/master/Sample Data/Feeds/UnusualUserAgents.csv"), "{out}");
    assert!(err.contains("KQL5006"), "{err}");
}

#[test]
fn a_missing_feed_stops_the_rule_with_the_path_to_fill() {
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = kql(&[
        "rule",
        "run",
        "--feeds",
        empty.path().to_str().unwrap(),
        &seed_rule(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("KQL5006") && err.contains("UnusualUserAgents.csv"),
        "{err}"
    );
}

#[test]
fn a_parser_yaml_with_a_syntax_error_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "ParserName: vimBroken\nEquivalentBuiltInParser: _Im_Broken\nParserQuery: |\n  print a = 1\n  | where (a\n",
    )
    .unwrap();
    let (code, _, err) = kql(&[
        "run",
        "--functions",
        dir.path().to_str().unwrap(),
        "_Im_Broken",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("KQL5009") && err.contains("broken.yaml:"),
        "{err}"
    );
}

#[test]
fn run_takes_the_workspace_options() {
    let testdata = repo().join("testdata");
    let (code, out, err) = kql(&[
        "run",
        "--watchlists",
        testdata.join("watchlists").to_str().unwrap(),
        "--format",
        "csv",
        "_GetWatchlist('UnusualUserAgents') | where SearchKey == 'Cryptominer' | project UserAgent",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "UserAgent\nMinerAgent\n");
    let (code, _, err) = kql(&["run", "--functions", "/nonexistent/fns", "print 1"]);
    assert_eq!(code, 1);
    assert!(err.contains("--functions"), "{err}");
}

#[test]
fn diff_compares_by_type_and_exits_1_on_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.csv");
    let c = dir.path().join("c.csv");
    std::fs::write(
        &a,
        r#"{"columns":[{"name":"T","type":"datetime"},{"name":"N","type":"long"}],"rows":[["2026-06-19T12:00:00Z",1],["2026-06-19T13:00:00Z",2]]}"#,
    )
    .unwrap();
    std::fs::write(
        &b,
        "T [UTC],N\n\"6/19/2026, 1:00:00.000 PM\",2\n\"6/19/2026, 12:00:00.000 PM\",1\n",
    )
    .unwrap();
    std::fs::write(
        &c,
        "T [UTC],N\n\"6/19/2026, 1:00:00.000 PM\",3\n\"6/19/2026, 12:00:00.000 PM\",1\n",
    )
    .unwrap();
    let (code, out, err) = kql(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = kql(&["diff", a.to_str().unwrap(), c.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains('3'), "{out}");
}
