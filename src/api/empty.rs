//! What Parvis has nothing of, answered as Mastodon answers an instance with none, so that an app's screen
//! shows empty instead of breaking on a 404: custom emojis, filters, announcements, trends, lists, followed
//! tags. Each is a real, valid answer for an instance without the feature.

use axum::Json;
use serde_json::{Value, json};

/// `GET /api/v1/custom_emojis`: no custom emojis here.
#[utoipa::path(get, path = "/api/v1/custom_emojis", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn custom_emojis() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v2/filters`: no filters (Parvis has none to keep).
#[utoipa::path(get, path = "/api/v2/filters", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn filters() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/announcements`: the commune speaks through its posts, not announcements.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn announcements() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/trends/tags`: no trends computed.
#[utoipa::path(get, path = "/api/v1/trends/tags", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn trends_tags() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/trends/statuses`.
#[utoipa::path(get, path = "/api/v1/trends/statuses", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn trends_statuses() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/trends/links`.
#[utoipa::path(get, path = "/api/v1/trends/links", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn trends_links() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/lists`: no lists.
#[utoipa::path(get, path = "/api/v1/lists", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn lists() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/followed_tags`: tags are not followed here.
#[utoipa::path(get, path = "/api/v1/followed_tags", tag = "empty", responses((status = 200, description = "[]")))]
pub async fn followed_tags() -> Json<Value> {
    Json(json!([]))
}
