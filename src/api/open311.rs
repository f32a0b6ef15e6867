//! Open311 GeoReport v2 (<https://wiki.open311.org/GeoReport_v2>), the open standard city apps speak, in
//! JSON under `/open311/v2/`: `discovery`, `services` (the commune's categories), `requests` (the list, with
//! the standard filters, and filing one with an app's API key) and `requests/{id}`. A jurisdiction is a
//! commune (`jurisdiction_id`: its name; the instance's default commune when absent). Errors are Open311's
//! list of `{code, description}` with the HTTP status. What an app sends of a person (name, email, phone,
//! device and account ids) is not kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::civic::problems::{self, Filer, Filter, NewProblem};
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::Error;
use crate::ids::{ActorId, CategoryId, ProblemId};
use crate::model::schema::{problem_history, problem_photos};
use crate::model::{Actor, ActorKind, Problem, ProblemStatus};

/// Most requests one list answers (Open311's usual cap).
const MAX_REQUESTS: i64 = 1000;
/// Without dates, the list covers this many days back (as the specification suggests).
const DEFAULT_DAYS: i64 = 90;

/// One Open311 error.
#[derive(Debug, Serialize, ToSchema)]
pub struct Open311ErrorDto {
    pub code: u16,
    pub description: String,
}

/// An error answered as Open311 does: its HTTP status, and a list of one `{code, description}`. A rule's
/// refusal of a field is a `400` here (Open311 has no `422`).
#[derive(Debug)]
pub struct Open311Error(Error);

impl From<Error> for Open311Error {
    fn from(e: Error) -> Self {
        Open311Error(e)
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let (code, description) = match &self.0 {
            Error::Invalid { field, message } => (400, format!("{field}: {message}")),
            Error::Internal(_) => (500, "internal error".to_string()),
            other => (other.status(), other.to_string()),
        };
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(vec![Open311ErrorDto { code, description }])).into_response()
    }
}

type Answer<T> = std::result::Result<Json<T>, Open311Error>;

/// The commune a `jurisdiction_id` names (the default commune when there is none).
fn jurisdiction(conn: &mut AnyConnection, raw: Option<&str>) -> crate::error::Result<Actor> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => queries::default_commune(conn)?
            .ok_or_else(|| Error::NotFound("no commune here yet".into())),
        Some(name) => queries::actor_of_kind(conn, ActorKind::Commune, &name.to_ascii_lowercase())?
            .ok_or_else(|| Error::NotFound(format!("unknown jurisdiction_id '{name}'"))),
    }
}

fn datetime(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointDto {
    pub specification: String,
    pub url: String,
    pub changeset: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub formats: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscoveryDto {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<EndpointDto>,
}

/// `GET /open311/v2/discovery.json`: where the service is and what it speaks.
#[utoipa::path(get, path = "/open311/v2/discovery.json", tag = "open311",
    responses((status = 200, body = DiscoveryDto)))]
