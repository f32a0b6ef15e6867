//! Moderation between servers: a remote account blocked by a commune or the instance is told so with a
//! `Block` (as Mastodon tells of a block), and its `Undo` when the block is lifted; a report forwarded to the
//! reported account's server is a `Flag` from the instance actor. Incoming `Flag`s are read in
//! `federation::inbox`.

use crate::db::AnyConnection;
use crate::error::Result;
use crate::federation::activities::ObjectOut;
use crate::federation::outbound::{Planned, Sender, stored_url};
use crate::ids::{BlockId, RemoteActorId, ReportId};

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
        "Block",
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
        "Flag",
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
