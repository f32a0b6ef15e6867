//! Reports and moderation. Anyone signed in reports a comment, a debate or an account, with a reason from the
//! charter and a comment; a report from another server (a `Flag`, as Mastodon sends it) lands in the same
//! queue. The commune's moderators (and officials and admins, who speak for it) dismiss a report, hide the
//! reported comment (announced to other servers like any hide), or warn its author. Every action goes to an
//! audit log; a public transparency page counts actions per month and reason.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::accounts::speaks_for;
use crate::civic::debates::bounded;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId};
use crate::model::schema::{actors, comments, debates, moderation_actions, reports, warnings};
use crate::model::{Account, ModerationAction as Action, ReportReason as Reason};

pub const MAX_COMMENT: usize = 5_000;
pub const MAX_NOTE: usize = 2_000;
/// Posts of one `Flag` taken as reports (Mastodon's form lets a person pick a handful).
pub const MAX_FLAG_TARGETS: usize = 20;

/// What is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Comment(CommentId),
    Debate(DebateId),
    Account(ActorId),
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
}

/// Where the reported thing is: a local path (`/comments/3`, `/users/karim`); empty when it is gone.
pub fn target_of(conn: &mut AnyConnection, report: &Report) -> Result<String> {
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
fn author_of(conn: &mut AnyConnection, report: &Report) -> Result<Option<ActorId>> {
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
    let (comment_id, debate_id, account_id) = match target {
        Target::Comment(c) => (Some(c), None, None),
        Target::Debate(d) => (None, Some(d), None),
        Target::Account(a) => (None, None, Some(a)),
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
        .filter(|t| matches!(t, Target::Comment(_) | Target::Debate(_)))
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

fn require_moderator(account: &Account, commune: ActorId) -> Result<()> {
    if speaks_for(account, commune) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's moderators, officials and admins moderate".into(),
        ))
    }
}

/// Open reports of the moderator's commune, oldest first; those about the moderator are left to the others
/// (nor do they learn who reported them).
pub fn queue(conn: &mut AnyConnection, moderator: &Account) -> Result<Vec<Report>> {
    require_moderator(moderator, moderator.commune_id)?;
    let open: Vec<Report> = reports::table
        .filter(reports::commune_id.eq(moderator.commune_id))
        .filter(reports::status.eq("open"))
        .order(reports::id.asc())
        .limit(200)
        .select(Report::as_select())
        .load(conn)?;
    let mut mine = vec![];
    for report in open {
        if author_of(conn, &report)? != Some(moderator.actor_id) {
            mine.push(report);
        }
    }
    Ok(mine)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Report> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no report {id}")))
}

/// A moderator acts on an open report: dismisses it, hides the reported comment, or warns the (local) author
/// of the reported comment or the reported account. The note says why; it is logged, and shown to a warned
/// author.
pub fn resolve(
    conn: &mut AnyConnection,
    moderator: &Account,
    id: i64,
    action: Action,
    note: &str,
) -> Result<()> {
    let report = find(conn, id)?;
    require_moderator(moderator, report.commune_id)?;
    let author = author_of(conn, &report)?;
    if author == Some(moderator.actor_id) {
        return Err(Error::Forbidden(
            "a report about you is dealt with by another moderator".into(),
        ));
    }
    let note = bounded("note", note, MAX_NOTE, action == Action::Warn)?;
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
    match action {
        Action::Dismiss => {}
        Action::Hide => {
            let comment = report
                .comment_id
                .ok_or_else(|| Error::invalid("action", "only a reported comment can be hidden"))?;
            crate::civic::debates::hide_comment(conn, moderator, comment)?;
        }
        Action::Warn => {}
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
    if action == Action::Warn {
        let author = author.ok_or_else(|| {
            Error::invalid("action", "only an author of this instance can be warned")
        })?;
        diesel::insert_into(warnings::table)
            .values((
                warnings::account_id.eq(author),
                warnings::action_id.eq(logged),
                warnings::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes an action to the audit log, under the moderator's name as it is now.
#[allow(clippy::too_many_arguments)]
fn log(
    conn: &mut AnyConnection,
    moderator: &Account,
    commune: ActorId,
    action: Action,
    report: Option<i64>,
    target: &str,
    reason: &str,
    note: &str,
) -> Result<i64> {
    // The display name can change and repeat: the username, which cannot, goes with it.
    let (display, username): (String, String) = actors::table
        .find(moderator.actor_id)
        .select((actors::display_name, actors::username))
        .first(conn)?;
    let name = format!("{display} (@{username})");
    Ok(diesel::insert_into(moderation_actions::table)
        .values((
            moderation_actions::commune_id.eq(commune),
            moderation_actions::moderator_id.eq(Some(moderator.actor_id)),
            moderation_actions::moderator_name.eq(name),
            moderation_actions::action.eq(action.as_str()),
            moderation_actions::report_id.eq(report),
            moderation_actions::target.eq(target),
            moderation_actions::reason.eq(reason),
            moderation_actions::note.eq(note),
            moderation_actions::at.eq(now()),
        ))
        .returning(moderation_actions::id)
        .get_result(conn)?)
}

/// One line of the audit log.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = moderation_actions)]
pub struct LoggedAction {
    pub id: i64,
    pub moderator_name: String,
    pub action: String,
    pub report_id: Option<i64>,
    pub target: String,
    pub reason: String,
    pub note: String,
    pub at: NaiveDateTime,
}

/// The audit log of the moderator's commune, newest first (for those who speak for it).
pub fn audit_log(conn: &mut AnyConnection, moderator: &Account) -> Result<Vec<LoggedAction>> {
    require_moderator(moderator, moderator.commune_id)?;
    Ok(moderation_actions::table
        .filter(moderation_actions::commune_id.eq(moderator.commune_id))
        .order(moderation_actions::id.desc())
        .limit(500)
        .select(LoggedAction::as_select())
        .load(conn)?)
}

/// Public counts: for each month (`YYYY-MM`), reason and action, how many actions were taken.
pub fn transparency(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(String, String, String, i64)>> {
    let rows: Vec<(NaiveDateTime, String, String)> = moderation_actions::table
        .filter(moderation_actions::commune_id.eq(commune))
        .select((
            moderation_actions::at,
            moderation_actions::reason,
            moderation_actions::action,
        ))
        .load(conn)?;
    let mut counts: std::collections::BTreeMap<(String, String, String), i64> =
        std::collections::BTreeMap::new();
    for (at, reason, action) in rows {
        *counts
            .entry((at.format("%Y-%m").to_string(), reason, action))
            .or_insert(0) += 1;
    }
    let mut out: Vec<_> = counts
        .into_iter()
        .map(|((month, reason, action), n)| (month, reason, action, n))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    Ok(out)
}

/// The warnings an account was given, newest first: the moderator's note and when.
pub fn warnings_of(
    conn: &mut AnyConnection,
    account: ActorId,
) -> Result<Vec<(String, NaiveDateTime)>> {
    Ok(warnings::table
        .inner_join(moderation_actions::table)
        .filter(warnings::account_id.eq(account))
        .order(warnings::id.desc())
        .select((moderation_actions::note, warnings::created_at))
        .load(conn)?)
}
