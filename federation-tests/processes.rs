//! More than one process: an SQLite database takes one server process (a second is refused, admin commands
//! still work beside it), and PostgreSQL processes starting at once apply the migrations once.

use std::process::Command;

use crate::crash::{spawn, wait_healthy};
use crate::support::Backend;
use crate::support::instance::database;

/// A `parvis serve` that is killed when dropped, so that a failing test leaves no server behind.
struct Server(std::process::Child);

impl Server {
    fn start(config: &std::path::Path) -> Server {
        Server(spawn(config))
    }

    /// `kill -9`, and waits for its end; returns its process id.
    fn kill(&mut self) -> u32 {
        let id = self.0.id();
        let _ = self.0.kill();
        let _ = self.0.wait();
        id
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A configuration file for `parvis serve` on `settings`' database, listening on a free port; returns it
/// and the server's base URL.
pub(crate) fn config_for(
    settings: &parvis::config::Settings,
    dir: &std::path::Path,
) -> (std::path::PathBuf, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = format!("http://localhost:{port}");
    let config = dir.join("parvis.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:{port}\"\npublic_url = \"{base}\"\ndata_dir = {:?}\n\
             [database]\nurl = {:?}\n",
            dir.display().to_string(),
            settings.database.url,
        ),
    )
    .unwrap();
    (config, base)
}

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_is_refused_and_admin_commands_still_work() {
    let (db, settings, dir) = database(Backend::Sqlite);
    drop(db);
    let (config, base) = config_for(&settings, dir.path());
    let mut first = Server::start(&config);
    wait_healthy(&base).await;

    // A second server on the same file stops at once and says why (one still running after 15 seconds
    // started: the test fails, and stops it).
    let second = tokio::task::spawn_blocking({
        let config = config.clone();
        move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_parvis"))
                .args(["serve", "--config", config.to_str().unwrap()])
                .env("PARVIS_SERVER__BIND", "127.0.0.1:0")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
            while child.try_wait().unwrap().is_none() {
                if std::time::Instant::now() > deadline {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    panic!("a second `parvis serve` started on the same SQLite file");
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            child.wait_with_output().unwrap()
        }
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "{said}");
    assert!(
        said.contains("another `parvis serve` is running on"),
        "{said}"
    );
    // An admin command beside the running server works.
    let admin = Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args([
            "admin",
            "--config",
            config.to_str().unwrap(),
            "commune",
            "create",
            "--slug",
            "belleville",
            "--name",
            "Belleville",
        ])
        .output()
        .unwrap();
    assert!(
        admin.status.success(),
        "{}",
        String::from_utf8_lossy(&admin.stderr)
    );
    assert_eq!(
        reqwest::get(format!("{base}/health"))
            .await
            .unwrap()
            .status(),
        200
    );

    // Killed, the first server lets the next one start.
    first.kill();
    let _next = Server::start(&config);
    wait_healthy(&base).await;
}

#[tokio::test]
async fn postgresql_processes_starting_at_once_apply_the_migrations_once() {
    let url = crate::support::postgres::fresh_database_url();
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let db = parvis::db::Database::connect(&url, parvis::config::Backend::Postgres, 1)
                    .unwrap();
                db.migrate()
            })
        })
        .collect();
    let applied: Vec<usize> = starts
        .into_iter()
        .map(|s| s.join().unwrap().expect("every process starts"))
        .collect();
    let all = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    let mut sorted = applied.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 0, all], "{applied:?}");
}

/// `PROCESSES` × `parvis serve` on the database `url`, each on its own port, all known by one public URL, with
/// `federation` as their `[federation]` table; once all answer: the servers, their ports, the public URL.
async fn three_processes(
    dir: &std::path::Path,
    url: &str,
    federation: &str,
) -> (Vec<Server>, Vec<u16>, String) {
    let ports: Vec<u16> = (0..PROCESSES)
        .map(|_| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        })
        .collect();
    let public = format!("http://localhost:{}", ports[0]);
    let mut servers = vec![];
    for (i, port) in ports.iter().enumerate() {
        let config = dir.join(format!("parvis-{i}.toml"));
        std::fs::write(
            &config,
            format!(
                "[server]\nbind = \"127.0.0.1:{port}\"\npublic_url = \"{public}\"\ndata_dir = {:?}\n\
                 [database]\nurl = {url:?}\n[federation]\n{federation}",
                dir.display().to_string(),
            ),
        )
        .unwrap();
        servers.push(Server::start(&config));
    }
    for port in &ports {
        wait_healthy(&format!("http://localhost:{port}")).await;
    }
    (servers, ports, public)
}

