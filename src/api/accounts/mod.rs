//! Accounts, in Mastodon's `Account` shape plus Parvis's role and mandates.

pub mod lists;

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, Profile, ReadAccounts, WriteAccounts};
use crate::civic::debates::Writer;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::urls::Urls;
use crate::ids::{ActorId, RemoteActorId};
use crate::model::schema::{follows, notes};
use crate::model::{Account, Actor, ActorKind, Mandate, RemoteActor};

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
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
    /// Its page.
    pub url: String,
    /// Its ActivityPub id.
    pub uri: String,
    /// A picture, always (a plain one when the account has none: apps expect an image).
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub fields: Vec<FieldDto>,
    /// Parvis has no custom emojis: always empty.
    #[schema(value_type = Vec<Object>)]
    pub emojis: Vec<serde_json::Value>,
    /// Posts and boosts (for accounts of other servers, those stored here).
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// The day of its last post (`YYYY-MM-DD`).
    pub last_status_at: Option<String>,
    /// Parvis: citizen, official, moderator or admin (absent for communes).
    pub role: Option<String>,
    /// Parvis: elected offices, current and past.
    pub mandates: Vec<MandateDto>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldDto {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MandateDto {
    pub office: String,
    pub body: String,
    pub since: String,
    pub until: Option<String>,
}

/// What an account has done, as its entity counts it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Activity {
    pub statuses: i64,
    pub followers: i64,
    pub following: i64,
    pub last_status: Option<chrono::NaiveDateTime>,
}

impl Activity {
    /// Of a local actor.
    pub fn of_local(conn: &mut AnyConnection, actor: ActorId) -> Result<Activity> {
        let posts = notes::table
            .filter(notes::author_id.eq(actor))
            .filter(notes::deleted.eq(false));
        Ok(Activity {
            statuses: posts.count().get_result(conn)?,
            followers: queries::count_follows(conn, actor, true)?,
            following: queries::count_follows(conn, actor, false)?,
            last_status: posts
                .select(diesel::dsl::max(notes::published))
                .first(conn)?,
        })
    }

    /// Of an actor of another server: what is stored here.
    pub fn of_remote(conn: &mut AnyConnection, actor: RemoteActorId) -> Result<Activity> {
        let posts = notes::table
            .filter(notes::remote_author_id.eq(actor))
            .filter(notes::deleted.eq(false));
        Ok(Activity {
            statuses: posts.count().get_result(conn)?,
            followers: follows::table
                .filter(follows::target_remote_id.eq(actor))
                .filter(follows::accepted.eq(true))
                .count()
                .get_result(conn)?,
            following: 0,
            last_status: posts
                .select(diesel::dsl::max(notes::published))
                .first(conn)?,
        })
    }
}

/// The plain pictures of an account without its own.
fn pictures(urls: &Urls, avatar: Option<&str>) -> (String, String) {
    (
        avatar
            .map(str::to_string)
            .unwrap_or_else(|| urls.join("/static/avatar.png").to_string()),
        urls.join("/static/header.png").to_string(),
    )
}

/// A local actor's entity, loaded with its account, mandates and counts.
pub(crate) fn local(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    actor: &Actor,
) -> Result<AccountDto> {
    let account = queries::account_by_id(conn, actor.id)?.map(|(_, a)| a);
    let mandates = queries::mandates_of(conn, actor.id)?;
    let activity = Activity::of_local(conn, actor.id)?;
    Ok(dto(ctx, actor, account.as_ref(), &mandates, activity))
}

fn dto(
    ctx: &AppContext,
    actor: &Actor,
    account: Option<&Account>,
    mandates: &[Mandate],
    activity: Activity,
) -> AccountDto {
    let today = Utc::now().date_naive();
    let url = ctx.urls.actor(actor.kind, &actor.username).to_string();
    let (avatar, header) = pictures(&ctx.urls, actor.icon_url.as_deref());
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
        uri: url.clone(),
        url,
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        emojis: vec![],
        statuses_count: activity.statuses,
        followers_count: activity.followers,
        following_count: activity.following,
        last_status_at: activity.last_status.map(|at| at.date().to_string()),
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
    let view = ctx.clone();
    ctx.db.run(move |conn| local(&view, conn, &actor)).await
}

/// The entity of someone, here or elsewhere.
pub(crate) fn entity(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    who: Writer,
) -> Result<AccountDto> {
    match who {
        Writer::Local(id) => {
            let actor = queries::actor_by_id(conn, id)?;
            local(ctx, conn, &actor)
        }
        Writer::Remote(id) => {
            let remote = crate::civic::remote::remote_actor(conn, id)?;
            let activity = Activity::of_remote(conn, id)?;
            Ok(remote_dto(&ctx.urls, &remote, activity))
        }
    }
}

