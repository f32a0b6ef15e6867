//! B8 (reads): many keep-alive connections reading a debate page with its comments (HTML, as people read
//! it) and an actor document (JSON, as servers fetch it), for a fixed time; requests per second and latency
//! percentiles for each, and the SQL statements the debate's reads cost at 5 and at the full comment count.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::client::{Conn, request};
use crate::common::{
    Instance, Options, Res, Workspace, fail, fresh_database, mb, pe, percentile, verdict,
};
use crate::report;
use crate::server::{Server, pin_self};

#[derive(Debug, clap::Args)]
pub struct B8Args {
    /// Comments on the debate read.
    #[arg(long, default_value_t = 50)]
    comments: usize,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds each read is measured for.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Use PostgreSQL (a URL of a cluster in which this program may CREATE DATABASE).
    #[arg(long)]
    postgres: Option<String>,
}

struct Phase {
    name: &'static str,
    answers: usize,
    statuses: BTreeMap<u16, usize>,
    /// Sorted, in microseconds.
    latencies: Vec<u32>,
    wall: Duration,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.answers as f64 / self.wall.as_secs_f64()
    }
    fn ms(&self, q: f64) -> f64 {
        f64::from(percentile(&self.latencies, q)) / 1000.0
    }
    fn ok(&self) -> bool {
        self.statuses.keys().all(|s| *s == 200)
    }
}

/// Opens a debate by marie with `n` comments (some replies, sides, edits and agrees); returns its id and the
/// statements its reads cost with 5 comments and with `n`.
async fn prepare_debate(instance: &Instance, n: usize) -> Res<(i64, usize, usize)> {
    let marie = instance.marie;
    instance
        .db
        .transaction(move |conn| {
            use parvis::civic::debates as civic;
            use parvis::model::schema::accounts;
            let account: parvis::model::Account = accounts::table
                .find(marie)
                .select(parvis::model::Account::as_select())
                .first(conn)?;
            let debate = civic::open_debate(
                conn,
                &account,
                civic::NewDebate {
                    title: "Faut-il piétonniser la place du marché ?".into(),
                    question: "Le samedi matin, la place est pleine : faut-il la fermer aux voitures ?".into(),
                    body: "La **commune** propose un essai d'un an.\n\n- marché\n- livraisons\n- riverains".into(),
                    ..Default::default()
                },
            )?;
            let mut small = 0;
            let mut last = None;
            for i in 1..=n {
                let stance = [None, Some(parvis::model::Stance::For), Some(parvis::model::Stance::Against)][i % 3];
                let parent = if i % 4 == 0 { last } else { None };
                let text = format!(
                    "Avis numéro {i} : un commentaire de longueur habituelle, avec un lien https://ville.example/{i} \
                     et quelques phrases pour argumenter, comme on en lit dans un débat municipal."
                );
                let c = civic::comment(conn, marie, debate.id, parent, &text, stance)?;
                if i % 5 == 0 {
                    civic::edit_comment(conn, marie, c.id, &format!("{text} (revu)"), stance)?;
                }
                last = Some(c.id);
                if i == 5.min(n) {
                    small = parvis::db::count_statements(conn, |conn| {
                        parvis::db::debates::thread(conn, debate.id, None)
                    })?
                    .1;
                }
            }
            let full = parvis::db::count_statements(conn, |conn| {
                parvis::db::debates::thread(conn, debate.id, None)
            })?
            .1;
            Ok((debate.id.0, small, full))
        })
        .await
        .map_err(pe)
}

async fn measure(
    name: &'static str,
    addr: SocketAddr,
    request: Vec<u8>,
    concurrency: usize,
    seconds: u64,
) -> Res<Phase> {
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut seen: Vec<(u16, u32)> = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let answer = conn.send(&request).await?;
                seen.push((
                    answer.status,
                    u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX),
                ));
            }
            Res::Ok(seen)
        }));
    }
    let mut statuses = BTreeMap::new();
    let mut latencies = Vec::new();
    for task in tasks {
        for (status, micros) in task.await?? {
            *statuses.entry(status).or_insert(0) += 1;
            latencies.push(micros);
        }
    }
    let wall = started.elapsed();
    latencies.sort_unstable();
    Ok(Phase {
        name,
        answers: latencies.len(),
        statuses,
        latencies,
        wall,
    })
}

