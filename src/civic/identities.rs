//! Identities at the OpenID Connect provider linked to accounts (`account_identities`): the provider's
//! issuer and subject, nothing else. One identity belongs to one account, so that one person cannot make
//! several accounts residents; an account has at most one identity per provider.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::schema::account_identities;

/// The account an identity is linked to, if any (and notes that it was used now).
pub fn account_for(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<ActorId>> {
    let found: Option<(i64, ActorId)> = account_identities::table
        .filter(account_identities::issuer.eq(issuer))
        .filter(account_identities::subject.eq(subject))
        .select((account_identities::id, account_identities::account_id))
        .first(conn)
        .optional()?;
    if let Some((id, _)) = found {
        diesel::update(account_identities::table.find(id))
            .set(account_identities::last_used_at.eq(now()))
            .execute(conn)?;
    }
    Ok(found.map(|(_, account)| account))
}

/// Links an identity to an account (replacing the account's earlier identity at that provider). Refused
/// if the identity is another account's.
pub fn link(conn: &mut AnyConnection, account: ActorId, issuer: &str, subject: &str) -> Result<()> {
    if let Some(holder) = account_for(conn, issuer, subject)? {
        if holder == account {
            return Ok(());
        }
        return Err(Error::Conflict(
            "this identity is already linked to another account here".into(),
        ));
    }
    diesel::delete(
        account_identities::table
            .filter(account_identities::account_id.eq(account))
            .filter(account_identities::issuer.eq(issuer)),
    )
    .execute(conn)?;
    diesel::insert_into(account_identities::table)
        .values((
            account_identities::account_id.eq(account),
            account_identities::issuer.eq(issuer),
            account_identities::subject.eq(subject),
            account_identities::linked_at.eq(now()),
            account_identities::last_used_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Unlinks the account's identity at `issuer`. An account with no password keeps it: it would have no way
/// left to sign in.
pub fn unlink(conn: &mut AnyConnection, account: ActorId, issuer: &str) -> Result<bool> {
    let has_password: bool = crate::model::schema::accounts::table
        .find(account)
        .select(crate::model::schema::accounts::password_hash.is_not_null())
        .first(conn)?;
    if !has_password {
        return Err(Error::Conflict(
            "set a password first: without this identity the account could not be signed in to"
                .into(),
        ));
    }
    Ok(diesel::delete(
        account_identities::table
            .filter(account_identities::account_id.eq(account))
            .filter(account_identities::issuer.eq(issuer)),
    )
    .execute(conn)?
        > 0)
}

/// The account's linked identities: (issuer, linked at), for its settings and its data export.
pub fn of_account(
    conn: &mut AnyConnection,
    account: ActorId,
) -> Result<Vec<(String, chrono::NaiveDateTime)>> {
    Ok(account_identities::table
        .filter(account_identities::account_id.eq(account))
        .order(account_identities::linked_at)
        .select((account_identities::issuer, account_identities::linked_at))
        .load(conn)?)
}

/// A username for an account opened by the provider: its `preferred_username`, else the local part of its
/// email, else "resident"; made valid (a-z, digits, `_`, `-`, accents folded) and numbered if taken.
pub fn free_username(conn: &mut AnyConnection, wished: &[Option<&str>]) -> Result<String> {
    let base = wished
        .iter()
        .flatten()
        .map(|w| {
            let folded = crate::civic::folding::fold(w.split('@').next().unwrap_or(""));
            let cleaned: String = folded
                .chars()
                .map(|c| match c {
                    'a'..='z' | '0'..='9' | '_' | '-' => c,
                    _ => '-',
                })
                .collect();
            cleaned
                .trim_matches(['-', '_'])
                .chars()
                .take(24)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string()
        })
        .find(|c| crate::model::Username::parse(c).is_ok())
        .unwrap_or_else(|| "resident".into());
    for n in 1..1000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}{n}")
        };
        if crate::model::Username::parse(&name).is_ok()
            && crate::db::queries::account_by_username(conn, &name)?.is_none()
        {
            return Ok(name);
        }
    }
    Err(Error::Conflict("no free username near this one".into()))
}
/// Someone the provider knows, as it describes them: what an account opened for them is named after.
#[derive(Clone, Debug, Default)]
pub struct Newcomer {
    /// `preferred_username`, then the email: the first that makes a free name wins.
    pub wished: [Option<String>; 2],
    pub display_name: Option<String>,
}

/// What a sign-in through the provider comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignIn {
    /// The account to sign in.
    Account(ActorId),
    /// No account here is linked to this identity, and none is opened for it.
    NoAccount,
}

