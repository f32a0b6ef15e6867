//! Comments written here: writing, editing and deleting them, with their history; erasing an account's
//! comments; a moderator hiding one. The hosting commune relays each change.

use diesel::prelude::*;

use super::opening::managed;
use super::{MAX_COMMENT, bounded, debate};
use crate::civic::notes::text_to_html;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId};
use crate::model::schema::{comment_likes, comment_revisions, comments};
use crate::model::{Account, Comment, Debate, Stance};
use crate::model::{Outbound, Relayed};

/// A closed debate, to a person here: the form says why.
fn closed_invalid() -> Error {
    Error::invalid(
        "debate",
        "this debate is closed: it accepts no new comments",
    )
}

pub(super) fn closed_error() -> Error {
    Error::Forbidden("this debate is closed: it accepts no new comments".into())
}

pub(super) fn find_comment(conn: &mut AnyConnection, id: CommentId) -> Result<Comment> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no comment {id}")))
}

/// A comment by a local account, on a debate hosted here or elsewhere. A closed debate accepts none, from
/// anyone; a reply answers a comment of the same debate.
pub fn comment(
    conn: &mut AnyConnection,
    author: ActorId,
    debate_id: DebateId,
    parent: Option<CommentId>,
    text: &str,
    stance: Option<Stance>,
) -> Result<Comment> {
    let found = debate(conn, debate_id)?;
    if found.not_open_yet(now()) {
        return Err(Error::invalid(
            "opening",
            "this debate has not opened yet: it takes comments from its opening date",
        ));
    }
    if !found.accepts_comments(now()) {
        return Err(closed_invalid());
    }
    let text = bounded("comment", text, MAX_COMMENT, true)?;
    if let Some(parent) = parent {
        let parent_debate: Option<DebateId> = comments::table
            .find(parent)
            .select(comments::debate_id)
            .first(conn)
            .optional()?;
        if parent_debate != Some(debate_id) {
            return Err(Error::invalid(
                "parent",
                "answers no comment of this debate",
            ));
        }
    }
    let id: CommentId = diesel::insert_into(comments::table)
        .values((
            comments::debate_id.eq(debate_id),
            comments::parent_id.eq(parent),
            comments::author_id.eq(Some(author)),
            comments::content_html.eq(text_to_html(&text)),
            comments::stance.eq(stance),
            comments::created_at.eq(now()),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    outbox::record(conn, author, Outbound::CommentPublished { comment: id })?;
    announce(conn, &found, id, Relayed::Written)?;
    let told = crate::civic::notifications::reply(conn, id, Writer::Local(author))?;
    crate::civic::notifications::mentions(
        conn,
        &text,
        author,
        &format!("/debates/{debate_id}#comment-{id}"),
        None,
        told,
    )?;
    find_comment(conn, id)
}

/// The hosting commune relays what happens to a comment to its followers (FEP-1b12); a debate hosted
/// elsewhere is relayed by its own commune.
pub(super) fn announce(
    conn: &mut AnyConnection,
    debate: &Debate,
    id: CommentId,
    what: Relayed,
) -> Result<()> {
    if debate.is_local() {
        crate::civic::notes::civic_posts::follow_comment(conn, id, &what)?;
    }
    match debate.commune_id {
        Some(commune) => outbox::record(
            conn,
            commune,
            Outbound::CommentAnnounced { comment: id, what },
        ),
        None => Ok(()),
    }
}

/// A comment of its author's, open to a change: not deleted, not hidden, in a debate still open.
fn own_comment(
    conn: &mut AnyConnection,
    author: ActorId,
    id: CommentId,
) -> Result<(Comment, Debate)> {
    let found = find_comment(conn, id)?;
    if found.author_id != Some(author) {
        return Err(Error::Forbidden("this comment is not yours".into()));
    }
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {id} is deleted")));
    }
    let debate = debate(conn, found.debate_id)?;
    Ok((found, debate))
}

/// Keeps the version being replaced, then writes the new one.
pub(super) fn revise(
    conn: &mut AnyConnection,
    old: &Comment,
    content_html: &str,
    stance: Option<Stance>,
) -> Result<()> {
    diesel::insert_into(comment_revisions::table)
        .values((
            comment_revisions::comment_id.eq(old.id),
            comment_revisions::content_html.eq(&old.content_html),
            comment_revisions::stance.eq(old.stance),
            comment_revisions::written_at.eq(old.edited_at.unwrap_or(old.created_at)),
        ))
        .execute(conn)?;
    diesel::update(comments::table.find(old.id))
        .set((
            comments::content_html.eq(content_html),
            comments::stance.eq(stance),
            comments::edited_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Its author edits a comment; the earlier version stays in its history. A closed debate is read only.
pub fn edit_comment(
    conn: &mut AnyConnection,
    author: ActorId,
    id: CommentId,
    text: &str,
    stance: Option<Stance>,
) -> Result<Comment> {
    let (old, debate) = own_comment(conn, author, id)?;
    if !debate.accepts_comments(now()) {
        return Err(closed_invalid());
    }
    let text = bounded("comment", text, MAX_COMMENT, true)?;
    let html = text_to_html(&text);
    if html == old.content_html && stance == old.stance {
        return Ok(old);
    }
    revise(conn, &old, &html, stance)?;
    outbox::record(conn, author, Outbound::CommentUpdated { comment: id })?;
    announce(conn, &debate, id, Relayed::Updated)?;
    find_comment(conn, id)
}

/// Its author deletes a comment: a tombstone keeps the replies under it in place; its history goes too.
pub fn delete_comment(conn: &mut AnyConnection, author: ActorId, id: CommentId) -> Result<()> {
    let (_, debate) = own_comment(conn, author, id)?;
    tombstone(conn, id)?;
    outbox::record(conn, author, Outbound::CommentDeleted { comment: id })?;
    announce(conn, &debate, id, Relayed::Deleted)
}

/// An erased account's comments are deleted as their author would delete each one: servers that received
/// them (a remote debate's commune, readers of a debate here) are sent a `Delete`, not left with the text.
pub fn delete_comments_of_erased(conn: &mut AnyConnection, author: ActorId) -> Result<()> {
    let found: Vec<(CommentId, DebateId)> = comments::table
        .filter(comments::author_id.eq(author))
        .filter(comments::deleted.eq(false))
        .select((comments::id, comments::debate_id))
        .load(conn)?;
    for (id, debate_id) in found {
        tombstone(conn, id)?;
        outbox::record(conn, author, Outbound::CommentDeleted { comment: id })?;
        let debate = debate(conn, debate_id)?;
        announce(conn, &debate, id, Relayed::Deleted)?;
    }
    Ok(())
}

pub(super) fn tombstone(conn: &mut AnyConnection, id: CommentId) -> Result<()> {
    diesel::update(comments::table.find(id))
        .set((
            comments::deleted.eq(true),
            comments::content_html.eq(""),
            comments::stance.eq(None::<Stance>),
        ))
        .execute(conn)?;
    diesel::delete(comment_revisions::table.filter(comment_revisions::comment_id.eq(id)))
        .execute(conn)?;
    diesel::delete(comment_likes::table.filter(comment_likes::comment_id.eq(id))).execute(conn)?;
    Ok(())
}

/// Who wrote a comment (whose comments [`erase_comments_of`] empties, who a reply is from).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Writer {
    Local(ActorId),
    Remote(RemoteActorId),
}

/// A deleted account's comments become tombstones (their place in threads stays), their earlier versions
/// go, and so do the agrees the account gave.
pub fn erase_comments_of(conn: &mut AnyConnection, writer: Writer) -> Result<()> {
    let ids: Vec<CommentId> = match writer {
        Writer::Local(a) => comments::table
            .filter(comments::author_id.eq(a))
            .select(comments::id)
            .load(conn)?,
        Writer::Remote(r) => comments::table
            .filter(comments::remote_author_id.eq(r))
            .select(comments::id)
            .load(conn)?,
    };
    for chunk in ids.chunks(500) {
        diesel::update(comments::table.filter(comments::id.eq_any(chunk)))
            .set((
                comments::deleted.eq(true),
                comments::content_html.eq(""),
                comments::stance.eq(None::<Stance>),
            ))
            .execute(conn)?;
        diesel::delete(
            comment_revisions::table.filter(comment_revisions::comment_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    match writer {
        Writer::Local(a) => {
            diesel::delete(comment_likes::table.filter(comment_likes::author_id.eq(a)))
                .execute(conn)?
        }
        Writer::Remote(r) => {
            diesel::delete(comment_likes::table.filter(comment_likes::remote_author_id.eq(r)))
                .execute(conn)?
        }
    };
    Ok(())
}

/// A moderator of the debate's commune hides a comment (its text is no longer shown, its place in the
/// thread stays); the commune announces the removal, and other Parvis instances hide it too.
pub fn hide_comment(conn: &mut AnyConnection, moderator: &Account, id: CommentId) -> Result<()> {
    let found = find_comment(conn, id)?;
    let (debate, _) = managed(conn, moderator, found.debate_id)?;
    if found.hidden_at.is_some() || found.deleted {
        return Ok(());
    }
    diesel::update(comments::table.find(id))
        .set((
            comments::hidden_at.eq(Some(now())),
            comments::hidden_by.eq(Some(moderator.actor_id)),
        ))
        .execute(conn)?;
    announce(conn, &debate, id, Relayed::Hidden)
}

/// A moderator of the debate's commune shows a hidden comment again (a hide made by mistake); the commune
/// announces it, and the servers that hid it show it again.
pub fn restore_comment(conn: &mut AnyConnection, moderator: &Account, id: CommentId) -> Result<()> {
    let found = find_comment(conn, id)?;
    let (debate, _) = managed(conn, moderator, found.debate_id)?;
    if found.hidden_at.is_none() || found.deleted {
        return Ok(());
    }
    diesel::update(comments::table.find(id))
        .set((
            comments::hidden_at.eq(None::<chrono::NaiveDateTime>),
            comments::hidden_by.eq(None::<ActorId>),
        ))
        .execute(conn)?;
    announce(
        conn,
        &debate,
        id,
        Relayed::Restored {
            by: moderator.actor_id,
        },
    )
}
