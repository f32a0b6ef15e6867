//! `GET /api/v1/instance`, in Mastodon's v1 shape.

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
