//! Lists of posts, newest first and paginated as Mastodon does: the home timeline, the public timeline, and
//! an account's favourites and bookmarks.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Query, State};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::auth::{CurrentAccount, ReadBookmarks, ReadFavourites, ReadStatuses};
use crate::api::body::flexible;
use crate::api::pagination::{Page, PageQuery, Paginated, link};
use crate::api::statuses::StatusDto;
use crate::api::statuses::entity::Statuses;
use crate::civic::notes::interactions::visible_to;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, NoteId};
use crate::model::schema::{
    bookmarks, media_attachments, note_favourites, note_remote_attachments, notes,
};
use crate::model::{Note, Visibility};

/// Rows read for a page (their pagination ids and posts) become the page: what the reader may not read or
/// whose server is hidden is left out, boosts of such posts too.
pub(crate) async fn page_of(
    ctx: &AppContext,
    uri: &axum::http::Uri,
    viewer: Option<ActorId>,
    read: impl FnOnce(&mut AnyConnection) -> Result<Vec<(i64, Note)>> + Send + 'static,
) -> Result<Paginated<StatusDto>> {
    let policy = ctx.policy().await;
    let view = ctx.clone();
    let (rows, statuses) = ctx
        .db
        .run(move |conn| {
            let rows = read(conn)?;
            let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
            let mut kept = vec![];
            for (_, note) in rows {
                let shared = match note.reblog_of_id {
                    Some(original) => Some(crate::civic::notes::note(conn, original)?),
                    None => None,
                };
                let target = shared.as_ref().unwrap_or(&note);
                if policy.shows(&note) && policy.shows(target) && visible_to(conn, viewer, target)?
                {
                    kept.push((note, shared));
                }
            }
            Ok((ids, Statuses::new(&view, viewer).all_of(conn, &kept)?))
        })
        .await?;
    let header = link(&ctx.urls, uri, rows.first().copied(), rows.last().copied());
    Ok(Paginated(header, statuses))
}

/// The current account's own posts and boosts, and those of the accounts it follows.
#[utoipa::path(get, path = "/api/v1/timelines/home", tag = "timelines", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn home(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadStatuses>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<StatusDto>> {
    let page = Page::read(&query)?;
    let me = current.actor.id;
    page_of(&ctx, &uri, Some(me), move |conn| {
        let query = notes::table
            .filter(notes::deleted.eq(false))
            .filter(crate::civic::notes::interactions::in_home_of(me))
            .select(Note::as_select())
            .into_boxed();
        let found: Vec<Note> = crate::paginate!(query, notes::id, page).load(conn)?;
        Ok(by_id(&page, found))
    })
    .await
}

/// Which public posts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// Only posts written here.
    #[serde(default, deserialize_with = "flexible::bool")]
    pub local: bool,
    /// Only posts from other servers.
    #[serde(default, deserialize_with = "flexible::bool")]
    pub remote: bool,
    /// Only posts with pictures (Parvis's posts have none yet: always empty).
    #[serde(default, deserialize_with = "flexible::bool")]
    pub only_media: bool,
}

