//! Reports and moderation. Anyone signed in reports a comment, a debate or an account, with a reason from the
//! charter and a comment; a report from another server (a `Flag`, as Mastodon sends it) lands in the same
//! queue. The commune's moderators (and officials and admins, who speak for it) dismiss a report, hide the
//! reported comment (announced to other servers like any hide), warn or suspend its local author, block its
//! remote author from the commune (or, for an admin, from the instance), and forward the report to the remote
//! author's server (a `Flag` from our instance actor, as Mastodon sends it). Every action goes to an audit
//! log; a public transparency page counts actions per month and reason.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::accounts::speaks_for;
use crate::civic::debates::bounded;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, NoteId, RemoteActorId};
use crate::ids::{BlockId, ReportId};
use crate::model::Outbound;
use crate::model::schema::{
    accounts, actors, api_tokens, comments, debates, follows, moderation_actions, remote_blocks,
    reports, warnings,
};
use crate::model::{Account, ModerationAction as Action, ReportReason as Reason, Role};

pub const MAX_COMMENT: usize = 5_000;
pub const MAX_NOTE: usize = 2_000;
/// Posts of one `Flag` taken as reports (Mastodon's form lets a person pick a handful).
pub const MAX_FLAG_TARGETS: usize = 20;
/// The longest suspension for a time, in days; longer is for good.
pub const MAX_SUSPENSION_DAYS: i64 = 3_650;

/// A suspension for good ends in the year 9999.
pub fn forever() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

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
fn author_of(conn: &mut AnyConnection, report: &Report) -> Result<Option<ActorId>> {
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

fn require_moderator(account: &Account, commune: ActorId) -> Result<()> {
    if speaks_for(account, commune) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's moderators, officials and admins moderate".into(),
        ))
    }
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
        Action::Lift | Action::Forward => {
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
    if let Some(author) = note.author_id {
        crate::civic::outbox::record(conn, author, Outbound::NoteDeleted { note: id })?;
    }
    Ok(())
}

/// Suspends a local account for `days`, or for good: it can neither sign in nor use its tokens (they are
/// revoked) until then. See [`may_suspend`] for who may.
fn suspend(
    conn: &mut AnyConnection,
    moderator: &Account,
    who: ActorId,
    days: Option<i64>,
) -> Result<()> {
    let account: Account = accounts::table
        .find(who)
        .select(Account::as_select())
        .first(conn)?;
    may_suspend(moderator, &account)?;
    let until = match days {
        None => forever(),
        Some(d) if (1..=MAX_SUSPENSION_DAYS).contains(&d) => now() + chrono::Duration::days(d),
        Some(_) => {
            return Err(Error::invalid(
                "days",
                format!("a suspension lasts 1 to {MAX_SUSPENSION_DAYS} days, or is for good"),
            ));
        }
    };
    diesel::update(accounts::table.find(who))
        .set(accounts::suspended_until.eq(Some(until)))
        .execute(conn)?;
    diesel::delete(api_tokens::table.filter(api_tokens::account_id.eq(who))).execute(conn)?;
    Ok(())
}

/// Who suspends an account, or lifts its suspension: the moderators of its own commune; an admin, for an
/// account of another commune or one who speaks for a commune.
fn may_suspend(moderator: &Account, account: &Account) -> Result<()> {
    if moderator.role == Role::Admin {
        return Ok(());
    }
    if account.commune_id != moderator.commune_id {
        return Err(Error::Forbidden(
            "only an admin suspends someone of another commune".into(),
        ));
    }
    if crate::civic::accounts::speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only an admin suspends an official, a moderator or an admin".into(),
        ));
    }
    Ok(())
}

