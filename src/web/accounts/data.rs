//! A person's data: its export as JSON, and deleting the account (the password again, and a box to tick).

use std::sync::Arc;

use axum::Extension;
use axum::Form;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::limits::{LoginLimits, LoginVerdict, SLOWED_LOGIN, too_many};
use super::settings::{SettingsPart, settings_page};
use crate::civic::{account_data, accounts, media};
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    delete_password: String,
    #[serde(default)]
    delete_confirm: Option<String>,
}

/// Deleting one's account: the password again (for an account that has one: one opened through the
/// sign-in provider has none), and a box to tick.
pub(super) fn delete_form(
    lang: Lang,
    csrf: &str,
    errors: &FormErrors,
    has_password: bool,
) -> Markup {
    html! {
        form id="delete" method="post" action="/settings/delete" novalidate {
            (errors.summary(lang))
            (forms::csrf(csrf))
            @if has_password {
                (forms::input(lang, Input::text("delete_password", lang.t("field-password"), "")
                    .kind("password").required().autocomplete("current-password"), errors))
            }
            (forms::checkbox(lang, "delete_confirm", &lang.t("settings-delete-confirm"), "yes", false, errors))
            button type="submit" class="danger" { (lang.t("settings-delete-submit")) }
        }
    }
}

/// The person's data as a JSON download.
pub async fn export(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    match account_data::export(&v.ctx.db, me.actor.id).await {
        Ok(export) => {
            let body = serde_json::to_string_pretty(&export).unwrap_or_default();
            let disposition = format!(
                "attachment; filename=\"parvis-{}-{}.json\"",
                me.actor.username,
                export.exported_at.format("%Y-%m-%d")
            );
            let mut response = (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body,
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => v.error(&e),
    }
}

/// Deletes the account after the password is given again and the consequence confirmed.
pub async fn delete(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<DeleteForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let mut errors = FormErrors::new();
    // The password check here is a login check too: the same limits, so a stolen session cannot guess.
    let verdict = limits.attempt(v.ip, me.actor.username.as_str());
    if verdict == Ok(LoginVerdict::Slowly) {
        tokio::time::sleep(SLOWED_LOGIN).await;
    }
    if let Err(wait) = verdict {
        errors.add(
            "delete_password",
            v.lang
                .count("error-too-many-logins", (wait as i64 + 59) / 60),
        );
        let page = settings_page(&v, None, (SettingsPart::Delete, &errors), StatusCode::OK).await;
        return too_many(page, wait);
    }
    if form.delete_confirm.is_none() {
        errors.add("delete_confirm", v.lang.t("invalid-delete-confirm"));
    }
    // An account opened through the sign-in provider has no password: being signed in is the proof.
    let checked = match me.account.password_hash {
        Some(_) => {
            accounts::verify_login(&v.ctx.db, me.actor.username.as_str(), &form.delete_password)
                .await
        }
        None => Ok((me.actor.clone(), me.account.clone())),
    };
    if let Err(e) = checked {
        match e {
            Error::Unauthorized(_) => {
                errors.add("delete_password", v.lang.t("invalid-delete-password"))
            }
            other => return v.error(&other),
        }
    }
    if !errors.is_empty() {
        return settings_page(
            &v,
            None,
            (SettingsPart::Delete, &errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if let Err(e) = account_data::delete_account(&v.ctx.db, me.actor.id).await {
        return v.error(&e);
    }
    // The pictures of its posts go now, not at the next hourly sweep.
    if let Err(e) =
        crate::civic::notes::media::sweep_files(&v.ctx.db, &v.ctx.settings.server.data_dir).await
    {
        tracing::warn!(error = %e, "cannot remove the pictures of a deleted account");
    }
    if let Some(icon) = me
        .actor
        .icon_url
        .as_deref()
        .and_then(|i| i.rsplit('/').next())
    {
        media::remove(&v.ctx.settings.server.data_dir, icon).await;
    }
    v.ctx.wake.notify_one();
    v.sign_out().await;
    let lang = v.lang;
    let visitor = Visitor { me: None, ..v };
    let body = html! {
        h1 { (lang.t("deleted-title")) }
        p { (lang.t("deleted-text")) }
        p { a href="/" { (lang.t("back-home")) } }
    };
    page(&visitor, &lang.t("deleted-title"), body).await
}
