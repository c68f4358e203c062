//! The `kql` command: run, explain and inspect KQL over a Parquet archive.
//!
//! `kql run [--archive DIR] [--now T] [--format F] [-o FILE] (-f FILE | QUERY)`
//! `kql explain --stage ast|bound|logical|optimized|physical (-f FILE | QUERY)`
//! `kql tables [--archive DIR]`
//!
//! Without `--archive`, the sample archive shipped in the repository is used.
//! Errors are printed as diagnostics with a caret under the query text, and
//! the exit code is 1 (2 for bad command-line usage).

use clap::{Args, Parser, Subcommand, ValueEnum};
use kql_cli::render::{Format, render};
use kql_engine::{KqlSession, SessionOptions, Stage};
use kql_syntax::{Code, Diagnostic};
use std::io::Write;
use std::path::PathBuf;
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
}

#[derive(Args)]
struct ArchiveArgs {
    /// The archive: a folder with one sub-folder of Parquet files per table
    /// (default: the bundled sample archive).
    #[arg(long, value_name = "DIR")]
    archive: Option<PathBuf>,
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

fn session(archive: &ArchiveArgs, now: Option<&str>) -> Result<KqlSession, Failure> {
    let mut options = SessionOptions::new(
        archive
            .archive
            .clone()
            .unwrap_or_else(kql_engine::sample_archive),
    );
    options.now_ns = now.map(parse_now).transpose()?;
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

async fn run(args: RunArgs) -> Result<(), Failure> {
    let (src, origin) = read_query(&args.query)?;
    let session = session(&args.archive, args.now.as_deref())?;
    let results = session
        .run(&src)
        .await
        .map_err(with_source(&src, &origin))?;
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
    let session = session(&args.archive, args.now.as_deref())?;
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
    let session = session(&args, None)?;
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
