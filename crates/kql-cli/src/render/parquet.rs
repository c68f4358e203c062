//! Parquet renderer: the batches as one Parquet file (zstd), written with
//! [`ArrowWriter`]. Each field is named after its result column and carries its
//! KQL type in the Arrow field metadata under [`KQL_TYPE_KEY`]; the writer also
//! embeds the Arrow schema, so reading the file back with arrow gives the same
//! Arrow types (timespan `Duration` included) and the KQL types.
//!
//! The Arrow types of the first batch are the file's; later batches are cast to
//! them if they differ. With no batches at all, the file still has the schema,
//! built from the KQL types ([`arrow_type_of`]).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_syntax::ast::TypeName;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::RenderError;

/// Arrow field metadata key holding a column's KQL type name (`long`, `dynamic`, ...).
pub const KQL_TYPE_KEY: &str = "kql.type";

/// The Arrow type used for a KQL type when a result has no batches to take it
/// from: `Decimal128(38, 18)` for decimal, `Timestamp(Nanosecond, UTC)` for
/// datetime, `Duration(Nanosecond)` for timespan, `Utf8` for string, guid and
/// dynamic.
pub fn arrow_type_of(kql: TypeName) -> DataType {
    match kql {
        TypeName::Bool => DataType::Boolean,
        TypeName::Int => DataType::Int32,
        TypeName::Long => DataType::Int64,
        TypeName::Real => DataType::Float64,
        TypeName::Decimal => DataType::Decimal128(38, 18),
        TypeName::String | TypeName::Guid | TypeName::Dynamic => DataType::Utf8,
        TypeName::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        TypeName::TimeSpan => DataType::Duration(TimeUnit::Nanosecond),
    }
}

fn schema_of(columns: &[(String, TypeName)], first: Option<&RecordBatch>) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, kql))| {
            let (data_type, nullable, mut metadata) = match first {
                Some(batch) => {
                    let f = batch.schema_ref().field(i).clone();
                    (f.data_type().clone(), f.is_nullable(), f.metadata().clone())
                }
                None => (arrow_type_of(*kql), true, HashMap::new()),
            };
            metadata.insert(KQL_TYPE_KEY.to_owned(), kql.as_str().to_owned());
            Field::new(name, data_type, nullable).with_metadata(metadata)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// `batch` with `schema` (names, metadata, nullability; types cast when they differ).
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, RenderError> {
    let arrays = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(array, field)| {
            if array.data_type() == field.data_type() {
                Ok(array.clone())
            } else {
                cast(array.as_ref(), field.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
}

pub(crate) fn render(
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut schema = schema_of(columns, batches.first());
    // Nullability is fixed at file creation: relax it up front if any batch has
    // nulls where the first batch's field says non-nullable.
    if batches.iter().any(|b| {
        b.columns()
            .iter()
            .zip(schema.fields())
            .any(|(a, f)| !f.is_nullable() && a.null_count() > 0)
    }) {
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        schema = Arc::new(Schema::new(fields));
    }
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    // ArrowWriter needs a `Send` sink; write into a buffer and move its bytes
    // to `out` after every batch (the writer only appends to it), so no more
    // than about one row group is held in memory.
    let mut writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))?;
    for batch in batches {
        writer.write(&conform(batch, &schema)?)?;
        let buffered = writer.inner_mut();
        out.write_all(buffered)?;
        buffered.clear();
    }
    let rest = writer.into_inner()?;
    out.write_all(&rest)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray, StringViewArray};
    use arrow::datatypes::{DataType, DurationNanosecondType, Field, Schema, TimeUnit};
    use arrow::record_batch::RecordBatch;
    use std::io::{Seek, Write};

    use kql_syntax::ast::TypeName;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::super::testutil::{all_types, batch, cols};
    use super::super::{Format, render};
    use super::KQL_TYPE_KEY;

    fn write(columns: &[(String, TypeName)], batches: &[RecordBatch]) -> Vec<u8> {
        let mut out = Vec::new();
        render(Format::Parquet, columns, batches, &mut out).unwrap();
        out
    }

    fn file(bytes: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.rewind().unwrap();
        f
    }

    fn read(bytes: Vec<u8>) -> Vec<RecordBatch> {
        ParquetRecordBatchReaderBuilder::try_new(file(&bytes))
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    }

    #[test]
    fn round_trip_all_types() {
        let (columns, batches) = all_types();
        let bytes = write(&columns, &batches);
        assert_eq!(&bytes[..4], b"PAR1");
        let back = read(bytes);
        assert_eq!(back.len(), 1);
        let got = &back[0];
        for (field, (name, kql)) in got.schema().fields().iter().zip(&columns) {
            assert_eq!(field.name(), name);
            assert_eq!(
                field.metadata().get(KQL_TYPE_KEY).map(String::as_str),
                Some(kql.as_str())
            );
        }
        for (i, original) in batches[0].columns().iter().enumerate() {
            assert_eq!(
                got.column(i).data_type(),
                original.data_type(),
                "column {i}"
            );
            assert_eq!(got.column(i).to_data(), original.to_data(), "column {i}");
        }
        // The timespan column comes back as a Duration with negative values intact.
        let ts = got.column(7).as_primitive::<DurationNanosecondType>();
        assert_eq!(ts.value(1), -93_784_500_000_000);
        assert!(ts.is_null(2));
    }

    #[test]
    fn many_batches_and_type_drift() {
        let columns = cols(&[("n", TypeName::Long), ("s", TypeName::String)]);
        let b1 = batch(vec![
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
            Arc::new(StringArray::from(vec!["a", "ü"])),
        ]);
        // Same logical column as a Utf8View in a later batch, with a null, and a
        // first batch that declared the fields non-nullable.
        let b1 = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("x", DataType::Int64, false),
                Field::new("y", DataType::Utf8, false),
            ])),
            b1.columns().to_vec(),
        )
        .unwrap();
        let b2 = batch(vec![
            Arc::new(Int64Array::from(vec![None, Some(3)])) as ArrayRef,
            Arc::new(StringViewArray::from(vec![Some(""), None])),
        ]);
        let back = read(write(&columns, &[b1, b2]));
        let rows: usize = back.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 4);
        let all = arrow::compute::concat_batches(&back[0].schema(), &back).unwrap();
        assert_eq!(all.schema().field(0).name(), "n");
        assert_eq!(all.schema().field(1).data_type(), &DataType::Utf8);
        let s = all.column(1).as_string::<i32>();
        assert_eq!(s.value(1), "ü");
        assert!(s.is_null(3));
        assert!(all.column(0).is_null(2));
    }

    #[test]
    fn empty_result_keeps_schema() {
        let columns = cols(&[
            ("t", TypeName::DateTime),
            ("d", TypeName::TimeSpan),
            ("dyn", TypeName::Dynamic),
        ]);
        let bytes = write(&columns, &[]);
        let builder = ParquetRecordBatchReaderBuilder::try_new(file(&bytes)).unwrap();
        let schema = builder.schema().clone();
        assert_eq!(
            schema.field(0).data_type(),
            &DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
        );
        assert_eq!(
            schema.field(1).data_type(),
            &DataType::Duration(TimeUnit::Nanosecond)
        );
        assert_eq!(
            schema
                .field(2)
                .metadata()
                .get(KQL_TYPE_KEY)
                .map(String::as_str),
            Some("dynamic")
        );
        let rows: usize = builder
            .build()
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 0);
    }
}
