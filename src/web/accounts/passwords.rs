//! Passwords: "forgot your password?" (the same answer whether or not the address is known, within the
//! limits on attempts per address), the page a link opens to choose a new one, and the change in the
//! settings (the current one asked first). A new password ends the other sessions and API tokens.

use std::sync::Arc;

use axum::Extension;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::email::{TokenQuery, link_error};
use super::limits::{LoginLimits, too_many, too_many_logins};
use super::settings::{SettingsPart, settings_page};
use crate::civic::addresses;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn forgot_page(
    v: &Visitor,
    form: &ForgotForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("forgot-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("forgot-text")) }
        form id="forgot" method="post" action="/password/forgot" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("email", lang.t("field-email"), &form.email)
                .kind("email").required().autocomplete("email").maxlength(254), errors))
            button type="submit" { (lang.t("forgot-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn forgot_form(v: Visitor) -> Response {
    forgot_page(
        &v,
        &ForgotForm::default(),
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn forgot(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<ForgotForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    // Counted with login attempts from the address: a form that sends mail is not a flood gate.
    if let Err(wait) = limits.attempt_from(v.ip) {
        let errors = too_many_logins(&v, wait);
        let page = forgot_page(&v, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
        return too_many(page, wait);
    }
    let (base, site, email) = (
        v.ctx.urls.base().clone(),
        v.site.name.clone(),
        form.email.clone(),
    );
    match v
        .ctx
        .db
        .transaction(move |conn| addresses::request_reset(conn, &base, &site, &email))
        .await
    {
        Ok(()) => {
            v.ctx.mail_wake.notify_one();
            let lang = v.lang;
            let title = lang.t("forgot-title");
            let body = html! {
                h1 { (title) }
                p id="forgot-sent" { (lang.t("forgot-sent")) }
            };
            page_status(&v, &title, body, StatusCode::OK).await
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["email"]);
            forgot_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

async fn reset_page(v: &Visitor, token: &str, errors: &FormErrors, status: StatusCode) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("reset-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("reset-text")) }
        form id="reset" method="post" action="/password/reset" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            input type="hidden" name="token" value=(token);
            (forms::input(lang, Input::text("password", lang.t("field-new-password"), "")
                .kind("password").required().autocomplete("new-password").hint(lang.t("hint-password")), errors))
            button type="submit" { (lang.t("reset-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

/// What a password link opens: the form, if the link is live.
pub async fn reset_form(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.clone();
    match v
        .ctx
        .db
        .run(move |conn| addresses::check_password_link(conn, &token))
        .await
    {
        Ok(_) => reset_page(&v, &q.token, &FormErrors::new(), StatusCode::OK).await,
        Err(e) => link_error(&v, &e),
    }
}

pub async fn reset(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<ResetForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    if let Err(wait) = limits.attempt_from(v.ip) {
        let errors = too_many_logins(&v, wait);
        let page = reset_page(&v, &form.token, &errors, StatusCode::TOO_MANY_REQUESTS).await;
        return too_many(page, wait);
    }
    match addresses::reset_with_link(&v.ctx.db, &form.token, &form.password).await {
        Ok(_) => {
            // Whoever was signed in here signs in again with the new password.
            v.sign_out().await;
            v.flash("flash-password-reset").await;
            Redirect::to("/login").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["password"]);
            reset_page(&v, &form.token, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => link_error(&v, &e),
    }
}

/// The settings' form: the current password, then the new one. This session stays; the others end.
pub async fn change(v: Visitor, Form(form): Form<ChangeForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    match addresses::change_password(
        &v.ctx.db,
        me.actor.id,
        &me.actor.username.to_string(),
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(id) => {
            if let Err(e) = v.sign_in(id).await {
                return v.error(&e);
            }
            v.flash("flash-password-changed").await;
            Redirect::to("/settings#password").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["current_password", "new_password"]);
            settings_page(
                &v,
                None,
                (SettingsPart::Password, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}
