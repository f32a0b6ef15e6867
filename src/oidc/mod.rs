//! OpenID Connect, as a relying party (the `openidconnect` crate): sign in with a town's single sign-on or
//! FranceConnect, and verify residency from what the provider says of a person.
//!
//! One provider, configured in `[oidc]`. The flow is the authorization code flow with PKCE: [`Oidc::start`]
//! makes the provider's URL and a [`Pending`] login that the web layer keeps in the browser's session (so a
//! callback only completes a login started in the same browser); [`Oidc::finish`] checks the callback's
//! `state` against it, exchanges the code, verifies the ID token (signature with the provider's published
//! keys, issuer, audience, expiry, the `nonce` of this login, the access token's hash) and returns the
//! [`Identity`]. What the identity is used for (an account, a residency) is decided in `civic/`.

mod http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;
use url::Url;

use crate::config::OidcSettings;
use crate::federation::http::{GuardedClient, OutboundPolicy};

pub use http::OidcHttp;

/// How long a login may take at the provider.
pub const LOGIN_LIFE: Duration = Duration::from_secs(10 * 60);
/// How long the provider's metadata and keys are kept before being read again.
const METADATA_LIFE: Duration = Duration::from_secs(10 * 60);

/// What a login is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Signing in (or opening an account, when the instance lets the provider do so).
    SignIn,
    /// Linking the provider's identity to the signed-in account and verifying its residency.
    Verify,
}

/// A login started here and not finished yet, kept in the browser's session until the callback.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    state: String,
    nonce: String,
    verifier: Option<String>,
    pub purpose: Purpose,
    /// The account a verification is for (the one signed in when it started).
    pub account: Option<i64>,
    /// Where to go afterwards (a local path).
    pub next: String,
    /// When it started (seconds since 1970).
    started: i64,
}

/// What the provider's redirect brings back: a code, or an error, with the state.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Who the provider says the person is.
#[derive(Clone, Debug)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// Every claim of the verified ID token, and those of the userinfo endpoint it lacked.
    pub claims: Value,
}

impl Identity {
    /// The claim at `path` (`address.postal_code`) as text, if it is a string or a number.
    pub fn claim(&self, path: &str) -> Option<String> {
        let mut at = &self.claims;
        for part in path.split('.') {
            at = at.get(part)?;
        }
        match at {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Why a login did not complete. Each says what a person can do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// No login was started in this browser (or it was already completed).
    #[error(
        "no sign-in with the provider was started in this browser, or it was already completed"
    )]
    NotStarted,
    /// The login was started more than [`LOGIN_LIFE`] ago.
    #[error("the sign-in with the provider took too long; start again")]
    Expired,
    /// The callback's state is not that of the login started here (a forged or mixed-up link).
    #[error("the provider's answer does not belong to the sign-in started here")]
    WrongState,
    /// The person said no at the provider.
    #[error("the sign-in was cancelled at the provider")]
    Denied,
    /// The provider answered with an error, or refused the code (expired, used, wrong verifier).
    #[error("the provider refused: {0}")]
    Refused(String),
    /// The provider cannot be reached, or answered with something unusable.
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    /// The ID token's nonce is not this login's (a token of another login, replayed).
    #[error("the provider's token was made for another sign-in (wrong nonce)")]
    WrongNonce,
    /// The ID token has expired.
    #[error("the provider's token has expired")]
    TokenExpired,
    /// The ID token is not valid for us (signature, issuer, audience, access token hash…).
    #[error("the provider's token is not valid: {0}")]
    InvalidToken(String),
}

impl From<OidcError> for crate::error::Error {
    fn from(e: OidcError) -> Self {
        use crate::error::Error;
        match e {
            OidcError::Unreachable(_) => Error::BadGateway(e.to_string()),
            OidcError::Expired => Error::Gone(e.to_string()),
            _ => Error::BadRequest(e.to_string()),
        }
    }
}

