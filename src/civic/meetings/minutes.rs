//! The minutes of a meeting: after it, its commune's officials or staff attach Markdown text and an
//! uploaded PDF (either or both). The first publication tells everyone who registered; the commune sends
//! `Update(Event)` with the minutes to its followers and the participants' servers. Publishing again
//! corrects them (the old PDF's file is returned for the caller to remove).

use super::*;
use crate::model::Minutes;
use crate::model::schema::meeting_minutes;

pub const MAX_MINUTES: usize = 100_000;

/// A PDF already checked (`civic::media::check_pdf`) and stored: its file name and size.
#[derive(Clone, Debug)]
pub struct StoredPdf {
    pub file: String,
    pub bytes: i64,
}

pub fn minutes(conn: &mut AnyConnection, id: MeetingId) -> Result<Option<Minutes>> {
    Ok(meeting_minutes::table
        .find(id)
        .select(Minutes::as_select())
        .first(conn)
        .optional()?)
}

/// Publishes (or corrects) a meeting's minutes. `pdf`: a new PDF, replacing the one before; `None` keeps
/// the one before. Refused before the meeting has ended, for a cancelled meeting, or with neither text nor
/// PDF. Returns the replaced PDF's file name, to remove once the transaction is committed.
pub fn publish(
    conn: &mut AnyConnection,
    organiser: &Account,
    id: MeetingId,
    text: &str,
    pdf: Option<StoredPdf>,
) -> Result<Option<String>> {
    let found = meeting(conn, id)?;
    require_organiser(organiser, found.commune_id)?;
    if found.status == MeetingStatus::Cancelled {
        return Err(Error::Conflict("a cancelled meeting has no minutes".into()));
    }
    if found.ends_at > now() {
        return Err(Error::Conflict(
            "the minutes are published once the meeting is over".into(),
        ));
    }
    let text = bounded("minutes", text, MAX_MINUTES, false)?;
    let before = minutes(conn, id)?;
    let kept_pdf = before
        .as_ref()
        .and_then(|m| m.pdf_file.clone().zip(m.pdf_bytes));
    let (file, bytes) = match (&pdf, &kept_pdf) {
        (Some(new), _) => (Some(new.file.clone()), Some(new.bytes)),
        (None, Some((file, bytes))) => (Some(file.clone()), Some(*bytes)),
        (None, None) => (None, None),
    };
    if text.is_empty() && file.is_none() {
        return Err(Error::invalid(
            "minutes",
            "write the minutes, or attach them as a PDF",
        ));
    }
    match &before {
        Some(_) => {
            diesel::update(meeting_minutes::table.find(id))
                .set((
                    meeting_minutes::text.eq(&text),
                    meeting_minutes::pdf_file.eq(&file),
                    meeting_minutes::pdf_bytes.eq(bytes),
                    meeting_minutes::updated_at.eq(now()),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(meeting_minutes::table)
                .values((
                    meeting_minutes::meeting_id.eq(id),
                    meeting_minutes::text.eq(&text),
                    meeting_minutes::pdf_file.eq(&file),
                    meeting_minutes::pdf_bytes.eq(bytes),
                    meeting_minutes::published_by.eq(organiser.actor_id),
                    meeting_minutes::published_at.eq(now()),
                    meeting_minutes::updated_at.eq(now()),
                ))
                .execute(conn)?;
            // Everyone who registered hears of them once.
            let people: Vec<ActorId> = meeting_participants::table
                .filter(meeting_participants::meeting_id.eq(id))
                .filter(meeting_participants::account_id.is_not_null())
                .select(meeting_participants::account_id.assume_not_null())
                .load(conn)?;
            for person in people.into_iter().filter(|p| *p != organiser.actor_id) {
                notify(
                    conn,
                    person,
                    Notice {
                        kind: Kind::MeetingMinutes,
                        debate: None,
                        link: Some(format!("/meetings/{id}#minutes")),
                        about: Some(crate::model::CivicRef::Meeting(id)),
                        by: None,
                        note: None,
                        from: None,
                    },
                )?;
            }
        }
    }
    outbox::record(
        conn,
        found.commune_id,
        Outbound::MeetingUpdated { meeting: id },
    )?;
    // The PDF replaced, if any.
    Ok(kept_pdf
        .map(|(old, _)| old)
        .filter(|old| pdf.as_ref().is_some_and(|new| &new.file != old)))
}
