//! OAuth 2 for Mastodon apps, as Mastodon does it (RFC 6749's authorization code with PKCE, RFC 7636 S256
//! only; client credentials; RFC 7009 revocation): apps register themselves, a person approves one on the
//! consent page, the app exchanges the one-time code for a token holding the scopes granted.
//!
//! Written here rather than taken from `oxide-auth`: its primitives are synchronous and in-memory first, while
//! ours live in the database behind async handlers, and Mastodon's parts (self-registered apps, the
//! out-of-band redirect, scopes narrowed per authorization) would have been ours to write anyway. What the
//! protocol needs of cryptography (SHA-256, base64url, random bytes) comes from the crates already used.

pub mod scopes;

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use url::Url;

pub use scopes::{Resource, Scope, Scopes};

use crate::civic::now;
use crate::civic::tokens::{digest, random_code};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::{api_tokens, oauth_app_tokens, oauth_apps, oauth_codes};

/// The redirect URI of apps that show the code for the person to copy (no redirect).
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// How long an authorization code may wait to be exchanged.
pub const CODE_LIFE: Duration = Duration::minutes(10);

/// A registered app.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_apps)]
pub struct App {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub website: Option<String>,
    redirect_uris: String,
    scopes: String,
    pub created_at: NaiveDateTime,
}

impl App {
    pub fn redirect_uris(&self) -> Vec<&str> {
        self.redirect_uris.lines().collect()
    }

    /// The scopes the app registered: the most it may be granted.
    pub fn scopes(&self) -> Scopes {
        Scopes::stored(&self.scopes)
    }
}

/// An app as it registers (`POST /api/v1/apps`).
#[derive(Clone, Debug, Default)]
pub struct NewApp {
    pub name: String,
    pub website: Option<String>,
    /// One or more, one per line or separated by spaces (as Mastodon reads them).
    pub redirect_uris: Vec<String>,
    /// Space-separated; `read` when none.
    pub scopes: Option<String>,
}

/// A registered app and its secret, shown this once.
pub struct Registered {
    pub app: App,
    pub client_secret: String,
}

/// Why an OAuth request is refused, in RFC 6749's words (§5.2, §4.1.2.1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("client authentication failed: unknown client or wrong secret")]
    InvalidClient,
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("the grant type is not supported: authorization_code and client_credentials are")]
    UnsupportedGrantType,
    #[error("only the response type 'code' is supported")]
    UnsupportedResponseType,
    #[error("the person refused")]
    AccessDenied,
}

impl OAuthError {
    /// The `error` code of the answer.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::UnsupportedResponseType => "unsupported_response_type",
            OAuthError::AccessDenied => "access_denied",
        }
    }

    /// 401 for a client that failed to authenticate, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            OAuthError::InvalidClient => 401,
            _ => 400,
        }
    }
}

/// Whether a redirect URI may be registered: the out-of-band one, or an absolute URI without fragment (an
/// app's own scheme, `tusky://oauth`, is one).
fn valid_redirect(uri: &str) -> bool {
    uri == OOB
        || Url::parse(uri).is_ok_and(|u| {
            u.fragment().is_none() && !matches!(u.scheme(), "javascript" | "data" | "file")
        })
}

/// Registers an app: its client id and secret (only the secret's hash is kept).
pub fn register(conn: &mut AnyConnection, new: NewApp) -> Result<Registered> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "client_name",
            "give the app's name (one line, at most 100 characters)",
        ));
    }
    let website = new
        .website
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    if let Some(w) = &website
        && !Url::parse(w).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(Error::invalid("website", "must be an http(s) URL"));
    }
    let uris: Vec<String> = new
        .redirect_uris
        .iter()
        .flat_map(|u| u.split_whitespace())
        .map(str::to_string)
        .collect();
    if uris.is_empty() || uris.len() > 10 {
        return Err(Error::invalid(
            "redirect_uris",
            "give between one and ten redirect URIs",
        ));
    }
    if let Some(bad) = uris.iter().find(|u| !valid_redirect(u)) {
        return Err(Error::invalid(
            "redirect_uris",
            format!("'{bad}' is not an absolute URI without fragment, nor {OOB}"),
        ));
    }
    let scopes = Scopes::parse(new.scopes.as_deref().unwrap_or("read"))
        .map_err(|e| Error::invalid("scopes", e.to_string()))?;
    let scopes = if scopes.is_empty() {
        Scopes::parse("read").unwrap_or_default()
    } else {
        scopes
    };
    let client_id = random_code(32);
    let client_secret = random_code(32);
    diesel::insert_into(oauth_apps::table)
        .values((
            oauth_apps::client_id.eq(&client_id),
            oauth_apps::client_secret_sha256.eq(digest(&client_secret)),
            oauth_apps::name.eq(name),
            oauth_apps::website.eq(website),
            oauth_apps::redirect_uris.eq(uris.join("\n")),
            oauth_apps::scopes.eq(scopes.to_string()),
            oauth_apps::created_at.eq(now()),
        ))
        .execute(conn)?;
    let app = app_by_client_id(conn, &client_id)?
        .ok_or_else(|| Error::internal("the app just registered is missing"))?;
    Ok(Registered { app, client_secret })
}

