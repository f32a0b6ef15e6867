//! Bearer-token authentication.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use std::marker::PhantomData;

use crate::civic::oauth::{Resource, Scope};
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

/// What an endpoint needs of a token: one scope ([`crate::civic::oauth::Scope`]). Each handler names its
/// need in its extractor's type (`CurrentAccount<WriteStatuses>`), so that none is left without one.
pub trait Needs: Send + Sync + 'static {
    const SCOPE: Scope;
}

macro_rules! needs {
    ($($(#[$doc:meta])* $name:ident => $scope:expr;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl Needs for $name {
                const SCOPE: Scope = $scope;
            }
        )*
    };
}

needs! {
    /// Who the person is (`verify_credentials`): `profile`, `read` or `read:accounts`.
    Profile => Scope::Profile;
    ReadAccounts => Scope::Read(Some(Resource::Accounts));
    WriteAccounts => Scope::Write(Some(Resource::Accounts));
    ReadStatuses => Scope::Read(Some(Resource::Statuses));
    WriteStatuses => Scope::Write(Some(Resource::Statuses));
    ReadFollows => Scope::Read(Some(Resource::Follows));
    WriteFollows => Scope::Write(Some(Resource::Follows));
    /// Supporting a proposal or a problem report is favouriting it, in Mastodon's terms.
    WriteFavourites => Scope::Write(Some(Resource::Favourites));
    WriteReports => Scope::Write(Some(Resource::Reports));
    ReadFavourites => Scope::Read(Some(Resource::Favourites));
    ReadBookmarks => Scope::Read(Some(Resource::Bookmarks));
    WriteBookmarks => Scope::Write(Some(Resource::Bookmarks));
    ReadNotifications => Scope::Read(Some(Resource::Notifications));
    WriteNotifications => Scope::Write(Some(Resource::Notifications));
    ReadSearch => Scope::Read(Some(Resource::Search));
    WriteMedia => Scope::Write(Some(Resource::Media));
}

/// The account behind the request's `Authorization: Bearer …` token; 401 without a valid one, 403 when the
/// token does not carry the scope the endpoint `N`eeds.
pub struct CurrentAccount<N: Needs> {
    pub actor: Actor,
    pub account: Account,
    needs: PhantomData<N>,
}

/// `Option<CurrentAccount>`: no `Authorization` header is `None`; a header with a bad token is still 401.
impl<N: Needs> axum::extract::OptionalFromRequestParts<AppContext> for CurrentAccount<N> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &AppContext,
    ) -> Result<Option<Self>, Error> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <CurrentAccount<N> as FromRequestParts<AppContext>>::from_request_parts(parts, ctx)
            .await
            .map(Some)
    }
}

impl<N: Needs> FromRequestParts<AppContext> for CurrentAccount<N> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, Error> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Err(Error::Unauthorized(
                "this endpoint needs an access token".into(),
            ));
        }
        let token = bearer(&parts.headers)
            .ok_or_else(|| Error::Unauthorized("use Authorization: Bearer <token>".into()))?;
        let current = CurrentAccount::<N>::of_token(ctx, token).await?;
        // Reading is open to an account whose address waits for confirmation; writing is not.
        if !matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        ) {
            crate::civic::addresses::may_write(&current.account)?;
        }
        Ok(current)
    }
}

impl<N: Needs> CurrentAccount<N> {
    /// The account of a token given some other way than the `Authorization` header (the streaming API
    /// takes it in the query or the WebSocket protocol): 401 when it is not valid, 403 without the scope.
    pub async fn of_token(ctx: &AppContext, token: &str) -> Result<Self, Error> {
        let (actor, account, scopes) = tokens::authenticate(&ctx.db, token).await?;
        if !scopes.allow(N::SCOPE) {
            return Err(Error::Forbidden(format!(
                "this action is outside the token's scopes: it needs '{}', the token has '{scopes}'",
                N::SCOPE
            )));
        }
        Ok(CurrentAccount {
            actor,
            account,
            needs: PhantomData,
        })
    }
}
