//! Debates a commune hosts and the comments people leave on them, each comment taking a side or not.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::accounts::{speaks_for, speaks_for_commune};
use crate::civic::notes::{sanitize_remote_html, text_to_html};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId, ThemeId};
use crate::ids::{ApUrl, LikeId};
use crate::model::schema::{
    comment_likes, comment_revisions, comments, communes, debate_themes, debates, themes,
};
use crate::model::{Account, Comment, Debate, DebateOpeners, DebateStatus, Role, Stance, Theme};
use crate::model::{AnnounceForm, Outbound, Relayed, Unliker};

pub const MAX_TITLE: usize = 200;
pub const MAX_QUESTION: usize = 500;
pub const MAX_BODY: usize = 20_000;
pub const MAX_COMMENT: usize = 5_000;

/// Markdown as written by people here, turned into the HTML shown: rendered by pulldown-cmark, then cleaned
/// by ammonia (no script, style, image or raw HTML survives; links get `rel="nofollow noopener"`).
pub fn markdown_to_html(markdown: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .tags(std::collections::HashSet::from([
                    "p",
                    "br",
                    "a",
                    "strong",
                    "em",
                    "del",
                    "code",
                    "pre",
                    "blockquote",
                    "ul",
                    "ol",
                    "li",
                    "h3",
                    "h4",
                    "hr",
                ]))
                .link_rel(Some("nofollow noopener noreferrer"))
                .url_schemes(std::collections::HashSet::from(["http", "https", "mailto"]));
            builder
        })
        .clean(&html)
        .to_string()
}

