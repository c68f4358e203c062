//! The files of each table: paths, time ranges, row counts and storage formats.
//!
//! Per table, for a window of D days ending at `end` (the last 4 days are daily hive
//! partitions):
//!
//! | file | days | timestamps | compression | other |
//! |---|---|---|---|---|
//! | `part-0000.parquet` | the oldest 40 % of the rest | ms, no tz | snappy | lacks the table's drift columns |
//! | `part-0001.parquet` | the remaining days | µs, UTC | zstd | columns sorted by name |
//! | `date=<day>/part-0000.parquet` | day D-4 | ns, UTC | zstd | |
//! | ... | day D-3 | ns, no tz | zstd | |
//! | ... | day D-2 | µs, no tz | snappy | |
//! | ... | day D-1 | ms, UTC | zstd | |
//!
//! Rows are split in proportion to time span, so the event density is uniform.

use std::sync::Arc;

use arrow::datatypes::TimeUnit;
use parquet::basic::{Compression, ZstdLevel};

use super::Result;
use super::schema::TsFormat;
use super::values::date_of;

pub const DAY_NS: i64 = 86_400_000_000_000;
/// Daily hive partitions at the end of the window.
pub const HIVE_DAYS: i64 = 4;

/// One Parquet file to write.
#[derive(Clone, Debug)]
pub struct FilePlan {
    pub index: usize,
    /// Path relative to the archive root, `/`-separated.
    pub rel_path: String,
    pub start_ns: i64,
    pub end_ns: i64,
    pub rows: usize,
    /// Global row index (within the table) of the first row.
    pub row_offset: u64,
    pub ts: TsFormat,
    pub compression: Compression,
    /// The file lacks the table's drift columns.
    pub drift: bool,
    /// Columns are written sorted by name instead of in schema order.
    pub sorted_columns: bool,
}

impl FilePlan {
    pub fn compression_name(&self) -> String {
        match self.compression {
            Compression::SNAPPY => "snappy".into(),
            Compression::ZSTD(level) => format!("zstd({})", level.compression_level()),
            other => format!("{other:?}").to_lowercase(),
        }
    }
}

fn ts(unit: TimeUnit, utc: bool) -> TsFormat {
    TsFormat {
        unit,
        tz: utc.then(|| Arc::<str>::from("UTC")),
    }
}

/// Plans the files of `table` for `rows` rows over `days` days ending at `end_ns`.
pub fn plan(table: &str, rows: u64, end_ns: i64, days: i64) -> Result<Vec<FilePlan>> {
    if days < HIVE_DAYS + 2 {
        return Err(format!("--days must be at least {}", HIVE_DAYS + 2).into());
    }
    let start_ns = end_ns - days * DAY_NS;
    let rest = days - HIVE_DAYS;
    let first = (rest * 2 / 5).max(1);
    let zstd = Compression::ZSTD(ZstdLevel::try_new(3)?);
    let mut spans = vec![
        (
            start_ns,
            start_ns + first * DAY_NS,
            "part-0000.parquet".to_string(),
            ts(TimeUnit::Millisecond, false),
            Compression::SNAPPY,
        ),
        (
            start_ns + first * DAY_NS,
            start_ns + rest * DAY_NS,
            "part-0001.parquet".to_string(),
            ts(TimeUnit::Microsecond, true),
            zstd,
        ),
    ];
    let hive_formats = [
        (ts(TimeUnit::Nanosecond, true), zstd),
        (ts(TimeUnit::Nanosecond, false), zstd),
        (ts(TimeUnit::Microsecond, false), Compression::SNAPPY),
        (ts(TimeUnit::Millisecond, true), zstd),
    ];
    for (d, (format, compression)) in hive_formats.into_iter().enumerate() {
        let day_start = start_ns + (rest + d as i64) * DAY_NS;
        spans.push((
            day_start,
            day_start + DAY_NS,
            format!("date={}/part-0000.parquet", date_of(day_start)),
            format,
            compression,
        ));
    }
    let total = (end_ns - start_ns) as u128;
    let mut plans = Vec::with_capacity(spans.len());
    for (index, (s, e, name, ts, compression)) in spans.into_iter().enumerate() {
        // Cumulative split: the counts add up to `rows` exactly.
        let lo = (rows as u128 * (s - start_ns) as u128 / total) as u64;
        let hi = (rows as u128 * (e - start_ns) as u128 / total) as u64;
        plans.push(FilePlan {
            index,
            rel_path: format!("{table}/{name}"),
            start_ns: s,
            end_ns: e,
            rows: (hi - lo) as usize,
            row_offset: lo,
            ts,
            compression,
            drift: index == 0,
            sorted_columns: index == 1,
        });
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen_archive::values::parse_datetime;

    #[test]
    fn rows_add_up() {
        let end = parse_datetime("2026-06-20T00:00:00Z").unwrap();
        let plans = plan("T", 20_001, end, 30).unwrap();
        assert_eq!(plans.len(), 6);
        assert_eq!(plans.iter().map(|p| p.rows as u64).sum::<u64>(), 20_001);
        assert_eq!(plans[2].rel_path, "T/date=2026-06-16/part-0000.parquet");
        assert_eq!(plans[5].end_ns, end);
        assert_eq!(plans[0].start_ns, end - 30 * DAY_NS);
    }
}
