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
    /// What a client may be told: the kind of failure, without the resolver's or the guard's words, addresses
    /// or names (those are logged).
    pub fn public_message(&self) -> &'static str {
        match self {
            Self::BadUrl { .. }
            | Self::UnsupportedScheme { .. }
            | Self::PlainHttp { .. }
            | Self::PrivateAddress { .. } => "the address is not allowed",
            Self::Dns { .. } | Self::Request(_) => "the remote server could not be reached",
            Self::TooManyRedirects { .. } => "the remote server redirects too many times",
            Self::CaFile { .. } | Self::InvalidCa { .. } | Self::Tls(_) | Self::Build(_) => {
                "the server cannot make outgoing requests"
            }
        }
    }

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
    build(policy, true)
}

/// The client behind [`build_client`]; `follow_redirects: false` hands every 3xx back to the caller, who
/// decides on each hop (ActivityPub fetches check the federation policy and the origin there).
fn build(
    policy: &OutboundPolicy,
    follow_redirects: bool,
) -> Result<reqwest::Client, OutboundError> {
    let tls = tls_config(policy)?;
    let redirect_policy = if !follow_redirects {
        reqwest::redirect::Policy::none()
    } else {
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
        // A fan-out contacts each server once: idle connections kept for long would hold one file per
        // server (thousands after a post by a popular account).
        .pool_idle_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4)
        .user_agent(user_agent)
        .build()
        .map_err(OutboundError::Build)
}

/// The guarded client together with its policy. Every outgoing request of Parvis goes through it, so
/// that a remote actor can never make us fetch a private address (see the module documentation).
#[derive(Clone, Debug)]
pub struct GuardedClient {
    client: reqwest::Client,
    /// The same client, following no redirect.
    single_hop: reqwest::Client,
    policy: OutboundPolicy,
}

impl GuardedClient {
    /// Builds the client (see [`build_client`]).
    pub fn new(policy: OutboundPolicy) -> Result<Self, OutboundError> {
        let client = build(&policy, true)?;
        let single_hop = build(&policy, false)?;
        Ok(Self {
            client,
            single_hop,
            policy,
        })
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

    /// Like [`GuardedClient::execute`], but a redirect is returned as it is, not followed: the caller checks
    /// the next hop itself (and calls this again for it).
    pub async fn execute_single_hop(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, request.url())?;
        Ok(self.single_hop.execute(request).await?)
    }
}

#[cfg(test)]
mod tests;