/// A page of accounts: `read` gives each with its pagination id (a follow's, a favourite's…), newest first;
/// the answer carries their entities and the `Link` header.
pub(crate) async fn account_page(
    ctx: &AppContext,
    uri: &axum::http::Uri,
    read: impl FnOnce(&mut AnyConnection) -> Result<Vec<(i64, Writer)>> + Send + 'static,
) -> Result<crate::api::pagination::Paginated<AccountDto>> {
    let view = ctx.clone();
    let rows = ctx
        .db
        .run(move |conn| {
            read(conn)?
                .into_iter()
                .map(|(row, who)| Ok((row, entity(&view, conn, who)?)))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    let header = crate::api::pagination::link(
        &ctx.urls,
        uri,
        rows.first().map(|(row, _)| *row),
        rows.last().map(|(row, _)| *row),
    );
    Ok(crate::api::pagination::Paginated(
        header,
        rows.into_iter().map(|(_, a)| a).collect(),
    ))
}

/// Loads the account view of an actor of another server.
pub(crate) async fn load_remote(ctx: &AppContext, remote: RemoteActor) -> Result<AccountDto> {
    let urls = ctx.urls.clone();
    ctx.db
        .run(move |conn| {
            let activity = Activity::of_remote(conn, remote.id)?;
            Ok(remote_dto(&urls, &remote, activity))
        })
        .await
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
        Resolved::Remote(remote) => load_remote(&ctx, remote).await.map(Json),
    }
}

pub use crate::federation::fetch::{Resolved, resolve};

/// A remote account in Mastodon's shape. Its id is `r` + our row id, so it never collides with a local one.
fn remote_dto(urls: &Urls, remote: &RemoteActor, activity: Activity) -> AccountDto {
    let (avatar, header) = pictures(urls, None);
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
        uri: remote.ap_id.clone(),
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        fields: vec![],
        emojis: vec![],
        statuses_count: activity.statuses,
        followers_count: activity.followers,
        following_count: activity.following,
        last_status_at: activity.last_status.map(|at| at.date().to_string()),
        role: None,
        mandates: vec![],
    }
}

/// What `PATCH /api/v1/accounts/update_credentials` takes (a field left out keeps its value); a new
/// avatar comes as the multipart file `avatar`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub display_name: Option<String>,
    /// The bio, plain text (at most 500 characters).
    pub note: Option<String>,
}

/// Changes the current account's display name, bio and avatar (the web's profile settings); its followers'
/// servers are told. A header picture is refused: Parvis profiles have none.
#[utoipa::path(patch, path = "/api/v1/accounts/update_credentials", tag = "accounts",
    security(("bearer" = [])), request_body = Credentials,
    responses((status = 200, body = AccountDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_credentials(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteAccounts>,
    mut body: crate::api::body::WithFiles<Credentials>,
) -> Result<Json<AccountDto>> {
    if body.take("header").is_some() {
        return Err(Error::invalid(
            "header",
            "Parvis profiles have no header picture",
        ));
    }
    // The picture is read before anything is written: a file that is none changes nothing.
    let avatar = match body.take("avatar") {
        Some(bytes) => Some(crate::civic::media::make_avatar(bytes).await?),
        None => None,
    };
    let new = body.fields;
    let actor = current.actor.clone();
    crate::civic::profile::update_profile(
        &ctx.db,
        actor.id,
        crate::civic::profile::ProfileChange {
            display_name: new.display_name.unwrap_or(actor.display_name),
            bio: new.note.unwrap_or(actor.summary),
            language: current.account.language.clone(),
        },
    )
    .await?;
    let me = current.actor.id;
    if let Some(png) = avatar {
        let db = ctx.db.clone();
        crate::civic::media::replace_picture(
            &ctx.settings.server.data_dir,
            ctx.urls.base(),
            png,
            move |url| async move { crate::civic::profile::set_avatar(&db, me, Some(url)).await },
        )
        .await?;
    }
    ctx.wake.notify_one();
    let fresh = ctx
        .db
        .run(move |conn| queries::actor_by_id(conn, me))
        .await?;
    load(&ctx, fresh).await.map(Json)
}

/// Who an account id of the API names: a number for an actor here (not the instance's own), `r` and a
/// number for one of another server. Anything else, or an id naming nobody, is not found.
pub(crate) fn who(conn: &mut AnyConnection, raw: &str) -> Result<Writer> {
    let not_found = || Error::NotFound(format!("no account with id '{raw}'"));
    if let Some(remote) = raw.strip_prefix('r') {
        let id = RemoteActorId(remote.parse().map_err(|_| not_found())?);
        crate::civic::remote::remote_actor(conn, id).map_err(|_| not_found())?;
        return Ok(Writer::Remote(id));
    }
    let id = ActorId(raw.parse().map_err(|_| not_found())?);
    let actor = queries::actor_by_id(conn, id).map_err(|_| not_found())?;
    if actor.kind == ActorKind::Application {
        return Err(not_found());
    }
    Ok(Writer::Local(id))
}

/// An account or commune by id.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, body = AccountDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn account(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
) -> Result<Json<AccountDto>> {
    let view = ctx.clone();
    ctx.db
        .run(move |conn| {
            let who = who(conn, &id)?;
            entity(&view, conn, who)
        })
        .await
        .map(Json)
}
