//! Events of other servers: an `Event` created or updated by a commune or a group that people here follow
//! (another Parvis's meeting, a Mobilizon event) is kept and listed as "nearby"; people here register from
//! home with a `Join` from their own account (its `object` the event's id, sent to its organiser), cancel
//! with a `Leave`, and the event's server answers with `Accept` or `Reject` of the `Join`.
//!
//! What the sender could lie about, and what stops it: the event's `id` must be on the signer's server and
//! the signer must be the event's `attributedTo` (or, as Mobilizon writes a group's events, its `actor`);
//! `url` and the online link are believed only as http(s), the page only on the event's own server; a copy
//! never moves to another organiser; the description is cleaned; a `location` must be a `Place`; the dates
//! must make sense (an end after the start, within two years). Only the event's own server answers a
//! registration for it.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::*;
use crate::civic::meetings::elsewhere::{self, ReceivedEvent};
use crate::federation::activities::{first_id, one_or_many_values, optional_id};
use crate::federation::domain_of;
use crate::federation::inbound::Verb;
use crate::ids::RemoteParticipationId;

/// The longest event kept (a festival, a fortnight of consultation).
const MAX_LENGTH_DAYS: i64 = 366;

/// An event as another server sends it (Mobilizon's fields, which we send too).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventIn {
    id: Url,
    #[serde(deserialize_with = "first_id")]
    attributed_to: Url,
    /// Mobilizon: the person who organises a group's event.
    #[serde(default, deserialize_with = "optional_id")]
    actor: Option<Url>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    url: Option<Url>,
    start_time: DateTime<Utc>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    location: Option<Value>,
    #[serde(default, deserialize_with = "one_or_many_values")]
    attachment: Vec<Value>,
    #[serde(default)]
    maximum_attendee_capacity: Option<i64>,
    /// Mobilizon's context maps a plain `status` to `ical:status`; it writes both.
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "ical:status")]
    ical_status: Option<String>,
}

/// A `Place` as Mobilizon writes it: a name, a `PostalAddress`, coordinates.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlaceIn {
    #[serde(rename = "type")]
    kind: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<Value>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

fn web(url: &Url) -> bool {
    matches!(url.scheme(), "https" | "http")
}

/// One line, at most `max` characters, without control characters.
fn line(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(max)
        .collect()
}

