//! The limits on login attempts (per address, per account from one address, per account from everywhere), and
//! the answer when one is reached.

use std::net::IpAddr;
use std::num::NonZeroU32;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::web::forms::FormErrors;
use crate::web::session::Visitor;

/// Login attempts allowed per address, per account from one address, and per account from everywhere.
///
/// A stranger must not be able to keep an owner out: the per-account limit (which stops a password being
/// guessed from many addresses at once) only slows down an address that signed in to the account before;
/// anyone else is held by the limits on their own address.
pub struct LoginLimits {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_account_and_ip: DefaultKeyedRateLimiter<(String, IpAddr)>,
    by_account: DefaultKeyedRateLimiter<String>,
    /// Where each account signed in from (its network), and when: those addresses are only slowed down.
    signed_in_from:
        std::sync::Mutex<std::collections::HashMap<(String, IpAddr), std::time::Instant>>,
    attempts: std::sync::atomic::AtomicU64,
}

/// How long an address where an account signed in is remembered for it.
const REMEMBER_SIGN_IN: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3600);
/// At most this many (account, address) pairs are remembered (the oldest go first).
const MAX_REMEMBERED_SIGN_INS: usize = 100_000;
/// The delay an address that signed in before waits when its account is over the per-account limit.
pub const SLOWED_LOGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Per address: 20 attempts, then one every 6 s. Per account and address: 10 attempts, then one a minute.
/// Per account from all addresses: 10 attempts, then one a minute, for addresses it never signed in from.
impl Default for LoginLimits {
    fn default() -> LoginLimits {
        let ip = Quota::per_minute(NonZeroU32::MIN.saturating_add(9))
            .allow_burst(NonZeroU32::MIN.saturating_add(19));
        let account =
            Quota::per_minute(NonZeroU32::MIN).allow_burst(NonZeroU32::MIN.saturating_add(9));
        LoginLimits {
            by_ip: DefaultKeyedRateLimiter::keyed(ip),
            by_account_and_ip: DefaultKeyedRateLimiter::keyed(account),
            by_account: DefaultKeyedRateLimiter::keyed(account),
            signed_in_from: std::sync::Mutex::new(std::collections::HashMap::new()),
            attempts: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// What a login attempt may do now.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginVerdict {
    /// Go on.
    Go,
    /// Go on after [`SLOWED_LOGIN`]: the account is under attack, but this address signed in to it before.
    Slowly,
}

impl LoginLimits {
    /// Counts one attempt; `Err(seconds to wait)` when over a limit that holds this address.
    pub fn attempt(&self, ip: IpAddr, account: &str) -> Result<LoginVerdict, u64> {
        self.attempt_from(ip)?;
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock;
            n.wait_time_from(governor::clock::DefaultClock::default().now())
                .as_secs()
                .max(1)
        };
        let network = crate::limits::network_of(ip);
        self.by_account_and_ip
            .check_key(&(account.to_string(), network))
            .map_err(wait)?;
        match self.by_account.check_key(&account.to_string()) {
            Ok(()) => Ok(LoginVerdict::Go),
            Err(_) if self.signed_in_before(account, network) => Ok(LoginVerdict::Slowly),
            Err(n) => Err(wait(n)),
        }
    }

    fn signed_in_before(&self, account: &str, network: IpAddr) -> bool {
        self.signed_in_from.lock().is_ok_and(|known| {
            known
                .get(&(account.to_string(), network))
                .is_some_and(|at| at.elapsed() < REMEMBER_SIGN_IN)
        })
    }

    /// Remembers that `account` signed in from `ip`.
    pub fn signed_in(&self, ip: IpAddr, account: &str) {
        if let Ok(mut known) = self.signed_in_from.lock() {
            crate::limits::remember(
                &mut known,
                (account.to_string(), crate::limits::network_of(ip)),
                MAX_REMEMBERED_SIGN_INS,
                REMEMBER_SIGN_IN,
            );
        }
    }

    /// Counts one attempt from an address only (registrations); `Err(seconds to wait)` when over.
    pub(super) fn attempt_from(&self, ip: IpAddr) -> Result<(), u64> {
        let n = self
            .attempts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 1024 == 1023 {
            self.shrink();
        }
        let clock = governor::clock::DefaultClock::default();
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock;
            n.wait_time_from(clock.now()).as_secs().max(1)
        };
        self.by_ip
            .check_key(&crate::limits::network_of(ip))
            .map_err(wait)
    }

    /// Forgets keys that are back to a full quota, so memory does not grow with every address ever seen
    /// (done every 1,024 attempts).
    fn shrink(&self) {
        self.by_ip.retain_recent();
        self.by_account_and_ip.retain_recent();
        self.by_account.retain_recent();
    }
}

/// The form error saying how long to wait before trying again.
pub(super) fn too_many_logins(v: &Visitor, wait: u64) -> FormErrors {
    let mut errors = FormErrors::new();
    errors.add(
        "form",
        v.lang
            .count("error-too-many-logins", (wait as i64 + 59) / 60),
    );
    errors
}

/// The answer when a limit is reached: the form again, 429, `Retry-After`.
pub(super) fn too_many(mut response: Response, wait: u64) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
