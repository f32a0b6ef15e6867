//! What is listed about an account: its posts, its followers and those it follows, and how the current
//! account stands with others (Mastodon's `Relationship`).

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, RawQuery, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::accounts::{AccountDto, account_page, who};
use crate::api::auth::{CurrentAccount, ReadAccounts, ReadFollows, ReadStatuses};
use crate::api::body::flexible;
use crate::api::pagination::{Page, PageQuery, Paginated};
use crate::api::statuses::StatusDto;
use crate::api::statuses::entity::account_id;
use crate::api::statuses::timelines::{by_id, page_of};
use crate::civic::debates::Writer;
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::ids::{ActorId, RemoteActorId};
use crate::model::Note;
use crate::model::schema::{follows, notes};

/// Which of an account's posts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusesQuery {
    #[serde(default, deserialize_with = "flexible::bool")]
    pub exclude_replies: bool,
    #[serde(default, deserialize_with = "flexible::bool")]
    pub exclude_reblogs: bool,
    /// Posts have no pictures yet: with this, the list is empty.
    #[serde(default, deserialize_with = "flexible::bool")]
    pub only_media: bool,
    /// Parvis has no pinned posts: with this, the list is empty.
    #[serde(default, deserialize_with = "flexible::bool")]
    pub pinned: bool,
}

