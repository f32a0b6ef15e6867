//! Events of other servers ("nearby"): the meetings of communes and the events of groups that people here
//! follow, kept as their organiser's `Event` last said them, and registrations for them from home (a `Join`
//! from the person's account, answered by the event's server with `Accept` or `Reject`; a `Leave` to go).
//!
//! A copy never moves to another organiser, and only the event's own server answers a registration for it
//! (`federation::meetings::elsewhere` checks who signed).

use super::*;
use crate::ids::{RemoteActorId, RemoteEventId, RemoteParticipationId};
use crate::model::schema::{remote_actors, remote_event_participations, remote_events};
use crate::model::{RemoteActor, RemoteAttendance, RemoteEvent, RemoteParticipation};

/// At most this many events are kept per organiser (the soonest are shown; the oldest go first).
pub const MAX_PER_ORGANISER: i64 = 2_000;

/// An event as read from its organiser's `Event`, checked and cleaned.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedEvent {
    pub ap_id: String,
    pub organiser: RemoteActorId,
    pub url: String,
    pub title: String,
    pub content_html: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub timezone: Option<String>,
    pub address: String,
    pub coordinates: Option<(f64, f64)>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    pub status: MeetingStatus,
}

/// The stored copy of an event, by its id on its server.
pub fn remote_event_by_ap_id(conn: &mut AnyConnection, ap_id: &str) -> Result<Option<RemoteEvent>> {
    Ok(remote_events::table
        .filter(remote_events::ap_id.eq(ap_id))
        .select(RemoteEvent::as_select())
        .first(conn)
        .optional()?)
}

