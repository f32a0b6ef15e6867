//! Pictures of posts. One written here: uploaded first (`POST /api/v2/media`), its owner's alone until a
//! post of theirs takes it (at most [`MAX_ATTACHMENTS`], each once), swept when no post took it within
//! [`KEEP_UNATTACHED`] or once its post or owner is deleted. One of a post from elsewhere: its link only.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use url::Url;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, MediaId, NoteId};
use crate::model::schema::{actors, media_attachments, note_remote_attachments, notes};
use crate::model::{MediaAttachment, RemoteAttachment};

/// At most this many pictures a post (Mastodon's number: apps offer no more).
pub const MAX_ATTACHMENTS: usize = 4;
/// The longest alt text, in characters (Mastodon's default).
pub const MAX_DESCRIPTION: usize = 1500;
/// How long an uploaded picture waits for a post before it is swept.
pub const KEEP_UNATTACHED: Duration = Duration::days(1);

/// A picture just stored on disk, to record.
pub struct Uploaded {
    pub file: String,
    pub thumb: String,
    pub width: u32,
    pub height: u32,
}

/// An alt text as kept: trimmed, at most [`MAX_DESCRIPTION`] characters, no control characters but line
/// breaks (it is shown as text, escaped, wherever it goes).
pub fn check_description(text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(Error::invalid(
            "description",
            format!("must have at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(
            "description",
            "must not hold control characters",
        ));
    }
    Ok(text.to_string())
}

/// Records a picture `owner` uploaded, waiting for a post.
pub fn add(
    conn: &mut AnyConnection,
    owner: ActorId,
    stored: &Uploaded,
    description: &str,
) -> Result<MediaAttachment> {
    let description = check_description(description)?;
    let id: MediaId = diesel::insert_into(media_attachments::table)
        .values((
            media_attachments::owner_id.eq(owner),
            media_attachments::file.eq(&stored.file),
            media_attachments::thumb.eq(&stored.thumb),
            media_attachments::description.eq(description),
            media_attachments::width.eq(stored.width as i32),
            media_attachments::height.eq(stored.height as i32),
            media_attachments::created_at.eq(now()),
        ))
        .returning(media_attachments::id)
        .get_result(conn)?;
    own(conn, owner, id)
}

/// One of `owner`'s pictures; anyone else's is not found (its existence is not told).
pub fn own(conn: &mut AnyConnection, owner: ActorId, id: MediaId) -> Result<MediaAttachment> {
    media_attachments::table
        .find(id)
        .filter(media_attachments::owner_id.eq(owner))
        .select(MediaAttachment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no picture {id}")))
}

/// Changes the alt text of a picture still waiting for a post (as Mastodon: one in a post is not found
/// here; it changes with its post).
pub fn describe(
    conn: &mut AnyConnection,
    owner: ActorId,
    id: MediaId,
    description: &str,
) -> Result<MediaAttachment> {
    let found = own(conn, owner, id)?;
    if found.note_id.is_some() {
        return Err(Error::NotFound(format!(
            "no picture {id} waiting for a post"
        )));
    }
    let description = check_description(description)?;
    diesel::update(media_attachments::table.find(id))
        .set(media_attachments::description.eq(description))
        .execute(conn)?;
    own(conn, owner, id)
}

/// A new post of `owner`'s takes pictures, in the order given (a picture named twice counts once). Each
/// must be the owner's and wait for a post; at most [`MAX_ATTACHMENTS`]. Called inside the post's
/// transaction: a refusal writes nothing.
pub(crate) fn attach(
    conn: &mut AnyConnection,
    owner: ActorId,
    note: NoteId,
    ids: &[MediaId],
) -> Result<()> {
    let mut wanted: Vec<MediaId> = Vec::with_capacity(ids.len());
    for id in ids {
        if !wanted.contains(id) {
            wanted.push(*id);
        }
    }
    if wanted.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(
            "media_ids",
            format!("a post has at most {MAX_ATTACHMENTS} pictures"),
        ));
    }
    for (position, id) in wanted.iter().enumerate() {
        // Taken only while still free: two posts racing for one picture cannot both have it.
        let taken = diesel::update(
            media_attachments::table
                .find(*id)
                .filter(media_attachments::owner_id.eq(owner))
                .filter(media_attachments::note_id.is_null()),
        )
        .set((
            media_attachments::note_id.eq(Some(note)),
            media_attachments::position.eq(position as i32),
        ))
        .execute(conn)?;
        if taken == 0 {
            return Err(Error::invalid(
                "media_ids",
                format!("picture {id} is not one of yours waiting for a post"),
            ));
        }
    }
    Ok(())
}

