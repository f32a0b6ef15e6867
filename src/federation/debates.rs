//! Debates and comments in ActivityStreams (FEP-1b12): a debate is a `Page` in its commune's `audience`, a
//! comment a `Note` that answers it; the commune `Announce`s both to its followers.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use diesel::prelude::*;
use url::Url;

use crate::civic::debates::{Answered, RemoteComment, RemoteDebate, debate_of};
use crate::civic::inbox as received;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{
    ActivityOut, NoteObject, ObjectOut, PUBLIC, PageIn, PageObject, id_of, type_of,
};
use crate::federation::inbox::require_signed_fetch;
use crate::federation::urls::Urls;
use crate::federation::{domain_of, fetch};
use crate::ids::{CommentId, DebateId};
use crate::model::schema::comments;
use crate::model::{Comment, Debate, DebateStatus};
use crate::model::{RemoteActor, Stance};
use serde_json::Value;

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

/// What the commune hosting a debate announces about one of its comments (an outbox event's payload says
/// what happened): the comment itself (embedded when written here, a link otherwise), its `Update`, its
/// `Delete` by its author, its removal by the commune (a `Delete` by the commune), an "agree" (`Like`) or its
/// `Undo`. `None` when there is nothing left to announce.
pub fn relayed(
    conn: &mut AnyConnection,
    urls: &Urls,
    event: &crate::model::OutboxEvent,
) -> Result<Option<ObjectOut>> {
    use crate::model::schema::comment_likes;
    let comment: Comment = comments::table
        .find(CommentId(event.subject_id))
        .select(Comment::as_select())
        .first(conn)?;
    let commune = queries::actor_by_id(conn, event.actor_id)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let url = comment_url(conn, urls, comment.id)?;
    let author_url = |conn: &mut AnyConnection| -> Result<Url> {
        match (comment.author_id, comment.remote_author_id) {
            (Some(id), _) => {
                let a = queries::actor_by_id(conn, id)?;
                Ok(urls.actor(a.kind, &a.username))
            }
            (None, Some(id)) => Url::parse(&crate::civic::remote::remote_actor(conn, id)?.ap_id)
                .map_err(Error::internal),
            (None, None) => Ok(commune_url.clone()),
        }
    };
    let inner = |kind: &str, actor: Url, object: ObjectOut, id: Url| {
        ObjectOut::Activity(Box::new(ActivityOut {
            context: None,
            id,
            kind: kind.into(),
            actor,
            object,
            to: vec![PUBLIC.to_string()],
            cc: vec![],
            published: Some(chrono::Utc::now()),
            content: None,
        }))
    };
    let payload = event.payload.as_str();
    Ok(Some(match payload {
        "" if comment.author_id.is_some() => {
            ObjectOut::Note(Box::new(comment_note(conn, urls, &comment)?))
        }
        "" => ObjectOut::Link(url),
        "update" if comment.author_id.is_some() && comment.visible() => {
            let author = author_url(conn)?;
            let note = comment_note(conn, urls, &comment)?;
            inner(
                "Update",
                author,
                ObjectOut::Note(Box::new(note)),
                urls.activity(),
            )
        }
        // Followers fetch the new version from its server.
        "update" => ObjectOut::Link(url),
        "delete" => {
            let author = author_url(conn)?;
            inner("Delete", author, ObjectOut::Link(url), urls.activity())
        }
        "hide" => inner("Delete", commune_url, ObjectOut::Link(url), urls.activity()),
        _ => {
            if let Some(like) = payload.strip_prefix("like:") {
                let like: i64 = like.parse().map_err(Error::internal)?;
                let row: Option<LikeRow> = comment_likes::table
                    .find(like)
                    .select((
                        comment_likes::author_id,
                        comment_likes::remote_author_id,
                        comment_likes::ap_id,
                    ))
                    .first(conn)
                    .optional()?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let (actor, id) = like_actor_and_id(conn, urls, row, like)?;
                inner("Like", actor, ObjectOut::Link(url), id)
            } else if let Some(rest) = payload.strip_prefix("unlike:") {
                let (who, like) = rest
                    .split_once(':')
                    .ok_or_else(|| Error::internal(format!("payload {payload}")))?;
                let (actor, like_id) = match who.strip_prefix('r') {
                    Some(remote) => {
                        let remote =
                            crate::ids::RemoteActorId(remote.parse().map_err(Error::internal)?);
                        let ap_id = crate::civic::remote::remote_actor(conn, remote)?.ap_id;
                        (
                            Url::parse(&ap_id).map_err(Error::internal)?,
                            Url::parse(like).map_err(Error::internal)?,
                        )
                    }
                    None => {
                        let local = crate::ids::ActorId(who.parse().map_err(Error::internal)?);
                        let a = queries::actor_by_id(conn, local)?;
                        (
                            urls.actor(a.kind, &a.username),
                            urls.like(like.parse().map_err(Error::internal)?),
                        )
                    }
                };
                let like = inner("Like", actor.clone(), ObjectOut::Link(url), like_id);
                inner("Undo", actor, like, urls.activity())
            } else {
                return Err(Error::internal(format!("unknown relay {payload}")));
            }
        }
    }))
}

