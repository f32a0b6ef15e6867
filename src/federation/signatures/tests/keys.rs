use super::*;
use crate::federation::signatures::{Algorithm, KeyKind};

/// The `x` of RFC 9421 Appendix B.1.4's JWK: the raw Ed25519 public key of `test-key-ed25519`.
const RFC_ED25519_X: &str = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";

fn rfc_ed25519_raw() -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(RFC_ED25519_X)
        .unwrap()
}

fn multibase(prefix: &[u8], key: &[u8]) -> String {
    format!("z{}", bs58::encode([prefix, key].concat()).into_string())
}

fn sign_and_check(signer: &SigningKey, key: &VerifyingKey) -> Result<(), SignatureError> {
    let algorithm = Algorithm::for_key(key);
    let signature = signer.sign(b"hello").unwrap();
    key.verify(algorithm, b"hello", &signature)
}

#[test]
fn reads_spki_rsa_pem_as_mastodon_publishes_it() {
    let key = VerifyingKey::from_pem(ALICE_PUB).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa);
    assert_eq!(format!("{key:?}"), "VerifyingKey(RSA 2048 bits)");
    sign_and_check(&alice(), &key).unwrap();
}

/// Checks a signature made by the `rsa` crate with `private_pem`.
fn rsa_crate_signature_checks(private_pem: &str, key: &VerifyingKey) -> Result<(), SignatureError> {
    let signature = rsa_crate_sign(private_pem, b"hello");
    key.verify(Algorithm::RsaSha256, b"hello", &signature)
}

#[test]
fn reads_pkcs1_rsa_pem() {
    let key = VerifyingKey::from_pem(RFC_RSA_PUB).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa);
    rsa_crate_signature_checks(RFC_RSA_KEY, &key).unwrap();
}

#[test]
fn reads_spki_ed25519_pem() {
    let key = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    assert_eq!(key.kind(), KeyKind::Ed25519);
    sign_and_check(&SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap(), &key).unwrap();
}

#[test]
fn pem_layout_does_not_matter() {
    let one_line: String = ALICE_PUB.lines().collect();
    let crlf = ALICE_PUB.replace('\n', "\r\n");
    let surrounded = format!("publicKeyPem:\n{ALICE_PUB}\n(end)");
    for pem in [one_line, crlf, surrounded] {
        let key = VerifyingKey::from_pem(&pem).unwrap();
        sign_and_check(&alice(), &key).unwrap();
    }
}

#[test]
fn the_public_key_of_another_pair_does_not_verify() {
    let err = sign_and_check(&alice(), &mallory_pub()).unwrap_err();
    assert!(matches!(err, SignatureError::BadSignature), "{err:?}");
}

#[test]
fn refuses_unusable_public_keys() {
    let truncated = ALICE_PUB.replace("-----END PUBLIC KEY-----", "");
    let not_base64 = "-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n";
    let not_der = "-----BEGIN PUBLIC KEY-----\naGVsbG8=\n-----END PUBLIC KEY-----\n";
    let cases = [
        ("", "no BEGIN line"),
        (
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
            "no BEGIN line",
        ),
        (truncated.as_str(), "no matching END line"),
        (not_base64, "not base64"),
        (not_der, "not valid SPKI DER"),
        (WEAK_PUB, "2048 to 8192 bits, not 1024"),
        (CAVAGE_TEST_PUB, "not 1024"),
        (ALICE_KEY, "`PRIVATE KEY` PEM block is not a public key"),
    ];
    for (pem, expected) in cases {
        match VerifyingKey::from_pem(pem) {
            Err(SignatureError::BadKey(message)) => {
                assert!(message.contains(expected), "{pem:?}: {message}");
            }
            other => panic!("{pem:?} gave {other:?}"),
        }
    }
}

#[test]
fn reads_an_ed25519_multikey() {
    let encoded = multibase(&[0xed, 0x01], &rfc_ed25519_raw());
    let key = VerifyingKey::from_multibase(&encoded).unwrap();
    assert_eq!(key.kind(), KeyKind::Ed25519);
    sign_and_check(&SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap(), &key).unwrap();
}

