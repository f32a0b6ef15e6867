//! Comments from other servers: what a reply answers, and the comments received, edited, deleted or hidden
//! there.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::comments::{announce, closed_error, find_comment, revise, tombstone};
use super::debate;
use crate::civic::notes::sanitize_remote_html;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{CommentId, DebateId, RemoteActorId};
use crate::model::Relayed;
use crate::model::schema::{comments, debates};
use crate::model::{Comment, Debate, Stance};

/// What a reply from another server answers.
#[derive(Clone, Copy, Debug)]
pub enum Answered {
    Debate(DebateId),
    Comment(CommentId),
}

/// The debate or comment an `inReplyTo` names: one of ours, or one stored from elsewhere.
pub fn find_answered(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    in_reply_to: &str,
) -> Result<Option<Answered>> {
    if let Some(id) = urls.debate(in_reply_to) {
        return Ok(Some(Answered::Debate(id)));
    }
    if let Some(id) = urls.comment(in_reply_to) {
        return Ok(Some(Answered::Comment(id)));
    }
    let debate: Option<DebateId> = debates::table
        .filter(debates::ap_id.eq(in_reply_to))
        .select(debates::id)
        .first(conn)
        .optional()?;
    if let Some(id) = debate {
        return Ok(Some(Answered::Debate(id)));
    }
    Ok(comments::table
        .filter(comments::ap_id.eq(in_reply_to))
        .select(comments::id)
        .first(conn)
        .optional()?
        .map(Answered::Comment))
}

/// Whether a post from elsewhere belongs to a debate: it is a comment we keep, or it answers a debate or
/// comment we know.
pub fn is_comment(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    ap_id: &str,
    in_reply_to: Option<&str>,
) -> Result<bool> {
    let known: i64 = comments::table
        .filter(comments::ap_id.eq(ap_id))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(true);
    }
    match in_reply_to {
        Some(parent) => Ok(find_answered(conn, urls, parent)?.is_some()),
        None => Ok(false),
    }
}

/// The debate a debate or comment we know belongs to.
pub fn debate_of(conn: &mut AnyConnection, answered: Answered) -> Result<Debate> {
    let id = match answered {
        Answered::Debate(id) => id,
        Answered::Comment(id) => find_comment(conn, id)?.debate_id,
    };
    debate(conn, id)
}

/// A comment written on another server, as received.
#[derive(Clone, Debug)]
pub struct RemoteComment {
    pub author: RemoteActorId,
    pub answered: Answered,
    pub ap_id: String,
    /// HTML as sent (cleaned here).
    pub html: String,
    pub stance: Option<Stance>,
    pub published: NaiveDateTime,
}

/// A reply from another server (a `Note` whose `inReplyTo` is a debate or comment we know) becomes a comment;
/// on a debate hosted here, the commune relays it to its followers. A second copy changes nothing; a closed
/// debate refuses it, as it refuses everyone.
pub fn remote_comment(conn: &mut AnyConnection, new: RemoteComment) -> Result<()> {
    let (debate_id, parent) = match new.answered {
        Answered::Debate(id) => (id, None),
        Answered::Comment(id) => (find_comment(conn, id)?.debate_id, Some(id)),
    };
    let found = debate(conn, debate_id)?;
    crate::civic::moderation::refuse_blocked(conn, new.author, found.commune_id)?;
    if !found.accepts_comments(now()) {
        return Err(closed_error());
    }
    let content = sanitize_remote_html(&new.html);
    if content.trim().is_empty() {
        return Err(Error::BadRequest("the reply is empty".into()));
    }
    let values = (
        comments::debate_id.eq(debate_id),
        comments::parent_id.eq(parent),
        comments::remote_author_id.eq(Some(new.author)),
        comments::ap_id.eq(Some(&new.ap_id)),
        comments::content_html.eq(content),
        comments::stance.eq(new.stance),
        comments::created_at.eq(new.published.min(now())),
    );
    let inserted: Option<CommentId> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(comments::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(comments::id)
            .get_result(c)
            .optional())?;
    if let Some(id) = inserted {
        announce(conn, &found, id, Relayed::Written)?;
        crate::civic::notifications::reply(conn, id, super::Writer::Remote(new.author))?;
    }
    Ok(())
}

/// A stored remote comment, with its debate, if `sender` wrote it; someone else's is refused.
fn remote_owned(
    conn: &mut AnyConnection,
    sender: RemoteActorId,
    ap_id: &str,
) -> Result<Option<(Comment, Debate)>> {
    let found: Option<Comment> = comments::table
        .filter(comments::ap_id.eq(ap_id))
        .select(Comment::as_select())
        .first(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some(c) if c.remote_author_id == Some(sender) => {
            let d = debate(conn, c.debate_id)?;
            Ok(Some((c, d)))
        }
        Some(_) => Err(Error::Forbidden(format!(
            "{ap_id} does not belong to the sender"
        ))),
    }
}

/// A remote author edited its comment: the earlier version goes to the history, and the commune relays the
/// change. Returns whether it was one of our comments.
pub fn update_remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
    html: &str,
    stance: Option<Stance>,
) -> Result<bool> {
    let Some((old, debate)) = remote_owned(conn, author, ap_id)? else {
        return Ok(false);
    };
    if !old.visible() {
        return Ok(true);
    }
    if !debate.accepts_comments(now()) {
        return Err(closed_error());
    }
    let content = sanitize_remote_html(html);
    if content.trim().is_empty() {
        return Err(Error::BadRequest("the new version is empty".into()));
    }
    if content != old.content_html || stance != old.stance {
        revise(conn, &old, &content, stance)?;
        announce(conn, &debate, old.id, Relayed::Updated)?;
    }
    Ok(true)
}

/// A remote author deleted its reply: a tombstone keeps the replies under it in place. Only the author's own
/// server may delete it; a comment of someone else is refused. Returns whether it was one of our comments.
pub fn delete_remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
) -> Result<bool> {
    let Some((old, debate)) = remote_owned(conn, author, ap_id)? else {
        return Ok(false);
    };
    if !old.deleted {
        tombstone(conn, old.id)?;
        announce(conn, &debate, old.id, Relayed::Deleted)?;
    }
    Ok(true)
}

/// The remote commune hosting a debate hid a comment in it (its moderators decide there). A commune that
/// does not host the comment's debate is refused.
pub fn hide_remote_comment(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    comment: CommentId,
) -> Result<()> {
    let found = find_comment(conn, comment)?;
    let host = debate(conn, found.debate_id)?.remote_commune_id;
    if host != Some(commune) {
        return Err(Error::Forbidden(
            "only the commune hosting a debate hides its comments".into(),
        ));
    }
    diesel::update(
        comments::table
            .find(comment)
            .filter(comments::hidden_at.is_null()),
    )
    .set(comments::hidden_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

/// The remote commune hosting a debate shows a comment it had hidden again (its `Undo` of the removal).
pub fn unhide_remote_comment(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    comment: CommentId,
) -> Result<()> {
    let found = find_comment(conn, comment)?;
    if debate(conn, found.debate_id)?.remote_commune_id != Some(commune) {
        return Err(Error::Forbidden(
            "only the commune hosting a debate shows its hidden comments again".into(),
        ));
    }
    diesel::update(comments::table.find(comment))
        .set((
            comments::hidden_at.eq(None::<chrono::NaiveDateTime>),
            comments::hidden_by.eq(None::<crate::ids::ActorId>),
        ))
        .execute(conn)?;
    Ok(())
}
