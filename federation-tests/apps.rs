//! What Mastodon apps do with posts, across servers: favourites and boosts given on one instance reach the
//! post's server (another Parvis, or the Fedify peer) as `Like` and `Announce`, are counted there and told
//! to the author as notifications; taking them back is `Undo`. Nobody but the booster undoes a boost, nobody
//! likes a post they may not read. Every entity read on the way is checked against Mastodon's shape.

use std::time::Duration;

use serde_json::{Value, json};

use crate::federation::{account, eventually, follow_and_wait};
use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, post_signed, reach};
use crate::support::mastodon::{assert_account, assert_notification, assert_status};
use crate::support::network::{ALPHA, BETA, Network};
use crate::support::{TestInstance, both_backends};
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

/// A post as `token`'s account reads it.
async fn status(on: &TestInstance, token: &str, id: &str) -> Value {
    let (code, status) = on.api_get(&format!("/api/v1/statuses/{id}"), token).await;
    assert_eq!(code, 200, "{status}");
    assert_status(&status, true);
    status
}

/// Waits until `what` holds of the post `id` as `token` reads it; returns the post.
async fn post_until(
    on: &TestInstance,
    token: &str,
    id: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, WAIT, || async {
        let found = status(on, token, id).await;
        check(&found).then_some(found)
    })
    .await
}

/// The notifications of `token`'s account, each checked against Mastodon's shape.
pub(crate) async fn notifications(on: &TestInstance, token: &str, query: &str) -> Vec<Value> {
    let (code, list) = on
        .api_get(&format!("/api/v1/notifications{query}"), token)
        .await;
    assert_eq!(code, 200, "{list}");
    let list = list.as_array().cloned().unwrap_or_default();
    for n in &list {
        assert_notification(n);
    }
    list
}

/// Waits until the home timeline of `token` holds the post `uri`; returns its entity there.
pub(crate) async fn in_home(on: &TestInstance, token: &str, uri: &str) -> Value {
    eventually("the post in the home timeline", WAIT, || async {
        let (code, items) = on.api_get("/api/v1/timelines/home", token).await;
        assert_eq!(code, 200, "{items}");
        items
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["uri"] == uri)
            .cloned()
    })
    .await
}

/// Two towns on distinct hosts: Léa, a citizen of alpha, and Bob, a citizen of beta who follows her.
pub(crate) struct TwoTowns {
    pub net: Network,
    pub alpha: TestInstance,
    pub beta: TestInstance,
    pub lea: String,
    pub bob: String,
}

pub(crate) async fn bob_follows_lea(backend: crate::support::Backend) -> TwoTowns {
    let net = Network::new();
    let alpha = net.instance(backend, ALPHA, |_| {}).await;
    let beta = net.instance(backend, BETA, |_| {}).await;
    let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
    let bob = account(&beta, "beta-bourg", "bob", Role::Citizen).await;
    let handle = format!("@lea@{}", alpha.base.trim_start_matches("https://"));
    follow_and_wait(&beta, &bob, &handle).await;
    TwoTowns {
        net,
        alpha,
        beta,
        lea,
        bob,
    }
}

