//! A debate read elsewhere than on its page: as ActivityPub JSON and in the Atom feeds.

use crate::support::TestInstance;
use crate::support::both_backends;
use crate::support::debates::{open_debate, people};
use crate::web::signed_in;
use parvis::model::Role;

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
