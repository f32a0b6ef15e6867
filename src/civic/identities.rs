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
