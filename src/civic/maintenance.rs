//! Housekeeping: what only served to get a job done is dropped once the job cannot come back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::model::schema::{
    deliveries, inbox_refusals, newsletter_subscribers, oauth_codes, outbox_events,
    received_activities, sessions,
};

/// How long an activity id is remembered to refuse a second copy: well beyond the two days for which
/// servers (Mastodon, Parvis) retry a delivery.
pub const REMEMBER_RECEIVED: Duration = Duration::days(14);
/// How long expanded outbox events and given-up deliveries are kept for the admin to look at.
pub const KEEP_DONE: Duration = Duration::days(30);

/// What one pass removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub received: usize,
    pub events: usize,
    pub failed_deliveries: usize,
    pub sessions: usize,
    pub refusals: usize,
    /// Newsletter subscriptions never confirmed: the address goes once its link has expired.
    pub unconfirmed_subscriptions: usize,
    /// OAuth codes expired (used or not): a code is spent once its ten minutes are over.
    pub oauth_codes: usize,
}

/// Removes old activity ids, expanded outbox events, given-up deliveries, expired browser sessions, and the
/// counts of inbox refusals that did not recur for a month, and the addresses of newsletter subscriptions
/// never confirmed, and expired OAuth codes.
pub fn prune(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<Pruned> {
    let received = diesel::delete(
        received_activities::table
            .filter(received_activities::received_at.lt(now - REMEMBER_RECEIVED)),
    )
    .execute(conn)?;
    let events = diesel::delete(
        outbox_events::table
            .filter(outbox_events::expanded.eq(true))
            .filter(outbox_events::created_at.lt(now - KEEP_DONE)),
    )
    .execute(conn)?;
    let failed_deliveries = diesel::delete(
        deliveries::table
            .filter(deliveries::state.eq("failed"))
            .filter(deliveries::created_at.lt(now - KEEP_DONE)),
    )
    .execute(conn)?;
    let sessions =
        diesel::delete(sessions::table.filter(sessions::expires_at.lt(now))).execute(conn)?;
    let refusals =
        diesel::delete(inbox_refusals::table.filter(inbox_refusals::last_at.lt(now - KEEP_DONE)))
            .execute(conn)?;
    let unconfirmed_subscriptions = diesel::delete(
        newsletter_subscribers::table
            .filter(newsletter_subscribers::confirmed_at.is_null())
            .filter(
                newsletter_subscribers::asked_at.lt(now - crate::civic::newsletter::CONFIRM_WITHIN),
            ),
    )
    .execute(conn)?;
    let oauth_codes =
        diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(now))).execute(conn)?;
    Ok(Pruned {
        received,
        events,
        failed_deliveries,
        sessions,
        refusals,
        unconfirmed_subscriptions,
        oauth_codes,
    })
}
