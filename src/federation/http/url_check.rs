//! The check of a URL before any request and every redirect hop: its scheme, its host, an IP literal's
//! address, and the operator's allowed hosts.

use std::net::IpAddr;

use url::{Host, Url};

use super::{OutboundError, OutboundPolicy, is_public_address};

/// Lower-cases a host name and drops a trailing dot, so `Alpha.Example.` and `alpha.example` compare equal.
pub(super) fn normalize_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether `host` is in `allowed` (names case-insensitively, IP literals by value).
pub(super) fn host_is_allowed(allowed: &[String], host: &Host<&str>) -> bool {
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
