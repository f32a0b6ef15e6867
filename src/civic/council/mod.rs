//! A commune's council, for real: imported from the national register of elected officials (`register`
//! reads the file), kept as records that publish nothing until each official claims theirs with an account
//! (the admin confirms it, or hands over a one-time code); the claimed account then carries the mandate on
//! its profile (an `Update` of its actor goes out). Every import, claim and mandate change is in the audit
//! log where an admin made it.

pub mod commitments;
pub mod offices;
pub mod register;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CouncilMemberId, MandateId};
use crate::model::schema::{accounts, actors, communes, council_members, mandates};
use crate::model::{Account, CouncilMember, ModerationAction, Outbound, Role};
use register::{RegisterRead, RegisterRow};

/// How long a claim code works.
pub const CLAIM_CODE_LIFE: Duration = Duration::days(30);
/// Claim codes an account may try per hour (right or wrong).
pub const CLAIM_ATTEMPTS_PER_HOUR: i64 = 5;

/// What an import did, per commune and in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub lines: u64,
    pub broken: u64,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub ended: usize,
    /// INSEE codes of communes here that the file does not list (nothing of theirs was changed).
    pub unmatched: Vec<String>,
}

/// The INSEE codes of the communes hosted here.
pub fn hosted_codes(conn: &mut AnyConnection) -> Result<HashMap<String, ActorId>> {
    let rows: Vec<(ActorId, Option<String>)> = communes::table
        .select((communes::actor_id, communes::insee_code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, code)| Some((code?, id)))
        .collect())
}

