//! Posts (`Note`): how a post written here is sent (`Create`, `Delete`) to its author's followers and, for a
//! reply, to the author of the post it answers. Incoming posts are read in `federation::inbox`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::federation::activities::{NoteObject, ObjectOut, PUBLIC};
use crate::federation::outbound::{Planned, Sender, audience};
use crate::ids::NoteId;
use crate::model::schema::{notes, remote_actors};
use crate::model::{Note, RemoteActor, Visibility};

/// Who a post is for: its `to` and `cc`, whether it is public, and the inboxes it goes to.
struct Audience {
    to: Vec<String>,
    cc: Vec<String>,
    public: bool,
    inboxes: Vec<String>,
}

fn addressed(conn: &mut AnyConnection, s: &Sender, note: &Note) -> Result<Audience> {
    let followers = s.followers();
    let (to, mut cc, public) = match note.visibility {
        Visibility::Public => (vec![PUBLIC.to_string()], vec![followers], true),
        Visibility::Unlisted => (vec![followers], vec![PUBLIC.to_string()], true),
        Visibility::Private | Visibility::Direct => (vec![followers], vec![], false),
    };
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    if let Some(parent) = &note.in_reply_to {
        let parent_author: Option<RemoteActor> = notes::table
            .inner_join(
                remote_actors::table.on(notes::remote_author_id.eq(remote_actors::id.nullable())),
            )
            .filter(notes::ap_id.eq(parent))
            .select(RemoteActor::as_select())
            .first(conn)
            .optional()?;
        if let Some(author) = parent_author {
            inboxes.insert(author.delivery_inbox().to_string());
            cc.push(author.ap_id.clone());
        }
    }
    Ok(Audience {
        to,
        cc,
        public,
        inboxes: inboxes.into_iter().collect(),
    })
}

fn stored(conn: &mut AnyConnection, id: NoteId) -> Result<Note> {
    Ok(notes::table
        .find(id)
        .select(Note::as_select())
        .first(conn)?)
}

/// A post published: `Create(Note)`, listed in the outbox while the post lives if it is public or unlisted.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: NoteId) -> Result<Planned> {
    let note = stored(conn, id)?;
    let Audience {
        to,
        cc,
        public,
        inboxes,
    } = addressed(conn, s, &note)?;
    let url = s.urls.note(note.id);
    let object = ObjectOut::Note(Box::new(NoteObject {
        name: None,
        kind: "Note".into(),
        id: url.clone(),
        attributed_to: s.url.clone(),
        content: note.content.clone(),
        published: Some(note.published.and_utc()),
        in_reply_to: note
            .in_reply_to
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok()),
        to: to.clone(),
        cc: cc.clone(),
        url: Some(url),
        stance: None,
        tag: vec![],
    }));
    Ok(Planned {
        activity: s.activity("Create", s.urls.activity(), object, to, cc),
        listed: public,
        note: Some(note.id),
        inboxes,
    })
}

/// A post deleted: `Delete(Tombstone)` to the same audience. Not listed.
pub fn deleted(conn: &mut AnyConnection, s: &Sender, id: NoteId) -> Result<Planned> {
    let note = stored(conn, id)?;
    let Audience {
        to, cc, inboxes, ..
    } = addressed(conn, s, &note)?;
    let object = ObjectOut::Tombstone {
        kind: "Tombstone".into(),
        id: s.urls.note(note.id),
    };
    Ok(Planned::unlisted(
        s.activity("Delete", s.urls.activity(), object, to, cc),
        inboxes,
    ))
}
