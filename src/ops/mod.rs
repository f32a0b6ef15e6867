//! Operating an instance: metrics, request ids and log format, backups, the instance's own certificate.

pub mod acme;
pub mod backup;
pub mod metrics;
pub mod requests;
pub mod restore;

use crate::config::{LogFormat, LogSettings};

/// Starts logging to standard error at the configured level and format. A second call (tests running several
/// commands in one process) keeps the first subscriber.
pub fn start_logging(log: &LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match log.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    };
}