#[test]
fn reads_an_rsa_multikey() {
    use rsa::pkcs1::{DecodeRsaPublicKey as _, EncodeRsaPublicKey as _};
    let der = rsa::RsaPublicKey::from_pkcs1_pem(RFC_RSA_PUB)
        .unwrap()
        .to_pkcs1_der()
        .unwrap();
    let key = VerifyingKey::from_multibase(&multibase(&[0x85, 0x24], der.as_bytes())).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa);
    rsa_crate_signature_checks(RFC_RSA_KEY, &key).unwrap();
}

#[test]
fn refuses_unusable_multikeys() {
    let raw = rfc_ed25519_raw();
    let base64url = format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([&[0xed, 0x01], &raw[..]].concat())
    );
    let cases = [
        (base64url, "start with `z`"),
        ("z0OIl".to_owned(), "not valid base58"),
        (multibase(&[0xec, 0x01], &raw), "neither Ed25519 nor RSA"),
        (multibase(&[0xed, 0x01], &raw[..31]), "32 bytes"),
        (multibase(&[0x85, 0x24], b"not DER"), "PKCS#1"),
    ];
    for (encoded, expected) in cases {
        match VerifyingKey::from_multibase(&encoded) {
            Err(SignatureError::BadKey(message)) => {
                assert!(message.contains(expected), "{encoded}: {message}");
            }
            other => panic!("{encoded} gave {other:?}"),
        }
    }
}

#[test]
fn reads_private_keys_as_parvis_stores_them() {
    let key = SigningKey::from_pkcs8_pem(ALICE_KEY).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa);
    sign_and_check(&key, &key.verifying_key()).unwrap();
    sign_and_check(&key, &alice_pub()).unwrap();

    let pkcs1 = SigningKey::from_pkcs8_pem(ALICE_KEY_PKCS1).unwrap();
    sign_and_check(&pkcs1, &alice_pub()).unwrap();

    let ed25519 = SigningKey::from_pkcs8_pem(RFC_ED25519_KEY).unwrap();
    assert_eq!(ed25519.kind(), KeyKind::Ed25519);
    sign_and_check(&ed25519, &ed25519.verifying_key()).unwrap();
}

#[test]
fn refuses_unusable_private_keys() {
    for (pem, expected) in [
        (ALICE_PUB, "`PUBLIC KEY` PEM block is not a private key"),
        (
            "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----",
            "not a usable RSA or Ed25519 PKCS#8 key",
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\naGVsbG8=\n-----END RSA PRIVATE KEY-----",
            "not a usable RSA key",
        ),
    ] {
        match SigningKey::from_pkcs8_pem(pem) {
            Err(SignatureError::BadKey(message)) => {
                assert!(message.contains(expected), "{message}");
            }
            other => panic!("{pem:?} gave {other:?}"),
        }
    }
}

/// `ring` wants the two primes of an RSA key to have the same length. RFC 9421's `test-key-rsa` does
/// not (137 and 121 bytes), so it cannot sign here, although OpenSSL and the `rsa` crate accept it.
/// Keys generated by OpenSSL, the `rsa` crate or Mastodon are balanced.
#[test]
fn ring_refuses_unbalanced_rsa_private_keys() {
    match SigningKey::from_pkcs8_pem(RFC_RSA_KEY) {
        Err(SignatureError::BadKey(message)) => {
            assert!(message.contains("not a usable RSA key"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_of_a_private_key_shows_no_material() {
    let shown = format!("{:?}", alice());
    assert_eq!(shown, "SigningKey(RSA 2048 bits, redacted)");
}

#[test]
fn a_key_refuses_an_algorithm_of_another_kind() {
    let key = VerifyingKey::from_pem(RFC_ED25519_PUB).unwrap();
    let err = key.verify(Algorithm::RsaSha256, b"x", b"y").unwrap_err();
    assert!(
        matches!(
            err,
            SignatureError::KeyMismatch {
                key: KeyKind::Ed25519,
                ..
            }
        ),
        "{err:?}"
    );
}
