//! A debate on one Parvis read, answered and moderated on another and at a Fedify peer.

use crate::support::both_backends;
use crate::support::debates::{comment_html, comment_id, open_debate, people};
use crate::support::web::WebClient;
use crate::web::{person, signed_in};
use parvis::model::Role;

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
        // As Lemmy reads a moderator's removal: a Delete by the moderator, naming the community.
        assert_eq!(
            removal["raw"]["object"]["actor"],
            alpha.url("/users/marie").as_str()
        );
        assert_eq!(removal["raw"]["object"]["cc"][0], commune.as_str());
        assert_eq!(removal["raw"]["actor"], commune.as_str());

        // A citizen cannot show it again; Marie can: shown on alpha, on beta, and the peer is told with
        // the Undo of a removal.
        let refused = karim
            .post(&format!("/comments/{peers}/restore"), &[("csrf", &csrf)])
            .await;
        assert_eq!(refused.status, 403);
        let page = marie.get(&path).await;
        let page = marie
            .post(
                &format!("/comments/{peers}/restore"),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(marie.get(&path).await.has("Avis du pair"));
        on_beta(
            vec!["Avis du pair"],
            vec!["Commentaire masqué par la modération."],
        )
        .await;
        let restored = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Announce"
                        && a["raw"]["object"]["type"] == "Undo"
                        && a["raw"]["object"]["object"]["type"] == "Delete"
                        && a["raw"]["object"]["object"]["object"] == peer_note.as_str()
                },
                WAIT,
            )
            .await;
        assert_eq!(
            restored["raw"]["object"]["actor"],
            alpha.url("/users/marie").as_str()
        );
        assert_eq!(
            restored["raw"]["object"]["object"]["actor"],
            alpha.url("/users/marie").as_str()
        );

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
