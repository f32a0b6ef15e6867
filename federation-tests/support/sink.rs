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

/// Starts a sink on `ip`; every POST to `/inbox` is answered `status` after `delay`.
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
                    status
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
