//! Opening debates and managing them: who may open one in a commune, writing a debate and announcing it, and
//! the commune closing, reopening, archiving or pinning it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{MAX_BODY, MAX_QUESTION, MAX_TITLE, bounded, debate, markdown_to_html};
use crate::civic::accounts::{speaks_for, speaks_for_commune};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId, ThemeId};
use crate::model::schema::{communes, debate_themes, debates, themes};
use crate::model::{Account, Debate, DebateOpeners, DebateStatus, Role};
use crate::model::{AnnounceForm, Outbound};

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
    // Its Group says who may post (`postingRestrictedToMods`): followers' servers hear of the change.
    crate::civic::outbox::record(conn, admin.commune_id, crate::model::Outbound::ActorUpdated)
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
    crate::civic::notes::civic_posts::publish_relayed(
        conn,
        account.actor_id,
        account.commune_id,
        crate::model::CivicRef::Debate(id),
    )?;
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

/// A debate hosted here, and the account speaking for its commune: only they manage it.
pub(super) fn managed(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
) -> Result<(Debate, ActorId)> {
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
