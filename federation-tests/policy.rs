//! The federation policy: a blocked server's activities are refused and nothing is fetched from it or sent to
//! it; allowlist mode refuses servers not allowed; closed mode refuses everyone; the admin sets it on the web,
//! and with `parvis admin federation …`.

use parvis::civic::servers::Changer;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::federation::eventually;
use crate::support::both_backends;
use crate::support::web::WebClient;
use crate::web::{person, signed_in};
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

/// The admin's rule on a server, set on the admin page.
pub(crate) async fn server_rule(
    admin: &mut WebClient,
    domain: &str,
    rule: &str,
) -> crate::support::web::Page {
    admin
        .submit(
            "/admin",
            "/admin/federation/rules",
            &[("domain", domain), ("rule", rule)],
        )
        .await
}

/// An activity the peer signs and posts, as it is, to `to`'s shared inbox; the status answered.
pub(crate) async fn send_raw(
    peer: &crate::support::peer::Peer,
    to: &crate::support::TestInstance,
    activity: serde_json::Value,
) -> u64 {
    let sent = peer
        .control_post(
            "/send-raw",
            json!({ "inbox": to.url("/inbox"), "activity": activity }),
        )
        .await;
    sent["status"].as_u64().unwrap_or(0)
}

/// A `Follow` of karim by the peer, signed by the peer; the status alpha answers.
pub(crate) async fn peer_follows(
    peer: &crate::support::peer::Peer,
    alpha: &crate::support::TestInstance,
    n: u32,
) -> u64 {
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/policy-{n}", peer.base), "type": "Follow", "actor": peer.actor_id,
        "object": alpha.url("/users/karim"),
    });
    send_raw(peer, alpha, follow).await
}

async fn peer_rows(alpha: &crate::support::TestInstance, table: &'static str) -> i64 {
    alpha
        .db
        .run(move |c| {
            use parvis::model::schema::{deliveries, remote_actors};
            Ok(match table {
                "actors" => remote_actors::table
                    .filter(remote_actors::domain.like("peer.fedify.test%"))
                    .count()
                    .get_result(c)?,
                _ => deliveries::table
                    .filter(deliveries::domain.like("peer.fedify.test%"))
                    .count()
                    .get_result(c)?,
            })
        })
        .await
        .unwrap()
}

