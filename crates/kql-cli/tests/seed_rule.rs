//! Seed rule 1 — the ASIM crypto-miner analytic rule — run unchanged from its
//! YAML (`queries/UnusualUACryptoMiners.yaml`) over the sample archive, with
//! the bundled feed mirror and ASIM parsers, must return exactly the rows the
//! generator planted (`testdata/archive/_expected/UnusualUACryptoMiners.json`,
//! computed by the generator without the engine) and raise an alert named
//! from them.

mod common;

use common::{kql, repo};
use std::path::PathBuf;

/// The expected file and its `now`, or `None` (with a note) when the sample
/// archive has no answer for the rule.
fn expected() -> Option<(PathBuf, String)> {
    let path = repo().join("testdata/archive/_expected/UnusualUACryptoMiners.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "NOTE: {} is missing: seed-rule test skipped",
            path.display()
        );
        return None;
    };
    let v: serde_json::Value = serde_json::from_str(&text).expect("expected file is JSON");
    let now = v["now"]
        .as_str()
        .expect("expected file names its now")
        .to_string();
    Some((path, now))
}

#[test]
fn the_seed_rule_returns_exactly_the_planted_rows() {
    let Some((expected, now)) = expected() else {
        return;
    };
    let rule = repo().join("queries/UnusualUACryptoMiners.yaml");
    let (code, out, err) = kql(&[
        "rule",
        "run",
        "--now",
        &now,
        "--format",
        "json",
        "--expect",
        expected.to_str().unwrap(),
        rule.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(err.contains("the result matches"), "{err}");

    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON outcome");
    assert_eq!(v["Triggered"], true);
    let alerts = v["Alerts"].as_array().expect("alerts");
    // No eventGroupingSettings: Sentinel's default, one alert for all rows.
    assert_eq!(alerts.len(), 1);
    let name = alerts[0]["AlertName"].as_str().unwrap();
    assert!(
        name.starts_with("The host ") && name.ends_with(" is potentially running a crypto miner"),
        "{name}"
    );
    assert!(!name.contains("{{"), "{name}");
    let entities = alerts[0]["Entities"].to_string();
    assert!(entities.contains("\"UPNSuffix\""), "{entities}");
}

#[test]
fn the_rule_query_alone_runs_with_the_same_workspace() {
    // `kql run` takes the rule's query with the same bundled workspace; with
    // no rule window it reads the whole archive, so it finds at least the
    // rule's rows.
    let Some((_, now)) = expected() else {
        return;
    };
    let text = std::fs::read_to_string(repo().join("queries/UnusualUACryptoMiners.yaml")).unwrap();
    let query: String = text
        .split("query: |\n")
        .nth(1)
        .and_then(|rest| rest.split("entityMappings:").next())
        .expect("the rule has a query block")
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let (code, out, err) = kql(&[
        "run",
        "--now",
        &now,
        "--format",
        "csv",
        &format!("{query}\n| count"),
    ]);
    assert_eq!(code, 0, "{err}");
    let n: usize = out.lines().nth(1).unwrap().trim().parse().unwrap();
    assert!(n >= 18, "{out}");
}
