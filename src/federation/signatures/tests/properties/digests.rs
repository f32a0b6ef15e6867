//! Body digests never panic, and accept exactly the body they were computed over.

use super::parsers::{base64_text, latin1};
use super::*;

// ---------------------------------------------------------------------------------------------------
// Body digests.

fn sha(algorithm: &'static ring::digest::Algorithm, body: &[u8]) -> String {
    b64(ring::digest::digest(algorithm, body).as_ref())
}

/// A `Digest` entry (`name=base64`) or a `Content-Digest` member (`name=:base64:`) for `body`.
fn digest_entry(body: Vec<u8>, content_digest: bool) -> impl Strategy<Value = String> {
    let names = if content_digest {
        vec![
            "sha-256",
            "sha-512",
            "SHA-256",
            "md5",
            "id-sha-256",
            "unixsum",
        ]
    } else {
        vec![
            "SHA-256", "sha-256", "Sha-512", "SHA-512", "MD5", "UNIXsum", "",
        ]
    };
    let value = prop_oneof![
        Just(sha(&ring::digest::SHA256, &body)),
        Just(sha(&ring::digest::SHA512, &body)),
        base64_text(),
        "[ -~]{0,12}",
    ];
    (select(names), value, 0u8..8).prop_map(move |(name, value, kind)| {
        match (content_digest, kind) {
            (_, 0) => value,
            (true, 1) => format!("{name}={value}"),
            (true, _) => format!("{name}=:{value}:"),
            (false, _) => format!("{name}={value}"),
        }
    })
}

fn digest_header_value(content_digest: bool) -> impl Strategy<Value = (String, Vec<u8>)> {
    vec(any::<u8>(), 0..64).prop_flat_map(move |body| {
        let header = prop_oneof![
            6 => (
                vec(digest_entry(body.clone(), content_digest), 1..4),
                select(vec![",", ", ", " ,", ",,"]),
            )
                .prop_map(|(entries, separator)| entries.join(separator)),
            1 => any::<String>(),
            1 => latin1(100),
        ];
        (header, Just(body))
    })
}

fn digests_never_panic(
    ((digest_value, digest_body), (content_value, content_body)): (
        (String, Vec<u8>),
        (String, Vec<u8>),
    ),
) -> TestCaseResult {
    let _ = digest::check_digest(&digest_value, &digest_body);
    let _ = digest::check_content_digest(&content_value, &content_body);
    Ok(())
}

property!(
    /// `Digest` and `Content-Digest` checks return on any header value.
    digest_checks_never_panic_on_any_header,
    fuzz_digest_checks_never_panic_on_any_header,
    (digest_header_value(false), digest_header_value(true)),
    digests_never_panic,
);

/// A body, and another one: the same, one byte changed, added or removed, or any other.
fn two_bodies() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    vec(any::<u8>(), 0..256).prop_flat_map(|body| {
        let len = body.len();
        let other = prop_oneof![
            2 => Just(body.clone()),
            2 => (any::<Index>(), 1u8..=255).prop_map({
                let body = body.clone();
                move |(index, xor)| {
                    let mut body = body.clone();
                    if len == 0 {
                        body.push(xor);
                    } else {
                        body[index.index(len)] ^= xor;
                    }
                    body
                }
            }),
            1 => (any::<Index>(), any::<u8>()).prop_map({
                let body = body.clone();
                move |(index, byte)| {
                    let mut body = body.clone();
                    body.insert(index.index(len + 1), byte);
                    body
                }
            }),
            1 => any::<Index>().prop_map({
                let body = body.clone();
                move |index| {
                    let mut body = body.clone();
                    if len > 0 {
                        body.remove(index.index(len));
                    }
                    body
                }
            }),
            1 => vec(any::<u8>(), 0..256),
        ];
        (Just(body), other)
    })
}

fn digests_accept_exactly_their_body((signed, received): (Vec<u8>, Vec<u8>)) -> TestCaseResult {
    let sha256 = sha(&ring::digest::SHA256, &signed);
    let sha512 = sha(&ring::digest::SHA512, &signed);
    let headers = [
        (false, digest::digest_header(&signed)),
        (false, format!("sha-256={sha256}")),
        (false, format!("SHA-512={sha512}")),
        (
            false,
            format!("MD5=AAAA, SHA-256={sha256},sha-512={sha512}"),
        ),
        (true, digest::content_digest_header(&signed)),
        (true, format!("sha-512=:{sha512}:")),
        (
            true,
            format!("md5=:AAAA:, sha-256=:{sha256}:, sha-512=:{sha512}:"),
        ),
    ];
    for (content_digest, header) in headers {
        let checked = if content_digest {
            digest::check_content_digest(&header, &received)
        } else {
            digest::check_digest(&header, &received)
        };
        if signed == received {
            prop_assert!(checked.is_ok(), "{header} refused its body: {checked:?}");
        } else {
            prop_assert!(
                matches!(checked, Err(SignatureError::DigestMismatch)),
                "{header} accepted another body: {checked:?}"
            );
        }
    }
    Ok(())
}

property!(
    /// `Digest` and `Content-Digest` (SHA-256, SHA-512, any case, with other algorithms beside) accept
    /// exactly the body they were computed over.
    digests_accept_exactly_the_body_they_were_computed_over,
    fuzz_digests_accept_exactly_the_body_they_were_computed_over,
    two_bodies(),
    digests_accept_exactly_their_body,
);
