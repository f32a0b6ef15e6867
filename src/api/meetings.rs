//! Meetings in JSON (the commune's agenda, one meeting with its seats) and as CSV open data. Times are UTC
//! (RFC 3339) with the commune's time zone beside them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::{CurrentAccount, ReadStatuses};
use crate::civic::meetings;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::ids::{ActorId, MeetingId};
use crate::model::{ActorKind, Meeting};

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: String,
    /// The ActivityPub id (the commune's `Event`), also its web page.
    pub uri: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    /// council_session, public_meeting, workshop or office_hours.
    pub category: String,
    /// scheduled or cancelled.
    pub status: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The commune's time zone, in which people read the times.
    pub timezone: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: Option<String>,
    /// Seats; null: no limit.
    pub capacity: Option<i64>,
    pub registration_required: bool,
    pub going: i64,
    pub waiting: i64,
    /// Where the caller stands: going, waiting, or null.
    pub attendance: Option<String>,
    /// Its iCalendar file.
    pub ics: String,
}

fn dto(
    conn: &mut AnyConnection,
    ctx: &AppContext,
    m: &Meeting,
    viewer: Option<ActorId>,
) -> Result<MeetingDto> {
    let (going, waiting) = meetings::counts(conn, m.id)?;
    let tz = meetings::timezone(conn, m.commune_id)?;
    let attendance = match viewer {
        Some(v) => meetings::attendance(conn, m.id, v)?.map(|a| a.as_str().to_string()),
        None => None,
    };
    let uri = ctx.urls.meeting(m.id).to_string();
    Ok(MeetingDto {
        id: m.id.to_string(),
        ics: format!("{uri}/calendar.ics"),
        uri,
        title: m.title.clone(),
        description: m.description.clone(),
        category: m.category.as_str().into(),
        status: m.status.as_str().into(),
        starts_at: m.starts_at.and_utc().to_rfc3339(),
        ends_at: m.ends_at.and_utc().to_rfc3339(),
        timezone: tz.name().into(),
        address: m.address.clone(),
        latitude: m.latitude,
        longitude: m.longitude,
        online_url: m.online_url.clone(),
        capacity: m.capacity,
        registration_required: m.registration_required,
        going,
        waiting,
        attendance,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeetingListQuery {
    /// The past meetings, latest first (else those to come, soonest first).
    pub past: Option<bool>,
}

/// The caller's commune, else the default one.
fn commune_of(conn: &mut AnyConnection, caller: Option<ActorId>) -> Result<ActorId> {
    if let Some(c) = caller {
        return Ok(c);
    }
    Ok(queries::default_commune(conn)?
        .ok_or_else(|| Error::NotFound("no commune here yet".into()))?
        .id)
}

#[utoipa::path(get, path = "/api/v1/parvis/meetings", tag = "meetings", params(MeetingListQuery),
    responses((status = 200, body = Vec<MeetingDto>)))]
pub async fn list(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Query(q): Query<MeetingListQuery>,
) -> Result<Json<Vec<MeetingDto>>> {
    let caller = current.as_ref().map(|c| c.account.commune_id);
    let viewer = current.map(|c| c.account.actor_id);
    let context = ctx.clone();
    let found = ctx
        .db
        .run(move |conn| {
            let commune = commune_of(conn, caller)?;
            meetings::agenda(conn, commune, q.past.unwrap_or(false), 200)?
                .iter()
                .map(|m| dto(conn, &context, m, viewer))
                .collect()
        })
        .await?;
    Ok(Json(found))
}

#[utoipa::path(get, path = "/api/v1/parvis/meetings/{id}", tag = "meetings",
    params(("id" = String, Path)), responses((status = 200, body = MeetingDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(raw): Path<String>,
) -> Result<Json<MeetingDto>> {
    let id = raw
        .parse()
        .map(MeetingId)
        .map_err(|_| Error::NotFound("no such meeting".into()))?;
    let viewer = current.map(|c| c.account.actor_id);
    let context = ctx.clone();
    let found = ctx
        .db
        .run(move |conn| {
            let m = meetings::meeting(conn, id)?;
            dto(conn, &context, &m, viewer)
        })
        .await?;
    Ok(Json(found))
}

/// `GET /communes/{name}/meetings.csv`: the commune's meetings (to come and past) as open data.
#[utoipa::path(get, path = "/communes/{name}/meetings.csv", tag = "open data",
    params(("name" = String, Path, description = "the commune's name")),
    responses((status = 200, description = "CSV, one line per meeting", content_type = "text/csv"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn csv(State(ctx): State<AppContext>, Path(name): Path<String>) -> Result<Response> {
    use crate::web::proposals::csv_field;
    let name = name.trim_start_matches('@').to_ascii_lowercase();
    let context = ctx.clone();
    let rows = ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let mut list = meetings::agenda(conn, commune.id, false, 500)?;
            list.extend(meetings::agenda(conn, commune.id, true, 500)?);
            list.iter()
                .map(|m| dto(conn, &context, m, None))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    let mut out = String::from(
        "id,url,title,category,status,starts_at,ends_at,timezone,address,latitude,longitude,online_url,capacity,going,waiting\r\n",
    );
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for m in &rows {
        let fields = [
            m.id.clone(),
            m.uri.clone(),
            m.title.clone(),
            m.category.clone(),
            m.status.clone(),
            m.starts_at.clone(),
            m.ends_at.clone(),
            m.timezone.clone(),
            m.address.clone(),
            opt(m.latitude),
            opt(m.longitude),
            m.online_url.clone().unwrap_or_default(),
            m.capacity.map(|c| c.to_string()).unwrap_or_default(),
            m.going.to_string(),
            m.waiting.to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        out,
    )
        .into_response())
}
