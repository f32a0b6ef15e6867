//! OAuth 2 endpoints for Mastodon apps: app registration (`POST /api/v1/apps`), the token endpoint
//! (`authorization_code` with PKCE, `client_credentials`), revocation (RFC 7009) and the server's metadata
//! (RFC 8414, as Mastodon 4.3 publishes it). The consent page is in `web/oauth.rs`; the rules in
//! `civic/oauth`. OAuth endpoints answer errors in RFC 6749's shape: `error` and `error_description`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::body::Body;
use crate::civic::oauth::{self, App, Issued, OAuthError};
use crate::context::AppContext;
use crate::error::{Error, Result};

/// An app as `POST /api/v1/apps` answers it (Mastodon's Application entity).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationDto {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    /// Only when it registers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
}

fn application(app: &App, secret: Option<String>) -> ApplicationDto {
    let uris: Vec<String> = app.redirect_uris().iter().map(|u| u.to_string()).collect();
    ApplicationDto {
        id: app.id.to_string(),
        name: app.name.clone(),
        website: app.website.clone(),
        scopes: app.scopes().iter().map(|s| s.to_string()).collect(),
        redirect_uri: uris.join("\n"),
        redirect_uris: uris,
        client_id: secret.as_ref().map(|_| app.client_id.clone()),
        client_secret_expires_at: secret.as_ref().map(|_| 0),
        client_secret: secret,
    }
}

/// What an app sends to register. `redirect_uris` may be one string (one URI a line) or a list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewAppBody {
    #[serde(default)]
    pub client_name: String,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub redirect_uris: serde_json::Value,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

/// Registers an app: its client id and secret (the secret is shown this once).
#[utoipa::path(post, path = "/api/v1/apps", tag = "oauth", request_body = NewAppBody,
    responses((status = 200, body = ApplicationDto), (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(ctx): State<AppContext>,
    Body(body): Body<NewAppBody>,
) -> Result<Json<ApplicationDto>> {
    let redirect_uris = match body.redirect_uris {
        serde_json::Value::String(s) => vec![s],
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => Ok(s),
                _ => Err(Error::invalid("redirect_uris", "each redirect URI is text")),
            })
            .collect::<Result<_>>()?,
        _ => Vec::new(),
    };
    let new = oauth::NewApp {
        name: body.client_name,
        website: body.website,
        redirect_uris,
        scopes: body.scopes,
    };
    let registered = ctx
        .db
        .transaction(move |conn| oauth::register(conn, new))
        .await?;
    Ok(Json(application(
        &registered.app,
        Some(registered.client_secret),
    )))
}

/// The app a token belongs to (its own, from client credentials, or a person's it holds).
#[utoipa::path(get, path = "/api/v1/apps/verify_credentials", tag = "oauth", security(("bearer" = [])),
    responses((status = 200, body = ApplicationDto), (status = 401, body = crate::error::ErrorBody)))]
pub async fn verify_app(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
) -> Result<Json<ApplicationDto>> {
    let token = crate::api::auth::bearer(&headers)
        .ok_or_else(|| Error::Unauthorized("this endpoint needs an app's access token".into()))?
        .to_string();
    let found = ctx
        .db
        .run(move |conn| oauth::app_of_token(conn, &token))
        .await?;
    match found {
        Some((app, _)) => Ok(Json(application(&app, None))),
        None => Err(Error::Unauthorized("the access token is invalid".into())),
    }
}

/// An OAuth answer: a token, or nothing (revocation).
pub enum OAuthAnswer {
    Token(Issued),
    Empty,
}

const NO_STORE: [(header::HeaderName, &str); 1] = [(header::CACHE_CONTROL, "no-store")];

impl IntoResponse for OAuthAnswer {
    fn into_response(self) -> Response {
        match self {
            OAuthAnswer::Token(issued) => (
                NO_STORE,
                Json(json!({
                    "access_token": issued.access_token,
                    "token_type": "Bearer",
                    "scope": issued.scopes.to_string(),
                    "created_at": issued.created_at.and_utc().timestamp(),
                })),
            )
                .into_response(),
            OAuthAnswer::Empty => (NO_STORE, Json(json!({}))).into_response(),
        }
    }
}

