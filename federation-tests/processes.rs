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
fn config_for(
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

const SINK_IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 10));
const SERVERS: usize = 300;
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
    parvis::civic::communes::create_commune(&db, "ville", "Ville")
        .await
        .unwrap();
    parvis::civic::accounts::create_account(
        &db,
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
    let token = parvis::civic::tokens::create_token(&db, "marie")
        .await
        .unwrap();
    let hosts: Vec<String> = (0..SERVERS)
        .map(|i| format!("server-{i}.sink.test"))
        .collect();
    sink::followers_on_sink(&db, "marie", &hosts, sink.addr.port()).await;

    // Three `parvis serve` on the one database, each on its port, all known by one public URL.
    let ports: Vec<u16> = (0..PROCESSES)
        .map(|_| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        })
        .collect();
    let static_hosts: String = hosts
        .iter()
        .map(|h| format!("\"{h}\" = \"{SINK_IP}\"\n"))
        .collect();
    let public = format!("http://localhost:{}", ports[0]);
    let mut servers = vec![];
    for (i, port) in ports.iter().enumerate() {
        let config = dir.path().join(format!("parvis-{i}.toml"));
        std::fs::write(
            &config,
            format!(
                "[server]\nbind = \"127.0.0.1:{port}\"\npublic_url = \"{public}\"\ndata_dir = {:?}\n\
                 [database]\nurl = {:?}\n[federation]\nallowed_hosts = {:?}\nretry_base_secs = 1\n\
                 delivery_concurrency = 16\nrequest_timeout_secs = 5\ndelivery_lease_secs = 6\n\
                 [federation.static_hosts]\n{static_hosts}",
                dir.path().display().to_string(),
                settings.database.url,
                hosts,
            ),
        )
        .unwrap();
        servers.push(Server::start(&config));
    }
    for port in &ports {
        wait_healthy(&format!("http://localhost:{port}")).await;
    }

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