pub fn insee_code(conn: &mut AnyConnection, commune: ActorId) -> Result<Option<String>> {
    Ok(communes::table
        .find(commune)
        .select(communes::insee_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Sets the INSEE code of a commune (what says which lines of the register are its own).
pub fn set_insee(conn: &mut AnyConnection, commune: ActorId, code: &str) -> Result<()> {
    let code = register::check_insee(code)?;
    let taken: Option<ActorId> = communes::table
        .filter(communes::insee_code.eq(&code))
        .filter(communes::actor_id.ne(commune))
        .select(communes::actor_id)
        .first(conn)
        .optional()?;
    if taken.is_some() {
        return Err(Error::invalid(
            "insee",
            format!("{code} is already another commune's code here"),
        ));
    }
    diesel::update(communes::table.find(commune))
        .set(communes::insee_code.eq(Some(code)))
        .execute(conn)?;
    Ok(())
}

/// The council a commune's register lines make: one row per person and mandate (a line repeated keeps its
/// first).
fn by_person(rows: &[RegisterRow]) -> Vec<&RegisterRow> {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|r| seen.insert((&r.family_name, &r.given_name, r.mandate_since)))
        .collect()
}

/// The office a claimed mandate carries: the function, or the plain councillor's.
fn office_of(function: &str) -> String {
    if function.trim().is_empty() {
        "Conseiller·ère municipal·e".to_string()
    } else {
        function.trim().to_string()
    }
}

/// The mandate of a claimed profile follows the register: its office and start, and its end.
fn follow_mandate(
    conn: &mut AnyConnection,
    member: &CouncilMember,
    until: Option<NaiveDate>,
) -> Result<()> {
    let (Some(mandate), Some(account)) = (member.mandate_id, member.account_id) else {
        return Ok(());
    };
    diesel::update(mandates::table.find(mandate))
        .set((
            mandates::office.eq(office_of(&member.function)),
            mandates::since.eq(member.function_since.unwrap_or(member.mandate_since)),
            mandates::until.eq(until),
        ))
        .execute(conn)?;
    outbox::record(conn, account, Outbound::ActorUpdated)
}

/// Applies what was read of the register to the communes hosted here (`codes`: INSEE code → commune), on
/// `today`: new councillors are added, changed functions updated, councillors no longer listed have their
/// mandate ended today. A commune the file does not list is left as it is (and reported). Importing the same
/// file again changes nothing.
pub fn import(
    conn: &mut AnyConnection,
    read: &RegisterRead,
    codes: &HashMap<String, ActorId>,
    today: NaiveDate,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        lines: read.lines,
        broken: read.broken,
        ..ImportReport::default()
    };
    let mut codes: Vec<(&String, &ActorId)> = codes.iter().collect();
    codes.sort();
    for (code, commune) in codes {
        let Some(rows) = read.rows.get(code) else {
            report.unmatched.push(code.clone());
            continue;
        };
        let existing: Vec<CouncilMember> = council_members::table
            .filter(council_members::commune_id.eq(commune))
            .select(CouncilMember::as_select())
            .load(conn)?;
        let mut listed = HashSet::new();
        for row in by_person(rows) {
            let key = (
                row.family_name.clone(),
                row.given_name.clone(),
                row.mandate_since,
            );
            listed.insert(key.clone());
            let found = existing
                .iter()
                .find(|m| (m.family_name.clone(), m.given_name.clone(), m.mandate_since) == key);
            match found {
                Some(m)
                    if m.function == row.function
                        && m.function_since == row.function_since
                        && m.ended_on.is_none() =>
                {
                    report.unchanged += 1;
                }
                Some(m) => {
                    diesel::update(council_members::table.find(m.id))
                        .set((
                            council_members::function.eq(&row.function),
                            council_members::function_since.eq(row.function_since),
                            council_members::ended_on.eq(None::<NaiveDate>),
                            council_members::imported_at.eq(now()),
                        ))
                        .execute(conn)?;
                    let changed = CouncilMember {
                        function: row.function.clone(),
                        function_since: row.function_since,
                        ..m.clone()
                    };
                    follow_mandate(conn, &changed, None)?;
                    report.updated += 1;
                }
                None => {
                    diesel::insert_into(council_members::table)
                        .values((
                            council_members::commune_id.eq(commune),
                            council_members::family_name.eq(&row.family_name),
                            council_members::given_name.eq(&row.given_name),
                            council_members::function.eq(&row.function),
                            council_members::mandate_since.eq(row.mandate_since),
                            council_members::function_since.eq(row.function_since),
                            council_members::imported_at.eq(now()),
                        ))
                        .execute(conn)?;
                    report.created += 1;
                }
            }
        }
        for gone in existing.iter().filter(|m| {
            m.ended_on.is_none()
                && !listed.contains(&(m.family_name.clone(), m.given_name.clone(), m.mandate_since))
        }) {
            diesel::update(council_members::table.find(gone.id))
                .set(council_members::ended_on.eq(Some(today)))
                .execute(conn)?;
            follow_mandate(conn, gone, Some(today))?;
            report.ended += 1;
        }
    }
    Ok(report)
}

/// A commune's council today (mandates not ended): the mayor first, then the deputies, then the others,
/// each with the account that claimed it (its username).
pub fn council(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(CouncilMember, Option<String>)>> {
    let mut rows: Vec<(CouncilMember, Option<String>)> = council_members::table
        .left_join(actors::table.on(council_members::account_id.eq(actors::id.nullable())))
        .filter(council_members::commune_id.eq(commune))
        .filter(council_members::ended_on.is_null())
        .select((CouncilMember::as_select(), actors::username.nullable()))
        .load(conn)?;
    rows.sort_by_key(|(m, _)| {
        (
            rank(&m.function),
            m.family_name.clone(),
            m.given_name.clone(),
        )
    });
    Ok(rows)
}

/// Where a function comes in the council's list: the mayor, the deputies in their order, the others.
fn rank(function: &str) -> (u8, u32) {
    let f = function.to_lowercase();
    if f.starts_with("maire") {
        (0, 0)
    } else if f.contains("adjoint") {
        let order = f
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(99);
        (1, order)
    } else if f.is_empty() {
        (3, 0)
    } else {
        (2, 0)
    }
}

pub fn member(conn: &mut AnyConnection, id: CouncilMemberId) -> Result<CouncilMember> {
    council_members::table
        .find(id)
        .select(CouncilMember::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such councillor".into()))
}

fn require_admin_of(admin: &Account, commune: ActorId) -> Result<()> {
    if admin.role == Role::Admin && admin.commune_id == commune {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's admins manage its council".into(),
        ))
    }
}

/// The admin makes a one-time claim code for a councillor (shown once, valid [`CLAIM_CODE_LIFE`]; a new
/// code replaces the one before).
pub fn issue_claim_code(
    conn: &mut AnyConnection,
    admin: &Account,
    id: CouncilMemberId,
) -> Result<String> {
    let found = member(conn, id)?;
    require_admin_of(admin, found.commune_id)?;
    if found.account_id.is_some() {
        return Err(Error::Conflict("this profile is already claimed".into()));
    }
    let shown = crate::civic::tokens::short_code();
    diesel::update(council_members::table.find(id))
        .set((
            council_members::claim_code_hash
                .eq(Some(crate::civic::tokens::short_code_hash(&shown))),
            council_members::claim_code_expires.eq(Some(now() + CLAIM_CODE_LIFE)),
        ))
        .execute(conn)?;
    crate::civic::moderation::log_admin(
        conn,
        admin,
        ModerationAction::CouncilClaim,
        &found.full_name(),
        "claim code issued",
    )?;
    Ok(shown)
}

/// Links a councillor to the account that claims it: the account becomes an official (a citizen's
/// account; staff accounts do not hold mandates) and carries the mandate.
fn link(conn: &mut AnyConnection, found: &CouncilMember, account: ActorId) -> Result<MandateId> {
    if found.account_id.is_some() {
        return Err(Error::Conflict("this profile is already claimed".into()));
    }
    if found.ended_on.is_some() {
        return Err(Error::Conflict("this mandate has ended".into()));
    }
    let (role, commune): (Role, ActorId) = accounts::table
        .find(account)
        .select((accounts::role, accounts::commune_id))
        .first(conn)?;
    if commune != found.commune_id {
        return Err(Error::invalid(
            "username",
            "the account is not of this councillor's commune",
        ));
    }
    match role {
        Role::Official => {}
        Role::Citizen => {
            diesel::update(accounts::table.find(account))
                .set(accounts::role.eq(Role::Official))
                .execute(conn)?;
        }
        other => {
            return Err(Error::invalid(
                "username",
                format!("a {other} account does not hold mandates: claim with a personal account"),
            ));
        }
    }
    let commune_name: String = actors::table
        .find(found.commune_id)
        .select(actors::display_name)
        .first(conn)?;
    let mandate: MandateId =
        crate::on_each_backend!(conn, |c| diesel::insert_into(mandates::table)
            .values((
                mandates::account_id.eq(account),
                mandates::office.eq(office_of(&found.function)),
                mandates::governing_body.eq(format!("Conseil municipal de {commune_name}")),
                mandates::since.eq(found.function_since.unwrap_or(found.mandate_since)),
                mandates::until.eq(None::<NaiveDate>),
                mandates::created_at.eq(now()),
            ))
            .returning(mandates::id)
            .get_result(c))?;
    diesel::update(council_members::table.find(found.id))
        .set((
            council_members::account_id.eq(Some(account)),
            council_members::mandate_id.eq(Some(mandate)),
            council_members::claim_code_hash.eq(None::<String>),
            council_members::claim_code_expires.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    outbox::record(conn, account, Outbound::ActorUpdated)?;
    Ok(mandate)
}

/// The admin confirms that an account is a councillor's.
pub fn confirm_claim(
    conn: &mut AnyConnection,
    admin: &Account,
    id: CouncilMemberId,
    username: &str,
) -> Result<()> {
    let found = member(conn, id)?;
    require_admin_of(admin, found.commune_id)?;
    let (actor, _) =
        crate::db::queries::account_by_username(conn, username.trim().trim_start_matches('@'))?
            .ok_or_else(|| Error::invalid("username", "no such account"))?;
    link(conn, &found, actor.id)?;
    crate::civic::moderation::log_admin(
        conn,
        admin,
        ModerationAction::CouncilClaim,
        &found.full_name(),
        &format!("confirmed as @{}", actor.username),
    )?;
    Ok(())
}

/// Counts a claim-code try of an account (see `civic::tokens::count_code_attempt`). Run in its own
/// transaction before [`claim_with_code`], so that a wrong code (whose transaction is rolled back) still
/// counts.
pub fn count_claim_attempt(conn: &mut AnyConnection, account: &Account) -> Result<()> {
    crate::civic::tokens::count_code_attempt(
        conn,
        account,
        crate::model::CodePurpose::CouncilClaim,
        CLAIM_ATTEMPTS_PER_HOUR,
    )
}

/// An official claims their profile with the code the admin gave them (after [`count_claim_attempt`]). A
/// wrong, used or expired code says the same.
pub fn claim_with_code(
    conn: &mut AnyConnection,
    account: &Account,
    code: &str,
) -> Result<CouncilMemberId> {
    let found: Option<CouncilMember> = council_members::table
        .filter(council_members::claim_code_hash.eq(crate::civic::tokens::short_code_hash(code)))
        .filter(council_members::claim_code_expires.gt(now()))
        .select(CouncilMember::as_select())
        .first(conn)
        .optional()?;
    let Some(found) = found else {
        return Err(Error::invalid(
            "code",
            "this code is not valid (wrong, used or expired)",
        ));
    };
    link(conn, &found, account.actor_id)?;
    Ok(found.id)
}
