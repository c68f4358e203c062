//! `xtask join-bench`: joins of two generated tables too big for the memory
//! limit, through kql with `--memory-limit`, timed and checked.
//!
//! Both tables have `--rows` rows (default 10 million) of about 330 bytes:
//! a `Key` (each side a permutation of its key range; half of each side's
//! keys meet the other's), three 64-character hex digests and a command
//! line, as wide as a typical Defender row's hot columns. Each side is about
//! 3 GB once in memory, so under the default 2 GB limit no side fits and a
//! hash join must run a partition at a time and spill
//! (`kql-engine/src/join_spill`). The tables are written to
//! `target/join-archive-<rows>` the first time (or `--archive`).
//!
//! Every case summarises all columns of the join (so all of them travel
//! through it), checks the row count against the one the key ranges give,
//! and reports the wall time; the process's peak resident memory while
//! joining is printed at the end. Build with `--release` for real timings.

use arrow::array::{ArrayRef, Int64Array, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions};
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rows per table.
    #[arg(long, default_value_t = 10_000_000)]
    pub rows: u64,
    /// The memory limit of the session, in MiB.
    #[arg(long, default_value_t = 2048)]
    pub memory_limit_mb: usize,
    /// Archive folder (written there when it holds no join tables yet).
    #[arg(long)]
    pub archive: Option<PathBuf>,
    /// Only the cases whose name contains this text (e.g. `inner`).
    #[arg(long)]
    pub only: Option<String>,
}

/// Files per table, so the scan has work for every core.
const FILES: u64 = 4;
const BATCH: u64 = 65_536;

/// A join case: its kind, and the rows the key ranges say it returns.
struct Case {
    kind: &'static str,
    rows: fn(u64) -> u64,
}

const CASES: [Case; 5] = [
    Case {
        kind: "innerunique",
        rows: |n| n / 2,
    },
    Case {
        kind: "inner",
        rows: |n| n / 2,
    },
    Case {
        kind: "leftouter",
        rows: |n| n,
    },
    Case {
        kind: "fullouter",
        rows: |n| n + n / 2,
    },
    Case {
        kind: "leftanti",
        rows: |n| n - n / 2,
    },
];

