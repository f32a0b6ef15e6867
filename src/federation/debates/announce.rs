//! What a commune we follow relays about its debates (FEP-1b12 `Announce`): a debate, a comment, its edit,
//! its deletion by its author or its removal by the commune, an "agree" or its withdrawal.

use diesel::prelude::*;
use serde_json::Value;
use url::Url;

use crate::civic::debates::{Answered, RemoteComment, debate_of};
use crate::civic::inbox as received;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::activities::ApType;
use crate::federation::activities::{NoteObject, id_of};
use crate::federation::domain_of;
use crate::model::schema::comments;
use crate::model::{RemoteActor, Stance};

use super::receive::{receive_page, remote_actor_of, resolve};

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
    // An announced activity, or an object (announced as Mastodon boosts: read as its creation).
    let (kind, actor, target) = match ApType::of(object) {
        Some(
            k @ (ApType::Create | ApType::Update | ApType::Delete | ApType::Like | ApType::Undo),
        ) => (
            k,
            object.get("actor").and_then(id_of),
            object.get("object").cloned().unwrap_or(Value::Null),
        ),
        _ => (ApType::Create, None, object.clone()),
    };
    let target_id = id_of(&target)
        .map(str::to_string)
        .ok_or_else(|| Error::BadRequest("the announced activity has no object".into()))?;
    let target_url = Url::parse(&target_id).map_err(|e| Error::BadRequest(e.to_string()))?;
    let actor = actor
        .map(|a| Url::parse(a).map_err(|e| Error::BadRequest(format!("{a}: {e}"))))
        .transpose()?;
    match kind {
        ApType::Create | ApType::Update => {
            if ctx.urls.is_local(&target_url) {
                // Our own comment, relayed back to us.
                return Ok(());
            }
            let value = resolve(ctx, commune, &target).await?;
            match ApType::of(&value) {
                // `resolve` kept an embedded Page only from the commune's own server, else fetched it.
                Some(ApType::Page | ApType::Article) => {
                    receive_page(ctx, commune, activity_id, &value, true).await
                }
                Some(ApType::Note) => receive_relayed_note(ctx, commune, activity_id, &value).await,
                Some(ApType::Question) => {
                    crate::federation::polls::receive_question(ctx, activity_id, &value).await
                }
                _ => Ok(()),
            }
        }
        ApType::Delete => {
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
        ApType::Like | ApType::Undo => {
            let actor = actor.ok_or_else(|| Error::BadRequest("a Like needs an actor".into()))?;
            let Some(liker) = remote_actor_of(ctx, &actor).await? else {
                // An agree given here, relayed back to us.
                return Ok(());
            };
            let undo = kind == ApType::Undo;
            let like_id = if undo {
                if ApType::of(&target) != Some(ApType::Like) {
                    return Ok(());
                }
                target_id.clone()
            } else {
                activity_id_of(object)?
            };
            let liked = if undo {
                target.get("object").and_then(id_of).map(str::to_string)
            } else {
                Some(target_id.clone())
            };
            let (urls, host) = (ctx.urls.clone(), commune.id);
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
