//! Suspensions of local accounts: who may suspend whom, for how long, and lifting a suspension.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::log;
use super::{MAX_NOTE, require_moderator};
use crate::civic::debates::bounded;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::{accounts, actors, api_tokens};
use crate::model::{Account, ModerationAction as Action, Role};

/// The longest suspension for a time, in days; longer is for good.
pub const MAX_SUSPENSION_DAYS: i64 = 3_650;

/// A suspension for good ends in the year 9999.
pub fn forever() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

/// Suspends a local account for `days`, or for good: it can neither sign in nor use its tokens (they are
/// revoked) until then. See [`may_suspend`] for who may.
pub(super) fn suspend(
    conn: &mut AnyConnection,
    moderator: &Account,
    who: ActorId,
    days: Option<i64>,
) -> Result<()> {
    let account: Account = accounts::table
        .find(who)
        .select(Account::as_select())
        .first(conn)?;
    may_suspend(moderator, &account)?;
    let until = match days {
        None => forever(),
        Some(d) if (1..=MAX_SUSPENSION_DAYS).contains(&d) => now() + chrono::Duration::days(d),
        Some(_) => {
            return Err(Error::invalid(
                "days",
                format!("a suspension lasts 1 to {MAX_SUSPENSION_DAYS} days, or is for good"),
            ));
        }
    };
    diesel::update(accounts::table.find(who))
        .set(accounts::suspended_until.eq(Some(until)))
        .execute(conn)?;
    diesel::delete(api_tokens::table.filter(api_tokens::account_id.eq(who))).execute(conn)?;
    Ok(())
}

/// Who suspends an account, or lifts its suspension: the moderators of its own commune; an admin, for an
/// account of another commune or one who speaks for a commune.
fn may_suspend(moderator: &Account, account: &Account) -> Result<()> {
    if moderator.role == Role::Admin {
        return Ok(());
    }
    if account.commune_id != moderator.commune_id {
        return Err(Error::Forbidden(
            "only an admin suspends someone of another commune".into(),
        ));
    }
    if crate::civic::accounts::speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only an admin suspends an official, a moderator or an admin".into(),
        ));
    }
    Ok(())
}

/// A moderator lifts a suspension before its end (with the same rights as to suspend).
pub fn lift(
    conn: &mut AnyConnection,
    moderator: &Account,
    username: &str,
    note: &str,
) -> Result<()> {
    let note = bounded("note", note, MAX_NOTE, false)?;
    let (actor, account) = crate::db::queries::account_by_username(conn, username)?
        .ok_or_else(|| Error::NotFound(format!("no account {username}")))?;
    require_moderator(moderator, moderator.commune_id)?;
    may_suspend(moderator, &account)?;
    if account.suspended_until.is_none() {
        return Err(Error::Conflict(format!("@{username} is not suspended")));
    }
    diesel::update(accounts::table.find(account.actor_id))
        .set(accounts::suspended_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    log(
        conn,
        moderator,
        account.commune_id,
        Action::Lift,
        None,
        &actor.path(),
        "other",
        &note,
    )?;
    Ok(())
}

/// The accounts of the moderator's commune suspended now: username and until when.
pub fn suspended(
    conn: &mut AnyConnection,
    moderator: &Account,
) -> Result<Vec<(String, NaiveDateTime)>> {
    require_moderator(moderator, moderator.commune_id)?;
    Ok(accounts::table
        .inner_join(actors::table)
        .filter(accounts::commune_id.eq(moderator.commune_id))
        .filter(accounts::suspended_until.gt(now()))
        .order(actors::username.asc())
        .select((
            actors::username,
            accounts::suspended_until.assume_not_null(),
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, commune: i64, role: Role) -> Account {
        Account::for_tests(id, commune, role)
    }

    #[test]
    fn who_may_suspend_whom() {
        let modo = account(1, 100, Role::Moderator);
        let admin = account(2, 100, Role::Admin);
        let citizen_here = account(3, 100, Role::Citizen);
        let citizen_there = account(4, 200, Role::Citizen);
        let official_here = account(5, 100, Role::Official);
        assert!(may_suspend(&modo, &citizen_here).is_ok());
        assert!(
            may_suspend(&modo, &citizen_there).is_err(),
            "another commune's"
        );
        assert!(
            may_suspend(&modo, &official_here).is_err(),
            "one who speaks for it"
        );
        assert!(may_suspend(&admin, &official_here).is_ok());
        assert!(may_suspend(&admin, &citizen_there).is_ok());
    }

    #[test]
    fn for_good_is_far_away() {
        assert!(forever() > now() + chrono::Duration::days(MAX_SUSPENSION_DAYS * 100));
    }
}
