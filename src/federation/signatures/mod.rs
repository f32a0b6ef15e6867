//! HTTP signatures: the proof, on every server-to-server request, of which actor sent it.
//!
//! Two schemes are in use in the fediverse and both are spoken here:
//!
//! - **draft-cavage** (`Signature: keyId="…",algorithm="…",headers="…",signature="…"`), which every
//!   ActivityPub server verifies (Mastodon, GoToSocial, Pleroma, Misskey, Lemmy, Fedify 1.x);
//! - **RFC 9421** HTTP Message Signatures (`Signature-Input` + `Signature`), which Mastodon ≥ 4.5 and
//!   Fedify 2.x accept. Fedify tries RFC 9421 first and falls back to draft-cavage after a 401
//!   ("double-knocking"), so every refusal here is meant to be answered with 401.
//!
//! The inbox calls [`inspect`] (to learn the key id, then fetch or cache the key), then [`verify`].
//! The delivery queue and the fetcher call [`sign_cavage`] or [`sign_rfc9421`]. All cryptography goes
//! through `ring`: verifying is the hot path of the inbox, and the pure-Rust `rsa` crate is ~15× slower.
//!
//! `http-signature-normalization` is not used to build draft-cavage signing strings here, although the
//! stack carries it: its verifier reads the wall clock itself (no injectable `now`), hides the covered
//! header list and the `created`/`expires` values (so the coverage policy cannot be enforced), splits
//! the header on every comma (a `, ` separator or a comma in `keyId` silently changes what is checked),
//! and its signer always writes `algorithm="hs2019"` with headers in alphabetical order instead of
//! Mastodon's. It serves in the tests instead, as an independent implementation to check against.

mod cavage;
mod digest;
mod keys;
mod rfc9421;
#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderMap, Method};
use url::Url;

pub use keys::{KeyKind, SigningKey, VerifyingKey};

/// How far in the past a signature may have been made (`Date` header or `created` parameter): 12 hours,
/// as Mastodon accepts, so that a delivery delayed in a peer's queue still verifies.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(12);

/// How far in the future a signature may claim to have been made: tolerated clock skew between servers.
pub const MAX_SKEW: TimeDelta = TimeDelta::hours(1);

/// The parts of an HTTP request a signature covers.
///
/// `target` is the full URL as the receiver sees it (`scheme://authority/path?query`): behind a reverse
/// proxy, rebuild it from the public base URL, since RFC 9421's `@target-uri` and `@authority` cover it.
/// `body` is the raw body, checked against `Digest` / `Content-Digest`.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The full target URL, as the receiver sees it.
    pub target: &'a Url,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The raw request body (empty for a GET).
    pub body: &'a [u8],
}

/// Why a request's signature is refused.
///
/// The inbox answers every one of these with 401: Fedify re-sends with draft-cavage after a 401 to its
/// RFC 9421 attempt, and Mastodon treats 401 as "fetch the key again and retry". The messages name
/// headers, algorithms and times only, so they are safe to send back to the client.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The request carries no `Signature`, `Signature-Input` nor `Authorization: Signature` header.
    #[error("the request is not signed")]
    Missing,
    /// `Authorization` uses another scheme (`Bearer`, `Basic`…) and there is no signature.
    #[error("unsupported authorization scheme `{0}`: sign the request with HTTP signatures")]
    UnknownScheme(String),
    /// A signature header, a covered header or a digest cannot be parsed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature does not cover a component the policy requires (e.g. `digest` on a POST).
    #[error("the signature does not cover `{0}`")]
    NotCovered(String),
    /// The signature covers a component the request does not have.
    #[error("the signature covers `{0}`, which the request lacks")]
    MissingComponent(String),
    /// The signature is older than [`MAX_AGE`], or its `expires` time has passed.
    #[error("the signature expired at {expired_at} (it is now {now})")]
    Expired {
        /// When the signature stopped being acceptable.
        expired_at: DateTime<Utc>,
        /// The time of the check.
        now: DateTime<Utc>,
    },
    /// The signature claims a time more than [`MAX_SKEW`] ahead.
    #[error("the signature is dated {signed_at}, too far after now ({now})")]
    InFuture {
        /// The `Date` header or `created` parameter.
        signed_at: DateTime<Utc>,
        /// The time of the check.
        now: DateTime<Utc>,
    },
    /// The body does not hash to its `Digest` / `Content-Digest`.
    #[error("the body does not match its digest")]
    DigestMismatch,
    /// A request with a body has no `Digest` (draft-cavage) or `Content-Digest` (RFC 9421) header.
    #[error("a request with a body must carry a signed {0} header")]
    DigestMissing(&'static str),
    /// A signature or digest algorithm this server does not check.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The signature does not verify with the key.
    #[error("the signature does not verify with the signer's key")]
    BadSignature,
    /// The declared algorithm needs another kind of key than the one the key id names.
    #[error("algorithm `{algorithm}` cannot be checked with an {key} key")]
    KeyMismatch {
        /// The declared algorithm.
        algorithm: String,
        /// The kind of key at hand.
        key: KeyKind,
    },
    /// A key cannot be parsed or used.
    #[error("unusable key: {0}")]
    BadKey(String),
}

