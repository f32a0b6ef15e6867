//! A light inbox sink on loopback standing in for many remote servers: it answers every POST after a delay
//! and records which host received which activity.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<(String, String)>>>);

impl Received {
    /// (host, activity id) of every POST received so far.
    pub fn all(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }
}

pub struct Sink {
    pub addr: SocketAddr,
    pub received: Received,
}

/// Starts a sink on `ip`; every POST to `/inbox` is answered `status` after `delay` (a 429 with
/// `Retry-After: 2`).
pub async fn start(ip: std::net::IpAddr, delay: Duration, status: u16) -> Sink {
    let received = Received::default();
    let state = (
        received.clone(),
        delay,
        StatusCode::from_u16(status).unwrap(),
    );
    let app = Router::new()
        .route(
            "/inbox",
            post(
                |State((received, delay, status)): State<(Received, Duration, StatusCode)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    tokio::time::sleep(delay).await;
                    let host = headers
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let id = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["id"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    received.0.lock().unwrap().push((host, id));
                    let retry_after = if status == StatusCode::TOO_MANY_REQUESTS {
                        "2"
                    } else {
                        "0"
                    };
                    (status, [("retry-after", retry_after)])
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sink { addr, received }
}

/// Makes `hosts` remote servers (one actor `a` each, with a shared inbox on the sink) follow the local actor
/// `username`, straight in the database.
pub async fn followers_on_sink(
    db: &parvis::db::Database,
    username: &str,
    hosts: &[String],
    port: u16,
) {
    let pairs: Vec<(String, String)> = hosts.iter().map(|h| (h.clone(), "a".to_string())).collect();
    followers_at(db, username, pairs, port).await;
}

/// Makes each remote `(host, user)` on the sink follow the local actor `username`.
pub async fn followers_at(
    db: &parvis::db::Database,
    username: &str,
    followers: Vec<(String, String)>,
    port: u16,
) {
    use diesel::prelude::*;
    use parvis::model::schema::{follows, remote_actors};
    let username = username.to_string();
    db.run(move |conn| {
        let target = parvis::db::queries::actor_by_username(conn, &username)?
            .unwrap()
            .id;
        let now = chrono::Utc::now().naive_utc();
        for (host, user) in &followers {
            let actor = format!("http://{host}:{port}/users/{user}");
            let id: parvis::ids::RemoteActorId = diesel::insert_into(remote_actors::table)
                .values((
                    remote_actors::ap_id.eq(&actor),
                    remote_actors::kind.eq("Person"),
                    remote_actors::domain.eq(format!("{host}:{port}")),
                    remote_actors::username.eq(user),
                    remote_actors::display_name.eq(user),
                    remote_actors::inbox.eq(format!("{actor}/inbox")),
                    remote_actors::shared_inbox.eq(Some(format!("http://{host}:{port}/inbox"))),
                    remote_actors::key_id.eq(format!("{actor}#main-key")),
                    remote_actors::public_key_pem.eq("unused"),
                    remote_actors::manually_approves_followers.eq(false),
                    remote_actors::fetched_at.eq(now),
                ))
                .returning(remote_actors::id)
                .get_result(conn)?;
            diesel::insert_into(follows::table)
                .values((
                    follows::follower_remote_id.eq(Some(id)),
                    follows::target_id.eq(Some(target)),
                    follows::accepted.eq(true),
                    follows::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .await
    .unwrap();
}
