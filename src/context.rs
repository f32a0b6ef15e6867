//! The one application context handed to handlers and to federation.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::Database;
use crate::federation::deliver::Signer;
use crate::federation::http::GuardedClient;
use crate::federation::urls::Urls;

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppContext {
    pub settings: Arc<Settings>,
    pub db: Database,
    pub urls: Urls,
    /// The only outgoing HTTP client (SSRF-guarded).
    pub http: Arc<GuardedClient>,
    /// The instance actor's key, which signs our fetches.
    pub instance_signer: Arc<Signer>,
    /// Wakes the delivery worker when something was written to the outbox.
    pub wake: Arc<Notify>,
    /// Wakes the mail worker when a message was queued.
    pub mail_wake: Arc<Notify>,
    /// With whom we federate (read from the database, kept a few seconds).
    pub policy: Arc<crate::federation::policy::PolicyCache>,
    /// What bounds the fetches of keys we do not know yet (per sender, at once, after a failure).
    pub key_fetches: Arc<crate::federation::fetch::KeyFetches>,
    /// Why inbox POSTs were refused, counted until the delivery worker writes them.
    pub refusals: Arc<crate::federation::refusals::Refusals>,
    /// The OpenID Connect provider of `[oidc]`, if one is configured.
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
    /// The listeners of the streaming API and their poller.
    pub live: Arc<crate::api::streaming::Live>,
    /// What `/metrics` shows.
    pub metrics: Arc<crate::ops::metrics::Metrics>,
}

impl AppContext {
    /// The federation policy in force.
    pub async fn policy(&self) -> Arc<crate::federation::policy::Policy> {
        self.policy.get(&self.db).await
    }
}
