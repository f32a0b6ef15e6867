//! Two Parvis instances on distinct names and addresses: follows, posts, unfollows, locked accounts, a server
//! that is down for a while.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::network::{ALPHA, BETA, Network};
use crate::support::{TestInstance, both_backends};
use parvis::civic::accounts::{NewAccount, create_account};
use parvis::civic::communes::create_commune;
use parvis::civic::tokens::create_token;
use parvis::model::Role;

/// An account on an instance (and its commune if it has none yet); returns the account's API token.
pub async fn account(instance: &TestInstance, commune: &str, user: &str, role: Role) -> String {
    // The commune may already exist: the conflict is expected then.
    let _ = create_commune(&instance.db, commune, &format!("Commune {commune}")).await;
    create_account(
        &instance.db,
        NewAccount {
            username: user.into(),
            role,
            commune: Some(commune.into()),
            display_name: Some(format!("{user} of {commune}")),
            password: None,
        },
    )
    .await
    .unwrap();
    create_token(&instance.db, user).await.unwrap()
}

/// Polls `check` until it returns Some, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Looks up `handle` from `on`, follows it and waits for the Accept; returns the remote account id.
pub async fn follow_and_wait(on: &TestInstance, token: &str, handle: &str) -> String {
    let id = follow(on, token, handle).await;
    eventually("the Accept", Duration::from_secs(30), || {
        relationship_following(on, token, &id)
    })
    .await;
    id
}

