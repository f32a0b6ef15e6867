//! A meeting's agenda: its items in order (at most [`MAX_ITEMS`]), each may link a debate (or proposal) or
//! a poll of the commune, so that people arrive having read what will be discussed.

use super::*;
use crate::ids::{DebateId, PollId};
use crate::model::AgendaItem;
use crate::model::schema::meeting_agenda_items;

pub const MAX_ITEMS: usize = 30;
pub const MAX_ITEM: usize = 200;

/// What an agenda item links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgendaLink {
    Debate(DebateId),
    Poll(PollId),
}

/// An item as the organiser gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct AgendaEntry {
    pub title: String,
    pub link: Option<AgendaLink>,
}

/// Checks the items: titles on one line, links to debates and polls of the commune.
pub(super) fn checked_agenda(
    conn: &mut AnyConnection,
    commune: ActorId,
    entries: &[AgendaEntry],
) -> Result<Vec<AgendaEntry>> {
    if entries.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "agenda",
            format!("an agenda has at most {MAX_ITEMS} items"),
        ));
    }
    let mut out = vec![];
    for entry in entries {
        let title = bounded("agenda", &entry.title, MAX_ITEM, true)?;
        if title.chars().any(char::is_control) {
            return Err(Error::invalid("agenda", "one line per item"));
        }
        let ours = match entry.link {
            None => true,
            Some(AgendaLink::Debate(d)) => crate::civic::debates::debate(conn, d)
                .is_ok_and(|found| found.commune_id == Some(commune)),
            Some(AgendaLink::Poll(p)) => crate::civic::polls::poll(conn, p)
                .is_ok_and(|found| found.commune_id == Some(commune)),
        };
        if !ours {
            return Err(Error::invalid(
                "agenda",
                "an item links a debate, a proposal or a poll of the commune",
            ));
        }
        out.push(AgendaEntry {
            title,
            link: entry.link,
        });
    }
    Ok(out)
}

/// Replaces a meeting's agenda.
pub(super) fn set_agenda(
    conn: &mut AnyConnection,
    id: MeetingId,
    entries: &[AgendaEntry],
) -> Result<()> {
    diesel::delete(meeting_agenda_items::table.filter(meeting_agenda_items::meeting_id.eq(id)))
        .execute(conn)?;
    for (position, entry) in entries.iter().enumerate() {
        let (debate, poll) = match entry.link {
            Some(AgendaLink::Debate(d)) => (Some(d), None),
            Some(AgendaLink::Poll(p)) => (None, Some(p)),
            None => (None, None),
        };
        diesel::insert_into(meeting_agenda_items::table)
            .values((
                meeting_agenda_items::meeting_id.eq(id),
                meeting_agenda_items::position.eq(position as i32),
                meeting_agenda_items::title.eq(&entry.title),
                meeting_agenda_items::debate_id.eq(debate),
                meeting_agenda_items::poll_id.eq(poll),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A meeting's agenda, in order.
pub fn agenda_items(conn: &mut AnyConnection, id: MeetingId) -> Result<Vec<AgendaItem>> {
    Ok(meeting_agenda_items::table
        .filter(meeting_agenda_items::meeting_id.eq(id))
        .order(meeting_agenda_items::position.asc())
        .select(AgendaItem::as_select())
        .load(conn)?)
}
