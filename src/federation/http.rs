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

use std::collections::HashMap;
use std::error::Error as StdError;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use url::{Host, Url};

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

/// Why an outgoing request was refused or failed. The messages are safe to show to a client.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL cannot be fetched at all (for example it has no host).
    #[error("invalid URL {url}: {reason}")]
    BadUrl {
        /// The URL, without any password.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The scheme is neither https nor http.
    #[error("refusing {url}: the {scheme} scheme is not allowed, only https is")]
    UnsupportedScheme {
        /// The URL, without any password.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// Plain http to a host that is not in `federation.allowed_hosts`.
    #[error(
        "refusing plain http to {url}: only https is allowed (add the host to federation.allowed_hosts)"
    )]
    PlainHttp {
        /// The URL, without any password.
        url: String,
    },
    /// The host is, or resolves only to, a non-public address.
    #[error(
        "refusing to connect to {host}: it resolves to a private, loopback or link-local address"
    )]
    PrivateAddress {
        /// The host as written in the URL.
        host: String,
    },
    /// Name resolution failed.
    #[error("cannot resolve {host}: {source}")]
    Dns {
        /// The host name.
        host: String,
        /// The resolver's error.
        #[source]
        source: std::io::Error,
    },
    /// A redirect chain longer than [`MAX_REDIRECTS`].
    #[error("too many redirects (more than {max})")]
    TooManyRedirects {
        /// The limit.
        max: usize,
    },
    /// An extra CA file cannot be read or parsed.
    #[error("cannot read CA file {}: {source}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// The I/O or PEM error.
        #[source]
        source: std::io::Error,
    },
    /// An extra CA file holds no usable certificate.
    #[error("invalid CA file {}: {reason}", path.display())]
    InvalidCa {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS configuration cannot be built.
    #[error("cannot configure TLS: {0}")]
    Tls(#[source] rustls::Error),
    /// The HTTP client cannot be built.
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    /// The request failed (connection, TLS handshake, timeout, body…).
    #[error("request failed: {0}")]
    Request(#[source] reqwest::Error),
}

impl OutboundError {
    /// An owned copy of a refusal raised inside reqwest (by the resolver or the redirect policy), which
    /// reqwest only gives back by reference, wrapped in its own error.
    fn refusal_copy(&self) -> Option<Self> {
        Some(match self {
            Self::BadUrl { url, reason } => Self::BadUrl {
                url: url.clone(),
                reason,
            },
            Self::UnsupportedScheme { url, scheme } => Self::UnsupportedScheme {
                url: url.clone(),
                scheme: scheme.clone(),
            },
            Self::PlainHttp { url } => Self::PlainHttp { url: url.clone() },
            Self::PrivateAddress { host } => Self::PrivateAddress { host: host.clone() },
            Self::Dns { host, source } => Self::Dns {
                host: host.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Self::TooManyRedirects { max } => Self::TooManyRedirects { max: *max },
            _ => return None,
        })
    }
}

/// Turns a reqwest error into an [`OutboundError`], surfacing a refusal of the guard buried in its
/// `source()` chain (reqwest wraps resolver and redirect-policy errors) as the refusal itself.
impl From<reqwest::Error> for OutboundError {
    fn from(err: reqwest::Error) -> Self {
        let mut current: Option<&(dyn StdError + 'static)> = Some(&err);
        while let Some(e) = current {
            if let Some(copy) = e
                .downcast_ref::<OutboundError>()
                .and_then(OutboundError::refusal_copy)
            {
                return copy;
            }
            current = e.source();
        }
        Self::Request(err)
    }
}

/// Tells whether `ip` may be connected to without being on the allow list: false for every address that
/// is not globally routable (loopback, private, link-local, CGNAT, documentation, multicast, reserved…),
/// so that we never reach, on behalf of a remote actor, something only this machine or its network can.
///
/// std's `IpAddr::is_global` is unstable, hence this version. IPv6 addresses embedding an IPv4 one
/// (IPv4-mapped, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 ranges that are not public: (network, prefix length).
const NON_PUBLIC_V4: &[(u32, u32)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network", includes unspecified
    (0x0a00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 carrier-grade NAT
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local (cloud metadata lives here)
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xc000_0200, 24), // 192.0.2.0/24 documentation (TEST-NET-1)
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xc633_6400, 24), // 198.51.100.0/24 documentation (TEST-NET-2)
    (0xcb00_7100, 24), // 203.0.113.0/24 documentation (TEST-NET-3)
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, includes broadcast 255.255.255.255
];

/// IPv6 ranges that are not public: (network, prefix length).
const NON_PUBLIC_V6: &[(u128, u32)] = &[
    (0, 128),                          // :: unspecified
    (1, 128),                          // ::1 loopback
    (0x0064_ff9b_0001_u128 << 80, 48), // 64:ff9b:1::/48 local-use NAT64
    (0x0100_u128 << 112, 64),          // 100::/64 discard-only
    (0x2001_0000_u128 << 96, 32),      // 2001::/32 Teredo tunnels
    (0x2001_0db8_u128 << 96, 32),      // 2001:db8::/32 documentation
    (0x3fff_u128 << 112, 20),          // 3fff::/20 documentation
    (0xfc00_u128 << 112, 7),           // fc00::/7 unique local
    (0xfe80_u128 << 112, 10),          // fe80::/10 link-local
    (0xfec0_u128 << 112, 10),          // fec0::/10 site-local (deprecated)
    (0xff00_u128 << 112, 8),           // ff00::/8 multicast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NON_PUBLIC_V4.iter().any(|&(net, len)| {
        let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
        bits & mask == net & mask
    })
}

fn in_v6_prefix(bits: u128, net: u128, len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    bits & mask == net & mask
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    if NON_PUBLIC_V6
        .iter()
        .any(|&(net, len)| in_v6_prefix(bits, net, len))
    {
        return false;
    }
    let o = ip.octets();
    let last_v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    // ::ffff:0:0/96 IPv4-mapped, ::/96 IPv4-compatible (:: and ::1 are handled above),
    // ::ffff:0:0:0/96 IPv4-translated, 64:ff9b::/96 NAT64: the last 32 bits are an IPv4 address.
    if in_v6_prefix(bits, 0x0000_ffff_u128 << 32, 96)
        || in_v6_prefix(bits, 0, 96)
        || in_v6_prefix(bits, 0xffff_0000_u128 << 32, 96)
        || in_v6_prefix(bits, 0x0064_ff9b_u128 << 96, 96)
    {
        return is_public_v4(last_v4);
    }
    // 2002::/16 6to4: bits 16..48 are an IPv4 address.
    if in_v6_prefix(bits, 0x2002_u128 << 112, 16) {
        return is_public_v4(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    true
}

/// Lower-cases a host name and drops a trailing dot, so `Alpha.Example.` and `alpha.example` compare equal.
fn normalize_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether `host` is in `allowed` (names case-insensitively, IP literals by value).
fn host_is_allowed(allowed: &[String], host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = normalize_name(name);
            allowed
                .iter()
                .any(|entry| normalize_name(entry.trim()) == name)
        }
        Host::Ipv4(v4) => ip_is_listed(allowed, IpAddr::V4(*v4)),
        Host::Ipv6(v6) => ip_is_listed(allowed, IpAddr::V6(*v6)),
    }
}

fn ip_is_listed(allowed: &[String], ip: IpAddr) -> bool {
    allowed.iter().any(|entry| {
        let entry = entry.trim();
        let entry = entry
            .strip_prefix('[')
            .and_then(|e| e.strip_suffix(']'))
            .unwrap_or(entry);
        entry.parse::<IpAddr>() == Ok(ip)
    })
}

/// The URL as shown in error messages and logs: without any password.
fn display_url(url: &Url) -> String {
    if url.password().is_some() {
        let mut shown = url.clone();
        // Cannot fail: the URL has a password, hence a host.
        let _ = shown.set_password(None);
        shown.to_string()
    } else {
        url.to_string()
    }
}

/// Checks a URL before any request (and before every redirect hop): the scheme must be https (http only
/// for allowed hosts; anything else is refused), the URL must have a host, and a host written as an IP
/// address must be public unless it is allowed. Names are checked later, on the addresses they resolve to,
/// by the client's resolver.
pub fn check_url(policy: &OutboundPolicy, url: &Url) -> Result<(), OutboundError> {
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(OutboundError::UnsupportedScheme {
            url: display_url(url),
            scheme: scheme.to_owned(),
        });
    }
    let Some(host) = url.host() else {
        return Err(OutboundError::BadUrl {
            url: display_url(url),
            reason: "it has no host",
        });
    };
    let allowed = host_is_allowed(&policy.allowed_hosts, &host);
    if scheme == "http" && !allowed {
        return Err(OutboundError::PlainHttp {
            url: display_url(url),
        });
    }
    let literal = match host {
        Host::Domain(_) => None,
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
    };
    if literal.is_some_and(|ip| !allowed && !is_public_address(ip)) {
        return Err(OutboundError::PrivateAddress {
            host: host.to_string(),
        });
    }
    Ok(())
}

