//! The HTML face of an actor URL: a person's or the server's profile (a commune's is its home page), or the
//! page of a deleted account.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::html;

use super::follow::follow_form;
use super::home::commune_home;
use super::posts::posts_section;
use super::{NamePath, POSTS_SHOWN, mandate_line, safe_href};
use crate::db::queries::{self, PostScope};
use crate::error::Error;
use crate::model::{Actor, ActorKind, Mandate};
use crate::web::session::Visitor;
use crate::web::{OpenGraph, page_with};

/// The HTML face of an actor URL.
pub async fn actor_page(v: Visitor, actor: Actor, mandates: Vec<Mandate>) -> Response {
    if actor.kind == ActorKind::Commune {
        return commune_home(&v, actor).await;
    }
    let lang = v.lang;
    let id = actor.id;
    let me = v.me.as_ref().map(|m| m.actor.id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                queries::public_posts(conn, PostScope::Author(id), POSTS_SHOWN)?,
                queries::count_follows(conn, id, true)?,
                queries::count_follows(conn, id, false)?,
                match me {
                    Some(me) => queries::follow_state(conn, me, Some(id), None)?,
                    None => None,
                },
            ))
        })
        .await;
    let (posts, followers, following, state) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    let today = Utc::now().date_naive();
    let current: Vec<&Mandate> = mandates.iter().filter(|m| m.is_current(today)).collect();
    let url = v.ctx.urls.actor(actor.kind, &actor.username).to_string();
    let handle = format!("@{}@{}", actor.username, v.ctx.urls.authority());
    let description = match (actor.kind, current.first()) {
        (_, Some(m)) => m.label(),
        (ActorKind::Application, None) => lang.ta(
            "instance-actor-description",
            &[("site", v.site.name.clone().into())],
        ),
        _ => actor.summary.clone(),
    };
    let csrf = v.csrf_if_signed_in().await;
    let body = html! {
        article class="profile" {
            @if let Some(icon) = actor.icon_url.as_deref().and_then(safe_href) {
                img class="avatar" src=(icon) alt="" width="96" height="96";
            }
            h1 { (actor.display_name) }
            p class="handle" { (handle) }
            @match actor.kind {
                ActorKind::Application => p { span class="badge" { (lang.t("badge-server")) } },
                ActorKind::Person if !current.is_empty() => p { span class="badge" { (lang.t("badge-official")) } },
                _ => {},
            }
            @if !actor.summary.is_empty() { p class="summary" { (actor.summary) } }
            @if !mandates.is_empty() {
                h2 { (lang.t("mandates-title")) }
                ul { @for m in &mandates { li { (mandate_line(lang, m)) } } }
            }
            @if actor.kind == ActorKind::Person {
                p class="counts" {
                    a href=(format!("/users/{}/following", actor.username)) { (lang.count("following-count", following)) }
                    " · "
                    a href=(format!("/users/{}/followers", actor.username)) { (lang.count("followers-count", followers)) }
                }
                // Nothing to follow on one's own profile.
                @if let (Some(csrf), false) = (&csrf, me == Some(actor.id)) {
                    (follow_form(lang, csrf, &actor.id.to_string(), state, false))
                }
            }
            p class="follow-hint" { (lang.t("follow-from-fediverse")) " " code { (handle) } }
        }
        @if actor.kind == ActorKind::Person { (posts_section(lang, &posts)) }
    };
    let og = OpenGraph {
        title: &actor.display_name,
        description: &description,
        url: &url,
        kind: "profile",
        image: actor.icon_url.as_deref(),
        activity_json: Some(&url),
    };
    page_with(&v, &actor.display_name, Some(&og), body, StatusCode::OK).await
}

/// A deleted account's URL: 410, and a page that says so.
pub async fn gone_page(v: Visitor) -> Response {
    let lang = v.lang;
    let body = html! { h1 { (lang.t("gone-title")) } p { (lang.t("gone-text")) } };
    crate::web::page_status(&v, &lang.t("gone-title"), body, StatusCode::GONE).await
}

/// The HTML face of a local actor whose page is asked for by a browser.
pub async fn actor_or_gone(v: Visitor, kind: ActorKind, name: String) -> Response {
    let lookup = name.clone();
    let found = v
        .ctx
        .db
        .run(move |conn| queries::actor_with_mandates(conn, kind, &lookup))
        .await;
    match found {
        Ok(Some((actor, _))) if actor.deleted_at.is_some() => gone_page(v).await,
        Ok(Some((actor, mandates))) => actor_page(v, actor, mandates).await,
        Ok(None) => {
            let message = v.lang.t("error-not-found");
            v.error(&Error::NotFound(message))
        }
        Err(e) => v.error(&e),
    }
}

pub async fn person(v: Visitor, Path(p): Path<NamePath>) -> Response {
    actor_or_gone(v, ActorKind::Person, p.name).await
}
pub async fn commune(v: Visitor, Path(p): Path<NamePath>) -> Response {
    actor_or_gone(v, ActorKind::Commune, p.name).await
}
pub async fn instance(v: Visitor) -> Response {
    actor_or_gone(
        v,
        ActorKind::Application,
        crate::model::Username::instance().to_string(),
    )
    .await
}
