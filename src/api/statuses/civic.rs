//! How a civic thing's post looks in a Mastodon app: a short text with its link, a preview card (title,
//! summary, where it stands) and, for a poll, Mastodon's poll, votable from the app. It is built from the
//! thing as it is now, so a proposal's new status or a meeting's new date show at once. A proposal's,
//! report's or comment's favourites are its supports, "me too"s and "agree"s.

use diesel::prelude::*;
use serde::Serialize;

use crate::civic::notes::escape_html;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::ActorId;
use crate::model::schema::{comment_likes, comments};
use crate::model::{CivicRef, Note, PollKind};
use crate::web::i18n::Lang;

/// Mastodon's `PreviewCard`: a link with its title and summary.
#[derive(Debug, Serialize)]
pub struct CardDto {
    pub url: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i64,
    pub height: i64,
    pub image: Option<String>,
    pub embed_url: String,
    pub blurhash: Option<String>,
}

/// What a civic thing's post shows, in place of a post's own text.
pub struct Shown {
    pub uri: String,
    pub url: String,
    pub content: String,
    pub card: Option<CardDto>,
    pub poll: Option<crate::api::polls::PollDto>,
    /// The post it answers (a comment's debate, or the comment it answers).
    pub parent: Option<Note>,
    /// Its favourites, when they are a civic act: how many, and whether the reader gave one.
    pub favourites: Option<(i64, bool)>,
    /// Its replies: a debate's comments.
    pub replies: Option<i64>,
    /// A comment's stance, as the hashtag that gives it.
    pub tag: Option<&'static str>,
}

fn paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape_html(text))
}

fn link(url: &str) -> String {
    let url = escape_html(url);
    format!("<p><a href=\"{url}\">{url}</a></p>")
}

/// The post's text: its title in bold, its summary, what it stands at, and its link.
fn text(title: &str, summary: &str, standing: &str, url: &str) -> String {
    let mut html = format!("<p><strong>{}</strong></p>", escape_html(title));
    if !summary.trim().is_empty() {
        html.push_str(&paragraph(summary));
    }
    if !standing.is_empty() {
        html.push_str(&paragraph(standing));
    }
    html.push_str(&link(url));
    html
}

fn card(ctx: &AppContext, url: &str, title: &str, description: String) -> CardDto {
    CardDto {
        url: url.to_string(),
        title: title.to_string(),
        description,
        kind: "link",
        author_name: String::new(),
        author_url: String::new(),
        provider_name: ctx.urls.host().to_string(),
        provider_url: ctx.urls.base().to_string(),
        html: String::new(),
        width: 0,
        height: 0,
        image: None,
        embed_url: String::new(),
        blurhash: None,
    }
}

