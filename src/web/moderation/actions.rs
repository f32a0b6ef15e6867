//! What moderators do from the queue: decide on a report, lift a suspension, lift a block; each checked,
//! carried out in one transaction, then back to the queue.

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::civic::moderation;
use crate::error::Error;
use crate::model::ModerationAction;
use crate::web::session::Visitor;

pub async fn resolve(
    v: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let csrf = field("csrf".into()).to_string();
    // A form that cannot be read is answered once the sender is known to be allowed to send it.
    let decision = decision_of(id, field);
    moderate(v, &csrf, "/moderation", move |conn, me| {
        moderation::resolve(conn, me, id, &decision?)
    })
    .await
}

/// The decision the queue's form sends about report `id`.
fn decision_of<'a>(
    id: i64,
    field: impl Fn(String) -> &'a str,
) -> crate::error::Result<moderation::Decision> {
    let action = ModerationAction::parse(field(format!("action-{id}")))
        .ok_or_else(|| Error::invalid("action", "choose an action"))?;
    let days = match field(format!("days-{id}")) {
        "" | "forever" => None,
        n => Some(
            n.parse::<i64>()
                .map_err(|_| Error::invalid("days", "a number of days, or forever"))?,
        ),
    };
    Ok(moderation::Decision {
        action,
        note: field(format!("note-{id}")).to_string(),
        days,
        forward: field(format!("forward-{id}")) == "on",
    })
}

/// Lifts a suspension before its end (`POST /moderation/suspensions/{username}`).
pub async fn lift(
    v: Visitor,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    moderate(v, &form.csrf, "/moderation#suspended", move |conn, me| {
        moderation::lift(conn, me, &username, "")
    })
    .await
}

/// Lifts a block of a remote account (`POST /moderation/blocks/{id}`).
pub async fn unblock(v: Visitor, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> Response {
    moderate(v, &form.csrf, "/moderation#blocked", move |conn, me| {
        moderation::unblock(conn, me, id)
    })
    .await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A moderator's form: checked, carried out in one transaction, then back to the queue. What it changes may
/// be a block (part of the cached policy) or something to tell other servers.
async fn moderate(
    v: Visitor,
    csrf: &str,
    back: &str,
    work: impl FnOnce(&mut crate::db::AnyConnection, &crate::model::Account) -> crate::error::Result<()>
    + Send
    + 'static,
) -> Response {
    let me = match v.form_poster(csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let account = me.account.clone();
    let result = v.ctx.db.transaction(move |conn| work(conn, &account)).await;
    match result {
        Ok(()) => {
            v.ctx.policy.invalidate();
            v.ctx.wake.notify_one();
            v.flash("flash-moderated").await;
            Redirect::to(back).into_response()
        }
        Err(e) => v.error(&e),
    }
}
