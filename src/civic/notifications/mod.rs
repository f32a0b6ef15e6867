//! The notification centre: everything a person is told (a reply, a mention, a new follower, what happened
//! to a proposal they follow, a poll they voted in closing, a moderation decision about them) lands in their notifications page, and by
//! mail as they chose per topic: at once, in a daily digest, or never (`mailing`, which the mail worker
//! runs).

pub mod mailing;

use diesel::prelude::*;

use crate::civic::debates::Writer;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId, NoteId};
use crate::model::schema::{email_preferences, notifications};

/// What a notification says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Someone answered one of your comments, or commented on your debate.
    Reply,
    /// Someone on another server mentioned you in a post.
    Mention,
    /// Someone follows you now.
    Follower,
    /// A proposal you speak for reached its threshold: the commune must answer.
    ProposalThreshold,
    /// A proposal you follow changed status.
    ProposalStatus,
    /// A proposal you follow was answered.
    ProposalAnswered,
    /// A moderator decided about you (a warning, something of yours hidden, a suspension).
    Moderation,
    /// A poll you voted in (or asked) has closed: its results are out.
    PollClosed,
    /// A problem report you filed or have too changed status.
    ProblemUpdate,
    /// A meeting you registered for was moved, changed or cancelled.
    MeetingChange,
    /// A seat freed for a meeting you waited for: you are registered.
    MeetingSeat,
    /// A meeting you registered for is tomorrow.
    MeetingReminder,
    /// The server of an event elsewhere refused your registration (full, closed or cancelled).
    MeetingRefused,
    /// The minutes of a meeting you registered for are out.
    MeetingMinutes,
    /// A commitment you follow moved on (its status, progress or milestones).
    CommitmentProgress,
    /// Someone favourited one of your posts.
    Favourite,
    /// Someone boosted one of your posts.
    Reblog,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::Reply,
        Kind::Mention,
        Kind::Follower,
        Kind::ProposalThreshold,
        Kind::ProposalStatus,
        Kind::ProposalAnswered,
        Kind::Moderation,
        Kind::PollClosed,
        Kind::ProblemUpdate,
        Kind::MeetingChange,
        Kind::MeetingSeat,
        Kind::MeetingReminder,
        Kind::MeetingRefused,
        Kind::MeetingMinutes,
        Kind::CommitmentProgress,
        Kind::Favourite,
        Kind::Reblog,
    ];

    /// As stored (the proposal kinds keep the names rows already have).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::Mention => "mention",
            Kind::Follower => "follower",
            Kind::ProposalThreshold => "threshold",
            Kind::ProposalStatus => "status",
            Kind::ProposalAnswered => "answered",
            Kind::Moderation => "moderation",
            Kind::PollClosed => "poll_closed",
            Kind::ProblemUpdate => "problem_update",
            Kind::MeetingChange => "meeting_change",
            Kind::MeetingSeat => "meeting_seat",
            Kind::MeetingReminder => "meeting_reminder",
            Kind::MeetingRefused => "meeting_refused",
            Kind::MeetingMinutes => "meeting_minutes",
            Kind::CommitmentProgress => "commitment_progress",
            Kind::Favourite => "favourite",
            Kind::Reblog => "reblog",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The topic a person chooses mail for.
    pub fn topic(self) -> Topic {
        match self {
            Kind::Reply | Kind::Mention => Topic::Replies,
            Kind::Follower | Kind::Favourite | Kind::Reblog => Topic::Followers,
            Kind::ProposalThreshold
            | Kind::ProposalStatus
            | Kind::ProposalAnswered
            | Kind::CommitmentProgress => Topic::Proposals,
            Kind::Moderation => Topic::Moderation,
            Kind::PollClosed => Topic::Polls,
            Kind::ProblemUpdate => Topic::Problems,
            Kind::MeetingChange
            | Kind::MeetingSeat
            | Kind::MeetingReminder
            | Kind::MeetingRefused
            | Kind::MeetingMinutes => Topic::Meetings,
        }
    }
}

/// What people choose mail for, one setting each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    Replies,
    Followers,
    Proposals,
    Polls,
    Problems,
    Meetings,
    Moderation,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Replies,
        Topic::Followers,
        Topic::Proposals,
        Topic::Polls,
        Topic::Problems,
        Topic::Meetings,
        Topic::Moderation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Replies => "replies",
            Topic::Followers => "followers",
            Topic::Proposals => "proposals",
            Topic::Polls => "polls",
            Topic::Problems => "problems",
            Topic::Meetings => "meetings",
            Topic::Moderation => "moderation",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What a person gets until they choose: answers and decisions about them at once, the rest daily.
    pub fn default_mode(self) -> Mode {
        match self {
            Topic::Replies
            | Topic::Proposals
            | Topic::Polls
            | Topic::Problems
            | Topic::Meetings
            | Topic::Moderation => Mode::Immediate,
            Topic::Followers => Mode::Daily,
        }
    }
}

