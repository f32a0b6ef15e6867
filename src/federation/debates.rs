//! Debates and comments in ActivityStreams (FEP-1b12): a debate is a `Page` in its commune's `audience`, a
//! comment a `Note` that answers it; the commune `Announce`s both to its followers.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use diesel::prelude::*;
use url::Url;

use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{NoteObject, PUBLIC, PageObject};
use crate::federation::inbox::require_signed_fetch;
use crate::federation::json;
use crate::federation::urls::Urls;
use crate::ids::{CommentId, DebateId};
use crate::model::schema::comments;
use crate::model::{Comment, Debate, DebateStatus};

/// The `Page` of a debate.
pub fn page_object(conn: &mut AnyConnection, urls: &Urls, debate: &Debate) -> Result<PageObject> {
    let commune = queries::actor_by_id(conn, debate.commune_id)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let author_url = match debate.author_id {
        Some(id) => {
            let a = queries::actor_by_id(conn, id)?;
            urls.actor(a.kind, &a.username)
        }
        None => commune_url.clone(),
    };
    let id = urls.debate(debate.id);
    Ok(PageObject {
        kind: "Page".into(),
        id: id.clone(),
        attributed_to: author_url,
        name: debate.title.clone(),
        summary: maud::html! { p { (debate.question) } }.into_string(),
        content: debate.body_html.clone(),
        media_type: "text/html".into(),
        url: id,
        audience: commune_url.clone(),
        to: vec![PUBLIC.to_string()],
        cc: vec![
            commune_url.to_string(),
            urls.followers(&commune_url).to_string(),
        ],
        published: debate.created_at.and_utc(),
        end_time: debate.closes_at.map(|c| c.and_utc()),
        comments_enabled: debate.status == DebateStatus::Open,
    })
}

/// The `Note` of a comment written here.
pub fn comment_note(
    conn: &mut AnyConnection,
    urls: &Urls,
    comment: &Comment,
) -> Result<NoteObject> {
    let author = queries::actor_by_id(
        conn,
        comment
            .author_id
            .ok_or_else(|| Error::internal("a remote comment has no Note of ours"))?,
    )?;
    let debate = crate::civic::debates::debate(conn, comment.debate_id)?;
    let commune = queries::actor_by_id(conn, debate.commune_id)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let author_url = urls.actor(author.kind, &author.username);
    let in_reply_to = match comment.parent_id {
        Some(parent) => Some(comment_url(conn, urls, parent)?),
        None => Some(urls.debate(debate.id)),
    };
    let id = urls.comment(comment.id);
    Ok(NoteObject {
        kind: "Note".into(),
        id: id.clone(),
        attributed_to: author_url.clone(),
        content: comment.content_html.clone(),
        published: Some(comment.created_at.and_utc()),
        in_reply_to,
        to: vec![PUBLIC.to_string()],
        // The commune is addressed, so that Mastodon users' answers to this comment reach it too.
        cc: vec![
            commune_url.to_string(),
            urls.followers(&author_url).to_string(),
        ],
        url: Some(id),
    })
}

/// A comment's id: ours, or the one its server gave it.
pub fn comment_url(conn: &mut AnyConnection, urls: &Urls, id: CommentId) -> Result<Url> {
    let ap_id: Option<String> = comments::table
        .find(id)
        .select(comments::ap_id)
        .first(conn)?;
    match ap_id {
        Some(remote) => Url::parse(&remote).map_err(Error::internal),
        None => Ok(urls.comment(id)),
    }
}

/// `GET /debates/{id}` for servers.
pub async fn debate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let id = DebateId(
        id.parse()
            .map_err(|_| Error::NotFound("no such debate".into()))?,
    );
    let urls = ctx.urls.clone();
    let page = ctx
        .db
        .run(move |conn| {
            let d = crate::civic::debates::debate(conn, id)?;
            page_object(conn, &urls, &d)
        })
        .await?;
    Ok(json(page))
}

/// `GET /comments/{id}` for servers (people are sent to the comment in its debate).
pub async fn comment(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let id = CommentId(
        id.parse()
            .map_err(|_| Error::NotFound("no such comment".into()))?,
    );
    let urls = ctx.urls.clone();
    let note = ctx
        .db
        .run(move |conn| {
            let c: Comment = comments::table
                .find(id)
                .select(Comment::as_select())
                .first(conn)
                .optional()?
                .filter(|c| !c.deleted && c.author_id.is_some())
                .ok_or_else(|| Error::NotFound("no such comment".into()))?;
            comment_note(conn, &urls, &c)
        })
        .await?;
    Ok(json(note))
}
