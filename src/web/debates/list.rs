//! The list of debates: the commune's own or those followed elsewhere, by theme and status, newest or most
//! active first; and the short list other pages show.

use axum::extract::Query;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::status_label;
use crate::civic::debates;
use crate::db::debates::{DebateSummary, Filter, Sort};
use crate::db::queries;
use crate::ids::ThemeId;
use crate::model::DebateStatus;
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

/// How many debates a list shows.
const LISTED: i64 = 100;

/// A short list of debates (the commune's home shows the newest ones).
pub fn debate_list(lang: Lang, items: &[DebateSummary]) -> Markup {
    html! {
        ul class="debates" {
            @for item in items {
                li {
                    a href=(format!("/debates/{}", item.debate.id)) { (item.debate.title) }
                    " "
                    @if item.debate.pinned { span class="badge" { (lang.t("debate-pinned")) } " " }
                    span class="badge" { (status_label(lang, item.debate.status)) }
                    " "
                    span class="meta" { (lang.count("comments-count", item.comments)) }
                    @for theme in &item.themes { " " span class="theme" { (theme) } }
                    p class="question" { (item.debate.question) }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub(crate) theme: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) sort: Option<String>,
    /// `elsewhere`: what other servers' communes followed from here hold.
    #[serde(default)]
    pub(crate) scope: Option<String>,
}

/// `/debates`: the default commune's debates, by theme and status, newest or most active first; or the
/// debates of neighbouring communes followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.as_deref().and_then(|t| t.parse().ok()).map(ThemeId);
    let status = q.status.as_deref().and_then(DebateStatus::parse);
    let sort = match q.sort.as_deref() {
        Some("active") => Sort::MostActive,
        _ => Sort::Newest,
    };
    let me = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(None);
            };
            let filter = Filter {
                commune: (!elsewhere).then_some(commune.id),
                theme,
                status,
                sort,
                limit: LISTED,
            };
            let openers = debates::openers(conn, commune.id)?;
            Ok(Some((
                crate::db::debates::list(conn, &filter)?,
                debates::themes_of(conn, commune.id)?,
                me.is_some_and(|a| debates::may_open(&a, openers)),
                Some(commune.path()),
            )))
        })
        .await;
    let (items, themes, may_open, commune_path) = match found {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), Vec::new(), false, None),
        Err(e) => return v.error(&e),
    };
    let items = v.ctx.policy().await.shown(items);
    let title = lang.t("debates-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("debates-scope")) {
            a href="/debates" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/debates?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if may_open && !elsewhere {
            p { a href="/debates/new" { (lang.t("debate-open")) } }
        }
        form method="get" action="/search" role="search" class="filters" {
            div class="field" {
                label for="q" { (lang.t("field-search")) }
                input type="search" id="q" name="q" maxlength="200";
            }
            button type="submit" { (lang.t("search-submit")) }
        }
        form method="get" action="/debates" class="filters" {
            @if elsewhere { input type="hidden" name="scope" value="elsewhere"; }
            @if !elsewhere && !themes.is_empty() {
                div class="field" {
                    label for="theme" { (lang.t("field-theme")) }
                    select id="theme" name="theme" {
                        option value="" { (lang.t("filter-all")) }
                        @for t in &themes {
                            option value=(t.id) selected[theme == Some(t.id)] { (t.name) }
                        }
                    }
                }
            }
            div class="field" {
                label for="status" { (lang.t("field-status")) }
                select id="status" name="status" {
                    option value="" { (lang.t("filter-current")) }
                    @for s in [DebateStatus::Open, DebateStatus::Closed, DebateStatus::Archived] {
                        option value=(s.as_str()) selected[status == Some(s)] { (status_label(lang, s)) }
                    }
                }
            }
            div class="field" {
                label for="sort" { (lang.t("field-sort")) }
                select id="sort" name="sort" {
                    option value="newest" { (lang.t("sort-newest")) }
                    option value="active" selected[sort == Sort::MostActive] { (lang.t("sort-active")) }
                }
            }
            button type="submit" { (lang.t("filter-submit")) }
        }
        @if items.is_empty() {
            p { (lang.t("debates-none")) }
        } @else {
            (debate_list(lang, &items))
        }
        @if let (Some(path), false) = (&commune_path, elsewhere) {
            p { a href=(format!("{path}/debates.atom")) type="application/atom+xml" { (lang.t("feed-link")) } }
        }
    };
    page(&v, &title, body).await
}