/// The DNS resolver of the guarded client: static overrides first, then the system resolver; unless the
/// host is allowed, non-public addresses are dropped, and a name left without any address is refused.
#[derive(Debug)]
struct GuardResolver {
    allowed_hosts: Vec<String>,
    /// Keys normalized with [`normalize_name`].
    static_hosts: HashMap<String, IpAddr>,
}

impl GuardResolver {
    fn new(policy: &OutboundPolicy) -> Self {
        Self {
            allowed_hosts: policy.allowed_hosts.clone(),
            static_hosts: policy
                .static_hosts
                .iter()
                .map(|(name, ip)| (normalize_name(name.trim()), *ip))
                .collect(),
        }
    }

    async fn lookup(&self, host: String) -> Result<Vec<SocketAddr>, OutboundError> {
        let key = normalize_name(&host);
        let candidates: Vec<IpAddr> = match self.static_hosts.get(&key) {
            Some(ip) => vec![*ip],
            None => {
                // Collected right away: the iterator borrows `host`.
                let resolved: Result<Vec<IpAddr>, _> = tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map(|addrs| addrs.map(|a| a.ip()).collect());
                match resolved {
                    Ok(ips) => ips,
                    Err(source) => return Err(OutboundError::Dns { host, source }),
                }
            }
        };
        if candidates.is_empty() {
            return Err(OutboundError::Dns {
                host,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no address found"),
            });
        }
        let allowed = host_is_allowed(&self.allowed_hosts, &Host::Domain(key.as_str()));
        let usable: Vec<SocketAddr> = candidates
            .iter()
            .filter(|ip| {
                let ok = allowed || is_public_address(**ip);
                if !ok {
                    tracing::warn!(%host, address = %ip, "SSRF guard: dropping a non-public address");
                }
                ok
            })
            .map(|ip| SocketAddr::new(*ip, 0)) // port 0: reqwest puts the URL's port
            .collect();
        if usable.is_empty() {
            return Err(OutboundError::PrivateAddress { host });
        }
        Ok(usable)
    }
}

