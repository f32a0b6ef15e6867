//! Open311 GeoReport v2 client apps: the commune's admin gives each app (a city app, a kiosk, a partner's
//! tool) its own API key, shown once and kept as a hash, and revokes it. A report an app files is the
//! commune's like any other (`civic::problems::file_by`), with the app's name and no person's.

use diesel::prelude::*;

use crate::civic::now;
use crate::civic::tokens::random_code;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::Open311ClientId;
use crate::model::schema::open311_clients;
use crate::model::{Account, Open311Client, Role};

/// Longest name of a client app.
pub const MAX_NAME: usize = 80;

fn digest(key: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn require_admin(admin: &Account) -> Result<()> {
    if admin.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's admins manage Open311 keys".into(),
        ))
    }
}

/// The admin creates a key for an app of their commune: returns it (shown once) and its id.
pub fn create_client(
    conn: &mut AnyConnection,
    admin: &Account,
    name: &str,
) -> Result<(Open311ClientId, String)> {
    require_admin(admin)?;
    create_client_for(conn, admin.commune_id, name)
}

/// A key for an app of `commune`, made by the operator (`parvis admin open311 create`).
pub fn create_client_for(
    conn: &mut AnyConnection,
    commune: crate::ids::ActorId,
    name: &str,
) -> Result<(Open311ClientId, String)> {
    let name = crate::civic::debates::text::bounded("name", name, MAX_NAME, true)?;
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must be one line"));
    }
    let key = random_code(24);
    let id = diesel::insert_into(open311_clients::table)
        .values((
            open311_clients::commune_id.eq(commune),
            open311_clients::name.eq(&name),
            open311_clients::key_sha256.eq(digest(&key)),
            open311_clients::created_at.eq(now()),
        ))
        .returning(open311_clients::id)
        .get_result(conn)?;
    Ok((id, key))
}

/// The admin revokes a key of their commune: the app can no longer file reports.
pub fn revoke_client(conn: &mut AnyConnection, admin: &Account, id: Open311ClientId) -> Result<()> {
    require_admin(admin)?;
    let changed = diesel::update(
        open311_clients::table
            .find(id)
            .filter(open311_clients::commune_id.eq(admin.commune_id))
            .filter(open311_clients::revoked_at.is_null()),
    )
    .set(open311_clients::revoked_at.eq(Some(now())))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::NotFound("no such key".into()));
    }
    Ok(())
}

/// The apps of a commune, newest first.
pub fn clients(
    conn: &mut AnyConnection,
    commune: crate::ids::ActorId,
) -> Result<Vec<Open311Client>> {
    Ok(open311_clients::table
        .filter(open311_clients::commune_id.eq(commune))
        .order(open311_clients::id.desc())
        .select(Open311Client::as_select())
        .load(conn)?)
}

/// The app of a key, if it is a key and not revoked.
pub fn client_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Open311Client>> {
    if key.is_empty() {
        return Ok(None);
    }
    Ok(open311_clients::table
        .filter(open311_clients::key_sha256.eq(digest(key)))
        .filter(open311_clients::revoked_at.is_null())
        .select(Open311Client::as_select())
        .first(conn)
        .optional()?)
}

/// An app by its id (to name it on a report).
pub fn client(conn: &mut AnyConnection, id: Open311ClientId) -> Result<Open311Client> {
    open311_clients::table
        .find(id)
        .select(Open311Client::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such app".into()))
}
