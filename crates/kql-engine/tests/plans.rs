//! Plan snapshots over the query corpus `testdata/queries/**/*.kql`, against
//! the sample archive (`testdata/archive`; skipped, with a message, when it
//! is missing):
//!
//! * for every file that binds: `explain(Stage::Bound)` and
//!   `explain(Stage::Optimized)` (`tests/snapshots/plans/<dir>__<name>__bound.snap`
//!   and `__optimized.snap`);
//! * for every file that does not (unsupported operators and functions,
//!   tables the archive lacks, ...): a line in the `index` snapshot with the
//!   diagnostic's code and message, so each skip is recorded and a newly
//!   supported query shows up as a changed index;
//! * the ThreatFox CommonSecurityLog hunt's physical plan pushes its predicate
//!   into the Parquet scan and reads only the columns it projects.
//!
//! Update with `INSTA_UPDATE=always cargo test -p kql-engine --test plans`,
//! then review the changed snapshots.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use kql_engine::{KqlSession, SessionOptions, Stage};

/// `now()` for every plan: 2026-06-20T00:00:00Z.
const NOW_NS: i64 = 1_781_913_600 * 1_000_000_000;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The sample archive session, or `None` (and a note) when it is missing.
fn session() -> Option<KqlSession> {
    let archive = kql_engine::sample_archive();
    if !archive.is_dir() {
        eprintln!(
            "NOTE: testdata/archive is missing: plan snapshots skipped \
             (generate it with `cargo run -p xtask -- gen-archive`)"
        );
        return None;
    }
    let mut options = SessionOptions::new(archive);
    options.now_ns = Some(NOW_NS);
    // Fixed, so that plans do not depend on the machine's core count.
    options.target_partitions = Some(2);
    Some(KqlSession::open(options).expect("the sample archive opens"))
}

fn collect_kql(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.filter_map(Result::ok) {
        let p = entry.path();
        if p.is_dir() {
            collect_kql(&p, out);
        } else if p.extension().is_some_and(|e| e == "kql") {
            out.push(p);
        }
    }
}

/// `seeds/threatfox_csl.kql` → `seeds__threatfox_csl`.
fn snapshot_base(rel: &Path) -> String {
    rel.with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect::<Vec<_>>()
        .join("__")
}