both_backends!(
    favourites_and_boosts_reach_the_posts_server_and_its_author,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let bob = account(&beta, "beta-bourg", "bob", Role::Citizen).await;
        let lea_handle = format!("@lea@{}", alpha.base.trim_start_matches("https://"));
        // Bob finds Léa as apps find people, by her handle, looked up on her server.
        let (code, found) = beta
            .api_get(
                &format!(
                    "/api/v2/search?type=accounts&resolve=true&q={}",
                    crate::fedify::urlencode(&lea_handle)
                ),
                &bob,
            )
            .await;
        assert_eq!(code, 200, "{found}");
        assert_account(&found["accounts"][0]);
        assert_eq!(
            found["accounts"][0]["uri"],
            alpha.url("/users/lea"),
            "{found}"
        );
        follow_and_wait(&beta, &bob, &lea_handle).await;

        let (code, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Le marché ouvre samedi"}),
            )
            .await;
        assert_eq!(code, 200, "{post}");
        let id = post["id"].as_str().unwrap().to_string();
        let uri = post["uri"].as_str().unwrap().to_string();
        let seen = in_home(&beta, &bob, &uri).await;
        let there = seen["id"].as_str().unwrap().to_string();
        // Its URL finds it in a search, as do its words.
        for q in [uri.as_str(), "marché samedi"] {
            let (_, found) = beta
                .api_get(
                    &format!(
                        "/api/v2/search?type=statuses&q={}",
                        crate::fedify::urlencode(q)
                    ),
                    &bob,
                )
                .await;
            assert_eq!(found["statuses"][0]["id"], there.as_str(), "{q}: {found}");
        }

        // Bob favourites and boosts it from his app, on his own server.
        let (code, faved) = beta
            .api_post(
                &format!("/api/v1/statuses/{there}/favourite"),
                &bob,
                json!({}),
            )
            .await;
        assert_eq!(code, 200, "{faved}");
        assert_eq!(
            (&faved["favourited"], &faved["favourites_count"]),
            (&json!(true), &json!(1))
        );
        let (code, boost) = beta
            .api_post(&format!("/api/v1/statuses/{there}/reblog"), &bob, json!({}))
            .await;
        assert_eq!(code, 200, "{boost}");
        assert_status(&boost, true);
        assert_eq!(boost["reblog"]["id"], there.as_str(), "{boost}");
        assert_eq!(boost["reblog"]["reblogged"], true, "{boost}");
        assert_eq!(boost["account"]["username"], "bob");
        // A second boost is the same boost.
        let (_, again) = beta
            .api_post(&format!("/api/v1/statuses/{there}/reblog"), &bob, json!({}))
            .await;
        assert_eq!(again["id"], boost["id"]);
        // His home timeline shows the boost.
        let (_, home) = beta.api_get("/api/v1/timelines/home", &bob).await;
        assert_eq!(home[0]["id"], boost["id"], "{home}");

        // Léa's server counted both and told her, naming Bob.
        let counted = post_until(&alpha, &lea, &id, "one favourite and one boost", |s| {
            s["favourites_count"] == 1 && s["reblogs_count"] == 1
        })
        .await;
        assert_eq!(counted["favourited"], false, "she did not favourite it");
        let told = notifications(&alpha, &lea, "").await;
        let kinds: Vec<&str> = told.iter().filter_map(|n| n["type"].as_str()).collect();
        assert!(
            kinds.contains(&"favourite") && kinds.contains(&"reblog"),
            "{told:?}"
        );
        for n in told
            .iter()
            .filter(|n| n["type"] == "favourite" || n["type"] == "reblog")
        {
            assert_eq!(
                n["account"]["acct"],
                format!("bob@{}", beta.base.trim_start_matches("https://")),
                "{n}"
            );
            assert_eq!(n["status"]["id"], id.as_str(), "{n}");
        }
        let (code, by) = alpha
            .api_get(&format!("/api/v1/statuses/{id}/reblogged_by"), &lea)
            .await;
        assert_eq!(code, 200, "{by}");
        assert_eq!(by.as_array().unwrap().len(), 1, "{by}");
        assert_account(&by[0]);
        let (_, by) = alpha
            .api_get(&format!("/api/v1/statuses/{id}/favourited_by"), &lea)
            .await;
        assert_eq!(by[0]["username"], "bob", "{by}");

        // Taken back on Bob's server: Léa's counts go back to nothing.
        let (code, _) = beta
            .api_post(
                &format!("/api/v1/statuses/{there}/unfavourite"),
                &bob,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        let (code, after) = beta
            .api_post(
                &format!("/api/v1/statuses/{there}/unreblog"),
                &bob,
                json!({}),
            )
            .await;
        assert_eq!(code, 200, "{after}");
        assert_eq!(
            (&after["reblogged"], &after["favourited"]),
            (&json!(false), &json!(false))
        );
        post_until(&alpha, &lea, &id, "no favourite nor boost", |s| {
            s["favourites_count"] == 0 && s["reblogs_count"] == 0
        })
        .await;
        let (_, home) = beta.api_get("/api/v1/timelines/home", &bob).await;
        assert!(
            home.as_array()
                .unwrap()
                .iter()
                .all(|s| s["id"] != boost["id"]),
            "the boost left his timeline: {home}"
        );
    }
);

