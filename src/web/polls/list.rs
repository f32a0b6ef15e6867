//! The lists of polls and questionnaires: the `/polls` page, and the short lists other pages show.

use axum::extract::Query;
use axum::response::Response;
use maud::{Markup, html};

use crate::civic::now;
use crate::civic::polls::{self, PollSummary};
use crate::db::queries;
use crate::model::Questionnaire;
use crate::web::debates::ListQuery;
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

const LISTED: i64 = 50;

pub fn poll_items(lang: Lang, items: &[PollSummary]) -> Markup {
    let now = now();
    html! {
        ul class="polls" {
            @for item in items {
                @let p = &item.poll;
                li {
                    a href=(format!("/polls/{}", p.id)) { (p.question) }
                    " "
                    @if p.is_closed(now) {
                        span class="badge" { (lang.t("poll-closed")) }
                    } @else {
                        span class="meta" { (lang.ta("poll-closes", &[("date", lang.datetime(p.closes_at).into())])) }
                    }
                    @if p.shows_results(now) {
                        " " span class="meta" { (lang.count("voters-count", p.voters)) }
                    }
                }
            }
        }
    }
}

/// `/polls`: the default commune's polls and questionnaires, or polls from other servers followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let account = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::default_commune(conn)?;
            let may_ask = match &account {
                Some(a) => polls::may_ask(conn, a)?,
                None => false,
            };
            let (items, questionnaires) = match (&commune, elsewhere) {
                (_, true) => (polls::list(conn, None, LISTED)?, vec![]),
                (Some(c), false) => (
                    polls::list(conn, Some(c.id), LISTED)?,
                    polls::questionnaires_of(conn, c.id, LISTED)?,
                ),
                (None, false) => (vec![], vec![]),
            };
            Ok((items, questionnaires, may_ask))
        })
        .await;
    let (items, questionnaires, may_ask) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let items = v.ctx.policy().await.shown(items);
    let title = lang.t("polls-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("polls-scope")) {
            a href="/polls" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/polls?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if may_ask && !elsewhere {
            p {
                a href="/polls/new" { (lang.t("poll-new")) }
                " · "
                a href="/questionnaires/new" { (lang.t("questionnaire-new")) }
            }
        }
        @if items.is_empty() {
            p { (lang.t("polls-none")) }
        } @else {
            (poll_items(lang, &items))
        }
        @if !elsewhere {
            h2 { (lang.t("questionnaires-title")) }
            @if questionnaires.is_empty() {
                p { (lang.t("questionnaires-none")) }
            } @else {
                (questionnaire_items(lang, &questionnaires))
            }
        }
    };
    page(&v, &title, body).await
}

pub fn questionnaire_items(lang: Lang, items: &[Questionnaire]) -> Markup {
    let now = now();
    html! {
        ul class="questionnaires" {
            @for q in items {
                li {
                    a href=(format!("/questionnaires/{}", q.id)) { (q.title) }
                    " "
                    @if q.is_closed(now) {
                        span class="badge" { (lang.t("poll-closed")) }
                    } @else {
                        span class="meta" { (lang.ta("poll-closes", &[("date", lang.datetime(q.closes_at).into())])) }
                    }
                    " " span class="meta" { (lang.count("responses-count", q.responses)) }
                }
            }
        }
    }
}
