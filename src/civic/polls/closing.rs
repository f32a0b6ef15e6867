//! A poll's closing told to the people who took part: once its closing time has passed, each local account
//! that voted in it (here or, for another server's poll, from here) and its local author get a notification
//! that leads to its results. The mail worker looks on each pass for the polls closed since its last look
//! (a mark kept with the site's settings, `polls_told_until`), so each is told once. The first look after an
//! upgrade only sets the mark: polls closed before are not announced. Questions of a questionnaire are not
//! announced one by one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::notifications::{Kind, Notice, notify};
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, PollId};
use crate::model::schema::{poll_voters, polls};

const MARK: &str = "polls_told_until";

fn mark(conn: &mut AnyConnection) -> Result<Option<NaiveDateTime>> {
    crate::civic::site::time_mark(conn, MARK)
}

fn set_mark(conn: &mut AnyConnection, at: NaiveDateTime) -> Result<()> {
    crate::civic::site::set_time_mark(conn, MARK, at)
}

/// Whether a poll closed since the last look, or no look was made yet (without a write lock).
pub fn has_untold(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<bool> {
    let Some(since) = mark(conn)? else {
        return Ok(true);
    };
    Ok(polls::table
        .filter(polls::closes_at.gt(since))
        .filter(polls::closes_at.le(now))
        .select(polls::id)
        .first::<PollId>(conn)
        .optional()?
        .is_some())
}

/// Tells the people of the polls closed since the last look, up to `now`; returns how many notifications
/// were written.
pub fn tell_closed(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<usize> {
    let Some(since) = mark(conn)? else {
        set_mark(conn, now)?;
        return Ok(0);
    };
    let closed: Vec<(PollId, Option<ActorId>, Option<i64>)> = polls::table
        .filter(polls::closes_at.gt(since))
        .filter(polls::closes_at.le(now))
        .select((polls::id, polls::author_id, polls::questionnaire_id))
        .load(conn)?;
    let mut told = 0;
    for (poll, author, questionnaire) in closed {
        if questionnaire.is_some() {
            continue;
        }
        let mut people: Vec<ActorId> = poll_voters::table
            .filter(poll_voters::poll_id.eq(poll))
            .filter(poll_voters::account_id.is_not_null())
            .select(poll_voters::account_id.assume_not_null())
            .load(conn)?;
        people.extend(author);
        people.sort();
        people.dedup();
        for person in people {
            notify(
                conn,
                person,
                Notice {
                    kind: Kind::PollClosed,
                    debate: None,
                    link: Some(format!("/polls/{poll}")),
                    about: Some(crate::model::CivicRef::Poll(poll)),
                    by: None,
                    note: None,
                    from: None,
                },
            )?;
            told += 1;
        }
    }
    set_mark(conn, now)?;
    Ok(told)
}
