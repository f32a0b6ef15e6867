//! "Agree" on a comment (a `Like`): given or withdrawn here, or received from another server.

use diesel::prelude::*;

use super::comments::{announce, find_comment};
use super::debate;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, RemoteActorId};
use crate::ids::{ApUrl, LikeId};
use crate::model::schema::comment_likes;
use crate::model::{Outbound, Relayed, Unliker};

/// "Agree" on a comment (a `Like`), or withdraw it. Agreeing twice changes nothing.
pub fn agree(conn: &mut AnyConnection, who: ActorId, id: CommentId, on: bool) -> Result<()> {
    let found = find_comment(conn, id)?;
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {id} is deleted")));
    }
    if found.author_id == Some(who) {
        return Err(Error::invalid(
            "comment",
            "is yours: agree with others' comments",
        ));
    }
    let debate = debate(conn, found.debate_id)?;
    if on {
        let inserted: Option<i64> =
            crate::on_each_backend!(conn, |c| diesel::insert_into(comment_likes::table)
                .values((
                    comment_likes::comment_id.eq(id),
                    comment_likes::author_id.eq(Some(who)),
                    comment_likes::created_at.eq(now()),
                ))
                .on_conflict_do_nothing()
                .returning(comment_likes::id)
                .get_result(c)
                .optional())?;
        if let Some(like) = inserted {
            let like = LikeId(like);
            outbox::record(conn, who, Outbound::CommentLiked { comment: id, like })?;
            announce(conn, &debate, id, Relayed::Liked { like })?;
        }
    } else {
        let like: Option<i64> = comment_likes::table
            .filter(comment_likes::comment_id.eq(id))
            .filter(comment_likes::author_id.eq(who))
            .select(comment_likes::id)
            .first(conn)
            .optional()?;
        if let Some(like) = like {
            diesel::delete(comment_likes::table.find(like)).execute(conn)?;
            let like = LikeId(like);
            outbox::record(conn, who, Outbound::CommentUnliked { comment: id, like })?;
            let by = Unliker::Local { actor: who, like };
            announce(conn, &debate, id, Relayed::Unliked { by })?;
        }
    }
    Ok(())
}

/// "Agree" from another server (a `Like` of a comment); a second copy, or a second Like by the same person,
/// changes nothing.
pub fn remote_agree(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
    comment: CommentId,
) -> Result<()> {
    let found = find_comment(conn, comment)?;
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {comment} is deleted")));
    }
    let debate = debate(conn, found.debate_id)?;
    crate::civic::moderation::refuse_blocked(conn, who, debate.commune_id)?;
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(comment_likes::table)
            .values((
                comment_likes::comment_id.eq(comment),
                comment_likes::remote_author_id.eq(Some(who)),
                comment_likes::ap_id.eq(Some(like_ap_id)),
                comment_likes::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(comment_likes::id)
            .get_result(c)
            .optional())?;
    if let Some(like) = inserted {
        announce(
            conn,
            &debate,
            comment,
            Relayed::Liked { like: LikeId(like) },
        )?;
    }
    Ok(())
}

/// `Undo(Like)` from another server: only the person who agreed withdraws it, by their own signature or
/// relayed by the commune hosting the debate (`relayed_by`).
pub fn remote_disagree(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
    relayed_by: Option<RemoteActorId>,
) -> Result<()> {
    let found: Option<(i64, CommentId)> = comment_likes::table
        .filter(comment_likes::ap_id.eq(like_ap_id))
        .filter(comment_likes::remote_author_id.eq(who))
        .select((comment_likes::id, comment_likes::comment_id))
        .first(conn)
        .optional()?;
    if let Some((like, comment)) = found {
        let debate_id = find_comment(conn, comment)?.debate_id;
        let debate = debate(conn, debate_id)?;
        if relayed_by.is_some() && debate.remote_commune_id != relayed_by {
            return Err(Error::Forbidden(
                "only the commune hosting a debate relays its agrees".into(),
            ));
        }
        diesel::delete(comment_likes::table.find(like)).execute(conn)?;
        // A withdrawal whose Like has no usable id could not be named: the agree is gone, nothing is relayed.
        if let Ok(like) = ApUrl::parse(like_ap_id) {
            let by = Unliker::Remote { actor: who, like };
            announce(conn, &debate, comment, Relayed::Unliked { by })?;
        }
    }
    Ok(())
}