pub(crate) fn bounded(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<String> {
    let text = text.trim().replace("\r\n", "\n");
    let n = text.chars().count();
    if required && n == 0 {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if n > max {
        return Err(Error::invalid(
            field,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(text)
}

/// Who may open debates in a commune.
pub fn openers(conn: &mut AnyConnection, commune: ActorId) -> Result<DebateOpeners> {
    Ok(communes::table
        .find(commune)
        .select(communes::debate_openers)
        .first(conn)?)
}

/// Sets who may open debates in the admin's commune.
pub fn set_openers(
    conn: &mut AnyConnection,
    admin: &Account,
    openers: DebateOpeners,
) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only admins choose who opens debates".into(),
        ));
    }
    diesel::update(communes::table.find(admin.commune_id))
        .set(communes::debate_openers.eq(openers))
        .execute(conn)?;
    Ok(())
}

/// Whether an account may open a debate in its commune under a setting.
pub fn may_open(account: &Account, openers: DebateOpeners) -> bool {
    speaks_for_commune(account)
        || match openers {
            DebateOpeners::Officials => false,
            DebateOpeners::Residents => account.resident,
            DebateOpeners::Accounts | DebateOpeners::Everyone => true,
        }
}

/// What it takes to open a debate.
#[derive(Debug, Clone, Default)]
pub struct NewDebate {
    pub title: String,
    pub question: String,
    /// Markdown.
    pub body: String,
    /// When it opens to comments (announced before); now when absent.
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    /// Themes of the commune's list.
    pub themes: Vec<ThemeId>,
}

/// Opens a debate in the account's commune, if the commune's setting lets the account do so.
pub fn open_debate(conn: &mut AnyConnection, account: &Account, new: NewDebate) -> Result<Debate> {
    if !may_open(account, openers(conn, account.commune_id)?) {
        return Err(Error::Forbidden(
            "in this commune, debates are opened by officials (or by residents, as the commune decides)"
                .into(),
        ));
    }
    let id = publish(conn, account, &new)?;
    debate(conn, id)
}

/// Writes a debate (or the debate part of a proposal) in the account's commune after checking its fields,
/// and records its publication by the author and its announces by the commune.
pub(crate) fn publish(
    conn: &mut AnyConnection,
    account: &Account,
    new: &NewDebate,
) -> Result<DebateId> {
    let title = bounded("title", &new.title, MAX_TITLE, true)?;
    let question = bounded("question", &new.question, MAX_QUESTION, true)?;
    let body = bounded("body", &new.body, MAX_BODY, false)?;
    let at = now();
    if new.closes_at.is_some_and(|c| c <= at) {
        return Err(Error::invalid("closes_at", "must be in the future"));
    }
    if let (Some(o), Some(c)) = (new.opens_at, new.closes_at)
        && c <= o
    {
        return Err(Error::invalid("closes_at", "must come after the opening"));
    }
    let mut wanted = new.themes.clone();
    wanted.sort();
    wanted.dedup();
    let known: i64 = themes::table
        .filter(themes::commune_id.eq(account.commune_id))
        .filter(themes::id.eq_any(&wanted))
        .count()
        .get_result(conn)?;
    if known != wanted.len() as i64 {
        return Err(Error::invalid(
            "themes",
            "are not all themes of this commune",
        ));
    }
    let id: DebateId = diesel::insert_into(debates::table)
        .values((
            debates::commune_id.eq(Some(account.commune_id)),
            debates::author_id.eq(Some(account.actor_id)),
            debates::title.eq(&title),
            debates::question.eq(&question),
            debates::body_html.eq(markdown_to_html(&body)),
            debates::body_markdown.eq(&body),
            debates::status.eq(DebateStatus::Open),
            debates::opens_at.eq(new.opens_at.filter(|o| *o > at)),
            debates::closes_at.eq(new.closes_at),
            debates::created_at.eq(at),
            debates::updated_at.eq(at),
        ))
        .returning(debates::id)
        .get_result(conn)?;
    for theme in wanted {
        diesel::insert_into(debate_themes::table)
            .values((
                debate_themes::debate_id.eq(id),
                debate_themes::theme_id.eq(theme),
            ))
            .execute(conn)?;
    }
    // The author publishes; the commune relays, nested and plain (see `federation::deliver`).
    outbox::record(
        conn,
        account.actor_id,
        Outbound::DebatePublished { debate: id },
    )?;
    for form in [AnnounceForm::Create, AnnounceForm::Page] {
        outbox::record(
            conn,
            account.commune_id,
            Outbound::DebateAnnounced { debate: id, form },
        )?;
    }
    Ok(id)
}

pub fn debate(conn: &mut AnyConnection, id: DebateId) -> Result<Debate> {
    debates::table
        .find(id)
        .select(Debate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no debate {id}")))
}

/// A debate hosted here, and the account speaking for its commune: only they manage it.
fn managed(conn: &mut AnyConnection, account: &Account, id: DebateId) -> Result<(Debate, ActorId)> {
    let found = debate(conn, id)?;
    match found.commune_id {
        Some(commune) if speaks_for(account, commune) => Ok((found, commune)),
        Some(_) => Err(Error::Forbidden(
            "only the commune's officials, moderators and admins manage its debates".into(),
        )),
        None => Err(Error::Forbidden(
            "this debate is hosted on another server: its commune manages it there".into(),
        )),
    }
}

/// Closes, reopens or archives a debate; the change goes out as an `Update` of its `Page`.
pub fn set_status(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
    status: DebateStatus,
) -> Result<Debate> {
    let (_, commune) = managed(conn, account, id)?;
    diesel::update(debates::table.find(id))
        .set((debates::status.eq(status), debates::updated_at.eq(now())))
        .execute(conn)?;
    outbox::record(conn, commune, Outbound::DebateUpdated { debate: id })?;
    debate(conn, id)
}

/// Pins a debate at the top of its commune's list, or unpins it.
pub fn set_pinned(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
    pinned: bool,
) -> Result<()> {
    managed(conn, account, id)?;
    diesel::update(debates::table.find(id))
        .set(debates::pinned.eq(pinned))
        .execute(conn)?;
    Ok(())
}

/// A commune's themes, by name.
pub fn themes_of(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<Theme>> {
    Ok(themes::table
        .filter(themes::commune_id.eq(commune))
        .order(themes::name.asc())
        .select(Theme::as_select())
        .load(conn)?)
}

pub const MAX_THEME: usize = 60;

/// Adds a theme to the list of the account's commune.
pub fn add_theme(conn: &mut AnyConnection, account: &Account, name: &str) -> Result<Theme> {
    if !speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins manage the themes".into(),
        ));
    }
    let name = bounded("theme", name, MAX_THEME, true)?;
    let inserted = crate::on_each_backend!(conn, |c| diesel::insert_into(themes::table)
        .values((
            themes::commune_id.eq(account.commune_id),
            themes::name.eq(&name)
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        return Err(Error::invalid("theme", "already exists"));
    }
    Ok(themes::table
        .filter(themes::commune_id.eq(account.commune_id))
        .filter(themes::name.eq(&name))
        .select(Theme::as_select())
        .first(conn)?)
}

/// Removes a theme (its debates stay, without it).
pub fn remove_theme(conn: &mut AnyConnection, account: &Account, id: ThemeId) -> Result<()> {
    if !speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins manage the themes".into(),
        ));
    }
    diesel::delete(
        themes::table
            .filter(themes::id.eq(id))
            .filter(themes::commune_id.eq(account.commune_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// A closed debate, to a person here: the form says why.
fn closed_invalid() -> Error {
    Error::invalid(
        "debate",
        "this debate is closed: it accepts no new comments",
    )
}

fn closed_error() -> Error {
    Error::Forbidden("this debate is closed: it accepts no new comments".into())
}

fn find_comment(conn: &mut AnyConnection, id: CommentId) -> Result<Comment> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no comment {id}")))
}

/// A comment by a local account, on a debate hosted here or elsewhere. A closed debate accepts none, from
/// anyone; a reply answers a comment of the same debate.
pub fn comment(
    conn: &mut AnyConnection,
    author: ActorId,
    debate_id: DebateId,
    parent: Option<CommentId>,
    text: &str,
    stance: Option<Stance>,
) -> Result<Comment> {
    let found = debate(conn, debate_id)?;
    if found.not_open_yet(now()) {
        return Err(Error::invalid(
            "opening",
            "this debate has not opened yet: it takes comments from its opening date",
        ));
    }
    if !found.accepts_comments(now()) {
        return Err(closed_invalid());
    }
    let text = bounded("comment", text, MAX_COMMENT, true)?;
    if let Some(parent) = parent {
        let parent_debate: Option<DebateId> = comments::table
            .find(parent)
            .select(comments::debate_id)
            .first(conn)
            .optional()?;
        if parent_debate != Some(debate_id) {
            return Err(Error::invalid(
                "parent",
                "answers no comment of this debate",
            ));
        }
    }
    let id: CommentId = diesel::insert_into(comments::table)
        .values((
            comments::debate_id.eq(debate_id),
            comments::parent_id.eq(parent),
            comments::author_id.eq(Some(author)),
            comments::content_html.eq(text_to_html(&text)),
            comments::stance.eq(stance),
            comments::created_at.eq(now()),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    outbox::record(conn, author, Outbound::CommentPublished { comment: id })?;
    announce(conn, &found, id, Relayed::Written)?;
    find_comment(conn, id)
}

/// The hosting commune relays what happens to a comment to its followers (FEP-1b12); a debate hosted
/// elsewhere is relayed by its own commune.
fn announce(conn: &mut AnyConnection, debate: &Debate, id: CommentId, what: Relayed) -> Result<()> {
    match debate.commune_id {
        Some(commune) => outbox::record(
            conn,
            commune,
            Outbound::CommentAnnounced { comment: id, what },
        ),
        None => Ok(()),
    }
}

/// A comment of its author's, open to a change: not deleted, not hidden, in a debate still open.
fn own_comment(
    conn: &mut AnyConnection,
    author: ActorId,
    id: CommentId,
) -> Result<(Comment, Debate)> {
    let found = find_comment(conn, id)?;
    if found.author_id != Some(author) {
        return Err(Error::Forbidden("this comment is not yours".into()));
    }
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {id} is deleted")));
    }
    let debate = debate(conn, found.debate_id)?;
    Ok((found, debate))
}

/// Keeps the version being replaced, then writes the new one.
fn revise(
    conn: &mut AnyConnection,
    old: &Comment,
    content_html: &str,
    stance: Option<Stance>,
) -> Result<()> {
    diesel::insert_into(comment_revisions::table)
        .values((
            comment_revisions::comment_id.eq(old.id),
            comment_revisions::content_html.eq(&old.content_html),
            comment_revisions::stance.eq(old.stance),
            comment_revisions::written_at.eq(old.edited_at.unwrap_or(old.created_at)),
        ))
        .execute(conn)?;
    diesel::update(comments::table.find(old.id))
        .set((
            comments::content_html.eq(content_html),
            comments::stance.eq(stance),
            comments::edited_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Its author edits a comment; the earlier version stays in its history. A closed debate is read only.
pub fn edit_comment(
    conn: &mut AnyConnection,
    author: ActorId,
    id: CommentId,
    text: &str,
    stance: Option<Stance>,
) -> Result<Comment> {
    let (old, debate) = own_comment(conn, author, id)?;
    if !debate.accepts_comments(now()) {
        return Err(closed_invalid());
    }
    let text = bounded("comment", text, MAX_COMMENT, true)?;
    let html = text_to_html(&text);
    if html == old.content_html && stance == old.stance {
        return Ok(old);
    }
    revise(conn, &old, &html, stance)?;
    outbox::record(conn, author, Outbound::CommentUpdated { comment: id })?;
    announce(conn, &debate, id, Relayed::Updated)?;
    find_comment(conn, id)
}

/// Its author deletes a comment: a tombstone keeps the replies under it in place; its history goes too.
pub fn delete_comment(conn: &mut AnyConnection, author: ActorId, id: CommentId) -> Result<()> {
    let (_, debate) = own_comment(conn, author, id)?;
    tombstone(conn, id)?;
    outbox::record(conn, author, Outbound::CommentDeleted { comment: id })?;
    announce(conn, &debate, id, Relayed::Deleted)
}

/// An erased account's comments are deleted as their author would delete each one: servers that received
/// them (a remote debate's commune, readers of a debate here) are sent a `Delete`, not left with the text.
pub fn delete_comments_of_erased(conn: &mut AnyConnection, author: ActorId) -> Result<()> {
    let found: Vec<(CommentId, DebateId)> = comments::table
        .filter(comments::author_id.eq(author))
        .filter(comments::deleted.eq(false))
        .select((comments::id, comments::debate_id))
        .load(conn)?;
    for (id, debate_id) in found {
        tombstone(conn, id)?;
        outbox::record(conn, author, Outbound::CommentDeleted { comment: id })?;
        let debate = debate(conn, debate_id)?;
        announce(conn, &debate, id, Relayed::Deleted)?;
    }
    Ok(())
}

fn tombstone(conn: &mut AnyConnection, id: CommentId) -> Result<()> {
    diesel::update(comments::table.find(id))
        .set((
            comments::deleted.eq(true),
            comments::content_html.eq(""),
            comments::stance.eq(None::<Stance>),
        ))
        .execute(conn)?;
    diesel::delete(comment_revisions::table.filter(comment_revisions::comment_id.eq(id)))
        .execute(conn)?;
    diesel::delete(comment_likes::table.filter(comment_likes::comment_id.eq(id))).execute(conn)?;
    Ok(())
}

/// Whose comments [`erase_comments_of`] empties.
#[derive(Clone, Copy, Debug)]
pub enum Writer {
    Local(ActorId),
    Remote(RemoteActorId),
}

/// A deleted account's comments become tombstones (their place in threads stays), their earlier versions
/// go, and so do the agrees the account gave.
pub fn erase_comments_of(conn: &mut AnyConnection, writer: Writer) -> Result<()> {
    let ids: Vec<CommentId> = match writer {
        Writer::Local(a) => comments::table
            .filter(comments::author_id.eq(a))
            .select(comments::id)
            .load(conn)?,
        Writer::Remote(r) => comments::table
            .filter(comments::remote_author_id.eq(r))
            .select(comments::id)
            .load(conn)?,
    };
    for chunk in ids.chunks(500) {
        diesel::update(comments::table.filter(comments::id.eq_any(chunk)))
            .set((
                comments::deleted.eq(true),
                comments::content_html.eq(""),
                comments::stance.eq(None::<Stance>),
            ))
            .execute(conn)?;
        diesel::delete(
            comment_revisions::table.filter(comment_revisions::comment_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    match writer {
        Writer::Local(a) => {
            diesel::delete(comment_likes::table.filter(comment_likes::author_id.eq(a)))
                .execute(conn)?
        }
        Writer::Remote(r) => {
            diesel::delete(comment_likes::table.filter(comment_likes::remote_author_id.eq(r)))
                .execute(conn)?
        }
    };
    Ok(())
}

/// A moderator of the debate's commune hides a comment (its text is no longer shown, its place in the
/// thread stays); the commune announces the removal, and other Parvis instances hide it too.
pub fn hide_comment(conn: &mut AnyConnection, moderator: &Account, id: CommentId) -> Result<()> {
    let found = find_comment(conn, id)?;
    let (debate, _) = managed(conn, moderator, found.debate_id)?;
    if found.hidden_at.is_some() || found.deleted {
        return Ok(());
    }
    diesel::update(comments::table.find(id))
        .set((
            comments::hidden_at.eq(Some(now())),
            comments::hidden_by.eq(Some(moderator.actor_id)),
        ))
        .execute(conn)?;
    announce(conn, &debate, id, Relayed::Hidden)
}

/// "Agree" on a comment (a `Like`), or withdraw it. Agreeing twice changes nothing.
pub fn agree(conn: &mut AnyConnection, who: ActorId, id: CommentId, on: bool) -> Result<()> {
    let found = find_comment(conn, id)?;
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {id} is deleted")));
    }
    if found.author_id == Some(who) {
        return Err(Error::invalid(
            "comment",
            "is yours: agree with others' comments",
        ));
    }
    let debate = debate(conn, found.debate_id)?;
    if on {
        let inserted: Option<i64> =
            crate::on_each_backend!(conn, |c| diesel::insert_into(comment_likes::table)
                .values((
                    comment_likes::comment_id.eq(id),
                    comment_likes::author_id.eq(Some(who)),
                    comment_likes::created_at.eq(now()),
                ))
                .on_conflict_do_nothing()
                .returning(comment_likes::id)
                .get_result(c)
                .optional())?;
        if let Some(like) = inserted {
            let like = LikeId(like);
            outbox::record(conn, who, Outbound::CommentLiked { comment: id, like })?;
            announce(conn, &debate, id, Relayed::Liked { like })?;
        }
    } else {
        let like: Option<i64> = comment_likes::table
            .filter(comment_likes::comment_id.eq(id))
            .filter(comment_likes::author_id.eq(who))
            .select(comment_likes::id)
            .first(conn)
            .optional()?;
        if let Some(like) = like {
            diesel::delete(comment_likes::table.find(like)).execute(conn)?;
            let like = LikeId(like);
            outbox::record(conn, who, Outbound::CommentUnliked { comment: id, like })?;
            let by = Unliker::Local { actor: who, like };
            announce(conn, &debate, id, Relayed::Unliked { by })?;
        }
    }
    Ok(())
}

/// What a reply from another server answers.
#[derive(Clone, Copy, Debug)]
pub enum Answered {
    Debate(DebateId),
    Comment(CommentId),
}

/// The debate or comment an `inReplyTo` names: one of ours, or one stored from elsewhere.
pub fn find_answered(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    in_reply_to: &str,
) -> Result<Option<Answered>> {
    if let Some(id) = urls.debate(in_reply_to) {
        return Ok(Some(Answered::Debate(id)));
    }
    if let Some(id) = urls.comment(in_reply_to) {
        return Ok(Some(Answered::Comment(id)));
    }
    let debate: Option<DebateId> = debates::table
        .filter(debates::ap_id.eq(in_reply_to))
        .select(debates::id)
        .first(conn)
        .optional()?;
    if let Some(id) = debate {
        return Ok(Some(Answered::Debate(id)));
    }
    Ok(comments::table
        .filter(comments::ap_id.eq(in_reply_to))
        .select(comments::id)
        .first(conn)
        .optional()?
        .map(Answered::Comment))
}

/// Whether a post from elsewhere belongs to a debate: it is a comment we keep, or it answers a debate or
/// comment we know.
pub fn is_comment(
    conn: &mut AnyConnection,
    urls: &dyn crate::civic::LocalIds,
    ap_id: &str,
    in_reply_to: Option<&str>,
) -> Result<bool> {
    let known: i64 = comments::table
        .filter(comments::ap_id.eq(ap_id))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(true);
    }
    match in_reply_to {
        Some(parent) => Ok(find_answered(conn, urls, parent)?.is_some()),
        None => Ok(false),
    }
}

/// The debate a debate or comment we know belongs to.
pub fn debate_of(conn: &mut AnyConnection, answered: Answered) -> Result<Debate> {
    let id = match answered {
        Answered::Debate(id) => id,
        Answered::Comment(id) => find_comment(conn, id)?.debate_id,
    };
    debate(conn, id)
}

/// A comment written on another server, as received.
#[derive(Clone, Debug)]
pub struct RemoteComment {
    pub author: RemoteActorId,
    pub answered: Answered,
    pub ap_id: String,
    /// HTML as sent (cleaned here).
    pub html: String,
    pub stance: Option<Stance>,
    pub published: NaiveDateTime,
}

/// A reply from another server (a `Note` whose `inReplyTo` is a debate or comment we know) becomes a comment;
/// on a debate hosted here, the commune relays it to its followers. A second copy changes nothing; a closed
/// debate refuses it, as it refuses everyone.
pub fn remote_comment(conn: &mut AnyConnection, new: RemoteComment) -> Result<()> {
    let (debate_id, parent) = match new.answered {
        Answered::Debate(id) => (id, None),
        Answered::Comment(id) => (find_comment(conn, id)?.debate_id, Some(id)),
    };
    let found = debate(conn, debate_id)?;
    crate::civic::moderation::refuse_blocked(conn, new.author, found.commune_id)?;
    if !found.accepts_comments(now()) {
        return Err(closed_error());
    }
    let content = sanitize_remote_html(&new.html);
    if content.trim().is_empty() {
        return Err(Error::BadRequest("the reply is empty".into()));
    }
    let values = (
        comments::debate_id.eq(debate_id),
        comments::parent_id.eq(parent),
        comments::remote_author_id.eq(Some(new.author)),
        comments::ap_id.eq(Some(&new.ap_id)),
        comments::content_html.eq(content),
        comments::stance.eq(new.stance),
        comments::created_at.eq(new.published.min(now())),
    );
    let inserted: Option<CommentId> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(comments::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(comments::id)
            .get_result(c)
            .optional())?;
    if let Some(id) = inserted {
        announce(conn, &found, id, Relayed::Written)?;
    }
    Ok(())
}

/// A stored remote comment, with its debate, if `sender` wrote it; someone else's is refused.
fn remote_owned(
    conn: &mut AnyConnection,
    sender: RemoteActorId,
    ap_id: &str,
) -> Result<Option<(Comment, Debate)>> {
    let found: Option<Comment> = comments::table
        .filter(comments::ap_id.eq(ap_id))
        .select(Comment::as_select())
        .first(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some(c) if c.remote_author_id == Some(sender) => {
            let d = debate(conn, c.debate_id)?;
            Ok(Some((c, d)))
        }
        Some(_) => Err(Error::Forbidden(format!(
            "{ap_id} does not belong to the sender"
        ))),
    }
}

/// A remote author edited its comment: the earlier version goes to the history, and the commune relays the
/// change. Returns whether it was one of our comments.
pub fn update_remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
    html: &str,
    stance: Option<Stance>,
) -> Result<bool> {
    let Some((old, debate)) = remote_owned(conn, author, ap_id)? else {
        return Ok(false);
    };
    if !old.visible() {
        return Ok(true);
    }
    if !debate.accepts_comments(now()) {
        return Err(closed_error());
    }
    let content = sanitize_remote_html(html);
    if content.trim().is_empty() {
        return Err(Error::BadRequest("the new version is empty".into()));
    }
    if content != old.content_html || stance != old.stance {
        revise(conn, &old, &content, stance)?;
        announce(conn, &debate, old.id, Relayed::Updated)?;
    }
    Ok(true)
}

/// A remote author deleted its reply: a tombstone keeps the replies under it in place. Only the author's own
/// server may delete it; a comment of someone else is refused. Returns whether it was one of our comments.
pub fn delete_remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
) -> Result<bool> {
    let Some((old, debate)) = remote_owned(conn, author, ap_id)? else {
        return Ok(false);
    };
    if !old.deleted {
        tombstone(conn, old.id)?;
        announce(conn, &debate, old.id, Relayed::Deleted)?;
    }
    Ok(true)
}

/// The remote commune hosting a debate hid a comment in it (its moderators decide there). A commune that
/// does not host the comment's debate is refused.
pub fn hide_remote_comment(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    comment: CommentId,
) -> Result<()> {
    let found = find_comment(conn, comment)?;
    let host = debate(conn, found.debate_id)?.remote_commune_id;
    if host != Some(commune) {
        return Err(Error::Forbidden(
            "only the commune hosting a debate hides its comments".into(),
        ));
    }
    diesel::update(
        comments::table
            .find(comment)
            .filter(comments::hidden_at.is_null()),
    )
    .set(comments::hidden_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

/// "Agree" from another server (a `Like` of a comment); a second copy, or a second Like by the same person,
/// changes nothing.
pub fn remote_agree(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
    comment: CommentId,
) -> Result<()> {
    let found = find_comment(conn, comment)?;
    if !found.visible() {
        return Err(Error::NotFound(format!("comment {comment} is deleted")));
    }
    let debate = debate(conn, found.debate_id)?;
    crate::civic::moderation::refuse_blocked(conn, who, debate.commune_id)?;
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(comment_likes::table)
            .values((
                comment_likes::comment_id.eq(comment),
                comment_likes::remote_author_id.eq(Some(who)),
                comment_likes::ap_id.eq(Some(like_ap_id)),
                comment_likes::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(comment_likes::id)
            .get_result(c)
            .optional())?;
    if let Some(like) = inserted {
        announce(
            conn,
            &debate,
            comment,
            Relayed::Liked { like: LikeId(like) },
        )?;
    }
    Ok(())
}

/// `Undo(Like)` from another server: only the person who agreed withdraws it, by their own signature or
/// relayed by the commune hosting the debate (`relayed_by`).
pub fn remote_disagree(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
    relayed_by: Option<RemoteActorId>,
) -> Result<()> {
    let found: Option<(i64, CommentId)> = comment_likes::table
        .filter(comment_likes::ap_id.eq(like_ap_id))
        .filter(comment_likes::remote_author_id.eq(who))
        .select((comment_likes::id, comment_likes::comment_id))
        .first(conn)
        .optional()?;
    if let Some((like, comment)) = found {
        let debate_id = find_comment(conn, comment)?.debate_id;
        let debate = debate(conn, debate_id)?;
        if relayed_by.is_some() && debate.remote_commune_id != relayed_by {
            return Err(Error::Forbidden(
                "only the commune hosting a debate relays its agrees".into(),
            ));
        }
        diesel::delete(comment_likes::table.find(like)).execute(conn)?;
        // A withdrawal whose Like has no usable id could not be named: the agree is gone, nothing is relayed.
        if let Ok(like) = ApUrl::parse(like_ap_id) {
            let by = Unliker::Remote { actor: who, like };
            announce(conn, &debate, comment, Relayed::Unliked { by })?;
        }
    }
    Ok(())
}

/// A debate hosted by another server's commune, as its `Page` says.
#[derive(Clone, Debug)]
pub struct RemoteDebate {
    pub ap_id: String,
    pub commune: RemoteActorId,
    pub author: Option<RemoteActorId>,
    pub title: String,
    /// The question, as plain text.
    pub question: String,
    /// HTML as sent (cleaned here).
    pub html: String,
    pub open: bool,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub published: NaiveDateTime,
}

/// Keeps (or refreshes) a copy of a debate hosted elsewhere, so that people here can read and answer it.
/// `sender` is who sent it: a copy is made only from its commune's word, changed only by its commune or its
/// author, and cannot move to another commune. `None`: nothing kept.
pub fn store_remote_debate(
    conn: &mut AnyConnection,
    page: RemoteDebate,
    sender: RemoteActorId,
) -> Result<Option<DebateId>> {
    let title: String = page.title.trim().chars().take(MAX_TITLE).collect();
    if title.is_empty() {
        return Err(Error::BadRequest("the debate has no name".into()));
    }
    let question: String = page.question.trim().chars().take(MAX_QUESTION).collect();
    let html = sanitize_remote_html(&page.html);
    let status = if page.open {
        DebateStatus::Open
    } else {
        DebateStatus::Closed
    };
    let at = now();
    let existing: Option<(DebateId, Option<RemoteActorId>, Option<RemoteActorId>)> = debates::table
        .filter(debates::ap_id.eq(&page.ap_id))
        .select((
            debates::id,
            debates::remote_commune_id,
            debates::remote_author_id,
        ))
        .first(conn)
        .optional()?;
    match existing {
        Some((_, Some(commune), author))
            if commune == page.commune && sender != commune && author != Some(sender) =>
        {
            Err(Error::Forbidden(format!(
                "only its commune or its author changes {}",
                page.ap_id
            )))
        }
        Some((id, commune, _)) if commune == Some(page.commune) => {
            diesel::update(debates::table.find(id))
                .set((
                    debates::title.eq(&title),
                    debates::question.eq(&question),
                    debates::body_html.eq(&html),
                    debates::status.eq(status),
                    debates::opens_at.eq(page.opens_at),
                    debates::closes_at.eq(page.closes_at),
                    debates::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok(Some(id))
        }
        Some(_) => Err(Error::Forbidden(format!(
            "{} is hosted by another commune",
            page.ap_id
        ))),
        // A new debate comes from its commune (its Announce), not from whoever claims its audience.
        None if sender != page.commune => Ok(None),
        None => {
            let values = (
                debates::remote_commune_id.eq(Some(page.commune)),
                debates::remote_author_id.eq(page.author),
                debates::ap_id.eq(Some(&page.ap_id)),
                debates::title.eq(&title),
                debates::question.eq(&question),
                debates::body_markdown.eq(""),
                debates::body_html.eq(&html),
                debates::status.eq(status),
                debates::opens_at.eq(page.opens_at),
                debates::closes_at.eq(page.closes_at),
                debates::created_at.eq(page.published.min(at)),
                debates::updated_at.eq(at),
            );
            crate::on_each_backend!(conn, |c| diesel::insert_into(debates::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(c))?;
            Ok(Some(
                debates::table
                    .filter(debates::ap_id.eq(&page.ap_id))
                    .select(debates::id)
                    .first(conn)?,
            ))
        }
    }
}

/// A person from another server opens a debate in one of our communes (a `Create(Page)` whose `audience` is
/// the commune): only if the commune lets anyone open debates. The commune announces it to its followers.
pub fn remote_opened_debate(
    conn: &mut AnyConnection,
    commune: ActorId,
    page: RemoteDebate,
) -> Result<DebateId> {
    if openers(conn, commune)? != DebateOpeners::Everyone {
        return Err(Error::Forbidden(
            "this commune does not take debates opened from other servers".into(),
        ));
    }
    let title = bounded("title", &page.title, MAX_TITLE, true).map_err(|_| {
        Error::BadRequest("the debate needs a name of at most 200 characters".into())
    })?;
    let question: String = page.question.trim().chars().take(MAX_QUESTION).collect();
    let at = now();
    let values = (
        debates::commune_id.eq(Some(commune)),
        debates::remote_author_id.eq(page.author),
        debates::ap_id.eq(Some(&page.ap_id)),
        debates::title.eq(&title),
        debates::question.eq(&question),
        debates::body_markdown.eq(""),
        debates::body_html.eq(sanitize_remote_html(&page.html)),
        debates::status.eq(DebateStatus::Open),
        debates::opens_at.eq(page.opens_at.filter(|o| *o > at)),
        debates::closes_at.eq(page.closes_at.filter(|c| *c > at)),
        debates::created_at.eq(page.published.min(at)),
        debates::updated_at.eq(at),
    );
    let inserted: Option<DebateId> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(debates::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(debates::id)
            .get_result(c)
            .optional())?;
    match inserted {
        Some(id) => {
            let form = AnnounceForm::Page;
            outbox::record(
                conn,
                commune,
                Outbound::DebateAnnounced { debate: id, form },
            )?;
            Ok(id)
        }
        None => Ok(debates::table
            .filter(debates::ap_id.eq(&page.ap_id))
            .select(debates::id)
            .first(conn)?),
    }
}

/// The hosting commune's server deleted a debate: our copy goes, with its comments.
pub fn forget_remote_debate(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    ap_id: &str,
) -> Result<bool> {
    let n = diesel::delete(
        debates::table
            .filter(debates::ap_id.eq(ap_id))
            .filter(debates::remote_commune_id.eq(commune)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_structure_and_drops_what_could_harm() {
        let html = markdown_to_html(
            "## Le parking\n\n**Pour** ou *contre* ?\n\n- un\n- deux\n\n[lien](https://ville.example) \
             [x](javascript:alert(1))\n\n<script>alert(1)</script><style>body{}</style>\
             <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Pour</strong>"), "{html}");
        assert!(html.contains("<li>un</li>"), "{html}");
        assert!(html.contains("href=\"https://ville.example\""), "{html}");
        assert!(
            html.contains("rel=\"nofollow noopener noreferrer\""),
            "{html}"
        );
        for bad in ["<script", "<style", "<img", "javascript:", "onerror"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
