//! `kql check (FILE|DIR ... | --corpus JSONL)`: parse and bind queries and
//! rule YAML without data, and report each query's verdict plus a summary.
//!
//! Inputs: query files (`.kql`, `.csl`, `.txt`; a file of several
//! blank-line-separated queries is checked block by block, each reported as
//! `FILE#N`), Sentinel rule files (`.yaml`/`.yml`: the rule's `query`), folders
//! of both (recursively), or a JSONL corpus whose lines hold `id` and `query`.
//! Text output prints one line per query (and its diagnostics); `--format
//! json` one JSON object per query and line:
//! `{"id", "parse": "ok"|"error", "bind": "ok"|"error"|"skipped",
//!   "diagnostics": [{"code", "message", "line", "column"}]}`.

use kql_engine::check::{BindStatus, Checked, Checker};
use kql_syntax::{Code, Diagnostic};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One text to check.
pub struct Item {
    pub id: String,
    pub text: Result<String, Diagnostic>,
}

/// The items of the given paths (files and folders, in order; folders
/// walked recursively and sorted).
pub fn path_items(paths: &[PathBuf]) -> Result<Vec<Item>, Diagnostic> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(Diagnostic::new(
                    Code::Io,
                    format!(
                        "the folder '{}' holds no query (.kql, .csl, .txt) or rule (.yaml) file",
                        p.display()
                    ),
                ));
            }
            files.extend(found);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(Diagnostic::new(
                Code::Io,
                format!("no file or folder at '{}'", p.display()),
            )
            .with_hint("give query files, rule files, folders, or --corpus FILE.jsonl"));
        }
    }
    Ok(files.into_iter().map(file_item).collect())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::new(Code::Io, format!("cannot list '{}': {e}", dir.display())))?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("kql" | "csl" | "txt" | "yaml" | "yml")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

fn file_item(path: PathBuf) -> Item {
    let id = path.display().to_string();
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    let text = if yaml {
        kql_sentinel::Rule::from_file(&path)
            .map(|r| r.query)
            .map_err(|e| kql_engine::workspace::sentinel_diagnostic(Code::RuleInvalid, &e))
    } else {
        kql_engine::read_query_file(&path)
    };
    Item { id, text }
}

/// The items of a JSONL corpus (`{"id": ..., "query": ...}` per line).
pub fn corpus_items(path: &Path) -> Result<Vec<Item>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(
            Code::Io,
            format!("cannot read the corpus '{}': {e}", path.display()),
        )
    })?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            Diagnostic::new(Code::Io, format!("{}:{}: {what}", path.display(), n + 1))
                .with_hint("each line must be a JSON object with \"id\" and \"query\" strings")
        };
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        let query = v
            .get("query")
            .and_then(|q| q.as_str())
            .ok_or_else(|| bad("no \"query\" string"))?;
        let id = v
            .get("id")
            .and_then(|q| q.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}:{}", path.display(), n + 1));
        items.push(Item {
            id,
            text: Ok(query.to_string()),
        });
    }
    Ok(items)
}

/// One reported query.
pub struct Verdict {
    pub id: String,
    /// The query's text (its block, when the text held several).
    pub text: String,
    pub checked: Checked,
    /// With `--run`: how running it on the archive went (`None`: not run,
    /// because it did not bind).
    pub run: Option<Result<(), Diagnostic>>,
}

impl Verdict {
    /// The run outcome's name for reports.
    fn run_status(&self) -> &'static str {
        match &self.run {
            None => "skipped",
            Some(Ok(())) => "ok",
            Some(Err(_)) => "error",
        }
    }
}

/// Check every item (a text that cannot be read is a failed query).
pub fn check_items(checker: &Checker, items: Vec<Item>) -> Vec<Verdict> {
    let mut out = Vec::new();
    for item in items {
        match item.text {
            Err(d) => out.push(Verdict {
                id: item.id,
                text: String::new(),
                run: None,
                checked: Checked {
                    block: None,
                    source: 0..0,
                    parse_ok: false,
                    bind: BindStatus::Skipped,
                    diagnostics: vec![kql_engine::check::Placed {
                        diagnostic: d,
                        line: None,
                        column: None,
                    }],
                },
            }),
            Ok(text) => {
                for checked in checker.check(&text) {
                    let id = match checked.block {
                        Some(n) => format!("{}#{n}", item.id),
                        None => item.id.clone(),
                    };
                    let text = text.get(checked.source.clone()).unwrap_or("").to_string();
                    out.push(Verdict {
                        id,
                        text,
                        checked,
                        run: None,
                    });
                }
            }
        }
    }
    out
}

/// `--run`: run every query that binds on the archive of `session`, each
/// stopped after `limit`; the outcome goes into its verdict.
pub async fn run_all(
    session: &kql_engine::KqlSession,
    verdicts: &mut [Verdict],
    limit: std::time::Duration,
) {
    for v in verdicts.iter_mut().filter(|v| v.checked.ok()) {
        let outcome = match tokio::time::timeout(limit, session.run(&v.text)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(d)) => Err(d),
            Err(_) => Err(Diagnostic::new(
                Code::ExecutionFailed,
                format!("stopped after {} s", limit.as_secs()),
            )),
        };
        v.run = Some(outcome);
    }
}

