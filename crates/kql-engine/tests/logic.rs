//! End-to-end logic tests: `testdata/logic/*.slt`, run with the `sqllogictest`
//! crate through a runner whose "SQL" is KQL.
//!
//! # File format
//!
//! Each record is a KQL query and its expected result (or diagnostic):
//!
//! ```text
//! # what Kusto rule this pins, and where it is documented
//! query LS rowsort
//! datatable(n:long, s:string) [2, "b", 1, ""]
//! ----
//! n s
//! 1 (empty)
//! 2 b
//!
//! statement error KQL2002: unknown column
//! print x = nosuchcolumn
//! ```
//!
//! * The letters after `query` are the KQL types of the result columns, one per
//!   column, and are always checked:
//!
//!   | letter | KQL type |   | letter | KQL type |
//!   |--------|----------|---|--------|----------|
//!   | `B` | bool     |   | `S` | string   |
//!   | `I` | int      |   | `D` | datetime |
//!   | `L` | long     |   | `T` | timespan |
//!   | `R` | real     |   | `G` | guid     |
//!   | `M` | decimal  |   | `Y` | dynamic  |
//!
//! * The first line after `----` is always the **header**: the result's column
//!   names separated by one space. It pins Kusto's column naming (`print_0`,
//!   `count_`, `sum_x`, `extend` moving a replaced column to the end, `union`'s
//!   `name_type` columns, ...). `rowsort` sorts the data rows only; the header
//!   stays first. A query with no rows expects just the header.
//! * Then one line per row, cells separated by one space, compared exactly
//!   (only trailing whitespace of the expected line is ignored). Cells are
//!   rendered Kusto style, like the CSV renderer:
//!   - datetime: ISO 8601 UTC, fraction only when non-zero, up to 7 digits
//!     (`2026-06-16T10:00:00Z`, `2026-06-16T10:00:00.1234567Z`);
//!   - timespan: `[-][d.]hh:mm:ss[.fffffff]` (`1.02:00:00`, `-00:00:01.5000000`);
//!   - real: shortest round-trip text, integral values keep `.0` (`3.5`, `4.0`,
//!     `NaN`); long/int: decimal; bool: `true`/`false`; decimal: exact text;
//!   - string / guid: the bare text, with `\n`, `\r`, `\t` and `\\` escaped;
//!     the **empty string is `(empty)`** so it is visible;
//!   - dynamic: compact JSON text;
//!   - **null is `NULL`**. A KQL string is never null, so a null in a string
//!     column also renders as `NULL` — a test expecting `(empty)` then fails,
//!     which is the point (the CLI renderers would hide it).
//! * Strings containing spaces are therefore ambiguous in a row; tests avoid
//!   them or put such a column last.
//! * `statement error <regex>` expects a diagnostic; the regex is matched
//!   against `KQL<code>: <message>` followed by ` (hint: <hint>)` when there is
//!   a hint. A `statement ok` record just has to run.
//! * Records that read the sample archive (`testdata/archive`) are preceded by
//!   `onlyif archive`: without the archive they are skipped, and the test says
//!   so. All other records use `print`, `datatable`, `range` and `union`.
//! * `now()` is fixed at 2026-06-20T00:00:00Z (the end of the sample archive's
//!   window), so `now()` and `ago()` are deterministic.
//!
//! Every file starts with `#` comment lines naming the Kusto rules it pins and
//! their source (the Kusto documentation page or SEMANTICS.md). Expected values
//! come from there, never from the engine's output. Records that the engine
//! gets wrong live in `testdata/logic/known_failures/*.slt`, each file
//! explaining the bug; they are not part of the suite, and
//! `known_failures_still_fail` reports any that start passing (move them back).
//!
//! Run: `cargo test -p kql-engine --test logic`. All failures of all files are
//! reported, each with its `file:line`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimeUnit,
    TimestampNanosecondType,
};
use kql_engine::{KqlSession, SessionOptions};
use kql_functions::format::{
    compact_json, format_datetime, format_decimal, format_real, format_timespan,
};
use kql_planner::KqlType;
use kql_planner::types::arrow_type;
use sqllogictest::{AsyncDB, ColumnType, Condition, DBOutput, Normalizer, Record, Runner};

