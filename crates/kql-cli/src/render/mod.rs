//! Result renderers: turn a query result (KQL-typed columns plus Arrow record
//! batches) into text (`table`, `csv`, `json`, `ndjson`) or a Parquet file.
//!
//! All text formats share one value layer ([`value`]): datetimes are ISO 8601
//! UTC, timespans are Kusto `[-][d.]hh:mm:ss[.fffffff]`, reals are shortest
//! round-trip, decimals exact, dynamic values compact JSON. Rendering follows the
//! Arrow type of each column (the KQL type only tells strings, guids and dynamic
//! apart, and makes a null `string` an empty string), so a column whose Arrow type
//! does not match its declared KQL type is still rendered sensibly.

mod csv;
mod json;
mod ndjson;
mod parquet;
mod table;
mod value;

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::str::FromStr;

use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use kql_syntax::ast::TypeName;

pub use self::parquet::{KQL_TYPE_KEY, arrow_type_of};
pub use table::MAX_CELL_WIDTH;

/// An output format of a query result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned, human-readable text table with a `(N rows)` footer.
    #[default]
    Table,
    /// RFC 4180 CSV with a header line (LF line ends).
    Csv,
    /// One compact JSON document: `{"columns":[...],"rows":[[...],...]}`.
    Json,
    /// One JSON object per row, keys in column order.
    Ndjson,
    /// A Parquet file (binary); each field carries its KQL type as `kql.type` metadata.
    Parquet,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Ndjson,
        Format::Parquet,
    ];

    /// Lower-case name (`table`, `csv`, `json`, `ndjson`, `parquet`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
        }
    }

    /// Whether the output is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Parquet)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Case-insensitive; also accepts `jsonl` for [`Format::Ndjson`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!(
                "unknown output format `{s}` (expected table, csv, json, ndjson or parquet)"
            )),
        }
    }
}

/// Why a result could not be rendered.
#[derive(Debug)]
pub enum RenderError {
    /// Writing the output failed.
    Io(io::Error),
    /// An Arrow operation (cast, display, batch construction) failed.
    Arrow(ArrowError),
    /// The Parquet writer failed.
    Parquet(::parquet::errors::ParquetError),
    /// A batch does not have as many columns as the result declares.
    ColumnCount {
        /// Number of declared result columns.
        expected: usize,
        /// Number of columns in the offending batch.
        found: usize,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Io(e) => write!(f, "cannot write result: {e}"),
            RenderError::Arrow(e) => write!(f, "cannot render result: {e}"),
            RenderError::Parquet(e) => write!(f, "cannot write Parquet result: {e}"),
            RenderError::ColumnCount { expected, found } => write!(
                f,
                "result batch has {found} columns but the result declares {expected}"
            ),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenderError::Io(e) => Some(e),
            RenderError::Arrow(e) => Some(e),
            RenderError::Parquet(e) => Some(e),
            RenderError::ColumnCount { .. } => None,
        }
    }
}

impl From<io::Error> for RenderError {
    fn from(e: io::Error) -> Self {
        RenderError::Io(e)
    }
}

impl From<ArrowError> for RenderError {
    fn from(e: ArrowError) -> Self {
        RenderError::Arrow(e)
    }
}

impl From<::parquet::errors::ParquetError> for RenderError {
    fn from(e: ::parquet::errors::ParquetError) -> Self {
        RenderError::Parquet(e)
    }
}