/// Why a sign-in through the provider failed: the residency rules refused it (the provider's claim, an
/// identity already another account's), or anything else.
#[derive(Debug)]
pub enum SignInError {
    Residency(Error),
    Other(Error),
}

impl From<Error> for SignInError {
    fn from(e: Error) -> SignInError {
        SignInError::Other(e)
    }
}

/// Signs in through the provider: the account its identity is linked to, or one opened for it when
/// `create_accounts` is on (no password: they sign in through the provider). A deleted or suspended account
/// is refused. A sign-in whose claim proves residency links the identity and renews the verification; one
/// that does not links a new identity and leaves the account's verification as it is.
pub async fn sign_in(
    db: &crate::db::Database,
    settings: &crate::config::OidcSettings,
    said: crate::civic::residency::provider::ProviderSays,
    newcomer: Newcomer,
) -> std::result::Result<SignIn, SignInError> {
    use crate::civic::residency::provider;
    let (issuer, subject) = (said.issuer.clone(), said.subject.clone());
    let linked = db
        .transaction(move |conn| account_for(conn, &issuer, &subject))
        .await?;
    let account = match linked {
        Some(account) => account,
        None if settings.create_accounts => open_account(db, &said, newcomer).await?,
        None => return Ok(SignIn::NoAccount),
    };
    let found = db
        .run(move |conn| crate::db::queries::account_by_id(conn, account))
        .await?;
    let (actor, found) = match found {
        Some(pair) if pair.0.deleted_at.is_none() => pair,
        _ => return Err(Error::NotFound("this account was deleted".into()).into()),
    };
    if found.suspended().is_some() {
        return Err(Error::Forbidden(crate::civic::accounts::suspension_message(&found)).into());
    }
    if settings.verifies_residency() && provider::proves_residency(settings, &said).is_ok() {
        let settings = settings.clone();
        db.transaction(move |conn| provider::by_provider(conn, &settings, actor.id, &said))
            .await
            .map_err(SignInError::Residency)?;
    } else if linked.is_none() {
        db.transaction(move |conn| link(conn, actor.id, &said.issuer, &said.subject))
            .await?;
    }
    Ok(SignIn::Account(actor.id))
}

/// A new account for a person the provider knows and this instance does not, linked to their identity.
async fn open_account(
    db: &crate::db::Database,
    said: &crate::civic::residency::provider::ProviderSays,
    newcomer: Newcomer,
) -> Result<ActorId> {
    let wished = newcomer.wished.clone();
    let username = db
        .run(move |conn| free_username(conn, &[wished[0].as_deref(), wished[1].as_deref()]))
        .await?;
    let display_name = newcomer
        .display_name
        .filter(|n| !n.trim().is_empty() && n.chars().count() <= 60);
    let (actor, _) = crate::civic::accounts::create_account(
        db,
        crate::civic::accounts::NewAccount {
            username,
            role: crate::model::Role::Citizen,
            commune: None,
            display_name,
            password: None,
        },
    )
    .await?;
    let (issuer, subject, id) = (said.issuer.clone(), said.subject.clone(), actor.id);
    db.transaction(move |conn| link(conn, id, &issuer, &subject))
        .await?;
    Ok(actor.id)
}
