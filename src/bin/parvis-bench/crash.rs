//! B5: `kill -9` of the server half-way through a fan-out to 2,000 instances, a restart on the same
//! database, and a count of the deliveries lost and duplicated.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::common::{Options, Res, Workspace, fail, verdict};
use crate::fanout::{SINK_IP, post, prepare, wait_all_hosts, wait_queue_empty};
use crate::report;
use crate::server::Server;
use crate::sink::{self, Sink};

#[derive(Debug, clap::Args)]
pub struct B5Args {
    /// Remote instances following the official.
    #[arg(long, default_value_t = 2000)]
    instances: usize,
    /// Runs, each on a fresh database.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Use PostgreSQL (a URL of a cluster in which this program may CREATE DATABASE).
    #[arg(long)]
    postgres: Option<String>,
}

struct B5Run {
    at_kill: usize,
    last_second: usize,
    restart_ms: f64,
    complete_ms: f64,
    lost: usize,
    duplicates: usize,
    max_per_host: usize,
}

pub async fn run_b5(options: &Options, args: &B5Args) -> Res<()> {
    if args.instances < 2 || args.runs == 0 {
        return Err(fail("instances must be at least 2 and runs at least 1"));
    }
    let sink = sink::start(SINK_IP).await?;
    let mut results = Vec::new();
    for run in 0..args.runs {
        eprintln!("run {}/{}…", run + 1, args.runs);
        results.push(b5_once(options, args, &sink, run).await?);
    }
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let key = if args.postgres.is_some() {
        "b5-postgres"
    } else {
        "b5-sqlite"
    };
    let lost: usize = results.iter().map(|r| r.lost).sum();
    report::publish(options, key, &b5_markdown(options, args, backend, &results))?;
    if lost > 0 {
        return Err(fail(format!("{lost} deliveries lost")));
    }
    Ok(())
}

async fn b5_once(options: &Options, args: &B5Args, sink: &Sink, run: usize) -> Res<B5Run> {
    let ws = Workspace::new(options, &format!("b5-{run}"))?;
    let instance = prepare(
        &ws,
        args.instances,
        sink,
        args.postgres.as_deref(),
        &format!("b5_{run}"),
    )
    .await?;
    sink.received.clear();
    let log = ws.dir.join("server.log");
    let mut server = Server::spawn(options, &instance.config, instance.addr(), &log)?;
    server.wait_healthy(Duration::from_secs(30)).await?;
    post(
        &instance,
        "Coupure d'eau rue des Lilas demain de 8 h à 12 h.",
    )
    .await?;
    let half = args.instances / 2;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if sink.received.count() >= half {
            break;
        }
        if Instant::now() > deadline {
            return Err(fail("half of the fan-out did not arrive within 120 s"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill()?;
    let killed = Instant::now();
    let at_kill = sink.received.count();
    if at_kill >= args.instances {
        return Err(fail(
            "the fan-out finished before the kill: the run proves nothing",
        ));
    }
    let last_second = sink
        .received
        .all()
        .iter()
        .filter(|h| killed.saturating_duration_since(h.at) <= Duration::from_secs(1))
        .count();
    eprintln!("  killed at {at_kill} of {} delivered", args.instances);

    let mut server = Server::spawn(options, &instance.config, instance.addr(), &log)?;
    let restart = server.wait_healthy(Duration::from_secs(30)).await?;
    let restarted = Instant::now();
    let outcome = wait_all_hosts(sink, args.instances, Duration::from_secs(180)).await;
    let complete = restarted.elapsed();
    let hits = match outcome {
        Ok(hits) => hits,
        Err(e) => {
            eprintln!("  {e}");
            sink.received.all()
        }
    };
    wait_queue_empty(&instance, Duration::from_secs(60)).await?;
    // Anything late would show up as a duplicate: give stragglers a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.stop().await?;
    let hits = if sink.received.count() > hits.len() {
        sink.received.all()
    } else {
        hits
    };
    let mut per_host: HashMap<&str, usize> = HashMap::new();
    for hit in &hits {
        *per_host.entry(hit.host.as_str()).or_default() += 1;
    }
    let result = B5Run {
        at_kill,
        last_second,
        restart_ms: restart.as_secs_f64() * 1000.0,
        complete_ms: complete.as_secs_f64() * 1000.0,
        lost: args.instances - per_host.len().min(args.instances),
        duplicates: hits.len() - per_host.len(),
        max_per_host: per_host.values().copied().max().unwrap_or(0),
    };
    eprintln!(
        "  lost {}, duplicates {} (deliveries in the last second before the kill: {})",
        result.lost, result.duplicates, result.last_second
    );
    Ok(result)
}

fn b5_markdown(options: &Options, args: &B5Args, backend: &str, results: &[B5Run]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## B5 on {backend}: `kill -9` half-way through a {}-instance fan-out, then restart\n",
        args.instances
    );
    s.push_str(&report::preamble(options));
    let _ = writeln!(
        s,
        "- {} remote instances on one sink (202 at once); the server gets SIGKILL as soon as the sink has \
         half of them, is started again on the same database, and the bench waits until every instance has \
         the post; {} runs\n",
        args.instances,
        results.len()
    );
    s.push_str(
        "| run | delivered at the kill | delivered in the last second before the kill | restart to /health ms | \
         restart to last instance ms | lost | duplicates | most copies at one instance |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for (i, r) in results.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.0} | {:.0} | {} | {} | {} |",
            i + 1,
            r.at_kill,
            r.last_second,
            r.restart_ms,
            r.complete_ms,
            r.lost,
            r.duplicates,
            r.max_per_host
        );
    }
    let lost: usize = results.iter().map(|r| r.lost).sum();
    let bounded = results.iter().all(|r| r.duplicates <= r.last_second);
    let worst = results.iter().map(|r| r.duplicates).max().unwrap_or(0);
    let _ = writeln!(
        s,
        "\n| scenario | measured | target | |\n|---|---|---|---|\n\
         | B5 deliveries lost | {lost} | 0 | {} |\n\
         | B5 duplicates | at most {worst} per run, each ≤ the deliveries of the last second before the kill: {} | \
         bounded to the last second | {} |\n",
        verdict(lost == 0),
        if bounded { "yes" } else { "no" },
        verdict(bounded),
    );
    let _ = writeln!(
        s,
        "What limits the figure: duplicates are the deliveries the sink had answered but whose outcome the \
         server had not yet committed (at most `delivery_concurrency` = 64 in flight); nothing is held only \
         in memory, so the restart resends exactly the rows still queued."
    );
    s
}