/// `n` server names on the sink, and the `[federation]` table that reaches them: 16 deliveries in flight
/// per process, 6-second claims.
fn sink_servers(n: usize) -> (Vec<String>, String) {
    let hosts: Vec<String> = (0..n).map(|i| format!("server-{i}.sink.test")).collect();
    let static_hosts: String = hosts
        .iter()
        .map(|h| format!("\"{h}\" = \"{SINK_IP}\"\n"))
        .collect();
    let federation = format!(
        "allowed_hosts = {hosts:?}\nretry_base_secs = 1\ndelivery_concurrency = 16\n\
         request_timeout_secs = 5\ndelivery_lease_secs = 6\n[federation.static_hosts]\n{static_hosts}"
    );
    (hosts, federation)
}

const SINK_IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 10));
const SERVERS: usize = 1000;
const PROCESSES: usize = 3;

#[tokio::test]
async fn three_processes_on_one_postgresql_share_a_fan_out_and_a_kill_9_loses_nothing() {
    use std::collections::HashMap;
    use std::time::Duration;

    use diesel::prelude::*;

    use crate::federation::eventually;
    use crate::support::sink;
    use parvis::model::schema::deliveries;

    // Slow servers: the fan-out lasts long enough for a process to die in its middle.
    let sink = sink::start(SINK_IP, Duration::from_millis(500), 202).await;
    let (db, settings, dir) = database(Backend::Postgres);
    let token = marie(&db).await;
    let (hosts, federation) = sink_servers(SERVERS);
    sink::followers_on_sink(&db, "marie", &hosts, sink.addr.port()).await;
    let (mut servers, _, public) =
        three_processes(dir.path(), &settings.database.url, &federation).await;

    let post = reqwest::Client::new()
        .post(format!("{public}/api/v1/statuses"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"status": "Fan-out"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    // The second process dies a third of the way; what it had claimed is counted.
    eventually(
        "a third of the fan-out",
        Duration::from_secs(60),
        || async { (sink.received.all().len() >= SERVERS / 3).then_some(()) },
    )
    .await;
    let killed = servers[1].kill();
    let at_kill = sink.received.all().len();
    assert!(
        at_kill < SERVERS,
        "the fan-out finished before the kill: the test proves nothing"
    );
    let held: i64 = db
        .run(move |c| {
            Ok(deliveries::table
                .filter(deliveries::leased_by.like(format!("{killed}:%")))
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap();

    // The two others send everything, the dead one's claims too once they run out.
    eventually(
        "every server to receive the post",
        Duration::from_secs(120),
        || async {
            let hosts: std::collections::HashSet<String> =
                sink.received.all().into_iter().map(|(h, _)| h).collect();
            (hosts.len() == SERVERS).then_some(())
        },
    )
    .await;
    drop(servers);
    let mut per_host: HashMap<String, usize> = HashMap::new();
    for (host, _) in sink.received.all() {
        *per_host.entry(host).or_default() += 1;
    }
    assert_eq!(per_host.len(), SERVERS);
    let duplicates: usize = per_host.values().map(|n| n - 1).sum();
    // Only what the dead process had claimed may arrive twice: no delivery was sent by two live processes.
    assert!(
        duplicates as i64 <= held,
        "{duplicates} duplicates, the killed process held {held} claims"
    );
}

/// Each host's count of the activity `id` in what the sink received.
fn per_host(
    sink: &crate::support::sink::Sink,
    id: &str,
) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for (host, got) in sink.received.all() {
        if got == id {
            *counts.entry(host).or_default() += 1;
        }
    }
    counts
}

/// Marie, an official of the commune "ville", and a token of hers.
pub(crate) async fn marie(db: &parvis::db::Database) -> String {
    parvis::civic::communes::create_commune(db, "ville", "Ville")
        .await
        .unwrap();
    parvis::civic::accounts::create_account(
        db,
        parvis::civic::accounts::NewAccount {
            username: "marie".into(),
            role: parvis::model::Role::Official,
            commune: None,
            display_name: None,
            password: None,
        },
    )
    .await
    .unwrap();
    parvis::civic::tokens::create_token(db, "marie")
        .await
        .unwrap()
}

/// Posts `text` as marie through the process at `base`; `None` if it was not written.
async fn post(base: &str, token: &str, text: &str) -> Option<()> {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/statuses"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "status": text }))
        .send()
        .await
        .ok()?;
    (response.status() == 200).then_some(())
}

/// The activity ids the sink received, each with how many servers got it.
fn activities(sink: &crate::support::sink::Sink) -> std::collections::HashMap<String, usize> {
    let mut hosts: std::collections::HashMap<String, std::collections::HashSet<String>> =
        std::collections::HashMap::new();
    for (host, id) in sink.received.all() {
        hosts.entry(id).or_default().insert(host);
    }
    hosts.into_iter().map(|(id, h)| (id, h.len())).collect()
}

#[tokio::test]
async fn postgresql_restarted_under_load_the_processes_reconnect_and_lose_nothing() {
    use std::time::Duration;

    use crate::federation::eventually;
    use crate::support::postgres::OwnCluster;
    use crate::support::sink;

    const RESTART_SERVERS: usize = 200;
    let mut cluster = OwnCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::instance::settings_for(Backend::Sqlite, dir.path());
    settings.database.url = cluster.database_url();
    let db = parvis::app::open_database(&settings).unwrap();
    let token = marie(&db).await;
    let sink = sink::start(SINK_IP, Duration::from_millis(500), 202).await;
    let (hosts, federation) = sink_servers(RESTART_SERVERS);
    sink::followers_on_sink(&db, "marie", &hosts, sink.addr.port()).await;
    drop(db);
    let (servers, ports, public) =
        three_processes(dir.path(), &settings.database.url, &federation).await;

    post(&public, &token, "Avant").await.expect("posted");
    eventually(
        "a third of the fan-out",
        Duration::from_secs(60),
        || async { (sink.received.all().len() >= RESTART_SERVERS / 3).then_some(()) },
    )
    .await;
    let first = sink.received.all()[0].1.clone();

    // PostgreSQL stops in the middle of the fan-out; every process sees it go.
    cluster.stop();
    assert!(
        per_host(&sink, &first).len() < RESTART_SERVERS,
        "the fan-out finished before the stop: the test proves nothing"
    );
    let client = reqwest::Client::new();
    for port in &ports {
        eventually(
            "each process to report the database gone",
            Duration::from_secs(60),
            || async {
                let status = client
                    .get(format!("http://localhost:{port}/health"))
                    .send()
                    .await
                    .ok()?
                    .status();
                (status == 503).then_some(())
            },
        )
        .await;
    }
    cluster.start_again();

    // Each process writes again (its pool reconnects), and every server gets both posts.
    for port in &ports {
        let base = format!("http://localhost:{port}");
        eventually(
            "a post through each process after the restart",
            Duration::from_secs(60),
            || post(&base, &token, "Après"),
        )
        .await;
    }
    eventually(
        "every server to receive the four posts",
        Duration::from_secs(120),
        || async {
            let got = activities(&sink);
            (got.len() == 1 + PROCESSES && got.values().all(|n| *n == RESTART_SERVERS))
                .then_some(())
        },
    )
    .await;
    drop(servers);
    // What was in flight when the database went may arrive twice (its outcome could not be written), never
    // more: each process has at most `delivery_concurrency` deliveries in flight.
    let duplicates: usize = per_host(&sink, &first).values().map(|n| n - 1).sum();
    eprintln!("duplicates of the post in flight at the stop: {duplicates}");
    assert!(
        duplicates <= PROCESSES * 16,
        "{duplicates} duplicates of the post sent when PostgreSQL stopped"
    );
    let after = sink
        .received
        .all()
        .iter()
        .filter(|(_, id)| *id != first)
        .count();
    assert_eq!(
        after,
        PROCESSES * RESTART_SERVERS,
        "the posts made after the restart arrived once each"
    );
}

#[tokio::test]
async fn the_inboxes_of_three_processes_take_the_same_activities_at_once_with_one_effect_each() {
    use std::time::Duration;

    use diesel::prelude::*;
    use serde_json::json;

    use crate::federation::eventually;
    use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, signed_post};
    use parvis::model::schema::{follows, note_favourites, notes};

    const WAIT: Duration = Duration::from_secs(30);
    let (db, settings, dir) = database(Backend::Postgres);
    let token = marie(&db).await;
    let evil = Hostile::start(EVIL, EVIL_IP).await;
    // Five people of one server: each first signs to the three processes at once, which all fetch its key.
    let people: Vec<String> = (0..5)
        .map(|i| evil.serve_actor(&format!("remy{i}"), &keys()[0]))
        .collect();
    let remy = people[0].clone();
    let (servers, ports, public) = three_processes(
        dir.path(),
        &settings.database.url,
        &format!(
            "allowed_hosts = [\"{EVIL}\"]\nretry_base_secs = 1\n[federation.static_hosts]\n\"{EVIL}\" = \"{EVIL_IP}\"\n"
        ),
    )
    .await;
    let marie = format!("{public}/users/marie");
    let client = evil.client();
    let public_inbox = format!("{public}/inbox");
    let public_host = public.trim_start_matches("http://").to_string();
    // `activity` signed afresh for each process and sent to the three inboxes at the same moment; every
    // answer is an acceptance (a copy that lost the race is no error).
    let to_all = |activity: serde_json::Value| {
        let client = client.clone();
        let key_id = format!("{}#main-key", activity["actor"].as_str().unwrap());
        let ports = ports.clone();
        let (public_inbox, public_host) = (public_inbox.clone(), public_host.clone());
        async move {
            // Signed for the public inbox, as a proxy in front of the three would pass it on (its Host kept).
            let key = keys()[0].signing();
            let body = serde_json::to_vec(&activity).unwrap();
            let sends = ports.iter().map(|port| {
                let mut headers = signed_post(&public_inbox, &body, &key_id, &key);
                headers.insert("host", public_host.parse().unwrap());
                let request = client
                    .post(format!("http://127.0.0.1:{port}/inbox"))
                    .headers(headers)
                    .body(body.clone());
                async move {
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16();
                    (status, response.text().await.unwrap_or_default())
                }
            });
            for (status, body) in futures_util::future::join_all(sends).await {
                assert!(
                    (200..300).contains(&status),
                    "{status} {body} for {activity}"
                );
            }
        }
    };

    // A Follow from each, three times at once: one follower and one Accept each.
    for person in &people {
        to_all(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{person}/follows/1"), "type": "Follow", "actor": person, "object": marie,
        }))
        .await;
    }
    // Ten posts mentioning marie, each three times at once: ten posts.
    for i in 0..10 {
        let id = format!("{remy}/notes/{i}");
        to_all(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{id}/activity"), "type": "Create", "actor": remy,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [marie],
            "object": {
                "id": id, "type": "Note", "attributedTo": remy, "content": format!("Message {i}"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [marie],
                "tag": [{"type": "Mention", "href": marie}],
                "published": "2026-12-07T10:00:00Z",
            },
        }))
        .await;
    }
    // Marie posts; the Like of it, three times at once: one favourite.
    let posted: serde_json::Value = reqwest::Client::new()
        .post(format!("{public}/api/v1/statuses"))
        .bearer_auth(&token)
        .json(&json!({"status": "Bonjour"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let note = posted["uri"].as_str().unwrap().to_string();
    to_all(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{remy}/likes/1"), "type": "Like", "actor": remy, "object": note,
    }))
    .await;

    // Marie's post reaches their server (one shared inbox) after the Accepts: then each was sent once.
    eventually("marie's post at their server", WAIT, || async {
        (evil.posts().len() > people.len()).then_some(())
    })
    .await;
    let db2 = db.clone();
    let (followers, remote_notes, favourites) = db2
        .run(move |c| {
            let followers: i64 = follows::table
                .filter(follows::follower_remote_id.is_not_null())
                .count()
                .get_result(c)?;
            let remote_notes: i64 = notes::table
                .filter(notes::remote_author_id.is_not_null())
                .count()
                .get_result(c)?;
            let favourites: i64 = note_favourites::table.count().get_result(c)?;
            Ok((followers, remote_notes, favourites))
        })
        .await
        .unwrap();
    drop(servers);
    assert_eq!(
        (followers, remote_notes, favourites),
        (people.len() as i64, 10, 1),
        "one effect per activity"
    );
    assert_eq!(
        evil.posts().len(),
        people.len() + 1,
        "one Accept each, one post: {:?}",
        evil.posts()
    );
}