pub async fn discovery(State(ctx): State<AppContext>) -> Answer<DiscoveryDto> {
    let base = ctx.urls.base().clone();
    let url = base.join("/open311/v2/").map_err(Error::internal)?;
    let admin = base.join("/admin/open311").map_err(Error::internal)?;
    Ok(Json(DiscoveryDto {
        changeset: "2026-12-07T00:00:00Z".into(),
        contact: base.to_string(),
        key_service: format!("API keys are given by the commune's admin ({admin})"),
        endpoints: vec![EndpointDto {
            specification: "http://wiki.open311.org/GeoReport_v2".into(),
            url: url.to_string(),
            changeset: "2026-12-07T00:00:00Z".into(),
            kind: "production".into(),
            formats: vec!["application/json".into()],
        }],
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JurisdictionQuery {
    /// The commune's name (the default commune when absent).
    pub jurisdiction_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDto {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    /// No extra attributes are asked.
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: String,
    pub keywords: String,
    pub group: String,
}

/// `GET /open311/v2/services.json`: the commune's categories still offered.
#[utoipa::path(get, path = "/open311/v2/services.json", tag = "open311", params(JurisdictionQuery),
    responses((status = 200, body = Vec<ServiceDto>), (status = 404, body = Vec<Open311ErrorDto>)))]
pub async fn services(
    State(ctx): State<AppContext>,
    Query(q): Query<JurisdictionQuery>,
) -> Answer<Vec<ServiceDto>> {
    let categories = ctx
        .db
        .run(move |conn| {
            let commune = jurisdiction(conn, q.jurisdiction_id.as_deref())?;
            problems::categories(conn, commune.id)
        })
        .await?;
    Ok(Json(
        categories
            .into_iter()
            .filter(|c| !c.archived)
            .map(|c| ServiceDto {
                service_code: c.id.to_string(),
                service_name: c.name.clone(),
                description: c.name,
                metadata: false,
                kind: "realtime".into(),
                keywords: String::new(),
                group: String::new(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDto {
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// The public message of its latest change.
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    pub address: String,
    pub address_id: String,
    pub zipcode: String,
    pub lat: f64,
    pub long: f64,
    /// Its first photo accepted by staff (empty when none).
    pub media_url: String,
}

/// Requests as Open311 shows them: with their category's name, latest message and first public photo.
fn requests(
    conn: &mut AnyConnection,
    ctx: &AppContext,
    commune: &Actor,
    list: Vec<Problem>,
) -> crate::error::Result<Vec<RequestDto>> {
    let ids: Vec<ProblemId> = list.iter().map(|p| p.id).collect();
    let categories = problems::categories(conn, commune.id)?;
    let mut notes: std::collections::HashMap<ProblemId, String> = Default::default();
    for (problem, message) in problem_history::table
        .filter(problem_history::problem_id.eq_any(&ids))
        .order(problem_history::id.asc())
        .select((problem_history::problem_id, problem_history::message))
        .load::<(ProblemId, String)>(conn)?
    {
        notes.insert(problem, message);
    }
    let mut photos: std::collections::HashMap<ProblemId, i64> = Default::default();
    for (problem, photo) in problem_photos::table
        .filter(problem_photos::problem_id.eq_any(&ids))
        .filter(problem_photos::accepted_at.is_not_null())
        .order(problem_photos::id.desc())
        .select((problem_photos::problem_id, problem_photos::id))
        .load::<(ProblemId, i64)>(conn)?
    {
        photos.insert(problem, photo);
    }
    Ok(list
        .into_iter()
        .map(|p| RequestDto {
            service_request_id: p.id.to_string(),
            status: if p.status.is_open() { "open" } else { "closed" }.into(),
            status_notes: notes.remove(&p.id).unwrap_or_default(),
            service_name: categories
                .iter()
                .find(|c| c.id == p.category_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            service_code: p.category_id.to_string(),
            description: p.description.clone(),
            agency_responsible: commune.display_name.clone(),
            service_notice: String::new(),
            requested_datetime: datetime(p.created_at),
            updated_datetime: datetime(p.updated_at),
            expected_datetime: None,
            address: p.address.clone(),
            address_id: String::new(),
            zipcode: String::new(),
            lat: p.latitude,
            long: p.longitude,
            media_url: photos
                .get(&p.id)
                .map(|photo| ctx.urls.problem_photo(p.id, *photo).to_string())
                .unwrap_or_default(),
        })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RequestsQuery {
    pub jurisdiction_id: Option<String>,
    /// Comma-separated ids; the other filters are then ignored.
    pub service_request_id: Option<String>,
    /// Comma-separated service codes.
    pub service_code: Option<String>,
    /// W3C date-times (RFC 3339); without either, the last 90 days.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Comma-separated: `open`, `closed`.
    pub status: Option<String>,
}

fn list_of<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    field: &'static str,
) -> crate::error::Result<Vec<T>> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| Error::invalid(field, format!("'{s}' is not valid"))))
        .collect()
}

fn date(raw: Option<&str>, field: &'static str) -> crate::error::Result<Option<NaiveDateTime>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => DateTime::parse_from_rfc3339(r)
            .map(|d| Some(d.naive_utc()))
            .map_err(|_| {
                Error::invalid(field, "must be a W3C date-time, e.g. 2026-12-07T10:00:00Z")
            }),
    }
}

/// The list's filter from Open311's parameters.
fn filter_of(q: &RequestsQuery, commune: ActorId) -> crate::error::Result<Filter> {
    let ids = list_of(
        q.service_request_id.as_deref(),
        |s| s.parse().ok().map(ProblemId),
        "service_request_id",
    )?;
    if !ids.is_empty() {
        return Ok(Filter {
            commune: Some(commune),
            ids,
            limit: MAX_REQUESTS,
            ..Default::default()
        });
    }
    let categories = list_of(
        q.service_code.as_deref(),
        |s| s.parse().ok().map(CategoryId),
        "service_code",
    )?;
    let mut statuses = vec![];
    for state in list_of(
        q.status.as_deref(),
        |s| matches!(s, "open" | "closed").then(|| s == "open"),
        "status",
    )? {
        statuses.extend(ProblemStatus::ALL.iter().filter(|s| s.is_open() == state));
    }
    let start = date(q.start_date.as_deref(), "start_date")?;
    let end = date(q.end_date.as_deref(), "end_date")?;
    let start = match (start, end) {
        (None, None) => Some(crate::civic::now() - chrono::Duration::days(DEFAULT_DAYS)),
        (start, _) => start,
    };
    Ok(Filter {
        commune: Some(commune),
        categories,
        statuses,
        filed_from: start,
        filed_before: end,
        limit: MAX_REQUESTS,
        ..Default::default()
    })
}

/// `GET /open311/v2/requests.json`: the commune's reports, newest first, with the standard filters.
#[utoipa::path(get, path = "/open311/v2/requests.json", tag = "open311", params(RequestsQuery),
    responses((status = 200, body = Vec<RequestDto>), (status = 400, body = Vec<Open311ErrorDto>)))]
pub async fn list(
    State(ctx): State<AppContext>,
    Query(q): Query<RequestsQuery>,
) -> Answer<Vec<RequestDto>> {
    let context = ctx.clone();
    let found = ctx
        .db
        .run(move |conn| {
            let commune = jurisdiction(conn, q.jurisdiction_id.as_deref())?;
            let filter = filter_of(&q, commune.id)?;
            let list = problems::list(conn, &filter)?;
            requests(conn, &context, &commune, list)
        })
        .await?;
    Ok(Json(found))
}

/// `GET /open311/v2/requests/{id}.json`: one report, in a list of one.
#[utoipa::path(get, path = "/open311/v2/requests/{id}", tag = "open311", params(
    ("id" = String, Path, description = "the report's id followed by `.json`"), JurisdictionQuery),
    responses((status = 200, body = Vec<RequestDto>), (status = 404, body = Vec<Open311ErrorDto>)))]
pub async fn show(
    State(ctx): State<AppContext>,
    Path(raw): Path<String>,
    Query(q): Query<JurisdictionQuery>,
) -> Answer<Vec<RequestDto>> {
    let not_found = || Error::NotFound("no such service request".into());
    let id = raw
        .strip_suffix(".json")
        .and_then(|n| n.parse().ok())
        .map(ProblemId)
        .ok_or_else(not_found)?;
    let context = ctx.clone();
    let found = ctx
        .db
        .run(move |conn| {
            let commune = jurisdiction(conn, q.jurisdiction_id.as_deref())?;
            let problem = problems::problem(conn, id)
                .ok()
                .filter(|p| p.commune_id == commune.id)
                .ok_or_else(not_found)?;
            requests(conn, &context, &commune, vec![problem])
        })
        .await?;
    Ok(Json(found))
}

/// What an app posts (form-encoded, as the specification has it).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PostRequest {
    #[serde(default)]
    pub api_key: String,
    pub jurisdiction_id: Option<String>,
    #[serde(default)]
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    pub service_request_id: String,
    pub service_notice: String,
    pub account_id: Option<String>,
}

/// `POST /open311/v2/requests.json`: an app files a report with its key, for its commune.
#[utoipa::path(post, path = "/open311/v2/requests.json", tag = "open311",
    request_body(content = PostRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Vec<CreatedDto>), (status = 400, body = Vec<Open311ErrorDto>),
        (status = 403, body = Vec<Open311ErrorDto>), (status = 404, body = Vec<Open311ErrorDto>)))]
