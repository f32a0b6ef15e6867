//! The streaming API as apps use it: a WebSocket (Mastodon's `/api/v1/streaming`, streams chosen in the
//! query or by messages) and server-sent events (`/api/v1/streaming/user`, as Mastodon.py reads them). A post
//! from another server reaches the user stream of its follower here; notifications come as they happen; a
//! stream shows nothing its reader may not see.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::apps::{TwoTowns, bob_follows_lea};
use crate::federation::account;
use crate::support::mastodon::{assert_notification, assert_status};
use crate::support::{TestInstance, both_backends};
use parvis::model::Role;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next event on a socket within `wait`: (stream, event, payload).
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<(Value, String, Value)> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .unwrap();
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(&text).unwrap();
            let payload: Value = serde_json::from_str(v["payload"].as_str().unwrap()).unwrap();
            return Some((
                v["stream"].clone(),
                v["event"].as_str().unwrap().into(),
                payload,
            ));
        }
    }
}

/// Posts `text` as `token` until the socket shows one of those posts (the stream's poller may start just
/// after the socket opens); returns that post's entity.
async fn until_live(on: &TestInstance, token: &str, socket: &mut Socket, text: &str) -> Value {
    for n in 0..10 {
        let (code, _) = on
            .api_post(
                "/api/v1/statuses",
                token,
                json!({"status": format!("{text} {n}")}),
            )
            .await;
        assert_eq!(code, 200);
        if let Some((_, event, payload)) = next_event(socket, Duration::from_secs(3)).await {
            assert_eq!(event, "update");
            return payload;
        }
    }
    panic!("the stream never showed a post");
}

