//! Email addresses and the links sent to them: an address confirmed by a single-use link before it is
//! used (until then the account reads but does not write), "forgot your password?" (the same answer
//! whether or not the address is known), a first password for an account an admin created, and a password
//! changed in the settings. A new password ends the account's other sessions and its API tokens.
//!
//! Links carry 256 random bits; only their SHA-256 is stored. A person gets at most
//! [`LINKS_PER_HOUR`] links of a kind an hour, so that nobody can flood a mailbox from the forms.

use chrono::Duration;
use diesel::prelude::*;
use url::Url;

use crate::civic::now;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::mail::enqueue;
use crate::mail::messages::{self, Language};
use crate::model::Account;
use crate::model::schema::{accounts, actors, api_tokens, email_tokens};

/// Links of one kind sent to an account per hour at most (more requests are answered the same, and send
/// nothing).
pub const LINKS_PER_HOUR: i64 = 3;

/// What a link does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms an address (after registration, or a change in the settings).
    Confirm,
    /// Sets a new password after "forgot your password?".
    Reset,
    /// Sets the first password of an account an admin created.
    SetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
            Purpose::SetPassword => "set_password",
        }
    }

    fn validity(self) -> Duration {
        match self {
            Purpose::Confirm => Duration::hours(48),
            Purpose::Reset => Duration::hours(1),
            Purpose::SetPassword => Duration::days(7),
        }
    }

    /// The page the link opens.
    fn path(self) -> &'static str {
        match self {
            Purpose::Confirm => "/email/confirm",
            Purpose::Reset | Purpose::SetPassword => "/password/reset",
        }
    }
}

/// An address as stored: trimmed, lowercase, one that mail can be sent to.
pub fn normalize(raw: &str) -> Result<String> {
    let address = raw.trim().to_lowercase();
    if address.is_empty() {
        return Err(Error::invalid("email", "an email address is required"));
    }
    if address.len() > 254 || address.chars().any(char::is_control) {
        return Err(Error::invalid("email", "is not an email address"));
    }
    address
        .parse::<lettre::Address>()
        .map_err(|_| Error::invalid("email", "is not an email address"))?;
    Ok(address)
}

/// Whether an account may write (post, comment, support, vote): not while the address it gave is waiting
/// for confirmation. An account without an address is not held back.
pub fn may_write(account: &Account) -> Result<()> {
    match (&account.email, account.email_confirmed_at) {
        (Some(address), None) => Err(Error::Forbidden(format!(
            "confirm your email address first: follow the link sent to {address}"
        ))),
        _ => Ok(()),
    }
}

fn digest(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a link for `purpose`, unless the account already got [`LINKS_PER_HOUR`] of them in the last
/// hour (`None` then).
fn issue(
    conn: &mut AnyConnection,
    base: &Url,
    account: ActorId,
    purpose: Purpose,
    address: &str,
) -> Result<Option<String>> {
    let recent: i64 = email_tokens::table
        .filter(email_tokens::account_id.eq(account))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::created_at.gt(now() - Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if recent >= LINKS_PER_HOUR {
        tracing::info!(%account, purpose = purpose.as_str(), "link not sent: too many in the last hour");
        return Ok(None);
    }
    let token = crate::civic::tokens::random_code(32);
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::account_id.eq(account),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::address.eq(address),
            email_tokens::token_sha256.eq(digest(&token)),
            email_tokens::created_at.eq(now()),
            email_tokens::expires_at.eq(now() + purpose.validity()),
        ))
        .execute(conn)?;
    let mut link = base.clone();
    link.set_path(purpose.path());
    link.query_pairs_mut().append_pair("token", &token);
    Ok(Some(link.to_string()))
}

