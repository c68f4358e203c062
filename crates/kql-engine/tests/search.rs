//! `search` over the archive's tables: without `in (...)` it reads every
//! table (the catalog loads them all for the word `search`), and `$table`
//! names each row's table, also for a piped table.

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

/// A one-file table with a string column `Text` and a long column `N`.
fn write_table(root: &Path, table: &str, texts: &[&str]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Text", DataType::Utf8, true),
        Field::new("N", DataType::Int64, true),
    ]));
    let text: ArrayRef = Arc::new(StringArray::from(texts.to_vec()));
    let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..texts.len() as i64));
    let batch = RecordBatch::try_new(schema.clone(), vec![text, n]).expect("batch");
    let path = root.join(table).join("part.parquet");
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).expect("create"), schema, None)
        .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// The first column of the result, as text, sorted.
async fn first_column(s: &KqlSession, q: &str) -> Vec<String> {
    let r = s.run(q).await.expect("query runs");
    let mut out = Vec::new();
    for b in &r[0].batches {
        for i in 0..b.num_rows() {
            out.push(arrow::util::display::array_value_to_string(b.column(0), i).expect("cell"));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn search_reads_every_table_and_names_each_rows_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_table(dir.path(), "Alpha", &["xmrig miner", "quiet"]);
    write_table(dir.path(), "Beta", &["nothing", "XMRig again"]);
    let s = KqlSession::open(SessionOptions::new(dir.path())).expect("session");

    assert_eq!(
        first_column(&s, r#"search "xmrig" | project ["$table"]"#).await,
        ["Alpha", "Beta"]
    );
    assert_eq!(
        first_column(
            &s,
            r#"search kind=case_sensitive "XMRig" | project ["$table"]"#
        )
        .await,
        ["Beta"]
    );
    assert_eq!(
        first_column(
            &s,
            r#"Beta | where N >= 0 | search "again" | project ["$table"]"#
        )
        .await,
        ["Beta"]
    );
    assert_eq!(
        first_column(&s, r#"search in (Al*) * | project ["$table"]"#).await,
        ["Alpha", "Alpha"]
    );
}
