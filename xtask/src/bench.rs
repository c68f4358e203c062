//! `xtask bench`: each ThreatFox hunt through kql versus the same query
//! written by hand in DataFusion SQL over the same files, timed in one run.
//!
//! The archive is generated (`gen-archive`) if the folder does not hold one.
//! Both sides read the same Parquet files through the same table provider
//! (the archive's union schema); the SQL side uses a default DataFusion
//! session. Each side runs `--runs` times after one warm-up; the median wall
//! time is reported, with the ratio kql / SQL (below 1.0 = kql is faster).

use crate::gen_archive;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;
use kql_engine::{Archive, KqlSession, SessionOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rows per table of the generated archive.
    #[arg(long, default_value_t = 10_000_000)]
    pub rows: u64,
    /// Archive folder (generated there when it holds no archive yet).
    #[arg(long)]
    pub archive: Option<PathBuf>,
    /// Timed runs per query and side (after one warm-up run).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

struct Case {
    name: &'static str,
    table: &'static str,
    kql_file: &'static str,
    sql: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "threatfox/CommonSecurityLog",
        table: "CommonSecurityLog",
        kql_file: "queries/threatfox/xmrig_commonsecuritylog.kql",
        sql: r#"SELECT "TimeGenerated", "SourceIP", "DestinationIP", "DestinationPort", "DeviceAction", "Activity"
FROM "CommonSecurityLog"
WHERE "DestinationIP" IN ('195.20.239.136', '47.253.156.31', '60.165.167.98')
   OR "SourceIP" IN ('195.20.239.136', '47.253.156.31', '60.165.167.98')
ORDER BY "TimeGenerated" DESC"#,
    },
    Case {
        name: "threatfox/DeviceNetworkEvents",
        table: "DeviceNetworkEvents",
        kql_file: "queries/threatfox/xmrig_devicenetworkevents.kql",
        sql: r#"SELECT "Timestamp", "DeviceName", "RemoteIP", "RemotePort", "InitiatingProcessFileName", "ActionType"
FROM "DeviceNetworkEvents"
WHERE "RemoteIP" IN ('195.20.239.136', '47.253.156.31', '60.165.167.98')
ORDER BY "Timestamp" DESC"#,
    },
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace_root();
    let archive_dir = args
        .archive
        .clone()
        .unwrap_or_else(|| root.join(format!("target/bench-archive-{}", args.rows)));
    if !archive_dir.join("_expected/manifest.json").exists() {
        eprintln!(
            "generating a {}-row archive in {} ...",
            args.rows,
            archive_dir.display()
        );
        let gen_args = gen_archive::Args {
            rows: args.rows,
            out: archive_dir.clone(),
            seed: 42,
            plant_rate: 2000,
            end: "2026-06-20T00:00:00Z".to_string(),
            days: 30,
            row_group_size: 65536,
            tables: vec!["CommonSecurityLog".into(), "DeviceNetworkEvents".into()],
            force: true,
            verify: false,
        };
        gen_archive::run(&gen_args)?;
    }
    let runs = args.runs.max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let session = KqlSession::open(SessionOptions::new(&archive_dir))?;
        let archive = Archive::open(&archive_dir)?;
        let sql_ctx = SessionContext::new();
        println!(
            "archive: {} ({} rows per table), {runs} runs, median wall time",
            archive_dir.display(),
            args.rows
        );
        println!(
            "{:<32} {:>12} {:>12} {:>8} {:>8}",
            "query", "kql", "DataFusion SQL", "ratio", "rows"
        );
        for case in CASES {
            let table = archive.load_table(case.table)?;
            // bare: SQL would fold an unquoted name to lower case
            sql_ctx.register_table(TableReference::bare(case.table), table.provider.clone())?;
            let kql_text = std::fs::read_to_string(root.join(case.kql_file))?;

            let mut kql_times = Vec::new();
            let mut kql_rows = 0;
            for i in 0..=runs {
                let t = Instant::now();
                let r = session.run(&kql_text).await?;
                let el = t.elapsed();
                kql_rows = r.iter().map(|q| q.row_count()).sum();
                if i > 0 {
                    kql_times.push(el);
                }
            }
            let mut sql_times = Vec::new();
            let mut sql_rows = 0;
            for i in 0..=runs {
                let t = Instant::now();
                let batches = sql_ctx.sql(case.sql).await?.collect().await?;
                let el = t.elapsed();
                sql_rows = rows(&batches);
                if i > 0 {
                    sql_times.push(el);
                }
            }
            if kql_rows != sql_rows {
                return Err(format!(
                    "{}: kql returned {kql_rows} rows, SQL {sql_rows}",
                    case.name
                )
                .into());
            }
            let (k, s) = (median(kql_times), median(sql_times));
            println!(
                "{:<32} {:>10.1}ms {:>12.1}ms {:>8.2} {:>8}",
                case.name,
                k.as_secs_f64() * 1e3,
                s.as_secs_f64() * 1e3,
                k.as_secs_f64() / s.as_secs_f64(),
                kql_rows
            );
        }
        Ok(())
    })
}
