//! B3 (+B9 peak): one post by an official fanned out to N remote instances, each with its own host name and
//! shared inbox, all served by one light sink. The set-up and waiting helpers serve B5 too.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use parvis::model::schema::{follows, remote_actors};

use crate::client::{self, Conn};
use crate::common::{
    Instance, Options, Res, Workspace, fail, fresh_database, mb, median, pe, verdict,
};
use crate::report;
use crate::server::{Memory, Server, calibrate, machine_busy_ticks, own_cpu_ticks};
use crate::sink::{self, Hit, Sink};

/// The loopback address of the sink (the server itself listens on 127.0.0.1).
pub const SINK_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 77));

#[derive(Debug, clap::Args)]
pub struct B3Args {
    /// Remote instances following the official.
    #[arg(long, default_value_t = 1000)]
    instances: usize,
    /// Runs, each on a fresh database; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Use PostgreSQL (a URL of a cluster in which this program may CREATE DATABASE).
    #[arg(long)]
    postgres: Option<String>,
    /// Server processes sharing the PostgreSQL database (each on its own port, all on the server's CPU);
    /// their CPU is added up, and PostgreSQL's is reported beside it.
    #[arg(long, requires = "postgres")]
    processes: Option<usize>,
}

fn host(i: usize) -> String {
    format!("i{i}.fanout.test")
}

