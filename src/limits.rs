//! Rate limits: writes on the web forms and the API per address and per account (or token), and activities
//! per remote server on the inboxes. Over a limit, the answer is `429 Too Many Requests` with `Retry-After`,
//! before any work is done. Reading pages and documents is not limited here.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::context::AppContext;

/// The limiters of a running server.
pub struct Limits {
    writes_by_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    writes_by_account: Option<DefaultKeyedRateLimiter<String>>,
    inbox_by_sender: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU64,
}

fn per_minute(n: u32) -> Option<Quota> {
    NonZeroU32::new(n).map(|n| Quota::per_minute(n).allow_burst(n))
}

impl Limits {
    pub fn new(writes_per_minute: u32, inbox_per_minute: u32) -> Limits {
        Limits {
            writes_by_ip: per_minute(writes_per_minute).map(DefaultKeyedRateLimiter::keyed),
            writes_by_account: per_minute(writes_per_minute).map(DefaultKeyedRateLimiter::keyed),
            inbox_by_sender: per_minute(inbox_per_minute).map(DefaultKeyedRateLimiter::keyed),
            checks: AtomicU64::new(0),
        }
    }

    /// Forgets keys back to a full quota now and then, so memory does not grow with every key ever seen.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            if let Some(l) = &self.writes_by_account {
                l.retain_recent();
            }
            for l in [&self.writes_by_ip, &self.inbox_by_sender]
                .into_iter()
                .flatten()
            {
                l.retain_recent();
            }
        }
    }
}

fn wait_secs(n: &governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    use governor::clock::Clock;
    n.wait_time_from(governor::clock::DefaultClock::default().now())
        .as_secs()
        .max(1)
}

fn check<K: Clone + std::hash::Hash + Eq>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), u64> {
    match limiter {
        Some(l) => l.check_key(key).map_err(|n| wait_secs(&n)),
        None => Ok(()),
    }
}

/// The unit an address is limited by: itself for IPv4, its /64 for IPv6 (one subscriber gets a whole /64, so
/// counting single addresses would give an attacker billions of fresh ones).
pub fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
    }
}

/// Remembers `key` as seen now in a map of bounded size: past `max` entries, those older than `keep` go, and
/// if that is not enough, the oldest one.
pub fn remember<K: Clone + std::hash::Hash + Eq>(
    seen: &mut std::collections::HashMap<K, std::time::Instant>,
    key: K,
    max: usize,
    keep: std::time::Duration,
) {
    if seen.len() >= max {
        seen.retain(|_, at| at.elapsed() < keep);
        if seen.len() >= max
            && let Some(oldest) = seen
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
        {
            seen.remove(&oldest);
        }
    }
    seen.insert(key, std::time::Instant::now());
}

fn is_inbox(path: &str) -> bool {
    path == "/inbox" || path.ends_with("/inbox")
}

/// Who is writing: the bearer token or the session cookie (one per signed-in browser).
fn writer(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return Some(format!("token:{auth}"));
    }
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .map(str::trim)
                .find(|p| {
                    p.strip_prefix(crate::web::session::SESSION_COOKIE)
                        .is_some_and(|rest| rest.starts_with('='))
                })
                .map(|p| format!("session:{p}"))
        })
}

fn too_many(wait: u64) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({ "error": "too many requests: try again later" })),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The middleware: counts writes and inbox deliveries, answers `429` over a limit.
pub async fn limit(
    State((ctx, limits)): State<(AppContext, Arc<Limits>)>,
    request: Request,
    next: Next,
) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let sender = network_of(crate::web::session::client_ip_of(&ctx, &request));
    // Fetches of unknown keys that this request causes are counted against its sender.
    let serve = |request| crate::federation::fetch::SENDER.scope(sender, next.run(request));
    if !writes {
        return serve(request).await;
    }
    limits.tidy();
    let verdict = if is_inbox(request.uri().path()) {
        // By the sending network alone, before anything of the request is read: what it claims (a key id, an
        // actor) is not verified yet, and rotating claims must not buy fresh quotas.
        check(limits.inbox_by_sender.as_ref(), &sender)
    } else {
        check(limits.writes_by_ip.as_ref(), &sender).and_then(|()| match writer(&request) {
            Some(who) => check(limits.writes_by_account.as_ref(), &who),
            None => Ok(()),
        })
    };
    match verdict {
        Ok(()) => serve(request).await,
        Err(wait) => too_many(wait),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_keys_stay_bounded_and_the_oldest_goes_first() {
        let mut seen = std::collections::HashMap::new();
        let keep = std::time::Duration::from_secs(600);
        for key in 0..5 {
            remember(&mut seen, key, 3, keep);
            // Distinct times, so "the oldest" is one entry.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let mut kept: Vec<i32> = seen.keys().copied().collect();
        kept.sort();
        assert_eq!(kept, [2, 3, 4]);
    }

    #[test]
    fn over_the_limit_the_wait_is_given() {
        let limits = Limits::new(2, 0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(check(limits.writes_by_ip.as_ref(), &ip).is_ok());
        assert!(check(limits.writes_by_ip.as_ref(), &ip).is_ok());
        let wait = check(limits.writes_by_ip.as_ref(), &ip);
        assert!(wait.is_err_and(|s| (1..=60).contains(&s)));
        assert!(
            check(limits.inbox_by_sender.as_ref(), &ip).is_ok(),
            "0: no limit"
        );
    }
}
