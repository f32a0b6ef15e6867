//! Pictures for posts, as Mastodon apps upload them: `POST /api/v2/media` (and the older `/api/v1/media`)
//! with a `file` and its `description`, then `media_ids[]` on the post. Stored as photos are (re-encoded
//! JPEG, no metadata: see [`crate::civic::media`]), processed at once, so the answer is always `200` with
//! the URLs set.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, WriteMedia};
use crate::api::body::{Body, WithFiles};
use crate::civic::media::{Folder, THUMB_SIZE};
use crate::civic::notes::media::{self, Uploaded};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::urls::Urls;
use crate::ids::MediaId;
use crate::model::{MediaAttachment, RemoteAttachment};

/// Mastodon's `MediaAttachment`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaDto {
    pub id: String,
    /// `image` for a picture stored here; `unknown` for one of a post from elsewhere, which is not
    /// fetched: apps show it as a link to its server.
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    /// `original` and `small` sizes (`width`, `height`, `size`, `aspect`), for pictures stored here.
    #[schema(value_type = Object)]
    pub meta: serde_json::Value,
    /// The alt text.
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

fn size(width: i32, height: i32) -> serde_json::Value {
    serde_json::json!({
        "width": width,
        "height": height,
        "size": format!("{width}x{height}"),
        "aspect": f64::from(width) / f64::from(height.max(1)),
    })
}

/// A picture stored here.
pub fn local(urls: &Urls, m: &MediaAttachment) -> MediaDto {
    let (small_w, small_h) =
        crate::civic::media::fitted(m.width.max(1) as u32, m.height.max(1) as u32, THUMB_SIZE);
    MediaDto {
        id: m.id.to_string(),
        kind: "image".into(),
        url: urls.attachment(&m.file).to_string(),
        preview_url: Some(urls.attachment(&m.thumb).to_string()),
        remote_url: None,
        preview_remote_url: None,
        text_url: None,
        meta: serde_json::json!({
            "original": size(m.width, m.height),
            "small": size(small_w as i32, small_h as i32),
        }),
        description: (!m.description.is_empty()).then(|| m.description.clone()),
        blurhash: None,
    }
}

/// A picture of a post from elsewhere: its link only.
pub fn remote(a: &RemoteAttachment) -> MediaDto {
    MediaDto {
        id: format!("r{}-{}", a.note_id, a.position),
        kind: "unknown".into(),
        url: a.url.clone(),
        preview_url: None,
        remote_url: Some(a.url.clone()),
        preview_remote_url: None,
        text_url: None,
        meta: serde_json::json!({}),
        description: (!a.description.is_empty()).then(|| a.description.clone()),
        blurhash: None,
    }
}

/// The text fields of an upload (the picture itself is the multipart `file`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewMedia {
    /// Its alt text, at most 1,500 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Accepted and ignored (apps send it; Parvis crops no thumbnail).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub focus: Option<serde_json::Value>,
}

/// Uploads a picture (JPEG, PNG or WebP, within `server.max_photo_bytes`) to attach to a post within a day.
#[utoipa::path(post, path = "/api/v2/media", tag = "media", security(("bearer" = [])),
    request_body(content = NewMedia, content_type = "multipart/form-data"),
    responses((status = 200, body = MediaDto), (status = 401, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteMedia>,
    body: WithFiles<NewMedia>,
) -> Result<Json<MediaDto>> {
    store(&ctx, current.actor.id, body).await.map(Json)
}

/// The same as `POST /api/v2/media` (older apps call this one).
#[utoipa::path(post, path = "/api/v1/media", tag = "media", security(("bearer" = [])),
    request_body(content = NewMedia, content_type = "multipart/form-data"),
    responses((status = 200, body = MediaDto), (status = 401, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload_v1(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteMedia>,
    body: WithFiles<NewMedia>,
) -> Result<Json<MediaDto>> {
    store(&ctx, current.actor.id, body).await.map(Json)
}

async fn store(
    ctx: &AppContext,
    owner: crate::ids::ActorId,
    mut body: WithFiles<NewMedia>,
) -> Result<MediaDto> {
    let bytes = body
        .take("file")
        .ok_or_else(|| Error::invalid("file", "send the picture as the multipart field 'file'"))?;
    let description = body.fields.description.unwrap_or_default();
    // Checked before the picture is decoded and stored, so that a refusal costs nothing.
    media::check_description(&description)?;
    let max = ctx.settings.server.max_photo_bytes;
    let photo =
        tokio::task::spawn_blocking(move || crate::civic::media::photo(&bytes, max, "file"))
            .await
            .map_err(Error::internal)??;
    let data_dir = ctx.settings.server.data_dir.clone();
    let (file, thumb) =
        crate::civic::media::store_photo(&data_dir, Folder::Attachments, &photo).await?;
    let uploaded = Uploaded {
        file: file.clone(),
        thumb: thumb.clone(),
        width: photo.width,
        height: photo.height,
    };
    let added = ctx
        .db
        .run(move |conn| media::add(conn, owner, &uploaded, &description))
        .await;
    match added {
        Ok(m) => Ok(local(&ctx.urls, &m)),
        Err(e) => {
            crate::civic::media::remove_photos(&data_dir, Folder::Attachments, &[file, thumb])
                .await;
            Err(e)
        }
    }
}

/// One of one's own pictures.
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media", security(("bearer" = [])),
    params(("id" = String, Path, description = "picture id")),
    responses((status = 200, body = MediaDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteMedia>,
    Path(id): Path<String>,
) -> Result<Json<MediaDto>> {
    let id = media_id(&id)?;
    let me = current.actor.id;
    let found = ctx.db.run(move |conn| media::own(conn, me, id)).await?;
    Ok(Json(local(&ctx.urls, &found)))
}

/// What `PUT /api/v1/media/{id}` changes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MediaChange {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub focus: Option<serde_json::Value>,
}

/// Changes the alt text of a picture not yet in a post.
#[utoipa::path(put, path = "/api/v1/media/{id}", tag = "media", security(("bearer" = [])),
    params(("id" = String, Path, description = "picture id")), request_body = MediaChange,
    responses((status = 200, body = MediaDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn describe(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteMedia>,
    Path(id): Path<String>,
    Body(change): Body<MediaChange>,
) -> Result<Json<MediaDto>> {
    let id = media_id(&id)?;
    let me = current.actor.id;
    let found = ctx
        .db
        .run(move |conn| match change.description {
            Some(text) => media::describe(conn, me, id, &text),
            None => media::own(conn, me, id),
        })
        .await?;
    Ok(Json(local(&ctx.urls, &found)))
}

/// A picture id from a path or a post's `media_ids[]`.
pub fn media_id(raw: &str) -> Result<MediaId> {
    raw.trim()
        .parse()
        .map(MediaId)
        .map_err(|_| Error::NotFound(format!("no picture {raw}")))
}
