//! B9 (idle memory) and B10 (start-up to the first 200 on `/health`) on an empty database: the first start
//! (which creates the database, applies the migrations and generates the instance actor's key), and a
//! restart on that now-migrated, still empty database.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::common::{
    Options, Res, Workspace, base_settings, fail, fresh_database, mb, median, verdict, write_config,
};
use crate::report;
use crate::server::{Memory, Server};

#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// Databases started (each twice: first start, then a restart); medians are reported.
    #[arg(long, default_value_t = 5)]
    starts: usize,
    /// How long the server idles before its memory is read, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    idle_ms: u64,
    /// Use PostgreSQL (a URL of a cluster in which this program may CREATE DATABASE).
    #[arg(long)]
    postgres: Option<String>,
}

struct Start {
    ready_ms: f64,
    idle: Memory,
}

pub async fn run(options: &Options, args: &StartArgs) -> Res<()> {
    if args.starts == 0 {
        return Err(fail("starts must be at least 1"));
    }
    let mut first = Vec::new();
    let mut again = Vec::new();
    for i in 0..args.starts {
        let ws = Workspace::new(options, &format!("b9-{i}"))?;
        let database = fresh_database(&ws, args.postgres.as_deref(), &format!("b9_{i}"))?;
        let settings = base_settings(&ws, database)?;
        let config = ws.dir.join("parvis.toml");
        write_config(&settings, &config, "", "")?;
        let addr = settings.bind_addr();
        for phase in [&mut first, &mut again] {
            let start = start_once(options, &config, addr, &ws, args.idle_ms).await?;
            phase.push(start);
        }
        eprintln!(
            "start {}: first {:.0} ms, restart {:.0} ms; idle VmRSS {:.1} MB",
            i + 1,
            first.last().map_or(0.0, |s| s.ready_ms),
            again.last().map_or(0.0, |s| s.ready_ms),
            again.last().map_or(0.0, |s| mb(s.idle.rss_kb)),
        );
    }
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let key = if args.postgres.is_some() {
        "b9-postgres"
    } else {
        "b9-sqlite"
    };
    report::publish(options, key, &markdown(options, backend, &first, &again))
}

async fn start_once(
    options: &Options,
    config: &std::path::Path,
    addr: SocketAddr,
    ws: &Workspace,
    idle_ms: u64,
) -> Res<Start> {
    let mut server = Server::spawn(options, config, addr, &ws.dir.join("server.log"))?;
    let ready = server.wait_healthy(Duration::from_secs(30)).await?;
    tokio::time::sleep(Duration::from_millis(idle_ms)).await;
    let idle = server.memory()?;
    server.stop().await?;
    Ok(Start {
        ready_ms: ready.as_secs_f64() * 1000.0,
        idle,
    })
}

fn markdown(options: &Options, backend: &str, first: &[Start], again: &[Start]) -> String {
    let med = |v: &[Start], f: fn(&Start) -> f64| median(&v.iter().map(f).collect::<Vec<_>>());
    let ready = |s: &Start| s.ready_ms;
    let rss = |s: &Start| mb(s.idle.rss_kb);
    let hwm = |s: &Start| mb(s.idle.hwm_kb);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## B9 idle memory and B10 start-up on an empty {backend} database\n"
    );
    s.push_str(&report::preamble(options));
    let _ = writeln!(
        s,
        "- start-up is measured from the spawn of `parvis serve` to the first 200 on `/health` (polled every \
         millisecond); memory is read after {} starts, each idle for a moment after answering. \"First \
         start\" creates the database, applies the migrations and generates the instance actor's RSA key; \
         \"restart\" is the same empty database started again\n",
        first.len()
    );
    s.push_str("| start | first start ms | restart ms | idle VmRSS MB (restart) | VmHWM MB (restart) |\n|---|---|---|---|---|\n");
    for (i, (f, a)) in first.iter().zip(again).enumerate() {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            i + 1,
            f.ready_ms,
            a.ready_ms,
            rss(a),
            hwm(a)
        );
    }
    let (f_ready, a_ready, a_rss, f_rss) = (
        med(first, ready),
        med(again, ready),
        med(again, rss),
        med(first, rss),
    );
    let _ = writeln!(
        s,
        "\n| scenario | measured (median of {n}) | target | |\n|---|---|---|---|\n\
         | B9 idle resident memory (VmRSS) | {a_rss:.1} MB after a restart, {f_rss:.1} MB after the first start | ≤ 25 MB | {} |\n\
         | B10 start-up, empty database | {a_ready:.1} ms (restart) | ≤ 100 ms | {} |\n\
         | B10 first start, database created and migrated | {f_ready:.1} ms | (≤ 100 ms) | {} |\n",
        verdict(a_rss.max(f_rss) <= 25.0),
        verdict(a_ready <= 100.0),
        verdict(f_ready <= 100.0),
        n = first.len(),
    );
    let _ = writeln!(
        s,
        "What limits the figures: a restart is process start, configuration, pool and migration check; a first \
         start adds creating the schema and generating the instance's RSA-2048 key with the pure-Rust `rsa` \
         crate (hundreds of ms on this machine, and random). Idle memory is the runtime's threads, the pool's \
         connections and the allocator's retained pages."
    );
    s
}
