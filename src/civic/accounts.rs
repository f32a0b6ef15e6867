//! People's accounts: citizens, officials, moderators, admins; and officials' mandates.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::civic::actors::{display_name, generate_keys, insert_actor};
use crate::civic::now;
use crate::db::{Database, queries};
use crate::error::{Error, Result};
use crate::model::schema::{accounts, mandates};
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
    let username = Username::parse(&new.username).map_err(|m| Error::invalid("username", m))?;
    let shown = display_name(
        "display_name",
        new.display_name.as_deref().unwrap_or(username.as_str()),
    )?;
    let password_hash = match &new.password {
        Some(password) => Some(hash_password(password)?),
        None => None,
    };
    let pair = generate_keys().await?;
    db.transaction(move |conn| {
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
        let actor = insert_actor(conn, ActorKind::Person, &username, &shown, &pair)?;
        let account = Account {
            actor_id: actor.id,
            commune_id: commune.id,
            role: new.role,
            password_hash,
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
    })
    .await
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

/// Records a mandate. Only officials hold mandates: a citizen's profile must never look like an elected one's.
pub async fn add_mandate(db: &Database, new: NewMandate) -> Result<Mandate> {
    let office = display_name("office", &new.office)?;
    let body = display_name("body", &new.governing_body)?;
    if new.until.is_some_and(|until| until < new.since) {
        return Err(Error::invalid("until", "must not be before the start date"));
    }
    let username = new
        .username
        .trim()
        .trim_start_matches('@')
        .to_ascii_lowercase();
    db.transaction(move |conn| {
        let (actor, account) = queries::account_by_username(conn, &username)?
            .ok_or_else(|| Error::NotFound(format!("no account named '{username}'")))?;
        if account.role != Role::Official {
            return Err(Error::invalid(
                "username",
                format!(
                    "'{}' is a {}, not an official: only officials hold mandates",
                    actor.username, account.role
                ),
            ));
        }
        let id = diesel::insert_into(mandates::table)
            .values((
                mandates::account_id.eq(actor.id),
                mandates::office.eq(&office),
                mandates::governing_body.eq(&body),
                mandates::since.eq(new.since),
                mandates::until.eq(new.until),
                mandates::created_at.eq(now()),
            ))
            .returning(mandates::id)
            .get_result::<crate::ids::MandateId>(conn)?;
        Ok(mandates::table
            .find(id)
            .select(Mandate::as_select())
            .first(conn)?)
    })
    .await
}
