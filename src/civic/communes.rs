//! Communes: a town, or several towns of an intercommunality on one instance.

use diesel::prelude::*;

use crate::civic::actors::{display_name, generate_keys, insert_actor};
use crate::db::{AnyConnection, Database, queries};
use crate::error::{Error, Result};
use crate::model::schema::communes;
use crate::model::{Actor, ActorKind, Username};

/// Creates a commune (a `Group` actor). The first commune of an instance becomes its default one.
pub async fn create_commune(db: &Database, slug: &str, name: &str) -> Result<Actor> {
    let slug = Username::parse(slug).map_err(|m| Error::invalid("slug", m))?;
    let name = display_name("name", name)?;
    let pair = generate_keys().await?;
    db.transaction(move |conn| {
        let is_default = queries::default_commune(conn)?.is_none();
        let actor = insert_actor(conn, ActorKind::Commune, &slug, &name, &pair)?;
        diesel::insert_into(communes::table)
            .values((
                communes::actor_id.eq(actor.id),
                communes::is_default.eq(is_default),
            ))
            .execute(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => Error::Conflict(
                    "another commune was being created at the same time: try again".into(),
                ),
                other => other.into(),
            })?;
        Ok(actor)
    })
    .await
}

/// Whether the instance's commune is kept for its residents ("espace privatif"): its pages need an account
/// here, its content is not public, and only servers the admin explicitly allowed federate.
pub fn residents_only(conn: &mut AnyConnection) -> Result<bool> {
    Ok(communes::table
        .filter(communes::is_default.eq(true))
        .select(communes::residents_only)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Keeps the instance's commune for its residents, or opens it again.
pub fn set_residents_only(conn: &mut AnyConnection, on: bool) -> Result<()> {
    let changed = diesel::update(communes::table.filter(communes::is_default.eq(true)))
        .set(communes::residents_only.eq(on))
        .execute(conn)?;
    if changed == 0 {
        return Err(Error::NotFound("no commune here yet".into()));
    }
    Ok(())
}
