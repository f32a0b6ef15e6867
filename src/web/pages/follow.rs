//! Looking up an account (`@user@host`, here or on another server), following it and unfollowing it.

use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::safe_href;
use crate::civic::follows::{self, Target};
use crate::db::queries;
use crate::error::Error;
use crate::federation::fetch::{Resolved, resolve};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    handle: String,
}

#[derive(Deserialize, Default)]
pub struct FollowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
}

/// `/follow`: look up `@user@host` (here or on another server) and follow it.
pub async fn lookup(v: Visitor, Query(q): Query<LookupQuery>) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let handle = q.handle.trim().to_string();
    let mut errors = FormErrors::new();
    let mut found = None;
    if !handle.is_empty() {
        // Only signed-in people make this server fetch from others (see `resolve`).
        match resolve(&v.ctx, &handle, true).await {
            Ok(resolved) => found = Some(resolved),
            Err(e) => {
                let message = match &e {
                    Error::NotFound(_) => lang.t("lookup-not-found"),
                    Error::BadRequest(_) | Error::Invalid { .. } => lang.t("invalid-handle"),
                    Error::BadGateway(_) | Error::Forbidden(_) => lang.t("lookup-unreachable"),
                    _ => return v.error(&e),
                };
                errors.add("handle", message);
            }
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let state = match &found {
        Some(Resolved::Local(a)) => {
            let (me_id, id) = (me.actor.id, a.id);
            v.ctx
                .db
                .run(move |conn| queries::follow_state(conn, me_id, Some(id), None))
                .await
                .unwrap_or(None)
        }
        Some(Resolved::Remote(r)) => {
            let (me_id, id) = (me.actor.id, r.id);
            v.ctx
                .db
                .run(move |conn| queries::follow_state(conn, me_id, None, Some(id)))
                .await
                .unwrap_or(None)
        }
        None => None,
    };
    let csrf = v.csrf().await;
    let title = lang.t("lookup-title");
    let body = html! {
        h1 { (title) }
        form id="lookup" method="get" action="/follow" role="search" novalidate {
            (errors.summary(lang))
            (forms::input(lang, Input::text("handle", lang.t("field-handle"), &handle)
                .required().autocomplete("off").hint(lang.t("hint-handle")), &errors))
            button type="submit" { (lang.t("lookup-submit")) }
        }
        @if let Some(found) = &found {
            section id="lookup-result" aria-labelledby="result-heading" {
                @match found {
                    Resolved::Local(a) => {
                        h2 id="result-heading" { a href=(a.path()) { (a.display_name) } }
                        p class="handle" { "@" (a.username) "@" (v.ctx.urls.authority()) }
                        (follow_form(lang, &csrf, &a.id.to_string(), state, a.id == me.actor.id))
                    }
                    Resolved::Remote(r) => {
                        h2 id="result-heading" {
                            @match r.url.as_deref().and_then(safe_href).or_else(|| safe_href(&r.ap_id)) {
                                Some(href) => a href=(href) { (r.display_name) },
                                None => (r.display_name),
                            }
                        }
                        p class="handle" { "@" (r.username) "@" (r.domain) }
                        (follow_form(lang, &csrf, &format!("r{}", r.id), state, false))
                    }
                }
            }
        }
    };
    page_status(&v, &title, body, status).await
}

/// Follow, or the state of the follow and unfollow, for a signed-in person looking at an account.
pub(super) fn follow_form(
    lang: Lang,
    csrf: &str,
    target: &str,
    state: Option<bool>,
    is_me: bool,
) -> Markup {
    html! {
        @if is_me {
            p { (lang.t("lookup-is-you")) }
        } @else {
            @match state {
                None => form id="follow-form" method="post" action="/follow" {
                    (forms::csrf(csrf))
                    input type="hidden" name="target" value=(target);
                    button type="submit" { (lang.t("follow-submit")) }
                },
                Some(accepted) => form id="unfollow-form" method="post" action="/unfollow" {
                    (forms::csrf(csrf))
                    input type="hidden" name="target" value=(target);
                    p { (lang.t(if accepted { "follow-following" } else { "follow-pending" })) }
                    button type="submit" { (lang.t("unfollow-submit")) }
                },
            }
        }
    }
}

async fn change_follow(v: Visitor, form: FollowForm, follow: bool) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let Some(target) = Target::parse(form.target.trim()) else {
        return v.error(&Error::BadRequest(v.lang.t("error-bad-request")));
    };
    let me_id = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            if follow {
                follows::follow(conn, me_id, target).map(|_| ())
            } else {
                follows::unfollow(conn, me_id, target)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash(if follow {
                "flash-follow-sent"
            } else {
                "flash-unfollowed"
            })
            .await;
            Redirect::to(&format!("/users/{}/following", me.actor.username)).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn follow(v: Visitor, Form(form): Form<FollowForm>) -> Response {
    change_follow(v, form, true).await
}

pub async fn unfollow(v: Visitor, Form(form): Form<FollowForm>) -> Response {
    change_follow(v, form, false).await
}
