//! What the instance is doing, for Prometheus: `GET /metrics` in the text exposition format.
//!
//! Counters and histograms are kept in memory by each process (each scrape of each process reads its own);
//! the queues and the remote servers' health are read from the database at each scrape, so every process
//! shows the same, whole figures. Each application has its own registry: two instances in one test process
//! count apart.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::federation::deliver::Outcome;
use crate::federation::refusals::Reason;

/// A closed set of label values: an enum and the text each variant is exposed as.
macro_rules! label_values {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
        pub enum $name {
            $($variant),+
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
                let text = match self {
                    $($name::$variant => $text),+
                };
                EncodeLabelValue::encode(&text, encoder)
            }
        }
    };
}

label_values!(
    /// The request methods.
    Method { Get => "GET", Head => "HEAD", Post => "POST", Put => "PUT", Patch => "PATCH",
        Delete => "DELETE", Options => "OPTIONS", Other => "other" }
);
label_values!(
    /// What the inbox did with an activity.
    Verdict { Accepted => "accepted", Refused => "refused" }
);
label_values!(
    /// What became of a delivery attempt.
    Attempt { Delivered => "delivered", Later => "later", Retry => "retry", Refused => "refused" }
);
label_values!(
    /// Where a delivery stands.
    Queue { Queued => "queued", Failed => "failed" }
);
label_values!(
    /// A remote server's health, as the deliveries see it.
    Health { Healthy => "healthy", Failing => "failing", Unreachable => "unreachable" }
);
label_values!(
    /// A connection of the pool.
    Connection { Idle => "idle", InUse => "in_use" }
);
label_values!(
    /// What an order of the instance's own certificate came to.
    CertificateOrder { Issued => "issued", Failed => "failed" }
);

impl EncodeLabelValue for Reason {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        EncodeLabelValue::encode(&self.label(), encoder)
    }
}

impl Method {
    fn of(method: &axum::http::Method) -> Method {
        use axum::http::Method as M;
        match *method {
            M::GET => Method::Get,
            M::HEAD => Method::Head,
            M::POST => Method::Post,
            M::PUT => Method::Put,
            M::PATCH => Method::Patch,
            M::DELETE => Method::Delete,
            M::OPTIONS => Method::Options,
            _ => Method::Other,
        }
    }
}

impl From<&Outcome> for Attempt {
    fn from(outcome: &Outcome) -> Attempt {
        match outcome {
            Outcome::Delivered => Attempt::Delivered,
            Outcome::Later(_) => Attempt::Later,
            Outcome::Retry(_) => Attempt::Retry,
            Outcome::Refused(_) => Attempt::Refused,
        }
    }
}

/// The labels of one answered request. `route` is the router's pattern (`/users/{name}`), never the path
/// itself: a crawler trying a million paths makes one series, `unmatched`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Arc<str>,
    method: Method,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Arc<str>,
    method: Method,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InboxLabels {
    outcome: Verdict,
    reason: Option<Reason>,
}

