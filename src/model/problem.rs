//! Problem reports (signalements): a place, a category, a description, and a status the commune's staff move
//! forward with a public message each time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{
    ActorId, CategoryId, HandoverId, Open311ClientId, ProblemId, RemoteActorId, RemoteProblemId,
};
use crate::model::schema::{
    open311_clients, problem_categories, problem_handovers, problem_history, problem_photos,
    problems, remote_problem_photos, remote_problems,
};

text_enum!(
    /// Where a report stands: new, then acknowledged, in progress and resolved; or rejected, or a
    /// duplicate of another report.
    ProblemStatus {
        New => "new",
        Acknowledged => "acknowledged",
        InProgress => "in_progress",
        Resolved => "resolved",
        Rejected => "rejected",
        Duplicate => "duplicate",
    }
);

impl ProblemStatus {
    /// The statuses staff may move a report to from this one.
    pub fn next(self) -> &'static [ProblemStatus] {
        use ProblemStatus::*;
        match self {
            New => &[Acknowledged, InProgress, Resolved, Rejected, Duplicate],
            Acknowledged => &[InProgress, Resolved, Rejected, Duplicate],
            InProgress => &[Resolved, Rejected],
            // A report closed too early can be taken up again.
            Resolved | Rejected | Duplicate => &[Acknowledged],
        }
    }

    /// Still waiting for the commune: near-duplicates are looked for among these.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ProblemStatus::New | ProblemStatus::Acknowledged | ProblemStatus::InProgress
        )
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = problem_categories)]
pub struct Category {
    pub id: CategoryId,
    pub commune_id: ActorId,
    pub name: String,
    /// No longer offered for new reports (the reports filed in it keep it).
    pub archived: bool,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = problems)]
pub struct Problem {
    pub id: ProblemId,
    pub commune_id: ActorId,
    /// Who reported it (a local account).
    pub author_id: Option<ActorId>,
    pub category_id: CategoryId,
    pub description: String,
    /// The place in words (a street address, "in front of the school").
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    /// The reporter asked that their name not be shown (moderators and staff still see it).
    pub name_private: bool,
    pub status: ProblemStatus,
    pub duplicate_of: Option<ProblemId>,
    /// People who have this problem too (the reporter not counted).
    pub supporters: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The Open311 client app it was filed through (it then has no author).
    pub via_client_id: Option<Open311ClientId>,
}

/// A client app filing reports through Open311 (its key is shown once, and only its hash kept).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = open311_clients)]
pub struct Open311Client {
    pub id: Open311ClientId,
    pub commune_id: ActorId,
    pub name: String,
    pub key_sha256: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// One step of a report's history: the status it moved to, with the public message.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = problem_history)]
pub struct ProblemStep {
    pub id: i64,
    pub problem_id: ProblemId,
    pub status: ProblemStatus,
    pub message: String,
    pub by_id: Option<ActorId>,
    pub created_at: NaiveDateTime,
    /// The commune of another server that set this status, when the report was handed to it.
    pub by_remote_id: Option<RemoteActorId>,
}

text_enum!(
    /// Where a hand-over stands: offered, then accepted or declined by the receiving commune.
    HandoverState {
        Offered => "offered",
        Accepted => "accepted",
        Declined => "declined",
    }
);

/// A report handed from one commune to another, as stored (see [`Handover`] for what it means).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = problem_handovers)]
pub struct HandoverRow {
    pub id: HandoverId,
    pub problem_id: Option<ProblemId>,
    pub remote_problem_id: Option<RemoteProblemId>,
    pub from_commune_id: Option<ActorId>,
    pub from_remote_id: Option<RemoteActorId>,
    pub to_commune_id: Option<ActorId>,
    pub to_remote_id: Option<RemoteActorId>,
    pub offer_ap_id: Option<String>,
    pub state: HandoverState,
    pub message: String,
    pub answer: String,
    pub offered_by: Option<ActorId>,
    pub answered_by: Option<ActorId>,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

/// Who a report was handed from and to: the three shapes a hand-over row may have.
#[derive(Clone, Debug, PartialEq)]
pub enum Handing {
    /// A report filed here, handed to another commune here.
    Local {
        problem: ProblemId,
        from: ActorId,
        to: ActorId,
    },
    /// A report filed here, offered to a commune of another server.
    Outgoing {
        problem: ProblemId,
        from: ActorId,
        to: RemoteActorId,
    },
    /// A report of another server's commune, offered to a commune here by its `Offer`.
    Incoming {
        problem: RemoteProblemId,
        from: RemoteActorId,
        to: ActorId,
        offer: String,
    },
}

/// A hand-over, read.
#[derive(Clone, Debug)]
pub struct Handover {
    pub id: HandoverId,
    pub handing: Handing,
    pub state: HandoverState,
    pub message: String,
    pub answer: String,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

impl HandoverRow {
    /// What the row means; `None` for a row in none of the three shapes (which the rules never write).
    pub fn read(self) -> Option<Handover> {
        let handing = match self {
            HandoverRow {
                problem_id: Some(problem),
                from_commune_id: Some(from),
                to_commune_id: Some(to),
                ..
            } => Handing::Local { problem, from, to },
            HandoverRow {
                problem_id: Some(problem),
                from_commune_id: Some(from),
                to_remote_id: Some(to),
                ..
            } => Handing::Outgoing { problem, from, to },
            HandoverRow {
                remote_problem_id: Some(problem),
                from_remote_id: Some(from),
                to_commune_id: Some(to),
                offer_ap_id: Some(ref offer),
                ..
            } => Handing::Incoming {
                problem,
                from,
                to,
                offer: offer.clone(),
            },
            _ => return None,
        };
        Some(Handover {
            id: self.id,
            handing,
            state: self.state,
            message: self.message,
            answer: self.answer,
            created_at: self.created_at,
            answered_at: self.answered_at,
        })
    }
}

/// A photo of a report: its stored files (under `media/photos`), its alt text, and whether staff accepted it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = problem_photos)]
pub struct ProblemPhoto {
    pub id: i64,
    pub problem_id: ProblemId,
    pub file: String,
    pub thumb: String,
    pub alt: String,
    pub width: i32,
    pub height: i32,
    /// Shown to everyone and federated from then on; until then, to the reporter and staff only.
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<ActorId>,
    pub created_at: NaiveDateTime,
}

/// A report of a commune on another server, as its commune's `Page` last said it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = remote_problems)]
pub struct RemoteProblem {
    pub id: RemoteProblemId,
    pub ap_id: String,
    /// The commune that publishes it.
    pub commune_id: RemoteActorId,
    /// Its page on its server.
    pub url: String,
    pub name: String,
    /// Its category, as its hashtag names it (empty when it has none).
    pub category: String,
    /// Cleaned when received.
    pub content_html: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub status: ProblemStatus,
    pub supporters: i64,
    pub duplicate_of: Option<String>,
    pub published: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A photo of a report from another server, fetched once and stored here.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = remote_problem_photos)]
pub struct RemoteProblemPhoto {
    pub id: i64,
    pub remote_problem_id: RemoteProblemId,
    /// Where its server serves it (how a later `Update` is matched to it).
    pub source_url: String,
    pub file: String,
    pub thumb: String,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}
