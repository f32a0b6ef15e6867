//! What the admin sets on the web: the instance's name, description and registration mode, the charter every
//! account accepts, and invitation codes. The configuration file gives the starting values; a value changed on
//! the admin page is kept in the database and wins.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::civic::now;
use crate::config::{InstanceSettings, RegistrationMode};
use crate::db::{AnyConnection, Database};
use crate::error::{Error, Result};
use crate::model::schema::{accounts, charters, invites, site_settings};
use crate::model::{Account, Role};

/// The instance as visitors see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub description: String,
    pub registration: RegistrationMode,
}

/// Longest instance name and description accepted on the admin page.
const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 2_000;
/// Longest charter, in characters.
pub const MAX_CHARTER: usize = 50_000;
/// How long an invitation code stays valid.
pub const INVITE_VALIDITY_DAYS: i64 = 14;

/// The effective settings: the database's values over the configuration file's.
pub fn load(conn: &mut AnyConnection, defaults: &InstanceSettings) -> Result<Site> {
    let rows: Vec<(String, String)> = site_settings::table
        .select((site_settings::key, site_settings::value))
        .load(conn)?;
    let mut site = Site {
        name: defaults.name.clone(),
        description: defaults.description.clone(),
        registration: defaults.registration,
    };
    for (key, value) in rows {
        match key.as_str() {
            "name" => site.name = value,
            "description" => site.description = value,
            "registration" => {
                if let Some(mode) = parse_registration(&value) {
                    site.registration = mode;
                }
            }
            _ => {}
        }
    }
    Ok(site)
}

pub fn parse_registration(value: &str) -> Option<RegistrationMode> {
    match value {
        "open" => Some(RegistrationMode::Open),
        "invite" => Some(RegistrationMode::Invite),
        "closed" => Some(RegistrationMode::Closed),
        _ => None,
    }
}

pub fn registration_name(mode: RegistrationMode) -> &'static str {
    match mode {
        RegistrationMode::Open => "open",
        RegistrationMode::Invite => "invite",
        RegistrationMode::Closed => "closed",
    }
}

/// Who changes the instance's settings: an admin on the web, or whoever runs `parvis admin` on the server.
#[derive(Clone, Copy, Debug)]
pub enum Operator<'a> {
    Admin(&'a Account),
    Console,
}

impl Operator<'_> {
    /// The account acting, after checking it is an admin's; `None` from the console.
    fn check(self) -> Result<Option<crate::ids::ActorId>> {
        match self {
            Operator::Console => Ok(None),
            Operator::Admin(account) if account.role == Role::Admin => Ok(Some(account.actor_id)),
            Operator::Admin(_) => Err(Error::Forbidden("only an admin may change this".into())),
        }
    }
}

fn require_admin(account: &Account) -> Result<()> {
    Operator::Admin(account).check().map(|_| ())
}

/// Changes the instance's settings (admins only).
pub async fn update(db: &Database, admin: &Account, site: Site) -> Result<()> {
    require_admin(admin)?;
    let name = site.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("must have 1 to {MAX_NAME} characters"),
        ));
    }
    let description = site.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(Error::invalid(
            "description",
            format!("must have at most {MAX_DESCRIPTION} characters"),
        ));
    }
    let registration = registration_name(site.registration);
    db.transaction(move |conn| {
        for (key, value) in [
            ("name", name.as_str()),
            ("description", description.as_str()),
            ("registration", registration),
        ] {
            let at = now();
            crate::on_each_backend!(conn, |c| diesel::insert_into(site_settings::table)
                .values((
                    site_settings::key.eq(key),
                    site_settings::value.eq(value),
                    site_settings::updated_at.eq(at),
                ))
                .on_conflict(site_settings::key)
                .do_update()
                .set((
                    site_settings::value.eq(value),
                    site_settings::updated_at.eq(at),
                ))
                .execute(c))?;
        }
        Ok(())
    })
    .await
}

