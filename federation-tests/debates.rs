//! Debates on the web: opened by those who speak for the commune, commented with a stance, threaded, closed.
//! (Federation of debates comes next: see docs/federation.md.)

use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::{PASSWORD, person, signed_in};
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

/// Opens a debate as marie; returns its path.
pub(crate) async fn open_debate(marie: &mut WebClient, title: &str, body: &str) -> String {
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

/// The id of the comment whose text contains `text` on a debate page.
fn comment_id(html: &str, text: &str) -> String {
    let at = html
        .find(text)
        .unwrap_or_else(|| panic!("{text} not on the page"));
    html[..at]
        .rsplit("id=\"comment-")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// The part of a debate page showing one comment.
fn comment_html(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"comment-{id}\""))
        .unwrap_or_else(|| panic!("comment {id} not on the page"));
    let rest = &html[start..];
    let end = rest.find("</article>").unwrap_or(rest.len());
    rest[..end].to_string()
}

both_backends!(
    a_debate_on_alpha_is_read_answered_and_moderated_on_beta_and_at_the_peer,
    |backend| async move {
        use crate::federation::eventually;
        use crate::support::network::{ALPHA, BETA, Network};
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&beta, "bob", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        let commune = alpha.url("/communes/ville");
        let alpha_host = alpha.base.trim_start_matches("https://").to_string();
        let handle = format!("@ville@{alpha_host}");
        let answer = peer
            .control_post("/follow", json!({ "handle": handle }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;

        // Bob, on beta, follows alpha's commune from the web.
        let mut bob = signed_in(&beta, "bob").await;
        let page = bob.follow_handle(&handle).await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("beta's follow accepted", WAIT, || async {
            let list = WebClient::new(&beta).get("/users/bob/following").await;
            list.has(&handle).then_some(())
        })
        .await;

        // Marie opens a debate on alpha: it appears on beta, among the neighbours' debates.
        let mut marie = signed_in(&alpha, "marie").await;
        let path = open_debate(
            &mut marie,
            "Le parking de la gare",
            "Faut-il **agrandir** ?",
        )
        .await;
        let debate = alpha.url(&path);
        let copy = eventually("the debate on beta", WAIT, || {
            let beta = &beta;
            async move {
                let list = WebClient::new(beta).get("/debates?scope=elsewhere").await;
                let at = list.body.find("Le parking de la gare")?;
                let href = list.body[..at]
                    .rsplit("href=\"")
                    .next()?
                    .split('"')
                    .next()?;
                Some(href.to_string())
            }
        })
        .await;
        assert!(
            !WebClient::new(&beta)
                .get("/debates")
                .await
                .has("Le parking de la gare")
        );
        let page = bob.get(&copy).await;
        assert_eq!(page.status, 200);
        assert!(page.has("Faut-il piétonniser la place ?"), "{}", page.body);
        assert!(page.has("<strong>agrandir</strong>"));
        assert!(page.has("Débat tenu par"), "{}", page.body);
        assert!(
            page.has(&format!("href=\"{debate}\"")),
            "the original is linked"
        );

        // Bob comments on beta, against: the comment reaches alpha, with its side.
        let page = bob
            .submit(
                &copy,
                &format!("{copy}/comments"),
                &[
                    ("comment", "Trop cher pour la commune"),
                    ("stance", "against"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let bobs_here = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let bob_handle = format!("@bob@{}", beta.base.trim_start_matches("https://"));
        eventually("bob's comment on alpha", WAIT, || {
            let alpha = &alpha;
            let (path, bob_handle) = (&path, &bob_handle);
            async move {
                let page = WebClient::new(alpha).get(path).await;
                (page.has("Trop cher pour la commune")
                    && page.has(bob_handle)
                    && page.has("Contre : <strong>1</strong>"))
                .then_some(())
            }
        })
        .await;

        // The peer replies on alpha; alpha relays it; beta fetches it from the peer and shows it.
        let sent = peer
            .control_post(
                "/note",
                json!({
                    "content": "<p>Avis du pair <script>alert(1)</script></p>",
                    "to": ["public"], "cc": [commune], "inReplyTo": debate,
                }),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let peer_note = sent["id"].as_str().unwrap().to_string();
        // Karim comments on alpha: relayed embedded.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Karim est pour"), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303);
        let karims = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let on_beta = |wanted: Vec<&'static str>, unwanted: Vec<&'static str>| {
            let (beta, copy) = (&beta, &copy);
            async move {
                eventually(
                    &format!("beta shows {wanted:?}, not {unwanted:?}"),
                    WAIT,
                    || {
                        let (wanted, unwanted) = (&wanted, &unwanted);
                        async move {
                            let page = WebClient::new(beta).get(copy).await;
                            (wanted.iter().all(|w| page.has(w))
                                && !unwanted.iter().any(|u| page.has(u)))
                            .then_some(page.body)
                        }
                    },
                )
                .await
            }
        };
        let html = on_beta(
            vec![
                "Avis du pair",
                "Karim est pour",
                "Pour : <strong>1</strong>",
            ],
            vec![],
        )
        .await;
        assert!(!html.contains("<script>alert"), "{html}");

        // Karim edits his comment: alpha, beta and the peer see the new version; the old one is history.
        let page = karim
            .submit(
                &format!("{path}?edit={karims}"),
                &format!("/comments/{karims}/edit"),
                &[
                    ("comment", "Karim est pour, sous conditions"),
                    ("stance", "neutral"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = karim.get(&path).await;
        assert!(page.has("Karim est pour, sous conditions"));
        assert!(page.has("1 version précédente"), "{}", page.body);
        let html = on_beta(
            vec![
                "Karim est pour, sous conditions",
                "Neutre : <strong>1</strong>",
            ],
            vec![],
        )
        .await;
        let karims_on_beta = comment_id(&html, "Karim est pour, sous conditions");
        assert!(comment_html(&html, &karims_on_beta).contains("1 version précédente"));
        let update = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"]["type"] == "Update",
                WAIT,
            )
            .await;
        assert_eq!(
            update["raw"]["object"]["object"]["content"],
            "<p>Karim est pour, sous conditions</p>"
        );
        assert_eq!(update["raw"]["object"]["object"]["stance"], "neutral");
        // Someone else cannot edit it.
        let csrf = marie.get(&path).await.csrf();
        let page = marie
            .post(
                &format!("/comments/{karims}/edit"),
                &[("csrf", &csrf), ("comment", "piraté")],
            )
            .await;
        assert_eq!(page.status, 403);

        // Bob edits his comment on beta: alpha applies it.
        let page = bob
            .submit(
                &format!("{copy}?edit={bobs_here}"),
                &format!("/comments/{bobs_here}/edit"),
                &[("comment", "Trop cher, vraiment"), ("stance", "against")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("bob's edit on alpha", WAIT, || {
            let (alpha, path) = (&alpha, &path);
            async move {
                let page = WebClient::new(alpha).get(path).await;
                (page.has("Trop cher, vraiment") && page.has("1 version précédente")).then_some(())
            }
        })
        .await;

        // The peer agrees with Karim (a Like); Bob agrees from beta; both count on alpha, and beta hears.
        let liked = peer
            .control_post(
                "/like",
                json!({ "object": alpha.url(&format!("/comments/{karims}")) }),
            )
            .await;
        assert_eq!(liked["ok"], true, "{liked}");
        let page = bob.get(&copy).await;
        let page = bob
            .post(
                &format!("/comments/{karims_on_beta}/agree"),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Agreeing twice has no second effect.
        let page = bob.get(&copy).await;
        bob.post(
            &format!("/comments/{karims_on_beta}/agree"),
            &[("csrf", &page.csrf())],
        )
        .await;
        eventually("two agrees on alpha", WAIT, || {
            let (alpha, path, karims) = (&alpha, &path, &karims);
            async move {
                let page = WebClient::new(alpha).get(path).await;
                comment_html(&page.body, karims)
                    .contains("2 d’accord")
                    .then_some(())
            }
        })
        .await;
        on_beta(vec!["2 d’accord"], vec![]).await;
        let page = bob.get(&copy).await;
        assert!(
            comment_html(&page.body, &karims_on_beta).contains("Retirer mon accord"),
            "bob sees his own agree"
        );
        // The peer withdraws; alpha and beta count one.
        let undone = peer
            .control_post(
                "/undo-like",
                json!({ "object": alpha.url(&format!("/comments/{karims}")) }),
            )
            .await;
        assert_eq!(undone["ok"], true, "{undone}");
        on_beta(vec!["1 d’accord"], vec!["2 d’accord"]).await;

        // Marie (an official) hides the peer's comment: hidden on alpha, on beta, and the peer is told.
        let page = marie.get(&path).await;
        let peers = comment_id(&page.body, "Avis du pair");
        // A citizen cannot hide.
        let csrf = karim.get(&path).await.csrf();
        let refused = karim
            .post(&format!("/comments/{peers}/hide"), &[("csrf", &csrf)])
            .await;
        assert_eq!(refused.status, 403);
        let page = marie
            .post(
                &format!("/comments/{peers}/hide"),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = marie.get(&path).await;
        assert!(!page.has("Avis du pair") && page.has("Commentaire masqué par la modération."));
        on_beta(
            vec!["Commentaire masqué par la modération."],
            vec!["Avis du pair"],
        )
        .await;
        let removal = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Announce"
                        && a["raw"]["object"]["type"] == "Delete"
                        && a["raw"]["object"]["object"] == peer_note.as_str()
                },
                WAIT,
            )
            .await;
        assert_eq!(removal["raw"]["object"]["actor"], commune.as_str());

        // Bob follows the peer too; still, the peer cannot relay someone else's deletion or withdrawal of an
        // agree in a debate it does not host.
        let page = bob.follow_handle(&peer.handle()).await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("bob follows the peer", WAIT, || async {
            let list = WebClient::new(&beta).get("/users/bob/following").await;
            list.has(&peer.handle()).then_some(())
        })
        .await;
        let karim_url = alpha.url("/users/karim");
        let spoofed = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/spoofed-announce", peer.base),
            "type": "Announce",
            "actor": peer.actor_id,
            "object": {
                "id": format!("{}/activities/spoofed-delete", peer.base), "type": "Delete",
                "actor": karim_url, "object": alpha.url(&format!("/comments/{karims}")),
            },
        });
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": beta.url("/inbox"), "activity": spoofed }),
            )
            .await;
        assert_eq!(sent["status"], 403, "{sent}");
        let page = bob.get(&copy).await;
        assert!(page.has("Karim est pour, sous conditions"), "{}", page.body);

        // Karim deletes his comment: a tombstone everywhere, the thread stays.
        let page = karim.get(&path).await;
        let page = karim
            .post(
                &format!("/comments/{karims}/delete"),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(page.status, 303);
        on_beta(
            vec!["Commentaire supprimé.", "Trop cher, vraiment"],
            vec!["Karim est pour"],
        )
        .await;

        // A forged Announce from the peer (which hosts nothing here) changes nothing on beta.
        let forged = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/forged-announce", peer.base),
            "type": "Announce",
            "actor": peer.actor_id,
            "object": {
                "id": format!("{}/activities/forged-delete", peer.base), "type": "Delete",
                "actor": peer.actor_id, "object": beta.url(&format!("/comments/{bobs_here}")),
            },
        });
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": beta.url("/inbox"), "activity": forged }),
            )
            .await;
        assert!(sent["status"].as_u64().unwrap() < 500, "{sent}");
        assert!(bob.get(&copy).await.has("Trop cher, vraiment"));

        // The peer (followed by Bob) cannot rewrite alpha's debate on beta, plant a debate under alpha's
        // commune, or add a comment to the copy behind alpha's back.
        let public = "https://www.w3.org/ns/activitystreams#Public";
        let page = |id: &str| {
            json!({ "id": id, "type": "Page", "attributedTo": peer.actor_id, "name": "Piraté",
                    "content": "<p>x</p>", "audience": commune, "to": [public] })
        };
        let send = |activity: serde_json::Value| {
            let (peer, inbox) = (&peer, beta.url("/inbox"));
            async move {
                peer.control_post("/send-raw", json!({ "inbox": inbox, "activity": activity }))
                    .await
            }
        };
        let sent = send(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/rewrite", peer.base), "type": "Update",
            "actor": peer.actor_id, "object": page(&debate),
        }))
        .await;
        assert_eq!(sent["status"], 400, "{sent}");
        let sent = send(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/plant", peer.base), "type": "Create",
            "actor": peer.actor_id, "object": page(&format!("{}/pages/planted", peer.base)),
        }))
        .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let sent = send(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/aside", peer.base), "type": "Create",
            "actor": peer.actor_id,
            "object": { "id": format!("{}/notes/aside", peer.base), "type": "Note",
                        "attributedTo": peer.actor_id, "content": "<p>En aparté</p>",
                        "inReplyTo": debate, "to": [public], "cc": [beta.url("/users/bob")] },
        }))
        .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let list = bob.get("/debates?scope=elsewhere").await;
        assert!(
            !list.has("Piraté") && list.has("Le parking de la gare"),
            "{}",
            list.body
        );
        assert!(!bob.get(&copy).await.has("En aparté"));

        // Marie closes the debate: beta learns it, and refuses Bob's next comment with the reason.
        let page = marie.get(&path).await;
        marie
            .post(
                &format!("{path}/status"),
                &[("csrf", &page.csrf()), ("status", "closed")],
            )
            .await;
        on_beta(vec!["Ce débat est clos"], vec![]).await;
        let page = bob.get(&copy).await;
        let late = bob
            .post(
                &format!("{copy}/comments"),
                &[("csrf", &page.csrf()), ("comment", "Trop tard ?")],
            )
            .await;
        assert_eq!(late.status, 422, "{}", late.body);
        assert!(late.has("Ce débat est clos"));
    }
);

