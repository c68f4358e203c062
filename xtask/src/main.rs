//! Project tasks for the kql workspace.
//!
//! `cargo run -p xtask -- <command>`. This file only parses the command line and
//! dispatches; each command lives in its own module.

mod bench;
mod gen_archive;
mod join_bench;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "kql project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic Sentinel-like Parquet archive with planted hunt answers.
    GenArchive(gen_archive::Args),
    /// Time the ThreatFox hunts through kql against hand-written DataFusion SQL.
    Bench(bench::Args),
    /// Joins of two generated tables bigger than the memory limit, timed and checked.
    JoinBench(join_bench::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenArchive(args) => gen_archive::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::JoinBench(args) => join_bench::run(&args),
    };
    if let Err(e) = result {
        eprintln!("xtask: error: {e}");
        std::process::exit(1);
    }
}
