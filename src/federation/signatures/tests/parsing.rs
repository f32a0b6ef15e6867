//! Requests refused before any key is needed: unsigned, another scheme, unparsable headers; and the
//! wording of the refusals.

use chrono::TimeDelta;

use super::*;

#[test]
fn unsigned() {
    let req = Req::new(Method::POST, inbox().as_str()).body(BODY);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::Missing);
}

#[test]
fn unknown_authorization_scheme() {
    for (value, scheme) in [("Bearer abc.def.ghi", "Bearer"), ("Basic YTpi", "Basic")] {
        let req = Req::new(Method::GET, inbox().as_str()).header("authorization", value);
        assert_refused!(req.check(&alice_pub(), now()), SignatureError::UnknownScheme(s) if s == scheme);
    }
}

#[test]
fn malformed_cavage_headers() {
    for header in [
        "garbage",
        r#"keyId="https://remote.example/k""#,
        r#"signature="AAAA""#,
        r#"keyId="not a url",signature="AAAA""#,
        r#"keyId="https://remote.example/k",signature="!!!""#,
        r#"keyId="https://remote.example/k",keyId="https://evil.example/k",signature="AAAA""#,
        r#"keyId="https://remote.example/k,signature="AAAA""#,
        r#"keyId="https://remote.example/k",created=yesterday,signature="AAAA""#,
        r#"keyId="https://remote.example/k" signature="AAAA""#,
    ] {
        let req = Req::new(Method::GET, inbox().as_str()).header("signature", header);
        assert_refused!(inspect(&req.parts()), SignatureError::Malformed(_));
    }
    let twice = Req::new(Method::GET, inbox().as_str())
        .header(
            "signature",
            r#"keyId="https://remote.example/k",signature="AAAA""#,
        )
        .header(
            "signature",
            r#"keyId="https://remote.example/k",signature="AAAA""#,
        );
    assert_refused!(inspect(&twice.parts()), SignatureError::Malformed(m) if m.contains("more than one"));
}

#[test]
fn malformed_rfc9421_headers() {
    let key = format!(r#"keyid="{KEY_ID}""#);
    for (input, signature) in [
        ("sig1=(".to_owned(), "sig1=:AAAA:"),
        (
            format!(r#"sig1=("@method");created=1;{key}"#),
            "other=:AAAA:",
        ),
        (format!(r#"sig1=("@method");created=1;{key}"#), "sig1=AAAA"),
        (
            format!(r#"sig1=("@method" "content-digest";sf);created=1;{key}"#),
            "sig1=:AAAA:",
        ),
        (
            format!(r#"sig1=("@method" "Content-Digest");created=1;{key}"#),
            "sig1=:AAAA:",
        ),
        (
            format!(r#"sig1=("@method" "@method");created=1;{key}"#),
            "sig1=:AAAA:",
        ),
        (format!(r#"sig1=(@method);created=1;{key}"#), "sig1=:AAAA:"),
        (
            format!(r#"sig1=("@method");created="1";{key}"#),
            "sig1=:AAAA:",
        ),
        (r#"sig1=("@method");created=1"#.to_owned(), "sig1=:AAAA:"),
        (
            r#"sig1=("@method");created=1;keyid="main-key""#.to_owned(),
            "sig1=:AAAA:",
        ),
    ] {
        let req = Req::new(Method::GET, inbox().as_str())
            .header("signature-input", &input)
            .header("signature", signature);
        assert_refused!(inspect(&req.parts()), SignatureError::Malformed(_));
    }
    let no_signature = Req::new(Method::GET, inbox().as_str()).header(
        "signature-input",
        &format!(r#"sig1=("@method");created=1;{key}"#),
    );
    assert_refused!(inspect(&no_signature.parts()), SignatureError::Malformed(_));
}

#[test]
fn bad_date_header() {
    let mut req = mastodon_post(now());
    req.set("date", "yesterday at noon");
    HandCavage::default().sign(&mut req);
    assert_refused!(req.check(&alice_pub(), now()), SignatureError::Malformed(_));
}

#[test]
fn messages_are_plain_and_client_safe() {
    let cases = [
        (SignatureError::Missing, "the request is not signed"),
        (
            SignatureError::NotCovered("digest".into()),
            "the signature does not cover `digest`",
        ),
        (
            SignatureError::MissingComponent("content-type".into()),
            "the signature covers `content-type`, which the request lacks",
        ),
        (
            SignatureError::DigestMissing("Digest"),
            "a request with a body must carry a signed Digest header",
        ),
        (
            SignatureError::Expired {
                expired_at: now(),
                now: now() + TimeDelta::minutes(1),
            },
            "the signature expired at 2026-03-14 15:09:26 UTC (it is now 2026-03-14 15:10:26 UTC)",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}