/// Why an OAuth endpoint did not answer: RFC 6749's error, or one of ours (the database).
pub enum Failure {
    OAuth(OAuthError),
    Internal(Error),
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Failure::OAuth(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Internal(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let error = match self {
            Failure::Internal(e) => return e.into_response(),
            Failure::OAuth(error) => error,
        };
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (
            status,
            NO_STORE,
            Json(json!({"error": error.code(), "error_description": error.to_string()})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"Parvis\""),
            );
        }
        response
    }
}

/// What the token and revocation endpoints take (form or JSON, as apps send either).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TokenBody {
    #[serde(default)]
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    /// Revocation: the token to revoke.
    pub token: Option<String>,
}

/// The client's id and secret: HTTP Basic (`client_secret_basic`) or in the body (`client_secret_post`).
fn client_credentials(headers: &HeaderMap, body: &TokenBody) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((decode(id)?, decode(secret)?));
    }
    Some((body.client_id.clone()?, body.client_secret.clone()?))
}

/// The app the request authenticates as (`invalid_client` otherwise).
async fn client(ctx: &AppContext, headers: &HeaderMap, body: &TokenBody) -> Result<App, Failure> {
    let (id, secret) = client_credentials(headers, body).ok_or(OAuthError::InvalidClient)?;
    Ok(ctx
        .db
        .run(move |conn| oauth::authenticate_client(conn, &id, &secret))
        .await??)
}

/// `POST /oauth/token`.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth", request_body = TokenBody,
    responses((status = 200, description = "access_token, token_type, scope, created_at"),
        (status = 400, description = "RFC 6749 error"), (status = 401, description = "invalid_client")))]
pub async fn token(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Body(body): Body<TokenBody>,
) -> Result<OAuthAnswer, Failure> {
    let app = client(&ctx, &headers, &body).await?;
    let issued = match body.grant_type.as_str() {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri)) = (body.code.clone(), body.redirect_uri.clone())
            else {
                return Err(OAuthError::InvalidRequest(
                    "give the code and the redirect_uri".into(),
                )
                .into());
            };
            let verifier = body.code_verifier.clone();
            ctx.db
                .transaction(move |conn| {
                    oauth::exchange_code(conn, &app, &code, &redirect_uri, verifier.as_deref())
                })
                .await??
        }
        "client_credentials" => {
            let scope = body.scope.clone();
            ctx.db
                .transaction(move |conn| oauth::client_token(conn, &app, scope.as_deref()))
                .await??
        }
        "" => return Err(OAuthError::InvalidRequest("give a grant_type".into()).into()),
        _ => return Err(OAuthError::UnsupportedGrantType.into()),
    };
    Ok(OAuthAnswer::Token(issued))
}

/// `POST /oauth/revoke` (RFC 7009): the app gives up a token; an unknown one is not an error.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth", request_body = TokenBody,
    responses((status = 200, description = "{}"), (status = 401, description = "invalid_client")))]
pub async fn revoke(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    Body(body): Body<TokenBody>,
) -> Result<OAuthAnswer, Failure> {
    let app = client(&ctx, &headers, &body).await?;
    let token = body
        .token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::InvalidRequest("give the token to revoke".into()))?;
    ctx.db
        .transaction(move |conn| oauth::revoke(conn, &app, &token))
        .await?;
    Ok(OAuthAnswer::Empty)
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414), with Mastodon's `app_registration_endpoint`.
pub async fn metadata(State(ctx): State<AppContext>) -> Json<serde_json::Value> {
    let url = |path: &str| ctx.urls.join(path).to_string();
    let scopes: Vec<String> = {
        let mut all = vec!["read", "write", "follow", "push", "profile"]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        for r in [
            "accounts",
            "blocks",
            "bookmarks",
            "conversations",
            "favourites",
            "filters",
            "follows",
            "lists",
            "media",
            "mutes",
            "notifications",
            "reports",
            "search",
            "statuses",
        ] {
            all.push(format!("read:{r}"));
            all.push(format!("write:{r}"));
        }
        all
    };
    Json(json!({
        "issuer": url("/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": url("/oauth/authorize"),
        "token_endpoint": url("/oauth/token"),
        "revocation_endpoint": url("/oauth/revoke"),
        "app_registration_endpoint": url("/api/v1/apps"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}
