//! Reads shared by the layers above. Writes live in `civic`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::{accounts, actors, communes, mandates};
use crate::model::{Account, Actor, ActorKind, Mandate};

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
