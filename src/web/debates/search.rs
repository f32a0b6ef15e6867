//! Search: the debates and comments matching every word of a query.

use axum::extract::Query;
use axum::response::Response;
use maud::{PreEscaped, html};
use serde::Deserialize;

use super::status_label;
use crate::web::page;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// How many debates and comments a search shows.
const FOUND: i64 = 50;

/// `/search?q=`: debates and comments matching every word.
pub async fn search(v: Visitor, Query(q): Query<SearchQuery>) -> Response {
    let lang = v.lang;
    let text: String = q.q.chars().take(200).collect();
    let query = text.clone();
    let found = match v
        .ctx
        .db
        .run(move |conn| crate::db::search::search(conn, &query, FOUND))
        .await
    {
        Ok(mut f) => {
            // Nothing from a blocked or silenced server.
            let policy = v.ctx.policy().await;
            f.debates = policy.shown(f.debates);
            f.comments
                .retain(|(c, d)| policy.shows(c) && policy.shows(d));
            f
        }
        Err(e) => return v.error(&e),
    };
    let title = lang.t("search-title");
    let body = html! {
        h1 { (title) }
        form method="get" action="/search" role="search" class="filters" {
            div class="field" {
                label for="q" { (lang.t("field-search")) }
                input type="search" id="q" name="q" maxlength="200" value=(text);
            }
            button type="submit" { (lang.t("search-submit")) }
        }
        @if !text.trim().is_empty() {
            @if found.debates.is_empty() && found.comments.is_empty() {
                p { (lang.t("search-none")) }
            }
            @if !found.debates.is_empty() {
                h2 { (lang.t("debates-title")) }
                ul class="debates" {
                    @for d in &found.debates {
                        li {
                            a href=(format!("/debates/{}", d.id)) { (d.title) }
                            " " span class="badge" { (status_label(lang, d.status)) }
                            p class="question" { (d.question) }
                        }
                    }
                }
            }
            @if !found.comments.is_empty() {
                h2 { (lang.t("search-comments")) }
                ul class="debates" {
                    @for (c, d) in &found.comments {
                        li {
                            a href=(format!("/debates/{}#comment-{}", d.id, c.id)) { (d.title) }
                            div class="content" { (PreEscaped(&c.content_html)) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
