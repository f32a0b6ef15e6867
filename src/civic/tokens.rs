//! Bearer tokens for the JSON API.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::civic::now;
use crate::db::{AnyConnection, Database, queries};
use crate::error::{Error, Result};
use crate::model::schema::api_tokens;
use crate::model::{Account, Actor};

/// Only a hash is stored: a leaked database does not leak working tokens. SHA-256 suffices (no salt, no
/// stretching) because the token is 256 random bits, not a password.
pub(crate) fn digest(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A random, URL-safe code of `bytes` random bytes (invitation codes, CSRF tokens).
pub fn random_code(bytes: usize) -> String {
    let mut secret = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    URL_SAFE_NO_PAD.encode(secret)
}

/// The alphabet of codes people read or type (letters, phone): no look-alikes (no 0/O, 1/I/L).
const SHORT_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A code of ten characters of [`SHORT_CODE_ALPHABET`] shown as `XXXXX-XXXXX` (about 50 bits): claim codes,
/// residency letters. Each character is drawn uniformly: a random byte of 248 or more is thrown away
/// rather than folded in with a modulo, which would favour the first characters.
pub fn short_code() -> String {
    loop {
        if let Some(code) = short_code_from(random_bytes(32)) {
            return code;
        }
    }
}

/// The code drawn from these bytes, or `None` if too many were thrown away (then draw again).
fn short_code_from(bytes: impl IntoIterator<Item = u8>) -> Option<String> {
    let n = SHORT_CODE_ALPHABET.len();
    let limit = 256 - 256 % n;
    let mut letters = bytes
        .into_iter()
        .filter(|b| usize::from(*b) < limit)
        .map(|b| SHORT_CODE_ALPHABET[usize::from(b) % n] as char);
    let code: String = letters.by_ref().take(10).collect();
    (code.len() == 10).then(|| format!("{}-{}", &code[..5], &code[5..]))
}

/// What is stored of a [`short_code`]: the SHA-256 of its letters and digits in upper case, so that
/// `abcde fghjk` typed by a person finds `ABCDE-FGHJK`. (50 random bits make a salt pointless: the
/// codes are short-lived and rate-limited, and a hash is not a password store.)
pub fn short_code_hash(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    digest(&normalized)
}

/// Creates a token for an account and returns it; it is shown once and cannot be read back.
pub async fn create_token(db: &Database, username: &str) -> Result<String> {
    let username = username.trim().trim_start_matches('@').to_ascii_lowercase();
    let token = random_code(32);
    let stored = digest(&token);
    db.transaction(move |conn| {
        let (actor, _) = queries::account_by_username(conn, &username)?
            .ok_or_else(|| Error::NotFound(format!("no account named '{username}'")))?;
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::account_id.eq(actor.id),
                api_tokens::token_sha256.eq(&stored),
                api_tokens::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(token)
}

/// The account of a token (by its digest), if any, and the scopes it carries.
fn holder(
    conn: &mut AnyConnection,
    stored: &str,
) -> Result<Option<(Actor, Account, crate::civic::oauth::Scopes)>> {
    let found = api_tokens::table
        .filter(api_tokens::token_sha256.eq(stored))
        .select((api_tokens::account_id, api_tokens::scopes))
        .first::<(crate::ids::ActorId, String)>(conn)
        .optional()?;
    match found {
        Some((id, scopes)) => Ok(queries::account_by_id(conn, id)?.map(|(actor, account)| {
            (actor, account, crate::civic::oauth::Scopes::stored(&scopes))
        })),
        None => Ok(None),
    }
}

/// Whether a token opens an account here that is not suspended (nothing is recorded).
pub async fn is_valid(db: &Database, token: &str) -> Result<bool> {
    let stored = digest(token);
    db.run(move |conn| {
        Ok(holder(conn, &stored)?.is_some_and(|(actor, account, _)| {
            actor.deleted_at.is_none() && account.suspended().is_none()
        }))
    })
    .await
}

/// The account a token belongs to and the scopes it carries; records when it was last used.
pub async fn authenticate(
    db: &Database,
    token: &str,
) -> Result<(Actor, Account, crate::civic::oauth::Scopes)> {
    let stored = digest(token);
    db.transaction(move |conn| {
        let Some((actor, account, scopes)) = holder(conn, &stored)? else {
            // An app's own token (client credentials) opens no account.
            return Err(Error::Unauthorized(
                if crate::civic::oauth::is_app_token(conn, &stored)? {
                    "this endpoint needs a person's access token, not the app's own"
                } else {
                    "the access token is invalid"
                }
                .into(),
            ));
        };
        diesel::update(api_tokens::table.filter(api_tokens::token_sha256.eq(&stored)))
            .set(api_tokens::last_used_at.eq(Some(now())))
            .execute(conn)?;
        if account.suspended().is_some() {
            return Err(Error::Forbidden(
                crate::civic::accounts::suspension_message(&account),
            ));
        }
        Ok((actor, account, scopes))
    })
    .await
}

/// Counts a try of a one-time code by an account (right or wrong), refusing it past `per_hour` tries of the
/// same purpose in the last hour: codes are short enough to type, so guessing must be slow. Run in a
/// transaction of its own, before the code is checked, so that a wrong code still counts.
pub fn count_code_attempt(
    conn: &mut AnyConnection,
    account: &crate::model::Account,
    purpose: crate::model::CodePurpose,
    per_hour: i64,
) -> Result<()> {
    use crate::model::schema::code_attempts;
    let tried: i64 = code_attempts::table
        .filter(code_attempts::account_id.eq(account.actor_id))
        .filter(code_attempts::purpose.eq(purpose))
        .filter(code_attempts::at.gt(now() - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if tried >= per_hour {
        return Err(Error::TooManyRequests(
            "too many codes tried: wait an hour".into(),
        ));
    }
    diesel::insert_into(code_attempts::table)
        .values((
            code_attempts::account_id.eq(account.actor_id),
            code_attempts::purpose.eq(purpose),
            code_attempts::at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_ten_letters_without_look_alikes() {
        let code = short_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(
            code.chars()
                .filter(|c| *c != '-')
                .all(|c| SHORT_CODE_ALPHABET.contains(&(c as u8)))
        );
        assert_ne!(short_code(), code);
    }

    #[test]
    fn bytes_past_the_last_whole_alphabet_are_thrown_away() {
        // 248..=255 would fold onto the first eight characters and make them likelier.
        let bytes = [255u8, 248, 0, 30, 31, 247, 1, 2, 3, 4, 5, 6];
        assert_eq!(short_code_from(bytes).as_deref(), Some("2Z2Z3-45678"));
        assert_eq!(short_code_from([255u8; 40]), None);
    }

    #[test]
    fn a_typed_code_finds_its_hash() {
        assert_eq!(
            short_code_hash("abcde fghjk"),
            short_code_hash("ABCDE-FGHJK")
        );
        assert_ne!(
            short_code_hash("ABCDE-FGHJK"),
            short_code_hash("ABCDE-FGHJM")
        );
    }
}
