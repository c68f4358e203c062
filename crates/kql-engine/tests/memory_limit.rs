//! With a memory limit, `summarize`, sorts and joins spill to disk instead
//! of failing: a grouping, a sort and joins of every kind whose inputs are
//! several times the limit complete with the answers an unlimited session
//! gives. What cannot spill (one group's `make_list`) fails with a clear
//! diagnostic.

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

const ROWS: i64 = 400_000;

/// `ROWS` rows: a key (each twice over the table, from `first_key` on), a
/// 100-byte payload.
fn write_table(path: &Path, salt: &str, first_key: i64) {
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
        let keys: ArrayRef = Arc::new(Int64Array::from_iter_values(
            ids.clone().map(|i| first_key + i / 2),
        ));
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
    limited(dir, Some(limit))
}

fn limited(dir: &Path, limit: Option<usize>) -> KqlSession {
    let mut options = SessionOptions::new(dir);
    options.target_partitions = Some(2);
    options.memory_limit = limit;
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
    write_table(&dir.path().join("Left/part.parquet"), "l", 0);
    // ~40 MB of distinct group keys under a 16 MB limit
    let s = session(dir.path(), 16 << 20);
    let group = "Left | summarize c = count() by Payload | where c == 1 | count";
    assert_eq!(first_cell(&s, group).await, ROWS.to_string());
    // and a sort of all of it
    let sort = "Left | order by Payload asc | take 1 | project Payload";
    assert_eq!(first_cell(&s, sort).await, format!("l-{:0>96}", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_bigger_than_the_limit_spill_and_give_the_unlimited_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two 40 MB tables; half of each side's keys meet the other's.
    write_table(&dir.path().join("Left/part.parquet"), "l", 0);
    write_table(&dir.path().join("Right/part.parquet"), "r", ROWS / 4);
    let small = session(dir.path(), 16 << 20);
    let free = limited(dir.path(), None);
    let all_columns = "summarize n = count(), keys = dcount(Key), \
                       longest = max(strlen(strcat(Payload, '/', Payload1))), \
                       last = max(strcat(Payload, '/', Payload1))";
    for kind in [
        "innerunique",
        "inner",
        "leftouter",
        "rightouter",
        "fullouter",
        "leftsemi",
        "rightsemi",
        "leftanti",
        "rightanti",
    ] {
        let summary = if kind.ends_with("semi") || kind.ends_with("anti") {
            "summarize n = count(), keys = dcount(Key), last = max(Payload)"
        } else {
            all_columns
        };
        let q = format!("Left | join kind={kind} (Right) on Key | {summary}");
        let spilled = all_cells(&small, &q).await;
        assert_eq!(spilled, all_cells(&free, &q).await, "{kind}");
        assert_ne!(spilled[0], "0", "{kind} joins some rows");
    }
    // A key computed on each side, a `summarize` by the key below the join,
    // and `lookup`.
    for q in [
        "Left | extend K = Key % 5000 | join kind=inner (Right | extend K = Key % 5000 \
         | summarize Payload = max(Payload) by K) on K | summarize count(), max(Payload1)",
        "Left | lookup (Right | summarize Payload = min(Payload) by Key) on Key \
         | summarize count(), countif(isempty(Payload1)), max(Payload1)",
    ] {
        assert_eq!(all_cells(&small, q).await, all_cells(&free, q).await, "{q}");
    }
}

/// Every cell of the first row, as text.
async fn all_cells(s: &KqlSession, q: &str) -> Vec<String> {
    let r = s.run(q).await.unwrap_or_else(|d| panic!("{q}: {d:?}"));
    let b = &r[0].batches[0];
    (0..b.num_columns())
        .map(|c| arrow::util::display::array_value_to_string(b.column(c), 0).expect("cell"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_memory_is_a_clear_error_that_names_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_table(&dir.path().join("Left/part.parquet"), "l", 0);
    // One group's list cannot spill: 40 MB of payloads in a 4 MB limit
    // fail with a diagnostic, not a panic.
    let s = session(dir.path(), 4 << 20);
    let list = "Left | summarize l = make_list(Payload) | project n = array_length(l)";
    let e = s.run(list).await.expect_err("4 MB cannot hold the list");
    assert_eq!(e.code, kql_syntax::Code::ExecutionFailed);
    assert!(e.message.contains("ran out of memory"), "{}", e.message);
    assert!(
        e.hint.as_deref().unwrap_or("").contains("--memory-limit"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limited_session_plans_joins_a_partition_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_table(&dir.path().join("Left/part.parquet"), "l", 0);
    write_table(&dir.path().join("Right/part.parquet"), "r", 0);
    let q = "Left | join (Right) on Key | count";
    let plan = |s: KqlSession| async move {
        s.explain(q, kql_engine::Stage::Physical)
            .await
            .unwrap_or_else(|d| panic!("{q}: {d:?}"))
    };
    let planned = plan(session(dir.path(), 16 << 20)).await;
    let lines: Vec<&str> = planned.lines().map(str::trim).collect();
    let at = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}:\n{planned}"))
    };
    // Two of 64 hash partitions joined at a time ...
    assert!(
        lines[at("StridedPartitionsExec")].contains("streams=2, input_partitions=64"),
        "{planned}"
    );
    assert!(at("HashJoinExec: mode=Partitioned") > at("StridedPartitionsExec"));
    // ... and innerunique's de-duplication of the left side by the key runs
    // in the same partitions: its sort is above the 64-way split, which
    // replaced the planner's 2-way one.
    let sort = at("SortExec: expr=[Key@0 ASC");
    let split = at("RepartitionExec: partitioning=Hash([Key@0], 64)");
    assert!(sort < split, "{planned}");
    assert!(!planned.contains("], 2)"), "{planned}");
    // Without a limit, or when the build side (3 MB of keys) is far under
    // it, the plan is DataFusion's own.
    for s in [limited(dir.path(), None), session(dir.path(), 1 << 30)] {
        let free = plan(s).await;
        assert!(!free.contains("StridedPartitionsExec"), "{free}");
    }
}