pub fn app_by_client_id(conn: &mut AnyConnection, client_id: &str) -> Result<Option<App>> {
    Ok(oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select(App::as_select())
        .first(conn)
        .optional()?)
}

/// The app whose id and secret these are.
pub fn authenticate_client(
    conn: &mut AnyConnection,
    client_id: &str,
    client_secret: &str,
) -> Result<std::result::Result<App, OAuthError>> {
    let found: Option<(String, App)> = oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select((oauth_apps::client_secret_sha256, App::as_select()))
        .first(conn)
        .optional()?;
    Ok(match found {
        Some((hash, app)) if hash == digest(client_secret) => Ok(app),
        _ => Err(OAuthError::InvalidClient),
    })
}

/// What an app asks of a person (`GET /oauth/authorize`), checked.
#[derive(Clone, Debug)]
pub struct Authorization {
    pub app: App,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// The parameters of an authorization request, as sent.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuthorizationParams {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Why an authorization request is refused: either it cannot be trusted to redirect (an unknown app, a
/// redirect URI it did not register: the person is told, never sent there), or the app is told at its
/// redirect URI.
#[derive(Clone, Debug)]
pub enum AuthorizeRefusal {
    NotRedirectable(String),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

/// Checks an authorization request against the app's registration.
pub fn check_authorization(
    conn: &mut AnyConnection,
    params: &AuthorizationParams,
) -> Result<std::result::Result<Authorization, AuthorizeRefusal>> {
    let Some(app) = app_by_client_id(conn, &params.client_id)? else {
        return Ok(Err(AuthorizeRefusal::NotRedirectable(
            "no app is registered here with this client_id".into(),
        )));
    };
    // An app with one redirect URI may leave it out.
    let redirect_uri = match (params.redirect_uri.as_str(), app.redirect_uris().as_slice()) {
        ("", [only]) => only.to_string(),
        (asked, registered) if registered.contains(&asked) => asked.to_string(),
        _ => {
            return Ok(Err(AuthorizeRefusal::NotRedirectable(
                "the redirect_uri is not one the app registered".into(),
            )));
        }
    };
    let refuse = |error| {
        Ok(Err(AuthorizeRefusal::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: params.state.clone(),
            error,
        }))
    };
    if params.response_type != "code" {
        return refuse(OAuthError::UnsupportedResponseType);
    }
    let scopes = match Scopes::parse(params.scope.as_deref().unwrap_or("read")) {
        Ok(s) if s.is_empty() => Scopes::parse("read").unwrap_or_default(),
        Ok(s) => s,
        Err(e) => return refuse(OAuthError::InvalidScope(e.to_string())),
    };
    if !app.scopes().include(&scopes) {
        return refuse(OAuthError::InvalidScope(format!(
            "the app registered '{}' and asks for '{scopes}'",
            app.scopes()
        )));
    }
    let code_challenge = params.code_challenge.clone().filter(|c| !c.is_empty());
    if code_challenge.is_some() && params.code_challenge_method.as_deref() != Some("S256") {
        return refuse(OAuthError::InvalidRequest(
            "code_challenge_method must be S256".into(),
        ));
    }
    if code_challenge.as_ref().is_some_and(|c| {
        c.len() != 43
            || !c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) {
        return refuse(OAuthError::InvalidRequest(
            "code_challenge must be the base64url SHA-256 of the verifier".into(),
        ));
    }
    Ok(Ok(Authorization {
        app,
        redirect_uri,
        scopes,
        state: params.state.clone(),
        code_challenge,
    }))
}

/// The person approved: a one-time code for the app (only its hash kept).
pub fn grant_code(
    conn: &mut AnyConnection,
    account: ActorId,
    authorization: &Authorization,
) -> Result<String> {
    let code = random_code(32);
    diesel::insert_into(oauth_codes::table)
        .values((
            oauth_codes::code_sha256.eq(digest(&code)),
            oauth_codes::app_id.eq(authorization.app.id),
            oauth_codes::account_id.eq(account),
            oauth_codes::redirect_uri.eq(&authorization.redirect_uri),
            oauth_codes::scopes.eq(authorization.scopes.to_string()),
            oauth_codes::code_challenge.eq(&authorization.code_challenge),
            oauth_codes::created_at.eq(now()),
            oauth_codes::expires_at.eq(now() + CODE_LIFE),
        ))
        .execute(conn)?;
    Ok(code)
}

/// A token issued: the secret (shown once) and what it may do.
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_token: String,
    pub scopes: Scopes,
    pub created_at: NaiveDateTime,
}

/// RFC 7636 S256: the base64url SHA-256 of the verifier.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Exchanges a code for a token for the person who approved (`grant_type=authorization_code`). A code is
/// used once; a wrong redirect URI or PKCE verifier, or an expired code, is `invalid_grant` and burns it.
pub fn exchange_code(
    conn: &mut AnyConnection,
    app: &App,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<std::result::Result<Issued, OAuthError>> {
    type Row = (
        i64,
        ActorId,
        String,
        String,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let found: Option<Row> = oauth_codes::table
        .filter(oauth_codes::code_sha256.eq(digest(code)))
        .filter(oauth_codes::app_id.eq(app.id))
        .select((
            oauth_codes::id,
            oauth_codes::account_id,
            oauth_codes::redirect_uri,
            oauth_codes::scopes,
            oauth_codes::code_challenge,
            oauth_codes::expires_at,
            oauth_codes::used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, account, granted_uri, scopes, challenge, expires, used)) = found else {
        return Ok(Err(OAuthError::InvalidGrant(
            "the code is unknown, or was given to another app".into(),
        )));
    };
    if used.is_some() {
        return Ok(Err(OAuthError::InvalidGrant(
            "the code was already used".into(),
        )));
    }
    // Used now, whatever follows: a code that failed a check is not tried again.
    let claimed = diesel::update(
        oauth_codes::table
            .find(id)
            .filter(oauth_codes::used_at.is_null()),
    )
    .set(oauth_codes::used_at.eq(Some(now())))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(Err(OAuthError::InvalidGrant(
            "the code was already used".into(),
        )));
    }
    if expires <= now() {
        return Ok(Err(OAuthError::InvalidGrant("the code has expired".into())));
    }
    if granted_uri != redirect_uri {
        return Ok(Err(OAuthError::InvalidGrant(
            "the redirect_uri is not the one the code was given for".into(),
        )));
    }
    if let Some(challenge) = challenge {
        let Some(verifier) = verifier.filter(|v| (43..=128).contains(&v.len())) else {
            return Ok(Err(OAuthError::InvalidGrant(
                "this code needs its PKCE code_verifier".into(),
            )));
        };
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            s256(verifier).as_bytes(),
            challenge.as_bytes(),
        )) {
            return Ok(Err(OAuthError::InvalidGrant(
                "the code_verifier does not match the code_challenge".into(),
            )));
        }
    }
    let holder = crate::db::queries::account_by_id(conn, account)?;
    if !holder.is_some_and(|(actor, acc)| actor.deleted_at.is_none() && acc.suspended().is_none()) {
        return Ok(Err(OAuthError::InvalidGrant(
            "the account that approved is suspended or gone".into(),
        )));
    }
    let access_token = random_code(32);
    let created_at = now();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::account_id.eq(account),
            api_tokens::token_sha256.eq(digest(&access_token)),
            api_tokens::created_at.eq(created_at),
            api_tokens::app_id.eq(Some(app.id)),
            api_tokens::scopes.eq(&scopes),
        ))
        .execute(conn)?;
    Ok(Ok(Issued {
        access_token,
        scopes: Scopes::stored(&scopes),
        created_at,
    }))
}

