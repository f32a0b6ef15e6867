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

both_backends!(
    reports_from_here_and_the_peer_are_moderated_logged_and_counted,
    |backend| async move {
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
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": alpha.url("/inbox"), "activity": nothing }),
            )
            .await;
        assert_eq!(sent["status"], 404, "{sent}");
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
            let sent = peer
                .control_post(
                    "/send-raw",
                    json!({ "inbox": alpha.url("/inbox"), "activity": raw }),
                )
                .await;
            assert_eq!(sent["status"], 202, "{sent}");
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
        let resolve = |id: &str, action: &str, note: &str| {
            (
                format!("/moderation/reports/{id}"),
                vec![
                    (format!("action-{id}"), action.to_string()),
                    (format!("note-{id}"), note.to_string()),
                ],
            )
        };
        let (to, fields) = resolve(&ids[1], "warn", "");
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let page = modo.submit("/moderation", &to, &fields).await;
        assert_eq!(page.status, 422, "{}", page.body);
        let (to, fields) = resolve(&ids[0], "hide", "Insulte envers les voisins");
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let page = modo.submit("/moderation", &to, &fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = modo.submit("/moderation", &to, &fields).await;
        assert_eq!(page.status, 409, "{}", page.body);
        let (to, fields) = resolve(&ids[1], "warn", "Restez courtois, merci.");
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let page = modo.submit("/moderation", &to, &fields).await;
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
