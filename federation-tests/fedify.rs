//! Parvis against a third-party implementation: the Fedify peer, on its own name and address, over HTTPS.

use std::time::Duration;

use serde_json::{Value, json};

use crate::federation::{account, eventually, follow_and_wait};
use crate::support::network::{ALPHA, ALPHA_IP, BETA, BETA_IP, Network, PEER, PEER_IP};
use crate::support::peer::{Peer, PeerOptions};
use crate::support::{TestInstance, both_backends};
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

pub(crate) fn peer(net: &Network) -> Peer {
    Peer::start(PeerOptions {
        host: PEER.into(),
        ip: PEER_IP,
        cert: net.pki.server_cert.clone(),
        key: net.pki.server_key.clone(),
        ca: net.pki.ca_cert.clone(),
        resolve: vec![(ALPHA.into(), ALPHA_IP), (BETA.into(), BETA_IP)],
    })
}

/// The peer, following `user` (a person's or a commune's username) on `instance`, its follow accepted.
pub(crate) async fn peer_following(net: &Network, instance: &TestInstance, user: &str) -> Peer {
    let peer = peer(net);
    let answer = peer
        .control_post("/follow", json!({ "handle": handle(instance, user) }))
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
    peer
}

fn handle(instance: &TestInstance, user: &str) -> String {
    format!("@{user}@{}", instance.base.trim_start_matches("https://"))
}

both_backends!(
    fedify_follows_an_official_and_receives_her_posts,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let official = account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let peer = peer(&net);

        let answer = peer
            .control_post("/follow", json!({ "handle": handle(&alpha, "marie") }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        let accept = peer
            .wait_for_inbox(
                |a| a["type"] == "Accept" && a["actor"] == alpha.url("/users/marie").as_str(),
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&accept, &alpha.url("/users/marie"));
        let followers = peer.control_get("/following").await;
        assert_eq!(followers[0]["state"], "accepted", "{followers}");

        let (status, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Bonjour le fédivers !"}),
            )
            .await;
        assert_eq!(status, 200, "{post}");
        let uri = post["uri"].as_str().unwrap().to_string();
        let create = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["raw"]["object"]["id"] == uri.as_str(),
                WAIT,
            )
            .await;
        // The peer verified our draft-cavage signature with the key it fetched from our actor.
        crate::support::peer::assert_signed_by(&create, &alpha.url("/users/marie"));
        assert_eq!(
            create["keyId"],
            format!("{}#main-key", alpha.url("/users/marie"))
        );
        assert_eq!(
            create["raw"]["object"]["content"],
            "<p>Bonjour le fédivers !</p>"
        );

        // The peer can fetch the post itself with a signed GET.
        let fetched = peer
            .control_get(&format!("/fetch?url={}", urlencode(&uri)))
            .await;
        assert_eq!(fetched["status"], 200, "{fetched}");
        assert_eq!(
            fetched["json"]["attributedTo"],
            alpha.url("/users/marie").as_str()
        );

        // The peer unfollows: alpha forgets it.
        peer.control_post("/unfollow", json!({ "handle": handle(&alpha, "marie") }))
            .await;
        eventually("the Undo on alpha", WAIT, || async {
            let (_, page) = alpha
                .get_json("/users/marie/followers?page=1", "application/activity+json")
                .await;
            page["orderedItems"]
                .as_array()
                .is_some_and(|i| i.is_empty())
                .then_some(())
        })
        .await;
    }
);

both_backends!(
    a_citizen_follows_the_fedify_peer_and_reads_its_posts,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let citizen = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let peer = peer(&net);
        follow_and_wait(&alpha, &citizen, &peer.handle()).await;
        assert_eq!(
            peer.control_get("/followers").await,
            json!([alpha.url("/users/karim")])
        );

        let note = peer
        .control_post(
            "/note",
            json!({"content": "<p>Hello <script>alert(1)</script><a href=\"javascript:x()\">Parvis</a></p>", "to": ["public"], "cc": ["followers"]}),
        )
        .await;
        assert_eq!(note["ok"], true, "{note}");
        let note_id = note["id"].as_str().unwrap().to_string();
        let seen = eventually("the peer's post on alpha", WAIT, || async {
            let (_, items) = alpha.api_get("/api/v1/timelines/home", &citizen).await;
            items
                .as_array()
                .and_then(|i| i.iter().find(|s| s["uri"] == note_id.as_str()).cloned())
        })
        .await;
        let content = seen["content"].as_str().unwrap();
        assert!(
            !content.contains("<script") && !content.contains("javascript:"),
            "{content}"
        );
        assert!(content.contains("Parvis"), "{content}");
        assert_eq!(seen["visibility"], "public");
    }
);

