//! People's accounts: citizens, officials, moderators, admins; and officials' mandates.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::civic::actors::{display_name, generate_keys, insert_actor};
use crate::civic::site::Site;
use crate::config::RegistrationMode;
use crate::db::{AnyConnection, Database, queries};
use crate::error::{Error, Result};
use crate::model::schema::accounts;
use crate::model::{Account, Actor, ActorKind, Mandate, Role, Username};

/// What it takes to open an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    /// The commune's name; the instance's default commune when absent.
    pub commune: Option<String>,
    /// Shown instead of the username; the username when absent.
    pub display_name: Option<String>,
    /// Absent for accounts that only use API tokens for now.
    pub password: Option<String>,
}

/// Opens an account (a `Person` actor) in a commune.
pub async fn create_account(db: &Database, new: NewAccount) -> Result<(Actor, Account)> {
    let checked = check_new(&new).await?;
    let pair = generate_keys().await?;
    db.transaction(move |conn| insert_account(conn, &new, &checked, &pair))
        .await
}

/// A new account's validated name, display name and password hash.
struct Checked {
    username: Username,
    shown: String,
    password_hash: Option<String>,
}

/// Checks a new account's names and hashes its password (Argon2 takes tens of milliseconds of CPU: off the
/// async runtime).
async fn check_new(new: &NewAccount) -> Result<Checked> {
    let username = Username::parse(&new.username).map_err(|m| Error::invalid("username", m))?;
    let shown = display_name(
        "display_name",
        new.display_name
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(username.as_str()),
    )?;
    let password_hash = match new.password.clone() {
        Some(password) => Some(
            tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(Error::internal)??,
        ),
        None => None,
    };
    Ok(Checked {
        username,
        shown,
        password_hash,
    })
}

fn insert_account(
    conn: &mut AnyConnection,
    new: &NewAccount,
    checked: &Checked,
    pair: &crate::civic::keys::KeyPair,
) -> Result<(Actor, Account)> {
    let commune = match &new.commune {
        Some(slug) => queries::actor_of_kind(conn, ActorKind::Commune, &slug.to_ascii_lowercase())?
            .ok_or_else(|| Error::NotFound(format!("no commune named '{slug}'")))?,
        None => queries::default_commune(conn)?.ok_or_else(|| {
            Error::invalid(
                "commune",
                "this instance has no commune yet: create one first (parvis admin commune create)",
            )
        })?,
    };
    let actor = insert_actor(
        conn,
        ActorKind::Person,
        &checked.username,
        &checked.shown,
        pair,
    )?;
    let account = Account {
        resident: false,
        actor_id: actor.id,
        commune_id: commune.id,
        role: new.role,
        password_hash: checked.password_hash.clone(),
        language: None,
        charter_version: None,
        suspended_until: None,
        email: None,
        email_confirmed_at: None,
        email_prompt_dismissed: false,
        credentials_changed_at: None,
    };
    diesel::insert_into(accounts::table)
        .values((
            accounts::actor_id.eq(account.actor_id),
            accounts::commune_id.eq(account.commune_id),
            accounts::role.eq(account.role),
            accounts::password_hash.eq(&account.password_hash),
        ))
        .execute(conn)?;
    Ok((actor, account))
}

/// What a person fills in to join the instance on the web.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// Required when registration is by invitation.
    pub invite: Option<String>,
    /// The charter version the person read and accepted; must be the one in force.
    pub charter_version: Option<i64>,
    /// The interface language chosen while registering.
    pub language: Option<String>,
    /// The person's email address, confirmed by a link sent there.
    pub email: String,
    /// The commune's newsletter is wanted (sent once the address is confirmed).
    pub newsletter: bool,
}

