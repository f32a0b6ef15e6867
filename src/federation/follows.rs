//! Follows between a local account and a remote one: our `Follow` and its `Undo`, our `Accept` or `Reject`
//! of theirs; and theirs (`Follow` of an actor or a proposal, its `Undo`, their answer to ours).

use serde_json::Value;
use url::Url;

use crate::civic::{follows, inbox as received};
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{ApType, ObjectOut, id_of};
use crate::federation::outbound::{Planned, Sender, follow_object, stored_url};
use crate::ids::{ApUrl, FollowId, RemoteActorId};
use crate::model::RemoteActor;

/// A local account asks to follow a remote one (`Follow`), or stops (`Undo(Follow)`). Nothing when the
/// remote actor is forgotten meanwhile.
pub fn requested(
    conn: &mut AnyConnection,
    s: &Sender,
    id: FollowId,
    target: RemoteActorId,
    on: bool,
) -> Result<Option<Planned>> {
    let Some(target) = crate::civic::remote::find_remote_actor(conn, target)? else {
        return Ok(None);
    };
    let follow = follow_object(s.urls.follow(id), s.url.clone(), stored_url(&target.ap_id)?);
    let to = vec![target.ap_id.clone()];
    let activity = if on {
        crate::federation::activities::ActivityOut {
            context: Some(crate::federation::context()),
            to,
            published: Some(chrono::Utc::now()),
            ..follow
        }
    } else {
        s.activity(
            ApType::Undo,
            s.urls.activity(),
            ObjectOut::Activity(Box::new(follow)),
            to,
            vec![],
        )
    };
    Ok(Some(Planned::unlisted(activity, [target.inbox])))
}

/// A remote actor's `Follow` of `followed` (the sender, or a proposal), answered (`Accept` or `Reject`).
/// Nothing when the follower is forgotten meanwhile.
pub fn answered(
    conn: &mut AnyConnection,
    s: &Sender,
    follow: &ApUrl,
    follower: RemoteActorId,
    followed: Url,
    kind: ApType,
) -> Result<Option<Planned>> {
    let Some(follower) = crate::civic::remote::find_remote_actor(conn, follower)? else {
        return Ok(None);
    };
    let follow = follow_object(follow.url().clone(), stored_url(&follower.ap_id)?, followed);
    let answer = s.activity(
        kind,
        s.urls.activity(),
        ObjectOut::Activity(Box::new(follow)),
        vec![follower.ap_id.clone()],
        vec![],
    );
    Ok(Some(Planned::unlisted(answer, [follower.inbox])))
}

/// `Follow` of one of our actors, or of a proposal as an object (to hear of its answers).
pub async fn receive_follow(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    target_url: Url,
) -> Result<()> {
    if let Some(id) = ctx.urls.parse_debate(target_url.as_str()) {
        return ctx
            .db
            .transaction(move |conn| {
                if !received::first_time(conn, &activity_id)? {
                    return Ok(());
                }
                crate::civic::proposals::remote_follow(
                    conn,
                    signer.id,
                    id,
                    true,
                    Some(&activity_id),
                )
            })
            .await;
    }
    let (target_kind, name) = ctx
        .urls
        .parse_actor(&target_url)
        .ok_or_else(|| Error::NotFound(format!("{target_url} is not an actor here")))?;
    // A commune relays to its followers' servers in the form each takes: learn what this one runs.
    if target_kind == crate::model::ActorKind::Commune
        && let Ok(follower) = Url::parse(&signer.ap_id)
    {
        crate::federation::nodeinfo::learn_software(ctx, &follower);
    }
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let target = queries::actor_of_kind(conn, target_kind, &name)?
                .filter(|a| a.deleted_at.is_none())
                .ok_or_else(|| Error::NotFound(format!("{target_url} is not an actor here")))?;
            follows::remote_follow_received(conn, signer.id, target.id, &activity_id)?;
            Ok(())
        })
        .await
}

/// `Accept` or `Reject` of a Follow we sent.
pub async fn receive_answer(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    follow: &Value,
    accepted: bool,
) -> Result<()> {
    let kind = if accepted { "Accept" } else { "Reject" };
    let follow_id = id_of(follow)
        .and_then(|id| ctx.urls.parse_follow(id))
        .ok_or_else(|| Error::NotFound(format!("{kind} of a follow we did not send")))?;
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            if accepted {
                follows::remote_accepted(conn, follow_id, signer.id)
            } else {
                follows::remote_rejected(conn, follow_id, signer.id)
            }
        })
        .await
}

/// `Undo(Follow)`: of one of our actors, or of a proposal.
pub async fn receive_unfollow(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    follow: &Value,
) -> Result<()> {
    let follow_ap_id = id_of(follow).map(str::to_string);
    let followed = follow.get("object").and_then(id_of);
    if let Some(id) = followed.and_then(|s| ctx.urls.parse_debate(s)) {
        return ctx
            .db
            .transaction(move |conn| {
                if !received::first_time(conn, &activity_id)? {
                    return Ok(());
                }
                crate::civic::proposals::remote_follow(conn, signer.id, id, false, None)
            })
            .await;
    }
    let target = followed
        .and_then(|s| Url::parse(s).ok())
        .and_then(|u| ctx.urls.parse_actor(&u));
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let target_id = match target {
                Some((kind, name)) => queries::actor_of_kind(conn, kind, &name)?.map(|a| a.id),
                None => None,
            };
            follows::remote_unfollowed(conn, signer.id, follow_ap_id.as_deref(), target_id)
        })
        .await
}
