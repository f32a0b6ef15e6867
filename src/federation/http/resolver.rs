//! The DNS resolver of the guarded client: static overrides, then the system resolver, keeping only the
//! public addresses of hosts that are not allowed.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};

use url::Host;

use super::url_check::{host_is_allowed, normalize_name};
use super::{OutboundError, OutboundPolicy, is_public_address};

/// The DNS resolver of the guarded client: static overrides first, then the system resolver; unless the
/// host is allowed, non-public addresses are dropped, and a name left without any address is refused.
#[derive(Debug)]
pub(super) struct GuardResolver {
    allowed_hosts: Vec<String>,
    /// Keys normalized with [`normalize_name`].
    static_hosts: HashMap<String, IpAddr>,
}

impl GuardResolver {
    pub(super) fn new(policy: &OutboundPolicy) -> Self {
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