type LikeRow = (
    Option<crate::ids::ActorId>,
    Option<crate::ids::RemoteActorId>,
    Option<String>,
);

/// Who gave an "agree", and the id of its `Like`.
fn like_actor_and_id(
    conn: &mut AnyConnection,
    urls: &Urls,
    row: LikeRow,
    like: i64,
) -> Result<(Url, Url)> {
    match row {
        (Some(local), _, _) => {
            let a = queries::actor_by_id(conn, local)?;
            Ok((urls.actor(a.kind, &a.username), urls.like(like)))
        }
        (None, Some(remote), Some(ap_id)) => {
            let actor = crate::civic::remote::remote_actor(conn, remote)?.ap_id;
            Ok((
                Url::parse(&actor).map_err(Error::internal)?,
                Url::parse(&ap_id).map_err(Error::internal)?,
            ))
        }
        _ => Err(Error::internal(format!("like {like} has no author"))),
    }
}

// --- Receiving -------------------------------------------------------------------------------------------

/// An object named or embedded in an activity from `sender`: the embedded copy when it comes from the
/// sender's own server, else fetched from its server (a relay cannot vouch for another server's objects).
pub(crate) async fn resolve(
    ctx: &AppContext,
    sender: &RemoteActor,
    value: &Value,
) -> Result<Value> {
    let id = id_of(value).ok_or_else(|| Error::BadRequest("an object without id".into()))?;
    let url = Url::parse(id).map_err(|e| Error::BadRequest(format!("{id}: {e}")))?;
    if value.is_object() && type_of(value).is_some() && domain_of(&url) == sender.domain {
        return Ok(value.clone());
    }
    let (id, fetched) = fetch::object(ctx, &url).await?;
    if id != url {
        return Err(Error::BadGateway(format!(
            "{url} answered with another object"
        )));
    }
    Ok(fetched)
}

/// A remote actor by id, fetched if needed; `None` for one of ours.
async fn remote_actor_of(ctx: &AppContext, url: &Url) -> Result<Option<RemoteActor>> {
    if ctx.urls.is_local(url) {
        return Ok(None);
    }
    fetch::actor(ctx, url, false).await.map(Some)
}

/// A `Page` sent by the commune hosting it, or by its author: a debate hosted elsewhere that people here
/// follow, kept so that they can read and answer it. `from_origin`: the Page was fetched at its id (or
/// embedded by its own server), so its content is its server's word.
pub async fn receive_page(
    ctx: &AppContext,
    sender: &RemoteActor,
    activity_id: String,
    value: &Value,
    from_origin: bool,
) -> Result<()> {
    let page: PageIn = serde_json::from_value(value.clone())
        .map_err(|e| Error::BadRequest(format!("the Page is malformed: {e}")))?;
    let Some(audience) = page.audience.clone() else {
        // Not a debate of a commune: an article or a page we have nothing to do with.
        return Ok(());
    };
    if ctx.urls.is_local(&audience) {
        return opened_here(ctx, sender, activity_id, &page, &audience).await;
    }
    let commune = fetch::actor(ctx, &audience, false).await?;
    let sent_by_host = sender.ap_id == commune.ap_id;
    let sent_by_author = page
        .attributed_to
        .as_ref()
        .is_some_and(|a| a.as_str() == sender.ap_id);
    if !(sent_by_host || sent_by_author) {
        return Err(Error::Forbidden(format!(
            "{} is neither the commune hosting {} nor its author",
            sender.ap_id, page.id
        )));
    }
    // A Page speaks for itself only from its own server: sent by that server's actor, or fetched there.
    if !from_origin && domain_of(&page.id) != sender.domain {
        return Err(Error::BadRequest(format!(
            "{} is not on the sender's server",
            page.id
        )));
    }
    let author = match &page.attributed_to {
        Some(a) if a.as_str() != commune.ap_id => remote_actor_of(ctx, a).await.ok().flatten(),
        _ => None,
    };
    let question = page
        .summary
        .as_deref()
        .map(crate::civic::notes::html_to_text)
        .unwrap_or_default();
    let new = RemoteDebate {
        ap_id: page.id.to_string(),
        commune: commune.id,
        author: author.map(|a| a.id),
        title: page.name.clone().unwrap_or_default(),
        question,
        html: page.content.clone(),
        open: page.comments_enabled.unwrap_or(true),
        opens_at: page.start_time.map(|t| t.naive_utc()),
        closes_at: page.end_time.map(|t| t.naive_utc()),
        published: page.published.unwrap_or_else(chrono::Utc::now).naive_utc(),
    };
    // A proposal's status, counts and answers are its commune's word, read from a Page on its commune's
    // server (not from its author, nor from a Page a relay points to elsewhere).
    let proposal = crate::federation::proposals::remote_proposal(&page)
        .filter(|_| sent_by_host && domain_of(&page.id) == commune.domain);
    let followed = (commune.id, sender.id);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            // Kept only when someone here follows the commune or the author.
            if !queries::is_followed_from_here(conn, followed.0)?
                && !queries::is_followed_from_here(conn, followed.1)?
            {
                return Ok(());
            }
            let stored = crate::civic::debates::store_remote_debate(conn, new, followed.1)?;
            if let (Some(id), Some(proposal)) = (stored, proposal) {
                crate::civic::proposals::store_remote_proposal(conn, id, proposal)?;
            }
            Ok(())
        })
        .await
}

