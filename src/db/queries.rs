//! Reads shared by the layers above. Writes live in `civic`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::ids::RemoteActorId;
use crate::model::schema::{accounts, actors, communes, follows, mandates};
use crate::model::{Account, Actor, ActorKind, Mandate};

/// A local actor of a kind, with its mandates (what its document and its page show).
pub fn actor_with_mandates(
    conn: &mut AnyConnection,
    kind: ActorKind,
    username: &str,
) -> Result<Option<(Actor, Vec<Mandate>)>> {
    let Some(actor) = actor_of_kind(conn, kind, username)? else {
        return Ok(None);
    };
    let mandates = mandates_of(conn, actor.id)?;
    Ok(Some((actor, mandates)))
}

/// A local actor by name, of any kind.
pub fn actor_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<Actor>> {
    Ok(actors::table
        .filter(actors::username.eq(username))
        .select(Actor::as_select())
        .first(conn)
        .optional()?)
}

/// A local actor by name and kind.
pub fn actor_of_kind(
    conn: &mut AnyConnection,
    kind: ActorKind,
    username: &str,
) -> Result<Option<Actor>> {
    Ok(actor_by_username(conn, username)?.filter(|a| a.kind == kind))
}

pub fn actor_by_id(conn: &mut AnyConnection, id: ActorId) -> Result<Actor> {
    actors::table
        .find(id)
        .select(Actor::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no actor {id}")))
}

/// The instance's own `Application` actor, created by the first migration run.
pub fn instance_actor(conn: &mut AnyConnection) -> Result<Option<Actor>> {
    actor_of_kind(
        conn,
        ActorKind::Application,
        crate::model::Username::instance().as_str(),
    )
}

/// Communes, the default first, then by name.
pub fn communes(conn: &mut AnyConnection) -> Result<Vec<(Actor, bool)>> {
    Ok(actors::table
        .inner_join(communes::table)
        .order((communes::is_default.desc(), actors::display_name.asc()))
        .select((Actor::as_select(), communes::is_default))
        .load(conn)?)
}

/// The commune new accounts join when none is named.
pub fn default_commune(conn: &mut AnyConnection) -> Result<Option<Actor>> {
    Ok(actors::table
        .inner_join(communes::table)
        .filter(communes::is_default.eq(true))
        .select(Actor::as_select())
        .first(conn)
        .optional()?)
}

/// A person's account and actor.
pub fn account_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<(Actor, Account)>> {
    Ok(actors::table
        .inner_join(accounts::table)
        .filter(actors::username.eq(username))
        .select((Actor::as_select(), Account::as_select()))
        .first(conn)
        .optional()?)
}

pub fn account_by_id(conn: &mut AnyConnection, id: ActorId) -> Result<Option<(Actor, Account)>> {
    Ok(actors::table
        .inner_join(accounts::table)
        .filter(actors::id.eq(id))
        .select((Actor::as_select(), Account::as_select()))
        .first(conn)
        .optional()?)
}

/// Mandates of an account, the most recent first.
pub fn mandates_of(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Mandate>> {
    Ok(mandates::table
        .filter(mandates::account_id.eq(account))
        .order((mandates::since.desc(), mandates::id.desc()))
        .select(Mandate::as_select())
        .load(conn)?)
}

/// Officials of a commune with their mandates (people with the official role).
pub fn officials_of(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(Actor, Vec<Mandate>)>> {
    let people: Vec<Actor> = actors::table
        .inner_join(accounts::table)
        .filter(accounts::commune_id.eq(commune))
        .filter(accounts::role.eq(crate::model::Role::Official))
        .order(actors::display_name.asc())
        .select(Actor::as_select())
        .load(conn)?;
    let ids: Vec<ActorId> = people.iter().map(|a| a.id).collect();
    let all: Vec<Mandate> = mandates::table
        .filter(mandates::account_id.eq_any(&ids))
        .order((mandates::since.desc(), mandates::id.desc()))
        .select(Mandate::as_select())
        .load(conn)?;
    Ok(people
        .into_iter()
        .map(|p| {
            let mine = all
                .iter()
                .filter(|m| m.account_id == p.id)
                .cloned()
                .collect();
            (p, mine)
        })
        .collect())
}

/// How many actors of each kind exist (NodeInfo, the instance API).
pub fn count_actors(conn: &mut AnyConnection, kind: ActorKind) -> Result<i64> {
    Ok(actors::table
        .filter(actors::kind.eq(kind))
        .count()
        .get_result(conn)?)
}

/// Whether any local actor follows this remote actor (so its posts are wanted here).
pub fn is_followed_from_here(conn: &mut AnyConnection, remote: RemoteActorId) -> Result<bool> {
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        follows::table
            .filter(follows::target_remote_id.eq(remote))
            .filter(follows::accepted.eq(true)),
    ))
    .get_result(conn)?)
}