pub async fn create(
    State(ctx): State<AppContext>,
    Form(form): Form<PostRequest>,
) -> Answer<Vec<CreatedDto>> {
    let coordinate = |raw: &Option<String>, field: &'static str| -> crate::error::Result<f64> {
        raw.as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                Error::invalid(field, "lat and long are required (no address lookup here)")
            })?
            .parse()
            .map_err(|_| Error::invalid(field, "must be a number of degrees"))
    };
    let latitude = coordinate(&form.lat, "lat")?;
    let longitude = coordinate(&form.long, "long")?;
    let id = ctx
        .db
        .transaction(move |conn| {
            let client = crate::civic::open311::client_by_key(conn, form.api_key.trim())?
                .ok_or_else(|| Error::Forbidden("a valid api_key is required".into()))?;
            if let Some(asked) = form
                .jurisdiction_id
                .as_deref()
                .filter(|j| !j.trim().is_empty())
            {
                let commune = jurisdiction(conn, Some(asked))?;
                if commune.id != client.commune_id {
                    return Err(Error::Forbidden(
                        "this api_key is for another jurisdiction".into(),
                    ));
                }
            }
            let category: CategoryId = form
                .service_code
                .trim()
                .parse()
                .map(CategoryId)
                .map_err(|_| Error::NotFound("unknown service_code".into()))?;
            if problems::category(conn, category)
                .ok()
                .filter(|c| c.commune_id == client.commune_id && !c.archived)
                .is_none()
            {
                return Err(Error::NotFound(format!(
                    "unknown service_code '{}'",
                    form.service_code.trim()
                )));
            }
            problems::file_by(
                conn,
                Filer::App(&client),
                &NewProblem {
                    category,
                    description: form.description.clone().unwrap_or_default(),
                    address: form.address_string.clone().unwrap_or_default(),
                    latitude,
                    longitude,
                    name_private: false,
                },
            )
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(vec![CreatedDto {
        service_request_id: id.to_string(),
        service_notice: String::new(),
        account_id: None,
    }]))
}
