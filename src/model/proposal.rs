//! Citizen proposals: a debate that asks the town to do something, with supports and official answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{ActorId, DebateId, ThemeId};
use crate::model::schema::{proposal_history, proposals};

text_enum!(
    /// Where a proposal stands. Published until enough residents support it (or an official answers it);
    /// then under review; then answered: accepted, rejected or already planned; an accepted one goes on to in
    /// progress and done.
    ProposalStatus {
        Published => "published",
        UnderReview => "under_review",
        Accepted => "accepted",
        Rejected => "rejected",
        AlreadyPlanned => "already_planned",
        InProgress => "in_progress",
        Done => "done",
    }
);

impl ProposalStatus {
    /// The statuses an official may move a proposal to from this one, each with a public answer.
    pub fn next(self) -> &'static [ProposalStatus] {
        use ProposalStatus::*;
        match self {
            Published | UnderReview => &[Accepted, Rejected, AlreadyPlanned],
            Accepted | AlreadyPlanned => &[InProgress, Rejected],
            InProgress => &[Done],
            Rejected | Done => &[],
        }
    }
}

text_enum!(
    /// How a support is counted: a verified resident of the commune, another account of this instance, or a
    /// person from another server.
    SupportCategory {
        Resident => "resident",
        Local => "local",
        Remote => "remote",
    }
);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub debate_id: DebateId,
    pub status: ProposalStatus,
    pub theme_id: Option<ThemeId>,
    /// The theme's name, for a proposal hosted elsewhere.
    pub remote_theme: Option<String>,
    /// Where it is, in words (an address).
    pub place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub supports_residents: i64,
    pub supports_local: i64,
    pub supports_remote: i64,
    /// Resident supports that put it under review.
    pub threshold: i64,
}

impl Proposal {
    pub fn supports(&self) -> i64 {
        self.supports_residents + self.supports_local + self.supports_remote
    }

    /// Resident supports still missing before review (0 once reached).
    pub fn missing(&self) -> i64 {
        (self.threshold - self.supports_residents).max(0)
    }

    /// Whether people may still support it: until it is answered.
    pub fn takes_supports(&self) -> bool {
        matches!(
            self.status,
            ProposalStatus::Published | ProposalStatus::UnderReview
        )
    }
}

/// One step of a proposal's history, with the public answer that came with it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = proposal_history)]
pub struct StatusChange {
    pub id: i64,
    pub debate_id: DebateId,
    pub status: ProposalStatus,
    /// Sanitized HTML; none for publication and for the threshold being reached.
    pub answer_html: Option<String>,
    pub answered_by: Option<ActorId>,
    /// The official's name and mandate when they answered.
    pub answerer_name: String,
    pub answerer_mandate: String,
    pub at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_proposals_move_forward_only() {
        use ProposalStatus::*;
        for s in ProposalStatus::ALL {
            assert!(!s.next().contains(&Published), "{s} back to published");
            assert!(!s.next().contains(&UnderReview), "{s} to review by hand");
            assert!(!s.next().contains(s), "{s} to itself");
        }
        assert!(Done.next().is_empty() && Rejected.next().is_empty());
        assert_eq!(InProgress.next(), &[Done]);
    }
}
