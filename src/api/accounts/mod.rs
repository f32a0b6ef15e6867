//! Accounts, in Mastodon's `Account` shape plus Parvis's role and mandates.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, Profile, ReadAccounts};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::{Account, Actor, ActorKind, Mandate};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountDto {
    pub id: String,
    pub username: String,
    /// `username` for local accounts, as in Mastodon.
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub group: bool,
    pub discoverable: bool,
    pub created_at: String,
    /// HTML.
    pub note: String,
    pub url: String,
    pub avatar: Option<String>,
    pub fields: Vec<FieldDto>,
    /// Parvis: citizen, official, moderator or admin (absent for communes).
    pub role: Option<String>,
    /// Parvis: elected offices, current and past.
    pub mandates: Vec<MandateDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldDto {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MandateDto {
    pub office: String,
    pub body: String,
    pub since: String,
    pub until: Option<String>,
}

pub(crate) fn dto(
    ctx: &AppContext,
    actor: &Actor,
    account: Option<&Account>,
    mandates: &[Mandate],
) -> AccountDto {
    let today = Utc::now().date_naive();
    let note = maud::html! { p { (actor.summary) } }.into_string();
    AccountDto {
        id: actor.id.to_string(),
        username: actor.username.to_string(),
        acct: actor.username.to_string(),
        display_name: actor.display_name.clone(),
        locked: actor.manually_approves_followers,
        bot: actor.kind == ActorKind::Application,
        group: actor.kind == ActorKind::Commune,
        discoverable: actor.discoverable,
        created_at: actor.created_at.and_utc().to_rfc3339(),
        note: if actor.summary.is_empty() {
            String::new()
        } else {
            note
        },
        url: ctx.urls.actor(actor.kind, &actor.username).to_string(),
        avatar: actor.icon_url.clone(),
        fields: mandates
            .iter()
            .filter(|m| m.is_current(today))
            .map(|m| FieldDto {
                name: "Mandat".into(),
                value: maud::html! { (m.label()) }.into_string(),
            })
            .collect(),
        role: account.map(|a| a.role.to_string()),
        mandates: mandates
            .iter()
            .map(|m| MandateDto {
                office: m.office.clone(),
                body: m.governing_body.clone(),
                since: m.since.to_string(),
                until: m.until.map(|d| d.to_string()),
            })
            .collect(),
    }
}

/// Loads the account view of a local actor (people have an account row and mandates; communes have neither).
pub(crate) async fn load(ctx: &AppContext, actor: Actor) -> Result<AccountDto> {
    let id = actor.id;
    let (account, mandates) = ctx
        .db
        .run(move |conn| {
            let account = queries::account_by_id(conn, id)?.map(|(_, a)| a);
            Ok((account, queries::mandates_of(conn, id)?))
        })
        .await?;
    Ok(dto(ctx, &actor, account.as_ref(), &mandates))
}

/// The account the token belongs to.
#[utoipa::path(get, path = "/api/v1/accounts/verify_credentials", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, body = AccountDto), (status = 401, body = crate::error::ErrorBody)))]
pub async fn verify_credentials(
    State(ctx): State<AppContext>,
    current: CurrentAccount<Profile>,
) -> Result<Json<AccountDto>> {
    load(&ctx, current.actor).await.map(Json)
}

/// Finds an account or commune: local by name (`acct=marie`), remote by handle (`acct=marie@ville.example`,
/// resolved with WebFinger over https) or by actor URL.
#[utoipa::path(get, path = "/api/v1/accounts/lookup", tag = "accounts",
    params(("acct" = String, Query, description = "user, user@host or an actor URL")),
    responses((status = 200, body = AccountDto), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 502, body = crate::error::ErrorBody)))]
pub async fn lookup(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadAccounts>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<AccountDto>> {
    let acct = params
        .get("acct")
        .ok_or_else(|| Error::BadRequest("the acct parameter is missing".into()))?;
    // Resolving a remote account makes this server fetch from others: only for signed-in accounts, so that
    // nobody can use it to make us send requests anonymously.
    match resolve(&ctx, acct, current.is_some()).await? {
        Resolved::Local(actor) => load(&ctx, actor).await.map(Json),
        Resolved::Remote(remote) => Ok(Json(remote_dto(&remote))),
    }
}

pub use crate::federation::fetch::{Resolved, resolve};

/// A remote account in Mastodon's shape. Its id is `r` + our row id, so it never collides with a local one.
pub fn remote_dto(remote: &crate::model::RemoteActor) -> AccountDto {
    AccountDto {
        id: format!("r{}", remote.id),
        username: remote.username.clone(),
        acct: format!("{}@{}", remote.username, remote.domain),
        display_name: remote.display_name.clone(),
        locked: remote.manually_approves_followers,
        bot: matches!(remote.kind.as_str(), "Application" | "Service"),
        group: remote.kind == "Group",
        discoverable: true,
        created_at: remote.fetched_at.and_utc().to_rfc3339(),
        note: String::new(),
        url: remote.url.clone().unwrap_or_else(|| remote.ap_id.clone()),
        avatar: None,
        fields: vec![],
        role: None,
        mandates: vec![],
    }
}

/// An account or commune by id.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, body = AccountDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn account(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
) -> Result<Json<AccountDto>> {
    if let Some(remote) = id.strip_prefix('r').and_then(|n| n.parse::<i64>().ok()) {
        let remote = ctx
            .db
            .run(move |conn| {
                crate::civic::remote::remote_actor(conn, crate::ids::RemoteActorId(remote))
            })
            .await
            .map_err(|_| Error::NotFound(format!("no account with id '{id}'")))?;
        return Ok(Json(remote_dto(&remote)));
    }
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("no account with id '{id}'")))?;
    let actor = ctx
        .db
        .run(move |conn| queries::actor_by_id(conn, ActorId(id)))
        .await?;
    if actor.kind == ActorKind::Application {
        return Err(Error::NotFound(format!("no account with id '{id}'")));
    }
    load(&ctx, actor).await.map(Json)
}
