//! Signing in and verifying residency with the OpenID Connect provider of `[oidc]`: `/oidc/start` sends the
//! browser to the provider, `/oidc/callback` completes the login begun in that same browser (the state,
//! nonce and PKCE verifier are kept in its session), `/oidc/unlink` unlinks the identity.

use axum::Form;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::civic::identities::{self, SignIn, SignInError};
use crate::civic::residency::provider::{self, ProviderSays};
use crate::error::Error;
use crate::oidc::{Callback, Identity, OidcError, Purpose};
use crate::web::session::{Visitor, safe_next};

#[derive(Deserialize, Default)]
pub struct StartQuery {
    /// `verify` (residency, signed in) or `signin` (the default).
    #[serde(rename = "for", default)]
    purpose: String,
    #[serde(default)]
    next: Option<String>,
}

/// The page of a login that did not complete, in the visitor's language.
fn refused(v: &Visitor, error: OidcError) -> Response {
    tracing::info!(%error, "OpenID Connect login refused");
    let key = match &error {
        OidcError::NotStarted => "oidc-error-not-started",
        OidcError::Expired => "oidc-error-expired",
        OidcError::WrongState => "oidc-error-state",
        OidcError::Denied => "oidc-error-denied",
        OidcError::Refused(_) => "oidc-error-refused",
        OidcError::Unreachable(_) => "oidc-error-unreachable",
        OidcError::WrongNonce => "oidc-error-nonce",
        OidcError::TokenExpired => "oidc-error-token-expired",
        OidcError::InvalidToken(_) => "oidc-error-token",
    };
    let name = provider_name(v);
    let sentence = v.lang.ta(key, &[("provider", name.into())]);
    crate::web::refusal_page(v.lang, Some(v), &Error::from(error), Some(sentence))
}

fn provider_name(v: &Visitor) -> String {
    v.ctx.settings.oidc.name.clone()
}

/// A rule's refusal (claims that prove no residency here, an identity already another account's), with its
/// sentence.
fn said_no(v: &Visitor, e: &Error) -> Response {
    match e {
        Error::Forbidden(m) | Error::Conflict(m) => {
            crate::web::refusal_page(v.lang, Some(v), e, Some(m.clone()))
        }
        _ => v.error(e),
    }
}

fn not_configured(v: &Visitor) -> Response {
    v.error(&Error::NotFound(
        "no OpenID Connect provider is configured here".into(),
    ))
}

/// `GET /oidc/start?for=signin|verify&next=/path`: to the provider.
pub async fn start(v: Visitor, Query(query): Query<StartQuery>) -> Response {
    let Some(oidc) = v.ctx.oidc.clone() else {
        return not_configured(&v);
    };
    let settings = oidc.settings();
    let (purpose, account) = if query.purpose == "verify" {
        if !settings.verifies_residency() {
            return not_configured(&v);
        }
        match v.require_login() {
            Ok(me) => (Purpose::Verify, Some(me.actor.id.0)),
            Err(to_login) => return to_login,
        }
    } else {
        if !settings.sign_in {
            return not_configured(&v);
        }
        (Purpose::SignIn, None)
    };
    let next = safe_next(query.next.as_deref());
    match oidc.start(purpose, account, next).await {
        Ok((url, pending)) => match v.keep_oidc(&pending).await {
            Ok(()) => Redirect::to(url.as_str()).into_response(),
            Err(e) => v.error(&e),
        },
        Err(e) => refused(&v, e),
    }
}

/// `GET /oidc/callback?code=…&state=…` (or `?error=…`): the provider sends the browser back here.
pub async fn callback(v: Visitor, Query(callback): Query<Callback>) -> Response {
    let Some(oidc) = v.ctx.oidc.clone() else {
        return not_configured(&v);
    };
    let pending = v.take_oidc().await;
    let started = pending.clone();
    let identity = match oidc.finish(pending, &callback).await {
        Ok(identity) => identity,
        Err(e) => return refused(&v, e),
    };
    let Some(started) = started else {
        return refused(&v, OidcError::NotStarted);
    };
    let said = ProviderSays {
        issuer: identity.issuer.clone(),
        subject: identity.subject.clone(),
        residency: identity.claim(&oidc.settings().residency_claim),
    };
    match started.purpose {
        Purpose::Verify => verify(&v, started.account, said).await,
        Purpose::SignIn => sign_in(&v, &identity, said, &started.next).await,
    }
}

/// Links the identity to the account that started the verification and verifies its residency.
async fn verify(v: &Visitor, account: Option<i64>, said: ProviderSays) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.actor.id,
        Err(to_login) => return to_login,
    };
    // Signed out, or in as someone else, since it started: the identity is not given to this account.
    if account != Some(me.0) {
        return refused(v, OidcError::WrongState);
    }
    let settings = v.ctx.settings.oidc.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| provider::by_provider(conn, &settings, me, &said))
        .await
    {
        Ok(()) => {
            v.flash("residency-verified-now").await;
            Redirect::to("/residency").into_response()
        }
        Err(e) => said_no(v, &e),
    }
}

/// Signs in the account linked to the identity, or opens one when the instance lets the provider do so.
/// Each sign-in renews a residency the provider proves.
async fn sign_in(v: &Visitor, identity: &Identity, said: ProviderSays, next: &str) -> Response {
    let newcomer = identities::Newcomer {
        wished: [
            identity.claim("preferred_username"),
            identity.claim("email"),
        ],
        display_name: identity.claim("name"),
    };
    match identities::sign_in(&v.ctx.db, &v.ctx.settings.oidc, said, newcomer).await {
        Ok(SignIn::Account(account)) => {
            if let Err(e) = v.sign_in(account).await {
                return v.error(&e);
            }
            Redirect::to(&safe_next(Some(next))).into_response()
        }
        Ok(SignIn::NoAccount) => {
            let sentence = v
                .lang
                .ta("oidc-no-account", &[("provider", provider_name(v).into())]);
            crate::web::refusal_page(
                v.lang,
                Some(v),
                &Error::Forbidden("no account here is linked to this identity".into()),
                Some(sentence),
            )
        }
        Err(SignInError::Residency(e)) => said_no(v, &e),
        Err(SignInError::Other(e)) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct UnlinkForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /oidc/unlink`: the account no longer signs in through the provider (it keeps its verification
/// until it expires or is withdrawn).
pub async fn unlink(v: Visitor, Form(form): Form<UnlinkForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let issuer = v.ctx.settings.oidc.issuer.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| identities::unlink(conn, me, &issuer))
        .await
    {
        Ok(_) => Redirect::to("/residency").into_response(),
        Err(e) => said_no(&v, &e),
    }
}
