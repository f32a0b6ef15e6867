//! A light inbox sink on one loopback address, standing in for many remote servers (told apart by the
//! `Host` header): it answers every POST 202 at once and records which host got which activity, and when.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::common::Res;

/// One POST received.
#[derive(Clone, Debug)]
pub struct Hit {
    pub host: String,
    pub activity: String,
    pub at: Instant,
}

#[derive(Default)]
pub struct Received {
    hits: Mutex<Vec<Hit>>,
    count: AtomicUsize,
}

impl Received {
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    pub fn all(&self) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn clear(&self) {
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        hits.clear();
        self.count.store(0, Ordering::Release);
    }

    fn push(&self, hit: Hit) {
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        hits.push(hit);
        self.count.store(hits.len(), Ordering::Release);
    }
}

pub struct Sink {
    pub addr: SocketAddr,
    pub received: Arc<Received>,
}

#[derive(serde::Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: String,
}

async fn receive(
    State(received): State<Arc<Received>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let activity = serde_json::from_slice::<IdOnly>(&body)
        .map(|v| v.id)
        .unwrap_or_default();
    received.push(Hit { host, activity, at });
    StatusCode::ACCEPTED
}

/// Starts the sink on `ip` (a free port); it serves until the program ends.
pub async fn start(ip: IpAddr) -> Res<Sink> {
    let received = Arc::new(Received::default());
    let app = Router::new().fallback(receive).with_state(received.clone());
    let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Sink { addr, received })
}
