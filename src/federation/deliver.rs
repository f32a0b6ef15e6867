//! The persistent delivery queue. civic writes outbox events in the transaction of each change; this worker
//! turns them into signed activities and delivery rows (one per inbox, shared inboxes preferred), then sends
//! them with retries. Nothing lives only in memory: after a crash or restart every undelivered row is sent
//! again, so at most the deliveries that were in flight are repeated.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::Rng;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::civic::now;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::signatures::{self, SigningKey};
use crate::federation::{ACTIVITY_JSON, domain_of};
use crate::ids::{ActorId, DeliveryId, OutgoingId};
use crate::model::schema::{
    delivered_servers, deliveries, outbox_events, outgoing_activities, remote_actors, remote_hosts,
};
use crate::model::{Delivery, OutboxEvent};

/// Deliveries are given up after this long (Mastodon retries for about as long).
const GIVE_UP_AFTER: Duration = Duration::from_secs(48 * 3600);
/// Longest delay between two attempts.
const MAX_RETRY: Duration = Duration::from_secs(12 * 3600);
/// A server failing this long, with at least `UNREACHABLE_FAILURES` failures in a row, is marked unreachable.
const UNREACHABLE_AFTER: Duration = Duration::from_secs(24 * 3600);
const UNREACHABLE_FAILURES: i32 = 10;
/// How often an unreachable server is tried.
const UNREACHABLE_RETRY: Duration = Duration::from_secs(6 * 3600);
/// The longest `Retry-After` we honour.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A local actor's key, ready to sign.
pub struct Signer {
    pub key_id: String,
    pub key: SigningKey,
}

impl Signer {
    pub fn for_actor(
        urls: &crate::federation::urls::Urls,
        actor: &crate::model::Actor,
    ) -> Result<Signer> {
        let id = urls.actor(actor.kind, &actor.username);
        Ok(Signer {
            key_id: urls.key_id(&id).to_string(),
            key: SigningKey::from_pkcs8_pem(&actor.private_key_pem).map_err(Error::internal)?,
        })
    }
}

/// The worker's shared state.
pub struct Queue {
    ctx: AppContext,
    global: Arc<Semaphore>,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    in_flight: Mutex<HashSet<DeliveryId>>,
    /// Deliveries whose outcome was recorded since the scheduler last read the queue: that read may predate
    /// the outcome, so these are not started again from it.
    recently_done: Mutex<HashSet<DeliveryId>>,
    signers: Mutex<HashMap<ActorId, Arc<Signer>>>,
    bodies: Mutex<HashMap<OutgoingId, Arc<(String, ActorId)>>>,
    /// Hosts that answered 401 to an RFC 9421 signature: they get draft-cavage from then on.
    cavage_only: Mutex<HashSet<String>>,
    /// Whether a pass of `fetch::refetch_flagged` is running.
    refetching: Arc<std::sync::atomic::AtomicBool>,
    /// Finished attempts, recorded in batches by one task (one commit for many outcomes).
    finished: tokio::sync::mpsc::UnboundedSender<Finished>,
}