/// A person from another server opens a debate in one of our communes, if the commune allows it.
async fn opened_here(
    ctx: &AppContext,
    sender: &RemoteActor,
    activity_id: String,
    page: &PageIn,
    audience: &Url,
) -> Result<()> {
    let Some((crate::model::ActorKind::Commune, name)) = ctx.urls.parse_actor(audience) else {
        return Err(Error::NotFound(format!("{audience} is not a commune here")));
    };
    if page.attributed_to.as_ref().map(Url::as_str) != Some(sender.ap_id.as_str())
        || domain_of(&page.id) != sender.domain
    {
        return Err(Error::BadRequest(
            "the Page is not by the activity's actor".into(),
        ));
    }
    let new = RemoteDebate {
        ap_id: page.id.to_string(),
        commune: sender.id,
        author: Some(sender.id),
        title: page.name.clone().unwrap_or_default(),
        question: page
            .summary
            .as_deref()
            .map(crate::civic::notes::html_to_text)
            .unwrap_or_default(),
        html: page.content.clone(),
        open: true,
        opens_at: page.start_time.map(|t| t.naive_utc()),
        closes_at: page.end_time.map(|t| t.naive_utc()),
        published: page.published.unwrap_or_else(chrono::Utc::now).naive_utc(),
    };
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound(format!("no commune {name}")))?;
            crate::civic::debates::remote_opened_debate(conn, commune.id, new).map(|_| ())
        })
        .await
}

