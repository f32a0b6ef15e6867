use super::*;

#[test]
fn a_claim_is_found_by_its_path() {
    let identity = Identity {
        issuer: "https://sso.example".into(),
        subject: "lea".into(),
        claims: serde_json::json!({
            "sub": "lea",
            "address": {"postal_code": "38000", "locality": "Grenoble"},
            "cog": 38185,
            "groups": ["a"]
        }),
    };
    assert_eq!(
        identity.claim("address.postal_code").as_deref(),
        Some("38000")
    );
    assert_eq!(identity.claim("cog").as_deref(), Some("38185"));
    assert_eq!(identity.claim("address.country"), None);
    assert_eq!(identity.claim("groups"), None);
    assert_eq!(identity.claim("sub.x"), None);
}

/// A provider of our own making: its key signs ID tokens that [`check_claims`] verifies through metadata
/// that publish the key, as a real provider's discovery does.
struct Signing {
    key: openidconnect::core::CoreRsaPrivateSigningKey,
    client: ClientOf,
}

const ISSUER: &str = "https://sso.ville.example";

fn signing() -> Signing {
    use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreResponseType};
    use openidconnect::{
        AuthUrl, EmptyAdditionalProviderMetadata, JsonWebKeyId, JsonWebKeySetUrl,
        PrivateSigningKey, ResponseTypes, TokenUrl,
    };
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let pem = private.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let key = openidconnect::core::CoreRsaPrivateSigningKey::from_pem(
        &pem,
        Some(JsonWebKeyId::new("k1".into())),
    )
    .unwrap();
    let metadata = CoreProviderMetadata::new(
        IssuerUrl::new(ISSUER.into()).unwrap(),
        AuthUrl::new(format!("{ISSUER}/auth")).unwrap(),
        JsonWebKeySetUrl::new(format!("{ISSUER}/jwks")).unwrap(),
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![openidconnect::core::CoreSubjectIdentifierType::Public],
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(TokenUrl::new(format!("{ISSUER}/token")).unwrap()))
    .set_jwks(CoreJsonWebKeySet::new(vec![key.as_verification_key()]));
    let settings = OidcSettings {
        issuer: ISSUER.into(),
        client_id: "parvis".into(),
        client_secret: "secret".into(),
        ..OidcSettings::default()
    };
    let redirect = RedirectUrl::new("https://ville.example/oidc/callback".into()).unwrap();
    let client = client_for(&settings, &redirect, &metadata);
    Signing { key, client }
}

impl Signing {
    /// An ID token for Léa, for `audience`, with `nonce`, expiring at `expires`.
    fn token(
        &self,
        audience: &str,
        nonce: &str,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> openidconnect::core::CoreIdToken {
        use openidconnect::core::{CoreIdTokenClaims, CoreJwsSigningAlgorithm};
        use openidconnect::{Audience, EmptyAdditionalClaims, StandardClaims, SubjectIdentifier};
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(ISSUER.into()).unwrap(),
            vec![Audience::new(audience.into())],
            expires,
            chrono::Utc::now() - chrono::Duration::minutes(10),
            StandardClaims::new(SubjectIdentifier::new("lea".into())),
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(nonce.into())));
        openidconnect::core::CoreIdToken::new(
            claims,
            &self.key,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap()
    }
}

#[test]
fn an_id_token_is_believed_only_for_us_this_login_and_in_time() {
    let provider = signing();
    let access = openidconnect::AccessToken::new("at".into());
    let nonce = Nonce::new("n-1".into());
    let later = chrono::Utc::now() + chrono::Duration::minutes(5);

    let good = provider.token("parvis", "n-1", later);
    assert_eq!(
        check_claims(&good, &provider.client, &nonce, &access)
            .map_err(OidcError::from)
            .as_deref(),
        Ok("lea")
    );
    // Its claims, read once verified.
    assert_eq!(payload(&good.to_string()).unwrap()["sub"], "lea");

    let expired = provider.token(
        "parvis",
        "n-1",
        chrono::Utc::now() - chrono::Duration::minutes(1),
    );
    assert_eq!(
        check_claims(&expired, &provider.client, &nonce, &access).map_err(OidcError::from),
        Err(OidcError::TokenExpired)
    );

    let other_login = provider.token("parvis", "n-2", later);
    assert_eq!(
        check_claims(&other_login, &provider.client, &nonce, &access).map_err(OidcError::from),
        Err(OidcError::WrongNonce)
    );

    let other_client = provider.token("another-app", "n-1", later);
    assert!(matches!(
        check_claims(&other_client, &provider.client, &nonce, &access),
        Err(Unchecked::Other(OidcError::InvalidToken(_)))
    ));

    // Signed by someone else's key: refused, as a signature the provider's keys do not verify (the one
    // case where its keys are read again, once).
    let forger = signing();
    let forged = forger.token("parvis", "n-1", later);
    assert!(matches!(
        check_claims(&forged, &provider.client, &nonce, &access),
        Err(Unchecked::Signature(_))
    ));
}
