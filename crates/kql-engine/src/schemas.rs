//! The bundled Log Analytics / Defender table schemas (column names and KQL
//! types; sources in schemas/README.md). The archive uses them to type
//! columns that Parquet cannot tell apart (a `dynamic` or `guid` column is a
//! plain string in the file).

use kql_planner::KqlType;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_schemas.rs"));
}

/// Columns of a known table: (name, KQL type), in the documented order.
pub type KnownColumns = Vec<(String, KqlType)>;

fn parse_schema(json: &str) -> KnownColumns {
    let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    v.get("Properties")
        .and_then(Value::as_array)
        .map(|props| {
            props
                .iter()
                .filter_map(|p| {
                    let name = p.get("Name")?.as_str()?;
                    let ty = p.get("Type")?.as_str()?;
                    Some((name.to_string(), KqlType::from_name(ty)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn all() -> &'static HashMap<&'static str, KnownColumns> {
    static SCHEMAS: OnceLock<HashMap<&'static str, KnownColumns>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        bundled::TABLE_SCHEMAS
            .iter()
            .map(|(name, json)| (*name, parse_schema(json)))
            .collect()
    })
}

/// The known schema of `table`, if it is a Log Analytics / Defender table.
pub fn known_table(table: &str) -> Option<&'static KnownColumns> {
    all().get(table)
}

/// The Azure Monitor standard columns (TenantId, TimeGenerated, Type, ...).
pub fn standard_columns() -> KnownColumns {
    parse_schema(bundled::STANDARD_COLUMNS)
}

/// Names of all known tables.
pub fn known_table_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = all().keys().copied().collect();
    v.sort();
    v
}

/// A catalog of every bundled table schema (the standard columns added where
/// a table lacks them), for binding without data: benches, `check`.
pub fn known_catalog() -> kql_planner::StaticCatalog {
    let standard = standard_columns();
    let mut catalog = kql_planner::StaticCatalog::default();
    for name in known_table_names() {
        let mut cols: Vec<kql_planner::BoundColumn> = known_table(name)
            .into_iter()
            .flatten()
            .map(|(n, t)| kql_planner::BoundColumn::new(n.clone(), *t))
            .collect();
        for (n, t) in &standard {
            if !cols.iter().any(|c| &c.name == n) {
                cols.push(kql_planner::BoundColumn::new(n.clone(), *t));
            }
        }
        catalog = catalog.with_table(name, cols);
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schemas_load_with_kql_types() {
        let dne = known_table("DeviceNetworkEvents").expect("DeviceNetworkEvents is bundled");
        assert!(
            dne.iter()
                .any(|(n, t)| n == "RemoteIP" && *t == KqlType::String)
        );
        assert!(
            dne.iter()
                .any(|(n, t)| n == "AdditionalFields" && *t == KqlType::Dynamic)
        );
        let csl = known_table("CommonSecurityLog").expect("CommonSecurityLog is bundled");
        assert!(
            csl.iter()
                .any(|(n, t)| n == "TimeGenerated" && *t == KqlType::DateTime)
        );
        assert!(standard_columns().iter().any(|(n, _)| n == "TenantId"));
    }

    #[test]
    fn known_catalog_has_every_bundled_table() {
        use kql_planner::Catalog;
        let c = known_catalog();
        assert!(c.table_names().len() >= 100);
        let csl = c.table("CommonSecurityLog").unwrap();
        assert!(csl.iter().any(|c| c.name == "DestinationIP"));
    }
}
