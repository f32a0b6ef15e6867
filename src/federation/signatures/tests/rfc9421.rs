use super::*;
use crate::federation::signatures::{Algorithm, Scheme, rfc9421};

const RFC_BODY: &[u8] = br#"{"hello": "world"}"#;
const RFC_CONTENT_DIGEST: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

/// RFC 9421 Appendix B.2's `test-request`, signed as in B.2.6 (`sig-b26`, `test-key-ed25519`).
fn rfc_b26_request() -> Req {
    Req::new(Method::POST, "https://example.com/foo?param=Value&Pet=dog")
        .header("host", "example.com")
        .header("date", "Tue, 20 Apr 2021 02:07:55 GMT")
        .header("content-type", "application/json")
        .header("content-digest", RFC_CONTENT_DIGEST)
        .header("content-length", "18")
        .header(
            "signature-input",
            r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        )
        .header(
            "signature",
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
        )
        .body(RFC_BODY)
}

const RFC_B26_BASE: &str = concat!(
    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
    "\"@method\": POST\n",
    "\"@path\": /foo\n",
    "\"@authority\": example.com\n",
    "\"content-type\": application/json\n",
    "\"content-length\": 18\n",
    "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")",
    ";created=1618884473;keyid=\"test-key-ed25519\"",
);

/// RFC 9421 §4.3: the same request after a TLS-terminating proxy, signed by the proxy with
/// `test-key-rsa` and `rsa-v1_5-sha256` (`proxy_sig`; the client's ECDSA `sig1` is left out, since
/// only one signature per request is checked here).
fn rfc_proxy_request() -> Req {
    Req::new(Method::POST, "https://origin.host.internal.example/foo?param=Value&Pet=dog")
        .header("host", "origin.host.internal.example")
        .header("date", "Tue, 20 Apr 2021 02:07:56 GMT")
        .header("content-type", "application/json")
        .header("content-length", "18")
        .header("forwarded", "for=192.0.2.123;host=example.com;proto=https")
        .header("content-digest", RFC_CONTENT_DIGEST)
        .header(
            "signature-input",
            r#"proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#,
        )
        .header(
            "signature",
            concat!(
                "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5",
                "g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68",
                "U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CM",
                "fwnnrtflzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR",
                "6WfgS9ddzirrswsE1w5o0LV/g==:",
            ),
        )
        .body(RFC_BODY)
}

const RFC_PROXY_BASE: &str = concat!(
    "\"@method\": POST\n",
    "\"@authority\": origin.host.internal.example\n",
    "\"@path\": /foo\n",
    "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
    "\"content-type\": application/json\n",
    "\"content-length\": 18\n",
    "\"forwarded\": for=192.0.2.123;host=example.com;proto=https\n",
    "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-type\" \"content-length\" \"forwarded\")",
    ";created=1618884480;keyid=\"test-key-rsa\";alg=\"rsa-v1_5-sha256\";expires=1618884540",
);

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap()
}

fn signature_of(req: &Req) -> Vec<u8> {
    let header = req.headers["signature"].to_str().unwrap();
    let encoded = header.split(":").nth(1).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap()
}

#[test]
fn reproduces_rfc9421_b26_ed25519() {
    let req = rfc_b26_request();
    let params = rfc9421::parse(&req.headers).unwrap();
    assert_eq!(params.key_id, "test-key-ed25519");
    let base = rfc9421::signature_base(&req.parts(), &params.components, &params.signature_params)
        .unwrap();
    assert_eq!(base, RFC_B26_BASE);

    let signature = signature_of(&req);
    let pem_key = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    pem_key
        .verify(Algorithm::Ed25519, base.as_bytes(), &signature)
        .unwrap();

    // Ed25519 is deterministic: our signer gives the RFC's bytes.
    let signer = SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap();
    assert_eq!(signer.sign(base.as_bytes()).unwrap(), signature);

    // A changed covered header breaks it.
    let mut tampered = req.clone();
    tampered.set("content-type", "application/activity+json");
    let base = rfc9421::signature_base(
        &tampered.parts(),
        &params.components,
        &params.signature_params,
    )
    .unwrap();
    assert!(
        pem_key
            .verify(Algorithm::Ed25519, base.as_bytes(), &signature)
            .is_err()
    );
}

#[test]
fn rfc9421_b26_verifies_with_the_same_key_as_a_multikey() {
    let req = rfc_b26_request();
    let params = rfc9421::parse(&req.headers).unwrap();
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs")
        .unwrap();
    let multikey = format!(
        "z{}",
        bs58::encode([&[0xed, 0x01], &x[..]].concat()).into_string()
    );
    let key = VerifyingKey::from_multibase(&multikey).unwrap();
    let base = rfc9421::signature_base(&req.parts(), &params.components, &params.signature_params)
        .unwrap();
    key.verify(Algorithm::Ed25519, base.as_bytes(), &signature_of(&req))
        .unwrap();
}

