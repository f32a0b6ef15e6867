//! Replies from a Fedify peer: a debate reaches it and its replies become comments, and replies deep in a
//! thread are fetched up to a bound.

use crate::support::both_backends;
use crate::support::debates::{comment_html, comment_id, open_debate, people};
use crate::web::signed_in;

both_backends!(
    a_debate_reaches_fedify_and_its_replies_become_comments,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let commune = alpha.url("/communes/ville");
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;

        let mut marie = signed_in(&alpha, "marie").await;
        let path = open_debate(
            &mut marie,
            "Le marché du samedi",
            "Une **place** pour tous.",
        )
        .await;
        let debate = alpha.url(&path);

        // The commune relays the Page plainly (for Mastodon) and nested in the author's Create (FEP-1b12).
        let plain = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"]["type"] == "Page",
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&plain, &commune);
        assert_eq!(plain["actor"], commune.as_str());
        let page = &plain["raw"]["object"];
        assert_eq!(page["id"], debate.as_str());
        assert_eq!(page["name"], "Le marché du samedi");
        assert_eq!(page["summary"], "<p>Faut-il piétonniser la place ?</p>");
        assert_eq!(page["url"], debate.as_str());
        assert_eq!(page["audience"], commune.as_str());
        assert!(
            page["content"]
                .as_str()
                .unwrap()
                .contains("<strong>place</strong>")
        );
        let nested = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"]["type"] == "Create",
                WAIT,
            )
            .await;
        assert_eq!(nested["raw"]["object"]["object"]["id"], debate.as_str());
        assert_eq!(
            nested["raw"]["object"]["actor"],
            alpha.url("/users/marie").as_str()
        );
        // The Page can be fetched at its id.
        let fetched = peer
            .control_get(&format!(
                "/fetch?url={}",
                url::form_urlencoded::byte_serialize(debate.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(fetched["status"], 200, "{fetched}");
        assert_eq!(fetched["json"]["type"], "Page");

        // The peer replies: a comment on the debate, its HTML cleaned, relayed by the commune.
        let reply = |n: u32, text: &str| {
            let note = format!("{}/notes/reply-{n}", peer.base);
            (
                note.clone(),
                json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{}/activities/reply-{n}", peer.base),
                    "type": "Create",
                    "actor": peer.actor_id,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "cc": [commune.as_str()],
                    "object": {
                        "id": note,
                        "type": "Note",
                        "attributedTo": peer.actor_id,
                        "content": text,
                        "inReplyTo": debate.as_str(),
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                        "cc": [commune.as_str()],
                    }
                }),
            )
        };
        let inbox = alpha.url("/communes/ville/inbox");
        // A reply with nothing left once cleaned is refused, and stored nowhere.
        let (_, empty) = reply(9, "<script>alert(1)</script>");
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": empty }))
            .await;
        assert_eq!(sent["status"], 400, "{sent}");
        let (note_id, create) = reply(1, "<p>Je suis pour <script>alert(1)</script></p>");
        for _ in 0..2 {
            let sent = peer
                .control_post("/send-raw", json!({ "inbox": inbox, "activity": create }))
                .await;
            assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        }
        let page = marie.get(&path).await;
        assert!(page.has("Je suis pour"), "{}", page.body);
        assert!(!page.has("<script>alert"));
        assert!(
            page.has(&format!(
                "@peer@{}",
                peer.base.trim_start_matches("https://")
            )),
            "{}",
            page.body
        );
        assert!(
            page.has("1 commentaire"),
            "a second copy adds nothing: {}",
            page.body
        );
        let relayed = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"] == note_id.as_str(),
                WAIT,
            )
            .await;
        assert_eq!(relayed["actor"], commune.as_str());

        // A comment here goes out as a Note answering the Page, relayed by the commune too.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Moi aussi"), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303);
        let note = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"]["type"] == "Note",
                WAIT,
            )
            .await;
        assert_eq!(note["raw"]["object"]["inReplyTo"], debate.as_str());
        assert_eq!(note["raw"]["object"]["content"], "<p>Moi aussi</p>");
        // Only its author deletes a comment: the peer's Delete of karim's is refused, and it stays.
        let karims = note["raw"]["object"]["id"].as_str().unwrap().to_string();
        let forged = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/forged-delete", peer.base),
            "type": "Delete",
            "actor": peer.actor_id,
            "object": karims,
        });
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": forged }))
            .await;
        assert_eq!(sent["status"], 403, "{sent}");
        assert!(marie.get(&path).await.has("Moi aussi"));

        // The peer deletes its reply: a tombstone, the thread stays readable.
        let delete = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/delete-1", peer.base),
            "type": "Delete",
            "actor": peer.actor_id,
            "object": { "id": note_id, "type": "Tombstone" },
        });
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": delete }))
            .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let page = marie.get(&path).await;
        assert!(!page.has("Je suis pour"), "{}", page.body);
        assert!(page.has("Commentaire supprimé."));
        assert!(page.has("Moi aussi"));

        // Closed: the next reply is refused with the reason, and nothing is stored.
        marie
            .submit(&path, &format!("{path}/status"), &[("status", "closed")])
            .await;
        let (_, late) = reply(2, "<p>Trop tard</p>");
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": late }))
            .await;
        assert_eq!(sent["status"], 403, "{sent}");
        assert!(sent["body"].as_str().unwrap().contains("closed"), "{sent}");
        assert!(!marie.get(&path).await.has("Trop tard"));
    }
);

