//! Keys: parsed once (PEM, SPKI, PKCS#1, PKCS#8, FEP-521a Multikey) into cheap-to-clone values that
//! `ring` uses directly.

use std::sync::Arc;

use base64::Engine as _;
use ring::signature::{self as sig, Ed25519KeyPair, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::der::Decode as _;

use super::{Algorithm, Result, SignatureError};

/// OID of `rsaEncryption` (RFC 8017), the algorithm of every RSA `publicKeyPem` in the fediverse.
const OID_RSA: &str = "1.2.840.113549.1.1.1";
/// OID of `id-Ed25519` (RFC 8410).
const OID_ED25519: &str = "1.3.101.112";
/// Multicodec prefix of an Ed25519 public key in a Multikey (`ed25519-pub`, 0xed as a varint).
const MULTICODEC_ED25519: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an RSA public key (PKCS#1 DER) in a Multikey (`rsa-pub`, 0x1205 as a varint).
const MULTICODEC_RSA: [u8; 2] = [0x85, 0x24];
/// Smallest RSA modulus accepted: what `ring` verifies, and what every current server generates.
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted (`ring`'s limit).
const RSA_MAX_BITS: usize = 8192;

/// The kind of a key, which decides the algorithm when a signature does not name one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// An RSA key (draft-cavage `rsa-sha256`/`hs2019`, RFC 9421 `rsa-v1_5-sha256`).
    Rsa,
    /// An Ed25519 key (FEP-521a Multikey; RFC 9421 `ed25519`).
    Ed25519,
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa => "RSA",
            Self::Ed25519 => "Ed25519",
        })
    }
}

/// A public key ready to verify signatures, parsed once and cheap to clone (an `Arc` or 32 bytes), so
/// it can sit in a cache of remote actors' keys.
#[derive(Clone)]
pub struct VerifyingKey {
    inner: PublicInner,
}

#[derive(Clone)]
enum PublicInner {
    /// PKCS#1 `RSAPublicKey` DER, the form `ring` takes, and the modulus size in bits.
    Rsa {
        der: Arc<[u8]>,
        bits: usize,
    },
    Ed25519([u8; 32]),
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            PublicInner::Rsa { bits, .. } => write!(f, "VerifyingKey(RSA {bits} bits)"),
            PublicInner::Ed25519(_) => f.write_str("VerifyingKey(Ed25519)"),
        }
    }
}

impl VerifyingKey {
    /// Reads an actor's `publicKeyPem`: SPKI (`BEGIN PUBLIC KEY`, what Mastodon publishes; RSA or
    /// Ed25519) or PKCS#1 (`BEGIN RSA PUBLIC KEY`, which some older servers publish). Lenient about
    /// layout: CRLF, missing line breaks and text around the block are fine. RSA keys must have
    /// 2048 to 8192 bits.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = decode_pem(pem)?;
        match label {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&der),
            other => Err(SignatureError::BadKey(format!(
                "a `{other}` PEM block is not a public key"
            ))),
        }
    }

    /// Reads a FEP-521a Multikey `publicKeyMultibase`: `z` + base58btc of the multicodec prefix and
    /// the key, i.e. `0xed 0x01` + 32 bytes for Ed25519 (also `0x85 0x24` + PKCS#1 DER for RSA).
    pub fn from_multibase(multibase: &str) -> Result<Self> {
        let encoded = multibase.strip_prefix('z').ok_or_else(|| {
            SignatureError::BadKey("a Multikey must be base58btc (start with `z`)".into())
        })?;
        let bytes = bs58::decode(encoded)
            .into_vec()
            .map_err(|_| SignatureError::BadKey("the Multikey is not valid base58".into()))?;
        if let Some(key) = bytes.strip_prefix(&MULTICODEC_ED25519) {
            let key: [u8; 32] = key.try_into().map_err(|_| {
                SignatureError::BadKey("an Ed25519 Multikey must hold 32 bytes".into())
            })?;
            return Ok(Self {
                inner: PublicInner::Ed25519(key),
            });
        }
        if let Some(der) = bytes.strip_prefix(&MULTICODEC_RSA) {
            return Self::from_pkcs1_der(der);
        }
        Err(SignatureError::BadKey(
            "the Multikey is neither Ed25519 nor RSA".into(),
        ))
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self.inner {
            PublicInner::Rsa { .. } => KeyKind::Rsa,
            PublicInner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = rsa::pkcs8::SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|_| SignatureError::BadKey("the public key is not valid SPKI DER".into()))?;
        let key = spki.subject_public_key.as_bytes().ok_or_else(|| {
            SignatureError::BadKey("the public key bit string is not whole bytes".into())
        })?;
        let oid = spki.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => Self::from_pkcs1_der(key),
            OID_ED25519 => {
                let key: [u8; 32] = key.try_into().map_err(|_| {
                    SignatureError::BadKey("an Ed25519 key must hold 32 bytes".into())
                })?;
                Ok(Self {
                    inner: PublicInner::Ed25519(key),
                })
            }
            other => Err(SignatureError::BadKey(format!(
                "unsupported public key algorithm {other}"
            ))),
        }
    }

    fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = rsa::pkcs1::RsaPublicKey::from_der(der).map_err(|_| {
            SignatureError::BadKey("the RSA public key is not valid PKCS#1 DER".into())
        })?;
        let bits = bit_length(key.modulus.as_bytes());
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(SignatureError::BadKey(format!(
                "an RSA key must have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits, not {bits}"
            )));
        }
        Ok(Self {
            inner: PublicInner::Rsa {
                der: der.into(),
                bits,
            },
        })
    }

    /// Checks `signature` over `message`; `algorithm` must already match the key.
    pub(super) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let checked = match (&self.inner, algorithm) {
            (PublicInner::Rsa { der, .. }, Algorithm::RsaSha256) => {
                UnparsedPublicKey::new(&sig::RSA_PKCS1_2048_8192_SHA256, der.as_ref())
                    .verify(message, signature)
            }
            (PublicInner::Ed25519(key), Algorithm::Ed25519) => {
                UnparsedPublicKey::new(&sig::ED25519, key).verify(message, signature)
            }
            _ => {
                return Err(SignatureError::KeyMismatch {
                    algorithm: algorithm.name().to_owned(),
                    key: self.kind(),
                });
            }
        };
        checked.map_err(|_| SignatureError::BadSignature)
    }
}

