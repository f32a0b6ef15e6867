//! Meetings of a commune: council sessions, public meetings, workshops, an official's office hours. The
//! commune's officials and staff schedule them in the commune's time zone (stored in UTC), move or cancel
//! them (every participant is told, and the sequence is bumped for calendars); people register (`rsvp`).
//! The commune federates each meeting as a Mobilizon-shaped `Event` (`federation::meetings`).

use chrono::{Duration, NaiveDateTime, TimeZone};
use diesel::prelude::*;

use crate::civic::debates::text::bounded;
use crate::civic::notifications::{Kind, Notice, notify};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, MeetingId};
use crate::model::schema::{communes, meeting_participants, meetings};
use crate::model::{
    Account, CommuneLanguage, Meeting, MeetingCategory, MeetingStatus, Outbound, Role,
};

mod agenda;
pub mod elsewhere;
pub mod minutes;
mod reminders;
mod rsvp;
pub mod series;

pub use agenda::{AgendaEntry, AgendaLink, MAX_ITEMS, agenda_items};
pub use reminders::{REMINDER_BEFORE, has_due_reminders, remind};
pub use rsvp::{
    JoinOutcome, attendance, counts, participants, register, remote_join, remote_leave, unregister,
};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_ADDRESS: usize = 300;
/// The most seats a meeting has (a town hall, not a stadium).
pub const MAX_CAPACITY: i64 = 100_000;
/// How far ahead a meeting may be scheduled.
pub const MAX_AHEAD: Duration = Duration::days(2 * 365);
/// How long one meeting may last.
pub const MAX_LENGTH: Duration = Duration::days(7);

/// The time zone of a commune's meetings (`Europe/Paris` unless its admin chose another).
pub fn timezone(conn: &mut AnyConnection, commune: ActorId) -> Result<chrono_tz::Tz> {
    let name: Option<String> = communes::table
        .find(commune)
        .select(communes::timezone)
        .first(conn)
        .optional()?;
    Ok(name
        .and_then(|n| n.parse().ok())
        .unwrap_or(chrono_tz::Europe::Paris))
}

/// The language a commune speaks to other servers in (French unless its admin chose another).
pub fn language(conn: &mut AnyConnection, commune: ActorId) -> Result<CommuneLanguage> {
    let code: Option<String> = communes::table
        .find(commune)
        .select(communes::language)
        .first(conn)
        .optional()?;
    Ok(code
        .and_then(|c| CommuneLanguage::parse(&c))
        .unwrap_or(CommuneLanguage::Fr))
}

/// The commune's admin sets its clocks (an IANA time zone, as `Europe/Paris`) and the language it speaks
/// to other servers in. Meetings keep their instant: they are shown on the new clocks.
pub fn set_clock(
    conn: &mut AnyConnection,
    admin: &Account,
    zone: &str,
    language: &str,
) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only admins set the commune's time zone".into(),
        ));
    }
    let tz: chrono_tz::Tz = zone
        .trim()
        .parse()
        .map_err(|_| Error::invalid("timezone", "a time zone as Europe/Paris"))?;
    let language = CommuneLanguage::parse(language.trim())
        .ok_or_else(|| Error::invalid("language", "fr or en"))?;
    diesel::update(communes::table.find(admin.commune_id))
        .set((
            communes::timezone.eq(tz.name()),
            communes::language.eq(language),
        ))
        .execute(conn)?;
    Ok(())
}

/// What the organiser gives: times as the commune's clocks show them.
#[derive(Clone, Debug)]
pub struct NewMeeting {
    pub title: String,
    pub description: String,
    pub category: MeetingCategory,
    pub starts: NaiveDateTime,
    pub ends: NaiveDateTime,
    pub address: String,
    pub coordinates: Option<(f64, f64)>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    pub registration_required: bool,
    /// Its agenda, in order.
    pub agenda: Vec<AgendaEntry>,
}

/// Who schedules a commune's meetings: its officials and its staff (agents, moderators, admins).
pub fn may_organise(account: &Account, commune: ActorId) -> bool {
    account.commune_id == commune
        && matches!(
            account.role,
            Role::Official | Role::Agent | Role::Moderator | Role::Admin
        )
}

fn require_organiser(account: &Account, commune: ActorId) -> Result<()> {
    if may_organise(account, commune) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's officials and staff schedule its meetings".into(),
        ))
    }
}

