//! Following: people and communes follow each other, here and across servers.

use diesel::prelude::*;

use crate::civic::{now, outbox};
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::ids::ApUrl;
use crate::ids::{ActorId, FollowId, RemoteActorId};
use crate::model::Follow;
use crate::model::Outbound;
use crate::model::schema::follows;

/// Whom a local account follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Local(ActorId),
    Remote(RemoteActorId),
}

impl Target {
    /// An account id as the API and the pages show it: `123` for a local actor, `r123` for a remote one.
    pub fn parse(id: &str) -> Option<Target> {
        match id.strip_prefix('r') {
            Some(rest) => rest.parse().ok().map(|n| Target::Remote(RemoteActorId(n))),
            None => id.parse().ok().map(|n| Target::Local(ActorId(n))),
        }
    }
}

/// The outcome of a follow request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowState {
    /// Following now.
    Following,
    /// Waiting for the target to approve (locked accounts, or any remote account until its Accept arrives).
    Requested,
}

fn existing(conn: &mut AnyConnection, follower: ActorId, target: Target) -> Result<Option<Follow>> {
    let query = follows::table
        .filter(follows::follower_id.eq(follower))
        .select(Follow::as_select());
    Ok(match target {
        Target::Local(id) => query.filter(follows::target_id.eq(id)).first(conn),
        Target::Remote(id) => query.filter(follows::target_remote_id.eq(id)).first(conn),
    }
    .optional()?)
}

/// A local account asks to follow someone. Following oneself is refused; asking twice changes nothing. A local
/// target that does not approve followers manually is followed at once; a remote one once its Accept arrives.
pub fn follow(conn: &mut AnyConnection, follower: ActorId, target: Target) -> Result<FollowState> {
    if target == Target::Local(follower) {
        return Err(Error::invalid("target", "one cannot follow oneself"));
    }
    if let Some(follow) = existing(conn, follower, target)? {
        return Ok(if follow.accepted {
            FollowState::Following
        } else {
            FollowState::Requested
        });
    }
    let accepted = match target {
        Target::Local(id) => {
            let actor = queries::actor_by_id(conn, id)?;
            if actor.deleted_at.is_some() {
                return Err(Error::NotFound("this account was deleted".into()));
            }
            !actor.manually_approves_followers
        }
        Target::Remote(_) => false,
    };
    let (target_id, target_remote_id) = match target {
        Target::Local(id) => (Some(id), None),
        Target::Remote(id) => (None, Some(id)),
    };
    let id: FollowId = diesel::insert_into(follows::table)
        .values((
            follows::follower_id.eq(Some(follower)),
            follows::target_id.eq(target_id),
            follows::target_remote_id.eq(target_remote_id),
            follows::accepted.eq(accepted),
            follows::created_at.eq(now()),
        ))
        .returning(follows::id)
        .get_result(conn)?;
    if let Target::Remote(remote) = target {
        outbox::record(
            conn,
            follower,
            Outbound::FollowRequested {
                follow: id,
                target: remote,
            },
        )?;
    }
    if let (true, Target::Local(target)) = (accepted, target) {
        local_follower_told(conn, target, follower)?;
    }
    Ok(if accepted {
        FollowState::Following
    } else {
        FollowState::Requested
    })
}

/// A local account stops following (or withdraws its request). Not following is not an error.
pub fn unfollow(conn: &mut AnyConnection, follower: ActorId, target: Target) -> Result<()> {
    let Some(follow) = existing(conn, follower, target)? else {
        return Ok(());
    };
    diesel::delete(follows::table.find(follow.id)).execute(conn)?;
    if let Target::Remote(remote) = target {
        outbox::record(
            conn,
            follower,
            Outbound::FollowUndone {
                follow: follow.id,
                target: remote,
            },
        )?;
    }
    Ok(())
}

/// A remote actor asks to follow a local one (`Follow`). Accepted at once unless the local actor approves
/// followers manually; a repeated request (Mastodon re-sends Follow when unsure) is answered again.
pub fn remote_follow_received(
    conn: &mut AnyConnection,
    follower: RemoteActorId,
    target: ActorId,
    follow_ap_id: &str,
) -> Result<FollowState> {
    let manual = queries::actor_by_id(conn, target)?.manually_approves_followers;
    let current: Option<Follow> = follows::table
        .filter(follows::follower_remote_id.eq(follower))
        .filter(follows::target_id.eq(target))
        .select(Follow::as_select())
        .first(conn)
        .optional()?;
    let follow = match current.clone() {
        Some(follow) => {
            diesel::update(follows::table.find(follow.id))
                .set(follows::follow_ap_id.eq(follow_ap_id))
                .execute(conn)?;
            follow
        }
        None => {
            let id: FollowId = diesel::insert_into(follows::table)
                .values((
                    follows::follower_remote_id.eq(Some(follower)),
                    follows::target_id.eq(Some(target)),
                    follows::accepted.eq(!manual),
                    follows::follow_ap_id.eq(follow_ap_id),
                    follows::created_at.eq(now()),
                ))
                .returning(follows::id)
                .get_result(conn)?;
            follows::table
                .find(id)
                .select(Follow::as_select())
                .first(conn)?
        }
    };
    if follow.accepted || !manual {
        answer(conn, target, follower, Some(follow_ap_id), true)?;
        if current.is_none() {
            remote_follower_told(conn, target, follower)?;
        }
        Ok(FollowState::Following)
    } else {
        Ok(FollowState::Requested)
    }
}

