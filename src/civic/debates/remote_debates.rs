//! Debates from other servers: copies of debates hosted elsewhere, and debates people of other servers open
//! in our communes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{MAX_QUESTION, MAX_TITLE, bounded, openers};
use crate::civic::notes::sanitize_remote_html;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId, RemoteActorId};
use crate::model::schema::debates;
use crate::model::{AnnounceForm, Outbound};
use crate::model::{DebateOpeners, DebateStatus};

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
