//! Reports: made here or received from another server (a `Flag`), what they are about, and the queue the
//! commune's moderators see.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::require_moderator;
use crate::civic::debates::bounded;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, NoteId, RemoteActorId};
use crate::model::schema::{comments, debates, reports};
use crate::model::{Account, ReportReason as Reason};

pub const MAX_COMMENT: usize = 5_000;
/// Posts of one `Flag` taken as reports (Mastodon's form lets a person pick a handful).
pub const MAX_FLAG_TARGETS: usize = 20;

/// What is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Comment(CommentId),
    Debate(DebateId),
    Account(ActorId),
    /// A post: ours, or another server's kept here.
    Note(NoteId),
}

/// A report in the queue.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub commune_id: ActorId,
    pub reporter_id: Option<ActorId>,
    pub remote_reporter_id: Option<RemoteActorId>,
    pub ap_id: Option<String>,
    pub comment_id: Option<CommentId>,
    pub debate_id: Option<DebateId>,
    pub account_id: Option<ActorId>,
    pub reason: String,
    pub comment: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub note_id: Option<NoteId>,
}

/// Where the reported thing is: a local path (`/comments/3`, `/users/karim`, `/notes/5`), or another server's
/// post's id; empty when it is gone.
pub fn target_of(conn: &mut AnyConnection, report: &Report) -> Result<String> {
    if let Some(id) = report.note_id {
        let note = crate::civic::notes::note(conn, id)?;
        return Ok(note.ap_id.unwrap_or_else(|| format!("/notes/{id}")));
    }
    Ok(
        match (report.comment_id, report.debate_id, report.account_id) {
            (Some(c), _, _) => format!("/comments/{c}"),
            (None, Some(d), _) => format!("/debates/{d}"),
            (None, None, Some(a)) => crate::db::queries::actor_by_id(conn, a)?.path(),
            _ => String::new(),
        },
    )
}

/// The commune a comment or debate belongs to, if it is hosted here; `NotFound` for one we do not have.
pub fn commune_of(conn: &mut AnyConnection, target: Target) -> Result<Option<ActorId>> {
    Ok(match target {
        Target::Comment(c) => comments::table
            .inner_join(debates::table)
            .filter(comments::id.eq(c))
            .select(debates::commune_id)
            .first::<Option<ActorId>>(conn)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no comment {c}")))?,
        Target::Debate(d) => debates::table
            .find(d)
            .select(debates::commune_id)
            .first::<Option<ActorId>>(conn)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no debate {d}")))?,
        // A post of ours, to its author's commune (or the commune's own); another server's, to the reporter's.
        Target::Note(n) => match crate::civic::notes::note(conn, n)?.author_id {
            Some(author) => Some(
                crate::model::schema::accounts::table
                    .find(author)
                    .select(crate::model::schema::accounts::commune_id)
                    .first::<ActorId>(conn)
                    .optional()?
                    .unwrap_or(author),
            ),
            None => None,
        },
        // An account is reported to its own commune's moderators.
        Target::Account(a) => Some(
            crate::model::schema::accounts::table
                .find(a)
                .select(crate::model::schema::accounts::commune_id)
                .first::<ActorId>(conn)
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("no account {a}")))?,
        ),
    })
}

/// The local author of what a report is about: a comment's, a debate's, or the account itself.
pub(super) fn author_of(conn: &mut AnyConnection, report: &Report) -> Result<Option<ActorId>> {
    if let Some(id) = report.note_id {
        return Ok(crate::civic::notes::note(conn, id)?.author_id);
    }
    Ok(
        match (report.comment_id, report.debate_id, report.account_id) {
            (Some(c), _, _) => comments::table
                .find(c)
                .select(comments::author_id)
                .first::<Option<ActorId>>(conn)
                .optional()?
                .flatten(),
            (None, Some(d), _) => debates::table
                .find(d)
                .select(debates::author_id)
                .first::<Option<ActorId>>(conn)
                .optional()?
                .flatten(),
            (None, None, account) => account,
        },
    )
}

