//! The Mastodon client API as an app reads one town: threads, timelines and their pages (the `Link` header
//! apps follow), an account's posts and follows, relationships, notifications (filtered, dismissed,
//! cleared), favourites and bookmarks; and what it refuses: ids that are not ids, posts one may not read,
//! tokens without the scope, with nothing written.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::federation::account;
use crate::support::mastodon::{assert_context, assert_relationship, assert_status};
use crate::support::{TestInstance, both_backends};
use parvis::model::Role;
use parvis::model::schema::{api_tokens, bookmarks, note_favourites, notifications};

/// A GET with a token: the status, the `Link` header and the JSON answer.
async fn get(on: &TestInstance, path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut request = on.client().get(on.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let link = response
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    (status, link, response.json().await.unwrap_or(Value::Null))
}

/// The URL of a `Link` header's `rel` page, as a path on `on`.
fn linked(on: &TestInstance, link: &str, rel: &str) -> String {
    let part = link
        .split(", ")
        .find(|p| p.ends_with(&format!("rel=\"{rel}\"")))
        .unwrap_or_else(|| panic!("no {rel} in {link}"));
    let url = part.trim_start_matches('<').split('>').next().unwrap();
    url.strip_prefix(&on.base).unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn post(on: &TestInstance, token: &str, body: Value) -> Value {
    let (code, status) = on.api_post("/api/v1/statuses", token, body).await;
    assert_eq!(code, 200, "{status}");
    assert_status(&status, true);
    status
}

both_backends!(
    threads_timelines_and_pages_as_apps_read_them,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let marie = account(&alpha, "alpha-ville", "marie", Role::Citizen).await;
        let (_, lea_account) = alpha
            .api_get("/api/v1/accounts/lookup?acct=lea", &lea)
            .await;
        let lea_id = lea_account["id"].as_str().unwrap().to_string();
        let (code, rel) = alpha
            .api_post(
                &format!("/api/v1/accounts/{lea_id}/follow"),
                &marie,
                json!({}),
            )
            .await;
        assert_eq!((code, &rel["following"]), (200, &json!(true)), "{rel}");

        let mut posts = vec![];
        for n in 1..=5 {
            posts.push(post(&alpha, &lea, json!({"status": format!("Message {n}")})).await);
        }
        let p5 = posts[4]["id"].as_str().unwrap().to_string();
        let r1 = post(
            &alpha,
            &marie,
            json!({"status": "@lea merci !", "in_reply_to_id": p5}),
        )
        .await;
        let r1_id = r1["id"].as_str().unwrap().to_string();
        assert_eq!(r1["in_reply_to_account_id"], lea_id.as_str());
        assert_eq!(r1["mentions"][0]["acct"], "lea", "{r1}");
        let r2 = post(
            &alpha,
            &lea,
            json!({"status": "Avec plaisir", "in_reply_to_id": r1_id}),
        )
        .await;
        let private = post(
            &alpha,
            &lea,
            json!({"status": "Pour mes abonnés", "visibility": "private"}),
        )
        .await;

        // The thread around the first reply.
        let (code, _, context) = get(
            &alpha,
            &format!("/api/v1/statuses/{r1_id}/context"),
            Some(&marie),
        )
        .await;
        assert_eq!(code, 200, "{context}");
        assert_context(&context);
        assert_eq!(ids(&context["ancestors"]), [p5.as_str()]);
        assert_eq!(ids(&context["descendants"]), [r2["id"].as_str().unwrap()]);
        assert_eq!(posts[4]["replies_count"], 0);
        let (_, _, p5_now) = get(&alpha, &format!("/api/v1/statuses/{p5}"), Some(&marie)).await;
        assert_eq!(p5_now["replies_count"], 1, "{p5_now}");

        // Marie's home timeline, two at a time, following the Link header both ways.
        let (code, link, first) = get(&alpha, "/api/v1/timelines/home?limit=2", Some(&marie)).await;
        assert_eq!(code, 200, "{first}");
        assert_eq!(
            ids(&first),
            [private["id"].as_str().unwrap(), r2["id"].as_str().unwrap()]
        );
        let next = linked(&alpha, link.as_deref().unwrap(), "next");
        assert!(next.contains("limit=2"), "{next}");
        let (_, link, second) = get(&alpha, &next, Some(&marie)).await;
        assert_eq!(ids(&second), [r1_id.clone(), p5.clone()]);
        let prev = linked(&alpha, link.as_deref().unwrap(), "prev");
        let (_, _, back) = get(&alpha, &prev, Some(&marie)).await;
        assert_eq!(
            ids(&back),
            ids(&first),
            "min_id gives the page right before"
        );
        let (_, _, newer) = get(
            &alpha,
            &format!("/api/v1/timelines/home?since_id={p5}"),
            Some(&marie),
        )
        .await;
        assert_eq!(newer.as_array().unwrap().len(), 3, "{newer}");

        // The public timeline, without a token: public posts only.
        let (code, _, public) = get(&alpha, "/api/v1/timelines/public?local=true", None).await;
        assert_eq!(code, 200, "{public}");
        let public_ids = ids(&public);
        assert_eq!(public_ids.len(), 7, "{public_ids:?}");
        assert!(!public_ids.contains(&private["id"].as_str().unwrap().to_string()));
        let (_, _, remote) = get(&alpha, "/api/v1/timelines/public?remote=true", None).await;
        assert_eq!(remote, json!([]));
        let private_path = format!("/api/v1/statuses/{}", private["id"].as_str().unwrap());
        assert_eq!(get(&alpha, &private_path, None).await.0, 404);
        assert_eq!(
            get(&alpha, &private_path, Some(&marie)).await.0,
            200,
            "she follows Léa"
        );

        // Léa's posts without replies; who follows whom; how Marie stands with Léa.
        let (_, _, own) = get(
            &alpha,
            &format!("/api/v1/accounts/{lea_id}/statuses?exclude_replies=true"),
            None,
        )
        .await;
        assert_eq!(own.as_array().unwrap().len(), 5, "{own}");
        let (_, _, followers) = get(
            &alpha,
            &format!("/api/v1/accounts/{lea_id}/followers"),
            None,
        )
        .await;
        assert_eq!(followers[0]["username"], "marie", "{followers}");
        let marie_id = followers[0]["id"].as_str().unwrap().to_string();
        let (_, _, following) = get(
            &alpha,
            &format!("/api/v1/accounts/{marie_id}/following"),
            None,
        )
        .await;
        assert_eq!(following[0]["username"], "lea");
        assert_eq!(following[0]["followers_count"], 1);
        assert_eq!(following[0]["statuses_count"], 7);
        let (code, _, rels) = get(
            &alpha,
            &format!("/api/v1/accounts/relationships?id[]={lea_id}&id[]=r999&id[]=nobody"),
            Some(&marie),
        )
        .await;
        assert_eq!(code, 200, "{rels}");
        assert_eq!(
            rels.as_array().unwrap().len(),
            1,
            "unknown ids are left out: {rels}"
        );
        assert_relationship(&rels[0]);
        assert_eq!(
            (&rels[0]["following"], &rels[0]["followed_by"]),
            (&json!(true), &json!(false))
        );

        // Favourites and bookmarks, and their lists.
        let p1 = posts[0]["id"].as_str().unwrap();
        let p2 = posts[1]["id"].as_str().unwrap();
        let (code, faved) = alpha
            .api_post(
                &format!("/api/v1/statuses/{p2}/favourite"),
                &marie,
                json!({}),
            )
            .await;
        assert_eq!((code, &faved["favourited"]), (200, &json!(true)), "{faved}");
        let (code, kept) = alpha
            .api_post(
                &format!("/api/v1/statuses/{p1}/bookmark"),
                &marie,
                json!({}),
            )
            .await;
        assert_eq!((code, &kept["bookmarked"]), (200, &json!(true)), "{kept}");
        let (_, _, list) = get(&alpha, "/api/v1/favourites", Some(&marie)).await;
        assert_eq!(ids(&list), [p2]);
        let (_, _, list) = get(&alpha, "/api/v1/bookmarks", Some(&marie)).await;
        assert_eq!(ids(&list), [p1]);
        let (_, _, lea_sees) = get(&alpha, &format!("/api/v1/statuses/{p1}"), Some(&lea)).await;
        assert_eq!(lea_sees["bookmarked"], false, "bookmarks are Marie's alone");
        alpha
            .api_post(
                &format!("/api/v1/statuses/{p1}/unbookmark"),
                &marie,
                json!({}),
            )
            .await;
        let (_, _, list) = get(&alpha, "/api/v1/bookmarks", Some(&marie)).await;
        assert_eq!(list, json!([]));

        // Léa's notifications: Marie follows her, mentions her, favourites her post.
        let (_, _, told) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        let kinds: Vec<&str> = told
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["type"].as_str())
            .collect();
        assert_eq!(kinds, ["favourite", "mention", "follow"], "{told}");
        for n in told.as_array().unwrap() {
            crate::support::mastodon::assert_notification(n);
            assert_eq!(n["account"]["username"], "marie");
        }
        assert_eq!(told[1]["status"]["id"], r1_id.as_str());
        let (_, _, only) = get(&alpha, "/api/v1/notifications?types[]=mention", Some(&lea)).await;
        assert_eq!(only.as_array().unwrap().len(), 1, "{only}");
        let (_, _, without) = get(
            &alpha,
            "/api/v1/notifications?exclude_types[]=follow&exclude_types[]=favourite",
            Some(&lea),
        )
        .await;
        assert_eq!(ids(&without), [told[1]["id"].as_str().unwrap()]);
        let (_, _, by) = get(
            &alpha,
            &format!("/api/v1/notifications?account_id={marie_id}&limit=1"),
            Some(&lea),
        )
        .await;
        assert_eq!(by.as_array().unwrap().len(), 1);
        let mention = told[1]["id"].as_str().unwrap();
        let (code, _, one) = get(
            &alpha,
            &format!("/api/v1/notifications/{mention}"),
            Some(&lea),
        )
        .await;
        assert_eq!((code, &one["type"]), (200, &json!("mention")));
        // Marie cannot read nor dismiss Léa's.
        assert_eq!(
            get(
                &alpha,
                &format!("/api/v1/notifications/{mention}"),
                Some(&marie)
            )
            .await
            .0,
            404
        );
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/notifications/{mention}/dismiss"),
                &marie,
                json!({}),
            )
            .await;
        assert_eq!(code, 404);
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/notifications/{mention}/dismiss"),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        let (_, _, left) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        assert_eq!(left.as_array().unwrap().len(), 2, "{left}");
        // A mention whose post is deleted since is no longer listed (apps expect its post), nor found alone.
        let again = post(&alpha, &marie, json!({"status": "@lea encore une fois"})).await;
        let (_, _, told) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        assert_eq!(told[0]["status"]["id"], again["id"], "{told}");
        let gone = told[0]["id"].as_str().unwrap().to_string();
        let code = alpha
            .api_delete(
                &format!("/api/v1/statuses/{}", again["id"].as_str().unwrap()),
                &marie,
            )
            .await;
        assert_eq!(code, 200);
        let (_, _, left) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        assert_eq!(left.as_array().unwrap().len(), 2, "{left}");
        assert!(
            left.as_array()
                .unwrap()
                .iter()
                .all(|n| n["id"] != gone.as_str()),
            "{left}"
        );
        let (code, _, _) = get(&alpha, &format!("/api/v1/notifications/{gone}"), Some(&lea)).await;
        assert_eq!(code, 404);
        let (code, _) = alpha
            .api_post("/api/v1/notifications/clear", &lea, json!({}))
            .await;
        assert_eq!(code, 200);
        let (_, _, left) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        assert_eq!(left, json!([]));
        let marie_told: i64 = alpha
            .db
            .run(|c| Ok(notifications::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(
            marie_told, 0,
            "Léa had every notification, and cleared them"
        );
    }
);

both_backends!(
    bad_ids_unreadable_posts_and_narrow_tokens_are_refused_with_nothing_written,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let marie = account(&alpha, "alpha-ville", "marie", Role::Citizen).await;
        let public = post(&alpha, &lea, json!({"status": "Public"})).await;
        let private = post(
            &alpha,
            &lea,
            json!({"status": "Abonnés", "visibility": "private"}),
        )
        .await;
        let (public, private) = (
            public["id"].as_str().unwrap(),
            private["id"].as_str().unwrap(),
        );

        for path in [
            "/api/v1/timelines/home?max_id=abc",
            "/api/v1/timelines/home?limit=many",
            "/api/v1/notifications?since_id=1;DROP",
        ] {
            let (code, _, body) = get(&alpha, path, Some(&marie)).await;
            assert_eq!(code, 422, "{path}: {body}");
            assert!(body["error"].as_str().unwrap().contains("is not"), "{body}");
        }
        // An id past every row is a bound like any other.
        let (code, _, body) = get(&alpha, "/api/v1/timelines/public?max_id=999999999", None).await;
        assert_eq!((code, body.as_array().unwrap().len()), (200, 1));
        assert_eq!(get(&alpha, "/api/v1/statuses/abc", None).await.0, 404);
        assert_eq!(
            get(&alpha, "/api/v1/statuses/999999/context", None).await.0,
            404
        );

        // Marie does not follow Léa: her followers-only post is not there for Marie.
        for action in ["favourite", "reblog", "bookmark"] {
            let (code, body) = alpha
                .api_post(
                    &format!("/api/v1/statuses/{private}/{action}"),
                    &marie,
                    json!({}),
                )
                .await;
            assert_eq!(code, 404, "{action}: {body}");
        }
        // Léa cannot boost her own followers-only post either (it would show it to everyone).
        let (code, body) = alpha
            .api_post(
                &format!("/api/v1/statuses/{private}/reblog"),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 403, "{body}");
        assert!(body["error"].as_str().unwrap().contains("public"), "{body}");

        // A token for posting only: favouriting and bookmarking are beyond it.
        let narrow = account(&alpha, "alpha-ville", "paul", Role::Citizen).await;
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(narrow.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        alpha
            .db
            .run(move |c| {
                diesel::update(api_tokens::table.filter(api_tokens::token_sha256.eq(digest)))
                    .set(api_tokens::scopes.eq("read write:statuses"))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        for action in ["favourite", "bookmark"] {
            let (code, body) = alpha
                .api_post(
                    &format!("/api/v1/statuses/{public}/{action}"),
                    &narrow,
                    json!({}),
                )
                .await;
            assert_eq!(code, 403, "{action}: {body}");
        }
        assert_eq!(
            get(&alpha, "/api/v1/notifications", Some(&narrow)).await.0,
            200,
            "read covers it"
        );
        let (code, _) = alpha
            .api_post("/api/v1/notifications/clear", &narrow, json!({}))
            .await;
        assert_eq!(code, 403);
        let many: Vec<String> = (0..41).map(|i| format!("id[]={i}")).collect();
        let (code, _, body) = get(
            &alpha,
            &format!("/api/v1/accounts/relationships?{}", many.join("&")),
            Some(&marie),
        )
        .await;
        assert_eq!(code, 422, "{body}");
        let written: (i64, i64) = alpha
            .db
            .run(|c| {
                Ok((
                    note_favourites::table.count().get_result(c)?,
                    bookmarks::table.count().get_result(c)?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(written, (0, 0));
    }
);

both_backends!(
    search_preferences_markers_and_profile_from_an_app,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let marie = account(&alpha, "alpha-ville", "marie", Role::Citizen).await;
        post(
            &alpha,
            &lea,
            json!({"status": "Le Marché de Noël ouvre samedi #an_2024 #anx2024"}),
        )
        .await;
        let private = post(
            &alpha,
            &lea,
            json!({"status": "Marché réservé aux abonnés", "visibility": "private"}),
        )
        .await;

        // Accounts by the start of their name, posts by their words, as far as the reader may read.
        let (code, _, found) = get(&alpha, "/api/v2/search?q=le", Some(&marie)).await;
        assert_eq!(code, 200, "{found}");
        assert_eq!(found["accounts"][0]["username"], "lea", "{found}");
        let (_, _, found) = get(
            &alpha,
            "/api/v2/search?q=march%C3%A9&type=statuses",
            Some(&marie),
        )
        .await;
        assert_eq!(
            found["statuses"].as_array().unwrap().len(),
            1,
            "the private one is Léa's followers': {found}"
        );
        assert_eq!(found["accounts"], json!([]));
        let (_, _, found) = get(
            &alpha,
            "/api/v2/search?q=march%C3%A9&type=statuses",
            Some(&lea),
        )
        .await;
        assert_eq!(found["statuses"].as_array().unwrap().len(), 2, "{found}");
        let (_, _, found) = get(
            &alpha,
            &format!(
                "/api/v2/search?q={}",
                crate::fedify::urlencode(private["uri"].as_str().unwrap())
            ),
            Some(&marie),
        )
        .await;
        assert_eq!(
            found["statuses"],
            json!([]),
            "a URL does not open a post one may not read"
        );
        let (_, _, found) = get(&alpha, "/api/v2/search?q=%25%25", Some(&marie)).await;
        assert_eq!(
            (&found["accounts"], &found["statuses"]),
            (&json!([]), &json!([]))
        );
        // Hashtags by the start of their name; `_` is a letter there, not a wildcard.
        let (_, _, found) = get(
            &alpha,
            "/api/v2/search?q=%23an_&type=hashtags",
            Some(&marie),
        )
        .await;
        assert_eq!(
            found["hashtags"],
            json!([{"name": "an_2024", "url": alpha.url("/tags/an_2024")}]),
            "{found}"
        );
        let (code, _, body) = get(&alpha, "/api/v2/search?q=x&type=groups", Some(&marie)).await;
        assert_eq!(code, 422, "{body}");
        // Finding an account on another server makes this one fetch: not without a token.
        let (code, _, body) = get(
            &alpha,
            "/api/v2/search?q=%40someone%40elsewhere.example&resolve=true",
            None,
        )
        .await;
        assert_eq!(code, 401, "{body}");

        // Preferences and markers; the notifications marker marks them read on the web.
        let (code, _, prefs) = get(&alpha, "/api/v1/preferences", Some(&lea)).await;
        assert_eq!(code, 200, "{prefs}");
        assert_eq!(prefs["posting:default:visibility"], "public");
        let (_, lea_account) = alpha
            .api_get("/api/v1/accounts/lookup?acct=lea", &marie)
            .await;
        alpha
            .api_post(
                &format!(
                    "/api/v1/accounts/{}/follow",
                    lea_account["id"].as_str().unwrap()
                ),
                &marie,
                json!({}),
            )
            .await;
        let (_, _, told) = get(&alpha, "/api/v1/notifications", Some(&lea)).await;
        let last = told[0]["id"].as_str().unwrap().to_string();
        let (code, body) = alpha
            .api_post(
                "/api/v1/markers",
                &lea,
                json!({"notifications": {"last_read_id": last}}),
            )
            .await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["notifications"]["version"], 1);
        let (_, _, markers) = get(
            &alpha,
            "/api/v1/markers?timeline[]=notifications&timeline[]=home",
            Some(&lea),
        )
        .await;
        assert_eq!(
            markers["notifications"]["last_read_id"],
            last.as_str(),
            "{markers}"
        );
        assert!(markers.get("home").is_none(), "{markers}");
        let unread: i64 = alpha
            .db
            .run(|c| {
                Ok(notifications::table
                    .filter(notifications::read_at.is_null())
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(unread, 0);
        let (code, body) = alpha
            .api_post(
                "/api/v1/markers",
                &lea,
                json!({"home": {"last_read_id": "abc"}}),
            )
            .await;
        assert_eq!(code, 422, "{body}");
        // Two apps of Marie's set her first marker at once: every write lands, none fails on the other.
        let mut writes = tokio::task::JoinSet::new();
        for n in 1..=16 {
            let (client, url, token) =
                (alpha.client(), alpha.url("/api/v1/markers"), marie.clone());
            writes.spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"home": {"last_read_id": n.to_string()}}))
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            });
        }
        while let Some(code) = writes.join_next().await {
            assert_eq!(code.unwrap(), 200);
        }
        let (_, _, markers) = get(&alpha, "/api/v1/markers?timeline[]=home", Some(&marie)).await;
        assert_eq!(markers["home"]["version"], 16, "{markers}");

        // Her profile from the app: a new display name; the bio kept.
        let response = alpha
            .client()
            .patch(alpha.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&lea)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("display_name=L%C3%A9a+Martin")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let me: Value = response.json().await.unwrap();
        crate::support::mastodon::assert_account(&me);
        assert_eq!(me["display_name"], "Léa Martin");
        let response = alpha
            .client()
            .patch(alpha.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&lea)
            .json(&json!({"note": "x".repeat(501)}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422);
        let (_, me) = alpha
            .api_get("/api/v1/accounts/verify_credentials", &lea)
            .await;
        assert_eq!(
            (&me["display_name"], &me["note"]),
            (&json!("Léa Martin"), &json!(""))
        );
    }
);
