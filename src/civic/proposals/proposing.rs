//! Proposing: the commune's threshold of resident supports, and a proposal published as a debate.

use diesel::prelude::*;

use super::answers::record_change;
use super::follows::add_follower;
use super::{MAX_PLACE, MAX_THRESHOLD};
use crate::civic::debates::{NewDebate, bounded, publish};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId, ThemeId};
use crate::model::schema::{communes, proposals, themes};
use crate::model::{Account, ProposalStatus, Role};

/// What a person proposes.
#[derive(Clone, Debug, Default)]
pub struct NewProposal {
    pub title: String,
    /// One or two sentences: what Mastodon users see under the title.
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub theme: Option<ThemeId>,
    /// An address or a place name.
    pub place: Option<String>,
    /// Latitude and longitude, both or neither.
    pub coordinates: Option<(f64, f64)>,
}

/// Resident supports a new proposal of the commune needs to be put under review.
pub fn threshold(conn: &mut AnyConnection, commune: ActorId) -> Result<i64> {
    Ok(communes::table
        .find(commune)
        .select(communes::proposal_threshold)
        .first(conn)?)
}

/// An admin sets the threshold of the account's commune; proposals already published keep theirs.
pub fn set_threshold(conn: &mut AnyConnection, admin: &Account, value: i64) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only an admin sets the proposal threshold".into(),
        ));
    }
    if !(1..=MAX_THRESHOLD).contains(&value) {
        return Err(Error::invalid(
            "threshold",
            format!("must be between 1 and {MAX_THRESHOLD}"),
        ));
    }
    diesel::update(communes::table.find(admin.commune_id))
        .set(communes::proposal_threshold.eq(value))
        .execute(conn)?;
    Ok(())
}

/// Any account of the commune proposes; its commune announces the proposal like a debate.
pub fn propose(conn: &mut AnyConnection, account: &Account, new: NewProposal) -> Result<DebateId> {
    let place = match new.place.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => Some(bounded("place", p, MAX_PLACE, false)?),
        _ => None,
    };
    if let Some((lat, lon)) = new.coordinates
        && !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
    {
        return Err(Error::invalid(
            "coordinates",
            "latitude must be between -90 and 90, longitude between -180 and 180",
        ));
    }
    if let Some(theme) = new.theme {
        let known: i64 = themes::table
            .filter(themes::id.eq(theme))
            .filter(themes::commune_id.eq(account.commune_id))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(Error::invalid("theme", "is not a theme of this commune"));
        }
    }
    let threshold = threshold(conn, account.commune_id)?;
    let debate = NewDebate {
        title: new.title,
        question: new.summary,
        body: new.body,
        themes: new.theme.into_iter().collect(),
        ..NewDebate::default()
    };
    let id = publish(conn, account, &debate)?;
    diesel::insert_into(proposals::table)
        .values((
            proposals::debate_id.eq(id),
            proposals::status.eq(ProposalStatus::Published),
            proposals::theme_id.eq(new.theme),
            proposals::place.eq(place),
            proposals::latitude.eq(new.coordinates.map(|c| c.0)),
            proposals::longitude.eq(new.coordinates.map(|c| c.1)),
            proposals::threshold.eq(threshold),
        ))
        .execute(conn)?;
    record_change(conn, id, ProposalStatus::Published, None)?;
    add_follower(conn, account.actor_id, id)?;
    Ok(id)
}
