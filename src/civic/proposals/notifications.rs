//! Notifications of what happens to proposals: written for an account or a proposal's followers, and read.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, DebateId};
use crate::model::schema::{notifications, proposal_followers};

pub(super) fn notify(
    conn: &mut AnyConnection,
    account: ActorId,
    id: DebateId,
    kind: &str,
) -> Result<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::account_id.eq(account),
            notifications::debate_id.eq(Some(id)),
            notifications::kind.eq(kind),
            notifications::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells the local followers of a proposal, but the one who caused it.
pub(super) fn notify_followers(
    conn: &mut AnyConnection,
    id: DebateId,
    kind: &str,
    except: &[ActorId],
) -> Result<()> {
    let followers: Vec<ActorId> = proposal_followers::table
        .filter(proposal_followers::debate_id.eq(id))
        .filter(proposal_followers::account_id.is_not_null())
        .select(proposal_followers::account_id.assume_not_null())
        .load(conn)?;
    for follower in followers.into_iter().filter(|f| !except.contains(f)) {
        notify(conn, follower, id, kind)?;
    }
    Ok(())
}

/// A notification, with the title of the proposal it is about.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub debate: Option<(DebateId, String)>,
    pub kind: String,
    pub created_at: chrono::NaiveDateTime,
    pub read: bool,
}

type NotificationRow = (
    i64,
    Option<DebateId>,
    Option<String>,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

/// An account's notifications, the latest first, marked read as they are shown.
pub fn take_notifications(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Notification>> {
    use crate::model::schema::debates;
    let rows: Vec<NotificationRow> = notifications::table
        .left_join(debates::table)
        .filter(notifications::account_id.eq(account))
        .order(notifications::id.desc())
        .limit(100)
        .select((
            notifications::id,
            notifications::debate_id,
            debates::title.nullable(),
            notifications::kind,
            notifications::created_at,
            notifications::read_at,
        ))
        .load(conn)?;
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, debate, title, kind, created_at, read_at)| Notification {
                id,
                debate: debate.zip(title),
                kind,
                created_at,
                read: read_at.is_some(),
            },
        )
        .collect())
}

/// How many notifications an account has not read.
pub fn unread(conn: &mut AnyConnection, account: ActorId) -> Result<i64> {
    Ok(notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}