both_backends!(
    replies_deep_in_a_thread_are_fetched_up_to_a_bound,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer(&net);
        let commune = alpha.url("/communes/ville");
        let handle = format!("@ville@{}", alpha.base.trim_start_matches("https://"));
        let answer = peer
            .control_post("/follow", json!({ "handle": handle }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        let mut marie = signed_in(&alpha, "marie").await;
        let path = open_debate(&mut marie, "Le lavoir", "Le restaurer ?").await;
        let debate = alpha.url(&path);

        // Our comments mention the commune, so that Mastodon replies to them reach it.
        let mut karim = signed_in(&alpha, "karim").await;
        let csrf = karim.get(&path).await.csrf();
        karim
            .post(
                &format!("{path}/comments"),
                &[("csrf", &csrf), ("comment", "Oui")],
            )
            .await;
        let note = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"]["type"] == "Note",
                WAIT,
            )
            .await;
        let tag = &note["raw"]["object"]["tag"][0];
        assert_eq!(tag["type"], "Mention");
        assert_eq!(tag["href"], commune.as_str());
        assert_eq!(tag["name"], handle.as_str());
        // The commune's moderators are its attributedTo collection (FEP-1b12): officials, not citizens.
        let fetch = |url: String| {
            let peer = &peer;
            async move {
                peer.control_get(&format!(
                    "/fetch?url={}",
                    url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
                ))
                .await
            }
        };
        let group = fetch(commune.clone()).await;
        let moderators = group["json"]["attributedTo"].as_str().unwrap().to_string();
        assert_eq!(moderators, format!("{commune}/moderators"));
        let list = fetch(moderators).await;
        assert_eq!(list["status"], 200, "{list}");
        let items = list["json"]["orderedItems"].to_string();
        assert!(items.contains(&alpha.url("/users/marie")), "{items}");
        assert!(!items.contains(&alpha.url("/users/karim")), "{items}");

        // A reply under three notes that never reached us: they are fetched and kept as the thread.
        let chain = peer
            .control_post("/chain", json!({ "depth": 3, "inReplyTo": debate }))
            .await;
        let sent = peer
            .control_post(
                "/note",
                json!({ "content": "<p>Réponse au fil</p>", "to": ["public"], "cc": [commune],
                        "inReplyTo": chain["last"] }),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let page = marie.get(&path).await;
        for text in ["maillon 1", "maillon 2", "maillon 3", "Réponse au fil"] {
            assert!(page.has(text), "{text}: {}", page.body);
        }
        assert!(page.has("5 commentaires"), "{}", page.body);
        let first = page.body.find("maillon 1").unwrap();
        let reply = page.body.find("Réponse au fil").unwrap();
        assert!(first < reply);
        assert!(
            page.body[first..reply].matches("class=\"replies\"").count() >= 3,
            "threaded"
        );

        // The peer edits its reply (Update): the new version shows, the old one is in its history; an Update
        // of Karim's comment from the peer is refused.
        let inbox = alpha.url("/communes/ville/inbox");
        let update = |n: &str, object: &str, content: &str| {
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/activities/update-{n}", peer.base),
                "type": "Update",
                "actor": peer.actor_id,
                "object": {
                    "id": object, "type": "Note", "attributedTo": peer.actor_id,
                    "content": content, "inReplyTo": chain["last"], "stance": "against",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [commune],
                }
            })
        };
        let edited = update(
            "1",
            sent["id"].as_str().unwrap(),
            "<p>Réponse au fil, corrigée</p>",
        );
        let answer = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": edited }))
            .await;
        assert!(answer["status"].as_u64().unwrap() < 300, "{answer}");
        let page = marie.get(&path).await;
        let id = comment_id(&page.body, "Réponse au fil, corrigée");
        let html = comment_html(&page.body, &id);
        assert!(
            html.contains("1 version précédente") && html.contains("Contre"),
            "{html}"
        );
        let karims = note["raw"]["object"]["id"].as_str().unwrap().to_string();
        let forged = update("2", &karims, "<p>piraté</p>");
        let answer = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": forged }))
            .await;
        assert!(
            matches!(answer["status"].as_u64(), Some(400 | 403)),
            "{answer}"
        );
        assert!(!marie.get(&path).await.has("piraté"));

        // A chain 10,000 deep: a bounded number of fetches, then nothing stored.
        let chain = peer
            .control_post(
                "/chain",
                json!({ "depth": 10_000, "inReplyTo": debate, "content": "profond" }),
            )
            .await;
        let before = peer.control_get("/note-fetches").await["count"]
            .as_u64()
            .unwrap();
        let sent = peer
            .control_post(
                "/note",
                json!({ "content": "<p>Réponse profonde</p>", "to": ["public"], "cc": [commune],
                        "inReplyTo": chain["last"] }),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let fetched = peer.control_get("/note-fetches").await["count"]
            .as_u64()
            .unwrap()
            - before;
        assert!((1..=16).contains(&fetched), "{fetched} fetches");
        let page = marie.get(&path).await;
        assert!(
            !page.has("Réponse profonde") && !page.has("profond 1"),
            "{}",
            page.body
        );
        assert!(page.has("5 commentaires"));
    }
);
