//! Short posts: written here and sent to followers, or received from followed accounts.

use diesel::prelude::*;

use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, MediaId, NoteId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::notes;
use crate::model::{Note, Visibility};

/// The longest post accepted, in characters (Mastodon's default).
pub const MAX_CHARS: usize = 500;

/// Text made safe inside HTML (`&`, `<`, `>` and `"` escaped), as maud escapes what pages show.
pub fn escape_html(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

/// Turns typed text into HTML: escaped, paragraphs on blank lines, line breaks kept.
pub fn text_to_html(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let lines: Vec<String> = p
                .trim()
                .lines()
                .map(|l| maud::html! { (l) }.into_string())
                .collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

/// The text of HTML from another server, with no markup left (for a debate's question, shown as text).
pub fn html_to_text(html: &str) -> String {
    let html = html
        .replace("</p>", "</p>\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let text = ammonia::Builder::empty().clean(&html).to_string();
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// The text of a remote HTML fragment, markup and scripts dropped (a poll's question, a report's comment).
pub fn plain_text(html: &str) -> String {
    let cleaned = ammonia::Builder::empty().clean(html).to_string();
    cleaned
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Cleans HTML from another server: only the tags Mastodon itself keeps in posts, links made safe. The
/// sanitizer is built once (building it costs more than cleaning a short post).
pub fn sanitize_remote_html(html: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .tags(std::collections::HashSet::from([
                    "p",
                    "br",
                    "a",
                    "span",
                    "strong",
                    "b",
                    "em",
                    "i",
                    "u",
                    "del",
                    "s",
                    "pre",
                    "code",
                    "blockquote",
                    "ul",
                    "ol",
                    "li",
                ]))
                .link_rel(Some("nofollow noopener noreferrer"))
                .url_schemes(std::collections::HashSet::from(["http", "https"]))
                // ammonia keeps `cite` on `blockquote` and `del` without checking its scheme
                // (`javascript:` survived, found by the property tests): nothing of ours reads it.
                .rm_tag_attributes("blockquote", &["cite"])
                .rm_tag_attributes("del", &["cite"]);
            builder
        })
        .clean(html)
        .to_string()
}

/// A post's text: at most [`MAX_CHARS`]; not empty unless the post has pictures.
fn check_text(text: &str, has_pictures: bool) -> Result<()> {
    let chars = text.trim().chars().count();
    if chars == 0 && !has_pictures {
        return Err(Error::invalid("status", "must not be empty"));
    }
    if chars > MAX_CHARS {
        return Err(Error::invalid(
            "status",
            format!("must have at most {MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A post to publish.
pub struct NewPost<'a> {
    pub text: &'a str,
    pub visibility: Visibility,
    /// The id (URL) of the post it answers.
    pub in_reply_to: Option<String>,
    /// Pictures uploaded by the one who writes (see [`media::attach`]).
    pub media: &'a [MediaId],
}

/// Publishes a post by a local account; followers' servers are told through the outbox.
pub fn publish(
    conn: &mut AnyConnection,
    author: ActorId,
    text: &str,
    visibility: Visibility,
    in_reply_to: Option<String>,
) -> Result<Note> {
    publish_post(
        conn,
        author,
        author,
        NewPost {
            text,
            visibility,
            in_reply_to,
            media: &[],
        },
    )
}

/// Publishes a post by `author` (a person, or the commune they speak for), written by `writer`, whose
/// uploaded pictures it takes.
pub fn publish_post(
    conn: &mut AnyConnection,
    author: ActorId,
    writer: ActorId,
    post: NewPost<'_>,
) -> Result<Note> {
    let NewPost {
        text,
        visibility,
        in_reply_to,
        media: pictures,
    } = post;
    check_text(text, !pictures.is_empty())?;
    if visibility == Visibility::Direct {
        return Err(Error::invalid(
            "visibility",
            "direct messages are not supported yet",
        ));
    }
    let id: NoteId = diesel::insert_into(notes::table)
        .values((
            notes::author_id.eq(Some(author)),
            notes::content.eq(text_to_html(text)),
            notes::visibility.eq(visibility),
            notes::in_reply_to.eq(in_reply_to),
            notes::published.eq(now()),
        ))
        .returning(notes::id)
        .get_result(conn)?;
    media::attach(conn, writer, id, pictures)?;
    tags::set(conn, id, &tags::in_text(text))?;
    outbox::record(conn, author, Outbound::NotePublished { note: id })?;
    crate::civic::notifications::mentions(
        conn,
        text,
        author,
        &format!("/notes/{id}"),
        Some(id),
        None,
    )?;
    note(conn, id)
}

/// Who a post of `account` is by: the account, or with `as_commune` its commune. Officials, moderators
/// and admins speak for their commune; citizens do not.
pub fn voice(account: &crate::model::Account, as_commune: bool) -> Result<ActorId> {
    if !as_commune {
        return Ok(account.actor_id);
    }
    if !crate::civic::accounts::speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins publish in the name of the commune".into(),
        ));
    }
    Ok(account.commune_id)
}

/// A post's id on the wire: the one its server gave it, or for a post written here its URL.
pub fn uri(ids: &impl crate::civic::LocalIds, note: &Note) -> String {
    match (&note.ap_id, note.civic()) {
        (Some(ap_id), _) => ap_id.clone(),
        (None, Some(civic)) => ids.civic_id(civic),
        (None, None) => ids.note_id(note.id),
    }
}

/// The post stored under an id on the wire (ours or another server's), if any.
pub fn by_uri(
    conn: &mut AnyConnection,
    ids: &impl crate::civic::LocalIds,
    uri: &str,
) -> Result<Option<Note>> {
    let query = notes::table.select(Note::as_select()).into_boxed();
    let query = match (ids.note(uri), ids.civic(uri)) {
        (Some(local), _) => query.filter(notes::id.eq(local)),
        (None, Some(civic)) => {
            let (kind, id) = civic.parts();
            query
                .filter(notes::civic_kind.eq(kind))
                .filter(notes::civic_id.eq(id))
        }
        (None, None) => query.filter(notes::ap_id.eq(uri)),
    };
    Ok(query.first(conn).optional()?)
}

pub fn note(conn: &mut AnyConnection, id: NoteId) -> Result<Note> {
    notes::table
        .find(id)
        .select(Note::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no post {id}")))
}

/// A post from another server, as read from its `Note`.
pub struct RemotePost<'a> {
    pub ap_id: &'a str,
    /// Its HTML as sent (sanitized here before it is stored).
    pub html: &'a str,
    pub visibility: Visibility,
    pub in_reply_to: Option<&'a str>,
    pub published: chrono::NaiveDateTime,
    pub hashtags: &'a [String],
    pub pictures: &'a [media::RemoteLink],
}

/// Stores a post from another server with its hashtags and pictures; `None` when it was already stored
/// (a second copy changes nothing).
pub fn receive_remote(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    post: RemotePost<'_>,
) -> Result<Option<NoteId>> {
    let values = (
        notes::remote_author_id.eq(Some(author)),
        notes::ap_id.eq(Some(post.ap_id)),
        notes::content.eq(sanitize_remote_html(post.html)),
        notes::visibility.eq(post.visibility),
        notes::in_reply_to.eq(post.in_reply_to),
        notes::published.eq(post.published),
    );
    let inserted: Option<NoteId> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(notes::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(notes::id)
            .get_result(c)
            .optional())?;
    if let Some(id) = inserted {
        tags::set(conn, id, post.hashtags)?;
        media::set_remote(conn, id, post.pictures)?;
    }
    Ok(inserted)
}

/// Whether a stored remote post exists and belongs to `author`. Only the author's own server may change a
/// post: anyone else is refused.
fn owned_by(conn: &mut AnyConnection, author: RemoteActorId, ap_id: &str) -> Result<bool> {
    let owner: Option<Option<RemoteActorId>> = notes::table
        .filter(notes::ap_id.eq(ap_id))
        .select(notes::remote_author_id)
        .first(conn)
        .optional()?;
    match owner {
        None => Ok(false),
        Some(Some(owner)) if owner == author => Ok(true),
        Some(_) => Err(Error::Forbidden(format!(
            "{ap_id} does not belong to the sender"
        ))),
    }
}

/// A remote author deleted its post: a tombstone stays.
pub fn delete_remote(conn: &mut AnyConnection, author: RemoteActorId, ap_id: &str) -> Result<()> {
    if owned_by(conn, author, ap_id)? {
        let ids: Vec<NoteId> = diesel::update(notes::table.filter(notes::ap_id.eq(ap_id)))
            .set((notes::deleted.eq(true), notes::content.eq("")))
            .returning(notes::id)
            .get_results(conn)?;
        for id in ids {
            media::set_remote(conn, id, &[])?;
        }
    }
    Ok(())
}

/// A remote author edited its post: its earlier version is kept, its hashtags are replaced.
pub fn update_remote(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
    html: &str,
    hashtags: &[String],
    pictures: &[media::RemoteLink],
) -> Result<()> {
    if !owned_by(conn, author, ap_id)? {
        return Ok(());
    }
    let found: Option<Note> = notes::table
        .filter(notes::ap_id.eq(ap_id))
        .filter(notes::deleted.eq(false))
        .select(Note::as_select())
        .first(conn)
        .optional()?;
    if let Some(note) = found {
        let content = sanitize_remote_html(html);
        if content != note.content {
            revise(conn, &note, &content)?;
        }
        tags::set(conn, note.id, hashtags)?;
        media::set_remote(conn, note.id, pictures)?;
    }
    Ok(())
}

/// At most this many earlier versions are kept per post: the first, and the latest ones (a server that
/// edits a post without end fills nothing).
pub const MAX_REVISIONS: usize = 20;

/// Replaces a post's content, keeping the version it replaces (and, on the first edit, marking when the
/// original was written). Past [`MAX_REVISIONS`], the oldest but the first are forgotten.
fn revise(conn: &mut AnyConnection, note: &Note, content: &str) -> Result<()> {
    use crate::model::schema::note_revisions;
    diesel::insert_into(note_revisions::table)
        .values((
            note_revisions::note_id.eq(note.id),
            note_revisions::content.eq(&note.content),
            note_revisions::written_at.eq(note.edited_at.unwrap_or(note.published)),
        ))
        .execute(conn)?;
    let kept: Vec<i64> = note_revisions::table
        .filter(note_revisions::note_id.eq(note.id))
        .order(note_revisions::id.asc())
        .select(note_revisions::id)
        .load(conn)?;
    if kept.len() > MAX_REVISIONS {
        let dropped = &kept[1..=kept.len() - MAX_REVISIONS];
        diesel::delete(note_revisions::table.filter(note_revisions::id.eq_any(dropped)))
            .execute(conn)?;
    }
    diesel::update(notes::table.find(note.id))
        .set((notes::content.eq(content), notes::edited_at.eq(Some(now()))))
        .execute(conn)?;
    Ok(())
}

/// A post's earlier versions, oldest first: (content, when it was written).
pub fn revisions(
    conn: &mut AnyConnection,
    id: NoteId,
) -> Result<Vec<(String, chrono::NaiveDateTime)>> {
    use crate::model::schema::note_revisions;
    Ok(note_revisions::table
        .filter(note_revisions::note_id.eq(id))
        .order(note_revisions::id.asc())
        .select((note_revisions::content, note_revisions::written_at))
        .load(conn)?)
}

/// Its author edits a post written here (the commune's, by those who speak for it): the earlier version is
/// kept, followers' servers get an `Update`. A text the same as before changes nothing.
pub fn edit(
    conn: &mut AnyConnection,
    account: &crate::model::Account,
    id: NoteId,
    text: &str,
) -> Result<Note> {
    check_text(text, false)?;
    let found = note(conn, id)?;
    if let Some(what) = found.civic() {
        civic_posts::edit(conn, account, what, text)?;
        return note(conn, id);
    }
    let author = may_change(account, &found)?;
    if found.deleted || found.reblog_of_id.is_some() {
        return Err(Error::NotFound(format!("no post {id}")));
    }
    let content = text_to_html(text);
    if content != found.content {
        revise(conn, &found, &content)?;
        tags::set(conn, id, &tags::in_text(text))?;
        outbox::record(conn, author, Outbound::NoteUpdated { note: id })?;
    }
    note(conn, id)
}

/// Who a post written here is by, if `account` may change it: its author, or for a post of the commune,
/// its officials, moderators and admins.
fn may_change(account: &crate::model::Account, note: &Note) -> Result<ActorId> {
    let speaks_for_commune = crate::civic::accounts::speaks_for_commune(account);
    match note.author_id {
        Some(author) if author == account.actor_id => Ok(author),
        Some(author) if author == account.commune_id && speaks_for_commune => Ok(author),
        _ => Err(Error::Forbidden(
            "only its author can change or delete a post".into(),
        )),
    }
}

/// A local author deletes a post: a tombstone stays, followers' servers are told.
///
/// A post published in the name of a commune may be deleted by those who speak for it (its officials,
/// moderators and admins).
pub fn delete_local(
    conn: &mut AnyConnection,
    account: &crate::model::Account,
    id: NoteId,
) -> Result<()> {
    let note = note(conn, id)?;
    if let Some(what) = note.civic() {
        return civic_posts::delete(conn, account, what);
    }
    let author = may_change(account, &note)?;
    if note.deleted {
        return Ok(());
    }
    diesel::update(notes::table.find(id))
        .set((notes::deleted.eq(true), notes::content.eq("")))
        .execute(conn)?;
    outbox::record(conn, author, Outbound::NoteDeleted { note: id })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_html_is_read_as_text() {
        assert_eq!(
            plain_text(
                "<p>Faut-il <b>plus</b> de bancs &amp; d'arbres&nbsp;?</p><script>x</script>"
            ),
            "Faut-il plus de bancs & d'arbres ?"
        );
    }
}

#[cfg(test)]
mod properties;

pub mod civic_posts;
pub mod interactions;
pub mod media;
pub mod tags;
