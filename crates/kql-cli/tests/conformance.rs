//! Documentation conformance: every documented KQL example of
//! `shared/conformance/docs.jsonl` (query + the output the Microsoft docs
//! show) run in-process through the engine, rendered exactly as
//! `kql run --format json` prints it, and compared with the documented output
//! by the rules of `shared/conformance/README.md`.
//!
//! Each case ends `pass`, `fail` (a wrong answer, or an error that is not an
//! unsupported construct) or `unsupported` (refused with an
//! unsupported/unknown operator or function diagnostic). The verdicts are
//! committed in `testdata/conformance/ledger.tsv`; this test fails when a case
//! the ledger marks `pass` no longer passes. Cases that newly pass are only
//! reported.
//!
//! Environment:
//! - `KQL_UPDATE_LEDGER=1` rewrites the ledger with the current verdicts.
//! - `KQL_CONFORMANCE_FILTER=text` runs only the cases whose id contains the
//!   text (with `KQL_UPDATE_LEDGER=1`, only their lines are rewritten).
//! - `KQL_CONFORMANCE_VERBOSE=1` prints the verdict of every case.
//!
//! Without the cases file (`../shared/conformance/docs.jsonl` next to the
//! repository) the test prints a note and passes.

#[path = "conformance/compare.rs"]
mod compare;
#[path = "conformance/json.rs"]
mod json;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use kql_cli::render::{Format, render};
use kql_engine::{KqlSession, QueryResult, SessionOptions, Workspace};
use kql_syntax::Code;

use compare::{Expected, Table};

/// Time limit of one case inside the engine (async work is cancelled).
const CASE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time after which a case that never returns (a blocking loop) is abandoned
/// with its worker thread.
const HARD_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest reason kept in the ledger, in characters.
const REASON_CHARS: usize = 160;

/// `eprintln!` that the test harness does not capture: the summary shows
/// in a plain `cargo test` run.
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn cases_file() -> PathBuf {
    repo_root().join("../shared/conformance/docs.jsonl")
}

fn ledger_file() -> PathBuf {
    repo_root().join("testdata/conformance/ledger.tsv")
}

// ---------------------------------------------------------------------------
// Cases

struct Case {
    id: String,
    query: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    ordered: bool,
    order_keys: Vec<String>,
    check_columns: bool,
    doc_rounded: bool,
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().map(text_of).collect())
        .unwrap_or_default()
}

fn load_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: bad JSON: {e}", path.display(), n + 1));
        let flag = |k: &str, default: bool| v.get(k).and_then(|b| b.as_bool()).unwrap_or(default);
        cases.push(Case {
            id: v["id"].as_str().expect("case id").to_string(),
            query: v["query"].as_str().expect("case query").to_string(),
            columns: strings(v.get("columns")),
            rows: v
                .get("rows")
                .and_then(|r| r.as_array())
                .map(|rows| rows.iter().map(|r| strings(Some(r))).collect())
                .unwrap_or_default(),
            ordered: flag("ordered", false),
            order_keys: strings(v.get("order_keys")),
            check_columns: flag("check_columns", true),
            doc_rounded: flag("doc_rounded", false),
        });
    }
    cases
}

/// The docs snapshot the cases come from, as the cases' README names it.
fn source_commit() -> String {
    let readme = repo_root().join("../shared/conformance/README.md");
    std::fs::read_to_string(readme)
        .ok()
        .and_then(|t| {
            let at = t.find("snapshot commit `")? + "snapshot commit `".len();
            let sha: String = t[at..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            (sha.len() >= 7).then_some(sha)
        })
        .unwrap_or_else(|| "unknown".into())
}

// ---------------------------------------------------------------------------
// Running a case in a worker thread

/// What running one query gave.
enum Outcome {
    /// Each result table as `kql run --format json` prints it.
    Tables(Vec<String>),
    /// The engine refused or failed with a diagnostic.
    Error(Code, String),
    Panic(String),
    Timeout,
}

/// The last panic message and place seen by the hook (panics are caught per case).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Panics on the worker's threads (the query runner and its runtime) are
/// recorded, not printed; the test's own thread keeps the usual hook.
fn install_quiet_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("");
        if name != "conformance-worker" && !name.starts_with("tokio-runtime-worker") {
            return previous(info);
        }
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{msg}{place}"));
        }
    }));
}

