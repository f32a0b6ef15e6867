//! `kill -9` of a real `parvis serve` process in the middle of a fan-out: after a restart, every delivery
//! arrives, and only the ones in flight may arrive twice.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::federation::eventually;
use crate::support::instance::database;
use crate::support::{Backend, both_backends, sink};
use parvis::model::Role;

const SINK_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9));
const SERVERS: usize = 300;

pub(crate) fn spawn(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("PARVIS_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub(crate) async fn wait_healthy(base: &str) {
    crate::support::install_crypto_provider();
    let client = reqwest::Client::new();
    eventually(
        "parvis serve to answer",
        Duration::from_secs(30),
        || async {
            let ok = client
                .get(format!("{base}/health"))
                .send()
                .await
                .ok()?
                .status()
                .is_success();
            ok.then_some(())
        },
    )
    .await;
}

both_backends!(
    kill_9_in_the_middle_of_a_fan_out_loses_nothing,
    |backend: Backend| async move {
        let sink = sink::start(SINK_IP, Duration::from_millis(150), 202).await;
        let (db, settings, dir) = database(backend);
        let token = {
            parvis::civic::communes::create_commune(&db, "ville", "Ville")
                .await
                .unwrap();
            parvis::civic::accounts::create_account(
                &db,
                parvis::civic::accounts::NewAccount {
                    username: "marie".into(),
                    role: Role::Official,
                    commune: None,
                    display_name: None,
                    password: None,
                },
            )
            .await
            .unwrap();
            parvis::civic::tokens::create_token(&db, "marie")
                .await
                .unwrap()
        };
        // 300 remote servers following marie, each with its own host name, all served by the sink.
        let hosts: Vec<String> = (0..SERVERS)
            .map(|i| format!("server-{i}.sink.test"))
            .collect();
        let port = sink.addr.port();
        sink::followers_on_sink(&db, "marie", &hosts, port).await;
        drop(db);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let parvis_port = listener.local_addr().unwrap().port();
        drop(listener);
        let base = format!("http://localhost:{parvis_port}");
        let static_hosts: String = hosts
            .iter()
            .map(|h| format!("\"{h}\" = \"{SINK_IP}\"\n"))
            .collect();
        let config = dir.path().join("parvis.toml");
        std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:{parvis_port}\"\npublic_url = \"{base}\"\ndata_dir = {:?}\n\
             [database]\nurl = {:?}\n[federation]\nallowed_hosts = {:?}\nretry_base_secs = 1\n\
             delivery_concurrency = 32\nrequest_timeout_secs = 5\ndelivery_lease_secs = 6\n[federation.static_hosts]\n{static_hosts}",
            dir.path().display().to_string(),
            settings.database.url,
            hosts,
        ),
    )
    .unwrap();

        let mut server = spawn(&config);
        wait_healthy(&base).await;
        let client = reqwest::Client::new();
        let post = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&json!({"status": "Fan-out"}))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), 200);
        // Kill it once about a third of the servers have their copy.
        eventually(
            "a third of the fan-out",
            Duration::from_secs(60),
            || async { (sink.received.all().len() >= SERVERS / 3).then_some(()) },
        )
        .await;
        server.kill().unwrap();
        server.wait().unwrap();
        let at_kill = sink.received.all().len();
        assert!(
            at_kill < SERVERS,
            "the fan-out finished before the kill: the test proves nothing"
        );

        let mut server = spawn(&config);
        wait_healthy(&base).await;
        eventually(
            "every server to receive the post",
            Duration::from_secs(120),
            || async {
                let hosts: HashSet<String> =
                    sink.received.all().into_iter().map(|(h, _)| h).collect();
                (hosts.len() == SERVERS).then_some(())
            },
        )
        .await;
        server.kill().unwrap();
        server.wait().unwrap();

        let received = sink.received.all();
        let mut per_host: HashMap<String, usize> = HashMap::new();
        for (host, id) in &received {
            assert!(id.starts_with(&base), "{id}");
            *per_host.entry(host.clone()).or_default() += 1;
        }
        assert_eq!(per_host.len(), SERVERS);
        let duplicates: usize = per_host.values().map(|n| n - 1).sum();
        // Only deliveries in flight at the kill may be repeated: at most the concurrency limit.
        assert!(duplicates <= 32, "{duplicates} duplicates");
    }
);
