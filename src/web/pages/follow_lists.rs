//! The HTML face of `…/followers` and `…/following`, for people and communes.

use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};

use super::{NamePath, safe_href};
use crate::db::queries::{self, FollowItem};
use crate::error::Error;
use crate::model::ActorKind;
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

/// People shown on a follow list page.
const FOLLOWS_SHOWN: i64 = 200;

/// The HTML face of `…/followers` and `…/following`.
pub async fn follow_list(v: Visitor, kind: ActorKind, name: String, followers: bool) -> Response {
    let lang = v.lang;
    let lookup = name.clone();
    let me = v.me.as_ref().map(|m| m.actor.id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let Some(actor) =
                queries::actor_of_kind(conn, kind, &lookup)?.filter(|a| a.deleted_at.is_none())
            else {
                return Ok(None);
            };
            // People see their own pending requests; others only what was accepted.
            let own = me == Some(actor.id);
            let items = queries::follow_items(conn, actor.id, followers, own, FOLLOWS_SHOWN)?;
            Ok(Some((actor, items)))
        })
        .await;
    let (actor, items) = match loaded {
        Ok(Some(found)) => found,
        Ok(None) => return v.error(&Error::NotFound(lang.t("error-not-found"))),
        Err(e) => return v.error(&e),
    };
    let title = lang.ta(
        if followers {
            "followers-of"
        } else {
            "following-of"
        },
        &[("name", actor.display_name.clone().into())],
    );
    let body = html! {
        h1 { (title) }
        p { a href=(actor.path()) { (lang.t("back-to-profile")) } }
        @if items.is_empty() {
            p { (lang.t(if followers { "followers-none" } else { "following-none" })) }
        } @else {
            ul class="follow-list" {
                @for item in &items { (follow_item(lang, item)) }
            }
        }
    };
    page(&v, &title, body).await
}

fn follow_item(lang: Lang, item: &FollowItem) -> Markup {
    html! {
        li {
            @match safe_href(&item.link).or_else(|| item.link.starts_with('/').then_some(item.link.as_str())) {
                Some(href) => a href=(href) { (item.name) },
                None => span { (item.name) },
            }
            " " span class="handle" { (item.handle) }
            @if !item.accepted { " " span class="pending" { (lang.t("follow-pending")) } }
        }
    }
}

pub async fn person_followers(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Person, p.name, true).await
}
pub async fn person_following(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Person, p.name, false).await
}
pub async fn commune_followers(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Commune, p.name, true).await
}
pub async fn commune_following(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Commune, p.name, false).await
}