/// The place's name and postal address, as one line.
fn address_of(place: &PlaceIn) -> String {
    let mut parts: Vec<String> = place.name.iter().map(|n| line(n, 200)).collect();
    match &place.address {
        Some(Value::String(s)) => parts.push(line(s, 200)),
        Some(Value::Object(a)) => {
            let field = |k: &str| a.get(k).and_then(Value::as_str).map(|s| line(s, 100));
            let street = field("streetAddress");
            let town = [field("postalCode"), field("addressLocality")]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            parts.extend(street.into_iter().chain([town]));
        }
        _ => {}
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    line(&parts.join(", "), meetings::MAX_ADDRESS)
}

/// Reads an event sent by `sender`: refused unless it is the sender's own (its id on the sender's server,
/// attributed to the sender or organised by it), with a place that is a `Place` and dates that make sense.
pub fn read_event(event: &Value, sender: &RemoteActor) -> Result<(ReceivedEvent, Option<Url>)> {
    let event: EventIn = serde_json::from_value(event.clone())
        .map_err(|e| Error::BadRequest(format!("the Event is malformed: {e}")))?;
    if !web(&event.id) {
        return Err(Error::BadRequest(
            "an Event's id must be an https URL".into(),
        ));
    }
    let by_sender = event.attributed_to.as_str() == sender.ap_id
        || event
            .actor
            .as_ref()
            .is_some_and(|a| a.as_str() == sender.ap_id);
    let server = domain_of(&event.id);
    if !by_sender || server != sender.domain || domain_of(&event.attributed_to) != server {
        return Err(Error::Forbidden(format!(
            "{} is not an event of {}",
            event.id, sender.ap_id
        )));
    }
    let title = line(
        event.name.as_deref().unwrap_or_default(),
        meetings::MAX_TITLE,
    );
    if title.is_empty() {
        return Err(Error::BadRequest("an Event needs a name".into()));
    }
    let starts = event.start_time;
    if let Some(ends) = event.end_time {
        if ends < starts {
            return Err(Error::BadRequest(
                "the Event's endTime is before its startTime".into(),
            ));
        }
        if ends - starts > Duration::days(MAX_LENGTH_DAYS) {
            return Err(Error::BadRequest("an Event lasts at most a year".into()));
        }
    }
    if starts.naive_utc() > crate::civic::now() + meetings::MAX_AHEAD {
        return Err(Error::BadRequest(
            "the Event's startTime is more than two years away".into(),
        ));
    }
    let place = match event.location {
        None | Some(Value::Null) => None,
        Some(value) => {
            let place: PlaceIn = serde_json::from_value(value)
                .map_err(|_| Error::BadRequest("the Event's location is not a Place".into()))?;
            let is_place = match &place.kind {
                Value::String(t) => t == "Place",
                Value::Array(ts) => ts.iter().any(|t| t == "Place"),
                _ => false,
            };
            if !is_place {
                return Err(Error::BadRequest(
                    "the Event's location is not a Place".into(),
                ));
            }
            Some(place)
        }
    };
    let coordinates = match place.as_ref().map(|p| (p.latitude, p.longitude)) {
        Some((Some(lat), Some(lon))) => {
            crate::civic::problems::check_place(lat, lon).map_err(|_| {
                Error::BadRequest("the Event's coordinates are not on Earth".into())
            })?;
            Some((lat, lon))
        }
        _ => None,
    };
    let capacity = match event.maximum_attendee_capacity {
        Some(n) if n < 0 => {
            return Err(Error::BadRequest(
                "the Event's maximumAttendeeCapacity is negative".into(),
            ));
        }
        // Mobilizon writes 0 for "no limit".
        Some(0) | None => None,
        Some(n) => Some(n.min(meetings::MAX_CAPACITY)),
    };
    let online_url = event
        .attachment
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
        .filter_map(|a| a.get("href").and_then(Value::as_str))
        .filter_map(|href| Url::parse(href).ok())
        .find(web)
        .map(String::from);
    let status = match event.status.or(event.ical_status).as_deref() {
        Some("CANCELLED") => MeetingStatus::Cancelled,
        _ => MeetingStatus::Scheduled,
    };
    let own = |u: &Url| web(u) && domain_of(u) == domain_of(&event.id);
    let url = event.url.filter(own).unwrap_or_else(|| event.id.clone());
    let group = (event.attributed_to.as_str() != sender.ap_id).then_some(event.attributed_to);
    let received = ReceivedEvent {
        ap_id: event.id.to_string(),
        organiser: sender.id,
        url: url.to_string(),
        title,
        content_html: crate::civic::notes::sanitize_remote_html(
            event.content.as_deref().unwrap_or_default(),
        ),
        starts_at: starts.naive_utc(),
        ends_at: event.end_time.map(|e| e.naive_utc()),
        timezone: event
            .timezone
            .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok()),
        address: place.as_ref().map(address_of).unwrap_or_default(),
        coordinates,
        online_url,
        capacity,
        status,
    };
    Ok((received, group))
}

