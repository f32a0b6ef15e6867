//! Tests of the signature layer. Keys and vectors live in `federation-tests/fixtures/signatures/`
//! (see its README for where each comes from).
#![allow(clippy::unwrap_used, clippy::expect_used)]

macro_rules! assert_refused {
    ($result:expr, $pattern:pat $(if $guard:expr)?) => {
        match $result {
            Err(err) => assert!(matches!(&err, $pattern $(if $guard)?), "unexpected error: {err:?}"),
            Ok(info) => panic!("accepted: {info:?}"),
        }
    };
}

mod cavage;
mod keys;
mod parsing;
mod properties;
mod rejections;
mod rfc9421;

use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use http::{HeaderMap, HeaderValue, Method};
use url::Url;

use super::{
    RequestParts, SignatureError, SignatureInfo, SigningKey, VerifyingKey, inspect, verify,
};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            "../../../../federation-tests/fixtures/signatures/",
            $name
        ))
    };
}

/// A Parvis-style PKCS#8 RSA key, and its SPKI public key.
pub(super) const ALICE_KEY: &str = fixture!("alice-rsa.pem");
pub(super) const ALICE_PUB: &str = fixture!("alice-rsa.pub.pem");
/// The same key as PKCS#1 (`BEGIN RSA PRIVATE KEY`).
pub(super) const ALICE_KEY_PKCS1: &str = fixture!("alice-rsa.pkcs1.pem");
/// Another RSA key, to sign where Alice's key is expected.
pub(super) const MALLORY_KEY: &str = fixture!("mallory-rsa.pem");
pub(super) const MALLORY_PUB: &str = fixture!("mallory-rsa.pub.pem");
/// RFC 9421 Appendix B.1.1 `test-key-rsa` (PKCS#1 PEM, private and public).
pub(super) const RFC_RSA_KEY: &str = fixture!("rfc9421-test-key-rsa.pem");
pub(super) const RFC_RSA_PUB: &str = fixture!("rfc9421-test-key-rsa.pub.pem");
/// RFC 9421 Appendix B.1.4 `test-key-ed25519` (PKCS#8 v1 private key, SPKI public key).
pub(super) const RFC_ED25519_KEY: &str = fixture!("rfc9421-test-key-ed25519.pem");
pub(super) const RFC_ED25519_PUB: &str = fixture!("rfc9421-test-key-ed25519.pub.pem");
/// draft-cavage-http-signatures-12 Appendix C `Test` key (1024-bit RSA, SPKI).
pub(super) const CAVAGE_TEST_PUB: &str = fixture!("draft-cavage-test-key.pub.pem");
/// A 1024-bit RSA key, too weak to be accepted.
pub(super) const WEAK_PUB: &str = fixture!("weak-rsa-1024.pub.pem");

pub(super) const KEY_ID: &str = "https://remote.example/users/alice#main-key";
pub(super) const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://remote.example/users/alice","object":"https://parvis.example/communes/lyon"}"#;
pub(super) const ACTIVITY_JSON: &str = "application/activity+json";

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 15, 9, 26).unwrap()
}

pub(super) fn inbox() -> Url {
    Url::parse("https://parvis.example/communes/lyon/inbox").unwrap()
}

pub(super) fn alice() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_pkcs8_pem(ALICE_KEY).unwrap())
        .clone()
}

pub(super) fn alice_pub() -> VerifyingKey {
    VerifyingKey::from_pem(ALICE_PUB).unwrap()
}

pub(super) fn mallory_pub() -> VerifyingKey {
    VerifyingKey::from_pem(MALLORY_PUB).unwrap()
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(super) fn sha256_b64(body: &[u8]) -> String {
    b64(ring::digest::digest(&ring::digest::SHA256, body).as_ref())
}

/// The signature layer's signers share one shape; the tests run most cases through both.
pub(super) type Signer = fn(
    &Method,
    &Url,
    &mut HeaderMap,
    Option<&[u8]>,
    &str,
    &SigningKey,
    DateTime<Utc>,
) -> Result<(), SignatureError>;

pub(super) const SIGNERS: [(&str, Signer); 2] = [
    ("draft-cavage", super::sign_cavage),
    ("RFC 9421", super::sign_rfc9421),
];

/// A request as the receiver sees it.
#[derive(Clone, Debug)]
pub(super) struct Req {
    pub(super) method: Method,
    pub(super) target: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

impl Req {
    pub(super) fn new(method: Method, target: &str) -> Self {
        Self {
            method,
            target: Url::parse(target).unwrap(),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }

    pub(super) fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers
            .append(name, HeaderValue::from_str(value).unwrap());
        self
    }

    pub(super) fn set(&mut self, name: &'static str, value: &str) {
        self.headers
            .insert(name, HeaderValue::from_str(value).unwrap());
    }

    pub(super) fn body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }

    pub(super) fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            target: &self.target,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// `inspect`, then `verify`, as the inbox does.
    pub(super) fn check(
        &self,
        key: &VerifyingKey,
        at: DateTime<Utc>,
    ) -> Result<SignatureInfo, SignatureError> {
        let parts = self.parts();
        let info = inspect(&parts)?;
        verify(&parts, &info, key, at)?;
        Ok(info)
    }
}

/// A POST of [`BODY`] to [`inbox`], signed by Alice at `at`.
pub(super) fn signed_post(signer: Signer, at: DateTime<Utc>) -> Req {
    let mut req = Req::new(Method::POST, inbox().as_str())
        .header("content-type", ACTIVITY_JSON)
        .body(BODY);
    signer(
        &req.method,
        &req.target,
        &mut req.headers,
        Some(&req.body),
        KEY_ID,
        &alice(),
        at,
    )
    .unwrap();
    req
}

/// A GET of `url`, signed by Alice at `at`.
pub(super) fn signed_get(signer: Signer, url: &str, at: DateTime<Utc>) -> Req {
    let mut req = Req::new(Method::GET, url).header("accept", ACTIVITY_JSON);
    signer(
        &req.method,
        &req.target,
        &mut req.headers,
        None,
        KEY_ID,
        &alice(),
        at,
    )
    .unwrap();
    req
}

/// Signs a draft-cavage request by hand, the way Mastodon's `Request#sign!` does, so that tests do not
/// depend on the module's own signing-string code: the string is assembled here and signed with the
/// `rsa` crate (a different RSA implementation from `ring`).
pub(super) struct HandCavage<'a> {
    pub(super) covered: &'a [&'a str],
    pub(super) algorithm: Option<&'a str>,
    pub(super) created: Option<i64>,
    pub(super) expires: Option<i64>,
    pub(super) with_query: bool,
    pub(super) key: &'a str,
}

