//! The `kql` command: run, explain and inspect KQL over a Parquet archive.
//!
//! `kql run [--archive DIR] [--now T] [--format F] [-o FILE] (-f FILE | QUERY)`
//! `kql explain --stage ast|bound|logical|optimized|physical (-f FILE | QUERY)`
//! `kql tables [--archive DIR]`
//! `kql check [--format text|json] [--archive DIR] (FILE|DIR ... | --corpus JSONL)`
//! `kql feeds [--feeds DIR] (RULE.yaml | -f FILE | QUERY)`
//! `kql rule run [--archive DIR] [--now T] [--format table|json|ndjson] [--expect FILE] RULE.yaml|DIR`
//! `kql diff [--ordered] RESULT EXPECTED`
//!
//! `run` and `explain` also take `--feeds DIR` (the local mirror of
//! `externaldata` URLs), `--watchlists DIR` and `--functions DIR` (saved
//! functions: ASIM parser YAML, `.kql`), each defaulting to the bundled set,
//! and `--geoip DIR` (the GeoIP database `geo_info_from_ip_address` reads:
//! MaxMind GeoLite2 City CSVs or a `geoip.csv`; default: `geoip/`).
//!
//! Without `--archive`, the sample archive shipped in the repository is used.
//! Errors are printed as diagnostics with a caret under the query text, and
//! the exit code is 1 (2 for bad command-line usage).

use clap::{Args, Parser, Subcommand, ValueEnum};
use kql_cli::render::{Format, render};
use kql_engine::{KqlSession, SessionOptions, Stage};
use kql_syntax::{Code, Diagnostic};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kql",
    version,
    about = "Run Microsoft Sentinel / Defender KQL over Parquet log archives, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a query and print its result.
    Run(RunArgs),
    /// Show one stage of the compilation of a query.
    Explain(ExplainArgs),
    /// List the archive's tables with row counts and typed schemas.
    Tables(ArchiveArgs),
    /// Parse and bind queries and rule YAML without data (bundled table
    /// schemas; an --archive's own schemas override them) and report each.
    Check(CheckArgs),
    /// List the externaldata URLs a rule or query reads and whether the
    /// local feed mirror has each.
    Feeds(FeedsArgs),
    /// Sentinel analytic rules: `kql rule run RULE.yaml|DIR`.
    #[command(subcommand)]
    Rule(RuleCommand),
    /// Compare a result with one exported from Sentinel / Log Analytics
    /// (CSV, query-API JSON, Kusto JSON, or `kql run --format json`).
    Diff(DiffArgs),
}

