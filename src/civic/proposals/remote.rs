//! Copies of proposals hosted elsewhere: the proposal part of a remote debate, as its `Page` says.

use crate::civic::notifications::Kind;
use diesel::prelude::*;

use super::answers::{Answer, record_change};
use super::notifications::notify_followers;
use super::{MAX_ANSWER, MAX_PLACE};
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::DebateId;
use crate::model::ProposalStatus;
use crate::model::schema::proposals;

/// What a proposal hosted elsewhere says of itself in its `Page`.
#[derive(Clone, Debug)]
pub struct RemoteProposal {
    pub status: ProposalStatus,
    pub theme: Option<String>,
    pub place: Option<String>,
    pub coordinates: Option<(f64, f64)>,
    pub supports_residents: i64,
    pub supports_local: i64,
    pub supports_remote: i64,
    pub threshold: i64,
    /// The latest official answer: its HTML (cleaned here), the official's name and mandate.
    pub answer: Option<(String, String, String)>,
}

/// Keeps the proposal part of a copy of a debate hosted elsewhere. A new status is added to the copy's
/// history with the answer that came with it, and the copy's local followers are told.
pub fn store_remote_proposal(
    conn: &mut AnyConnection,
    id: DebateId,
    remote: RemoteProposal,
) -> Result<()> {
    let clamp = |n: i64| n.clamp(0, i64::from(i32::MAX));
    let place = remote
        .place
        .map(|p| p.trim().chars().take(MAX_PLACE).collect::<String>())
        .filter(|p| !p.is_empty());
    let theme = remote
        .theme
        .map(|t| t.trim().chars().take(100).collect::<String>())
        .filter(|t| !t.is_empty());
    let coordinates = remote
        .coordinates
        .filter(|(lat, lon)| (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon));
    let previous: Option<ProposalStatus> = proposals::table
        .find(id)
        .select(proposals::status)
        .first(conn)
        .optional()?;
    // Statuses only move forward: an Update delivered late (or a commune going back and forth) changes
    // the counts, not the status, and adds nothing to the history.
    let status = match previous {
        Some(prev)
            if prev != remote.status
                && !prev.next().contains(&remote.status)
                && !(prev == ProposalStatus::Published
                    && remote.status == ProposalStatus::UnderReview) =>
        {
            prev
        }
        _ => remote.status,
    };
    let values = (
        proposals::status.eq(status),
        proposals::remote_theme.eq(theme),
        proposals::place.eq(place),
        proposals::latitude.eq(coordinates.map(|c| c.0)),
        proposals::longitude.eq(coordinates.map(|c| c.1)),
        proposals::supports_residents.eq(clamp(remote.supports_residents)),
        proposals::supports_local.eq(clamp(remote.supports_local)),
        proposals::supports_remote.eq(clamp(remote.supports_remote)),
        proposals::threshold.eq(clamp(remote.threshold).max(1)),
    );
    match previous {
        Some(_) => {
            diesel::update(proposals::table.find(id))
                .set(values)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(proposals::table)
                .values((proposals::debate_id.eq(id), values))
                .execute(conn)?;
        }
    }
    if previous != Some(status) {
        let answer = remote.answer.map(|(html, name, mandate)| {
            let html: String = html.chars().take(MAX_ANSWER * 4).collect();
            (
                crate::civic::notes::sanitize_remote_html(&html),
                name.chars().take(200).collect::<String>(),
                mandate.chars().take(200).collect::<String>(),
            )
        });
        record_change(
            conn,
            id,
            status,
            answer.as_ref().map(|(html, name, mandate)| Answer {
                html,
                by: None,
                name,
                mandate,
            }),
        )?;
        if previous.is_some() {
            notify_followers(conn, id, Kind::ProposalStatus, &[])?;
        }
    }
    Ok(())
}
