//! Bearer-token authentication.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::civic::tokens;
use crate::context::AppContext;
use crate::error::Error;
use crate::model::{Account, Actor};

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The account behind the request's `Authorization: Bearer …` token; 401 without a valid one.
pub struct CurrentAccount {
    pub actor: Actor,
    pub account: Account,
}

/// `Option<CurrentAccount>`: no `Authorization` header is `None`; a header with a bad token is still 401.
impl axum::extract::OptionalFromRequestParts<AppContext> for CurrentAccount {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &AppContext,
    ) -> Result<Option<Self>, Error> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <CurrentAccount as FromRequestParts<AppContext>>::from_request_parts(parts, ctx)
            .await
            .map(Some)
    }
}

impl FromRequestParts<AppContext> for CurrentAccount {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, Error> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Err(Error::Unauthorized(
                "this endpoint needs an access token".into(),
            ));
        }
        let token = bearer(&parts.headers)
            .ok_or_else(|| Error::Unauthorized("use Authorization: Bearer <token>".into()))?;
        let (actor, account) = tokens::authenticate(&ctx.db, token).await?;
        // Reading is open to an account whose address waits for confirmation; writing is not.
        if !matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        ) {
            crate::civic::addresses::may_write(&account)?;
        }
        Ok(CurrentAccount { actor, account })
    }
}
