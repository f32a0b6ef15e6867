//! Official answers: a proposal moved to a new status with a public answer, and the history of its statuses.

use crate::civic::notifications::Kind;
use diesel::prelude::*;

use super::notifications::notify_followers;
use super::{MAX_ANSWER, proposal};
use crate::civic::accounts::speaks_for;
use crate::civic::debates::{bounded, debate, markdown_to_html};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::StatusChangeId;
use crate::ids::{ActorId, DebateId};
use crate::model::Outbound;
use crate::model::schema::{actors, proposal_history, proposals};
use crate::model::{Account, ProposalStatus};

/// A public answer as the history keeps it: sanitized HTML, who gave it (an account here, when known), and
/// their name and mandate as they were then.
pub(super) struct Answer<'a> {
    pub(super) html: &'a str,
    pub(super) by: Option<ActorId>,
    pub(super) name: &'a str,
    pub(super) mandate: &'a str,
}

pub(super) fn record_change(
    conn: &mut AnyConnection,
    id: DebateId,
    status: ProposalStatus,
    answer: Option<Answer<'_>>,
) -> Result<i64> {
    Ok(diesel::insert_into(proposal_history::table)
        .values((
            proposal_history::debate_id.eq(id),
            proposal_history::status.eq(status),
            proposal_history::answer_html.eq(answer.as_ref().map(|a| a.html)),
            proposal_history::answered_by.eq(answer.as_ref().and_then(|a| a.by)),
            proposal_history::answerer_name.eq(answer.as_ref().map_or("", |a| a.name)),
            proposal_history::answerer_mandate.eq(answer.as_ref().map_or("", |a| a.mandate)),
            proposal_history::at.eq(now()),
        ))
        .returning(proposal_history::id)
        .get_result(conn)?)
}

/// The mandate shown under an answer: the answerer's current one, as the town wrote it; empty for a moderator
/// or admin acting for the commune without a mandate (their name is shown alone).
fn mandate_of(conn: &mut AnyConnection, account: &Account) -> Result<String> {
    let today = chrono::Utc::now().date_naive();
    Ok(crate::db::queries::mandates_of(conn, account.actor_id)?
        .into_iter()
        .find(|m| m.is_current(today))
        .map(|m| format!("{}, {}", m.office, m.governing_body))
        .unwrap_or_default())
}

/// An official (or a moderator or admin acting for the commune) moves a proposal to a new status with a
/// public answer. The answer is required, the move must follow the lifecycle, and a proposal answered by
/// someone else meanwhile is not overwritten. Followers are told; the commune sends the new `Page` and the
/// answer as a `Note` replying to it (Mastodon shows the Note, not the Page's content).
pub fn answer(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
    status: ProposalStatus,
    text: &str,
) -> Result<()> {
    let found = proposal(conn, id)?;
    let d = debate(conn, id)?;
    let commune = match d.commune_id {
        Some(c) if speaks_for(account, c) => c,
        Some(_) => {
            return Err(Error::Forbidden(
                "only the commune's officials, moderators and admins answer its proposals".into(),
            ));
        }
        None => {
            return Err(Error::Forbidden(
                "this proposal is hosted on another server: its commune answers it there".into(),
            ));
        }
    };
    if !found.status.next().contains(&status) {
        return Err(Error::invalid(
            "status",
            format!(
                "a proposal {} cannot become {}",
                found.status.as_str(),
                status.as_str()
            ),
        ));
    }
    let text = bounded("answer", text, MAX_ANSWER, true)?;
    let changed = diesel::update(
        proposals::table
            .find(id)
            .filter(proposals::status.eq(found.status)),
    )
    .set(proposals::status.eq(status))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(
            "this proposal was answered meanwhile: read the new answer first".into(),
        ));
    }
    let name: String = actors::table
        .find(account.actor_id)
        .select(actors::display_name)
        .first(conn)?;
    let mandate = mandate_of(conn, account)?;
    let html = markdown_to_html(&text);
    let change = record_change(
        conn,
        id,
        status,
        Some(Answer {
            html: &html,
            by: Some(account.actor_id),
            name: &name,
            mandate: &mandate,
        }),
    )?;
    notify_followers(conn, id, Kind::ProposalAnswered, &[account.actor_id])?;
    outbox::record(conn, commune, Outbound::ProposalUpdated { proposal: id })?;
    outbox::record(
        conn,
        commune,
        Outbound::ProposalAnswered {
            change: StatusChangeId(change),
        },
    )
}
