//! Lists of polls, each with its options.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, PollId};
use crate::model::schema::{poll_options, polls};
use crate::model::{Poll, PollOption};

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
pub(super) fn with_options(conn: &mut AnyConnection, found: Vec<Poll>) -> Result<Vec<PollSummary>> {
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

impl crate::model::FromServer for PollSummary {
    fn remote_id(&self) -> Option<&str> {
        self.poll.ap_id.as_deref()
    }
}
