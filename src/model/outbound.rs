//! What civic asks federation to send: one typed value per change that other servers must hear of, written
//! in the outbox in the same transaction as the change (`civic::outbox::record`), planned into activities and
//! recipients by `federation::outbound`. Every subject is a typed id; an id of another server is an `ApUrl`.
//!
//! Rows queued by versions before this type carried a kind, a bare subject id, a target and a string payload
//! (`"update"`, `"like:{id}"`, a newline-separated list of inboxes…); `Outbound::from_legacy` reads them, so an
//! upgrade delivers what the previous version had queued.

use serde::{Deserialize, Serialize};

use crate::ids::{
    ActorId, ApUrl, BlockId, CommentId, DebateId, FollowId, LikeId, NoteId, PollId, RemoteActorId,
    ReportId, StatusChangeId, SupportId, VoteId,
};
use crate::model::EventKind;

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
    /// Hidden by a moderator of the commune.
    Hidden,
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
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type")?.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The row id of what it is about, stored beside the value (coalescing looks for a waiting event of the
    /// same kind and subject); 0 when it is about the actor itself.
    pub fn subject(&self) -> i64 {
        match self {
            Outbound::NotePublished { note } | Outbound::NoteDeleted { note } => note.0,
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
        }
    }

    /// Reads a row queued before outbox events were typed: its kind, subject, target and payload. `Err` says
    /// what is wrong with a row that cannot be read (it is set aside, as an event whose subject vanished).
    pub fn from_legacy(
        kind: EventKind,
        subject: i64,
        target: Option<RemoteActorId>,
        payload: &str,
    ) -> Result<Outbound, String> {
        let target = || target.ok_or_else(|| format!("a {kind} event without its remote actor"));
        let number = |raw: &str| {
            raw.parse::<i64>()
                .map_err(|e| format!("a {kind} event's payload {raw:?}: {e}"))
        };
        let url = |raw: &str| {
            ApUrl::parse(raw).map_err(|e| format!("a {kind} event's payload {raw:?}: {e}"))
        };
        Ok(match kind {
            EventKind::NotePublished => Outbound::NotePublished {
                note: NoteId(subject),
            },
            EventKind::NoteDeleted => Outbound::NoteDeleted {
                note: NoteId(subject),
            },
            EventKind::ActorUpdated => Outbound::ActorUpdated,
            EventKind::ActorDeleted => Outbound::ActorDeleted {
                inboxes: payload
                    .lines()
                    .filter(|l| !l.is_empty())
                    .filter_map(|l| ApUrl::parse(l).ok())
                    .collect(),
            },
            EventKind::DebatePublished => Outbound::DebatePublished {
                debate: DebateId(subject),
            },
            EventKind::DebateAnnounced => Outbound::DebateAnnounced {
                debate: DebateId(subject),
                form: if payload == "create" {
                    AnnounceForm::Create
                } else {
                    AnnounceForm::Page
                },
            },
            EventKind::DebateUpdated => Outbound::DebateUpdated {
                debate: DebateId(subject),
            },
            EventKind::CommentPublished => Outbound::CommentPublished {
                comment: CommentId(subject),
            },
            EventKind::CommentUpdated => Outbound::CommentUpdated {
                comment: CommentId(subject),
            },
            EventKind::CommentDeleted => Outbound::CommentDeleted {
                comment: CommentId(subject),
            },
            EventKind::CommentAnnounced => Outbound::CommentAnnounced {
                comment: CommentId(subject),
                what: match payload {
                    "" => Relayed::Written,
                    "update" => Relayed::Updated,
                    "delete" => Relayed::Deleted,
                    "hide" => Relayed::Hidden,
                    other => {
                        if let Some(like) = other.strip_prefix("like:") {
                            Relayed::Liked {
                                like: LikeId(number(like)?),
                            }
                        } else if let Some(rest) = other.strip_prefix("unlike:") {
                            let (who, like) = rest
                                .split_once(':')
                                .ok_or_else(|| format!("a relay payload {other:?}"))?;
                            Relayed::Unliked {
                                by: match who.strip_prefix('r') {
                                    Some(remote) => Unliker::Remote {
                                        actor: RemoteActorId(number(remote)?),
                                        like: url(like)?,
                                    },
                                    None => Unliker::Local {
                                        actor: ActorId(number(who)?),
                                        like: LikeId(number(like)?),
                                    },
                                },
                            }
                        } else {
                            return Err(format!("an unknown relay {other:?}"));
                        }
                    }
                },
            },
            EventKind::CommentLiked => Outbound::CommentLiked {
                comment: CommentId(subject),
                like: LikeId(number(payload)?),
            },
            EventKind::CommentUnliked => Outbound::CommentUnliked {
                comment: CommentId(subject),
                like: LikeId(number(payload)?),
            },
            EventKind::ProposalUpdated => Outbound::ProposalUpdated {
                proposal: DebateId(subject),
            },
            EventKind::ProposalAnswered => Outbound::ProposalAnswered {
                change: StatusChangeId(subject),
            },
            EventKind::ProposalSupported => Outbound::ProposalSupported {
                proposal: DebateId(subject),
                support: SupportId(number(payload)?),
            },
            EventKind::ProposalUnsupported => Outbound::ProposalUnsupported {
                proposal: DebateId(subject),
                support: SupportId(number(payload)?),
            },
            EventKind::ProposalFollowAccepted => Outbound::ProposalFollowAccepted {
                proposal: DebateId(subject),
                follower: target()?,
                follow: url(payload)?,
            },
            EventKind::PollPublished => Outbound::PollPublished {
                poll: PollId(subject),
            },
            EventKind::PollAnnounced => Outbound::PollAnnounced {
                poll: PollId(subject),
            },
            EventKind::PollUpdated => Outbound::PollUpdated {
                poll: PollId(subject),
            },
            EventKind::PollClosed => Outbound::PollClosed {
                poll: PollId(subject),
            },
            EventKind::PollVoted => Outbound::PollVoted {
                vote: VoteId(subject),
            },
            EventKind::FollowRequested => Outbound::FollowRequested {
                follow: FollowId(subject),
                target: target()?,
            },
            EventKind::FollowUndone => Outbound::FollowUndone {
                follow: FollowId(subject),
                target: target()?,
            },
            EventKind::FollowAccepted => Outbound::FollowAccepted {
                follow: url(payload)?,
                follower: target()?,
            },
            EventKind::FollowRejected => Outbound::FollowRejected {
                follow: url(payload)?,
                follower: target()?,
            },
            EventKind::AccountBlocked => Outbound::AccountBlocked {
                block: BlockId(subject),
                account: target()?,
            },
            EventKind::AccountUnblocked => Outbound::AccountUnblocked {
                block: BlockId(subject),
                account: target()?,
            },
            EventKind::ReportForwarded => Outbound::ReportForwarded {
                report: ReportId(subject),
                account: target()?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy(kind: EventKind, subject: i64, target: Option<i64>, payload: &str) -> Outbound {
        Outbound::from_legacy(kind, subject, target.map(RemoteActorId), payload)
            .unwrap_or_else(|e| panic!("{kind}: {e}"))
    }

    #[test]
    fn every_legacy_payload_reads_as_its_typed_value() {
        let inbox = |s: &str| ApUrl::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            legacy(
                EventKind::ActorDeleted,
                4,
                None,
                "https://a.example/inbox\n\nhttps://b.example/users/x/inbox\n"
            ),
            Outbound::ActorDeleted {
                inboxes: vec![
                    inbox("https://a.example/inbox"),
                    inbox("https://b.example/users/x/inbox")
                ]
            }
        );
        let relayed = |payload| match legacy(EventKind::CommentAnnounced, 7, None, payload) {
            Outbound::CommentAnnounced { comment, what } => {
                assert_eq!(comment, CommentId(7));
                what
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(relayed(""), Relayed::Written);
        assert_eq!(relayed("update"), Relayed::Updated);
        assert_eq!(relayed("delete"), Relayed::Deleted);
        assert_eq!(relayed("hide"), Relayed::Hidden);
        assert_eq!(relayed("like:12"), Relayed::Liked { like: LikeId(12) });
        assert_eq!(
            relayed("unlike:3:12"),
            Relayed::Unliked {
                by: Unliker::Local {
                    actor: ActorId(3),
                    like: LikeId(12)
                }
            }
        );
        assert_eq!(
            relayed("unlike:r9:https://b.example/likes/1"),
            Relayed::Unliked {
                by: Unliker::Remote {
                    actor: RemoteActorId(9),
                    like: inbox("https://b.example/likes/1")
                }
            }
        );
        assert_eq!(
            legacy(EventKind::DebateAnnounced, 2, None, "create"),
            Outbound::DebateAnnounced {
                debate: DebateId(2),
                form: AnnounceForm::Create
            }
        );
        assert_eq!(
            legacy(EventKind::CommentUnliked, 5, None, "44"),
            Outbound::CommentUnliked {
                comment: CommentId(5),
                like: LikeId(44)
            }
        );
        assert_eq!(
            legacy(
                EventKind::FollowAccepted,
                0,
                Some(8),
                "https://b.example/follows/1"
            ),
            Outbound::FollowAccepted {
                follow: inbox("https://b.example/follows/1"),
                follower: RemoteActorId(8)
            }
        );
        // Every kind reads, and keeps its kind.
        for kind in EventKind::ALL {
            let payload = match kind {
                EventKind::CommentLiked
                | EventKind::CommentUnliked
                | EventKind::ProposalSupported
                | EventKind::ProposalUnsupported => "1",
                EventKind::ProposalFollowAccepted
                | EventKind::FollowAccepted
                | EventKind::FollowRejected => "https://b.example/follows/1",
                _ => "",
            };
            assert_eq!(legacy(*kind, 1, Some(1), payload).kind(), kind.as_str());
        }
    }

    #[test]
    fn a_legacy_row_that_cannot_be_read_says_why() {
        for (kind, target, payload) in [
            (EventKind::CommentLiked, None, "x"),
            (EventKind::CommentAnnounced, None, "boost"),
            (EventKind::CommentAnnounced, None, "unlike:r9"),
            (
                EventKind::FollowAccepted,
                None,
                "https://b.example/follows/1",
            ),
            (
                EventKind::FollowAccepted,
                Some(RemoteActorId(1)),
                "not a url",
            ),
        ] {
            assert!(
                Outbound::from_legacy(kind, 1, target, payload).is_err(),
                "{kind} {payload}"
            );
        }
    }

    #[test]
    fn the_stored_form_is_tagged_json_and_reads_back() {
        let value = Outbound::CommentAnnounced {
            comment: CommentId(3),
            what: Relayed::Unliked {
                by: Unliker::Remote {
                    actor: RemoteActorId(2),
                    like: ApUrl::parse("https://b.example/likes/1")
                        .unwrap_or_else(|e| panic!("{e}")),
                },
            },
        };
        let json = serde_json::to_string(&value).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"type":"comment_announced","comment":3,"what":{"kind":"unliked","by":{"who":"remote","actor":2,"like":"https://b.example/likes/1"}}}"#
        );
        let back: Outbound = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, value);
    }
}