#[derive(Subcommand)]
enum RuleCommand {
    /// Run scheduled analytic rules as Sentinel does and print their alerts.
    Run(RuleRunArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RuleFormat {
    Table,
    Json,
    Ndjson,
}

#[derive(Args)]
struct RuleRunArgs {
    #[command(flatten)]
    archive: ArchiveArgs,
    /// The evaluation time: now() and the end of the rule's look-back
    /// window (default: the wall clock).
    #[arg(long, value_name = "DATETIME")]
    now: Option<String>,
    /// Output: a readable summary, the outcome as JSON, or one alert per line.
    #[arg(long, value_enum, default_value_t = RuleFormat::Table)]
    format: RuleFormat,
    /// Compare the rule's result rows with this export (exit code 1 when
    /// they differ).
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
    #[command(flatten)]
    workspace: WorkspaceArgs,
    /// A rule file, or a folder of rule files.
    #[arg(value_name = "RULE|DIR")]
    rule: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Args)]
struct CheckArgs {
    /// Output: a line per query, or one JSON object per query and line.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Take table schemas from this archive's Parquet files (in place of the
    /// bundled ones of the same name).
    #[arg(long, value_name = "DIR")]
    archive: Option<PathBuf>,
    /// A JSONL file of queries (`{"id": ..., "query": ...}` per line).
    #[arg(long, value_name = "JSONL", conflicts_with = "paths")]
    corpus: Option<PathBuf>,
    /// Also run every query that binds on the archive (default: the bundled
    /// sample archive), each stopped after --timeout seconds; a known
    /// Sentinel / Defender table the archive lacks reads as empty.
    #[arg(long)]
    run: bool,
    /// With --run: the seconds one query may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    workspace: WorkspaceArgs,
    /// Query files (.kql, .csl, .txt), rule files (.yaml) or folders of them.
    #[arg(value_name = "FILE|DIR", required_unless_present = "corpus")]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct DiffArgs {
    /// Compare rows in order (default: as multisets, for unsorted results).
    #[arg(long)]
    ordered: bool,
    /// The result to check.
    #[arg(value_name = "RESULT")]
    result: PathBuf,
    /// The expected result (e.g. exported from Sentinel).
    #[arg(value_name = "EXPECTED")]
    expected: PathBuf,
}

#[derive(Args)]
struct WorkspaceArgs {
    /// The local mirror `externaldata` URLs are read from (default: the
    /// bundled feeds/ folder). kql never reads the network.
    #[arg(long, value_name = "DIR")]
    feeds: Option<PathBuf>,
    /// The folder of watchlists for `_GetWatchlist` (<alias>.csv; default:
    /// the bundled watchlists/ folder).
    #[arg(long, value_name = "DIR")]
    watchlists: Option<PathBuf>,
    /// The folder of saved functions: ASIM parser YAML and .kql files
    /// (default: the bundled functions/ folder).
    #[arg(long, value_name = "DIR")]
    functions: Option<PathBuf>,
    /// The GeoIP database for geo_info_from_ip_address(): MaxMind GeoLite2
    /// City CSVs or a geoip.csv (network,country,state,city,latitude,
    /// longitude) (default: the geoip/ folder next to the bundled ones).
    #[arg(long, value_name = "DIR")]
    geoip: Option<PathBuf>,
}

impl WorkspaceArgs {
    fn load(&self) -> Result<std::sync::Arc<kql_engine::Workspace>, Failure> {
        Ok(std::sync::Arc::new(
            kql_engine::Workspace::load(
                self.feeds.as_deref(),
                self.watchlists.as_deref(),
                self.functions.as_deref(),
            )?
            .with_geoip(self.geoip.as_deref())?,
        ))
    }
}

#[derive(Args)]
struct FeedsArgs {
    #[command(flatten)]
    workspace: WorkspaceArgs,
    /// A rule file (.yaml/.yml), a query file (-f or as the argument), or
    /// the query text.
    #[command(flatten)]
    query: QueryArgs,
}

#[derive(Args)]
struct ArchiveArgs {
    /// The archive: a folder with one sub-folder of Parquet files per table
    /// (default: the bundled sample archive).
    #[arg(long, value_name = "DIR")]
    archive: Option<PathBuf>,
    /// Cap the memory a query may use (e.g. 2G, 512M): sorts, aggregations
    /// and joins spill to temporary files instead of failing (a single
    /// group's or join key's rows must still fit). Default: no cap.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    memory_limit: Option<usize>,
}

/// `2G`, `512M`, `64K`, `1.5GB`, or a plain number of bytes.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper.trim_end_matches('B');
    let (number, unit) = match digits.chars().last() {
        Some('K') => (&digits[..digits.len() - 1], 1u64 << 10),
        Some('M') => (&digits[..digits.len() - 1], 1 << 20),
        Some('G') => (&digits[..digits.len() - 1], 1 << 30),
        Some('T') => (&digits[..digits.len() - 1], 1 << 40),
        _ => (digits, 1),
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a size; write e.g. 2G, 512M or 1073741824"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(format!("'{text}' is not a positive size"));
    }
    Ok((n * unit as f64) as usize)
}