/// A token for the app itself (`grant_type=client_credentials`): it opens no account.
pub fn client_token(
    conn: &mut AnyConnection,
    app: &App,
    scope: Option<&str>,
) -> Result<std::result::Result<Issued, OAuthError>> {
    let scopes = match Scopes::parse(scope.unwrap_or("read")) {
        Ok(s) if s.is_empty() => Scopes::parse("read").unwrap_or_default(),
        Ok(s) => s,
        Err(e) => return Ok(Err(OAuthError::InvalidScope(e.to_string()))),
    };
    if !app.scopes().include(&scopes) {
        return Ok(Err(OAuthError::InvalidScope(format!(
            "the app registered '{}' and asks for '{scopes}'",
            app.scopes()
        ))));
    }
    let access_token = random_code(32);
    let created_at = now();
    diesel::insert_into(oauth_app_tokens::table)
        .values((
            oauth_app_tokens::app_id.eq(app.id),
            oauth_app_tokens::token_sha256.eq(digest(&access_token)),
            oauth_app_tokens::scopes.eq(scopes.to_string()),
            oauth_app_tokens::created_at.eq(created_at),
        ))
        .execute(conn)?;
    Ok(Ok(Issued {
        access_token,
        scopes,
        created_at,
    }))
}

/// The app a token of its own (client credentials) or of a person belongs to, and the token's scopes.
pub fn app_of_token(conn: &mut AnyConnection, token: &str) -> Result<Option<(App, Scopes)>> {
    let hash = digest(token);
    let own: Option<(App, String)> = oauth_app_tokens::table
        .inner_join(oauth_apps::table)
        .filter(oauth_app_tokens::token_sha256.eq(&hash))
        .select((App::as_select(), oauth_app_tokens::scopes))
        .first(conn)
        .optional()?;
    if let Some((app, scopes)) = own {
        return Ok(Some((app, Scopes::stored(&scopes))));
    }
    let person: Option<(App, String)> = api_tokens::table
        .inner_join(oauth_apps::table)
        .filter(api_tokens::token_sha256.eq(&hash))
        .select((App::as_select(), api_tokens::scopes))
        .first(conn)
        .optional()?;
    Ok(person.map(|(app, scopes)| (app, Scopes::stored(&scopes))))
}

