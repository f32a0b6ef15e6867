//! The one outgoing HTTP client of Parvis, with a guard against server-side request forgery (SSRF).
//!
//! Federation means that remote, untrusted actors decide which URLs we fetch: an actor id, an inbox, a
//! key id, an `object` link inside an activity, a redirect `Location`… Without a guard, anybody on the
//! network could make this server send requests to places only *it* can reach: the cloud metadata
//! service at `169.254.169.254` (which hands out credentials), an admin panel on `127.0.0.1`, a database
//! on the private network, and so on.
//!
//! The guard works at three levels, because checking only the URL string is not enough:
//!
//! 1. [`check_url`] looks at the URL itself: only `https` is allowed (plain `http` only for hosts the
//!    operator listed), the URL must have a host, and a host written as an IP address must be public.
//! 2. The DNS resolver plugged into the client ([`build_client`]) drops every non-public address a name
//!    resolves to, so `evil.example → 127.0.0.1` is refused even though its URL looked harmless. Because
//!    the check happens on the very addresses the connection is made to, DNS rebinding does not help
//!    either.
//! 3. The redirect policy runs [`check_url`] again on every hop, so a public server cannot bounce us to
//!    `https://169.254.169.254/`.
//!
//! Hosts in [`OutboundPolicy::allowed_hosts`] are exempt: that is how an operator federates with
//! instances on a private network, and how tests talk to servers on `127.0.0.1`.
//!
//! Every outgoing request of Parvis should go through [`GuardedClient`]. Note that the resolver never
//! sees hosts written as IP addresses (they need no resolution), so a request sent through the bare
//! [`reqwest::Client`] without calling [`check_url`] first is only partially guarded: prefer
//! [`GuardedClient::get`] and [`GuardedClient::execute`], which always check.
//!
//! One file per job: the errors (`error`), which addresses are public (`address`), the check of a URL
//! (`url_check`), the guarding DNS resolver (`resolver`), the TLS configuration (`tls`) and the client built
//! from them (`client`); the policy and the limits are here.

mod address;
mod client;
mod error;
mod resolver;
mod tls;
mod url_check;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use address::is_public_address;
pub use client::{GuardedClient, build_client};
pub use error::OutboundError;
pub use url_check::check_url;

/// Maximum number of redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// Whole-request timeout used when [`OutboundPolicy::timeout`] is zero.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Connect timeout used when [`OutboundPolicy::connect_timeout`] is zero.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `User-Agent` used when [`OutboundPolicy::user_agent`] is empty.
pub const DEFAULT_USER_AGENT: &str = concat!("parvis/", env!("CARGO_PKG_VERSION"));

/// What the SSRF guard needs (the owner builds it from the configuration).
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// Host names exempt from the guard: they may resolve to private/loopback/link-local addresses and may
    /// be reached over plain http. Compared case-insensitively (and ignoring a trailing dot), exact host,
    /// no port. An IP literal may be listed too (`127.0.0.1`, `::1` or `[::1]`).
    pub allowed_hosts: Vec<String>,
    /// Static name → IP overrides consulted before DNS (like `/etc/hosts` lines; for private networks and
    /// tests, e.g. `alpha.parvis.test → 127.0.0.2`). The guard still applies to these addresses unless the
    /// host is allowed.
    pub static_hosts: HashMap<String, IpAddr>,
    /// PEM file(s) of extra CA certificates to trust besides the system store.
    pub extra_ca_files: Vec<PathBuf>,
    /// Timeout for the whole request, body included. Zero means [`DEFAULT_TIMEOUT`]: a remote server must
    /// not be able to hold one of our requests open forever.
    pub timeout: Duration,
    /// Timeout for establishing a connection. Zero means [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// `User-Agent` header of every request. Empty means [`DEFAULT_USER_AGENT`].
    pub user_agent: String,
}

#[cfg(test)]
mod tests;
