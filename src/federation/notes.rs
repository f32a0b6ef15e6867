//! Posts (`Note`): how a post written here is sent (`Create`, `Delete`) to its author's followers and, for a
//! reply, to the author of the post it answers; and how an incoming `Note` is read (a vote, a comment, or a
//! post that concerns someone here).

use chrono::Utc;
use diesel::prelude::*;
use url::Url;

use crate::civic::inbox as received;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::ApType;
use crate::federation::activities::{NoteObject, ObjectOut, PUBLIC, is_public};
use crate::federation::domain_of;
use crate::federation::inbound::Verb;
use crate::federation::outbound::{Planned, Sender, audience};
use crate::ids::NoteId;
use crate::model::schema::{notes, remote_actors};
use crate::model::{ActorKind, Note, RemoteActor, Visibility};

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
    let object = note_object(conn, s, &note, &to, &cc)?;
    Ok(Planned {
        activity: s.activity(
            ApType::Create,
            s.urls.activity(),
            ObjectOut::Note(Box::new(object)),
            to,
            cc,
        ),
        listed: public,
        note: Some(note.id),
        inboxes,
        for_groups: crate::federation::outbound::ForGroups::Same,
    })
}

/// A post edited: `Update(Note)` with `updated`, to the same audience as its `Create`. Not listed. A post
/// deleted meanwhile sends nothing (its `Delete` follows).
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: NoteId) -> Result<Option<Planned>> {
    let note = stored(conn, id)?;
    if note.deleted {
        return Ok(None);
    }
    let Audience {
        to, cc, inboxes, ..
    } = addressed(conn, s, &note)?;
    let object = note_object(conn, s, &note, &to, &cc)?;
    Ok(Some(Planned::unlisted(
        s.activity(
            ApType::Update,
            s.urls.activity(),
            ObjectOut::Note(Box::new(object)),
            to,
            cc,
        ),
        inboxes,
    )))
}

/// A post written here, as a `Note`: sent in its `Create` and `Update`, served at its id. Its pictures are
/// `Document`s (as Mastodon sends them: `mediaType`, the alt text as `name`, `width` and `height`).
pub fn note_object(
    conn: &mut AnyConnection,
    s: &Sender,
    note: &Note,
    to: &[String],
    cc: &[String],
) -> Result<NoteObject> {
    let tags = crate::civic::notes::tags::of(conn, note.id)?;
    let attachment = crate::civic::notes::media::of_notes(conn, &[note.id])?
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": s.urls.attachment(&p.file).to_string(),
                "name": (!p.description.is_empty()).then_some(p.description),
                "width": p.width,
                "height": p.height,
            })
        })
        .collect();
    let url = s.urls.note(note.id);
    Ok(NoteObject {
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
        to: to.to_vec(),
        cc: cc.to_vec(),
        url: Some(url),
        stance: None,
        tag: hashtags(s.urls, &tags),
        updated: note.edited_at.map(|at| at.and_utc()),
        attachment,
    })
}

/// The pictures of a post from elsewhere: its `Image` and `Document` attachments with an http(s) link and
/// an image type, at most four, each alt text as plain text. Only the links are kept (see
/// [`crate::civic::notes::media`]).
pub fn pictures_of(note: &NoteObject) -> Vec<crate::civic::notes::media::RemoteLink> {
    crate::federation::activities::pictures(&note.attachment)
        .filter_map(|p| {
            let media_type = p.media_type.unwrap_or("image/jpeg");
            if !media_type.starts_with("image/") || media_type.len() > 100 {
                return None;
            }
            Some(crate::civic::notes::media::RemoteLink {
                url: p.url,
                media_type: media_type.to_string(),
                description: p
                    .name
                    .map(crate::civic::notes::plain_text)
                    .unwrap_or_default()
                    .chars()
                    .take(crate::civic::notes::media::MAX_DESCRIPTION)
                    .collect(),
            })
        })
        .take(crate::civic::notes::media::MAX_ATTACHMENTS)
        .collect()
}