/// Renders a result in `format` to `out`.
///
/// `columns` gives each result column's name and KQL type, in order; every batch
/// must have that many columns (their Arrow field names are ignored). Output is
/// buffered internally and flushed before returning. Text formats end with a
/// newline. Nothing panics on unexpected Arrow types; they are displayed with
/// Arrow's formatter.
pub fn render(
    format: Format,
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    for batch in batches {
        if batch.num_columns() != columns.len() {
            return Err(RenderError::ColumnCount {
                expected: columns.len(),
                found: batch.num_columns(),
            });
        }
    }
    let mut buffered = BufWriter::with_capacity(64 * 1024, out);
    match format {
        Format::Table => table::render(columns, batches, &mut buffered)?,
        Format::Csv => csv::render(columns, batches, &mut buffered)?,
        Format::Json => json::render(columns, batches, &mut buffered)?,
        Format::Ndjson => ndjson::render(columns, batches, &mut buffered)?,
        Format::Parquet => parquet::render(columns, batches, &mut buffered)?,
    }
    buffered.flush()?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Small hand-made results shared by the format tests.

    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BooleanArray, Decimal128Array, DurationNanosecondArray, Float64Array, Int32Array,
        Int64Array, StringArray, TimestampNanosecondArray,
    };
    use arrow::datatypes::{Field, Schema};
    use arrow::record_batch::RecordBatch;
    use kql_syntax::ast::TypeName;

    use super::{Format, render};

    /// Nanoseconds since the epoch of an RFC 3339 text.
    pub fn ts(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_nanos_opt()
            .unwrap()
    }

    pub fn cols(spec: &[(&str, TypeName)]) -> Vec<(String, TypeName)> {
        spec.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    }

    /// A batch from unnamed arrays (field names `c0`, `c1`, ...).
    pub fn batch(arrays: Vec<ArrayRef>) -> RecordBatch {
        let fields: Vec<Field> = arrays
            .iter()
            .enumerate()
            .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
    }

    /// Every KQL type, three rows: ordinary values, awkward values, nulls.
    pub fn all_types() -> (Vec<(String, TypeName)>, Vec<RecordBatch>) {
        let columns = cols(&[
            ("b", TypeName::Bool),
            ("i", TypeName::Int),
            ("l", TypeName::Long),
            ("r", TypeName::Real),
            ("d", TypeName::Decimal),
            ("s", TypeName::String),
            ("t", TypeName::DateTime),
            ("ts", TypeName::TimeSpan),
            ("g", TypeName::Guid),
            ("dyn", TypeName::Dynamic),
        ]);
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            Arc::new(Int32Array::from(vec![Some(1), Some(i32::MIN), None])),
            Arc::new(Int64Array::from(vec![Some(42), Some(i64::MAX), None])),
            Arc::new(Float64Array::from(vec![Some(1.5), Some(f64::NAN), None])),
            Arc::new(
                Decimal128Array::from(vec![Some(12_345), Some(-5), None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            Arc::new(StringArray::from(vec![
                Some("héllo, \"wörld\""),
                Some(""),
                None,
            ])),
            Arc::new(TimestampNanosecondArray::from(vec![
                Some(ts("2026-11-20T03:04:05.1Z")),
                Some(ts("1960-01-02T00:00:00Z")),
                None,
            ])),
            Arc::new(DurationNanosecondArray::from(vec![
                Some(180_000_000_000),
                Some(-93_784_500_000_000),
                None,
            ])),
            Arc::new(StringArray::from(vec![
                Some("7f1d2a3b-0000-4c5d-8e9f-0123456789ab"),
                Some(""),
                None,
            ])),
            Arc::new(StringArray::from(vec![
                Some(r#"{"b": [1, {"c": null}], "a": "x\ny"}"#),
                Some("not json"),
                None,
            ])),
        ];
        (columns, vec![batch(arrays)])
    }

    /// Renders to a `String` (text formats).
    pub fn render_text(
        format: Format,
        columns: &[(String, TypeName)],
        batches: &[RecordBatch],
    ) -> String {
        let mut out = Vec::new();
        render(format, columns, batches, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array};

    use super::testutil::{batch, cols};
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Ndjson);
        assert!("xml".parse::<Format>().is_err());
        assert!(Format::Parquet.is_binary());
        assert!(!Format::Table.is_binary());
    }

    #[test]
    fn column_count_mismatch_is_an_error() {
        let columns = cols(&[("a", TypeName::Long), ("b", TypeName::Long)]);
        let arrays: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![1]))];
        let batches = [batch(arrays)];
        for f in Format::ALL {
            let err = render(f, &columns, &batches, &mut Vec::new()).unwrap_err();
            assert!(matches!(
                err,
                RenderError::ColumnCount {
                    expected: 2,
                    found: 1
                }
            ));
            assert_eq!(
                err.to_string(),
                "result batch has 1 columns but the result declares 2"
            );
        }
    }
}
