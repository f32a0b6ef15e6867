//! Polls and questionnaires. A poll is one question with 2 to 20 options, single or multiple choice, open until
//! a closing time; people vote on the web, from Mastodon (a `Create(Note{name, inReplyTo})` per chosen option)
//! or from another Parvis instance. Each person votes once; when a poll is restricted (to this instance's
//! accounts, or to the commune's verified residents) only the votes of those people form the official result,
//! and the others are kept and counted apart, as "other voices". A questionnaire groups several questions
//! (single, multiple, scale 1–5, free text) answered once per account; its choice questions are polls, and
//! may also be published to other servers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::accounts::speaks_for;
use crate::civic::debates::{bounded, markdown_to_html};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::VoteId;
use crate::ids::{ActorId, OptionId, PollId, QuestionnaireId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::{
    communes, poll_options, poll_texts, poll_voters, poll_votes, polls, questionnaire_responses,
    questionnaires,
};
use crate::model::{Account, Eligibility, Poll, PollKind, PollOption, Questionnaire, Role};

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_QUESTION: usize = 500;
pub const MAX_OPTION: usize = 100;
pub const MAX_TITLE: usize = 200;
pub const MAX_INTRO: usize = 10_000;
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_TEXT_ANSWER: usize = 5_000;
/// The longest a vote may stay open.
pub const MAX_DURATION_DAYS: i64 = 366;
/// How long a change of counts waits before its `Update(Question)` goes out (a burst of votes makes one).
const COUNTS_DELAY: chrono::Duration = chrono::Duration::seconds(2);
/// The final `Update(Question)` leaves this long after the closing time, after the last votes committed.
const CLOSING_DELAY: chrono::Duration = chrono::Duration::seconds(2);

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

/// The commune a poll hosted here belongs to (none for a copy of another server's, or an unknown poll).
pub fn commune_of(conn: &mut AnyConnection, id: PollId) -> Result<Option<ActorId>> {
    Ok(polls::table
        .find(id)
        .select(polls::commune_id)
        .first::<Option<ActorId>>(conn)
        .optional()?
        .flatten())
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

fn require_asker(conn: &mut AnyConnection, account: &Account) -> Result<()> {
    if may_ask(conn, account)? {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "in this commune only officials, moderators and admins ask polls".into(),
        ))
    }
}

