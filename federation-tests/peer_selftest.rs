//! The Fedify test peer against itself, without Parvis: two peers on their own names and
//! addresses follow each other over HTTPS, so a failing Parvis interop test can be blamed on
//! Parvis rather than on the peer.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::json;

use crate::support::peer::{Peer, PeerOptions};
use crate::support::tls::{TestPki, make_pki};

const A: &str = "peer-a.fedify.test";
const A_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4));
const B: &str = "peer-b.fedify.test";
const B_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5));
const WAIT: Duration = Duration::from_secs(20);

fn peer(pki: &TestPki, host: &str, ip: IpAddr, other: (&str, IpAddr)) -> Peer {
    Peer::start(PeerOptions {
        host: host.into(),
        ip,
        cert: pki.server_cert.clone(),
        key: pki.server_key.clone(),
        ca: pki.ca_cert.clone(),
        resolve: vec![(other.0.into(), other.1)],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fedify_peers_follow_and_deliver_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path(), &[A, B]);
    let a = peer(&pki, A, A_IP, (B, B_IP));
    let b = peer(&pki, B, B_IP, (A, A_IP));
    assert_eq!(b.control_get("/health").await["ok"], true);

    // A follows B by handle: WebFinger and the actor over HTTPS, then a signed Follow.
    let follow = a
        .control_post("/follow", json!({ "handle": b.handle() }))
        .await;
    assert_eq!(follow["ok"], true, "{follow}");
    assert_eq!(follow["target"], b.actor_id.as_str());
    let accept = a
        .wait_for_inbox(
            |x| x["type"] == "Accept" && x["actor"] == b.actor_id.as_str(),
            WAIT,
        )
        .await;
    assert_eq!(accept["object"]["id"], follow["followId"]);
    crate::support::peer::assert_signed_by(&accept, &b.actor_id);
    assert_eq!(b.control_get("/followers").await, json!([a.actor_id]));
    let following = a.control_get("/following").await;
    assert_eq!(following[0]["state"], "accepted", "{following}");

    // B posts to its followers: A gets the Create(Note).
    let note = b
        .control_post(
            "/note",
            json!({ "content": "<p>Réunion publique jeudi</p>", "to": ["public", "followers"] }),
        )
        .await;
    assert_eq!(note["ok"], true, "{note}");
    let create = a
        .wait_for_inbox(
            |x| x["type"] == "Create" && x["object"]["id"] == note["id"],
            WAIT,
        )
        .await;
    assert_eq!(create["actor"], b.actor_id.as_str());
    assert_eq!(create["object"]["content"], "<p>Réunion publique jeudi</p>");
    assert_eq!(
        create["keyId"].as_str().unwrap(),
        format!("{}#main-key", b.actor_id)
    );

    // A authorized fetch of B's note, signed by A.
    let fetched = a
        .control_get(&format!("/fetch?url={}", note["id"].as_str().unwrap()))
        .await;
    assert_eq!(fetched["status"], 200, "{fetched}");
    assert_eq!(fetched["json"]["type"], "Note");

    // Garbage, signed by A, is refused with a 4xx and never reaches B's inbox.
    let inbox = format!("{}/inbox", b.base);
    let garbage = a
        .control_post(
            "/send-raw",
            json!({ "inbox": inbox, "activity": "not json {" }),
        )
        .await;
    let status = garbage["status"].as_u64().unwrap();
    assert!((400..500).contains(&status), "{garbage}");
    // A well-formed activity whose actor is not the signer is refused too.
    let forged = a
        .control_post(
            "/send-raw",
            json!({ "inbox": inbox, "activity": {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/forged/1", a.base),
                "type": "Like",
                "actor": b.actor_id,
                "object": note["id"],
            }}),
        )
        .await;
    let status = forged["status"].as_u64().unwrap();
    assert!((400..500).contains(&status), "{forged}");
    let rejected = b.control_get("/rejected").await;
    assert_eq!(rejected.as_array().unwrap().len(), 2, "{rejected}");

    // Undo(Follow) removes A from B's followers.
    let unfollow = a
        .control_post("/unfollow", json!({ "target": b.actor_id }))
        .await;
    assert_eq!(unfollow["ok"], true, "{unfollow}");
    b.wait_for_inbox(|x| x["type"] == "Undo", WAIT).await;
    assert_eq!(b.control_get("/followers").await, json!([]));
}