/// A post's hashtags as ActivityStreams `Hashtag`s (Mastodon indexes them), each naming its page here.
pub fn hashtags(urls: &crate::federation::urls::Urls, tags: &[String]) -> Vec<serde_json::Value> {
    tags.iter()
        .map(|name| {
            serde_json::json!({
                "type": "Hashtag",
                "name": format!("#{name}"),
                "href": urls.tag(name).to_string(),
            })
        })
        .collect()
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
        s.activity(ApType::Delete, s.urls.activity(), object, to, cc),
        inboxes,
    ))
}

/// A post's id on the wire and its author's inbox when the author is elsewhere.
fn post_and_author(
    conn: &mut AnyConnection,
    s: &Sender,
    note: &Note,
) -> Result<(Url, Option<RemoteActor>)> {
    let author = match note.remote_author_id {
        Some(author) => Some(crate::civic::remote::remote_actor(conn, author)?),
        None => None,
    };
    let url = match &note.ap_id {
        Some(id) => crate::federation::outbound::stored_url(id)?,
        None => s.urls.note(note.id),
    };
    Ok((url, author))
}

/// A favourite of a post from elsewhere, or its withdrawal: `Like` (or `Undo(Like)`) to the post's author,
/// as Mastodon sends it. A post written here needs no telling: `None`.
pub fn favourited(
    conn: &mut AnyConnection,
    s: &Sender,
    id: NoteId,
    favourite: crate::ids::FavouriteId,
    on: bool,
) -> Result<Option<Planned>> {
    let note = stored(conn, id)?;
    let (object, Some(author)) = post_and_author(conn, s, &note)? else {
        return Ok(None);
    };
    let activity = s.like_or_undo(
        s.urls.favourite(favourite),
        object,
        vec![author.ap_id.clone()],
        on,
    );
    Ok(Some(Planned::unlisted(
        activity,
        [author.delivery_inbox().to_string()],
    )))
}

/// The `Announce` of a boost made here: public, to the booster's followers and to the post's author when it
/// is elsewhere; listed in the outbox while the boost lasts. A boost already taken back sends nothing (its
/// `Undo` follows).
fn announce_of(
    conn: &mut AnyConnection,
    s: &Sender,
    reblog: NoteId,
    of: NoteId,
) -> Result<(crate::federation::activities::ActivityOut, Vec<String>)> {
    let original = stored(conn, of)?;
    let (object, author) = post_and_author(conn, s, &original)?;
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    let mut cc = vec![s.followers()];
    if let Some(author) = author {
        inboxes.insert(author.delivery_inbox().to_string());
        cc.push(author.ap_id);
    }
    let activity = s.activity(
        ApType::Announce,
        s.urls.reblog(reblog),
        ObjectOut::Link(object),
        vec![PUBLIC.to_string()],
        cc,
    );
    Ok((activity, inboxes.into_iter().collect()))
}

