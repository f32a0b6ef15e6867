//! Collections of local actors (followers, following, outbox) and local posts, as ActivityPub documents.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::context::AppContext;
use crate::db::queries::{self, FollowEnd};
use crate::error::{Error, Result};
use crate::federation::activities::PUBLIC;
use crate::federation::context;
use crate::federation::inbox::require_signed_fetch;
use crate::ids::NoteId;
use crate::model::schema::{notes, outgoing_activities};
use crate::model::{Actor, Note, Visibility};

const PAGE_SIZE: i64 = 50;

/// An `OrderedCollection` with its first page linked, or one `OrderedCollectionPage`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Collection {
    #[serde(rename = "@context")]
    context: Value,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    total_items: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    part_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ordered_items: Option<Vec<Value>>,
}

fn page_number(params: &HashMap<String, String>) -> Result<Option<i64>> {
    match params.get("page") {
        None => Ok(None),
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1 && *n <= 1_000_000)
            .map(Some)
            .ok_or_else(|| Error::BadRequest(format!("'{p}' is not a page number"))),
    }
}

async fn local_actor(ctx: &AppContext, name: String) -> Result<Actor> {
    ctx.db
        .run(move |conn| queries::actor_by_username(conn, &name))
        .await?
        .ok_or_else(|| Error::NotFound("no such actor".into()))
}

/// The collection itself (`page` None: its size and a link to its first page), or one page of it.
fn respond(
    id: &Url,
    total: i64,
    page: Option<i64>,
    items: impl FnOnce() -> Vec<Value>,
) -> Response {
    let collection = match page {
        None => Collection {
            context: context(),
            id: id.to_string(),
            kind: "OrderedCollection",
            total_items: total,
            first: Some(format!("{id}?page=1")),
            part_of: None,
            next: None,
            ordered_items: None,
        },
        Some(n) => Collection {
            context: context(),
            id: format!("{id}?page={n}"),
            kind: "OrderedCollectionPage",
            total_items: total,
            first: None,
            part_of: Some(id.to_string()),
            next: (n * PAGE_SIZE < total).then(|| format!("{id}?page={}", n + 1)),
            ordered_items: Some(items()),
        },
    };
    activitypub_federation::axum::json::FederationJson(collection).into_response()
}

async fn follow_collection(
    ctx: AppContext,
    name: String,
    params: HashMap<String, String>,
    followers: bool,
) -> Result<Response> {
    let actor = local_actor(&ctx, name).await?;
    let actor_url = ctx.urls.actor(actor.kind, &actor.username);
    let id = if followers {
        ctx.urls.followers(&actor_url)
    } else {
        ctx.urls.following(&actor_url)
    };
    let page = page_number(&params)?;
    let actor_id = actor.id;
    let offset = (page.unwrap_or(1) - 1) * PAGE_SIZE;
    let (total, ends) = ctx
        .db
        .run(move |conn| queries::follow_page(conn, actor_id, followers, offset, PAGE_SIZE))
        .await?;
    Ok(respond(&id, total, page, || {
        ends.into_iter()
            .map(|end| match end {
                FollowEnd::Local(kind, name) => {
                    Value::String(ctx.urls.actor(kind, &name).to_string())
                }
                FollowEnd::Remote(ap_id) => Value::String(ap_id),
            })
            .collect()
    }))
}

/// `GET …/followers`.
pub async fn followers(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    follow_collection(ctx, name, params, true).await
}

/// `GET …/following`.
pub async fn following(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    follow_collection(ctx, name, params, false).await
}

