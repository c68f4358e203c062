//! `kql rule run RULE.yaml|DIR` and `kql diff RESULT EXPECTED`: run Sentinel
//! scheduled analytic rules as Sentinel does (now = evaluation time, every
//! table limited to the rule's `queryPeriod`), turn their results into
//! alerts (kql-sentinel), and compare results with exports from Sentinel.

use crate::render::{Format, render};
use kql_engine::{KqlSession, QueryResult, SessionOptions, Workspace};
use kql_planner::bound::{BoundOp, BoundTabular};
use kql_sentinel::Rule;
use kql_sentinel::alerts::{ResultTable, RuleOutcome, evaluate};
use kql_syntax::{Code, Diagnostic};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What one rule run gives.
pub struct RuleRun {
    pub rule: Rule,
    pub result: ResultTable,
    pub outcome: RuleOutcome,
    /// Whether the query's result order is meaningful (it ends in a sort).
    pub ordered: bool,
}

/// The rule files of a path: the file itself, or every `.yaml` / `.yml`
/// under a folder (sorted).
pub fn rule_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(Diagnostic::new(
            Code::Io,
            format!("no rule file or folder at '{}'", path.display()),
        )
        .with_hint("give a Sentinel rule .yaml file or a folder of them"));
    }
    let mut out = Vec::new();
    collect(path, &mut out)?;
    out.sort();
    if out.is_empty() {
        return Err(Diagnostic::new(
            Code::Io,
            format!("the folder '{}' holds no .yaml rule file", path.display()),
        ));
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::new(Code::Io, format!("cannot list '{}': {e}", dir.display())))?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Read a rule file, its errors as diagnostics naming the file and line.
pub fn load_rule(path: &Path) -> Result<Rule, Diagnostic> {
    Rule::from_file(path)
        .map_err(|e| kql_engine::workspace::sentinel_diagnostic(Code::RuleInvalid, &e))
}

/// Run one rule at `now_ns` over `archive`.
pub async fn run_rule(
    rule: Rule,
    archive: &Path,
    workspace: Arc<Workspace>,
    now_ns: i64,
    memory_limit: Option<usize>,
) -> Result<RuleRun, Diagnostic> {
    let mut options = SessionOptions::new(archive);
    options.now_ns = Some(now_ns);
    options.memory_limit = memory_limit;
    options.workspace = workspace;
    options.lookback_ns = rule.query_period;
    let session = KqlSession::open(options)?;
    let located = |d: Diagnostic| locate_in_rule(d, &rule);
    let ordered = session
        .bind(&rule.query)
        .map(|(script, _)| script.queries.last().is_some_and(is_ordered))
        .map_err(located)?;
    let results = session.run(&rule.query).await.map_err(located)?;
    let Some(last) = results.last() else {
        return Err(Diagnostic::new(
            Code::RuleInvalid,
            format!("the query of rule '{}' returns no table", rule.name),
        ));
    };
    let result = result_table(last)?;
    let outcome = evaluate(&rule, &result, &iso(now_ns));
    Ok(RuleRun {
        rule,
        result,
        outcome,
        ordered,
    })
}

/// A diagnostic about the rule's query, with the place in the YAML file.
fn locate_in_rule(mut d: Diagnostic, rule: &Rule) -> Diagnostic {
    let place = match d.span {
        Some(s) => {
            let (line, col) = rule.locate_query(s.start);
            format!("{}:{line}:{col}", rule.query_origin.path.display())
        }
        None => rule.query_origin.path.display().to_string(),
    };
    d.message = format!("{} (rule query, {place})", d.message);
    // The place is in the message: a span into the query text alone would
    // be shown against the wrong lines.
    d.span = None;
    d
}

/// A query result as plain JSON rows (Kusto's value rendering).
pub fn result_table(r: &QueryResult) -> Result<ResultTable, Diagnostic> {
    let mut buf = Vec::new();
    render(Format::Json, &r.columns, &r.batches, &mut buf)
        .map_err(|e| Diagnostic::new(Code::Internal, e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&buf).map_err(|e| Diagnostic::internal("rule", e))?;
    let rows = v
        .get("rows")
        .and_then(|r| r.as_array())
        .map(|rows| {
            rows.iter()
                .map(|row| row.as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    Ok(ResultTable {
        columns: r
            .columns
            .iter()
            .map(|(n, t)| (n.clone(), t.as_str().to_string()))
            .collect(),
        rows,
    })
}

/// Whether the rows of `t` come out in a defined order: a sort (or top)
/// that only row-wise operators follow.
pub fn is_ordered(t: &BoundTabular) -> bool {
    match &t.op {
        BoundOp::Sort { .. } => true,
        BoundOp::Filter { input, .. }
        | BoundOp::Project { input, .. }
        | BoundOp::Limit { input, .. } => is_ordered(input),
        _ => false,
    }
}

/// RFC 3339 text of a nanosecond instant.
pub fn iso(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text() {
        assert_eq!(iso(1_781_913_600_000_000_000), "2026-06-20T00:00:00Z");
    }
}
