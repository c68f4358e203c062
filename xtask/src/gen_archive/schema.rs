//! Table schemas: the engine's schema catalog files (`crates/kql-engine/schemas/tables/`),
//! KQL type names and their Arrow types.
//!
//! The catalog files are compiled in with `include_str!`, so the generator does not depend
//! on the working directory. Format: `{"Name": table, "Properties": [{"Name", "Type"}]}`.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, TimeUnit};
use serde::Deserialize;

use super::Result;

/// A KQL scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KqlType {
    String,
    Int,
    Long,
    Real,
    Bool,
    DateTime,
    Guid,
    Dynamic,
    Decimal,
    TimeSpan,
}

impl KqlType {
    /// Parses a type name as it appears in schema files, case-insensitively, including the
    /// legacy spellings of the Azure-Sentinel validation files (`BigInt`, `Float`, ...).
    pub fn parse(name: &str) -> Result<Self> {
        let t = match name.trim().to_ascii_lowercase().as_str() {
            "string" | "enum" => KqlType::String,
            "int" | "int32" | "integer" => KqlType::Int,
            "long" | "int64" | "bigint" => KqlType::Long,
            "real" | "double" | "float" | "number" => KqlType::Real,
            "bool" | "boolean" | "nullable bool" => KqlType::Bool,
            "datetime" | "date" => KqlType::DateTime,
            "guid" | "uniqueid" => KqlType::Guid,
            "dynamic" | "object" | "array" => KqlType::Dynamic,
            "decimal" => KqlType::Decimal,
            "timespan" | "time" => KqlType::TimeSpan,
            other => return Err(format!("unknown KQL type `{other}`").into()),
        };
        Ok(t)
    }

    /// The lower-case KQL name.
    pub fn name(self) -> &'static str {
        match self {
            KqlType::String => "string",
            KqlType::Int => "int",
            KqlType::Long => "long",
            KqlType::Real => "real",
            KqlType::Bool => "bool",
            KqlType::DateTime => "datetime",
            KqlType::Guid => "guid",
            KqlType::Dynamic => "dynamic",
            KqlType::Decimal => "decimal",
            KqlType::TimeSpan => "timespan",
        }
    }

    /// Whether values are stored as Arrow strings (string, guid, dynamic as JSON text).
    pub fn is_stringy(self) -> bool {
        matches!(self, KqlType::String | KqlType::Guid | KqlType::Dynamic)
    }
}

/// How a file stores `datetime` columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsFormat {
    pub unit: TimeUnit,
    /// `Some("UTC")` or no timezone annotation.
    pub tz: Option<Arc<str>>,
}

impl TsFormat {
    pub fn unit_name(&self) -> &'static str {
        match self.unit {
            TimeUnit::Second => "s",
            TimeUnit::Millisecond => "ms",
            TimeUnit::Microsecond => "us",
            TimeUnit::Nanosecond => "ns",
        }
    }

    /// Nanoseconds per unit.
    pub fn nanos_per_unit(&self) -> i64 {
        match self.unit {
            TimeUnit::Second => 1_000_000_000,
            TimeUnit::Millisecond => 1_000_000,
            TimeUnit::Microsecond => 1_000,
            TimeUnit::Nanosecond => 1,
        }
    }
}

/// The Arrow type of a KQL type. `timespan` is stored as Int64 ticks (100 ns); no table in
/// the catalog uses it.
pub fn arrow_type(ty: KqlType, ts: &TsFormat) -> DataType {
    match ty {
        KqlType::String | KqlType::Guid | KqlType::Dynamic => DataType::Utf8,
        KqlType::Int => DataType::Int32,
        KqlType::Long | KqlType::TimeSpan => DataType::Int64,
        KqlType::Real => DataType::Float64,
        KqlType::Bool => DataType::Boolean,
        KqlType::DateTime => DataType::Timestamp(ts.unit, ts.tz.clone()),
        KqlType::Decimal => DataType::Decimal128(38, 18),
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub ty: KqlType,
}

impl Column {
    pub fn field(&self, ts: &TsFormat) -> Field {
        Field::new(&self.name, arrow_type(self.ty, ts), true)
    }
}

#[derive(Clone, Debug)]
pub struct TableSchema {
    pub name: String,
    pub columns: Vec<Column>,
}

impl TableSchema {
    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }

    pub fn column(&self, column: &str) -> Result<&Column> {
        self.columns
            .iter()
            .find(|c| c.name == column)
            .ok_or_else(|| format!("table {} has no column {column}", self.name).into())
    }
}

#[derive(Deserialize)]
struct RawSchema {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Properties")]
    properties: Vec<RawColumn>,
}

#[derive(Deserialize)]
struct RawColumn {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Type")]
    ty: String,
}

macro_rules! catalog_file {
    ($table:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/kql-engine/schemas/tables/",
            $table,
            ".json"
        ))
    };
}

/// The catalog text of the tables the generator knows.
fn catalog_text(table: &str) -> Option<&'static str> {
    Some(match table {
        "CommonSecurityLog" => catalog_file!("CommonSecurityLog"),
        "DeviceNetworkEvents" => catalog_file!("DeviceNetworkEvents"),
        "ASimWebSessionLogs" => catalog_file!("ASimWebSessionLogs"),
        "SquidProxy_CL" => catalog_file!("SquidProxy_CL"),
        _ => return None,
    })
}

/// Parses one schema file.
pub fn parse(text: &str) -> Result<TableSchema> {
    let raw: RawSchema = serde_json::from_str(text)?;
    let columns = raw
        .properties
        .into_iter()
        .map(|c| {
            let ty = KqlType::parse(&c.ty).map_err(|e| format!("{}.{}: {e}", raw.name, c.name))?;
            Ok(Column { name: c.name, ty })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TableSchema {
        name: raw.name,
        columns,
    })
}

/// Loads the catalog schema of `table`.
pub fn load(table: &str) -> Result<TableSchema> {
    let text = catalog_text(table).ok_or_else(|| format!("no schema compiled in for {table}"))?;
    let schema = parse(text)?;
    if schema.name != table {
        return Err(format!("schema file for {table} names table {}", schema.name).into());
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_spellings() {
        assert_eq!(KqlType::parse("DateTime").unwrap(), KqlType::DateTime);
        assert_eq!(KqlType::parse("BigInt").unwrap(), KqlType::Long);
        assert_eq!(KqlType::parse("Float").unwrap(), KqlType::Real);
        assert_eq!(KqlType::parse("string").unwrap(), KqlType::String);
        assert!(KqlType::parse("blob").is_err());
    }

    #[test]
    fn catalog_loads() {
        let csl = load("CommonSecurityLog").unwrap();
        assert_eq!(csl.columns.len(), 164);
        assert_eq!(csl.column("DestinationPort").unwrap().ty, KqlType::Int);
        assert_eq!(load("DeviceNetworkEvents").unwrap().columns.len(), 52);
        assert_eq!(load("ASimWebSessionLogs").unwrap().columns.len(), 174);
        assert!(load("SquidProxy_CL").unwrap().column("RawData").is_ok());
    }
}