#[test]
fn rfc9421_b26_falls_short_of_the_inbox_policy() {
    // A valid signature, but a POST whose Content-Digest is not covered.
    let req = rfc_b26_request();
    let params = rfc9421::parse(&req.headers).unwrap();
    let key = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    let err = rfc9421::verify(&req.parts(), &params, &key, at(1_618_884_473)).unwrap_err();
    assert!(
        matches!(&err, SignatureError::NotCovered(c) if c == "content-digest"),
        "{err:?}"
    );
    // Its key id is not a URL either, so `inspect` refuses it before any key is fetched.
    let err = inspect(&req.parts()).unwrap_err();
    assert!(matches!(err, SignatureError::Malformed(_)), "{err:?}");
}

#[test]
fn verifies_rfc9421_section_4_3_rsa_v1_5() {
    let req = rfc_proxy_request();
    let params = rfc9421::parse(&req.headers).unwrap();
    let base = rfc9421::signature_base(&req.parts(), &params.components, &params.signature_params)
        .unwrap();
    assert_eq!(base, RFC_PROXY_BASE);

    // The whole inbox policy passes: @method, @authority + @path, a matching sha-512 Content-Digest.
    let key = VerifyingKey::from_pem(RFC_RSA_PUB).unwrap();
    rfc9421::verify(&req.parts(), &params, &key, at(1_618_884_480)).unwrap();

    // RSASSA-PKCS1-v1_5 is deterministic too (signed with the `rsa` crate: `ring` refuses this key's
    // unbalanced primes, see `keys::ring_refuses_unbalanced_rsa_private_keys`).
    assert_eq!(
        rsa_crate_sign(RFC_RSA_KEY, base.as_bytes()),
        signature_of(&req)
    );

    // `expires` is one minute after `created`.
    let err = rfc9421::verify(&req.parts(), &params, &key, at(1_618_884_541)).unwrap_err();
    assert!(matches!(err, SignatureError::Expired { .. }), "{err:?}");

    // The Ed25519 key of B.1.4 cannot check `alg="rsa-v1_5-sha256"`.
    let ed25519 = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    let err = rfc9421::verify(&req.parts(), &params, &ed25519, at(1_618_884_480)).unwrap_err();
    assert!(matches!(err, SignatureError::KeyMismatch { .. }), "{err:?}");
}

