//! The persistent delivery queue. civic writes outbox events in the transaction of each change; this worker
//! turns them into signed activities and delivery rows (one per inbox, shared inboxes preferred), then sends
//! them with retries. Nothing lives only in memory: after a crash or restart every undelivered row is sent
//! again, so at most the deliveries that were in flight are repeated.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::civic::now;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::ACTIVITY_JSON;
use crate::federation::signatures::{self, SigningKey};
use crate::ids::{ActorId, DeliveryId, OutgoingId};
use crate::model::Delivery;
use crate::model::schema::{deliveries, outgoing_activities};

mod expand;
mod leases;
mod outcome;

use outcome::record;
pub use outcome::{Outcome, backoff, classify, parse_retry_after};

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
    /// This process's name on the deliveries it claims (see `leases`).
    name: String,
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
        name: leases::process_name(),
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
        // The one server process of an SQLite database: what a killed one held is queued again.
        if self.ctx.db.backend() == crate::config::Backend::Sqlite {
            match self.ctx.db.run(leases::release_all).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, "deliveries a stopped process held are queued again"),
                Err(e) => tracing::warn!(error = %e, "cannot free the leases of deliveries"),
            }
        }
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
                let swept = crate::civic::notes::media::sweep_files(
                    &self.ctx.db,
                    &self.ctx.settings.server.data_dir,
                )
                .await;
                match swept {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "pictures no post kept were removed"),
                    Err(e) => tracing::warn!(error = %e, "cannot remove pictures no post kept"),
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
            if !self.ctx.refusals.is_empty() {
                let counts = self.ctx.refusals.take();
                let written = self
                    .ctx
                    .db
                    .transaction(move |conn| crate::federation::refusals::write(conn, counts))
                    .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e, "cannot write the inbox refusals");
                }
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
                let unleased = leases::unleased(conn);
                Ok(deliveries::table
                    .filter(deliveries::state.eq("queued"))
                    .filter(deliveries::next_attempt_at.le(now()))
                    .filter(unleased)
                    .order(deliveries::next_attempt_at.asc())
                    .limit(limit)
                    .select(Delivery::as_select())
                    .load(conn)?)
            })
            .await?;
        // What this process can start now, with its slots; then claimed, so that no other process sends it.
        let mut startable = HashMap::new();
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
            startable.insert(delivery.id, (delivery, host_permit, global_permit));
        }
        let ids: Vec<DeliveryId> = startable.keys().copied().collect();
        let (name, lease) = (self.name.clone(), self.lease_secs());
        let claimed = self
            .ctx
            .db
            .run(move |conn| leases::claim(conn, &ids, &name, lease))
            .await?;
        for id in claimed {
            let Some((delivery, host_permit, global_permit)) = startable.remove(&id) else {
                continue;
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

    /// How long a claim holds: longer than an attempt can last (its request's timeout), with room.
    fn lease_secs(&self) -> u64 {
        self.ctx.settings.federation.delivery_lease_secs
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
                self.ctx.metrics.delivery(&f.outcome);
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
