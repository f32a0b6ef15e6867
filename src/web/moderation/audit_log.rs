//! `/moderation/log`: the moderators' audit log of every action taken.

use axum::response::Response;
use maud::html;

use crate::civic::moderation;
use crate::web::page;
use crate::web::session::Visitor;

use super::{action_label, reason_label};

/// `/moderation/log`: every action, who took it, on what, when and why.
pub async fn audit_log(v: Visitor) -> Response {
    let lang = v.lang;
    let account = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let found = v
        .ctx
        .db
        .run(move |conn| moderation::audit_log(conn, &account))
        .await;
    let items = match found {
        Ok(items) => items,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("moderation-log-title");
    let body = html! {
        h1 { (title) }
        @if items.is_empty() { p { (lang.t("moderation-log-none")) } }
        @else {
            table class="log" {
                thead { tr {
                    th scope="col" { (lang.t("log-when")) }
                    th scope="col" { (lang.t("log-who")) }
                    th scope="col" { (lang.t("log-what")) }
                    th scope="col" { (lang.t("log-target")) }
                    th scope="col" { (lang.t("log-why")) }
                } }
                tbody {
                    @for a in &items {
                        tr {
                            td { time datetime=(a.at.and_utc().to_rfc3339()) { (lang.datetime(a.at)) } }
                            td { (a.moderator_name) }
                            td { (action_label(lang, &a.action)) }
                            td { a href=(a.target) { (a.target) } }
                            td { (reason_label(lang, &a.reason)) @if !a.note.is_empty() { " — " (a.note) } }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
