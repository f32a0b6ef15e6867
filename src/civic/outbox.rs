//! The transactional outbox: what must be told to other servers is written in the same transaction as the
//! change that calls for it, so that a crash between the two cannot lose a delivery.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, RemoteActorId};
use crate::model::EventKind;
use crate::model::schema::outbox_events;

/// Records an event for the delivery worker.
pub fn record(
    conn: &mut AnyConnection,
    kind: EventKind,
    actor: ActorId,
    subject_id: i64,
    target: Option<RemoteActorId>,
    payload: &str,
) -> Result<()> {
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::kind.eq(kind),
            outbox_events::actor_id.eq(actor),
            outbox_events::subject_id.eq(subject_id),
            outbox_events::target_remote_id.eq(target),
            outbox_events::payload.eq(payload),
            outbox_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
