//! Why an outgoing request was refused or failed, what a client may be told of it, and how a refusal buried
//! inside a reqwest error is brought back out.

use std::error::Error as StdError;
use std::path::PathBuf;

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
    /// A redirect chain longer than [`MAX_REDIRECTS`](super::MAX_REDIRECTS).
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