pub fn reblogged(conn: &mut AnyConnection, s: &Sender, reblog: NoteId) -> Result<Option<Planned>> {
    let Some(boost) = notes::table
        .find(reblog)
        .select(Note::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Some(of) = boost.reblog_of_id else {
        return Err(Error::internal(format!("post {reblog} is not a boost")));
    };
    let (activity, inboxes) = announce_of(conn, s, reblog, of)?;
    Ok(Some(Planned {
        note: Some(reblog),
        ..Planned::listed(activity, inboxes)
    }))
}

/// `Undo(Announce)` of a boost taken back, to the same audience as its `Announce`.
pub fn unreblogged(
    conn: &mut AnyConnection,
    s: &Sender,
    reblog: NoteId,
    of: NoteId,
) -> Result<Option<Planned>> {
    let (announce, inboxes) = announce_of(conn, s, reblog, of)?;
    let to = announce.to.clone();
    Ok(Some(Planned::unlisted(s.undo(announce, to), inboxes)))
}

/// An `Announce` of a post: a boost of a post written here (its author is told), or of a post we hold by
/// someone followed from here (it shows in home timelines). Only the object's id is read: what it shares is
/// what we hold under that id, never what the sender embeds. `false` when it is neither (a commune's relay
/// of a debate, a boost of something we do not hold): the caller reads it otherwise.
pub async fn receive_boost(
    ctx: &AppContext,
    booster: &RemoteActor,
    activity_id: &str,
    object: &serde_json::Value,
) -> Result<bool> {
    let Some(shared) = crate::federation::activities::id_of(object).map(str::to_string) else {
        return Ok(false);
    };
    let (urls, booster, activity_id) = (ctx.urls.clone(), booster.id, activity_id.to_string());
    ctx.db
        .transaction(move |conn| {
            crate::civic::notes::interactions::remote_reblog(
                conn,
                &urls,
                booster,
                &activity_id,
                &shared,
            )
        })
        .await
}

/// `Undo(Announce)`: a boost taken back by its booster.
pub async fn receive_unannounce(
    ctx: &AppContext,
    booster: RemoteActor,
    activity_id: String,
    announce: String,
) -> Result<()> {
    ctx.db
        .transaction(move |conn| {
            if received::first_time(conn, &activity_id)? {
                crate::civic::notes::interactions::remote_unreblog(conn, booster.id, &announce)?;
            }
            Ok(())
        })
        .await
}

/// `Create` or `Update` of a `Note` signed by its author: a vote in a poll hosted here, a comment on a debate
/// (or its edit), or a post that concerns someone here (or its edit).
pub async fn receive(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    verb: Verb,
    note: NoteObject,
) -> Result<()> {
    if note.attributed_to.as_str() != signer.ap_id || domain_of(&note.id) != signer.domain {
        return Err(Error::BadRequest(
            "the Note is not by the activity's actor".into(),
        ));
    }
    // A vote in a poll hosted here (Mastodon: a named Note answering the Question, to its author).
    if let Some(poll) = note
        .in_reply_to
        .as_ref()
        .and_then(|u| ctx.urls.parse_poll(u.as_str()))
        && note.name.is_some()
    {
        if verb == Verb::Update {
            return Err(Error::Forbidden("a vote cannot be changed".into()));
        }
        return crate::federation::polls::receive_vote(ctx, &signer, activity_id, poll, &note)
            .await;
    }
    if crate::federation::debates::receive_comment(ctx, &signer, &activity_id, verb, &note).await? {
        return Ok(());
    }
    // Only a reply addressed to one of our communes (as Mastodon does for a comment that mentions its
    // commune) makes us walk up its thread.
    let addresses_commune = note
        .to
        .iter()
        .chain(&note.cc)
        .filter_map(|a| Url::parse(a).ok())
        .any(|u| {
            ctx.urls
                .parse_actor(&u)
                .is_some_and(|(kind, _)| kind == ActorKind::Commune)
        });
    if verb == Verb::Create
        && addresses_commune
        && note
            .in_reply_to
            .as_ref()
            .is_some_and(|u| !ctx.urls.is_local(u))
        && crate::federation::debates::attach_by_ancestry(ctx, &signer, activity_id.clone(), &note)
            .await?
    {
        return Ok(());
    }
    if !is_relevant(ctx, &signer, &note).await? {
        // Mastodon drops a Create that concerns nobody here; so do we.
        return Ok(());
    }
    let followers = format!("{}/followers", signer.ap_id);
    let vis = visibility(&note.to, &note.cc, &followers);
    let published = note.published.unwrap_or_else(Utc::now).naive_utc();
    let mentioned = mentioned_here(ctx, &note);
    let hashtags = crate::civic::notes::tags::in_tag_list(&note.tag);
    let pictures = pictures_of(&note);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            if verb == Verb::Update {
                return crate::civic::notes::update_remote(
                    conn,
                    signer.id,
                    note.id.as_str(),
                    &note.content,
                    &hashtags,
                    &pictures,
                );
            }
            let stored = crate::civic::notes::receive_remote(
                conn,
                signer.id,
                crate::civic::notes::RemotePost {
                    ap_id: note.id.as_str(),
                    html: &note.content,
                    visibility: vis,
                    in_reply_to: note.in_reply_to.as_ref().map(Url::as_str),
                    published,
                    hashtags: &hashtags,
                    pictures: &pictures,
                },
            )?;
            if let Some(stored_id) = stored {
                let by = signer.shown_name();
                // Its page on its server: `url` when it is a web page of that server, else its id.
                let link = note
                    .url
                    .as_ref()
                    .filter(|u| {
                        matches!(u.scheme(), "https" | "http")
                            && domain_of(u) == domain_of(&note.id)
                    })
                    .unwrap_or(&note.id)
                    .to_string();
                for (kind, name) in &mentioned {
                    if let Some(person) = queries::actor_of_kind(conn, *kind, name)? {
                        crate::civic::notifications::notify(
                            conn,
                            person.id,
                            crate::civic::notifications::Notice {
                                kind: crate::civic::notifications::Kind::Mention,
                                debate: None,
                                link: Some(link.clone()),
                                about: None,
                                by: Some(by.clone()),
                                note: Some(stored_id),
                                from: Some(crate::civic::debates::Writer::Remote(signer.id)),
                            },
                        )?;
                    }
                }
            }
            Ok(())
        })
        .await
}

