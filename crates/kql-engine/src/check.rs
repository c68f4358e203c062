//! `kql check`: parse, bind and lower queries without data.
//!
//! Tables come from the bundled Log Analytics / Defender schemas
//! ([`crate::schemas`]), overridden by an archive's own Parquet schemas when
//! one is given; saved functions (ASIM parsers) from the workspace. Nothing
//! is evaluated: `toscalar()` / `materialize()` stay plans, `externaldata`
//! takes its declared columns without reading the feed, `_GetWatchlist` reads
//! only the watchlist's columns. A text that holds several blank-line
//! separated queries (as files saved from Kusto's editors do) is checked
//! block by block ([`kql_syntax::blocks`]).

use crate::workspace::Workspace;
use crate::{ArchiveTable, schemas, watchlists};
use kql_planner::{
    BindOptions, BoundColumn, Catalog, ExternalDataRequest, MemoryTable, WorkspaceFunction,
};
use kql_syntax::blocks::{Blocks, split_queries};
use kql_syntax::{Diagnostic, Span};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// What binding a query came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindStatus {
    Ok,
    Error,
    /// Not bound because the text does not parse.
    Skipped,
}

/// One diagnostic with its place in the checked text (1-based line and
/// column of the whole text, not of the block).
#[derive(Debug, Clone)]
pub struct Placed {
    pub diagnostic: Diagnostic,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// The verdict on one query of a text.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The block's number (1-based) when the text held several queries.
    pub block: Option<usize>,
    /// Where the query is in the checked text (the whole text, or its block).
    pub source: std::ops::Range<usize>,
    pub parse_ok: bool,
    pub bind: BindStatus,
    pub diagnostics: Vec<Placed>,
}

impl Checked {
    pub fn ok(&self) -> bool {
        self.parse_ok && self.bind == BindStatus::Ok
    }
}

/// Tables and functions to check against; one per `kql check` run.
pub struct Checker {
    tables: HashMap<String, Vec<BoundColumn>>,
    names: Vec<String>,
    workspace: Arc<Workspace>,
    now_ns: i64,
}

impl Checker {
    /// The bundled schemas, with `archive`'s tables (their Parquet schemas)
    /// in place of the bundled ones of the same name.
    pub fn new(workspace: Arc<Workspace>, archive: Vec<ArchiveTable>, now_ns: i64) -> Checker {
        let mut tables: HashMap<String, Vec<BoundColumn>> =
            schemas::known_catalog().tables.into_iter().collect();
        for t in archive {
            tables.insert(t.name, t.columns);
        }
        let mut names: Vec<String> = tables.keys().cloned().collect();
        names.sort();
        Checker {
            tables,
            names,
            workspace,
            now_ns,
        }
    }

    /// Check every query of `text`.
    pub fn check(&self, text: &str) -> Vec<Checked> {
        match split_queries(text) {
            Blocks::One(Err(d)) => vec![Checked {
                block: None,
                source: 0..text.len(),
                parse_ok: false,
                bind: BindStatus::Skipped,
                diagnostics: vec![place(d, text, 0)],
            }],
            Blocks::One(Ok(script)) => vec![self.bind(&script, text, 0..text.len(), None)],
            Blocks::Several(blocks) => blocks
                .iter()
                .enumerate()
                .map(|(i, (b, script))| {
                    self.bind(script, text, b.offset..b.offset + b.text.len(), Some(i + 1))
                })
                .collect(),
        }
    }

    fn bind(
        &self,
        script: &kql_syntax::ast::Script,
        text: &str,
        source: std::ops::Range<usize>,
        block: Option<usize>,
    ) -> Checked {
        let offset = source.start;
        let catalog = CheckCatalog {
            checker: self,
            memory: RefCell::new(HashMap::new()),
        };
        let result =
            kql_planner::bind(script, &catalog, &BindOptions::at(self.now_ns)).and_then(|bound| {
                bound
                    .queries
                    .iter()
                    .try_for_each(|q| match kql_planner::lower(q, &catalog) {
                        // binds; its columns come from data check does not read
                        Err(d) if d.code == kql_syntax::Code::NeedsData => Ok(()),
                        other => other.map(|_| ()),
                    })
            });
        match result {
            Ok(()) => Checked {
                block,
                source,
                parse_ok: true,
                bind: BindStatus::Ok,
                diagnostics: vec![],
            },
            Err(d) => Checked {
                block,
                source,
                parse_ok: true,
                bind: BindStatus::Error,
                diagnostics: vec![place(d, text, offset)],
            },
        }
    }
}

/// `d` placed in `text`, its span counted from `offset`.
fn place(d: Diagnostic, text: &str, offset: usize) -> Placed {
    let (line, column) = match d.span {
        Some(s) if offset + s.start <= text.len() => {
            let (l, c) = kql_syntax::span::line_col(text, offset + s.start);
            (Some(l), Some(c))
        }
        _ => (None, None),
    };
    Placed {
        diagnostic: d,
        line,
        column,
    }
}