/// A pending request to a local actor, by id, checked to be addressed to `target`.
fn pending_request(conn: &mut AnyConnection, target: ActorId, id: FollowId) -> Result<Follow> {
    follows::table
        .find(id)
        .filter(follows::target_id.eq(target))
        .filter(follows::accepted.eq(false))
        .select(Follow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no pending follow request {id}")))
}

/// The local actor approves a pending request.
pub fn authorize(conn: &mut AnyConnection, target: ActorId, id: FollowId) -> Result<()> {
    let follow = pending_request(conn, target, id)?;
    diesel::update(follows::table.find(follow.id))
        .set(follows::accepted.eq(true))
        .execute(conn)?;
    if let Some(remote) = follow.follower_remote_id {
        answer(conn, target, remote, follow.follow_ap_id.as_deref(), true)?;
        remote_follower_told(conn, target, remote)?;
    } else if let Some(local) = follow.follower_id {
        local_follower_told(conn, target, local)?;
    }
    Ok(())
}

/// Tells a person (not a commune) that someone follows them now.
fn new_follower(
    conn: &mut AnyConnection,
    target: ActorId,
    from: crate::civic::debates::Writer,
    by: &str,
    link: &str,
) -> Result<()> {
    if queries::actor_by_id(conn, target)?.kind != crate::model::ActorKind::Person {
        return Ok(());
    }
    crate::civic::notifications::notify(
        conn,
        target,
        crate::civic::notifications::Notice {
            kind: crate::civic::notifications::Kind::Follower,
            debate: None,
            link: Some(link.to_string()),
            about: None,
            by: Some(by.to_string()),
            note: None,
            from: Some(from),
        },
    )
}

fn local_follower_told(conn: &mut AnyConnection, target: ActorId, follower: ActorId) -> Result<()> {
    let who = queries::actor_by_id(conn, follower)?;
    new_follower(
        conn,
        target,
        crate::civic::debates::Writer::Local(follower),
        &who.display_name,
        &format!("/users/{}", who.username),
    )
}

fn remote_follower_told(
    conn: &mut AnyConnection,
    target: ActorId,
    follower: RemoteActorId,
) -> Result<()> {
    let who = crate::civic::remote::remote_actor(conn, follower)?;
    let link = format!(
        "/follow?handle={}",
        url::form_urlencoded::byte_serialize(who.handle().as_bytes()).collect::<String>()
    );
    new_follower(
        conn,
        target,
        crate::civic::debates::Writer::Remote(follower),
        &who.shown_name(),
        &link,
    )
}

/// The local actor declines a pending request.
pub fn reject(conn: &mut AnyConnection, target: ActorId, id: FollowId) -> Result<()> {
    let follow = pending_request(conn, target, id)?;
    diesel::delete(follows::table.find(follow.id)).execute(conn)?;
    if let Some(remote) = follow.follower_remote_id {
        answer(conn, target, remote, follow.follow_ap_id.as_deref(), false)?;
    }
    Ok(())
}

/// Answers a remote actor's `Follow` (`Accept` or `Reject`). A Follow without a usable id cannot be answered
/// (nothing would name it): nothing is sent.
fn answer(
    conn: &mut AnyConnection,
    target: ActorId,
    follower: RemoteActorId,
    follow: Option<&str>,
    accepted: bool,
) -> Result<()> {
    let Some(follow) = follow.and_then(|f| ApUrl::parse(f).ok()) else {
        return Ok(());
    };
    let what = if accepted {
        Outbound::FollowAccepted { follow, follower }
    } else {
        Outbound::FollowRejected { follow, follower }
    };
    outbox::record(conn, target, what)
}

/// The remote target accepted our request (`Accept(Follow)`). Only the target itself may accept.
pub fn remote_accepted(
    conn: &mut AnyConnection,
    id: FollowId,
    sender: RemoteActorId,
) -> Result<()> {
    let updated = diesel::update(
        follows::table
            .find(id)
            .filter(follows::target_remote_id.eq(sender)),
    )
    .set(follows::accepted.eq(true))
    .execute(conn)?;
    if updated == 0 {
        return Err(Error::NotFound(format!(
            "no follow request {id} to this actor"
        )));
    }
    Ok(())
}

/// The remote target refused, or removed us from its followers (`Reject(Follow)`).
pub fn remote_rejected(
    conn: &mut AnyConnection,
    id: FollowId,
    sender: RemoteActorId,
) -> Result<()> {
    diesel::delete(
        follows::table
            .find(id)
            .filter(follows::target_remote_id.eq(sender)),
    )
    .execute(conn)?;
    Ok(())
}

/// A remote follower stops following (`Undo(Follow)`), named by its Follow's id or by the target.
pub fn remote_unfollowed(
    conn: &mut AnyConnection,
    follower: RemoteActorId,
    follow_ap_id: Option<&str>,
    target: Option<ActorId>,
) -> Result<()> {
    let mut query = diesel::delete(follows::table)
        .filter(follows::follower_remote_id.eq(follower))
        .into_boxed();
    if let Some(ap_id) = follow_ap_id {
        query = query.filter(follows::follow_ap_id.eq(ap_id));
    } else if let Some(target) = target {
        query = query.filter(follows::target_id.eq(target));
    } else {
        return Err(Error::BadRequest(
            "Undo(Follow) names neither the Follow nor its object".into(),
        ));
    }
    query.execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_targets_parse() {
        assert!(matches!(
            Target::parse("12"),
            Some(Target::Local(ActorId(12)))
        ));
        assert!(matches!(
            Target::parse("r7"),
            Some(Target::Remote(RemoteActorId(7)))
        ));
        assert!(Target::parse("x").is_none());
        assert!(Target::parse("r").is_none());
    }
}