/// The configured provider, its metadata read when first needed and kept [`METADATA_LIFE`].
pub struct Oidc {
    settings: OidcSettings,
    http: OidcHttp,
    redirect: RedirectUrl,
    metadata: Mutex<Option<(Instant, Arc<CoreProviderMetadata>)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Oidc {
    /// The provider of `[oidc]`, if one is configured. Its host may be on a private network (a town's
    /// intranet): the admin chose it, so the outgoing guard lets it through, and only it.
    pub fn new(
        settings: &OidcSettings,
        policy: &OutboundPolicy,
        public_url: &Url,
    ) -> crate::error::Result<Option<Oidc>> {
        if !settings.enabled() {
            return Ok(None);
        }
        let mut policy = policy.clone();
        policy.allowed_hosts.extend(settings.issuer_host());
        let client = GuardedClient::new(policy)
            .map_err(|e| crate::error::Error::invalid("oidc", e.to_string()))?;
        let redirect = public_url
            .join("/oidc/callback")
            .map_err(|e| crate::error::Error::invalid("server.public_url", e.to_string()))?;
        Ok(Some(Oidc {
            settings: settings.clone(),
            http: OidcHttp::new(client),
            redirect: RedirectUrl::from_url(redirect),
            metadata: Mutex::new(None),
        }))
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The provider's discovery document and keys, read again after [`METADATA_LIFE`] (keys rotate) or when
    /// `refresh` asks for it (a token signed with a key we do not know yet).
    async fn metadata(&self, refresh: bool) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        let mut cached = self.metadata.lock().await;
        if let Some((read, metadata)) = cached.as_ref()
            && !refresh
            && read.elapsed() < METADATA_LIFE
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(error_chain(&e)))?;
        let metadata = Arc::new(metadata);
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: &CoreProviderMetadata) -> ClientOf {
        client_for(&self.settings, &self.redirect, metadata)
    }

    /// Starts a login: the provider's authorization URL to send the browser to, and what to keep of it.
    pub async fn start(
        &self,
        purpose: Purpose,
        account: Option<i64>,
        next: String,
    ) -> Result<(Url, Pending), OidcError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata);
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.settings.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        if !self.settings.acr_values.trim().is_empty() {
            request =
                request.add_extra_param("acr_values", self.settings.acr_values.trim().to_string());
        }
        let verifier = if self.settings.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            Some(verifier.secret().clone())
        } else {
            None
        };
        let (url, state, nonce) = request.url();
        Ok((
            url,
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier,
                purpose,
                account,
                next,
                started: now_secs(),
            },
        ))
    }

    /// Completes a login from the provider's callback: `pending` is what [`Oidc::start`] returned in this
    /// browser (taken out of its session, so that a callback is used once).
    pub async fn finish(
        &self,
        pending: Option<Pending>,
        callback: &Callback,
    ) -> Result<Identity, OidcError> {
        let pending = pending.ok_or(OidcError::NotStarted)?;
        let sent = callback.state.as_deref().unwrap_or("");
        if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(pending.state.as_bytes())) {
            return Err(OidcError::WrongState);
        }
        if now_secs() - pending.started > LOGIN_LIFE.as_secs() as i64 {
            return Err(OidcError::Expired);
        }
        if let Some(error) = &callback.error {
            return Err(if error == "access_denied" {
                OidcError::Denied
            } else {
                OidcError::Refused(match &callback.error_description {
                    Some(d) => format!("{error}: {d}"),
                    None => error.clone(),
                })
            });
        }
        let code = callback
            .code
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OidcError::Refused("no code in the answer".into()))?;
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata);
        let mut exchange = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        if let Some(verifier) = pending.verifier.clone() {
            exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(verifier));
        }
        let tokens = exchange
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    OidcError::Refused(match r.error_description() {
                        Some(d) => format!("{}: {d}", r.error()),
                        None => r.error().to_string(),
                    })
                }
                other => OidcError::Unreachable(error_chain(&other)),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::InvalidToken("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        // A token signed with a key we have not read yet: the provider rotated its keys; read them again once.
        let verified = match check_claims(id_token, &client, &nonce, tokens.access_token()) {
            Err(Unchecked::Signature(_)) => {
                let metadata = self.metadata(true).await?;
                let client = self.client(&metadata);
                check_claims(id_token, &client, &nonce, tokens.access_token())
                    .map_err(OidcError::from)?
            }
            checked => checked.map_err(OidcError::from)?,
        };
        let mut identity = Identity {
            issuer: self.settings.issuer.clone(),
            subject: verified,
            claims: payload(&id_token.to_string())?,
        };
        // FranceConnect and others say little in the ID token: what residency needs may be in userinfo.
        let residency = &self.settings.residency_claim;
        if !residency.is_empty()
            && identity.claim(residency).is_none()
            && metadata.userinfo_endpoint().is_some()
        {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(openidconnect::SubjectIdentifier::new(
                        identity.subject.clone(),
                    )),
                )
                .map_err(|e| OidcError::Unreachable(e.to_string()))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::Unreachable(error_chain(&e)))?;
            let info =
                serde_json::to_value(&info).map_err(|e| OidcError::InvalidToken(e.to_string()))?;
            // The token's claims win: userinfo only fills in what it lacked.
            if let (Value::Object(claims), Value::Object(info)) = (&mut identity.claims, info) {
                for (k, v) in info {
                    claims.entry(k).or_insert(v);
                }
            }
        }
        Ok(identity)
    }
}

