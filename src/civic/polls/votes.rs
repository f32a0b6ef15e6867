//! Votes: cast here (counted at once, or sent to the poll's server), received from other servers, and an
//! account's votes exported or detached from it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{COUNTS_DELAY, options, poll};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::VoteId;
use crate::ids::{ActorId, OptionId, PollId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::{poll_options, poll_voters, poll_votes, polls, questionnaire_responses};
use crate::model::{Account, Eligibility, Poll, PollOption};

/// The options an account chose, if it voted.
pub fn choices_of(
    conn: &mut AnyConnection,
    who: ActorId,
    id: PollId,
) -> Result<Option<Vec<OptionId>>> {
    let voter: Option<i64> = poll_voters::table
        .filter(poll_voters::poll_id.eq(id))
        .filter(poll_voters::account_id.eq(who))
        .select(poll_voters::id)
        .first(conn)
        .optional()?;
    let Some(voter) = voter else {
        return Ok(None);
    };
    Ok(Some(
        poll_votes::table
            .filter(poll_votes::voter_id.eq(voter))
            .select(poll_votes::option_id)
            .load(conn)?,
    ))
}

/// Whether a local account's vote forms part of a poll's official result.
fn is_official(poll: &Poll, account: &Account) -> bool {
    match poll.eligibility {
        Eligibility::Anyone | Eligibility::Local => true,
        Eligibility::Residents => account.resident && Some(account.commune_id) == poll.commune_id,
    }
}

/// Checks a set of choices against a poll open for votes.
fn check_choices(poll: &Poll, options: &[PollOption], choices: &[OptionId]) -> Result<()> {
    if poll.is_closed(now()) {
        return Err(Error::invalid("choices", "the vote is closed"));
    }
    if !poll.kind.has_options() {
        return Err(Error::invalid("choices", "this question takes a text"));
    }
    if choices.is_empty() {
        return Err(Error::invalid("choices", "choose an option"));
    }
    if !poll.kind.is_multiple() && choices.len() > 1 {
        return Err(Error::invalid("choices", "choose only one option"));
    }
    let mut seen = std::collections::HashSet::new();
    for c in choices {
        if !options.iter().any(|o| o.id == *c) {
            return Err(Error::invalid("choices", "is not an option of this poll"));
        }
        if !seen.insert(*c) {
            return Err(Error::invalid("choices", "an option is chosen twice"));
        }
    }
    Ok(())
}

/// Who casts a vote.
#[derive(Clone, Copy, Debug)]
enum Voter<'a> {
    Local(ActorId),
    /// Its stored id and its actor id.
    Remote(RemoteActorId, &'a str),
}

/// The voter's row for a poll: `(id, new)`. A new row counts one more voter.
fn voter_row(
    conn: &mut AnyConnection,
    poll: PollId,
    who: Voter<'_>,
    official: bool,
) -> Result<(i64, bool)> {
    let (account, remote, remote_ap_id) = match who {
        Voter::Local(a) => (Some(a), None, None),
        Voter::Remote(r, ap_id) => (None, Some(r), Some(ap_id)),
    };
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(poll_voters::table)
            .values((
                poll_voters::poll_id.eq(poll),
                poll_voters::account_id.eq(account),
                poll_voters::remote_actor_id.eq(remote),
                poll_voters::remote_ap_id.eq(remote_ap_id),
                poll_voters::official.eq(official),
                poll_voters::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(poll_voters::id)
            .get_result(c)
            .optional())?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let mut query = poll_voters::table
        .filter(poll_voters::poll_id.eq(poll))
        .select(poll_voters::id)
        .into_boxed();
    query = match who {
        Voter::Local(a) => query.filter(poll_voters::account_id.eq(a)),
        Voter::Remote(_, ap_id) => query.filter(poll_voters::remote_ap_id.eq(ap_id)),
    };
    Ok((query.first(conn)?, false))
}

/// Counts votes on a poll hosted here: the poll's row is updated first, only while it is open, which takes its
/// lock, so that concurrent votes are counted one after the other and none is counted after the closing.
fn count(
    conn: &mut AnyConnection,
    poll: &Poll,
    new_voter: bool,
    official: bool,
    choices: &[OptionId],
) -> Result<()> {
    let add = i64::from(new_voter);
    let open = polls::table
        .find(poll.id)
        .filter(polls::closes_at.gt(now()))
        .filter(polls::closed.eq(false));
    let changed = if official {
        diesel::update(open)
            .set(polls::voters.eq(polls::voters + add))
            .execute(conn)?
    } else {
        diesel::update(open)
            .set(polls::other_voters.eq(polls::other_voters + add))
            .execute(conn)?
    };
    if changed == 0 {
        return Err(Error::invalid("choices", "the vote is closed"));
    }
    let chosen = poll_options::table.filter(poll_options::id.eq_any(choices));
    if official {
        diesel::update(chosen)
            .set(poll_options::votes.eq(poll_options::votes + 1))
            .execute(conn)?;
    } else {
        diesel::update(chosen)
            .set(poll_options::other_votes.eq(poll_options::other_votes + 1))
            .execute(conn)?;
    }
    if poll.federated && poll.live_results {
        let author = poll.author_id.or(poll.commune_id);
        if let Some(author) = author {
            outbox::record_coalesced(
                conn,
                author,
                Outbound::PollUpdated { poll: poll.id },
                COUNTS_DELAY,
            )?;
        }
    }
    Ok(())
}

/// A local account votes. On a poll hosted here the vote is counted at once (officially or as another voice);
/// on a copy of another server's poll each chosen option is sent to the poll's author as a vote `Note`, and
/// counted there. A second vote is refused, also when two requests race (the unique index decides). A
/// questionnaire's question is answered with the whole questionnaire, not alone.
pub fn vote(
    conn: &mut AnyConnection,
    account: &Account,
    id: PollId,
    choices: &[OptionId],
) -> Result<()> {
    let poll = poll(conn, id)?;
    if let Some(q) = poll.questionnaire_id {
        return Err(Error::Conflict(format!(
            "this question is answered with its questionnaire (/questionnaires/{q})"
        )));
    }
    cast(conn, account, &poll, choices)
}

pub(super) fn cast(
    conn: &mut AnyConnection,
    account: &Account,
    poll: &Poll,
    choices: &[OptionId],
) -> Result<()> {
    let id = poll.id;
    let options = options(conn, id)?;
    check_choices(poll, &options, choices)?;
    let official = poll.is_local() && is_official(poll, account);
    let (voter, new) = voter_row(conn, id, Voter::Local(account.actor_id), official)?;
    if !new {
        return Err(Error::Conflict(
            "you have already voted in this poll".into(),
        ));
    }
    for choice in choices {
        let vote: i64 = diesel::insert_into(poll_votes::table)
            .values((
                poll_votes::voter_id.eq(voter),
                poll_votes::option_id.eq(*choice),
            ))
            .returning(poll_votes::id)
            .get_result(conn)?;
        if !poll.is_local() {
            outbox::record(
                conn,
                account.actor_id,
                Outbound::PollVoted { vote: VoteId(vote) },
            )?;
        }
    }
    if poll.is_local() {
        count(conn, poll, true, official, choices)?;
    }
    Ok(())
}

/// A vote from another server: one option, named, in a `Note` answering the poll's `Question`. Counted once
/// per person and option; refused (and nothing stored) for a poll not published to other servers, an unknown
/// option, a vote after the closing, a second option of a single-choice poll, or an option voted for already.
/// `who_ap_id` is the voter's actor id, which identifies the person.
/// The same vote `Note` received twice counts once.
pub fn remote_vote(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    who_ap_id: &str,
    id: PollId,
    name: &str,
    note_ap_id: &str,
) -> Result<()> {
    let poll = poll(conn, id)?;
    if !poll.is_local() || !poll.federated {
        return Err(Error::NotFound(format!(
            "no poll {id} takes votes from other servers"
        )));
    }
    let known: i64 = poll_votes::table
        .filter(poll_votes::ap_id.eq(note_ap_id))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(());
    }
    let options = options(conn, id)?;
    let option = options
        .iter()
        .find(|o| o.name == name.trim())
        .ok_or_else(|| Error::invalid("name", format!("'{name}' is not an option of this poll")))?;
    check_choices(&poll, &options, &[option.id])?;
    // People of other servers form the official result only of polls open to anyone.
    let official = poll.eligibility == Eligibility::Anyone;
    let (voter, new) = voter_row(conn, id, Voter::Remote(who, who_ap_id), official)?;
    if !new && !poll.kind.is_multiple() {
        return Err(Error::Conflict(
            "this person has already voted in this poll".into(),
        ));
    }
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(poll_votes::table)
            .values((
                poll_votes::voter_id.eq(voter),
                poll_votes::option_id.eq(option.id),
                poll_votes::ap_id.eq(Some(note_ap_id)),
            ))
            .on_conflict_do_nothing()
            .returning(poll_votes::id)
            .get_result(c)
            .optional())?;
    if inserted.is_none() {
        return Err(Error::Conflict(format!(
            "this person has already voted for '{}'",
            option.name
        )));
    }
    count(conn, &poll, new, official, &[option.id])
}

