//! Joining: the registration form (with an invitation when the site asks for one, and the charter to accept)
//! and what it posts.

use std::sync::Arc;

use axum::Extension;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::charter::charter_text;
use super::limits::{LoginLimits, too_many, too_many_logins};
use crate::civic::accounts;
use crate::config::RegistrationMode;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    accept_charter: Option<String>,
    #[serde(default)]
    newsletter: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct InviteQuery {
    #[serde(default)]
    invite: Option<String>,
}

async fn register_page(
    v: &Visitor,
    form: &RegisterForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let title = lang.t("register-title");
    if v.site.registration == RegistrationMode::Closed {
        let body = html! {
            h1 { (title) }
            p { (lang.t("register-closed")) }
        };
        return page_status(v, &title, body, StatusCode::FORBIDDEN).await;
    }
    let csrf = v.csrf().await;
    let body = html! {
        h1 { (title) }
        @if v.site.registration == RegistrationMode::Invite {
            p { (lang.t("register-invite-only")) }
        }
        form id="register" method="post" action="/register" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            @if v.site.registration == RegistrationMode::Invite {
                (forms::input(lang, Input::text("invite", lang.t("field-invite"), &form.invite)
                    .required().autocomplete("off"), errors))
            }
            (forms::input(lang, Input::text("username", lang.t("field-username"), &form.username)
                .required().autocomplete("username").maxlength(30).hint(lang.t("hint-username")), errors))
            (forms::input(lang, Input::text("display_name", lang.t("field-display-name"), &form.display_name)
                .autocomplete("name").maxlength(100).hint(lang.t("hint-display-name")), errors))
            (forms::input(lang, Input::text("email", lang.t("field-email"), &form.email)
                .kind("email").required().autocomplete("email").maxlength(254).hint(lang.t("hint-email")), errors))
            (forms::input(lang, Input::text("password", lang.t("field-password"), "")
                .kind("password").required().autocomplete("new-password").hint(lang.t("hint-password")), errors))
            (forms::checkbox(lang, "newsletter", &lang.t("register-newsletter"), "on",
                form.newsletter.is_some(), errors))
            @if let Some(charter) = &v.charter {
                (charter_text(lang, charter))
                (forms::checkbox(lang, "accept_charter", &lang.t("charter-accept"),
                    &charter.version.to_string(), form.accept_charter.is_some(), errors))
            }
            button type="submit" { (lang.t("register-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn register_form(v: Visitor, Query(q): Query<InviteQuery>) -> Response {
    if v.me.is_some() {
        return Redirect::to("/").into_response();
    }
    let form = RegisterForm {
        invite: q.invite.unwrap_or_default(),
        ..RegisterForm::default()
    };
    register_page(&v, &form, &FormErrors::new(), StatusCode::OK).await
}

pub async fn register(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<RegisterForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    // Each registration costs a password hash and a key pair: counted with login attempts per address.
    if let Err(wait) = limits.attempt_from(v.ip) {
        let errors = too_many_logins(&v, wait);
        let page = register_page(&v, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
        return too_many(page, wait);
    }
    let registration = accounts::Registration {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        invite: Some(form.invite.clone()),
        charter_version: form.accept_charter.as_deref().and_then(|c| c.parse().ok()),
        language: Some(v.lang.code().to_string()),
        email: form.email.clone(),
        newsletter: form.newsletter.is_some(),
    };
    match accounts::register(&v.ctx.db, &v.site, v.ctx.urls.base(), registration).await {
        Ok((actor, _)) => {
            v.ctx.mail_wake.notify_one();
            if let Err(e) = v.sign_in(actor.id).await {
                return v.error(&e);
            }
            v.flash("flash-welcome-confirm").await;
            Redirect::to("/").into_response()
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict(_) | Error::Forbidden(_))) => {
            let fields = [
                "invite",
                "username",
                "display_name",
                "email",
                "password",
                "accept_charter",
            ];
            let e = match e {
                Error::Invalid {
                    field: "charter",
                    message,
                } => Error::Invalid {
                    field: "accept_charter",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            register_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}