/// Whether this digest is that of an app's own token (client credentials).
pub fn is_app_token(conn: &mut AnyConnection, token_sha256: &str) -> Result<bool> {
    Ok(oauth_app_tokens::table
        .filter(oauth_app_tokens::token_sha256.eq(token_sha256))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Revokes a token the app holds (RFC 7009: unknown tokens are not an error).
pub fn revoke(conn: &mut AnyConnection, app: &App, token: &str) -> Result<()> {
    let hash = digest(token);
    diesel::delete(
        api_tokens::table
            .filter(api_tokens::token_sha256.eq(&hash))
            .filter(api_tokens::app_id.eq(app.id)),
    )
    .execute(conn)?;
    diesel::delete(
        oauth_app_tokens::table
            .filter(oauth_app_tokens::token_sha256.eq(&hash))
            .filter(oauth_app_tokens::app_id.eq(app.id)),
    )
    .execute(conn)?;
    Ok(())
}

/// An app a person authorized: the app, the scopes of its newest token, when it was authorized and last used.
#[derive(Clone, Debug)]
pub struct Authorized {
    pub app: App,
    pub scopes: Scopes,
    pub since: NaiveDateTime,
    pub last_used: Option<NaiveDateTime>,
}

/// The apps holding tokens of this person, for their settings.
pub fn authorized_apps(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Authorized>> {
    let rows: Vec<(App, String, NaiveDateTime, Option<NaiveDateTime>)> = api_tokens::table
        .inner_join(oauth_apps::table)
        .filter(api_tokens::account_id.eq(account))
        .order(api_tokens::id.asc())
        .select((
            App::as_select(),
            api_tokens::scopes,
            api_tokens::created_at,
            api_tokens::last_used_at,
        ))
        .load(conn)?;
    let mut apps: Vec<Authorized> = Vec::new();
    for (app, scopes, created, used) in rows {
        match apps.iter_mut().find(|a| a.app.id == app.id) {
            Some(known) => {
                known.scopes = Scopes::stored(&scopes);
                known.last_used = known.last_used.max(used);
            }
            None => apps.push(Authorized {
                app,
                scopes: Scopes::stored(&scopes),
                since: created,
                last_used: used,
            }),
        }
    }
    Ok(apps)
}

/// The person takes an app's access away: every token it holds for them goes. Returns how many.
pub fn revoke_app(conn: &mut AnyConnection, account: ActorId, app: i64) -> Result<usize> {
    Ok(diesel::delete(
        api_tokens::table
            .filter(api_tokens::account_id.eq(account))
            .filter(api_tokens::app_id.eq(app)),
    )
    .execute(conn)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn s256_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn redirect_uris_are_absolute_or_out_of_band() {
        assert!(valid_redirect("https://app.example/callback"));
        assert!(valid_redirect("tusky://oauth"));
        assert!(valid_redirect(OOB));
        assert!(!valid_redirect("/callback"));
        assert!(!valid_redirect("https://app.example/cb#frag"));
        assert!(!valid_redirect("javascript:alert(1)"));
    }
}