/// When mail is sent for a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Immediate,
    Daily,
    Never,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Immediate, Mode::Daily, Mode::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Immediate => "immediate",
            Mode::Daily => "daily",
            Mode::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A notification to write.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: Kind,
    /// The proposal or debate it is about, if any.
    pub debate: Option<DebateId>,
    /// Where it leads: a local path (`/debates/3#comment-9`, `/users/lea`).
    pub link: Option<String>,
    /// The civic thing it is about, whose post apps show with it (when `note` names none).
    pub about: Option<crate::model::CivicRef>,
    /// Who caused it, as their name is shown.
    pub by: Option<String>,
    /// The post it is about (a mention, a favourite, a boost), for apps.
    pub note: Option<NoteId>,
    /// Who caused it, for apps (which show their account).
    pub from: Option<Writer>,
}

/// Tells an account something. Mail follows from the mail worker, as the account chose.
pub fn notify(conn: &mut AnyConnection, account: ActorId, notice: Notice) -> Result<()> {
    let note = match (notice.note, notice.about) {
        (Some(note), _) => Some(note),
        (None, Some(about)) => {
            crate::civic::notes::civic_posts::note_of(conn, about)?.map(|n| n.id)
        }
        (None, None) => None,
    };
    diesel::insert_into(notifications::table)
        .values((
            notifications::account_id.eq(account),
            notifications::debate_id.eq(notice.debate),
            notifications::kind.eq(notice.kind.as_str()),
            notifications::created_at.eq(now()),
            notifications::link.eq(notice.link),
            notifications::by_name.eq(notice.by),
            notifications::note_id.eq(note),
            notifications::by_actor_id.eq(match notice.from {
                Some(Writer::Local(id)) => Some(id),
                _ => None,
            }),
            notifications::by_remote_id.eq(match notice.from {
                Some(Writer::Remote(id)) => Some(id),
                _ => None,
            }),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells the author of what a new comment answers (the parent comment's, else the debate's, when they
/// are people here and not the comment's own writer); returns who was told. Who wrote it is looked up only when someone is told.
pub fn reply(
    conn: &mut AnyConnection,
    comment: crate::ids::CommentId,
    by: crate::civic::debates::Writer,
) -> Result<Option<ActorId>> {
    use crate::civic::debates::Writer;
    use crate::model::schema::{comments, debates};
    let (debate, parent): (DebateId, Option<crate::ids::CommentId>) = comments::table
        .find(comment)
        .select((comments::debate_id, comments::parent_id))
        .first(conn)?;
    let answered: Option<ActorId> = match parent {
        Some(parent) => comments::table
            .find(parent)
            .select(comments::author_id)
            .first(conn)?,
        None => debates::table
            .find(debate)
            .select(debates::author_id)
            .first(conn)?,
    };
    let Some(author) = answered.filter(|a| by != Writer::Local(*a)) else {
        return Ok(None);
    };
    let name = match by {
        Writer::Local(id) => crate::db::queries::actor_by_id(conn, id)?.display_name,
        Writer::Remote(id) => crate::civic::remote::remote_actor(conn, id)?.shown_name(),
    };
    notify(
        conn,
        author,
        Notice {
            kind: Kind::Reply,
            debate: Some(debate),
            link: Some(format!("/debates/{debate}#comment-{comment}")),
            about: Some(crate::model::CivicRef::Comment(comment)),
            by: Some(name),
            note: None,
            from: Some(by),
        },
    )?;
    Ok(Some(author))
}

/// The local names a text mentions: `@name` (a word of lowercase letters, digits, `_` and `-` after an `@`
/// that does not follow a letter or digit, as in an email address), not followed by `@host` (someone on
/// another server). At most ten, each once: a post cannot ring every bell of the town.
pub fn mentioned_names(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = vec![];
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '@')) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_name(chars[end]) {
                end += 1;
            }
            let remote = end < chars.len() && chars[end] == '@';
            let name: String = chars[start..end].iter().collect::<String>();
            let name = name.to_lowercase();
            if !remote && !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
            i = end.max(start);
            continue;
        }
        i += 1;
    }
    found.truncate(10);
    found
}