pub async fn run(options: &Options, args: &B8Args) -> Res<()> {
    if args.concurrency == 0 || args.seconds == 0 {
        return Err(fail("concurrency and seconds must be at least 1"));
    }
    let ws = Workspace::new(options, "b8")?;
    let database = fresh_database(&ws, args.postgres.as_deref(), "b8")?;
    let instance = Instance::prepare(&ws, database).await?;
    eprintln!("  writing a debate with {} comments…", args.comments);
    let (debate, small, full) = prepare_debate(&instance, args.comments).await?;
    instance.write_config("", "")?;
    let mut server = Server::spawn(
        options,
        &instance.config,
        instance.addr(),
        &ws.dir.join("server.log"),
    )?;
    server.wait_healthy(Duration::from_secs(30)).await?;
    pin_self(options, "1")?;
    let host = format!("127.0.0.1:{}", instance.port);
    let page = request(
        "GET",
        &format!("/debates/{debate}"),
        &host,
        &[("accept", "text/html"), ("accept-language", "fr")],
        b"",
    );
    let actor = request(
        "GET",
        "/users/marie",
        &host,
        &[("accept", "application/activity+json")],
        b"",
    );
    let mut phases = Vec::new();
    for (name, req) in [("debate page (HTML)", page), ("actor (JSON)", actor)] {
        eprintln!(
            "  {name}: {} connections for {} s…",
            args.concurrency, args.seconds
        );
        phases.push(measure(name, instance.addr(), req, args.concurrency, args.seconds).await?);
    }
    let memory = server.memory()?;
    pin_self(options, "0-1")?;
    server.stop().await?;
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let key = if args.postgres.is_some() {
        "b8-postgres"
    } else {
        "b8-sqlite"
    };
    report::publish(
        options,
        key,
        &markdown(
            options,
            args,
            backend,
            &phases,
            (small, full),
            mb(memory.rss_kb),
        ),
    )
}

fn markdown(
    options: &Options,
    args: &B8Args,
    backend: &str,
    phases: &[Phase],
    statements: (usize, usize),
    rss_mb: f64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## B8 reads on {backend}: a debate page with {} comments, an actor document\n",
        args.comments
    );
    s.push_str(&report::preamble(options));
    let _ = writeln!(
        s,
        "- {} keep-alive connections, {} s per read, plain HTTP on loopback (no TLS: a reverse proxy's work is \
         not counted); VmRSS at the end {rss_mb:.1} MB\n- **not the full B8 scenario**: the database holds the \
         debate and its comments only (not 1M activities), B1 does not run alongside, and the page has no \
         live poll yet (polls come with issue 7)\n",
        args.concurrency, args.seconds
    );
    s.push_str(
        "| read | answers | statuses | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n",
    );
    for p in phases {
        let _ = writeln!(
            s,
            "| {} | {} | {:?} | {:.0} | {:.2} | {:.2} |",
            p.name,
            p.answers,
            p.statuses,
            p.rate(),
            p.ms(50.0),
            p.ms(99.0)
        );
    }
    let (page, actor) = (&phases[0], &phases[1]);
    let _ = writeln!(
        s,
        "\n| target | measured | | |\n|---|---|---|---|\n\
         | debate page ≥ 1,000/s, p50 < 15 ms, p99 < 50 ms | {:.0}/s, p50 {:.1} ms, p99 {:.1} ms | | {} |\n\
         | actor ≥ 10k/s, p99 < 10 ms | {:.0}/s, p99 {:.1} ms | | {} |\n\
         | statements for the debate's reads, fixed | {} with 5 comments, {} with {} | | {} |",
        page.rate(),
        page.ms(50.0),
        page.ms(99.0),
        verdict(page.ok() && page.rate() >= 1000.0 && page.ms(50.0) < 15.0 && page.ms(99.0) < 50.0),
        actor.rate(),
        actor.ms(99.0),
        verdict(actor.ok() && actor.rate() >= 10_000.0 && actor.ms(99.0) < 10.0),
        statements.0,
        statements.1,
        args.comments,
        verdict(statements.0 == statements.1),
    );
    s
}
