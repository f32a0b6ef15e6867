//! Meetings as iCalendar (RFC 5545): one meeting (`.ics`), or a commune's agenda as a feed calendar apps
//! subscribe to. Times are written on the commune's clocks with its `TZID`, and the `VTIMEZONE` that
//! defines it is built from the time-zone database (chrono-tz): every change of offset in the years the
//! meetings span, found by scanning, one `STANDARD` or `DAYLIGHT` component each (no recurrence rules to get
//! wrong). Each meeting keeps its `UID`; `SEQUENCE` counts its changes; a cancelled one is
//! `STATUS:CANCELLED`. Text is escaped and lines folded at 75 octets.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use crate::model::{Meeting, MeetingStatus};

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character (RFC 5545 §3.1), and ends it with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn local(at: NaiveDateTime, tz: Tz) -> String {
    Utc.from_utc_datetime(&at)
        .with_timezone(&tz)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The total offset from UTC in seconds at an instant.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
}

/// The instants the offset changes between `from` and `to` (scanned hour by hour, then to the minute).
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut found = vec![];
    let mut at = from;
    let mut offset = offset_at(tz, at);
    while at < to {
        let next = at + Duration::hours(1);
        let next_offset = offset_at(tz, next);
        if next_offset != offset {
            // The change is in (at, next]: find its minute.
            let (mut low, mut high) = (at, next);
            while high - low > Duration::minutes(1) {
                let mid = low + (high - low) / 2;
                if offset_at(tz, mid) == offset {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            found.push(high);
            offset = next_offset;
        }
        at = next;
    }
    found
}

/// The `VTIMEZONE` of `tz` for the years `first..=last`.
fn vtimezone(out: &mut String, tz: Tz, first: i32, last: i32) {
    let start = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(first - 1, 12, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default(),
    );
    let end = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(last + 1, 2, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default(),
    );
    push_line(out, "BEGIN:VTIMEZONE");
    push_line(out, &format!("TZID:{}", tz.name()));
    let changes = transitions(tz, start, end);
    if changes.is_empty() {
        let offset = tz.offset_from_utc_datetime(&start.naive_utc());
        let seconds = offset.fix().local_minus_utc();
        push_line(out, "BEGIN:STANDARD");
        push_line(out, "DTSTART:19700101T000000");
        push_line(out, &format!("TZOFFSETFROM:{}", offset_text(seconds)));
        push_line(out, &format!("TZOFFSETTO:{}", offset_text(seconds)));
        if let Some(name) = offset.abbreviation() {
            push_line(out, &format!("TZNAME:{}", text(name)));
        }
        push_line(out, "END:STANDARD");
    }
    for change in changes {
        let before = offset_at(tz, change - Duration::minutes(1));
        let after = tz.offset_from_utc_datetime(&change.naive_utc());
        let kind = if after.dst_offset().is_zero() {
            "STANDARD"
        } else {
            "DAYLIGHT"
        };
        // DTSTART is the local time of the change on the clocks it replaces.
        let start = change.naive_utc() + Duration::seconds(i64::from(before));
        push_line(out, &format!("BEGIN:{kind}"));
        push_line(out, &format!("DTSTART:{}", start.format("%Y%m%dT%H%M%S")));
        push_line(out, &format!("TZOFFSETFROM:{}", offset_text(before)));
        push_line(
            out,
            &format!("TZOFFSETTO:{}", offset_text(after.fix().local_minus_utc())),
        );
        if let Some(name) = after.abbreviation() {
            push_line(out, &format!("TZNAME:{}", text(name)));
        }
        push_line(out, &format!("END:{kind}"));
    }
    push_line(out, "END:VTIMEZONE");
}

/// What a calendar needs of each meeting besides its row: its page and the plain text of its description.
pub struct CalendarMeeting<'a> {
    pub meeting: &'a Meeting,
    pub url: String,
    pub description: String,
}

/// A calendar of meetings in the time zone `tz`, named `name`; `host` makes the `UID`s.
pub fn calendar(name: &str, host: &str, tz: Tz, meetings: &[CalendarMeeting<'_>]) -> String {
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCALENDAR");
    push_line(&mut out, "VERSION:2.0");
    push_line(&mut out, "PRODID:-//Parvis//Meetings//FR");
    push_line(&mut out, "CALSCALE:GREGORIAN");
    push_line(&mut out, "METHOD:PUBLISH");
    push_line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    push_line(&mut out, &format!("X-WR-TIMEZONE:{}", tz.name()));
    let years = meetings
        .iter()
        .flat_map(|m| [m.meeting.starts_at.year(), m.meeting.ends_at.year()]);
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let now = Utc::now();
    let (first, last) = if meetings.is_empty() {
        (now.year(), now.year())
    } else {
        (first, last)
    };
    vtimezone(&mut out, tz, first, last);
    for m in meetings {
        let meeting = m.meeting;
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:meeting-{}@{}", meeting.id, host));
        push_line(&mut out, &format!("DTSTAMP:{}", utc(now)));
        push_line(
            &mut out,
            &format!("CREATED:{}", utc(meeting.created_at.and_utc())),
        );
        push_line(
            &mut out,
            &format!(
                "DTSTART;TZID={}:{}",
                tz.name(),
                local(meeting.starts_at, tz)
            ),
        );
        push_line(
            &mut out,
            &format!("DTEND;TZID={}:{}", tz.name(), local(meeting.ends_at, tz)),
        );
        push_line(&mut out, &format!("SEQUENCE:{}", meeting.sequence));
        push_line(
            &mut out,
            match meeting.status {
                MeetingStatus::Scheduled => "STATUS:CONFIRMED",
                MeetingStatus::Cancelled => "STATUS:CANCELLED",
            },
        );
        push_line(&mut out, &format!("SUMMARY:{}", text(&meeting.title)));
        if !m.description.is_empty() {
            push_line(&mut out, &format!("DESCRIPTION:{}", text(&m.description)));
        }
        if !meeting.address.is_empty() {
            push_line(&mut out, &format!("LOCATION:{}", text(&meeting.address)));
        }
        if let (Some(lat), Some(lon)) = (meeting.latitude, meeting.longitude) {
            push_line(&mut out, &format!("GEO:{lat:.6};{lon:.6}"));
        }
        push_line(
            &mut out,
            &format!(
                "CATEGORIES:{}",
                text(&meeting.category.as_str().to_uppercase())
            ),
        );
        push_line(&mut out, &format!("URL:{}", m.url));
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters_and_text_is_escaped() {
        let mut out = String::new();
        push_line(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "é".repeat(60))
        );
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn paris_changes_clocks_twice_a_year_and_utc_never() {
        let mut out = String::new();
        vtimezone(&mut out, chrono_tz::Europe::Paris, 2027, 2027);
        // 28 March 2027 at 02:00 (winter time) → 03:00; 31 October at 03:00 (summer time) → 02:00.
        assert!(out.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"), "{out}");
        assert!(out.contains("BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET"), "{out}");
        let mut utc = String::new();
        vtimezone(&mut utc, chrono_tz::UTC, 2027, 2027);
        assert!(
            utc.contains("TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000"),
            "{utc}"
        );
    }
}