/// Tells the people here that a text written by `writer` mentions (`@name`) where to read it, except the
/// writer and `already` (told otherwise, as the author a comment answers). `note` is the post, when it is one.
pub fn mentions(
    conn: &mut AnyConnection,
    text: &str,
    writer: ActorId,
    link: &str,
    note: Option<NoteId>,
    already: Option<ActorId>,
) -> Result<()> {
    use crate::model::ActorKind;
    let names = mentioned_names(text);
    if names.is_empty() {
        return Ok(());
    }
    let mut by = None;
    for name in names {
        let Some(person) = crate::db::queries::actor_of_kind(conn, ActorKind::Person, &name)?
        else {
            continue;
        };
        if person.id == writer || Some(person.id) == already || person.deleted_at.is_some() {
            continue;
        }
        if by.is_none() {
            by = Some(crate::db::queries::actor_by_id(conn, writer)?.display_name);
        }
        notify(
            conn,
            person.id,
            Notice {
                kind: Kind::Mention,
                debate: None,
                link: Some(link.to_string()),
                about: None,
                by: by.clone(),
                note,
                from: Some(Writer::Local(writer)),
            },
        )?;
    }
    Ok(())
}

/// A notification as shown.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    /// The debate or proposal it is about, with its title.
    pub debate: Option<(DebateId, String)>,
    pub link: Option<String>,
    pub by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub read: bool,
}