#[test]
fn picks_the_first_signature_label_that_has_a_value() {
    let mut req = rfc_proxy_request();
    let input = req.headers["signature-input"].to_str().unwrap().to_owned();
    req.set(
        "signature-input",
        &format!(r#"orphan=("@method");created=1;keyid="https://x.example/k", {input}"#),
    );
    let params = rfc9421::parse(&req.headers).unwrap();
    assert_eq!(params.key_id, "test-key-rsa");
}

#[test]
fn round_trip_post() {
    let req = signed_post(crate::federation::signatures::sign_rfc9421, now());
    let info = req.check(&alice_pub(), now()).unwrap();
    assert_eq!(info.scheme, Scheme::Rfc9421);
    assert_eq!(info.key_id.as_str(), KEY_ID);
    assert_eq!(
        info.covered(),
        ["@method", "@target-uri", "@authority", "content-digest"]
    );
}

#[test]
fn round_trip_get() {
    let url = "https://remote.example/users/bob/outbox?page=true";
    let req = signed_get(crate::federation::signatures::sign_rfc9421, url, now());
    let info = req.check(&alice_pub(), now()).unwrap();
    assert_eq!(info.covered(), ["@method", "@target-uri", "@authority"]);
    assert!(req.headers.get("content-digest").is_none());
}

#[test]
fn round_trip_with_an_ed25519_key() {
    let key = SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap();
    let mut req = Req::new(Method::POST, inbox().as_str()).body(BODY);
    crate::federation::signatures::sign_rfc9421(
        &req.method,
        &req.target,
        &mut req.headers,
        Some(BODY),
        KEY_ID,
        &key,
        now(),
    )
    .unwrap();
    assert!(
        req.headers["signature-input"]
            .to_str()
            .unwrap()
            .ends_with(r#";alg="ed25519""#)
    );
    req.check(&key.verifying_key(), now()).unwrap();
    let err = req.check(&alice_pub(), now()).unwrap_err();
    assert!(matches!(err, SignatureError::KeyMismatch { .. }), "{err:?}");
}

#[test]
fn signs_like_fedify_with_a_byte_exact_base() {
    let mut req = signed_post(crate::federation::signatures::sign_rfc9421, now());
    let created = now().timestamp();
    let input = format!(
        r#"sig1=("@method" "@target-uri" "@authority" "content-digest");created={created};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#
    );
    let digest = format!("sha-256=:{}:", sha256_b64(BODY));
    assert_eq!(req.headers["signature-input"], input.as_str());
    assert_eq!(req.headers["content-digest"], digest.as_str());
    assert_eq!(req.headers["date"], "Sat, 14 Mar 2026 15:09:26 GMT");

    // The base, written out by hand from RFC 9421 §2.5, verifies with `ring` directly.
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": https://parvis.example/communes/lyon/inbox\n\
         \"@authority\": parvis.example\n\"content-digest\": {digest}\n\
         \"@signature-params\": {}",
        input.trim_start_matches("sig1=")
    );
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        super::ring_public_der(ALICE_PUB),
    )
    .verify(base.as_bytes(), &signature_of(&req))
    .unwrap();

    // And a hand-made signature over that base is accepted.
    hand_rfc9421(
        &mut req,
        &[
            ("@method", "POST"),
            ("@target-uri", "https://parvis.example/communes/lyon/inbox"),
            ("@authority", "parvis.example"),
            ("content-digest", &digest),
        ],
        &format!(r#";created={created};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#),
        &alice(),
    );
    req.check(&alice_pub(), now()).unwrap();
}

#[test]
fn authority_drops_default_ports_and_keeps_others() {
    for (url, authority) in [
        ("https://Parvis.Example:443/inbox", "parvis.example"),
        ("http://parvis.test:8080/inbox", "parvis.test:8080"),
    ] {
        let mut req = signed_post(crate::federation::signatures::sign_rfc9421, now());
        req.target = Url::parse(url).unwrap();
        let params = rfc9421::parse(&req.headers).unwrap();
        let base =
            rfc9421::signature_base(&req.parts(), &params.components, &params.signature_params)
                .unwrap();
        assert!(
            base.contains(&format!("\"@authority\": {authority}\n")),
            "{base}"
        );
    }
}

#[test]
fn derived_components_follow_section_2_2() {
    let req = Req::new(
        Method::GET,
        "https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman",
    );
    let components: Vec<String> = [
        "@method",
        "@target-uri",
        "@authority",
        "@scheme",
        "@request-target",
        "@path",
        "@query",
    ]
    .iter()
    .map(|c| (*c).to_owned())
    .collect();
    let base = rfc9421::signature_base(&req.parts(), &components, "()").unwrap();
    assert_eq!(
        base,
        concat!(
            "\"@method\": GET\n",
            "\"@target-uri\": https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman\n",
            "\"@authority\": www.example.com\n",
            "\"@scheme\": https\n",
            "\"@request-target\": /path?param=value&foo=bar&baz=bat%2Dman\n",
            "\"@path\": /path\n",
            "\"@query\": ?param=value&foo=bar&baz=bat%2Dman\n",
            "\"@signature-params\": ()",
        )
    );
    let bare = Req::new(Method::GET, "https://www.example.com");
    let base = rfc9421::signature_base(&bare.parts(), &components[5..], "()").unwrap();
    assert_eq!(
        base,
        "\"@path\": /\n\"@query\": ?\n\"@signature-params\": ()"
    );
}

#[test]
fn field_values_are_trimmed_and_joined() {
    let req = Req::new(Method::GET, "https://www.example.com/")
        .header("cache-control", "max-age=60")
        .header("cache-control", "   must-revalidate")
        .header("x-empty-header", "");
    let components = vec!["cache-control".to_owned(), "x-empty-header".to_owned()];
    let base = rfc9421::signature_base(&req.parts(), &components, "()").unwrap();
    assert_eq!(
        base,
        "\"cache-control\": max-age=60, must-revalidate\n\"x-empty-header\": \n\"@signature-params\": ()"
    );
}

#[test]
fn prefers_rfc9421_when_both_schemes_are_present() {
    let mut req = signed_post(crate::federation::signatures::sign_rfc9421, now());
    let mut cavage = mastodon_post(now());
    HandCavage::default().sign(&mut cavage);
    let cavage = cavage.headers["signature"].to_str().unwrap().to_owned();
    req.set("authorization", &format!("Signature {cavage}"));
    let info = req.check(&alice_pub(), now()).unwrap();
    assert_eq!(info.scheme, Scheme::Rfc9421);
}

#[test]
fn checks_the_rfc_sha512_content_digest() {
    crate::federation::signatures::digest::check_content_digest(RFC_CONTENT_DIGEST, RFC_BODY)
        .unwrap();
    let err =
        crate::federation::signatures::digest::check_content_digest(RFC_CONTENT_DIGEST, b"{}")
            .unwrap_err();
    assert!(matches!(err, SignatureError::DigestMismatch), "{err:?}");
}
