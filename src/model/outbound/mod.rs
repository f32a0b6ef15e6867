//! What civic asks federation to send: one typed value per change that other servers must hear of, written
//! in the outbox in the same transaction as the change (`civic::outbox::record`), planned into activities and
//! recipients by `federation::outbound`. Every subject is a typed id; an id of another server is an `ApUrl`.
//!
//! Rows queued by versions before this type carried a kind, a bare subject id, a target and a string payload
//! (`"update"`, `"like:{id}"`, a newline-separated list of inboxes…); `Outbound::from_legacy` reads them, so an
//! upgrade delivers what the previous version had queued.

use serde::{Deserialize, Serialize};

mod legacy;

use crate::ids::{
    ActorId, ApUrl, BlockId, CommentId, CommitmentId, DebateId, FavouriteId, FollowId, HandoverId,
    LikeId, MeetingId, NewsletterId, NoteId, ParticipantId, PollId, ProblemId, RemoteActorId,
    RemoteParticipationId, ReportId, StatusChangeId, SupportId, VoteId,
};

/// Something that must be told to other servers, on behalf of the event's actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    /// A post published (`Create(Note)`), or deleted (`Delete(Tombstone)`).
    NotePublished {
        note: NoteId,
    },
    NoteDeleted {
        note: NoteId,
    },
    /// A post edited (`Update(Note)`).
    NoteUpdated {
        note: NoteId,
    },
    /// A post favourited here, or the favourite taken back (`Like`, `Undo(Like)` to its author's server).
    NoteFavourited {
        note: NoteId,
        favourite: FavouriteId,
    },
    NoteUnfavourited {
        note: NoteId,
        favourite: FavouriteId,
    },
    /// A post boosted here (`Announce` to the booster's followers and the post's server), or the boost taken
    /// back (`Undo(Announce)`; the boost's row is gone by then, so the post it shared is named).
    NoteReblogged {
        reblog: NoteId,
    },
    NoteUnreblogged {
        reblog: NoteId,
        of: NoteId,
    },
    /// The actor's profile changed (`Update(Person)`).
    ActorUpdated,
    /// The account is erased (`Delete` of the actor), told to these inboxes: its follows are gone by then.
    ActorDeleted {
        inboxes: Vec<ApUrl>,
    },
    /// A debate opened here by its author (`Create(Page)`).
    DebatePublished {
        debate: DebateId,
    },
    /// The commune relays a debate to its followers (FEP-1b12 `Announce`).
    DebateAnnounced {
        debate: DebateId,
        form: AnnounceForm,
    },
    /// A debate's status or dates changed (`Update(Page)` by its commune).
    DebateUpdated {
        debate: DebateId,
    },
    /// A comment written here, by its author.
    CommentPublished {
        comment: CommentId,
    },
    CommentUpdated {
        comment: CommentId,
    },
    CommentDeleted {
        comment: CommentId,
    },
    /// What happens to a comment of a debate hosted here, relayed by its commune (FEP-1b12).
    CommentAnnounced {
        comment: CommentId,
        what: Relayed,
    },
    /// An "agree" given here, or withdrawn (`Like`, `Undo(Like)`).
    CommentLiked {
        comment: CommentId,
        like: LikeId,
    },
    CommentUnliked {
        comment: CommentId,
        like: LikeId,
    },
    /// A proposal's status, counts or answer changed (`Update(Page)` by its commune).
    ProposalUpdated {
        proposal: DebateId,
    },
    /// An official answer (a `Note` by the commune replying to the proposal).
    ProposalAnswered {
        change: StatusChangeId,
    },
    /// A support given here to a proposal hosted elsewhere, or withdrawn.
    ProposalSupported {
        proposal: DebateId,
        support: SupportId,
    },
    ProposalUnsupported {
        proposal: DebateId,
        support: SupportId,
    },
    /// A remote actor's `Follow` of a proposal, accepted by its commune.
    ProposalFollowAccepted {
        proposal: DebateId,
        follower: RemoteActorId,
        follow: ApUrl,
    },
    /// A poll opened here (`Create(Question)`), relayed by its commune, its new tallies, its closing.
    PollPublished {
        poll: PollId,
    },
    PollAnnounced {
        poll: PollId,
    },
    PollUpdated {
        poll: PollId,
    },
    PollClosed {
        poll: PollId,
    },
    /// A vote given here on another server's poll (a `Note` naming the option).
    PollVoted {
        vote: VoteId,
    },
    /// A local account follows a remote one, or stops.
    FollowRequested {
        follow: FollowId,
        target: RemoteActorId,
    },
    FollowUndone {
        follow: FollowId,
        target: RemoteActorId,
    },
    /// A remote actor's `Follow` of a local one, accepted or refused.
    FollowAccepted {
        follow: ApUrl,
        follower: RemoteActorId,
    },
    FollowRejected {
        follow: ApUrl,
        follower: RemoteActorId,
    },
    /// A remote account blocked by a commune or the instance (`Block`), or unblocked (`Undo(Block)`).
    AccountBlocked {
        block: BlockId,
        account: RemoteActorId,
    },
    AccountUnblocked {
        block: BlockId,
        account: RemoteActorId,
    },
    /// A report forwarded to the reported account's server (`Flag` by the instance actor).
    ReportForwarded {
        report: ReportId,
        account: RemoteActorId,
    },
    /// An issue of the commune's newsletter, sent (`Create(Article)` by the commune).
    NewsletterSent {
        issue: NewsletterId,
    },
    /// A problem report filed in a commune here (`Create(Page)` by the commune), or its new status or
    /// supporters (`Update(Page)`).
    ProblemPublished {
        problem: ProblemId,
    },
    ProblemUpdated {
        problem: ProblemId,
    },
    /// A report filed here offered to another server's commune (`Offer` of its `Page`, by its commune).
    ProblemOffered {
        handover: HandoverId,
    },
    /// A commune here answers another server's offer of a report (`Accept` or `Reject` of the `Offer`).
    ProblemOfferAnswered {
        handover: HandoverId,
    },
    /// A commune here, to which another server's report was handed, sets its status: an `Update` of the
    /// report sent to the commune where it was filed, which publishes it.
    HandedStatusChanged {
        handover: HandoverId,
        status: crate::model::ProblemStatus,
        message: String,
    },
    /// A meeting scheduled (`Create(Event)` by the commune), changed or cancelled (`Update(Event)`).
    MeetingPublished {
        meeting: MeetingId,
    },
    MeetingUpdated {
        meeting: MeetingId,
    },
    /// Someone of another server has a seat (`Accept` of their `Join`), or was refused (`Reject`).
    MeetingJoinAccepted {
        participant: ParticipantId,
    },
    MeetingJoinRejected {
        meeting: MeetingId,
        actor: RemoteActorId,
        join: ApUrl,
    },
    /// Someone here registers for an event of another server (`Join` from their account) or cancels
    /// (`Leave`).
    RemoteEventJoined {
        participation: RemoteParticipationId,
    },
    RemoteEventLeft {
        participation: RemoteParticipationId,
    },
    /// An official publishes a commitment (`Create(Page)`), or moves it on (`Update(Page)`).
    CommitmentPublished {
        commitment: CommitmentId,
    },
    CommitmentUpdated {
        commitment: CommitmentId,
    },
}

