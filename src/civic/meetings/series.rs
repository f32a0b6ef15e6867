//! Repeating office hours: a rule (weekly, or monthly on the same weekday of the month) makes one meeting
//! per occurrence, [`HORIZON`] ahead (the mail worker's pass makes the next ones as days go by), each with
//! its own page, registrations, `UID` and `Event`. Changing the rule from an occurrence changes that one and
//! the ones after it only: they are moved in order onto the new rule's days (the people registered are
//! told, as for any move), the ones left over are cancelled, and missing days are scheduled. Past
//! occurrences are never touched.

use chrono::{Datelike, NaiveDate, Weekday};

use super::*;
use crate::ids::SeriesId;
use crate::model::schema::{meeting_occurrences, meeting_series};
use crate::model::{Frequency, Series};

/// How far ahead occurrences are scheduled.
pub const HORIZON: Duration = Duration::days(92);
/// The longest a rule repeats.
pub const MAX_SPAN: Duration = Duration::days(2 * 365);

/// How a meeting repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub frequency: Frequency,
    /// The last day an occurrence may fall on (`None`: until changed).
    pub until: Option<NaiveDate>,
}

/// The weekday of `day` and its rank in the month (1 for the first Tuesday; 5 read as the last).
fn rank_in_month(day: NaiveDate) -> (Weekday, u32) {
    (day.weekday(), (day.day() - 1) / 7 + 1)
}

/// The `rank`-th `weekday` of a month (the last one for rank 5).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, rank: u32) -> Option<NaiveDate> {
    if rank >= 5 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }?;
        let mut day = next.pred_opt()?;
        while day.weekday() != weekday {
            day = day.pred_opt()?;
        }
        return Some(day);
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, rank as u8)
}

