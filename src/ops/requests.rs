//! Every request gets an id: taken from `X-Request-Id` when a proxy in front set a sane one (only with
//! `server.trust_forwarded_for`: facing the Internet, anyone could pick ids that mix their lines with
//! another request's), else made here.
//! It names the request's span, so each log line written while answering carries it (in the JSON format,
//! in the `request` span of the line's `spans` list), and it is sent back in the answer's `X-Request-Id`: a person reporting a
//! problem can quote it, and the admin finds every line of that request.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

/// Whether a proxy in front is trusted to name requests (`server.trust_forwarded_for`).
#[derive(Clone, Copy, Debug)]
pub struct BehindProxy(pub bool);

/// The id a trusted proxy gave, if it is short and plain (it goes into logs as is), else a new random one.
fn request_id(given: Option<&HeaderValue>, proxy: BehindProxy) -> String {
    given
        .filter(|_| proxy.0)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let bytes: [u8; 8] = rand::thread_rng().r#gen();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
}

/// Runs the request inside a span named by its id, and answers with the id.
pub async fn identify(State(proxy): State<BehindProxy>, request: Request, next: Next) -> Response {
    let id = request_id(request.headers().get(REQUEST_ID), proxy);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_id_from_the_proxy_is_kept_and_anything_else_replaced() {
        let proxy = BehindProxy(true);
        let kept = HeaderValue::from_static("nginx-7f3a.12_b");
        assert_eq!(request_id(Some(&kept), proxy), "nginx-7f3a.12_b");
        // Without a proxy in front, nobody names their request.
        assert_ne!(
            request_id(Some(&kept), BehindProxy(false)),
            "nginx-7f3a.12_b"
        );
        for bad in ["", "two words", "a\"quote", &"x".repeat(65)] {
            let value = HeaderValue::from_str(bad).unwrap_or(HeaderValue::from_static("?"));
            let made = request_id(Some(&value), proxy);
            assert_ne!(made, bad);
            assert_eq!(made.len(), 16, "{made}");
            assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(request_id(None, proxy), request_id(None, proxy));
    }
}
