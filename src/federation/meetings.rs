//! Meetings on the wire, in Mobilizon's shape: an `Event` by the commune with `startTime`, `endTime`,
//! `timezone`, a `location` (`Place` with address and coordinates), `joinMode`, the capacity and counts
//! (`maximumAttendeeCapacity`, `remainingAttendeeCapacity`, `participantCount`), `ical:status`, and a
//! `summary` that Mastodon shows (it shows a converted `Event` as its name, summary and link): the date, the
//! time and the place in the commune's language (set by its admin with its time zone). Created
//! for the commune's followers; each change or cancellation goes out as `Update` to them and to the
//! participants of other servers.
//!
//! People of other servers join with `Join` (its `object` the `Event`'s id) and leave with `Leave`; the
//! commune answers a `Join` with `Accept` (a seat; later, when a seat frees for someone waiting) or
//! `Reject` (cancelled or over).

pub mod elsewhere;

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use url::Url;

use crate::civic::inbox as received;
use crate::civic::meetings;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{ApType, ObjectOut, PUBLIC};
use crate::federation::outbound::{Planned, Sender, audience};
use crate::federation::urls::Urls;
use crate::ids::{ApUrl, MeetingId, ParticipantId, RemoteActorId};
use crate::model::{ActorKind, CommuneLanguage, Meeting, MeetingStatus, RemoteActor};

/// A `Place`, with its postal address as Mobilizon writes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventPlace {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// A meeting as we send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventObject {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub summary: String,
    pub content: String,
    pub media_type: &'static str,
    pub url: Url,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// `mz:timezone`: the commune's time zone.
    pub timezone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<EventPlace>,
    /// `mz:isOnline`.
    pub is_online: bool,
    /// The online meeting's link, as Mobilizon lists links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<serde_json::Value>,
    /// `mz:joinMode`: anyone may join (`free`).
    pub join_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_attendee_capacity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_attendee_capacity: Option<i64>,
    pub participant_count: i64,
    #[serde(rename = "ical:status")]
    pub ical_status: &'static str,
    /// `mz:category`.
    pub category: &'static str,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
}