impl reqwest::dns::Resolve for GuardResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        // reqwest takes the resolver as `Arc<dyn Resolve>` and the future must be 'static, so the state
        // the future needs is cloned into it (it is small).
        let resolver = GuardResolver {
            allowed_hosts: self.allowed_hosts.clone(),
            static_hosts: self.static_hosts.clone(),
        };
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match resolver.lookup(host).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(err) => Err(Box::new(err) as Box<dyn StdError + Send + Sync>),
            }
        })
    }
}

/// Adds the certificates of one PEM file to `roots`.
fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), OutboundError> {
    let ca_file_error = |source| OutboundError::CaFile {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(ca_file_error)?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ca_file_error)?;
    if certs.is_empty() {
        return Err(OutboundError::InvalidCa {
            path: path.to_owned(),
            reason: "it holds no PEM certificate".to_owned(),
        });
    }
    for cert in certs {
        roots.add(cert).map_err(|e| OutboundError::InvalidCa {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    }
    Ok(())
}

/// The rustls configuration: ring provider (explicitly, no process-wide default needed), system roots
/// plus the extra CA files, ALPN h2 and http/1.1.
fn tls_config(policy: &OutboundPolicy) -> Result<rustls::ClientConfig, OutboundError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "some system CA certificates could not be loaded");
    }
    let (_, ignored) = roots.add_parsable_certificates(native.certs);
    if ignored > 0 {
        tracing::debug!(ignored, "ignored unparsable system CA certificates");
    }
    for path in &policy.extra_ca_files {
        add_ca_file(&mut roots, path)?;
    }
    if roots.is_empty() {
        tracing::warn!("no trusted CA certificate at all: every https request will fail");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(OutboundError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // reqwest does not set ALPN on a preconfigured rustls config.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Builds the guarded [`reqwest::Client`]: TLS with the system and extra roots, the SSRF-guarding
/// resolver, a redirect policy that re-applies [`check_url`] on every hop (at most [`MAX_REDIRECTS`]),
/// the policy's timeouts and user agent.
///
/// Proxies from the environment (`HTTPS_PROXY`…) are ignored: with a proxy, the proxy resolves the target
/// name and the guard could not see the addresses.
pub fn build_client(policy: &OutboundPolicy) -> Result<reqwest::Client, OutboundError> {
    let tls = tls_config(policy)?;
    let redirect_policy = {
        let policy = policy.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            // `previous()` starts with the original URL.
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(OutboundError::TooManyRedirects { max: MAX_REDIRECTS });
            }
            match check_url(&policy, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(err) => {
                    tracing::warn!(%err, "SSRF guard: refusing a redirect");
                    attempt.error(err)
                }
            }
        })
    };
    let timeout = if policy.timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        policy.timeout
    };
    let connect_timeout = if policy.connect_timeout.is_zero() {
        DEFAULT_CONNECT_TIMEOUT
    } else {
        policy.connect_timeout
    };
    let user_agent = if policy.user_agent.is_empty() {
        DEFAULT_USER_AGENT
    } else {
        policy.user_agent.as_str()
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(GuardResolver::new(policy))
        .redirect(redirect_policy)
        .referer(false)
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .user_agent(user_agent)
        .build()
        .map_err(OutboundError::Build)
}

