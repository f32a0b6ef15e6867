//! Moving up: a town that started on SQLite is copied into PostgreSQL with `parvis admin copy-database`,
//! then serves the same actors, keys and content from there, and goes on federating with beta and the Fedify
//! peer, which know its keys already. The copy refuses a running server, a target that is not empty or not
//! PostgreSQL, and an unreachable one, saying why.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::federation::eventually;
use crate::pictures::{png, upload};
use crate::proposals::{commune_followed_from_beta_and_the_peer, detail, propose, supports, town};
use crate::support::network::{ALPHA, BETA, Network};
use crate::support::web::WebClient;
use crate::support::{Backend, TestInstance};
use crate::web::signed_in;

const WAIT: Duration = Duration::from_secs(30);

/// `parvis admin copy-database --to URL` on `config`: whether it succeeded, and what it printed.
fn copy_database(config: &str, to: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args(["admin", "--config", config, "copy-database", "--to", to])
        .env("PARVIS_LOG__LEVEL", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What the town shows the world: its actors' documents (keys included), a proposal, a post with its
/// picture, and a search.
async fn shown(alpha: &TestInstance, proposal: &str, post: &str, token: &str) -> Value {
    let actor = |path: &'static str| async move {
        let (code, doc) = alpha.get_json(path, "application/activity+json").await;
        assert_eq!(code, 200, "{path}: {doc}");
        doc
    };
    let (code, post) = alpha
        .api_get(&format!("/api/v1/statuses/{post}"), token)
        .await;
    assert_eq!(code, 200, "{post}");
    let found = WebClient::new(alpha).get("/search?q=ombrag%C3%A9s").await;
    microseconds(json!({
        "commune": actor("/communes/ville").await,
        "karim": actor("/users/karim").await,
        "proposal": detail(alpha, proposal).await,
        "post": post,
        "found": found.has("Des bancs « ombragés »"),
    }))
}

/// `value` with every time in it rounded to the microsecond, the precision of PostgreSQL's timestamps (SQLite
/// keeps the nanoseconds it was given).
fn microseconds(value: Value) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) if s.len() > 20 => {
                let rounded =
                    chrono::DurationRound::duration_round(t, chrono::TimeDelta::microseconds(1))
                        .unwrap();
                Value::String(rounded.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
            _ => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(microseconds).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, microseconds(v))).collect())
        }
        other => other,
    }
}

#[tokio::test]
async fn an_sqlite_town_copied_to_postgresql_keeps_its_actors_keys_and_content_and_federates_on() {
    let net = Network::new();
    let mut alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    let beta = net.instance(Backend::Sqlite, BETA, |_| {}).await;
    town(&alpha, &["lea"], "3").await;
    let peer = crate::fedify::peer(&net);
    let (_, mut bob) = commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;

    // A history: a proposal with its place, supported here and from beta; a post with a picture.
    let mut karim = signed_in(&alpha, "karim").await;
    let path = propose(&mut karim, "Des bancs « ombragés » <script>x()</script>").await;
    let mut lea = signed_in(&alpha, "lea").await;
    let page = lea.submit(&path, &format!("{path}/support"), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let copy =
        crate::support::web::link_before(&beta, "/proposals?scope=elsewhere", "Des bancs").await;
    let page = bob.submit(&copy, &format!("{copy}/support"), &[]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    eventually("bob's support on alpha", WAIT, || async {
        (supports(&detail(&alpha, &path).await) == (1, 0, 1)).then_some(())
    })
    .await;
    let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
        .await
        .unwrap();
    let (code, media) = upload(&alpha, &token, &png(64, 48), "Le banc").await;
    assert_eq!(code, 200, "{media}");
    let (code, post) = alpha
        .api_post(
            "/api/v1/statuses",
            &token,
            json!({"status": "Le banc de la place", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(code, 200, "{post}");
    let post = post["id"].as_str().unwrap().to_string();
    let before = shown(&alpha, &path, &post, &token).await;
    assert_eq!(before["found"], true, "{before}");
    assert!(
        before["commune"]["publicKey"]["publicKeyPem"]
            .as_str()
            .is_some_and(|k| k.contains("BEGIN PUBLIC KEY")),
        "{before}"
    );

    let target = crate::support::postgres::fresh_database_url();
    let (_config_dir, config) = alpha.cli_config();

    // Refused while the server runs (it holds the same lock `parvis serve` takes), into something that is not
    // PostgreSQL, and into a server that does not answer; each says why.
    {
        let _running = parvis::db::ServeLock::take(
            &alpha.settings.database_url(),
            parvis::config::Backend::Sqlite,
        )
        .unwrap();
        let (ok, said) = copy_database(&config, &target);
        assert!(!ok && said.contains("stop it before copying"), "{said}");
    }
    let (ok, said) = copy_database(&config, "sqlite:///tmp/elsewhere.sqlite3");
    assert!(!ok && said.contains("must be a PostgreSQL URL"), "{said}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (ok, said) = copy_database(&config, &format!("postgres://parvis@127.0.0.1:{port}/x"));
    assert!(!ok && said.contains("cannot open the database"), "{said}");

    // The server stops; the copy counts every table on both sides.
    alpha.stop().await;
    let (ok, said) = copy_database(&config, &target);
    assert!(ok, "{said}");
    assert!(said.contains("every table counted the same"), "{said}");
    for table in [
        "actors",
        "accounts",
        "debates",
        "proposal_supports",
        "media_attachments",
    ] {
        let line = said
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no line for {table}: {said}"));
        assert!(!line.contains(" 0 rows"), "{table} copied empty: {said}");
    }
    // A second copy into the same database is refused: it holds a town now.
    let (ok, said) = copy_database(&config, &target);
    assert!(
        !ok && said.contains("already holds communes or accounts"),
        "{said}"
    );

    // The town starts again on PostgreSQL, at the same address, with the same data directory.
    alpha.settings.database.url = target;
    alpha.db = {
        let settings = alpha.settings.clone();
        tokio::task::spawn_blocking(move || parvis::app::open_database(&settings))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(alpha.db.backend(), parvis::config::Backend::Postgres);
    alpha.restart().await;
    let after = shown(&alpha, &path, &post, &token).await;
    assert_eq!(after, before);
    let picture = before["post"]["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let served = alpha.get(&picture[alpha.base.len()..], "image/*").await;
    assert_eq!(served.status(), 200, "{picture}");
    // Passwords came along: karim signs in.
    let mut karim = signed_in(&alpha, "karim").await;

    // It federates on with the same keys: beta's and the peer's cached keys verify what it sends now. A new
    // proposal takes a new id (the sequences went past the copied ones).
    let second = propose(&mut karim, "Une fontaine").await;
    assert_ne!(second, path);
    let second_id = alpha.url(&second.replace("/proposals/", "/debates/"));
    peer.wait_for_inbox(
        |a| a["type"] == "Announce" && a["object"]["id"] == second_id.as_str(),
        WAIT,
    )
    .await;
    crate::support::web::link_before(&beta, "/proposals?scope=elsewhere", "Une fontaine").await;
    // And takes what they send: bob withdraws his support from beta.
    let page = bob
        .submit(&copy, &format!("{copy}/support?off=1"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    eventually(
        "bob's support withdrawn on the moved alpha",
        WAIT,
        || async { (supports(&detail(&alpha, &path).await) == (1, 0, 0)).then_some(()) },
    )
    .await;
}
