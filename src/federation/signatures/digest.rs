//! Body digests: `Digest` (RFC 3230, what draft-cavage signers cover) and `Content-Digest`
//! (RFC 9530, what RFC 9421 signers cover).

use base64::Engine as _;
use ring::digest::{SHA256, SHA512, digest};
use sfv::{Dictionary, ListEntry, Parser};

use super::{Result, SignatureError};

/// The `Digest` header value we send: `SHA-256=<base64>`, spelled as Mastodon spells it.
pub(super) fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", b64(digest(&SHA256, body).as_ref()))
}

/// The `Content-Digest` header value we send: `sha-256=:<base64>:` (an RFC 8941 dictionary).
pub(super) fn content_digest_header(body: &[u8]) -> String {
    format!("sha-256=:{}:", b64(digest(&SHA256, body).as_ref()))
}

/// Checks a `Digest` header against the body. Algorithm names are compared case-insensitively
/// (`SHA-256=` from Mastodon, `sha-256=` from bovine and others); every SHA-256 / SHA-512 entry must
/// match, other algorithms are skipped, and at least one entry must be checkable.
pub(super) fn check_digest(value: &str, body: &[u8]) -> Result<()> {
    let mut checked = false;
    let mut seen = Vec::new();
    for entry in value.split(',') {
        let (name, encoded) = entry
            .split_once('=')
            .ok_or_else(|| SignatureError::Malformed("a Digest entry lacks `=`".into()))?;
        let name = name.trim();
        let algorithm = match name.to_ascii_lowercase().as_str() {
            "sha-256" => &SHA256,
            "sha-512" => &SHA512,
            _ => {
                seen.push(name.to_owned());
                continue;
            }
        };
        let claimed = decode_b64(encoded.trim())
            .ok_or_else(|| SignatureError::Malformed(format!("the {name} digest is not base64")))?;
        if claimed != digest(algorithm, body).as_ref() {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::UnsupportedAlgorithm(format!(
            "Digest {} (use SHA-256)",
            seen.join(", ")
        )))
    }
}

/// Checks a `Content-Digest` header (RFC 9530) against the body: every `sha-256` / `sha-512` member
/// must match, other algorithms are skipped, and at least one member must be checkable.
pub(super) fn check_content_digest(value: &str, body: &[u8]) -> Result<()> {
    let members: Dictionary = Parser::new(value).parse().map_err(|_| {
        SignatureError::Malformed("Content-Digest is not a structured dictionary".into())
    })?;
    let mut checked = false;
    let mut seen = Vec::new();
    for (name, member) in &members {
        let algorithm = match name.as_str() {
            "sha-256" => &SHA256,
            "sha-512" => &SHA512,
            other => {
                seen.push(other.to_owned());
                continue;
            }
        };
        let claimed = match member {
            ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
            ListEntry::InnerList(_) => None,
        }
        .ok_or_else(|| {
            SignatureError::Malformed(format!(
                "the Content-Digest {name} value is not a byte sequence"
            ))
        })?;
        if claimed != digest(algorithm, body).as_ref() {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::UnsupportedAlgorithm(format!(
            "Content-Digest {} (use sha-256)",
            seen.join(", ")
        )))
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64, with or without padding.
pub(super) fn decode_b64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}
