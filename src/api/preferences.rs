//! What apps keep in step with the web: an account's posting preferences, and where it stopped reading its
//! timelines (markers).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, ReadAccounts, ReadStatuses, WriteStatuses};
use crate::civic::markers::{self, Timeline};
use crate::context::AppContext;
use crate::error::{Error, Result};

/// An account's preferences, as Mastodon names them. Parvis posts are public unless said otherwise, have no
/// content warnings, and are written in the account's language (else its commune's).
#[utoipa::path(get, path = "/api/v1/preferences", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorBody)))]
pub async fn preferences(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadAccounts>,
) -> Result<Json<serde_json::Value>> {
    let commune = current.account.commune_id;
    let language = match current.account.language.clone() {
        Some(language) => Some(language),
        None => {
            use crate::model::schema::communes;
            use diesel::prelude::*;
            ctx.db
                .run(move |conn| {
                    Ok(communes::table
                        .find(commune)
                        .select(communes::language)
                        .first::<String>(conn)
                        .optional()?)
                })
                .await?
        }
    };
    Ok(Json(serde_json::json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MarkerDto {
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: String,
}

fn dto(marker: &markers::Marker) -> MarkerDto {
    MarkerDto {
        last_read_id: marker.last_read_id.to_string(),
        version: marker.version,
        updated_at: marker.updated_at.and_utc().to_rfc3339(),
    }
}

/// The markers of the timelines asked (`timeline[]=home&timeline[]=notifications`; both when none is named).
#[utoipa::path(get, path = "/api/v1/markers", tag = "timelines", security(("bearer" = [])),
    params(("timeline[]" = Option<Vec<String>>, Query, description = "home, notifications")),
    responses((status = 200, body = BTreeMap<String, MarkerDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_markers(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadStatuses>,
    RawQuery(raw): RawQuery,
) -> Result<Json<BTreeMap<String, MarkerDto>>> {
    let mut which: Vec<Timeline> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "timeline[]" || k == "timeline")
        .filter_map(|(_, v)| Timeline::parse(&v))
        .collect();
    if which.is_empty() {
        which = Timeline::ALL.to_vec();
    }
    let me = current.actor.id;
    let found = ctx
        .db
        .run(move |conn| markers::of(conn, me, &which))
        .await?;
    Ok(Json(
        found
            .iter()
            .map(|m| (m.timeline.as_str().to_string(), dto(m)))
            .collect(),
    ))
}

/// Sets markers: `home[last_read_id]`, `notifications[last_read_id]` (a form or JSON). Setting the
/// notifications marker marks those notifications read on the web too.
#[utoipa::path(post, path = "/api/v1/markers", tag = "timelines", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = BTreeMap<String, MarkerDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_markers(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    crate::api::body::Body(body): crate::api::body::Body<serde_json::Value>,
) -> Result<Json<BTreeMap<String, MarkerDto>>> {
    let mut set = vec![];
    for timeline in Timeline::ALL {
        let Some(given) = body.get(timeline.as_str()) else {
            continue;
        };
        let raw = given["last_read_id"]
            .as_str()
            .map(str::to_string)
            .or_else(|| given["last_read_id"].as_i64().map(|n| n.to_string()));
        let id = raw
            .as_deref()
            .and_then(|r| r.parse::<i64>().ok())
            .ok_or_else(|| {
                Error::invalid(
                    "last_read_id",
                    format!("{}[last_read_id] must be an id", timeline.as_str()),
                )
            })?;
        set.push((timeline, id));
    }
    if set.is_empty() {
        return Err(Error::invalid(
            "home",
            "name a timeline: home[last_read_id] or notifications[last_read_id]",
        ));
    }
    let me = current.actor.id;
    let found = ctx
        .db
        .transaction(move |conn| {
            for (timeline, id) in &set {
                markers::set(conn, me, *timeline, *id)?;
            }
            let which: Vec<Timeline> = set.iter().map(|(t, _)| *t).collect();
            markers::of(conn, me, &which)
        })
        .await?;
    Ok(Json(
        found
            .iter()
            .map(|m| (m.timeline.as_str().to_string(), dto(m)))
            .collect(),
    ))
}