/// What a commune we follow relays about its debates (FEP-1b12 `Announce`): a debate, a comment, its edit,
/// its deletion by its author or removal by the commune, an "agree" or its withdrawal. Announces of anything
/// else (a Mastodon boost) concern nobody here.
pub async fn receive_announce(
    ctx: &AppContext,
    commune: &RemoteActor,
    activity_id: String,
    object: &Value,
) -> Result<()> {
    let commune_id = commune.id;
    let followed = ctx
        .db
        .run(move |conn| queries::is_followed_from_here(conn, commune_id))
        .await?;
    if !followed {
        return Ok(());
    }
    let (kind, actor, target) = match type_of(object) {
        Some(k @ ("Create" | "Update" | "Delete" | "Like" | "Undo")) => (
            k,
            object.get("actor").and_then(id_of),
            object.get("object").cloned().unwrap_or(Value::Null),
        ),
        _ => ("Create", None, object.clone()),
    };
    let target_id = id_of(&target)
        .map(str::to_string)
        .ok_or_else(|| Error::BadRequest("the announced activity has no object".into()))?;
    let target_url = Url::parse(&target_id).map_err(|e| Error::BadRequest(e.to_string()))?;
    let actor = actor
        .map(|a| Url::parse(a).map_err(|e| Error::BadRequest(format!("{a}: {e}"))))
        .transpose()?;
    match kind {
        "Create" | "Update" => {
            if ctx.urls.is_local(&target_url) {
                // Our own comment, relayed back to us.
                return Ok(());
            }
            let value = resolve(ctx, commune, &target).await?;
            match type_of(&value) {
                // `resolve` kept an embedded Page only from the commune's own server, else fetched it.
                Some("Page" | "Article") => {
                    receive_page(ctx, commune, activity_id, &value, true).await
                }
                Some("Note") => receive_relayed_note(ctx, commune, activity_id, &value).await,
                Some("Question") => {
                    crate::federation::polls::receive_question(ctx, activity_id, &value).await
                }
                _ => Ok(()),
            }
        }
        "Delete" => {
            let actor = actor.ok_or_else(|| Error::BadRequest("a Delete needs an actor".into()))?;
            let (urls, host) = (ctx.urls.clone(), commune.clone());
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if crate::civic::debates::forget_remote_debate(conn, host.id, &target_id)? {
                        return Ok(());
                    }
                    let Some(Answered::Comment(comment)) =
                        crate::civic::debates::find_answered(conn, &urls, &target_id)?
                    else {
                        return Ok(());
                    };
                    // Only the commune hosting the debate speaks for what happens in it.
                    if debate_of(conn, Answered::Comment(comment))?.remote_commune_id
                        != Some(host.id)
                    {
                        return Err(Error::Forbidden(
                            "only the commune hosting a debate relays the deletion of its comments"
                                .into(),
                        ));
                    }
                    let author: Option<crate::ids::RemoteActorId> = comments::table
                        .find(comment)
                        .select(comments::remote_author_id)
                        .first(conn)?;
                    let by_author = match author {
                        Some(a) => {
                            crate::civic::remote::remote_actor(conn, a)?.ap_id == actor.as_str()
                        }
                        None => false,
                    };
                    if by_author {
                        crate::civic::debates::delete_remote_comment(
                            conn,
                            author.unwrap_or(crate::ids::RemoteActorId(0)),
                            &target_id,
                        )
                        .map(|_| ())
                    } else {
                        crate::civic::debates::hide_remote_comment(conn, host.id, comment)
                    }
                })
                .await
        }
        "Like" | "Undo" => {
            let actor = actor.ok_or_else(|| Error::BadRequest("a Like needs an actor".into()))?;
            let Some(liker) = remote_actor_of(ctx, &actor).await? else {
                // An agree given here, relayed back to us.
                return Ok(());
            };
            let like_id = if kind == "Undo" {
                if type_of(&target) != Some("Like") {
                    return Ok(());
                }
                target_id.clone()
            } else {
                activity_id_of(object)?
            };
            let liked = if kind == "Undo" {
                target.get("object").and_then(id_of).map(str::to_string)
            } else {
                Some(target_id.clone())
            };
            let (urls, host, undo) = (ctx.urls.clone(), commune.id, kind == "Undo");
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if undo {
                        return crate::civic::debates::remote_disagree(
                            conn,
                            liker.id,
                            &like_id,
                            Some(host),
                        );
                    }
                    let Some(Answered::Comment(comment)) = liked
                        .map(|l| crate::civic::debates::find_answered(conn, &urls, &l))
                        .transpose()?
                        .flatten()
                    else {
                        return Ok(());
                    };
                    if debate_of(conn, Answered::Comment(comment))?.remote_commune_id != Some(host)
                    {
                        return Err(Error::Forbidden(
                            "only the commune hosting a debate relays its agrees".into(),
                        ));
                    }
                    crate::civic::debates::remote_agree(conn, liker.id, &like_id, comment)
                })
                .await
        }
        _ => Ok(()),
    }
}

fn activity_id_of(activity: &Value) -> Result<String> {
    id_of(activity)
        .map(str::to_string)
        .ok_or_else(|| Error::BadRequest("an activity without id".into()))
}

/// A comment relayed by the commune hosting its debate: stored, or its new version applied.
async fn receive_relayed_note(
    ctx: &AppContext,
    commune: &RemoteActor,
    activity_id: String,
    value: &Value,
) -> Result<()> {
    let note: NoteObject = serde_json::from_value(value.clone())
        .map_err(|e| Error::BadRequest(format!("the Note is malformed: {e}")))?;
    let Some(in_reply_to) = note.in_reply_to.clone() else {
        return Ok(());
    };
    let Some(author) = remote_actor_of(ctx, &note.attributed_to).await? else {
        return Ok(());
    };
    if domain_of(&note.id) != author.domain {
        return Err(Error::BadRequest(
            "the Note is not on its author's server".into(),
        ));
    }
    let (urls, host) = (ctx.urls.clone(), commune.id);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let stance = note.stance.as_deref().and_then(Stance::parse);
            if crate::civic::debates::update_remote_comment(
                conn,
                author.id,
                note.id.as_str(),
                &note.content,
                stance,
            )? {
                return Ok(());
            }
            let Some(answered) =
                crate::civic::debates::find_answered(conn, &urls, in_reply_to.as_str())?
            else {
                return Ok(());
            };
            if debate_of(conn, answered)?.remote_commune_id != Some(host) {
                return Ok(());
            }
            crate::civic::debates::remote_comment(
                conn,
                RemoteComment {
                    author: author.id,
                    answered,
                    ap_id: note.id.to_string(),
                    html: note.content,
                    stance,
                    published: note.published.unwrap_or_else(chrono::Utc::now).naive_utc(),
                },
            )
        })
        .await
}

