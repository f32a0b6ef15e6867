//! The consent page of OAuth 2 (`/oauth/authorize`): the person signs in if needed, sees the app's name and
//! what it asks to do, and approves or denies; the app gets a one-time code at its redirect URI (or the page
//! shows it, for the out-of-band URI). And the list of apps a person authorized, in their settings, each
//! revocable.

use axum::Form;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use url::Url;

use crate::civic::oauth::{
    self, Authorization, AuthorizationParams, AuthorizeRefusal, OAuthError, Scope,
};
use crate::error::Error;
use crate::web::i18n::Lang;
use crate::web::session::{Visitor, encode};
use crate::web::{forms, page_status};

/// What a part of an account is called in the person's language (`oauth-resource-{name}`).
pub(crate) fn resource(lang: Lang, r: crate::civic::oauth::Resource) -> String {
    lang.t(&format!("oauth-resource-{}", r.as_str()))
}

/// What a scope lets the app do, in the person's words.
fn described(lang: Lang, scope: Scope) -> String {
    match scope {
        Scope::Read(None) => lang.t("oauth-scope-read"),
        Scope::Write(None) => lang.t("oauth-scope-write"),
        Scope::Follow => lang.t("oauth-scope-follow"),
        Scope::Push => lang.t("oauth-scope-push"),
        Scope::Profile => lang.t("oauth-scope-profile"),
        Scope::Read(Some(r)) => lang.ta(
            "oauth-scope-read-part",
            &[("name", resource(lang, r).into())],
        ),
        Scope::Write(Some(r)) => lang.ta(
            "oauth-scope-write-part",
            &[("name", resource(lang, r).into())],
        ),
    }
}