fn check_closing(field: &'static str, closes_at: NaiveDateTime) -> Result<()> {
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
fn insert_poll(
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

pub fn poll(conn: &mut AnyConnection, id: PollId) -> Result<Poll> {
    polls::table
        .find(id)
        .select(Poll::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no poll {id}")))
}

/// A poll copied from another server, by its `Question`'s id.
pub fn by_ap_id(conn: &mut AnyConnection, ap_id: &str) -> Result<Option<Poll>> {
    Ok(polls::table
        .filter(polls::ap_id.eq(ap_id))
        .select(Poll::as_select())
        .first(conn)
        .optional()?)
}

/// Its options, in order.
pub fn options(conn: &mut AnyConnection, id: PollId) -> Result<Vec<PollOption>> {
    Ok(poll_options::table
        .filter(poll_options::poll_id.eq(id))
        .order(poll_options::position.asc())
        .select(PollOption::as_select())
        .load(conn)?)
}

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

fn cast(
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

/// A `Question` from another server, as read.
#[derive(Clone, Debug)]
pub struct RemoteQuestion {
    pub ap_id: String,
    pub author: RemoteActorId,
    pub question: String,
    pub multiple: bool,
    /// Each option's name, its votes and (from another Parvis) its other voices.
    pub options: Vec<(String, i64, i64)>,
    pub voters: i64,
    pub other_voters: i64,
    pub closes_at: NaiveDateTime,
    pub closed: bool,
    /// Whose votes form its official result (another Parvis says; others: everyone's).
    pub eligibility: Eligibility,
    /// Its author shows counts while the vote runs.
    pub live_results: bool,
}

/// Stores or refreshes the copy of another server's poll. Only its author changes it; options its author
/// dropped go (with the votes for them), new ones come, counts are the author's.
pub fn store_remote(conn: &mut AnyConnection, q: &RemoteQuestion) -> Result<PollId> {
    let names: Vec<&String> = q.options.iter().map(|o| &o.0).collect();
    if !(1..=MAX_OPTIONS * 2).contains(&names.len())
        || names.iter().any(|n| n.trim().is_empty())
        || (1..names.len()).any(|i| names[..i].contains(&names[i]))
    {
        return Err(Error::BadRequest(
            "a Question needs between 1 and 40 distinct, named options".into(),
        ));
    }
    let kind = if q.multiple {
        PollKind::Multiple
    } else {
        PollKind::Single
    };
    let question: String = q.question.chars().take(MAX_QUESTION * 4).collect();
    let id = match by_ap_id(conn, &q.ap_id)? {
        Some(existing) => {
            if existing.remote_author_id != Some(q.author) {
                return Err(Error::Forbidden("only its author changes a poll".into()));
            }
            diesel::update(polls::table.find(existing.id))
                .set((
                    polls::kind.eq(kind),
                    polls::question.eq(&question),
                    polls::voters.eq(q.voters),
                    polls::other_voters.eq(q.other_voters),
                    polls::closes_at.eq(q.closes_at),
                    polls::closed.eq(q.closed),
                    polls::eligibility.eq(q.eligibility),
                    polls::live_results.eq(q.live_results),
                ))
                .execute(conn)?;
            diesel::delete(
                poll_options::table
                    .filter(poll_options::poll_id.eq(existing.id))
                    .filter(poll_options::name.ne_all(&names)),
            )
            .execute(conn)?;
            // Someone here whose only choices were dropped has not voted any more.
            diesel::delete(
                poll_voters::table
                    .filter(poll_voters::poll_id.eq(existing.id))
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        poll_votes::table.filter(poll_votes::voter_id.eq(poll_voters::id)),
                    ))),
            )
            .execute(conn)?;
            existing.id
        }
        None => diesel::insert_into(polls::table)
            .values((
                polls::ap_id.eq(Some(&q.ap_id)),
                polls::remote_author_id.eq(Some(q.author)),
                polls::kind.eq(kind),
                polls::question.eq(&question),
                polls::voters.eq(q.voters),
                polls::other_voters.eq(q.other_voters),
                polls::closes_at.eq(q.closes_at),
                polls::closed.eq(q.closed),
                polls::eligibility.eq(q.eligibility),
                polls::live_results.eq(q.live_results),
                polls::created_at.eq(now()),
            ))
            .returning(polls::id)
            .get_result(conn)?,
    };
    for (position, (name, votes, others)) in q.options.iter().enumerate() {
        let changed = diesel::update(
            poll_options::table
                .filter(poll_options::poll_id.eq(id))
                .filter(poll_options::name.eq(name)),
        )
        .set((
            poll_options::position.eq(position as i32 + 1000),
            poll_options::votes.eq(votes),
            poll_options::other_votes.eq(others),
        ))
        .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(poll_options::table)
                .values((
                    poll_options::poll_id.eq(id),
                    poll_options::position.eq(position as i32 + 1000),
                    poll_options::name.eq(name),
                    poll_options::votes.eq(votes),
                    poll_options::other_votes.eq(others),
                ))
                .execute(conn)?;
        }
    }
    // Positions were moved out of the way first, so that a reordering never breaks the unique index.
    diesel::update(poll_options::table.filter(poll_options::poll_id.eq(id)))
        .set(poll_options::position.eq(poll_options::position - 1000))
        .execute(conn)?;
    Ok(id)
}

