//! Exactly-once effects for activities received from other servers.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::model::schema::received_activities;

/// Marks an activity id as received. Returns false when it was already: the caller then does nothing more.
/// Run it in the transaction that applies the activity, so that a duplicate arriving concurrently waits for
/// (or loses to) the first copy's commit instead of applying twice.
/// Whether an activity was already received (read only: [`first_time`] records it).
pub fn seen(conn: &mut AnyConnection, activity_id: &str) -> Result<bool> {
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        received_activities::table.filter(received_activities::ap_id.eq(activity_id)),
    ))
    .get_result(conn)?)
}

pub fn first_time(conn: &mut AnyConnection, activity_id: &str) -> Result<bool> {
    let values = (
        received_activities::ap_id.eq(activity_id),
        received_activities::received_at.eq(now()),
    );
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed statement aborts the
    // whole transaction.
    let inserted =
        crate::on_each_backend!(conn, |c| diesel::insert_into(received_activities::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c))?;
    Ok(inserted == 1)
}
