//! What those who speak for the commune do to a debate: change its status (open, closed, archived), pin it.

use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{ButtonForm, OffQuery, parse_id};
use crate::civic::debates;
use crate::error::Error;
use crate::model::DebateStatus;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

pub async fn change_status(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let (Some(id), Some(status)) = (parse_id(&id), DebateStatus::parse(&form.status)) else {
        return v.error(&Error::invalid("status", "unknown"));
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| debates::set_status(conn, &account, id, status))
        .await
    {
        Ok(_) => {
            v.flash("flash-debate-status").await;
            Redirect::to(&format!("/debates/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn pin(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let (account, on) = (me.account.clone(), q.off.is_none());
    match v
        .ctx
        .db
        .transaction(move |conn| debates::set_pinned(conn, &account, id, on))
        .await
    {
        Ok(()) => {
            v.flash(if on {
                "flash-debate-pinned"
            } else {
                "flash-debate-unpinned"
            })
            .await;
            Redirect::to(&format!("/debates/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}
