//! Every way a request is refused, for both schemes where the rule applies to both.

use chrono::TimeDelta;

use super::*;

/// A POST whose RFC 9421 signature covers `components` (written out by hand) with `params`.
fn hand_rfc9421_post(components: &[&str], params: &str) -> Req {
    let mut req = Req::new(Method::POST, inbox().as_str())
        .header("content-type", ACTIVITY_JSON)
        .header("content-digest", &format!("sha-256=:{}:", sha256_b64(BODY)))
        .header("date", &httpdate::fmt_http_date(now().into()))
        .body(BODY);
    let values: Vec<(&str, String)> = components
        .iter()
        .map(|&c| {
            let value = match c {
                "@method" => "POST".to_owned(),
                "@target-uri" => inbox().to_string(),
                "@authority" => "parvis.example".to_owned(),
                "@path" => inbox().path().to_owned(),
                header => req.headers[header].to_str().unwrap().to_owned(),
            };
            (c, value)
        })
        .collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(c, v)| (*c, v.as_str())).collect();
    hand_rfc9421(&mut req, &values, params, &alice());
    req
}

fn created_now() -> String {
    format!(r#";created={};keyid="{KEY_ID}""#, now().timestamp())
}

#[test]
fn tampered_body() {
    for (_, signer) in SIGNERS {
        let mut req = signed_post(signer, now());
        req.body = String::from_utf8_lossy(BODY)
            .replace("Follow", "Unfollow")
            .into_bytes();
        assert_refused!(
            req.check(&alice_pub(), now()),
            SignatureError::DigestMismatch
        );
    }
}

#[test]
fn wrong_digest_algorithm() {
    let md5 = b64(&[0u8; 16]);
    let mut req = mastodon_post(now());
    req.set("digest", &format!("MD5={md5}"));
    HandCavage::default().sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::UnsupportedAlgorithm(a) if a.contains("MD5"));

    let md5_digest = format!("md5=:{md5}:");
    let mut req = Req::new(Method::POST, inbox().as_str())
        .header("content-digest", &md5_digest)
        .body(BODY);
    hand_rfc9421(
        &mut req,
        &[
            ("@method", "POST"),
            ("@target-uri", inbox().as_str()),
            ("content-digest", &md5_digest),
        ],
        &created_now(),
        &alice(),
    );
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::UnsupportedAlgorithm(a) if a.contains("md5"));
}

