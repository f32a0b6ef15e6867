//! The charter: its text, and the form to accept a new version (or, refusing it, the way to one's data and out).

use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::NextQuery;
use super::data::delete_form;
use crate::civic::{profile, site};
use crate::error::Error;
use crate::web::forms::{self, FormErrors};
use crate::web::i18n::Lang;
use crate::web::session::{Visitor, safe_next};
use crate::web::{page, page_status};

fn paragraphs(text: &str) -> Markup {
    html! {
        @for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
            p {
                @for (i, line) in block.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

pub(super) fn charter_text(lang: Lang, charter: &site::Charter) -> Markup {
    html! {
        // Focusable, so that keyboard users can scroll a long charter.
        section id="charter-text" class="charter" aria-labelledby="charter-heading" tabindex="0" {
            h2 id="charter-heading" { (lang.t("charter-title")) }
            p class="meta" {
                (lang.ta("charter-version", &[
                    ("version", charter.version.into()),
                    ("date", lang.date(charter.created_at.date()).into()),
                ]))
            }
            (paragraphs(&charter.body))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CharterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    accept_charter: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

async fn charter_page(
    v: &Visitor,
    next: Option<&str>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let title = lang.t("charter-title");
    let Some(charter) = &v.charter else {
        let body = html! { h1 { (title) } p { (lang.t("charter-none")) } };
        return page(v, &title, body).await;
    };
    let pending =
        v.me.as_ref()
            .map(|me| me.account.charter_version != Some(charter.version));
    // A token only for those who get the form: visitors reading the charter get no session.
    let csrf = match pending {
        Some(true) => v.csrf().await,
        _ => String::new(),
    };
    let body = html! {
        h1 { (title) }
        @if pending == Some(true) {
            p class="notice" role="status" { (lang.t("charter-new-version")) }
        }
        (charter_text(lang, charter))
        @match pending {
            Some(true) => {
                form id="charter-form" method="post" action="/charter" novalidate {
                    (errors.summary(lang))
                    (forms::csrf(&csrf))
                    input type="hidden" name="next" value=(safe_next(next));
                    (forms::checkbox(lang, "accept_charter", &lang.t("charter-accept"),
                        &charter.version.to_string(), false, errors))
                    button type="submit" { (lang.t("charter-submit")) }
                }
                // Refusing the charter must not trap anyone: their data and the way out stay open.
                section aria-labelledby="refuse-heading" {
                    h2 id="refuse-heading" { (lang.t("charter-refuse")) }
                    p { (lang.t("charter-refuse-text")) }
                    p { a href="/settings/export" download { (lang.t("settings-export")) } }
                    (delete_form(lang, &csrf, &FormErrors::new(), v.me.as_ref().is_some_and(|m| m.account.password_hash.is_some())))
                }
            }
            Some(false) => p { (lang.t("charter-accepted")) },
            None => {},
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn charter(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    charter_page(&v, q.next.as_deref(), &FormErrors::new(), StatusCode::OK).await
}

pub async fn accept_charter(v: Visitor, Form(form): Form<CharterForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let version = form
        .accept_charter
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok());
    let result = match version {
        Some(version) => profile::accept_charter(&v.ctx.db, me.actor.id, version).await,
        None => Err(Error::invalid("charter", "must be accepted")),
    };
    match result {
        Ok(()) => {
            v.flash("flash-charter-accepted").await;
            Redirect::to(&safe_next(form.next.as_deref())).into_response()
        }
        Err(Error::Invalid { message, .. }) => {
            let e = Error::Invalid {
                field: "accept_charter",
                message,
            };
            let errors = FormErrors::from_error(v.lang, &e, &["accept_charter"]);
            charter_page(
                &v,
                form.next.as_deref(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}
