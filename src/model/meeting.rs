//! Meetings of a commune: council sessions, public meetings, workshops, an official's office hours; and who
//! registered (going, or waiting for a seat).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{
    ActorId, DebateId, MeetingId, ParticipantId, PollId, RemoteActorId, RemoteEventId,
    RemoteParticipationId, SeriesId,
};
use crate::model::schema::{
    meeting_agenda_items, meeting_minutes, meeting_participants, meeting_series, meetings,
    remote_event_participations, remote_events,
};

text_enum!(
    /// The language a commune speaks to other servers in (its meetings' summaries).
    CommuneLanguage {
        Fr => "fr",
        En => "en",
    }
);

text_enum!(
    /// What kind of meeting.
    MeetingCategory {
        CouncilSession => "council_session",
        PublicMeeting => "public_meeting",
        Workshop => "workshop",
        OfficeHours => "office_hours",
    }
);

text_enum!(
    /// Whether it takes place.
    MeetingStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// A registration: a seat, or a place on the waiting list.
    Attendance {
        Going => "going",
        Waiting => "waiting",
    }
);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: MeetingId,
    pub commune_id: ActorId,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub category: MeetingCategory,
    /// In UTC; shown in the commune's time zone.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: Option<String>,
    /// Seats; `None`: as many as come.
    pub capacity: Option<i64>,
    pub registration_required: bool,
    pub status: MeetingStatus,
    /// Bumped on every change people must hear of (iCalendar's `SEQUENCE`).
    pub sequence: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meeting_participants)]
pub struct Participant {
    pub id: ParticipantId,
    pub meeting_id: MeetingId,
    pub account_id: Option<ActorId>,
    pub remote_actor_id: Option<RemoteActorId>,
    /// The `Join` of someone on another server.
    pub join_ap_id: Option<String>,
    pub state: Attendance,
    pub created_at: NaiveDateTime,
}

/// An item of a meeting's agenda, in its place.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meeting_agenda_items)]
pub struct AgendaItem {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub position: i32,
    pub title: String,
    /// The debate (or proposal) it is about.
    pub debate_id: Option<DebateId>,
    /// The poll it is about.
    pub poll_id: Option<PollId>,
}

text_enum!(
    /// Where someone here stands for an event of another server: `Pending` once the `Join` is sent (no
    /// answer yet, or waiting for a seat there), `Going` when accepted, `Refused` when rejected, `Left` once
    /// a `Leave` is sent.
    RemoteAttendance {
        Pending => "pending",
        Going => "going",
        Refused => "refused",
        Left => "left",
    }
);

/// An event of another server, as its organiser's `Event` says it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = remote_events)]
pub struct RemoteEvent {
    pub id: RemoteEventId,
    pub ap_id: String,
    /// Who published it (the signer of its `Create`), and where registrations (`Join`) go.
    pub organiser_id: RemoteActorId,
    /// Its page on its server.
    pub url: String,
    pub title: String,
    /// Cleaned HTML.
    pub content_html: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    /// The time zone its organiser gave (a known IANA name), else `None`.
    pub timezone: Option<String>,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    pub status: MeetingStatus,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = remote_event_participations)]
pub struct RemoteParticipation {
    pub id: RemoteParticipationId,
    pub remote_event_id: RemoteEventId,
    pub account_id: ActorId,
    pub state: RemoteAttendance,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

/// The minutes of a meeting: Markdown, and an uploaded PDF.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meeting_minutes)]
pub struct Minutes {
    pub meeting_id: MeetingId,
    pub text: String,
    /// The stored PDF's file name (under `media/minutes`).
    pub pdf_file: Option<String>,
    pub pdf_bytes: Option<i64>,
    pub published_by: ActorId,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

text_enum!(
    /// How often office hours repeat: every week, or every month on the same weekday of the month (the
    /// second Tuesday; a fifth weekday is read as the month's last).
    Frequency {
        Weekly => "weekly",
        Monthly => "monthly",
    }
);

/// A rule repeating a meeting, and the meeting it repeats (as the commune's clocks show the first one).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meeting_series)]
pub struct Series {
    pub id: SeriesId,
    pub commune_id: ActorId,
    pub frequency: Frequency,
    pub title: String,
    pub description: String,
    /// The first occurrence's start, on the commune's clocks: its day anchors the rule.
    pub starts_local: NaiveDateTime,
    pub duration_minutes: i32,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    pub registration_required: bool,
    /// The last day an occurrence may fall on.
    pub until_day: Option<chrono::NaiveDate>,
    /// The last day occurrences were made up to.
    pub generated_through: chrono::NaiveDate,
    pub created_at: NaiveDateTime,
}