/// The guarded client together with its policy. Every outgoing request of Parvis goes through it, so
/// that a remote actor can never make us fetch a private address (see the module documentation).
#[derive(Clone, Debug)]
pub struct GuardedClient {
    client: reqwest::Client,
    policy: OutboundPolicy,
}

impl GuardedClient {
    /// Builds the client (see [`build_client`]).
    pub fn new(policy: OutboundPolicy) -> Result<Self, OutboundError> {
        let client = build_client(&policy)?;
        Ok(Self { client, policy })
    }

    /// The underlying client, for building requests. Send them with [`GuardedClient::execute`] (or call
    /// [`check_url`] first): the resolver alone does not see hosts written as IP addresses.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The policy the client was built with.
    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// Checks `url` with [`check_url`], then GETs it with the given `Accept` header.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, url)?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await?;
        Ok(response)
    }

    /// Checks the request's URL with [`check_url`], then sends it (for POSTs and anything built with
    /// [`GuardedClient::client`]).
    pub async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, request.url())?;
        Ok(self.client.execute(request).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::mpsc;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn policy_with(allowed: &[&str], statics: &[(&str, &str)]) -> OutboundPolicy {
        OutboundPolicy {
            allowed_hosts: allowed.iter().map(|s| s.to_string()).collect(),
            static_hosts: statics
                .iter()
                .map(|(n, ip)| (n.to_string(), ip.parse().unwrap()))
                .collect(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            user_agent: "parvis-test/1".to_owned(),
            ..OutboundPolicy::default()
        }
    }

    #[test]
    fn public_address_table() {
        let cases: &[(&str, bool)] = &[
            // IPv4, not public
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("10.0.0.1", false),
            ("10.255.255.255", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("198.18.0.1", false),
            ("198.19.255.255", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            // IPv4, public (including neighbours of the ranges above)
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("9.255.255.255", true),
            ("11.0.0.0", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("126.255.255.255", true),
            ("128.0.0.0", true),
            ("169.253.255.255", true),
            ("172.15.255.255", true),
            ("172.32.0.0", true),
            ("192.0.1.1", true),
            ("192.0.3.1", true),
            ("192.167.255.255", true),
            ("192.169.0.0", true),
            ("198.17.255.255", true),
            ("198.20.0.0", true),
            ("203.0.114.1", true),
            ("223.255.255.255", true),
            // IPv6, not public
            ("::", false),
            ("::1", false),
            ("fc00::1", false),
            ("fd12:3456:789a::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("ff0e::1", false),
            ("2001:db8::1", false),
            ("2001:db8:ffff::1", false),
            ("3fff::1", false),
            ("100::1", false),
            ("2001::1", false),
            ("64:ff9b:1::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:169.254.169.254", false),
            ("::127.0.0.1", false),
            ("::ffff:0:127.0.0.1", false),
            ("64:ff9b::127.0.0.1", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("2002:7f00:1::", false),
            ("2002:c0a8:101::1", false),
            // IPv6, public
            ("::ffff:8.8.8.8", true),
            ("::8.8.8.8", true),
            ("64:ff9b::8.8.8.8", true),
            ("2002:808:808::1", true),
            ("2001:4860:4860::8888", true),
            ("2606:4700:4700::1111", true),
            ("2a00:1450:4001:81b::200e", true),
            ("2001:db9::1", true),
            ("fbff::1", true),
        ];
        for (text, expected) in cases {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(is_public_address(ip), *expected, "{text}");
        }
    }

    #[test]
    fn check_url_rules() {
        let none = policy_with(&[], &[]);
        let listed = policy_with(&["Alpha.Parvis.TEST", "127.0.0.1", "[::1]"], &[]);

        assert!(check_url(&none, &url("https://example.org/users/a")).is_ok());
        assert!(check_url(&none, &url("https://8.8.8.8/x")).is_ok());
        assert!(check_url(&none, &url("https://[2001:4860:4860::8888]/x")).is_ok());

        let err = check_url(&none, &url("http://example.org/")).unwrap_err();
        assert!(matches!(err, OutboundError::PlainHttp { .. }), "{err}");
        assert!(err.to_string().contains("only https is allowed"), "{err}");
        assert!(matches!(
            check_url(&none, &url("http://alpha.parvis.test/")),
            Err(OutboundError::PlainHttp { .. })
        ));

        // Allowed by name, case-insensitively, with or without a trailing dot.
        assert!(check_url(&listed, &url("http://alpha.parvis.test/inbox")).is_ok());
        assert!(check_url(&listed, &url("http://ALPHA.parvis.Test:8080/inbox")).is_ok());
        assert!(check_url(&listed, &url("http://alpha.parvis.test./inbox")).is_ok());
        assert!(matches!(
            check_url(&listed, &url("http://beta.parvis.test/")),
            Err(OutboundError::PlainHttp { .. })
        ));

        for bad in [
            "ftp://example.org/file",
            "file:///etc/passwd",
            "gopher://x/",
        ] {
            assert!(
                matches!(
                    check_url(&listed, &url(bad)),
                    Err(OutboundError::UnsupportedScheme { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            check_url(&none, &url("mailto:a@example.org")),
            Err(OutboundError::UnsupportedScheme { .. })
        ));

        for private in [
            "https://127.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.1.2.3:8443/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[fe80::1]/",
            "https://2130706433/", // 127.0.0.1 in decimal: the url crate normalizes it
            "https://0x7f.1/",
        ] {
            let err = check_url(&none, &url(private)).unwrap_err();
            assert!(
                matches!(err, OutboundError::PrivateAddress { .. }),
                "{private}: {err}"
            );
        }
        let err = check_url(&none, &url("https://127.0.0.1/")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "refusing to connect to 127.0.0.1: it resolves to a private, loopback or link-local address"
        );

        // IP literals listed in allowed_hosts are accepted, also over http.
        assert!(check_url(&listed, &url("http://127.0.0.1:8080/")).is_ok());
        assert!(check_url(&listed, &url("https://127.0.0.1/")).is_ok());
        assert!(check_url(&listed, &url("http://[::1]:8080/")).is_ok());
        assert!(matches!(
            check_url(&listed, &url("https://127.0.0.2/")),
            Err(OutboundError::PrivateAddress { .. })
        ));

        // Passwords do not end up in messages.
        let err = check_url(&none, &url("http://user:secret@example.org/")).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[tokio::test]
    async fn resolver_refuses_static_host_mapped_to_loopback() {
        let policy = policy_with(&[], &[("evil.test", "127.0.0.1")]);
        let client = GuardedClient::new(policy).unwrap();
        let target = url("https://evil.test/");
        // The URL itself looks fine…
        check_url(client.policy(), &target).unwrap();
        // …but the resolver refuses the address, before any connection.
        let err = client
            .get(&target, "application/activity+json")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OutboundError::PrivateAddress { host } if host == "evil.test"),
            "{err:?}"
        );
        // The same through the bare client and `?`/`From`.
        let raw = client.client().get(target).send().await.unwrap_err();
        assert!(
            matches!(
                OutboundError::from(raw),
                OutboundError::PrivateAddress { .. }
            ),
            "bare client"
        );
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 answering every request with `respond(port, head)`, and
    /// reporting each request head on the returned channel.
    async fn spawn_server(
        respond: fn(u16, &str) -> String,
    ) -> (u16, mpsc::UnboundedReceiver<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let response = respond(port, &head);
                    let _ = tx.send(head);
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        (port, rx)
    }

    fn hello(_port: u16, _head: &str) -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            .to_owned()
    }

    #[tokio::test]
    async fn plain_http_to_allowed_host_on_loopback_works() {
        let (port, mut heads) = spawn_server(hello).await;
        let policy = policy_with(
            &["alpha.parvis.test"],
            &[("alpha.parvis.test", "127.0.0.1")],
        );
        let client = GuardedClient::new(policy).unwrap();
        let target = url(&format!("http://alpha.parvis.test:{port}/hello"));
        let response = client
            .get(&target, "application/activity+json")
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "hello");
        let head = heads.recv().await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /hello http/1.1\r\n"), "{head}");
        assert!(
            head.contains("accept: application/activity+json\r\n"),
            "{head}"
        );
        assert!(head.contains("user-agent: parvis-test/1\r\n"), "{head}");
        assert!(
            head.contains(&format!("host: alpha.parvis.test:{port}\r\n")),
            "{head}"
        );
    }

    #[tokio::test]
    async fn redirect_to_a_private_address_is_refused() {
        // The classic attack is a redirect to https://169.254.169.254/ (cloud metadata); the target here is
        // 127.0.0.1 (not allowed as such) so that even a broken guard would only reach our own server.
        fn to_loopback(port: u16, _head: &str) -> String {
            format!(
                "HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:{port}/secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        let (port, mut heads) = spawn_server(to_loopback).await;
        let policy = policy_with(
            &["alpha.parvis.test"],
            &[("alpha.parvis.test", "127.0.0.1")],
        );
        let client = GuardedClient::new(policy).unwrap();
        let err = client
            .get(
                &url(&format!("http://alpha.parvis.test:{port}/start")),
                "*/*",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, OutboundError::PrivateAddress { host } if host == "127.0.0.1"),
            "{err:?}"
        );
        assert_eq!(heads.recv().await.map(|h| h.contains("/start")), Some(true));
        assert!(heads.try_recv().is_err(), "the redirect was followed");
    }

    #[tokio::test]
    async fn redirect_loops_stop_after_the_limit() {
        fn to_self(port: u16, _head: &str) -> String {
            format!(
                "HTTP/1.1 302 Found\r\nLocation: http://alpha.parvis.test:{port}/again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        let (port, mut heads) = spawn_server(to_self).await;
        let policy = policy_with(
            &["alpha.parvis.test"],
            &[("alpha.parvis.test", "127.0.0.1")],
        );
        let client = GuardedClient::new(policy).unwrap();
        let err = client
            .get(
                &url(&format!("http://alpha.parvis.test:{port}/first")),
                "*/*",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, OutboundError::TooManyRedirects { max: 5 }),
            "{err:?}"
        );
        let mut requests = 0;
        while heads.try_recv().is_ok() {
            requests += 1;
        }
        assert_eq!(requests, 1 + MAX_REDIRECTS);
    }

    #[tokio::test]
    async fn https_with_an_extra_ca_file() {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        use std::io::{Read, Write};

        // A CA and a certificate for alpha.parvis.test signed by it.
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["alpha.parvis.test".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, ca.pem()).unwrap();

        // A blocking rustls server on 127.0.0.1 serving one request.
        let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let conn = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = tls.read(&mut buf).unwrap();
                assert!(n > 0, "client closed early");
                head.extend_from_slice(&buf[..n]);
            }
            tls.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure",
            )
            .unwrap();
            tls.conn.send_close_notify();
            tls.flush().unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });

        let mut policy = policy_with(
            &["alpha.parvis.test"],
            &[("alpha.parvis.test", "127.0.0.1")],
        );
        policy.extra_ca_files = vec![ca_path];
        let client = GuardedClient::new(policy).unwrap();
        let response = client
            .get(&url(&format!("https://alpha.parvis.test:{port}/s")), "*/*")
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        assert_eq!(response.text().await.unwrap(), "secure");
        let head = tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap();
        assert!(head.starts_with("GET /s HTTP/1.1\r\n"), "{head}");
    }

    #[test]
    fn bad_ca_files_are_reported() {
        let mut policy = policy_with(&[], &[]);
        policy.extra_ca_files = vec![PathBuf::from("/nonexistent/parvis-ca.pem")];
        let err = build_client(&policy).unwrap_err();
        assert!(matches!(err, OutboundError::CaFile { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("cannot read CA file /nonexistent/parvis-ca.pem: "),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        policy.extra_ca_files = vec![empty];
        let err = build_client(&policy).unwrap_err();
        assert!(matches!(err, OutboundError::InvalidCa { .. }), "{err:?}");
    }

    #[test]
    fn default_policy_builds() {
        // Zero timeouts and an empty user agent fall back to defaults instead of failing every request.
        GuardedClient::new(OutboundPolicy::default()).unwrap();
    }
}