/// How a commune relays a debate: FEP-1b12's `Announce(Create(Page))` for a debate written here, the plain
/// `Announce(Page)` Mastodon reads, or a link to a debate opened here from another server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnounceForm {
    Create,
    Page,
}

/// What happened to a comment that its debate's commune relays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relayed {
    /// It was written (here, or received from another server).
    Written,
    Updated,
    /// Deleted by its author.
    Deleted,
    /// Hidden by a moderator of the commune (who hid it is on the comment).
    Hidden,
    /// Shown again by a moderator of the commune: a hide undone.
    Restored {
        by: ActorId,
    },
    /// Someone agreed with it.
    Liked {
        like: LikeId,
    },
    /// Someone withdrew their "agree".
    Unliked {
        by: Unliker,
    },
}

/// Who withdrew an "agree", and the id of the `Like` withdrawn (the row is gone by then).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "who", rename_all = "snake_case")]
pub enum Unliker {
    Local { actor: ActorId, like: LikeId },
    Remote { actor: RemoteActorId, like: ApUrl },
}

impl Outbound {
    /// Its kind, stored beside the value so that a burst of changes can be coalesced and the queue read:
    /// the serialized tag (`note_published`…), the same names as the kinds of rows before events were typed.
    pub fn kind(&self) -> String {
        Outbound::tag_of(&serde_json::to_value(self).unwrap_or_default())
    }

