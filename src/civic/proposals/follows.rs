//! Following a proposal's answers: accounts here, and actors of other servers following its `Page`.

use diesel::prelude::*;

use super::proposal;
use crate::civic::debates::debate;
use crate::civic::outbox;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ApUrl;
use crate::ids::{ActorId, DebateId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::proposal_followers;

/// Follows a proposal's answers, or stops.
pub fn follow(conn: &mut AnyConnection, who: ActorId, id: DebateId, on: bool) -> Result<()> {
    proposal(conn, id)?;
    if on {
        add_follower(conn, who, id)?;
    } else {
        diesel::delete(
            proposal_followers::table
                .filter(proposal_followers::debate_id.eq(id))
                .filter(proposal_followers::account_id.eq(who)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// An account follows a proposal (its author and supporters do, without asking).
pub(super) fn add_follower(conn: &mut AnyConnection, who: ActorId, id: DebateId) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_followers::table)
        .values((
            proposal_followers::debate_id.eq(id),
            proposal_followers::account_id.eq(Some(who)),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// A remote actor follows a proposal hosted here as an object (a `Follow` of its `Page`, accepted at once
/// by its commune when `follow` names that activity), or stops.
pub fn remote_follow(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    id: DebateId,
    on: bool,
    follow: Option<&str>,
) -> Result<()> {
    if on {
        let Some(commune) = debate(conn, id)?.commune_id else {
            return Err(Error::NotFound(format!(
                "proposal {id} is followed on its own server"
            )));
        };
        proposal(conn, id)?;
        if let Some(follow) = follow {
            // A Follow without a usable id cannot be answered (nothing would name it).
            if let Ok(follow) = ApUrl::parse(follow) {
                outbox::record(
                    conn,
                    commune,
                    Outbound::ProposalFollowAccepted {
                        proposal: id,
                        follower: who,
                        follow,
                    },
                )?;
            }
        }
        add_remote_follower(conn, who, id)?;
    } else {
        diesel::delete(
            proposal_followers::table
                .filter(proposal_followers::debate_id.eq(id))
                .filter(proposal_followers::remote_actor_id.eq(who)),
        )
        .execute(conn)?;
    }
    Ok(())
}

pub(super) fn add_remote_follower(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    id: DebateId,
) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_followers::table)
        .values((
            proposal_followers::debate_id.eq(id),
            proposal_followers::remote_actor_id.eq(Some(who)),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The remote actors following a proposal.
pub fn remote_followers(conn: &mut AnyConnection, id: DebateId) -> Result<Vec<RemoteActorId>> {
    Ok(proposal_followers::table
        .filter(proposal_followers::debate_id.eq(id))
        .filter(proposal_followers::remote_actor_id.is_not_null())
        .select(proposal_followers::remote_actor_id.assume_not_null())
        .load(conn)?)
}
