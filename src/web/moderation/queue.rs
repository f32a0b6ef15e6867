//! `/moderation`: the moderators' queue of open reports, each with what was reported and the form to act on
//! it, then the blocks and suspensions in force.

use axum::extract::Query;
use axum::response::Response;
use diesel::prelude::*;
use maud::{PreEscaped, html};
use serde::Deserialize;

use crate::civic::moderation::{self, Report};
use crate::db::queries;
use crate::model::ModerationAction;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page;
use crate::web::session::Visitor;

use super::{action_label, reason_label};

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// The last report of the previous page.
    #[serde(default)]
    after: Option<i64>,
}

/// A report with what the queue shows of it.
struct QueueItem {
    report: Report,
    target: String,
    /// The reported comment's text (sanitized HTML), when it is one.
    excerpt: Option<String>,
    /// Who reported: a name here, or the other server.
    by: String,
    /// The reported author is on another server: they can be blocked, and the report forwarded.
    remote: Option<String>,
}

/// How long a suspension lasts, as offered on the queue: days, or for good.
const SUSPENSIONS: [&str; 5] = ["1", "7", "30", "365", "forever"];

/// `/moderation`: open reports of the moderator's commune, with what was reported and the actions.
pub async fn queue(v: Visitor, Query(q): Query<QueueQuery>) -> Response {
    let lang = v.lang;
    let account = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let mut items = vec![];
            let suspended = moderation::suspended(conn, &account)?;
            let blocks = moderation::blocks(conn, &account)?;
            let (reports, next) = moderation::queue(conn, &account, q.after)?;
            for report in reports {
                let target = moderation::target_of(conn, &report)?;
                let excerpt = match (report.comment_id, report.note_id) {
                    (Some(c), _) => crate::model::schema::comments::table
                        .find(c)
                        .select(crate::model::schema::comments::content_html)
                        .first::<String>(conn)
                        .optional()?,
                    // Posts are kept sanitized (ours are escaped text, others' cleaned HTML).
                    (None, Some(n)) => Some(crate::civic::notes::note(conn, n)?.content),
                    _ => None,
                };
                let by = match (report.reporter_id, report.remote_reporter_id) {
                    (Some(a), _) => queries::actor_by_id(conn, a)?.display_name,
                    (None, Some(r)) => crate::civic::remote::remote_actor(conn, r)?.domain,
                    _ => String::new(),
                };
                let remote = match moderation::remote_author_of(conn, &report)? {
                    Some(r) => Some(crate::civic::remote::remote_actor(conn, r)?.domain),
                    None => None,
                };
                items.push(QueueItem {
                    report,
                    target,
                    excerpt,
                    by,
                    remote,
                });
            }
            Ok((items, suspended, next, blocks))
        })
        .await;
    let (items, suspended, next, blocks) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let admin = v.me.as_ref().is_some_and(|m| m.is_admin());
    let csrf = v.csrf().await;
    let title = lang.t("moderation-title");
    let actions = |remote: bool| -> Vec<(&str, String)> {
        ModerationAction::ALL
            .iter()
            .filter(|a| match a {
                ModerationAction::Lift
                | ModerationAction::Forward
                | ModerationAction::RoleChange
                | ModerationAction::MandateChange
                | ModerationAction::CouncilClaim => false,
                ModerationAction::Block => remote,
                ModerationAction::BlockInstance => remote && admin,
                ModerationAction::Warn | ModerationAction::Suspend => !remote,
                ModerationAction::Dismiss | ModerationAction::Hide => true,
            })
            .map(|a| (a.as_str(), action_label(lang, a.as_str())))
            .collect()
    };
    let durations: Vec<(&str, String)> = SUSPENSIONS
        .iter()
        .map(|d| (*d, lang.t(&format!("suspension-{d}"))))
        .collect();
    let body = html! {
        h1 { (title) }
        p { a href="/moderation/log" { (lang.t("moderation-log-title")) } " · " a href="/transparency" { (lang.t("transparency-title")) } }
        @if items.is_empty() {
            p { (lang.t("moderation-none")) }
        }
        @for item in &items {
            @let r = &item.report;
            article class="report" id=(format!("report-{}", r.id)) {
                h2 { (reason_label(lang, &r.reason)) " — " a href=(item.target) { (item.target) } }
                p class="meta" {
                    (lang.ta("report-by", &[("name", item.by.clone().into()), ("date", lang.datetime(r.created_at).into())]))
                }
                @if !r.comment.is_empty() { blockquote { (r.comment) } }
                @if let Some(excerpt) = &item.excerpt { div class="content reported" { (PreEscaped(excerpt)) } }
                form id=(format!("resolve-{}", r.id)) method="post" action=(format!("/moderation/reports/{}", r.id)) {
                    (forms::csrf(&csrf))
                    (forms::select(lang, &format!("action-{}", r.id), &lang.t("field-moderation-action"), &actions(item.remote.is_some()), "dismiss", &FormErrors::new()))
                    @if item.remote.is_none() {
                        (forms::select(lang, &format!("days-{}", r.id), &lang.t("field-suspension"), &durations, "7", &FormErrors::new()))
                    }
                    (forms::textarea(lang, Input::text(&format!("note-{}", r.id), lang.t("field-moderation-note"), "")
                        .maxlength(moderation::MAX_NOTE).hint(lang.t("hint-moderation-note")), 2, &FormErrors::new()))
                    @if let Some(server) = &item.remote {
                        (forms::checkbox(lang, &format!("forward-{}", r.id), &lang.ta("field-forward", &[("site", server.clone().into())]), "on", false, &FormErrors::new()))
                    }
                    button type="submit" { (lang.t("moderation-submit")) }
                }
            }
        }
        @if let Some(next) = next {
            p { a rel="next" href=(format!("/moderation?after={next}")) { (lang.t("moderation-next")) } }
        }
        @if !blocks.is_empty() {
            h2 id="blocked" { (lang.t("moderation-blocked")) }
            ul {
                @for b in &blocks {
                    li {
                        (b.actor_ap_id) " — "
                        @if b.commune_id.is_some() { (lang.t("moderation-action-block")) } @else { (lang.t("moderation-action-block_instance")) }
                        " (" (lang.datetime(b.created_at)) ")"
                        @if b.commune_id.is_some() || admin {
                            form method="post" action=(format!("/moderation/blocks/{}", b.id)) class="inline" {
                                (forms::csrf(&csrf))
                                button type="submit" class="link" { (lang.t("moderation-unblock")) }
                            }
                        }
                    }
                }
            }
        }
        @if !suspended.is_empty() {
            h2 id="suspended" { (lang.t("moderation-suspended")) }
            ul {
                @for (username, until) in &suspended {
                    li {
                        a href=(format!("/users/{username}")) { "@" (username) } " — "
                        @if *until >= moderation::forever() {
                            (lang.t("suspension-forever"))
                        } @else {
                            (lang.ta("suspended-until", &[("date", lang.datetime(*until).into())]))
                        }
                        form method="post" action=(format!("/moderation/suspensions/{username}")) class="inline" {
                            (forms::csrf(&csrf))
                            button type="submit" class="link" { (lang.ta("moderation-lift", &[("name", username.clone().into())])) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