fn open_session() -> Result<KqlSession, String> {
    // As `kql run` with no options: the bundled sample archive and workspace.
    let mut options = SessionOptions::new(kql_engine::sample_archive());
    options.workspace = std::sync::Arc::new(
        Workspace::load(None, None, None).map_err(|d| format!("workspace: {d}"))?,
    );
    KqlSession::open(options).map_err(|d| format!("session: {d}"))
}

fn render_json(results: &[QueryResult]) -> Result<Vec<String>, String> {
    results
        .iter()
        .map(|r| {
            let mut out = Vec::new();
            render(Format::Json, &r.columns, &r.batches, &mut out).map_err(|e| e.to_string())?;
            String::from_utf8(out).map_err(|e| e.to_string())
        })
        .collect()
}

/// A thread with its own runtime and session that runs queries one at a time.
struct Worker {
    jobs: Sender<String>,
    outcomes: Receiver<Outcome>,
}

impl Worker {
    fn spawn() -> Worker {
        let (jobs, job_rx) = mpsc::channel::<String>();
        let (out_tx, outcomes) = mpsc::channel::<Outcome>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        std::thread::Builder::new()
            .name("conformance-worker".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("runtime: {e}")));
                        return;
                    }
                };
                let mut session = match open_session() {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                for query in job_rx {
                    *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    let run = panic::catch_unwind(AssertUnwindSafe(|| {
                        runtime.block_on(async {
                            match tokio::time::timeout(CASE_TIMEOUT, session.run(&query)).await {
                                Err(_) => Outcome::Timeout,
                                Ok(Err(d)) => Outcome::Error(d.code, d.message),
                                Ok(Ok(results)) => match render_json(&results) {
                                    Ok(texts) => Outcome::Tables(texts),
                                    Err(e) => {
                                        Outcome::Error(Code::Io, format!("cannot render: {e}"))
                                    }
                                },
                            }
                        })
                    }));
                    let outcome = run.unwrap_or_else(|payload| {
                        let hooked = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
                        let msg = hooked.unwrap_or_else(|| {
                            payload
                                .downcast_ref::<&str>()
                                .map(|s| s.to_string())
                                .or_else(|| payload.downcast_ref::<String>().cloned())
                                .unwrap_or_else(|| "panic".into())
                        });
                        // A panic may leave shared state (locks, caches) behind.
                        if let Ok(fresh) = open_session() {
                            session = fresh;
                        }
                        Outcome::Panic(msg)
                    });
                    if out_tx.send(outcome).is_err() {
                        break;
                    }
                }
                // Do not wait for a task that never yields.
                runtime.shutdown_background();
            })
            .expect("spawn the conformance worker");
        match ready_rx.recv() {
            Ok(Ok(())) => Worker { jobs, outcomes },
            Ok(Err(e)) => panic!("cannot start the engine: {e}"),
            Err(_) => panic!("the conformance worker died while starting"),
        }
    }

    /// Runs one query; a worker stuck past [`HARD_TIMEOUT`] is abandoned and replaced.
    fn run(&mut self, query: &str) -> Outcome {
        if self.jobs.send(query.to_string()).is_err() {
            *self = Worker::spawn();
            return Outcome::Panic("the worker thread died".into());
        }
        match self.outcomes.recv_timeout(HARD_TIMEOUT) {
            Ok(Outcome::Timeout) | Err(RecvTimeoutError::Timeout) => {
                // A kernel that never yields keeps a runtime thread busy:
                // leave that worker behind.
                *self = Worker::spawn();
                Outcome::Timeout
            }
            Ok(o) => o,
            Err(RecvTimeoutError::Disconnected) => {
                *self = Worker::spawn();
                Outcome::Panic("the worker thread died".into())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Verdicts

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Pass,
    Fail,
    Unsupported,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unsupported => "unsupported",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        match s {
            "pass" => Some(Status::Pass),
            "fail" => Some(Status::Fail),
            "unsupported" => Some(Status::Unsupported),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Verdict {
    status: Status,
    reason: String,
}

/// Diagnostics that mean "this construct is not implemented", not "wrong".
fn is_unsupported(code: Code) -> bool {
    matches!(
        code,
        Code::UnsupportedOperator
            | Code::UnsupportedFunction
            | Code::UnsupportedFeature
            | Code::UnknownFunction
    )
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

fn judge(case: &Case, outcome: Outcome) -> Verdict {
    let fail = |reason: String| Verdict {
        status: Status::Fail,
        reason,
    };
    let tables = match outcome {
        Outcome::Tables(t) => t,
        Outcome::Error(code, msg) => {
            let reason = format!("{}: {}", code.as_text(), first_line(&msg));
            return if is_unsupported(code) {
                Verdict {
                    status: Status::Unsupported,
                    reason,
                }
            } else {
                fail(reason)
            };
        }
        Outcome::Panic(msg) => return fail(format!("panic: {}", first_line(&msg))),
        Outcome::Timeout => {
            return fail(format!("timeout after {} s", CASE_TIMEOUT.as_secs()));
        }
    };
    let table = match tables.as_slice() {
        [] => Table {
            columns: vec![],
            types: vec![],
            rows: vec![],
        },
        [one] => match Table::from_json(one) {
            Ok(t) => t,
            Err(e) => return fail(format!("unreadable JSON output: {e}")),
        },
        many => {
            return fail(format!(
                "the query returned {} result tables, expected one",
                many.len()
            ));
        }
    };
    let expected = Expected {
        columns: &case.columns,
        rows: &case.rows,
        ordered: case.ordered,
        order_keys: &case.order_keys,
        check_columns: case.check_columns,
        doc_rounded: case.doc_rounded,
    };
    match compare::compare(&expected, &table) {
        None => Verdict {
            status: Status::Pass,
            reason: String::new(),
        },
        Some(why) => fail(why),
    }
}

/// One line of ledger text: no tabs or line breaks, at most [`REASON_CHARS`].
fn clean_reason(reason: &str) -> String {
    let flat: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.chars().count() <= REASON_CHARS {
        flat.to_string()
    } else {
        let cut: String = flat.chars().take(REASON_CHARS - 3).collect();
        format!("{}...", cut.trim_end())
    }
}

// ---------------------------------------------------------------------------
// The ledger

fn read_ledger(path: &Path) -> Option<BTreeMap<String, Verdict>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(id), Some(status)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some(status) = Status::parse(status.trim()) else {
            continue;
        };
        out.insert(
            id.to_string(),
            Verdict {
                status,
                reason: parts.next().unwrap_or("").to_string(),
            },
        );
    }
    Some(out)
}

fn counts(verdicts: &BTreeMap<String, Verdict>) -> (usize, usize, usize) {
    let n = |s| verdicts.values().filter(|v| v.status == s).count();
    (n(Status::Pass), n(Status::Fail), n(Status::Unsupported))
}

fn write_ledger(path: &Path, verdicts: &BTreeMap<String, Verdict>) {
    let (p, f, u) = counts(verdicts);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# kql documentation conformance ledger: the verdict of every documented KQL example"
    );
    let _ = writeln!(
        text,
        "# of ../shared/conformance/docs.jsonl (from MicrosoftDocs/dataexplorer-docs @ {}),",
        source_commit()
    );
    let _ = writeln!(
        text,
        "# run in-process by crates/kql-cli/tests/conformance.rs. That test fails when a case"
    );
    let _ = writeln!(text, "# marked pass here no longer passes.");
    let _ = writeln!(
        text,
        "# status: pass | fail (wrong answer, or an error other than \"not supported\") |"
    );
    let _ = writeln!(
        text,
        "#   unsupported (refused: unsupported/unknown operator, function or feature)"
    );
    let _ = writeln!(
        text,
        "# Regenerate: KQL_UPDATE_LEDGER=1 cargo test -p kql-cli --test conformance"
    );
    let _ = writeln!(
        text,
        "# {p} pass, {f} fail, {u} unsupported of {}",
        verdicts.len()
    );
    let _ = writeln!(text, "# id\tstatus\treason");
    for (id, v) in verdicts {
        let _ = writeln!(
            text,
            "{id}\t{}\t{}",
            v.status.as_str(),
            clean_reason(&v.reason)
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the ledger folder");
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

// ---------------------------------------------------------------------------
// The test

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn documented_examples_match_the_ledger() {
    let cases_path = cases_file();
    if !cases_path.is_file() {
        report!(
            "NOTE: {} is absent; documentation conformance skipped",
            cases_path.display()
        );
        return;
    }
    let update = env_flag("KQL_UPDATE_LEDGER");
    let verbose = env_flag("KQL_CONFORMANCE_VERBOSE");
    let filter = std::env::var("KQL_CONFORMANCE_FILTER").unwrap_or_default();

    let all_cases = load_cases(&cases_path);
    let cases: Vec<&Case> = all_cases
        .iter()
        .filter(|c| filter.is_empty() || c.id.contains(&filter))
        .collect();

    install_quiet_panic_hook();
    let started = Instant::now();
    let mut worker = Worker::spawn();
    let mut current: BTreeMap<String, Verdict> = BTreeMap::new();
    let mut slow = Vec::new();
    for case in &cases {
        let t0 = Instant::now();
        let outcome = worker.run(&case.query);
        let elapsed = t0.elapsed();
        if elapsed > Duration::from_secs(2) {
            slow.push((case.id.clone(), elapsed));
        }
        let verdict = judge(case, outcome);
        if verbose {
            report!(
                "{:<11} {}{}",
                verdict.status.as_str(),
                case.id,
                if verdict.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", clean_reason(&verdict.reason))
                }
            );
        }
        current.insert(case.id.clone(), verdict);
    }
    drop(worker);
    let _ = panic::take_hook();

    let (p, f, u) = counts(&current);
    report!(
        "conformance: {p} pass, {f} fail, {u} unsupported of {} ({:.1} s)",
        current.len(),
        started.elapsed().as_secs_f64()
    );
    for (id, t) in &slow {
        report!("  slow: {id} took {:.1} s", t.as_secs_f64());
    }

    let ledger_path = ledger_file();
    let ledger = read_ledger(&ledger_path);
    let old = ledger.clone().unwrap_or_default();

    // Changes against the ledger, per (old status -> new status).
    let mut regressed = Vec::new();
    let mut newly_pass = Vec::new();
    let mut transitions: BTreeMap<(String, Status), usize> = BTreeMap::new();
    for (id, v) in &current {
        let before = old.get(id).map(|o| o.status);
        if before != Some(v.status) {
            let from = before.map_or("new", Status::as_str).to_string();
            *transitions.entry((from, v.status)).or_default() += 1;
        }
        let was_pass = before == Some(Status::Pass);
        if was_pass && v.status != Status::Pass {
            regressed.push((id, v));
        } else if !was_pass && v.status == Status::Pass {
            newly_pass.push(id);
        }
    }
    let ledger_pass = old.values().filter(|v| v.status == Status::Pass).count();
    let checked_pass = old
        .iter()
        .filter(|(id, v)| v.status == Status::Pass && current.contains_key(*id))
        .count();
    report!(
        "ledger: {checked_pass} of {ledger_pass} passing cases checked; {} still pass, {} regressed, {} newly pass",
        checked_pass - regressed.len(),
        regressed.len(),
        newly_pass.len()
    );
    for ((from, to), n) in &transitions {
        report!("  {from} -> {}: {n}", to.as_str());
    }
    if filter.is_empty() {
        let gone: Vec<&String> = old.keys().filter(|id| !current.contains_key(*id)).collect();
        if !gone.is_empty() {
            report!(
                "  {} ledger case(s) are no longer in docs.jsonl, e.g. {}",
                gone.len(),
                gone[0]
            );
        }
    }
    for id in &newly_pass {
        report!("  newly pass: {id}");
    }

    if update {
        // Keep the lines of cases this run skipped (filter), drop cases no
        // longer in docs.jsonl.
        let mut merged: BTreeMap<String, Verdict> = old
            .into_iter()
            .filter(|(id, _)| all_cases.iter().any(|c| &c.id == id))
            .collect();
        merged.extend(current);
        write_ledger(&ledger_path, &merged);
        let (p, f, u) = counts(&merged);
        report!(
            "wrote {} ({p} pass, {f} fail, {u} unsupported of {})",
            ledger_path.display(),
            merged.len()
        );
        return;
    }
    if ledger.is_none() {
        report!(
            "NOTE: no ledger at {}; create it with KQL_UPDATE_LEDGER=1 cargo test -p kql-cli --test conformance",
            ledger_path.display()
        );
        return;
    }
    if !newly_pass.is_empty() {
        report!(
            "{} case(s) newly pass: record them with KQL_UPDATE_LEDGER=1 cargo test -p kql-cli --test conformance",
            newly_pass.len()
        );
    }
    if !regressed.is_empty() {
        let mut msg = format!(
            "{} documented example(s) that the ledger marks pass no longer pass:\n",
            regressed.len()
        );
        for (id, v) in &regressed {
            let _ = writeln!(
                msg,
                "  {id}: {} {}",
                v.status.as_str(),
                clean_reason(&v.reason)
            );
        }
        msg.push_str(
            "fix the regression, or (if the new verdict is right) record it with \
             KQL_UPDATE_LEDGER=1 cargo test -p kql-cli --test conformance",
        );
        panic!("{msg}");
    }
}