/// `GET …/outbox`: the actor's public activities, newest first.
pub async fn outbox(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let actor = local_actor(&ctx, name).await?;
    let id = ctx
        .urls
        .outbox(&ctx.urls.actor(actor.kind, &actor.username));
    let page = page_number(&params)?;
    let actor_id = actor.id;
    let offset = (page.unwrap_or(1) - 1) * PAGE_SIZE;
    let (total, bodies) = ctx
        .db
        .run(move |conn| {
            // Listed activities whose post, if any, still exists.
            let mine = || {
                outgoing_activities::table
                    .left_join(
                        notes::table.on(outgoing_activities::note_id.eq(notes::id.nullable())),
                    )
                    .filter(outgoing_activities::signer_id.eq(actor_id))
                    .filter(outgoing_activities::public.eq(true))
                    .filter(notes::deleted.is_null().or(notes::deleted.eq(false)))
            };
            let total: i64 = mine().count().get_result(conn)?;
            let bodies: Vec<String> = mine()
                .order(outgoing_activities::id.desc())
                .offset(offset)
                .limit(PAGE_SIZE)
                .select(outgoing_activities::body)
                .load(conn)?;
            Ok((total, bodies))
        })
        .await?;
    // What was sent before the commune was kept for its residents loses its public address too.
    let private = ctx.policy().await.private;
    Ok(respond(&id, total, page, || {
        bodies
            .iter()
            .filter_map(|b| serde_json::from_str::<Value>(b).ok())
            .map(|mut v| {
                if let Some(map) = v.as_object_mut() {
                    map.remove("@context");
                }
                if private {
                    crate::federation::activities::without_public(&mut v);
                }
                v
            })
            .collect()
    }))
}

/// `GET /notes/{id}`: a local public or unlisted post (others are not served).
pub async fn note(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound("no such post".into()))?;
    let view = ctx.clone();
    let object = ctx
        .db
        .run(move |conn| {
            let note: Option<Note> = notes::table
                .find(NoteId(id))
                .select(Note::as_select())
                .first(conn)
                .optional()?;
            // A civic thing's post is served as the thing itself, at its own id.
            let Some(note) = note.filter(|n| n.civic().is_none()) else {
                return Err(Error::NotFound("no such post".into()));
            };
            if note.deleted {
                return Err(Error::NotFound("this post was deleted".into()));
            }
            // A boost is a post only here: on the wire it is an `Announce`, not served.
            let shown = note.reblog_of_id.is_none()
                && matches!(note.visibility, Visibility::Public | Visibility::Unlisted);
            let Some(author) = note.author_id.filter(|_| shown) else {
                return Err(Error::NotFound("no such post".into()));
            };
            let author = queries::actor_by_id(conn, author)?;
            let author_url = view.urls.actor(author.kind, &author.username);
            let followers = view.urls.followers(&author_url).to_string();
            let (to, cc) = if note.visibility == Visibility::Public {
                (vec![PUBLIC.to_string()], vec![followers])
            } else {
                (vec![followers], vec![PUBLIC.to_string()])
            };
            let sender = crate::federation::outbound::Sender {
                urls: &view.urls,
                id: author.id,
                url: author_url,
            };
            crate::federation::notes::note_object(conn, &sender, &note, &to, &cc)
        })
        .await?;
    crate::federation::json_for(&ctx, object).await
}

/// `GET /communes/{name}/moderators`: those who speak for the commune (officials, moderators, admins), the
/// FEP-1b12 `attributedTo` of the Group. Short, so given whole.
pub async fn moderators(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let (commune, people) = ctx
        .db
        .run(move |conn| {
            use crate::model::schema::{accounts, actors};
            use crate::model::{ActorKind, Role};
            let commune = queries::actor_of_kind(conn, ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let people: Vec<Actor> = actors::table
                .inner_join(accounts::table.on(accounts::actor_id.eq(actors::id)))
                .filter(accounts::commune_id.eq(commune.id))
                .filter(accounts::role.eq_any([Role::Official, Role::Moderator, Role::Admin]))
                .filter(actors::deleted_at.is_null())
                .order(actors::id.asc())
                .select(Actor::as_select())
                .load(conn)?;
            Ok((commune, people))
        })
        .await?;
    let id = ctx
        .urls
        .moderators(&ctx.urls.actor(commune.kind, &commune.username));
    let items: Vec<String> = people
        .iter()
        .map(|a| ctx.urls.actor(a.kind, &a.username).to_string())
        .collect();
    Ok(crate::federation::json(serde_json::json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}