/// Open reports one person may have on one thing: a second is not added (a click repeated, or a flood).
fn already_reported(
    conn: &mut AnyConnection,
    target: Target,
    by: (Option<ActorId>, Option<RemoteActorId>),
) -> Result<bool> {
    let mut query = reports::table
        .filter(reports::status.eq("open"))
        .into_boxed();
    query = match target {
        Target::Comment(c) => query.filter(reports::comment_id.eq(c)),
        Target::Debate(d) => query.filter(reports::debate_id.eq(d)),
        Target::Account(a) => query.filter(reports::account_id.eq(a)),
        Target::Note(n) => query.filter(reports::note_id.eq(n)),
    };
    query = match by {
        (Some(a), _) => query.filter(reports::reporter_id.eq(a)),
        (None, Some(r)) => query.filter(reports::remote_reporter_id.eq(r)),
        (None, None) => return Ok(false),
    };
    let n: i64 = query.count().get_result(conn)?;
    Ok(n > 0)
}

fn insert(
    conn: &mut AnyConnection,
    commune: ActorId,
    target: Target,
    reason: Reason,
    comment: &str,
    by: (Option<ActorId>, Option<RemoteActorId>, Option<&str>),
) -> Result<i64> {
    let (comment_id, debate_id, account_id, note_id) = match target {
        Target::Comment(c) => (Some(c), None, None, None),
        Target::Debate(d) => (None, Some(d), None, None),
        Target::Account(a) => (None, None, Some(a), None),
        Target::Note(n) => (None, None, None, Some(n)),
    };
    Ok(diesel::insert_into(reports::table)
        .values((
            reports::commune_id.eq(commune),
            reports::reporter_id.eq(by.0),
            reports::remote_reporter_id.eq(by.1),
            reports::ap_id.eq(by.2),
            reports::comment_id.eq(comment_id),
            reports::debate_id.eq(debate_id),
            reports::account_id.eq(account_id),
            reports::note_id.eq(note_id),
            reports::reason.eq(reason.as_str()),
            reports::comment.eq(comment),
            reports::created_at.eq(now()),
        ))
        .returning(reports::id)
        .get_result(conn)?)
}

/// Someone here reports something to the moderators of the commune hosting it (their own commune for an
/// account, or for a debate hosted elsewhere).
pub fn report(
    conn: &mut AnyConnection,
    reporter: &Account,
    target: Target,
    reason: Reason,
    comment: &str,
) -> Result<i64> {
    let comment = bounded("comment", comment, MAX_COMMENT, false)?;
    if target == Target::Account(reporter.actor_id) {
        return Err(Error::invalid("account", "you cannot report yourself"));
    }
    if let Target::Note(id) = target {
        // A post the reporter can read: public or unlisted, and still there; not their own.
        let note = crate::civic::notes::note(conn, id)?;
        let readable = matches!(
            note.visibility,
            crate::model::Visibility::Public | crate::model::Visibility::Unlisted
        );
        if note.deleted || !readable {
            return Err(Error::NotFound(format!("no post {id}")));
        }
        if note.author_id == Some(reporter.actor_id) {
            return Err(Error::invalid("note", "you cannot report your own post"));
        }
    }
    let commune = commune_of(conn, target)?.unwrap_or(reporter.commune_id);
    if already_reported(conn, target, (Some(reporter.actor_id), None))? {
        return Err(Error::Conflict(
            "you have already reported this; the moderators will look at it".into(),
        ));
    }
    insert(
        conn,
        commune,
        target,
        reason,
        &comment,
        (Some(reporter.actor_id), None, None),
    )
}

