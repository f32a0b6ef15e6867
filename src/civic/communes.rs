//! Communes: a town, or several towns of an intercommunality on one instance.

use diesel::prelude::*;

use crate::civic::actors::{display_name, generate_keys, insert_actor};
use crate::civic::{now, outbox};
use crate::db::{AnyConnection, Database, queries};
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::{actors, communes};
use crate::model::{Account, Actor, ActorKind, Outbound, Role, Username};

/// Longest description of a commune, in characters (Markdown).
pub const MAX_DESCRIPTION: usize = 5_000;

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

/// A commune's description (Markdown), as its admins wrote it.
pub fn description(conn: &mut AnyConnection, commune: ActorId) -> Result<String> {
    Ok(queries::actor_by_id(conn, commune)?.summary)
}

/// An admin describes their commune (Markdown, shown on its page and sent as its `Group`'s `summary` and
/// `source`); followers' servers get an `Update` of the `Group` when it changes.
pub fn set_description(conn: &mut AnyConnection, admin: &Account, markdown: &str) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden("only admins describe the commune".into()));
    }
    let text = markdown.trim().replace("\r\n", "\n");
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(Error::invalid(
            "description",
            format!("must have at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            "description",
            "must not contain control characters",
        ));
    }
    if description(conn, admin.commune_id)? == text {
        return Ok(());
    }
    diesel::update(actors::table.find(admin.commune_id))
        .set((actors::summary.eq(&text), actors::updated_at.eq(now())))
        .execute(conn)?;
    outbox::record(conn, admin.commune_id, Outbound::ActorUpdated)
}

/// An admin sets (or removes) their commune's icon, given its public URL; returns the URL it replaces.
pub fn set_icon(
    conn: &mut AnyConnection,
    admin: &Account,
    url: Option<&str>,
) -> Result<Option<String>> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only admins set the commune's icon".into(),
        ));
    }
    let previous = queries::actor_by_id(conn, admin.commune_id)?.icon_url;
    diesel::update(actors::table.find(admin.commune_id))
        .set((actors::icon_url.eq(url), actors::updated_at.eq(now())))
        .execute(conn)?;
    outbox::record(conn, admin.commune_id, Outbound::ActorUpdated)?;
    Ok(previous)
}
