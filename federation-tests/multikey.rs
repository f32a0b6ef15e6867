//! RFC 9421 with an Ed25519 key that a remote actor publishes as a FEP-521a Multikey in `assertionMethod`.

use std::net::{IpAddr, Ipv4Addr};

use axum::Router;
use axum::routing::get;
use base64::Engine;
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method};
use ring::signature::KeyPair;
use serde_json::{Value, json};
use url::Url;

use crate::federation::account;
use crate::support::{TestInstance, both_backends};
use parvis::federation::signatures::{self, SigningKey};
use parvis::model::Role;

const FAKE_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11));
const FAKE: &str = "ed.fake.test";

/// Serves on plain http at `FAKE_IP` the actor document `build` makes from the actor's own URL; returns
/// that URL.
async fn serve_actor(build: impl Fn(&str) -> Value) -> String {
    let listener = tokio::net::TcpListener::bind((FAKE_IP, 0)).await.unwrap();
    let actor = format!(
        "http://{FAKE}:{}/users/ed",
        listener.local_addr().unwrap().port()
    );
    let document = build(&actor).to_string();
    let app = Router::new().route(
        "/users/ed",
        get(move || {
            let document = document.clone();
            async move { ([("content-type", "application/activity+json")], document) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    actor
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

both_backends!(
    ed25519_multikeys_sign_rfc9421_requests,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, |s| {
            s.federation.allowed_hosts = vec![FAKE.into()];
            s.federation.static_hosts.insert(FAKE.into(), FAKE_IP);
        })
        .await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;

        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let mut multicodec = vec![0xed, 0x01];
        multicodec.extend_from_slice(pair.public_key().as_ref());
        let multibase = format!("z{}", bs58::encode(multicodec).into_string());
        let ed_key = SigningKey::from_pkcs8_pem(&pem("PRIVATE KEY", pkcs8.as_ref())).unwrap();
        let rsa = parvis::civic::keys::generate().unwrap();

        let document = |actor: &str, controller: &str| {
            json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://w3id.org/security/multikey/v1"],
                "id": actor, "type": "Person", "preferredUsername": "ed", "inbox": format!("{actor}/inbox"),
                "publicKey": {"id": format!("{actor}#main-key"), "owner": actor, "publicKeyPem": rsa.public_pem},
                "assertionMethod": {"id": format!("{actor}#ed25519-key"), "type": "Multikey", "controller": controller, "publicKeyMultibase": multibase}
            })
        };
        let actor = serve_actor(|url| document(url, url)).await;

        let inbox = alpha.url("/inbox");
        let follow = serde_json::to_vec(&json!({
        "id": format!("{actor}#follow-1"), "type": "Follow", "actor": actor, "object": alpha.url("/users/marie")
    }))
    .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        signatures::sign_rfc9421(
            &Method::POST,
            &Url::parse(&inbox).unwrap(),
            &mut headers,
            Some(&follow),
            &format!("{actor}#ed25519-key"),
            &ed_key,
            Utc::now(),
        )
        .unwrap();
        assert!(
            headers["signature-input"]
                .to_str()
                .unwrap()
                .contains("ed25519"),
            "{headers:?}"
        );
        let response = alpha
            .client()
            .post(&inbox)
            .headers(headers)
            .body(follow)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{:?}", response.text().await);

        // A Multikey that another actor controls is not this actor's key.
        let other =
            serve_actor(|url| document(url, &format!("http://{FAKE}/users/someone-else"))).await;
        let follow = serde_json::to_vec(&json!({
        "id": format!("{other}#follow-2"), "type": "Follow", "actor": other, "object": alpha.url("/users/marie")
    }))
    .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        signatures::sign_rfc9421(
            &Method::POST,
            &Url::parse(&inbox).unwrap(),
            &mut headers,
            Some(&follow),
            &format!("{other}#ed25519-key"),
            &ed_key,
            Utc::now(),
        )
        .unwrap();
        let response = alpha
            .client()
            .post(&inbox)
            .headers(headers)
            .body(follow)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("is not a key of"),
            "{body}"
        );
    }
);
