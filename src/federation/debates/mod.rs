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
use crate::federation::urls::Urls;
use crate::ids::{CommentId, DebateId};
use crate::model::schema::comments;
use crate::model::{Comment, Debate, DebateStatus};

mod ancestry;
mod announce;
pub mod outbound;
mod receive;
mod relay;

pub use ancestry::*;
pub use announce::*;
pub use receive::*;
pub use relay::relayed;

/// The local commune hosting a debate written here.
fn host(conn: &mut AnyConnection, debate: &Debate) -> Result<crate::model::Actor> {
    let commune = debate
        .commune_id
        .ok_or_else(|| Error::internal("a debate hosted elsewhere has no Page of ours"))?;
    queries::actor_by_id(conn, commune)
}

/// The `Page` of a debate hosted here.
pub fn page_object(conn: &mut AnyConnection, urls: &Urls, debate: &Debate) -> Result<PageObject> {
    let commune = host(conn, debate)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let author_url = match (debate.author_id, &debate.ap_id) {
        (Some(id), _) => {
            let a = queries::actor_by_id(conn, id)?;
            urls.actor(a.kind, &a.username)
        }
        _ => commune_url.clone(),
    };
    let id = urls.debate(debate.id);
    let proposal = crate::federation::proposals::terms(conn, urls, debate)?;
    // A proposal's page for people is under /proposals.
    let url = match proposal {
        Some(_) => urls.proposal(debate.id),
        None => id.clone(),
    };
    let (proposal, location) = match proposal {
        Some((terms, place)) => (Some(terms), place),
        None => (None, None),
    };
    Ok(PageObject {
        kind: "Page".into(),
        id: id.clone(),
        attributed_to: author_url,
        name: debate.title.clone(),
        summary: maud::html! { p { (debate.question) } }.into_string(),
        content: debate.body_html.clone(),
        media_type: "text/html".into(),
        url,
        audience: commune_url.clone(),
        to: vec![PUBLIC.to_string()],
        cc: vec![
            commune_url.to_string(),
            urls.followers(&commune_url).to_string(),
        ],
        published: debate.created_at.and_utc(),
        start_time: debate.opens_at.map(|o| o.and_utc()),
        end_time: debate.closes_at.map(|c| c.and_utc()),
        comments_enabled: debate.status == DebateStatus::Open,
        location,
        proposal,
    })
}

/// The ids a debate's readers address: the commune hosting it (here or elsewhere) and the debate itself.
pub struct DebateIds {
    pub commune: Url,
    /// `@name@host`, as a mention names it.
    pub commune_handle: String,
    pub debate: Url,
    /// Where the hosting commune takes activities, when it is on another server.
    pub remote_inboxes: Vec<String>,
}

pub fn debate_ids(conn: &mut AnyConnection, urls: &Urls, debate: &Debate) -> Result<DebateIds> {
    if debate.is_local() {
        let commune = host(conn, debate)?;
        let mut remote_inboxes = vec![];
        if let Some(author) = debate.remote_author_id {
            remote_inboxes.push(
                crate::civic::remote::remote_actor(conn, author)?
                    .delivery_inbox()
                    .to_string(),
            );
        }
        return Ok(DebateIds {
            commune: urls.actor(commune.kind, &commune.username),
            commune_handle: format!("@{}@{}", commune.username, urls.authority()),
            // Opened here from another server, it keeps its id there.
            debate: match &debate.ap_id {
                Some(remote) => Url::parse(remote).map_err(Error::internal)?,
                None => urls.debate(debate.id),
            },
            remote_inboxes,
        });
    }
    let commune_id = debate
        .remote_commune_id
        .ok_or_else(|| Error::internal("a remote debate without its commune"))?;
    let commune = crate::civic::remote::remote_actor(conn, commune_id)?;
    let mut remote_inboxes = vec![commune.delivery_inbox().to_string()];
    if let Some(author) = debate.remote_author_id {
        remote_inboxes.push(
            crate::civic::remote::remote_actor(conn, author)?
                .delivery_inbox()
                .to_string(),
        );
    }
    let ap_id = debate.ap_id.as_deref().unwrap_or_default();
    Ok(DebateIds {
        commune_handle: format!("@{}@{}", commune.username, commune.domain),
        commune: Url::parse(&commune.ap_id).map_err(Error::internal)?,
        debate: Url::parse(ap_id).map_err(Error::internal)?,
        remote_inboxes,
    })
}

/// The `Note` of a comment written here, on a debate hosted here or elsewhere.
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
    let ids = debate_ids(conn, urls, &debate)?;
    let author_url = urls.actor(author.kind, &author.username);
    let in_reply_to = match comment.parent_id {
        Some(parent) => comment_url(conn, urls, parent)?,
        None => ids.debate,
    };
    let id = urls.comment(comment.id);
    Ok(NoteObject {
        name: None,
        kind: "Note".into(),
        id: id.clone(),
        attributed_to: author_url.clone(),
        content: comment.content_html.clone(),
        published: Some(comment.created_at.and_utc()),
        in_reply_to: Some(in_reply_to),
        to: vec![PUBLIC.to_string()],
        // The commune is addressed, so that Mastodon users' answers to this comment reach it too.
        cc: vec![
            ids.commune.to_string(),
            urls.followers(&author_url).to_string(),
        ],
        url: Some(id),
        stance: comment.stance.map(|s| s.as_str().to_string()),
        tag: vec![serde_json::json!({
            "type": "Mention",
            "href": ids.commune.as_str(),
            "name": ids.commune_handle,
        })],
        updated: None,
        attachment: vec![],
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

/// The inboxes of the remote people a comment concerns besides its author's followers: the commune hosting
/// its debate and the debate's author when they are elsewhere, and the author of the comment it answers.
pub fn comment_inboxes(
    conn: &mut AnyConnection,
    urls: &Urls,
    comment: &Comment,
) -> Result<Vec<String>> {
    let debate = crate::civic::debates::debate(conn, comment.debate_id)?;
    let mut inboxes = debate_ids(conn, urls, &debate)?.remote_inboxes;
    if let Some(parent) = comment.parent_id {
        let parent_author: Option<crate::ids::RemoteActorId> = comments::table
            .find(parent)
            .select(comments::remote_author_id)
            .first(conn)?;
        if let Some(author) = parent_author {
            inboxes.push(
                crate::civic::remote::remote_actor(conn, author)?
                    .delivery_inbox()
                    .to_string(),
            );
        }
    }
    Ok(inboxes)
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
            if !d.is_local() || d.ap_id.is_some() {
                // Its Page is served by the server it comes from.
                return Err(Error::NotFound(
                    "this debate's Page is on another server".into(),
                ));
            }
            page_object(conn, &urls, &d)
        })
        .await?;
    crate::federation::json_for(&ctx, page).await
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
                .filter(|c| c.visible() && c.author_id.is_some())
                .ok_or_else(|| Error::NotFound("no such comment".into()))?;
            comment_note(conn, &urls, &c)
        })
        .await?;
    crate::federation::json_for(&ctx, note).await
}