/// The words of a meeting's summary and content, in the commune's language.
struct Words {
    days: [&'static str; 7],
    months: [&'static str; 12],
    online: &'static str,
    cancelled: &'static str,
    agenda: &'static str,
    minutes: &'static str,
    minutes_pdf: &'static str,
}

const FRENCH: Words = Words {
    days: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    online: "en ligne",
    cancelled: "ANNULÉE",
    agenda: "Ordre du jour :",
    minutes: "Compte rendu :",
    minutes_pdf: "Compte rendu (PDF)",
};

const ENGLISH: Words = Words {
    days: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    online: "online",
    cancelled: "CANCELLED",
    agenda: "Agenda:",
    minutes: "Minutes:",
    minutes_pdf: "Minutes (PDF)",
};

fn words(lang: CommuneLanguage) -> &'static Words {
    match lang {
        CommuneLanguage::Fr => &FRENCH,
        CommuneLanguage::En => &ENGLISH,
    }
}

/// When and where, as people of the commune read it, in its language: "mardi 12 janvier 2027, 18:30–20:00 ·
/// Salle du conseil", "Tuesday 12 January 2027, 18:30–20:00 · Council room" (the end's date is said when it
/// is another day).
pub fn when_and_where(meeting: &Meeting, tz: chrono_tz::Tz, lang: CommuneLanguage) -> String {
    let w = words(lang);
    let start = meeting.starts_at.and_utc().with_timezone(&tz);
    let end = meeting.ends_at.and_utc().with_timezone(&tz);
    let day = |d: &DateTime<chrono_tz::Tz>| {
        format!(
            "{} {} {} {}",
            w.days[d.weekday().num_days_from_monday() as usize],
            d.day(),
            w.months[d.month0() as usize],
            d.year()
        )
    };
    let mut text = format!("{}, {}–", day(&start), start.format("%H:%M"));
    if end.date_naive() != start.date_naive() {
        text.push_str(&format!("{} ", day(&end)));
    }
    text.push_str(&end.format("%H:%M").to_string());
    let place = if meeting.address.is_empty() {
        w.online.to_string()
    } else {
        meeting.address.clone()
    };
    text.push_str(&format!(" · {place}"));
    if meeting.status == MeetingStatus::Cancelled {
        text = format!("{} · {text}", w.cancelled);
    }
    text
}

/// The `Event` of a meeting.
pub fn event(
    conn: &mut AnyConnection,
    urls: &Urls,
    commune: Url,
    meeting: &Meeting,
) -> Result<EventObject> {
    let tz = meetings::timezone(conn, meeting.commune_id)?;
    let lang = meetings::language(conn, meeting.commune_id)?;
    let w = words(lang);
    let (going, _) = meetings::counts(conn, meeting.id)?;
    let id = urls.meeting(meeting.id);
    let location = (!meeting.address.is_empty()).then(|| EventPlace {
        kind: "Place",
        name: meeting.address.clone(),
        latitude: meeting.latitude,
        longitude: meeting.longitude,
    });
    let mut attachment: Vec<serde_json::Value> = meeting
        .online_url
        .iter()
        .map(|link| {
            serde_json::json!({
                "type": "Link",
                "name": "Website",
                "mediaType": "text/html",
                "href": link,
            })
        })
        .collect();
    let followers = urls.followers(&commune).to_string();
    // The agenda, after the description (Mobilizon has no field for it).
    let mut content = crate::civic::debates::text::markdown_to_html(&meeting.description);
    let items = meetings::agenda_items(conn, meeting.id)?;
    if !items.is_empty() {
        content.push_str(&format!("<p>{}</p><ol>", w.agenda));
        for item in &items {
            let title = crate::civic::notes::escape_html(&item.title);
            let link = match (item.debate_id, item.poll_id) {
                (Some(d), _) => Some(urls.debate(d)),
                (None, Some(p)) => Some(urls.poll(p)),
                (None, None) => None,
            };
            match link {
                Some(link) => content.push_str(&format!("<li><a href=\"{link}\">{title}</a></li>")),
                None => content.push_str(&format!("<li>{title}</li>")),
            }
        }
        content.push_str("</ol>");
    }
    // The minutes, once published: their text after the rest, and the PDF attached.
    if let Some(minutes) = meetings::minutes::minutes(conn, meeting.id)? {
        content.push_str(&format!("<p>{}</p>", w.minutes));
        content.push_str(&crate::civic::debates::text::markdown_to_html(
            &minutes.text,
        ));
        if minutes.pdf_file.is_some() {
            let pdf = urls.meeting_minutes_pdf(meeting.id);
            content.push_str(&format!("<p><a href=\"{pdf}\">{}</a></p>", w.minutes_pdf));
            attachment.push(serde_json::json!({
                "type": "Document",
                "name": w.minutes_pdf,
                "mediaType": "application/pdf",
                "url": pdf,
            }));
        }
    }
    Ok(EventObject {
        kind: "Event",
        id: id.clone(),
        attributed_to: commune,
        name: meeting.title.clone(),
        summary: when_and_where(meeting, tz, lang),
        content,
        media_type: "text/html",
        url: id,
        start_time: meeting.starts_at.and_utc(),
        end_time: meeting.ends_at.and_utc(),
        timezone: tz.name().to_string(),
        location,
        is_online: meeting.online_url.is_some(),
        attachment,
        join_mode: "free",
        maximum_attendee_capacity: meeting.capacity,
        remaining_attendee_capacity: meeting.capacity.map(|c| (c - going).max(0)),
        participant_count: going,
        ical_status: match meeting.status {
            MeetingStatus::Scheduled => "CONFIRMED",
            MeetingStatus::Cancelled => "CANCELLED",
        },
        category: "MEETING",
        to: vec![PUBLIC.to_string()],
        cc: vec![followers],
        published: meeting.created_at.and_utc(),
    })
}

fn remote_participant_inboxes(
    conn: &mut AnyConnection,
    id: MeetingId,
) -> Result<std::collections::BTreeSet<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    for p in meetings::participants(conn, id)? {
        if let Some(actor) = p.remote_actor_id {
            let actor = crate::civic::remote::remote_actor(conn, actor)?;
            inboxes.insert(actor.delivery_inbox().to_string());
        }
    }
    Ok(inboxes)
}

fn planned(conn: &mut AnyConnection, s: &Sender, id: MeetingId, kind: ApType) -> Result<Planned> {
    let meeting = meetings::meeting(conn, id)?;
    let object = event(conn, s.urls, s.url.clone(), &meeting)?;
    let (to, cc) = (object.to.clone(), object.cc.clone());
    let activity_id = match kind {
        ApType::Create => s.urls.meeting_create(id),
        _ => s.urls.activity(),
    };
    let activity = s.activity(
        kind,
        activity_id,
        ObjectOut::Event(Box::new(object)),
        to,
        cc,
    );
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    inboxes.extend(remote_participant_inboxes(conn, id)?);
    Ok(Planned::own_object(kind, activity, inboxes))
}

/// A meeting scheduled: the commune's `Create(Event)`.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: MeetingId) -> Result<Planned> {
    planned(conn, s, id, ApType::Create)
}

/// A meeting moved, changed or cancelled: the commune's `Update(Event)`.
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: MeetingId) -> Result<Planned> {
    planned(conn, s, id, ApType::Update)
}

/// A seat for someone of another server: `Accept` of their `Join`.
pub fn join_accepted(conn: &mut AnyConnection, s: &Sender, id: ParticipantId) -> Result<Planned> {
    use diesel::prelude::*;
    let participant: crate::model::Participant = crate::model::schema::meeting_participants::table
        .find(id)
        .select(crate::model::Participant::as_select())
        .first(conn)?;
    let (Some(actor), Some(join)) = (participant.remote_actor_id, participant.join_ap_id) else {
        return Err(Error::internal(
            "only a Join from another server is accepted",
        ));
    };
    answer(conn, s, actor, &join, ApType::Accept)
}