/// The pictures of posts written here, each post's in order.
pub fn of_notes(conn: &mut AnyConnection, ids: &[NoteId]) -> Result<Vec<MediaAttachment>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(media_attachments::table
        .filter(media_attachments::note_id.eq_any(ids.iter().copied().map(Some)))
        .order((media_attachments::note_id, media_attachments::position))
        .select(MediaAttachment::as_select())
        .load(conn)?)
}

/// The pictures of posts from elsewhere, each post's in order.
pub fn remote_of_notes(conn: &mut AnyConnection, ids: &[NoteId]) -> Result<Vec<RemoteAttachment>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(note_remote_attachments::table
        .filter(note_remote_attachments::note_id.eq_any(ids))
        .order((
            note_remote_attachments::note_id,
            note_remote_attachments::position,
        ))
        .select(RemoteAttachment::as_select())
        .load(conn)?)
}

/// A picture of a post from elsewhere, as read from its `attachment`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteLink {
    pub url: Url,
    pub media_type: String,
    pub description: String,
}

/// Replaces the pictures of a post from elsewhere (at most [`MAX_ATTACHMENTS`] are kept).
pub(crate) fn set_remote(
    conn: &mut AnyConnection,
    note: NoteId,
    links: &[RemoteLink],
) -> Result<()> {
    diesel::delete(
        note_remote_attachments::table.filter(note_remote_attachments::note_id.eq(note)),
    )
    .execute(conn)?;
    for (position, link) in links.iter().take(MAX_ATTACHMENTS).enumerate() {
        diesel::insert_into(note_remote_attachments::table)
            .values((
                note_remote_attachments::note_id.eq(note),
                note_remote_attachments::position.eq(position as i32),
                note_remote_attachments::url.eq(link.url.as_str()),
                note_remote_attachments::media_type.eq(&link.media_type),
                note_remote_attachments::description.eq(&link.description),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the pictures no one will see again: uploaded more than [`KEEP_UNATTACHED`] ago and in no post,
/// of deleted posts, of deleted accounts. Returns their files, to remove once this is committed.
pub fn sweep(conn: &mut AnyConnection, at: NaiveDateTime) -> Result<Vec<String>> {
    let deleted_notes = notes::table
        .filter(notes::deleted.eq(true))
        .select(notes::id.nullable());
    let deleted_owners = actors::table
        .filter(actors::deleted_at.is_not_null())
        .select(actors::id);
    let gone = media_attachments::table
        .filter(
            media_attachments::note_id
                .is_null()
                .and(media_attachments::created_at.lt(at - KEEP_UNATTACHED))
                .or(media_attachments::note_id.eq_any(deleted_notes))
                .or(media_attachments::owner_id.eq_any(deleted_owners)),
        )
        .select(MediaAttachment::as_select())
        .load(conn)?;
    let ids: Vec<MediaId> = gone.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(500) {
        diesel::delete(media_attachments::table.filter(media_attachments::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(gone.into_iter().flat_map(|m| [m.file, m.thumb]).collect())
}

/// Sweeps (see [`sweep`]) and removes the files.
pub async fn sweep_files(db: &crate::db::Database, data_dir: &std::path::Path) -> Result<usize> {
    let files = db.transaction(|conn| sweep(conn, now())).await?;
    crate::civic::media::remove_photos(data_dir, crate::civic::media::Folder::Attachments, &files)
        .await;
    Ok(files.len() / 2)
}