both_backends!(
    the_commune_chooses_who_opens_debates_and_files_them_under_themes,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        let mut admin = signed_in(&alpha, "admin").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let mut marie = signed_in(&alpha, "marie").await;
        assert_eq!(karim.get("/debates/new").await.status, 403);

        // The admin adds themes, lets residents open debates and marks Karim as one.
        for theme in ["Mobilité", "Écoles"] {
            let page = admin
                .submit("/admin", "/admin/themes", &[("theme", theme)])
                .await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let page = admin
            .submit("/admin", "/admin/themes", &[("theme", "Mobilité")])
            .await;
        assert_eq!(page.status, 422, "a theme twice: {}", page.body);
        let page = admin
            .submit("/admin", "/admin/debates", &[("openers", "residents")])
            .await;
        assert_eq!(page.status, 303);
        let page = admin
            .submit(
                "/admin",
                "/admin/residents",
                &[("username", "karim"), ("resident", "yes")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Citizens cannot change these settings.
        assert_eq!(
            lea.submit("/debates", "/admin/debates", &[("openers", "accounts")])
                .await
                .status,
            403
        );
        assert_eq!(lea.get("/debates/new").await.status, 403);

        let form = karim.get("/debates/new").await;
        assert_eq!(form.status, 200);
        let theme_id = |name: &str| {
            let at = form.body.find(&format!(">{name}</label>")).unwrap();
            form.body[..at]
                .rsplit("for=\"theme-")
                .next()
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        };
        let mobility = theme_id("Mobilité");
        let page = karim
            .post(
                "/debates",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "Des pistes cyclables"),
                    ("question", "Où en faut-il ?"),
                    ("theme", &mobility),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let cycling = page.location.unwrap();
        // An unknown theme is refused, with the input kept.
        let page = karim
            .post(
                "/debates",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "Autre"),
                    ("question", "Q ?"),
                    ("theme", "999999"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("value=\"Autre\""));
        let school = open_debate(&mut marie, "La cantine", "Bio ou local ?").await;

        // Filters: by theme, by status; sort by activity; pinning.
        let page = lea.get(&format!("/debates?theme={mobility}")).await;
        assert!(
            page.has("Des pistes cyclables") && !page.has("La cantine"),
            "{}",
            page.body
        );
        let csrf = lea.get(&school).await.csrf();
        lea.post(
            &format!("{school}/comments"),
            &[("csrf", &csrf), ("comment", "Local !")],
        )
        .await;
        let page = lea.get("/debates?sort=active").await;
        assert!(
            page.body.find("La cantine").unwrap() < page.body.find("Des pistes cyclables").unwrap()
        );
        let page = lea.get("/debates").await;
        assert!(
            page.body.find("Des pistes cyclables").unwrap() > page.body.find("La cantine").unwrap()
        );
        let page = marie.submit(&cycling, &format!("{cycling}/pin"), &[]).await;
        assert_eq!(page.status, 303);
        let page = lea.get("/debates").await;
        assert!(
            page.body.find("Des pistes cyclables").unwrap() < page.body.find("La cantine").unwrap()
        );
        assert!(page.has("Épinglé"));
        assert_eq!(
            karim
                .submit(&school, &format!("{school}/pin"), &[])
                .await
                .status,
            403
        );
        marie
            .submit(
                &school,
                &format!("{school}/status"),
                &[("status", "closed")],
            )
            .await;
        let page = lea.get("/debates?status=closed").await;
        assert!(page.has("La cantine") && !page.has("Des pistes cyclables"));

        // A person from another server opens a debate here only when the commune takes everyone's.
        let peer = crate::fedify::peer(&net);
        let commune = alpha.url("/communes/ville");
        let answer = peer
            .control_post("/follow", json!({ "handle": format!("@ville@{}", alpha.base.trim_start_matches("https://")) }))
            .await;
        assert_eq!(answer["ok"], true);
        let page_id = format!("{}/pages/1", peer.base);
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/open-1", peer.base),
            "type": "Create",
            "actor": peer.actor_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [commune],
            "object": {
                "id": page_id, "type": "Page", "attributedTo": peer.actor_id,
                "name": "Un marché de nuit", "summary": "<p>Pourquoi pas l’été ?</p>",
                "content": "<p>Idée <script>alert(1)</script></p>", "audience": commune,
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [commune],
            }
        });
        let inbox = alpha.url("/communes/ville/inbox");
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": create }))
            .await;
        assert_eq!(sent["status"], 403, "{sent}");
        assert!(!lea.get("/debates").await.has("Un marché de nuit"));
        admin
            .submit("/admin", "/admin/debates", &[("openers", "everyone")])
            .await;
        let mut again = create.clone();
        again["id"] = json!(format!("{}/activities/open-2", peer.base));
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": again }))
            .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let page = lea.get("/debates").await;
        assert!(page.has("Un marché de nuit"), "{}", page.body);
        let relayed = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"] == page_id.as_str(),
                WAIT,
            )
            .await;
        assert_eq!(relayed["actor"], commune.as_str());
        let at = page.body.find("Un marché de nuit").unwrap();
        let path = page.body[..at]
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let page = lea.get(&path).await;
        assert!(
            page.has("Pourquoi pas l’été ?") && !page.has("<script>alert"),
            "{}",
            page.body
        );
    }
);

