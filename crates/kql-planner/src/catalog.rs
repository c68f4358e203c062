//! What the binder needs to know about the world: table names and their typed
//! columns. The engine implements it over the archive (plus known Sentinel
//! schemas); tests implement it over fixed schemas, so binding is pure.

use crate::bound::BoundColumn;
use crate::types::arrow_type;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::logical_expr::{LogicalTableSource, TableSource};
use std::sync::Arc;

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
