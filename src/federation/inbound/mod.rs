//! What an incoming activity is, read once into a typed value (activity × object type), then handed to the
//! module of the civic type it concerns. The match in [`apply`] is exhaustive: a new kind of `Inbound` does
//! not compile until it has a reader. Checks made before (size, JSON, signature, origin, blocks) are in
//! `federation::inbox`.

use serde_json::Value;
use url::Url;

use crate::civic::{debates, inbox as received, notes};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::activities::{ApType, Incoming, NoteObject, id_of};
use crate::federation::{actors, follows, moderation, polls};
use crate::model::RemoteActor;

#[cfg(test)]
mod readers;

/// Whether a `Create` or an `Update` was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
}

/// An incoming activity, by what it does to what.
#[derive(Debug)]
pub enum Inbound {
    /// `Follow` of one of our actors, or of a proposal.
    Follow { object: Url },
    /// `Accept` or `Reject` of a Follow we sent.
    FollowAnswered { follow: Value, accepted: bool },
    /// `Undo(Follow)` (the undone Follow, or its id).
    Unfollow { follow: Value },
    /// `Undo(Like)`: an agree, a support or a favourite withdrawn.
    Unlike { like: String },
    /// `Undo(Announce)`: a boost taken back (a commune's relays are not undone).
    Unannounce { announce: String },
    /// `Undo` of something we keep no trace of (a Block, a Dislike…).
    UndoIgnored,
    /// `Create` or `Update` of a `Note`: a post, a comment, a vote, or their edit.
    Note { verb: Verb, note: Box<NoteObject> },
    /// `Create` or `Update` of a `Page` or an `Article` in a commune's `audience`: a debate. One in no
    /// commune is read as a `Note` (`federation::newsletter::converted`).
    Page { page: Value },
    /// `Create` or `Update` of a `Page` with `parvis:problemStatus`: a commune's problem report (or, for
    /// one of ours, the status set by the commune it was handed to).
    Problem { verb: Verb, page: Value },
    /// `Offer` of a problem report to one of our communes (a hand-over between authorities).
    Offer {
        page: Value,
        target: Option<Url>,
        message: Option<Value>,
    },
    /// `Create` or `Update` of an `Event`: a meeting or an event elsewhere.
    Event { verb: Verb, event: Value },
    /// `Create` or `Update` of a `Question`: a poll.
    Question { question: Value },
    /// `Update` of something else: an actor's profile or key, fetched again.
    Update { object: Option<String> },
    /// `Join` or `Leave` of something (one of our meetings: a registration, or its end).
    Participation { object: String, joining: bool },
    /// `Announce`: what a commune relays (FEP-1b12), or a boost.
    Announce { object: Value },
    /// `Like` of a comment (agree) or a proposal (support).
    Like { object: Option<Value> },
    /// `Delete` of an actor, a debate, a poll, a comment or a post.
    Delete { object: String },
    /// `Flag`: a report, naming an account and some of its posts.
    Flag {
        objects: Vec<String>,
        content: String,
    },
    /// A known type we accept and do nothing with (a `Create` of an object we do not keep, a `Join`…): 202
    /// keeps the sender from retrying.
    WithoutEffect(ApType),
}

/// How many objects of a `Flag` are read (an account and a handful of its posts; each costs a lookup).
const FLAG_OBJECTS: usize = crate::civic::moderation::MAX_FLAG_TARGETS + 1;