/// `now()` for every logic test: 2026-06-20T00:00:00Z.
const NOW_NS: i64 = 1_781_913_600 * 1_000_000_000;

/// Marks the header row so that `rowsort` keeps it first ("\0" sorts before
/// any rendered cell); the validator strips it.
const HEADER_MARK: char = '\0';

/// The label `onlyif archive` records need.
const ARCHIVE_LABEL: &str = "archive";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn logic_dir() -> PathBuf {
    repo_root().join("testdata/logic")
}

/// The KQL type of a result column, one letter in the `query` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KqlColumn(KqlType);

const LETTERS: &[(char, KqlType)] = &[
    ('B', KqlType::Bool),
    ('I', KqlType::Int),
    ('L', KqlType::Long),
    ('R', KqlType::Real),
    ('M', KqlType::Decimal),
    ('S', KqlType::String),
    ('D', KqlType::DateTime),
    ('T', KqlType::TimeSpan),
    ('G', KqlType::Guid),
    ('Y', KqlType::Dynamic),
];

impl ColumnType for KqlColumn {
    fn from_char(value: char) -> Option<Self> {
        LETTERS
            .iter()
            .find(|(c, _)| *c == value)
            .map(|(_, t)| KqlColumn(*t))
    }

    fn to_char(&self) -> char {
        LETTERS
            .iter()
            .find(|(_, t)| *t == self.0)
            .map(|(c, _)| *c)
            .unwrap_or('?')
    }
}

/// What a record's query gave instead of rows: a diagnostic, or a result the
/// runner cannot show (a contract violation of the engine).
#[derive(Debug)]
struct KqlError(String);

impl fmt::Display for KqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KqlError {}

impl From<kql_syntax::Diagnostic> for KqlError {
    fn from(d: kql_syntax::Diagnostic) -> Self {
        let mut text = d.to_string();
        if let Some(h) = &d.hint {
            text.push_str(&format!(" (hint: {h})"));
        }
        KqlError(text)
    }
}

/// One "connection": a shared session over the archive.
struct KqlDb {
    session: Arc<KqlSession>,
}

#[async_trait]
impl AsyncDB for KqlDb {
    type Error = KqlError;
    type ColumnType = KqlColumn;