impl Default for HandCavage<'_> {
    fn default() -> Self {
        Self {
            covered: &["(request-target)", "host", "date", "digest", "content-type"],
            algorithm: Some("rsa-sha256"),
            created: None,
            expires: None,
            with_query: true,
            key: ALICE_KEY,
        }
    }
}

impl HandCavage<'_> {
    pub(super) fn signing_string(&self, req: &Req) -> String {
        self.covered
            .iter()
            .map(|&name| {
                let value = match name {
                    "(request-target)" => {
                        let mut target = req.target.path().to_owned();
                        if let (true, Some(query)) = (self.with_query, req.target.query()) {
                            target = format!("{target}?{query}");
                        }
                        format!("{} {target}", req.method.as_str().to_lowercase())
                    }
                    "(created)" => self.created.unwrap().to_string(),
                    "(expires)" => self.expires.unwrap().to_string(),
                    header => req
                        .headers
                        .get_all(header)
                        .iter()
                        .map(|v| v.to_str().unwrap().trim())
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                format!("{name}: {value}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Sets the `Signature` header of `req`.
    pub(super) fn sign(&self, req: &mut Req) {
        let signature = rsa_crate_sign(self.key, self.signing_string(req).as_bytes());
        let mut header = format!(r#"keyId="{KEY_ID}","#);
        if let Some(algorithm) = self.algorithm {
            header.push_str(&format!(r#"algorithm="{algorithm}","#));
        }
        if let Some(created) = self.created {
            header.push_str(&format!("created={created},"));
        }
        if let Some(expires) = self.expires {
            header.push_str(&format!("expires={expires},"));
        }
        header.push_str(&format!(
            r#"headers="{}",signature="{}""#,
            self.covered.join(" "),
            b64(&signature)
        ));
        req.set("signature", &header);
    }
}

/// RSASSA-PKCS1-v1_5 SHA-256 with the `rsa` crate: an implementation independent of `ring`.
pub(super) fn rsa_crate_sign(pem: &str, message: &[u8]) -> Vec<u8> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let key = if pem.contains("BEGIN RSA PRIVATE KEY") {
        rsa::RsaPrivateKey::from_pkcs1_pem(pem).unwrap()
    } else {
        rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap()
    };
    rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
        .sign(message)
        .to_vec()
}

/// A POST of [`BODY`] with the headers Mastodon sends (Host, Date, Digest, Content-Type), unsigned.
pub(super) fn mastodon_post(at: DateTime<Utc>) -> Req {
    Req::new(Method::POST, inbox().as_str())
        .header("host", "parvis.example")
        .header("date", &httpdate::fmt_http_date(at.into()))
        .header("digest", &format!("SHA-256={}", sha256_b64(BODY)))
        .header("content-type", ACTIVITY_JSON)
        .body(BODY)
}

/// Signs an RFC 9421 request by hand: the signature base is written out here, not by the module.
pub(super) fn hand_rfc9421(
    req: &mut Req,
    components: &[(&str, &str)],
    params: &str,
    key: &SigningKey,
) {
    let names: Vec<String> = components.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let signature_params = format!("({}){params}", names.join(" "));
    let mut base = String::new();
    for (name, value) in components {
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {signature_params}"));
    let signature = key.sign(base.as_bytes()).unwrap();
    req.set("signature-input", &format!("sig1={signature_params}"));
    req.set("signature", &format!("sig1=:{}:", b64(&signature)));
}

/// The PKCS#1 DER inside an SPKI PEM, read with the `rsa` crate.
pub(super) fn ring_public_der(pem: &str) -> Vec<u8> {
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    use rsa::pkcs8::DecodePublicKey as _;
    rsa::RsaPublicKey::from_public_key_pem(pem)
        .unwrap()
        .to_pkcs1_der()
        .unwrap()
        .as_bytes()
        .to_vec()
}
