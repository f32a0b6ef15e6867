//! `/notifications`: the notification centre (replies, mentions, followers, proposals, moderation), and the
//! warnings a person was given.

use axum::response::Response;
use maud::html;

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
                crate::civic::notifications::take(conn, me)?,
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
                        @if let Some(by) = &n.by {
                            (lang.ta(&format!("notification-{}", n.kind.as_str()), &[("name", by.clone().into())]))
                        } @else {
                            (lang.t(&format!("notification-{}", n.kind.as_str())))
                        }
                        // A link is a path here, or a post's page on its own server: only web links are kept.
                        @let link = n.link.as_deref().filter(|l| l.starts_with('/') && !l.starts_with("//") || crate::web::pages::safe_href(l).is_some());
                        @match (&n.debate, link) {
                            (Some((_, title)), Some(link)) => { " : " a href=(link) { (title) } },
                            // Written before notifications kept their link: all were about proposals.
                            (Some((id, title)), None) => { " : " a href=(format!("/proposals/{id}")) { (title) } },
                            (None, Some(link)) => { " — " a href=(link) { (lang.t("notification-open")) } },
                            _ => {},
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
