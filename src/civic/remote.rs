//! Actors of other servers: what we keep of their documents.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::RemoteActorId;
use crate::model::RemoteActor;
use crate::model::schema::{remote_actors, remote_keys};

/// What a fetched actor document says, already checked by the federation layer (its id is where it was
/// fetched from, its key belongs to it).
#[derive(Clone, Debug)]
pub struct RemoteActorData {
    pub ap_id: String,
    pub kind: String,
    pub domain: String,
    pub username: String,
    pub display_name: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub url: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub manually_approves_followers: bool,
    /// Further keys (id, Multikey `publicKeyMultibase`), checked to be controlled by this actor.
    pub multikeys: Vec<(String, String)>,
}

/// The key id an actor is left with when it loses its key: unique (key ids are), and never a URL a signature
/// can name.
fn detached_key(id: RemoteActorId) -> String {
    format!("urn:parvis:detached:{}", id.0)
}

/// Takes `key_ids` away from every actor but `ap_id`: they lose the key and are fetched again before they
/// are trusted (see `federation::fetch`, which proves who owns a key before calling this).
fn detach_keys_from_others(
    conn: &mut AnyConnection,
    ap_id: &str,
    key_ids: &[String],
) -> Result<()> {
    let holders: Vec<RemoteActorId> = remote_actors::table
        .filter(remote_actors::key_id.eq_any(key_ids))
        .filter(remote_actors::ap_id.ne(ap_id))
        .select(remote_actors::id)
        .load(conn)?;
    for holder in holders {
        diesel::update(remote_actors::table.find(holder))
            .set((
                remote_actors::key_id.eq(detached_key(holder)),
                remote_actors::public_key_pem.eq(""),
                remote_actors::needs_refetch.eq(true),
            ))
            .execute(conn)?;
    }
    let multikey_holders: Vec<RemoteActorId> = remote_keys::table
        .inner_join(remote_actors::table.on(remote_keys::remote_actor_id.eq(remote_actors::id)))
        .filter(remote_keys::key_id.eq_any(key_ids))
        .filter(remote_actors::ap_id.ne(ap_id))
        .select(remote_actors::id)
        .load(conn)?;
    diesel::delete(remote_keys::table.filter(remote_keys::key_id.eq_any(key_ids))).execute(conn)?;
    diesel::update(remote_actors::table.filter(remote_actors::id.eq_any(multikey_holders)))
        .set(remote_actors::needs_refetch.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Stores or refreshes a remote actor (an upsert: two requests may learn the same actor at once). The keys it
/// names are its own from now on: whoever held them before loses them.
pub fn upsert_remote_actor(
    conn: &mut AnyConnection,
    data: &RemoteActorData,
) -> Result<RemoteActor> {
    crate::db::take_turn_for(conn, crate::db::TurnOf::RemoteKey, &data.key_id)?;
    let claimed: Vec<String> = std::iter::once(data.key_id.clone())
        .chain(data.multikeys.iter().map(|(k, _)| k.clone()))
        .collect();
    detach_keys_from_others(conn, &data.ap_id, &claimed)?;
    let values = (
        remote_actors::kind.eq(&data.kind),
        remote_actors::domain.eq(&data.domain),
        remote_actors::username.eq(&data.username),
        remote_actors::display_name.eq(&data.display_name),
        remote_actors::inbox.eq(&data.inbox),
        remote_actors::shared_inbox.eq(&data.shared_inbox),
        remote_actors::url.eq(&data.url),
        remote_actors::key_id.eq(&data.key_id),
        remote_actors::public_key_pem.eq(&data.public_key_pem),
        remote_actors::manually_approves_followers.eq(data.manually_approves_followers),
        remote_actors::fetched_at.eq(now()),
        remote_actors::needs_refetch.eq(false),
    );
    crate::on_each_backend!(conn, |c| diesel::insert_into(remote_actors::table)
        .values((remote_actors::ap_id.eq(&data.ap_id), values))
        .on_conflict(remote_actors::ap_id)
        .do_update()
        .set(values)
        .execute(c))?;
    let actor: RemoteActor = remote_actors::table
        .filter(remote_actors::ap_id.eq(&data.ap_id))
        .select(RemoteActor::as_select())
        .first(conn)?;
    // The document is the whole truth about its keys: a key it no longer lists is forgotten.
    diesel::delete(remote_keys::table.filter(remote_keys::remote_actor_id.eq(actor.id)))
        .execute(conn)?;
    for (key_id, multibase) in &data.multikeys {
        let values = (
            remote_keys::key_id.eq(key_id),
            remote_keys::remote_actor_id.eq(actor.id),
            remote_keys::public_key_multibase.eq(multibase),
        );
        // Taken from any other holder above; a concurrent claim by another actor loses here.
        crate::on_each_backend!(conn, |c| diesel::insert_into(remote_keys::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(actor)
}

/// The key an actor signed with: its `publicKey` (PEM) or one of its Multikeys.
pub enum KeyMaterial {
    Pem(String),
    Multibase(String),
}

/// The material of `key_id` if it belongs to `actor`.
pub fn key_of(
    conn: &mut AnyConnection,
    actor: &RemoteActor,
    key_id: &str,
) -> Result<Option<KeyMaterial>> {
    if actor.key_id == key_id {
        return Ok(Some(KeyMaterial::Pem(actor.public_key_pem.clone())));
    }
    Ok(remote_keys::table
        .find(key_id)
        .filter(remote_keys::remote_actor_id.eq(actor.id))
        .select(remote_keys::public_key_multibase)
        .first::<String>(conn)
        .optional()?
        .map(KeyMaterial::Multibase))
}

/// The actor owning a stored key id, whichever way it published it.
///
/// This runs for every signed request: `get_result` rather than `first`, because SQLite re-prepares a
/// statement with a bound LIMIT on every run.
pub fn actor_by_key(conn: &mut AnyConnection, key_id: &str) -> Result<Option<RemoteActor>> {
    let by_public_key = remote_actors::table
        .filter(remote_actors::key_id.eq(key_id))
        .select(RemoteActor::as_select())
        .get_result(conn)
        .optional()?;
    if by_public_key.is_some() {
        return Ok(by_public_key);
    }
    Ok(remote_keys::table
        .find(key_id)
        .inner_join(remote_actors::table.on(remote_keys::remote_actor_id.eq(remote_actors::id)))
        .select(RemoteActor::as_select())
        .first(conn)
        .optional()?)
}

/// A remote actor, if it is still known (a forgotten actor's row is gone).
pub fn find_remote_actor(
    conn: &mut AnyConnection,
    id: RemoteActorId,
) -> Result<Option<RemoteActor>> {
    Ok(remote_actors::table
        .find(id)
        .select(RemoteActor::as_select())
        .first(conn)
        .optional()?)
}

/// A remote actor by its id on its server, if known here.
pub fn by_ap_id(conn: &mut AnyConnection, ap_id: &str) -> Result<Option<RemoteActor>> {
    Ok(remote_actors::table
        .filter(remote_actors::ap_id.eq(ap_id))
        .select(RemoteActor::as_select())
        .first(conn)
        .optional()?)
}

pub fn remote_actor(conn: &mut AnyConnection, id: RemoteActorId) -> Result<RemoteActor> {
    Ok(remote_actors::table
        .find(id)
        .select(RemoteActor::as_select())
        .first(conn)?)
}

/// A remote actor deleted its account: forget it, its follows and its posts.
pub fn forget_actor(conn: &mut AnyConnection, id: RemoteActorId) -> Result<()> {
    // Its comments on debates become tombstones, which keep the replies to them in place.
    crate::civic::debates::erase_comments_of(conn, crate::civic::debates::Writer::Remote(id))?;
    crate::civic::proposals::withdraw_supports_of(conn, crate::civic::debates::Writer::Remote(id))?;
    diesel::delete(remote_actors::table.find(id)).execute(conn)?;
    Ok(())
}
