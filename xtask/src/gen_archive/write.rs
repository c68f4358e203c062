//! Writes one table: chunk by chunk, builds the row context, plants, builds the Arrow
//! columns of the file's schema and streams them through a Parquet `ArrowWriter`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Encoding;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::Result;
use super::columns::{ColSpec, Value, build_column};
use super::layout::FilePlan;
use super::plant::{self, PlantCtx, PlantKind, Record, WindowPlant};
use super::schema::{KqlType, TableSchema};
use super::tables::{self, TableDef, make_ctx};
use super::values::{Pools, kusto_datetime, mix};
use super::window;

/// Rows per Arrow batch.
const CHUNK_ROWS: usize = 8192;

/// What was written to one file (part of the manifest).
#[derive(Serialize, Clone, Debug)]
pub struct FileReport {
    pub path: String,
    pub rows: usize,
    pub row_groups: usize,
    pub bytes: u64,
    pub time_column: &'static str,
    pub time_min: Option<String>,
    pub time_max: Option<String>,
    pub timestamp_unit: &'static str,
    pub timestamp_tz: Option<String>,
    pub compression: String,
    pub column_order: &'static str,
    pub columns: usize,
    pub missing_columns: Vec<String>,
}

/// Run-wide settings the writer needs.
pub struct WriteSettings<'a> {
    pub out: &'a Path,
    pub seed: u64,
    pub plant_rate: u64,
    pub row_group_size: usize,
    pub pools: &'a Pools,
    /// The end of the archive's window: `now` of the rule-window scenarios.
    pub now: i64,
}

