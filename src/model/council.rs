//! A commune's council as the national register of elected officials lists it: councillors who may not have
//! an account yet (records, not actors), and the account that claimed each.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::ids::{ActorId, CommitmentId, CouncilMemberId, DebateId, MandateId};
use crate::model::schema::{
    commitment_milestones, commitments, council_members, residency_verifications,
};

/// A councillor of a commune, as imported from the register.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = council_members)]
pub struct CouncilMember {
    pub id: CouncilMemberId,
    pub commune_id: ActorId,
    pub family_name: String,
    pub given_name: String,
    /// "Maire", "1er adjoint au maire", "Conseiller municipal"…
    pub function: String,
    pub mandate_since: NaiveDate,
    pub function_since: Option<NaiveDate>,
    /// Set when a later import no longer lists them.
    pub ended_on: Option<NaiveDate>,
    /// The account that claimed the profile.
    pub account_id: Option<ActorId>,
    /// The mandate the claimed account carries for it.
    pub mandate_id: Option<MandateId>,
    pub claim_code_hash: Option<String>,
    pub claim_code_expires: Option<NaiveDateTime>,
    pub imported_at: NaiveDateTime,
}

impl CouncilMember {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

text_enum!(
    /// What a one-time code typed by someone is for (tries are counted per purpose).
    CodePurpose {
        CouncilClaim => "council_claim",
        ResidencyLetter => "residency_letter",
        ResidencyList => "residency_list",
    }
);

text_enum!(
    /// Where a commitment stands.
    CommitmentStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Abandoned => "abandoned",
    }
);

/// An official's commitment: what they promise, how far it has come.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = commitments)]
pub struct Commitment {
    pub id: CommitmentId,
    pub commune_id: ActorId,
    pub official_id: ActorId,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub status: CommitmentStatus,
    /// 0 to 100.
    pub progress: i32,
    pub due_on: Option<NaiveDate>,
    /// The proposal it answers.
    pub proposal_id: Option<DebateId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = commitment_milestones)]
pub struct Milestone {
    pub id: i64,
    pub commitment_id: CommitmentId,
    pub position: i32,
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

text_enum!(
    /// How someone's residency was verified.
    ResidencyMethod {
        Staff => "staff",
        Letter => "letter",
        List => "list",
        Oidc => "oidc",
    }
);

/// A verification of someone's residency: how, when, until when, by whom or what.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = residency_verifications)]
pub struct Verification {
    pub id: i64,
    pub account_id: ActorId,
    pub method: ResidencyMethod,
    pub verified_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    /// The staff member who verified it.
    pub verified_by: Option<ActorId>,
    /// What it rests on, in a few words ("letter", the list's name, the provider).
    pub source: String,
    /// Withdrawn or expired.
    pub ended_at: Option<NaiveDateTime>,
}