both_backends!(
    search_finds_debates_and_comments_in_french_and_english,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut visitor = WebClient::new(&alpha);
        let school = open_debate(
            &mut marie,
            "Le centre-ville",
            "Les écoles ferment trop tôt en juillet.",
        )
        .await;
        let market = open_debate(
            &mut marie,
            "Market square",
            "Should the schools open on Saturday?",
        )
        .await;
        for (path, text) in [
            (&school, "La cantine est trop chère"),
            (&market, "Parking everywhere"),
        ] {
            let csrf = karim.get(path).await.csrf();
            let page = karim
                .post(
                    &format!("{path}/comments"),
                    &[("csrf", &csrf), ("comment", text)],
                )
                .await;
            assert_eq!(page.status, 303);
        }
        let page = visitor.get("/search?q=%C3%A9cole").await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("Le centre-ville") && !page.has("Market square"),
            "{}",
            page.body
        );
        let page = visitor.get("/search?q=school").await;
        assert!(
            page.has("Market square") && !page.has("Le centre-ville"),
            "{}",
            page.body
        );
        let page = visitor.get("/search?q=cantine").await;
        assert!(page.has("La cantine est trop chère"), "{}", page.body);
        assert!(page.has(&format!("href=\"{school}#comment-")));
        // Every word must match.
        let page = visitor.get("/search?q=cantine+parking").await;
        assert!(page.has("Rien ne correspond"), "{}", page.body);
        // Search syntax and markup in a query are only words.
        for q in [
            "%22%20OR%20*",
            "NEAR(",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "",
            "%27%3B--",
        ] {
            let page = visitor.get(&format!("/search?q={q}")).await;
            assert_eq!(page.status, 200, "{q}: {}", page.body);
            assert!(!page.has("<script>alert"));
        }
        // A deleted comment and an edited-away word are found no more; the new words are.
        let page = karim.get(&school).await;
        let id = comment_id(&page.body, "La cantine est trop chère");
        let page = karim
            .post(
                &format!("/comments/{id}/edit"),
                &[
                    ("csrf", &page.csrf()),
                    ("comment", "Le réfectoire est trop cher"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            visitor
                .get("/search?q=cantine")
                .await
                .has("Rien ne correspond")
        );
        assert!(
            visitor
                .get("/search?q=r%C3%A9fectoire")
                .await
                .has("Le réfectoire est trop cher")
        );
        let page = karim.get(&school).await;
        karim
            .post(&format!("/comments/{id}/delete"), &[("csrf", &page.csrf())])
            .await;
        assert!(
            visitor
                .get("/search?q=r%C3%A9fectoire")
                .await
                .has("Rien ne correspond")
        );
    }
);