/// The JSON line of one verdict, its keys in the documented order (with
/// `"run"` after `"bind"` when the queries were run).
pub fn json_line(v: &Verdict, with_run: bool) -> String {
    let c = &v.checked;
    let text = |s: &str| serde_json::Value::from(s).to_string();
    let number = |n: Option<usize>| n.map_or_else(|| "null".to_string(), |n| n.to_string());
    let mut diagnostics: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{{\"code\":{},\"message\":{},\"line\":{},\"column\":{}}}",
                text(&d.diagnostic.code.as_text()),
                text(&d.diagnostic.message),
                number(d.line),
                number(d.column)
            )
        })
        .collect();
    if let Some(Err(d)) = &v.run {
        diagnostics.push(format!(
            "{{\"code\":{},\"message\":{},\"line\":null,\"column\":null}}",
            text(&d.code.as_text()),
            text(&d.message)
        ));
    }
    let bind = match c.bind {
        BindStatus::Ok => "ok",
        BindStatus::Error => "error",
        BindStatus::Skipped => "skipped",
    };
    let run = if with_run {
        format!(",\"run\":{}", text(v.run_status()))
    } else {
        String::new()
    };
    format!(
        "{{\"id\":{},\"parse\":{},\"bind\":{}{run},\"diagnostics\":[{}]}}",
        text(&v.id),
        text(if c.parse_ok { "ok" } else { "error" }),
        text(bind),
        diagnostics.join(",")
    )
}

/// The text lines of one verdict.
pub fn text_lines(v: &Verdict, out: &mut impl Write) -> std::io::Result<()> {
    let c = &v.checked;
    let verdict = if c.ok() {
        "ok"
    } else if !c.parse_ok {
        "syntax error"
    } else {
        "bind error"
    };
    let verdict = match &v.run {
        Some(Ok(())) => "ok, ran",
        Some(Err(_)) => "binds, run failed",
        None => verdict,
    };
    writeln!(out, "{}: {verdict}", v.id)?;
    if let Some(Err(d)) = &v.run {
        writeln!(out, "  {}: {}", d.code.as_text(), d.message)?;
    }
    for d in &c.diagnostics {
        let place = match (d.line, d.column) {
            (Some(l), Some(col)) => format!(" at {l}:{col}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}{place}: {}",
            d.diagnostic.code.as_text(),
            d.diagnostic.message
        )?;
    }
    Ok(())
}

/// Counts of each outcome.
#[derive(Debug, Default)]
pub struct Summary {
    pub queries: usize,
    pub ok: usize,
    /// With `--run`: how many ran without error.
    pub ran: Option<usize>,
    pub syntax: usize,
    pub bind: usize,
    /// Bind errors by kind (unknown table, unknown column, ...).
    pub by_kind: BTreeMap<&'static str, usize>,
}

impl Summary {
    pub fn of(verdicts: &[Verdict]) -> Summary {
        let mut s = Summary::default();
        if verdicts.iter().any(|v| v.run.is_some()) {
            s.ran = Some(
                verdicts
                    .iter()
                    .filter(|v| matches!(v.run, Some(Ok(()))))
                    .count(),
            );
        }
        for v in verdicts {
            s.queries += 1;
            let c = &v.checked;
            if c.ok() {
                s.ok += 1;
            } else if !c.parse_ok {
                s.syntax += 1;
            } else {
                s.bind += 1;
                if let Some(d) = c.diagnostics.first() {
                    *s.by_kind.entry(kind(d.diagnostic.code)).or_default() += 1;
                }
            }
        }
        s
    }

    /// Queries whose tables the catalog knows (those that did not fail with
    /// an unknown table), and how many of them bind.
    pub fn with_known_tables(&self) -> (usize, usize) {
        let unknown = self.by_kind.get("unknown table").copied().unwrap_or(0);
        (self.queries - self.syntax - unknown, self.ok)
    }

    pub fn line(&self) -> String {
        let pct = |n: usize, of: usize| {
            if of == 0 {
                0.0
            } else {
                n as f64 * 100.0 / of as f64
            }
        };
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let (known, ok) = self.with_known_tables();
        let ran = match self.ran {
            Some(n) => format!("; {n} ran on the archive ({:.1}%)", pct(n, self.queries)),
            None => String::new(),
        };
        format!(
            "checked {} queries: {} ok ({:.1}%), {} syntax errors, {} bind errors{}; \
             of the {known} whose tables are known, {ok} bind ({:.1}%){ran}",
            self.queries,
            self.ok,
            pct(self.ok, self.queries),
            self.syntax,
            self.bind,
            if kinds.is_empty() {
                String::new()
            } else {
                format!(" ({})", kinds.join(", "))
            },
            pct(ok, known),
        )
    }
}

/// The summary bucket of a diagnostic code.
fn kind(code: Code) -> &'static str {
    match code {
        Code::UnknownTable => "unknown table",
        Code::UnknownColumn => "unknown column",
        Code::UnknownFunction => "unknown function",
        Code::UnknownName => "unknown name",
        Code::UnsupportedOperator | Code::UnsupportedFunction | Code::UnsupportedFeature => {
            "unsupported"
        }
        Code::TypeMismatch
        | Code::WrongArgCount
        | Code::NotConstant
        | Code::NotTabular
        | Code::NotScalar
        | Code::BadArgument => "type or argument",
        Code::FeedMissing
        | Code::FeedUnreadable
        | Code::WatchlistUnreadable
        | Code::FunctionInvalid
        | Code::RuleInvalid
        | Code::Io => "workspace",
        _ => "other",
    }
}
