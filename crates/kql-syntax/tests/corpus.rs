//! Parse rate over the published-query corpus (../shared/corpus/queries.jsonl
//! or `$KQL_CORPUS`). Ignored by default (the corpus is not in the repo):
//! `cargo test -p kql-syntax --test corpus -- --ignored --nocapture`.
//! `cargo run -p kql-syntax --example corpus_parse` shows the failures.

use std::path::PathBuf;

fn corpus_path() -> Option<PathBuf> {
    let candidates = [
        std::env::var("KQL_CORPUS").ok().map(PathBuf::from),
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/queries.jsonl"),
        ),
        Some(PathBuf::from("/work/shared/corpus/queries.jsonl")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

#[test]
#[ignore = "needs the shared query corpus"]
fn corpus_parse_rate_stays_above_95_percent() {
    let Some(path) = corpus_path() else {
        eprintln!("corpus not found; set KQL_CORPUS");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read corpus");
    let (mut total, mut ok) = (0usize, 0usize);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        total += 1;
        ok += usize::from(kql_syntax::parse(v["query"].as_str().unwrap_or_default()).is_ok());
    }
    let rate = ok as f64 / total as f64;
    println!("parsed {ok}/{total} ({:.1}%)", rate * 100.0);
    assert!(rate >= 0.95, "parse rate fell to {:.1}%", rate * 100.0);
}
