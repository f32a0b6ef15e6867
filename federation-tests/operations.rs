//! Operating an instance: `/metrics` behind its token or on its own address, what it counts, and JSON logs
//! whose lines carry the request's id.

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::federation::{account, eventually};
use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, post_signed, reach};
use crate::support::{TestInstance, both_backends, sink};
use parvis::model::Role;

const SINK_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11));
const TOKEN: &str = "metrics-token-0123456789";

/// The value of one series (`name{labels}` exactly as exposed), if present.
pub(crate) fn series(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.rsplit_once(' ').filter(|(s, _)| *s == name))
        .map(|(_, v)| v.parse().unwrap())
}

async fn scrape(client: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

both_backends!(
    metrics_need_the_token_and_count_what_happened,
    |backend| async move {
        let down = sink::start(SINK_IP, Duration::ZERO, 503).await;
        let alpha = TestInstance::start_with(backend, |s| {
            reach(s);
            s.metrics.token = TOKEN.into();
            s.federation.allowed_hosts.push("down.sink.test".into());
            s.federation
                .static_hosts
                .insert("down.sink.test".into(), SINK_IP);
        })
        .await;
        let marie = account(&alpha, "ville", "marie", Role::Official).await;
        let url = alpha.url("/metrics");
        let client = alpha.client();

        // Without the token, or with another, or as Basic: 401, and nothing shown.
        for token in [None, Some("metrics-token-0123456788")] {
            let (status, body) = scrape(&client, &url, token).await;
            assert_eq!(status, 401, "{body}");
            assert!(!body.contains("parvis_"), "{body}");
        }
        let basic = client
            .get(&url)
            .basic_auth("prometheus", Some(TOKEN))
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 401);
        assert!(basic.headers().contains_key("www-authenticate"));

        // Refused twice (not JSON; unsigned), accepted once (a signed Follow from another server).
        let refused = client
            .post(alpha.url("/inbox"))
            .header("content-type", "application/activity+json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let bob = evil.serve_actor("bob", &keys()[0]);
        let follow = json!({"id": evil.url("/follows/1"), "type": "Follow", "actor": bob,
            "object": alpha.url("/users/marie")});
        let unsigned = client
            .post(alpha.url("/inbox"))
            .header("content-type", "application/activity+json")
            .json(&follow)
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status(), 401);
        let (code, body) = post_signed(
            &evil.client(),
            &alpha.url("/inbox"),
            &follow,
            &format!("{bob}#main-key"),
            &keys()[0].signing(),
        )
        .await;
        assert_eq!(code, 202, "{body}");

        // A follower on a server that is down: marie's post waits in the queue.
        sink::followers_on_sink(
            &alpha.db,
            "marie",
            &["down.sink.test".to_string()],
            down.addr.port(),
        )
        .await;
        let (status, body) = alpha
            .api_post(
                "/api/v1/statuses",
                &marie,
                json!({"status": "Conseil municipal"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");

        // A page by route pattern: the path (with marie's name) never becomes a label.
        let page = client.get(alpha.url("/users/marie")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let text = eventually(
            "the metrics to show the delivery outcomes",
            Duration::from_secs(20),
            || {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    let (status, text) = scrape(&client, &url, Some(TOKEN)).await;
                    assert_eq!(status, 200);
                    let done = series(&text, r#"parvis_deliveries_total{outcome="delivered"}"#)
                        .is_some()
                        && series(&text, r#"parvis_deliveries_total{outcome="retry"}"#).is_some();
                    done.then_some(text)
                }
            },
        )
        .await;
        let value =
            |name: &str| series(&text, name).unwrap_or_else(|| panic!("no {name} in\n{text}"));
        assert_eq!(
            value(r#"parvis_inbox_activities_total{outcome="refused",reason="malformed"}"#),
            1.0
        );
        assert_eq!(
            value(r#"parvis_inbox_activities_total{outcome="refused",reason="signature"}"#),
            1.0
        );
        assert_eq!(
            value(r#"parvis_inbox_activities_total{outcome="accepted",reason=""}"#),
            1.0
        );
        // The Accept and marie's post reached bob's server; the post to the server that is down waits.
        assert_eq!(
            value(r#"parvis_deliveries_total{outcome="delivered"}"#),
            2.0
        );
        assert!(value(r#"parvis_deliveries_total{outcome="retry"}"#) >= 1.0);
        assert_eq!(value(r#"parvis_delivery_queue{state="queued"}"#), 1.0);
        assert!(value("parvis_delivery_queue_oldest_age_seconds") > 0.0);
        assert_eq!(value(r#"parvis_remote_servers{state="failing"}"#), 1.0);
        assert_eq!(value(r#"parvis_remote_servers{state="healthy"}"#), 1.0);
        assert_eq!(value("parvis_mail_queue"), 0.0);
        // Requests by route pattern (never by path), with their times; the 401s above are counted too.
        assert_eq!(
            value(
                r#"parvis_http_requests_total{route="/api/v1/statuses",method="POST",status="200"}"#
            ),
            1.0
        );
        assert_eq!(
            value(r#"parvis_http_requests_total{route="/metrics",method="GET",status="401"}"#),
            3.0
        );
        assert_eq!(
            value(r#"parvis_http_request_duration_seconds_count{route="/inbox",method="POST"}"#),
            3.0
        );
        assert!(value("parvis_database_pool_wait_seconds_count") > 0.0);
        assert_eq!(
            value(r#"parvis_http_requests_total{route="/users/{name}",method="GET",status="200"}"#),
            1.0
        );
        assert!(
            !text.contains("/users/marie"),
            "a path became a label:\n{text}"
        );
        assert_eq!(value("parvis_database_up"), 1.0);
        let response = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert!(response.text().await.unwrap().ends_with("# EOF\n"));
    }
);

both_backends!(
    metrics_on_their_own_address_are_not_on_the_public_one,
    |backend| async move {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let alpha = TestInstance::start_with(backend, |s| {
            s.metrics.bind = format!("127.0.0.1:{port}");
        })
        .await;
        let client = alpha.client();
        let (status, _) = scrape(
            &client,
            &alpha.url("/metrics"),
            Some("anything-at-all-here"),
        )
        .await;
        assert_eq!(status, 404);
        let own = format!("http://127.0.0.1:{port}/metrics");
        eventually(
            "the metrics address to answer",
            Duration::from_secs(10),
            || {
                let (client, own) = (client.clone(), own.clone());
                async move { client.get(&own).send().await.ok().map(|_| ()) }
            },
        )
        .await;
        let (status, text) = scrape(&client, &own, None).await;
        assert_eq!(status, 200);
        assert!(
            text.contains("# TYPE parvis_http_requests counter"),
            "{text}"
        );
        // Only /metrics there.
        let (status, _) = scrape(&client, &format!("http://127.0.0.1:{port}/health"), None).await;
        assert_eq!(status, 404);
    }
);

/// A real `parvis serve` with `[log] format = "json"`: every line on standard error is one JSON object, and
/// the lines written while answering a request carry the id the answer gives (a proxy's own id is kept).
#[tokio::test]
async fn json_logs_carry_the_request_id_the_answer_gives() {
    let (db, settings, dir) = crate::support::instance::database(crate::support::Backend::Sqlite);
    drop(db);
    let (config, base) = crate::processes::config_for(&settings, dir.path());
    let log = dir.path().join("stderr.log");
    let child = Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("PARVIS_LOG__FORMAT", "json")
        // Behind a proxy: its request ids are taken.
        .env("PARVIS_SERVER__TRUST_FORWARDED_FOR", "true")
        .env("PARVIS_LOG__LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let _stop = crate::support::Children(vec![child]);
    crate::crash::wait_healthy(&base).await;
    let client = reqwest::Client::new();
    let refuse = |id: Option<&'static str>| {
        let mut request = client
            .post(format!("{base}/inbox"))
            .header("content-type", "application/activity+json")
            .body("{not json");
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 400);
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(refuse(Some("proxy-id-42")).await, "proxy-id-42");
    let made = refuse(None).await;
    assert_eq!(made.len(), 16, "{made}");
    // An id that would break a log line is not taken.
    let replaced = refuse(Some("a b")).await;
    assert_ne!(replaced, "a b");

    let lines = eventually(
        "the three refusals in the log",
        Duration::from_secs(10),
        || {
            let log = log.clone();
            async move {
                let text = std::fs::read_to_string(&log).unwrap();
                let lines: Vec<Value> = text
                    .lines()
                    .map(|l| {
                        serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
                    })
                    .collect();
                let refusals = lines
                    .iter()
                    .filter(|l| l["fields"]["message"] == "inbox refused an activity")
                    .count();
                (refusals == 3).then_some(lines)
            }
        },
    )
    .await;
    for id in ["proxy-id-42", made.as_str(), replaced.as_str()] {
        let line = lines
            .iter()
            .find(|l| l["spans"][0]["request_id"] == id)
            .unwrap_or_else(|| panic!("no line with request id {id}: {lines:?}"));
        assert_eq!(line["fields"]["message"], "inbox refused an activity");
        assert_eq!(line["spans"][0]["name"], "request");
        assert_eq!(line["spans"][0]["path"], "/inbox");
        assert_eq!(line["level"], "INFO");
    }
}