impl Inbound {
    /// Reads what an activity is. An unknown type, or a known one without what it needs, is refused (400).
    pub fn read(activity: &Incoming) -> Result<Inbound> {
        let kind = ApType::parse(&activity.kind);
        let object = || {
            activity
                .object
                .clone()
                .ok_or_else(|| Error::BadRequest(format!("a {} needs an object", activity.kind)))
        };
        let object_id = || {
            activity
                .object
                .as_ref()
                .and_then(id_of)
                .map(str::to_string)
                .ok_or_else(|| Error::BadRequest(format!("a {} needs an object", activity.kind)))
        };
        Ok(match kind {
            ApType::Follow => Inbound::Follow {
                object: Url::parse(&object_id()?)
                    .map_err(|_| Error::BadRequest("a Follow needs an object".into()))?,
            },
            ApType::Accept | ApType::Reject => Inbound::FollowAnswered {
                follow: object()?,
                accepted: kind == ApType::Accept,
            },
            ApType::Undo => {
                let inner = object()?;
                match ApType::of(&inner) {
                    Some(ApType::Like) => Inbound::Unlike {
                        like: id_of(&inner).unwrap_or_default().to_string(),
                    },
                    Some(ApType::Announce) => Inbound::Unannounce {
                        announce: id_of(&inner).unwrap_or_default().to_string(),
                    },
                    // A Follow, or the bare id of one.
                    Some(ApType::Follow) | None => Inbound::Unfollow { follow: inner },
                    Some(_) => Inbound::UndoIgnored,
                }
            }
            ApType::Create | ApType::Update => {
                let verb = if kind == ApType::Create {
                    Verb::Create
                } else {
                    Verb::Update
                };
                let value = activity.object.as_ref();
                match value.and_then(ApType::of) {
                    Some(ApType::Note) => {
                        let note: NoteObject = serde_json::from_value(object()?).map_err(|e| {
                            Error::BadRequest(format!("the Note is malformed: {e}"))
                        })?;
                        Inbound::Note {
                            verb,
                            note: Box::new(note),
                        }
                    }
                    Some(ApType::Page | ApType::Article) => {
                        let page = object()?;
                        if crate::federation::problems::is_report(&page) {
                            return Ok(Inbound::Problem { verb, page });
                        }
                        // In no commune: an article (a newsletter, a blog post), shown as a post.
                        match crate::federation::newsletter::converted(&page)? {
                            Some(note) => Inbound::Note {
                                verb,
                                note: Box::new(note),
                            },
                            None => Inbound::Page { page },
                        }
                    }
                    Some(ApType::Question) => Inbound::Question {
                        question: object()?,
                    },
                    Some(ApType::Event) => Inbound::Event {
                        verb,
                        event: object()?,
                    },
                    _ if verb == Verb::Update => Inbound::Update {
                        object: value.and_then(id_of).map(str::to_string),
                    },
                    _ => Inbound::WithoutEffect(kind),
                }
            }
            ApType::Offer
                if activity
                    .object
                    .as_ref()
                    .is_some_and(crate::federation::problems::is_report) =>
            {
                Inbound::Offer {
                    page: object()?,
                    target: activity.target.clone(),
                    message: activity.content.clone(),
                }
            }
            ApType::Join | ApType::Leave => Inbound::Participation {
                object: object_id()?,
                joining: kind == ApType::Join,
            },
            ApType::Announce => Inbound::Announce { object: object()? },
            ApType::Like => Inbound::Like {
                object: activity.object.clone(),
            },
            ApType::Delete => Inbound::Delete {
                object: object_id()
                    .map_err(|_| Error::BadRequest("a Delete needs an object".into()))?,
            },
            ApType::Flag => Inbound::Flag {
                objects: match activity.object.as_ref() {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(id_of)
                        .take(FLAG_OBJECTS)
                        .map(str::to_string)
                        .collect(),
                    Some(one) => id_of(one).into_iter().map(str::to_string).collect(),
                    None => vec![],
                },
                // Mastodon writes the reporter's comment in `content`, Lemmy its reason in `summary`.
                content: [&activity.content, &activity.summary]
                    .into_iter()
                    .find_map(|v| v.as_ref().and_then(Value::as_str))
                    .map(notes::plain_text)
                    .unwrap_or_default(),
            },
            other if other.is_accepted_without_effect() => Inbound::WithoutEffect(other),
            _ => {
                return Err(Error::BadRequest(format!(
                    "unknown activity type '{}'",
                    activity.kind
                )));
            }
        })
    }
}