/// Writes all files of a table and returns their reports.
pub fn write_table(
    table_index: u64,
    def: &TableDef,
    schema: &TableSchema,
    plans: &[FilePlan],
    settings: &WriteSettings,
    record: &mut Record,
) -> Result<Vec<FileReport>> {
    for col in def.drift {
        schema.column(col)?;
    }
    schema.column(def.time_column)?;
    let specs: Vec<ColSpec> = schema.columns.iter().map(|c| (def.spec)(&c.name)).collect();
    let id_prefix = tables::id_prefix(def.name);
    let mut ordinals = BTreeMap::new();
    let mut used_ms = BTreeSet::new();
    // Rule-window scenarios: fixed times; rate plants keep off them.
    let schedule = window::schedule(def.name, settings.now);
    for &(t, _) in &schedule {
        used_ms.insert(t);
    }
    let mut reports = Vec::with_capacity(plans.len());
    for plan in plans {
        let missing: Vec<&'static str> = if plan.drift {
            def.drift.to_vec()
        } else {
            Vec::new()
        };
        let mut file_cols: Vec<usize> = (0..schema.columns.len())
            .filter(|&i| !missing.contains(&schema.columns[i].name.as_str()))
            .collect();
        if plan.sorted_columns {
            file_cols.sort_by(|&a, &b| schema.columns[a].name.cmp(&schema.columns[b].name));
        }
        let arrow_schema = Arc::new(Schema::new(
            file_cols
                .iter()
                .map(|&i| schema.columns[i].field(&plan.ts))
                .collect::<Vec<_>>(),
        ));
        let mut select_rng =
            StdRng::seed_from_u64(mix(&[settings.seed, table_index, plan.index as u64, 1]));
        let plants = plant::select(
            def,
            plan.rows,
            plan.row_offset,
            settings.plant_rate,
            &mut select_rng,
            &mut ordinals,
        );
        // The newest file takes the scenarios, in its last rows without another plant.
        let mut window_rows: Vec<(usize, i64, usize)> = Vec::new();
        if plan.index + 1 == plans.len() && !schedule.is_empty() {
            let taken: BTreeSet<usize> = plants.iter().map(|p| p.row).collect();
            let mut tail: Vec<usize> = (0..plan.rows)
                .rev()
                .filter(|r| !taken.contains(r))
                .take(schedule.len())
                .collect();
            if tail.len() < schedule.len() || schedule[0].0 < plan.start_ns {
                return Err(format!(
                    "{}: the newest file ({} rows) cannot hold the {} rule-window rows; use more --rows",
                    def.name,
                    plan.rows,
                    schedule.len()
                )
                .into());
            }
            tail.reverse();
            window_rows = tail
                .into_iter()
                .zip(&schedule)
                .map(|(row, &(time, index))| (row, time, index))
                .collect();
        }

        let path = settings.out.join(&plan.rel_path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut props = WriterProperties::builder();
        for &ci in &file_cols {
            if schema.columns[ci].ty == KqlType::DateTime {
                let path = ColumnPath::from(schema.columns[ci].name.as_str());
                props = props.set_column_dictionary_enabled(path.clone(), false);
                props = props.set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
            }
        }
        let props = props
            .set_compression(plan.compression)
            .set_max_row_group_row_count(Some(settings.row_group_size))
            .set_created_by("kql xtask gen-archive".to_string())
            .build();
        let file = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut writer =
            ArrowWriter::try_new(BufWriter::new(file), arrow_schema.clone(), Some(props))?;

        let span = (plan.end_ns - plan.start_ns) as i128;
        let step = (span / plan.rows.max(1) as i128).max(1) as i64;
        let (mut tmin, mut tmax) = (i64::MAX, i64::MIN);
        let mut next_plant = 0;
        for (chunk, chunk_start) in (0..plan.rows).step_by(CHUNK_ROWS).enumerate() {
            let n = CHUNK_ROWS.min(plan.rows - chunk_start);
            let chunk_seed = |col: u64| {
                mix(&[
                    settings.seed,
                    table_index,
                    plan.index as u64,
                    chunk as u64,
                    col,
                ])
            };
            let mut rng = StdRng::seed_from_u64(chunk_seed(u64::MAX));
            // Row i sits in its own slot of the file's span: times ascend within a file.
            let times = (chunk_start..chunk_start + n)
                .map(|i| {
                    let slot = plan.start_ns + (span * i as i128 / plan.rows as i128) as i64;
                    slot + rng.random_range(0..step)
                })
                .collect();
            let row0 = plan.row_offset + chunk_start as u64;
            let mut ctx = make_ctx(def, settings.pools, &id_prefix, row0, &mut rng, times);

            let mut overrides: Vec<Vec<(usize, Value)>> = vec![Vec::new(); schema.columns.len()];
            let mut pc = PlantCtx {
                table: def.name,
                missing: &missing,
                used_ms: &mut used_ms,
                record,
            };
            while let Some(p) = plants.get(next_plant).filter(|p| p.row < chunk_start + n) {
                let row = p.row - chunk_start;
                for (col, value) in plant::apply(p, &mut ctx, row, &mut pc)? {
                    if missing.contains(&col) {
                        continue;
                    }
                    let ci = schema
                        .index_of(col)
                        .ok_or_else(|| format!("plant sets unknown column {}.{col}", def.name))?;
                    overrides[ci].push((row, value));
                }
                next_plant += 1;
            }
            let in_chunk = |r: &&(usize, i64, usize)| (chunk_start..chunk_start + n).contains(&r.0);
            for &(row, time, index) in window_rows.iter().filter(in_chunk) {
                let row = row - chunk_start;
                let ov = window::apply(def.name, index, time, &mut ctx, row)?;
                record_window(def.name, index, time, &ov, &missing, &mut *pc.record)?;
                for (col, value) in ov {
                    if missing.contains(&col) {
                        continue;
                    }
                    let ci = schema
                        .index_of(col)
                        .ok_or_else(|| format!("plant sets unknown column {}.{col}", def.name))?;
                    overrides[ci].push((row, value));
                }
            }
            // Scenario rows may sit between rate plants: cells go in row order.
            for cells in &mut overrides {
                cells.sort_by_key(|(row, _)| *row);
            }

            for &t in &ctx.time {
                tmin = tmin.min(t);
                tmax = tmax.max(t);
            }
            let arrays = file_cols
                .iter()
                .map(|&ci| {
                    let mut rng = StdRng::seed_from_u64(chunk_seed(ci as u64));
                    build_column(
                        &schema.columns[ci],
                        &specs[ci],
                        &plan.ts,
                        &ctx,
                        &mut rng,
                        &overrides[ci],
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            writer.write(&RecordBatch::try_new(arrow_schema.clone(), arrays)?)?;
        }
        let meta = writer.close()?;
        let unit = plan.ts.nanos_per_unit();
        // The table's time column holds the event time, truncated to the file's unit.
        let render = |t: i64| kusto_datetime(t.div_euclid(unit) * unit);
        reports.push(FileReport {
            path: plan.rel_path.clone(),
            rows: plan.rows,
            row_groups: meta.num_row_groups(),
            bytes: fs::metadata(&path)?.len(),
            time_column: def.time_column,
            time_min: (plan.rows > 0).then(|| render(tmin)),
            time_max: (plan.rows > 0).then(|| render(tmax)),
            timestamp_unit: plan.ts.unit_name(),
            timestamp_tz: plan.ts.tz.as_deref().map(str::to_string),
            compression: plan.compression_name(),
            column_order: if plan.sorted_columns {
                "name"
            } else {
                "schema"
            },
            columns: file_cols.len(),
            missing_columns: missing.iter().map(|s| s.to_string()).collect(),
        });
    }
    Ok(reports)
}

/// Records a rule-window scenario row: its kind, and for the web tables its event.
fn record_window(
    table: &'static str,
    index: usize,
    time: i64,
    ov: &[(&'static str, Value)],
    missing: &[&'static str],
    record: &mut Record,
) -> Result<()> {
    let (hit, what, event) = match table {
        "SquidProxy_CL" => (false, window::SQUID[index].what, None),
        _ => {
            let s = if table == "ASimWebSessionLogs" {
                &window::ASIM[index]
            } else {
                &window::CSL[index]
            };
            record.web.push(plant::web_event(table, time, ov, missing)?);
            (s.hit, s.what, Some(record.web.len() - 1))
        }
    };
    let kind = if hit {
        PlantKind::RuleWindowHit
    } else {
        PlantKind::RuleWindowOther
    };
    *record.counts.entry((table, kind)).or_default() += 1;
    record.window.push(WindowPlant {
        table,
        time_text: kusto_datetime(time),
        hit,
        what,
        event,
    });
    Ok(())
}