/// Its author deleted a poll copied here. `false` when it is not a poll we have from that author.
pub fn forget_remote(conn: &mut AnyConnection, author: RemoteActorId, ap_id: &str) -> Result<bool> {
    let removed = diesel::delete(
        polls::table
            .filter(polls::ap_id.eq(ap_id))
            .filter(polls::remote_author_id.eq(author)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// A poll in a list.
pub struct PollSummary {
    pub poll: Poll,
    pub options: Vec<PollOption>,
}

/// Standalone polls hosted by a commune (or, with `None`, copies from other servers), newest first, with their
/// options: two statements whatever the number.
pub fn list(
    conn: &mut AnyConnection,
    commune: Option<ActorId>,
    limit: i64,
) -> Result<Vec<PollSummary>> {
    let mut query = polls::table
        .filter(polls::questionnaire_id.is_null())
        .order(polls::id.desc())
        .limit(limit)
        .select(Poll::as_select())
        .into_boxed();
    query = match commune {
        Some(c) => query.filter(polls::commune_id.eq(c)),
        None => query.filter(polls::ap_id.is_not_null()),
    };
    let found: Vec<Poll> = query.load(conn)?;
    with_options(conn, found)
}

/// Polls with their options, in one more statement whatever their number.
fn with_options(conn: &mut AnyConnection, found: Vec<Poll>) -> Result<Vec<PollSummary>> {
    let ids: Vec<PollId> = found.iter().map(|p| p.id).collect();
    let all: Vec<PollOption> = poll_options::table
        .filter(poll_options::poll_id.eq_any(&ids))
        .order((poll_options::poll_id.asc(), poll_options::position.asc()))
        .select(PollOption::as_select())
        .load(conn)?;
    let mut by_poll: std::collections::HashMap<PollId, Vec<PollOption>> =
        std::collections::HashMap::new();
    for option in all {
        by_poll.entry(option.poll_id).or_default().push(option);
    }
    Ok(found
        .into_iter()
        .map(|poll| {
            let options = by_poll.remove(&poll.id).unwrap_or_default();
            PollSummary { poll, options }
        })
        .collect())
}

// --- Questionnaires ------------------------------------------------------------------------------------

/// One question of a questionnaire.
#[derive(Clone, Debug)]
pub struct NewQuestion {
    pub prompt: String,
    pub kind: PollKind,
    pub options: Vec<String>,
    /// A single or multiple choice question also published as a federated poll.
    pub federated: bool,
}

#[derive(Clone, Debug)]
pub struct NewQuestionnaire {
    pub title: String,
    /// Markdown.
    pub intro: String,
    pub closes_at: NaiveDateTime,
    pub eligibility: Eligibility,
    pub questions: Vec<NewQuestion>,
}

pub fn create_questionnaire(
    conn: &mut AnyConnection,
    account: &Account,
    new: &NewQuestionnaire,
) -> Result<QuestionnaireId> {
    require_asker(conn, account)?;
    let title = bounded("title", &new.title, MAX_TITLE, true)?;
    let intro = bounded("intro", &new.intro, MAX_INTRO, false)?;
    check_closing("closes_at", new.closes_at)?;
    if new.questions.is_empty() || new.questions.len() > MAX_QUESTIONS {
        return Err(Error::invalid(
            "questions",
            format!("give between 1 and {MAX_QUESTIONS} questions"),
        ));
    }
    let id: QuestionnaireId = diesel::insert_into(questionnaires::table)
        .values((
            questionnaires::commune_id.eq(account.commune_id),
            questionnaires::author_id.eq(Some(account.actor_id)),
            questionnaires::title.eq(&title),
            questionnaires::intro_html.eq(markdown_to_html(&intro)),
            questionnaires::closes_at.eq(new.closes_at),
            questionnaires::created_at.eq(now()),
        ))
        .returning(questionnaires::id)
        .get_result(conn)?;
    for q in &new.questions {
        let poll = NewPoll {
            question: q.prompt.clone(),
            kind: q.kind,
            options: q.options.clone(),
            closes_at: new.closes_at,
            eligibility: new.eligibility,
            live_results: false,
            federated: q.federated,
        };
        insert_poll(conn, account, &poll, Some(id))?;
    }
    Ok(id)
}

pub fn questionnaire(conn: &mut AnyConnection, id: QuestionnaireId) -> Result<Questionnaire> {
    questionnaires::table
        .find(id)
        .select(Questionnaire::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no questionnaire {id}")))
}

/// A questionnaire's questions in order, with their options.
pub fn questions(conn: &mut AnyConnection, id: QuestionnaireId) -> Result<Vec<PollSummary>> {
    let found: Vec<Poll> = polls::table
        .filter(polls::questionnaire_id.eq(id))
        .order(polls::id.asc())
        .select(Poll::as_select())
        .load(conn)?;
    with_options(conn, found)
}

/// Open questionnaires and the latest closed ones of a commune, newest first.
pub fn questionnaires_of(
    conn: &mut AnyConnection,
    commune: ActorId,
    limit: i64,
) -> Result<Vec<Questionnaire>> {
    Ok(questionnaires::table
        .filter(questionnaires::commune_id.eq(commune))
        .order(questionnaires::id.desc())
        .limit(limit)
        .select(Questionnaire::as_select())
        .load(conn)?)
}

/// An answer to one question.
#[derive(Clone, Debug)]
pub enum Answer {
    Choices(Vec<OptionId>),
    Text(String),
}

/// An account answers a questionnaire, once: every choice and scale question needs an answer, free text may
/// stay empty. All or nothing: one wrong answer stores none.
pub fn answer_questionnaire(
    conn: &mut AnyConnection,
    account: &Account,
    id: QuestionnaireId,
    answers: &[(PollId, Answer)],
) -> Result<()> {
    let q = questionnaire(conn, id)?;
    if q.is_closed(now()) {
        return Err(Error::invalid("answers", "this questionnaire is closed"));
    }
    let inserted: Option<i64> = crate::on_each_backend!(conn, |c| diesel::insert_into(
        questionnaire_responses::table
    )
    .values((
        questionnaire_responses::questionnaire_id.eq(id),
        questionnaire_responses::account_id.eq(Some(account.actor_id)),
        questionnaire_responses::created_at.eq(now()),
    ))
    .on_conflict_do_nothing()
    .returning(questionnaire_responses::id)
    .get_result(c)
    .optional())?;
    if inserted.is_none() {
        return Err(Error::Conflict(
            "you have already answered this questionnaire".into(),
        ));
    }
    for item in questions(conn, id)? {
        let given = answers
            .iter()
            .find(|(p, _)| *p == item.poll.id)
            .map(|(_, a)| a);
        match (item.poll.kind, given) {
            (PollKind::Text, Some(Answer::Text(text))) => {
                let text = bounded("answers", text, MAX_TEXT_ANSWER, false)?;
                if !text.is_empty() {
                    diesel::insert_into(poll_texts::table)
                        .values((
                            poll_texts::poll_id.eq(item.poll.id),
                            poll_texts::body.eq(text),
                        ))
                        .execute(conn)?;
                }
            }
            (PollKind::Text, None) => {}
            (_, Some(Answer::Choices(choices))) => {
                cast(conn, account, &item.poll, choices).map_err(|e| match e {
                    Error::Invalid { message, .. } => {
                        Error::invalid("answers", format!("{}: {message}", item.poll.question))
                    }
                    other => other,
                })?;
            }
            _ => {
                return Err(Error::invalid(
                    "answers",
                    format!("{}: answer this question", item.poll.question),
                ));
            }
        }
    }
    diesel::update(questionnaires::table.find(id))
        .set(questionnaires::responses.eq(questionnaires::responses + 1))
        .execute(conn)?;
    Ok(())
}

/// Whether an account answered a questionnaire.
pub fn answered(conn: &mut AnyConnection, who: ActorId, id: QuestionnaireId) -> Result<bool> {
    let n: i64 = questionnaire_responses::table
        .filter(questionnaire_responses::questionnaire_id.eq(id))
        .filter(questionnaire_responses::account_id.eq(who))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The free-text answers to a questionnaire, by question: for those who speak for its commune only.
pub fn texts(
    conn: &mut AnyConnection,
    viewer: &Account,
    id: QuestionnaireId,
) -> Result<Vec<(PollId, String)>> {
    let q = questionnaire(conn, id)?;
    if !speaks_for(viewer, q.commune_id) {
        return Err(Error::Forbidden(
            "free-text answers are for the commune's moderators".into(),
        ));
    }
    Ok(poll_texts::table
        .inner_join(polls::table)
        .filter(polls::questionnaire_id.eq(id))
        .order(poll_texts::id.asc())
        .select((poll_texts::poll_id, poll_texts::body))
        .load(conn)?)
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

impl crate::model::FromServer for PollSummary {
    fn remote_id(&self) -> Option<&str> {
        self.poll.ap_id.as_deref()
    }
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
