//! `/notifications`: what happened to the proposals a person follows, and the warnings they were given.

use axum::response::Response;
use maud::html;

use crate::civic::proposals;
use crate::web::page;
use crate::web::session::Visitor;

/// `/notifications`: what happened to the proposals the person follows.
pub async fn notifications(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let lang = v.lang;
    let found = v
        .ctx
        .db
        .transaction(move |conn| {
            Ok((
                proposals::take_notifications(conn, me)?,
                crate::civic::moderation::warnings_of(conn, me)?,
            ))
        })
        .await;
    let (items, warnings) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("notifications-title");
    let body = html! {
        h1 { (title) }
        (crate::web::moderation::warnings_section(lang, &warnings))
        @if items.is_empty() {
            p { (lang.t("notifications-none")) }
        } @else {
            ul class="notifications" {
                @for n in &items {
                    li class=[(!n.read).then_some("unread")] {
                        time datetime=(n.created_at.and_utc().to_rfc3339()) { (lang.date(n.created_at.date())) }
                        " — "
                        (lang.t(&format!("notification-{}", n.kind)))
                        @if let Some((id, title)) = &n.debate {
                            " : " a href=(format!("/proposals/{id}")) { (title) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
