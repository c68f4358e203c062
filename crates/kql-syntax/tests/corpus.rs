//! Every published query of the corpus (../shared/corpus/queries.jsonl, or
//! `$KQL_CORPUS`) that is KQL parses — as one query, or as the
//! blank-line-separated queries of a saved editor file
//! ([`kql_syntax::blocks`]). The few that are not KQL (markdown fences,
//! prose, placeholders, typographic quotes, Splunk...) are listed with the
//! reason in `testdata/corpus/not_kql.tsv`, and must keep failing: a listed
//! query that parses is an error too, so the list stays true. Skipped, with
//! a note, when the corpus is not beside the repository.

use kql_syntax::blocks::{Blocks, split_queries};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus_path() -> Option<PathBuf> {
    let candidates = [
        std::env::var("KQL_CORPUS").ok().map(PathBuf::from),
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/queries.jsonl"),
        ),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// id → reason, from testdata/corpus/not_kql.tsv.
fn not_kql() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus/not_kql.tsv");
    let text = std::fs::read_to_string(&path).expect("testdata/corpus/not_kql.tsv is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (id, reason) = l.split_once('\t').expect("id <TAB> reason");
            (id.to_string(), reason.to_string())
        })
        .collect()
}

#[test]
fn every_corpus_query_that_is_kql_parses() {
    let Some(path) = corpus_path() else {
        eprintln!(
            "SKIPPED: the query corpus is not at ../shared/corpus/queries.jsonl; set KQL_CORPUS"
        );
        return;
    };
    let listed = not_kql();
    let text = std::fs::read_to_string(&path).expect("read corpus");
    let (mut total, mut ok) = (0usize, 0usize);
    let mut failures = Vec::new();
    let mut seen = 0usize;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let query = v["query"].as_str().unwrap_or_default();
        total += 1;
        let parsed = match split_queries(query) {
            Blocks::One(r) => r.map(|_| ()),
            Blocks::Several(_) => Ok(()),
        };
        ok += usize::from(parsed.is_ok());
        match (parsed, listed.get(&id)) {
            (Ok(()), Some(reason)) => failures.push(format!(
                "{id}: listed as not KQL ({reason}) but parses: remove it from not_kql.tsv"
            )),
            (Err(d), None) => failures.push(format!(
                "{id}: {} (if the query is not valid KQL, list it in not_kql.tsv with the reason)",
                d.message
            )),
            (Err(_), Some(_)) => seen += 1,
            (Ok(()), None) => {}
        }
    }
    println!(
        "parsed {ok}/{total} corpus queries; the other {} are listed as not KQL",
        total - ok
    );
    assert_eq!(
        seen,
        listed.len(),
        "not_kql.tsv lists ids that are not in the corpus"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