type Result<T, E = SignatureError> = std::result::Result<T, E>;

/// Which scheme signed a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// draft-cavage-http-signatures (`Signature` or `Authorization: Signature`).
    Cavage,
    /// RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`).
    Rfc9421,
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cavage => "draft-cavage",
            Self::Rfc9421 => "RFC 9421",
        })
    }
}

/// A parsed, not yet verified, signature: read before verifying, so the caller can fetch or cache the
/// key named by `key_id`.
#[derive(Clone, Debug)]
pub struct SignatureInfo {
    /// The scheme that signed the request.
    pub scheme: Scheme,
    /// `keyId` (draft-cavage) or `keyid` (RFC 9421): usually the actor URL plus `#main-key`.
    pub key_id: Url,
    parsed: Parsed,
}

#[derive(Clone, Debug)]
enum Parsed {
    Cavage(cavage::Params),
    Rfc9421(rfc9421::Params),
}

impl SignatureInfo {
    /// The covered components, in signing order (header names, `(request-target)`, `@method`…), for logs.
    pub fn covered(&self) -> &[String] {
        match &self.parsed {
            Parsed::Cavage(p) => &p.headers,
            Parsed::Rfc9421(p) => &p.components,
        }
    }
}

/// Reads the signature of a request without checking it. RFC 9421 wins when both schemes are present,
/// since a sender that bothers with it is the more recent implementation.
pub fn inspect(parts: &RequestParts) -> Result<SignatureInfo> {
    let headers = parts.headers;
    if headers.contains_key("signature-input") {
        let params = rfc9421::parse(headers)?;
        return Ok(SignatureInfo {
            scheme: Scheme::Rfc9421,
            key_id: parse_key_id(&params.key_id)?,
            parsed: Parsed::Rfc9421(params),
        });
    }
    let header = cavage::find_header(headers)?;
    let params = cavage::parse(header)?;
    Ok(SignatureInfo {
        scheme: Scheme::Cavage,
        key_id: parse_key_id(&params.key_id)?,
        parsed: Parsed::Cavage(params),
    })
}

/// Verifies a signature read by [`inspect`] from the same `parts`, with the key its `key_id` names.
///
/// Checks, cheapest first: the coverage policy, the time window ([`MAX_AGE`], [`MAX_SKEW`], an elapsed
/// `expires`), the body digest, then the signature itself.
///
/// - draft-cavage must cover `(request-target)`, `date` or `(created)`, `host` (on every method: a POST
///   that does not sign it could be replayed to another server), and `digest` whenever
///   there is a body (any POST). `Digest` algorithm names are compared case-insensitively (`SHA-256=`
///   and `sha-256=` both occur). `rsa-sha256` and `hs2019` are accepted (and `ed25519` with an
///   Ed25519 key); `hs2019` or no `algorithm` means RSASSA-PKCS1-v1_5 SHA-256 with an RSA key, as
///   every fediverse signer means it, and Ed25519 with an Ed25519 key. A signature that fails over
///   `path?query` is tried again over the bare path, since Fedify and older Mastodon sign
///   `(request-target)` without the query (Mastodon's verifier retries the same way).
/// - RFC 9421 must carry `created` and cover `@method`, `@target-uri` (or `@authority` and `@path`),
///   and `content-digest` whenever there is a body. `alg` may be `rsa-v1_5-sha256` or `ed25519`, or
///   absent (then the key decides). `Content-Digest` may use `sha-256` or `sha-512`.
pub fn verify(
    parts: &RequestParts,
    info: &SignatureInfo,
    key: &VerifyingKey,
    now: DateTime<Utc>,
) -> Result<()> {
    match &info.parsed {
        Parsed::Cavage(params) => cavage::verify(parts, params, key, now),
        Parsed::Rfc9421(params) => rfc9421::verify(parts, params, key, now),
    }
}

