//! Atom feeds: a commune's latest debates and a debate's latest comments.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};

use super::{parse_id, stance_label};
use crate::db::debates::{Author, Filter};
use crate::db::queries;
use crate::error::Error;
use crate::model::Comment;
use crate::web::session::Visitor;

/// An Atom document from its entries (maud escapes text the way XML wants it).
fn atom(
    id: &str,
    title: &str,
    alternate: &str,
    updated: chrono::NaiveDateTime,
    entries: Markup,
) -> Response {
    let body = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            id { (id) }
            title { (title) }
            updated { (updated.and_utc().to_rfc3339()) }
            link rel="self" href=(id) {}
            link rel="alternate" type="text/html" href=(alternate) {}
            (entries)
        }
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/atom+xml; charset=utf-8",
        )],
        body.into_string(),
    )
        .into_response()
}

/// `/communes/{name}/debates.atom`: a commune's latest debates.
pub async fn commune_feed(v: Visitor, Path(name): Path<String>) -> Response {
    let name = name.trim_end_matches(".atom").to_string();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let items = crate::db::debates::list(
                conn,
                &Filter {
                    commune: Some(commune.id),
                    limit: 50,
                    ..Default::default()
                },
            )?;
            Ok((commune, items))
        })
        .await;
    let (commune, mut items) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    items.sort_by_key(|i| std::cmp::Reverse(i.debate.id.0));
    let urls = &v.ctx.urls;
    let self_url = urls
        .base()
        .join(&format!("{}/debates.atom", commune.path()))
        .map(|u| u.to_string())
        .unwrap_or_default();
    let updated = items
        .iter()
        .map(|i| i.debate.updated_at)
        .max()
        .unwrap_or(commune.updated_at);
    let entries = html! {
        @for item in &items {
            @let d = &item.debate;
            @let url = urls.debate(d.id).to_string();
            entry {
                id { (url) }
                title { (d.title) }
                link rel="alternate" type="text/html" href=(url) {}
                published { (d.created_at.and_utc().to_rfc3339()) }
                updated { (d.updated_at.and_utc().to_rfc3339()) }
                author { name { (commune.display_name) } }
                @for theme in &item.themes { category term=(theme) {} }
                summary { (d.question) }
                content type="html" { (d.body_html) }
            }
        }
    };
    let title = format!("{} — {}", commune.display_name, v.lang.t("debates-title"));
    atom(
        &self_url,
        &title,
        urls.base()
            .join("/debates")
            .map(|u| u.to_string())
            .unwrap_or_default()
            .as_str(),
        updated,
        entries,
    )
}

/// `/debates/{id}/comments.atom`: a debate's latest comments.
pub async fn debate_feed(v: Visitor, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let policy = v.ctx.policy().await;
    let thread = match v
        .ctx
        .db
        .run(move |conn| policy.thread(crate::db::debates::thread(conn, id, None)?))
        .await
    {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let urls = &v.ctx.urls;
    let page = urls.debate(id).to_string();
    let mut shown: Vec<&(Comment, Author)> = thread
        .comments
        .iter()
        .filter(|(c, _)| c.visible())
        .collect();
    shown.sort_by_key(|(c, _)| std::cmp::Reverse(c.id.0));
    shown.truncate(100);
    let updated = shown
        .iter()
        .map(|(c, _)| c.edited_at.unwrap_or(c.created_at))
        .max()
        .unwrap_or(thread.debate.updated_at);
    let entries = html! {
        @for (c, author) in &shown {
            @let url = format!("{page}#comment-{}", c.id);
            entry {
                id { (c.ap_id.clone().unwrap_or_else(|| urls.comment(c.id).to_string())) }
                title { (author.name) @if let Some(s) = c.stance { " — " (stance_label(v.lang, s)) } }
                link rel="alternate" type="text/html" href=(url) {}
                published { (c.created_at.and_utc().to_rfc3339()) }
                updated { (c.edited_at.unwrap_or(c.created_at).and_utc().to_rfc3339()) }
                author { name { (author.name) } }
                content type="html" { (c.content_html) }
            }
        }
    };
    atom(
        &format!("{page}/comments.atom"),
        &thread.debate.title,
        &page,
        updated,
        entries,
    )
}