/// Who a link was for, if it is live: issued for one of `purposes`, not used, not expired. The error says
/// which of these it is not, for the page that opens it.
fn live_link(
    conn: &mut AnyConnection,
    token: &str,
    purposes: &[Purpose],
) -> Result<(ActorId, String)> {
    let names: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
    let found: Option<(
        ActorId,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = email_tokens::table
        .filter(email_tokens::token_sha256.eq(digest(token.trim())))
        .filter(email_tokens::purpose.eq_any(&names))
        .select((
            email_tokens::account_id,
            email_tokens::address,
            email_tokens::expires_at,
            email_tokens::used_at,
        ))
        .first(conn)
        .optional()?;
    match found {
        None => Err(Error::NotFound(
            "this link is not valid: copy the whole link from the message, or ask for a new one"
                .into(),
        )),
        Some((_, _, _, Some(_))) => Err(Error::Gone(
            "this link was already used: ask for a new one if you need it".into(),
        )),
        Some((_, _, expires, None)) if expires <= now() => Err(Error::Gone(
            "this link has expired: ask for a new one".into(),
        )),
        Some((account, address, _, None)) => Ok((account, address)),
    }
}

fn language_and_name(conn: &mut AnyConnection, account: ActorId) -> Result<(Language, String)> {
    let (actor, account) = queries::account_by_id(conn, account)?
        .ok_or_else(|| Error::NotFound("no such account".into()))?;
    Ok((
        Language::of(account.language.as_deref()),
        actor.username.to_string(),
    ))
}

/// Another account already uses the address.
fn taken_by_another(conn: &mut AnyConnection, account: ActorId, address: &str) -> Result<bool> {
    Ok(accounts::table
        .filter(accounts::email.eq(address))
        .filter(accounts::actor_id.ne(account))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Gives an account an address, or changes it: a confirmation link goes to the new address. A first
/// address is stored at once, unconfirmed (the account writes again once it is confirmed); a confirmed one
/// stays in use until the new one is confirmed.
pub fn request_confirmation(
    conn: &mut AnyConnection,
    base: &Url,
    site: &str,
    account: &Account,
    raw: &str,
) -> Result<()> {
    let address = normalize(raw)?;
    if taken_by_another(conn, account.actor_id, &address)? {
        return Err(Error::invalid(
            "email",
            "this address is already used by another account",
        ));
    }
    if account.email.as_deref() == Some(&address) && account.email_confirmed_at.is_some() {
        return Ok(());
    }
    if account.email_confirmed_at.is_none() {
        diesel::update(accounts::table.find(account.actor_id))
            .set(accounts::email.eq(Some(&address)))
            .execute(conn)?;
    }
    if let Some(link) = issue(conn, base, account.actor_id, Purpose::Confirm, &address)? {
        let lang = Language::of(account.language.as_deref());
        enqueue(
            conn,
            &messages::confirm_address(lang, site, &address, &link),
        )?;
    }
    Ok(())
}

/// Confirms an address by its link; the previous address, if there was one, is told. Returns the account.
pub fn confirm(conn: &mut AnyConnection, site: &str, token: &str) -> Result<ActorId> {
    let (account, address) = live_link(conn, token, &[Purpose::Confirm])?;
    if taken_by_another(conn, account, &address)? {
        return Err(Error::Conflict(
            "this address was confirmed by another account meanwhile".into(),
        ));
    }
    let before: (Option<String>, Option<chrono::NaiveDateTime>) = accounts::table
        .find(account)
        .select((accounts::email, accounts::email_confirmed_at))
        .first(conn)?;
    diesel::update(accounts::table.find(account))
        .set((
            accounts::email.eq(Some(&address)),
            accounts::email_confirmed_at.eq(Some(now())),
        ))
        .execute(conn)?;
    // This link is used; the others sent for confirmation are void.
    diesel::update(
        email_tokens::table
            .filter(email_tokens::account_id.eq(account))
            .filter(email_tokens::purpose.eq(Purpose::Confirm.as_str()))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(Some(now())))
    .execute(conn)?;
    if let (Some(old), Some(_)) = before
        && old != address
    {
        let (lang, _) = language_and_name(conn, account)?;
        enqueue(conn, &messages::address_changed(lang, site, &old, &address))?;
    }
    Ok(account)
}

/// "Forgot your password?": a link to a confirmed address of an account here. The same `Ok` whether or
/// not an account has the address, so that the form tells nobody who is registered.
pub fn request_reset(conn: &mut AnyConnection, base: &Url, site: &str, raw: &str) -> Result<()> {
    let address = normalize(raw)?;
    let found: Option<ActorId> = accounts::table
        .inner_join(actors::table.on(actors::id.eq(accounts::actor_id)))
        .filter(accounts::email.eq(&address))
        .filter(accounts::email_confirmed_at.is_not_null())
        .filter(actors::deleted_at.is_null())
        .select(accounts::actor_id)
        .first(conn)
        .optional()?;
    let Some(account) = found else {
        return Ok(());
    };
    if let Some(link) = issue(conn, base, account, Purpose::Reset, &address)? {
        let (lang, name) = language_and_name(conn, account)?;
        enqueue(
            conn,
            &messages::reset_password(lang, site, &address, &name, &link),
        )?;
    }
    Ok(())
}

/// For an account an admin created with an address: the link that sets its first password (which also
/// confirms the address, since it was followed from there).
pub fn send_set_password(
    conn: &mut AnyConnection,
    base: &Url,
    site: &str,
    account: ActorId,
    raw: &str,
) -> Result<()> {
    let address = normalize(raw)?;
    if taken_by_another(conn, account, &address)? {
        return Err(Error::invalid(
            "email",
            "this address is already used by another account",
        ));
    }
    diesel::update(accounts::table.find(account))
        .set(accounts::email.eq(Some(&address)))
        .execute(conn)?;
    if let Some(link) = issue(conn, base, account, Purpose::SetPassword, &address)? {
        let (lang, name) = language_and_name(conn, account)?;
        enqueue(
            conn,
            &messages::set_password(lang, site, &address, &name, &link),
        )?;
    }
    Ok(())
}

/// Whether a password link is live (for the page that asks the new password).
pub fn check_password_link(conn: &mut AnyConnection, token: &str) -> Result<ActorId> {
    live_link(conn, token, &[Purpose::Reset, Purpose::SetPassword]).map(|(account, _)| account)
}

/// Sets the password a link was sent for (`hash`: made by [`crate::civic::accounts::hash_password`]); the
/// link is used, and the account's other sessions and API tokens end. A link followed from the address also
/// confirms it. Returns the account.
pub fn reset_password(conn: &mut AnyConnection, token: &str, hash: &str) -> Result<ActorId> {
    let (account, address) = live_link(conn, token, &[Purpose::Reset, Purpose::SetPassword])?;
    diesel::update(
        email_tokens::table
            .filter(email_tokens::account_id.eq(account))
            .filter(email_tokens::purpose.ne(Purpose::Confirm.as_str()))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(Some(now())))
    .execute(conn)?;
    let current: Option<String> = accounts::table
        .find(account)
        .select(accounts::email)
        .first(conn)?;
    if current.as_deref() == Some(&address) {
        diesel::update(
            accounts::table
                .find(account)
                .filter(accounts::email_confirmed_at.is_null()),
        )
        .set(accounts::email_confirmed_at.eq(Some(now())))
        .execute(conn)?;
    }
    new_password(conn, account, hash)?;
    Ok(account)
}

/// Stores a new password: sessions opened before now end, and the account's API tokens are revoked.
pub fn new_password(conn: &mut AnyConnection, account: ActorId, hash: &str) -> Result<()> {
    diesel::update(accounts::table.find(account))
        .set((
            accounts::password_hash.eq(Some(hash)),
            accounts::credentials_changed_at.eq(Some(now())),
        ))
        .execute(conn)?;
    diesel::delete(api_tokens::table.filter(api_tokens::account_id.eq(account))).execute(conn)?;
    Ok(())
}

/// The person does not want to give an address now (they are not asked again at sign-in).
pub fn dismiss_prompt(conn: &mut AnyConnection, account: ActorId) -> Result<()> {
    diesel::update(accounts::table.find(account))
        .set(accounts::email_prompt_dismissed.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Hashes a password off the async threads (Argon2 takes tens of milliseconds).
async fn hashed(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || crate::civic::accounts::hash_password(&password))
        .await
        .map_err(Error::internal)?
}

/// Sets a new password by a link from the mail; see [`reset_password`].
pub async fn reset_with_link(
    db: &crate::db::Database,
    token: &str,
    password: &str,
) -> Result<ActorId> {
    let token = token.to_string();
    let check = token.clone();
    // A dead link is told before the password is hashed (and before a weak one is refused).
    db.run(move |conn| check_password_link(conn, &check))
        .await?;
    let hash = hashed(password.to_string()).await?;
    db.transaction(move |conn| reset_password(conn, &token, &hash))
        .await
}

/// A person changes their password in the settings: the current one is asked first, unless the account
/// has none (one opened by the sign-in provider: the person, signed in, gives it its first). The account's
/// other sessions and its API tokens end.
pub async fn change_password(
    db: &crate::db::Database,
    actor: ActorId,
    username: &str,
    current: &str,
    new: &str,
) -> Result<ActorId> {
    let has_password = db
        .run(move |conn| {
            Ok(crate::db::queries::account_by_id(conn, actor)?
                .is_some_and(|(_, account)| account.password_hash.is_some()))
        })
        .await?;
    if has_password {
        crate::civic::accounts::verify_login(db, username, current)
            .await
            .map_err(|e| match e {
                Error::Unauthorized(_) => {
                    Error::invalid("current_password", "is not your password")
                }
                other => other,
            })?;
    }
    let hash = hashed(new.to_string()).await.map_err(|e| match e {
        Error::Invalid { message, .. } => Error::Invalid {
            field: "new_password",
            message,
        },
        other => other,
    })?;
    db.transaction(move |conn| new_password(conn, actor, &hash))
        .await?;
    Ok(actor)
}
