//! Actor key pairs.

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::error::{Error, Result};

/// An RSA key pair in PEM: SPKI for the public half (what Mastodon's `publicKeyPem` expects), PKCS#8 for the
/// private half.
pub struct KeyPair {
    pub public_pem: String,
    pub private_pem: String,
}

/// Creates the RSA-2048 key pair every actor is born with: RSA because every fediverse server verifies
/// `rsa-sha256`, 2048 bits because that is what Mastodon generates and expects.
pub fn generate() -> Result<KeyPair> {
    let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(Error::internal)?;
    let public_pem = RsaPublicKey::from(&private)
        .to_public_key_pem(LineEnding::LF)
        .map_err(Error::internal)?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(Error::internal)?
        .to_string();
    Ok(KeyPair {
        public_pem,
        private_pem,
    })
}