/// The AP ids of an actor's accepted followers (or of whom it follows), local and remote, oldest first.
/// Local actors are returned as (kind, name) for the caller to turn into URLs.
pub fn follow_page(
    conn: &mut AnyConnection,
    actor: ActorId,
    followers: bool,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<FollowEnd>)> {
    use crate::model::schema::remote_actors;
    let base = follows::table
        .filter(follows::accepted.eq(true))
        .into_boxed();
    let scoped = if followers {
        base.filter(follows::target_id.eq(actor))
    } else {
        base.filter(follows::follower_id.eq(actor))
    };
    let rows: Vec<(Option<ActorId>, Option<RemoteActorId>)> = if followers {
        scoped
            .order(follows::id.asc())
            .offset(offset)
            .limit(limit)
            .select((follows::follower_id, follows::follower_remote_id))
            .load(conn)?
    } else {
        scoped
            .order(follows::id.asc())
            .offset(offset)
            .limit(limit)
            .select((follows::target_id, follows::target_remote_id))
            .load(conn)?
    };
    let total = count_follows(conn, actor, followers)?;
    let mut ends = Vec::with_capacity(rows.len());
    for (local, remote) in rows {
        if let Some(id) = local {
            let a = actor_by_id(conn, id)?;
            ends.push(FollowEnd::Local(a.kind, a.username));
        } else if let Some(id) = remote {
            let ap_id: String = remote_actors::table
                .find(id)
                .select(remote_actors::ap_id)
                .first(conn)?;
            ends.push(FollowEnd::Remote(ap_id));
        }
    }
    Ok((total, ends))
}

/// One side of a follow, as a collection lists it.
#[derive(Debug, Clone)]
pub enum FollowEnd {
    Local(crate::model::ActorKind, crate::model::Username),
    Remote(String),
}

/// How many accepted followers (or followed) an actor has.
pub fn count_follows(conn: &mut AnyConnection, actor: ActorId, followers: bool) -> Result<i64> {
    let base = follows::table
        .filter(follows::accepted.eq(true))
        .into_boxed();
    let scoped = if followers {
        base.filter(follows::target_id.eq(actor))
    } else {
        base.filter(follows::follower_id.eq(actor))
    };
    Ok(scoped.count().get_result(conn)?)
}

/// One line of `parvis admin federation status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStatus {
    pub domain: String,
    pub queued: i64,
    pub failed: i64,
    pub delivered: i64,
    pub unreachable: bool,
}

