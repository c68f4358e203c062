//! With a memory limit, `summarize` and sorts spill to disk instead of
//! failing: a grouping and a sort whose inputs are several times the limit
//! complete with the right answers. Joins hold their build side in memory
//! (DataFusion 55 does not spill it reliably); over the limit they fail with
//! a clear diagnostic.

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

const ROWS: i64 = 400_000;

/// `ROWS` rows: a key (each twice over the table), a 100-byte payload.
fn write_table(path: &Path, salt: &str) {
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "TimeGenerated",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        ),
        Field::new("Key", DataType::Int64, true),
        Field::new("Payload", DataType::Utf8, true),
    ]));
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).expect("create"),
        schema.clone(),
        None,
    )
    .expect("writer");
    let chunk = 50_000;
    for start in (0..ROWS).step_by(chunk) {
        let ids = start..(start + chunk as i64).min(ROWS);
        let times: ArrayRef = Arc::new(TimestampNanosecondArray::from_iter_values(
            ids.clone().map(|i| 1_767_225_600_000_000_000 + i),
        ));
        let keys: ArrayRef = Arc::new(Int64Array::from_iter_values(ids.clone().map(|i| i / 2)));
        let payload: ArrayRef = Arc::new(StringArray::from_iter_values(
            ids.map(|i| format!("{salt}-{i:0>96}")),
        ));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![times, keys, payload]).expect("batch");
        w.write(&batch).expect("write");
    }
    w.close().expect("close");
}

fn session(dir: &Path, limit: usize) -> KqlSession {
    let mut options = SessionOptions::new(dir);
    options.target_partitions = Some(2);
    options.memory_limit = Some(limit);
    KqlSession::open(options).expect("session")
}

async fn first_cell(s: &KqlSession, q: &str) -> String {
    let r = s.run(q).await.unwrap_or_else(|d| panic!("{q}: {d:?}"));
    let b = &r[0].batches[0];
    arrow::util::display::array_value_to_string(b.column(0), 0).expect("cell")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summarize_bigger_than_the_limit_spills_and_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_table(&dir.path().join("Left/part.parquet"), "l");
    // ~40 MB of distinct group keys under a 16 MB limit
    let s = session(dir.path(), 16 << 20);
    let group = "Left | summarize c = count() by Payload | where c == 1 | count";
    assert_eq!(first_cell(&s, group).await, ROWS.to_string());
    // and a sort of all of it
    let sort = "Left | order by Payload asc | take 1 | project Payload";
    assert_eq!(first_cell(&s, sort).await, format!("l-{:0>96}", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_memory_is_a_clear_error_that_names_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_table(&dir.path().join("Left/part.parquet"), "l");
    write_table(&dir.path().join("Right/part.parquet"), "r");
    // A join's build side is held in memory (DataFusion's joins do not
    // spill); one far over the limit fails with a diagnostic, not a panic.
    let s = session(dir.path(), 4 << 20);
    let join = "Left | join kind=inner (Right) on Key \
                | summarize longest = max(strlen(strcat(Payload, Payload1)))";
    let e = s.run(join).await.expect_err("4 MB cannot hold the join");
    assert_eq!(e.code, kql_syntax::Code::ExecutionFailed);
    assert!(e.message.contains("ran out of memory"), "{}", e.message);
    assert!(
        e.hint.as_deref().unwrap_or("").contains("--memory-limit"),
        "{e:?}"
    );
}