/// The app told at its redirect URI: `?code=…&state=…` or `?error=…`.
fn back_to_app(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Option<String> {
    let mut url = Url::parse(redirect_uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Some(url.to_string())
}

/// The page's forms may be followed by a redirect to the app: its origin (or its own scheme) is added to the
/// page's `form-action`, which browsers also apply to the redirect after a form.
fn allow_redirect_to(mut response: Response, redirect_uri: &str) -> Response {
    let Ok(url) = Url::parse(redirect_uri) else {
        return response;
    };
    let source = match url.scheme() {
        "http" | "https" => url.origin().ascii_serialization(),
        scheme => format!("{scheme}:"),
    };
    let headers = response.headers_mut();
    if let Some(policy) = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .map(|p| {
            p.replace(
                "form-action 'self'",
                &format!("form-action 'self' {source}"),
            )
        })
        && let Ok(value) = HeaderValue::from_str(&policy)
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

async fn refused_page(v: &Visitor, sentence: String) -> Response {
    crate::web::refusal_page(
        v.lang,
        Some(v),
        &Error::BadRequest(sentence.clone()),
        Some(sentence),
    )
}

/// The app is told of a refusal at its redirect URI (the out-of-band one: the page says it).
async fn refuse_to_app(
    v: &Visitor,
    redirect_uri: &str,
    state: Option<&str>,
    error: &OAuthError,
) -> Response {
    if redirect_uri == oauth::OOB {
        return refused_page(v, error.to_string()).await;
    }
    match back_to_app(
        redirect_uri,
        &[
            ("error", error.code()),
            ("error_description", &error.to_string()),
        ],
        state,
    ) {
        Some(to) => Redirect::to(&to).into_response(),
        None => refused_page(v, error.to_string()).await,
    }
}

/// Checks the request; the refusal already answered when it is one.
async fn checked(v: &Visitor, params: AuthorizationParams) -> Result<Authorization, Response> {
    let result = v
        .ctx
        .db
        .run(move |conn| oauth::check_authorization(conn, &params))
        .await;
    match result {
        Ok(Ok(authorization)) => Ok(authorization),
        Ok(Err(AuthorizeRefusal::NotRedirectable(sentence))) => {
            Err(refused_page(v, sentence).await)
        }
        Ok(Err(AuthorizeRefusal::Redirect {
            redirect_uri,
            state,
            error,
        })) => Err(refuse_to_app(v, &redirect_uri, state.as_deref(), &error).await),
        Err(e) => Err(v.error(&e)),
    }
}

/// `GET /oauth/authorize`: the consent page (after signing in).
pub async fn authorize_form(v: Visitor, Query(params): Query<AuthorizationParams>) -> Response {
    if v.me.is_none() {
        return Redirect::to(&format!("/login?next={}", encode(&v.here))).into_response();
    }
    let authorization = match checked(&v, params.clone()).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    let lang = v.lang;
    let csrf = v.csrf().await;
    let app = &authorization.app;
    let title = lang.ta("oauth-title", &[("name", app.name.clone().into())]);
    let hidden = [
        ("response_type", "code".to_string()),
        ("client_id", app.client_id.clone()),
        ("redirect_uri", authorization.redirect_uri.clone()),
        ("scope", authorization.scopes.to_string()),
        ("state", authorization.state.clone().unwrap_or_default()),
        (
            "code_challenge",
            authorization.code_challenge.clone().unwrap_or_default(),
        ),
        (
            "code_challenge_method",
            params.code_challenge_method.clone().unwrap_or_default(),
        ),
    ];
    let body = html! {
        h1 { (title) }
        @if let Some(site) = &app.website { p { a href=(site) rel="nofollow noopener" { (site) } } }
        p { (lang.t("oauth-asks")) }
        ul id="oauth-scopes" {
            @for scope in authorization.scopes.iter() { li { (described(lang, scope)) " " code { (scope.to_string()) } } }
        }
        p { (lang.t("oauth-revocable")) }
        form id="oauth-consent" method="post" action="/oauth/authorize" {
            (forms::csrf(&csrf))
            @for (name, value) in &hidden { input type="hidden" name=(name) value=(value); }
            button type="submit" name="decision" value="approve" { (lang.t("oauth-approve")) }
            " "
            button type="submit" name="decision" value="deny" class="secondary" { (lang.t("oauth-deny")) }
        }
    };
    let page = page_status(&v, &title, body, StatusCode::OK).await;
    allow_redirect_to(page, &authorization.redirect_uri)
}

#[derive(Deserialize, Default)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizationParams,
}

/// `POST /oauth/authorize`: approved (a code for the app) or denied.
pub async fn authorize(v: Visitor, Form(form): Form<ConsentForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let mut params = form.params;
    params.state = params.state.filter(|s| !s.is_empty());
    params.code_challenge_method = params.code_challenge_method.filter(|s| !s.is_empty());
    let authorization = match checked(&v, params).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    let state = authorization.state.clone();
    if form.decision != "approve" {
        return refuse_to_app(
            &v,
            &authorization.redirect_uri,
            state.as_deref(),
            &OAuthError::AccessDenied,
        )
        .await;
    }
    let granted = authorization.clone();
    let code = match v
        .ctx
        .db
        .transaction(move |conn| oauth::grant_code(conn, me, &granted))
        .await
    {
        Ok(code) => code,
        Err(e) => return v.error(&e),
    };
    if authorization.redirect_uri == oauth::OOB {
        let lang = v.lang;
        let title = lang.t("oauth-code-title");
        let body = html! {
            h1 { (title) }
            p { (lang.ta("oauth-code-text", &[("name", authorization.app.name.clone().into())])) }
            p { code id="oauth-code" { (code) } }
        };
        return page_status(&v, &title, body, StatusCode::OK).await;
    }
    match back_to_app(
        &authorization.redirect_uri,
        &[("code", &code)],
        state.as_deref(),
    ) {
        Some(to) => Redirect::to(&to).into_response(),
        None => v.error(&Error::internal("a registered redirect URI does not parse")),
    }
}

/// `GET /settings/apps`: the apps holding access to the account, each revocable.
pub async fn apps(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let apps = match v
        .ctx
        .db
        .run(move |conn| oauth::authorized_apps(conn, me))
        .await
    {
        Ok(apps) => apps,
        Err(e) => return v.error(&e),
    };
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("oauth-apps-title");
    let body = html! {
        h1 { (title) }
        @if apps.is_empty() { p { (lang.t("oauth-apps-none")) } }
        ul id="oauth-apps" {
            @for a in &apps {
                li {
                    strong { (a.app.name) } " — " code { (a.scopes.to_string()) } " "
                    (lang.ta("oauth-apps-since", &[("date", lang.datetime(a.since).into())]))
                    form method="post" action=(format!("/settings/apps/{}/revoke", a.app.id)) {
                        (forms::csrf(&csrf))
                        button type="submit" class="link" { (lang.t("oauth-apps-revoke")) }
                    }
                }
            }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /settings/apps/{id}/revoke`: every token of that app for this account goes.
pub async fn revoke_app(
    v: Visitor,
    axum::extract::Path(app): axum::extract::Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    match v
        .ctx
        .db
        .transaction(move |conn| oauth::revoke_app(conn, me, app))
        .await
    {
        Ok(_) => Redirect::to("/settings/apps").into_response(),
        Err(e) => v.error(&e),
    }
}