/// A `Join` refused (the meeting is cancelled or over).
pub fn join_rejected(
    conn: &mut AnyConnection,
    s: &Sender,
    actor: RemoteActorId,
    join: &ApUrl,
) -> Result<Planned> {
    answer(conn, s, actor, join.as_str(), ApType::Reject)
}

fn answer(
    conn: &mut AnyConnection,
    s: &Sender,
    actor: RemoteActorId,
    join: &str,
    kind: ApType,
) -> Result<Planned> {
    let actor = crate::civic::remote::remote_actor(conn, actor)?;
    let join = Url::parse(join).map_err(Error::internal)?;
    Ok(Planned::unlisted(
        s.activity(
            kind,
            s.urls.activity(),
            ObjectOut::Link(join),
            vec![actor.ap_id.clone()],
            vec![],
        ),
        [actor.delivery_inbox().to_string()],
    ))
}

/// `Join` of one of our meetings by someone of another server, as themselves.
pub async fn receive_join(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    meeting: MeetingId,
) -> Result<()> {
    let join =
        ApUrl::parse(&activity_id).map_err(|_| Error::BadRequest("a Join needs an id".into()))?;
    let outcome = ctx
        .db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(None);
            }
            meetings::remote_join(conn, meeting, signer.id, &join).map(Some)
        })
        .await?;
    ctx.wake.notify_one();
    match outcome {
        Some(meetings::JoinOutcome::Refused(reason)) => {
            tracing::info!(%reason, "a Join was refused");
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `Leave` of one of our meetings: the signer's own registration only.
pub async fn receive_leave(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    meeting: MeetingId,
) -> Result<()> {
    let left = ctx
        .db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(true);
            }
            meetings::remote_leave(conn, meeting, signer.id)
        })
        .await?;
    if !left {
        return Err(Error::NotFound(
            "the sender is not registered for this meeting".into(),
        ));
    }
    ctx.wake.notify_one();
    ctx.mail_wake.notify_one();
    Ok(())
}

/// `GET /meetings/{id}` asked by a server: the meeting's `Event`.
pub async fn event_document(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    crate::federation::object_document(
        &ctx,
        &uri,
        &headers,
        &id,
        "meeting",
        MeetingId,
        |conn, urls, id| {
            let meeting = meetings::meeting(conn, id)?;
            let commune = queries::actor_by_id(conn, meeting.commune_id)?;
            event(
                conn,
                urls,
                urls.actor(ActorKind::Commune, &commune.username),
                &meeting,
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(starts: &str, ends: &str) -> Meeting {
        let at = |s: &str| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .unwrap_or_else(|e| panic!("{e}"))
        };
        Meeting {
            id: MeetingId(1),
            commune_id: crate::ids::ActorId(1),
            title: "Conseil municipal".into(),
            description: String::new(),
            category: crate::model::MeetingCategory::CouncilSession,
            starts_at: at(starts),
            ends_at: at(ends),
            address: "Salle du conseil".into(),
            latitude: None,
            longitude: None,
            online_url: None,
            capacity: Some(40),
            registration_required: false,
            status: MeetingStatus::Scheduled,
            sequence: 0,
            created_at: at(starts),
        }
    }

    #[test]
    fn the_summary_says_when_and_where_on_the_communes_clocks() {
        let paris = chrono_tz::Europe::Paris;
        // 17:30 UTC in January is 18:30 in Paris (winter time); in July, 19:30 (summer time).
        let fr = CommuneLanguage::Fr;
        assert_eq!(
            when_and_where(&meeting("2027-01-12 17:30", "2027-01-12 19:00"), paris, fr),
            "mardi 12 janvier 2027, 18:30–20:00 · Salle du conseil"
        );
        assert_eq!(
            when_and_where(&meeting("2027-07-06 17:30", "2027-07-06 19:00"), paris, fr),
            "mardi 6 juillet 2027, 19:30–21:00 · Salle du conseil"
        );
        // In English, on Montréal's clocks (UTC-5 in winter).
        assert_eq!(
            when_and_where(
                &meeting("2027-01-12 17:30", "2027-01-12 19:00"),
                chrono_tz::America::Montreal,
                CommuneLanguage::En
            ),
            "Tuesday 12 January 2027, 12:30–14:00 · Salle du conseil"
        );
        let mut cancelled = meeting("2027-01-12 17:30", "2027-01-13 09:00");
        cancelled.status = MeetingStatus::Cancelled;
        assert_eq!(
            when_and_where(&cancelled, paris, fr),
            "ANNULÉE · mardi 12 janvier 2027, 18:30–mercredi 13 janvier 2027 10:00 · Salle du conseil"
        );
    }
}
