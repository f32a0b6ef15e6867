//! Who hears of what: the inboxes of an actor's followers, of a proposal's followers. One inbox per server
//! that has a shared inbox; actors waiting to be fetched again (their documents broke a provenance rule) get
//! nothing.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, DebateId};
use crate::model::schema::{follows, remote_actors};

/// The distinct inboxes of the remote actors following a proposal.
pub fn proposal_follower_inboxes(
    conn: &mut AnyConnection,
    id: DebateId,
) -> Result<BTreeSet<String>> {
    let mut inboxes = BTreeSet::new();
    for who in crate::civic::proposals::remote_followers(conn, id)? {
        let actor = crate::civic::remote::remote_actor(conn, who)?;
        if !actor.needs_refetch {
            inboxes.insert(actor.delivery_inbox().to_string());
        }
    }
    Ok(inboxes)
}

/// Where an author's post in a commune goes: the followers of both.
pub fn author_and_commune_inboxes(
    conn: &mut AnyConnection,
    author: ActorId,
    commune: Option<ActorId>,
) -> Result<BTreeSet<String>> {
    let mut inboxes = follower_inboxes(conn, author)?;
    if let Some(commune) = commune {
        inboxes.extend(follower_inboxes(conn, commune)?);
    }
    Ok(inboxes)
}

/// The distinct inboxes of an actor's accepted remote followers: one per server with a shared inbox.
pub fn follower_inboxes(conn: &mut AnyConnection, actor: ActorId) -> Result<BTreeSet<String>> {
    let rows: Vec<(String, Option<String>)> = follows::table
        .inner_join(
            remote_actors::table.on(follows::follower_remote_id.eq(remote_actors::id.nullable())),
        )
        .filter(follows::target_id.eq(actor))
        .filter(follows::accepted.eq(true))
        .filter(remote_actors::needs_refetch.eq(false))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect())
}