/// One version of the charter.
#[derive(Clone, Debug, Queryable)]
pub struct Charter {
    pub version: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// The charter in force, if the admin wrote one.
pub fn current_charter(conn: &mut AnyConnection) -> Result<Option<Charter>> {
    Ok(charters::table
        .order(charters::version.desc())
        .select((charters::version, charters::body, charters::created_at))
        .first(conn)
        .optional()?)
}

/// Publishes a new version of the charter (admins only): every other account is asked to accept it again.
pub async fn publish_charter(db: &Database, by: Operator<'_>, body: &str) -> Result<Charter> {
    let author = by.check()?;
    let body = body.trim().replace("\r\n", "\n");
    if body.is_empty() || body.chars().count() > MAX_CHARTER {
        return Err(Error::invalid(
            "charter",
            format!("must have 1 to {MAX_CHARTER} characters"),
        ));
    }
    db.transaction(move |conn| {
        let version: i64 = diesel::insert_into(charters::table)
            .values((
                charters::body.eq(&body),
                charters::author_id.eq(author),
                charters::created_at.eq(now()),
            ))
            .returning(charters::version)
            .get_result(conn)?;
        // Whoever wrote it has read it: the admin is not asked to accept their own text.
        if let Some(author) = author {
            diesel::update(accounts::table.find(author))
                .set(accounts::charter_version.eq(Some(version)))
                .execute(conn)?;
        }
        let charter = current_charter(conn)?
            .filter(|c| c.version == version)
            .ok_or_else(|| Error::internal("the new charter was not stored"))?;
        Ok(charter)
    })
    .await
}

/// A new invitation code (admins only), valid for [`INVITE_VALIDITY_DAYS`] and for one registration.
pub async fn create_invite(db: &Database, operator: Operator<'_>) -> Result<String> {
    let by = operator.check()?;
    db.transaction(move |conn| insert_invite(conn, by)).await
}

fn insert_invite(conn: &mut AnyConnection, by: Option<crate::ids::ActorId>) -> Result<String> {
    let code = crate::civic::tokens::random_code(12);
    let at = now();
    diesel::insert_into(invites::table)
        .values((
            invites::code.eq(&code),
            invites::created_by.eq(by),
            invites::created_at.eq(at),
            invites::expires_at.eq(at + Duration::days(INVITE_VALIDITY_DAYS)),
        ))
        .execute(conn)?;
    Ok(code)
}

/// An invitation sent by mail: a new code, and a message with the link that registers with it (in the
/// instance's first language). `base` is the instance's public URL.
pub async fn send_invite(
    db: &Database,
    operator: Operator<'_>,
    base: &url::Url,
    site_name: &str,
    language: Option<&str>,
    address: &str,
) -> Result<String> {
    let by = operator.check()?;
    let address = crate::civic::addresses::normalize(address)?;
    let (base, lang, site_name) = (
        base.clone(),
        crate::mail::messages::Language::of(language),
        site_name.to_string(),
    );
    db.transaction(move |conn| {
        let code = insert_invite(conn, by)?;
        let mut link = base.clone();
        link.set_path("/register");
        link.query_pairs_mut().append_pair("invite", &code);
        crate::mail::enqueue(
            conn,
            &crate::mail::messages::invitation(
                lang,
                &site_name,
                &address,
                link.as_str(),
                INVITE_VALIDITY_DAYS,
            ),
        )?;
        Ok(code)
    })
    .await
}

/// An invitation not used yet.
#[derive(Clone, Debug, Queryable)]
pub struct Invite {
    pub code: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The codes still usable, newest first.
pub fn open_invites(conn: &mut AnyConnection) -> Result<Vec<Invite>> {
    Ok(invites::table
        .filter(invites::used_by.is_null())
        .filter(invites::expires_at.gt(now()))
        .order(invites::created_at.desc())
        .select((invites::code, invites::created_at, invites::expires_at))
        .limit(100)
        .load(conn)?)
}

/// Whether a code can still open an account (a read, before the costly part of registering).
pub fn invite_is_usable(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let found: i64 = invites::table
        .filter(invites::code.eq(code.trim()))
        .filter(invites::used_by.is_null())
        .filter(invites::expires_at.gt(now()))
        .count()
        .get_result(conn)?;
    Ok(found == 1)
}

/// Marks a code used by a new account, in the account's transaction: a code opens one account, even when two
/// people register with it at the same instant.
pub(crate) fn consume_invite(
    conn: &mut AnyConnection,
    code: &str,
    by: crate::ids::ActorId,
) -> Result<()> {
    let code = code.trim();
    let used = diesel::update(
        invites::table
            .filter(invites::code.eq(code))
            .filter(invites::used_by.is_null())
            .filter(invites::expires_at.gt(now())),
    )
    .set((
        invites::used_by.eq(Some(by)),
        invites::used_at.eq(Some(now())),
    ))
    .execute(conn)?;
    if used == 1 {
        Ok(())
    } else {
        Err(Error::invalid(
            "invite",
            "this invitation code is unknown, used or expired",
        ))
    }
}

const MARK_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// A moment kept with the site's settings under `key` (how far a periodic job has looked: the polls told
/// of their closing, the meetings reminded).
pub(crate) fn time_mark(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<chrono::NaiveDateTime>> {
    use crate::model::schema::site_settings;
    let value: Option<String> = site_settings::table
        .find(key)
        .select(site_settings::value)
        .first(conn)
        .optional()?;
    Ok(value.and_then(|v| chrono::NaiveDateTime::parse_from_str(&v, MARK_FORMAT).ok()))
}

/// Keeps a moment under `key` (see [`time_mark`]).
pub(crate) fn set_time_mark(
    conn: &mut AnyConnection,
    key: &str,
    at: chrono::NaiveDateTime,
) -> Result<()> {
    use crate::model::schema::site_settings;
    let value = at.format(MARK_FORMAT).to_string();
    let now = crate::civic::now();
    crate::on_each_backend!(conn, |c| diesel::insert_into(site_settings::table)
        .values((
            site_settings::key.eq(key),
            site_settings::value.eq(&value),
            site_settings::updated_at.eq(now),
        ))
        .on_conflict(site_settings::key)
        .do_update()
        .set((
            site_settings::value.eq(&value),
            site_settings::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}