/// A time on the commune's clocks, in UTC. A time that does not exist (the hour skipped when clocks go
/// forward) is refused; one that happens twice (when they go back) is the first.
fn to_utc(tz: chrono_tz::Tz, local: NaiveDateTime, field: &'static str) -> Result<NaiveDateTime> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .ok_or_else(|| {
            Error::invalid(
                field,
                "this time does not exist on the commune's clocks (they change then)",
            )
        })
}

/// Checks what the organiser gave; returns it with its times in UTC.
fn checked(conn: &mut AnyConnection, commune: ActorId, new: &NewMeeting) -> Result<NewMeeting> {
    let title = bounded("title", &new.title, MAX_TITLE, true)?;
    if title.chars().any(char::is_control) {
        return Err(Error::invalid("title", "must be one line"));
    }
    let description = bounded("description", &new.description, MAX_DESCRIPTION, false)?;
    let address = bounded("address", &new.address, MAX_ADDRESS, false)?;
    let tz = timezone(conn, commune)?;
    let (starts, ends) = (
        to_utc(tz, new.starts, "starts")?,
        to_utc(tz, new.ends, "ends")?,
    );
    if ends <= starts {
        return Err(Error::invalid("ends", "must be after the start"));
    }
    if ends - starts > MAX_LENGTH {
        return Err(Error::invalid("ends", "a meeting lasts at most 7 days"));
    }
    if starts > now() + MAX_AHEAD {
        return Err(Error::invalid(
            "starts",
            "a meeting is scheduled at most two years ahead",
        ));
    }
    if let Some(capacity) = new.capacity
        && !(1..=MAX_CAPACITY).contains(&capacity)
    {
        return Err(Error::invalid(
            "capacity",
            format!("must be between 1 and {MAX_CAPACITY}, or empty for no limit"),
        ));
    }
    if let Some((lat, lon)) = new.coordinates {
        crate::civic::problems::check_place(lat, lon)?;
    }
    let online_url = match new.online_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(link) => {
            let url = url::Url::parse(link)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http"))
                .ok_or_else(|| Error::invalid("online_url", "must be a web address (https://…)"))?;
            Some(url.to_string())
        }
    };
    let agenda = agenda::checked_agenda(conn, commune, &new.agenda)?;
    if address.is_empty() && online_url.is_none() {
        return Err(Error::invalid(
            "address",
            "give the place, or the link of the online meeting",
        ));
    }
    Ok(NewMeeting {
        title,
        description,
        starts,
        ends,
        address,
        online_url,
        agenda,
        ..new.clone()
    })
}

/// The commune's officials or staff schedule a meeting; the commune publishes it.
pub fn create(
    conn: &mut AnyConnection,
    organiser: &Account,
    new: &NewMeeting,
) -> Result<MeetingId> {
    let commune = organiser.commune_id;
    require_organiser(organiser, commune)?;
    let new = checked(conn, commune, new)?;
    if new.starts < now() {
        return Err(Error::invalid("starts", "must be in the future"));
    }
    insert(conn, commune, &new)
}

/// Stores a meeting checked by [`checked`] (times in UTC) and has the commune publish it.
fn insert(conn: &mut AnyConnection, commune: ActorId, new: &NewMeeting) -> Result<MeetingId> {
    let id: MeetingId = crate::on_each_backend!(conn, |c| diesel::insert_into(meetings::table)
        .values((
            meetings::commune_id.eq(commune),
            meetings::title.eq(&new.title),
            meetings::description.eq(&new.description),
            meetings::category.eq(new.category),
            meetings::starts_at.eq(new.starts),
            meetings::ends_at.eq(new.ends),
            meetings::address.eq(&new.address),
            meetings::latitude.eq(new.coordinates.map(|c| c.0)),
            meetings::longitude.eq(new.coordinates.map(|c| c.1)),
            meetings::online_url.eq(&new.online_url),
            meetings::capacity.eq(new.capacity),
            meetings::registration_required.eq(new.registration_required),
            meetings::status.eq(MeetingStatus::Scheduled),
            meetings::created_at.eq(now()),
        ))
        .returning(meetings::id)
        .get_result(c))?;
    agenda::set_agenda(conn, id, &new.agenda)?;
    outbox::record(conn, commune, Outbound::MeetingPublished { meeting: id })?;
    crate::civic::notes::civic_posts::publish(
        conn,
        crate::civic::debates::Writer::Local(commune),
        crate::model::CivicRef::Meeting(id),
        now(),
    )?;
    Ok(id)
}