/// A `Like` sent to us: "agree" on a comment we know, or a support of a proposal hosted here (a Mastodon
/// favourite of its Page). Likes of anything else are accepted and ignored.
pub async fn receive_like(
    ctx: &AppContext,
    liker: &RemoteActor,
    activity_id: String,
    object: Option<&Value>,
) -> Result<()> {
    let Some(liked) = object.and_then(id_of).map(str::to_string) else {
        return Err(Error::BadRequest("a Like needs an object".into()));
    };
    let (urls, liker) = (ctx.urls.clone(), liker.id);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            match crate::civic::debates::find_answered(conn, &urls, &liked)? {
                Some(Answered::Comment(comment)) => {
                    crate::civic::debates::remote_agree(conn, liker, &activity_id, comment)
                }
                Some(Answered::Debate(id)) => {
                    crate::civic::proposals::remote_support(conn, liker, &activity_id, id)
                }
                _ => Ok(()),
            }
        })
        .await
}

/// How many unknown ancestors of a reply are fetched to find the debate it belongs to.
pub const MAX_ANCESTORS: usize = 16;

/// A reply addressed to us whose parent we do not have: a Mastodon user answering another's reply that never
/// reached us, in a thread that started on one of our debates. Its ancestors are fetched, at most
/// [`MAX_ANCESTORS`], until one is a debate or comment we know; the missing ones are then stored as comments,
/// top down, and the reply under them. Returns `false` when the chain leads nowhere known within the bound
/// (a chain 10,000 deep costs 16 requests, not 10,000).
pub async fn attach_by_ancestry(
    ctx: &AppContext,
    signer: &RemoteActor,
    activity_id: String,
    note: &NoteObject,
) -> Result<bool> {
    let mut missing: Vec<(NoteObject, RemoteActor)> = vec![];
    let mut parent = note.in_reply_to.clone();
    let answered = loop {
        let Some(url) = parent else {
            return Ok(false);
        };
        let (urls, key) = (ctx.urls.clone(), url.to_string());
        let known = ctx
            .db
            .run(move |conn| crate::civic::debates::find_answered(conn, &urls, &key))
            .await?;
        if let Some(answered) = known {
            let hosted_here = ctx
                .db
                .run(move |conn| Ok(debate_of(conn, answered)?.is_local()))
                .await?;
            // A debate hosted elsewhere gets its comments through its commune's relay.
            if !hosted_here {
                return Ok(false);
            }
            break answered;
        }
        if ctx.urls.is_local(&url) || missing.len() >= MAX_ANCESTORS {
            return Ok(false);
        }
        let Ok((id, value)) = fetch::object(ctx, &url).await else {
            return Ok(false);
        };
        if id != url || type_of(&value) != Some("Note") {
            return Ok(false);
        }
        let Ok(ancestor) = serde_json::from_value::<NoteObject>(value) else {
            return Ok(false);
        };
        if domain_of(&ancestor.id) != domain_of(&ancestor.attributed_to) {
            return Ok(false);
        }
        let Ok(Some(author)) = remote_actor_of(ctx, &ancestor.attributed_to).await else {
            return Ok(false);
        };
        parent = ancestor.in_reply_to.clone();
        missing.push((ancestor, author));
    };
    let mut chain: Vec<(NoteObject, RemoteActor)> = missing.into_iter().rev().collect();
    chain.push((note.clone(), signer.clone()));
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let mut answered = answered;
            for (n, author) in chain {
                let ap_id = n.id.to_string();
                crate::civic::debates::remote_comment(
                    conn,
                    RemoteComment {
                        author: author.id,
                        answered,
                        ap_id: ap_id.clone(),
                        html: n.content,
                        stance: n.stance.as_deref().and_then(Stance::parse),
                        published: n.published.unwrap_or_else(chrono::Utc::now).naive_utc(),
                    },
                )?;
                let stored: CommentId = comments::table
                    .filter(comments::ap_id.eq(&ap_id))
                    .select(comments::id)
                    .first(conn)?;
                answered = Answered::Comment(stored);
            }
            Ok(())
        })
        .await?;
    Ok(true)
}