/// The catalog one query binds against: the checker's tables plus the
/// in-memory tables the query itself declares (externaldata, watchlists).
struct CheckCatalog<'a> {
    checker: &'a Checker,
    memory: RefCell<HashMap<String, Vec<BoundColumn>>>,
}

impl CheckCatalog<'_> {
    fn remember(&self, kind: &str, columns: Vec<BoundColumn>) -> String {
        let mut m = self.memory.borrow_mut();
        let name = format!("__{kind}_{}", m.len());
        m.insert(name.clone(), columns);
        name
    }
}

impl Catalog for CheckCatalog<'_> {
    fn table(&self, name: &str) -> Option<Vec<BoundColumn>> {
        if let Some(c) = self.memory.borrow().get(name) {
            return Some(c.clone());
        }
        self.checker.tables.get(name).cloned()
    }

    fn table_names(&self) -> Vec<String> {
        self.checker.names.clone()
    }

    fn function(&self, name: &str) -> Result<Option<WorkspaceFunction>, Diagnostic> {
        let Some(src) = self.checker.workspace.find(name) else {
            return Ok(None);
        };
        self.checker.workspace.function(src, name).map(Some)
    }

    fn register_memory(&self, table: MemoryTable, _span: Span) -> Result<String, Diagnostic> {
        Ok(self.remember("materialized", table.columns))
    }

    fn external_data(&self, request: &ExternalDataRequest) -> Result<String, Diagnostic> {
        Ok(self.remember("externaldata", request.columns.clone()))
    }

    fn watchlist(&self, alias: &str, span: Span) -> Result<(String, Vec<BoundColumn>), Diagnostic> {
        let columns = watchlists::read(&self.checker.workspace.watchlists_dir(), alias)
            .map_err(|d| d.with_span(span))?
            .columns()
            .to_vec();
        Ok((self.remember("watchlist", columns.clone()), columns))
    }

    /// Binding without data: `geo_info_from_ip_address` binds (dynamic)
    /// without a database.
    fn geoip(&self, _span: Span) -> Result<Option<Arc<kql_functions::geoip::GeoIpDb>>, Diagnostic> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Checker {
        let ws = Workspace::load(None, None, None).expect("the bundled workspace loads");
        Checker::new(Arc::new(ws), vec![], 1_781_913_600_000_000_000)
    }

    #[test]
    fn known_tables_bind_without_data() {
        let c = checker();
        let r = c.check(
            "SigninLogs | where ResultType == \"0\" | summarize count() by UserPrincipalName",
        );
        assert_eq!(r.len(), 1);
        assert!(r[0].ok(), "{:?}", r[0].diagnostics);
    }

    #[test]
    fn unknown_column_is_a_bind_error_with_its_place() {
        let c = checker();
        let r = c.check("SigninLogs\n| where NoSuchColumn == 1");
        assert_eq!(r[0].bind, BindStatus::Error);
        let d = &r[0].diagnostics[0];
        assert_eq!(d.diagnostic.code, kql_syntax::Code::UnknownColumn);
        assert_eq!((d.line, d.column), (Some(2), Some(9)));
    }

    #[test]
    fn a_syntax_error_skips_binding() {
        let c = checker();
        let r = c.check("SigninLogs | where (");
        assert!(!r[0].parse_ok);
        assert_eq!(r[0].bind, BindStatus::Skipped);
    }

    #[test]
    fn externaldata_and_toscalar_bind_without_reading() {
        let c = checker();
        let q = "let n = toscalar(SigninLogs | count);\n\
                 let feed = externaldata(ua:string)[\"https://example.com/none.csv\"] with(format=\"csv\");\n\
                 feed | where ua has \"x\" | extend n";
        let r = c.check(q);
        assert!(r[0].ok(), "{:?}", r[0].diagnostics);
    }

    #[test]
    fn enrichment_functions_bind_without_their_data() {
        let c = checker();
        // no GeoIP database: the call binds, as dynamic
        let r = c.check(
            "SigninLogs | extend g = geo_info_from_ip_address(IPAddress) \
             | where tostring(g.country) == 'x' | project g",
        );
        assert!(r[0].ok(), "{:?}", r[0].diagnostics);
        // no FileProfile table: the documented columns
        let r = c.check(
            "DeviceProcessEvents | invoke FileProfile(InitiatingProcessSHA1, 1000) \
             | where GlobalPrevalence < 50 and not(IsCertificateValid) \
             | where ProfileAvailability != 'Error' \
             | project GlobalFirstSeen, Signer, SoftwareName, SHA2561",
        );
        assert!(r[0].ok(), "{:?}", r[0].diagnostics);
        let r = c.check("DeviceFileEvents | invoke FileProfile() | project NoSuchColumn");
        assert_eq!(r[0].bind, BindStatus::Error);
    }

    #[test]
    fn blocks_are_checked_one_by_one_and_placed_in_the_file() {
        let c = checker();
        let r = c.check("SigninLogs | take 1\n\nSigninLogs | where Nope == 1");
        assert_eq!(r.len(), 2);
        assert!(r[0].ok());
        assert_eq!(r[1].block, Some(2));
        assert_eq!(r[1].diagnostics[0].line, Some(3));
    }
}