    /// The tag of an already serialized value (what `record` stores, serialized once).
    pub fn tag_of(value: &serde_json::Value) -> String {
        value["type"].as_str().unwrap_or_default().to_string()
    }

    /// The row id of what it is about, stored beside the value (coalescing looks for a waiting event of the
    /// same kind and subject); 0 when it is about the actor itself.
    pub fn subject(&self) -> i64 {
        match self {
            Outbound::NotePublished { note }
            | Outbound::NoteDeleted { note }
            | Outbound::NoteUpdated { note }
            | Outbound::NoteFavourited { note, .. }
            | Outbound::NoteUnfavourited { note, .. } => note.0,
            Outbound::NoteReblogged { reblog } | Outbound::NoteUnreblogged { reblog, .. } => {
                reblog.0
            }
            Outbound::ActorUpdated | Outbound::ActorDeleted { .. } => 0,
            Outbound::DebatePublished { debate }
            | Outbound::DebateAnnounced { debate, .. }
            | Outbound::DebateUpdated { debate } => debate.0,
            Outbound::CommentPublished { comment }
            | Outbound::CommentUpdated { comment }
            | Outbound::CommentDeleted { comment }
            | Outbound::CommentAnnounced { comment, .. }
            | Outbound::CommentLiked { comment, .. }
            | Outbound::CommentUnliked { comment, .. } => comment.0,
            Outbound::ProposalUpdated { proposal }
            | Outbound::ProposalSupported { proposal, .. }
            | Outbound::ProposalUnsupported { proposal, .. }
            | Outbound::ProposalFollowAccepted { proposal, .. } => proposal.0,
            Outbound::ProposalAnswered { change } => change.0,
            Outbound::PollPublished { poll }
            | Outbound::PollAnnounced { poll }
            | Outbound::PollUpdated { poll }
            | Outbound::PollClosed { poll } => poll.0,
            Outbound::PollVoted { vote } => vote.0,
            Outbound::FollowRequested { follow, .. } | Outbound::FollowUndone { follow, .. } => {
                follow.0
            }
            Outbound::FollowAccepted { follower, .. }
            | Outbound::FollowRejected { follower, .. } => follower.0,
            Outbound::AccountBlocked { block, .. } | Outbound::AccountUnblocked { block, .. } => {
                block.0
            }
            Outbound::ReportForwarded { report, .. } => report.0,
            Outbound::NewsletterSent { issue } => issue.0,
            Outbound::ProblemPublished { problem } | Outbound::ProblemUpdated { problem } => {
                problem.0
            }
            Outbound::ProblemOffered { handover }
            | Outbound::ProblemOfferAnswered { handover }
            | Outbound::HandedStatusChanged { handover, .. } => handover.0,
            Outbound::MeetingPublished { meeting }
            | Outbound::MeetingUpdated { meeting }
            | Outbound::MeetingJoinRejected { meeting, .. } => meeting.0,
            Outbound::MeetingJoinAccepted { participant } => participant.0,
            Outbound::RemoteEventJoined { participation }
            | Outbound::RemoteEventLeft { participation } => participation.0,
            Outbound::CommitmentPublished { commitment }
            | Outbound::CommitmentUpdated { commitment } => commitment.0,
        }
    }
}
