//! Communes: a town, or several towns of an intercommunality on one instance.

use diesel::prelude::*;

use crate::civic::actors::{display_name, generate_keys, insert_actor};
use crate::db::{Database, queries};
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
