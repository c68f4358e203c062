//! Error snapshots: every `testdata/errors/NNN_name.kql` is run and its
//! diagnostic, rendered with `Diagnostic::render(src, "NNN_name.kql")`, is
//! snapshotted (`tests/snapshots/errors/NNN_name.snap`).
//!
//! A file starts with `//` directive lines:
//!
//! * `// expect: KQL2002` (required): the diagnostic's code;
//! * `// archive: sample | missing | corrupt` (default `sample`): the sample
//!   archive (`testdata/archive`; files that need it are skipped, and say so,
//!   when it is missing), an archive folder that does not exist, or a
//!   temporary archive whose table `Broken` is a file of garbage bytes.
//!
//! Besides the snapshot, every diagnostic must carry the expected code, a
//! span into the query (except the data/environment errors, 5xxx), and no
//! engine internals (DataFusion or Arrow error text, pest rule names).
//!
//! Write or update the snapshots with
//! `INSTA_UPDATE=always cargo test -p kql-engine --test errors`, then read
//! every changed `.snap`: it must say what is wrong, where, and what to do.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use kql_engine::{KqlSession, SessionOptions};
use kql_syntax::Diagnostic;

/// `now()` for every file: 2026-06-20T00:00:00Z.
const NOW_NS: i64 = 1_781_913_600 * 1_000_000_000;

/// An archive folder that does not exist, for `archive: missing`.
const MISSING_ARCHIVE: &str = "/nonexistent/kql-archive";

/// Text that must never reach a user: engine internals and grammar names.
const FORBIDDEN: &[&str] = &[
    "DataFusion",
    "datafusion",
    "Error during planning",
    "Arrow error",
    "ArrowError",
    "Schema error",
    "internal error",
    "Rule::",
    "EOI",
    "expected rule",
    "SOI",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    Sample,
    Missing,
    Corrupt,
}

struct Case {
    name: String,
    file_name: String,
    src: String,
    expect: String,
    setup: Setup,
}

fn read_case(path: &Path) -> Result<Case, String> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let name = file_name.trim_end_matches(".kql").to_string();
    let mut expect = None;
    let mut setup = Setup::Sample;
    for line in src.lines() {
        let Some(directive) = line.strip_prefix("//") else {
            break;
        };
        let directive = directive.trim();
        if let Some(code) = directive.strip_prefix("expect:") {
            expect = Some(code.trim().to_string());
        } else if let Some(a) = directive.strip_prefix("archive:") {
            setup = match a.trim() {
                "sample" => Setup::Sample,
                "missing" => Setup::Missing,
                "corrupt" => Setup::Corrupt,
                other => return Err(format!("{file_name}: unknown archive setup '{other}'")),
            };
        }
    }
    let expect = expect.ok_or_else(|| format!("{file_name}: no `// expect: KQLnnnn` line"))?;
    Ok(Case {
        name,
        file_name,
        src,
        expect,
        setup,
    })
}

fn options(dir: impl Into<PathBuf>) -> SessionOptions {
    let mut o = SessionOptions::new(dir);
    o.now_ns = Some(NOW_NS);
    o.target_partitions = Some(2);
    o
}

/// Run `src` in a session over `dir`; the diagnostic it must produce.
async fn diagnostic_in(dir: &Path, src: &str) -> Result<Diagnostic, String> {
    let session = match KqlSession::open(options(dir)) {
        Ok(s) => s,
        Err(d) => return Ok(d),
    };
    match session.run(src).await {
        Ok(results) => Err(format!(
            "the query ran without error ({} result table(s))",
            results.len()
        )),
        Err(d) => Ok(d),
    }
}

/// The diagnostic of a case, and the text to replace by `<archive>` in it.
async fn run_case(case: &Case, sample: &Path) -> Result<(Diagnostic, Option<String>), String> {
    match case.setup {
        Setup::Sample => Ok((diagnostic_in(sample, &case.src).await?, None)),
        Setup::Missing => Ok((
            diagnostic_in(Path::new(MISSING_ARCHIVE), &case.src).await?,
            None,
        )),
        Setup::Corrupt => {
            let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            let table = tmp.path().join("Broken");
            std::fs::create_dir_all(&table).map_err(|e| e.to_string())?;
            std::fs::write(
                table.join("part-0000.parquet"),
                b"this is not a parquet file, just some garbage bytes\x00\x01\x02",
            )
            .map_err(|e| e.to_string())?;
            let d = diagnostic_in(tmp.path(), &case.src).await?;
            let root = tmp.path().to_string_lossy().to_string();
            Ok((d, Some(root)))
        }
    }
}

/// Checks that hold for every diagnostic, whatever its snapshot says.
fn check_quality(case: &Case, d: &Diagnostic, rendered: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if d.code.as_text() != case.expect {
        problems.push(format!(
            "expected {}, got {}: {}",
            case.expect,
            d.code.as_text(),
            d.message
        ));
    }
    if d.code.number() < 5000 && d.span.is_none() {
        problems.push("a query error without a span (no caret in the query)".to_string());
    }
    for bad in FORBIDDEN {
        if rendered.contains(bad) {
            problems.push(format!("the message shows engine internals: {bad:?}"));
        }
    }
    if d.message.trim().is_empty() {
        problems.push("empty message".to_string());
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_snapshots() {
    let dir = repo_root().join("testdata/errors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/errors exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "kql"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 18,
        "expected at least 18 error files, found {}",
        files.len()
    );

    let sample = kql_engine::sample_archive();
    let have_sample = sample.is_dir();
    let mut failures: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    let mut checked = 0;
    for path in &files {
        let case = match read_case(path) {
            Ok(c) => c,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if case.setup == Setup::Sample && !have_sample {
            skipped.push(case.file_name.clone());
            continue;
        }
        let (diag, redact) = match run_case(&case, &sample).await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", case.file_name));
                continue;
            }
        };
        let mut rendered = diag.render(&case.src, &case.file_name);
        if let Some(root) = redact {
            rendered = rendered.replace(&root, "<archive>");
        }
        for p in check_quality(&case, &diag, &rendered) {
            failures.push(format!("{}: {p}\n{rendered}", case.file_name));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/errors");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(path);
        settings.set_description(format!("testdata/errors/{}", case.file_name));
        settings.set_omit_expression(true);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(case.name.as_str(), rendered));
        }));
        if outcome.is_err() {
            failures.push(format!(
                "{}: the rendered diagnostic differs from its snapshot (see the diff above)",
                case.file_name
            ));
        }
        checked += 1;
    }
    if !skipped.is_empty() {
        eprintln!(
            "NOTE: testdata/archive is missing: skipped {} error file(s) that need it: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    eprintln!(
        "error snapshots: {checked} checked, {} skipped",
        skipped.len()
    );
    assert!(
        failures.is_empty(),
        "{} error snapshot problem(s):\n\n{}",
        failures.len(),
        failures.join("\n----------\n")
    );
}