/// A private key for signing outgoing requests, parsed once; clones share it.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<PrivateInner>,
}

enum PrivateInner {
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.inner.as_ref() {
            PrivateInner::Rsa(pair) => write!(
                f,
                "SigningKey(RSA {} bits, redacted)",
                pair.public().modulus_len() * 8
            ),
            PrivateInner::Ed25519(_) => f.write_str("SigningKey(Ed25519, redacted)"),
        }
    }
}

impl SigningKey {
    /// Reads a private key as Parvis stores them: PKCS#8 `BEGIN PRIVATE KEY` PEM, RSA (or Ed25519,
    /// for RFC 9421). A PKCS#1 `BEGIN RSA PRIVATE KEY` PEM is accepted too.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        let (label, der) = decode_pem(pem)?;
        let inner = match label {
            "PRIVATE KEY" => match RsaKeyPair::from_pkcs8(&der) {
                Ok(pair) => PrivateInner::Rsa(pair),
                Err(rsa_error) => match Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
                    Ok(pair) => PrivateInner::Ed25519(pair),
                    Err(_) => {
                        return Err(SignatureError::BadKey(format!(
                            "not a usable RSA or Ed25519 PKCS#8 key ({rsa_error})"
                        )));
                    }
                },
            },
            "RSA PRIVATE KEY" => PrivateInner::Rsa(
                RsaKeyPair::from_der(&der)
                    .map_err(|e| SignatureError::BadKey(format!("not a usable RSA key ({e})")))?,
            ),
            other => {
                return Err(SignatureError::BadKey(format!(
                    "a `{other}` PEM block is not a private key"
                )));
            }
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The matching public key, e.g. to check our own signatures in tests or a self-check at start-up.
    pub fn verifying_key(&self) -> VerifyingKey {
        let inner = match self.inner.as_ref() {
            PrivateInner::Rsa(pair) => PublicInner::Rsa {
                der: pair.public().as_ref().into(),
                bits: pair.public().modulus_len() * 8,
            },
            PrivateInner::Ed25519(pair) => {
                let mut key = [0u8; 32];
                key.copy_from_slice(pair.public_key().as_ref());
                PublicInner::Ed25519(key)
            }
        };
        VerifyingKey { inner }
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self.inner.as_ref() {
            PrivateInner::Rsa(_) => KeyKind::Rsa,
            PrivateInner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// Signs `message` with the key's algorithm (RSASSA-PKCS1-v1_5 SHA-256, or Ed25519).
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self.inner.as_ref() {
            PrivateInner::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public().modulus_len()];
                pair.sign(
                    &sig::RSA_PKCS1_SHA256,
                    &ring::rand::SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| SignatureError::BadKey("RSA signing failed".into()))?;
                Ok(signature)
            }
            PrivateInner::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    bytes.len() * 8 - bytes[0].leading_zeros() as usize
}

/// Decodes the first PEM block of `text`: its label and DER bytes. Whitespace inside the base64 is
/// ignored, so one-line PEM (seen in some actors' `publicKeyPem`) and CRLF both work.
fn decode_pem(text: &str) -> Result<(&str, Vec<u8>)> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let bad = |what: &str| SignatureError::BadKey(format!("invalid PEM: {what}"));
    let start = text.find(BEGIN).ok_or_else(|| bad("no BEGIN line"))? + BEGIN.len();
    let rest = &text[start..];
    let label_end = rest
        .find(DASHES)
        .ok_or_else(|| bad("unterminated BEGIN line"))?;
    let label = &rest[..label_end];
    let body = &rest[label_end + DASHES.len()..];
    let end_line = format!("-----END {label}-----");
    let body_end = body
        .find(&end_line)
        .ok_or_else(|| bad("no matching END line"))?;
    let body = &body[..body_end];
    if body.contains(':') {
        return Err(bad("encrypted or annotated PEM is not supported"));
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| bad("the body is not base64"))?;
    Ok((label, der))
}
