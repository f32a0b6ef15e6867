//! Signing in (within the limits on attempts; a suspended account is told until when) and signing out.

use std::sync::Arc;

use axum::Extension;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::NextQuery;
use super::limits::{LoginLimits, LoginVerdict, SLOWED_LOGIN, too_many, too_many_logins};
use crate::civic::accounts;
use crate::config::RegistrationMode;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::{Visitor, safe_next};

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login_page(
    v: &Visitor,
    form: &LoginForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let body = html! {
        h1 { (lang.t("login-title")) }
        form id="login" method="post" action="/login" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            input type="hidden" name="next" value=(safe_next(form.next.as_deref()));
            (forms::input(lang, Input::text("username", lang.t("field-username"), &form.username)
                .required().autocomplete("username"), errors))
            (forms::input(lang, Input::text("password", lang.t("field-password"), "")
                .kind("password").required().autocomplete("current-password"), errors))
            button type="submit" { (lang.t("login-submit")) }
        }
        p { a id="forgot-link" href="/password/forgot" { (lang.t("login-forgot")) } }
        @if v.ctx.oidc.is_some() && v.ctx.settings.oidc.sign_in {
            p {
                a id="oidc-sign-in" class="button" href=(format!("/oidc/start?for=signin&next={}", crate::web::session::encode(&safe_next(form.next.as_deref())))) {
                    (lang.ta("login-with-provider", &[("provider", v.ctx.settings.oidc.name.clone().into())]))
                }
            }
        }
        @if v.site.registration != RegistrationMode::Closed {
            p { (lang.t("login-no-account")) " " a href="/register" { (lang.t("nav-register")) } }
        }
    };
    page_status(v, &lang.t("login-title"), body, status).await
}

pub async fn login_form(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    if v.me.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let form = LoginForm {
        next: q.next,
        ..LoginForm::default()
    };
    login_page(&v, &form, &FormErrors::new(), StatusCode::OK).await
}

pub async fn login(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let ip = v.ip;
    let name = form
        .username
        .trim()
        .trim_start_matches('@')
        .to_ascii_lowercase();
    match limits.attempt(ip, &name) {
        Ok(LoginVerdict::Go) => {}
        Ok(LoginVerdict::Slowly) => tokio::time::sleep(SLOWED_LOGIN).await,
        Err(wait) => {
            let errors = too_many_logins(&v, wait);
            let page = login_page(&v, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
            return too_many(page, wait);
        }
    }
    match accounts::verify_login(&v.ctx.db, &form.username, &form.password).await {
        Ok((actor, account)) => {
            limits.signed_in(ip, &name);
            if let Err(e) = v.sign_in(actor.id).await {
                return v.error(&e);
            }
            let next = safe_next(form.next.as_deref());
            // An account without an address is asked for one (it may say "not now").
            if account.email.is_none() && !account.email_prompt_dismissed {
                return Redirect::to(&format!(
                    "/email/ask?next={}",
                    crate::web::session::encode(&next)
                ))
                .into_response();
            }
            Redirect::to(&next).into_response()
        }
        Err(e @ Error::Unauthorized(_)) => {
            let errors = FormErrors::from_error(v.lang, &e, &[]);
            login_page(&v, &form, &errors, StatusCode::UNAUTHORIZED).await
        }
        // The right password of a suspended account: they are told until when.
        Err(Error::Forbidden(_)) => {
            let until = v
                .ctx
                .db
                .run(move |c| {
                    Ok(crate::db::queries::account_by_username(c, &name)?
                        .and_then(|(_, a)| a.suspended()))
                })
                .await
                .ok()
                .flatten();
            let message = match until {
                Some(until) if until < crate::civic::moderation::forever() => v.lang.ta(
                    "login-suspended-until",
                    &[("date", v.lang.datetime(until).into())],
                ),
                _ => v.lang.t("login-suspended"),
            };
            let mut errors = FormErrors::new();
            errors.add("form", message);
            login_page(&v, &form, &errors, StatusCode::FORBIDDEN).await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(v: Visitor, Form(form): Form<CsrfOnly>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    v.sign_out().await;
    Redirect::to("/").into_response()
}