/// `Create` or `Update` of an `Event`: kept when people here follow its organiser or its group (or
/// registered for it), else taken and dropped (as Mastodon drops a post nobody here follows). A group's
/// event sent by the person organising it (Mobilizon's way) is kept as the group's: registrations go to
/// the group.
pub async fn receive_event(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    verb: Verb,
    value: &Value,
) -> Result<()> {
    if id_of_value(value).is_some_and(|id| Url::parse(id).is_ok_and(|u| ctx.urls.is_local(&u))) {
        return Err(Error::Forbidden(
            "an event of ours is not changed elsewhere".into(),
        ));
    }
    let (mut event, group) = read_event(value, &signer)?;
    // Mobilizon gives a Create and every Update of an event the same id: an Update is told apart by what it
    // says, so that a replay changes nothing and a change is not taken for a replay.
    let seen_as = match verb {
        Verb::Create => activity_id,
        Verb::Update => format!("{activity_id}#{}", crate::federation::digest_of(value)),
    };
    ctx.db
        .transaction(move |conn| {
            // The group, when it is known here and of the event's server (the reader checked the server).
            if let Some(group) = group
                && let Some(known) = crate::civic::remote::by_ap_id(conn, group.as_str())?
                && crate::db::queries::is_followed_from_here(conn, known.id)?
            {
                event.organiser = known.id;
            }
            if !elsewhere::is_wanted(conn, event.organiser, &event.ap_id)? {
                return Ok(());
            }
            if !received::first_time(conn, &seen_as)? {
                return Ok(());
            }
            elsewhere::store_remote(conn, &event).map(drop)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(())
}

fn id_of_value(value: &Value) -> Option<&str> {
    crate::federation::activities::id_of(value)
}

/// The event's server answered the `Join` of someone here (`Accept`: a seat; `Reject`: refused). Only the
/// server of the event answers for it.
pub async fn receive_answer(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    participation: RemoteParticipationId,
    accepted: bool,
) -> Result<()> {
    ctx.db
        .transaction(move |conn| {
            let found = elsewhere::participation(conn, participation)?;
            let (event, _) = elsewhere::remote_event(conn, found.remote_event_id)?;
            let event_server = Url::parse(&event.ap_id)
                .map(|u| domain_of(&u))
                .unwrap_or_default();
            if event_server != signer.domain {
                return Err(Error::Forbidden(format!(
                    "{} does not answer for {}",
                    signer.ap_id, event.ap_id
                )));
            }
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            elsewhere::answered(conn, participation, accepted).map(drop)
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(())
}

/// The `Join` or `Leave` of someone here, sent to the event's organiser.
fn participation_activity(
    conn: &mut AnyConnection,
    s: &Sender,
    id: RemoteParticipationId,
    joining: bool,
) -> Result<Planned> {
    let found = elsewhere::participation(conn, id)?;
    let (event, organiser) = elsewhere::remote_event(conn, found.remote_event_id)?;
    let object = Url::parse(&event.ap_id).map_err(Error::internal)?;
    let (kind, activity_id) = if joining {
        (ApType::Join, s.urls.event_join(id))
    } else {
        (ApType::Leave, s.urls.event_leave(id))
    };
    Ok(Planned::unlisted(
        s.activity(
            kind,
            activity_id,
            ObjectOut::Link(object),
            vec![organiser.ap_id.clone()],
            vec![],
        ),
        [organiser.delivery_inbox().to_string()],
    ))
}

/// Someone here registers for an event elsewhere: their `Join`.
pub fn joined(conn: &mut AnyConnection, s: &Sender, id: RemoteParticipationId) -> Result<Planned> {
    participation_activity(conn, s, id, true)
}

/// Someone here cancels: their `Leave`.
pub fn left(conn: &mut AnyConnection, s: &Sender, id: RemoteParticipationId) -> Result<Planned> {
    participation_activity(conn, s, id, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organiser() -> RemoteActor {
        RemoteActor::sample("https://mobilizon.example/@quartier", "Group")
    }

    fn event() -> Value {
        serde_json::json!({
            "type": "Event",
            "id": "https://mobilizon.example/events/7f3c",
            "url": "https://mobilizon.example/events/7f3c",
            "attributedTo": "https://mobilizon.example/@quartier",
            "actor": "https://mobilizon.example/@camille",
            "name": "Atelier vélo\n<b>gratuit</b>",
            "content": "<p>Réparez votre vélo.</p><script>alert(1)</script><img src=x onerror=alert(2)>",
            "mediaType": "text/html",
            "startTime": "2027-03-13T09:00:00+01:00",
            "endTime": "2027-03-13T12:00:00+01:00",
            "timezone": "Europe/Paris",
            "location": {
                "type": "Place",
                "name": "Maison des associations",
                "address": {
                    "type": "PostalAddress",
                    "streetAddress": "2 place du Marché",
                    "postalCode": "69001",
                    "addressLocality": "Lyon",
                    "addressCountry": "France"
                },
                "latitude": 45.76,
                "longitude": 4.83
            },
            "attachment": [{"type": "Link", "name": "Website", "mediaType": "text/html", "href": "https://visio.example/atelier"},
                           {"type": "Link", "href": "javascript:alert(3)"}],
            "joinMode": "free",
            "maximumAttendeeCapacity": 0,
            "ical:status": "CONFIRMED"
        })
    }

    #[test]
    fn a_mobilizon_event_is_read_with_its_place_times_and_link() {
        let (read, group) = read_event(&event(), &organiser()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(group, None, "sent by the group itself");
        assert_eq!(
            read.title, "Atelier vélo <b>gratuit</b>",
            "one line, shown escaped"
        );
        assert_eq!(
            read.starts_at.to_string(),
            "2027-03-13 08:00:00",
            "stored in UTC"
        );
        assert_eq!(
            read.address,
            "Maison des associations, 2 place du Marché, 69001 Lyon"
        );
        assert_eq!(read.coordinates, Some((45.76, 4.83)));
        assert_eq!(read.capacity, None, "0 is Mobilizon's no limit");
        assert_eq!(
            read.online_url.as_deref(),
            Some("https://visio.example/atelier")
        );
        assert_eq!(read.timezone.as_deref(), Some("Europe/Paris"));
        assert_eq!(read.status, MeetingStatus::Scheduled);
        assert!(read.content_html.contains("Réparez votre vélo."));
        assert!(
            !read.content_html.contains("script") && !read.content_html.contains("onerror"),
            "{}",
            read.content_html
        );
        // Organised by a person of the same server for the group: the person may send it too.
        // It names the group, to be kept as the group's when people here follow it.
        let camille = RemoteActor::sample("https://mobilizon.example/@camille", "Person");
        let (_, group) = read_event(&event(), &camille).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            group.as_ref().map(Url::as_str),
            Some("https://mobilizon.example/@quartier")
        );
        // Mobilizon writes the status twice; the plain `status` first.
        let mut cancelled = event();
        cancelled["status"] = "CANCELLED".into();
        let (read, _) = read_event(&cancelled, &organiser()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.status, MeetingStatus::Cancelled);
    }

    #[test]
    fn an_event_of_someone_else_or_with_bad_dates_or_place_is_refused() {
        let refused = |e: Value, says: &str| match read_event(&e, &organiser()) {
            Err(err) => assert!(err.to_string().contains(says), "{says}: {err}"),
            Ok(read) => panic!("{says}: read {read:?}"),
        };
        let mut spoofed = event();
        spoofed["attributedTo"] = "https://mobilizon.example/@autre".into();
        spoofed["actor"] = Value::Null;
        refused(spoofed, "is not an event of");
        let mut elsewhere = event();
        elsewhere["id"] = "https://evil.example/events/1".into();
        refused(elsewhere, "is not an event of");
        // Sent by its organiser, but for a group of another server.
        let mut foreign_group = event();
        foreign_group["attributedTo"] = "https://ville.example/communes/ville".into();
        let camille = RemoteActor::sample("https://mobilizon.example/@camille", "Person");
        assert!(matches!(
            read_event(&foreign_group, &camille),
            Err(Error::Forbidden(_))
        ));
        let mut backwards = event();
        backwards["endTime"] = "2027-03-13T07:00:00Z".into();
        refused(backwards, "before its startTime");
        let mut far = event();
        far["startTime"] = "2040-01-01T10:00:00Z".into();
        far["endTime"] = "2040-01-01T12:00:00Z".into();
        refused(far, "two years away");
        let mut not_a_place = event();
        not_a_place["location"] = serde_json::json!({"type": "Note", "name": "x"});
        refused(not_a_place, "not a Place");
        let mut a_string = event();
        a_string["location"] = "https://mobilizon.example/addresses/1".into();
        refused(a_string, "not a Place");
        let mut negative = event();
        negative["maximumAttendeeCapacity"] = (-3).into();
        refused(negative, "negative");
        let mut nameless = event();
        nameless["name"] = " ".into();
        refused(nameless, "needs a name");
        let mut undated = event();
        undated["startTime"] = "demain".into();
        refused(undated, "malformed");
    }
}