/// An instance whose official `marie` is followed by one actor on each of `instances` remote servers, all
/// pointing at the sink; the configuration lets the server reach them over plain http on loopback.
pub async fn prepare(
    ws: &Workspace,
    instances: usize,
    sink: &Sink,
    postgres: Option<&str>,
    tag: &str,
) -> Res<Instance> {
    let database = fresh_database(ws, postgres, tag)?;
    let instance = Instance::prepare(ws, database).await?;
    let port = sink.addr.port();
    let marie = instance.marie;
    instance
        .db
        .transaction(move |conn| {
            let now = Utc::now().naive_utc();
            for i in 0..instances {
                let authority = format!("{}:{port}", host(i));
                let ap_id = format!("http://{authority}/users/a");
                let id: parvis::ids::RemoteActorId = diesel::insert_into(remote_actors::table)
                    .values((
                        remote_actors::ap_id.eq(&ap_id),
                        remote_actors::kind.eq("Person"),
                        remote_actors::domain.eq(&authority),
                        remote_actors::username.eq("a"),
                        remote_actors::display_name.eq("a"),
                        remote_actors::inbox.eq(format!("{ap_id}/inbox")),
                        remote_actors::shared_inbox.eq(Some(format!("http://{authority}/inbox"))),
                        remote_actors::key_id.eq(format!("{ap_id}#main-key")),
                        remote_actors::public_key_pem.eq("unused"),
                        remote_actors::manually_approves_followers.eq(false),
                        remote_actors::fetched_at.eq(now),
                    ))
                    .returning(remote_actors::id)
                    .get_result(conn)?;
                diesel::insert_into(follows::table)
                    .values((
                        follows::follower_remote_id.eq(Some(id)),
                        follows::target_id.eq(Some(marie)),
                        follows::accepted.eq(true),
                        follows::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .map_err(pe)?;
    let hosts: Vec<String> = (0..instances).map(host).collect();
    let statics: String = hosts
        .iter()
        .map(|h| format!("{h:?} = \"{SINK_IP}\"\n"))
        .collect();
    instance.write_config(&format!("allowed_hosts = {hosts:?}"), &statics)?;
    Ok(instance)
}

/// Publishes a post as marie through the API; returns when the answer (200) arrived.
pub async fn post(instance: &Instance, text: &str) -> Res<Instant> {
    let body = serde_json::json!({ "status": text }).to_string();
    let bearer = format!("Bearer {}", instance.token);
    let request = client::request(
        "POST",
        "/api/v1/statuses",
        &instance.addr().to_string(),
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        body.as_bytes(),
    );
    let mut conn = Conn::connect(instance.addr()).await?;
    let answer = conn.send(&request).await?;
    if answer.status != 200 {
        return Err(fail(format!(
            "POST /api/v1/statuses answered {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )));
    }
    Ok(Instant::now())
}

fn distinct_hosts(hits: &[Hit]) -> usize {
    hits.iter()
        .map(|h| h.host.as_str())
        .collect::<HashSet<_>>()
        .len()
}

/// Waits until every one of `instances` hosts has received something; returns what the sink holds.
pub async fn wait_all_hosts(sink: &Sink, instances: usize, timeout: Duration) -> Res<Vec<Hit>> {
    let deadline = Instant::now() + timeout;
    loop {
        if sink.received.count() >= instances {
            let hits = sink.received.all();
            if distinct_hosts(&hits) >= instances {
                return Ok(hits);
            }
        }
        if Instant::now() > deadline {
            let hits = sink.received.all();
            return Err(fail(format!(
                "only {} of {instances} instances received the post within {timeout:?}",
                distinct_hosts(&hits)
            )));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits until the server has recorded every outcome (delivered rows are deleted from the queue).
pub async fn wait_queue_empty(instance: &Instance, timeout: Duration) -> Res<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let queued = instance.count("deliveries", "").await?;
        if queued == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(fail(format!(
                "{queued} deliveries still queued after {timeout:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

struct B3Run {
    answer_ms: f64,
    first_ms: f64,
    last_ms: f64,
    cpu_ms: f64,
    /// CPU used by other processes (neither the server nor this program) meanwhile.
    others_ms: f64,
    memory: Memory,
    /// PostgreSQL's own CPU meanwhile (all its processes), when it is used.
    postgres_ms: Option<f64>,
    duplicates: usize,
    /// ring RSA-2048 signatures per second on the server's CPU just before the run.
    machine_speed: f64,
}

pub async fn run_b3(options: &Options, args: &B3Args) -> Res<()> {
    if args.instances == 0 || args.runs == 0 || args.processes == Some(0) {
        return Err(fail("instances, runs and processes must be at least 1"));
    }
    let processes = args.processes.unwrap_or(1);
    let postmaster = args
        .postgres
        .as_deref()
        .map(crate::server::postmaster_pid)
        .transpose()?;
    let sink = sink::start(SINK_IP).await?;
    let mut results = Vec::new();
    for run in 0..args.runs {
        eprintln!("run {}/{}…", run + 1, args.runs);
        let ws = Workspace::new(options, &format!("b3-{run}"))?;
        let instance = prepare(
            &ws,
            args.instances,
            &sink,
            args.postgres.as_deref(),
            &format!("b3_{run}"),
        )
        .await?;
        sink.received.clear();
        let machine_speed = calibrate(options, &instance.marie_key().await?)?;
        let mut servers = vec![Server::spawn(
            options,
            &instance.config,
            instance.addr(),
            &ws.dir.join("server.log"),
        )?];
        for i in 1..processes {
            let addr = std::net::SocketAddr::new(instance.addr().ip(), crate::common::free_port()?);
            servers.push(Server::spawn(
                options,
                &instance.config,
                addr,
                &ws.dir.join(format!("server-{i}.log")),
            )?);
        }
        for server in &mut servers {
            server.wait_healthy(Duration::from_secs(30)).await?;
        }
        // Let the delivery workers reach their idle loop.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let cpu_of = |servers: &[Server]| -> Res<u64> {
            servers.iter().map(Server::cpu_ticks).sum::<Res<u64>>()
        };
        let pg_cpu = || {
            postmaster
                .map(crate::server::postgres_cpu_ticks)
                .transpose()
        };
        let cpu_before = cpu_of(&servers)?;
        let pg_before = pg_cpu()?;
        let (own_before, machine_before) = (own_cpu_ticks()?, machine_busy_ticks()?);
        let posted = Instant::now();
        let answered = post(
            &instance,
            "Conseil municipal jeudi à 19 h : ordre du jour en ligne.",
        )
        .await?;
        let hits = wait_all_hosts(&sink, args.instances, Duration::from_secs(120)).await?;
        wait_queue_empty(&instance, Duration::from_secs(60)).await?;
        let cpu_after = cpu_of(&servers)?;
        let pg_after = pg_cpu()?;
        let (own_after, machine_after) = (own_cpu_ticks()?, machine_busy_ticks()?);
        let memory = servers[0].memory()?;
        for server in &mut servers {
            server.stop().await?;
        }
        let server_ticks = cpu_after.saturating_sub(cpu_before);
        let others = machine_after
            .saturating_sub(machine_before)
            .saturating_sub(server_ticks)
            .saturating_sub(own_after.saturating_sub(own_before));
        let first = hits.iter().map(|h| h.at).min().unwrap_or(answered);
        let last = hits.iter().map(|h| h.at).max().unwrap_or(answered);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let activities: HashSet<&str> = hits.iter().map(|h| h.activity.as_str()).collect();
        if activities.len() != 1 {
            return Err(fail(format!(
                "the sink received {} different activities, expected one",
                activities.len()
            )));
        }
        let result = B3Run {
            answer_ms: ms(answered - posted),
            first_ms: ms(first.saturating_duration_since(answered)),
            last_ms: ms(last.saturating_duration_since(answered)),
            cpu_ms: options.ticks_to_ms(server_ticks),
            others_ms: options.ticks_to_ms(others),
            memory,
            postgres_ms: pg_before
                .zip(pg_after)
                .map(|(b, a)| options.ticks_to_ms(a.saturating_sub(b))),
            duplicates: hits.len() - distinct_hosts(&hits),
            machine_speed,
        };
        eprintln!(
            "  last delivery {:.0} ms after the answer, {:.3} ms CPU per delivery, VmHWM {:.1} MB",
            result.last_ms,
            result.cpu_ms / args.instances as f64,
            mb(result.memory.hwm_kb)
        );
        results.push(result);
    }
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let key = format!(
        "b3-{}{}",
        if args.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        if options.pin { "" } else { "-shared-cpus" }
    );
    let key = match args.processes {
        Some(n) => format!("{key}-{n}-processes"),
        None => key,
    };
    report::publish(
        options,
        &key,
        &b3_markdown(options, args, backend, &results),
    )
}

fn b3_markdown(options: &Options, args: &B3Args, backend: &str, results: &[B3Run]) -> String {
    let n = args.instances as f64;
    let last = median(&results.iter().map(|r| r.last_ms).collect::<Vec<_>>());
    let cpu = median(&results.iter().map(|r| r.cpu_ms / n).collect::<Vec<_>>());
    let hwm = median(
        &results
            .iter()
            .map(|r| mb(r.memory.hwm_kb))
            .collect::<Vec<_>>(),
    );
    let mut s = String::new();
    let processes = match args.processes {
        Some(n) => format!(", {n} server process(es) sharing it"),
        None => String::new(),
    };
    let _ = writeln!(
        s,
        "## B3 on {backend}{processes}{}: one post by an official fanned out to {} instances (+ B9 peak)\n",
        if options.pin {
            ", server on one CPU"
        } else {
            ", server free to use both CPUs"
        },
        args.instances
    );
    s.push_str(&report::preamble(options));
    let _ = writeln!(
        s,
        "- {} remote instances, each its own host name and shared inbox, all served by one sink on {SINK_IP} \
         answering 202 at once; Parvis's default delivery settings (64 in flight, 4 per server); {} runs, \
         each on a fresh database\n",
        args.instances,
        results.len()
    );
    s.push_str(
        "| run | POST answered ms | first delivery ms after answer | last delivery ms after answer | \
         server CPU ms / delivery | PostgreSQL CPU ms / delivery | other processes, CPU ms | \
         server VmHWM MB | duplicates | machine speed: ring RSA signs/s on the server's CPU |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (i, r) in results.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.0} | {:.0} | {:.3} | {} | {:.0} | {:.1} | {} | {:.0} |",
            i + 1,
            r.answer_ms,
            r.first_ms,
            r.last_ms,
            r.cpu_ms / n,
            r.postgres_ms
                .map_or("–".to_string(), |ms| format!("{:.3}", ms / n)),
            r.others_ms,
            mb(r.memory.hwm_kb),
            r.duplicates,
            r.machine_speed
        );
    }
    let _ = writeln!(
        s,
        "\nServer CPU is counted from just before the POST until the queue is empty (every outcome \
         recorded), divided by the number of deliveries.\n\n\
         | scenario | measured (median of {runs}) | target | |\n|---|---|---|---|\n\
         | B3 last delivery after the post | {last:.0} ms | ≤ 2,000 ms | {} |\n\
         | B3 server CPU per delivery | {cpu:.3} ms | ≤ 1 ms | {} |\n\
         | B9 peak resident memory during B3 (VmHWM) | {hwm:.1} MB | ≤ 200 MB | {} |\n",
        verdict(last <= 2000.0),
        verdict(cpu <= 1.0),
        verdict(hwm <= 200.0),
        runs = results.len(),
    );
    let busy = cpu * n / last.max(1.0);
    let available = if options.pin { 1.0 } else { 2.0 };
    let limit = if busy >= 0.85 * available {
        format!(
            "the server's CPU ({busy:.2} core(s) busy over the fan-out at {cpu:.3} ms per delivery): one RSA-2048 \
             signature per inbox (ring: ~0.9 ms per core), re-reads of the queue, a write transaction and an HTTP \
             request per delivery (profile: see the findings)"
        )
    } else {
        format!(
            "not the server's CPU alone ({busy:.2} core(s) busy on average): the queue's per-delivery database \
             round trips and its scheduling (a scan of due rows after completions) add waiting; the RSA \
             signature per inbox is the largest CPU item"
        )
    };
    let _ = writeln!(s, "What limits the figure: {limit}.");
    s
}