both_backends!(debates_in_json_and_in_atom_feeds, |backend| async move {
    use serde_json::json;
    let alpha = TestInstance::start(backend).await;
    people(&alpha).await;
    let token = crate::federation::account(&alpha, "ville", "nadia", Role::Citizen).await;
    let mut marie = signed_in(&alpha, "marie").await;
    let path = open_debate(
        &mut marie,
        "Les <arbres> & la place",
        "Planter **dix** arbres.",
    )
    .await;
    let id = path.rsplit('/').next().unwrap().to_string();

    let (status, list) = alpha
        .get_json("/api/v1/parvis/debates", "application/json")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["title"], "Les <arbres> & la place");
    assert_eq!(list[0]["uri"], alpha.url(&path).as_str());
    let (status, _) = alpha
        .get_json("/api/v1/parvis/debates?sort=best", "application/json")
        .await;
    assert_eq!(status, 422);

    // Comments by API: a reply, a stance; bad stance, unknown debate, no token, closed debate.
    let comments = format!("/api/v1/parvis/debates/{id}/comments");
    let (status, thread) = alpha
        .api_post(
            &comments,
            &token,
            json!({ "text": "Oui <b>vite</b>", "stance": "for" }),
        )
        .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["stances"]["for"], 1);
    let first = thread["comments"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        thread["comments"][0]["content"],
        "<p>Oui &lt;b&gt;vite&lt;/b&gt;</p>"
    );
    let (status, thread) = alpha
        .api_post(
            &comments,
            &token,
            json!({ "text": "Des chênes ?", "in_reply_to_id": first }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(thread["comments"][1]["in_reply_to_id"], first.as_str());
    let (status, _) = alpha
        .api_post(&comments, &token, json!({ "text": "x", "stance": "maybe" }))
        .await;
    assert_eq!(status, 422);
    let (status, _) = alpha
        .api_post(
            "/api/v1/parvis/debates/99999/comments",
            &token,
            json!({ "text": "x" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = alpha
        .api_post(&comments, "wrong", json!({ "text": "x" }))
        .await;
    assert_eq!(status, 401);
    let (status, thread) = alpha
        .get_json(&format!("/api/v1/parvis/debates/{id}"), "application/json")
        .await;
    assert_eq!(status, 200);
    assert_eq!(thread["debate"]["comments_count"], 2);
    assert_eq!(thread["comments"][0]["author_handle"], "@nadia");

    // Atom: the commune's debates and a debate's comments, escaped as XML.
    let response = alpha.get("/communes/ville/debates.atom", "*/*").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed = response.text().await.unwrap();
    assert!(feed.starts_with("<?xml"), "{feed}");
    assert!(
        feed.contains("<title>Les &lt;arbres&gt; &amp; la place</title>"),
        "{feed}"
    );
    assert!(feed.contains(&format!("<id>{}</id>", alpha.url(&path))));
    assert!(
        feed.contains("&lt;strong&gt;dix&lt;/strong&gt;"),
        "content is escaped HTML: {feed}"
    );
    // Well-formed XML: every element opened is closed (no HTML-style void elements).
    for tag in ["link", "category", "entry", "content"] {
        assert_eq!(
            feed.matches(&format!("<{tag} ")).count() + feed.matches(&format!("<{tag}>")).count(),
            feed.matches(&format!("</{tag}>")).count(),
            "{tag}: {feed}"
        );
    }
    let feed = alpha
        .get(&format!("{path}/comments.atom"), "*/*")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains("Des chênes ?") && feed.contains("<entry>"),
        "{feed}"
    );
    assert_eq!(
        alpha
            .get("/communes/nowhere/debates.atom", "*/*")
            .await
            .status(),
        404
    );
    marie
        .submit(&path, &format!("{path}/status"), &[("status", "closed")])
        .await;
    let (status, body) = alpha
        .api_post(&comments, &token, json!({ "text": "Trop tard" }))
        .await;
    assert_eq!(status, 422, "{body}");
});

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

both_backends!(
    a_debate_page_costs_the_same_statements_with_5_or_50_comments,
    |backend| async move {
        use parvis::civic::debates as civic;
        use parvis::db::{count_statements, debates::thread, queries};
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let counts = alpha
            .db
            .transaction(|conn| {
                let (marie, account) = queries::account_by_username(conn, "marie")?.unwrap();
                let (karim, _) = queries::account_by_username(conn, "karim")?.unwrap();
                let debate = civic::open_debate(
                    conn,
                    &account,
                    civic::NewDebate {
                        title: "B8".into(),
                        question: "Q ?".into(),
                        ..Default::default()
                    },
                )?;
                let mut counts = vec![];
                let mut last = None;
                for n in 1..=50 {
                    let stance = [
                        None,
                        Some(parvis::model::Stance::For),
                        Some(parvis::model::Stance::Against),
                    ][n % 3];
                    let parent = if n % 4 == 0 { last } else { None };
                    let c = civic::comment(
                        conn,
                        karim.id,
                        debate.id,
                        parent,
                        &format!("avis {n}"),
                        stance,
                    )?;
                    if n % 5 == 0 {
                        civic::edit_comment(
                            conn,
                            karim.id,
                            c.id,
                            &format!("avis {n} revu"),
                            stance,
                        )?;
                        civic::agree(conn, marie.id, c.id, true)?;
                    }
                    last = Some(c.id);
                    if n == 5 || n == 50 {
                        let (t, statements) =
                            count_statements(conn, |conn| thread(conn, debate.id, Some(marie.id)))?;
                        assert_eq!(t.comments.len(), n);
                        counts.push(statements);
                    }
                }
                Ok(counts)
            })
            .await
            .unwrap();
        assert_eq!(counts[0], counts[1], "{counts:?}");
        // Debate, comments, local and remote authors, agrees, the viewer's agrees, history, themes.
        assert_eq!(counts[0], 8, "{counts:?}");
    }
);

both_backends!(
    a_deleted_account_leaves_tombstones_and_its_comments_in_its_export,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let path = open_debate(&mut marie, "Le pont", "Le refaire ?").await;
        let csrf = lea.get(&path).await.csrf();
        lea.post(
            &format!("{path}/comments"),
            &[("csrf", &csrf), ("comment", "Avis de Léa")],
        )
        .await;
        let page = karim.get(&path).await;
        let leas = comment_id(&page.body, "Avis de Léa");
        karim
            .post(
                &format!("/comments/{leas}/agree"),
                &[("csrf", &page.csrf())],
            )
            .await;
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[
                    ("csrf", &page.csrf()),
                    ("comment", "Première idée"),
                    ("stance", "for"),
                ],
            )
            .await;
        let karims = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let csrf = karim.get(&path).await.csrf();
        karim
            .post(
                &format!("/comments/{karims}/edit"),
                &[
                    ("csrf", &csrf),
                    ("comment", "Seconde idée"),
                    ("stance", "for"),
                ],
            )
            .await;
        let page = marie.get(&path).await;
        assert!(
            page.has("1 version précédente")
                && comment_html(&page.body, &leas).contains("1 d’accord")
        );

        let export = karim.get("/settings/export").await;
        assert!(
            export.has("\"comments\"") && export.has("Seconde idée") && export.has("Le pont"),
            "{}",
            export.body
        );
        let page = karim
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert!(page.has("Compte supprimé"), "{}", page.body);
        let page = marie.get(&path).await;
        assert!(
            !page.has("Seconde idée") && !page.has("Première idée"),
            "history gone too: {}",
            page.body
        );
        assert!(page.has("Commentaire supprimé."));
        assert!(page.has("Pour : <strong>0</strong>"));
        assert!(
            comment_html(&page.body, &leas).contains("0 d’accord"),
            "{}",
            page.body
        );
    }
);

both_backends!(
    a_debate_is_announced_before_it_opens,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let today = chrono::Utc::now().date_naive();
        let tomorrow = (today + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string();
        let later = (today + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        // Ending before it opens is refused.
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "Le budget"),
                    ("question", "Q ?"),
                    ("opens_on", &later),
                    ("closes_on", &tomorrow),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"closes_on-error\""), "{}", page.body);
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "Le budget"),
                    ("question", "Q ?"),
                    ("opens_on", &tomorrow),
                    ("closes_on", &later),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let page = karim.get(&path).await;
        assert!(
            page.has("s’ouvre le") && page.has("pas encore ouvert"),
            "{}",
            page.body
        );
        assert!(!page.has("id=\"comment-form\""));
        let csrf = page.csrf();
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[("csrf", &csrf), ("comment", "Trop tôt")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("pas encore ouvert"), "{}", page.body);
        let (status, json) = alpha.get_json(&path, "application/activity+json").await;
        assert_eq!(status, 200);
        assert!(
            json["startTime"].as_str().unwrap().starts_with(&tomorrow),
            "{json}"
        );
        assert_eq!(json["commentsEnabled"], true);
    }
);
