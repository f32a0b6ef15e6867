//! Claimed deliveries: several server processes on one PostgreSQL database share the queue, and each
//! delivery is sent by one of them. A process claims the deliveries it is about to send with a lease (until
//! when, on the database's clock so that processes on machines whose clocks differ agree, and by which
//! process); the claim skips rows another process is claiming at that moment (`FOR UPDATE SKIP LOCKED`) and
//! rows whose lease still runs. Recording the outcome ends the lease. A lease that runs out (its process was
//! killed mid-send) returns the delivery to the queue: it may then be sent twice, never more often than the
//! dead process held leases. SQLite takes one server process (`db::ServeLock`), which frees every lease when it
//! starts.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::DeliveryId;

/// Now on the database's clock, in UTC, as stored timestamps are.
fn db_now(conn: &AnyConnection) -> &'static str {
    match conn {
        AnyConnection::Sqlite(_) => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
        AnyConnection::Postgresql(_) => "(now() AT TIME ZONE 'UTC')",
    }
}

/// The condition on `deliveries` that no lease runs on a row.
pub(super) fn unleased(conn: &AnyConnection) -> diesel::expression::SqlLiteral<Bool> {
    diesel::dsl::sql::<Bool>(&format!(
        "(leased_until IS NULL OR leased_until < {})",
        db_now(conn)
    ))
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims for `by` (this process) those of `ids` still queued and not leased: returns the ones it got.
pub(super) fn claim(
    conn: &mut AnyConnection,
    ids: &[DeliveryId],
    by: &str,
    lease_secs: u64,
) -> Result<Vec<DeliveryId>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list = ids
        .iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let now = db_now(conn);
    let sql = match conn {
        AnyConnection::Sqlite(_) => format!(
            "UPDATE deliveries SET leased_until = strftime('%Y-%m-%d %H:%M:%f', 'now', '+{lease_secs} seconds'), \
             leased_by = ? WHERE id IN ({list}) AND state = 'queued' \
             AND (leased_until IS NULL OR leased_until < {now}) RETURNING id"
        ),
        AnyConnection::Postgresql(_) => format!(
            "UPDATE deliveries SET leased_until = {now} + interval '{lease_secs} seconds', leased_by = $1 \
             WHERE id IN (SELECT id FROM deliveries WHERE id IN ({list}) AND state = 'queued' \
             AND (leased_until IS NULL OR leased_until < {now}) FOR UPDATE SKIP LOCKED) RETURNING id"
        ),
    };
    let claimed: Vec<Claimed> = diesel::sql_query(sql).bind::<Text, _>(by).load(conn)?;
    Ok(claimed.into_iter().map(|c| DeliveryId(c.id)).collect())
}

/// Ends every lease: for the one server process of an SQLite database, as it starts (what a killed process
/// held is queued again at once).
pub(super) fn release_all(conn: &mut AnyConnection) -> Result<usize> {
    use crate::model::schema::deliveries;
    Ok(
        diesel::update(deliveries::table.filter(deliveries::leased_until.is_not_null()))
            .set((
                deliveries::leased_until.eq(None::<chrono::NaiveDateTime>),
                deliveries::leased_by.eq(None::<String>),
            ))
            .execute(conn)?,
    )
}

/// This process's name on its leases: its process id, and a random part (process ids are reused).
pub(super) fn process_name() -> String {
    format!("{}:{:08x}", std::process::id(), rand::random::<u32>())
}

/// Claims an outbox event for expanding, in the transaction that expands it: whether this process got it.
/// Another process expanding the same event at that moment is skipped, not waited for; one that expanded it
/// already has marked it. The claim is the mark, so a process killed mid-expansion leaves it pending.
pub(super) fn claim_event(conn: &mut AnyConnection, id: crate::ids::EventId) -> Result<bool> {
    use crate::model::schema::outbox_events;
    let claimed = match conn {
        AnyConnection::Sqlite(_) => diesel::update(
            outbox_events::table
                .filter(outbox_events::id.eq(id))
                .filter(outbox_events::expanded.eq(false)),
        )
        .set(outbox_events::expanded.eq(true))
        .execute(conn)?,
        AnyConnection::Postgresql(_) => diesel::sql_query(format!(
            "UPDATE outbox_events SET expanded = TRUE WHERE id = (SELECT id FROM outbox_events \
             WHERE id = {} AND expanded = FALSE FOR UPDATE SKIP LOCKED)",
            id.0
        ))
        .execute(conn)?,
    };
    Ok(claimed == 1)
}
