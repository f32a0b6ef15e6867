//! Authorized fetch (Mastodon's secure mode): unsigned GETs of ActivityPub documents are refused, signed ones
//! from Parvis and from Fedify are served, the instance actor stays public, pages stay public.

use serde_json::json;

use crate::federation::{account, follow_and_wait};
use crate::support::both_backends;
use crate::support::network::{ALPHA, ALPHA_IP, BETA, BETA_IP, Network, PEER, PEER_IP};
use crate::support::peer::{Peer, PeerOptions};
use parvis::model::Role;

const AP: &str = "application/activity+json";

both_backends!(secure_mode_requires_signed_fetches, |backend| async move {
    let net = Network::new();
    let alpha = net
        .instance(backend, ALPHA, |s| s.federation.authorized_fetch = true)
        .await;
    let beta = net
        .instance(backend, BETA, |s| s.federation.authorized_fetch = true)
        .await;
    let official = account(&alpha, "alpha-ville", "marie", Role::Official).await;
    let citizen = account(&beta, "beta-ville", "karim", Role::Citizen).await;

    for path in [
        "/users/marie",
        "/communes/alpha-ville",
        "/users/marie/followers",
        "/users/marie/outbox?page=1",
    ] {
        let response = alpha.get(path, AP).await;
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Signature",
            "{path}"
        );
    }
    let (status, _) = alpha.get_json("/actor", AP).await;
    assert_eq!(status, 200, "the instance actor is public");
    let page = alpha.get("/users/marie", "text/html").await;
    assert_eq!(page.status(), 200, "pages are public");

    // Parvis to Parvis: both sign their fetches, and follows work.
    follow_and_wait(
        &beta,
        &citizen,
        &format!("@marie@{}", alpha.base.trim_start_matches("https://")),
    )
    .await;
    let (_, post) = alpha
        .api_post("/api/v1/statuses", &official, json!({"status": "Sécurisé"}))
        .await;
    let uri = post["uri"].as_str().unwrap().to_string();
    let (status, _) = alpha
        .get_json(uri.trim_start_matches(&alpha.base), AP)
        .await;
    assert_eq!(status, 401, "posts need a signed fetch too");

    // Fedify signs its GETs (without the query string in its request-target): served.
    let peer = Peer::start(PeerOptions {
        host: PEER.into(),
        ip: PEER_IP,
        cert: net.pki.server_cert.clone(),
        key: net.pki.server_key.clone(),
        ca: net.pki.ca_cert.clone(),
        resolve: vec![(ALPHA.into(), ALPHA_IP), (BETA.into(), BETA_IP)],
    });
    for url in [
        alpha.url("/users/marie"),
        alpha.url("/users/marie/followers?page=1"),
        uri.clone(),
    ] {
        let fetched = peer
            .control_get(&format!(
                "/fetch?url={}",
                url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(fetched["status"], 200, "{url}: {fetched}");
    }
    let followers = peer
        .control_get(&format!(
            "/fetch?url={}",
            url::form_urlencoded::byte_serialize(
                alpha.url("/users/marie/followers?page=1").as_bytes()
            )
            .collect::<String>()
        ))
        .await;
    assert_eq!(
        followers["json"]["orderedItems"],
        json!([beta.url("/users/karim")])
    );
});
