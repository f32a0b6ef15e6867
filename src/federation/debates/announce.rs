//! What a commune we follow relays about its debates (FEP-1b12 `Announce`): a debate, a comment, its edit,
//! its deletion by its author or its removal by the commune's moderators (and that removal undone), an
//! "agree" or its withdrawal.

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
    match Relay::read(object)? {
        Relay::Object(target) => {
            let target_url = id_url(&target)?;
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
                // A group's event (Mobilizon announces those its members organise).
                Some(ApType::Event) => {
                    crate::federation::meetings::elsewhere::receive_event(
                        ctx,
                        commune.clone(),
                        activity_id,
                        crate::federation::inbound::Verb::Create,
                        &value,
                    )
                    .await
                }
                _ => Ok(()),
            }
        }
        Relay::Delete { actor, object } => {
            let (urls, host) = (ctx.urls.clone(), commune.clone());
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if crate::civic::debates::forget_remote_debate(conn, host.id, &object)? {
                        return Ok(());
                    }
                    let Some(Answered::Comment(comment)) =
                        crate::civic::debates::find_answered(conn, &urls, &object)?
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
                    match author {
                        Some(a)
                            if crate::civic::remote::remote_actor(conn, a)?.ap_id
                                == actor.as_str() =>
                        {
                            crate::civic::debates::delete_remote_comment(conn, a, &object)
                                .map(|_| ())
                        }
                        // Anyone else the commune relays is one of its moderators (Lemmy's removal).
                        _ => crate::civic::debates::hide_remote_comment(conn, host.id, comment),
                    }
                })
                .await
        }
        Relay::Restore { object } => {
            let (urls, host) = (ctx.urls.clone(), commune.id);
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    match crate::civic::debates::find_answered(conn, &urls, &object)? {
                        Some(Answered::Comment(comment)) => {
                            crate::civic::debates::unhide_remote_comment(conn, host, comment)
                        }
                        // A debate removed there was forgotten here: nothing to show again.
                        _ => Ok(()),
                    }
                })
                .await
        }
        Relay::Like {
            actor,
            like,
            object,
        } => {
            let Some(liker) = remote_actor_of(ctx, &actor).await? else {
                // An agree given here, relayed back to us.
                return Ok(());
            };
            let (urls, host) = (ctx.urls.clone(), commune.id);
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    let Some(Answered::Comment(comment)) =
                        crate::civic::debates::find_answered(conn, &urls, &object)?
                    else {
                        return Ok(());
                    };
                    if debate_of(conn, Answered::Comment(comment))?.remote_commune_id != Some(host)
                    {
                        return Err(Error::Forbidden(
                            "only the commune hosting a debate relays its agrees".into(),
                        ));
                    }
                    crate::civic::debates::remote_agree(conn, liker.id, &like, comment)
                })
                .await
        }
        Relay::Unlike { actor, like } => {
            let Some(liker) = remote_actor_of(ctx, &actor).await? else {
                return Ok(());
            };
            let host = commune.id;
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    crate::civic::debates::remote_disagree(conn, liker.id, &like, Some(host))
                })
                .await
        }
        Relay::Nothing => Ok(()),
    }
}

/// What a commune relays, read from its `Announce`'s object.
#[derive(Debug, PartialEq)]
pub(crate) enum Relay {
    /// A debate, a comment or a poll, created or edited: the object, embedded or named. An object announced
    /// bare (Mastodon's boost form) is read as its creation.
    Object(Value),
    /// A `Delete`: by the author of the object (a deletion), or by a moderator of the commune (a removal).
    Delete { actor: Url, object: String },
    /// `Undo` of a removal: the object is shown again.
    Restore { object: String },
    /// An "agree": who gave it, the `Like`'s id, the comment.
    Like {
        actor: Url,
        like: String,
        object: String,
    },
    /// An "agree" withdrawn: who, and the `Like`'s id.
    Unlike { actor: Url, like: String },
    /// Something that concerns nothing here (the `Undo` of another kind of activity).
    Nothing,
}

impl Relay {
    pub(crate) fn read(announced: &Value) -> Result<Relay> {
        let kind = ApType::of(announced);
        let object = || announced.get("object").cloned().unwrap_or(Value::Null);
        let actor = || -> Result<Url> {
            let id = announced
                .get("actor")
                .and_then(id_of)
                .ok_or_else(|| Error::BadRequest("the announced activity has no actor".into()))?;
            Url::parse(id).map_err(|e| Error::BadRequest(format!("{id}: {e}")))
        };
        Ok(match kind {
            Some(ApType::Create | ApType::Update) => Relay::Object(object()),
            Some(ApType::Delete) => Relay::Delete {
                actor: actor()?,
                object: id_url(&object())?.to_string(),
            },
            Some(ApType::Like) => Relay::Like {
                actor: actor()?,
                like: activity_id_of(announced)?,
                object: id_url(&object())?.to_string(),
            },
            Some(ApType::Undo) => {
                let undone = object();
                match ApType::of(&undone) {
                    Some(ApType::Delete) => Relay::Restore {
                        object: id_url(&undone.get("object").cloned().unwrap_or(Value::Null))?
                            .to_string(),
                    },
                    Some(ApType::Like) => Relay::Unlike {
                        actor: actor()?,
                        like: activity_id_of(&undone)?,
                    },
                    _ => Relay::Nothing,
                }
            }
            _ => {
                id_url(announced)?;
                Relay::Object(announced.clone())
            }
        })
    }
}

/// The id of an object, embedded or named.
fn id_url(value: &Value) -> Result<Url> {
    let id = id_of(value)
        .ok_or_else(|| Error::BadRequest("the announced activity has no object".into()))?;
    Url::parse(id).map_err(|e| Error::BadRequest(format!("{id}: {e}")))
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