#[derive(Args)]
struct QueryArgs {
    /// Read the query from a file.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "query"
    )]
    file: Option<PathBuf>,
    /// The query text.
    #[arg(value_name = "QUERY", required_unless_present = "file")]
    query: Option<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    archive: ArchiveArgs,
    /// Fix now() (and ago()) to this datetime, e.g. 2026-06-20T00:00:00Z.
    #[arg(long, value_name = "DATETIME")]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the result to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the wall time of each stage (parse, tables, bind, lower,
    /// optimize, physical, execute) to standard error.
    #[arg(long)]
    timings: bool,
    /// When the text holds several queries separated by blank lines (as
    /// files saved from Kusto's editors do), run only the N-th (1-based).
    #[arg(long, value_name = "N")]
    block: Option<usize>,
    #[command(flatten)]
    workspace: WorkspaceArgs,
    #[command(flatten)]
    query: QueryArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum StageArg {
    Ast,
    Bound,
    Logical,
    Optimized,
    Physical,
}

#[derive(Args)]
struct ExplainArgs {
    #[command(flatten)]
    archive: ArchiveArgs,
    /// Which stage to show.
    #[arg(long, value_enum, default_value_t = StageArg::Optimized)]
    stage: StageArg,
    /// Fix now() for the plan.
    #[arg(long, value_name = "DATETIME")]
    now: Option<String>,
    #[command(flatten)]
    workspace: WorkspaceArgs,
    #[command(flatten)]
    query: QueryArgs,
}

/// A failure with the query text it refers to (for the caret), if any.
struct FailureData {
    diagnostic: Diagnostic,
    source: Option<(String, String)>,
}

/// Boxed so the `Err` side of every result stays small.
type Failure = Box<FailureData>;

