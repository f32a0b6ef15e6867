//! Who is told of what happens to a proposal (through the notification centre): its followers, and the
//! officials when it reaches its threshold.

use diesel::prelude::*;

use crate::civic::notifications::{Kind, Notice};
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, DebateId};
use crate::model::schema::proposal_followers;

pub(super) fn notify(
    conn: &mut AnyConnection,
    account: ActorId,
    id: DebateId,
    kind: Kind,
) -> Result<()> {
    crate::civic::notifications::notify(
        conn,
        account,
        Notice {
            kind,
            debate: Some(id),
            link: Some(format!("/proposals/{id}")),
            about: Some(crate::model::CivicRef::Debate(id)),
            by: None,
            note: None,
            from: None,
        },
    )
}

/// Tells the local followers of a proposal, but the one who caused it.
pub(super) fn notify_followers(
    conn: &mut AnyConnection,
    id: DebateId,
    kind: Kind,
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
