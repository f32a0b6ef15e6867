//! The actor owning a key id, fetched when the key is not stored yet: such fetches are counted per sending
//! network, few run at once, and a key that could not be fetched is not tried again for a while.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use url::Url;

use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::actors::ActorDocument;
use crate::federation::domain_of;
use crate::model::RemoteActor;

use super::actors::store_actor;
use super::{actor, object};

tokio::task_local! {
    /// The network (IPv4 address, IPv6 /64) of the request being served, set by the rate-limit middleware:
    /// fetches of unknown keys are counted against it.
    pub static SENDER: IpAddr;
}

/// Fetches of keys not stored yet: each one is a request we make because someone asked, so they are counted
/// per sending network, few run at once, and a key that could not be fetched is not tried again for a while.
pub struct KeyFetches {
    per_sender: Option<governor::DefaultKeyedRateLimiter<IpAddr>>,
    at_once: tokio::sync::Semaphore,
    failed: Mutex<HashMap<String, Instant>>,
}

/// How long a key that could not be fetched is not fetched again.
pub const KEY_RETRY_AFTER: Duration = Duration::from_secs(600);
/// How many unknown keys are fetched at the same time, at most.
pub const KEY_FETCHES_AT_ONCE: usize = 8;
/// How many failed key ids are remembered at most (the oldest are forgotten first).
const MAX_FAILED_KEYS: usize = 10_000;

impl KeyFetches {
    /// `per_minute`: fetches of unknown keys one sending network may cause each minute (0: no limit).
    pub fn new(per_minute: u32) -> KeyFetches {
        KeyFetches {
            per_sender: NonZeroU32::new(per_minute).map(|n| {
                governor::RateLimiter::keyed(governor::Quota::per_minute(n).allow_burst(n))
            }),
            at_once: tokio::sync::Semaphore::new(KEY_FETCHES_AT_ONCE),
            failed: Mutex::new(HashMap::new()),
        }
    }

    fn recently_failed(&self, key_id: &str) -> bool {
        let Ok(failed) = self.failed.lock() else {
            return false;
        };
        failed
            .get(key_id)
            .is_some_and(|at| at.elapsed() < KEY_RETRY_AFTER)
    }

    fn remember_failure(&self, key_id: &str) {
        if let Ok(mut failed) = self.failed.lock() {
            crate::limits::remember(
                &mut failed,
                key_id.to_string(),
                MAX_FAILED_KEYS,
                KEY_RETRY_AFTER,
            );
        }
    }

    fn spend(&self) -> Result<()> {
        let (Some(limiter), Ok(sender)) = (&self.per_sender, SENDER.try_with(|ip| *ip)) else {
            return Ok(());
        };
        limiter.check_key(&sender).map_err(|_| {
            Error::TooManyRequests(
                "too many requests signed with keys unknown here: try again later".into(),
            )
        })
    }
}

/// The actor owning a key id (`https://host/users/a#main-key`; some servers serve the key at its own URL
/// with an `owner`), with the key ready to verify.
pub async fn actor_for_key(ctx: &AppContext, key_id: &Url, refresh: bool) -> Result<RemoteActor> {
    let key = key_id.to_string();
    if !refresh {
        let cached = ctx
            .db
            .run(move |conn| crate::civic::remote::actor_by_key(conn, &key))
            .await?;
        if let Some(actor) = cached {
            return Ok(actor);
        }
    }
    let guard = &ctx.key_fetches;
    if guard.recently_failed(key_id.as_str()) {
        return Err(Error::SignatureRequired(format!(
            "{key_id} could not be fetched a moment ago: try again later"
        )));
    }
    guard.spend()?;
    let _permit = guard.at_once.acquire().await.map_err(Error::internal)?;
    let fetched = fetch_key_owner(ctx, key_id).await;
    if fetched.is_err() {
        guard.remember_failure(key_id.as_str());
    }
    fetched
}

/// Fetches the document at a key id and the actor that owns the key.
async fn fetch_key_owner(ctx: &AppContext, key_id: &Url) -> Result<RemoteActor> {
    let mut document_url = key_id.clone();
    document_url.set_fragment(None);
    let (id, value) = object(ctx, &document_url).await?;
    let actor = if value.get("inbox").is_some() {
        let doc: ActorDocument = serde_json::from_value(value)
            .map_err(|_| Error::BadGateway(format!("{id} is not an actor")))?;
        store_actor(ctx, &id, doc).await?
    } else {
        // A key document: its owner is the actor, whose document must list this key.
        let owner = value
            .get("owner")
            .and_then(Value::as_str)
            .and_then(|o| Url::parse(o).ok())
            .ok_or_else(|| Error::BadGateway(format!("{id} is neither an actor nor a key")))?;
        if domain_of(&owner) != domain_of(key_id) {
            return Err(Error::BadGateway(format!(
                "{key_id} claims an owner on another server"
            )));
        }
        actor(ctx, &owner, true).await?
    };
    let owned = {
        let actor = actor.clone();
        let key = key_id.to_string();
        ctx.db
            .run(move |conn| Ok(crate::civic::remote::key_of(conn, &actor, &key)?.is_some()))
            .await?
    };
    if !owned {
        return Err(Error::SignatureRequired(format!(
            "{key_id} is not a key of {}",
            actor.ap_id
        )));
    }
    Ok(actor)
}
