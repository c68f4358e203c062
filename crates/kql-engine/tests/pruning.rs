//! Files a query's time bounds cannot touch never reach the scan, and a
//! session re-reads a table only when its files change.

use arrow::array::{ArrayRef, Int64Array, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions, Stage};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

const DAY_NS: i64 = 86_400_000_000_000;
/// 2026-01-01T00:00:00Z
const JAN_1: i64 = 1_767_225_600 * 1_000_000_000;

/// A Parquet file of `rows` rows, one per hour from `start` (ns).
fn write_file(path: &Path, start: i64, rows: i64) {
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "TimeGenerated",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        ),
        Field::new("N", DataType::Int64, true),
    ]));
    let times: ArrayRef = Arc::new(TimestampNanosecondArray::from_iter_values(
        (0..rows).map(|i| start + i * DAY_NS / 24),
    ));
    let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows));
    let batch = RecordBatch::try_new(schema.clone(), vec![times, n]).expect("batch");
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).expect("create"), schema, None)
        .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

fn session(dir: &Path) -> KqlSession {
    let mut options = SessionOptions::new(dir);
    options.target_partitions = Some(1);
    KqlSession::open(options).expect("session")
}

async fn count(s: &KqlSession, q: &str) -> String {
    let r = s.run(q).await.expect("query runs");
    let b = &r[0].batches[0];
    arrow::util::display::array_value_to_string(b.column(0), 0).expect("cell")
}

#[tokio::test]
async fn time_bounds_leave_out_files_outside_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jan = dir.path().join("Events/jan.parquet");
    let feb = dir.path().join("Events/feb.parquet");
    write_file(&jan, JAN_1, 24);
    write_file(&feb, JAN_1 + 31 * DAY_NS, 48);
    let s = session(dir.path());

    let q = "Events | where TimeGenerated between (datetime(2026-02-01) .. datetime(2026-02-01T05:00:00Z)) | count";
    let plan = s.explain(q, Stage::Physical).await.expect("plan");
    assert!(plan.contains("feb.parquet"), "{plan}");
    assert!(!plan.contains("jan.parquet"), "{plan}");
    assert_eq!(count(&s, q).await, "6");

    // a bound no file meets: no file is scanned, and the answer is still right
    let none = "Events | where TimeGenerated > datetime(2027-01-01) | count";
    let plan = s.explain(none, Stage::Physical).await.expect("plan");
    assert!(!plan.contains(".parquet"), "{plan}");
    assert_eq!(count(&s, none).await, "0");

    // a disjunction bounds nothing: both files stay
    let either = "Events | where TimeGenerated < datetime(2026-01-01T02:00:00Z) or N == 47 | count";
    let plan = s.explain(either, Stage::Physical).await.expect("plan");
    assert!(
        plan.contains("jan.parquet") && plan.contains("feb.parquet"),
        "{plan}"
    );
    assert_eq!(count(&s, either).await, "3");
}

#[tokio::test]
async fn a_changed_file_is_read_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("Events/a.parquet");
    write_file(&f, JAN_1, 10);
    let s = session(dir.path());
    assert_eq!(count(&s, "Events | count").await, "10");
    assert_eq!(count(&s, "Events | count").await, "10");
    write_file(&f, JAN_1, 30);
    write_file(&dir.path().join("Events/b.parquet"), JAN_1, 5);
    assert_eq!(count(&s, "Events | count").await, "35");
}
