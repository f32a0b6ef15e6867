//! Polls and questionnaires. A poll is one question with 2 to 20 options, single or multiple choice, open until
//! a closing time; people vote on the web, from Mastodon (a `Create(Note{name, inReplyTo})` per chosen option)
//! or from another Parvis instance. Each person votes once; when a poll is restricted (to this instance's
//! accounts, or to the commune's verified residents) only the votes of those people form the official result,
//! and the others are kept and counted apart, as "other voices". A questionnaire groups several questions
//! (single, multiple, scale 1–5, free text) answered once per account; its choice questions are polls, and
//! may also be published to other servers.
//!
//! One file per job: asking a poll (`asking`), votes (`votes`), copies of other servers' polls (`remote`),
//! lists of polls (`listing`), questionnaires (`questionnaires`) and telling voters a poll closed (`closing`); the limits and a poll's lookups are here.

mod asking;
pub mod closing;
mod listing;
mod questionnaires;
mod remote;
mod votes;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, PollId};
use crate::model::schema::{poll_options, polls};
use crate::model::{Poll, PollOption};

pub use asking::{NewPoll, citizen_polls, create, may_ask, set_citizen_polls};
pub use listing::{PollSummary, list};
pub use questionnaires::{
    Answer, NewQuestion, NewQuestionnaire, answer_questionnaire, answered, create_questionnaire,
    questionnaire, questionnaires_of, questions, texts,
};
pub use remote::{RemoteQuestion, forget_remote, store_remote};
pub use votes::{
    SentVote, choices_of, detach_votes_of, remote_vote, remote_voters, sent_vote, vote, votes_of,
};

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

/// The commune a poll hosted here belongs to (none for a copy of another server's, or an unknown poll).
pub fn commune_of(conn: &mut AnyConnection, id: PollId) -> Result<Option<ActorId>> {
    Ok(polls::table
        .find(id)
        .select(polls::commune_id)
        .first::<Option<ActorId>>(conn)
        .optional()?
        .flatten())
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
