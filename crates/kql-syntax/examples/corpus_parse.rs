//! Parse every query of the published-query corpus and report the parse rate
//! and the most common failure messages.
//!
//! ```text
//! cargo run -p kql-syntax --example corpus_parse [-- [PATH] [--show N] [--grep TEXT]]
//! ```
//! PATH defaults to `../shared/corpus/queries.jsonl` (relative to the repo
//! root) or `/work/shared/corpus/queries.jsonl`. `--show N` prints the first N
//! failures with their rendered diagnostics; `--grep TEXT` limits that to
//! failures whose message contains TEXT.

use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let mut path = None;
    let mut show = 0usize;
    let mut grep = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--show" => show = args.next().and_then(|n| n.parse().ok()).unwrap_or(10),
            "--grep" => grep = args.next().unwrap_or_default(),
            _ => path = Some(a),
        }
    }
    let path = path.unwrap_or_else(|| {
        [
            "../shared/corpus/queries.jsonl",
            "/work/shared/corpus/queries.jsonl",
        ]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or(&"queries.jsonl")
        .to_string()
    });
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            std::process::exit(2);
        }
    };

    let (mut total, mut ok, mut fragments, mut fragments_failed) = (0, 0, 0, 0);
    let mut by_message: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown = 0;
    let start = Instant::now();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            eprintln!("error: {path}: a line is not JSON");
            std::process::exit(2);
        };
        let query = v["query"].as_str().unwrap_or_default();
        let id = v["id"].as_str().unwrap_or_default();
        let fragment = v["fragment"].as_bool().unwrap_or(false);
        total += 1;
        fragments += usize::from(fragment);
        match kql_syntax::parse(query) {
            Ok(_) => ok += 1,
            Err(d) => {
                fragments_failed += usize::from(fragment);
                *by_message.entry(normalise(&d.message)).or_default() += 1;
                if shown < show && d.message.contains(&grep) {
                    shown += 1;
                    println!("--- {id}\n{}", d.render(query, id));
                }
            }
        }
    }
    let elapsed = start.elapsed();
    let failed = total - ok;
    println!(
        "parsed {ok}/{total} queries ({:.1}%) in {:.2?}; {failed} failed, {fragments_failed} of them fragments (of {fragments})",
        100.0 * ok as f64 / total.max(1) as f64,
        elapsed
    );
    let complete = total - fragments;
    println!(
        "excluding fragments: {}/{complete} ({:.1}%)",
        ok,
        100.0 * ok as f64 / complete.max(1) as f64
    );
    let mut top: Vec<(String, usize)> = by_message.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("most common failures:");
    for (msg, n) in top.iter().take(25) {
        println!("{n:5}  {msg}");
    }
}

/// Group messages that differ only in the token found.
fn normalise(msg: &str) -> String {
    match msg.find(", found ") {
        Some(i) => format!("{}, found ...", &msg[..i]),
        None => msg.to_string(),
    }
}
