//! What a person does to a proposal from its page: support it or withdraw the support, follow it or stop,
//! and (for those who speak for the commune) answer it with a new status.

use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::civic::proposals;
use crate::error::Error;
use crate::ids::DebateId;
use crate::model::ProposalStatus;
use crate::web::session::Visitor;

fn parse_id(raw: &str) -> Option<DebateId> {
    raw.parse().ok().map(DebateId)
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    answer: String,
}

#[derive(Deserialize, Default)]
pub struct OffQuery {
    #[serde(default)]
    off: Option<String>,
}

enum Action {
    Support(bool),
    Follow(bool),
    Answer,
}

async fn act(v: Visitor, raw: String, form: ActionForm, action: Action) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&raw) else {
        return v.error(&Error::NotFound("no such proposal".into()));
    };
    let account = me.account.clone();
    let flash = match action {
        Action::Support(true) => "flash-supported",
        Action::Support(false) => "flash-unsupported",
        Action::Follow(true) => "flash-proposal-followed",
        Action::Follow(false) => "flash-proposal-unfollowed",
        Action::Answer => "flash-proposal-answered",
    };
    let result = v
        .ctx
        .db
        .transaction(move |conn| match action {
            Action::Support(on) => proposals::support(conn, &account, id, on),
            Action::Follow(on) => proposals::follow(conn, account.actor_id, id, on),
            Action::Answer => {
                let status = ProposalStatus::parse(&form.status)
                    .ok_or_else(|| Error::invalid("status", "choose the new status"))?;
                proposals::answer(conn, &account, id, status, &form.answer)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash(flash).await;
            Redirect::to(&format!("/proposals/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn support(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(v, id, form, Action::Support(q.off.is_none())).await
}

pub async fn follow(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(v, id, form, Action::Follow(q.off.is_none())).await
}

pub async fn answer(v: Visitor, Path(id): Path<String>, Form(form): Form<ActionForm>) -> Response {
    act(v, id, form, Action::Answer).await
}