/// Looks up `handle` from `on` and follows it; returns the remote account id.
async fn follow(on: &TestInstance, token: &str, handle: &str) -> String {
    let (status, account) = on
        .api_get(
            &format!("/api/v1/accounts/lookup?acct={}", urlencode(handle)),
            token,
        )
        .await;
    assert_eq!(status, 200, "lookup {handle}: {account}");
    let id = account["id"].as_str().unwrap().to_string();
    let (status, relationship) = on
        .api_post(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await;
    assert_eq!(status, 200, "{relationship}");
    id
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn handle(instance: &TestInstance, user: &str) -> String {
    format!("@{user}@{}", instance.base.trim_start_matches("https://"))
}

async fn relationship_following(on: &TestInstance, token: &str, id: &str) -> Option<()> {
    let (_, rel) = on
        .api_post(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await;
    (rel["following"] == true).then_some(())
}

async fn followers_of(instance: &TestInstance, path: &str) -> Vec<Value> {
    let (status, page) = instance
        .get_json(
            &format!("{path}/followers?page=1"),
            "application/activity+json",
        )
        .await;
    assert_eq!(status, 200);
    page["orderedItems"].as_array().cloned().unwrap_or_default()
}

/// Waits until the post `uri` shows in the home timeline of `token`'s account; returns it.
async fn in_timeline(on: &TestInstance, token: &str, uri: &str, what: &str) -> Value {
    eventually(what, Duration::from_secs(30), || async {
        timeline(on, token)
            .await
            .into_iter()
            .find(|s| s["uri"] == uri)
    })
    .await
}

async fn timeline(on: &TestInstance, token: &str) -> Vec<Value> {
    let (status, items) = on.api_get("/api/v1/timelines/home", token).await;
    assert_eq!(status, 200, "{items}");
    items.as_array().cloned().unwrap_or_default()
}

both_backends!(
    a_citizen_follows_an_official_and_a_commune_on_another_instance,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let citizen = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let official = account(&beta, "beta-ville", "marie", Role::Official).await;
        let commune_token = {
            // The commune posts through an account of its staff; here we follow the commune actor itself.
            official.clone()
        };
        let _ = commune_token;

        let marie = follow_and_wait(&alpha, &citizen, &handle(&beta, "marie")).await;
        assert!(marie.starts_with('r'), "{marie}");
        follow_and_wait(&alpha, &citizen, &handle(&beta, "beta-ville")).await;

        // beta lists the remote follower.
        let karim_url = alpha.url("/users/karim");
        assert_eq!(
            followers_of(&beta, "/users/marie").await,
            vec![Value::String(karim_url.clone())]
        );
        assert_eq!(
            followers_of(&beta, "/communes/beta-ville").await,
            vec![Value::String(karim_url.clone())]
        );
        let (_, collection) = beta
            .get_json("/users/marie/followers", "application/activity+json")
            .await;
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], 1);
        let (_, following) = alpha
            .get_json("/users/karim/following?page=1", "application/activity+json")
            .await;
        assert_eq!(following["orderedItems"].as_array().unwrap().len(), 2);

        // The official posts; the post reaches alpha and shows in the citizen's timeline.
        let (status, post) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Conseil municipal jeudi à 19h <b>salle des fêtes</b>"}),
            )
            .await;
        assert_eq!(status, 200, "{post}");
        let uri = post["uri"].as_str().unwrap().to_string();
        let seen = in_timeline(&alpha, &citizen, &uri, "the post on alpha").await;
        assert_eq!(
            seen["account"]["acct"],
            format!("marie@{}", beta.base.trim_start_matches("https://"))
        );
        assert!(
            seen["content"]
                .as_str()
                .unwrap()
                .contains("&lt;b&gt;salle des fêtes&lt;/b&gt;"),
            "{seen}"
        );
        // The Note itself is served by beta.
        let path = uri.trim_start_matches(&beta.base).to_string();
        let (status, note) = beta.get_json(&path, "application/activity+json").await;
        assert_eq!(status, 200);
        assert_eq!(note["type"], "Note");
        assert_eq!(note["attributedTo"], beta.url("/users/marie").as_str());
        let (_, outbox) = beta
            .get_json("/users/marie/outbox?page=1", "application/activity+json")
            .await;
        assert_eq!(outbox["orderedItems"][0]["type"], "Create");
        assert_eq!(outbox["orderedItems"][0]["object"]["id"], uri.as_str());

        let (_, info) = beta.get_json("/nodeinfo/2.1", "application/json").await;
        assert_eq!(info["usage"]["localPosts"], 1);
        // An official speaks for the commune: the commune's followers get it, signed by the commune.
        let (status, post) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "La mairie sera fermée lundi", "as_commune": true}),
            )
            .await;
        assert_eq!(status, 200, "{post}");
        assert_eq!(post["account"]["group"], true);
        let uri = post["uri"].as_str().unwrap().to_string();
        let seen = in_timeline(&alpha, &citizen, &uri, "the commune's post on alpha").await;
        assert_eq!(seen["account"]["username"], "beta-ville");
        // Those who speak for the commune may also withdraw what it said.
        let commune_post = post["id"].as_str().unwrap().to_string();
        // A citizen may not.
        let beta_citizen = account(&beta, "beta-ville", "zoe", Role::Citizen).await;
        let (status, refused) = beta
            .api_post(
                "/api/v1/statuses",
                &beta_citizen,
                json!({"status": "x", "as_commune": true}),
            )
            .await;
        assert_eq!(status, 403, "{refused}");
        let path = format!("/api/v1/statuses/{commune_post}");
        assert_eq!(beta.api_delete(&path, &beta_citizen).await, 403);
        assert_eq!(beta.api_delete(&path, &official).await, 200);

        // The citizen unfollows: beta forgets the follower.
        let (status, rel) = alpha
            .api_post(
                &format!("/api/v1/accounts/{marie}/unfollow"),
                &citizen,
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(rel["following"], false);
        eventually("the Undo on beta", Duration::from_secs(20), || async {
            followers_of(&beta, "/users/marie")
                .await
                .is_empty()
                .then_some(())
        })
        .await;
        assert_eq!(followers_of(&beta, "/communes/beta-ville").await.len(), 1);

        // Nothing is left to deliver, on either side.
        for instance in [&alpha, &beta] {
            let status = instance
                .db
                .run(parvis::db::queries::federation_status)
                .await
                .unwrap();
            assert!(
                status.iter().all(|h| h.queued == 0 && h.failed == 0),
                "{status:?}"
            );
        }
    }
);

