//! Following, in Mastodon's shapes: `POST /api/v1/accounts/:id/follow`, follow requests.

use axum::Json;
use axum::extract::{Path, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::{AccountDto, entity};
use crate::api::auth::{CurrentAccount, ReadFollows, WriteFollows};
use crate::civic::debates::Writer;
use crate::civic::follows::{self, Target};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::{ActorId, FollowId, RemoteActorId};
use crate::model::Follow;
use crate::model::schema::{follows as follows_table, remote_actors};

/// Mastodon's `Relationship`, reduced to what Parvis knows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RelationshipDto {
    pub id: String,
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
}

/// An account id as the API shows it: `123` for local actors, `r123` for remote ones.
fn parse_target(id: &str) -> Result<Target> {
    Target::parse(id).ok_or_else(|| Error::NotFound(format!("no account with id '{id}'")))
}

async fn relationship(
    ctx: &AppContext,
    me: ActorId,
    id: String,
    target: Target,
) -> Result<RelationshipDto> {
    ctx.db
        .run(move |conn| {
            let mine = follows_table::table.filter(follows_table::follower_id.eq(me));
            let mine: Option<Follow> = match target {
                Target::Local(t) => mine
                    .filter(follows_table::target_id.eq(t))
                    .select(Follow::as_select())
                    .first(conn),
                Target::Remote(t) => mine
                    .filter(follows_table::target_remote_id.eq(t))
                    .select(Follow::as_select())
                    .first(conn),
            }
            .optional()?;
            let theirs = follows_table::table
                .filter(follows_table::target_id.eq(me))
                .filter(follows_table::accepted.eq(true));
            let followed_by: i64 = match target {
                Target::Local(t) => theirs
                    .filter(follows_table::follower_id.eq(t))
                    .count()
                    .get_result(conn)?,
                Target::Remote(t) => theirs
                    .filter(follows_table::follower_remote_id.eq(t))
                    .count()
                    .get_result(conn)?,
            };
            Ok(RelationshipDto {
                id,
                following: mine.as_ref().is_some_and(|f| f.accepted),
                requested: mine.as_ref().is_some_and(|f| !f.accepted),
                followed_by: followed_by > 0,
            })
        })
        .await
}

/// Follows an account or commune, here or on another server (the Follow is delivered from the outbox).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/follow", tag = "follows", security(("bearer" = [])),
    params(("id" = String, Path, description = "account id (from lookup)")),
    responses((status = 200, body = RelationshipDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn follow(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipDto>> {
    let target = parse_target(&id)?;
    let me = current.actor.id;
    ctx.db
        .transaction(move |conn| {
            match target {
                Target::Local(t) => {
                    queries::actor_by_id(conn, t)?;
                }
                Target::Remote(t) => {
                    remote_actors::table
                        .find(t)
                        .select(remote_actors::id)
                        .first::<RemoteActorId>(conn)?;
                }
            }
            follows::follow(conn, me, target)
        })
        .await?;
    ctx.wake.notify_one();
    relationship(&ctx, me, id, target).await.map(Json)
}

/// Stops following, or withdraws a pending request (an `Undo(Follow)` goes out for remote accounts).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/unfollow", tag = "follows", security(("bearer" = [])),
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, body = RelationshipDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn unfollow(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipDto>> {
    let target = parse_target(&id)?;
    let me = current.actor.id;
    ctx.db
        .transaction(move |conn| follows::unfollow(conn, me, target))
        .await?;
    ctx.wake.notify_one();
    relationship(&ctx, me, id, target).await.map(Json)
}

/// Pending requests to follow the current account (for accounts that approve followers manually).
#[utoipa::path(get, path = "/api/v1/follow_requests", tag = "follows", security(("bearer" = [])),
    responses((status = 200, body = Vec<AccountDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn requests(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadFollows>,
) -> Result<Json<Vec<AccountDto>>> {
    let me = current.actor.id;
    let view = ctx.clone();
    let accounts = ctx
        .db
        .run(move |conn| {
            let pending: Vec<Follow> = follows_table::table
                .filter(follows_table::target_id.eq(me))
                .filter(follows_table::accepted.eq(false))
                .order(follows_table::id.asc())
                .select(Follow::as_select())
                .load(conn)?;
            pending
                .into_iter()
                .filter_map(|f| match (f.follower_id, f.follower_remote_id) {
                    (Some(local), _) => Some(Writer::Local(local)),
                    (None, Some(remote)) => Some(Writer::Remote(remote)),
                    (None, None) => None,
                })
                .map(|who| entity(&view, conn, who))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(accounts))
}

async fn decide(
    ctx: &AppContext,
    me: ActorId,
    account: &str,
    accept: bool,
) -> Result<RelationshipDto> {
    let target = parse_target(account)?;
    ctx.db
        .transaction(move |conn| {
            let query = follows_table::table
                .filter(follows_table::target_id.eq(me))
                .filter(follows_table::accepted.eq(false));
            let found: Option<FollowId> = match target {
                Target::Local(a) => query
                    .filter(follows_table::follower_id.eq(a))
                    .select(follows_table::id)
                    .first(conn),
                Target::Remote(a) => query
                    .filter(follows_table::follower_remote_id.eq(a))
                    .select(follows_table::id)
                    .first(conn),
            }
            .optional()?;
            let id = found
                .ok_or_else(|| Error::NotFound("no pending request from this account".into()))?;
            if accept {
                follows::authorize(conn, me, id)
            } else {
                follows::reject(conn, me, id)
            }
        })
        .await?;
    ctx.wake.notify_one();
    relationship(ctx, me, account.to_string(), target).await
}

/// Accepts a follow request (an `Accept` goes out for remote followers).
#[utoipa::path(post, path = "/api/v1/follow_requests/{id}/authorize", tag = "follows", security(("bearer" = [])),
    params(("id" = String, Path, description = "the requesting account's id")),
    responses((status = 200, body = RelationshipDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn authorize(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipDto>> {
    decide(&ctx, current.actor.id, &id, true).await.map(Json)
}

/// Declines a follow request (a `Reject` goes out for remote followers).
#[utoipa::path(post, path = "/api/v1/follow_requests/{id}/reject", tag = "follows", security(("bearer" = [])),
    params(("id" = String, Path, description = "the requesting account's id")),
    responses((status = 200, body = RelationshipDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reject(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipDto>> {
    decide(&ctx, current.actor.id, &id, false).await.map(Json)
}