/// Queued, failed and delivered counts per remote server, and whether it is marked unreachable.
pub fn federation_status(conn: &mut AnyConnection) -> Result<Vec<HostStatus>> {
    use crate::model::schema::{deliveries, remote_hosts};
    let counts: Vec<(String, String, i64)> = deliveries::table
        .group_by((deliveries::domain, deliveries::state))
        .select((
            deliveries::domain,
            deliveries::state,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let hosts: Vec<(String, i64, bool)> = remote_hosts::table
        .select((
            remote_hosts::domain,
            remote_hosts::delivered,
            remote_hosts::unreachable,
        ))
        .load(conn)?;
    let mut by_domain: std::collections::BTreeMap<String, HostStatus> =
        std::collections::BTreeMap::new();
    let entry = |map: &mut std::collections::BTreeMap<String, HostStatus>, domain: &str| {
        map.entry(domain.to_string())
            .or_insert_with(|| HostStatus {
                domain: domain.to_string(),
                queued: 0,
                failed: 0,
                delivered: 0,
                unreachable: false,
            })
            .clone()
    };
    for (domain, delivered, unreachable) in hosts {
        let mut status = entry(&mut by_domain, &domain);
        status.delivered = delivered;
        status.unreachable = unreachable;
        by_domain.insert(domain, status);
    }
    for (domain, state, n) in counts {
        let mut status = entry(&mut by_domain, &domain);
        if state == "failed" {
            status.failed = n;
        } else {
            status.queued = n;
        }
        by_domain.insert(domain, status);
    }
    Ok(by_domain.into_values().collect())
}

/// Posts written here and not deleted (NodeInfo's `localPosts`).
pub fn count_local_posts(conn: &mut AnyConnection) -> Result<i64> {
    use crate::model::schema::notes;
    Ok(notes::table
        .filter(notes::author_id.is_not_null())
        .filter(notes::deleted.eq(false))
        .filter(notes::reblog_of_id.is_null())
        .filter(notes::civic_kind.is_null())
        .count()
        .get_result(conn)?)
}

/// Whose public posts a list shows.
#[derive(Clone, Copy, Debug)]
pub enum PostScope {
    /// A commune's own posts and those of its people.
    Commune(ActorId),
    Author(ActorId),
}

/// The newest public posts of a scope with their authors, in one statement.
pub fn public_posts(
    conn: &mut AnyConnection,
    scope: PostScope,
    limit: i64,
) -> Result<Vec<ShownPost>> {
    use crate::model::Visibility;
    use crate::model::schema::notes;
    let base = notes::table
        .inner_join(actors::table.on(notes::author_id.eq(actors::id.nullable())))
        .filter(notes::deleted.eq(false))
        .filter(notes::reblog_of_id.is_null())
        .filter(notes::civic_kind.is_null())
        .filter(notes::visibility.eq(Visibility::Public))
        .filter(actors::deleted_at.is_null())
        .into_boxed();
    let scoped = match scope {
        PostScope::Author(id) => base.filter(actors::id.eq(id)),
        PostScope::Commune(id) => base.filter(
            actors::id.eq(id).or(actors::id.eq_any(
                accounts::table
                    .filter(accounts::commune_id.eq(id))
                    .select(accounts::actor_id),
            )),
        ),
    };
    let found = scoped
        .order(notes::id.desc())
        .limit(limit)
        .select((crate::model::Note::as_select(), Actor::as_select()))
        .load(conn)?;
    with_pictures(conn, found)
}

/// A post written here as pages show it: with its author and its pictures.
pub struct ShownPost {
    pub note: crate::model::Note,
    pub author: Actor,
    pub pictures: Vec<crate::model::MediaAttachment>,
}

/// Posts with their pictures, loaded in one query.
pub fn with_pictures(
    conn: &mut AnyConnection,
    posts: Vec<(crate::model::Note, Actor)>,
) -> Result<Vec<ShownPost>> {
    let ids: Vec<crate::ids::NoteId> = posts.iter().map(|(n, _)| n.id).collect();
    let mut pictures = crate::civic::notes::media::of_notes(conn, &ids)?;
    Ok(posts
        .into_iter()
        .map(|(note, author)| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                pictures.drain(..).partition(|p| p.note_id == Some(note.id));
            pictures = rest;
            ShownPost {
                note,
                author,
                pictures: mine,
            }
        })
        .collect())
}

/// One line of a followers or following list, as a page shows it.
#[derive(Debug, Clone)]
pub struct FollowItem {
    pub name: String,
    /// `@user@host` for remote actors, `@user` for local ones.
    pub handle: String,
    /// Local actors: their path here; remote ones: their profile URL there.
    pub link: String,
    pub accepted: bool,
}

/// The people and communes an actor follows, or its followers, newest first, in at most three statements.
/// Pending requests are included when `with_pending`.
pub fn follow_items(
    conn: &mut AnyConnection,
    actor: ActorId,
    followers: bool,
    with_pending: bool,
    limit: i64,
) -> Result<Vec<FollowItem>> {
    use crate::model::schema::remote_actors;
    let mut rows = follows::table.into_boxed();
    rows = if followers {
        rows.filter(follows::target_id.eq(actor))
    } else {
        rows.filter(follows::follower_id.eq(actor))
    };
    if !with_pending {
        rows = rows.filter(follows::accepted.eq(true));
    }
    let rows: Vec<(Option<ActorId>, Option<RemoteActorId>, bool)> = if followers {
        rows.order(follows::id.desc())
            .limit(limit)
            .select((
                follows::follower_id,
                follows::follower_remote_id,
                follows::accepted,
            ))
            .load(conn)?
    } else {
        rows.order(follows::id.desc())
            .limit(limit)
            .select((
                follows::target_id,
                follows::target_remote_id,
                follows::accepted,
            ))
            .load(conn)?
    };
    let local_ids: Vec<ActorId> = rows.iter().filter_map(|r| r.0).collect();
    let remote_ids: Vec<RemoteActorId> = rows.iter().filter_map(|r| r.1).collect();
    let locals: Vec<Actor> = actors::table
        .filter(actors::id.eq_any(&local_ids))
        .select(Actor::as_select())
        .load(conn)?;
    let remotes: Vec<crate::model::RemoteActor> = remote_actors::table
        .filter(remote_actors::id.eq_any(&remote_ids))
        .select(crate::model::RemoteActor::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(local, remote, accepted)| {
            if let Some(id) = local {
                let a = locals.iter().find(|a| a.id == id)?;
                Some(FollowItem {
                    name: a.display_name.clone(),
                    handle: format!("@{}", a.username),
                    link: a.path(),
                    accepted,
                })
            } else {
                let r = remotes.iter().find(|r| Some(r.id) == remote)?;
                Some(FollowItem {
                    name: r.display_name.clone(),
                    handle: format!("@{}@{}", r.username, r.domain),
                    link: r.url.clone().unwrap_or_else(|| r.ap_id.clone()),
                    accepted,
                })
            }
        })
        .collect())
}

/// Whether `follower` follows (or asked to follow) a local or remote actor: `None`, `Some(accepted)`.
pub fn follow_state(
    conn: &mut AnyConnection,
    follower: ActorId,
    local: Option<ActorId>,
    remote: Option<RemoteActorId>,
) -> Result<Option<bool>> {
    let mut q = follows::table
        .filter(follows::follower_id.eq(follower))
        .into_boxed();
    if let Some(id) = local {
        q = q.filter(follows::target_id.eq(id));
    }
    if let Some(id) = remote {
        q = q.filter(follows::target_remote_id.eq(id));
    }
    Ok(q.select(follows::accepted).first(conn).optional()?)
}