/// An account's posts and boosts that the reader may read, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/statuses", tag = "accounts",
    params(("id" = String, Path, description = "account id"), PageQuery, StatusesQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn statuses(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    Query(which): Query<StatusesQuery>,
) -> Result<Paginated<StatusDto>> {
    let page = Page::read(&query)?;
    page_of(&ctx, &uri, current.map(|c| c.actor.id), move |conn| {
        let author = who(conn, &id)?;
        if which.pinned {
            return Ok(vec![]);
        }
        let mut query = notes::table
            .filter(notes::deleted.eq(false))
            .select(Note::as_select())
            .into_boxed();
        query = match author {
            Writer::Local(id) => query.filter(notes::author_id.eq(id)),
            Writer::Remote(id) => query.filter(notes::remote_author_id.eq(id)),
        };
        if which.only_media {
            query = query.filter(crate::api::statuses::timelines::with_pictures());
        }
        if which.exclude_replies {
            query = query.filter(notes::in_reply_to.is_null());
        }
        if which.exclude_reblogs {
            query = query.filter(notes::reblog_of_id.is_null());
        }
        let found: Vec<Note> = crate::paginate!(query, notes::id, page).load(conn)?;
        Ok(by_id(&page, found))
    })
    .await
}

/// The accepted follows of a list (pagination id, the other side), newest first.
fn follow_rows(
    conn: &mut crate::db::AnyConnection,
    of: Writer,
    followers: bool,
    page: &Page,
) -> Result<Vec<(i64, Writer)>> {
    let mut query = follows::table
        .filter(follows::accepted.eq(true))
        .select((
            follows::id,
            follows::follower_id,
            follows::follower_remote_id,
            follows::target_id,
            follows::target_remote_id,
        ))
        .into_boxed();
    query = match (of, followers) {
        (Writer::Local(id), true) => query.filter(follows::target_id.eq(id)),
        (Writer::Remote(id), true) => query.filter(follows::target_remote_id.eq(id)),
        (Writer::Local(id), false) => query.filter(follows::follower_id.eq(id)),
        // Whom an account of another server follows is not known here.
        (Writer::Remote(_), false) => return Ok(vec![]),
    };
    type Row = (
        crate::ids::FollowId,
        Option<ActorId>,
        Option<RemoteActorId>,
        Option<ActorId>,
        Option<RemoteActorId>,
    );
    let rows: Vec<Row> = crate::paginate!(query, follows::id, page).load(conn)?;
    Ok(page
        .finish(rows)
        .into_iter()
        .filter_map(|(id, fl, fr, tl, tr)| {
            let other = if followers { (fl, fr) } else { (tl, tr) };
            match other {
                (Some(local), _) => Some((id.0, Writer::Local(local))),
                (None, Some(remote)) => Some((id.0, Writer::Remote(remote))),
                (None, None) => None,
            }
        })
        .collect())
}

async fn follow_list(
    ctx: AppContext,
    uri: axum::http::Uri,
    id: String,
    query: PageQuery,
    followers: bool,
) -> Result<Paginated<AccountDto>> {
    let page = Page::read(&query)?;
    account_page(&ctx, &uri, move |conn| {
        let of = who(conn, &id)?;
        follow_rows(conn, of, followers, &page)
    })
    .await
}

/// Who follows an account (for one of another server: the accounts here that follow it).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/followers", tag = "accounts",
    params(("id" = String, Path, description = "account id"), PageQuery),
    responses((status = 200, body = Vec<AccountDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn followers(
    State(ctx): State<AppContext>,
    _current: Option<CurrentAccount<ReadAccounts>>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<AccountDto>> {
    follow_list(ctx, uri, id, query, true).await
}

/// Whom an account follows (for one of another server: not known here, empty).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/following", tag = "accounts",
    params(("id" = String, Path, description = "account id"), PageQuery),
    responses((status = 200, body = Vec<AccountDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn following(
    State(ctx): State<AppContext>,
    _current: Option<CurrentAccount<ReadAccounts>>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<AccountDto>> {
    follow_list(ctx, uri, id, query, false).await
}

/// How the current account stands with another (Mastodon's `Relationship`). Parvis has no blocks or mutes
/// between people: those are always false.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RelationshipDto {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

/// The follow from `from` to `to`, if any: whether it is accepted.
fn follow_state(
    conn: &mut crate::db::AnyConnection,
    from: Writer,
    to: Writer,
) -> Result<Option<bool>> {
    let mut query = follows::table.select(follows::accepted).into_boxed();
    query = match from {
        Writer::Local(id) => query.filter(follows::follower_id.eq(id)),
        Writer::Remote(id) => query.filter(follows::follower_remote_id.eq(id)),
    };
    query = match to {
        Writer::Local(id) => query.filter(follows::target_id.eq(id)),
        Writer::Remote(id) => query.filter(follows::target_remote_id.eq(id)),
    };
    Ok(query.first(conn).optional()?)
}

/// How many accounts one request may ask about.
const MAX_RELATIONSHIPS: usize = 40;

/// The current account's relationships with the accounts `id[]` names (unknown ids are left out).
#[utoipa::path(get, path = "/api/v1/accounts/relationships", tag = "accounts", security(("bearer" = [])),
    params(("id[]" = Vec<String>, Query, description = "account ids")),
    responses((status = 200, body = Vec<RelationshipDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn relationships(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadFollows>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<RelationshipDto>>> {
    let ids: Vec<String> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "id[]" || k == "id")
        .map(|(_, v)| v.into_owned())
        .collect();
    if ids.len() > MAX_RELATIONSHIPS {
        return Err(Error::invalid(
            "id",
            format!("at most {MAX_RELATIONSHIPS} accounts at once"),
        ));
    }
    let me = Writer::Local(current.actor.id);
    ctx.db
        .run(move |conn| {
            let mut found = vec![];
            for raw in ids {
                let Ok(other) = who(conn, &raw) else {
                    continue;
                };
                let mine = follow_state(conn, me, other)?;
                let theirs = follow_state(conn, other, me)?;
                found.push(RelationshipDto {
                    id: account_id(other),
                    following: mine == Some(true),
                    showing_reblogs: mine == Some(true),
                    requested: mine == Some(false),
                    followed_by: theirs == Some(true),
                    requested_by: theirs == Some(false),
                    ..RelationshipDto::default()
                });
            }
            Ok(found)
        })
        .await
        .map(Json)
}