both_backends!(
    a_websocket_streams_the_home_timeline_public_posts_and_notifications,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let marie = account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let karim = account(&alpha, "alpha-ville", "karim", Role::Citizen).await;
        let (_, marie_account) = alpha
            .api_get("/api/v1/accounts/lookup?acct=marie", &lea)
            .await;
        let (code, _) = alpha
            .api_post(
                &format!(
                    "/api/v1/accounts/{}/follow",
                    marie_account["id"].as_str().unwrap()
                ),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);

        // Health, and what is refused before any upgrade.
        let health = alpha.get("/api/v1/streaming/health", "*/*").await;
        assert_eq!(health.text().await.unwrap(), "OK");
        let ws = alpha.base.replacen("http", "ws", 1);
        for (query, code) in [
            ("?stream=user".to_string(), 401),
            (format!("?stream=nope&access_token={lea}"), 422),
            ("?stream=user&access_token=not-a-token".to_string(), 401),
        ] {
            let refused = tokio_tungstenite::connect_async(format!("{ws}/api/v1/streaming{query}"))
                .await
                .unwrap_err();
            match refused {
                tokio_tungstenite::tungstenite::Error::Http(response) => {
                    assert_eq!(response.status().as_u16(), code, "{query}")
                }
                other => panic!("{query}: {other}"),
            }
        }

        // Léa's app opens her user stream, and adds the public:local stream by a message.
        let (mut socket, _) = tokio_tungstenite::connect_async(format!(
            "{ws}/api/v1/streaming?stream=user&access_token={lea}"
        ))
        .await
        .unwrap();
        let first = until_live(&alpha, &marie, &mut socket, "Bonjour").await;
        assert_status(&first, true);
        assert_eq!(first["account"]["username"], "marie");
        socket
            .send(Message::Text(
                json!({"type": "subscribe", "stream": "public:local"})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();

        // Karim (whom Léa does not follow) posts for his followers only, then publicly: the first reaches
        // no stream of Léa's; the second only her public:local stream.
        let (_, hidden) = alpha
            .api_post(
                "/api/v1/statuses",
                &karim,
                json!({"status": "Pour mes abonnés", "visibility": "private"}),
            )
            .await;
        let (_, open) = alpha
            .api_post("/api/v1/statuses", &karim, json!({"status": "Pour tous"}))
            .await;
        let (stream, event, payload) = next_event(&mut socket, Duration::from_secs(10))
            .await
            .expect("Karim's public post");
        assert_eq!(
            (stream, event.as_str(), &payload["id"]),
            (json!(["public:local"]), "update", &open["id"])
        );
        assert_ne!(payload["id"], hidden["id"]);

        // Marie mentions Léa: the post in her home stream, and the notification.
        let (_, mention) = alpha
            .api_post(
                "/api/v1/statuses",
                &marie,
                json!({"status": "@lea merci !"}),
            )
            .await;
        let mut seen = vec![];
        while seen.len() < 3 {
            let (stream, event, payload) = next_event(&mut socket, Duration::from_secs(10))
                .await
                .expect("the mention");
            seen.push((stream, event, payload));
        }
        let notification = seen
            .iter()
            .find(|(_, event, _)| event == "notification")
            .expect("a notification");
        assert_eq!(notification.0, json!(["user"]));
        assert_notification(&notification.2);
        assert_eq!(notification.2["type"], "mention");
        assert_eq!(notification.2["status"]["id"], mention["id"]);
        let updates: Vec<&Value> = seen
            .iter()
            .filter(|(_, event, p)| event == "update" && p["id"] == mention["id"])
            .map(|(stream, _, _)| stream)
            .collect();
        assert_eq!(
            updates.len(),
            2,
            "in her home and public:local streams: {seen:?}"
        );

        // Unsubscribed from public:local, Karim's next post reaches her no more; Marie's next one does.
        socket
            .send(Message::Text(
                json!({"type": "unsubscribe", "stream": "public:local"})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        // The unsubscription is read before the next event: wait until it has taken effect by an event
        // only the user stream shows, then check what follows.
        until_live(&alpha, &marie, &mut socket, "Encore").await;
        alpha
            .api_post("/api/v1/statuses", &karim, json!({"status": "Personne"}))
            .await;
        let (_, last) = alpha
            .api_post("/api/v1/statuses", &marie, json!({"status": "Dernier"}))
            .await;
        let (stream, _, payload) = next_event(&mut socket, Duration::from_secs(10))
            .await
            .expect("Marie's last post");
        assert_eq!(
            (stream, &payload["id"]),
            (json!(["user"]), &last["id"]),
            "Karim's post came first"
        );

        // A commune kept for its residents: no stream without a token, but a token in the query (as browsers
        // must give it to a WebSocket) still opens one; the health check stays open.
        alpha
            .db
            .run(|c| parvis::civic::communes::set_residents_only(c, true))
            .await
            .unwrap();
        crate::federation::eventually(
            "the public stream closed",
            Duration::from_secs(30),
            || async {
                let code = alpha
                    .get("/api/v1/streaming/public", "*/*")
                    .await
                    .status()
                    .as_u16();
                (code == 401).then_some(())
            },
        )
        .await;
        let health = alpha.get("/api/v1/streaming/health", "*/*").await;
        assert_eq!(health.status().as_u16(), 200);
        tokio_tungstenite::connect_async(format!(
            "{ws}/api/v1/streaming?stream=public&access_token={lea}"
        ))
        .await
        .expect("a resident's token in the query opens the stream");
    }
);

both_backends!(
    a_post_from_another_server_reaches_its_followers_event_stream,
    |backend| async move {
        let TwoTowns {
            alpha,
            beta,
            lea,
            bob,
            ..
        } = bob_follows_lea(backend).await;
        let mut response = beta
            .client()
            .get(beta.url("/api/v1/streaming/user"))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        // Léa posts on her server until one of her posts comes through Bob's stream on his.
        let mut buffer = String::new();
        for n in 0..10 {
            let (code, post) = alpha
                .api_post(
                    "/api/v1/statuses",
                    &lea,
                    json!({"status": format!("Depuis Alpha {n}")}),
                )
                .await;
            assert_eq!(code, 200, "{post}");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while let Ok(Ok(Some(chunk))) =
                tokio::time::timeout_at(deadline, response.chunk()).await
            {
                buffer.push_str(std::str::from_utf8(&chunk).unwrap());
                if let Some(at) = buffer.find("event: update\ndata: ") {
                    let rest = &buffer[at + "event: update\ndata: ".len()..];
                    let line = rest.split('\n').next().unwrap();
                    let status: Value = serde_json::from_str(line).unwrap();
                    assert_status(&status, true);
                    assert!(
                        status["uri"].as_str().unwrap().starts_with(&alpha.base),
                        "{status}"
                    );
                    assert!(status["content"].as_str().unwrap().contains("Depuis Alpha"));
                    return;
                }
            }
        }
        panic!("no post of Léa's came through the stream: {buffer}");
    }
);
