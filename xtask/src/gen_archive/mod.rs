//! `xtask gen-archive`: writes a synthetic Sentinel-like Parquet archive.
//!
//! An archive is a folder with one sub-folder per table (`CommonSecurityLog`,
//! `DeviceNetworkEvents`, `ASimWebSessionLogs`, `SquidProxy_CL`) holding Parquet files, some
//! under hive `date=YYYY-MM-DD` folders, plus `_expected/` with the planted answers of the
//! seed hunts and of the seed rule `UnusualUACryptoMiners`, and `manifest.json`. Output is a pure function of the arguments (seeded RNGs, fixed
//! window, no wall clock), so the same arguments give byte-identical files.
//!
//! Modules: [`schema`] (catalog types), [`values`] (pools, formatting), [`columns`]
//! (generators, Arrow builders), [`tables`] (per-table column specs), [`layout`] (files),
//! [`plant`] (planted rows), [`window`] (fixed rows around the rule's query period),
//! [`rule`] (the seed rule in plain Rust), [`write`] (Parquet), [`expected`] (`_expected/`),
//! [`verify`] (read-back check).

mod columns;
mod expected;
mod layout;
mod plant;
mod rule;
mod schema;
mod tables;
mod values;
mod verify;
mod window;
mod write;

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use expected::{ExpectedReport, Manifest, PlantedReport, TableReport};
use layout::DAY_NS;
use plant::Record;
use values::{Pools, kusto_datetime, parse_datetime};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Arguments of `gen-archive`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rows per table, split across the table's files.
    #[arg(long)]
    pub rows: u64,
    /// Archive root to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// One planted row of each kind (hit, near miss, ...) per this many rows.
    #[arg(long, default_value_t = 2000)]
    pub plant_rate: u64,
    /// End of the time window (exclusive), RFC 3339.
    #[arg(long, default_value = "2026-06-20T00:00:00Z")]
    pub end: String,
    /// Length of the time window in days (the last 4 are daily hive partitions).
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// Maximum rows per Parquet row group.
    #[arg(long, default_value_t = 65536)]
    pub row_group_size: usize,
    /// Only these tables (comma-separated); default all.
    #[arg(long, value_delimiter = ',')]
    pub tables: Vec<String>,
    /// Replace the table folders and `_expected/` of an existing archive.
    #[arg(long)]
    pub force: bool,
    /// Read the archive back afterwards and check it against `_expected/`.
    #[arg(long)]
    pub verify: bool,
}

impl Args {
    /// The command line, with the output folder left out (it does not affect the data).
    fn command(&self) -> String {
        let mut cmd = format!(
            "cargo run -p xtask -- gen-archive --rows {} --out <DIR> --seed {} --plant-rate {} --end {} --days {} --row-group-size {}",
            self.rows, self.seed, self.plant_rate, self.end, self.days, self.row_group_size
        );
        if !self.tables.is_empty() {
            cmd.push_str(&format!(" --tables {}", self.tables.join(",")));
        }
        cmd
    }
}

