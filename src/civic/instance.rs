//! The instance's own actor.

use crate::civic::{actors, keys};
use crate::db::{Database, queries};
use crate::error::Result;
use crate::model::{Actor, ActorKind, Username};

/// Makes sure the instance's `Application` actor exists. It signs our fetches, because servers in secure mode
/// (Mastodon's authorized fetch) refuse unsigned GETs.
pub fn ensure_instance_actor(db: &Database, instance_name: &str) -> Result<Actor> {
    db.run_blocking(|conn| {
        if let Some(actor) = queries::instance_actor(conn)? {
            return Ok(actor);
        }
        let pair = keys::generate()?;
        actors::insert_actor(
            conn,
            ActorKind::Application,
            &Username::instance(),
            instance_name,
            &pair,
        )
    })
}
