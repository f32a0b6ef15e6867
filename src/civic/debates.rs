//! Debates a commune hosts and the comments people leave on them, each comment taking a side or not.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::accounts::{speaks_for, speaks_for_commune};
use crate::civic::notes::text_to_html;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId};
use crate::model::schema::{comments, debates};
use crate::model::{Account, Comment, Debate, DebateStatus, EventKind, Stance};

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

fn bounded(field: &'static str, text: &str, max: usize, required: bool) -> Result<String> {
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

/// What it takes to open a debate.
#[derive(Debug, Clone, Default)]
pub struct NewDebate {
    pub title: String,
    pub question: String,
    /// Markdown.
    pub body: String,
    pub closes_at: Option<NaiveDateTime>,
}

/// Opens a debate in the account's commune. For now those who speak for the commune (officials,
/// moderators, admins) open debates; a commune setting letting residents open them comes later.
pub fn open_debate(conn: &mut AnyConnection, account: &Account, new: NewDebate) -> Result<Debate> {
    if !speaks_for_commune(account) {
        return Err(Error::Forbidden(
            "only officials, moderators and admins open debates in this commune".into(),
        ));
    }
    let title = bounded("title", &new.title, MAX_TITLE, true)?;
    let question = bounded("question", &new.question, MAX_QUESTION, true)?;
    let body = bounded("body", &new.body, MAX_BODY, false)?;
    let at = now();
    if new.closes_at.is_some_and(|c| c <= at) {
        return Err(Error::invalid("closes_at", "must be in the future"));
    }
    let id: DebateId = diesel::insert_into(debates::table)
        .values((
            debates::commune_id.eq(account.commune_id),
            debates::author_id.eq(Some(account.actor_id)),
            debates::title.eq(&title),
            debates::question.eq(&question),
            debates::body_html.eq(markdown_to_html(&body)),
            debates::body_markdown.eq(&body),
            debates::status.eq(DebateStatus::Open),
            debates::closes_at.eq(new.closes_at),
            debates::created_at.eq(at),
            debates::updated_at.eq(at),
        ))
        .returning(debates::id)
        .get_result(conn)?;
    // The author publishes; the commune relays, nested and plain (see `federation::deliver`).
    outbox::record(
        conn,
        EventKind::DebatePublished,
        account.actor_id,
        id.0,
        None,
        "",
    )?;
    for form in ["create", "page"] {
        outbox::record(
            conn,
            EventKind::DebateAnnounced,
            account.commune_id,
            id.0,
            None,
            form,
        )?;
    }
    debate(conn, id)
}

pub fn debate(conn: &mut AnyConnection, id: DebateId) -> Result<Debate> {
    debates::table
        .find(id)
        .select(Debate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no debate {id}")))
}

/// Closes, reopens or archives a debate: those who speak for its commune only.
pub fn set_status(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
    status: DebateStatus,
) -> Result<Debate> {
    let found = debate(conn, id)?;
    if !speaks_for(account, found.commune_id) {
        return Err(Error::Forbidden(
            "only the commune's officials, moderators and admins change a debate's status".into(),
        ));
    }
    diesel::update(debates::table.find(id))
        .set((debates::status.eq(status), debates::updated_at.eq(now())))
        .execute(conn)?;
    debate(conn, id)
}

/// A comment by a local account. A closed debate accepts none, from anyone; a reply answers a comment of
/// the same debate.
pub fn comment(
    conn: &mut AnyConnection,
    author: ActorId,
    debate_id: DebateId,
    parent: Option<CommentId>,
    text: &str,
    stance: Option<Stance>,
) -> Result<Comment> {
    let found = debate(conn, debate_id)?;
    if !found.accepts_comments(now()) {
        return Err(Error::invalid(
            "debate",
            "this debate is closed: it accepts no new comments",
        ));
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
    outbox::record(conn, EventKind::CommentPublished, author, id.0, None, "")?;
    outbox::record(
        conn,
        EventKind::CommentAnnounced,
        found.commune_id,
        id.0,
        None,
        "",
    )?;
    Ok(comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)?)
}

/// What a reply from another server answers.
#[derive(Clone, Copy, Debug)]
pub enum Answered {
    Debate(DebateId),
    Comment(CommentId),
}

/// A reply from another server (a `Note` whose `inReplyTo` is one of our debates or comments) becomes a
/// comment, relayed by the commune to its followers. A second copy changes nothing; a closed debate refuses
/// it, as it refuses everyone.
pub fn remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    answered: Answered,
    ap_id: &str,
    html: &str,
    published: NaiveDateTime,
) -> Result<()> {
    let (debate_id, parent) = match answered {
        Answered::Debate(id) => (id, None),
        Answered::Comment(id) => {
            let debate_id: DebateId = comments::table
                .find(id)
                .select(comments::debate_id)
                .first(conn)
                .optional()?
                .ok_or_else(|| Error::NotFound(format!("no comment {id}")))?;
            (debate_id, Some(id))
        }
    };
    let found = debate(conn, debate_id)?;
    if !found.accepts_comments(now()) {
        return Err(Error::Forbidden(
            "this debate is closed: it accepts no new comments".into(),
        ));
    }
    let content = crate::civic::notes::sanitize_remote_html(html);
    if content.trim().is_empty() {
        return Err(Error::BadRequest("the reply is empty".into()));
    }
    let values = (
        comments::debate_id.eq(debate_id),
        comments::parent_id.eq(parent),
        comments::remote_author_id.eq(Some(author)),
        comments::ap_id.eq(Some(ap_id)),
        comments::content_html.eq(content),
        comments::created_at.eq(published.min(now())),
    );
    let inserted: Option<CommentId> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(comments::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(comments::id)
            .get_result(c)
            .optional())?;
    if let Some(id) = inserted {
        outbox::record(
            conn,
            EventKind::CommentAnnounced,
            found.commune_id,
            id.0,
            None,
            "",
        )?;
    }
    Ok(())
}

/// A remote author deleted its reply: a tombstone keeps the replies under it in place. Only the author's own
/// server may delete it; a comment of someone else is refused.
pub fn delete_remote_comment(
    conn: &mut AnyConnection,
    author: RemoteActorId,
    ap_id: &str,
) -> Result<bool> {
    let owner: Option<Option<RemoteActorId>> = comments::table
        .filter(comments::ap_id.eq(ap_id))
        .select(comments::remote_author_id)
        .first(conn)
        .optional()?;
    match owner {
        None => Ok(false),
        Some(Some(owner)) if owner == author => {
            diesel::update(comments::table.filter(comments::ap_id.eq(ap_id)))
                .set((comments::deleted.eq(true), comments::content_html.eq("")))
                .execute(conn)?;
            Ok(true)
        }
        Some(_) => Err(Error::Forbidden(format!(
            "{ap_id} does not belong to the sender"
        ))),
    }
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
