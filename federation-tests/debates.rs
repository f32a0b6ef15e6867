//! Debates on the web: opened by those who speak for the commune, commented with a stance, threaded, closed.
//! (Federation of debates comes next: see docs/federation.md.)

use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::{PASSWORD, person};
use parvis::model::Role;

async fn people(instance: &TestInstance) {
    for (user, role) in [
        ("marie", Role::Official),
        ("karim", Role::Citizen),
        ("lea", Role::Citizen),
    ] {
        person(instance, user, role).await;
    }
}

async fn signed_in(instance: &TestInstance, user: &str) -> WebClient {
    let mut web = WebClient::new(instance);
    web.login(user, PASSWORD).await;
    web
}

/// Opens a debate as marie; returns its path.
async fn open_debate(marie: &mut WebClient, title: &str, body: &str) -> String {
    let page = marie
        .submit(
            "/debates/new",
            "/debates",
            &[
                ("title", title),
                ("question", "Faut-il piétonniser la place ?"),
                ("body", body),
                ("closes_on", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

both_backends!(
    an_official_opens_a_debate_and_people_take_sides,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;

        // Citizens do not open debates here; bad input keeps what was typed.
        assert_eq!(karim.get("/debates/new").await.status, 403);
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[("title", ""), ("question", "Q ?"), ("body", "corps gardé")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"title-error\""));
        assert!(page.has("corps gardé"));
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "T"),
                    ("question", "Q ?"),
                    ("closes_on", "2001-01-01"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"closes_on-error\""), "{}", page.body);

        let path = open_debate(
        &mut marie,
        "La place du marché",
        "**Le samedi**, la place est *pleine*.\n\n<script>alert(1)</script>[lien](javascript:alert(1))",
    )
    .await;
        let page = karim.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.has("<h1>La place du marché</h1>"));
        assert!(page.has("<strong>Le samedi</strong>"));
        // The script is gone; the link to a script is not a link (at most harmless text).
        assert!(
            !page.has("<script>alert") && !page.has("href=\"javascript"),
            "{}",
            page.body
        );
        // The commune's home and the list show it.
        assert!(karim.get("/").await.has("La place du marché"));
        assert!(karim.get("/debates").await.has("La place du marché"));

        // Comments with a side, a reply, an empty comment refused with the side kept.
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Oui, enfin !"), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let first = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let page = lea
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Et les livraisons ?"), ("stance", "against")],
            )
            .await;
        assert_eq!(page.status, 303);
        let page = lea
            .submit(
                &format!("{path}?reply={first}"),
                &format!("{path}/comments"),
                &[("comment", "Je réponds à Karim"), ("parent", &first)],
            )
            .await;
        assert_eq!(page.status, 303);
        let page = lea
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "   "), ("stance", "neutral")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"comment-error\""));
        assert!(
            page.has("id=\"stance-neutral\" value=\"neutral\" checked"),
            "{}",
            page.body
        );
        // An unknown side or another debate's comment as parent: refused, nothing written.
        let csrf = lea.get(&path).await.csrf();
        let page = lea
            .post(
                &format!("{path}/comments"),
                &[("csrf", &csrf), ("comment", "x"), ("stance", "maybe")],
            )
            .await;
        assert_eq!(page.status, 422);
        let other = open_debate(&mut marie, "Autre débat", "").await;
        let page = lea
            .post(
                &format!("{other}/comments"),
                &[("csrf", &csrf), ("comment", "x"), ("parent", &first)],
            )
            .await;
        assert_eq!(page.status, 422);
        assert_eq!(lea.get("/debates/999999").await.status, 404);
        let page = lea
            .post(
                "/debates/999999/comments",
                &[("csrf", &csrf), ("comment", "x")],
            )
            .await;
        assert_eq!(page.status, 404);

        let page = marie.get(&path).await;
        assert!(page.has("3 commentaires"), "{}", page.body);
        assert!(page.has("Pour : <strong>1</strong>"), "{}", page.body);
        assert!(page.has("Contre : <strong>1</strong>"));
        assert!(page.has("Neutre : <strong>0</strong>"));
        // The reply sits under the comment it answers.
        let answered = page.body.find(&format!("id=\"comment-{first}\"")).unwrap();
        let replies = page.body[answered..].find("class=\"replies\"").unwrap();
        assert!(page.body[answered + replies..].contains("Je réponds à Karim"));
        assert!(page.has("id=\"debate-status\""), "marie manages it");
        assert!(!karim.get(&path).await.has("id=\"debate-status\""));
    }
);

both_backends!(
    a_closed_debate_accepts_no_comment_from_anyone,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let path = open_debate(&mut marie, "Le budget participatif", "").await;

        // A citizen cannot close it.
        let csrf = karim.get(&path).await.csrf();
        let page = karim
            .post(
                &format!("{path}/status"),
                &[("csrf", &csrf), ("status", "closed")],
            )
            .await;
        assert_eq!(page.status, 403);
        let page = marie
            .submit(&path, &format!("{path}/status"), &[("status", "closed")])
            .await;
        assert_eq!(page.status, 303);

        let page = karim.get(&path).await;
        assert!(page.has("Ce débat est clos"));
        assert!(!page.has("id=\"comment-form\""));
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[
                    ("csrf", &csrf),
                    ("comment", "Trop tard ?"),
                    ("stance", "for"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("Ce débat est clos"), "{}", page.body);
        let page = marie
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Même moi")],
            )
            .await;
        assert_eq!(page.status, 422, "not even its author");
        assert!(!marie.get(&path).await.has("Trop tard"));

        // Archived: out of the list, still readable.
        marie
            .submit(&path, &format!("{path}/status"), &[("status", "archived")])
            .await;
        assert!(!karim.get("/debates").await.has("Le budget participatif"));
        assert_eq!(karim.get(&path).await.status, 200);
    }
);

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
        let peer = crate::fedify::peer(&net);
        let commune = alpha.url("/communes/ville");
        let handle = format!("@ville@{}", alpha.base.trim_start_matches("https://"));
        let answer = peer
            .control_post("/follow", json!({ "handle": handle }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;

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
        assert_eq!(plain["verified"], true);
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
