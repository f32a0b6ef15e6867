//! Civic things as posts, for Mastodon apps: a debate (or proposal), a comment of a debate hosted here, a
//! poll, a problem report or a meeting gets one post row, written in the same transaction as the thing. The
//! row holds no text of its own (apps are shown the thing as it is now, see `api::statuses::civic`) and is
//! never sent to other servers as a post: the thing federates as its own object. The commune's relay of a
//! debate or poll written by someone else is a boost by the commune, as Mastodon shows FEP-1b12 groups.
//!
//! A reply to a debate's post is a comment, and a favourite supports a proposal, says "I have this problem
//! too" on a report, or agrees with a comment: `act_on` and `comment_on` route them to the civic rules.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::debates::Writer;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, NoteId};
use crate::model::schema::{comments, notes, proposals};
use crate::model::{Account, CivicRef, Note, Relayed, Stance, Visibility};

/// Writes the post of a civic thing, by its author, dated when the thing was.
pub fn publish(
    conn: &mut AnyConnection,
    author: Writer,
    what: CivicRef,
    at: NaiveDateTime,
) -> Result<NoteId> {
    let (kind, id) = what.parts();
    let (local, remote) = match author {
        Writer::Local(a) => (Some(a), None),
        Writer::Remote(r) => (None, Some(r)),
    };
    Ok(diesel::insert_into(notes::table)
        .values((
            notes::author_id.eq(local),
            notes::remote_author_id.eq(remote),
            notes::content.eq(""),
            notes::visibility.eq(Visibility::Public),
            notes::published.eq(at),
            notes::civic_kind.eq(Some(kind)),
            notes::civic_id.eq(Some(id)),
        ))
        .returning(notes::id)
        .get_result(conn)?)
}

