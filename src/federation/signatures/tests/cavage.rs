use std::collections::BTreeMap;

use super::*;
use crate::federation::signatures::{Scheme, cavage};

#[test]
fn round_trip_post() {
    let req = signed_post(crate::federation::signatures::sign_cavage, now());
    let info = req.check(&alice_pub(), now()).unwrap();
    assert_eq!(info.scheme, Scheme::Cavage);
    assert_eq!(info.key_id.as_str(), KEY_ID);
    assert_eq!(
        info.covered(),
        ["(request-target)", "host", "date", "digest", "content-type"]
    );
}

#[test]
fn round_trip_get() {
    let url = "https://remote.example/users/bob/outbox?page=true";
    let req = signed_get(crate::federation::signatures::sign_cavage, url, now());
    let info = req.check(&alice_pub(), now()).unwrap();
    assert_eq!(info.covered(), ["(request-target)", "host", "date"]);
    assert!(req.headers.get("digest").is_none());
}

#[test]
fn signs_exactly_like_mastodon() {
    let req = signed_post(crate::federation::signatures::sign_cavage, now());
    let header = |name: &str| req.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("host"), "parvis.example");
    assert_eq!(header("date"), "Sat, 14 Mar 2026 15:09:26 GMT");
    assert_eq!(header("digest"), format!("SHA-256={}", sha256_b64(BODY)));
    let hand = HandCavage::default();
    let expected = format!(
        r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="{}""#,
        // RSASSA-PKCS1-v1_5 is deterministic: the `rsa` crate over a hand-made string gives the same bytes.
        b64(&rsa_crate_sign(
            ALICE_KEY,
            hand.signing_string(&req).as_bytes()
        ))
    );
    assert_eq!(header("signature"), expected);
}