/// How a civic thing's post looks to `viewer` (reading in `lang`); `None` when the thing is gone.
pub fn shown(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    viewer: Option<ActorId>,
    lang: Lang,
    what: CivicRef,
) -> Result<Option<Shown>> {
    use crate::civic::notes::civic_posts::note_of;
    let note = |conn: &mut AnyConnection, what| note_of(conn, what);
    Ok(Some(match what {
        CivicRef::Debate(id) => {
            let debate = crate::civic::debates::debate(conn, id)?;
            let replies: i64 = comments::table
                .filter(comments::debate_id.eq(id))
                .filter(comments::deleted.eq(false))
                .filter(comments::hidden_at.is_null())
                .count()
                .get_result(conn)?;
            if crate::civic::notes::civic_posts::is_proposal(conn, id)? {
                let proposal = crate::civic::proposals::proposal(conn, id)?;
                let url = ctx.urls.proposal(id).to_string();
                let standing = format!(
                    "{} · {}",
                    lang.t(&format!("proposal-status-{}", proposal.status.as_str())),
                    lang.count("supports-count", proposal.supports())
                );
                let mine = match viewer {
                    Some(v) => crate::db::proposals::supports(conn, v, id)?,
                    None => false,
                };
                Shown {
                    uri: ctx.urls.debate(id).to_string(),
                    content: text(&debate.title, &debate.question, &standing, &url),
                    card: Some(card(ctx, &url, &debate.title, {
                        let mut d = debate.question.clone();
                        d.push_str(" — ");
                        d.push_str(&standing);
                        d
                    })),
                    url,
                    poll: None,
                    parent: None,
                    favourites: Some((proposal.supports(), mine)),
                    replies: Some(replies),
                    tag: None,
                }
            } else {
                let url = ctx.urls.debate(id).to_string();
                let standing = lang.t(&format!("debate-status-{}", debate.status.as_str()));
                Shown {
                    uri: url.clone(),
                    content: text(&debate.title, &debate.question, &standing, &url),
                    card: Some(card(
                        ctx,
                        &url,
                        &debate.title,
                        format!("{} — {standing}", debate.question),
                    )),
                    url,
                    poll: None,
                    parent: None,
                    favourites: None,
                    replies: Some(replies),
                    tag: None,
                }
            }
        }
        CivicRef::Comment(id) => {
            let comment: crate::model::Comment = comments::table
                .find(id)
                .select(crate::model::Comment::as_select())
                .first(conn)?;
            if !comment.visible() {
                return Ok(None);
            }
            let parent = match comment.parent_id {
                Some(p) => note(conn, CivicRef::Comment(p))?,
                None => note(conn, CivicRef::Debate(comment.debate_id))?,
            };
            let agrees: i64 = comment_likes::table
                .filter(comment_likes::comment_id.eq(id))
                .count()
                .get_result(conn)?;
            let mine = match viewer {
                Some(v) => {
                    comment_likes::table
                        .filter(comment_likes::comment_id.eq(id))
                        .filter(comment_likes::author_id.eq(v))
                        .count()
                        .get_result::<i64>(conn)?
                        > 0
                }
                None => false,
            };
            Shown {
                uri: comment
                    .ap_id
                    .clone()
                    .unwrap_or_else(|| ctx.urls.comment(id).to_string()),
                url: format!("{}#comment-{id}", ctx.urls.debate(comment.debate_id)),
                content: comment.content_html.clone(),
                card: None,
                poll: None,
                parent,
                favourites: Some((agrees, mine)),
                replies: None,
                tag: match comment.stance {
                    Some(crate::model::Stance::For) => Some("for"),
                    Some(crate::model::Stance::Against) => Some("against"),
                    _ => None,
                },
            }
        }
        CivicRef::Poll(id) => {
            let poll = crate::civic::polls::poll(conn, id)?;
            let options = crate::civic::polls::options(conn, id)?;
            let mine = match viewer {
                Some(v) => crate::civic::polls::choices_of(conn, v, id)?,
                None => None,
            };
            let url = ctx.urls.poll(id).to_string();
            // As the web shows it.
            let closing = if poll.is_closed(crate::civic::now()) {
                "poll-closed-at"
            } else {
                "poll-closes"
            };
            let standing = lang.ta(closing, &[("date", lang.datetime(poll.closes_at).into())]);
            let votable = poll.kind != PollKind::Text && !options.is_empty();
            Shown {
                uri: url.clone(),
                content: text(&poll.question, "", &standing, &url),
                card: Some(card(ctx, &url, &poll.question, standing)),
                url,
                poll: votable
                    .then(|| crate::api::polls::dto(ctx, &poll, &options, mine.as_deref())),
                parent: None,
                favourites: None,
                replies: None,
                tag: None,
            }
        }
        CivicRef::Problem(id) => {
            let problem = crate::civic::problems::problem(conn, id)?;
            let category = crate::civic::problems::category(conn, problem.category_id)?;
            let url = ctx.urls.problem(id).to_string();
            let standing = format!(
                "{} · {}",
                lang.t(&format!("problem-status-{}", problem.status.as_str())),
                problem.address
            );
            let mine = match viewer {
                Some(v) => crate::civic::problems::supports(conn, v, id)?,
                None => false,
            };
            Shown {
                uri: url.clone(),
                content: text(&category.name, &problem.description, &standing, &url),
                card: Some(card(
                    ctx,
                    &url,
                    &category.name,
                    format!("{} — {standing}", problem.description),
                )),
                url,
                poll: None,
                parent: None,
                favourites: Some((problem.supporters, mine)),
                replies: None,
                tag: None,
            }
        }
        CivicRef::Meeting(id) => {
            let meeting = crate::civic::meetings::meeting(conn, id)?;
            let zone = crate::civic::meetings::timezone(conn, meeting.commune_id)?;
            let local = meeting
                .starts_at
                .and_utc()
                .with_timezone(&zone)
                .naive_local();
            let url = ctx.urls.meeting(id).to_string();
            let mut standing = format!("{} · {}", lang.datetime(local), meeting.address);
            if meeting.status == crate::model::MeetingStatus::Cancelled {
                standing = format!("{} · {standing}", lang.t("meeting-cancelled"));
            }
            let register = format!("{url}#meeting-register");
            Shown {
                uri: url.clone(),
                content: format!(
                    "{}<p>{}</p>",
                    text(&meeting.title, "", &standing, &url),
                    format_args!(
                        "{} <a href=\"{}\">{}</a>",
                        escape_html(&lang.t("meeting-register-from-app")),
                        escape_html(&register),
                        escape_html(&register)
                    )
                ),
                card: Some(card(ctx, &url, &meeting.title, standing)),
                url,
                poll: None,
                parent: None,
                favourites: None,
                replies: None,
                tag: None,
            }
        }
    }))
}