/// Keeps (or, for an `Update`, changes) a public post of `signer` for the timelines of its followers here,
/// without the checks of [`receive`] (its caller made them: a commune's report, say).
pub(crate) fn keep_post(
    conn: &mut AnyConnection,
    signer: &RemoteActor,
    verb: Verb,
    note: &NoteObject,
) -> Result<()> {
    let hashtags = crate::civic::notes::tags::in_tag_list(&note.tag);
    let pictures = pictures_of(note);
    if verb == Verb::Update {
        return crate::civic::notes::update_remote(
            conn,
            signer.id,
            note.id.as_str(),
            &note.content,
            &hashtags,
            &pictures,
        );
    }
    let followers = format!("{}/followers", signer.ap_id);
    crate::civic::notes::receive_remote(
        conn,
        signer.id,
        crate::civic::notes::RemotePost {
            ap_id: note.id.as_str(),
            html: &note.content,
            visibility: visibility(&note.to, &note.cc, &followers),
            in_reply_to: None,
            published: note.published.unwrap_or_else(Utc::now).naive_utc(),
            hashtags: &hashtags,
            pictures: &pictures,
        },
    )?;
    Ok(())
}

/// The people here a post mentions (its `Mention` tags naming our people).
fn mentioned_here(ctx: &AppContext, note: &NoteObject) -> Vec<(ActorKind, String)> {
    let mut found: Vec<(ActorKind, String)> = note
        .tag
        .iter()
        .filter(|t| t.get("type").and_then(serde_json::Value::as_str) == Some("Mention"))
        .filter_map(|t| t.get("href").and_then(serde_json::Value::as_str))
        .filter_map(|href| Url::parse(href).ok())
        .filter_map(|u| ctx.urls.parse_actor(&u))
        .filter(|(kind, _)| *kind == ActorKind::Person)
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.dedup();
    // A post cannot ring every bell of the town: a handful at most.
    found.truncate(10);
    found
}

/// Mastodon's four levels, from a post's addressing.
fn visibility(to: &[String], cc: &[String], followers: &str) -> Visibility {
    if to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if to.iter().chain(cc).any(|a| a == followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// Whether a post concerns someone here: its author is followed from here, it answers a local post, or it
/// addresses a local actor.
async fn is_relevant(ctx: &AppContext, author: &RemoteActor, note: &NoteObject) -> Result<bool> {
    let addresses_local = note
        .to
        .iter()
        .chain(&note.cc)
        .filter_map(|a| Url::parse(a).ok())
        .any(|u| ctx.urls.parse_actor(&u).is_some());
    let replies_local = note
        .in_reply_to
        .as_ref()
        .is_some_and(|u| ctx.urls.is_local(u));
    if addresses_local || replies_local {
        return Ok(true);
    }
    let author_id = author.id;
    ctx.db
        .run(move |conn| queries::is_followed_from_here(conn, author_id))
        .await
}
