//! Acting on a report: a moderator's decision (dismiss, hide, warn, suspend, block), and the report forwarded
//! to the remote author's server.

use diesel::prelude::*;

use super::audit::log;
use super::blocks::block;
use super::reports::{Report, author_of, find, remote_author_of, target_of};
use super::suspensions::suspend;
use super::{MAX_NOTE, instance_actor, require_moderator};
use crate::civic::debates::bounded;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ReportId;
use crate::ids::{NoteId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::{reports, warnings};
use crate::model::{Account, ModerationAction as Action};

/// What a moderator decides on a report: the action, why (logged; shown to a warned or suspended author), how
/// many days a suspension lasts (none: for good), and whether the report also goes to the remote author's
/// server.
#[derive(Clone, Debug)]
pub struct Decision {
    pub action: Action,
    pub note: String,
    pub days: Option<i64>,
    pub forward: bool,
}

/// A moderator acts on an open report: dismisses it, hides the reported comment, warns or suspends the local
/// author (of the reported comment, debate or account), or blocks the remote author; and, whatever the
/// action, may forward the report to the remote author's server. The note says why; it is logged, and shown
/// to a warned or suspended author.
pub fn resolve(
    conn: &mut AnyConnection,
    moderator: &Account,
    id: i64,
    decision: &Decision,
) -> Result<()> {
    let action = decision.action;
    let report = find(conn, id)?;
    require_moderator(moderator, report.commune_id)?;
    let author = author_of(conn, &report)?;
    if author == Some(moderator.actor_id) {
        return Err(Error::Forbidden(
            "a report about you is dealt with by another moderator".into(),
        ));
    }
    let note = bounded(
        "note",
        &decision.note,
        MAX_NOTE,
        matches!(action, Action::Warn | Action::Suspend),
    )?;
    let remote = remote_author_of(conn, &report)?;
    if decision.forward && remote.is_none() {
        return Err(Error::invalid(
            "forward",
            "only a report about someone on another server can be forwarded",
        ));
    }
    // Only the moderator who changes it from open acts on it: two moderators at once act once.
    let taken = diesel::update(reports::table.find(id).filter(reports::status.eq("open")))
        .set((
            reports::status.eq(if action == Action::Dismiss {
                "dismissed"
            } else {
                "actioned"
            }),
            reports::resolved_at.eq(Some(now())),
        ))
        .execute(conn)?;
    if taken == 0 {
        return Err(Error::Conflict("this report was already dealt with".into()));
    }
    let target = target_of(conn, &report)?;
    let local_author = || {
        author.ok_or_else(|| {
            Error::invalid(
                "action",
                "only an author of this instance can be warned or suspended",
            )
        })
    };
    let remote_author = || {
        remote.ok_or_else(|| {
            Error::invalid("action", "only someone on another server can be blocked")
        })
    };
    match action {
        Action::Dismiss | Action::Warn => {}
        Action::Hide => match (report.comment_id, report.note_id) {
            (Some(comment), _) => crate::civic::debates::hide_comment(conn, moderator, comment)?,
            (None, Some(note)) => hide_note(conn, note)?,
            _ => {
                return Err(Error::invalid(
                    "action",
                    "only a reported comment or post can be hidden",
                ));
            }
        },
        Action::Suspend => suspend(conn, moderator, local_author()?, decision.days)?,
        Action::Block => block(conn, moderator, remote_author()?, Some(report.commune_id))?,
        Action::BlockInstance => block(conn, moderator, remote_author()?, None)?,
        Action::Lift
        | Action::Forward
        | Action::RoleChange
        | Action::MandateChange
        | Action::CouncilClaim => {
            return Err(Error::invalid("action", "not an action on a report"));
        }
    }
    let logged = log(
        conn,
        moderator,
        report.commune_id,
        action,
        Some(id),
        &target,
        &report.reason,
        &note,
    )?;
    // A decision about someone here is theirs to know (the warning itself shows on their notifications page).
    if let (Some(author), true) = (
        author,
        matches!(action, Action::Warn | Action::Suspend | Action::Hide),
    ) {
        crate::civic::notifications::notify(
            conn,
            author,
            crate::civic::notifications::Notice {
                kind: crate::civic::notifications::Kind::Moderation,
                debate: None,
                link: Some("/notifications".into()),
                about: None,
                by: None,
                note: None,
                from: None,
            },
        )?;
    }
    if matches!(action, Action::Warn | Action::Suspend) {
        diesel::insert_into(warnings::table)
            .values((
                warnings::account_id.eq(local_author()?),
                warnings::action_id.eq(logged),
                warnings::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    if let (true, Some(remote)) = (decision.forward, remote) {
        forward(conn, moderator, &report, remote, &target)?;
    }
    Ok(())
}

/// A moderator takes a post down: it is shown nowhere any more (its text is kept for the audit), and a post of
/// ours is deleted on the servers of its author's followers.
fn hide_note(conn: &mut AnyConnection, id: NoteId) -> Result<()> {
    let note = crate::civic::notes::note(conn, id)?;
    if note.deleted {
        return Ok(());
    }
    diesel::update(crate::model::schema::notes::table.find(id))
        .set(crate::model::schema::notes::deleted.eq(true))
        .execute(conn)?;
    // A civic thing's post was never sent as a post: it leaves apps' lists, and the thing is moderated on
    // its page.
    if let (Some(author), None) = (note.author_id, note.civic()) {
        crate::civic::outbox::record(conn, author, Outbound::NoteDeleted { note: id })?;
    }
    Ok(())
}

/// Sends the report to the remote author's server as a `Flag` from our instance actor (no name of the
/// reporter goes with it), and logs it.
fn forward(
    conn: &mut AnyConnection,
    moderator: &Account,
    report: &Report,
    remote: RemoteActorId,
    target: &str,
) -> Result<()> {
    let instance = instance_actor(conn)?;
    crate::civic::outbox::record(
        conn,
        instance,
        Outbound::ReportForwarded {
            report: ReportId(report.id),
            account: remote,
        },
    )?;
    log(
        conn,
        moderator,
        report.commune_id,
        Action::Forward,
        Some(report.id),
        target,
        &report.reason,
        "",
    )?;
    Ok(())
}
