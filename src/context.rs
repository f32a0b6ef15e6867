//! The one application context handed to handlers and to federation.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Database;
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
}