/// A `Flag` from another server: the objects it names that are ours (an account, comments, debates), with its
/// content (cut at 5,000 characters, as Mastodon does). One report per object; none for a Flag naming nothing
/// of ours (`NotFound`).
pub fn remote_flag(
    conn: &mut AnyConnection,
    sender: RemoteActorId,
    flag_ap_id: &str,
    targets: &[Target],
    content: &str,
) -> Result<()> {
    let content: String = content.chars().take(MAX_COMMENT).collect();
    let default_commune = crate::db::queries::default_commune(conn)?
        .ok_or_else(|| Error::NotFound("no commune here".into()))?
        .id;
    // A Flag about an account and its comments is one report per comment, or one about the account.
    let posts: Vec<Target> = targets
        .iter()
        .copied()
        .filter(|t| matches!(t, Target::Comment(_) | Target::Debate(_) | Target::Note(_)))
        .collect();
    let chosen: Vec<Target> = if posts.is_empty() {
        targets.iter().copied().take(1).collect()
    } else {
        posts.into_iter().take(MAX_FLAG_TARGETS).collect()
    };
    if chosen.is_empty() {
        return Err(Error::NotFound("the Flag names nothing hosted here".into()));
    }
    for (i, target) in chosen.iter().enumerate() {
        if already_reported(conn, *target, (None, Some(sender)))? {
            continue;
        }
        let commune = commune_of(conn, *target)?.unwrap_or(default_commune);
        // The Flag's id marks its first report, so that a replay adds nothing.
        let ap_id = (i == 0).then_some(flag_ap_id);
        insert(
            conn,
            commune,
            *target,
            Reason::Other,
            &content,
            (None, Some(sender), ap_id),
        )?;
    }
    Ok(())
}

/// Reports the queue shows at once.
pub const QUEUE_PAGE: usize = 50;

/// Open reports of the moderator's commune, oldest first, a page at a time (those after the report `after`);
/// with the last one shown when more follow. Those about the moderator are left to the others (nor do they
/// learn who reported them).
pub fn queue(
    conn: &mut AnyConnection,
    moderator: &Account,
    after: Option<i64>,
) -> Result<(Vec<Report>, Option<i64>)> {
    require_moderator(moderator, moderator.commune_id)?;
    let mut mine = vec![];
    let mut from = after.unwrap_or(0);
    loop {
        let open: Vec<Report> = reports::table
            .filter(reports::commune_id.eq(moderator.commune_id))
            .filter(reports::status.eq("open"))
            .filter(reports::id.gt(from))
            .order(reports::id.asc())
            .limit(QUEUE_PAGE as i64)
            .select(Report::as_select())
            .load(conn)?;
        let Some(last) = open.last().map(|r| r.id) else {
            return Ok((mine, None));
        };
        for report in open {
            if author_of(conn, &report)? == Some(moderator.actor_id) {
                continue;
            }
            if mine.len() == QUEUE_PAGE {
                // One more report to show: a next page.
                let shown = mine.last().map(|r: &Report| r.id);
                return Ok((mine, shown));
            }
            mine.push(report);
        }
        from = last;
    }
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Report> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no report {id}")))
}

/// Where the reported post, comment or debate comes from: its remote author and the id their server gave it
/// (both none for what was written here, or for an account).
fn origin(
    conn: &mut AnyConnection,
    report: &Report,
) -> Result<(Option<RemoteActorId>, Option<String>)> {
    if let Some(id) = report.note_id {
        let note = crate::civic::notes::note(conn, id)?;
        return Ok((note.remote_author_id, note.ap_id));
    }
    Ok(match (report.comment_id, report.debate_id) {
        (Some(c), _) => comments::table
            .find(c)
            .select((comments::remote_author_id, comments::ap_id))
            .first(conn)
            .optional()?
            .unwrap_or_default(),
        (None, Some(d)) => debates::table
            .find(d)
            .select((debates::remote_author_id, debates::ap_id))
            .first(conn)
            .optional()?
            .unwrap_or_default(),
        _ => (None, None),
    })
}

/// The remote author of what a report is about: a post's, a comment's or a debate's from another server.
pub fn remote_author_of(
    conn: &mut AnyConnection,
    report: &Report,
) -> Result<Option<RemoteActorId>> {
    Ok(origin(conn, report)?.0)
}

/// The id another server gave the reported post, comment or debate (none for what was written here).
pub fn reported_post_id(conn: &mut AnyConnection, report: &Report) -> Result<Option<String>> {
    Ok(origin(conn, report)?.1)
}
