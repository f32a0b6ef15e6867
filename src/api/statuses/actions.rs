//! Favourites, boosts and bookmarks of posts, as Mastodon apps ask for them. Each answers the post as the
//! account now sees it (a boost answers the boost, carrying the post it shares).

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use diesel::prelude::*;

use crate::api::accounts::AccountDto;
use crate::api::auth::{CurrentAccount, Needs, WriteBookmarks, WriteFavourites, WriteStatuses};
use crate::api::pagination::{Page, PageQuery, Paginated};
use crate::api::statuses::StatusDto;
use crate::api::statuses::entity::{Statuses, note_id};
use crate::civic::debates::Writer;
use crate::civic::notes::interactions;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, NoteId};
use crate::model::Note;
use crate::model::schema::{note_favourites, notes};

/// Runs an action on a post for the current account, then answers the post as it now sees it.
async fn act<N: Needs>(
    ctx: AppContext,
    current: CurrentAccount<N>,
    id: String,
    action: fn(&mut AnyConnection, ActorId, NoteId) -> Result<Note>,
) -> Result<Json<StatusDto>> {
    let id = note_id(&id)?;
    let me = current.actor.id;
    let view = ctx.clone();
    let status = ctx
        .db
        .transaction(move |conn| {
            let note = action(conn, me, id)?;
            Statuses::new(&view, Some(me)).status(conn, &note)
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(status))
}

macro_rules! action {
    ($name:ident, $path:literal, $needs:ty, $action:path, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "statuses", security(("bearer" = [])),
            params(("id" = String, Path, description = "post id")),
            responses((status = 200, body = StatusDto), (status = 401, body = crate::error::ErrorBody),
                (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
        pub async fn $name(
            State(ctx): State<AppContext>,
            current: CurrentAccount<$needs>,
            Path(id): Path<String>,
        ) -> Result<Json<StatusDto>> {
            act(ctx, current, id, $action).await
        }
    };
}

action!(
    favourite,
    "/api/v1/statuses/{id}/favourite",
    WriteFavourites,
    interactions::favourite,
    "Favourites a post (a `Like` to its server when it is from elsewhere; its author here is told)."
);
action!(
    unfavourite,
    "/api/v1/statuses/{id}/unfavourite",
    WriteFavourites,
    interactions::unfavourite,
    "Takes a favourite back (`Undo(Like)`)."
);
action!(
    reblog,
    "/api/v1/statuses/{id}/reblog",
    WriteStatuses,
    interactions::reblog,
    "Boosts a public or unlisted post (`Announce` to one's followers); answers the boost."
);
action!(
    unreblog,
    "/api/v1/statuses/{id}/unreblog",
    WriteStatuses,
    interactions::unreblog,
    "Takes a boost back (`Undo(Announce)`)."
);
action!(
    bookmark,
    "/api/v1/statuses/{id}/bookmark",
    WriteBookmarks,
    interactions::bookmark,
    "Bookmarks a post (kept here, told to nobody)."
);
action!(
    unbookmark,
    "/api/v1/statuses/{id}/unbookmark",
    WriteBookmarks,
    interactions::unbookmark,
    "Removes a bookmark."
);

/// Who favourited or boosted a post: (pagination id, who), newest first.
fn who_acted(
    conn: &mut AnyConnection,
    note: NoteId,
    favourites: bool,
    page: &Page,
) -> Result<Vec<(i64, Writer)>> {
    let rows: Vec<(i64, Option<ActorId>, Option<crate::ids::RemoteActorId>)> = if favourites {
        let query = note_favourites::table
            .filter(note_favourites::note_id.eq(note))
            .select((
                note_favourites::id,
                note_favourites::author_id,
                note_favourites::remote_author_id,
            ))
            .into_boxed();
        crate::paginate!(query, note_favourites::id, page).load(conn)?
    } else {
        let query = notes::table
            .filter(notes::reblog_of_id.eq(note))
            .select((notes::id, notes::author_id, notes::remote_author_id))
            .into_boxed();
        crate::paginate!(query, notes::id, page)
            .load::<(NoteId, Option<ActorId>, Option<crate::ids::RemoteActorId>)>(conn)?
            .into_iter()
            .map(|(id, local, remote)| (id.0, local, remote))
            .collect()
    };
    Ok(page
        .finish(rows)
        .into_iter()
        .filter_map(|(id, local, remote)| match (local, remote) {
            (Some(local), _) => Some((id, Writer::Local(local))),
            (None, Some(remote)) => Some((id, Writer::Remote(remote))),
            (None, None) => None,
        })
        .collect())
}

async fn accounts_who(
    ctx: AppContext,
    uri: axum::http::Uri,
    viewer: Option<ActorId>,
    id: String,
    query: PageQuery,
    favourites: bool,
) -> Result<Paginated<AccountDto>> {
    let id = note_id(&id)?;
    let page = Page::read(&query)?;
    crate::api::accounts::account_page(&ctx, &uri, move |conn| {
        let note = interactions::readable(conn, viewer, id)?;
        who_acted(conn, note.id, favourites, &page)
    })
    .await
}

/// The accounts that favourited a post, newest first.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/favourited_by", tag = "statuses",
    params(("id" = String, Path, description = "post id"), PageQuery),
    responses((status = 200, body = Vec<AccountDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn favourited_by(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<crate::api::auth::ReadStatuses>>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<AccountDto>> {
    accounts_who(ctx, uri, current.map(|c| c.actor.id), id, query, true).await
}

/// The accounts that boosted a post, newest first.
#[utoipa::path(get, path = "/api/v1/statuses/{id}/reblogged_by", tag = "statuses",
    params(("id" = String, Path, description = "post id"), PageQuery),
    responses((status = 200, body = Vec<AccountDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reblogged_by(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<crate::api::auth::ReadStatuses>>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<AccountDto>> {
    accounts_who(ctx, uri, current.map(|c| c.actor.id), id, query, false).await
}
