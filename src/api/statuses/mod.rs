//! Posts, in Mastodon's `Status` shape: writing, reading and deleting them (`entity` builds the shape,
//! `actions` holds favourites, boosts and bookmarks, `timelines` the lists).

pub mod actions;
pub mod civic;
pub mod entity;
pub mod timelines;

pub use entity::StatusDto;

use axum::Json;
use axum::extract::{Path, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, ReadStatuses, WriteStatuses};
use crate::civic::notes;
use crate::civic::notes::interactions::{readable, visible_to};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::notes as notes_table;
use crate::model::{Note, Visibility};
use entity::{Statuses, note_id};

/// What `POST /api/v1/statuses` takes (Mastodon's names).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStatus {
    /// Plain text; at most 500 characters.
    #[serde(default)]
    pub status: String,
    /// public (default), unlisted or private (followers only).
    #[serde(default)]
    pub visibility: Option<String>,
    /// The id of the post answered.
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    /// Parvis: publish in the name of the account's commune (officials, moderators and admins).
    #[serde(default, deserialize_with = "crate::api::body::flexible::bool")]
    pub as_commune: bool,
    /// Pictures uploaded with `POST /api/v2/media`, at most four (the text may then be empty).
    #[serde(default, deserialize_with = "crate::api::body::flexible::strings")]
    pub media_ids: Vec<String>,
}

/// Publishes a post; it is delivered to every follower's server (one request per shared inbox).
#[utoipa::path(post, path = "/api/v1/statuses", tag = "statuses", security(("bearer" = [])),
    request_body = NewStatus,
    responses((status = 200, body = StatusDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    crate::api::body::Body(new): crate::api::body::Body<NewStatus>,
) -> Result<Json<StatusDto>> {
    let visibility = match new.visibility.as_deref() {
        None => Visibility::Public,
        Some(v) => Visibility::parse(v).ok_or_else(|| {
            Error::invalid(
                "visibility",
                format!("'{v}' is not public, unlisted or private"),
            )
        })?,
    };
    let me = current.actor.id;
    let reply_to = match new.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(note_id(raw)?),
    };
    let media_ids = new
        .media_ids
        .iter()
        .map(|raw| {
            crate::api::media::media_id(raw)
                .map_err(|_| Error::invalid("media_ids", format!("'{raw}' is not a picture id")))
        })
        .collect::<Result<Vec<_>>>()?;
    let author = notes::voice(&current.account, new.as_commune)?;
    let account = current.account.clone();
    let view = ctx.clone();
    let status = ctx
        .db
        .transaction(move |conn| {
            // What is answered must be readable by the one who answers (a boost answers what it shares).
            let reply_to = match reply_to {
                Some(id) => {
                    let parent = readable(conn, Some(me), id)?;
                    // An answer to a debate or a comment is a comment of the debate.
                    let answer = notes::civic_posts::Answer {
                        text: &new.status,
                        visibility,
                        media: &media_ids,
                    };
                    if let Some(comment) =
                        notes::civic_posts::comment_on(conn, &account, &parent, answer)?
                    {
                        return Statuses::new(&view, Some(me)).status(conn, &comment);
                    }
                    Some(notes::uri(&view.urls, &parent))
                }
                None => None,
            };
            let note = notes::publish_post(
                conn,
                author,
                me,
                notes::NewPost {
                    text: &new.status,
                    visibility,
                    in_reply_to: reply_to,
                    media: &media_ids,
                },
            )?;
            Statuses::new(&view, Some(me)).status(conn, &note)
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(status))
}

/// One post, if the reader may read it (without a token: public and unlisted posts only).
#[utoipa::path(get, path = "/api/v1/statuses/{id}", tag = "statuses",
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = StatusDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<StatusDto>> {
    let id = note_id(&id)?;
    let viewer = current.map(|c| c.actor.id);
    let policy = ctx.policy().await;
    let view = ctx.clone();
    ctx.db
        .run(move |conn| {
            let note = notes::note(conn, id)?;
            let shared = match note.reblog_of_id {
                Some(original) => Some(notes::note(conn, original)?),
                None => None,
            };
            let shown = policy.shows(&note) && shared.as_ref().is_none_or(|s| policy.shows(s));
            if !shown || !visible_to(conn, viewer, shared.as_ref().unwrap_or(&note))? {
                return Err(Error::NotFound(format!("no post {id}")));
            }
            Statuses::new(&view, viewer).status_of(conn, &note, shared.as_ref())
        })
        .await
        .map(Json)
}

/// Where a post sits in its thread.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContextDto {
    /// The posts it answers, oldest first.
    pub ancestors: Vec<StatusDto>,
    /// The answers to it and to them (those stored here), oldest first.
    pub descendants: Vec<StatusDto>,
}

