//! What the commune hosting a debate relays to its followers about one of its comments (FEP-1b12): the
//! comment itself (embedded when written here, a link otherwise), its `Update`, its `Delete` by its author,
//! its removal by a moderator (a `Delete` by the moderator) and its `Undo` when it is shown again, an
//! "agree" (`Like`) or its `Undo`.

use diesel::prelude::*;
use url::Url;

use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{ActivityOut, ApType, ObjectOut, PUBLIC};
use crate::federation::outbound::{ForGroups, Sender};
use crate::federation::urls::Urls;
use crate::ids::{ActorId, CommentId, LikeId, RemoteActorId};
use crate::model::schema::{comment_likes, comments};
use crate::model::{Comment, Relayed, Unliker};

use super::{comment_note, comment_url};

/// The object the commune announces, and what group software gets instead; `None` when there is nothing left
/// to announce (an agree withdrawn before it was relayed).
pub fn relayed(
    conn: &mut AnyConnection,
    s: &Sender,
    id: CommentId,
    what: &Relayed,
) -> Result<Option<(ObjectOut, ForGroups)>> {
    let urls = s.urls;
    let comment: Comment = comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)?;
    let url = comment_url(conn, urls, comment.id)?;
    let author_url = |conn: &mut AnyConnection| -> Result<Url> {
        match (comment.author_id, comment.remote_author_id) {
            (Some(id), _) => local_actor(conn, urls, id),
            (None, Some(id)) => remote_actor(conn, id),
            (None, None) => Ok(s.url.clone()),
        }
    };
    let inner = |kind: ApType, actor: Url, object: ObjectOut, id: Url| {
        ObjectOut::Activity(Box::new(ActivityOut {
            context: None,
            id,
            kind,
            actor,
            object,
            to: vec![PUBLIC.to_string()],
            cc: vec![],
            published: Some(chrono::Utc::now()),
            content: None,
            target: None,
        }))
    };
    // A link to another server's comment has no form group software takes (it relays it from there).
    let link = |url: Url| Ok(Some((ObjectOut::Link(url), ForGroups::Nothing)));
    Ok(Some((
        match what {
            // Mastodon shows a boost of the Note; group software reads the author's Create of it.
            Relayed::Written if comment.author_id.is_some() => {
                let note = comment_note(conn, urls, &comment)?;
                let create = ActivityOut {
                    context: None,
                    id: urls.activity(),
                    kind: ApType::Create,
                    actor: author_url(conn)?,
                    to: note.to.clone(),
                    cc: note.cc.clone(),
                    published: note.published,
                    object: ObjectOut::Note(Box::new(note.clone())),
                    content: None,
                    target: None,
                };
                return Ok(Some((
                    ObjectOut::Note(Box::new(note)),
                    ForGroups::Instead(Box::new(s.announce_activity(create))),
                )));
            }
            Relayed::Written => return link(url),
            Relayed::Updated if comment.author_id.is_some() && comment.visible() => {
                let author = author_url(conn)?;
                let note = comment_note(conn, urls, &comment)?;
                inner(
                    ApType::Update,
                    author,
                    ObjectOut::Note(Box::new(note)),
                    urls.activity(),
                )
            }
            // Followers fetch the new version from its server.
            Relayed::Updated => return link(url),
            Relayed::Deleted => {
                let author = author_url(conn)?;
                inner(
                    ApType::Delete,
                    author,
                    ObjectOut::Link(url),
                    urls.activity(),
                )
            }
            Relayed::Hidden => {
                let moderator = match comment.hidden_by {
                    Some(m) => local_actor(conn, urls, m)?,
                    // Shown again before this was planned: the commune speaks (its Restored follows).
                    None => s.url.clone(),
                };
                ObjectOut::Activity(Box::new(removal(s, moderator, url)))
            }
            Relayed::Restored { by } => {
                let moderator = local_actor(conn, urls, *by)?;
                let removal = removal(s, moderator.clone(), url);
                inner(
                    ApType::Undo,
                    moderator,
                    ObjectOut::Activity(Box::new(removal)),
                    urls.activity(),
                )
            }
            Relayed::Liked { like } => {
                let row: Option<LikeRow> = comment_likes::table
                    .find(like.0)
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
                let (actor, id) = like_actor_and_id(conn, urls, row, *like)?;
                inner(ApType::Like, actor, ObjectOut::Link(url), id)
            }
            Relayed::Unliked { by } => {
                let (actor, like_id) = match by {
                    Unliker::Remote { actor, like } => {
                        (remote_actor(conn, *actor)?, like.url().clone())
                    }
                    Unliker::Local { actor, like } => {
                        (local_actor(conn, urls, *actor)?, urls.like(like.0))
                    }
                };
                let like = inner(ApType::Like, actor.clone(), ObjectOut::Link(url), like_id);
                inner(ApType::Undo, actor, like, urls.activity())
            }
        },
        ForGroups::Same,
    )))
}

/// A moderator's removal of a comment, as Lemmy reads one: a `Delete` by a person who moderates the
/// community (on its server, and in its `moderators` collection), naming the community in `cc`.
fn removal(s: &Sender, moderator: Url, comment: Url) -> ActivityOut {
    ActivityOut {
        context: None,
        id: s.urls.activity(),
        kind: ApType::Delete,
        actor: moderator,
        object: ObjectOut::Link(comment),
        to: vec![PUBLIC.to_string()],
        cc: vec![s.url.to_string()],
        published: Some(chrono::Utc::now()),
        content: None,
        target: None,
    }
}

fn local_actor(conn: &mut AnyConnection, urls: &Urls, id: ActorId) -> Result<Url> {
    let a = queries::actor_by_id(conn, id)?;
    Ok(urls.actor(a.kind, &a.username))
}

fn remote_actor(conn: &mut AnyConnection, id: RemoteActorId) -> Result<Url> {
    Url::parse(&crate::civic::remote::remote_actor(conn, id)?.ap_id).map_err(Error::internal)
}

type LikeRow = (Option<ActorId>, Option<RemoteActorId>, Option<String>);

/// Who gave an "agree", and the id of its `Like`.
fn like_actor_and_id(
    conn: &mut AnyConnection,
    urls: &Urls,
    row: LikeRow,
    like: LikeId,
) -> Result<(Url, Url)> {
    match row {
        (Some(local), _, _) => Ok((local_actor(conn, urls, local)?, urls.like(like.0))),
        (None, Some(remote), Some(ap_id)) => Ok((
            remote_actor(conn, remote)?,
            Url::parse(&ap_id).map_err(Error::internal)?,
        )),
        _ => Err(Error::internal(format!("like {like} has no author"))),
    }
}