/// Opens a citizen's account in the default commune, following the registration mode: refused when closed,
/// with a single-use invitation code in `invite` mode, and only once the charter in force is accepted.
/// `base` is the instance's public URL, for the confirmation link.
pub async fn register(
    db: &Database,
    site: &Site,
    base: &url::Url,
    reg: Registration,
) -> Result<(Actor, Account)> {
    if site.registration == RegistrationMode::Closed {
        return Err(Error::Forbidden(
            "registration is closed on this instance".into(),
        ));
    }
    let invite = match site.registration {
        RegistrationMode::Invite => Some(
            reg.invite
                .clone()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .ok_or_else(|| Error::invalid("invite", "an invitation code is required"))?,
        ),
        _ => None,
    };
    let language = match reg.language.as_deref() {
        Some(l) => Some(check_language(l)?),
        None => None,
    };
    let email = crate::civic::addresses::normalize(&reg.email)?;
    let (base, site_name) = (base.clone(), site.name.clone());
    let new = NewAccount {
        username: reg.username.clone(),
        role: Role::Citizen,
        commune: None,
        display_name: Some(reg.display_name.clone()),
        password: Some(reg.password.clone()),
    };
    if let Some(code) = invite.clone() {
        // A cheap look first, so that a wrong code costs no password hash and no key pair; the code is
        // taken for good in the account's transaction below.
        let usable = db
            .run(move |conn| crate::civic::site::invite_is_usable(conn, &code))
            .await?;
        if !usable {
            return Err(Error::invalid(
                "invite",
                "this invitation code is unknown, used or expired",
            ));
        }
    }
    let checked = check_new(&new).await?;
    let pair = generate_keys().await?;
    let (accepted, newsletter) = (reg.charter_version, reg.newsletter);
    db.transaction(move |conn| {
        let charter = crate::civic::site::current_charter(conn)?;
        if let Some(charter) = &charter
            && accepted != Some(charter.version)
        {
            return Err(Error::invalid(
                "charter",
                "the charter must be read and accepted",
            ));
        }
        let (actor, mut account) = insert_account(conn, &new, &checked, &pair)?;
        if let Some(code) = &invite {
            crate::civic::site::consume_invite(conn, code, actor.id)?;
        }
        account.charter_version = charter.map(|c| c.version);
        account.language = language;
        diesel::update(accounts::table.find(actor.id))
            .set((
                accounts::charter_version.eq(account.charter_version),
                accounts::language.eq(&account.language),
            ))
            .execute(conn)?;
        crate::civic::addresses::request_confirmation(conn, &base, &site_name, &account, &email)?;
        account.email = Some(email.clone());
        if newsletter {
            crate::civic::newsletter::set_subscribed(conn, &account, true)?;
        }
        Ok((actor, account))
    })
    .await
}

/// The languages of the web interface.
pub const LANGUAGES: &[&str] = &["fr", "en"];

pub(crate) fn check_language(code: &str) -> Result<String> {
    LANGUAGES
        .iter()
        .find(|l| **l == code)
        .map(|l| l.to_string())
        .ok_or_else(|| {
            Error::invalid(
                "language",
                format!("must be one of {}", LANGUAGES.join(", ")),
            )
        })
}

/// The account behind a username and password. The same error, and about the same time, whether the name is
/// unknown or the password wrong, so that a login form does not tell which accounts exist.
pub async fn verify_login(
    db: &Database,
    username: &str,
    password: &str,
) -> Result<(Actor, Account)> {
    let name = username.trim().trim_start_matches('@').to_ascii_lowercase();
    let found = db
        .run(move |conn| queries::account_by_username(conn, &name))
        .await?
        .filter(|(actor, _)| actor.deleted_at.is_none());
    let password = password.to_string();
    let stored = found
        .as_ref()
        .and_then(|(_, account)| account.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .map_err(Error::internal)?;
    match found {
        Some((_, account)) if matches && account.suspended().is_some() => {
            Err(Error::Forbidden(suspension_message(&account)))
        }
        Some(pair) if matches => Ok(pair),
        _ => Err(Error::Unauthorized("wrong username or password".into())),
    }
}

/// What a suspended person is told when they try to sign in or use a token.
pub fn suspension_message(account: &Account) -> String {
    match account.suspended() {
        Some(until) if until >= crate::civic::moderation::forever() => {
            "this account is suspended for good by the moderators".into()
        }
        Some(until) => format!(
            "this account is suspended by the moderators until {} UTC",
            until.format("%Y-%m-%d %H:%M")
        ),
        None => String::new(),
    }
}

/// Checked against when the account does not exist, so that the answer takes as long as for a real one: the
/// hash of a random password nobody knows, made once.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let secret = crate::civic::tokens::random_code(24);
    hash_password(&secret).unwrap_or_default()
});

