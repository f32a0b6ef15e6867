//! Comments on a debate: a comment's own URL, and the forms that write, edit, delete and hide a comment or
//! agree with it.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::thread::{Writing, debate_page};
use super::{ButtonForm, OffQuery, parse_id};
use crate::civic::debates;
use crate::error::Error;
use crate::ids::{CommentId, DebateId};
use crate::model::Stance;
use crate::web::forms::FormErrors;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) comment: String,
    #[serde(default)]
    pub(super) stance: String,
    #[serde(default)]
    pub(super) parent: Option<String>,
}

/// The debate a comment belongs to.
async fn debate_of(v: &Visitor, id: CommentId) -> crate::error::Result<DebateId> {
    v.ctx
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            crate::model::schema::comments::table
                .find(id)
                .select(crate::model::schema::comments::debate_id)
                .first::<DebateId>(conn)
                .optional()?
                .ok_or_else(|| Error::NotFound("no such comment".into()))
        })
        .await
}

fn parse_comment(raw: &str) -> Option<CommentId> {
    raw.parse().ok().map(CommentId)
}

/// A comment's URL, in a browser: the comment in its debate.
pub async fn comment_page(v: Visitor, Path(id): Path<String>) -> Response {
    let Some(id) = parse_comment(&id) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    match debate_of(&v, id).await {
        Ok(debate) => Redirect::to(&format!("/debates/{debate}#comment-{id}")).into_response(),
        Err(e) => v.error(&e),
    }
}

fn parse_stance(raw: &str) -> Result<Option<Stance>, Error> {
    match raw {
        "" => Ok(None),
        other => Stance::parse(other)
            .map(Some)
            .ok_or_else(|| Error::invalid("stance", "unknown")),
    }
}

pub async fn add_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let stance = match parse_stance(&form.stance) {
        Ok(s) => s,
        Err(e) => return v.error(&e),
    };
    let parent = match form.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => match parse_comment(p) {
            Some(c) => Some(c),
            None => return v.error(&Error::invalid("parent", "not a comment")),
        },
        None => None,
    };
    let text = form.comment.clone();
    let author = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::comment(conn, author, id, parent, &text, stance))
        .await;
    match result {
        Ok(c) => {
            v.flash("flash-commented").await;
            Redirect::to(&format!("/debates/{id}#comment-{}", c.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["comment"]);
            let writing = parent.map_or(Writing::New, Writing::Reply);
            debate_page(
                &v,
                id,
                writing,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn edit_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_comment(&id) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    let stance = match parse_stance(&form.stance) {
        Ok(s) => s,
        Err(e) => return v.error(&e),
    };
    let text = form.comment.clone();
    let author = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::edit_comment(conn, author, id, &text, stance))
        .await;
    match result {
        Ok(c) => {
            v.flash("flash-comment-edited").await;
            Redirect::to(&format!("/debates/{}#comment-{id}", c.debate_id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => match debate_of(&v, id).await {
            Ok(debate) => {
                let errors = FormErrors::from_error(v.lang, &e, &["comment"]);
                debate_page(
                    &v,
                    debate,
                    Writing::Edit(id),
                    Some(&form),
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => v.error(&e),
        },
        Err(e) => v.error(&e),
    }
}

/// What one of a comment's buttons does.
#[derive(Clone, Copy)]
enum CommentAction {
    Delete,
    Hide,
    Restore,
    Agree(bool),
}

async fn comment_action(v: Visitor, raw: String, csrf: String, action: CommentAction) -> Response {
    let me = match v.form_poster(&csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_comment(&raw) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    let debate = match debate_of(&v, id).await {
        Ok(d) => d,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| match action {
            CommentAction::Delete => debates::delete_comment(conn, account.actor_id, id),
            CommentAction::Hide => debates::hide_comment(conn, &account, id),
            CommentAction::Restore => debates::restore_comment(conn, &account, id),
            CommentAction::Agree(on) => debates::agree(conn, account.actor_id, id, on),
        })
        .await;
    match result {
        Ok(()) => {
            v.flash(match action {
                CommentAction::Delete => "flash-comment-deleted",
                CommentAction::Hide => "flash-comment-hidden",
                CommentAction::Restore => "flash-comment-restored",
                CommentAction::Agree(true) => "flash-agreed",
                CommentAction::Agree(false) => "flash-agree-withdrawn",
            })
            .await;
            Redirect::to(&format!("/debates/{debate}#comment-{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn delete_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Delete).await
}

pub async fn hide_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Hide).await
}

pub async fn restore_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Restore).await
}

pub async fn agree(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Agree(q.off.is_none())).await
}