/// Applies an activity checked by the inbox, signed by `signer`.
pub async fn apply(ctx: &AppContext, signer: RemoteActor, activity: Incoming) -> Result<()> {
    let inbound = Inbound::read(&activity)?;
    let activity_id = activity.id.to_string();
    match inbound {
        Inbound::Follow { object } => {
            follows::receive_follow(ctx, signer, activity_id, object).await
        }
        Inbound::FollowAnswered { follow, accepted } => {
            // The answer to a registration for an event elsewhere, to a report we offered, or to a Follow.
            if let Some(join) = id_of(&follow).and_then(|id| ctx.urls.parse_event_join(id)) {
                return crate::federation::meetings::elsewhere::receive_answer(
                    ctx,
                    signer,
                    activity_id,
                    join,
                    accepted,
                )
                .await;
            }
            match id_of(&follow).and_then(|id| ctx.urls.parse_handover(id)) {
                Some(handover) => {
                    crate::federation::problems::receive_answer(
                        ctx,
                        signer,
                        activity_id,
                        handover,
                        accepted,
                        activity.content.as_ref(),
                    )
                    .await
                }
                None => follows::receive_answer(ctx, signer, activity_id, &follow, accepted).await,
            }
        }
        Inbound::Unfollow { follow } => {
            follows::receive_unfollow(ctx, signer, activity_id, &follow).await
        }
        Inbound::Unlike { like } => {
            crate::federation::debates::receive_unlike(ctx, signer, activity_id, like).await
        }
        Inbound::Unannounce { announce } => {
            crate::federation::notes::receive_unannounce(ctx, signer, activity_id, announce).await
        }
        Inbound::Note { verb, note } => {
            crate::federation::notes::receive(ctx, signer, activity_id, verb, *note).await
        }
        Inbound::Page { page } => {
            crate::federation::debates::receive_page(ctx, &signer, activity_id, &page, false).await
        }
        Inbound::Problem { verb, page } => {
            match id_of(&page).and_then(|id| ctx.urls.parse_problem(id)) {
                // One of ours: only its new status, from the commune it was handed to.
                Some(problem) if verb == Verb::Update => {
                    crate::federation::problems::receive_owner_status(
                        ctx,
                        signer,
                        activity_id,
                        problem,
                        &page,
                    )
                    .await
                }
                Some(_) => Err(Error::Forbidden(
                    "a report of ours is not created elsewhere".into(),
                )),
                None => {
                    crate::federation::problems::receive_report(
                        ctx,
                        signer,
                        activity_id,
                        verb,
                        &page,
                    )
                    .await
                }
            }
        }
        Inbound::Offer {
            page,
            target,
            message,
        } => {
            crate::federation::problems::receive_offer(
                ctx,
                signer,
                activity_id,
                &page,
                target,
                message.as_ref(),
            )
            .await
        }
        Inbound::Event { verb, event } => {
            crate::federation::meetings::elsewhere::receive_event(
                ctx,
                signer,
                activity_id,
                verb,
                &event,
            )
            .await
        }
        Inbound::Question { question } => {
            polls::receive_created(ctx, &signer, activity_id, &question).await
        }
        Inbound::Update { object } => actors::receive_update(ctx, &signer, object).await,
        Inbound::Participation { object, joining } => {
            match ctx.urls.parse_meeting(&object) {
                Some(meeting) if joining => {
                    crate::federation::meetings::receive_join(ctx, signer, activity_id, meeting)
                        .await
                }
                Some(meeting) => {
                    crate::federation::meetings::receive_leave(ctx, signer, activity_id, meeting)
                        .await
                }
                // A group, a room… of another kind: nothing of ours.
                None => Ok(()),
            }
        }
        Inbound::Announce { object } => {
            if crate::federation::notes::receive_boost(ctx, &signer, &activity_id, &object).await? {
                return Ok(());
            }
            crate::federation::debates::receive_announce(ctx, &signer, activity_id, &object).await
        }
        Inbound::Like { object } => {
            crate::federation::debates::receive_like(ctx, &signer, activity_id, object.as_ref())
                .await
        }
        Inbound::Delete { object } => receive_delete(ctx, signer, activity_id, object).await,
        Inbound::Flag { objects, content } => {
            moderation::receive_flag(ctx, signer, activity_id, objects, content).await
        }
        Inbound::UndoIgnored | Inbound::WithoutEffect(_) => Ok(()),
    }
}

/// `Delete` of something of the sender's: itself (its account), a debate, a poll, a comment or a post.
async fn receive_delete(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    object_id: String,
) -> Result<()> {
    // Nothing of ours belongs to another server.
    if Url::parse(&object_id).is_ok_and(|u| ctx.urls.is_local(&u)) {
        return Err(Error::Forbidden(format!(
            "{object_id} does not belong to the sender"
        )));
    }
    // The photo files of what is forgotten, removed once the rows are gone.
    let files = ctx
        .db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(vec![]);
            }
            if object_id == signer.ap_id {
                let files = crate::civic::problems::remote_photo_files_of(conn, signer.id)?;
                crate::civic::remote::forget_actor(conn, signer.id)?;
                return Ok(files);
            }
            if debates::forget_remote_debate(conn, signer.id, &object_id)?
                || crate::civic::polls::forget_remote(conn, signer.id, &object_id)?
                || debates::delete_remote_comment(conn, signer.id, &object_id)?
                || crate::civic::meetings::elsewhere::forget_remote(
                    conn,
                    &signer.domain,
                    &object_id,
                )?
            {
                return Ok(vec![]);
            }
            // A report is also its commune's post: both go.
            let files = crate::civic::problems::forget_remote(conn, signer.id, &object_id)?;
            notes::delete_remote(conn, signer.id, &object_id)?;
            Ok(files.unwrap_or_default())
        })
        .await?;
    crate::civic::media::remove_photos(
        &ctx.settings.server.data_dir,
        crate::civic::media::Folder::Photos,
        &files,
    )
    .await;
    Ok(())
}
