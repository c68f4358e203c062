//! Text fields → Arrow columns of declared KQL types, for the data that
//! comes from outside the archive (feeds, watchlists).
//!
//! A field that does not parse as its column's type is null; a missing field
//! is null; a string is never null (""). `dynamic` keeps valid JSON as it is
//! and wraps any other text as a JSON string.

use arrow::array::{ArrayRef, DurationNanosecondArray, StringArray, new_null_array};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use kql_planner::types::arrow_type;
use kql_planner::{BoundColumn, KqlType};
use std::sync::Arc;

/// Rows being collected for a fixed list of typed columns.
pub struct TypedColumns {
    columns: Vec<BoundColumn>,
    texts: Vec<Vec<Option<String>>>,
    batches: Vec<RecordBatch>,
}

impl TypedColumns {
    pub fn new(columns: &[BoundColumn]) -> Self {
        TypedColumns {
            columns: columns.to_vec(),
            texts: vec![Vec::new(); columns.len()],
            batches: Vec::new(),
        }
    }

    pub fn columns(&self) -> &[BoundColumn] {
        &self.columns
    }

    /// One record: field i goes to column i; missing fields are null, extra
    /// fields are dropped.
    pub fn push_row(&mut self, fields: &[Option<&str>]) {
        for (i, texts) in self.texts.iter_mut().enumerate() {
            texts.push(fields.get(i).copied().flatten().map(str::to_string));
        }
    }

    pub fn schema(&self) -> SchemaRef {
        schema_of(&self.columns)
    }

    /// The collected rows as record batches of the declared schema.
    pub fn finish(mut self) -> Result<Vec<RecordBatch>, String> {
        let has_rows = self.texts.first().is_some_and(|t| !t.is_empty());
        if has_rows {
            let schema = self.schema();
            let arrays = self
                .columns
                .iter()
                .zip(std::mem::take(&mut self.texts))
                .map(|(c, texts)| typed_array(c.ty, texts))
                .collect::<Result<Vec<_>, _>>()?;
            self.batches
                .push(RecordBatch::try_new(schema, arrays).map_err(|e| e.to_string())?);
        }
        Ok(self.batches)
    }
}

pub fn schema_of(columns: &[BoundColumn]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(&c.name, arrow_type(c.ty), true))
            .collect::<Vec<_>>(),
    ))
}

fn typed_array(ty: KqlType, texts: Vec<Option<String>>) -> Result<ArrayRef, String> {
    let len = texts.len();
    Ok(match ty {
        KqlType::String | KqlType::Guid => Arc::new(StringArray::from_iter_values(
            texts.into_iter().map(|t| t.unwrap_or_default()),
        )),
        KqlType::Dynamic => Arc::new(
            texts
                .into_iter()
                .map(|t| t.filter(|s| !s.is_empty()).map(|s| dynamic_text(&s)))
                .collect::<StringArray>(),
        ),
        KqlType::TimeSpan => Arc::new(
            texts
                .into_iter()
                .map(|t| t.and_then(|s| kql_functions::timespan::parse_timespan(&s)))
                .collect::<DurationNanosecondArray>(),
        ),
        KqlType::Bool => {
            let a: ArrayRef = Arc::new(
                texts
                    .into_iter()
                    .map(|t| t.map(|s| s.trim().to_ascii_lowercase()))
                    .collect::<StringArray>(),
            );
            cast_safe(&a, &DataType::Boolean)?
        }
        _ => {
            let a: ArrayRef = Arc::new(
                texts
                    .into_iter()
                    .map(|t| t.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
                    .collect::<StringArray>(),
            );
            let want = arrow_type(ty);
            if a.null_count() == len {
                new_null_array(&want, len)
            } else {
                cast_safe(&a, &want)?
            }
        }
    })
}

fn cast_safe(a: &ArrayRef, to: &DataType) -> Result<ArrayRef, String> {
    let options = CastOptions {
        safe: true,
        ..Default::default()
    };
    cast_with_options(a, to, &options).map_err(|e| e.to_string())
}

/// Text as a dynamic value: JSON as it is, anything else a JSON string.
fn dynamic_text(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => v.to_string(),
        Err(_) => serde_json::Value::String(s.to_string()).to_string(),
    }
}

/// A Parquet file's columns, matched to the declared columns by name (else
/// by position) and cast to their types.
pub fn read_parquet(bytes: &[u8], out: &mut TypedColumns) -> Result<(), String> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let data = bytes::Bytes::copy_from_slice(bytes);
    let reader = ParquetRecordBatchReaderBuilder::try_new(data)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    let schema = out.schema();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let mut arrays = Vec::with_capacity(out.columns.len());
        for (i, c) in out.columns.iter().enumerate() {
            let source = batch
                .column_by_name(&c.name)
                .or_else(|| batch.columns().get(i))
                .cloned();
            let want = arrow_type(c.ty);
            arrays.push(match source {
                Some(a) if a.data_type() == &want => a,
                Some(a) => cast_safe(&a, &want)?,
                None => new_null_array(&want, batch.num_rows()),
            });
        }
        out.batches
            .push(RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array, TimestampNanosecondArray};

    #[test]
    fn fields_are_typed_and_bad_ones_are_null() {
        let cols = vec![
            BoundColumn::new("s", KqlType::String),
            BoundColumn::new("n", KqlType::Long),
            BoundColumn::new("t", KqlType::DateTime),
            BoundColumn::new("d", KqlType::Dynamic),
        ];
        let mut t = TypedColumns::new(&cols);
        t.push_row(&[
            Some(" a "),
            Some("12"),
            Some("2026-01-02T03:04:05Z"),
            Some("[1,2]"),
        ]);
        t.push_row(&[Some("b"), Some("x"), Some("not a date"), Some("plain")]);
        t.push_row(&[Some("c")]);
        let b = &t.finish().unwrap()[0];
        let s = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((s.value(0), s.value(2)), (" a ", "c"));
        let n = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!((n.value(0), n.is_null(1), n.is_null(2)), (12, true, true));
        let ts = b
            .column(2)
            .as_any()
            .downcast_ref::<TimestampNanosecondArray>()
            .unwrap();
        assert!(ts.is_valid(0) && ts.is_null(1));
        let d = b.column(3).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((d.value(0), d.value(1)), ("[1,2]", "\"plain\""));
        assert!(d.is_null(2));
    }
}