/// The remote actors who voted in a poll (they are sent its new tallies).
pub fn remote_voters(conn: &mut AnyConnection, id: PollId) -> Result<Vec<RemoteActorId>> {
    Ok(poll_voters::table
        .filter(poll_voters::poll_id.eq(id))
        .filter(poll_voters::remote_actor_id.is_not_null())
        .select(poll_voters::remote_actor_id.assume_not_null())
        .load(conn)?)
}

/// A vote sent from here to another server's poll: the option's name, the poll, and who voted.
pub struct SentVote {
    pub name: String,
    pub poll: Poll,
    pub voter: ActorId,
}

pub fn sent_vote(conn: &mut AnyConnection, vote: i64) -> Result<SentVote> {
    let (name, poll_id, voter): (String, PollId, Option<ActorId>) = poll_votes::table
        .inner_join(poll_options::table)
        .inner_join(poll_voters::table)
        .filter(poll_votes::id.eq(vote))
        .select((
            poll_options::name,
            poll_options::poll_id,
            poll_voters::account_id,
        ))
        .first(conn)?;
    let voter = voter.ok_or_else(|| Error::NotFound("the voter's account is gone".into()))?;
    Ok(SentVote {
        name,
        poll: poll(conn, poll_id)?,
        voter,
    })
}

/// An account's votes, oldest first: the question, the option, when (for the account's data export).
pub fn votes_of(
    conn: &mut AnyConnection,
    who: ActorId,
) -> Result<Vec<(String, String, NaiveDateTime)>> {
    Ok(poll_votes::table
        .inner_join(poll_voters::table.inner_join(polls::table))
        .inner_join(poll_options::table)
        .filter(poll_voters::account_id.eq(who))
        .order(poll_votes::id.asc())
        .select((polls::question, poll_options::name, poll_voters::created_at))
        .load(conn)?)
}

/// An account is erased: its votes and questionnaire answers stay counted (a ballot cast is part of the
/// result), but nothing links them to it any more.
pub fn detach_votes_of(conn: &mut AnyConnection, who: ActorId) -> Result<()> {
    diesel::update(poll_voters::table.filter(poll_voters::account_id.eq(who)))
        .set(poll_voters::account_id.eq(None::<ActorId>))
        .execute(conn)?;
    diesel::update(
        questionnaire_responses::table.filter(questionnaire_responses::account_id.eq(who)),
    )
    .set(questionnaire_responses::account_id.eq(None::<ActorId>))
    .execute(conn)?;
    Ok(())
}