/// How far a thread is walked each way, as Mastodon bounds it.
const THREAD_DEPTH: usize = 40;
const THREAD_REPLIES: usize = 4096;

/// The thread of a post: what it answers and what answers it, as far as the reader may read.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/context", tag = "statuses",
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = ContextDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn context(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<ContextDto>> {
    let id = note_id(&id)?;
    let viewer = current.map(|c| c.actor.id);
    let policy = ctx.policy().await;
    let view = ctx.clone();
    ctx.db
        .run(move |conn| {
            let note = readable(conn, viewer, id)?;
            if !policy.shows(&note) {
                return Err(Error::NotFound(format!("no post {id}")));
            }
            let shown = |conn: &mut crate::db::AnyConnection, n: &Note| -> Result<bool> {
                Ok(policy.shows(n) && visible_to(conn, viewer, n)?)
            };
            // A post answers what its `inReplyTo` names; a comment's post, its comment's parent or debate.
            let parent_of =
                |conn: &mut crate::db::AnyConnection, n: &Note| -> Result<Option<Note>> {
                    match (n.civic(), &n.in_reply_to) {
                        (Some(what), _) => notes::civic_posts::parent_of(conn, what),
                        (None, Some(parent)) => notes::by_uri(conn, &view.urls, parent),
                        (None, None) => Ok(None),
                    }
                };
            let mut ancestors = vec![];
            let mut above = parent_of(conn, &note)?;
            while let Some(found) = above.take() {
                if ancestors.len() >= THREAD_DEPTH {
                    break;
                }
                above = parent_of(conn, &found)?;
                if shown(conn, &found)? {
                    ancestors.push(found);
                }
            }
            ancestors.reverse();
            let mut descendants: Vec<Note> = vec![];
            let mut frontier = vec![note.clone()];
            while let Some(parent) = frontier.pop() {
                if descendants.len() >= THREAD_REPLIES {
                    break;
                }
                let mut replies: Vec<Note> = notes_table::table
                    .filter(notes_table::in_reply_to.eq(notes::uri(&view.urls, &parent)))
                    .filter(notes_table::deleted.eq(false))
                    .order(notes_table::id.asc())
                    .limit(THREAD_REPLIES as i64)
                    .select(Note::as_select())
                    .load(conn)?;
                if let Some(what) = parent.civic() {
                    replies.extend(notes::civic_posts::answers_to(conn, what)?);
                }
                for reply in replies {
                    if shown(conn, &reply)? {
                        frontier.push(reply.clone());
                        descendants.push(reply);
                    }
                }
            }
            descendants.sort_by_key(|n| n.id);
            let mut statuses = Statuses::new(&view, viewer);
            Ok(ContextDto {
                ancestors: statuses.all(conn, &ancestors)?,
                descendants: statuses.all(conn, &descendants)?,
            })
        })
        .await
        .map(Json)
}

/// Deletes one's own post; a `Delete` goes to followers. The answer carries the text as written, for
/// "delete and redraft".
#[utoipa::path(delete, path = "/api/v1/statuses/{id}", tag = "statuses", security(("bearer" = [])),
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = StatusDto), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
) -> Result<Json<StatusDto>> {
    let id = note_id(&id)?;
    let account_row = current.account.clone();
    let me: ActorId = current.actor.id;
    let view = ctx.clone();
    let status = ctx
        .db
        .transaction(move |conn| {
            let before = notes::note(conn, id)?;
            if before.reblog_of_id.is_some() {
                return Err(Error::NotFound(format!(
                    "no post {id}: a boost is taken back with /unreblog"
                )));
            }
            let mut status = Statuses::new(&view, Some(me)).status(conn, &before)?;
            notes::delete_local(conn, &account_row, id)?;
            status.text = Some(notes::html_to_text(&before.content));
            Ok(status)
        })
        .await?;
    ctx.wake.notify_one();
    // Its pictures go now (their links stop working), not at the next hourly sweep.
    if !status.media_attachments.is_empty()
        && let Err(e) =
            crate::civic::notes::media::sweep_files(&ctx.db, &ctx.settings.server.data_dir).await
    {
        tracing::warn!(error = %e, "cannot remove the pictures of a deleted post");
    }
    Ok(Json(status))
}

