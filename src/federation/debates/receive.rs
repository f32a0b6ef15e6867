//! Debates and comments from other servers: a `Page` kept as a debate hosted elsewhere (or opened here by a
//! remote person), what a commune announces (its debates, relayed comments, agrees and their withdrawals),
//! a `Like` of a comment or proposal, and a reply attached through its ancestors.

use serde_json::Value;
use url::Url;

use crate::civic::debates::{Answered, RemoteComment, RemoteDebate, debate_of};
use crate::civic::inbox as received;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::activities::{NoteObject, PageIn, id_of, type_of};
use crate::federation::inbound::Verb;
use crate::federation::{domain_of, fetch};
use crate::model::{RemoteActor, Stance};

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
pub(super) async fn remote_actor_of(ctx: &AppContext, url: &Url) -> Result<Option<RemoteActor>> {
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
            // A problem report here: "I have this problem too".
            if let Some(problem) = urls.parse_problem(&liked) {
                return crate::civic::problems::remote_support(conn, liker, &activity_id, problem);
            }
            // A post written here: a favourite.
            if let Some(note) = urls.parse_note(&liked) {
                return crate::civic::notes::interactions::remote_favourite(
                    conn,
                    liker,
                    &activity_id,
                    note,
                );
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
/// A `Note` that is a comment we keep, or replies to a debate or comment we know: a comment on the debate
/// (FEP-1b12), or its edit. Returns whether it was one (then nothing else reads it).
pub async fn receive_comment(
    ctx: &AppContext,
    signer: &RemoteActor,
    activity_id: &str,
    verb: Verb,
    note: &NoteObject,
) -> Result<bool> {
    let (urls, reply) = (ctx.urls.clone(), note.clone());
    let is_comment = ctx
        .db
        .run(move |conn| {
            crate::civic::debates::is_comment(
                conn,
                &urls,
                reply.id.as_str(),
                reply.in_reply_to.as_ref().map(Url::as_str),
            )
        })
        .await?;
    if !is_comment {
        return Ok(false);
    }
    let (urls, note, signer, activity_id) = (
        ctx.urls.clone(),
        note.clone(),
        signer.id,
        activity_id.to_string(),
    );
    let published = note.published.unwrap_or_else(chrono::Utc::now).naive_utc();
    let stance = note.stance.as_deref().and_then(Stance::parse);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            if crate::civic::debates::update_remote_comment(
                conn,
                signer,
                note.id.as_str(),
                &note.content,
                stance,
            )? || verb == Verb::Update
            {
                return Ok(());
            }
            let parent = note
                .in_reply_to
                .as_ref()
                .map(Url::as_str)
                .unwrap_or_default();
            let Some(answered) = crate::civic::debates::find_answered(conn, &urls, parent)? else {
                return Ok(());
            };
            // A debate hosted elsewhere takes new comments through its commune's relay, so that its
            // commune sees and moderates them.
            if !debate_of(conn, answered)?.is_local() {
                return Ok(());
            }
            crate::civic::debates::remote_comment(
                conn,
                RemoteComment {
                    author: signer,
                    answered,
                    ap_id: note.id.to_string(),
                    html: note.content,
                    stance,
                    published,
                },
            )
        })
        .await?;
    Ok(true)
}

/// `Undo(Like)`: a support of a proposal hosted here, or an agree, withdrawn by the person who gave it.
pub async fn receive_unlike(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    like_id: String,
) -> Result<()> {
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            if crate::civic::proposals::remote_unsupport(conn, signer.id, &like_id)?
                || crate::civic::problems::remote_unsupport(conn, signer.id, &like_id)?
                || crate::civic::notes::interactions::remote_unfavourite(conn, signer.id, &like_id)?
            {
                return Ok(());
            }
            crate::civic::debates::remote_disagree(conn, signer.id, &like_id, None)
        })
        .await
}