impl From<Diagnostic> for Box<FailureData> {
    fn from(diagnostic: Diagnostic) -> Self {
        Box::new(FailureData {
            diagnostic,
            source: None,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let text = match &f.source {
                Some((src, origin)) => f.diagnostic.render(src, origin),
                None => f.diagnostic.render("", "kql"),
            };
            eprint!("{text}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run(args).await,
        Command::Explain(args) => explain(args).await,
        Command::Tables(args) => tables(args),
        Command::Check(args) => check(args).await,
        Command::Feeds(args) => feeds(args),
        Command::Rule(RuleCommand::Run(args)) => rule_run(args).await,
        Command::Diff(args) => diff(args),
    }
}

fn read_query(q: &QueryArgs) -> Result<(String, String), Failure> {
    match (&q.file, &q.query) {
        (Some(path), _) => Ok((
            kql_engine::read_query_file(path)?,
            path.display().to_string(),
        )),
        (None, Some(text)) => Ok((text.clone(), "query".to_string())),
        (None, None) => Err(Diagnostic::new(Code::Io, "no query given")
            .with_hint("pass the query text or -f FILE")
            .into()),
    }
}

/// `--now` text → nanoseconds, accepting every form `datetime(...)` accepts.
fn parse_now(text: &str) -> Result<i64, Failure> {
    let bad = || {
        Failure::from(
            Diagnostic::new(
                Code::BadLiteral,
                format!("--now '{text}' is not a datetime"),
            )
            .with_hint("write it as in KQL's datetime(...), e.g. 2026-06-20T00:00:00Z"),
        )
    };
    let e = kql_syntax::parse_expr(&format!("datetime({text})")).map_err(|_| bad())?;
    match e.kind {
        kql_syntax::ast::ExprKind::Literal(kql_syntax::ast::Literal::DateTime(ticks)) => {
            ticks.checked_mul(100).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

fn session(
    archive: &ArchiveArgs,
    now: Option<&str>,
    workspace: Option<&WorkspaceArgs>,
) -> Result<KqlSession, Failure> {
    let mut options = SessionOptions::new(
        archive
            .archive
            .clone()
            .unwrap_or_else(kql_engine::sample_archive),
    );
    options.now_ns = now.map(parse_now).transpose()?;
    options.memory_limit = archive.memory_limit;
    if let Some(w) = workspace {
        options.workspace = w.load()?;
    }
    Ok(KqlSession::open(options)?)
}

fn with_source(src: &str, origin: &str) -> impl Fn(Diagnostic) -> Failure {
    let src = src.to_string();
    let origin = origin.to_string();
    move |diagnostic| {
        Box::new(FailureData {
            diagnostic,
            source: Some((src.clone(), origin.clone())),
        })
    }
}

/// The queries of a text: the whole text, or its blank-line-separated
/// blocks when it holds several (all, or the one `--block` names), each
/// with the name its diagnostics are reported under.
fn query_blocks(
    src: &str,
    origin: &str,
    block: Option<usize>,
) -> Result<Vec<(String, String)>, Failure> {
    use kql_syntax::blocks::{Blocks, split_queries};
    let blocks: Vec<(String, String)> = match split_queries(src) {
        Blocks::One(_) => vec![(src.to_string(), origin.to_string())],
        Blocks::Several(v) => {
            eprintln!(
                "note: {origin} holds {} queries separated by blank lines; {}",
                v.len(),
                match block {
                    Some(n) => format!("running query {n} (--block {n})"),
                    None => "running each in turn (--block N runs one)".to_string(),
                }
            );
            v.iter()
                .enumerate()
                .map(|(i, (b, _))| (b.text.to_string(), format!("{origin}#{}", i + 1)))
                .collect()
        }
    };
    match block {
        None => Ok(blocks),
        Some(n) if n >= 1 && n <= blocks.len() => Ok(vec![blocks[n - 1].clone()]),
        Some(n) => Err(Diagnostic::new(
            Code::Io,
            format!(
                "--block {n}: {origin} holds {} query block(s)",
                blocks.len()
            ),
        )
        .with_hint("blocks are numbered from 1, in the order of the file")
        .into()),
    }
}

async fn run(args: RunArgs) -> Result<(), Failure> {
    let (src, origin) = read_query(&args.query)?;
    let session = session(&args.archive, args.now.as_deref(), Some(&args.workspace))?;
    let mut results = Vec::new();
    let blocks = query_blocks(&src, &origin, args.block)?;
    let several = blocks.len() > 1;
    for (text, name) in blocks {
        let (r, timings) = session
            .run_timed(&text)
            .await
            .map_err(with_source(&text, &name))?;
        match (args.timings, several) {
            (true, false) => eprintln!("timings: {timings}"),
            (true, true) => eprintln!("timings ({name}): {timings}"),
            _ => {}
        }
        results.extend(r);
    }
    let io_err = |e: std::io::Error| {
        Failure::from(Diagnostic::new(
            Code::Io,
            format!("cannot write the result: {e}"),
        ))
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            Failure::from(Diagnostic::new(
                Code::Io,
                format!("cannot create output file '{}': {e}", path.display()),
            ))
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    if args.format == Format::Parquet && results.len() > 1 {
        return Err(Diagnostic::new(
            Code::UnsupportedFeature,
            "the query has several result tables; Parquet output holds one",
        )
        .with_hint("run the statements one at a time, or choose another --format")
        .into());
    }
    for (i, r) in results.iter().enumerate() {
        if i > 0 && args.format == Format::Table {
            writeln!(out).map_err(io_err)?;
        }
        render(args.format, &r.columns, &r.batches, &mut out)
            .map_err(|e| Failure::from(Diagnostic::new(Code::Io, e.to_string())))?;
    }
    out.flush().map_err(io_err)?;
    Ok(())
}

async fn explain(args: ExplainArgs) -> Result<(), Failure> {
    let (src, origin) = read_query(&args.query)?;
    let session = session(&args.archive, args.now.as_deref(), Some(&args.workspace))?;
    let stage = match args.stage {
        StageArg::Ast => Stage::Ast,
        StageArg::Bound => Stage::Bound,
        StageArg::Logical => Stage::Logical,
        StageArg::Optimized => Stage::Optimized,
        StageArg::Physical => Stage::Physical,
    };
    let text = session
        .explain(&src, stage)
        .await
        .map_err(with_source(&src, &origin))?;
    println!("{}", text.trim_end());
    Ok(())
}

fn tables(args: ArchiveArgs) -> Result<(), Failure> {
    let session = session(&args, None, None)?;
    let mut failed = None;
    println!("archive: {}", session.archive().root.display());
    for t in session.tables() {
        match t {
            Ok(t) => {
                println!("\n{} ({} rows, {} files)", t.name, t.rows, t.files.len());
                for c in &t.columns {
                    println!("  {}: {}", c.name, c.ty.as_str());
                }
            }
            Err(d) => {
                eprint!("{}", d.render("", "kql tables"));
                failed = Some(d);
            }
        }
    }
    match failed {
        Some(d) => Err(d.into()),
        None => Ok(()),
    }
}

async fn check(args: CheckArgs) -> Result<(), Failure> {
    use kql_cli::check;
    let workspace = args.workspace.load()?;
    // One session serves both the archive's schemas and --run, so the
    // workspace is loaded and the footers are read once.
    let session = if args.archive.is_some() || args.run {
        let mut options = SessionOptions::new(
            args.archive
                .clone()
                .unwrap_or_else(kql_engine::sample_archive),
        );
        options.workspace = workspace.clone();
        options.absent_known_tables_empty = true;
        Some(KqlSession::open(options)?)
    } else {
        None
    };
    let archive_tables = match (&args.archive, &session) {
        (Some(_), Some(s)) => s.tables().into_iter().collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let checker = kql_engine::check::Checker::new(workspace, archive_tables, now);
    let items = match &args.corpus {
        Some(path) => check::corpus_items(path)?,
        None => check::path_items(&args.paths)?,
    };
    let mut verdicts = check::check_items(&checker, items);
    if args.run
        && let Some(session) = &session
    {
        check::run_all(
            session,
            &mut verdicts,
            std::time::Duration::from_secs(args.timeout.max(1)),
        )
        .await;
    }
    let io_err =
        |e: std::io::Error| Failure::from(Diagnostic::new(Code::Io, format!("cannot write: {e}")));
    let mut out = std::io::stdout().lock();
    for v in &verdicts {
        match args.format {
            CheckFormat::Json => {
                writeln!(out, "{}", check::json_line(v, args.run)).map_err(io_err)?
            }
            CheckFormat::Text => check::text_lines(v, &mut out).map_err(io_err)?,
        }
    }
    out.flush().map_err(io_err)?;
    let summary = check::Summary::of(&verdicts);
    // The summary goes to stderr in JSON mode, so stdout stays JSON lines.
    match args.format {
        CheckFormat::Json => eprintln!("{}", summary.line()),
        CheckFormat::Text => println!("{}", summary.line()),
    }
    let run_failures = verdicts
        .iter()
        .filter(|v| matches!(v.run, Some(Err(_))))
        .count();
    if summary.ok == summary.queries && run_failures == 0 {
        Ok(())
    } else if summary.ok == summary.queries {
        Err(Diagnostic::new(
            Code::ExecutionFailed,
            format!(
                "{run_failures} of {} queries failed to run",
                summary.queries
            ),
        )
        .into())
    } else {
        Err(Diagnostic::new(
            Code::ExecutionFailed,
            format!(
                "{} of {} queries do not bind",
                summary.queries - summary.ok,
                summary.queries
            ),
        )
        .into())
    }
}

fn feeds(args: FeedsArgs) -> Result<(), Failure> {
    let workspace = args.workspace.load()?;
    // The argument may name a rule or query file instead of holding a query.
    let path = args.query.file.clone().or_else(|| {
        args.query
            .query
            .as_ref()
            .filter(|q| Path::new(q).is_file())
            .map(PathBuf::from)
    });
    let query = match (path, &args.query.query) {
        (Some(path), _) if is_yaml(&path) => {
            kql_sentinel::Rule::from_file(&path)
                .map_err(|e| kql_engine::workspace::sentinel_diagnostic(Code::RuleInvalid, &e))?
                .query
        }
        (Some(path), _) => kql_engine::read_query_file(&path)?,
        (None, Some(q)) => q.clone(),
        (None, None) => {
            return Err(Diagnostic::new(Code::Io, "no rule or query given").into());
        }
    };
    let mirror = workspace.feeds_dir();
    let urls = kql_cli::feeds::feed_urls(&query, &workspace);
    if urls.is_empty() {
        println!("the query reads no externaldata feed");
        return Ok(());
    }
    let status = kql_cli::feeds::status(&urls, &mirror);
    let mut missing = 0;
    for s in &status {
        let mark = if s.present { "present" } else { "MISSING" };
        println!("{mark}  {}\n         {}", s.url, s.path.display());
        missing += usize::from(!s.present);
    }
    if missing > 0 {
        return Err(Diagnostic::new(
            Code::FeedMissing,
            format!("{missing} of {} feed(s) are not in the mirror '{}'", status.len(), mirror.display()),
        )
        .with_hint("download each missing URL once and save it at the path shown (kql never reads the network)")
        .into());
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

async fn rule_run(args: RuleRunArgs) -> Result<(), Failure> {
    use kql_cli::rule;
    let files = rule::rule_files(&args.rule)?;
    if args.expect.is_some() && files.len() > 1 {
        return Err(Diagnostic::new(
            Code::Io,
            "--expect compares one rule's result; a folder of rules was given",
        )
        .with_hint("run the rule file alone with --expect")
        .into());
    }
    let workspace = args.workspace.load()?;
    let now_ns = match &args.now {
        Some(t) => parse_now(t)?,
        None => chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
    };
    let archive = args
        .archive
        .archive
        .clone()
        .unwrap_or_else(kql_engine::sample_archive);
    let mut outcomes = Vec::new();
    let mut failed: Option<Diagnostic> = None;
    for file in &files {
        let run = match rule::load_rule(file) {
            Ok(r) => {
                rule::run_rule(
                    r,
                    &archive,
                    workspace.clone(),
                    now_ns,
                    args.archive.memory_limit,
                )
                .await
            }
            Err(d) => Err(d),
        };
        match run {
            Ok(run) => {
                match args.format {
                    RuleFormat::Table => println!(
                        "{}",
                        kql_sentinel::alerts::render_text(&run.outcome).trim_end()
                    ),
                    RuleFormat::Ndjson => {
                        for a in &run.outcome.alerts {
                            println!("{}", serde_json::to_string(a).unwrap_or_default());
                        }
                    }
                    RuleFormat::Json => {}
                }
                if let Some(expected) = &args.expect {
                    let exp = kql_sentinel::diff::load_result(expected).map_err(|e| {
                        kql_engine::workspace::sentinel_diagnostic(Code::ResultUnreadable, &e)
                    })?;
                    let d = kql_sentinel::diff::compare(&run.result, &exp, run.ordered);
                    if d.is_equal() {
                        eprintln!("the result matches {}", expected.display());
                    } else {
                        eprintln!("{}", d.render(20));
                        failed = Some(Diagnostic::new(
                            Code::ExecutionFailed,
                            format!("the rule's result differs from {}", expected.display()),
                        ));
                    }
                }
                outcomes.push(run.outcome);
            }
            Err(d) => {
                eprint!("{}", d.render("", &file.display().to_string()));
                failed = Some(Diagnostic::new(
                    Code::ExecutionFailed,
                    format!("the rule in '{}' could not run", file.display()),
                ));
            }
        }
    }
    if args.format == RuleFormat::Json {
        let text = if files.len() == 1 && outcomes.len() == 1 {
            serde_json::to_string_pretty(&outcomes[0])
        } else {
            serde_json::to_string_pretty(&outcomes)
        };
        println!("{}", text.unwrap_or_default());
    }
    match failed {
        Some(d) => Err(d.into()),
        None => Ok(()),
    }
}

fn diff(args: DiffArgs) -> Result<(), Failure> {
    let load = |p: &Path| {
        kql_sentinel::diff::load_result(p).map_err(|e| {
            Failure::from(kql_engine::workspace::sentinel_diagnostic(
                Code::ResultUnreadable,
                &e,
            ))
        })
    };
    let actual = load(&args.result)?;
    let expected = load(&args.expected)?;
    let d = kql_sentinel::diff::compare(&actual, &expected, args.ordered);
    if d.is_equal() {
        println!("equal: {} rows", actual.rows.len());
        Ok(())
    } else {
        println!("{}", d.render(20));
        Err(Diagnostic::new(
            Code::ExecutionFailed,
            format!(
                "'{}' differs from '{}'",
                args.result.display(),
                args.expected.display()
            ),
        )
        .into())
    }
}