pub fn run(args: &Args) -> Result<()> {
    if args.rows == 0 || args.plant_rate == 0 || args.row_group_size == 0 {
        return Err("--rows, --plant-rate and --row-group-size must be positive".into());
    }
    let end_ns = parse_datetime(&args.end)?;
    let defs = tables::all()
        .into_iter()
        .filter(|d| args.tables.is_empty() || args.tables.iter().any(|t| t == d.name))
        .collect::<Vec<_>>();
    for t in &args.tables {
        tables::by_name(t).ok_or_else(|| format!("unknown table {t}"))?;
    }

    let out = &args.out;
    fs::create_dir_all(out)?;
    let mut owned: Vec<&str> = defs.iter().map(|d| d.name).collect();
    owned.push("_expected");
    for name in owned {
        let dir = out.join(name);
        if dir.exists() {
            if !args.force {
                return Err(format!("{} exists (use --force to replace it)", dir.display()).into());
            }
            fs::remove_dir_all(&dir)?;
        }
    }

    let pools = Pools::new(args.seed);
    let settings = write::WriteSettings {
        out,
        seed: args.seed,
        plant_rate: args.plant_rate,
        row_group_size: args.row_group_size,
        pools: &pools,
        now: end_ns,
    };
    let mut record = Record::default();
    let mut table_reports = Vec::new();
    for def in &defs {
        let started = Instant::now();
        let table_index = tables::all()
            .iter()
            .position(|d| d.name == def.name)
            .unwrap_or(0) as u64;
        let mut schema = schema::load(def.name)?;
        for col in def.absent {
            schema.column(col)?;
        }
        schema
            .columns
            .retain(|c| !def.absent.contains(&c.name.as_str()));
        let plans = layout::plan(def.name, args.rows, end_ns, args.days)?;
        let files = write::write_table(table_index, def, &schema, &plans, &settings, &mut record)?;
        eprintln!(
            "{}: {} rows in {} files, {:.1} MB, {:.1} s",
            def.name,
            args.rows,
            files.len(),
            files.iter().map(|f| f.bytes).sum::<u64>() as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        table_reports.push(TableReport {
            name: def.name,
            rows: files.iter().map(|f| f.rows as u64).sum(),
            columns: schema.columns.len(),
            drift_columns: def.drift.to_vec(),
            files,
        });
    }

    let dir = out.join("_expected");
    fs::create_dir_all(&dir)?;
    let mut expected = Vec::new();
    for (hunt, rows) in [
        (&expected::THREATFOX_CSL, &record.threatfox_csl),
        (&expected::THREATFOX_DNE, &record.threatfox_dne),
    ] {
        if defs.iter().any(|d| d.name == hunt.table) {
            let n = expected::write_hunt(&dir, hunt, rows)?;
            expected.push(ExpectedReport {
                file: format!("_expected/{}.json", hunt.name),
                query: Some(format!("_expected/{}.kql", hunt.name)),
                table: hunt.table.to_string(),
                rows: n,
            });
        }
    }
    let n = expected::write_miner_rows(&dir, &expected::miner_rows(&record.web))?;
    expected.push(ExpectedReport {
        file: "_expected/cryptominer_ua_rows.json".into(),
        query: None,
        table: "CommonSecurityLog, ASimWebSessionLogs".into(),
        rows: n,
    });
    if defs.iter().any(|d| rule::SOURCE_TABLES.contains(&d.name)) {
        check_window_plants(&record, end_ns)?;
        let rows = rule::answer(&record.web, end_ns);
        let n = rule::write_expected(&dir, &rows, end_ns)?;
        let tables: Vec<&str> = defs
            .iter()
            .map(|d| d.name)
            .filter(|t| rule::SOURCE_TABLES.contains(t))
            .collect();
        expected.push(ExpectedReport {
            file: format!("_expected/{}", rule::FILE),
            query: Some("queries/UnusualUACryptoMiners.yaml".into()),
            table: tables.join(", "),
            rows: n,
        });
    }
    let planted = record
        .counts
        .iter()
        .map(|((table, kind), rows)| PlantedReport {
            table,
            kind: kind.name(),
            rows: *rows,
        })
        .collect();
    let manifest = Manifest {
        generator: "xtask gen-archive",
        command: args.command(),
        seed: args.seed,
        rows_per_table: args.rows,
        plant_rate: args.plant_rate,
        start: kusto_datetime(end_ns - args.days * DAY_NS),
        end: kusto_datetime(end_ns),
        row_group_size: args.row_group_size,
        tables: table_reports,
        planted,
        expected,
        rule_window: record.window.clone(),
        notes: expected::NOTES.to_vec(),
    };
    expected::write_manifest(&dir, &manifest)?;

    if args.verify {
        let started = Instant::now();
        let summary = verify::verify(out)?;
        eprintln!(
            "verify: ok ({summary}), {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Each rule-window scenario is a hit exactly when the rule's computation returns it.
fn check_window_plants(record: &Record, now: i64) -> Result<()> {
    for w in &record.window {
        let Some(i) = w.event else { continue };
        let e = &record.web[i];
        let in_period = e.time >= now - rule::QUERY_PERIOD_NS && e.time <= now;
        let returned = in_period && e.through_parser().is_some();
        if returned != w.hit {
            return Err(format!(
                "rule-window row '{}' of {} at {}: planted as hit={}, the rule gives {returned}",
                w.what, w.table, w.time_text, w.hit
            )
            .into());
        }
    }
    Ok(())
}
