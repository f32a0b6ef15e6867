//! Mastodon.py, the client library many scripts and bots use, drives Parvis end to end as an app does:
//! it registers, Léa approves it on the consent page, it exchanges the code, then posts, replies, votes,
//! favourites, boosts, bookmarks, reads a thread, follows the next page through the `Link` header, filters
//! notifications and reads a relationship; the test then checks what Parvis holds.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::oauth::{CALLBACK, decide, param};
use crate::support::debates::people;
use crate::support::{TestInstance, both_backends};
use crate::web::signed_in;
use parvis::model::schema::notes;

both_backends!(
    mastodon_py_signs_in_posts_replies_votes_favourites_boosts_and_pages,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let poll = crate::polls::ask(&mut marie, "Quel jour pour le marché ?", &[]).await;
        let poll_id = poll.rsplit('/').next().unwrap().to_string();
        // Marie follows Léa and mentions her: Léa's app has something to read.
        let marie_token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let (_, found) = alpha
            .api_get("/api/v1/accounts/lookup?acct=lea", &marie_token)
            .await;
        let lea_id = found["id"].as_str().unwrap().to_string();
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/accounts/{lea_id}/follow"),
                &marie_token,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        let (code, mention) = alpha
            .api_post(
                "/api/v1/statuses",
                &marie_token,
                json!({"status": "@lea bienvenue sur l'appli"}),
            )
            .await;
        assert_eq!(code, 200, "{mention}");

        // The library registers its app and makes the authorization URL, as a script does.
        let base = alpha.base.clone();
        let registered = tokio::task::spawn_blocking(move || {
            crate::support::python::mastodon_py(&["register".into(), base, CALLBACK.into()])
        })
        .await
        .unwrap();
        let url = registered["authorize_url"].as_str().unwrap();
        assert!(url.starts_with(&alpha.url("/oauth/authorize?")), "{url}");

        // Léa approves on the consent page; the code comes back at the callback.
        let mut lea = signed_in(&alpha, "lea").await;
        let answer = decide(&mut lea, &url[alpha.base.len()..], "approve").await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let back = answer.location.unwrap();
        assert_eq!(param(&back, "state").as_deref(), Some("mpy"));
        let code = param(&back, "code").unwrap();

        // The library exchanges it and uses the token: who am I, a post, a reply, a vote, the home timeline.
        let args: Vec<String> = vec![
            "use".into(),
            alpha.base.clone(),
            registered["client_id"].as_str().unwrap().into(),
            registered["client_secret"].as_str().unwrap().into(),
            CALLBACK.into(),
            code,
            poll_id.clone(),
        ];
        let seen = tokio::task::spawn_blocking(move || crate::support::python::mastodon_py(&args))
            .await
            .unwrap();
        assert_eq!(seen["me"], "lea", "{seen}");
        assert!(
            seen["first"]["content"]
                .as_str()
                .unwrap()
                .contains("Bonjour depuis Mastodon.py"),
            "{seen}"
        );
        assert_eq!(
            seen["reply"]["in_reply_to_id"], seen["first"]["id"],
            "{seen}"
        );
        assert_eq!(seen["voted"]["voted"], true, "{seen}");
        assert_eq!(seen["voted"]["own_votes"], json!([1]), "{seen}");
        let home: Vec<&str> = seen["home"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            home.contains(&seen["first"]["id"].as_str().unwrap()),
            "{seen}"
        );

        // Favourite, boost and bookmark, as the library read them back.
        let first = seen["first"]["id"].as_str().unwrap();
        let reply = seen["reply"]["id"].as_str().unwrap();
        assert_eq!(
            seen["faved"],
            json!({"favourited": true, "favourites_count": 1}),
            "{seen}"
        );
        assert_eq!(seen["boost"]["of"], first, "{seen}");
        assert_eq!(
            seen["unboosted"],
            json!({"reblogged": false, "reblogs_count": 0}),
            "{seen}"
        );
        assert_eq!(seen["bookmarks"], json!([reply]), "{seen}");
        assert_eq!(seen["descendants"], json!([reply]), "{seen}");
        // The next page, found through the Link header, holds older posts only.
        let number = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
        let page: Vec<i64> = seen["page"]
            .as_array()
            .unwrap()
            .iter()
            .map(number)
            .collect();
        let older: Vec<i64> = seen["older"]
            .as_array()
            .unwrap()
            .iter()
            .map(number)
            .collect();
        assert_eq!(page.len(), 2, "{seen}");
        assert!(
            !older.is_empty() && older.iter().all(|o| *o < page[1]),
            "{seen}"
        );
        assert_eq!(
            seen["mentions"],
            json!([{"by": "marie", "status": mention["id"]}]),
            "{seen}"
        );
        assert_eq!(
            seen["relationship"],
            json!({"following": false, "followed_by": true}),
            "{seen}"
        );

        // The picture went up as multipart and came back stored here (a JPEG, its alt text kept), in its post;
        // the new avatar is a picture of ours.
        assert_eq!(seen["media"]["type"], "image", "{seen}");
        assert_eq!(seen["media"]["description"], "Un banc neuf", "{seen}");
        assert_eq!(seen["media"]["width"], 320, "{seen}");
        assert_eq!(seen["pictured"], json!([seen["media"]["id"]]), "{seen}");
        let picture = seen["media"]["url"].as_str().unwrap();
        assert!(
            picture.starts_with(&alpha.url("/media/attachments/")),
            "{seen}"
        );
        let served = alpha.get(&picture[alpha.base.len()..], "image/*").await;
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        let avatar = seen["avatar"].as_str().unwrap();
        assert!(
            avatar.starts_with(&alpha.url("/media/")) && avatar.ends_with(".png"),
            "{seen}"
        );

        // The user stream (server-sent events, as the library reads them) brought one of her posts.
        assert!(
            seen["streamed"]["content"]
                .as_str()
                .is_some_and(|c| c.contains("En direct")),
            "{seen}"
        );
        let streamed = seen["streamed"]["written"].as_i64().unwrap();

        // What Parvis holds: the posts and the vote, as the web shows them.
        let written: i64 = alpha
            .db
            .run(|c| {
                // Posts written, not the posts of civic things (the poll's, boosted by the commune).
                Ok(notes::table
                    .filter(notes::civic_kind.is_null())
                    .filter(notes::reblog_of_id.is_null())
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(
            written,
            4 + streamed,
            "Léa's three posts, those written while the stream opened, and Marie's (the boost was taken back)"
        );
        let p = crate::polls::poll_json(&alpha, &poll_id).await;
        assert_eq!(crate::polls::votes(&p), [0, 1], "{p}");
    }
);