#[test]
fn missing_digest_on_post() {
    let mut req = mastodon_post(now());
    req.headers.remove("digest");
    HandCavage {
        covered: &["(request-target)", "host", "date", "content-type"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(
        req.check(&alice_pub(), now()),
        SignatureError::DigestMissing("Digest")
    );

    let mut req = hand_rfc9421_post(&["@method", "@target-uri"], &created_now());
    req.headers.remove("content-digest");
    assert_refused!(
        req.check(&alice_pub(), now()),
        SignatureError::DigestMissing("Content-Digest")
    );
}

#[test]
fn digest_not_covered() {
    let mut req = mastodon_post(now());
    HandCavage {
        covered: &["(request-target)", "host", "date", "content-type"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "digest");

    let req = hand_rfc9421_post(&["@method", "@target-uri", "content-type"], &created_now());
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "content-digest");
}

#[test]
fn too_old() {
    for (_, signer) in SIGNERS {
        let thirteen_hours_ago = now() - TimeDelta::hours(13);
        let req = signed_post(signer, thirteen_hours_ago);
        assert_refused!(
            req.check(&alice_pub(), now()),
            SignatureError::Expired { expired_at, .. } if *expired_at == thirteen_hours_ago + TimeDelta::hours(12)
        );
        signed_post(signer, now() - TimeDelta::hours(11))
            .check(&alice_pub(), now())
            .unwrap();
    }
}

#[test]
fn too_far_in_the_future() {
    for (_, signer) in SIGNERS {
        let req = signed_post(signer, now() + TimeDelta::hours(2));
        assert_refused!(
            req.check(&alice_pub(), now()),
            SignatureError::InFuture { .. }
        );
        signed_post(signer, now() + TimeDelta::minutes(50))
            .check(&alice_pub(), now())
            .unwrap();
    }
}

#[test]
fn past_expires() {
    let created = now().timestamp() - 60;
    let mut req = mastodon_post(now());
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
        expires: Some(now().timestamp() - 1),
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(
        req.check(&alice_pub(), now()),
        SignatureError::Expired { .. }
    );

    let params = format!(
        r#";created={created};expires={};keyid="{KEY_ID}""#,
        now().timestamp() - 1
    );
    let req = hand_rfc9421_post(&["@method", "@target-uri", "content-digest"], &params);
    assert_refused!(
        req.check(&alice_pub(), now()),
        SignatureError::Expired { .. }
    );
}

#[test]
fn wrong_key() {
    for (_, signer) in SIGNERS {
        let req = signed_post(signer, now());
        assert_refused!(
            req.check(&mallory_pub(), now()),
            SignatureError::BadSignature
        );
    }
    let mut forged = mastodon_post(now());
    HandCavage {
        key: MALLORY_KEY,
        ..HandCavage::default()
    }
    .sign(&mut forged);
    assert_refused!(
        forged.check(&alice_pub(), now()),
        SignatureError::BadSignature
    );
}

#[test]
fn signed_for_another_path_host_or_method() {
    for (scheme, signer) in SIGNERS {
        let signed = signed_post(signer, now());

        let mut path = signed.clone();
        path.target = Url::parse("https://parvis.example/communes/paris/inbox").unwrap();
        assert_refused!(
            path.check(&alice_pub(), now()),
            SignatureError::BadSignature
        );

        let mut host = signed.clone();
        host.target = Url::parse("https://other.example/communes/lyon/inbox").unwrap();
        host.set("host", "other.example");
        assert_refused!(
            host.check(&alice_pub(), now()),
            SignatureError::BadSignature
        );

        let mut method = signed.clone();
        method.method = Method::PUT;
        assert_refused!(
            method.check(&alice_pub(), now()),
            SignatureError::BadSignature
        );

        if scheme == "draft-cavage" {
            // Only the Host header changed (the target is rebuilt from our own base URL).
            let mut host_header = signed.clone();
            host_header.set("host", "other.example");
            assert_refused!(
                host_header.check(&alice_pub(), now()),
                SignatureError::BadSignature
            );
        }
    }
}

#[test]
fn request_target_or_method_not_covered() {
    let mut req = mastodon_post(now());
    HandCavage {
        covered: &["host", "date", "digest", "content-type"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "(request-target)");

    let req = hand_rfc9421_post(&["@target-uri", "content-digest"], &created_now());
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "@method");
    let req = hand_rfc9421_post(&["@method", "@authority", "content-digest"], &created_now());
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "@target-uri");
    // @authority + @path stand in for @target-uri.
    let req = hand_rfc9421_post(
        &["@method", "@authority", "@path", "content-digest"],
        &created_now(),
    );
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn date_or_created_not_covered() {
    let mut req = mastodon_post(now());
    HandCavage {
        covered: &["(request-target)", "host", "digest"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "date");

    let params = format!(r#";keyid="{KEY_ID}""#);
    let req = hand_rfc9421_post(&["@method", "@target-uri", "content-digest"], &params);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "created");
}

#[test]
fn host_not_covered_on_get() {
    let mut req = Req::new(Method::GET, inbox().as_str())
        .header("host", "parvis.example")
        .header("date", &httpdate::fmt_http_date(now().into()));
    HandCavage {
        covered: &["(request-target)", "date"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "host");
}

/// A POST that does not sign `host` could be replayed to another server within the time window.
#[test]
fn host_not_covered_on_post() {
    let mut req = mastodon_post(now());
    HandCavage {
        covered: &["(request-target)", "date", "digest", "content-type"],
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::NotCovered(c) if c == "host");
}

#[test]
fn covered_header_absent() {
    let mut req = mastodon_post(now());
    HandCavage::default().sign(&mut req);
    req.headers.remove("content-type");
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::MissingComponent(c) if c == "content-type");

    let mut req = mastodon_post(now());
    HandCavage {
        covered: &["(request-target)", "(created)", "host", "digest"],
        algorithm: Some("hs2019"),
        created: Some(now().timestamp()),
        ..HandCavage::default()
    }
    .sign(&mut req);
    let without_created = req.headers["signature"]
        .to_str()
        .unwrap()
        .replace(&format!("created={},", now().timestamp()), "");
    req.set("signature", &without_created);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::MissingComponent(c) if c == "(created)");

    let mut req = hand_rfc9421_post(
        &["@method", "@target-uri", "content-digest", "date"],
        &created_now(),
    );
    req.headers.remove("date");
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::MissingComponent(c) if c == "date");
}

#[test]
fn unsupported_signature_algorithms() {
    let mut req = mastodon_post(now());
    HandCavage {
        algorithm: Some("hmac-sha256"),
        ..HandCavage::default()
    }
    .sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::UnsupportedAlgorithm(a) if a == "hmac-sha256");

    let params = format!(r#"{};alg="rsa-pss-sha512""#, created_now());
    let req = hand_rfc9421_post(&["@method", "@target-uri", "content-digest"], &params);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::UnsupportedAlgorithm(a) if a == "rsa-pss-sha512");
}

#[test]
fn algorithm_and_key_of_different_kinds() {
    let ed25519 = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    let mut req = mastodon_post(now());
    HandCavage::default().sign(&mut req);
    assert_refused!(
        req.check(&ed25519, now()),
        SignatureError::KeyMismatch { .. }
    );

    let params = format!(r#"{};alg="ed25519""#, created_now());
    let req = hand_rfc9421_post(&["@method", "@target-uri", "content-digest"], &params);
    assert_refused!(
        req.check(&alice_pub(), now()),
        SignatureError::KeyMismatch { .. }
    );
}
