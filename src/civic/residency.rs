//! Residency, verified. Every account has at most one current verification (how, when, until when, by whom
//! or what); `accounts.resident`, which every count reads (a support's category, a poll's eligibility), is
//! kept equal to "has a current verification" by the rules here, and by the pass that ends expired ones.
//! Counts already made keep what they were: a support's category and a vote's eligibility are stored with
//! them, so a verification that ends does not change a closed poll or un-cross a threshold.
//!
//! Methods: by the commune's staff in person; by letter (single-use codes the admin mails to addresses,
//! kept only as hashes; the resident types theirs, tries rate-limited); against a list the town holds
//! (`list`: keyed hashes only); from what an OpenID Connect provider says (`provider`).

pub mod list;
pub mod provider;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::{accounts, actors, residency_letter_codes, residency_verifications};
use crate::model::{Account, CodePurpose, ResidencyMethod, Role, Verification};

/// How long a letter's code works.
pub const LETTER_CODE_LIFE: Duration = Duration::days(90);
/// Letter codes an account may try per hour.
pub const LETTER_ATTEMPTS_PER_HOUR: i64 = 5;
/// The most codes made at once (one mailing).
pub const MAX_LETTERS: usize = 50_000;

/// Someone's current verification, if any (shown to them and to the commune's staff, never to the public).
pub fn current(conn: &mut AnyConnection, account: ActorId) -> Result<Option<Verification>> {
    Ok(residency_verifications::table
        .filter(residency_verifications::account_id.eq(account))
        .filter(residency_verifications::ended_at.is_null())
        .select(Verification::as_select())
        .first(conn)
        .optional()?)
}

/// Records a verification (the one before ends now), and makes the account count as a resident.
fn record(
    conn: &mut AnyConnection,
    account: ActorId,
    method: ResidencyMethod,
    expires_at: Option<NaiveDateTime>,
    by: Option<ActorId>,
    source: &str,
) -> Result<()> {
    if expires_at.is_some_and(|e| e <= now()) {
        return Err(Error::invalid("expires", "must be in the future"));
    }
    end(conn, account)?;
    diesel::insert_into(residency_verifications::table)
        .values((
            residency_verifications::account_id.eq(account),
            residency_verifications::method.eq(method),
            residency_verifications::verified_at.eq(now()),
            residency_verifications::expires_at.eq(expires_at),
            residency_verifications::verified_by.eq(by),
            residency_verifications::source.eq(source),
        ))
        .execute(conn)?;
    diesel::update(accounts::table.find(account))
        .set(accounts::resident.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Ends an account's current verification (if any) now: it stops counting as a resident's from then on.
fn end(conn: &mut AnyConnection, account: ActorId) -> Result<bool> {
    let ended = diesel::update(
        residency_verifications::table
            .filter(residency_verifications::account_id.eq(account))
            .filter(residency_verifications::ended_at.is_null()),
    )
    .set(residency_verifications::ended_at.eq(Some(now())))
    .execute(conn)?;
    diesel::update(accounts::table.find(account))
        .set(accounts::resident.eq(false))
        .execute(conn)?;
    Ok(ended > 0)
}

/// The commune's staff (agents, moderators, admins) of the account's commune.
fn require_staff_of(staff: &Account, commune: ActorId) -> Result<()> {
    if staff.commune_id == commune && crate::civic::accounts::is_staff(staff) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's staff verify residents".into(),
        ))
    }
}

fn account_here(conn: &mut AnyConnection, staff: &Account, username: &str) -> Result<ActorId> {
    let found: Option<ActorId> = actors::table
        .inner_join(accounts::table.on(accounts::actor_id.eq(actors::id)))
        .filter(actors::username.eq(username.trim().trim_start_matches('@')))
        .filter(accounts::commune_id.eq(staff.commune_id))
        .filter(actors::deleted_at.is_null())
        .select(actors::id)
        .first(conn)
        .optional()?;
    found.ok_or_else(|| Error::invalid("username", "no such account here"))
}

/// A staff member verified someone's residency in person (a document seen at the town hall), until
/// `expires_at` if given; or (`resident: false`) withdraws it.
pub fn by_staff(
    conn: &mut AnyConnection,
    staff: &Account,
    username: &str,
    resident: bool,
    expires_at: Option<NaiveDateTime>,
) -> Result<()> {
    require_staff_of(staff, staff.commune_id)?;
    let account = account_here(conn, staff, username)?;
    if resident {
        record(
            conn,
            account,
            ResidencyMethod::Staff,
            expires_at,
            Some(staff.actor_id),
            "seen in person",
        )
    } else {
        end(conn, account).map(drop)
    }
}