/// What `PUT /api/v1/statuses/{id}` takes: the new text (Mastodon's other fields are not kept by Parvis).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditedStatus {
    pub status: String,
}

/// Edits one's own post: the earlier version is kept (see `/history`), followers' servers get an `Update`.
#[utoipa::path(put, path = "/api/v1/statuses/{id}", tag = "statuses", security(("bearer" = [])),
    params(("id" = String, Path, description = "post id")), request_body = EditedStatus,
    responses((status = 200, body = StatusDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    crate::api::body::Body(edited): crate::api::body::Body<EditedStatus>,
) -> Result<Json<StatusDto>> {
    let id = note_id(&id)?;
    let account_row = current.account.clone();
    let me = current.actor.id;
    let view = ctx.clone();
    let status = ctx
        .db
        .transaction(move |conn| {
            let note = notes::edit(conn, &account_row, id, &edited.status)?;
            Statuses::new(&view, Some(me)).status(conn, &note)
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(status))
}

/// One version of a post (Mastodon's `StatusEdit`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusEditDto {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: crate::api::accounts::AccountDto,
    /// The post's pictures (an edit keeps them).
    pub media_attachments: Vec<crate::api::media::MediaDto>,
    #[schema(value_type = Vec<Object>)]
    pub emojis: Vec<serde_json::Value>,
}

/// Every version of a post, the first first and the current last.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/history", tag = "statuses",
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = Vec<StatusEditDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<Vec<StatusEditDto>>> {
    let id = note_id(&id)?;
    let viewer = current.map(|c| c.actor.id);
    let policy = ctx.policy().await;
    let view = ctx.clone();
    ctx.db
        .run(move |conn| {
            let note = readable(conn, viewer, id)?;
            if !policy.shows(&note) {
                return Err(Error::NotFound(format!("no post {id}")));
            }
            let Some(author) = entity::author_of(&note) else {
                return Err(Error::NotFound(format!("no post {id}")));
            };
            let account = crate::api::accounts::entity(&view, conn, author)?;
            let pictures = entity::pictures(&view, conn, &note)?;
            let mut versions = notes::revisions(conn, note.id)?;
            versions.push((
                note.content.clone(),
                note.edited_at.unwrap_or(note.published),
            ));
            Ok(versions
                .into_iter()
                .map(|(content, at)| StatusEditDto {
                    content,
                    spoiler_text: String::new(),
                    sensitive: false,
                    created_at: at.and_utc().to_rfc3339(),
                    account: account.clone(),
                    media_attachments: pictures.clone(),
                    emojis: vec![],
                })
                .collect())
        })
        .await
        .map(Json)
}

/// The text of one's own post as written, to edit it.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/source", tag = "statuses", security(("bearer" = [])),
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn source(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let id = note_id(&id)?;
    let me = current.actor.id;
    let note = ctx.db.run(move |conn| readable(conn, Some(me), id)).await?;
    Ok(Json(serde_json::json!({
        "id": note.id.to_string(),
        "text": notes::html_to_text(&note.content),
        "spoiler_text": "",
    })))
}