#[test]
fn host_carries_a_non_default_port() {
    let url = "http://parvis.test:8080/users/alice";
    let req = signed_get(crate::federation::signatures::sign_cavage, url, now());
    assert_eq!(req.headers["host"], "parvis.test:8080");
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn accepts_mastodon_style_signatures() {
    let mut req = mastodon_post(now());
    HandCavage::default().sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn accepts_a_lowercase_digest_algorithm() {
    let mut req = mastodon_post(now());
    req.set("digest", &format!("sha-256={}", sha256_b64(BODY)));
    HandCavage::default().sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn accepts_a_sha512_digest_next_to_an_unknown_one() {
    let sha512 = b64(ring::digest::digest(&ring::digest::SHA512, BODY).as_ref());
    let mut req = mastodon_post(now());
    req.set("digest", &format!("unixsum=30637, SHA-512={sha512}"));
    HandCavage::default().sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn accepts_hs2019_and_a_missing_algorithm_with_an_rsa_key() {
    for algorithm in [Some("hs2019"), None] {
        let mut req = mastodon_post(now());
        HandCavage {
            algorithm,
            ..HandCavage::default()
        }
        .sign(&mut req);
        req.check(&alice_pub(), now()).unwrap();
    }
}

#[test]
fn accepts_created_and_expires_instead_of_date() {
    let created = now().timestamp() - 30;
    let mut req = mastodon_post(now());
    req.headers.remove("date");
    HandCavage {
        covered: &[
            "(request-target)",
            "(created)",
            "(expires)",
            "host",
            "digest",
        ],
        algorithm: Some("hs2019"),
        created: Some(created),
        expires: Some(created + 300),
        ..HandCavage::default()
    }
    .sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn accepts_authorization_signature() {
    let mut req = mastodon_post(now());
    HandCavage::default().sign(&mut req);
    let signature = req.headers.remove("signature").unwrap();
    req.set(
        "authorization",
        &format!("Signature {}", signature.to_str().unwrap()),
    );
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn tolerates_spaces_and_case_in_parameters() {
    let mut req = mastodon_post(now());
    HandCavage::default().sign(&mut req);
    let header = req.headers["signature"].to_str().unwrap().to_owned();
    let loose = header
        .replace("keyId=", "KeyId = ")
        .replace("\",", "\" ,  ");
    assert_ne!(loose, header);
    req.set("signature", &loose);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn joins_repeated_headers_with_comma_space() {
    let mut req = mastodon_post(now())
        .header("accept", "application/activity+json")
        .header("accept", "application/ld+json");
    let hand = HandCavage {
        covered: &["(request-target)", "host", "date", "digest", "accept"],
        ..HandCavage::default()
    };
    assert!(
        hand.signing_string(&req)
            .ends_with("\naccept: application/activity+json, application/ld+json")
    );
    hand.sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn falls_back_to_a_request_target_without_the_query() {
    // Fedify and older Mastodon sign `(request-target)` without the query string.
    let url = "https://parvis.example/communes/lyon/outbox?page=2";
    let mut req = Req::new(Method::GET, url)
        .header("host", "parvis.example")
        .header("date", &httpdate::fmt_http_date(now().into()));
    let without_query = HandCavage {
        covered: &["(request-target)", "host", "date"],
        with_query: false,
        ..HandCavage::default()
    };
    assert!(
        without_query
            .signing_string(&req)
            .starts_with("(request-target): get /communes/lyon/outbox\n")
    );
    without_query.sign(&mut req);
    req.check(&alice_pub(), now()).unwrap();

    // ...but a signature over another query is still refused.
    let mut other = req.clone();
    other.target = Url::parse("https://parvis.example/communes/lyon/outbox?page=3").unwrap();
    HandCavage {
        covered: &["(request-target)", "host", "date"],
        ..HandCavage::default()
    }
    .sign(&mut other);
    other.target = Url::parse(url).unwrap();
    let err = other.check(&alice_pub(), now()).unwrap_err();
    assert!(matches!(err, SignatureError::BadSignature), "{err:?}");
}

/// Signs with `http-signature-normalization` (the crate under activitypub_federation) and the `rsa`
/// crate, as a Lemmy instance in compatibility mode does.
#[test]
fn accepts_http_signature_normalization_in_mastodon_mode() {
    let req = mastodon_post(now());
    let headers: BTreeMap<String, String> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signature = http_signature_normalization::Config::new()
        .mastodon_compat()
        .require_digest()
        .begin_sign("POST", req.target.path(), headers)
        .unwrap()
        .sign(KEY_ID.to_owned(), |string| {
            Ok::<_, std::convert::Infallible>(b64(&rsa_crate_sign(ALICE_KEY, string.as_bytes())))
        })
        .unwrap()
        .signature_header();
    assert!(signature.contains(r#"algorithm="hs2019""#), "{signature}");
    let mut req = req;
    req.set("signature", &signature);
    req.check(&alice_pub(), now()).unwrap();
}

/// activitypub_federation's default signer (Lemmy's): `hs2019`, `(created)` and `(expires)`, over every
/// header of the request, which it builds with `Content-Type`, `Host` and `Date` before signing
/// (`generate_request_headers` in its `activity_sending.rs`). The crate reads the wall clock, so this test
/// checks at the current time.
#[test]
fn accepts_activitypub_federation_default_signatures() {
    let mut req = mastodon_post(Utc::now());
    let headers: BTreeMap<String, String> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signature = http_signature_normalization::Config::new()
        .set_expiration(std::time::Duration::from_secs(300))
        .begin_sign("POST", req.target.path(), headers)
        .unwrap()
        .sign(KEY_ID.to_owned(), |string| {
            Ok::<_, std::convert::Infallible>(b64(&rsa_crate_sign(ALICE_KEY, string.as_bytes())))
        })
        .unwrap()
        .signature_header();
    assert!(signature.contains("(created) (expires)"), "{signature}");
    req.set("signature", &signature);
    let info = req.check(&alice_pub(), Utc::now()).unwrap();
    assert!(
        info.covered().iter().any(|h| h == "host"),
        "{:?}",
        info.covered()
    );
}

/// The other way round: `http-signature-normalization`'s verifier accepts what we send.
#[test]
fn http_signature_normalization_accepts_our_signatures() {
    let req = signed_post(crate::federation::signatures::sign_cavage, Utc::now());
    let headers: BTreeMap<String, String> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let public = super::ring_public_der(ALICE_PUB);
    let verified = http_signature_normalization::Config::new()
        .mastodon_compat()
        .require_digest()
        .set_expiration(std::time::Duration::from_secs(300))
        .begin_verify("POST", req.target.path(), headers)
        .unwrap()
        .verify(|signature, string| {
            let signature = base64::engine::general_purpose::STANDARD
                .decode(signature)
                .unwrap();
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                &public,
            )
            .verify(string.as_bytes(), &signature)
            .is_ok()
        });
    assert!(verified);
}

/// draft-cavage-http-signatures-12 Appendix C: the `test-request`, its signing strings, and the
/// signatures published with the 1024-bit `Test` key (too weak for [`VerifyingKey`], so `ring`'s
/// legacy algorithm checks them directly).
fn cavage_appendix_c(headers: &str, signature: &str, expected_string: &str) {
    let req = Req::new(Method::POST, "https://example.com/foo?param=value&pet=dog")
        .header("host", "example.com")
        .header("date", "Sun, 05 Jan 2014 21:31:40 GMT")
        .header("content-type", "application/json")
        .header(
            "digest",
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
        )
        .header("content-length", "18")
        .body(br#"{"hello": "world"}"#);
    let header = format!(
        r#"keyId="Test",algorithm="rsa-sha256",headers="{headers}",signature="{signature}""#
    );
    let params = cavage::parse(&header).unwrap();
    let string = cavage::signing_string(&req.parts(), &params, true).unwrap();
    assert_eq!(string, expected_string);
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap();
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        super::ring_public_der(CAVAGE_TEST_PUB),
    )
    .verify(string.as_bytes(), &signature)
    .unwrap();
    crate::federation::signatures::digest::check_digest(
        req.headers["digest"].to_str().unwrap(),
        &req.body,
    )
    .unwrap();
}

#[test]
fn reproduces_draft_cavage_appendix_c2() {
    cavage_appendix_c(
        "(request-target) host date",
        "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=",
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT",
    );
}

#[test]
fn reproduces_draft_cavage_appendix_c3() {
    cavage_appendix_c(
        "(request-target) host date content-type digest content-length",
        "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=",
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT\ncontent-type: application/json\ndigest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-length: 18",
    );
}

#[test]
fn cavage_signing_refuses_an_ed25519_key() {
    let key = SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap();
    let mut headers = HeaderMap::new();
    let err = crate::federation::signatures::sign_cavage(
        &Method::GET,
        &inbox(),
        &mut headers,
        None,
        KEY_ID,
        &key,
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, SignatureError::UnsupportedAlgorithm(_)),
        "{err:?}"
    );
}
