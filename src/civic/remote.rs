//! Actors of other servers: what we keep of their documents.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::RemoteActorId;
use crate::model::RemoteActor;
use crate::model::schema::remote_actors;

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
}

/// Stores or refreshes a remote actor (an upsert: two requests may learn the same actor at once).
pub fn upsert_remote_actor(
    conn: &mut AnyConnection,
    data: &RemoteActorData,
) -> Result<RemoteActor> {
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
    );
    crate::on_each_backend!(conn, |c| diesel::insert_into(remote_actors::table)
        .values((remote_actors::ap_id.eq(&data.ap_id), values))
        .on_conflict(remote_actors::ap_id)
        .do_update()
        .set(values)
        .execute(c))?;
    Ok(remote_actors::table
        .filter(remote_actors::ap_id.eq(&data.ap_id))
        .select(RemoteActor::as_select())
        .first(conn)?)
}

pub fn remote_actor(conn: &mut AnyConnection, id: RemoteActorId) -> Result<RemoteActor> {
    Ok(remote_actors::table
        .find(id)
        .select(RemoteActor::as_select())
        .first(conn)?)
}

/// A remote actor deleted its account: forget it, its follows and its posts.
pub fn forget_actor(conn: &mut AnyConnection, id: RemoteActorId) -> Result<()> {
    diesel::delete(remote_actors::table.find(id)).execute(conn)?;
    Ok(())
}
