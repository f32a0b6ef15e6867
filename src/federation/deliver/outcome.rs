//! What became of one delivery attempt, and what follows: the row deleted, retried later with backoff, or
//! failed for good; the remote server's health (failures in a row, unreachable, back again).

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::model::Delivery;
use crate::model::schema::{deliveries, remote_hosts};

/// Deliveries are given up after this long (Mastodon retries for about as long).
pub(super) const GIVE_UP_AFTER: Duration = Duration::from_secs(48 * 3600);
/// Longest delay between two attempts.
pub(super) const MAX_RETRY: Duration = Duration::from_secs(12 * 3600);
/// A server failing this long, with at least `UNREACHABLE_FAILURES` failures in a row, is marked unreachable.
pub(super) const UNREACHABLE_AFTER: Duration = Duration::from_secs(24 * 3600);
pub(super) const UNREACHABLE_FAILURES: i32 = 10;
/// How often an unreachable server is tried.
pub(super) const UNREACHABLE_RETRY: Duration = Duration::from_secs(6 * 3600);
/// The longest `Retry-After` we honour.
pub(super) const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// What became of one attempt.
#[derive(Clone, Debug)]
pub enum Outcome {
    Delivered,
    /// The server asked us to slow down: try again then, without counting it against the server.
    Later(Duration),
    /// A temporary failure (network, timeout, 408, 5xx).
    Retry(String),
    /// A final refusal (4xx other than 408 and 429): recorded as failed, never as delivered.
    Refused(String),
}

/// Reads an answer: 2xx delivered, 429 later, 408 and 5xx retried, other 4xx final.
pub fn classify(status: u16, retry_after: Option<&reqwest::header::HeaderValue>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        429 => Outcome::Later(parse_retry_after(retry_after).unwrap_or(Duration::from_secs(60))),
        408 | 500..=599 => Outcome::Retry(format!("HTTP {status}")),
        _ => Outcome::Refused(format!("HTTP {status}")),
    }
}

/// `Retry-After` as seconds or as an HTTP date, capped.
pub fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let raw = value?.to_str().ok()?.trim();
    let delay = match raw.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate::parse_http_date(raw)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// The delay before attempt `attempts + 1`: doubling from `first`, capped at 12 h, with ±25 % jitter so that
/// the deliveries of one fan-out do not all come back at the same second.
pub fn backoff(first: Duration, attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 20) as u32;
    let base = first
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_RETRY);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    base.mul_f64(jitter)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::hours(1))
}

/// Writes an attempt's outcome: the delivery row and the server's health.
type Unleased = (
    diesel::dsl::Eq<deliveries::leased_until, Option<NaiveDateTime>>,
    diesel::dsl::Eq<deliveries::leased_by, Option<String>>,
);

/// The lease of a delivery ends with its outcome.
fn unleased() -> Unleased {
    (
        deliveries::leased_until.eq(None),
        deliveries::leased_by.eq(None),
    )
}