/// An attempt whose outcome is still to be written; it keeps its concurrency slots until then, so the
/// delivery cannot be started again before its row says what happened.
struct Finished {
    delivery: Delivery,
    outcome: Outcome,
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

/// Starts the delivery worker; it runs until the returned handle is aborted.
pub fn spawn(ctx: AppContext) -> tokio::task::JoinHandle<()> {
    let (finished, outcomes) = tokio::sync::mpsc::unbounded_channel();
    let queue = Arc::new(Queue {
        finished,
        global: Arc::new(Semaphore::new(
            ctx.settings.federation.delivery_concurrency as usize,
        )),
        per_host: Mutex::new(HashMap::new()),
        in_flight: Mutex::new(HashSet::new()),
        recently_done: Mutex::new(HashSet::new()),
        signers: Mutex::new(HashMap::new()),
        bodies: Mutex::new(HashMap::new()),
        cavage_only: Mutex::new(HashSet::new()),
        refetching: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        ctx,
    });
    let recorder = queue.clone();
    tokio::spawn(async move {
        tokio::join!(queue.run(), recorder.record_outcomes(outcomes));
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Queue {
    async fn run(self: Arc<Self>) {
        let wake: Arc<Notify> = self.ctx.wake.clone();
        let mut last_prune: Option<std::time::Instant> = None;
        loop {
            if last_prune.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
                last_prune = Some(std::time::Instant::now());
                let pruned = self
                    .ctx
                    .db
                    .transaction(|conn| crate::civic::maintenance::prune(conn, now()))
                    .await;
                match pruned {
                    Ok(p) => tracing::debug!(?p, "pruned old federation records"),
                    Err(e) => tracing::warn!(error = %e, "cannot prune old federation records"),
                }
                // One pass at a time: a slow pass (servers that time out) is not joined by the next one.
                let (ctx, running) = (self.ctx.clone(), self.refetching.clone());
                if !running.swap(true, std::sync::atomic::Ordering::AcqRel) {
                    tokio::spawn(async move {
                        let pass = crate::federation::fetch::refetch_flagged(&ctx).await;
                        running.store(false, std::sync::atomic::Ordering::Release);
                        match pass {
                            Ok((0, 0)) => {}
                            Ok((confirmed, forgotten)) => {
                                tracing::info!(
                                    confirmed,
                                    forgotten,
                                    "flagged remote actors fetched again"
                                )
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot fetch flagged actors again")
                            }
                        }
                    });
                }
            }
            match self.expand_events().await {
                Ok(more) if more => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot expand outbox events"),
            }
            if let Err(e) = self.schedule_due().await {
                tracing::warn!(error = %e, "cannot read the delivery queue");
            }
            tokio::select! {
                () = wake.notified() => {
                    // Many deliveries end at once in a fan-out: gather their wake-ups into one read of the queue.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                },
                () = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    }

    /// Turns pending outbox events into activities and delivery rows. Returns whether more may be pending.
    async fn expand_events(&self) -> Result<bool> {
        const BATCH: i64 = 50;
        let events: Vec<OutboxEvent> = self
            .ctx
            .db
            .run(|conn| {
                Ok(outbox_events::table
                    .filter(outbox_events::expanded.eq(false))
                    .filter(
                        outbox_events::not_before
                            .is_null()
                            .or(outbox_events::not_before.le(now())),
                    )
                    .order(outbox_events::id.asc())
                    .limit(BATCH)
                    .select(OutboxEvent::as_select())
                    .load(conn)?)
            })
            .await?;
        let count = events.len() as i64;
        for event in events {
            let id = event.id;
            if let Err(e) = self.expand(event).await {
                if e.is_transient() {
                    // A database hiccup: the event stays pending and is tried again.
                    tracing::warn!(error = %e, detail = e.log_detail(), event = %id, "outbox event postponed");
                    return Ok(false);
                }
                // An event that cannot be planned (its subject vanished, a bad stored id) must not block the
                // ones after it: it is logged and set aside.
                tracing::warn!(error = %e, event = %id, "outbox event set aside");
                self.ctx
                    .db
                    .run(move |conn| {
                        diesel::update(outbox_events::table.find(id))
                            .set(outbox_events::expanded.eq(true))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
            }
        }
        Ok(count == BATCH)
    }

    /// Expands one event into its activity and delivery rows, in one transaction.
    async fn expand(&self, event: OutboxEvent) -> Result<()> {
        let urls = self.ctx.urls.clone();
        let policy = self.ctx.policy().await;
        let unreachable_delay = chrono::Duration::from_std(UNREACHABLE_RETRY).unwrap_or_default();
        self.ctx
            .db
            .transaction(move |conn| {
                let what = event.outbound().map_err(Error::internal)?;
                let planned =
                    crate::federation::outbound::plan(conn, &urls, event.actor_id, &what)?;
                if let Some(crate::federation::outbound::Planned {
                    activity,
                    listed,
                    note,
                    inboxes,
                }) = planned
                {
                    // A commune kept for its residents addresses nothing to the public (its outbox is read by
                    // members only).
                    let mut value = serde_json::to_value(&activity).map_err(Error::internal)?;
                    if policy.private {
                        crate::federation::activities::without_public(&mut value);
                    }
                    let body = serde_json::to_string(&value).map_err(Error::internal)?;
                    let outgoing: OutgoingId = diesel::insert_into(outgoing_activities::table)
                        .values((
                            outgoing_activities::ap_id.eq(activity.id.as_str()),
                            outgoing_activities::signer_id.eq(event.actor_id),
                            outgoing_activities::body.eq(&body),
                            outgoing_activities::public.eq(listed),
                            outgoing_activities::note_id.eq(note),
                            outgoing_activities::created_at.eq(now()),
                        ))
                        .returning(outgoing_activities::id)
                        .get_result(conn)?;
                    let unreachable: HashSet<String> = remote_hosts::table
                        .filter(remote_hosts::unreachable.eq(true))
                        .select(remote_hosts::domain)
                        .load::<String>(conn)?
                        .into_iter()
                        .collect();
                    let now = now();
                    // One delivery per inbox, however many of the people concerned share it (a duplicate
                    // would break the unique index and hold the queue).
                    let inboxes: BTreeSet<Url> = inboxes
                        .iter()
                        .filter_map(|inbox| Url::parse(inbox).ok())
                        .collect();
                    let untrusted = untrusted_inboxes(conn)?;
                    // A server blocked since it followed us gets nothing more, nor an inbox that only actors
                    // waiting to be fetched again (their documents broke a provenance rule) gave.
                    let kept: Vec<Url> = inboxes
                        .into_iter()
                        .filter(|url| !policy.refuses(url) && !untrusted.contains(url.as_str()))
                        .collect();
                    let rows: Vec<_> = kept
                        .iter()
                        .map(|url| {
                            let domain = domain_of(url);
                            let at = if unreachable.contains(&domain) {
                                now + unreachable_delay
                            } else {
                                now
                            };
                            (
                                deliveries::activity_id.eq(outgoing),
                                deliveries::inbox.eq(url.to_string()),
                                deliveries::domain.eq(domain),
                                deliveries::state.eq("queued"),
                                deliveries::next_attempt_at.eq(at),
                                deliveries::created_at.eq(now),
                            )
                        })
                        .collect();
                    // Where this actor's Delete must go if its account is erased (delivery rows do not last).
                    let servers: Vec<_> = kept
                        .iter()
                        .map(|url| {
                            (
                                delivered_servers::actor_id.eq(event.actor_id),
                                delivered_servers::inbox.eq(url.to_string()),
                            )
                        })
                        .collect();
                    // Multi-row inserts are written per backend (the multi-backend connection has none).
                    for chunk in rows.chunks(500) {
                        crate::on_each_backend!(&mut *conn, |c| diesel::insert_into(
                            deliveries::table
                        )
                        .values(chunk.to_vec())
                        .execute(c))?;
                    }
                    for chunk in servers.chunks(500) {
                        crate::on_each_backend!(&mut *conn, |c| diesel::insert_into(
                            delivered_servers::table
                        )
                        .values(chunk.to_vec())
                        .on_conflict_do_nothing()
                        .execute(c))?;
                    }
                }
                diesel::update(outbox_events::table.find(event.id))
                    .set(outbox_events::expanded.eq(true))
                    .execute(conn)?;
                Ok(())
            })
            .await
    }

    /// Starts due deliveries, as far as the global and per-server limits allow.
    async fn schedule_due(self: &Arc<Self>) -> Result<()> {
        let free = self.global.available_permits();
        if free == 0 {
            return Ok(());
        }
        // Outcomes recorded before this read are visible in it; only later ones need remembering.
        lock(&self.recently_done).clear();
        // Enough rows to fill the free slots even when some servers are at their own limit.
        let limit = (free * 8 + lock(&self.in_flight).len()) as i64;
        let due: Vec<Delivery> = self
            .ctx
            .db
            .run(move |conn| {
                Ok(deliveries::table
                    .filter(deliveries::state.eq("queued"))
                    .filter(deliveries::next_attempt_at.le(now()))
                    .order(deliveries::next_attempt_at.asc())
                    .limit(limit)
                    .select(Delivery::as_select())
                    .load(conn)?)
            })
            .await?;
        for delivery in due {
            if lock(&self.in_flight).contains(&delivery.id)
                || lock(&self.recently_done).contains(&delivery.id)
            {
                continue;
            }
            let Some(host_permit) = self.host_permit(&delivery.domain) else {
                continue;
            };
            let Ok(global_permit) = self.global.clone().try_acquire_owned() else {
                break;
            };
            lock(&self.in_flight).insert(delivery.id);
            let queue = self.clone();
            tokio::spawn(async move {
                let outcome = match queue.attempt(&delivery).await {
                    Ok(outcome) => outcome,
                    Err(e) => Outcome::Retry(format!("{e}")),
                };
                // If the recorder is gone (shutting down), the row stays queued and is sent again later.
                let _ = queue.finished.send(Finished {
                    delivery,
                    outcome,
                    _permits: (host_permit, global_permit),
                });
            });
        }
        Ok(())
    }

    fn host_permit(&self, domain: &str) -> Option<OwnedSemaphorePermit> {
        let per_host = self.ctx.settings.federation.delivery_concurrency_per_host as usize;
        let semaphore = lock(&self.per_host)
            .entry(domain.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(per_host)))
            .clone();
        semaphore.try_acquire_owned().ok()
    }

    async fn body(&self, id: OutgoingId) -> Result<Arc<(String, ActorId)>> {
        if let Some(found) = lock(&self.bodies).get(&id) {
            return Ok(found.clone());
        }
        let row: (String, ActorId) = self
            .ctx
            .db
            .run(move |conn| {
                Ok(outgoing_activities::table
                    .find(id)
                    .select((outgoing_activities::body, outgoing_activities::signer_id))
                    .first(conn)?)
            })
            .await?;
        let row = Arc::new(row);
        let mut bodies = lock(&self.bodies);
        if bodies.len() > 256 {
            bodies.clear();
        }
        bodies.insert(id, row.clone());
        Ok(row)
    }

    async fn signer(&self, id: ActorId) -> Result<Arc<Signer>> {
        if let Some(found) = lock(&self.signers).get(&id) {
            return Ok(found.clone());
        }
        let actor = self
            .ctx
            .db
            .run(move |conn| queries::actor_by_id(conn, id))
            .await?;
        let signer = Arc::new(Signer::for_actor(&self.ctx.urls, &actor)?);
        lock(&self.signers).insert(id, signer.clone());
        Ok(signer)
    }

    /// Writes finished attempts: all those waiting in one transaction (a fan-out's outcomes arrive together,
    /// and one commit per delivery would cost more than the delivery), one by one if that fails.
    async fn record_outcomes(
        self: Arc<Self>,
        mut outcomes: tokio::sync::mpsc::UnboundedReceiver<Finished>,
    ) {
        const BATCH: usize = 256;
        let first_retry = Duration::from_secs(self.ctx.settings.federation.retry_base_secs);
        while let Some(first) = outcomes.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match outcomes.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
            let items: Vec<(Delivery, Outcome)> = batch
                .iter()
                .map(|f| (f.delivery.clone(), f.outcome.clone()))
                .collect();
            let together = self
                .ctx
                .db
                .transaction(move |conn| {
                    for (delivery, outcome) in items {
                        record(conn, &delivery, outcome, first_retry)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = together {
                tracing::warn!(error = %e, "cannot record delivery outcomes together; one by one");
                for f in &batch {
                    let (delivery, outcome) = (f.delivery.clone(), f.outcome.clone());
                    let alone = self
                        .ctx
                        .db
                        .transaction(move |conn| record(conn, &delivery, outcome, first_retry))
                        .await;
                    if let Err(e) = alone {
                        tracing::warn!(error = %e, delivery = %f.delivery.id, "cannot record a delivery outcome");
                    }
                }
            }
            for f in batch {
                lock(&self.recently_done).insert(f.delivery.id);
                lock(&self.in_flight).remove(&f.delivery.id);
            }
            self.ctx.wake.notify_one();
        }
    }

    async fn attempt(&self, delivery: &Delivery) -> Result<Outcome> {
        let body = self.body(delivery.activity_id).await?;
        let signer = self.signer(body.1).await?;
        let inbox = Url::parse(&delivery.inbox)
            .map_err(|_| Error::BadRequest("invalid inbox URL".into()))?;
        if self.ctx.policy().await.refuses(&inbox) {
            // Queued before the server was blocked: it gets nothing now.
            return Ok(Outcome::Refused("the server is blocked here".into()));
        }
        let rfc9421 = self.ctx.settings.federation.sign_rfc9421
            && !lock(&self.cavage_only).contains(&delivery.domain);
        let response = self.post(&inbox, &body.0, &signer, rfc9421).await;
        let response = match response {
            // Double-knocking: a 401 to RFC 9421 means the server only checks draft-cavage.
            Ok(r) if rfc9421 && r.status().as_u16() == 401 => {
                lock(&self.cavage_only).insert(delivery.domain.clone());
                self.post(&inbox, &body.0, &signer, false).await
            }
            other => other,
        };
        Ok(match response {
            Err(e) => Outcome::Retry(e.to_string()),
            Ok(r) => classify(
                r.status().as_u16(),
                r.headers().get(reqwest::header::RETRY_AFTER),
            ),
        })
    }

    async fn post(
        &self,
        inbox: &Url,
        body: &str,
        signer: &Signer,
        rfc9421: bool,
    ) -> std::result::Result<reqwest::Response, crate::federation::http::OutboundError> {
        let mut request = reqwest::Request::new(reqwest::Method::POST, inbox.clone());
        let headers = request.headers_mut();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static(ACTIVITY_JSON),
        );
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(ACTIVITY_JSON),
        );
        let sign = if rfc9421 {
            signatures::sign_rfc9421
        } else {
            signatures::sign_cavage
        };
        if let Err(e) = sign(
            &reqwest::Method::POST,
            inbox,
            request.headers_mut(),
            Some(body.as_bytes()),
            &signer.key_id,
            &signer.key,
            Utc::now(),
        ) {
            tracing::error!(error = %e, "cannot sign a delivery");
        }
        *request.body_mut() = Some(body.to_string().into());
        self.ctx.http.execute(request).await
    }
}

/// What became of one attempt.
#[derive(Clone, Debug)]
pub enum Outcome {
    Delivered,
    /// The server asked us to slow down: try again then, without counting it against the server.
    Later(Duration),
    /// A temporary failure (network, timeout, 408, 5xx).
    Retry(String),
    /// A final refusal (4xx other than 408 and 429): recorded as failed, never as delivered.
    Refused(String),
}

/// Reads an answer: 2xx delivered, 429 later, 408 and 5xx retried, other 4xx final.
pub fn classify(status: u16, retry_after: Option<&reqwest::header::HeaderValue>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        429 => Outcome::Later(parse_retry_after(retry_after).unwrap_or(Duration::from_secs(60))),
        408 | 500..=599 => Outcome::Retry(format!("HTTP {status}")),
        _ => Outcome::Refused(format!("HTTP {status}")),
    }
}

/// `Retry-After` as seconds or as an HTTP date, capped.
pub fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let raw = value?.to_str().ok()?.trim();
    let delay = match raw.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate::parse_http_date(raw)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// The delay before attempt `attempts + 1`: doubling from `first`, capped at 12 h, with ±25 % jitter so that
/// the deliveries of one fan-out do not all come back at the same second.
pub fn backoff(first: Duration, attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 20) as u32;
    let base = first
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_RETRY);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    base.mul_f64(jitter)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::hours(1))
}

/// Writes an attempt's outcome: the delivery row and the server's health.
fn record(
    conn: &mut AnyConnection,
    delivery: &Delivery,
    outcome: Outcome,
    first_retry: Duration,
) -> Result<()> {
    let now = now();
    ensure_host(conn, &delivery.domain)?;
    let host = remote_hosts::table.find(&delivery.domain);
    match outcome {
        Outcome::Delivered => {
            diesel::delete(deliveries::table.find(delivery.id)).execute(conn)?;
            let (failures, unreachable): (i32, bool) = host
                .select((
                    remote_hosts::consecutive_failures,
                    remote_hosts::unreachable,
                ))
                .first(conn)?;
            diesel::update(host)
                .set((
                    remote_hosts::consecutive_failures.eq(0),
                    remote_hosts::failing_since.eq(None::<NaiveDateTime>),
                    remote_hosts::unreachable.eq(false),
                    remote_hosts::delivered.eq(remote_hosts::delivered + 1),
                    remote_hosts::last_success_at.eq(Some(now)),
                ))
                .execute(conn)?;
            // A server that was failing and answers again gets the deliveries it missed now (only then: those
            // postponed by a Retry-After stay postponed).
            if failures > 0 || unreachable {
                diesel::update(
                    deliveries::table
                        .filter(deliveries::domain.eq(&delivery.domain))
                        .filter(deliveries::state.eq("queued"))
                        .filter(deliveries::next_attempt_at.gt(now)),
                )
                .set(deliveries::next_attempt_at.eq(now))
                .execute(conn)?;
            }
        }
        Outcome::Later(delay) => {
            // A server that asks us to wait forever is given up on like any other, after two days.
            let next = now + to_chrono(delay);
            let gave_up = next - delivery.created_at > to_chrono(GIVE_UP_AFTER);
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq(if gave_up { "failed" } else { "queued" }),
                    deliveries::next_attempt_at.eq(next),
                    deliveries::last_error.eq(Some(if gave_up {
                        "gave up: HTTP 429 for two days"
                    } else {
                        "HTTP 429"
                    })),
                ))
                .execute(conn)?;
        }
        Outcome::Refused(reason) => {
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq("failed"),
                    deliveries::attempts.eq(delivery.attempts + 1),
                    deliveries::last_error.eq(Some(reason)),
                ))
                .execute(conn)?;
        }
        Outcome::Retry(reason) => {
            let (failures, since, unreachable): (i32, Option<NaiveDateTime>, bool) = host
                .select((
                    remote_hosts::consecutive_failures,
                    remote_hosts::failing_since,
                    remote_hosts::unreachable,
                ))
                .first(conn)?;
            let since = since.unwrap_or(now);
            let unreachable = unreachable
                || (failures + 1 >= UNREACHABLE_FAILURES
                    && now - since >= to_chrono(UNREACHABLE_AFTER));
            diesel::update(host)
                .set((
                    remote_hosts::consecutive_failures.eq(failures + 1),
                    remote_hosts::failing_since.eq(Some(since)),
                    remote_hosts::unreachable.eq(unreachable),
                ))
                .execute(conn)?;
            let attempts = delivery.attempts + 1;
            let mut delay = backoff(first_retry, attempts - 1);
            if unreachable {
                delay = delay.max(UNREACHABLE_RETRY);
            }
            let next = now + to_chrono(delay);
            let gave_up = next - delivery.created_at > to_chrono(GIVE_UP_AFTER);
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq(if gave_up { "failed" } else { "queued" }),
                    deliveries::attempts.eq(attempts),
                    deliveries::next_attempt_at.eq(next),
                    deliveries::last_error.eq(Some(if gave_up {
                        format!("gave up after {attempts} attempts: {reason}")
                    } else {
                        reason
                    })),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn ensure_host(conn: &mut AnyConnection, domain: &str) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(remote_hosts::table)
        .values(remote_hosts::domain.eq(domain))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The inboxes that only actors waiting to be fetched again gave (a shared inbox that a trusted actor of the
/// same server also gave stays). Usually none: the flagged actors are read through their index first.
fn untrusted_inboxes(conn: &mut AnyConnection) -> Result<HashSet<String>> {
    let flagged: Vec<(String, Option<String>)> = remote_actors::table
        .filter(remote_actors::needs_refetch.eq(true))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    if flagged.is_empty() {
        return Ok(HashSet::new());
    }
    let candidates: Vec<String> = flagged
        .into_iter()
        .flat_map(|(inbox, shared)| std::iter::once(inbox).chain(shared))
        .collect();
    let vouched: HashSet<String> = remote_actors::table
        .filter(remote_actors::needs_refetch.eq(false))
        .filter(
            remote_actors::inbox
                .eq_any(&candidates)
                .or(remote_actors::shared_inbox.eq_any(&candidates)),
        )
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .flat_map(|(inbox, shared)| std::iter::once(inbox).chain(shared))
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|c| !vouched.contains(c))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default `federation.retry_base_secs`.
    const FIRST_RETRY: Duration = Duration::from_secs(30);

    #[test]
    fn classification_follows_the_rules() {
        assert!(matches!(classify(202, None), Outcome::Delivered));
        assert!(matches!(classify(408, None), Outcome::Retry(_)));
        assert!(matches!(classify(503, None), Outcome::Retry(_)));
        assert!(matches!(classify(401, None), Outcome::Refused(_)));
        assert!(matches!(classify(404, None), Outcome::Refused(_)));
        assert!(matches!(classify(410, None), Outcome::Refused(_)));
        let seconds = reqwest::header::HeaderValue::from_static("120");
        assert!(
            matches!(classify(429, Some(&seconds)), Outcome::Later(d) if d == Duration::from_secs(120))
        );
        assert!(matches!(classify(429, None), Outcome::Later(d) if d == Duration::from_secs(60)));
        let huge = reqwest::header::HeaderValue::from_static("99999999");
        assert_eq!(parse_retry_after(Some(&huge)), Some(MAX_RETRY_AFTER));
        let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(300));
        let date = reqwest::header::HeaderValue::from_str(&date).unwrap_or(seconds);
        let parsed = parse_retry_after(Some(&date)).unwrap_or_default();
        assert!(
            parsed > Duration::from_secs(290) && parsed <= Duration::from_secs(300),
            "{parsed:?}"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 0..30 {
            let base = FIRST_RETRY
                .saturating_mul(2u32.saturating_pow(attempts as u32))
                .min(MAX_RETRY);
            let d = backoff(FIRST_RETRY, attempts);
            assert!(
                d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25),
                "{attempts}: {d:?}"
            );
        }
        // About two days of retries before giving up.
        let total: Duration = (0..14)
            .map(|a| FIRST_RETRY.saturating_mul(2u32.pow(a)).min(MAX_RETRY))
            .sum();
        assert!(
            total > Duration::from_secs(36 * 3600) && total < Duration::from_secs(60 * 3600),
            "{total:?}"
        );
    }
}
