//! Citizen proposals: people suggest something to their town, others support it; past the commune's
//! threshold of resident supports the town must answer, and every change of status after that comes with a
//! public answer by an official. A proposal is a debate (title, summary, text, comment thread) with a
//! `proposals` row beside it.
//!
//! One file per job: proposing (`proposing`), supports (`supports`), official answers and the status history
//! (`answers`), following a proposal (`follows`), notifications (`notifications`) and copies of proposals
//! hosted elsewhere (`remote`); the limits and a proposal's lookup are here.

mod answers;
mod follows;
mod notifications;
mod proposing;
mod remote;
mod supports;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::DebateId;
use crate::model::Proposal;
use crate::model::schema::proposals;

pub use answers::answer;
pub use follows::{follow, remote_follow, remote_followers};
pub use proposing::{NewProposal, propose, set_threshold, threshold};
pub use remote::{RemoteProposal, store_remote_proposal};
pub use supports::{remote_support, remote_unsupport, support, withdraw_supports_of};

pub const MAX_PLACE: usize = 200;
pub const MAX_ANSWER: usize = 10_000;
/// A threshold no town needs to go past (a large city's petition threshold is in the tens of thousands).
pub const MAX_THRESHOLD: i64 = 1_000_000;

/// The proposal part of a debate; `NotFound` for a debate that is not a proposal.
pub fn proposal(conn: &mut AnyConnection, id: DebateId) -> Result<Proposal> {
    proposals::table
        .find(id)
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no proposal {id}")))
}
