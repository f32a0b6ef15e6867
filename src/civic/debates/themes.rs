//! A commune's list of themes, which its debates are filed under.

use diesel::prelude::*;

use super::bounded;
use crate::civic::accounts::speaks_for_commune;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, ThemeId};
use crate::model::schema::themes;
use crate::model::{Account, Theme};

/// A commune's themes, by name.
pub fn themes_of(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<Theme>> {
    Ok(themes::table
        .filter(themes::commune_id.eq(commune))
        .order(themes::name.asc())
        .select(Theme::as_select())
        .load(conn)?)
}

pub const MAX_THEME: usize = 60;

/// Adds a theme to the list of the account's commune.
pub fn add_theme(conn: &mut AnyConnection, account: &Account, name: &str) -> Result<Theme> {
    if !speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins manage the themes".into(),
        ));
    }
    let name = bounded("theme", name, MAX_THEME, true)?;
    let inserted = crate::on_each_backend!(conn, |c| diesel::insert_into(themes::table)
        .values((
            themes::commune_id.eq(account.commune_id),
            themes::name.eq(&name)
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        return Err(Error::invalid("theme", "already exists"));
    }
    Ok(themes::table
        .filter(themes::commune_id.eq(account.commune_id))
        .filter(themes::name.eq(&name))
        .select(Theme::as_select())
        .first(conn)?)
}

/// Removes a theme (its debates stay, without it).
pub fn remove_theme(conn: &mut AnyConnection, account: &Account, id: ThemeId) -> Result<()> {
    if !speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins manage the themes".into(),
        ));
    }
    diesel::delete(
        themes::table
            .filter(themes::id.eq(id))
            .filter(themes::commune_id.eq(account.commune_id)),
    )
    .execute(conn)?;
    Ok(())
}
