//! A commune's problem reports as open data: GeoJSON (a `FeatureCollection` of points, RFC 7946, written with
//! the `geojson` crate) and CSV, with the list's filters (category, status, a bounding box). Neither names
//! the reporter.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::civic::problems::{self, Area, Filter, MAX_LIST};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::CategoryId;
use crate::model::{ActorKind, Category, Problem, ProblemStatus};

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct OpenDataQuery {
    /// A category's id.
    pub category: Option<String>,
    /// new, acknowledged, in_progress, resolved, rejected or duplicate.
    pub status: Option<String>,
    /// `west,south,east,north` in degrees (GeoJSON's order).
    pub bbox: Option<String>,
}

/// A bounding box as GeoJSON writes it: west, south, east, north.
fn bbox(raw: &str) -> Result<Area> {
    let parts: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::invalid("bbox", "west,south,east,north in degrees"))?;
    let [west, south, east, north] = parts[..] else {
        return Err(Error::invalid("bbox", "west,south,east,north in degrees"));
    };
    Area {
        south,
        west,
        north,
        east,
    }
    .checked()
}

/// The commune's reports the query asks for, with its categories.
async fn reports(
    ctx: &AppContext,
    name: String,
    q: OpenDataQuery,
) -> Result<(Vec<Category>, Vec<Problem>)> {
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            ProblemStatus::parse(s).ok_or_else(|| Error::invalid("status", "unknown status"))?,
        ),
    };
    let category = match q.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            c.parse()
                .map(CategoryId)
                .map_err(|_| Error::invalid("category", "unknown category"))?,
        ),
    };
    let within = q.bbox.as_deref().map(bbox).transpose()?;
    let name = name.trim_start_matches('@').to_ascii_lowercase();
    ctx.db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let filter = Filter {
                commune: Some(commune.id),
                category,
                status,
                within,
                limit: MAX_LIST,
                ..Default::default()
            };
            Ok((
                problems::categories(conn, commune.id)?,
                problems::list(conn, &filter)?,
            ))
        })
        .await
}

fn category_name(categories: &[Category], id: CategoryId) -> String {
    categories
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// The GeoJSON of reports: one `Feature` per report, a `Point` at `[longitude, latitude]`.
pub fn feature_collection(
    urls: &crate::federation::urls::Urls,
    categories: &[Category],
    list: &[Problem],
) -> geojson::FeatureCollection {
    let features = list
        .iter()
        .map(|p| {
            let mut properties = geojson::JsonObject::new();
            let url = urls.problem(p.id).to_string();
            for (key, value) in [
                ("url", serde_json::Value::from(url)),
                ("category", category_name(categories, p.category_id).into()),
                ("status", p.status.as_str().into()),
                ("description", p.description.clone().into()),
                ("address", p.address.clone().into()),
                ("supporters", p.supporters.into()),
                ("created_at", p.created_at.and_utc().to_rfc3339().into()),
                ("updated_at", p.updated_at.and_utc().to_rfc3339().into()),
            ] {
                properties.insert(key.into(), value);
            }
            geojson::Feature {
                bbox: None,
                geometry: Some(geojson::Geometry::new_point([p.longitude, p.latitude])),
                id: Some(geojson::feature::Id::String(p.id.to_string())),
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// `GET /communes/{name}/problems.geojson`: the commune's reports (newest first, at most 20,000) as GeoJSON.
#[utoipa::path(get, path = "/communes/{name}/problems.geojson", tag = "open data",
    params(("name" = String, Path, description = "the commune's name"), OpenDataQuery),
    responses((status = 200, description = "a GeoJSON FeatureCollection (RFC 7946)", content_type = "application/geo+json"),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn problems_geojson(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    Query(q): Query<OpenDataQuery>,
) -> Result<Response> {
    let (categories, list) = reports(&ctx, name, q).await?;
    let body = feature_collection(&ctx.urls, &categories, &list).to_string();
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
}

/// `GET /communes/{name}/problems.csv`: the same, as CSV.
#[utoipa::path(get, path = "/communes/{name}/problems.csv", tag = "open data",
    params(("name" = String, Path, description = "the commune's name"), OpenDataQuery),
    responses((status = 200, description = "CSV, one line per report", content_type = "text/csv"),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn problems_csv(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    Query(q): Query<OpenDataQuery>,
) -> Result<Response> {
    use crate::web::proposals::csv_field;
    let (categories, list) = reports(&ctx, name, q).await?;
    let mut out = String::from(
        "id,url,category,status,latitude,longitude,address,description,supporters,created_at,updated_at\r\n",
    );
    for p in &list {
        let fields = [
            p.id.to_string(),
            ctx.urls.problem(p.id).to_string(),
            category_name(&categories, p.category_id),
            p.status.as_str().to_string(),
            p.latitude.to_string(),
            p.longitude.to_string(),
            p.address.clone(),
            p.description.clone(),
            p.supporters.to_string(),
            p.created_at.and_utc().to_rfc3339(),
            p.updated_at.and_utc().to_rfc3339(),
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