/// One `outcome` label of a closed set.
type ByOutcome<T> = [(&'static str, T); 1];
/// One `state` label of a closed set.
type ByState<T> = [(&'static str, T); 1];

fn outcome<T>(value: T) -> ByOutcome<T> {
    [("outcome", value)]
}

fn state<T>(value: T) -> ByState<T> {
    [("state", value)]
}

/// Every metric of one application.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    inbox: Family<InboxLabels, Counter>,
    deliveries: Family<ByOutcome<Attempt>, Counter>,
    queued: Family<ByState<Queue>, Gauge>,
    oldest_delivery: Gauge<f64, std::sync::atomic::AtomicU64>,
    mail_queued: Gauge,
    oldest_mail: Gauge<f64, std::sync::atomic::AtomicU64>,
    servers: Family<ByState<Health>, Gauge>,
    pool_connections: Family<ByState<Connection>, Gauge>,
    database_up: Gauge,
    certificates: Family<ByOutcome<CertificateOrder>, Counter>,
    certificate_expiry: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    /// A registry with every metric, the database pool's wait histogram and the histogram of transactions
    /// per commit.
    pub fn new(pool_waits: Histogram, commit_batches: Histogram) -> Metrics {
        let mut registry = Registry::with_prefix("parvis");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let durations = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request (to its headers), by route pattern and method",
            Unit::Seconds,
            durations.clone(),
        );
        let inbox = Family::<InboxLabels, Counter>::default();
        registry.register(
            "inbox_activities",
            "Activities posted to our inboxes: accepted, or refused with the reason's kind",
            inbox.clone(),
        );
        let deliveries = Family::<ByOutcome<Attempt>, Counter>::default();
        registry.register(
            "deliveries",
            "Delivery attempts to remote inboxes, by outcome (delivered, retry, later, refused)",
            deliveries.clone(),
        );
        let queued = Family::<ByState<Queue>, Gauge>::default();
        registry.register(
            "delivery_queue",
            "Deliveries waiting (queued) or given up (failed), for every process",
            queued.clone(),
        );
        let oldest_delivery = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register_with_unit(
            "delivery_queue_oldest_age",
            "Age of the oldest queued delivery (0 when none waits)",
            Unit::Seconds,
            oldest_delivery.clone(),
        );
        let mail_queued = Gauge::default();
        registry.register(
            "mail_queue",
            "Messages waiting to be sent",
            mail_queued.clone(),
        );
        let oldest_mail = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register_with_unit(
            "mail_queue_oldest_age",
            "Age of the oldest message waiting (0 when none waits)",
            Unit::Seconds,
            oldest_mail.clone(),
        );
        let servers = Family::<ByState<Health>, Gauge>::default();
        registry.register(
            "remote_servers",
            "Remote servers we deliver to, by health: healthy, failing (failures in a row) or unreachable",
            servers.clone(),
        );
        registry.register_with_unit(
            "database_pool_wait",
            "Time spent waiting for a database connection from the pool",
            Unit::Seconds,
            pool_waits,
        );
        registry.register(
            "database_commit_batch",
            "Transactions committed together by SQLite's group commit, per commit",
            commit_batches,
        );
        let pool_connections = Family::<ByState<Connection>, Gauge>::default();
        registry.register(
            "database_pool_connections",
            "Connections of this process's pool, idle or in use",
            pool_connections.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 when the database answered this scrape's queries (the queue and server figures are then current)",
            database_up.clone(),
        );
        let certificates = Family::<ByOutcome<CertificateOrder>, Counter>::default();
        registry.register(
            "certificate_orders",
            "Orders of the instance's own certificate over ACME, by outcome (issued, failed)",
            certificates.clone(),
        );
        let certificate_expiry = Gauge::default();
        registry.register_with_unit(
            "certificate_expiry",
            "When the certificate served expires, as a Unix time (0 without built-in TLS)",
            Unit::Seconds,
            certificate_expiry.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            inbox,
            deliveries,
            queued,
            oldest_delivery,
            mail_queued,
            oldest_mail,
            servers,
            pool_connections,
            database_up,
            certificates,
            certificate_expiry,
        }
    }

    /// Counts an answered request.
    fn request(&self, route: Arc<str>, method: &axum::http::Method, status: u16, took: Duration) {
        let method = Method::of(method);
        self.durations
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method,
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }

    /// Counts an activity the inbox accepted.
    pub fn accepted(&self) {
        self.inbox
            .get_or_create(&InboxLabels {
                outcome: Verdict::Accepted,
                reason: None,
            })
            .inc();
    }

    /// Counts an activity the inbox refused.
    pub fn refused(&self, error: &Error) {
        self.inbox
            .get_or_create(&InboxLabels {
                outcome: Verdict::Refused,
                reason: Some(Reason::of(error)),
            })
            .inc();
    }

    /// Counts a finished delivery attempt.
    pub fn delivery(&self, delivery: &Outcome) {
        self.deliveries
            .get_or_create(&outcome(Attempt::from(delivery)))
            .inc();
    }

    /// Counts an order of our certificate.
    pub fn certificate_order(&self, order: CertificateOrder) {
        self.certificates.get_or_create(&outcome(order)).inc();
    }

    /// Records when the certificate served expires.
    pub fn certificate_expires(&self, unix_time: i64) {
        self.certificate_expiry.set(unix_time);
    }

    /// Sets the gauges read from the database (none when it did not answer), and the pool's.
    fn set(&self, snapshot: Option<&Snapshot>, pool: (u32, u32)) {
        let (connections, idle) = pool;
        self.pool_connections
            .get_or_create(&state(Connection::Idle))
            .set(i64::from(idle));
        self.pool_connections
            .get_or_create(&state(Connection::InUse))
            .set(i64::from(connections.saturating_sub(idle)));
        let Some(snapshot) = snapshot else {
            self.database_up.set(0);
            return;
        };
        self.database_up.set(1);
        let now = crate::civic::now();
        let age = |oldest: Option<NaiveDateTime>| {
            oldest
                .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
                .unwrap_or(0.0)
        };
        self.queued
            .get_or_create(&state(Queue::Queued))
            .set(snapshot.queued);
        self.queued
            .get_or_create(&state(Queue::Failed))
            .set(snapshot.failed);
        self.oldest_delivery.set(age(snapshot.oldest_delivery));
        self.mail_queued.set(snapshot.mail);
        self.oldest_mail.set(age(snapshot.oldest_mail));
        self.servers
            .get_or_create(&state(Health::Healthy))
            .set(snapshot.healthy);
        self.servers
            .get_or_create(&state(Health::Failing))
            .set(snapshot.failing);
        self.servers
            .get_or_create(&state(Health::Unreachable))
            .set(snapshot.unreachable);
    }

    /// The text exposition.
    fn render(&self) -> Result<String> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(Error::internal)?;
        Ok(text)
    }
}

/// What the database holds of the queues and of the remote servers, read at each scrape.
#[derive(Debug, Default, PartialEq)]
struct Snapshot {
    queued: i64,
    failed: i64,
    oldest_delivery: Option<NaiveDateTime>,
    mail: i64,
    oldest_mail: Option<NaiveDateTime>,
    healthy: i64,
    failing: i64,
    unreachable: i64,
}

fn snapshot(conn: &mut AnyConnection) -> Result<Snapshot> {
    use crate::model::schema::{deliveries, mail_queue, remote_hosts};
    use diesel::dsl::{count_star, min};
    let by_state: Vec<(String, i64, Option<NaiveDateTime>)> = deliveries::table
        .group_by(deliveries::state)
        .select((deliveries::state, count_star(), min(deliveries::created_at)))
        .load(conn)?;
    let mut s = Snapshot::default();
    for (state, count, oldest) in by_state {
        // Delivered rows are deleted: a delivery is either queued (waiting or in flight) or failed.
        if state == "failed" {
            s.failed = count;
        } else {
            s.queued += count;
            s.oldest_delivery = match (s.oldest_delivery, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    (s.mail, s.oldest_mail) = mail_queue::table
        .filter(mail_queue::sent_at.is_null())
        .filter(mail_queue::failed_at.is_null())
        .select((count_star(), min(mail_queue::created_at)))
        .first(conn)?;
    // Few groups: failures in a row stop being counted once a server is unreachable.
    let hosts: Vec<(bool, i32, i64)> = remote_hosts::table
        .group_by((
            remote_hosts::unreachable,
            remote_hosts::consecutive_failures,
        ))
        .select((
            remote_hosts::unreachable,
            remote_hosts::consecutive_failures,
            count_star(),
        ))
        .load(conn)?;
    for (unreachable, failures, count) in hosts {
        match (unreachable, failures > 0) {
            (true, _) => s.unreachable += count,
            (false, true) => s.failing += count,
            (false, false) => s.healthy += count,
        }
    }
    Ok(s)
}

/// Whether a request may read the metrics: with the configured token, or on the separate metrics address
/// when no token is set.
fn authorised(token: &str, headers: &HeaderMap) -> bool {
    if token.is_empty() {
        return false;
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        // Digests of equal length, compared in constant time: not even the token's length shows.
        .is_some_and(|given| {
            bool::from(Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(token.as_bytes())))
        })
}

/// `GET /metrics` on the main address: only with the token (`401` without it), and `404` when no token is
/// configured (the metrics are then on their own address, or off).
pub async fn main_endpoint(State(ctx): State<AppContext>, headers: HeaderMap) -> Response {
    let token = &ctx.settings.metrics.token;
    if token.is_empty() {
        return Error::NotFound("metrics are not served on this address".into()).into_response();
    }
    if !authorised(token, &headers) {
        return unauthorised();
    }
    exposition(&ctx).await
}

/// `GET /metrics` on the separate metrics address: the token too, if one is set.
pub async fn separate_endpoint(State(ctx): State<AppContext>, headers: HeaderMap) -> Response {
    let token = &ctx.settings.metrics.token;
    if !token.is_empty() && !authorised(token, &headers) {
        return unauthorised();
    }
    exposition(&ctx).await
}

fn unauthorised() -> Response {
    let mut response =
        Error::Unauthorized("the metrics need `Authorization: Bearer <metrics.token>`".into())
            .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"metrics\""),
    );
    response
}

/// The OpenMetrics text format, which `prometheus-client` writes (Prometheus reads it, counter types and all).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn exposition(ctx: &AppContext) -> Response {
    // The counters are shown even when the database does not answer: `parvis_database_up` says so.
    let snapshot = match ctx.db.run(snapshot).await {
        Ok(snapshot) => Some(snapshot),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the queues could not be read");
            None
        }
    };
    ctx.metrics.set(snapshot.as_ref(), ctx.db.pool_state());
    match ctx.metrics.render() {
        Ok(text) => (StatusCode::OK, [(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Counts every answered request by route, method and status, with its time.
pub async fn observe(State(ctx): State<AppContext>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route: Arc<str> = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| Arc::from("unmatched"), |p| Arc::from(p.as_str()));
    let method = request.method().clone();
    let response = next.run(request).await;
    ctx.metrics.request(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_asked_as_a_bearer_and_compared_whole() {
        let mut headers = HeaderMap::new();
        let token = "s3cret-s3cret-s3cret";
        assert!(!authorised(token, &headers));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(!authorised(token, &headers));
        headers.insert(
            header::AUTHORIZATION,
            "Basic s3cret-s3cret-s3cret".parse().unwrap(),
        );
        assert!(!authorised(token, &headers));
        headers.insert(
            header::AUTHORIZATION,
            "Bearer s3cret-s3cret-s3cret".parse().unwrap(),
        );
        assert!(authorised(token, &headers));
        assert!(!authorised("", &headers));
    }

    #[test]
    fn the_exposition_names_every_family_once_with_its_labels() {
        let metrics = Metrics::new(Histogram::new([0.001]), Histogram::new([1.0]));
        metrics.request(
            Arc::from("/users/{name}"),
            &axum::http::Method::GET,
            200,
            Duration::from_millis(3),
        );
        metrics.refused(&Error::SignatureRequired("no".into()));
        metrics.accepted();
        metrics.delivery(&Outcome::Retry("HTTP 503".into()));
        let text = metrics.render().unwrap();
        assert!(
            text.contains(
                r#"parvis_http_requests_total{route="/users/{name}",method="GET",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"parvis_inbox_activities_total{outcome="refused",reason="signature"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"parvis_deliveries_total{outcome="retry"} 1"#),
            "{text}"
        );
        assert!(text.contains(
            r#"parvis_http_request_duration_seconds_count{route="/users/{name}",method="GET"} 1"#
        ), "{text}");
    }
}