/// Whether an account speaks for its commune: officials, moderators and admins publish in its name, open
/// its debates and manage them; citizens do not.
pub fn speaks_for_commune(account: &Account) -> bool {
    matches!(account.role, Role::Official | Role::Moderator | Role::Admin)
}

/// An admin marks an account of the commune as a resident, or not (until residents verify themselves).
pub fn set_resident(
    conn: &mut AnyConnection,
    admin: &Account,
    username: &str,
    resident: bool,
) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden("only admins mark residents".into()));
    }
    crate::civic::residency::by_staff(conn, admin, username, resident, None)
}

/// Whether an account speaks for a given commune (its own).
/// The commune's staff: agents, moderators and admins (who handle problem reports).
pub fn is_staff(account: &Account) -> bool {
    matches!(account.role, Role::Agent | Role::Moderator | Role::Admin)
}

/// Staff of that commune.
pub fn is_staff_of(account: &Account, commune: crate::ids::ActorId) -> bool {
    account.commune_id == commune && is_staff(account)
}

/// Gives an account of the admin's commune (any commune from the console) another role.
pub fn set_role(
    conn: &mut AnyConnection,
    operator: crate::civic::site::Operator<'_>,
    username: &str,
    role: Role,
) -> Result<()> {
    use crate::model::schema::{accounts, actors};
    let commune = match operator {
        crate::civic::site::Operator::Admin(admin) => {
            if admin.role != Role::Admin {
                return Err(Error::Forbidden("only admins change roles".into()));
            }
            Some(admin.commune_id)
        }
        crate::civic::site::Operator::Console => None,
    };
    let found: Option<(crate::ids::ActorId, crate::ids::ActorId, Role)> = actors::table
        .inner_join(accounts::table.on(accounts::actor_id.eq(actors::id)))
        .filter(actors::username.eq(username.trim()))
        .filter(actors::deleted_at.is_null())
        .select((actors::id, accounts::commune_id, accounts::role))
        .first(conn)
        .optional()?;
    let Some((id, of, current)) = found.filter(|(_, of, _)| commune.is_none_or(|c| c == *of))
    else {
        return Err(Error::invalid(
            "username",
            format!("no account {} in this commune", username.trim()),
        ));
    };
    if current == Role::Admin && role != Role::Admin {
        let admins: i64 = accounts::table
            .inner_join(actors::table.on(actors::id.eq(accounts::actor_id)))
            .filter(accounts::commune_id.eq(of))
            .filter(accounts::role.eq(Role::Admin))
            .filter(actors::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        if admins <= 1 {
            return Err(Error::invalid(
                "role",
                "this is the commune's last admin: make someone else admin first",
            ));
        }
    }
    diesel::update(accounts::table.find(id))
        .set(accounts::role.eq(role))
        .execute(conn)?;
    Ok(())
}

pub fn speaks_for(account: &Account, commune: crate::ids::ActorId) -> bool {
    account.commune_id == commune && speaks_for_commune(account)
}

/// Hashes a password with Argon2id (the `argon2` crate's defaults follow OWASP's recommendation).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 10 {
        return Err(Error::invalid(
            "password",
            "must have at least 10 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(Error::invalid("password", "must have at most 1024 bytes"));
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// An elected office to record on an official's profile.
#[derive(Debug, Clone)]
pub struct NewMandate {
    pub username: String,
    pub office: String,
    pub governing_body: String,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Records a mandate from the console (see `civic::council::offices`). Only officials hold mandates: a
/// citizen's profile must never look like an elected one's.
pub async fn add_mandate(db: &Database, new: NewMandate) -> Result<Mandate> {
    db.transaction(move |conn| {
        crate::civic::council::offices::add(
            conn,
            crate::civic::site::Operator::Console,
            &new.username,
            &crate::civic::council::offices::MandateFields {
                office: new.office.clone(),
                governing_body: new.governing_body.clone(),
                since: new.since,
                until: new.until,
            },
        )
    })
    .await
}
