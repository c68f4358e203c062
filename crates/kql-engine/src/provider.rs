//! The table provider of an archive table: drops the files a query's time
//! range cannot touch before DataFusion sees them.
//!
//! Archives are months of files and a rule reads minutes of them. Giving
//! DataFusion every file would make it read and decode every footer (and
//! page index) at each query, only to prune all their row groups. Instead
//! each file's min/max of every timestamp column is taken from the footer
//! when the table is loaded, and `scan` keeps only the files whose range
//! meets the bounds the pushed-down filters put on those columns
//! (`TimeGenerated >= t`, `between`, `==`, also through a cast). Files
//! without statistics for a bounded column are always kept. What is left is
//! scanned by a DataFusion `ListingTable`, which prunes row groups and pages
//! as usual.

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::TableType;
use datafusion::datasource::empty::EmptyTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;
use std::collections::HashMap;
use std::sync::Arc;

/// Timestamp column → (min, max) in ns since the epoch.
pub type TimeRanges = HashMap<String, (i64, i64)>;

/// One Parquet file of a table, with the value range of its timestamp columns.
#[derive(Debug, Clone)]
pub struct ArchiveFile {
    pub url: ListingTableUrl,
    /// Timestamp column → (min, max) in ns since the epoch, over all rows
    /// that are not null. A column is absent when a row group lacks
    /// statistics for it.
    pub time_ranges: TimeRanges,
}

/// The min/max (ns) of each timestamp column of a file, from its footer.
pub fn time_ranges(metadata: &ParquetMetaData, schema: &Schema) -> TimeRanges {
    let mut out = HashMap::new();
    let parquet_schema = metadata.file_metadata().schema_descr();
    for field in schema.fields() {
        let DataType::Timestamp(unit, _) = field.data_type() else {
            continue;
        };
        let Some((idx, _)) = parquet::arrow::parquet_column(parquet_schema, schema, field.name())
        else {
            continue;
        };
        let scale = match unit {
            TimeUnit::Second => 1_000_000_000,
            TimeUnit::Millisecond => 1_000_000,
            TimeUnit::Microsecond => 1_000,
            TimeUnit::Nanosecond => 1,
        };
        let mut range: Option<(i64, i64)> = None;
        let mut known = true;
        for rg in metadata.row_groups() {
            let chunk = rg.column(idx);
            match chunk.statistics() {
                Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(lo), Some(hi)) => {
                        let (lo, hi) = (lo.saturating_mul(scale), hi.saturating_mul(scale));
                        range = Some(match range {
                            Some((a, b)) => (a.min(lo), b.max(hi)),
                            None => (lo, hi),
                        });
                    }
                    // every value null: the group matches no range
                    _ if s.null_count_opt() == Some(u64::try_from(rg.num_rows()).unwrap_or(0)) => {}
                    _ => known = false,
                },
                _ => known = false,
            }
        }
        if known {
            // a file of nulls only: an empty range no bound meets
            out.insert(field.name().clone(), range.unwrap_or((i64::MAX, i64::MIN)));
        }
    }
    out
}

/// An archive table: its files, scanned through a `ListingTable` of the
/// files a query can touch.
#[derive(Debug)]
pub struct ArchiveProvider {
    name: String,
    schema: SchemaRef,
    files: Vec<ArchiveFile>,
    /// The listing of every file, kept so its statistics cache serves the
    /// queries that need them all.
    all: Arc<ListingTable>,
}

impl ArchiveProvider {
    pub fn try_new(name: &str, schema: SchemaRef, files: Vec<ArchiveFile>) -> Result<Self> {
        let all = Arc::new(listing(
            &schema,
            files.iter().map(|f| f.url.clone()).collect(),
        )?);
        Ok(ArchiveProvider {
            name: name.to_string(),
            schema,
            files,
            all,
        })
    }

    /// The files whose timestamp ranges meet every bound of `filters`.
    fn files_for(&self, filters: &[Expr]) -> Vec<&ArchiveFile> {
        let mut bounds: HashMap<String, (i64, i64)> = HashMap::new();
        for f in filters {
            collect_bounds(f, &mut bounds);
        }
        self.files
            .iter()
            .filter(|file| {
                bounds
                    .iter()
                    .all(|(col, (lo, hi))| match file.time_ranges.get(col) {
                        Some((min, max)) => max >= lo && min <= hi,
                        None => true,
                    })
            })
            .collect()
    }
}

fn listing(schema: &SchemaRef, urls: Vec<ListingTableUrl>) -> Result<ListingTable> {
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema.clone());
    ListingTable::try_new(config)
}