pub(super) fn record(
    conn: &mut AnyConnection,
    delivery: &Delivery,
    outcome: Outcome,
    first_retry: Duration,
) -> Result<()> {
    let now = now();
    ensure_host(conn, &delivery.domain)?;
    let host = remote_hosts::table.find(&delivery.domain);
    match outcome {
        Outcome::Delivered => {
            diesel::delete(deliveries::table.find(delivery.id)).execute(conn)?;
            let (failures, unreachable): (i32, bool) = host
                .select((
                    remote_hosts::consecutive_failures,
                    remote_hosts::unreachable,
                ))
                .first(conn)?;
            diesel::update(host)
                .set((
                    remote_hosts::consecutive_failures.eq(0),
                    remote_hosts::failing_since.eq(None::<NaiveDateTime>),
                    remote_hosts::unreachable.eq(false),
                    remote_hosts::delivered.eq(remote_hosts::delivered + 1),
                    remote_hosts::last_success_at.eq(Some(now)),
                ))
                .execute(conn)?;
            // A server that was failing and answers again gets the deliveries it missed now (only then: those
            // postponed by a Retry-After stay postponed).
            if failures > 0 || unreachable {
                diesel::update(
                    deliveries::table
                        .filter(deliveries::domain.eq(&delivery.domain))
                        .filter(deliveries::state.eq("queued"))
                        .filter(deliveries::next_attempt_at.gt(now)),
                )
                .set(deliveries::next_attempt_at.eq(now))
                .execute(conn)?;
            }
        }
        Outcome::Later(delay) => {
            // A server that asks us to wait forever is given up on like any other, after two days.
            let next = now + to_chrono(delay);
            let gave_up = next - delivery.created_at > to_chrono(GIVE_UP_AFTER);
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq(if gave_up { "failed" } else { "queued" }),
                    deliveries::next_attempt_at.eq(next),
                    deliveries::last_error.eq(Some(if gave_up {
                        "gave up: HTTP 429 for two days"
                    } else {
                        "HTTP 429"
                    })),
                    unleased(),
                ))
                .execute(conn)?;
        }
        Outcome::Refused(reason) => {
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq("failed"),
                    deliveries::attempts.eq(delivery.attempts + 1),
                    deliveries::last_error.eq(Some(reason)),
                    unleased(),
                ))
                .execute(conn)?;
        }
        Outcome::Retry(reason) => {
            let (failures, since, unreachable): (i32, Option<NaiveDateTime>, bool) = host
                .select((
                    remote_hosts::consecutive_failures,
                    remote_hosts::failing_since,
                    remote_hosts::unreachable,
                ))
                .first(conn)?;
            let since = since.unwrap_or(now);
            let unreachable = unreachable
                || (failures + 1 >= UNREACHABLE_FAILURES
                    && now - since >= to_chrono(UNREACHABLE_AFTER));
            diesel::update(host)
                .set((
                    remote_hosts::consecutive_failures.eq(failures + 1),
                    remote_hosts::failing_since.eq(Some(since)),
                    remote_hosts::unreachable.eq(unreachable),
                ))
                .execute(conn)?;
            let attempts = delivery.attempts + 1;
            let mut delay = backoff(first_retry, attempts - 1);
            if unreachable {
                delay = delay.max(UNREACHABLE_RETRY);
            }
            let next = now + to_chrono(delay);
            let gave_up = next - delivery.created_at > to_chrono(GIVE_UP_AFTER);
            diesel::update(deliveries::table.find(delivery.id))
                .set((
                    deliveries::state.eq(if gave_up { "failed" } else { "queued" }),
                    deliveries::attempts.eq(attempts),
                    deliveries::next_attempt_at.eq(next),
                    deliveries::last_error.eq(Some(if gave_up {
                        format!("gave up after {attempts} attempts: {reason}")
                    } else {
                        reason
                    })),
                    unleased(),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn ensure_host(conn: &mut AnyConnection, domain: &str) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(remote_hosts::table)
        .values(remote_hosts::domain.eq(domain))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default `federation.retry_base_secs`.
    const FIRST_RETRY: Duration = Duration::from_secs(30);

    #[test]
    fn classification_follows_the_rules() {
        assert!(matches!(classify(202, None), Outcome::Delivered));
        assert!(matches!(classify(408, None), Outcome::Retry(_)));
        assert!(matches!(classify(503, None), Outcome::Retry(_)));
        assert!(matches!(classify(401, None), Outcome::Refused(_)));
        assert!(matches!(classify(404, None), Outcome::Refused(_)));
        assert!(matches!(classify(410, None), Outcome::Refused(_)));
        let seconds = reqwest::header::HeaderValue::from_static("120");
        assert!(
            matches!(classify(429, Some(&seconds)), Outcome::Later(d) if d == Duration::from_secs(120))
        );
        assert!(matches!(classify(429, None), Outcome::Later(d) if d == Duration::from_secs(60)));
        let huge = reqwest::header::HeaderValue::from_static("99999999");
        assert_eq!(parse_retry_after(Some(&huge)), Some(MAX_RETRY_AFTER));
        let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(300));
        let date = reqwest::header::HeaderValue::from_str(&date).unwrap_or(seconds);
        let parsed = parse_retry_after(Some(&date)).unwrap_or_default();
        assert!(
            parsed > Duration::from_secs(290) && parsed <= Duration::from_secs(300),
            "{parsed:?}"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 0..30 {
            let base = FIRST_RETRY
                .saturating_mul(2u32.saturating_pow(attempts as u32))
                .min(MAX_RETRY);
            let d = backoff(FIRST_RETRY, attempts);
            assert!(
                d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25),
                "{attempts}: {d:?}"
            );
        }
        // About two days of retries before giving up.
        let total: Duration = (0..14)
            .map(|a| FIRST_RETRY.saturating_mul(2u32.pow(a)).min(MAX_RETRY))
            .sum();
        assert!(
            total > Duration::from_secs(36 * 3600) && total < Duration::from_secs(60 * 3600),
            "{total:?}"
        );
    }
}