both_backends!(
    favourites_and_boosts_go_both_ways_with_fedify,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "lea").await;

        // Fedify likes and boosts Léa's post.
        let (_, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Bonjour Fedify"}),
            )
            .await;
        let id = post["id"].as_str().unwrap().to_string();
        let uri = post["uri"].as_str().unwrap().to_string();
        let liked = peer.control_post("/like", json!({"object": uri})).await;
        assert_eq!(liked["ok"], true, "{liked}");
        let boosted = peer.control_post("/announce", json!({"object": uri})).await;
        assert_eq!(boosted["ok"], true, "{boosted}");
        post_until(&alpha, &lea, &id, "Fedify's favourite and boost", |s| {
            s["favourites_count"] == 1 && s["reblogs_count"] == 1
        })
        .await;
        let told = notifications(&alpha, &lea, "?types[]=favourite&types[]=reblog").await;
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(
            told.iter()
                .all(|n| n["account"]["uri"] == peer.actor_id.as_str())
        );

        let undone = peer
            .control_post("/undo-like", json!({"object": uri}))
            .await;
        assert_eq!(undone["ok"], true, "{undone}");
        let undone = peer
            .control_post("/undo-announce", json!({"object": uri}))
            .await;
        assert_eq!(undone["ok"], true, "{undone}");
        post_until(
            &alpha,
            &lea,
            &id,
            "Fedify's favourite and boost undone",
            |s| s["favourites_count"] == 0 && s["reblogs_count"] == 0,
        )
        .await;

        // Léa follows the peer, favourites and boosts its post: the peer verifies both as hers.
        follow_and_wait(&alpha, &lea, &peer.handle()).await;
        let sent = peer
            .control_post(
                "/note",
                json!({"content": "<p>Une note de Fedify</p>", "to": ["public"], "cc": ["followers"]}),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let note = sent["id"].as_str().unwrap().to_string();
        let here = in_home(&alpha, &lea, &note).await;
        let here = here["id"].as_str().unwrap().to_string();
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/statuses/{here}/favourite"),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        let like = peer
            .wait_for_inbox(
                |a| a["type"] == "Like" && a["raw"]["object"] == note.as_str(),
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&like, &alpha.url("/users/lea"));
        let (code, _) = alpha
            .api_post(&format!("/api/v1/statuses/{here}/reblog"), &lea, json!({}))
            .await;
        assert_eq!(code, 200);
        let announce = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"] == note.as_str(),
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&announce, &alpha.url("/users/lea"));
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/statuses/{here}/unfavourite"),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        let undo = peer
            .wait_for_inbox(
                |a| a["type"] == "Undo" && a["raw"]["object"]["id"] == like["raw"]["id"],
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&undo, &alpha.url("/users/lea"));
    }
);

both_backends!(
    nobody_undoes_anothers_boost_nor_likes_what_they_cannot_read,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, reach).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let booster = evil.serve_actor("booster", &keys()[0]);
        let mallory = evil.serve_actor("mallory", &keys()[1]);
        let send = |activity: Value, actor: String, key: usize| {
            let client = evil.client();
            let inbox = alpha.url("/inbox");
            async move {
                post_signed(
                    &client,
                    &inbox,
                    &activity,
                    &format!("{actor}#main-key"),
                    &keys()[key].signing(),
                )
                .await
            }
        };
        let (_, post) = alpha
            .api_post("/api/v1/statuses", &lea, json!({"status": "Public"}))
            .await;
        let (_, private) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Pour mes abonnés", "visibility": "private"}),
            )
            .await;
        let (id, uri) = (post["id"].as_str().unwrap(), post["uri"].as_str().unwrap());

        let announce = json!({"id": evil.url("/announces/1"), "type": "Announce", "actor": booster,
            "object": uri, "to": ["https://www.w3.org/ns/activitystreams#Public"]});
        let (code, body) = send(announce.clone(), booster.clone(), 0).await;
        assert_eq!(code, 202, "{body}");
        // The same Announce again (a replay) is one boost.
        let (code, _) = send(announce.clone(), booster.clone(), 0).await;
        assert_eq!(code, 202);
        assert_eq!(status(&alpha, &lea, id).await["reblogs_count"], 1);

        // Mallory undoes the booster's Announce: whatever she embeds, the boost is not hers.
        let forged = json!({"id": evil.url("/undo/1"), "type": "Undo", "actor": mallory,
            "object": {"id": evil.url("/announces/1"), "type": "Announce", "actor": booster, "object": uri}});
        let (code, body) = send(forged, mallory.clone(), 1).await;
        assert!(code == 202 || code == 403, "{code} {body}");
        // She likes a followers-only post she cannot read: refused.
        let like = json!({"id": evil.url("/likes/1"), "type": "Like", "actor": mallory,
            "object": private["uri"]});
        let (code, body) = send(like, mallory.clone(), 1).await;
        assert_eq!(code, 403, "{body}");
        // A like of a post that does not exist changes nothing.
        let like = json!({"id": evil.url("/likes/2"), "type": "Like", "actor": mallory,
            "object": alpha.url("/notes/999999")});
        let (code, body) = send(like, mallory.clone(), 1).await;
        assert_eq!(code, 202, "{body}");
        // Then the booster's own Undo: it is applied, so the forged one was read before it and did nothing.
        let undo = json!({"id": evil.url("/undo/2"), "type": "Undo", "actor": booster,
            "object": {"id": evil.url("/announces/1"), "type": "Announce", "actor": booster, "object": uri}});
        let before = status(&alpha, &lea, id).await;
        assert_eq!(
            before["reblogs_count"], 1,
            "the forged Undo removed the boost: {before}"
        );
        let (code, body) = send(undo, booster.clone(), 0).await;
        assert_eq!(code, 202, "{body}");
        assert_eq!(status(&alpha, &lea, id).await["reblogs_count"], 0);
        let private = status(&alpha, &lea, private["id"].as_str().unwrap()).await;
        assert_eq!(private["favourites_count"], 0, "{private}");
        // Léa was told of the one boost only.
        let told = notifications(&alpha, &lea, "?types[]=reblog&types[]=favourite").await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["account"]["uri"], booster.as_str());
    }
);

