//! Asking the town a question: who may ask, the closing time and options checked, and the poll written (and
//! published to other servers when federated).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{CLOSING_DELAY, MAX_DURATION_DAYS, MAX_OPTION, MAX_OPTIONS, MAX_QUESTION, MIN_OPTIONS};
use crate::civic::accounts::speaks_for;
use crate::civic::debates::bounded;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, PollId, QuestionnaireId};
use crate::model::Outbound;
use crate::model::schema::{communes, poll_options, polls};
use crate::model::{Account, Eligibility, PollKind, Role};

/// A poll as someone asks it.
#[derive(Clone, Debug)]
pub struct NewPoll {
    pub question: String,
    pub kind: PollKind,
    /// The options, in order (ignored for a scale, which has 1 to 5, and for free text).
    pub options: Vec<String>,
    pub closes_at: NaiveDateTime,
    pub eligibility: Eligibility,
    pub live_results: bool,
    /// Sent to other servers as a `Question`.
    pub federated: bool,
}

/// Whether citizens (not only those who speak for the commune) may put polls and questionnaires to the town.
pub fn citizen_polls(conn: &mut AnyConnection, commune: ActorId) -> Result<bool> {
    Ok(communes::table
        .find(commune)
        .select(communes::citizen_polls)
        .first(conn)?)
}

/// An admin lets citizens ask polls, or not.
pub fn set_citizen_polls(conn: &mut AnyConnection, admin: &Account, allowed: bool) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only an admin decides who may ask polls".into(),
        ));
    }
    diesel::update(communes::table.find(admin.commune_id))
        .set(communes::citizen_polls.eq(allowed))
        .execute(conn)?;
    Ok(())
}

/// Whether an account may put a poll or a questionnaire to its commune.
pub fn may_ask(conn: &mut AnyConnection, account: &Account) -> Result<bool> {
    Ok(speaks_for(account, account.commune_id) || citizen_polls(conn, account.commune_id)?)
}

pub(super) fn require_asker(conn: &mut AnyConnection, account: &Account) -> Result<()> {
    if may_ask(conn, account)? {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "in this commune only officials, moderators and admins ask polls".into(),
        ))
    }
}

pub(super) fn check_closing(field: &'static str, closes_at: NaiveDateTime) -> Result<()> {
    let now = now();
    if closes_at <= now + chrono::Duration::minutes(5) {
        return Err(Error::invalid(
            field,
            "must be at least five minutes from now",
        ));
    }
    if closes_at > now + chrono::Duration::days(MAX_DURATION_DAYS) {
        return Err(Error::invalid(
            field,
            format!("must be within {MAX_DURATION_DAYS} days"),
        ));
    }
    Ok(())
}

/// The options of a question, checked: 2 to 20 distinct non-empty names (a vote names its option).
fn options_of(kind: PollKind, options: &[String]) -> Result<Vec<String>> {
    match kind {
        PollKind::Text => return Ok(vec![]),
        PollKind::Scale => return Ok((1..=5).map(|n| n.to_string()).collect()),
        PollKind::Single | PollKind::Multiple => {}
    }
    let mut names: Vec<String> = vec![];
    for raw in options {
        let name = bounded("options", raw, MAX_OPTION, false)?;
        if name.is_empty() {
            continue;
        }
        if name.contains('\n') {
            return Err(Error::invalid("options", "an option is one line"));
        }
        if names.contains(&name) {
            return Err(Error::invalid(
                "options",
                format!("'{name}' is given twice"),
            ));
        }
        names.push(name);
    }
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&names.len()) {
        return Err(Error::invalid(
            "options",
            format!("give between {MIN_OPTIONS} and {MAX_OPTIONS} options"),
        ));
    }
    Ok(names)
}

/// Writes a question and its options; a federated one (single or multiple choice) is sent out.
pub(super) fn insert_poll(
    conn: &mut AnyConnection,
    account: &Account,
    new: &NewPoll,
    questionnaire: Option<QuestionnaireId>,
) -> Result<PollId> {
    let question = bounded("question", &new.question, MAX_QUESTION, true)?;
    let options = options_of(new.kind, &new.options)?;
    let federated = new.federated && matches!(new.kind, PollKind::Single | PollKind::Multiple);
    let id: PollId = diesel::insert_into(polls::table)
        .values((
            polls::commune_id.eq(Some(account.commune_id)),
            polls::author_id.eq(Some(account.actor_id)),
            polls::questionnaire_id.eq(questionnaire),
            polls::kind.eq(new.kind),
            polls::question.eq(&question),
            polls::eligibility.eq(new.eligibility),
            polls::live_results.eq(new.live_results),
            polls::federated.eq(federated),
            polls::closes_at.eq(new.closes_at),
            polls::created_at.eq(now()),
        ))
        .returning(polls::id)
        .get_result(conn)?;
    for (position, name) in options.iter().enumerate() {
        diesel::insert_into(poll_options::table)
            .values((
                poll_options::poll_id.eq(id),
                poll_options::position.eq(position as i32),
                poll_options::name.eq(name),
            ))
            .execute(conn)?;
    }
    // A questionnaire's questions are answered together, on the web: they are no posts of their own.
    if questionnaire.is_none() {
        crate::civic::notes::civic_posts::publish_relayed(
            conn,
            account.actor_id,
            account.commune_id,
            crate::model::CivicRef::Poll(id),
        )?;
    }
    if federated {
        outbox::record(conn, account.actor_id, Outbound::PollPublished { poll: id })?;
        outbox::record(
            conn,
            account.commune_id,
            Outbound::PollAnnounced { poll: id },
        )?;
        let delay = new.closes_at - now() + CLOSING_DELAY;
        outbox::record_later(
            conn,
            account.actor_id,
            Outbound::PollClosed { poll: id },
            delay,
        )?;
    }
    Ok(id)
}

/// An official (or a citizen, where the commune allows it) asks the town a question.
pub fn create(conn: &mut AnyConnection, account: &Account, new: &NewPoll) -> Result<PollId> {
    require_asker(conn, account)?;
    if new.kind == PollKind::Text {
        return Err(Error::invalid(
            "kind",
            "free text is for questionnaires; a poll has options",
        ));
    }
    check_closing("closes_at", new.closes_at)?;
    insert_poll(conn, account, new, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() -> Result<()> {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            options_of(PollKind::Single, &names(&["Oui", " Non ", ""]))?,
            vec!["Oui", "Non"]
        );
        assert!(options_of(PollKind::Single, &names(&["Oui"])).is_err());
        assert!(options_of(PollKind::Multiple, &names(&["Oui", "Oui"])).is_err());
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert!(options_of(PollKind::Single, &many).is_err());
        assert_eq!(options_of(PollKind::Scale, &[])?.len(), 5);
        assert!(options_of(PollKind::Text, &names(&["x"]))?.is_empty());
        Ok(())
    }
}
