//! `parvis-bench`: measures a real `parvis serve` process against the targets of the performance brief
//! (B1/B2 inbox throughput and CPU, B3 fan-out, B5 crash during a fan-out, B8 reads, B9 memory, B10 start-up,
//! B13 the near-duplicate lookup of problem reports) and
//! writes the results to `docs/performance.md`.
//!
//! Every subcommand starts the release `parvis` binary as a child process on a throwaway database, drives
//! it over loopback only, and stops it again. The load generator pre-computes (and pre-signs) everything
//! before the timed phase; by default the server is pinned to CPU 0 and this process to CPU 1.

#[path = "parvis-bench/client.rs"]
mod client;
#[path = "parvis-bench/common.rs"]
mod common;
#[path = "parvis-bench/crash.rs"]
mod crash;
#[path = "parvis-bench/fanout.rs"]
mod fanout;
#[path = "parvis-bench/inbox.rs"]
mod inbox;
#[path = "parvis-bench/nearby.rs"]
mod nearby;
#[path = "parvis-bench/reads.rs"]
mod reads;
#[path = "parvis-bench/register.rs"]
mod register;
#[path = "parvis-bench/report.rs"]
mod report;
#[path = "parvis-bench/senders.rs"]
mod senders;
#[path = "parvis-bench/server.rs"]
mod server;
#[path = "parvis-bench/sink.rs"]
mod sink;
#[path = "parvis-bench/startup.rs"]
mod startup;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use common::{Options, Res};

/// Benchmarks of a real `parvis serve` process (see docs/performance.md).
#[derive(Debug, Parser)]
#[command(name = "parvis-bench")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// The `parvis` binary to start (default: the one next to this program).
    #[arg(long, global = true)]
    parvis: Option<PathBuf>,
    /// Do not pin the server to CPU 0 and the load generator to CPU 1.
    #[arg(long, global = true)]
    no_pin: bool,
    /// The results file whose section is updated.
    #[arg(long, global = true, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/performance.md"))]
    doc: PathBuf,
    /// Print the results only; leave the results file alone.
    #[arg(long, global = true)]
    no_doc: bool,
    /// Keep the working directories (databases, configs, server logs) for inspection.
    #[arg(long, global = true)]
    keep: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// B1 (+B2, B9 during B1): signed Create(Note) replies POSTed to the shared inbox.
    B1(inbox::B1Args),
    /// B3 (+B9 peak): one post fanned out to many remote instances.
    B3(fanout::B3Args),
    /// B5: kill -9 in the middle of a fan-out, restart, count lost and duplicated deliveries.
    B5(crash::B5Args),
    /// B8: reads of a debate page and of an actor under many connections.
    B8(reads::B8Args),
    /// B13: the near-duplicate lookup before a problem report, at 100,000 reports.
    B13(nearby::NearbyArgs),
    /// B15: reading the national register of elected officials (a file of its size), time and memory.
    B15(register::RegisterArgs),
    /// B9 idle memory and B10 start-up time, on an empty database.
    #[command(alias = "b10")]
    B9(startup::StartArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Res<()> {
    let options = Options::new(
        cli.global.parvis,
        !cli.global.no_pin,
        (!cli.global.no_doc).then_some(cli.global.doc),
        cli.global.keep,
    )?;
    match cli.command {
        Command::B1(args) => inbox::run(&options, &args).await,
        Command::B3(args) => fanout::run_b3(&options, &args).await,
        Command::B5(args) => crash::run_b5(&options, &args).await,
        Command::B8(args) => reads::run(&options, &args).await,
        Command::B9(args) => startup::run(&options, &args).await,
        Command::B13(args) => nearby::run(&options, &args).await,
        Command::B15(args) => register::run(&options, &args).await,
    }
}
