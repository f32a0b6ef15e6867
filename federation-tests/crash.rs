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
        let token = crate::processes::marie(&db).await;
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

both_backends!(
    kill_9_while_activities_arrive_loses_none_acknowledged,
    |backend: Backend| async move {
        use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, mentioning, signed_post};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};

        let (db, settings, dir) = database(backend);
        crate::processes::marie(&db).await;
        drop(db);
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let remy = evil.serve_actor("remy", &keys()[0]);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let parvis_port = listener.local_addr().unwrap().port();
        drop(listener);
        let base = format!("http://localhost:{parvis_port}");
        let config = dir.path().join("parvis.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nbind = \"127.0.0.1:{parvis_port}\"\npublic_url = \"{base}\"\ndata_dir = {:?}\n\
                 [database]\nurl = {:?}\n[federation]\nallowed_hosts = [\"{EVIL}\"]\n\
                 inbox_per_minute = 0\n[federation.static_hosts]\n\"{EVIL}\" = \"{EVIL_IP}\"\n",
                dir.path().display().to_string(),
                settings.database.url,
            ),
        )
        .unwrap();
        let mut server = spawn(&config);
        wait_healthy(&base).await;

        // Sixteen senders post without a pause, so that transactions overlap (and, on SQLite, are committed
        // in batches); each 202 is noted. Requests cut by the kill are neither acknowledged nor counted.
        let marie = format!("{base}/users/marie");
        let inbox = format!("{base}/inbox");
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let killed = Arc::new(AtomicBool::new(false));
        let mut senders = vec![];
        for sender in 0..16 {
            let (acknowledged, killed) = (acknowledged.clone(), killed.clone());
            let (client, inbox, remy, marie) =
                (evil.client(), inbox.clone(), remy.clone(), marie.clone());
            senders.push(tokio::spawn(async move {
                for i in 0.. {
                    let id = format!("{remy}/notes/{sender}-{i}");
                    let activity = mentioning(&remy, &id, &format!("Message {sender}-{i}"), &marie);
                    let body = serde_json::to_vec(&activity).unwrap();
                    let headers = signed_post(
                        &inbox,
                        &body,
                        &format!("{remy}#main-key"),
                        &keys()[0].signing(),
                    );
                    let sent = client.post(&inbox).headers(headers).body(body).send().await;
                    match sent.map(|r| r.status().as_u16()) {
                        Ok(202) => acknowledged.lock().unwrap().push(format!("{id}/activity")),
                        Ok(other) if !killed.load(Ordering::SeqCst) => {
                            panic!("answered {other} before the kill")
                        }
                        _ if killed.load(Ordering::SeqCst) => return,
                        Err(e) => panic!("{e} before the kill"),
                        Ok(_) => return,
                    }
                }
            }));
        }
        let count = || acknowledged.lock().unwrap().len();
        eventually(
            "300 activities acknowledged",
            Duration::from_secs(60),
            || async { (count() >= 300).then_some(()) },
        )
        .await;
        killed.store(true, Ordering::SeqCst);
        server.kill().unwrap();
        server.wait().unwrap();
        for sender in senders {
            sender.await.unwrap();
        }
        let acknowledged: Vec<String> = acknowledged.lock().unwrap().clone();

        // Every acknowledged activity and its post are in the database the process left.
        let db = parvis::app::open_database(&settings).unwrap();
        let (activities, posts) = crate::backup::stored(&db, acknowledged.clone()).await;
        eprintln!("{} acknowledged before the kill", acknowledged.len());
        assert_eq!(
            (activities, posts),
            (acknowledged.len(), acknowledged.len())
        );
    }
);
