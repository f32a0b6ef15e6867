//! `GET /api/v1/instance` and `/api/v2/instance`, in Mastodon's shapes.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::RegistrationMode;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::Result;
use crate::model::ActorKind;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceDto {
    /// The host, as in Mastodon.
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    /// Mastodon-compatible version string; clients parse the leading number.
    pub version: String,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub stats: StatsDto,
    /// Parvis: the communes this instance hosts.
    pub communes: Vec<CommuneDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsDto {
    pub user_count: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommuneDto {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub url: String,
    pub default: bool,
}

/// Describes this instance.
#[utoipa::path(get, path = "/api/v1/instance", tag = "instance",
    responses((status = 200, description = "The instance", body = InstanceDto)))]
pub async fn instance(State(ctx): State<AppContext>) -> Result<Json<InstanceDto>> {
    let defaults = ctx.settings.instance.clone();
    let (people, communes, site) = ctx
        .db
        .run(move |conn| {
            Ok((
                queries::count_actors(conn, ActorKind::Person)?,
                queries::communes(conn)?,
                crate::civic::site::load(conn, &defaults)?,
            ))
        })
        .await?;
    let settings = &ctx.settings.instance;
    Ok(Json(InstanceDto {
        uri: ctx.urls.authority(),
        title: site.name.clone(),
        short_description: site.description.clone(),
        description: site.description.clone(),
        email: settings.contact_email.clone(),
        version: format!("4.0.0 (compatible; Parvis {})", env!("CARGO_PKG_VERSION")),
        languages: settings.languages.clone(),
        registrations: site.registration != RegistrationMode::Closed,
        approval_required: site.registration == RegistrationMode::Invite,
        invites_enabled: site.registration == RegistrationMode::Invite,
        stats: StatsDto { user_count: people },
        communes: communes
            .into_iter()
            .map(|(c, default)| CommuneDto {
                id: c.id.to_string(),
                acct: c.username.to_string(),
                url: ctx.urls.actor(c.kind, &c.username).to_string(),
                username: c.username.to_string(),
                display_name: c.display_name,
                default,
            })
            .collect(),
    }))
}

/// `GET /api/v2/instance`, in Mastodon 4's shape (what apps read first: limits, registrations, contact).
#[utoipa::path(get, path = "/api/v2/instance", tag = "instance",
    responses((status = 200, description = "The instance, Mastodon 4's v2 entity")))]
pub async fn instance_v2(State(ctx): State<AppContext>) -> Result<Json<serde_json::Value>> {
    let defaults = ctx.settings.instance.clone();
    let (people, site) = ctx
        .db
        .run(move |conn| {
            Ok((
                queries::count_actors(conn, ActorKind::Person)?,
                crate::civic::site::load(conn, &defaults)?,
            ))
        })
        .await?;
    let settings = &ctx.settings.instance;
    let url = |path: &str| ctx.urls.join(path).to_string();
    let stream = url("/").replacen("http", "ws", 1);
    use crate::civic::polls::{MAX_DURATION_DAYS, MAX_OPTION, MAX_OPTIONS};
    Ok(Json(serde_json::json!({
        "domain": ctx.urls.authority(),
        "title": site.name,
        "version": format!("4.0.0 (compatible; Parvis {})", env!("CARGO_PKG_VERSION")),
        // No public repository address is configured yet: said empty rather than made up.
        "source_url": "",
        "description": site.description,
        "usage": {"users": {"active_month": people}},
        "thumbnail": {"url": url("/static/parvis.svg")},
        "icon": [],
        "languages": settings.languages,
        "configuration": {
            "urls": {"streaming": stream.trim_end_matches('/'), "status": null, "about": url("/"), "privacy_policy": null, "terms_of_service": null},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "statuses": {
                "max_characters": crate::civic::notes::MAX_CHARS,
                "max_media_attachments": crate::civic::notes::media::MAX_ATTACHMENTS,
                "characters_reserved_per_url": 23
            },
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png", "image/webp"],
                "description_limit": crate::civic::notes::media::MAX_DESCRIPTION,
                "image_size_limit": ctx.settings.server.max_photo_bytes,
                // Pictures are scaled down to fit 1600 × 1600 when stored; larger ones are taken.
                "image_matrix_limit": crate::civic::media::MAX_SIDE * crate::civic::media::MAX_SIDE,
                "video_size_limit": 0,
                "video_frame_rate_limit": 0,
                "video_matrix_limit": 0
            },
            "polls": {
                "max_options": MAX_OPTIONS,
                "max_characters_per_option": MAX_OPTION,
                "min_expiration": 300,
                "max_expiration": MAX_DURATION_DAYS * 86_400
            },
            "translation": {"enabled": false}
        },
        "registrations": {
            "enabled": site.registration != RegistrationMode::Closed,
            "approval_required": site.registration == RegistrationMode::Invite,
            "message": null,
            "url": null
        },
        "contact": {"email": settings.contact_email, "account": null},
        "rules": []
    })))
}
