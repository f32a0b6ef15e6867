//! Row structs and value types. No I/O here.

#[macro_use]
mod macros;

pub mod actor;
mod council;
pub mod debate;
pub mod federation;
mod meeting;
pub mod moderation;
pub mod newsletter;
pub mod outbound;
pub mod poll;
mod problem;
pub mod proposal;
pub mod schema;
pub mod username;

pub use actor::{Account, Actor, ActorKind, Mandate, NewActor, Role};
pub use council::{
    CodePurpose, Commitment, CommitmentStatus, CouncilMember, Milestone, ResidencyMethod,
    Verification,
};
pub use debate::{Comment, CommentRevision, Debate, DebateOpeners, DebateStatus, Stance, Theme};
pub use federation::{
    CivicKind, CivicRef, Delivery, EventKind, Follow, MediaAttachment, Note, OutboxEvent,
    RemoteActor, RemoteAttachment, Visibility,
};
pub use meeting::{
    AgendaItem, Attendance, CommuneLanguage, Frequency, Meeting, MeetingCategory, MeetingStatus,
    Minutes, Participant, RemoteAttendance, RemoteEvent, RemoteParticipation, Series,
};
pub use moderation::{FederationMode, ModerationAction, ReportReason, ServerRule};
pub use newsletter::NewsletterIssue;
pub use outbound::{AnnounceForm, Outbound, Relayed, Unliker};
pub use poll::{Eligibility, Poll, PollKind, PollOption, Questionnaire};
pub use problem::{
    Category, Handing, Handover, HandoverRow, HandoverState, Open311Client, Problem, ProblemPhoto,
    ProblemStatus, ProblemStep, RemoteProblem, RemoteProblemPhoto,
};
pub use proposal::{Proposal, ProposalStatus, StatusChange, SupportCategory};
pub use username::Username;

/// Something that may have come from another server: its id there, `None` for what was written here. The
/// federation policy hides what comes from a blocked or silenced server by this id (`Policy::shows`).
pub trait FromServer {
    fn remote_id(&self) -> Option<&str>;
}

impl FromServer for Debate {
    fn remote_id(&self) -> Option<&str> {
        self.ap_id.as_deref()
    }
}

impl FromServer for Comment {
    fn remote_id(&self) -> Option<&str> {
        self.ap_id.as_deref()
    }
}

impl FromServer for Poll {
    fn remote_id(&self) -> Option<&str> {
        self.ap_id.as_deref()
    }
}

impl FromServer for RemoteEvent {
    fn remote_id(&self) -> Option<&str> {
        Some(&self.ap_id)
    }
}

impl FromServer for RemoteProblem {
    fn remote_id(&self) -> Option<&str> {
        Some(&self.ap_id)
    }
}

impl FromServer for Note {
    fn remote_id(&self) -> Option<&str> {
        self.ap_id.as_deref()
    }
}
