//! Posts, in Mastodon's `Status` shape: `POST /api/v1/statuses` and the home timeline.

use axum::Json;
use axum::extract::{Path, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::{AccountDto, dto, load, remote_dto};
use crate::api::auth::{CurrentAccount, ReadStatuses, WriteStatuses};
use crate::civic::notes;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::NoteId;
use crate::model::schema::{follows, notes as notes_table, remote_actors};
use crate::model::{Note, RemoteActor, Visibility};

/// What `POST /api/v1/statuses` takes (Mastodon's names).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStatus {
    /// Plain text; at most 500 characters.
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
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusDto {
    pub id: String,
    /// The ActivityPub id.
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    /// HTML.
    pub content: String,
    pub visibility: String,
    pub in_reply_to_id: Option<String>,
    pub account: AccountDto,
}

/// The id of the post a post answers, if we have that post.
fn parent_id(
    ctx: &AppContext,
    conn: &mut crate::db::AnyConnection,
    note: &Note,
) -> Result<Option<String>> {
    let Some(parent) = &note.in_reply_to else {
        return Ok(None);
    };
    if let Some(local) = ctx.urls.parse_note(parent) {
        return Ok(Some(local.to_string()));
    }
    Ok(notes_table::table
        .filter(notes_table::ap_id.eq(parent))
        .select(notes_table::id)
        .first::<NoteId>(conn)
        .optional()?
        .map(|id| id.to_string()))
}

fn status(
    ctx: &AppContext,
    note: &Note,
    account: AccountDto,
    in_reply_to_id: Option<String>,
) -> StatusDto {
    let uri = note
        .ap_id
        .clone()
        .unwrap_or_else(|| ctx.urls.note(note.id).to_string());
    StatusDto {
        id: note.id.to_string(),
        url: Some(uri.clone()),
        uri,
        created_at: note.published.and_utc().to_rfc3339(),
        content: note.content.clone(),
        visibility: note.visibility.to_string(),
        in_reply_to_id,
        account,
    }
}

/// Publishes a post; it is delivered to every follower's server (one request per shared inbox).
#[utoipa::path(post, path = "/api/v1/statuses", tag = "statuses", security(("bearer" = [])),
    request_body = NewStatus,
    responses((status = 200, body = StatusDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
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
    let reply_to_id = new.in_reply_to_id.clone().filter(|s| !s.is_empty());
    let reply_to = match new.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let id: i64 = raw
                .parse()
                .map_err(|_| Error::NotFound(format!("no post {raw}")))?;
            let parent = ctx
                .db
                .run(move |conn| notes::note(conn, NoteId(id)))
                .await?;
            Some(
                parent
                    .ap_id
                    .clone()
                    .unwrap_or_else(|| ctx.urls.note(parent.id).to_string()),
            )
        }
    };
    let author = current.actor.id;
    let account_row = current.account.clone();
    let as_commune = new.as_commune;
    let parent = reply_to_id.clone();
    let (note, commune) = ctx
        .db
        .transaction(move |conn| {
            if as_commune {
                let note = notes::publish_for_commune(
                    conn,
                    &account_row,
                    &new.status,
                    visibility,
                    reply_to,
                )?;
                Ok((
                    note,
                    Some(queries::actor_by_id(conn, account_row.commune_id)?),
                ))
            } else {
                Ok((
                    notes::publish(conn, author, &new.status, visibility, reply_to)?,
                    None,
                ))
            }
        })
        .await?;
    ctx.wake.notify_one();
    let account = load(&ctx, commune.unwrap_or(current.actor)).await?;
    Ok(Json(status(&ctx, &note, account, parent)))
}

/// Deletes one's own post; a `Delete` goes to followers.
#[utoipa::path(delete, path = "/api/v1/statuses/{id}", tag = "statuses", security(("bearer" = [])),
    params(("id" = String, Path, description = "post id")),
    responses((status = 200, body = StatusDto), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
) -> Result<Json<StatusDto>> {
    let id = NoteId(
        id.parse()
            .map_err(|_| Error::NotFound(format!("no post {id}")))?,
    );
    let account_row = current.account.clone();
    let urls_ctx = ctx.clone();
    let (note, parent, author) = ctx
        .db
        .transaction(move |conn| {
            notes::delete_local(conn, &account_row, id)?;
            let note = notes::note(conn, id)?;
            let parent = parent_id(&urls_ctx, conn, &note)?;
            let author = match note.author_id {
                Some(author) => queries::actor_by_id(conn, author)?,
                None => return Err(Error::internal("a local post without author")),
            };
            Ok((note, parent, author))
        })
        .await?;
    ctx.wake.notify_one();
    let account = load(&ctx, author).await?;
    Ok(Json(status(&ctx, &note, account, parent)))
}

/// The current account's own posts and those of the accounts it follows, newest first (40 at most).
#[utoipa::path(get, path = "/api/v1/timelines/home", tag = "statuses", security(("bearer" = [])),
    responses((status = 200, body = Vec<StatusDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn home(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadStatuses>,
) -> Result<Json<Vec<StatusDto>>> {
    let me = current.actor.id;
    let timeline_ctx = ctx.clone();
    let rows = ctx
        .db
        .run(move |conn| {
            let followed_remote = follows::table
                .filter(follows::follower_id.eq(me))
                .filter(follows::accepted.eq(true))
                .select(follows::target_remote_id);
            let followed_local = follows::table
                .filter(follows::follower_id.eq(me))
                .filter(follows::accepted.eq(true))
                .select(follows::target_id);
            let found: Vec<Note> = notes_table::table
                .filter(notes_table::deleted.eq(false))
                // Direct messages are not stored with their recipients yet: they never show here.
                .filter(
                    notes_table::visibility
                        .ne(Visibility::Direct)
                        .or(notes_table::author_id.eq(me)),
                )
                .filter(
                    notes_table::author_id
                        .eq(me)
                        .or(notes_table::author_id.eq_any(followed_local))
                        .or(notes_table::remote_author_id.eq_any(followed_remote)),
                )
                .order(notes_table::id.desc())
                .limit(40)
                .select(Note::as_select())
                .load(conn)?;
            let mut out = Vec::with_capacity(found.len());
            for note in found {
                let author = match (note.author_id, note.remote_author_id) {
                    (Some(local), _) => Author::Local(queries::actor_by_id(conn, local)?),
                    (None, Some(remote)) => Author::Remote(
                        remote_actors::table
                            .find(remote)
                            .select(RemoteActor::as_select())
                            .first(conn)?,
                    ),
                    (None, None) => continue,
                };
                let parent = parent_id(&timeline_ctx, conn, &note)?;
                out.push((note, author, parent));
            }
            Ok(out)
        })
        .await?;
    let policy = ctx.policy().await;
    Ok(Json(
        rows.into_iter()
            .filter(|(note, _, _)| policy.shows(note))
            .map(|(note, author, parent)| {
                let account = match &author {
                    Author::Local(actor) => dto(&ctx, actor, None, &[]),
                    Author::Remote(remote) => remote_dto(remote),
                };
                status(&ctx, &note, account, parent)
            })
            .collect(),
    ))
}

enum Author {
    Local(crate::model::Actor),
    Remote(RemoteActor),
}