/// A moderator lifts a suspension before its end (with the same rights as to suspend).
pub fn lift(
    conn: &mut AnyConnection,
    moderator: &Account,
    username: &str,
    note: &str,
) -> Result<()> {
    let note = bounded("note", note, MAX_NOTE, false)?;
    let (actor, account) = crate::db::queries::account_by_username(conn, username)?
        .ok_or_else(|| Error::NotFound(format!("no account {username}")))?;
    require_moderator(moderator, moderator.commune_id)?;
    may_suspend(moderator, &account)?;
    if account.suspended_until.is_none() {
        return Err(Error::Conflict(format!("@{username} is not suspended")));
    }
    diesel::update(accounts::table.find(account.actor_id))
        .set(accounts::suspended_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    log(
        conn,
        moderator,
        account.commune_id,
        Action::Lift,
        None,
        &actor.path(),
        "other",
        &note,
    )?;
    Ok(())
}

/// The accounts of the moderator's commune suspended now: username and until when.
pub fn suspended(
    conn: &mut AnyConnection,
    moderator: &Account,
) -> Result<Vec<(String, NaiveDateTime)>> {
    require_moderator(moderator, moderator.commune_id)?;
    Ok(accounts::table
        .inner_join(actors::table)
        .filter(accounts::commune_id.eq(moderator.commune_id))
        .filter(accounts::suspended_until.gt(now()))
        .order(actors::username.asc())
        .select((
            actors::username,
            accounts::suspended_until.assume_not_null(),
        ))
        .load(conn)?)
}

/// Blocks a remote account from a commune, or from the whole instance (admins only): its activities about
/// the commune (or any) are refused, follows between it and the commune's people end, its comments there are
/// hidden, and it is told with a `Block` (from the commune, or from the instance actor).
fn block(
    conn: &mut AnyConnection,
    moderator: &Account,
    remote: RemoteActorId,
    commune: Option<ActorId>,
) -> Result<()> {
    if commune.is_none() && moderator.role != Role::Admin {
        return Err(Error::Forbidden(
            "only an admin blocks an account from the whole instance".into(),
        ));
    }
    let who = crate::civic::remote::remote_actor(conn, remote)?;
    if is_blocked(conn, &who.ap_id, commune)? {
        return Ok(());
    }
    let id: i64 = diesel::insert_into(remote_blocks::table)
        .values((
            remote_blocks::actor_ap_id.eq(&who.ap_id),
            remote_blocks::commune_id.eq(commune),
            remote_blocks::created_at.eq(now()),
        ))
        .returning(remote_blocks::id)
        .get_result(conn)?;
    // The commune's people: the commune and its accounts (everyone here, for the instance).
    let mut people = actors::table
        .left_join(accounts::table)
        .select(actors::id)
        .into_boxed();
    if let Some(c) = commune {
        people = people.filter(actors::id.eq(c).or(accounts::commune_id.eq(c)));
    }
    let people: Vec<ActorId> = people.load(conn)?;
    diesel::delete(
        follows::table
            .filter(follows::follower_remote_id.eq(remote))
            .filter(follows::target_id.eq_any(&people)),
    )
    .execute(conn)?;
    diesel::delete(
        follows::table
            .filter(follows::target_remote_id.eq(remote))
            .filter(follows::follower_id.eq_any(&people)),
    )
    .execute(conn)?;
    let mut theirs = comments::table
        .inner_join(debates::table)
        .filter(comments::remote_author_id.eq(remote))
        .filter(comments::hidden_at.is_null())
        .select(comments::id)
        .into_boxed();
    if let Some(c) = commune {
        theirs = theirs.filter(debates::commune_id.eq(c));
    }
    for comment in theirs.load::<CommentId>(conn)? {
        // A comment in a debate the moderator manages is hidden everywhere it was relayed; elsewhere, here.
        match crate::civic::debates::hide_comment(conn, moderator, comment) {
            Err(Error::Forbidden(_)) => {
                diesel::update(comments::table.find(comment))
                    .set((
                        comments::hidden_at.eq(Some(now())),
                        comments::hidden_by.eq(Some(moderator.actor_id)),
                    ))
                    .execute(conn)?;
            }
            other => other?,
        }
    }
    let from = match commune {
        Some(c) => c,
        None => instance_actor(conn)?,
    };
    crate::civic::outbox::record(
        conn,
        from,
        Outbound::AccountBlocked {
            block: BlockId(id),
            account: remote,
        },
    )
}

/// The instance actor, which speaks for the whole instance (blocks, forwarded reports).
fn instance_actor(conn: &mut AnyConnection) -> Result<ActorId> {
    Ok(crate::db::queries::instance_actor(conn)?
        .ok_or_else(|| Error::NotFound("no instance actor".into()))?
        .id)
}

/// A block in force: its id, the blocked actor's id, and whether it holds for the whole instance.
#[derive(Clone, Debug, Queryable)]
pub struct Block {
    pub id: i64,
    pub actor_ap_id: String,
    pub commune_id: Option<ActorId>,
    pub created_at: NaiveDateTime,
}

/// The blocks a moderator sees: their commune's, and the instance's.
pub fn blocks(conn: &mut AnyConnection, moderator: &Account) -> Result<Vec<Block>> {
    require_moderator(moderator, moderator.commune_id)?;
    Ok(remote_blocks::table
        .filter(
            remote_blocks::commune_id
                .eq(moderator.commune_id)
                .or(remote_blocks::commune_id.is_null()),
        )
        .order(remote_blocks::id.asc())
        .select((
            remote_blocks::id,
            remote_blocks::actor_ap_id,
            remote_blocks::commune_id,
            remote_blocks::created_at,
        ))
        .load(conn)?)
}

/// Lifts a block (an instance-wide one: admins only); the account's server gets an `Undo` of the `Block`.
/// What was hidden stays hidden, and ended follows stay ended.
pub fn unblock(conn: &mut AnyConnection, moderator: &Account, id: i64) -> Result<()> {
    let block: Block = remote_blocks::table
        .find(id)
        .select((
            remote_blocks::id,
            remote_blocks::actor_ap_id,
            remote_blocks::commune_id,
            remote_blocks::created_at,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no block {id}")))?;
    let from = match block.commune_id {
        Some(c) => {
            require_moderator(moderator, c)?;
            c
        }
        None if moderator.role == Role::Admin => instance_actor(conn)?,
        None => {
            return Err(Error::Forbidden(
                "only an admin lifts a block from the whole instance".into(),
            ));
        }
    };
    diesel::delete(remote_blocks::table.find(id)).execute(conn)?;
    log(
        conn,
        moderator,
        block.commune_id.unwrap_or(moderator.commune_id),
        Action::Lift,
        None,
        &block.actor_ap_id,
        "other",
        "",
    )?;
    let remote: Option<RemoteActorId> = crate::model::schema::remote_actors::table
        .filter(crate::model::schema::remote_actors::ap_id.eq(&block.actor_ap_id))
        .select(crate::model::schema::remote_actors::id)
        .first(conn)
        .optional()?;
    match remote {
        Some(remote) => crate::civic::outbox::record(
            conn,
            from,
            Outbound::AccountUnblocked {
                block: BlockId(id),
                account: remote,
            },
        ),
        None => Ok(()),
    }
}

/// `Forbidden` when a remote account is blocked from the instance, or from `commune`: what it sends there is
/// not kept.
pub fn refuse_blocked(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    commune: Option<ActorId>,
) -> Result<()> {
    let actor = crate::civic::remote::remote_actor(conn, who)?;
    if is_blocked(conn, &actor.ap_id, commune)? {
        return Err(Error::Forbidden(format!("{} is blocked here", actor.ap_id)));
    }
    Ok(())
}

/// The commune an activity is about, from what it names (its object, or what its object answers): a debate or
/// comment here or kept here in one of our debates, a poll, a commune or one of its people.
pub fn commune_concerned(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    about: Option<&str>,
) -> Result<Option<ActorId>> {
    let Some(about) = about else {
        return Ok(None);
    };
    if let Some(answered) = crate::civic::debates::find_answered(conn, urls, about)? {
        return Ok(crate::civic::debates::debate_of(conn, answered)
            .ok()
            .and_then(|d| d.commune_id));
    }
    if let Some(poll) = urls.poll(about) {
        return crate::civic::polls::commune_of(conn, poll);
    }
    let Some((kind, name)) = urls.actor(about) else {
        return Ok(None);
    };
    Ok(
        match crate::db::queries::actor_of_kind(conn, kind, &name)? {
            Some(a) if kind == crate::model::ActorKind::Commune => Some(a.id),
            Some(a) => commune_of(conn, Target::Account(a.id)).ok().flatten(),
            None => None,
        },
    )
}

/// Whether a remote account is blocked from the instance, or from any commune one of `about` concerns (a
/// debate, comment or poll of the commune, the commune itself, or one of its people).
pub fn is_blocked_from_any(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    actor_ap_id: &str,
    about: &[String],
) -> Result<bool> {
    if is_blocked(conn, actor_ap_id, None)? {
        return Ok(true);
    }
    for id in about {
        if let Some(commune) = commune_concerned(conn, urls, Some(id))?
            && is_blocked(conn, actor_ap_id, Some(commune))?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a remote account is blocked from the instance, or from `commune`.
pub fn is_blocked(
    conn: &mut AnyConnection,
    actor_ap_id: &str,
    commune: Option<ActorId>,
) -> Result<bool> {
    let mut query = remote_blocks::table
        .filter(remote_blocks::actor_ap_id.eq(actor_ap_id))
        .into_boxed();
    query = match commune {
        Some(c) => query.filter(
            remote_blocks::commune_id
                .is_null()
                .or(remote_blocks::commune_id.eq(c)),
        ),
        None => query.filter(remote_blocks::commune_id.is_null()),
    };
    Ok(query.count().get_result::<i64>(conn)? > 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, commune: i64, role: Role) -> Account {
        Account::for_tests(id, commune, role)
    }

    #[test]
    fn who_may_suspend_whom() {
        let modo = account(1, 100, Role::Moderator);
        let admin = account(2, 100, Role::Admin);
        let citizen_here = account(3, 100, Role::Citizen);
        let citizen_there = account(4, 200, Role::Citizen);
        let official_here = account(5, 100, Role::Official);
        assert!(may_suspend(&modo, &citizen_here).is_ok());
        assert!(
            may_suspend(&modo, &citizen_there).is_err(),
            "another commune's"
        );
        assert!(
            may_suspend(&modo, &official_here).is_err(),
            "one who speaks for it"
        );
        assert!(may_suspend(&admin, &official_here).is_ok());
        assert!(may_suspend(&admin, &citizen_there).is_ok());
    }

    #[test]
    fn for_good_is_far_away() {
        assert!(forever() > now() + chrono::Duration::days(MAX_SUSPENSION_DAYS * 100));
    }
}
