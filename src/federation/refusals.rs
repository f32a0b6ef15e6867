//! Why activities sent to our inboxes are refused, per sending server: each refusal is logged at `info` as it
//! happens, counted in memory, and written to `inbox_refusals` by the delivery worker about once a second (one
//! write per burst, not one per request), where `parvis admin federation status` shows it.
//!
//! The server is the one the request names (its actor's host, else its key's): nothing proves it, since the
//! request was refused. It is an admin's clue, never a basis for a decision.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde_json::Value;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::model::schema::inbox_refusals;

/// How many (server, reason) pairs are kept between two writes: a flood of requests naming made-up servers
/// fills no memory. Beyond it, refusals are counted under [`OTHERS`].
const MAX_PAIRS: usize = 1_000;
/// Where refusals past [`MAX_PAIRS`] are counted.
pub const OTHERS: &str = "(other servers)";
/// What a request that names no server is counted under.
pub const UNNAMED: &str = "(unnamed)";
/// The longest message kept (the first characters of the error).
const MAX_MESSAGE: usize = 300;

/// What a refused request says of itself, read without trusting it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peek {
    pub server: String,
    pub kind: String,
    pub id: String,
}

impl Peek {
    /// The actor's host, type and id of a body (if it is JSON with them), else the host of the signature's key.
    pub fn of(headers: &HeaderMap, body: &[u8]) -> Peek {
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(m) => m.get("id").and_then(Value::as_str).map(str::to_string),
            Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        };
        let host_of = |url: &str| {
            url::Url::parse(url)
                .ok()
                .filter(|u| u.host_str().is_some())
                .map(|u| crate::federation::domain_of(&u))
        };
        let server = value
            .get("actor")
            .and_then(text)
            .and_then(|a| host_of(&a))
            .or_else(|| key_id(headers).and_then(|k| host_of(&k)))
            .unwrap_or_else(|| UNNAMED.to_string());
        let short = |s: Option<String>| {
            s.map(|s| s.chars().take(200).collect())
                .unwrap_or_else(|| "?".into())
        };
        Peek {
            server,
            kind: short(value.get("type").and_then(text)),
            id: short(value.get("id").and_then(text)),
        }
    }
}

/// The `keyId` of a draft-cavage `Signature` header, or of an RFC 9421 `Signature-Input`.
fn key_id(headers: &HeaderMap) -> Option<String> {
    ["signature", "signature-input"].iter().find_map(|name| {
        let raw = headers.get(*name)?.to_str().ok()?;
        let start = raw.find("keyid=\"").or_else(|| raw.find("keyId=\""))? + 7;
        let end = raw[start..].find('"')? + start;
        Some(raw[start..end].to_string())
    })
}

/// Why an activity was refused, in a few kinds: what an admin (and a metric) can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    Signature,
    Malformed,
    Policy,
    NothingHere,
    Conflict,
    TooLarge,
    RateLimited,
    Unfetchable,
    Ours,
}

impl Reason {
    /// The kind of refusal an error is.
    pub fn of(error: &Error) -> Reason {
        match error {
            Error::SignatureRequired(_) | Error::Unauthorized(_) => Reason::Signature,
            Error::BadRequest(_) | Error::Invalid { .. } => Reason::Malformed,
            Error::Forbidden(_) => Reason::Policy,
            Error::NotFound(_) | Error::Gone(_) => Reason::NothingHere,
            Error::Conflict(_) => Reason::Conflict,
            Error::PayloadTooLarge(_) => Reason::TooLarge,
            Error::TooManyRequests(_) => Reason::RateLimited,
            Error::BadGateway(_) => Reason::Unfetchable,
            Error::Unavailable(_) | Error::Internal(_) => Reason::Ours,
        }
    }

    /// A short, stable phrase, as `inbox_refusals` stores it and `parvis admin federation status` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Signature => "signature",
            Reason::Malformed => "malformed or unknown",
            Reason::Policy => "refused by policy or block",
            Reason::NothingHere => "about nothing here",
            Reason::Conflict => "conflict",
            Reason::TooLarge => "too large",
            Reason::RateLimited => "rate limited",
            Reason::Unfetchable => "its server could not be fetched",
            Reason::Ours => "our error",
        }
    }

    /// The same as a metric label: one word, no spaces.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Signature => "signature",
            Reason::Malformed => "malformed",
            Reason::Policy => "policy",
            Reason::NothingHere => "nothing_here",
            Reason::Conflict => "conflict",
            Reason::TooLarge => "too_large",
            Reason::RateLimited => "rate_limited",
            Reason::Unfetchable => "unfetchable",
            Reason::Ours => "internal",
        }
    }
}