pub fn run(args: &Args) -> Result<()> {
    if args.rows < 2 {
        return Err("--rows must be at least 2".into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let archive = args
        .archive
        .clone()
        .unwrap_or_else(|| root.join(format!("target/join-archive-{}", args.rows)));
    for (table, first_key) in [("JoinLeft", 0), ("JoinRight", (args.rows / 2) as i64)] {
        let dir = archive.join(table);
        if !dir.join(format!("part-{}.parquet", FILES - 1)).is_file() {
            let t = Instant::now();
            write_table(&dir, table, args.rows, first_key)?;
            eprintln!("wrote {} ({:.1?})", dir.display(), t.elapsed());
        }
    }
    // Writing the tables is not part of what is measured.
    reset_peak_resident();
    let mut options = SessionOptions::new(&archive);
    options.memory_limit = Some(args.memory_limit_mb << 20);
    let session = KqlSession::open(options)?;
    let runtime = tokio::runtime::Runtime::new()?;
    println!(
        "join-bench: 2 × {} rows, memory limit {} MiB",
        args.rows, args.memory_limit_mb
    );
    for case in CASES
        .iter()
        .filter(|c| args.only.as_deref().is_none_or(|o| c.kind.contains(o)))
    {
        let right_columns = if case.kind.ends_with("anti") {
            ""
        } else {
            ", max(RA), max(RB), max(RC), max(RD)"
        };
        let q = format!(
            "JoinLeft | join kind={} JoinRight on Key \
             | summarize n = count(), max(LA), max(LB), max(LC), max(LD){right_columns}",
            case.kind
        );
        let t = Instant::now();
        let result = runtime
            .block_on(session.run(&q))
            .map_err(|d| format!("{}: {}", case.kind, d.message))?;
        let elapsed = t.elapsed();
        let batch = &result[0].batches[0];
        let n = batch
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or("the count is not a long")?
            .value(0) as u64;
        let expected = (case.rows)(args.rows);
        if n != expected {
            return Err(format!("{}: {n} rows, expected {expected}", case.kind).into());
        }
        println!("{:<12} {:>12} rows {:>10.2?}", case.kind, n, elapsed);
    }
    if let Some(peak) = peak_resident_mib() {
        println!("peak resident memory of the process: {peak} MiB");
    }
    Ok(())
}

/// `rows` rows over `FILES` files: keys `first_key + perm(i)`, where perm is
/// a permutation of `0..rows`.
fn write_table(dir: &Path, table: &str, rows: u64, first_key: i64) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let side = if table == "JoinLeft" { "L" } else { "R" };
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "TimeGenerated",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            true,
        ),
        Field::new("Key", DataType::Int64, true),
        Field::new(format!("{side}A"), DataType::Utf8, true),
        Field::new(format!("{side}B"), DataType::Utf8, true),
        Field::new(format!("{side}C"), DataType::Utf8, true),
        Field::new(format!("{side}D"), DataType::Utf8, true),
    ]));
    let step = permutation_step(rows);
    let per_file = rows.div_ceil(FILES);
    let salt = u64::from(side == "R") << 40;
    for file in 0..FILES {
        let out = std::fs::File::create(dir.join(format!("part-{file}.parquet")))?;
        let mut writer = ArrowWriter::try_new(out, schema.clone(), None)?;
        let end = ((file + 1) * per_file).min(rows);
        let mut start = file * per_file;
        while start < end {
            let ids: Vec<u64> = (start..(start + BATCH).min(end)).collect();
            let digest = |tag: u64| -> ArrayRef {
                Arc::new(StringArray::from_iter_values(
                    ids.iter().map(|&i| hex_digest(salt ^ (tag << 48) ^ i)),
                ))
            };
            let columns: Vec<ArrayRef> = vec![
                Arc::new(
                    TimestampNanosecondArray::from_iter_values(
                        ids.iter()
                            .map(|&i| 1_767_225_600_000_000_000 + i as i64 * 1_000_000_000),
                    )
                    .with_timezone("UTC"),
                ),
                Arc::new(Int64Array::from_iter_values(ids.iter().map(|&i| {
                    first_key + ((i as u128 * step as u128) % rows as u128) as i64
                }))),
                digest(1),
                digest(2),
                digest(3),
                Arc::new(StringArray::from_iter_values(ids.iter().map(|&i| {
                    format!(
                        "CommandLine=powershell.exe -enc {}",
                        hex_digest(salt ^ (4 << 48) ^ i)
                    )
                }))),
            ];
            writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            start += BATCH;
        }
        writer.close()?;
    }
    Ok(())
}

/// A step coprime with `rows`, so `i * step % rows` visits every key once.
fn permutation_step(rows: u64) -> u64 {
    [7_919u64, 104_729, 1_299_709, 15_485_863]
        .into_iter()
        .find(|p| !rows.is_multiple_of(*p))
        .expect("a row count that is a multiple of all four primes is over 10^19")
}

/// 64 hex characters from a counter (splitmix64, four rounds).
fn hex_digest(seed: u64) -> String {
    let mut state = seed;
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

/// Start the peak resident set over (Linux; elsewhere the peak includes
/// writing the tables).
fn reset_peak_resident() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set (Linux `VmHWM`), in MiB.
fn peak_resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_a_permutation() {
        for rows in [2u64, 10, 7_919, 1_000] {
            let step = permutation_step(rows);
            let mut seen: Vec<u64> = (0..rows).map(|i| i * step % rows).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..rows).collect::<Vec<_>>(), "{rows}");
        }
    }

    #[test]
    fn digests_are_64_hex_characters() {
        let d = hex_digest(42);
        assert_eq!(d.len(), 64);
        assert!(d.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(d, hex_digest(43));
    }
}