type ClientOf = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The `openidconnect` client for our settings and the provider's metadata.
fn client_for(
    settings: &OidcSettings,
    redirect: &RedirectUrl,
    metadata: &CoreProviderMetadata,
) -> ClientOf {
    let secret = Some(settings.client_secret.clone())
        .filter(|s| !s.is_empty())
        .map(ClientSecret::new);
    CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(settings.client_id.clone()),
        secret,
    )
    .set_redirect_uri(redirect.clone())
}

/// Claims beyond the standard ones (a town's `cog`, FranceConnect's `birthplace`…), kept as they came.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ExtraClaims {
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

impl openidconnect::AdditionalClaims for ExtraClaims {}

/// Verifies the ID token for this client and login, and returns its subject.
/// Why an ID token was not believed: its signature (perhaps by a key not read yet), or anything else.
enum Unchecked {
    Signature(String),
    Other(OidcError),
}

impl From<Unchecked> for OidcError {
    fn from(unchecked: Unchecked) -> OidcError {
        match unchecked {
            Unchecked::Signature(why) => OidcError::InvalidToken(why),
            Unchecked::Other(e) => e,
        }
    }
}

impl From<OidcError> for Unchecked {
    fn from(e: OidcError) -> Unchecked {
        Unchecked::Other(e)
    }
}

/// Verifies an ID token once (signature, issuer, audience, expiry, nonce, `at_hash`); returns its subject.
fn check_claims(
    id_token: &openidconnect::core::CoreIdToken,
    client: &ClientOf,
    nonce: &Nonce,
    access_token: &openidconnect::AccessToken,
) -> Result<String, Unchecked> {
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, nonce).map_err(|e| match e {
        ClaimsVerificationError::SignatureVerification(e) => Unchecked::Signature(e.to_string()),
        ClaimsVerificationError::Expired(_) => Unchecked::Other(OidcError::TokenExpired),
        ClaimsVerificationError::InvalidNonce(_) => Unchecked::Other(OidcError::WrongNonce),
        other => Unchecked::Other(OidcError::InvalidToken(other.to_string())),
    })?;
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token
            .signing_alg()
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        let key = id_token
            .signing_key(&verifier)
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        let actual = AccessTokenHash::from_token(access_token, alg, key)
            .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
        if actual != *expected {
            return Err(Unchecked::Other(OidcError::InvalidToken(
                "the access token is not the one the ID token was made with".into(),
            )));
        }
    }
    Ok(claims.subject().as_str().to_string())
}

/// The claims of an ID token already verified (its payload, as JSON).
fn payload(jwt: &str) -> Result<Value, OidcError> {
    let part = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| OidcError::InvalidToken("not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| OidcError::InvalidToken(e.to_string()))
}

/// An error with its causes, for the log and the page.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
