//! Posts as shown: a post's card in a list, the latest posts of a page, and a local post's own page.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, PreEscaped, html};

use crate::civic::notes;
use crate::db::queries::{self, ShownPost};
use crate::error::Error;
use crate::ids::NoteId;
use crate::model::{Actor, Note, Visibility};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{OpenGraph, page_status, page_with};

/// A post in a list or on its own page, with its pictures. Its HTML was sanitized when it was written
/// (local posts are escaped text, remote ones cleaned by ammonia), so it is shown as is.
pub fn post_card(lang: Lang, post: &ShownPost) -> Markup {
    let ShownPost {
        note,
        author,
        pictures,
    } = post;
    html! {
        article class="post" {
            header {
                a href=(author.path()) class="author" { (author.display_name) }
                " "
                span class="handle" { "@" (author.username) }
            }
            div class="content" { (PreEscaped(&note.content)) }
            @if !pictures.is_empty() {
                div class="pictures" {
                    @for p in pictures {
                        a href=(format!("/media/attachments/{}", p.file)) {
                            img src=(format!("/media/attachments/{}", p.thumb)) alt=(p.description)
                                loading="lazy";
                        }
                    }
                }
            }
            footer {
                a href=(format!("/notes/{}", note.id)) {
                    time datetime=(note.published.and_utc().to_rfc3339()) { (lang.datetime(note.published)) }
                }
            }
        }
    }
}

pub(super) fn posts_section(lang: Lang, posts: &[ShownPost]) -> Markup {
    html! {
        section aria-labelledby="posts-heading" {
            h2 id="posts-heading" { (lang.t("posts-latest")) }
            @if posts.is_empty() {
                p { (lang.t("posts-none")) }
            } @else {
                div class="posts" {
                    @for post in posts { (post_card(lang, post)) }
                }
            }
        }
    }
}

/// The HTML face of a local post.
pub async fn note_page(v: Visitor, id: String) -> Response {
    let lang = v.lang;
    let Ok(id) = id.parse::<i64>() else {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    };
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let note = notes::note(conn, NoteId(id))?;
            let Some(author) = note.author_id else {
                return Err(Error::NotFound("no such post".into()));
            };
            let author = queries::actor_by_id(conn, author)?;
            let mut shown = queries::with_pictures(conn, vec![(note, author)])?;
            shown
                .pop()
                .ok_or_else(|| Error::NotFound("no such post".into()))
        })
        .await;
    let post = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let (note, author) = (&post.note, &post.author);
    // A boost is a post of apps only: it has no page of its own.
    if note.reblog_of_id.is_some() {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    }
    if note.deleted || author.deleted_at.is_some() {
        let body = html! { h1 { (lang.t("post-deleted")) } };
        return page_status(&v, &lang.t("post-deleted"), body, StatusCode::GONE).await;
    }
    if !matches!(note.visibility, Visibility::Public | Visibility::Unlisted) {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    }
    let title = lang.ta("post-by", &[("name", author.display_name.clone().into())]);
    let url = v.ctx.urls.note(note.id).to_string();
    let reportable = v.me.as_ref().is_some_and(|m| m.actor.id != author.id);
    let body = html! {
        h1 class="visually-hidden" { (title) }
        (post_card(lang, &post))
        @if reportable {
            p { a class="report" href=(format!("/report?note={}", note.id)) { (lang.t("post-report")) } }
        }
    };
    let og = OpenGraph {
        title: &title,
        description: &title,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &title, Some(&og), body, StatusCode::OK).await
}

pub async fn note(v: Visitor, Path(id): Path<String>) -> Response {
    note_page(v, id).await
}

/// How many posts a hashtag's page shows.
const TAG_POSTS: i64 = 40;

/// `/tags/{name}`: the latest public posts written here with a hashtag (what a `Hashtag`'s `href` names).
pub async fn tag(v: Visitor, Path(name): Path<String>) -> Response {
    use crate::model::schema::{actors, note_tags, notes as notes_table};
    use diesel::prelude::*;
    let lang = v.lang;
    let Some(name) = notes::tags::normalize(&name) else {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    };
    let wanted = name.clone();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let found = notes_table::table
                .inner_join(actors::table.on(notes_table::author_id.eq(actors::id.nullable())))
                .filter(notes_table::deleted.eq(false))
                .filter(notes_table::visibility.eq(Visibility::Public))
                .filter(actors::deleted_at.is_null())
                .filter(
                    notes_table::id.eq_any(
                        note_tags::table
                            .filter(note_tags::name.eq(wanted))
                            .select(note_tags::note_id),
                    ),
                )
                .order(notes_table::id.desc())
                .limit(TAG_POSTS)
                .select((Note::as_select(), Actor::as_select()))
                .load::<(Note, Actor)>(conn)?;
            queries::with_pictures(conn, found)
        })
        .await;
    let posts = match loaded {
        Ok(posts) => posts,
        Err(e) => return v.error(&e),
    };
    let title = format!("#{name}");
    let body = html! {
        h1 { (title) }
        @if posts.is_empty() {
            p { (lang.t("posts-none")) }
        } @else {
            div class="posts" {
                @for post in &posts { (post_card(lang, post)) }
            }
        }
    };
    crate::web::page(&v, &title, body).await
}
