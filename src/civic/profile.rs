//! What a person changes about their own account: profile, avatar, language, acceptance of the charter.

use diesel::prelude::*;

use crate::civic::accounts::check_language;
use crate::civic::actors::display_name;
use crate::civic::{now, outbox};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::Outbound;
use crate::model::schema::{accounts, actors};

/// Longest bio, in characters (Mastodon's default is 500 too).
pub const MAX_BIO: usize = 500;

/// A new display name, bio and interface language (`None`: follow the browser).
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub display_name: String,
    pub bio: String,
    pub language: Option<String>,
}

/// Changes a person's profile; followers' servers get an `Update` of the actor.
pub async fn update_profile(db: &Database, actor: ActorId, change: ProfileChange) -> Result<()> {
    let shown = display_name("display_name", &change.display_name)?;
    let bio = change.bio.trim().replace("\r\n", "\n");
    if bio.chars().count() > MAX_BIO {
        return Err(Error::invalid(
            "bio",
            format!("must have at most {MAX_BIO} characters"),
        ));
    }
    if bio.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid("bio", "must not contain control characters"));
    }
    let language = match change.language.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => Some(check_language(l)?),
        None => None,
    };
    db.transaction(move |conn| {
        let before = live_actor(conn, actor)?;
        diesel::update(accounts::table.find(actor))
            .set(accounts::language.eq(&language))
            .execute(conn)?;
        // Only what others see is sent: a new interface language is nobody else's business.
        if before.display_name == shown && before.summary == bio {
            return Ok(());
        }
        diesel::update(actors::table.find(actor))
            .set((
                actors::display_name.eq(&shown),
                actors::summary.eq(&bio),
                actors::updated_at.eq(now()),
            ))
            .execute(conn)?;
        outbox::record(conn, actor, Outbound::ActorUpdated)
    })
    .await
}

/// The actor, unless its account was deleted (a request that raced the deletion changes nothing).
fn live_actor(conn: &mut crate::db::AnyConnection, actor: ActorId) -> Result<crate::model::Actor> {
    let found = crate::db::queries::actor_by_id(conn, actor)?;
    if found.deleted_at.is_some() {
        return Err(Error::NotFound("this account was deleted".into()));
    }
    Ok(found)
}

/// Changes only the interface language (the switch on every page).
pub async fn set_language(db: &Database, actor: ActorId, language: &str) -> Result<()> {
    let language = check_language(language)?;
    db.transaction(move |conn| {
        diesel::update(accounts::table.find(actor))
            .set(accounts::language.eq(Some(&language)))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Records that a person accepted a version of the charter; only the version in force can be accepted.
pub async fn accept_charter(db: &Database, actor: ActorId, version: i64) -> Result<()> {
    db.transaction(move |conn| {
        let current = crate::civic::site::current_charter(conn)?;
        if current.map(|c| c.version) != Some(version) {
            return Err(Error::invalid(
                "charter",
                "this is not the charter in force: read the current one",
            ));
        }
        diesel::update(accounts::table.find(actor))
            .set(accounts::charter_version.eq(Some(version)))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Sets (or removes) a person's avatar, given its public URL; returns the URL it replaces.
pub async fn set_avatar(
    db: &Database,
    actor: ActorId,
    url: Option<String>,
) -> Result<Option<String>> {
    db.transaction(move |conn| {
        let previous = live_actor(conn, actor)?.icon_url;
        diesel::update(actors::table.find(actor))
            .set((actors::icon_url.eq(&url), actors::updated_at.eq(now())))
            .execute(conn)?;
        outbox::record(conn, actor, Outbound::ActorUpdated)?;
        Ok(previous)
    })
    .await
}
