//! The reminder the day before: a day before a meeting starts, everyone registered here (with a seat) gets
//! a notification (and mail, as they chose for the topic *Meetings*). The mail worker looks on each pass
//! for the meetings whose reminder time passed since its last look (a mark kept with the site's settings,
//! `meetings_reminded_until`), so each is reminded once; the first look only sets the mark.

use super::*;
use crate::model::Attendance;

const MARK: &str = "meetings_reminded_until";
/// How long before a meeting its reminder goes.
pub const REMINDER_BEFORE: Duration = Duration::days(1);

/// Whether a reminder is due since the last look, or no look was made yet (without a write lock).
pub fn has_due_reminders(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<bool> {
    let Some(since) = crate::civic::site::time_mark(conn, MARK)? else {
        return Ok(true);
    };
    Ok(meetings::table
        .filter(meetings::starts_at.gt(since + REMINDER_BEFORE))
        .filter(meetings::starts_at.le(now + REMINDER_BEFORE))
        .filter(meetings::status.eq(MeetingStatus::Scheduled))
        .select(meetings::id)
        .first::<MeetingId>(conn)
        .optional()?
        .is_some())
}

/// Reminds the people of the meetings whose reminder time passed since the last look, up to `now`;
/// returns how many notifications were written.
pub fn remind(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<usize> {
    let Some(since) = crate::civic::site::time_mark(conn, MARK)? else {
        crate::civic::site::set_time_mark(conn, MARK, now)?;
        return Ok(0);
    };
    let due: Vec<MeetingId> = meetings::table
        .filter(meetings::starts_at.gt(since + REMINDER_BEFORE))
        .filter(meetings::starts_at.le(now + REMINDER_BEFORE))
        .filter(meetings::status.eq(MeetingStatus::Scheduled))
        .select(meetings::id)
        .load(conn)?;
    let mut told = 0;
    for id in due {
        let people: Vec<ActorId> = meeting_participants::table
            .filter(meeting_participants::meeting_id.eq(id))
            .filter(meeting_participants::state.eq(Attendance::Going))
            .filter(meeting_participants::account_id.is_not_null())
            .select(meeting_participants::account_id.assume_not_null())
            .load(conn)?;
        for person in people {
            notify(
                conn,
                person,
                Notice {
                    kind: Kind::MeetingReminder,
                    debate: None,
                    link: Some(format!("/meetings/{id}")),
                    about: Some(crate::model::CivicRef::Meeting(id)),
                    by: None,
                    note: None,
                    from: None,
                },
            )?;
            told += 1;
        }
    }
    crate::civic::site::set_time_mark(conn, MARK, now)?;
    Ok(told)
}