both_backends!(
    bad_activities_from_a_real_peer_are_refused,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let peer = peer(&net);
        let inbox = alpha.url("/inbox");
        let marie = alpha.url("/users/marie");
        let send = |activity: Value, sign: bool| {
            let peer = &peer;
            let inbox = inbox.clone();
            async move {
                peer.control_post(
                    "/send-raw",
                    json!({"inbox": inbox, "activity": activity, "sign": sign}),
                )
                .await
            }
        };
        let actor = peer.actor_id.clone();
        let follow = |id: &str| json!({"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Follow", "actor": actor, "object": marie});

        // Unsigned: 401.
        let answer = send(follow(&format!("{}/follows/unsigned", peer.base)), false).await;
        assert_eq!(answer["status"], 401, "{answer}");
        // Malformed JSON: 400.
        let answer = send(Value::String("{\"id\": ".into()), true).await;
        assert_eq!(answer["status"], 400, "{answer}");
        // An id on another server than its actor: 400.
        let answer = send(follow("https://beta.parvis.test/follows/spoofed"), true).await;
        assert_eq!(answer["status"], 400, "{answer}");
        // An unknown type: 400.
        let mut odd = follow(&format!("{}/odd/1", peer.base));
        odd["type"] = json!("Frobnicate");
        let answer = send(odd, true).await;
        assert_eq!(answer["status"], 400, "{answer}");
        // The actor is not the signer: 401.
        let mut other = follow(&format!("{}/follows/other", peer.base));
        other["actor"] = json!(alpha.url("/users/marie"));
        let answer = send(other, true).await;
        assert!(
            answer["status"] == 401 || answer["status"] == 400,
            "{answer}"
        );

        assert!(
            followers(&alpha).await.is_empty(),
            "nothing stored from refused activities"
        );

        // A replayed activity has one effect: two 202s, one follower, one Accept (the replay records nothing
        // to send, so no second Accept can ever leave).
        let id = format!("{}/follows/replayed", peer.base);
        let answer = send(follow(&id), true).await;
        assert_eq!(answer["status"], 202, "{answer}");
        let (recorded, _) = alpha.recorded_events().await;
        let answer = send(follow(&id), true).await;
        assert_eq!(answer["status"], 202, "{answer}");
        assert_eq!(
            alpha.recorded_events().await.0,
            recorded,
            "the replay recorded something"
        );
        assert_eq!(
            followers(&alpha).await,
            vec![Value::String(peer.actor_id.clone())]
        );
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
        eventually("everything recorded sent", WAIT, || async {
            (alpha.recorded_events().await.1 == 0).then_some(())
        })
        .await;
        let accepts = peer
            .control_get("/inbox")
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "Accept")
            .count();
        assert_eq!(accepts, 1);
    }
);

async fn followers(alpha: &TestInstance) -> Vec<Value> {
    let (_, page) = alpha
        .get_json("/users/marie/followers?page=1", "application/activity+json")
        .await;
    page["orderedItems"].as_array().cloned().unwrap_or_default()
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both_backends!(
    rfc9421_deliveries_fall_back_to_cavage_for_fedify,
    |backend| async move {
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, |s| s.federation.sign_rfc9421 = true)
            .await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let official = account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let citizen = account(&beta, "beta-ville", "karim", Role::Citizen).await;
        let peer = peer(&net);
        peer.control_post("/follow", json!({ "handle": handle(&alpha, "marie") }))
            .await;
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
        follow_and_wait(&beta, &citizen, &handle(&alpha, "marie")).await;

        let (_, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Deux signatures"}),
            )
            .await;
        let uri = post["uri"].as_str().unwrap().to_string();
        // Parvis checks RFC 9421 itself; Fedify 1.5 answers 401 to it, and gets draft-cavage instead.
        eventually("the post on beta", WAIT, || async {
            let (_, items) = beta.api_get("/api/v1/timelines/home", &citizen).await;
            items
                .as_array()
                .and_then(|i| i.iter().find(|s| s["uri"] == uri.as_str()).cloned())
        })
        .await;
        let create = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["raw"]["object"]["id"] == uri.as_str(),
                WAIT,
            )
            .await;
        // Fedify 1.5 refused the first RFC 9421 delivery from alpha (401, no draft-cavage keyId in it); alpha
        // then sent it again, and everything after, with draft-cavage, which the peer verified with marie's key.
        crate::support::peer::assert_signed_by(&create, &alpha.url("/users/marie"));
        let rejected = peer.control_get("/rejected").await;
        let marie = alpha.url("/users/marie");
        assert!(
            rejected
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r["status"] == 401
                    && r["keyId"].is_null()
                    && r["raw"]["actor"] == marie.as_str()),
            "no refused RFC 9421 delivery from alpha: {rejected}"
        );
    }
);

both_backends!(
    fedify_receives_a_profile_update_and_an_account_deletion_made_on_the_web,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        parvis::civic::communes::create_commune(&alpha.db, "alpha-ville", "Alpha")
            .await
            .unwrap();
        parvis::civic::accounts::create_account(
            &alpha.db,
            parvis::civic::accounts::NewAccount {
                username: "karim".into(),
                role: Role::Citizen,
                commune: None,
                display_name: Some("Karim".into()),
                password: Some("correct horse battery".into()),
            },
        )
        .await
        .unwrap();
        let peer = peer(&net);
        let answer = peer
            .control_post("/follow", json!({ "handle": handle(&alpha, "karim") }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
        let actor = alpha.url("/users/karim");

        let mut web = crate::support::web::WebClient::new(&alpha);
        web.login("karim", "correct horse battery").await;
        let page = web
            .submit(
                "/settings",
                "/settings",
                &[
                    ("display_name", "Karim B."),
                    ("bio", "Jardins partagés"),
                    ("language", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let update = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["actor"] == actor.as_str(),
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&update, &actor);
        assert_eq!(update["raw"]["object"]["type"], "Person");
        assert_eq!(update["raw"]["object"]["name"], "Karim B.");
        assert_eq!(update["raw"]["object"]["summary"], "Jardins partagés");

        let page = web
            .submit(
                "/settings",
                "/settings/delete",
                &[
                    ("delete_password", "correct horse battery"),
                    ("delete_confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        // Fedify checks the Delete with the key it already has: the actor URL now answers 410.
        let delete = peer
            .wait_for_inbox(
                |a| a["type"] == "Delete" && a["actor"] == actor.as_str(),
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&delete, &actor);
        assert_eq!(delete["raw"]["object"], actor.as_str());
        let fetched = peer
            .control_get(&format!("/fetch?url={}", urlencode(&actor)))
            .await;
        assert_eq!(fetched["status"], 410, "{fetched}");
    }
);
