//! How debates and comments written here are sent. FEP-1b12: the author's `Create` goes to the author's and
//! the commune's followers; the commune then announces it twice, nested for FEP-1b12 software and plain for
//! Mastodon and Pleroma, which do not read an `Announce(Create)`.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::federation::activities::{ActivityOut, ApType, ObjectOut, PUBLIC};
use crate::federation::outbound::{ForGroups, Planned, Sender, audience, stored_url};
use crate::ids::{CommentId, DebateId, LikeId};
use crate::model::schema::comments;
use crate::model::{AnnounceForm, Comment};

use super::{comment_inboxes, comment_note, comment_url, debate_ids, page_object};

/// A debate opened here: its author's `Create(Page)`.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: DebateId) -> Result<Planned> {
    let debate = crate::civic::debates::debate(conn, id)?;
    let page = page_object(conn, s.urls, &debate)?;
    let inboxes = audience::author_and_commune_inboxes(conn, s.id, debate.commune_id)?;
    let (to, cc) = (page.to.clone(), page.cc.clone());
    let create = s.activity(
        ApType::Create,
        s.urls.debate_create(debate.id),
        ObjectOut::Page(Box::new(page)),
        to,
        cc,
    );
    Ok(Planned::listed(create, inboxes))
}

/// The commune relays a debate: `Announce(Create(Page))` or `Announce(Page)`; a debate opened here from
/// another server is announced by its id (its Page lives there).
pub fn announced(
    conn: &mut AnyConnection,
    s: &Sender,
    id: DebateId,
    form: AnnounceForm,
) -> Result<Planned> {
    let debate = crate::civic::debates::debate(conn, id)?;
    // Group software takes only the Announce of the Create (and cannot take a link to another server's Page).
    let for_groups = |mut planned: Planned| {
        planned.for_groups = ForGroups::Nothing;
        planned
    };
    if let Some(remote) = &debate.ap_id {
        return s
            .announce(conn, ObjectOut::Link(stored_url(remote)?))
            .map(for_groups);
    }
    let page = page_object(conn, s.urls, &debate)?;
    let object = match form {
        AnnounceForm::Create => {
            let author = page.attributed_to.clone();
            let (to, cc) = (page.to.clone(), page.cc.clone());
            ObjectOut::Activity(Box::new(ActivityOut {
                context: None,
                id: s.urls.debate_create(debate.id),
                kind: ApType::Create,
                actor: author,
                object: ObjectOut::Page(Box::new(page)),
                to,
                cc,
                published: Some(debate.created_at.and_utc()),
                content: None,
                target: None,
            }))
        }
        AnnounceForm::Page => {
            return s
                .announce(conn, ObjectOut::Page(Box::new(page)))
                .map(for_groups);
        }
    };
    s.announce(conn, object)
}

/// A debate's status or dates, or a proposal's status, counts or answer changed: its commune sends the new
/// `Page` to its followers and to those who follow a proposal itself (remote supporters among them).
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: DebateId) -> Result<Option<Planned>> {
    let debate = crate::civic::debates::debate(conn, id)?;
    if debate.ap_id.is_some() || !debate.is_local() {
        // Its Page belongs to another server: our status is ours to show.
        return Ok(None);
    }
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    inboxes.extend(audience::proposal_follower_inboxes(conn, debate.id)?);
    if inboxes.is_empty() {
        return Ok(None);
    }
    let page = page_object(conn, s.urls, &debate)?;
    let (to, cc) = (page.to.clone(), page.cc.clone());
    let update = s.activity(
        ApType::Update,
        s.urls.activity(),
        ObjectOut::Page(Box::new(page)),
        to,
        cc,
    );
    Ok(Some(Planned::unlisted(update, inboxes)))
}

fn stored(conn: &mut AnyConnection, id: CommentId) -> Result<Comment> {
    Ok(comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)?)
}

/// Where a comment written here goes: its author's followers, and the commune hosting the debate when it is
/// on another server (which relays it).
fn comment_audience(
    conn: &mut AnyConnection,
    s: &Sender,
    comment: &Comment,
) -> Result<BTreeSet<String>> {
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    inboxes.extend(comment_inboxes(conn, s.urls, comment)?);
    Ok(inboxes)
}

/// A comment written by its author: `Create(Note)`, listed in the outbox.
pub fn comment_published(conn: &mut AnyConnection, s: &Sender, id: CommentId) -> Result<Planned> {
    let (activity, inboxes) = comment_note_activity(conn, s, id, ApType::Create)?;
    Ok(Planned::listed(activity, inboxes))
}

/// A comment edited by its author: `Update(Note)`.
pub fn comment_updated(conn: &mut AnyConnection, s: &Sender, id: CommentId) -> Result<Planned> {
    let (activity, inboxes) = comment_note_activity(conn, s, id, ApType::Update)?;
    Ok(Planned::unlisted(activity, inboxes))
}

fn comment_note_activity(
    conn: &mut AnyConnection,
    s: &Sender,
    id: CommentId,
    kind: ApType,
) -> Result<(ActivityOut, BTreeSet<String>)> {
    let comment = stored(conn, id)?;
    let inboxes = comment_audience(conn, s, &comment)?;
    let note = comment_note(conn, s.urls, &comment)?;
    let (to, cc) = (note.to.clone(), note.cc.clone());
    let activity = s.activity(
        kind,
        s.urls.activity(),
        ObjectOut::Note(Box::new(note)),
        to,
        cc,
    );
    Ok((activity, inboxes))
}

/// A comment deleted by its author: `Delete(Tombstone)`.
pub fn comment_deleted(conn: &mut AnyConnection, s: &Sender, id: CommentId) -> Result<Planned> {
    let comment = stored(conn, id)?;
    let inboxes = comment_audience(conn, s, &comment)?;
    let object = ObjectOut::Tombstone {
        kind: "Tombstone".into(),
        id: s.urls.comment(comment.id),
    };
    let delete = s.activity(
        ApType::Delete,
        s.urls.activity(),
        object,
        vec![PUBLIC.to_string()],
        vec![s.followers()],
    );
    Ok(Planned::unlisted(delete, inboxes))
}

/// "Agree" given here, or withdrawn: to the comment's author and the debate's commune when they are on other
/// servers (a debate hosted here relays it itself).
pub fn agreed(
    conn: &mut AnyConnection,
    s: &Sender,
    id: CommentId,
    like: LikeId,
    on: bool,
) -> Result<Planned> {
    let comment = stored(conn, id)?;
    let debate = crate::civic::debates::debate(conn, comment.debate_id)?;
    let mut inboxes: BTreeSet<String> = debate_ids(conn, s.urls, &debate)?
        .remote_inboxes
        .into_iter()
        .collect();
    let object = comment_url(conn, s.urls, comment.id)?;
    let mut to = vec![];
    if let Some(author) = comment.remote_author_id {
        let author = crate::civic::remote::remote_actor(conn, author)?;
        inboxes.insert(author.delivery_inbox().to_string());
        to.push(author.ap_id);
    }
    let activity = s.like_or_undo(s.urls.like(like.0), object, to, on);
    Ok(Planned::unlisted(activity, inboxes))
}