type Counts = HashMap<(String, &'static str), (i64, String, NaiveDateTime)>;

/// Refusals counted since the last write.
#[derive(Default)]
pub struct Refusals(Mutex<Counts>);

impl Refusals {
    /// Logs and counts one refusal.
    pub fn record(&self, peek: &Peek, error: &Error) {
        let reason = Reason::of(error).as_str();
        tracing::info!(
            server = %peek.server,
            activity_type = %peek.kind,
            activity_id = %peek.id,
            status = error.status(),
            reason,
            error = %error,
            "inbox refused an activity"
        );
        let message: String = error.to_string().chars().take(MAX_MESSAGE).collect();
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let full = counts.len() >= MAX_PAIRS;
        let server = if full && !counts.contains_key(&(peek.server.clone(), reason)) {
            OTHERS.to_string()
        } else {
            peek.server.clone()
        };
        let entry =
            counts
                .entry((server, reason))
                .or_insert((0, String::new(), crate::civic::now()));
        entry.0 += 1;
        entry.1 = message;
        entry.2 = crate::civic::now();
    }

    /// Whether something waits to be written.
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Takes what was counted, to be written.
    pub fn take(&self) -> Counts {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Adds counts to the table: one upsert per (server, reason).
pub fn write(conn: &mut AnyConnection, counts: Counts) -> Result<()> {
    for ((domain, reason), (count, message, at)) in counts {
        crate::on_each_backend!(&mut *conn, |c| diesel::insert_into(inbox_refusals::table)
            .values((
                inbox_refusals::domain.eq(&domain),
                inbox_refusals::reason.eq(reason),
                inbox_refusals::count.eq(count),
                inbox_refusals::last_message.eq(&message),
                inbox_refusals::last_at.eq(at),
            ))
            .on_conflict((inbox_refusals::domain, inbox_refusals::reason))
            .do_update()
            .set((
                inbox_refusals::count.eq(inbox_refusals::count + excluded(inbox_refusals::count)),
                inbox_refusals::last_message.eq(excluded(inbox_refusals::last_message)),
                inbox_refusals::last_at.eq(excluded(inbox_refusals::last_at)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// One line of the status: a server, a reason, how many refusals, the last message and when.
#[derive(Clone, Debug, Queryable)]
pub struct Refused {
    pub domain: String,
    pub reason: String,
    pub count: i64,
    pub last_message: String,
    pub last_at: NaiveDateTime,
}

/// The most recent refusals, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Refused>> {
    Ok(inbox_refusals::table
        .order(inbox_refusals::last_at.desc())
        .limit(limit)
        .select((
            inbox_refusals::domain,
            inbox_refusals::reason,
            inbox_refusals::count,
            inbox_refusals::last_message,
            inbox_refusals::last_at,
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_request_is_named_by_its_actor_else_its_key() {
        let mut headers = HeaderMap::new();
        let body = br#"{"id":"https://lemmy.example/activities/follow/1","type":"Follow","actor":"https://lemmy.example/u/bob"}"#;
        assert_eq!(
            Peek::of(&headers, body),
            Peek {
                server: "lemmy.example".into(),
                kind: "Follow".into(),
                id: "https://lemmy.example/activities/follow/1".into()
            }
        );
        headers.insert(
            "signature",
            axum::http::HeaderValue::from_static(
                r#"keyId="https://gts.example:8443/users/c/main-key",algorithm="hs2019",headers="(request-target)",signature="x""#,
            ),
        );
        let peek = Peek::of(&headers, b"not json");
        assert_eq!(peek.server, "gts.example:8443");
        assert_eq!((peek.kind.as_str(), peek.id.as_str()), ("?", "?"));
        assert_eq!(Peek::of(&HeaderMap::new(), b"{}").server, UNNAMED);
    }

    #[test]
    fn made_up_servers_fill_no_memory() {
        let refusals = Refusals::default();
        let error = Error::SignatureRequired("no signature".into());
        for n in 0..MAX_PAIRS + 50 {
            let peek = Peek {
                server: format!("s{n}.example"),
                kind: "Create".into(),
                id: "?".into(),
            };
            refusals.record(&peek, &error);
        }
        let counts = refusals.take();
        assert_eq!(counts.len(), MAX_PAIRS + 1);
        assert_eq!(counts[&(OTHERS.to_string(), "signature")].0, 50);
        assert!(refusals.is_empty());
    }
}
