//! The transactional outbox: what must be told to other servers is written in the same transaction as the
//! change that calls for it, so that a crash between the two cannot lose a delivery.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::Outbound;
use crate::model::schema::outbox_events;

/// Records what `actor` must tell other servers, for the delivery worker.
pub fn record(conn: &mut AnyConnection, actor: ActorId, what: Outbound) -> Result<()> {
    record_at(conn, actor, &what, None)
}

/// Records an event the delivery worker takes only from `not_before` on: what changes often (counts) waits
/// a moment, so that several changes go out as one activity.
pub fn record_later(
    conn: &mut AnyConnection,
    actor: ActorId,
    what: Outbound,
    delay: chrono::Duration,
) -> Result<()> {
    record_at(conn, actor, &what, Some(now() + delay))
}

/// Records an event `delay` from now unless one of the same kind and subject is still waiting for its time: a
/// burst of changes (supports, votes) goes out as one activity. An event whose time has come may be being
/// built from the counts as they were (its transaction not yet committed): a change then records a new one,
/// so that no change is left out of every activity.
pub fn record_coalesced(
    conn: &mut AnyConnection,
    actor: ActorId,
    what: Outbound,
    delay: chrono::Duration,
) -> Result<()> {
    let waiting: i64 = outbox_events::table
        .filter(outbox_events::kind.eq(what.kind()))
        .filter(outbox_events::subject_id.eq(what.subject()))
        .filter(outbox_events::expanded.eq(false))
        .filter(outbox_events::not_before.gt(now()))
        .count()
        .get_result(conn)?;
    if waiting == 0 {
        record_later(conn, actor, what, delay)?;
    }
    Ok(())
}

/// What was sent for a post leaves the actor's outbox listing (a boost taken back is deleted, and its
/// `Announce` would otherwise stay listed once the row it named is gone).
pub fn unlist_post(conn: &mut AnyConnection, note: crate::ids::NoteId) -> Result<()> {
    use crate::model::schema::outgoing_activities;
    diesel::update(outgoing_activities::table.filter(outgoing_activities::note_id.eq(note)))
        .set(outgoing_activities::public.eq(false))
        .execute(conn)?;
    Ok(())
}

fn record_at(
    conn: &mut AnyConnection,
    actor: ActorId,
    what: &Outbound,
    not_before: Option<chrono::NaiveDateTime>,
) -> Result<()> {
    // Serialized once: the stored value and its tag (the row's kind).
    let value = serde_json::to_value(what).map_err(Error::internal)?;
    let json = value.to_string();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::kind.eq(Outbound::tag_of(&value)),
            outbox_events::actor_id.eq(actor),
            outbox_events::subject_id.eq(what.subject()),
            outbox_events::payload.eq(""),
            outbox_events::outbound.eq(Some(json)),
            outbox_events::created_at.eq(now()),
            outbox_events::not_before.eq(not_before),
        ))
        .execute(conn)?;
    Ok(())
}
