//! Follows between a local account and a remote one: our `Follow` and its `Undo`, and our `Accept` or
//! `Reject` of theirs. Incoming follows are read in `federation::inbox`.

use crate::db::AnyConnection;
use crate::error::Result;
use crate::federation::activities::ObjectOut;
use crate::federation::outbound::{Planned, Sender, follow_object, stored_url};
use crate::ids::{ApUrl, FollowId, RemoteActorId};

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
            "Undo",
            s.urls.activity(),
            ObjectOut::Activity(Box::new(follow)),
            to,
            vec![],
        )
    };
    Ok(Some(Planned::unlisted(activity, [target.inbox])))
}

/// A remote actor's `Follow` of a local one, answered (`Accept` or `Reject`).
pub fn answered(
    conn: &mut AnyConnection,
    s: &Sender,
    follow: &ApUrl,
    follower: RemoteActorId,
    kind: &str,
) -> Result<Option<Planned>> {
    let Some(follower) = crate::civic::remote::find_remote_actor(conn, follower)? else {
        return Ok(None);
    };
    let follow = follow_object(
        follow.url().clone(),
        stored_url(&follower.ap_id)?,
        s.url.clone(),
    );
    let answer = s.activity(
        kind,
        s.urls.activity(),
        ObjectOut::Activity(Box::new(follow)),
        vec![follower.ap_id.clone()],
        vec![],
    );
    Ok(Some(Planned::unlisted(answer, [follower.inbox])))
}