/// The days of a rule anchored on `anchor`, from `from` through `through` (both included), in order.
pub fn days(
    anchor: NaiveDate,
    frequency: Frequency,
    from: NaiveDate,
    through: NaiveDate,
) -> Vec<NaiveDate> {
    let mut found = vec![];
    match frequency {
        Frequency::Weekly => {
            let mut day = anchor;
            while day <= through {
                if day >= from {
                    found.push(day);
                }
                day += Duration::days(7);
            }
        }
        Frequency::Monthly => {
            let (weekday, rank) = rank_in_month(anchor);
            let (mut year, mut month) = (anchor.year(), anchor.month());
            while let Some(day) = nth_weekday(year, month, weekday, rank) {
                if day > through {
                    break;
                }
                if day >= from && day >= anchor {
                    found.push(day);
                }
                (year, month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
            }
        }
    }
    found
}

pub fn series(conn: &mut AnyConnection, id: SeriesId) -> Result<Series> {
    meeting_series::table
        .find(id)
        .select(Series::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such series".into()))
}

/// The series a meeting is an occurrence of, and its day.
pub fn series_of(
    conn: &mut AnyConnection,
    meeting: MeetingId,
) -> Result<Option<(Series, NaiveDate)>> {
    let found: Option<(SeriesId, NaiveDate)> = meeting_occurrences::table
        .find(meeting)
        .select((
            meeting_occurrences::series_id,
            meeting_occurrences::local_day,
        ))
        .first(conn)
        .optional()?;
    match found {
        Some((id, day)) => Ok(Some((series(conn, id)?, day))),
        None => Ok(None),
    }
}

/// The meeting of one occurrence, on the commune's clocks.
fn occurrence(series: &Series, day: NaiveDate) -> NewMeeting {
    let starts = day.and_time(series.starts_local.time());
    NewMeeting {
        title: series.title.clone(),
        description: series.description.clone(),
        category: MeetingCategory::OfficeHours,
        starts,
        ends: starts + Duration::minutes(i64::from(series.duration_minutes)),
        address: series.address.clone(),
        coordinates: series.latitude.zip(series.longitude),
        online_url: series.online_url.clone(),
        capacity: series.capacity,
        registration_required: series.registration_required,
        agenda: vec![],
    }
}

/// The last day occurrences are made through today: [`HORIZON`] ahead (of the first day, for a rule that
/// starts later than that), not past the rule's end.
fn horizon(first_day: NaiveDate, until: Option<NaiveDate>) -> NaiveDate {
    let ahead = now().date().max(first_day) + HORIZON;
    until.map_or(ahead, |u| u.min(ahead))
}

fn check_rule(new: &NewMeeting, rule: Rule) -> Result<()> {
    if new.category != MeetingCategory::OfficeHours {
        return Err(Error::invalid("repeat", "only office hours repeat"));
    }
    if let Some(until) = rule.until {
        if until < new.starts.date() {
            return Err(Error::invalid("until", "must be on or after the first day"));
        }
        if until > new.starts.date() + MAX_SPAN {
            return Err(Error::invalid(
                "until",
                "a rule repeats for two years at most",
            ));
        }
    }
    Ok(())
}

/// Schedules the days of the rule from `from` through `through` that have no occurrence yet (and are to
/// come), and marks the series made through `through`. A day whose time does not exist on the commune's
/// clocks (the hour skipped when they go forward) is skipped. Returns the meetings scheduled.
fn generate(
    conn: &mut AnyConnection,
    series: &Series,
    from: NaiveDate,
    through: NaiveDate,
) -> Result<Vec<MeetingId>> {
    let mut made = vec![];
    for day in days(series.starts_local.date(), series.frequency, from, through) {
        let taken: Option<MeetingId> = meeting_occurrences::table
            .filter(meeting_occurrences::series_id.eq(series.id))
            .filter(meeting_occurrences::local_day.eq(day))
            .select(meeting_occurrences::meeting_id)
            .first(conn)
            .optional()?;
        if taken.is_some() {
            continue;
        }
        let Ok(new) = checked(conn, series.commune_id, &occurrence(series, day)) else {
            continue;
        };
        if new.starts < now() {
            continue;
        }
        let id = insert(conn, series.commune_id, &new)?;
        diesel::insert_into(meeting_occurrences::table)
            .values((
                meeting_occurrences::meeting_id.eq(id),
                meeting_occurrences::series_id.eq(series.id),
                meeting_occurrences::local_day.eq(day),
            ))
            .execute(conn)?;
        made.push(id);
    }
    diesel::update(meeting_series::table.find(series.id))
        .set(meeting_series::generated_through.eq(through.max(series.generated_through)))
        .execute(conn)?;
    Ok(made)
}

/// The organisers schedule repeating office hours: the rule, and its occurrences [`HORIZON`] ahead.
/// Returns the first occurrence.
pub fn create_series(
    conn: &mut AnyConnection,
    organiser: &Account,
    new: &NewMeeting,
    rule: Rule,
) -> Result<MeetingId> {
    let commune = organiser.commune_id;
    require_organiser(organiser, commune)?;
    check_rule(new, rule)?;
    // The first occurrence is checked as any meeting is (its times, place, capacity).
    let first = checked(conn, commune, new)?;
    if first.starts < now() {
        return Err(Error::invalid("starts", "must be in the future"));
    }
    let id: SeriesId =
        crate::on_each_backend!(conn, |c| diesel::insert_into(meeting_series::table)
            .values((
                meeting_series::commune_id.eq(commune),
                meeting_series::frequency.eq(rule.frequency),
                meeting_series::title.eq(&first.title),
                meeting_series::description.eq(&first.description),
                meeting_series::starts_local.eq(new.starts),
                meeting_series::duration_minutes.eq(((new.ends - new.starts).num_minutes()) as i32),
                meeting_series::address.eq(&first.address),
                meeting_series::latitude.eq(first.coordinates.map(|c| c.0)),
                meeting_series::longitude.eq(first.coordinates.map(|c| c.1)),
                meeting_series::online_url.eq(&first.online_url),
                meeting_series::capacity.eq(first.capacity),
                meeting_series::registration_required.eq(first.registration_required),
                meeting_series::until_day.eq(rule.until),
                meeting_series::generated_through.eq(new.starts.date() - Duration::days(1)),
                meeting_series::created_at.eq(now()),
            ))
            .returning(meeting_series::id)
            .get_result(c))?;
    let stored = series(conn, id)?;
    let made = generate(
        conn,
        &stored,
        new.starts.date(),
        horizon(new.starts.date(), rule.until),
    )?;
    made.first()
        .copied()
        .ok_or_else(|| Error::invalid("starts", "this time does not exist on the commune's clocks"))
}

/// Whether a series needs its next occurrences made (without a write lock).
pub fn has_due_extension(conn: &mut AnyConnection) -> Result<bool> {
    let ahead = (now() + HORIZON).date();
    Ok(meeting_series::table
        .filter(meeting_series::generated_through.lt(ahead))
        .filter(
            meeting_series::until_day
                .is_null()
                .or(meeting_series::until_day.gt(meeting_series::generated_through.nullable())),
        )
        .select(meeting_series::id)
        .first::<SeriesId>(conn)
        .optional()?
        .is_some())
}

/// Makes the next occurrences of every series, as days go by; returns how many meetings were scheduled.
pub fn extend(conn: &mut AnyConnection) -> Result<usize> {
    let ahead = (now() + HORIZON).date();
    let due: Vec<Series> = meeting_series::table
        .filter(meeting_series::generated_through.lt(ahead))
        .select(Series::as_select())
        .load(conn)?;
    let mut made = 0;
    for series in due {
        let through = horizon(series.starts_local.date(), series.until_day);
        if through > series.generated_through {
            made += generate(
                conn,
                &series,
                series.generated_through + Duration::days(1),
                through,
            )?
            .len();
        }
    }
    Ok(made)
}

/// Whether an occurrence must change to become `new` (both in UTC).
fn differs(found: &Meeting, new: &NewMeeting) -> bool {
    found.title != new.title
        || found.description != new.description
        || found.starts_at != new.starts
        || found.ends_at != new.ends
        || found.address != new.address
        || found.latitude.zip(found.longitude) != new.coordinates
        || found.online_url != new.online_url
        || found.capacity != new.capacity
        || found.registration_required != new.registration_required
}

/// The organisers change the rule from one of its occurrences: that one and the ones after it become the
/// new rule's (see the module's documentation). `new` is the occurrence as changed, on the commune's clocks.
pub fn change_following(
    conn: &mut AnyConnection,
    organiser: &Account,
    from: MeetingId,
    new: &NewMeeting,
    rule: Rule,
) -> Result<()> {
    let (old, from_day) = series_of(conn, from)?
        .ok_or_else(|| Error::Conflict("this meeting does not repeat".into()))?;
    require_organiser(organiser, old.commune_id)?;
    check_rule(new, rule)?;
    // Checked as any meeting is, before anything changes.
    checked(conn, old.commune_id, new)?;
    diesel::update(meeting_series::table.find(old.id))
        .set((
            meeting_series::frequency.eq(rule.frequency),
            meeting_series::title.eq(new.title.trim()),
            meeting_series::description.eq(&new.description),
            meeting_series::starts_local.eq(new.starts),
            meeting_series::duration_minutes.eq(((new.ends - new.starts).num_minutes()) as i32),
            meeting_series::address.eq(new.address.trim()),
            meeting_series::latitude.eq(new.coordinates.map(|c| c.0)),
            meeting_series::longitude.eq(new.coordinates.map(|c| c.1)),
            meeting_series::online_url.eq(new
                .online_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())),
            meeting_series::capacity.eq(new.capacity),
            meeting_series::registration_required.eq(new.registration_required),
            meeting_series::until_day.eq(rule.until),
        ))
        .execute(conn)?;
    let changed = series(conn, old.id)?;
    // This occurrence and the ones after it still to come, in order; their days are freed, then given again.
    let following: Vec<(MeetingId, NaiveDate)> = meeting_occurrences::table
        .inner_join(meetings::table)
        .filter(meeting_occurrences::series_id.eq(old.id))
        .filter(meeting_occurrences::local_day.ge(from_day))
        .filter(meetings::starts_at.gt(now()))
        .order(meeting_occurrences::local_day.asc())
        .select((
            meeting_occurrences::meeting_id,
            meeting_occurrences::local_day,
        ))
        .load(conn)?;
    let ids: Vec<MeetingId> = following.iter().map(|(id, _)| *id).collect();
    diesel::delete(meeting_occurrences::table.filter(meeting_occurrences::meeting_id.eq_any(&ids)))
        .execute(conn)?;
    let through = horizon(new.starts.date(), rule.until);
    let wanted: Vec<NaiveDate> = days(
        new.starts.date(),
        rule.frequency,
        new.starts.date(),
        through,
    )
    .into_iter()
    .filter(|day| {
        checked(conn, changed.commune_id, &occurrence(&changed, *day))
            .is_ok_and(|m| m.starts > now())
    })
    .collect();
    let mut days_left = wanted.iter();
    for id in ids {
        match days_left.next() {
            Some(day) => {
                let moved = occurrence(&changed, *day);
                let found = meeting(conn, id)?;
                if found.status == MeetingStatus::Scheduled
                    && differs(&found, &checked(conn, changed.commune_id, &moved)?)
                {
                    super::change(conn, organiser, id, &moved)?;
                }
                diesel::insert_into(meeting_occurrences::table)
                    .values((
                        meeting_occurrences::meeting_id.eq(id),
                        meeting_occurrences::series_id.eq(old.id),
                        meeting_occurrences::local_day.eq(*day),
                    ))
                    .execute(conn)?;
            }
            // Left over: cancelled, and out of the series.
            None => {
                if meeting(conn, id)?.status == MeetingStatus::Scheduled {
                    super::cancel(conn, organiser, id)?;
                }
            }
        }
    }
    generate(conn, &changed, new.starts.date(), through)?;
    diesel::update(meeting_series::table.find(old.id))
        .set(meeting_series::generated_through.eq(through))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn weekly_days_follow_the_anchor_every_seven_days() {
        let got = days(
            day("2027-01-05"),
            Frequency::Weekly,
            day("2027-01-10"),
            day("2027-02-02"),
        );
        assert_eq!(
            got,
            vec![
                day("2027-01-12"),
                day("2027-01-19"),
                day("2027-01-26"),
                day("2027-02-02")
            ]
        );
    }

    #[test]
    fn monthly_days_keep_the_weekday_of_the_month() {
        // The second Tuesday of January 2027 is the 12th.
        let got = days(
            day("2027-01-12"),
            Frequency::Monthly,
            day("2027-01-01"),
            day("2027-04-30"),
        );
        assert_eq!(
            got,
            vec![
                day("2027-01-12"),
                day("2027-02-09"),
                day("2027-03-09"),
                day("2027-04-13")
            ]
        );
        // The fifth Friday (29 January 2027) is read as the last Friday of each month.
        let got = days(
            day("2027-01-29"),
            Frequency::Monthly,
            day("2027-01-01"),
            day("2027-03-31"),
        );
        assert_eq!(
            got,
            vec![day("2027-01-29"), day("2027-02-26"), day("2027-03-26")]
        );
        // Through December into January.
        let got = days(
            day("2026-12-01"),
            Frequency::Monthly,
            day("2026-12-01"),
            day("2027-01-31"),
        );
        assert_eq!(got, vec![day("2026-12-01"), day("2027-01-05")]);
    }
}