/// The versions of a post, as `/history` lists them (their content).
async fn versions(on: &TestInstance, token: &str, id: &str) -> Vec<String> {
    let (code, history) = on
        .api_get(&format!("/api/v1/statuses/{id}/history"), token)
        .await;
    assert_eq!(code, 200, "{history}");
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert_account(&v["account"]);
            v["content"].as_str().unwrap().to_string()
        })
        .collect()
}

both_backends!(
    edits_reach_followers_elsewhere_and_keep_their_history,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let marie = account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let bob = account(&beta, "beta-bourg", "bob", Role::Citizen).await;
        let lea_handle = format!("@lea@{}", alpha.base.trim_start_matches("https://"));
        follow_and_wait(&beta, &bob, &lea_handle).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "lea").await;

        let (_, post) = alpha
            .api_post("/api/v1/statuses", &lea, json!({"status": "Marché samedi"}))
            .await;
        let (id, uri) = (post["id"].as_str().unwrap(), post["uri"].as_str().unwrap());
        assert!(post["edited_at"].is_null());
        let there = in_home(&beta, &bob, uri).await;
        let there = there["id"].as_str().unwrap().to_string();

        // Bad edits change nothing: someone else's, an empty one, a post that does not exist.
        let put = |token: &str, path: String, body: Value| {
            let request = alpha
                .client()
                .put(alpha.url(&path))
                .bearer_auth(token)
                .json(&body);
            async move {
                let response = request.send().await.unwrap();
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
        };
        let path = format!("/api/v1/statuses/{id}");
        assert_eq!(
            put(&marie, path.clone(), json!({"status": "Piraté"}))
                .await
                .0,
            403
        );
        assert_eq!(
            put(&lea, path.clone(), json!({"status": "  "})).await.0,
            422
        );
        assert_eq!(
            put(
                &lea,
                "/api/v1/statuses/999999".into(),
                json!({"status": "x"})
            )
            .await
            .0,
            404
        );
        assert_eq!(versions(&alpha, &lea, id).await, ["<p>Marché samedi</p>"]);

        // Léa edits it: her post says so, its history holds both, and the others get an Update.
        let (code, edited) = put(&lea, path.clone(), json!({"status": "Marché dimanche"})).await;
        assert_eq!(code, 200, "{edited}");
        assert_status(&edited, true);
        assert!(edited["edited_at"].is_string(), "{edited}");
        assert_eq!(
            versions(&alpha, &lea, id).await,
            ["<p>Marché samedi</p>", "<p>Marché dimanche</p>"]
        );
        let (_, source) = alpha
            .api_get(&format!("/api/v1/statuses/{id}/source"), &lea)
            .await;
        assert_eq!(source["text"], "Marché dimanche");
        let update = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["raw"]["object"]["id"] == uri,
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&update, &alpha.url("/users/lea"));
        assert_eq!(update["raw"]["object"]["content"], "<p>Marché dimanche</p>");
        assert!(update["raw"]["object"]["updated"].is_string(), "{update}");
        let seen = post_until(&beta, &bob, &there, "the edit on Bob's server", |s| {
            s["content"] == "<p>Marché dimanche</p>"
        })
        .await;
        assert!(seen["edited_at"].is_string(), "{seen}");
        assert_eq!(
            versions(&beta, &bob, &there).await,
            ["<p>Marché samedi</p>", "<p>Marché dimanche</p>"]
        );

        // The peer edits a post of its own that Léa follows: her copy keeps both versions.
        follow_and_wait(&alpha, &lea, &peer.handle()).await;
        let sent = peer
            .control_post(
                "/note",
                json!({"content": "<p>Avant</p>", "to": ["public"], "cc": ["followers"]}),
            )
            .await;
        let note = sent["id"].as_str().unwrap().to_string();
        let here = in_home(&alpha, &lea, &note).await;
        let here = here["id"].as_str().unwrap().to_string();
        let answer = peer
            .control_post(
                "/update-note",
                json!({"id": note, "content": "<p>Après</p>"}),
            )
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        post_until(&alpha, &lea, &here, "the peer's edit", |s| {
            s["content"] == "<p>Après</p>"
        })
        .await;
        assert_eq!(
            versions(&alpha, &lea, &here).await,
            ["<p>Avant</p>", "<p>Après</p>"]
        );

        // Edited without end, a post keeps its first version and the latest ones only.
        for n in 1..=25 {
            let (code, _) = put(&lea, path.clone(), json!({"status": format!("v{n}")})).await;
            assert_eq!(code, 200);
        }
        let kept = versions(&alpha, &lea, id).await;
        assert_eq!(kept.len(), 21, "{kept:?}");
        assert_eq!(
            (kept[0].as_str(), kept[1].as_str(), kept[20].as_str()),
            ("<p>Marché samedi</p>", "<p>v6</p>", "<p>v25</p>")
        );
    }
);

