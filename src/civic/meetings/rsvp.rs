//! Registrations for a meeting, here and from other servers: a seat while there are some, else a place on
//! the waiting list, which moves up by itself when a seat frees (people here are told; a person of another
//! server gets the `Accept` of their `Join` then). Two registrations for the last seat are counted one
//! after the other: the meeting's row is locked on PostgreSQL (`FOR UPDATE`), and SQLite's write
//! transactions take the database's write lock from their start.

use super::*;
use crate::ids::{ApUrl, ParticipantId, RemoteActorId};
use crate::model::{Attendance, Participant};

/// The meeting, its row locked until the transaction ends.
fn locked(conn: &mut AnyConnection, id: MeetingId) -> Result<Meeting> {
    let found = match conn {
        AnyConnection::Postgresql(c) => meetings::table
            .find(id)
            .select(Meeting::as_select())
            .for_update()
            .first(c)
            .optional()?,
        AnyConnection::Sqlite(c) => meetings::table
            .find(id)
            .select(Meeting::as_select())
            .first(c)
            .optional()?,
    };
    found.ok_or_else(|| Error::NotFound("no such meeting".into()))
}

/// Seats taken, and places on the waiting list.
pub fn counts(conn: &mut AnyConnection, id: MeetingId) -> Result<(i64, i64)> {
    let rows: Vec<(Attendance, i64)> = meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .group_by(meeting_participants::state)
        .select((meeting_participants::state, diesel::dsl::count_star()))
        .load(conn)?;
    let of = |a: Attendance| {
        rows.iter()
            .find(|(s, _)| *s == a)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok((of(Attendance::Going), of(Attendance::Waiting)))
}

/// Where someone here stands for a meeting, if registered.
pub fn attendance(
    conn: &mut AnyConnection,
    id: MeetingId,
    account: ActorId,
) -> Result<Option<Attendance>> {
    Ok(meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .filter(meeting_participants::account_id.eq(account))
        .select(meeting_participants::state)
        .first(conn)
        .optional()?)
}

/// Everyone registered, seats first, in the order they came.
pub fn participants(conn: &mut AnyConnection, id: MeetingId) -> Result<Vec<Participant>> {
    Ok(meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .order((
            meeting_participants::state.asc(),
            meeting_participants::id.asc(),
        ))
        .select(Participant::as_select())
        .load(conn)?)
}

/// A seat if one is free, else the waiting list.
fn seat_for(conn: &mut AnyConnection, meeting: &Meeting) -> Result<Attendance> {
    Ok(match meeting.capacity {
        None => Attendance::Going,
        Some(capacity) if counts(conn, meeting.id)?.0 < capacity => Attendance::Going,
        Some(_) => Attendance::Waiting,
    })
}

/// Someone here registers: a seat, or the waiting list when it is full.
pub fn register(conn: &mut AnyConnection, account: &Account, id: MeetingId) -> Result<Attendance> {
    crate::civic::addresses::may_write(account)?;
    let found = locked(conn, id)?;
    open_for_registration(&found)?;
    if attendance(conn, id, account.actor_id)?.is_some() {
        return Err(Error::Conflict("you are already registered".into()));
    }
    let state = seat_for(conn, &found)?;
    diesel::insert_into(meeting_participants::table)
        .values((
            meeting_participants::meeting_id.eq(id),
            meeting_participants::account_id.eq(Some(account.actor_id)),
            meeting_participants::state.eq(state),
            meeting_participants::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(state)
}

/// Someone here cancels their registration; the first on the waiting list takes the seat.
pub fn unregister(conn: &mut AnyConnection, account: &Account, id: MeetingId) -> Result<()> {
    locked(conn, id)?;
    let gone = diesel::delete(
        meeting_participants::table
            .filter(meeting_participants::meeting_id.eq(id))
            .filter(meeting_participants::account_id.eq(account.actor_id)),
    )
    .execute(conn)?;
    if gone == 0 {
        return Err(Error::NotFound("you are not registered".into()));
    }
    fill_seats(conn, id)
}

/// What a `Join` from another server came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    /// A seat: the commune sends `Accept`.
    Going(ParticipantId),
    /// The waiting list: `Accept` comes when a seat frees.
    Waiting,
    /// Already registered (the same person joining again): nothing changes.
    Already,
    /// Cancelled or over: the commune sends `Reject`, with the reason.
    Refused(String),
}

/// Someone of another server joins (`Join` of the `Event`), as themselves.
pub fn remote_join(
    conn: &mut AnyConnection,
    id: MeetingId,
    actor: RemoteActorId,
    join: &ApUrl,
) -> Result<JoinOutcome> {
    let found = locked(conn, id)?;
    if let Err(refusal) = open_for_registration(&found) {
        outbox::record(
            conn,
            found.commune_id,
            Outbound::MeetingJoinRejected {
                meeting: id,
                actor,
                join: join.clone(),
            },
        )?;
        return Ok(JoinOutcome::Refused(refusal.to_string()));
    }
    let already: Option<ParticipantId> = meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .filter(meeting_participants::remote_actor_id.eq(actor))
        .select(meeting_participants::id)
        .first(conn)
        .optional()?;
    if already.is_some() {
        return Ok(JoinOutcome::Already);
    }
    let state = seat_for(conn, &found)?;
    let participant: ParticipantId = diesel::insert_into(meeting_participants::table)
        .values((
            meeting_participants::meeting_id.eq(id),
            meeting_participants::remote_actor_id.eq(Some(actor)),
            meeting_participants::join_ap_id.eq(Some(join.as_str())),
            meeting_participants::state.eq(state),
            meeting_participants::created_at.eq(now()),
        ))
        .returning(meeting_participants::id)
        .get_result(conn)?;
    if state == Attendance::Waiting {
        return Ok(JoinOutcome::Waiting);
    }
    outbox::record(
        conn,
        found.commune_id,
        Outbound::MeetingJoinAccepted { participant },
    )?;
    Ok(JoinOutcome::Going(participant))
}

/// Someone of another server leaves (`Leave`): only their own registration. `false` when they had none.
pub fn remote_leave(conn: &mut AnyConnection, id: MeetingId, actor: RemoteActorId) -> Result<bool> {
    locked(conn, id)?;
    let gone = diesel::delete(
        meeting_participants::table
            .filter(meeting_participants::meeting_id.eq(id))
            .filter(meeting_participants::remote_actor_id.eq(actor)),
    )
    .execute(conn)?;
    if gone == 0 {
        return Ok(false);
    }
    fill_seats(conn, id)?;
    Ok(true)
}

/// Gives the free seats to the waiting list, first come first served: people here are told, people of
/// other servers get the `Accept` of their `Join`.
pub(super) fn fill_seats(conn: &mut AnyConnection, id: MeetingId) -> Result<()> {
    let found = meeting(conn, id)?;
    let (going, _) = counts(conn, id)?;
    let free = match found.capacity {
        Some(capacity) => (capacity - going).max(0),
        None => i64::MAX,
    };
    if free == 0 || found.status == MeetingStatus::Cancelled {
        return Ok(());
    }
    let next: Vec<Participant> = meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .filter(meeting_participants::state.eq(Attendance::Waiting))
        .order(meeting_participants::id.asc())
        .limit(free.min(10_000))
        .select(Participant::as_select())
        .load(conn)?;
    for p in next {
        diesel::update(meeting_participants::table.find(p.id))
            .set(meeting_participants::state.eq(Attendance::Going))
            .execute(conn)?;
        match (p.account_id, p.remote_actor_id) {
            (Some(person), _) => notify(
                conn,
                person,
                Notice {
                    kind: Kind::MeetingSeat,
                    debate: None,
                    link: Some(format!("/meetings/{id}")),
                    about: Some(crate::model::CivicRef::Meeting(id)),
                    by: None,
                    note: None,
                    from: None,
                },
            )?,
            (None, Some(_)) => outbox::record(
                conn,
                found.commune_id,
                Outbound::MeetingJoinAccepted { participant: p.id },
            )?,
            (None, None) => {}
        }
    }
    Ok(())
}