/// Public posts known here (without boosts), newest first.
#[utoipa::path(get, path = "/api/v1/timelines/public", tag = "timelines",
    params(PageQuery, PublicQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn public(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<PageQuery>,
    Query(which): Query<PublicQuery>,
) -> Result<Paginated<StatusDto>> {
    public_page(&ctx, current, &uri, &query, which, None).await
}

/// Public posts with a hashtag (`local`, `remote` as for the public timeline), newest first.
#[utoipa::path(get, path = "/api/v1/timelines/tag/{hashtag}", tag = "timelines",
    params(("hashtag" = String, Path, description = "the hashtag, without #"), PageQuery, PublicQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn tag(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    OriginalUri(uri): OriginalUri,
    axum::extract::Path(hashtag): axum::extract::Path<String>,
    Query(query): Query<PageQuery>,
    Query(which): Query<PublicQuery>,
) -> Result<Paginated<StatusDto>> {
    // A name that is not a hashtag names no post.
    let name = crate::civic::notes::tags::normalize(&hashtag);
    public_page(&ctx, current, &uri, &query, which, Some(name)).await
}

/// A page of public posts, of one hashtag when `tag` says so (`Some(None)`: a name that is no hashtag).
async fn public_page(
    ctx: &AppContext,
    current: Option<CurrentAccount<ReadStatuses>>,
    uri: &axum::http::Uri,
    query: &PageQuery,
    which: PublicQuery,
    tag: Option<Option<String>>,
) -> Result<Paginated<StatusDto>> {
    use crate::model::schema::note_tags;
    let page = Page::read(query)?;
    page_of(ctx, uri, current.map(|c| c.actor.id), move |conn| {
        if tag == Some(None) {
            return Ok(vec![]);
        }
        let mut query = notes::table
            .filter(notes::deleted.eq(false))
            .filter(notes::visibility.eq(Visibility::Public))
            .filter(notes::reblog_of_id.is_null())
            .select(Note::as_select())
            .into_boxed();
        if let Some(Some(name)) = tag {
            query = query.filter(
                notes::id.eq_any(
                    note_tags::table
                        .filter(note_tags::name.eq(name))
                        .select(note_tags::note_id),
                ),
            );
        }
        if which.only_media {
            query = query.filter(with_pictures());
        }
        if which.local {
            query = query.filter(notes::author_id.is_not_null());
        }
        if which.remote {
            query = query.filter(notes::remote_author_id.is_not_null());
        }
        let found: Vec<Note> = crate::paginate!(query, notes::id, page).load(conn)?;
        Ok(by_id(&page, found))
    })
    .await
}

/// Posts with pictures (`only_media`): stored here, or links of a post from elsewhere.
#[diesel::dsl::auto_type]
pub(crate) fn with_pictures() -> _ {
    notes::id
        .nullable()
        .eq_any(media_attachments::table.select(media_attachments::note_id))
        .or(notes::id
            .eq_any(note_remote_attachments::table.select(note_remote_attachments::note_id)))
}

/// Posts read for a page, newest first, each with its pagination id (its own).
pub(crate) fn by_id(page: &Page, found: Vec<Note>) -> Vec<(i64, Note)> {
    page.finish(found)
        .into_iter()
        .map(|n| (n.id.0, n))
        .collect()
}

/// Posts by the rows that name them (a favourite or a bookmark), in the rows' order.
fn posts_of(conn: &mut AnyConnection, rows: Vec<(i64, NoteId)>) -> Result<Vec<(i64, Note)>> {
    let ids: Vec<NoteId> = rows.iter().map(|(_, n)| *n).collect();
    let mut found: HashMap<NoteId, Note> = notes::table
        .filter(notes::id.eq_any(ids))
        .select(Note::as_select())
        .load(conn)?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(row, note)| found.remove(&note).map(|n| (row, n)))
        .collect())
}

/// The posts the current account favourited, the latest favourite first.
#[utoipa::path(get, path = "/api/v1/favourites", tag = "timelines", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn favourites(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadFavourites>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<StatusDto>> {
    let page = Page::read(&query)?;
    let me = current.actor.id;
    page_of(&ctx, &uri, Some(me), move |conn| {
        let query = note_favourites::table
            .filter(note_favourites::author_id.eq(me))
            .select((note_favourites::id, note_favourites::note_id))
            .into_boxed();
        let rows: Vec<(i64, NoteId)> =
            crate::paginate!(query, note_favourites::id, page).load(conn)?;
        posts_of(conn, page.finish(rows))
    })
    .await
}

/// The posts the current account bookmarked, the latest bookmark first.
#[utoipa::path(get, path = "/api/v1/bookmarks", tag = "timelines", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Vec<StatusDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn bookmarks(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadBookmarks>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<PageQuery>,
) -> Result<Paginated<StatusDto>> {
    let page = Page::read(&query)?;
    let me = current.actor.id;
    page_of(&ctx, &uri, Some(me), move |conn| {
        let query = bookmarks::table
            .filter(bookmarks::account_id.eq(me))
            .select((bookmarks::id, bookmarks::note_id))
            .into_boxed();
        let rows: Vec<(i64, NoteId)> = crate::paginate!(query, bookmarks::id, page).load(conn)?;
        posts_of(conn, page.finish(rows))
    })
    .await
}
