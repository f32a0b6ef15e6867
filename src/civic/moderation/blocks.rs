//! Blocks of remote accounts, from a commune or from the whole instance: blocking and unblocking, and the
//! checks that refuse what a blocked account sends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::log;
use super::reports::{Target, commune_of};
use super::{instance_actor, require_moderator};
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::BlockId;
use crate::ids::{ActorId, CommentId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::{accounts, actors, comments, debates, follows, remote_blocks};
use crate::model::{Account, ModerationAction as Action, Role};

/// Blocks a remote account from a commune, or from the whole instance (admins only): its activities about
/// the commune (or any) are refused, follows between it and the commune's people end, its comments there are
/// hidden, and it is told with a `Block` (from the commune, or from the instance actor).
pub(super) fn block(
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
