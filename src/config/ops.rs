//! `[metrics]` and the log format: what an operator watches the instance with.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{ConfigError, key_error};

/// `/metrics`, in Prometheus's text format. Off unless a token or a bind address is set: what it shows
/// (servers we talk to, queue sizes) is for the operator, not for the world.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// A secret Prometheus sends as `Authorization: Bearer <token>`; with it, `/metrics` is served on the main
    /// address too (better set with `PARVIS_METRICS__TOKEN` than written in the file). At least 16 characters.
    pub token: String,
    /// A separate address for `/metrics` alone, e.g. `127.0.0.1:9464`, reachable only by the monitoring
    /// system (no token needed there unless `token` is set too). Empty: none.
    pub bind: String,
}

impl MetricsSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self.token.is_empty() && self.token.chars().count() < 16 {
            return Err(key_error(
                "metrics.token",
                "must be at least 16 characters (or empty: no token)",
            ));
        }
        if self
            .token
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(key_error("metrics.token", "must not contain spaces"));
        }
        self.bind_addr()?;
        Ok(())
    }

    /// The separate metrics address, if one is set.
    pub fn bind_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        if self.bind.is_empty() {
            return Ok(None);
        }
        self.bind.parse().map(Some).map_err(|_| {
            key_error(
                "metrics.bind",
                format!(
                    "'{}' is not an address:port such as 127.0.0.1:9464",
                    self.bind
                ),
            )
        })
    }
}

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line (for journald, Loki, Elasticsearch), with the request's id in its span.
    Json,
}
