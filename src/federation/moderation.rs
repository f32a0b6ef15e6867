//! Moderation between servers: a remote account blocked by a commune or the instance is told so with a
//! `Block` (as Mastodon tells of a block), and its `Undo` when the block is lifted; a report forwarded to the
//! reported account's server is a `Flag` from the instance actor; a `Flag` from another server becomes
//! reports in the queue of the moderators concerned.

use url::Url;

use crate::civic::inbox as received;
use crate::civic::moderation::Target;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::Result;
use crate::federation::activities::ApType;
use crate::federation::activities::ObjectOut;
use crate::federation::outbound::{Planned, Sender, stored_url};
use crate::ids::{BlockId, RemoteActorId, ReportId};
use crate::model::{RemoteActor, Visibility};

/// `Block` of a remote account, or its `Undo`, to that account. Nothing when it is forgotten meanwhile.
pub fn blocked(
    conn: &mut AnyConnection,
    s: &Sender,
    id: BlockId,
    account: RemoteActorId,
    on: bool,
) -> Result<Option<Planned>> {
    let Some(blocked) = crate::civic::remote::find_remote_actor(conn, account)? else {
        return Ok(None);
    };
    let to = vec![blocked.ap_id.clone()];
    let block = s.activity(
        ApType::Block,
        s.urls.block(id.0),
        ObjectOut::Link(stored_url(&blocked.ap_id)?),
        to.clone(),
        vec![],
    );
    let activity = if on { block } else { s.undo(block, to) };
    Ok(Some(Planned::unlisted(activity, [blocked.inbox])))
}

/// A report forwarded to the reported account's server: a `Flag` naming the account and the reported post,
/// with the reporter's comment but not their name.
pub fn forwarded(
    conn: &mut AnyConnection,
    s: &Sender,
    id: ReportId,
    account: RemoteActorId,
) -> Result<Option<Planned>> {
    let Some(reported) = crate::civic::remote::find_remote_actor(conn, account)? else {
        return Ok(None);
    };
    let report = crate::civic::moderation::find(conn, id.0)?;
    let mut objects = vec![stored_url(&reported.ap_id)?];
    if let Some(post) = crate::civic::moderation::reported_post_id(conn, &report)? {
        objects.push(stored_url(&post)?);
    }
    let mut flag = s.activity(
        ApType::Flag,
        s.urls.activity(),
        ObjectOut::Links(objects),
        vec![],
        vec![],
    );
    flag.content = Some(report.comment);
    Ok(Some(Planned::unlisted(
        flag,
        [reported.delivery_inbox().to_string()],
    )))
}

/// A report, as Mastodon sends it from its instance actor: the objects it names that are ours (comments,
/// debates, posts the reporting server could see, accounts), with its comment.
pub async fn receive_flag(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    objects: Vec<String>,
    content: String,
) -> Result<()> {
    let urls = ctx.urls.clone();
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let mut targets = vec![];
            for id in &objects {
                if let Some(c) = urls.parse_comment(id) {
                    targets.push(Target::Comment(c));
                } else if let Some(d) = urls.parse_debate(id) {
                    targets.push(Target::Debate(d));
                } else if let Some(n) = urls.parse_note(id) {
                    // Only what the reporting server could see: a followers-only or direct post named in a
                    // Flag is ignored (its text would otherwise land in the queue).
                    if crate::civic::notes::note(conn, n).is_ok_and(|note| {
                        matches!(note.visibility, Visibility::Public | Visibility::Unlisted)
                    }) {
                        targets.push(Target::Note(n));
                    }
                } else if let Some((kind, name)) =
                    Url::parse(id).ok().and_then(|u| urls.parse_actor(&u))
                    && let Some(actor) = queries::actor_of_kind(conn, kind, &name)?
                {
                    targets.push(Target::Account(actor.id));
                }
            }
            crate::civic::moderation::remote_flag(conn, signer.id, &activity_id, &targets, &content)
        })
        .await
}