both_backends!(
    hashtags_travel_with_posts_and_make_their_timeline,
    |backend| async move {
        let TwoTowns {
            net,
            alpha,
            beta,
            lea,
            bob,
        } = bob_follows_lea(backend).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "lea").await;

        let (_, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Le #Marché de #Noël ouvre, pas#ici"}),
            )
            .await;
        let names: Vec<&str> = post["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names, ["marché", "noël"], "{post}");
        let uri = post["uri"].as_str().unwrap();

        // The peer gets them as Hashtags naming their page here, which lists the post.
        let create = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["raw"]["object"]["id"] == uri,
                WAIT,
            )
            .await;
        let tags = create["raw"]["object"]["tag"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let href = tags
            .iter()
            .find(|t| t["type"] == "Hashtag" && t["name"] == "#marché")
            .and_then(|t| t["href"].as_str())
            .unwrap_or_else(|| panic!("{create}"))
            .to_string();
        let page = alpha
            .get(href.strip_prefix(&alpha.base).unwrap(), "text/html")
            .await;
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("ouvre"));

        // Bob's server read them from the tag list: his tag timeline holds the post.
        in_home(&beta, &bob, uri).await;
        let (code, timeline) = beta
            .api_get(
                &format!(
                    "/api/v1/timelines/tag/{}?remote=true",
                    crate::fedify::urlencode("Marché")
                ),
                &bob,
            )
            .await;
        assert_eq!(code, 200, "{timeline}");
        assert_eq!(timeline[0]["uri"], uri, "{timeline}");
        assert_status(&timeline[0], true);
        let (_, local) = beta
            .api_get("/api/v1/timelines/tag/march%C3%A9?local=true", &bob)
            .await;
        assert_eq!(local, json!([]), "not written on Bob's server");
        let (_, found) = beta
            .api_get("/api/v2/search?type=hashtags&q=%23mar", &bob)
            .await;
        assert_eq!(found["hashtags"][0]["name"], "marché", "{found}");
        let (_, none) = beta.api_get("/api/v1/timelines/tag/%25%25", &bob).await;
        assert_eq!(none, json!([]));

        // The peer's Hashtags are read from its tag list (not from its text); one that is not a hashtag is
        // not kept.
        follow_and_wait(&alpha, &lea, &peer.handle()).await;
        let sent = peer
            .control_post(
                "/note",
                json!({"content": "<p>#Vélo et #Texte</p>", "to": ["public"], "cc": ["followers"],
                       "hashtags": ["#Vélo", "#<b>gras</b>"]}),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let seen = in_home(&alpha, &lea, sent["id"].as_str().unwrap()).await;
        let names: Vec<&str> = seen["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names, ["vélo"], "{seen}");
    }
);