fn settings(rel: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots/plans");
    s.set_prepend_module_to_snapshot(false);
    s.set_description(format!("testdata/queries/{rel}"));
    s.set_omit_expression(true);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_snapshots() {
    let Some(session) = session() else {
        return;
    };
    let root = repo_root().join("testdata/queries");
    let mut files = Vec::new();
    collect_kql(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no .kql files under testdata/queries");

    let mut index = String::new();
    let mut failures = Vec::new();
    let mut planned = 0;
    for path in &files {
        let rel_path = path.strip_prefix(&root).expect("under testdata/queries");
        let rel = rel_path.to_string_lossy().replace('\\', "/");
        let src = std::fs::read_to_string(path).expect("readable query file");
        let bound = match session.explain(&src, Stage::Bound).await {
            Ok(text) => text,
            Err(d) => {
                let at = d
                    .line_col(&src)
                    .map(|(l, c)| format!(" at {l}:{c}"))
                    .unwrap_or_default();
                // Paths into the checkout differ between machines.
                let feeds = kql_engine::Workspace::bundled_dirs().0;
                let repo = feeds
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                index.push_str(&format!(
                    "{rel}: skipped: {}{at}: {}\n",
                    d.code.as_text(),
                    d.message.replace(&repo, "<repo>")
                ));
                if d.code.number() >= 9000 {
                    failures.push(format!("{rel}: internal error while binding: {d}"));
                }
                continue;
            }
        };
        let optimized = match session.explain(&src, Stage::Optimized).await {
            Ok(text) => text,
            Err(d) => {
                // It binds, so failing later is a bug (lowering or DataFusion).
                failures.push(format!("{rel}: binds but does not plan: {d}"));
                index.push_str(&format!("{rel}: FAILED to plan: {}\n", d.code.as_text()));
                continue;
            }
        };
        index.push_str(&format!("{rel}: planned\n"));
        planned += 1;
        let base = snapshot_base(rel_path);
        for (stage, text) in [("bound", bound), ("optimized", optimized)] {
            let name = format!("{base}__{stage}");
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                settings(&rel).bind(|| insta::assert_snapshot!(name.as_str(), text));
            }));
            if outcome.is_err() {
                failures.push(format!("{rel}: the {stage} plan differs from its snapshot"));
            }
        }
    }
    eprintln!(
        "plans: {} file(s), {planned} planned, {} skipped",
        files.len(),
        files.len() - planned
    );
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        settings("**/*.kql").bind(|| insta::assert_snapshot!("index", index));
    }));
    if outcome.is_err() {
        failures.push("the index of planned / skipped queries changed".to_string());
    }
    assert!(
        failures.is_empty(),
        "{} plan snapshot problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Does `text` contain `word` with no identifier character on either side?
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The text of the `key=[...]` list of a plan line (brackets balanced).
fn bracketed<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    let mut depth = 0usize;
    for (i, c) in line[start..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&line[start..start + i + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threatfox_csl_pushes_predicate_and_projection_into_parquet_scan() {
    let Some(session) = session() else {
        return;
    };
    let src = std::fs::read_to_string(repo_root().join("testdata/queries/seeds/threatfox_csl.kql"))
        .expect("the ThreatFox CommonSecurityLog seed query");
    let physical = session
        .explain(&src, Stage::Physical)
        .await
        .unwrap_or_else(|d| panic!("the seed query plans: {d}"));
    let scans: Vec<&str> = physical
        .lines()
        .filter(|l| l.contains("DataSourceExec"))
        .collect();
    assert_eq!(scans.len(), 1, "one Parquet scan expected:\n{physical}");
    let scan = scans[0];
    assert!(
        scan.contains("file_type=parquet"),
        "not a Parquet scan:\n{scan}"
    );

    // The `where` is evaluated inside the scan, on the IP columns.
    let predicate = scan
        .split("predicate=")
        .nth(1)
        .unwrap_or_else(|| panic!("no predicate pushed into the scan:\n{physical}"));
    for col in ["DestinationIP", "SourceIP"] {
        assert!(
            has_word(predicate, col),
            "{col} is not in the scan predicate:\n{scan}"
        );
    }
    for ip in ["195.20.239.136", "47.253.156.31", "60.165.167.98"] {
        assert!(
            predicate.contains(ip),
            "{ip} is not in the scan predicate:\n{scan}"
        );
    }
    assert!(
        scan.contains("pruning_predicate="),
        "the predicate does not prune row groups:\n{scan}"
    );

    // Only the projected columns are read.
    let projection = bracketed(scan, "projection=")
        .unwrap_or_else(|| panic!("the scan reads every column:\n{scan}"));
    let needed = [
        "TimeGenerated",
        "SourceIP",
        "DestinationIP",
        "DestinationPort",
        "DeviceAction",
        "Activity",
    ];
    let table = session
        .archive()
        .load_table("CommonSecurityLog")
        .expect("CommonSecurityLog loads");
    assert!(
        table.columns.len() > 100,
        "the full CommonSecurityLog schema"
    );
    let mut unexpected = Vec::new();
    for c in &table.columns {
        let read = has_word(projection, &c.name);
        let want = needed.contains(&c.name.as_str());
        if want && !read {
            panic!("the scan does not read {}:\n{scan}", c.name);
        }
        if read && !want {
            unexpected.push(c.name.clone());
        }
    }
    assert!(
        unexpected.is_empty(),
        "the scan reads columns the query does not need: {unexpected:?}\n{scan}"
    );
}