/// Ends the verifications whose time is over; returns how many.
pub fn end_expired(conn: &mut AnyConnection) -> Result<usize> {
    let due: Vec<ActorId> = residency_verifications::table
        .filter(residency_verifications::ended_at.is_null())
        .filter(residency_verifications::expires_at.le(now()))
        .select(residency_verifications::account_id)
        .load(conn)?;
    for account in &due {
        end(conn, *account)?;
    }
    Ok(due.len())
}

/// Whether a verification's time is over (without a write lock).
pub fn has_expired(conn: &mut AnyConnection) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        residency_verifications::table
            .filter(residency_verifications::ended_at.is_null())
            .filter(residency_verifications::expires_at.le(now())),
    ))
    .get_result(conn)?)
}

/// The admin makes one single-use code per address for a mailing: returns (address, code) pairs for the
/// mail merge; only the codes' hashes are kept, the addresses not at all.
pub fn letter_codes(
    conn: &mut AnyConnection,
    admin: &Account,
    addresses: &[String],
) -> Result<Vec<(String, String)>> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only admins make residency letters".into(),
        ));
    }
    let addresses: Vec<&String> = addresses.iter().filter(|a| !a.trim().is_empty()).collect();
    if addresses.is_empty() {
        return Err(Error::invalid("addresses", "give at least one address"));
    }
    if addresses.len() > MAX_LETTERS {
        return Err(Error::invalid(
            "addresses",
            format!("at most {MAX_LETTERS} addresses at once"),
        ));
    }
    let mut out = Vec::with_capacity(addresses.len());
    for address in addresses {
        let shown = crate::civic::tokens::short_code();
        diesel::insert_into(residency_letter_codes::table)
            .values((
                residency_letter_codes::commune_id.eq(admin.commune_id),
                residency_letter_codes::code_hash.eq(crate::civic::tokens::short_code_hash(&shown)),
                residency_letter_codes::created_at.eq(now()),
                residency_letter_codes::expires_at.eq(now() + LETTER_CODE_LIFE),
            ))
            .execute(conn)?;
        out.push((address.trim().to_string(), shown));
    }
    Ok(out)
}

/// Counts a try of a letter's code (in its own transaction, before [`by_letter`]).
pub fn count_letter_attempt(conn: &mut AnyConnection, account: &Account) -> Result<()> {
    crate::civic::tokens::count_code_attempt(
        conn,
        account,
        CodePurpose::ResidencyLetter,
        LETTER_ATTEMPTS_PER_HOUR,
    )
}

/// Someone types the code of the letter they received: their residency is verified (until the code's
/// mailing is a year old). A wrong, used or expired code says the same.
pub fn by_letter(conn: &mut AnyConnection, account: &Account, code: &str) -> Result<()> {
    let found: Option<(i64, ActorId)> = residency_letter_codes::table
        .filter(residency_letter_codes::code_hash.eq(crate::civic::tokens::short_code_hash(code)))
        .filter(residency_letter_codes::used_by.is_null())
        .filter(residency_letter_codes::expires_at.gt(now()))
        .select((
            residency_letter_codes::id,
            residency_letter_codes::commune_id,
        ))
        .first(conn)
        .optional()?;
    let Some((id, _)) = found.filter(|(_, commune)| *commune == account.commune_id) else {
        return Err(Error::invalid(
            "code",
            "this code is not valid (wrong, used or expired)",
        ));
    };
    diesel::update(residency_letter_codes::table.find(id))
        .set((
            residency_letter_codes::used_by.eq(Some(account.actor_id)),
            residency_letter_codes::used_at.eq(Some(now())),
        ))
        .execute(conn)?;
    record(
        conn,
        account.actor_id,
        ResidencyMethod::Letter,
        Some(now() + Duration::days(365)),
        None,
        "letter",
    )
}

/// The current verifications of a commune's accounts, with their usernames (for its staff).
pub fn of_commune(
    conn: &mut AnyConnection,
    staff: &Account,
) -> Result<Vec<(Verification, String)>> {
    require_staff_of(staff, staff.commune_id)?;
    Ok(residency_verifications::table
        .inner_join(accounts::table.on(accounts::actor_id.eq(residency_verifications::account_id)))
        .inner_join(actors::table.on(actors::id.eq(residency_verifications::account_id)))
        .filter(accounts::commune_id.eq(staff.commune_id))
        .filter(residency_verifications::ended_at.is_null())
        .order(actors::username.asc())
        .select((Verification::as_select(), actors::username))
        .load(conn)?)
}
