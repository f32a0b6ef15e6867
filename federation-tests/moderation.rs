//! Reports and moderation: a citizen reports a comment, the Fedify peer reports it too (a `Flag`, as Mastodon
//! sends it); both land in alpha's queue; a moderator hides the comment (hidden on beta too) and warns its
//! author; every action is in the audit log; the transparency page counts them.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::federation::eventually;
use crate::support::both_backends;
use crate::support::web::WebClient;
use crate::web::{person, signed_in};
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

async fn reports(instance: &crate::support::TestInstance) -> Vec<(String, String)> {
    instance
        .db
        .run(|c| {
            use parvis::model::schema::reports as r;
            Ok(r::table
                .order(r::id.asc())
                .select((r::status, r::comment))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// Alpha (an official, a moderator and two citizens), beta (bob), and the peer; alpha's commune is followed
/// from beta and from the peer.
async fn town_and_neighbours(
    backend: crate::support::Backend,
) -> (
    crate::support::network::Network,
    crate::support::TestInstance,
    crate::support::TestInstance,
    crate::support::peer::Peer,
    WebClient,
) {
    use crate::support::network::{ALPHA, BETA, Network};
    let net = Network::new();
    let alpha = net.instance(backend, ALPHA, |_| {}).await;
    let beta = net.instance(backend, BETA, |_| {}).await;
    person(&alpha, "marie", Role::Official).await;
    person(&alpha, "modo", Role::Moderator).await;
    person(&alpha, "karim", Role::Citizen).await;
    person(&alpha, "lea", Role::Citizen).await;
    let peer = crate::fedify::peer(&net);
    let (_, bob) =
        crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;
    (net, alpha, beta, peer, bob)
}

both_backends!(
    reports_from_here_and_the_peer_are_moderated_logged_and_counted,
    |backend| async move {
        let (_net, alpha, beta, peer, bob) = town_and_neighbours(backend).await;

        // A debate and karim's comment, which reaches beta.
        let mut marie = signed_in(&alpha, "marie").await;
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "Le marché du dimanche"),
                    ("question", "Faut-il le garder ?"),
                    ("body", "Votre avis."),
                    ("closes_on", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let copy = eventually("the debate on beta", WAIT, || {
            let beta = &beta;
            async move {
                let list = WebClient::new(beta).get("/debates?scope=elsewhere").await;
                let at = list.body.find("Le marché du dimanche")?;
                let href = list.body[..at]
                    .rsplit("href=\"")
                    .next()?
                    .split('"')
                    .next()?;
                Some(href.to_string())
            }
        })
        .await;
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[
                    ("comment", "Vous êtes tous des abrutis"),
                    ("stance", "against"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let comment = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        eventually("the comment on beta", WAIT, || async {
            let page = WebClient::new(&beta).get(&copy).await;
            page.has("Vous êtes tous des abrutis").then_some(())
        })
        .await;

        // Lea reports it from the web, with a reason from the charter; the form says what is wrong with bad
        // input, and a report on nothing is 404.
        let mut lea = signed_in(&alpha, "lea").await;
        let form = format!("/report?comment={comment}");
        assert!(
            lea.get(&path).await.has(&form),
            "a report link under the comment"
        );
        let page = lea
            .submit(
                &form,
                "/report",
                &[("comment_id", &comment), ("reason", "nonsense")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert_eq!(lea.get("/report?comment=999999").await.status, 404);
        let page = lea
            .submit(
                &form,
                "/report",
                &[
                    ("comment_id", &comment),
                    ("reason", "insult"),
                    ("comment", "Une insulte <script>alert(1)</script>"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = lea
            .submit(
                &form,
                "/report",
                &[("comment_id", &comment), ("reason", "spam")],
            )
            .await;
        assert_eq!(page.status, 409, "once per person and thing: {}", page.body);

        // The peer reports karim and the comment, as Mastodon does (from its actor, to our shared inbox).
        let karim_url = alpha.url("/users/karim");
        let comment_url = alpha.url(&format!("/comments/{comment}"));
        let flagged = peer
            .control_post(
                "/flag",
                json!({
                    "account": karim_url, "objects": [comment_url],
                    "content": "<b>Propos</b> injurieux<script>x()</script>",
                }),
            )
            .await;
        assert_eq!(flagged["ok"], true, "{flagged}");
        // A Flag naming nothing of ours is refused, nothing stored; a replay adds nothing.
        let nothing = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/flag-nothing", peer.base), "type": "Flag", "actor": peer.actor_id,
            "object": [format!("{}/users/someone", peer.base)], "content": "?",
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, nothing).await, 404);
        eventually("two reports", WAIT, || async {
            (reports(&alpha).await.len() == 2).then_some(())
        })
        .await;
        // A hand-made Flag with markup, sent twice: one report, its text inert.
        let raw = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/flag-markup", peer.base), "type": "Flag", "actor": peer.actor_id,
            "object": [karim_url, comment_url], "content": "<img src=x onerror=alert(1)>Encore",
        });
        for _ in 0..2 {
            assert_eq!(
                crate::policy::send_raw(&peer, &alpha, raw.clone()).await,
                202
            );
        }
        assert_eq!(
            reports(&alpha).await.len(),
            2,
            "the peer has an open report on it already"
        );

        // Only those who speak for the commune see the queue; the moderator sees both, with context.
        assert_eq!(karim.get("/moderation").await.status, 403);
        assert_eq!(lea.get("/moderation/log").await.status, 403);
        let mut modo = signed_in(&alpha, "modo").await;
        let queue = modo.get("/moderation").await;
        assert_eq!(queue.status, 200, "{}", queue.body);
        assert!(
            queue.has("Insulte ou attaque personnelle"),
            "{}",
            queue.body
        );
        assert!(
            queue.has("Une insulte &lt;script&gt;"),
            "escaped: {}",
            queue.body
        );
        assert!(!queue.has("<script>alert(1)") && !queue.has("<script>x()"));
        assert!(queue.has("Propos injurieux"), "{}", queue.body);
        assert!(
            queue.has("peer.fedify.test"),
            "the reporting server: {}",
            queue.body
        );
        assert!(
            queue.has("Vous êtes tous des abrutis"),
            "the comment itself"
        );
        let ids: Vec<String> = queue
            .body
            .split("id=\"report-")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 2);

        // A citizen cannot act on a report.
        let page = karim
            .submit(
                &path,
                &format!("/moderation/reports/{}", ids[0]),
                &[(&format!("action-{}", ids[0]), "dismiss")],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        // Warning needs a note; hiding works on the comment; a report dealt with is not dealt with again.
        let (first, second): (i64, i64) = (ids[0].parse().unwrap(), ids[1].parse().unwrap());
        let page = decide(&mut modo, second, &[("action", "warn"), ("note", "")]).await;
        assert_eq!(page.status, 422, "{}", page.body);
        let hide = [("action", "hide"), ("note", "Insulte envers les voisins")];
        let page = decide(&mut modo, first, &hide).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = decide(&mut modo, first, &hide).await;
        assert_eq!(page.status, 409, "{}", page.body);
        let warn = [("action", "warn"), ("note", "Restez courtois, merci.")];
        let page = decide(&mut modo, second, &warn).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(
            reports(&alpha)
                .await
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>(),
            ["actioned", "actioned"]
        );
        assert!(
            modo.get("/moderation")
                .await
                .has("Aucun signalement en attente")
        );

        // Hidden here and on beta; karim sees the warning.
        let page = WebClient::new(&alpha).get(&path).await;
        assert!(!page.has("abrutis") && page.has("Commentaire masqué par la modération."));
        eventually("hidden on beta", WAIT, || async {
            let page = WebClient::new(&beta).get(&copy).await;
            (!page.has("abrutis") && page.has("Commentaire masqué par la modération."))
                .then_some(())
        })
        .await;
        drop(bob);
        let page = karim.get("/notifications").await;
        assert!(
            page.has("Avertissements des modérateurs") && page.has("Restez courtois, merci."),
            "{}",
            page.body
        );

        // The audit log says who did what, on what, when and why; the transparency page counts it.
        let log = modo.get("/moderation/log").await;
        assert!(log.has("modo Test"), "{}", log.body);
        assert!(
            log.has("Masquer le commentaire") && log.has("Avertir l’auteur"),
            "{}",
            log.body
        );
        assert!(log.has("Insulte envers les voisins") && log.has(&format!("/comments/{comment}")));
        let month = chrono::Utc::now().format("%Y-%m").to_string();
        let page = WebClient::new(&alpha).get("/transparency").await;
        assert_eq!(page.status, 200);
        assert!(
            page.has(&month) && page.has("Insulte ou attaque personnelle"),
            "{}",
            page.body
        );
        assert!(
            !page.has("modo Test") && !page.has("Insulte envers les voisins"),
            "counts only"
        );
        let logged: i64 = alpha
            .db
            .run(|c| {
                use parvis::model::schema::moderation_actions as m;
                Ok(m::table.count().get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(logged, 2);
    }
);

/// A moderator's decision on one report, as the queue's form sends it.
async fn decide(
    modo: &mut WebClient,
    report: i64,
    fields: &[(&str, &str)],
) -> crate::support::web::Page {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (format!("{k}-{report}"), v.to_string()))
        .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    modo.submit(
        "/moderation",
        &format!("/moderation/reports/{report}"),
        &fields,
    )
    .await
}

/// The open report about a comment, made by someone here.
async fn report_on(
    instance: &crate::support::TestInstance,
    reporter: &mut WebClient,
    comment: i64,
) -> i64 {
    let form = format!("/report?comment={comment}");
    let page = reporter
        .submit(
            &form,
            "/report",
            &[
                ("comment_id", &comment.to_string()),
                ("reason", "insult"),
                ("comment", "Insultant"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    instance
        .db
        .run(move |c| {
            use parvis::model::schema::reports as r;
            Ok(r::table
                .filter(r::comment_id.eq(comment))
                .filter(r::status.eq("open"))
                .select(r::id)
                .first(c)?)
        })
        .await
        .unwrap()
}

both_backends!(
    authors_are_suspended_blocked_and_reported_to_their_server,
    |backend| async move {
        let (_net, alpha, _beta, peer, _bob) = town_and_neighbours(backend).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let path =
            crate::support::debates::open_debate(&mut marie, "La fête du village", "Votre avis.")
                .await;
        let debate = alpha.url(&path);

        // Karim and the peer comment; lea reports both.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Bande de nuls"), ("stance", "against")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let karims: i64 = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let commune = alpha.url("/communes/ville");
        let sent = peer
            .control_post(
                "/note",
                json!({ "content": "<p>Ramassis d’incapables</p>", "to": ["public"], "cc": [commune],
                        "inReplyTo": debate }),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let peer_note = sent["id"].as_str().unwrap().to_string();
        let note = peer_note.clone();
        let peers: i64 = alpha
            .db
            .run(move |c| {
                use parvis::model::schema::comments as m;
                Ok(m::table.filter(m::ap_id.eq(note)).select(m::id).first(c)?)
            })
            .await
            .unwrap();
        let mut lea = signed_in(&alpha, "lea").await;
        let about_karim = report_on(&alpha, &mut lea, karims).await;
        let about_peer = report_on(&alpha, &mut lea, peers).await;
        let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        assert_eq!(
            alpha
                .api_get("/api/v1/accounts/verify_credentials", &token)
                .await
                .0,
            200
        );

        // The queue offers to suspend karim, and to block the peer's author and forward the report.
        let mut modo = signed_in(&alpha, "modo").await;
        let queue = modo.get("/moderation").await;
        assert!(
            queue.has(&format!("name=\"days-{about_karim}\"")),
            "{}",
            queue.body
        );
        assert!(
            queue.has(&format!("name=\"forward-{about_peer}\"")),
            "{}",
            queue.body
        );
        assert!(!queue.has(&format!("name=\"forward-{about_karim}\"")));
        // Refused, nothing done: suspending without a note, an impossible duration, forwarding a report about
        // someone here, blocking someone here, suspending someone elsewhere.
        for (id, fields) in [
            (
                about_karim,
                vec![("action", "suspend"), ("days", "7"), ("note", "")],
            ),
            (
                about_karim,
                vec![("action", "suspend"), ("days", "99999"), ("note", "x")],
            ),
            (about_karim, vec![("action", "dismiss"), ("forward", "on")]),
            (about_karim, vec![("action", "block")]),
            (about_peer, vec![("action", "suspend"), ("note", "x")]),
        ] {
            let page = decide(&mut modo, id, &fields).await;
            assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
        }
        // A moderator does not block from the whole instance: that is the admin's.
        let page = decide(&mut modo, about_peer, &[("action", "block_instance")]).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert_eq!(
            reports(&alpha)
                .await
                .iter()
                .filter(|(s, _)| s == "open")
                .count(),
            2
        );

        // Karim is suspended for a week: signed out, refused at sign-in and on the API, told why.
        let page = decide(
            &mut modo,
            about_karim,
            &[
                ("action", "suspend"),
                ("days", "7"),
                ("note", "Insultes répétées"),
            ],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(karim.get("/settings").await.status, 303, "signed out");
        let mut again = WebClient::new(&alpha);
        let page = again
            .submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", crate::web::PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(
            page.has("suspendu par la modération jusqu’au"),
            "{}",
            page.body
        );
        assert_eq!(
            alpha
                .api_get("/api/v1/accounts/verify_credentials", &token)
                .await
                .0,
            401,
            "token revoked"
        );
        assert!(
            modo.get("/moderation").await.has("@karim"),
            "listed as suspended"
        );

        // The peer's author is blocked from the commune and the report forwarded to its server.
        let page = decide(
            &mut modo,
            about_peer,
            &[("action", "block"), ("note", "Injures"), ("forward", "on")],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let block = peer.wait_for_inbox(|a| a["type"] == "Block", WAIT).await;
        assert_eq!(block["actor"], commune.as_str(), "{block}");
        assert_eq!(block["object"], peer.actor_id.as_str(), "{block}");
        let flag = peer.wait_for_inbox(|a| a["type"] == "Flag", WAIT).await;
        assert_eq!(
            flag["actor"],
            alpha.url("/actor"),
            "from the instance actor: {flag}"
        );
        let objects = flag["object"].as_array().unwrap();
        assert!(
            objects.contains(&json!(peer.actor_id)) && objects.contains(&json!(peer_note)),
            "{flag}"
        );
        assert_eq!(flag["raw"]["content"], "Insultant");
        // Neither her address nor her name (the JSON-LD context has words like "Boolean").
        let raw = flag["raw"].to_string();
        assert!(
            !raw.contains(alpha.url("/users/lea").as_str())
                && !raw.contains("\"lea\"")
                && !raw.contains("@lea"),
            "the reporter is not named: {flag}"
        );
        // Its comment is hidden, its follow of the commune ended, and what it sends about the commune refused.
        let page = WebClient::new(&alpha).get(&path).await;
        assert!(!page.has("Ramassis") && page.has("Commentaire masqué par la modération."));
        let peer_actor = peer.actor_id.clone();
        let followers: i64 = alpha
            .db
            .run(move |c| {
                use parvis::model::schema::{follows as f, remote_actors as r};
                Ok(f::table
                    .inner_join(r::table.on(f::follower_remote_id.eq(r::id.nullable())))
                    .filter(r::ap_id.eq(peer_actor))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(followers, 0);
        let reply = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/after-block", peer.base), "type": "Create", "actor": peer.actor_id,
            "object": { "id": format!("{}/notes/after-block", peer.base), "type": "Note",
                        "attributedTo": peer.actor_id, "content": "Encore moi", "inReplyTo": debate,
                        "to": ["https://www.w3.org/ns/activitystreams#Public"] },
        });
        assert_eq!(
            crate::policy::send_raw(&peer, &alpha, reply.clone()).await,
            403
        );
        // Nor through a reply to its own comment (a remote id, in the commune's debate).
        let mut deeper = reply.clone();
        deeper["id"] = json!(format!("{}/activities/after-block-2", peer.base));
        deeper["object"]["id"] = json!(format!("{}/notes/after-block-2", peer.base));
        deeper["object"]["inReplyTo"] = json!(peer_note);
        assert_eq!(crate::policy::send_raw(&peer, &alpha, deeper).await, 403);
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/refollow", peer.base), "type": "Follow", "actor": peer.actor_id,
            "object": commune,
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, follow).await, 403);
        assert!(!WebClient::new(&alpha).get(&path).await.has("Encore moi"));

        // The block is lifted: the peer is told with an Undo of the same Block, and may follow again.
        let queue = modo.get("/moderation").await;
        assert!(
            queue.has(&peer.actor_id),
            "listed as blocked: {}",
            queue.body
        );
        let lift = queue
            .body
            .split("action=\"/moderation/blocks/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let page = modo
            .submit("/moderation", &format!("/moderation/blocks/{lift}"), &[])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let undo = peer
            .wait_for_inbox(
                |a| a["type"] == "Undo" && a["raw"]["object"]["type"] == "Block",
                WAIT,
            )
            .await;
        assert_eq!(undo["raw"]["object"]["id"], block["id"], "{undo} {block}");
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/refollow-2", peer.base), "type": "Follow", "actor": peer.actor_id,
            "object": commune,
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, follow).await, 202);

        // The suspension is lifted: karim signs in again. Every action is in the audit log.
        let page = modo
            .submit("/moderation", "/moderation/suspensions/karim", &[])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        signed_in(&alpha, "karim").await;
        let log = modo.get("/moderation/log").await;
        for action in [
            "Suspendre l’auteur",
            "Bloquer l’auteur pour la commune",
            "Transmettre le signalement au serveur de l’auteur",
            "Lever une suspension",
        ] {
            assert!(log.has(action), "{action}: {}", log.body);
        }
        // Karim sees why he was suspended.
        let mut karim = signed_in(&alpha, "karim").await;
        assert!(karim.get("/notifications").await.has("Insultes répétées"));
    }
);

both_backends!(
    the_queue_pages_and_transparency_is_per_commune,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        person(&alpha, "modo", Role::Moderator).await;
        person(&alpha, "karim", Role::Citizen).await;
        let second = parvis::civic::communes::create_commune(&alpha.db, "hameau", "Le Hameau")
            .await
            .unwrap()
            .id;
        // 55 open reports about karim, and one logged action in each commune.
        alpha
            .db
            .run(move |c| {
                use parvis::model::schema::{actors, moderation_actions as m, reports as r};
                let karim: i64 = actors::table
                    .filter(actors::username.eq("karim"))
                    .select(actors::id)
                    .first(c)?;
                let ville: i64 = actors::table
                    .filter(actors::username.eq("ville"))
                    .select(actors::id)
                    .first(c)?;
                let at = chrono::Utc::now().naive_utc();
                for n in 0..55 {
                    diesel::insert_into(r::table)
                        .values((
                            r::commune_id.eq(ville),
                            r::account_id.eq(karim),
                            r::reason.eq("spam"),
                            r::comment.eq(format!("Signalement {n}")),
                            r::created_at.eq(at),
                        ))
                        .execute(c)?;
                }
                for (commune, reason) in [(ville, "spam"), (second.0, "hate")] {
                    diesel::insert_into(m::table)
                        .values((
                            m::commune_id.eq(commune),
                            m::moderator_name.eq("modo"),
                            m::action.eq("dismiss"),
                            m::target.eq("/users/karim"),
                            m::reason.eq(reason),
                            m::note.eq(""),
                            m::at.eq(at),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .await
            .unwrap();

        let mut modo = signed_in(&alpha, "modo").await;
        let first = modo.get("/moderation").await;
        assert_eq!(first.body.matches("class=\"report\"").count(), 50);
        let next = first
            .body
            .split("rel=\"next\" href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a link to the next reports")
            .to_string();
        let second_page = modo.get(&next).await;
        assert_eq!(second_page.body.matches("class=\"report\"").count(), 5);
        assert!(second_page.has("Signalement 54") && !second_page.has("Signalement 49<"));
        assert!(!second_page.has("rel=\"next\""));

        // Each commune's counts on its own transparency page.
        let mut anyone = WebClient::new(&alpha);
        let page = anyone.get("/transparency").await;
        assert!(page.has("Spam") && !page.has("Haine"), "{}", page.body);
        assert!(page.has("/transparency?commune=hameau"), "{}", page.body);
        let page = anyone.get("/transparency?commune=hameau").await;
        assert!(
            page.has("Le Hameau") && page.has("Haine") && !page.has("Spam"),
            "{}",
            page.body
        );
        assert_eq!(
            anyone.get("/transparency?commune=nowhere").await.status,
            404
        );
    }
);

both_backends!(
    posts_are_reported_from_the_web_mastodon_apps_and_flags,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        person(&alpha, "modo", Role::Moderator).await;
        person(&alpha, "karim", Role::Citizen).await;
        person(&alpha, "lea", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        // The peer follows karim; lea follows the peer, whose post is kept here.
        assert_eq!(crate::policy::peer_follows(&peer, &alpha, 1).await, 202);
        let mut lea = signed_in(&alpha, "lea").await;
        assert_eq!(lea.follow_handle(&peer.handle()).await.status, 303);
        eventually("lea follows the peer", WAIT, || async {
            let list = WebClient::new(&alpha).get("/users/lea/following").await;
            list.has(&peer.handle()).then_some(())
        })
        .await;
        let sent = peer
            .control_post(
                "/note",
                json!({ "content": "<p>Achetez mes montres</p>", "to": ["public"], "cc": ["followers"] }),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let peer_note = sent["id"].as_str().unwrap().to_string();
        let (note_ap, peer_actor) = (peer_note.clone(), peer.actor_id.clone());
        let (remote_post, remote_account) = eventually("the peer's post kept", WAIT, || {
            let (alpha, note_ap, peer_actor) = (&alpha, note_ap.clone(), peer_actor.clone());
            async move {
                alpha
                    .db
                    .run(move |c| {
                        use parvis::model::schema::{notes, remote_actors};
                        let post: Option<i64> = notes::table
                            .filter(notes::ap_id.eq(note_ap))
                            .select(notes::id)
                            .first(c)
                            .optional()?;
                        let who: i64 = remote_actors::table
                            .filter(remote_actors::ap_id.eq(peer_actor))
                            .select(remote_actors::id)
                            .first(c)?;
                        Ok(post.map(|p| (p, who)))
                    })
                    .await
                    .unwrap()
            }
        })
        .await;

        // Karim posts; lea reports it from its page.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                "/post",
                "/post",
                &[("content", "Tous pourris"), ("visibility", "public")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let post_path = page.location.unwrap();
        let post_id = post_path.rsplit('/').next().unwrap().to_string();
        peer.wait_for_inbox(
            |a| a["type"] == "Create" && a["raw"].to_string().contains("Tous pourris"),
            WAIT,
        )
        .await;
        let form = format!("/report?note={post_id}");
        assert!(
            lea.get(&post_path).await.has(&form),
            "a report link under the post"
        );
        assert!(
            !karim.get(&post_path).await.has(&form),
            "not under one's own"
        );
        let page = karim
            .submit(
                &form,
                "/report",
                &[("note_id", &post_id), ("reason", "insult")],
            )
            .await;
        assert_eq!(page.status, 422, "one's own post: {}", page.body);
        let page = lea
            .submit(
                &form,
                "/report",
                &[("note_id", &post_id), ("reason", "insult")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);

        // Lea reports the peer's post from a Mastodon app; mistakes are refused with nothing stored.
        let token = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let account = format!("r{remote_account}");
        let remote_post = remote_post.to_string();
        for (body, status) in [
            (json!({ "account_id": account, "comment": "?" }), 422),
            (
                json!({ "account_id": account, "status_ids": [post_id] }),
                422,
            ),
            (
                json!({ "account_id": account, "status_ids": [remote_post], "category": "nonsense" }),
                422,
            ),
            (
                json!({ "account_id": "r999999", "status_ids": [remote_post] }),
                422,
            ),
            (json!({ "account_id": "nobody", "status_ids": [] }), 404),
        ] {
            let (got, answer) = alpha
                .api_post("/api/v1/reports", &token, body.clone())
                .await;
            assert_eq!(got, status, "{body}: {answer}");
        }
        assert_eq!(
            alpha.api_post("/api/v1/reports", "", json!({})).await.0,
            401
        );
        assert_eq!(reports(&alpha).await.len(), 1);
        let (status, report) = alpha
            .api_post(
                "/api/v1/reports",
                &token,
                json!({ "account_id": account, "status_ids": [remote_post], "comment": "Arnaque",
                        "category": "spam", "forward": true }),
            )
            .await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["status_ids"], json!([remote_post]));
        assert_eq!(
            report["target_account"]["acct"],
            peer.handle().trim_start_matches('@')
        );
        assert_eq!(report["category"], "spam");
        let again = alpha
            .api_post(
                "/api/v1/reports",
                &token,
                json!({ "account_id": account, "status_ids": [remote_post] }),
            )
            .await;
        assert_eq!(again.0, 409, "{}", again.1);

        // The peer flags karim's post too: the same queue.
        let flagged = peer
            .control_post(
                "/flag",
                json!({ "account": alpha.url("/users/karim"), "objects": [alpha.url(&post_path)],
                        "content": "Injurieux" }),
            )
            .await;
        assert_eq!(flagged["ok"], true, "{flagged}");
        eventually("three reports", WAIT, || async {
            (reports(&alpha).await.len() == 3).then_some(())
        })
        .await;
        let mut modo = signed_in(&alpha, "modo").await;
        let queue = modo.get("/moderation").await;
        assert!(
            queue.has("Tous pourris") && queue.has("Achetez mes montres"),
            "{}",
            queue.body
        );
        let ids = alpha
            .db
            .run(|c| {
                use parvis::model::schema::reports as r;
                Ok(r::table.order(r::id.asc()).select(r::id).load::<i64>(c)?)
            })
            .await
            .unwrap();

        // Karim's post is taken down: gone here, deleted on the peer; the other report on it is settled
        // apart. The peer's post: dismissed, but forwarded to its server.
        let page = decide(&mut modo, ids[0], &[("action", "hide"), ("note", "Injure")]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(WebClient::new(&alpha).get(&post_path).await.status, 410);
        let url = alpha.url(&post_path);
        peer.wait_for_inbox(
            |a| a["type"] == "Delete" && a["raw"].to_string().contains(&url),
            WAIT,
        )
        .await;
        let page = decide(
            &mut modo,
            ids[1],
            &[("action", "dismiss"), ("forward", "on")],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let flag = peer.wait_for_inbox(|a| a["type"] == "Flag", WAIT).await;
        let objects = flag["object"].as_array().unwrap();
        assert!(objects.contains(&json!(peer_note)), "{flag}");
        assert_eq!(flag["raw"]["content"], "Arnaque");
    }
);