#[async_trait]
impl TableProvider for ArchiveProvider {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Pruned by file and row group, then evaluated while decoding: the
        // filter stays above the scan too.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let kept = self.files_for(filters);
        if kept.len() == self.files.len() {
            return self.all.scan(state, projection, filters, limit).await;
        }
        if kept.is_empty() {
            return EmptyTable::new(self.schema.clone())
                .scan(state, projection, filters, limit)
                .await;
        }
        let urls = kept.iter().map(|f| f.url.clone()).collect();
        listing(&self.schema, urls)
            .map_err(|e| e.context(format!("table '{}'", self.name)))?
            .scan(state, projection, filters, limit)
            .await
    }
}

/// Tighten `bounds` (column → inclusive ns range) with what `e`, a
/// conjunct of the scan's filter, says about a timestamp column.
fn collect_bounds(e: &Expr, bounds: &mut HashMap<String, (i64, i64)>) {
    let mut tighten = |col: &str, lo: i64, hi: i64| {
        let b = bounds
            .entry(col.to_string())
            .or_insert((i64::MIN, i64::MAX));
        b.0 = b.0.max(lo);
        b.1 = b.1.min(hi);
    };
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            if *op == Operator::And {
                collect_bounds(left, bounds);
                collect_bounds(right, bounds);
                return;
            }
            let (col, op, v) = match (time_column(left), timestamp_ns(right)) {
                (Some(c), Some(v)) => (c, *op, v),
                _ => match (timestamp_ns(left), time_column(right)) {
                    (Some(v), Some(c)) => match op.swap() {
                        Some(op) => (c, op, v),
                        None => return,
                    },
                    _ => return,
                },
            };
            match op {
                Operator::Gt | Operator::GtEq => tighten(col, v, i64::MAX),
                Operator::Lt | Operator::LtEq => tighten(col, i64::MIN, v),
                Operator::Eq => tighten(col, v, v),
                _ => {}
            }
        }
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => {
            if let (Some(col), Some(lo), Some(hi)) =
                (time_column(expr), timestamp_ns(low), timestamp_ns(high))
            {
                tighten(col, lo, hi);
            }
        }
        _ => {}
    }
}

/// The column `e` reads, when it is a column or a cast of one (a cast
/// between timestamp units keeps the order).
fn time_column(e: &Expr) -> Option<&str> {
    match e {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(c) if matches!(c.field.data_type(), DataType::Timestamp(..)) => {
            time_column(&c.expr)
        }
        Expr::TryCast(c) if matches!(c.field.data_type(), DataType::Timestamp(..)) => {
            time_column(&c.expr)
        }
        _ => None,
    }
}

/// A timestamp literal in ns since the epoch.
fn timestamp_ns(e: &Expr) -> Option<i64> {
    let Expr::Literal(v, _) = e else {
        return None;
    };
    match v {
        ScalarValue::TimestampNanosecond(Some(v), _) => Some(*v),
        ScalarValue::TimestampMicrosecond(Some(v), _) => v.checked_mul(1_000),
        ScalarValue::TimestampMillisecond(Some(v), _) => v.checked_mul(1_000_000),
        ScalarValue::TimestampSecond(Some(v), _) => v.checked_mul(1_000_000_000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::Column;
    use datafusion::logical_expr::{cast, lit};

    /// A column by its exact name (`col` would fold it to lower case).
    fn c(name: &str) -> Expr {
        Expr::Column(Column::from_name(name))
    }

    fn ts(v: i64) -> Expr {
        lit(ScalarValue::TimestampNanosecond(Some(v), None))
    }

    fn bounds_of(filters: &[Expr]) -> HashMap<String, (i64, i64)> {
        let mut b = HashMap::new();
        for f in filters {
            collect_bounds(f, &mut b);
        }
        b
    }

    #[test]
    fn comparisons_between_and_casts_bound_the_column() {
        let b = bounds_of(&[c("T").gt_eq(ts(10)).and(c("T").lt_eq(ts(20)))]);
        assert_eq!(b["T"], (10, 20));
        let b = bounds_of(&[ts(10).lt(c("T")), c("T").between(ts(5), ts(15))]);
        assert_eq!(b["T"], (10, 15));
        let micros = lit(ScalarValue::TimestampMicrosecond(Some(3), None));
        let b =
            bounds_of(&[cast(c("T"), DataType::Timestamp(TimeUnit::Nanosecond, None)).eq(micros)]);
        assert_eq!(b["T"], (3000, 3000));
    }

    #[test]
    fn disjunctions_negations_and_other_types_bound_nothing() {
        let b = bounds_of(&[
            c("T").gt(ts(10)).or(c("T").lt(ts(0))),
            c("T").not_between(ts(1), ts(2)),
            c("N").gt(lit(5i64)),
            cast(c("S"), DataType::Utf8).gt(ts(1)),
        ]);
        assert!(b.is_empty(), "{b:?}");
    }
}