    async fn run(&mut self, kql: &str) -> Result<DBOutput<KqlColumn>, KqlError> {
        let mut results = self.session.run(kql).await?;
        if results.len() != 1 {
            return Err(KqlError(format!(
                "the logic runner expects exactly one result table, the query gave {}",
                results.len()
            )));
        }
        let result = results.remove(0);
        let types = result.columns.iter().map(|(_, t)| KqlColumn(*t)).collect();
        let mut rows = vec![
            result
                .columns
                .iter()
                .map(|(n, _)| format!("{HEADER_MARK}{n}"))
                .collect::<Vec<_>>(),
        ];
        for batch in &result.batches {
            if batch.num_columns() != result.columns.len() {
                return Err(KqlError(format!(
                    "engine bug: a result batch has {} columns, the result declares {}",
                    batch.num_columns(),
                    result.columns.len()
                )));
            }
            for i in 0..batch.num_rows() {
                let row = batch
                    .columns()
                    .iter()
                    .zip(&result.columns)
                    .map(|(array, (name, ty))| render_cell(array, i, *ty, name))
                    .collect::<Result<Vec<_>, _>>()?;
                rows.push(row);
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "kql"
    }
}

/// One cell, rendered as described at the top of this file. The column's
/// Arrow type must be the one its KQL type maps to (`kql_planner::types`).
fn render_cell(array: &ArrayRef, i: usize, ty: KqlType, name: &str) -> Result<String, KqlError> {
    let want = arrow_type(ty);
    if array.data_type() != &want {
        return Err(KqlError(format!(
            "engine bug: column '{name}' is declared {} (Arrow {want}) but holds Arrow {}",
            ty.as_str(),
            array.data_type()
        )));
    }
    if array.is_null(i) {
        return Ok("NULL".to_string());
    }
    Ok(match array.data_type() {
        DataType::Boolean => array.as_boolean().value(i).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float64 => format_real(array.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, scale) => {
            format_decimal(array.as_primitive::<Decimal128Type>().value(i), *scale)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            format_datetime(array.as_primitive::<TimestampNanosecondType>().value(i))
        }
        DataType::Duration(TimeUnit::Nanosecond) => {
            format_timespan(array.as_primitive::<DurationNanosecondType>().value(i))
        }
        DataType::Utf8 => {
            let s = array.as_string::<i32>().value(i);
            if ty == KqlType::Dynamic {
                compact_json(s)
                    .map(|j| j.into_owned())
                    .unwrap_or_else(|| escape(s))
            } else if s.is_empty() {
                "(empty)".to_string()
            } else {
                escape(s)
            }
        }
        other => {
            return Err(KqlError(format!(
                "logic runner cannot render column '{name}' of Arrow type {other}"
            )));
        }
    })
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// Rows compared exactly, cells joined by one space; the header mark removed.
fn exact_validator(_normalizer: Normalizer, actual: &[Vec<String>], expected: &[String]) -> bool {
    actual.len() == expected.len()
        && actual.iter().zip(expected).all(|(row, want)| {
            let got = row
                .iter()
                .map(|c| c.trim_start_matches(HEADER_MARK))
                .collect::<Vec<_>>()
                .join(" ");
            got == want.trim_end()
        })
}

fn strict_types(actual: &Vec<KqlColumn>, expected: &Vec<KqlColumn>) -> bool {
    actual == expected
}

struct Suite {
    session: Arc<KqlSession>,
    archive: bool,
    /// Keeps a temporary empty archive alive when the sample one is missing.
    _empty: Option<tempfile::TempDir>,
}

fn open_suite() -> Suite {
    let sample = kql_engine::sample_archive();
    let archive = sample.is_dir();
    let (dir, empty) = if archive {
        (sample, None)
    } else {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        (tmp.path().to_path_buf(), Some(tmp))
    };
    let mut options = SessionOptions::new(dir);
    options.now_ns = Some(NOW_NS);
    options.target_partitions = Some(4);
    // Feeds, watchlists and functions from testdata (30_workspace.slt).
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    options.workspace = Arc::new(
        kql_engine::Workspace::load(
            Some(&testdata.join("feeds")),
            Some(&testdata.join("watchlists")),
            Some(&testdata.join("functions")),
        )
        .expect("the test workspace loads")
        // the invented GeoIP database (66_enrichment.slt)
        .with_geoip(Some(&testdata.join("geoip")))
        .expect("the test GeoIP folder exists"),
    );
    let session = KqlSession::open(options).expect("the archive opens");
    Suite {
        session: Arc::new(session),
        archive,
        _empty: empty,
    }
}

/// The `.slt` files directly in `dir`, sorted.
fn slt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

#[derive(Default)]
struct Outcome {
    /// `file:line` + message of every failing record.
    failures: Vec<String>,
    /// Records run (and passed or failed).
    ran: usize,
    /// Records skipped because the archive is missing.
    skipped: usize,
    /// `file:line` of every record that passed.
    passed_at: Vec<String>,
}

fn is_archive_condition(c: &Condition) -> bool {
    matches!(c, Condition::OnlyIf { label } if label == ARCHIVE_LABEL)
}

/// Run every record of `file`, collecting all failures.
async fn run_file(suite: &Suite, file: &Path, out: &mut Outcome) {
    let shown = file
        .strip_prefix(repo_root())
        .unwrap_or(file)
        .display()
        .to_string();
    let text = std::fs::read_to_string(file).expect("readable .slt file");
    if !text.starts_with('#') {
        out.failures.push(format!(
            "{shown}:1: the file must start with `#` comments naming the rules it pins and their source"
        ));
    }
    let records = match sqllogictest::parse_with_name::<KqlColumn>(&text, shown.clone()) {
        Ok(r) => r,
        Err(e) => {
            out.failures.push(format!("{shown}: cannot parse: {e}"));
            return;
        }
    };
    let session = suite.session.clone();
    let mut runner = Runner::new(move || {
        let session = session.clone();
        async move { Ok::<_, KqlError>(KqlDb { session }) }
    });
    runner.with_validator(exact_validator);
    runner.with_column_validator(strict_types);
    if suite.archive {
        runner.add_label(ARCHIVE_LABEL);
    }
    for record in records {
        let (counts, needs_archive) = match &record {
            Record::Query {
                conditions, loc, ..
            }
            | Record::Statement {
                conditions, loc, ..
            } => (
                Some(loc.to_string()),
                conditions.iter().any(is_archive_condition),
            ),
            _ => (None, false),
        };
        let Some(loc) = counts else {
            if let Err(e) = runner.run_async(record).await {
                out.failures.push(e.display(false).to_string());
            }
            continue;
        };
        if needs_archive && !suite.archive {
            out.skipped += 1;
            continue;
        }
        out.ran += 1;
        match runner.run_async(record).await {
            Ok(_) => out.passed_at.push(loc),
            Err(e) => out.failures.push(e.display(false).to_string()),
        }
    }
}

fn archive_note(suite: &Suite, skipped: usize) {
    if !suite.archive {
        eprintln!(
            "NOTE: testdata/archive is missing: {skipped} record(s) marked `onlyif archive` were skipped \
             (generate it with `cargo run -p xtask -- gen-archive`)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logic() {
    let suite = open_suite();
    let mut files = slt_files(&logic_dir());
    assert!(!files.is_empty(), "no .slt files in testdata/logic");
    // `KQL_LOGIC_FILTER=47_` runs only the files whose name contains it.
    if let Ok(filter) = std::env::var("KQL_LOGIC_FILTER") {
        files.retain(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&filter))
        });
        eprintln!(
            "logic: KQL_LOGIC_FILTER={filter} keeps {} file(s)",
            files.len()
        );
    }
    let mut outcome = Outcome::default();
    for f in &files {
        run_file(&suite, f, &mut outcome).await;
    }
    archive_note(&suite, outcome.skipped);
    eprintln!(
        "logic: {} file(s), {} record(s) run, {} failed, {} skipped",
        files.len(),
        outcome.ran,
        outcome.failures.len(),
        outcome.skipped
    );
    if !outcome.failures.is_empty() {
        panic!(
            "{} logic record(s) failed:\n\n{}",
            outcome.failures.len(),
            outcome.failures.join("\n----------\n")
        );
    }
}

/// Every record of `known_failures/` documents an engine bug and must still
/// fail; one that passes means the bug is fixed: move it back into the suite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_failures_still_fail() {
    let dir = logic_dir().join("known_failures");
    if !dir.is_dir() {
        return;
    }
    let suite = open_suite();
    let mut outcome = Outcome::default();
    for f in &slt_files(&dir) {
        run_file(&suite, f, &mut outcome).await;
    }
    archive_note(&suite, outcome.skipped);
    eprintln!(
        "known failures: {} record(s), {} still fail",
        outcome.ran,
        outcome.failures.len()
    );
    for f in &outcome.failures {
        eprintln!("still failing (expected):\n{f}");
    }
    assert!(
        outcome.passed_at.is_empty(),
        "these known-failure records now pass; move them into testdata/logic:\n{}",
        outcome.passed_at.join("\n")
    );
}

#[test]
fn letters_round_trip() {
    for (c, t) in LETTERS {
        assert_eq!(KqlColumn::from_char(*c), Some(KqlColumn(*t)));
        assert_eq!(KqlColumn(*t).to_char(), *c);
    }
    assert_eq!(KqlColumn::from_char('?'), None);
}

#[test]
fn validator_keeps_header_first_and_compares_exactly() {
    let actual = vec![
        vec![format!("{HEADER_MARK}a"), format!("{HEADER_MARK}b")],
        vec!["1".to_string(), "(empty)".to_string()],
    ];
    let norm: Normalizer = sqllogictest::default_normalizer;
    assert!(exact_validator(
        norm,
        &actual,
        &["a b".into(), "1 (empty)".into()]
    ));
    assert!(exact_validator(
        norm,
        &actual,
        &["a b  ".into(), "1 (empty)".into()]
    ));
    assert!(!exact_validator(
        norm,
        &actual,
        &["a  b".into(), "1 (empty)".into()]
    ));
    assert!(!exact_validator(norm, &actual, &["a b".into()]));
}
