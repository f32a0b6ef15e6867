//! WebFinger, host-meta, NodeInfo and health, as another server or a client sees them.

use crate::support::{Backend, TestInstance, both_backends};
use parvis::civic::accounts::{NewAccount, create_account};
use parvis::civic::communes::create_commune;
use parvis::model::Role;

/// An instance with a commune and an official.
async fn town(backend: Backend) -> TestInstance {
    let instance = TestInstance::start(backend).await;
    create_commune(&instance.db, "belleville", "Belleville-sur-Loire")
        .await
        .expect("commune");
    create_account(
        &instance.db,
        NewAccount {
            username: "marie".into(),
            role: Role::Official,
            commune: None,
            display_name: Some("Marie Durand".into()),
            password: None,
        },
    )
    .await
    .expect("account");
    instance
}

both_backends!(
    webfinger_resolves_people_communes_and_the_instance,
    |backend| async move {
        let town = town(backend).await;
        let host = town.base.trim_start_matches("http://").to_string();
        for (resource, id) in [
            (format!("acct:marie@{host}"), town.url("/users/marie")),
            (
                format!("acct:Marie@{}", host.to_uppercase()),
                town.url("/users/marie"),
            ),
            (format!("marie@{host}"), town.url("/users/marie")),
            (
                format!("acct:belleville@{host}"),
                town.url("/communes/belleville"),
            ),
            (format!("acct:instance@{host}"), town.url("/actor")),
            (town.url("/users/marie"), town.url("/users/marie")),
            (
                town.url("/communes/belleville"),
                town.url("/communes/belleville"),
            ),
        ] {
            let response = town
                .client()
                .get(town.url("/.well-known/webfinger"))
                .query(&[("resource", &resource)])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{resource}");
            assert_eq!(response.headers()["access-control-allow-origin"], "*");
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/jrd+json")
            );
            let jrd: serde_json::Value = response.json().await.unwrap();
            let name = id.rsplit('/').next().unwrap();
            let expected_subject = if name == "actor" {
                format!("acct:instance@{host}")
            } else {
                format!("acct:{name}@{host}")
            };
            assert_eq!(jrd["subject"], expected_subject, "{resource}");
            let this = jrd["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "self")
                .expect("self link");
            assert_eq!(this["type"], "application/activity+json");
            assert_eq!(this["href"], id.as_str());
            // The self link must point back to the actor id, which must serve that actor.
            let (status, actor) = town
                .get_json(
                    id.trim_start_matches(&town.base),
                    "application/activity+json",
                )
                .await;
            assert_eq!(status, 200);
            assert_eq!(actor["id"], id.as_str());
        }
        // Communes announce themselves as groups before anyone fetches them.
        let (_, jrd) = town
            .get_json(
                &format!("/.well-known/webfinger?resource=acct:belleville@{host}"),
                "application/jrd+json",
            )
            .await;
        assert_eq!(
            jrd["links"][0]["properties"]["https://www.w3.org/ns/activitystreams#type"],
            "Group"
        );
    }
);

both_backends!(
    webfinger_refuses_bad_and_unknown_resources,
    |backend| async move {
        let town = town(backend).await;
        let host = town.base.trim_start_matches("http://").to_string();
        let cases = [
            ("/.well-known/webfinger".to_string(), 400),
            ("/.well-known/webfinger?resource=".to_string(), 400),
            ("/.well-known/webfinger?resource=acct:".to_string(), 400),
            (
                "/.well-known/webfinger?resource=acct:marie".to_string(),
                400,
            ),
            (
                "/.well-known/webfinger?resource=acct:a@b@c".to_string(),
                400,
            ),
            ("/.well-known/webfinger?resource=https://".to_string(), 400),
            (
                format!("/.well-known/webfinger?resource=acct:nobody@{host}"),
                404,
            ),
            (
                "/.well-known/webfinger?resource=acct:marie@elsewhere.example".to_string(),
                404,
            ),
            (
                "/.well-known/webfinger?resource=https://elsewhere.example/users/marie".to_string(),
                404,
            ),
            (
                format!(
                    "/.well-known/webfinger?resource={}",
                    town.url("/users/belleville")
                ),
                404,
            ),
            (
                format!("/.well-known/webfinger?resource={}", town.url("/tags/x")),
                404,
            ),
            (
                format!("/.well-known/webfinger?resource=acct:%3Cscript%3E@{host}"),
                404,
            ),
        ];
        for (path, expected) in cases {
            let (status, body) = town.get_json(&path, "application/jrd+json").await;
            assert_eq!(status, expected, "{path}: {body}");
            assert!(
                body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{path}: {body}"
            );
            assert_eq!(
                body["error"],
                if expected == 400 {
                    "bad_request"
                } else {
                    "not_found"
                }
            );
        }
    }
);

both_backends!(host_meta_points_to_webfinger, |backend| async move {
    let town = TestInstance::start(backend).await;
    let response = town
        .get("/.well-known/host-meta", "application/xrd+xml")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
            town.base
        )),
        "{body}"
    );
});

both_backends!(nodeinfo_describes_the_instance, |backend| async move {
    let town = town(backend).await;
    let (status, links) = town
        .get_json("/.well-known/nodeinfo", "application/json")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        links["links"][0]["rel"],
        "http://nodeinfo.diaspora.software/ns/schema/2.1"
    );
    let href = links["links"][0]["href"].as_str().unwrap().to_string();
    assert_eq!(href, town.url("/nodeinfo/2.1"));
    let response = town.get("/nodeinfo/2.1", "application/json").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("schema/2.1")
    );
    let info: serde_json::Value = response.json().await.unwrap();
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["software"]["name"], "parvis");
    assert_eq!(info["software"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
    assert_eq!(info["usage"]["users"]["total"], 1);
    assert_eq!(info["usage"]["localPosts"], 0);
    // The default registration mode is by invitation: not open.
    assert_eq!(info["openRegistrations"], false);
    assert_eq!(info["metadata"]["nodeName"], "Ville de Test");
    let communes = info["metadata"]["communes"].as_array().unwrap();
    assert_eq!(communes.len(), 1);
    assert_eq!(communes[0]["name"], "Belleville-sur-Loire");
    assert_eq!(communes[0]["id"], town.url("/communes/belleville").as_str());
});

both_backends!(nodeinfo_reports_open_registrations, |backend| async move {
    let town = TestInstance::start_with(backend, |s| {
        s.instance.registration = parvis::config::RegistrationMode::Open;
    })
    .await;
    let (_, info) = town.get_json("/nodeinfo/2.1", "application/json").await;
    assert_eq!(info["openRegistrations"], true);
    assert_eq!(info["usage"]["users"]["total"], 0);
});

both_backends!(
    health_answers_while_the_database_does,
    |backend| async move {
        let town = TestInstance::start(backend).await;
        let (status, body) = town.get_json("/health", "application/json").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
    }
);

/// PostgreSQL only: the one engine where a test can take the database away from a running instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_fails_when_the_database_is_gone() {
    let town = TestInstance::start(Backend::Postgres).await;
    let url = town.settings.database.url.clone();
    let (admin_url, name) = url.rsplit_once('/').unwrap();
    let sql = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    );
    let status = std::process::Command::new("psql")
        .args([&format!("{admin_url}/postgres"), "-X", "-q", "-c", &sql])
        .status()
        .unwrap();
    assert!(status.success());
    let (status, body) = town.get_json("/health", "application/json").await;
    assert_eq!(status, 503, "{body}");
}