both_backends!(
    a_locked_account_approves_a_remote_follower,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let citizen = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let official = account(&beta, "beta-ville", "marie", Role::Official).await;
        beta.db
            .run(|conn| {
                use diesel::prelude::*;
                use parvis::model::schema::actors;
                diesel::update(actors::table.filter(actors::username.eq("marie")))
                    .set(actors::manually_approves_followers.eq(true))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
        let marie = follow(&alpha, &citizen, &handle(&beta, "marie")).await;
        let requests = eventually("the request on beta", Duration::from_secs(20), || async {
            let (_, list) = beta.api_get("/api/v1/follow_requests", &official).await;
            list.as_array().filter(|l| !l.is_empty()).cloned()
        })
        .await;
        assert_eq!(requests.len(), 1);
        let (_, rel) = alpha
            .api_post(
                &format!("/api/v1/accounts/{marie}/follow"),
                &citizen,
                json!({}),
            )
            .await;
        assert_eq!(rel["requested"], true);
        assert_eq!(rel["following"], false);
        let requester = requests[0]["id"].as_str().unwrap();
        let (status, _) = beta
            .api_post(
                &format!("/api/v1/follow_requests/{requester}/authorize"),
                &official,
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        eventually("the Accept on alpha", Duration::from_secs(20), || {
            relationship_following(&alpha, &citizen, &marie)
        })
        .await;
        let (status, _) = beta
            .api_post(
                &format!("/api/v1/follow_requests/{requester}/authorize"),
                &official,
                json!({}),
            )
            .await;
        assert_eq!(status, 404, "a request is approved once");
    }
);

both_backends!(
    deliveries_wait_for_a_server_that_is_down,
    |backend| async move {
        let net = Network::new();
        let mut alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let citizen = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let official = account(&beta, "beta-ville", "marie", Role::Official).await;
        follow_and_wait(&alpha, &citizen, &handle(&beta, "marie")).await;

        alpha.stop().await;
        let (_, post) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Coupure d'eau demain"}),
            )
            .await;
        let uri = post["uri"].as_str().unwrap().to_string();
        let alpha_domain = alpha.base.trim_start_matches("https://").to_string();
        eventually(
            "a failed attempt recorded",
            Duration::from_secs(20),
            || async {
                let status = beta
                    .db
                    .run(parvis::db::queries::federation_status)
                    .await
                    .unwrap();
                status
                    .iter()
                    .find(|h| h.domain == alpha_domain && h.queued == 1)
                    .map(|_| ())
            },
        )
        .await;
        alpha.restart().await;
        let seen = in_timeline(&alpha, &citizen, &uri, "the post after alpha came back").await;
        assert_eq!(seen["content"], "<p>Coupure d'eau demain</p>");
        // beta records the success once alpha has answered.
        let host = eventually("the delivery recorded", Duration::from_secs(10), || async {
            let status = beta
                .db
                .run(parvis::db::queries::federation_status)
                .await
                .unwrap();
            status
                .into_iter()
                .find(|h| h.domain == alpha_domain && h.queued == 0)
        })
        .await;
        assert_eq!(host.failed, 0, "{host:?}");
        assert!(host.delivered >= 2, "{host:?}");
        assert!(!host.unreachable);
    }
);

both_backends!(
    replies_and_deletions_reach_followers,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let citizen = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let official = account(&beta, "beta-ville", "marie", Role::Official).await;
        follow_and_wait(&alpha, &citizen, &handle(&beta, "marie")).await;

        let (_, first) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Travaux rue Haute"}),
            )
            .await;
        let first_id = first["id"].as_str().unwrap().to_string();
        let (status, reply) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "Fin prévue vendredi", "in_reply_to_id": first_id}),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["in_reply_to_id"], first_id.as_str());
        let (status, direct) = beta
            .api_post(
                "/api/v1/statuses",
                &official,
                json!({"status": "privé", "visibility": "direct"}),
            )
            .await;
        assert_eq!(status, 422, "{direct}");
        let reply_uri = reply["uri"].as_str().unwrap().to_string();
        let first_uri = first["uri"].as_str().unwrap().to_string();
        // On alpha, the reply points at the first post as alpha stores it. The two are delivered
        // independently (the reply may come first), and the parent is resolved when read: wait for both.
        in_timeline(&alpha, &citizen, &reply_uri, "the reply on alpha").await;
        let alpha_first =
            in_timeline(&alpha, &citizen, &first_uri, "the first post on alpha").await;
        let seen = in_timeline(&alpha, &citizen, &reply_uri, "the reply on alpha").await;
        assert_eq!(seen["in_reply_to_id"], alpha_first["id"]);

        // The author deletes the first post: it leaves alpha's timeline and beta's outbox.
        let status = beta
            .api_delete(&format!("/api/v1/statuses/{first_id}"), &official)
            .await;
        assert_eq!(status, 200);
        eventually("the deletion on alpha", Duration::from_secs(20), || async {
            let gone = !timeline(&alpha, &citizen)
                .await
                .iter()
                .any(|s| s["uri"] == first_uri.as_str());
            gone.then_some(())
        })
        .await;
        let (_, outbox) = beta
            .get_json("/users/marie/outbox?page=1", "application/activity+json")
            .await;
        let listed: Vec<&str> = outbox["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["object"]["id"].as_str())
            .collect();
        assert_eq!(listed, vec![reply_uri.as_str()], "{outbox}");
        assert_eq!(outbox["totalItems"], 1);
        let (status, _) = beta
            .get_json(
                first_uri.trim_start_matches(&beta.base),
                "application/activity+json",
            )
            .await;
        assert_eq!(status, 404, "a deleted post is no longer served");
        // Someone else cannot delete the reply.
        let other = account(&beta, "beta-ville", "zoe", Role::Citizen).await;
        let reply_id = reply["id"].as_str().unwrap();
        let status = beta
            .api_delete(&format!("/api/v1/statuses/{reply_id}"), &other)
            .await;
        assert_eq!(status, 403);
    }
);
