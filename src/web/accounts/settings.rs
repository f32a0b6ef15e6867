//! A person's settings page (profile, avatar, data, deletion) and the profile form it posts.

use axum::Form;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::data::delete_form;
use super::language::with_lang_cookie;
use crate::civic::profile;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    language: String,
}

/// Which of the settings forms the errors belong to.
#[derive(PartialEq, Eq, Clone, Copy)]
pub(super) enum SettingsPart {
    Profile,
    Avatar,
    Email,
    Password,
    Delete,
}

pub(super) async fn settings_page(
    v: &Visitor,
    form: Option<&SettingsForm>,
    errors: (SettingsPart, &FormErrors),
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let Some(me) = &v.me else {
        return Redirect::to("/login?next=/settings").into_response();
    };
    let none = FormErrors::new();
    let errors_for = |part: SettingsPart| if errors.0 == part { errors.1 } else { &none };
    let current = SettingsForm {
        csrf: String::new(),
        display_name: me.actor.display_name.clone(),
        bio: me.actor.summary.clone(),
        language: me.account.language.clone().unwrap_or_default(),
    };
    let form = form.unwrap_or(&current);
    let account = me.actor.id;
    let has_password = me.account.password_hash.is_some();
    let preferences = match v
        .ctx
        .db
        .run(move |conn| crate::civic::notifications::preferences(conn, account))
        .await
    {
        Ok(p) => p,
        Err(e) => return v.error(&e),
    };
    let modes: Vec<(&str, String)> = crate::civic::notifications::Mode::ALL
        .iter()
        .map(|m| {
            (
                m.as_str(),
                lang.t(&format!("notifications-mode-{}", m.as_str())),
            )
        })
        .collect();
    let csrf = v.csrf().await;
    let title = lang.t("settings-title");
    let languages: Vec<(&str, String)> = std::iter::once(("", lang.t("settings-language-browser")))
        .chain(
            Lang::ALL
                .iter()
                .map(|l| (l.code(), l.native_name().to_string())),
        )
        .collect();
    let body = html! {
        h1 { (title) }
        section aria-labelledby="profile-heading" {
            h2 id="profile-heading" { (lang.t("settings-profile")) }
            form id="settings" method="post" action="/settings" novalidate {
                (errors_for(SettingsPart::Profile).summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("display_name", lang.t("field-display-name"), &form.display_name)
                    .required().autocomplete("name").maxlength(100), errors_for(SettingsPart::Profile)))
                (forms::textarea(lang, Input::text("bio", lang.t("field-bio"), &form.bio)
                    .maxlength(profile::MAX_BIO).hint(lang.t("hint-bio")), 4, errors_for(SettingsPart::Profile)))
                (forms::select(lang, "language", &lang.t("field-language"), &languages, &form.language,
                    errors_for(SettingsPart::Profile)))
                button type="submit" { (lang.t("settings-save")) }
            }
        }
        section aria-labelledby="avatar-heading" {
            h2 id="avatar-heading" { (lang.t("settings-avatar")) }
            @if let Some(icon) = &me.actor.icon_url {
                img class="avatar" src=(icon) alt=(lang.t("settings-avatar-current")) width="96" height="96";
            }
            form id="avatar-form" method="post" action="/settings/avatar" enctype="multipart/form-data" novalidate {
                (errors_for(SettingsPart::Avatar).summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("avatar", lang.t("field-avatar"), "")
                    .kind("file").required().hint(lang.t("hint-avatar")), errors_for(SettingsPart::Avatar)))
                button type="submit" { (lang.t("settings-avatar-submit")) }
            }
        }
        section aria-labelledby="email-heading" id="email" {
            h2 id="email-heading" { (lang.t("settings-email")) }
            @match (&me.account.email, me.account.email_confirmed_at) {
                (Some(address), Some(_)) => p { (lang.ta("settings-email-confirmed", &[("address", address.clone().into())])) },
                (Some(address), None) => p { (lang.ta("settings-email-pending", &[("address", address.clone().into())])) },
                (None, _) => p { (lang.t("settings-email-none")) },
            }
            form id="email-form" method="post" action="/settings/email" novalidate {
                (errors_for(SettingsPart::Email).summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("email", lang.t("field-email-new"), "")
                    .kind("email").required().autocomplete("email").maxlength(254).hint(lang.t("hint-email-change")),
                    errors_for(SettingsPart::Email)))
                button type="submit" { (lang.t("settings-email-submit")) }
            }
        }
        section aria-labelledby="notifications-heading" id="notifications" {
            h2 id="notifications-heading" { (lang.t("settings-notifications")) }
            p { (lang.t("settings-notifications-text")) }
            form id="notifications-form" method="post" action="/settings/notifications" {
                (forms::csrf(&csrf))
                @for (topic, mode) in &preferences {
                    (forms::select(lang, topic.as_str(), &lang.t(&format!("notifications-topic-{}", topic.as_str())),
                        &modes, mode.as_str(), &none))
                }
                button type="submit" { (lang.t("settings-save")) }
            }
        }
        section aria-labelledby="password-heading" id="password" {
            h2 id="password-heading" { (lang.t("settings-password")) }
            @if has_password {
                p { (lang.t("settings-password-text")) }
            } @else {
                p { (lang.t("settings-password-none")) }
            }
            form id="password-form" method="post" action="/settings/password" novalidate {
                (errors_for(SettingsPart::Password).summary(lang))
                (forms::csrf(&csrf))
                @if has_password {
                    (forms::input(lang, Input::text("current_password", lang.t("field-current-password"), "")
                        .kind("password").required().autocomplete("current-password"), errors_for(SettingsPart::Password)))
                }
                (forms::input(lang, Input::text("new_password", lang.t("field-new-password"), "")
                    .kind("password").required().autocomplete("new-password").hint(lang.t("hint-password")),
                    errors_for(SettingsPart::Password)))
                button type="submit" { (lang.t("settings-password-submit")) }
            }
        }
        section aria-labelledby="apps-heading" {
            h2 id="apps-heading" { (lang.t("oauth-apps-title")) }
            p { (lang.t("settings-apps-text")) " " a id="apps-link" href="/settings/apps" { (lang.t("settings-apps-link")) } }
        }
        section aria-labelledby="data-heading" {
            h2 id="data-heading" { (lang.t("settings-data")) }
            p { (lang.t("settings-export-text")) }
            p { a id="export" href="/settings/export" download { (lang.t("settings-export")) } }
        }
        section aria-labelledby="delete-heading" class="danger-zone" {
            h2 id="delete-heading" { (lang.t("settings-delete")) }
            p { (lang.t("settings-delete-text")) }
            (delete_form(lang, &csrf, errors_for(SettingsPart::Delete), v.me.as_ref().is_some_and(|m| m.account.password_hash.is_some())))
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn settings(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    settings_page(
        &v,
        None,
        (SettingsPart::Profile, &FormErrors::new()),
        StatusCode::OK,
    )
    .await
}

pub async fn save_settings(v: Visitor, Form(form): Form<SettingsForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let change = profile::ProfileChange {
        display_name: form.display_name.clone(),
        bio: form.bio.clone(),
        language: Some(form.language.clone()),
    };
    match profile::update_profile(&v.ctx.db, me.actor.id, change).await {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-settings-saved").await;
            // A new language shows from the next page on; the cookie keeps it after logging out.
            // "The browser's language" forgets an earlier choice, or the cookie would keep it.
            match Lang::parse(&form.language) {
                Some(lang) => with_lang_cookie(lang, Some("/settings")),
                None => {
                    let mut response = Redirect::to("/settings").into_response();
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        HeaderValue::from_static(
                            "parvis_lang=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly",
                        ),
                    );
                    response
                }
            }
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["display_name", "bio", "language"]);
            settings_page(
                &v,
                Some(&form),
                (SettingsPart::Profile, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}
