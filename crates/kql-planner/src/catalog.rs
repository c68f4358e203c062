//! What the binder needs to know about the world: table names and their typed
//! columns. The engine implements it over the archive (plus known Sentinel
//! schemas); tests implement it over fixed schemas, so binding is pure.

use crate::bound::BoundColumn;
use crate::types::arrow_type;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::{LogicalPlan, LogicalTableSource, TableSource};
use kql_syntax::ast::FunctionDef;
use kql_syntax::{Code, Diagnostic, Span};
use std::rc::Rc;
use std::sync::Arc;

/// A function saved in the workspace (an ASIM parser, a `.kql` function
/// file): callable by name from any query, bound in its own scope.
#[derive(Clone)]
pub struct WorkspaceFunction {
    /// The name it was called by.
    pub name: String,
    /// Shared with the workspace's parse cache.
    pub def: Arc<FunctionDef>,
    /// Where its text comes from, e.g. `functions/imWebSession.yaml`, for
    /// diagnostics raised inside its body.
    pub origin: String,
    /// Maps a span of the body text to "file:line:column".
    pub locate: Rc<dyn Fn(Span) -> String>,
}

impl std::fmt::Debug for WorkspaceFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceFunction")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish()
    }
}

/// `externaldata(columns) [urls] with (options)`, as the binder asks for it.
#[derive(Debug, Clone)]
pub struct ExternalDataRequest {
    pub columns: Vec<BoundColumn>,
    pub urls: Vec<String>,
    /// Lower-case option name → value text (`format` → `csv`, ...).
    pub options: Vec<(String, String)>,
    pub span: Span,
}

/// Rows held in memory under a name the binder scans (a materialized
/// result, an external feed, a watchlist).
#[derive(Debug, Clone)]
pub struct MemoryTable {
    pub columns: Vec<BoundColumn>,
    pub batches: Vec<RecordBatch>,
}

fn no_data(span: Span, what: &str) -> Diagnostic {
    Diagnostic::at(
        Code::UnsupportedFeature,
        span,
        format!("{what} needs data, and this catalog has none (binding without an archive)"),
    )
    .with_hint("run the query with `kql run` against an archive")
}

pub trait Catalog {
    /// The columns of `name` (exact, case-sensitive match as in Kusto), or
    /// `None` if there is no such table.
    fn table(&self, name: &str) -> Option<Vec<BoundColumn>>;

    /// All table names, for "did you mean" hints and `kql tables`.
    fn table_names(&self) -> Vec<String>;

    /// The DataFusion source that lowering scans for `name`. The default is a
    /// schema-only source (enough to plan and explain, not to execute); the
    /// engine returns its Parquet-backed provider.
    fn table_source(&self, name: &str) -> Option<Arc<dyn TableSource>> {
        let columns = self.table(name)?;
        let fields: Vec<Field> = columns
            .iter()
            .map(|c| Field::new(&c.name, arrow_type(c.ty), true))
            .collect();
        Some(Arc::new(LogicalTableSource::new(Arc::new(Schema::new(
            fields,
        )))))
    }

    /// A workspace function by name or alias (`_Im_WebSession`), parsed.
    fn function(&self, _name: &str) -> Result<Option<WorkspaceFunction>, Diagnostic> {
        Ok(None)
    }

    /// Whether [`Catalog::evaluate`] can run plans (false when binding
    /// without data: computed-once values then stay expressions).
    fn can_evaluate(&self) -> bool {
        false
    }

    /// Run a plan now and return its rows: `toscalar()`, `materialize()`
    /// and `has_any (table)` are evaluated once, while binding.
    fn evaluate(&self, _plan: &LogicalPlan, span: Span) -> Result<Vec<RecordBatch>, Diagnostic> {
        Err(no_data(span, "this expression"))
    }

    /// Keep rows in memory and return the table name a scan reads them by.
    fn register_memory(&self, _table: MemoryTable, span: Span) -> Result<String, Diagnostic> {
        Err(no_data(span, "this expression"))
    }

    /// Read an `externaldata` feed (from the local mirror) into memory; the
    /// name of the memory table.
    fn external_data(&self, request: &ExternalDataRequest) -> Result<String, Diagnostic> {
        Err(no_data(request.span, "`externaldata`"))
    }

    /// `_GetWatchlist(alias)`: the memory table holding the watchlist and its
    /// columns (an unknown alias gives an empty table with the standard columns).
    fn watchlist(
        &self,
        _alias: &str,
        span: Span,
    ) -> Result<(String, Vec<BoundColumn>), Diagnostic> {
        Err(no_data(span, "`_GetWatchlist`"))
    }

    /// The GeoIP database `geo_info_from_ip_address()` reads. `Ok(None)`
    /// when binding without data (`kql check`): the call binds, and fails
    /// if it is ever run. A catalog with data and no database returns the
    /// error that says what to supply.
    fn geoip(&self, span: Span) -> Result<Option<Arc<kql_functions::geoip::GeoIpDb>>, Diagnostic> {
        Err(no_data(span, "`geo_info_from_ip_address`"))
    }
}

/// A catalog over a fixed list of tables: for tests and for `check` without data.
#[derive(Debug, Default, Clone)]
pub struct StaticCatalog {
    pub tables: Vec<(String, Vec<BoundColumn>)>,
}

impl StaticCatalog {
    pub fn with_table(mut self, name: &str, columns: Vec<BoundColumn>) -> Self {
        self.tables.push((name.to_string(), columns));
        self
    }
}

impl Catalog for StaticCatalog {
    fn table(&self, name: &str) -> Option<Vec<BoundColumn>> {
        self.tables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    }

    fn table_names(&self) -> Vec<String> {
        self.tables.iter().map(|(n, _)| n.clone()).collect()
    }
}