/// Signs a request like Mastodon does: draft-cavage, `algorithm="rsa-sha256"`, headers
/// `(request-target) host date digest content-type` in that order, `digest` and `content-type` only
/// when there is a body (always for a POST; `content-type` only if already set). Sets `Host`,
/// `Date` (IMF-fixdate), `Digest` (`SHA-256=<base64>`) and `Signature` on `headers`.
///
/// Needs an RSA key: Mastodon and most servers check draft-cavage signatures with RSA keys only.
pub fn sign_cavage(
    method: &Method,
    target: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<()> {
    cavage::sign(method, target, headers, body, key_id, key, now)
}

/// Signs a request with RFC 9421: label `sig1`, components `"@method" "@target-uri" "@authority"`
/// plus `"content-digest"` when there is a body (always for a POST), parameters `created`, `keyid` and
/// `alg` (`rsa-v1_5-sha256`, or `ed25519` for an Ed25519 key). Sets `Content-Digest` (`sha-256`),
/// `Signature-Input`, `Signature`, and `Date` (harmless, and some servers log or require it).
///
/// Same signature as [`sign_cavage`], so a caller can pick either one (double-knocking).
pub fn sign_rfc9421(
    method: &Method,
    target: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<()> {
    rfc9421::sign(method, target, headers, body, key_id, key, now)
}

/// The signature algorithms this server checks and produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`rsa-sha256`, fediverse `hs2019`, `rsa-v1_5-sha256`).
    RsaSha256,
    /// Ed25519 (`ed25519`, `hs2019` with an Ed25519 key).
    Ed25519,
}

impl Algorithm {
    /// The algorithm's RFC 9421 name, for messages.
    fn name(self) -> &'static str {
        match self {
            Self::RsaSha256 => "rsa-v1_5-sha256",
            Self::Ed25519 => "ed25519",
        }
    }

    /// The algorithm a key implies when the signature names none, or names `hs2019`.
    fn for_key(key: &VerifyingKey) -> Self {
        match key.kind() {
            KeyKind::Rsa => Self::RsaSha256,
            KeyKind::Ed25519 => Self::Ed25519,
        }
    }

    /// Checks that `key` can verify this algorithm, which the signature declared as `declared`.
    fn check_key(self, declared: &str, key: &VerifyingKey) -> Result<Self> {
        if Self::for_key(key) == self {
            Ok(self)
        } else {
            Err(SignatureError::KeyMismatch {
                algorithm: declared.to_owned(),
                key: key.kind(),
            })
        }
    }
}

fn parse_key_id(key_id: &str) -> Result<Url> {
    Url::parse(key_id).map_err(|_| SignatureError::Malformed("the key id is not a URL".into()))
}

/// Whether the request must carry a signed body digest: every POST (ActivityPub deliveries), and any
/// other request with a body.
fn needs_digest(parts: &RequestParts) -> bool {
    parts.method == Method::POST || !parts.body.is_empty()
}

/// `host[:port]` of a URL, lowercase, without the scheme's default port: RFC 9421 `@authority`, and the
/// `Host` header we send.
fn authority(target: &Url) -> String {
    let host = target.host_str().unwrap_or_default();
    match target.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// `path?query` of a URL: draft-cavage `(request-target)` (after the method) and RFC 9421
/// `@request-target`.
fn path_and_query(target: &Url) -> &str {
    &target[url::Position::BeforePath..url::Position::AfterQuery]
}

/// The value of a covered header: every field line trimmed, joined with `", "` (draft-cavage §2.3 and
/// RFC 9421 §2.1). `host` falls back to the target's authority, since HTTP/2 carries it in `:authority`
/// and hyper then shows no `Host` header. `None` when the request lacks the header.
fn header_value(parts: &RequestParts, name: &str) -> Result<Option<String>> {
    let mut joined: Option<String> = None;
    for value in parts.headers.get_all(name) {
        let value = value.to_str().map_err(|_| {
            SignatureError::Malformed(format!("the `{name}` header is not visible ASCII"))
        })?;
        let value = value.trim_matches([' ', '\t']);
        match &mut joined {
            Some(all) => {
                all.push_str(", ");
                all.push_str(value);
            }
            None => joined = Some(value.to_owned()),
        }
    }
    if joined.is_none() && name == "host" {
        joined = Some(authority(parts.target));
    }
    Ok(joined)
}

/// Checks a signing time (`Date` or `created`) against the window around `now`.
fn check_signed_at(signed_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if signed_at > now + MAX_SKEW {
        return Err(SignatureError::InFuture { signed_at, now });
    }
    let expired_at = signed_at + MAX_AGE;
    if expired_at < now {
        return Err(SignatureError::Expired { expired_at, now });
    }
    Ok(())
}

/// Checks an `expires` parameter: a signature is refused once it has passed.
fn check_expires(expires: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if expires < now {
        return Err(SignatureError::Expired {
            expired_at: expires,
            now,
        });
    }
    Ok(())
}

/// A Unix time parameter (`created`, `expires`) as a date.
fn unix_time(seconds: i64, name: &str) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| SignatureError::Malformed(format!("`{name}` is out of range")))
}

/// A header value we are about to send.
fn header(value: &str, what: &str) -> Result<http::HeaderValue> {
    http::HeaderValue::from_str(value)
        .map_err(|_| SignatureError::Malformed(format!("{what} cannot go in a header")))
}