type Row = (
    i64,
    String,
    Option<DebateId>,
    Option<String>,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

fn shown(rows: Vec<Row>) -> Vec<Notification> {
    rows.into_iter()
        .filter_map(|(id, kind, debate, title, link, by, created_at, read_at)| {
            Some(Notification {
                id,
                kind: Kind::parse(&kind)?,
                debate: debate.zip(title),
                link,
                by,
                created_at,
                read: read_at.is_some(),
            })
        })
        .collect()
}

/// What became of a notification for mail (`mail_state`).
const DIGEST: &str = "digest";
const DONE: &str = "done";

/// Which notifications a query reads.
#[derive(Clone, Copy)]
enum Which {
    All,
    /// Not looked at for mail yet.
    Unlooked,
    /// Waiting for the daily digest.
    InDigest,
}

fn query(
    conn: &mut AnyConnection,
    account: Option<ActorId>,
    which: Which,
    limit: i64,
) -> Result<Vec<(ActorId, Notification)>> {
    use crate::model::schema::debates;
    let mut q = notifications::table
        .left_join(debates::table)
        .select((
            notifications::account_id,
            (
                notifications::id,
                notifications::kind,
                notifications::debate_id,
                debates::title.nullable(),
                notifications::link,
                notifications::by_name,
                notifications::created_at,
                notifications::read_at,
            ),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(account) = account {
        q = q
            .filter(notifications::account_id.eq(account))
            .order(notifications::id.desc());
    }
    match which {
        Which::All => {}
        Which::Unlooked => {
            q = q
                .filter(notifications::mail_state.is_null())
                .order(notifications::id.asc())
        }
        Which::InDigest => {
            q = q
                .filter(notifications::mail_state.eq(DIGEST))
                .order(notifications::id.asc())
        }
    }
    let rows: Vec<(ActorId, Row)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .flat_map(|(account, row)| shown(vec![row]).into_iter().map(move |n| (account, n)))
        .collect())
}

/// An account's notifications, the latest first, marked read as they are shown.
pub fn take(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Notification>> {
    let found = query(conn, Some(account), Which::All, 100)?;
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?;
    Ok(found.into_iter().map(|(_, n)| n).collect())
}

/// An account dismisses one of its notifications (from an app): it goes, here and on the web. Another
/// account's notification is not found.
pub fn dismiss(conn: &mut AnyConnection, account: ActorId, id: i64) -> Result<()> {
    let removed = diesel::delete(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::account_id.eq(account)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(Error::NotFound(format!("no notification {id}")));
    }
    Ok(())
}

/// An account clears all its notifications.
pub fn clear(conn: &mut AnyConnection, account: ActorId) -> Result<()> {
    diesel::delete(notifications::table.filter(notifications::account_id.eq(account)))
        .execute(conn)?;
    Ok(())
}

/// How many notifications an account has not read.
pub fn unread(conn: &mut AnyConnection, account: ActorId) -> Result<i64> {
    Ok(notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Notifications not looked at for mail yet, oldest first (for the mail worker).
pub fn unmailed(conn: &mut AnyConnection, limit: i64) -> Result<Vec<(ActorId, Notification)>> {
    query(conn, None, Which::Unlooked, limit)
}

/// An account's notifications waiting for its daily digest, oldest first.
pub fn in_digest(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Notification>> {
    Ok(query(conn, Some(account), Which::InDigest, 500)?
        .into_iter()
        .map(|(_, n)| n)
        .collect())
}

/// The accounts with notifications waiting for a digest since before `day` (a day's start) that got no
/// digest since then.
pub fn with_digest(conn: &mut AnyConnection, day: chrono::NaiveDateTime) -> Result<Vec<ActorId>> {
    use crate::model::schema::accounts;
    Ok(notifications::table
        .inner_join(accounts::table.on(accounts::actor_id.eq(notifications::account_id)))
        .filter(notifications::mail_state.eq(DIGEST))
        .filter(notifications::created_at.lt(day))
        .filter(
            accounts::last_digest_at
                .is_null()
                .or(accounts::last_digest_at.lt(day)),
        )
        .select(notifications::account_id)
        .distinct()
        .load(conn)?)
}

fn set_mail_state(conn: &mut AnyConnection, ids: &[i64], state: &str) -> Result<()> {
    for chunk in ids.chunks(500) {
        diesel::update(notifications::table.filter(notifications::id.eq_any(chunk)))
            .set(notifications::mail_state.eq(Some(state)))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks notifications done for mail (sent, not wanted, or nowhere to send).
pub fn mark_mailed(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    set_mail_state(conn, ids, DONE)
}

/// Puts notifications aside for the next daily digest.
pub fn put_in_digest(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    set_mail_state(conn, ids, DIGEST)
}

/// What an account chose by mail, per topic (the defaults where it chose nothing).
pub fn preferences(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<(Topic, Mode)>> {
    let chosen: Vec<(String, String)> = email_preferences::table
        .filter(email_preferences::account_id.eq(account))
        .select((email_preferences::topic, email_preferences::mode))
        .load(conn)?;
    Ok(Topic::ALL
        .into_iter()
        .map(|topic| {
            let mode = chosen
                .iter()
                .find(|(t, _)| t == topic.as_str())
                .and_then(|(_, m)| Mode::parse(m))
                .unwrap_or(topic.default_mode());
            (topic, mode)
        })
        .collect())
}

/// Sets what an account gets by mail for a topic.
pub fn set_preference(
    conn: &mut AnyConnection,
    account: ActorId,
    topic: Topic,
    mode: Mode,
) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(email_preferences::table)
        .values((
            email_preferences::account_id.eq(account),
            email_preferences::topic.eq(topic.as_str()),
            email_preferences::mode.eq(mode.as_str()),
        ))
        .on_conflict((email_preferences::account_id, email_preferences::topic))
        .do_update()
        .set(email_preferences::mode.eq(mode.as_str()))
        .execute(c))?;
    Ok(())
}

/// The secret of an account's one-click unsubscribe links (made the first time it is needed).
pub fn unsubscribe_token(conn: &mut AnyConnection, account: ActorId) -> Result<String> {
    use crate::model::schema::accounts;
    let current: Option<String> = accounts::table
        .find(account)
        .select(accounts::unsubscribe_token)
        .first(conn)?;
    if let Some(token) = current {
        return Ok(token);
    }
    let token = crate::civic::tokens::random_code(24);
    diesel::update(accounts::table.find(account))
        .set(accounts::unsubscribe_token.eq(Some(&token)))
        .execute(conn)?;
    Ok(token)
}

/// A one-click unsubscribe (no sign-in: the link's secret says whose): no more mail for the topic.
pub fn unsubscribe(conn: &mut AnyConnection, token: &str, topic: Topic) -> Result<ActorId> {
    use crate::model::schema::accounts;
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::NotFound("this unsubscribe link is not valid".into()));
    }
    let account: ActorId = accounts::table
        .filter(accounts::unsubscribe_token.eq(token))
        .select(accounts::actor_id)
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("this unsubscribe link is not valid".into()))?;
    set_preference(conn, account, topic, Mode::Never)?;
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_local_names_after_an_at_sign() {
        assert_eq!(
            mentioned_names(
                "Merci @lea et @Karim, (@marie) ! Écrivez à contact@ville.fr, @bob@ailleurs.example, @lea encore"
            ),
            ["lea", "karim", "marie"]
        );
        assert!(mentioned_names("@ @@ a@b").is_empty());
        let many: String = (0..30).map(|n| format!("@p{n} ")).collect();
        assert_eq!(mentioned_names(&many).len(), 10);
    }

    #[test]
    fn names_read_back() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
        }
        // Rows written before the centre keep their meaning.
        assert_eq!(Kind::parse("threshold"), Some(Kind::ProposalThreshold));
        assert_eq!(Kind::parse("nonsense"), None);
    }
}
