//! The catalog a query is bound against: the archive tables its text names,
//! loaded (footers read) before binding, so binding itself stays pure.
//!
//! Collection is lexical: every identifier-like word of the query text that
//! names a table folder (or matches it, for a `Device*` wildcard) is loaded.
//! That over-approximates (a column that shares a table's name loads the
//! table too) but never misses a table, and a corrupt file only fails the
//! queries that name its table.

use crate::archive::{Archive, ArchiveTable};
use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::logical_expr::TableSource;
use kql_planner::{BoundColumn, Catalog};
use kql_syntax::Diagnostic;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct SessionCatalog {
    all_names: Vec<String>,
    loaded: BTreeMap<String, ArchiveTable>,
}

impl SessionCatalog {
    /// Load the tables `query` may refer to.
    pub fn resolve(archive: &Archive, query: &str) -> Result<SessionCatalog, Diagnostic> {
        let mut loaded = BTreeMap::new();
        for word in words(query) {
            let names: Vec<&String> = if word.contains('*') {
                // a wildcard union source (`Device*`, `*Logs`, `*`)
                archive
                    .tables
                    .keys()
                    .filter(|n| kql_planner::binder::matches_wildcard(word, n))
                    .collect()
            } else {
                archive
                    .tables
                    .get_key_value(word)
                    .map(|(k, _)| k)
                    .into_iter()
                    .collect()
            };
            for name in names {
                if !loaded.contains_key(name) {
                    loaded.insert(name.clone(), archive.load_table(name)?);
                }
            }
        }
        Ok(SessionCatalog {
            all_names: archive.tables.keys().cloned().collect(),
            loaded,
        })
    }
}

/// Identifier-like words (runs of letters, digits and `_`), with any `*`
/// wildcards they hold.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '*'))
        .filter(|w| !w.is_empty())
}

impl Catalog for SessionCatalog {
    fn table(&self, name: &str) -> Option<Vec<BoundColumn>> {
        self.loaded.get(name).map(|t| t.columns.clone())
    }

    fn table_names(&self) -> Vec<String> {
        self.all_names.clone()
    }

    fn table_source(&self, name: &str) -> Option<Arc<dyn TableSource>> {
        self.loaded
            .get(name)
            .map(|t| provider_as_source(t.provider.clone()))
    }
}
