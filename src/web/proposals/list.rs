//! The lists of proposals: the `/proposals` page (the commune's own, or those followed elsewhere, by theme,
//! status and order) and the list markup other pages show.

use axum::extract::Query;
use axum::response::Response;
use maud::{Markup, html};

use crate::db::proposals::{Filter, ProposalSummary, Sort};
use crate::db::queries;
use crate::ids::ThemeId;
use crate::model::ProposalStatus;
use crate::web::debates::ListQuery;
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

use super::status_label;

/// How many proposals a list shows.
const LISTED: i64 = 100;

pub fn list_items(lang: Lang, items: &[ProposalSummary]) -> Markup {
    html! {
        ul class="debates proposals" {
            @for item in items {
                li {
                    a href=(format!("/proposals/{}", item.debate.id)) { (item.debate.title) }
                    " " span class=(format!("badge proposal-{}", item.proposal.status.as_str())) { (status_label(lang, item.proposal.status)) }
                    " " span class="meta" { (lang.count("supports-count", item.proposal.supports())) }
                    @if let Some(theme) = &item.theme { " " span class="theme" { (theme) } }
                    p class="question" { (item.debate.question) }
                }
            }
        }
    }
}

/// `/proposals`: the default commune's proposals by theme and status, most supported, newest or closest to
/// the threshold first; or those of neighbouring communes followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.as_deref().and_then(|t| t.parse().ok()).map(ThemeId);
    let status = q.status.as_deref().and_then(ProposalStatus::parse);
    let sort = q.sort.as_deref().and_then(Sort::parse).unwrap_or_default();
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
            Ok(Some((
                crate::db::proposals::list(conn, &filter)?,
                crate::civic::debates::themes_of(conn, commune.id)?,
                commune.path(),
            )))
        })
        .await;
    let (items, themes, commune_path) = match found {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), Vec::new(), String::new()),
        Err(e) => return v.error(&e),
    };
    let items = v.ctx.policy().await.shown(items);
    let title = lang.t("proposals-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("proposals-scope")) {
            a href="/proposals" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/proposals?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if v.me.is_some() && !elsewhere {
            p { a href="/proposals/new" { (lang.t("proposal-new")) } }
        }
        form method="get" action="/proposals" class="filters" {
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
                    option value="" { (lang.t("filter-all")) }
                    @for s in ProposalStatus::ALL {
                        option value=(s.as_str()) selected[status == Some(*s)] { (status_label(lang, *s)) }
                    }
                }
            }
            div class="field" {
                label for="sort" { (lang.t("field-sort")) }
                select id="sort" name="sort" {
                    @for s in [Sort::MostSupported, Sort::Newest, Sort::ClosestToThreshold] {
                        option value=(s.as_str()) selected[sort == s] { (lang.t(&format!("sort-{}", s.as_str()))) }
                    }
                }
            }
            button type="submit" { (lang.t("filter-submit")) }
        }
        @if items.is_empty() {
            p { (lang.t("proposals-none")) }
        } @else {
            (list_items(lang, &items))
        }
        @if !elsewhere && !commune_path.is_empty() {
            p { a href=(format!("{commune_path}/proposals.csv")) type="text/csv" download { (lang.t("proposals-csv")) } }
        }
    };
    page(&v, &title, body).await
}