/// An event of another server, with its organiser.
pub fn remote_event(
    conn: &mut AnyConnection,
    id: RemoteEventId,
) -> Result<(RemoteEvent, RemoteActor)> {
    remote_events::table
        .inner_join(remote_actors::table)
        .filter(remote_events::id.eq(id))
        .select((RemoteEvent::as_select(), RemoteActor::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such event".into()))
}

/// Events of other servers still to come (or under way), soonest first.
pub fn nearby(conn: &mut AnyConnection, limit: i64) -> Result<Vec<(RemoteEvent, RemoteActor)>> {
    // An event without an end is shown until a day after its start.
    let started_since = now() - Duration::days(1);
    Ok(remote_events::table
        .inner_join(remote_actors::table)
        .filter(
            remote_events::ends_at.gt(now()).or(remote_events::ends_at
                .is_null()
                .and(remote_events::starts_at.gt(started_since))),
        )
        .order(remote_events::starts_at.asc())
        .limit(limit.clamp(1, 500))
        .select((RemoteEvent::as_select(), RemoteActor::as_select()))
        .load(conn)?)
}

/// Whether an event must be kept: someone here follows its organiser, or registered for it already.
pub fn is_wanted(conn: &mut AnyConnection, organiser: RemoteActorId, ap_id: &str) -> Result<bool> {
    Ok(crate::db::queries::is_followed_from_here(conn, organiser)?
        || remote_event_by_ap_id(conn, ap_id)?.is_some())
}

/// People here registered (or waiting for an answer) for an event.
fn registered(conn: &mut AnyConnection, id: RemoteEventId) -> Result<Vec<ActorId>> {
    Ok(remote_event_participations::table
        .filter(remote_event_participations::remote_event_id.eq(id))
        .filter(
            remote_event_participations::state
                .eq_any([RemoteAttendance::Pending, RemoteAttendance::Going]),
        )
        .select(remote_event_participations::account_id)
        .load(conn)?)
}

fn tell(conn: &mut AnyConnection, people: &[ActorId], kind: Kind, link: String) -> Result<()> {
    for person in people {
        notify(
            conn,
            *person,
            Notice {
                kind,
                debate: None,
                link: Some(link.clone()),
                about: None,
                by: None,
                note: None,
                from: None,
            },
        )?;
    }
    Ok(())
}

/// Keeps an event as its server sent it (created or changed). People registered here are told when it
/// moves, changes place or is cancelled. The organiser stays the actor that first published it (Mobilizon
/// changes a group's event as the person organising it; the reader checked that both are of the event's
/// server).
pub fn store_remote(conn: &mut AnyConnection, event: &ReceivedEvent) -> Result<RemoteEventId> {
    let values = (
        remote_events::url.eq(&event.url),
        remote_events::title.eq(&event.title),
        remote_events::content_html.eq(&event.content_html),
        remote_events::starts_at.eq(event.starts_at),
        remote_events::ends_at.eq(event.ends_at),
        remote_events::timezone.eq(&event.timezone),
        remote_events::address.eq(&event.address),
        remote_events::latitude.eq(event.coordinates.map(|c| c.0)),
        remote_events::longitude.eq(event.coordinates.map(|c| c.1)),
        remote_events::online_url.eq(&event.online_url),
        remote_events::capacity.eq(event.capacity),
        remote_events::status.eq(event.status),
        remote_events::updated_at.eq(now()),
    );
    match remote_event_by_ap_id(conn, &event.ap_id)? {
        Some(found) => {
            diesel::update(remote_events::table.find(found.id))
                .set(values)
                .execute(conn)?;
            let moved = found.starts_at != event.starts_at
                || found.ends_at != event.ends_at
                || found.address != event.address
                || found.online_url != event.online_url
                || found.status != event.status;
            if moved {
                let people = registered(conn, found.id)?;
                tell(
                    conn,
                    &people,
                    Kind::MeetingChange,
                    format!("/meetings/nearby/{}", found.id),
                )?;
            }
            Ok(found.id)
        }
        None => {
            let id = crate::on_each_backend!(conn, |c| diesel::insert_into(remote_events::table)
                .values((
                    values,
                    remote_events::ap_id.eq(&event.ap_id),
                    remote_events::organiser_id.eq(event.organiser),
                ))
                .returning(remote_events::id)
                .get_result(c))?;
            prune(conn, event.organiser)?;
            Ok(id)
        }
    }
}

/// Keeps at most [`MAX_PER_ORGANISER`] events of one organiser: those that start earliest go.
fn prune(conn: &mut AnyConnection, organiser: RemoteActorId) -> Result<()> {
    let kept: i64 = remote_events::table
        .filter(remote_events::organiser_id.eq(organiser))
        .count()
        .get_result(conn)?;
    if kept > MAX_PER_ORGANISER {
        let oldest: Vec<RemoteEventId> = remote_events::table
            .filter(remote_events::organiser_id.eq(organiser))
            .order(remote_events::starts_at.asc())
            .limit(kept - MAX_PER_ORGANISER)
            .select(remote_events::id)
            .load(conn)?;
        diesel::delete(remote_events::table.filter(remote_events::id.eq_any(oldest)))
            .execute(conn)?;
    }
    Ok(())
}

/// A `Delete` of an event by an actor of its server (`server`: its `host[:port]`): the copy goes, and
/// people registered here are told. Whether it was an event of that server.
pub fn forget_remote(conn: &mut AnyConnection, server: &str, ap_id: &str) -> Result<bool> {
    // Its organiser is of the event's server (the reader checked it).
    let found: Option<RemoteEvent> = remote_events::table
        .inner_join(remote_actors::table)
        .filter(remote_events::ap_id.eq(ap_id))
        .filter(remote_actors::domain.eq(server))
        .select(RemoteEvent::as_select())
        .first(conn)
        .optional()?;
    let Some(found) = found else {
        return Ok(false);
    };
    let people = registered(conn, found.id)?;
    diesel::delete(remote_events::table.find(found.id)).execute(conn)?;
    tell(conn, &people, Kind::MeetingChange, "/meetings".into())?;
    Ok(true)
}

/// Where someone here stands for an event elsewhere: their latest registration.
pub fn my_participation(
    conn: &mut AnyConnection,
    id: RemoteEventId,
    account: ActorId,
) -> Result<Option<RemoteParticipation>> {
    Ok(remote_event_participations::table
        .filter(remote_event_participations::remote_event_id.eq(id))
        .filter(remote_event_participations::account_id.eq(account))
        .order(remote_event_participations::id.desc())
        .select(RemoteParticipation::as_select())
        .first(conn)
        .optional()?)
}

pub fn participation(
    conn: &mut AnyConnection,
    id: RemoteParticipationId,
) -> Result<RemoteParticipation> {
    remote_event_participations::table
        .find(id)
        .select(RemoteParticipation::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such registration".into()))
}

/// Someone here registers for an event elsewhere: their account sends a `Join`, and the registration waits
/// for the event's server to answer.
pub fn join_remote(
    conn: &mut AnyConnection,
    account: &Account,
    id: RemoteEventId,
) -> Result<RemoteParticipationId> {
    crate::civic::addresses::may_write(account)?;
    let (event, _) = remote_event(conn, id)?;
    if event.status == MeetingStatus::Cancelled {
        return Err(Error::Conflict("this event is cancelled".into()));
    }
    if event.ends_at.unwrap_or(event.starts_at) <= now() {
        return Err(Error::Conflict("this event is over".into()));
    }
    if my_participation(conn, id, account.actor_id)?
        .is_some_and(|p| matches!(p.state, RemoteAttendance::Pending | RemoteAttendance::Going))
    {
        return Err(Error::Conflict("you are already registered".into()));
    }
    let participation = crate::on_each_backend!(conn, |c| diesel::insert_into(
        remote_event_participations::table
    )
    .values((
        remote_event_participations::remote_event_id.eq(id),
        remote_event_participations::account_id.eq(account.actor_id),
        remote_event_participations::state.eq(RemoteAttendance::Pending),
        remote_event_participations::created_at.eq(now()),
    ))
    .returning(remote_event_participations::id)
    .get_result(c))?;
    outbox::record(
        conn,
        account.actor_id,
        Outbound::RemoteEventJoined { participation },
    )?;
    Ok(participation)
}

/// Someone here cancels their registration for an event elsewhere: their account sends a `Leave`.
pub fn leave_remote(conn: &mut AnyConnection, account: &Account, id: RemoteEventId) -> Result<()> {
    let Some(mine) = my_participation(conn, id, account.actor_id)?
        .filter(|p| matches!(p.state, RemoteAttendance::Pending | RemoteAttendance::Going))
    else {
        return Err(Error::NotFound("you are not registered".into()));
    };
    diesel::update(remote_event_participations::table.find(mine.id))
        .set(remote_event_participations::state.eq(RemoteAttendance::Left))
        .execute(conn)?;
    outbox::record(
        conn,
        account.actor_id,
        Outbound::RemoteEventLeft {
            participation: mine.id,
        },
    )
}

/// The event's server answered a registration: a seat (`Accept`), or a refusal (`Reject`, also when a seat
/// held is taken back). An answer to a registration already left changes nothing. Whether it changed.
pub fn answered(
    conn: &mut AnyConnection,
    id: RemoteParticipationId,
    accepted: bool,
) -> Result<bool> {
    let found = participation(conn, id)?;
    let state = if accepted {
        RemoteAttendance::Going
    } else {
        RemoteAttendance::Refused
    };
    if !matches!(
        found.state,
        RemoteAttendance::Pending | RemoteAttendance::Going
    ) || found.state == state
    {
        return Ok(false);
    }
    diesel::update(remote_event_participations::table.find(id))
        .set((
            remote_event_participations::state.eq(state),
            remote_event_participations::answered_at.eq(Some(now())),
        ))
        .execute(conn)?;
    let kind = if accepted {
        Kind::MeetingSeat
    } else {
        Kind::MeetingRefused
    };
    tell(
        conn,
        &[found.account_id],
        kind,
        format!("/meetings/nearby/{}", found.remote_event_id),
    )?;
    Ok(true)
}

/// Registrations of people here: seats taken and answers awaited.
pub fn counts_here(conn: &mut AnyConnection, id: RemoteEventId) -> Result<(i64, i64)> {
    let rows: Vec<(RemoteAttendance, i64)> = remote_event_participations::table
        .filter(remote_event_participations::remote_event_id.eq(id))
        .group_by(remote_event_participations::state)
        .select((
            remote_event_participations::state,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let of = |a: RemoteAttendance| rows.iter().find(|(s, _)| *s == a).map_or(0, |(_, n)| *n);
    Ok((of(RemoteAttendance::Going), of(RemoteAttendance::Pending)))
}