both_backends!(
    blocked_allowlisted_and_closed_servers_are_refused,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "karim", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        let mut admin = signed_in(&alpha, "admin").await;

        // A citizen cannot change the policy; a bad host name is refused.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                "/",
                "/admin/federation/rules",
                &[("domain", "peer.fedify.test"), ("rule", "block")],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let page = server_rule(&mut admin, "not a host", "block").await;
        assert_eq!(page.status, 422, "{}", page.body);

        // Blocked: the peer's Follow is refused before anything is fetched (its key, its actor), and karim
        // cannot look it up.
        let page = server_rule(&mut admin, "peer.fedify.test", "block").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(admin.get("/admin").await.has("peer.fedify.test"));
        assert_eq!(peer_follows(&peer, &alpha, 1).await, 403);
        let page = karim
            .get(&format!("/follow?handle={}", peer.handle()))
            .await;
        assert!(
            !page.has("name=\"target\""),
            "no account found: {}",
            page.body
        );
        assert_eq!(
            peer_rows(&alpha, "actors").await,
            0,
            "nothing fetched from it"
        );

        // Rule removed: the follow is accepted; karim's post goes to the peer.
        let page = server_rule(&mut admin, "peer.fedify.test", "none").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(peer_follows(&peer, &alpha, 2).await, 202);
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;

        // Blocked again: karim's next post is not queued for it.
        server_rule(&mut admin, "peer.fedify.test", "block").await;
        let before = peer_rows(&alpha, "deliveries").await;
        let page = karim
            .submit(
                "/post",
                "/post",
                &[("content", "Pas pour eux"), ("visibility", "public")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Once the post's event is planned, no delivery to the peer was added.
        eventually("the post planned", WAIT, || async {
            let pending: i64 = alpha
                .db
                .run(|c| {
                    use parvis::model::schema::outbox_events as o;
                    Ok(o::table
                        .filter(o::expanded.eq(false))
                        .count()
                        .get_result(c)?)
                })
                .await
                .unwrap();
            (pending == 0).then_some(())
        })
        .await;
        assert_eq!(peer_rows(&alpha, "deliveries").await, before);
        assert!(
            !peer
                .control_get("/inbox")
                .await
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["type"] == "Create"),
            "nothing reached the peer"
        );

        // Allowlist: only allowed servers. The peer is not allowed (its block removed), then allowed.
        server_rule(&mut admin, "peer.fedify.test", "none").await;
        let page = admin
            .submit("/admin", "/admin/federation/mode", &[("mode", "allowlist")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(peer_follows(&peer, &alpha, 3).await, 403);
        server_rule(&mut admin, "fedify.test", "allow").await;
        assert_eq!(
            peer_follows(&peer, &alpha, 4).await,
            202,
            "a parent domain's rule covers it"
        );

        // Closed: no one, allowed or not.
        admin
            .submit("/admin", "/admin/federation/mode", &[("mode", "closed")])
            .await;
        assert_eq!(peer_follows(&peer, &alpha, 5).await, 403);
        let page = admin
            .submit("/admin", "/admin/federation/mode", &[("mode", "nowhere")])
            .await;
        assert_eq!(page.status, 422);

        // A change made with the command line (another process) applies within seconds.
        alpha
            .db
            .transaction(|c| {
                parvis::civic::servers::set_mode(
                    c,
                    &parvis::civic::servers::Changer::Operator,
                    parvis::model::FederationMode::Open,
                )
            })
            .await
            .unwrap();
        eventually("the command line's change applied", WAIT, || async {
            (peer_follows(&peer, &alpha, 6).await == 202).then_some(())
        })
        .await;
    }
);

both_backends!(
    partner_communes_follow_each_other_and_their_debates_flow,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&beta, "marie", Role::Official).await;

        // Alpha's admin partners on the web, in allowlist mode; beta's with the command line's function.
        let mut admin = signed_in(&alpha, "admin").await;
        admin
            .submit("/admin", "/admin/federation/mode", &[("mode", "allowlist")])
            .await;
        let page = admin
            .submit(
                "/admin",
                "/admin/federation/partners",
                &[("domain", beta.base.as_str()), ("rule", "add")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let beta_ctx = parvis::app::context(beta.settings.clone(), beta.db.clone()).unwrap();
        let handles =
            parvis::federation::policy::partner_add(&beta_ctx, &Changer::Operator, &alpha.base)
                .await
                .unwrap();
        assert_eq!(handles.len(), 1, "{handles:?}");
        assert!(
            handles[0].starts_with("@ville@alpha.parvis.test"),
            "{handles:?}"
        );
        // A server that is not Parvis, or not there, is refused with a reason.
        let err = parvis::federation::policy::partner_add(
            &beta_ctx,
            &Changer::Operator,
            "nowhere.example",
        )
        .await
        .unwrap_err();
        assert!(!err.to_string().is_empty());
        let rules = beta
            .db
            .run(|c| parvis::federation::policy::Policy::load(c, &[]))
            .await
            .unwrap()
            .rules;
        assert_eq!(
            rules.len(),
            1,
            "no rule left for the failed partner: {rules:?}"
        );

        // Each home page lists the other commune once its follow is accepted.
        for (home, other) in [(&alpha, "beta.parvis.test"), (&beta, "alpha.parvis.test")] {
            eventually("the partner on the home page", WAIT, || async {
                let page = WebClient::new(home).get("/").await;
                (page.has("Communes partenaires") && page.has(other)).then_some(())
            })
            .await;
        }

        // Beta's official opens a debate: it reaches alpha, although alpha only federates with allowed servers.
        let mut marie = signed_in(&beta, "marie").await;
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "La piste cyclable intercommunale"),
                    ("question", "Par où passer ?"),
                    ("body", ""),
                    ("closes_on", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("beta's debate on alpha", WAIT, || async {
            let list = WebClient::new(&alpha).get("/debates?scope=elsewhere").await;
            list.has("La piste cyclable intercommunale").then_some(())
        })
        .await;

        // Alpha ends it: its commune no longer follows beta's, and beta is no longer allowed.
        let page = admin
            .submit(
                "/admin",
                "/admin/federation/partners",
                &[("domain", beta.base.as_str()), ("rule", "remove")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = WebClient::new(&alpha).get("/").await;
        assert!(!page.has("Communes partenaires"), "{}", page.body);
        let policy = alpha
            .db
            .run(|c| parvis::federation::policy::Policy::load(c, &[]))
            .await
            .unwrap();
        assert!(policy.rules.is_empty(), "{:?}", policy.rules);
    }
);

/// The peer's reply to a debate on alpha, sent as it is; the status alpha answers.
async fn peer_replies(
    peer: &crate::support::peer::Peer,
    alpha: &crate::support::TestInstance,
    debate: &str,
    n: u32,
    text: &str,
) -> u64 {
    let reply = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/notes/reply-{n}/activity", peer.base), "type": "Create", "actor": peer.actor_id,
        "object": { "id": format!("{}/notes/reply-{n}", peer.base), "type": "Note",
                    "attributedTo": peer.actor_id, "content": format!("<p>{text}</p>"), "inReplyTo": debate,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"] },
    });
    send_raw(peer, alpha, reply).await
}

both_backends!(
    a_silenced_or_blocked_servers_posts_are_hidden_and_shown_again_when_lifted,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "marie", Role::Official).await;
        let peer = crate::fedify::peer(&net);
        let mut marie = signed_in(&alpha, "marie").await;
        let path =
            crate::support::debates::open_debate(&mut marie, "Le lavoir", "Le restaurer ?").await;
        let debate = alpha.url(&path);
        let api = format!("/api/v1/parvis{path}");
        let shows = |text: &'static str| {
            let (alpha, path, api) = (&alpha, path.clone(), api.clone());
            async move {
                let page = WebClient::new(alpha).get(&path).await;
                let json = alpha.get_json(&api, "application/json").await.1.to_string();
                assert_eq!(
                    page.has(text),
                    json.contains(text),
                    "the page and the API agree"
                );
                page.has(text)
            }
        };
        assert_eq!(
            peer_replies(&peer, &alpha, &debate, 1, "Avis du pair").await,
            202
        );
        assert!(shows("Avis du pair").await);

        // Silenced: what it sends is still accepted and kept, but its posts are shown to nobody.
        let mut admin = signed_in(&alpha, "admin").await;
        let page = server_rule(&mut admin, "peer.fedify.test", "silence").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(admin.get("/admin").await.has("Mis en sourdine"));
        assert!(!shows("Avis du pair").await);
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("Commentaire masqué par la modération.")
        );
        assert_eq!(
            peer_replies(&peer, &alpha, &debate, 2, "Second avis").await,
            202
        );
        assert!(!shows("Second avis").await);
        let stored: i64 = alpha
            .db
            .run(|c| {
                use parvis::model::schema::comments;
                Ok(comments::table
                    .filter(comments::remote_author_id.is_not_null())
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(stored, 2, "kept");

        // Blocked: refused, and still hidden.
        server_rule(&mut admin, "peer.fedify.test", "block").await;
        assert_eq!(
            peer_replies(&peer, &alpha, &debate, 3, "Troisième").await,
            403
        );
        assert!(!shows("Avis du pair").await);

        // The rule removed: everything kept shows again.
        let page = server_rule(&mut admin, "peer.fedify.test", "none").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(shows("Avis du pair").await && shows("Second avis").await);
    }
);

both_backends!(
    a_residents_only_commune_shares_with_its_people_and_member_servers_only,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "marie", Role::Official).await;
        person(&alpha, "karim", Role::Citizen).await;
        person(&beta, "bob", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        // The peer followed karim while the commune was open.
        assert_eq!(peer_follows(&peer, &alpha, 1).await, 202);
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;

        // The admin keeps the commune for its residents, and partners with beta (its only member server).
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin
            .submit(
                "/admin",
                "/admin/federation/mode",
                &[("mode", "open"), ("residents_only", "on")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = admin
            .submit(
                "/admin",
                "/admin/federation/partners",
                &[("domain", beta.base.as_str()), ("rule", "add")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let beta_ctx = parvis::app::context(beta.settings.clone(), beta.db.clone()).unwrap();
        parvis::federation::policy::partner_add(&beta_ctx, &Changer::Operator, &alpha.base)
            .await
            .unwrap();
        eventually("beta's follow accepted by alpha", WAIT, || async {
            let page = WebClient::new(&beta).get("/").await;
            page.has("alpha.parvis.test").then_some(())
        })
        .await;

        // Pages need an account; signing in and up stay open. The API needs a token, but for what the
        // instance is.
        let mut anonymous = WebClient::new(&alpha);
        for path in ["/", "/debates", "/polls", "/transparency", "/users/karim"] {
            let page = anonymous.get(path).await;
            assert_eq!(page.status, 303, "{path}");
            assert!(
                page.location
                    .as_deref()
                    .unwrap_or_default()
                    .starts_with("/login?next="),
                "{path}"
            );
        }
        assert_eq!(anonymous.get("/login").await.status, 200);
        assert_eq!(anonymous.get("/register").await.status, 200);
        assert_eq!(alpha.api_get("/api/v1/parvis/debates", "").await.0, 401);
        let (status, _) = alpha.get_json("/api/v1/instance", "application/json").await;
        assert_eq!(status, 200);
        let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        assert_eq!(alpha.api_get("/api/v1/parvis/debates", &token).await.0, 200);

        // Marie opens a debate: it reaches beta, addressed to followers, not to the public; nothing goes to
        // the peer, which follows karim.
        let mut marie = signed_in(&alpha, "marie").await;
        assert_eq!(marie.get("/debates").await.status, 200, "a resident reads");
        let path =
            crate::support::debates::open_debate(&mut marie, "Le budget de l’école", "Entre nous.")
                .await;
        eventually("the debate on beta", WAIT, || async {
            let list = WebClient::new(&beta).get("/debates?scope=elsewhere").await;
            list.has("Le budget de l’école").then_some(())
        })
        .await;
        let sent: Vec<String> = alpha
            .db
            .run(|c| {
                use parvis::model::schema::outgoing_activities as o;
                Ok(o::table.select(o::body).load(c)?)
            })
            .await
            .unwrap();
        let create = sent.iter().find(|b| b.contains("Le budget")).unwrap();
        assert!(!create.contains("#Public"), "{create}");
        // (Sent when the debate went to beta: any delivery to the peer would be queued or done by now.)
        assert_eq!(peer_rows(&alpha, "deliveries").await, 0);
        assert!(
            !peer
                .control_get("/inbox")
                .await
                .to_string()
                .contains("Le budget")
        );

        // The debate's object: refused unsigned, refused to the peer (not a member), served to beta.
        let url = alpha.url(&path);
        let (status, _) = alpha.get_json(&path, "application/activity+json").await;
        assert_eq!(status, 401);
        let fetched = peer
            .control_get(&format!("/fetch?url={}", crate::fedify::urlencode(&url)))
            .await;
        assert_eq!(fetched["status"], 403, "{fetched}");
        let page: serde_json::Value = parvis::federation::fetch::get(
            &beta_ctx,
            &url::Url::parse(&url).unwrap(),
            "application/activity+json",
        )
        .await
        .unwrap();
        assert_eq!(page["type"], "Page", "{page}");
        assert!(!page.to_string().contains("#Public"), "{page}");
        // Nor does the peer follow anyone any more.
        assert_eq!(peer_follows(&peer, &alpha, 2).await, 403);

        // Opened again: pages are public again.
        admin
            .submit("/admin", "/admin/federation/mode", &[("mode", "open")])
            .await;
        assert_eq!(WebClient::new(&alpha).get("/debates").await.status, 200);
    }
);
