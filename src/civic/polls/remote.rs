//! Copies of other servers' polls: a `Question` stored or refreshed, and forgotten when its author deletes it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{MAX_OPTIONS, MAX_QUESTION, by_ap_id};
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{PollId, RemoteActorId};
use crate::model::schema::{poll_options, poll_voters, poll_votes, polls};
use crate::model::{Eligibility, PollKind};

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
