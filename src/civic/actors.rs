//! What every local actor creation shares: validated names, a fresh key pair, one insert.

use diesel::prelude::*;

use crate::civic::{keys, now};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::model::schema::actors;
use crate::model::{Actor, ActorKind, NewActor, Username};

/// Checks a display name: what people read must not be empty, absurdly long or hold control characters.
pub(crate) fn display_name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 100 {
        return Err(Error::invalid(field, "must have at most 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(name.to_string())
}

/// A key pair made off the async runtime: RSA generation takes tens of milliseconds.
pub(crate) async fn generate_keys() -> Result<keys::KeyPair> {
    tokio::task::spawn_blocking(keys::generate)
        .await
        .map_err(Error::internal)?
}

/// Inserts a local actor, refusing a name already taken by any actor (communes and people share names).
pub(crate) fn insert_actor(
    conn: &mut AnyConnection,
    kind: ActorKind,
    username: &Username,
    display_name: &str,
    pair: &keys::KeyPair,
) -> Result<Actor> {
    if crate::db::queries::actor_by_username(conn, username.as_str())?.is_some() {
        return Err(taken(username));
    }
    let now = now();
    diesel::insert_into(actors::table)
        .values(NewActor {
            kind,
            username: username.as_str(),
            display_name,
            summary: "",
            public_key_pem: &pair.public_pem,
            private_key_pem: &pair.private_pem,
            // The instance actor is a signing key, not something to follow.
            manually_approves_followers: kind == ActorKind::Application,
            discoverable: kind != ActorKind::Application,
            created_at: now,
            updated_at: now,
        })
        .returning(actors::id)
        .get_result::<crate::ids::ActorId>(conn)
        .map_err(|e| match e {
            // Two requests raced for the same name.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => taken(username),
            other => other.into(),
        })
        .and_then(|id| crate::db::queries::actor_by_id(conn, id))
}

fn taken(username: &Username) -> Error {
    Error::Conflict(format!("the name '{username}' is already taken"))
}
