//! Where a person stopped reading a timeline (Mastodon's markers), shared by their apps. Setting the
//! notifications marker also marks those notifications read, so that the web's count agrees.

use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::ActorId;
use crate::model::schema::{markers, notifications};

/// The timelines that have a marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeline {
    Home,
    Notifications,
}

impl Timeline {
    pub const ALL: [Timeline; 2] = [Timeline::Home, Timeline::Notifications];

    pub fn as_str(self) -> &'static str {
        match self {
            Timeline::Home => "home",
            Timeline::Notifications => "notifications",
        }
    }

    pub fn parse(raw: &str) -> Option<Timeline> {
        Timeline::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// A marker as kept: the last id read, how many times it was set, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub timeline: Timeline,
    pub last_read_id: i64,
    pub version: i64,
    pub updated_at: chrono::NaiveDateTime,
}

/// The markers of an account, for the timelines asked.
pub fn of(conn: &mut AnyConnection, account: ActorId, which: &[Timeline]) -> Result<Vec<Marker>> {
    let names: Vec<&str> = which.iter().map(|t| t.as_str()).collect();
    let rows: Vec<(String, i64, i64, chrono::NaiveDateTime)> = markers::table
        .filter(markers::account_id.eq(account))
        .filter(markers::timeline.eq_any(names))
        .select((
            markers::timeline,
            markers::last_read_id,
            markers::version,
            markers::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(timeline, last_read_id, version, updated_at)| {
            Some(Marker {
                timeline: Timeline::parse(&timeline)?,
                last_read_id,
                version,
                updated_at,
            })
        })
        .collect())
}

/// Sets where the account stopped reading a timeline.
pub fn set(
    conn: &mut AnyConnection,
    account: ActorId,
    timeline: Timeline,
    last_read_id: i64,
) -> Result<()> {
    let at = now();
    // One statement, so that two apps setting a first marker at once cannot both insert it.
    let values = (
        markers::account_id.eq(account),
        markers::timeline.eq(timeline.as_str()),
        markers::last_read_id.eq(last_read_id),
        markers::version.eq(1),
        markers::updated_at.eq(at),
    );
    let changes = (
        markers::last_read_id.eq(last_read_id),
        markers::version.eq(markers::version + 1),
        markers::updated_at.eq(at),
    );
    crate::on_each_backend!(conn, |c| diesel::insert_into(markers::table)
        .values(values)
        .on_conflict((markers::account_id, markers::timeline))
        .do_update()
        .set(changes)
        .execute(c))?;
    if timeline == Timeline::Notifications {
        diesel::update(
            notifications::table
                .filter(notifications::account_id.eq(account))
                .filter(notifications::id.le(last_read_id))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(Some(at)))
        .execute(conn)?;
    }
    Ok(())
}