/// Writes the post of a debate or poll by `author`, and the commune's boost of it (none when the commune is
/// the author: it does not relay itself).
pub fn publish_relayed(
    conn: &mut AnyConnection,
    author: ActorId,
    commune: ActorId,
    what: CivicRef,
) -> Result<NoteId> {
    let at = now();
    let id = publish(conn, Writer::Local(author), what, at)?;
    if author != commune {
        diesel::insert_into(notes::table)
            .values((
                notes::author_id.eq(Some(commune)),
                notes::content.eq(""),
                notes::visibility.eq(Visibility::Public),
                notes::published.eq(at),
                notes::reblog_of_id.eq(Some(id)),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// The post of a civic thing, if it has one.
pub fn note_of(conn: &mut AnyConnection, what: CivicRef) -> Result<Option<Note>> {
    let (kind, id) = what.parts();
    Ok(notes::table
        .filter(notes::civic_kind.eq(kind))
        .filter(notes::civic_id.eq(id))
        .select(Note::as_select())
        .first(conn)
        .optional()?)
}

/// What happens to a comment of a debate hosted here happens to its post: written, it gets one; deleted or
/// hidden, the post goes from lists; shown again, it comes back.
pub fn follow_comment(conn: &mut AnyConnection, comment: CommentId, what: &Relayed) -> Result<()> {
    let gone = match what {
        Relayed::Written => {
            let (local, remote, at): (Option<ActorId>, _, NaiveDateTime) = comments::table
                .find(comment)
                .select((
                    comments::author_id,
                    comments::remote_author_id,
                    comments::created_at,
                ))
                .first(conn)?;
            let author = match (local, remote) {
                (Some(a), _) => Writer::Local(a),
                (None, Some(r)) => Writer::Remote(r),
                (None, None) => return Ok(()),
            };
            publish(conn, author, CivicRef::Comment(comment), at)?;
            return Ok(());
        }
        Relayed::Deleted | Relayed::Hidden => true,
        Relayed::Restored { .. } => false,
        Relayed::Updated | Relayed::Liked { .. } | Relayed::Unliked { .. } => return Ok(()),
    };
    let (kind, id) = CivicRef::Comment(comment).parts();
    diesel::update(
        notes::table
            .filter(notes::civic_kind.eq(kind))
            .filter(notes::civic_id.eq(id)),
    )
    .set(notes::deleted.eq(gone))
    .execute(conn)?;
    Ok(())
}

/// Whether a debate is a proposal.
pub fn is_proposal(conn: &mut AnyConnection, debate: crate::ids::DebateId) -> Result<bool> {
    let found: i64 = proposals::table
        .filter(proposals::debate_id.eq(debate))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// The post a comment's post answers: the comment it answers, or its debate.
pub fn parent_of(conn: &mut AnyConnection, what: CivicRef) -> Result<Option<Note>> {
    let CivicRef::Comment(c) = what else {
        return Ok(None);
    };
    let (debate, parent): (crate::ids::DebateId, Option<CommentId>) = comments::table
        .find(c)
        .select((comments::debate_id, comments::parent_id))
        .first(conn)?;
    match parent {
        Some(p) => note_of(conn, CivicRef::Comment(p)),
        None => note_of(conn, CivicRef::Debate(debate)),
    }
}

/// The posts of the comments that answer a debate (directly) or a comment, oldest first.
pub fn answers_to(conn: &mut AnyConnection, what: CivicRef) -> Result<Vec<Note>> {
    let ids: Vec<CommentId> = match what {
        CivicRef::Debate(d) => comments::table
            .filter(comments::debate_id.eq(d))
            .filter(comments::parent_id.is_null())
            .select(comments::id)
            .load(conn)?,
        CivicRef::Comment(c) => comments::table
            .filter(comments::parent_id.eq(c))
            .select(comments::id)
            .load(conn)?,
        CivicRef::Poll(_) | CivicRef::Problem(_) | CivicRef::Meeting(_) => return Ok(vec![]),
    };
    let ids: Vec<i64> = ids.into_iter().map(|c| c.0).collect();
    Ok(notes::table
        .filter(notes::civic_kind.eq(crate::model::CivicKind::Comment))
        .filter(notes::civic_id.eq_any(ids))
        .filter(notes::deleted.eq(false))
        .order(notes::id.asc())
        .select(Note::as_select())
        .load(conn)?)
}

/// What a favourite of a civic thing's post means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Favourite {
    /// Supporting a proposal.
    Support(crate::ids::DebateId),
    /// "I have this problem too", on a report.
    SameProblem(crate::ids::ProblemId),
    /// Agreeing with a comment.
    Agree(CommentId),
    /// A favourite like any other (debates, polls, meetings).
    Plain,
}

/// What a favourite of this post means.
pub fn favourite_of(conn: &mut AnyConnection, note: &Note) -> Result<Favourite> {
    Ok(match note.civic() {
        Some(CivicRef::Debate(d)) if is_proposal(conn, d)? => Favourite::Support(d),
        Some(CivicRef::Problem(p)) => Favourite::SameProblem(p),
        Some(CivicRef::Comment(c)) => Favourite::Agree(c),
        _ => Favourite::Plain,
    })
}

/// A favourite given (`on`) or taken back on a civic thing's post, as the civic rule it stands for: whether
/// it was one (else the caller favourites the post as any other).
pub fn act_on(conn: &mut AnyConnection, account: &Account, note: &Note, on: bool) -> Result<bool> {
    match favourite_of(conn, note)? {
        Favourite::Support(d) => crate::civic::proposals::support(conn, account, d, on)?,
        Favourite::SameProblem(p) => crate::civic::problems::support(conn, account, p, on)?,
        Favourite::Agree(c) => crate::civic::debates::agree(conn, account.actor_id, c, on)?,
        Favourite::Plain => return Ok(false),
    }
    Ok(true)
}

/// The stance a reply gives with a hashtag: `#pour`/`#for`, `#contre`/`#against` (the first one found).
pub fn stance_of(hashtags: &[String]) -> Option<Stance> {
    hashtags.iter().find_map(|tag| match tag.as_str() {
        "pour" | "for" => Some(Stance::For),
        "contre" | "against" => Some(Stance::Against),
        _ => None,
    })
}

/// An answer written in an app.
pub struct Answer<'a> {
    pub text: &'a str,
    pub visibility: Visibility,
    pub media: &'a [crate::ids::MediaId],
}

/// Whether an answer may be a comment: a comment is public and has no pictures.
fn may_comment(visibility: Visibility, media: &[crate::ids::MediaId]) -> Result<()> {
    if !media.is_empty() {
        return Err(Error::invalid(
            "media_ids",
            "a comment of a debate has no pictures",
        ));
    }
    if !matches!(visibility, Visibility::Public | Visibility::Unlisted) {
        return Err(Error::invalid(
            "visibility",
            "a comment of a debate is public: answer as public or unlisted",
        ));
    }
    Ok(())
}

/// A reply to a debate's post, or to a comment's, written as a comment of that debate (with the stance its
/// hashtags give); `None` when what is answered is not a debate or a comment (the reply is then a post).
/// Answers the comment's post.
pub fn comment_on(
    conn: &mut AnyConnection,
    account: &Account,
    parent: &Note,
    answer: Answer,
) -> Result<Option<Note>> {
    let text = answer.text;
    let (debate, answered) = match parent.civic() {
        Some(CivicRef::Debate(d)) => (d, None),
        Some(CivicRef::Comment(c)) => {
            let debate: crate::ids::DebateId = comments::table
                .find(c)
                .select(comments::debate_id)
                .first(conn)?;
            (debate, Some(c))
        }
        _ => return Ok(None),
    };
    may_comment(answer.visibility, answer.media)?;
    let tags = crate::civic::notes::tags::in_text(text);
    let comment = crate::civic::debates::comment(
        conn,
        account.actor_id,
        debate,
        answered,
        text,
        stance_of(&tags),
    )?;
    note_of(conn, CivicRef::Comment(comment.id))?
        .map(Some)
        .ok_or_else(|| Error::internal(format!("comment {} has no post", comment.id)))
}

/// Not changed from an app: what only the web changes.
fn managed_on_the_web() -> Error {
    Error::invalid(
        "status",
        "this debate, proposal, poll, report or meeting is changed on the web, on its page",
    )
}

/// An edit from an app of a civic thing's post: a comment's text and stance (from its hashtags) change, as
/// its author edits it on the web; the rest is changed on the web.
pub fn edit(conn: &mut AnyConnection, account: &Account, what: CivicRef, text: &str) -> Result<()> {
    match what {
        CivicRef::Comment(c) => {
            let tags = crate::civic::notes::tags::in_text(text);
            crate::civic::debates::edit_comment(conn, account.actor_id, c, text, stance_of(&tags))?;
            Ok(())
        }
        CivicRef::Debate(_) | CivicRef::Poll(_) | CivicRef::Problem(_) | CivicRef::Meeting(_) => {
            Err(managed_on_the_web())
        }
    }
}

/// A delete from an app of a civic thing's post: one's comment is deleted as on the web; the rest is not
/// deleted from an app.
pub fn delete(conn: &mut AnyConnection, account: &Account, what: CivicRef) -> Result<()> {
    match what {
        CivicRef::Comment(c) => crate::civic::debates::delete_comment(conn, account.actor_id, c),
        CivicRef::Debate(_) | CivicRef::Poll(_) | CivicRef::Problem(_) | CivicRef::Meeting(_) => {
            Err(managed_on_the_web())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stance_hashtags_in_both_languages() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(stance_of(&tags(&["pour"])), Some(Stance::For));
        assert_eq!(stance_of(&tags(&["velo", "for"])), Some(Stance::For));
        assert_eq!(stance_of(&tags(&["contre"])), Some(Stance::Against));
        assert_eq!(
            stance_of(&tags(&["against", "pour"])),
            Some(Stance::Against)
        );
        assert_eq!(stance_of(&tags(&["velo"])), None);
        assert_eq!(stance_of(&[]), None);
    }
}
