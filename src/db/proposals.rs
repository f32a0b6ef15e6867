//! Reads for proposal lists and the open-data export.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, DebateId, ThemeId};
use crate::model::schema::{
    debates, proposal_followers, proposal_history, proposal_supports, proposals, themes,
};
use crate::model::{Debate, Proposal, ProposalStatus, StatusChange};

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Most supports first.
    #[default]
    MostSupported,
    Newest,
    /// Fewest resident supports missing first (those already past it last).
    ClosestToThreshold,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Sort> {
        match raw {
            "supported" => Some(Sort::MostSupported),
            "newest" => Some(Sort::Newest),
            "closest" => Some(Sort::ClosestToThreshold),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::MostSupported => "supported",
            Sort::Newest => "newest",
            Sort::ClosestToThreshold => "closest",
        }
    }
}

/// Which proposals a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A local commune's proposals; `None` for those of other servers' communes kept here.
    pub commune: Option<ActorId>,
    pub theme: Option<ThemeId>,
    pub status: Option<ProposalStatus>,
    pub sort: Sort,
    pub limit: i64,
}

/// A proposal in a list, with its theme's name.
#[derive(Debug, Clone)]
pub struct ProposalSummary {
    pub debate: Debate,
    pub proposal: Proposal,
    pub theme: Option<String>,
}

/// Proposals by a filter, in one statement.
pub fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<ProposalSummary>> {
    let mut query = proposals::table
        .inner_join(debates::table)
        .left_join(themes::table)
        .select((
            Debate::as_select(),
            Proposal::as_select(),
            themes::name.nullable(),
            proposals::remote_theme,
        ))
        .into_boxed();
    query = match filter.commune {
        Some(commune) => query.filter(debates::commune_id.eq(commune)),
        None => query.filter(debates::commune_id.is_null()),
    };
    if let Some(status) = filter.status {
        query = query.filter(proposals::status.eq(status));
    }
    if let Some(theme) = filter.theme {
        query = query.filter(proposals::theme_id.eq(theme));
    }
    query = match filter.sort {
        Sort::MostSupported => query.order((
            (proposals::supports_residents
                + proposals::supports_local
                + proposals::supports_remote)
                .desc(),
            debates::id.desc(),
        )),
        Sort::Newest => query.order(debates::id.desc()),
        // Proposals still collecting supports, fewest missing first; then the others, newest first.
        Sort::ClosestToThreshold => query.order((
            proposals::status.ne(ProposalStatus::Published),
            (proposals::threshold - proposals::supports_residents).asc(),
            debates::id.desc(),
        )),
    };
    let rows: Vec<(Debate, Proposal, Option<String>, Option<String>)> =
        query.limit(filter.limit).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(debate, proposal, theme, remote_theme)| ProposalSummary {
            debate,
            proposal,
            theme: theme.or(remote_theme),
        })
        .collect())
}

/// What a proposal's page shows beside its debate: where it stands, its history, and the viewer's support
/// and follow.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub theme: Option<String>,
    pub history: Vec<crate::model::StatusChange>,
    pub supported: bool,
    pub following: bool,
}

/// `None` when the debate is not a proposal.
pub fn view(
    conn: &mut AnyConnection,
    id: crate::ids::DebateId,
    viewer: Option<ActorId>,
) -> Result<Option<ProposalView>> {
    let found: Option<(Proposal, Option<String>)> = proposals::table
        .left_join(themes::table)
        .filter(proposals::debate_id.eq(id))
        .select((Proposal::as_select(), themes::name.nullable()))
        .first(conn)
        .optional()?;
    let Some((proposal, theme)) = found else {
        return Ok(None);
    };
    let history = history(conn, id)?;
    let (supported, following) = match viewer {
        Some(me) => (supports(conn, me, id)?, follows(conn, me, id)?),
        None => (false, false),
    };
    let theme = theme.or_else(|| proposal.remote_theme.clone());
    Ok(Some(ProposalView {
        proposal,
        theme,
        history,
        supported,
        following,
    }))
}

/// Its history, oldest first.
pub fn history(conn: &mut AnyConnection, id: DebateId) -> Result<Vec<StatusChange>> {
    Ok(proposal_history::table
        .filter(proposal_history::debate_id.eq(id))
        .order(proposal_history::id.asc())
        .select(StatusChange::as_select())
        .load(conn)?)
}

/// Whether an account supports a proposal.
pub fn supports(conn: &mut AnyConnection, who: ActorId, id: DebateId) -> Result<bool> {
    let n: i64 = proposal_supports::table
        .filter(proposal_supports::debate_id.eq(id))
        .filter(proposal_supports::author_id.eq(who))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether an account follows a proposal.
pub fn follows(conn: &mut AnyConnection, who: ActorId, id: DebateId) -> Result<bool> {
    let n: i64 = proposal_followers::table
        .filter(proposal_followers::debate_id.eq(id))
        .filter(proposal_followers::account_id.eq(who))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

impl crate::model::FromServer for ProposalSummary {
    fn remote_id(&self) -> Option<&str> {
        self.debate.ap_id.as_deref()
    }
}