pub fn meeting(conn: &mut AnyConnection, id: MeetingId) -> Result<Meeting> {
    meetings::table
        .find(id)
        .select(Meeting::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such meeting".into()))
}

/// A commune's meetings still to come (and under way), soonest first; or the past ones, latest first.
pub fn agenda(
    conn: &mut AnyConnection,
    commune: ActorId,
    past: bool,
    limit: i64,
) -> Result<Vec<Meeting>> {
    let query = meetings::table
        .filter(meetings::commune_id.eq(commune))
        .select(Meeting::as_select())
        .limit(limit.clamp(1, 500));
    Ok(if past {
        query
            .filter(meetings::ends_at.le(now()))
            .order(meetings::starts_at.desc())
            .load(conn)?
    } else {
        query
            .filter(meetings::ends_at.gt(now()))
            .order(meetings::starts_at.asc())
            .load(conn)?
    })
}

/// Tells everyone registered here that a meeting changed (moved, or cancelled).
fn tell_participants(conn: &mut AnyConnection, id: MeetingId, but: ActorId) -> Result<()> {
    let people: Vec<ActorId> = meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(id))
        .filter(meeting_participants::account_id.is_not_null())
        .select(meeting_participants::account_id.assume_not_null())
        .load(conn)?;
    for person in people.into_iter().filter(|p| *p != but) {
        notify(
            conn,
            person,
            Notice {
                kind: Kind::MeetingChange,
                debate: None,
                link: Some(format!("/meetings/{id}")),
                about: Some(crate::model::CivicRef::Meeting(id)),
                by: None,
                note: None,
                from: None,
            },
        )?;
    }
    Ok(())
}

/// The organisers move a meeting or change what it says: participants are told, calendars see a new
/// sequence, and the commune sends `Update(Event)`. Seats freed by a larger capacity go to the waiting list.
pub fn change(
    conn: &mut AnyConnection,
    organiser: &Account,
    id: MeetingId,
    new: &NewMeeting,
) -> Result<()> {
    let found = meeting(conn, id)?;
    require_organiser(organiser, found.commune_id)?;
    if found.status == MeetingStatus::Cancelled {
        return Err(Error::Conflict("a cancelled meeting is not changed".into()));
    }
    let new = checked(conn, found.commune_id, new)?;
    diesel::update(meetings::table.find(id))
        .set((
            meetings::title.eq(&new.title),
            meetings::description.eq(&new.description),
            meetings::category.eq(new.category),
            meetings::starts_at.eq(new.starts),
            meetings::ends_at.eq(new.ends),
            meetings::address.eq(&new.address),
            meetings::latitude.eq(new.coordinates.map(|c| c.0)),
            meetings::longitude.eq(new.coordinates.map(|c| c.1)),
            meetings::online_url.eq(&new.online_url),
            meetings::capacity.eq(new.capacity),
            meetings::registration_required.eq(new.registration_required),
            meetings::sequence.eq(found.sequence + 1),
        ))
        .execute(conn)?;
    agenda::set_agenda(conn, id, &new.agenda)?;
    rsvp::fill_seats(conn, id)?;
    tell_participants(conn, id, organiser.actor_id)?;
    outbox::record(
        conn,
        found.commune_id,
        Outbound::MeetingUpdated { meeting: id },
    )
}

/// The organisers cancel a meeting: participants here and elsewhere are told (`Update` with
/// `ical:status` CANCELLED).
pub fn cancel(conn: &mut AnyConnection, organiser: &Account, id: MeetingId) -> Result<()> {
    let found = meeting(conn, id)?;
    require_organiser(organiser, found.commune_id)?;
    let changed = diesel::update(
        meetings::table
            .find(id)
            .filter(meetings::status.eq(MeetingStatus::Scheduled)),
    )
    .set((
        meetings::status.eq(MeetingStatus::Cancelled),
        meetings::sequence.eq(found.sequence + 1),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict("this meeting is already cancelled".into()));
    }
    tell_participants(conn, id, organiser.actor_id)?;
    outbox::record(
        conn,
        found.commune_id,
        Outbound::MeetingUpdated { meeting: id },
    )
}

/// Whether people may still register: scheduled, and not over.
pub fn open_for_registration(meeting: &Meeting) -> Result<()> {
    if meeting.status == MeetingStatus::Cancelled {
        return Err(Error::Conflict("this meeting is cancelled".into()));
    }
    if meeting.ends_at <= now() {
        return Err(Error::Conflict("this meeting is over".into()));
    }
    Ok(())
}
