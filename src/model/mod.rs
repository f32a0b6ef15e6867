//! Row structs and value types. No I/O here.

#[macro_use]
mod macros;

pub mod actor;
pub mod debate;
pub mod federation;
pub mod moderation;
pub mod outbound;
pub mod poll;
pub mod proposal;
pub mod schema;
pub mod username;

pub use actor::{Account, Actor, ActorKind, Mandate, NewActor, Role};
pub use debate::{Comment, CommentRevision, Debate, DebateOpeners, DebateStatus, Stance, Theme};
pub use federation::{Delivery, EventKind, Follow, Note, OutboxEvent, RemoteActor, Visibility};
pub use moderation::{FederationMode, ModerationAction, ReportReason, ServerRule};
pub use outbound::{AnnounceForm, Outbound, Relayed, Unliker};
pub use poll::{Eligibility, Poll, PollKind, PollOption, Questionnaire};
pub use proposal::{Proposal, ProposalStatus, StatusChange, SupportCategory};
pub use username::Username;
