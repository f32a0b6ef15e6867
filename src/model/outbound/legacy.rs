//! The outbox rows of the version before events were typed: a kind, a bare subject id, a target and a
//! string payload carrying routing keys. Only read (`Outbound::from_legacy`), so that an upgrade delivers what
//! the previous version had queued; nothing writes this format any more. Its keys are defined here once.

use crate::ids::{
    ActorId, ApUrl, BlockId, CommentId, DebateId, FollowId, LikeId, NoteId, PollId, RemoteActorId,
    ReportId, StatusChangeId, SupportId, VoteId,
};
use crate::model::EventKind;

use super::{AnnounceForm, Outbound, Relayed, Unliker};

/// A debate's relay nested in its author's `Create` (else the plain `Page`).
const CREATE_FORM: &str = "create";
/// What happened to a relayed comment (no payload: it was written).
const UPDATED: &str = "update";
const DELETED: &str = "delete";
const HIDDEN: &str = "hide";
/// `like:{like id}`.
const LIKED: &str = "like:";
/// `unlike:{local actor id}:{like id}`, or `unlike:r{remote actor id}:{the Like's id}`.
const UNLIKED: &str = "unlike:";
const REMOTE: char = 'r';
const SEPARATOR: char = ':';

type Number<'a> = &'a dyn Fn(&str) -> Result<i64, String>;
type Link<'a> = &'a dyn Fn(&str) -> Result<ApUrl, String>;

/// What a comment relay's payload said.
fn relayed(payload: &str, number: Number, url: Link) -> Result<Relayed, String> {
    Ok(match payload {
        "" => Relayed::Written,
        UPDATED => Relayed::Updated,
        DELETED => Relayed::Deleted,
        HIDDEN => Relayed::Hidden,
        other => {
            if let Some(like) = other.strip_prefix(LIKED) {
                Relayed::Liked {
                    like: LikeId(number(like)?),
                }
            } else if let Some(rest) = other.strip_prefix(UNLIKED) {
                let (who, like) = rest
                    .split_once(SEPARATOR)
                    .ok_or_else(|| format!("a relay payload {other:?}"))?;
                Relayed::Unliked {
                    by: match who.strip_prefix(REMOTE) {
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
    })
}

impl Outbound {
    /// Reads a row queued before outbox events were typed: its kind, subject, target and payload. `Err` says
    /// what is wrong with a row that cannot be read (it is set aside, as an event whose subject vanished).
    pub fn from_legacy(
        kind: EventKind,
        subject: i64,
        target: Option<RemoteActorId>,
        payload: &str,
    ) -> Result<Outbound, String> {
        let target = || target.ok_or_else(|| format!("a {kind} event without its remote actor"));
        let number = &|raw: &str| {
            raw.parse::<i64>()
                .map_err(|e| format!("a {kind} event's payload {raw:?}: {e}"))
        };
        let url = &|raw: &str| {
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
                form: if payload == CREATE_FORM {
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
                what: relayed(payload, number, url)?,
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

    /// The row the previous version wrote for `self`, sent by `actor` (for tests that check an upgrade):
    /// the inverse of `from_legacy`, from the same keys. `None` for a change that version could not make
    /// (a hidden comment shown again, a newsletter, a problem report).
    #[cfg(test)]
    pub(crate) fn to_legacy(
        &self,
        actor: ActorId,
    ) -> Option<(EventKind, i64, Option<RemoteActorId>, String)> {
        // Newsletters came after typed events: no legacy kind.
        if let Outbound::NewsletterSent { .. }
        | Outbound::ProblemPublished { .. }
        | Outbound::ProblemUpdated { .. }
        | Outbound::ProblemOffered { .. }
        | Outbound::ProblemOfferAnswered { .. }
        | Outbound::HandedStatusChanged { .. }
        | Outbound::MeetingPublished { .. }
        | Outbound::MeetingUpdated { .. }
        | Outbound::MeetingJoinAccepted { .. }
        | Outbound::MeetingJoinRejected { .. }
        | Outbound::RemoteEventJoined { .. }
        | Outbound::RemoteEventLeft { .. }
        | Outbound::CommitmentPublished { .. }
        | Outbound::CommitmentUpdated { .. }
        | Outbound::NoteUpdated { .. }
        | Outbound::NoteFavourited { .. }
        | Outbound::NoteUnfavourited { .. }
        | Outbound::NoteReblogged { .. }
        | Outbound::NoteUnreblogged { .. } = self
        {
            return None;
        }
        let kind =
            EventKind::parse(&self.kind()).unwrap_or_else(|| panic!("{self:?} has no legacy kind"));
        let plain = |subject: i64| (kind, subject, None, String::new());
        let join = |parts: &[&str]| parts.concat();
        Some(match self {
            Outbound::ActorUpdated => plain(actor.0),
            Outbound::ActorDeleted { inboxes } => {
                let lines: Vec<&str> = inboxes.iter().map(ApUrl::as_str).collect();
                (kind, actor.0, None, lines.join("\n"))
            }
            Outbound::DebateAnnounced { debate, form } => {
                let form = match form {
                    AnnounceForm::Create => CREATE_FORM,
                    AnnounceForm::Page => "page",
                };
                (kind, debate.0, None, form.into())
            }
            Outbound::CommentAnnounced { comment, what } => {
                let sep = SEPARATOR.to_string();
                let payload = match what {
                    Relayed::Written => String::new(),
                    Relayed::Updated => UPDATED.into(),
                    Relayed::Deleted => DELETED.into(),
                    Relayed::Hidden => HIDDEN.into(),
                    Relayed::Restored { .. } => return None,
                    Relayed::Liked { like } => join(&[LIKED, &like.to_string()]),
                    Relayed::Unliked {
                        by: Unliker::Local { actor, like },
                    } => join(&[UNLIKED, &actor.to_string(), &sep, &like.to_string()]),
                    Relayed::Unliked {
                        by: Unliker::Remote { actor, like },
                    } => join(&[
                        UNLIKED,
                        &REMOTE.to_string(),
                        &actor.to_string(),
                        &sep,
                        like.as_str(),
                    ]),
                };
                (kind, comment.0, None, payload)
            }
            Outbound::CommentLiked { comment, like }
            | Outbound::CommentUnliked { comment, like } => {
                (kind, comment.0, None, like.to_string())
            }
            Outbound::ProposalSupported { proposal, support }
            | Outbound::ProposalUnsupported { proposal, support } => {
                (kind, proposal.0, None, support.to_string())
            }
            Outbound::ProposalFollowAccepted {
                proposal,
                follower,
                follow,
            } => (kind, proposal.0, Some(*follower), follow.to_string()),
            Outbound::FollowRequested { follow, target }
            | Outbound::FollowUndone { follow, target } => {
                (kind, follow.0, Some(*target), String::new())
            }
            // The previous version's subject was the local follow row, which nothing read.
            Outbound::FollowAccepted { follow, follower }
            | Outbound::FollowRejected { follow, follower } => {
                (kind, 0, Some(*follower), follow.to_string())
            }
            Outbound::AccountBlocked { block, account }
            | Outbound::AccountUnblocked { block, account } => {
                (kind, block.0, Some(*account), String::new())
            }
            Outbound::ReportForwarded { report, account } => {
                (kind, report.0, Some(*account), String::new())
            }
            Outbound::NotePublished { .. }
            | Outbound::NoteDeleted { .. }
            | Outbound::DebatePublished { .. }
            | Outbound::DebateUpdated { .. }
            | Outbound::CommentPublished { .. }
            | Outbound::CommentUpdated { .. }
            | Outbound::CommentDeleted { .. }
            | Outbound::ProposalUpdated { .. }
            | Outbound::ProposalAnswered { .. }
            | Outbound::PollPublished { .. }
            | Outbound::PollAnnounced { .. }
            | Outbound::PollUpdated { .. }
            | Outbound::PollClosed { .. }
            | Outbound::PollVoted { .. } => plain(self.subject()),
            Outbound::NewsletterSent { .. }
            | Outbound::ProblemPublished { .. }
            | Outbound::ProblemUpdated { .. }
            | Outbound::ProblemOffered { .. }
            | Outbound::ProblemOfferAnswered { .. }
            | Outbound::HandedStatusChanged { .. }
            | Outbound::MeetingPublished { .. }
            | Outbound::MeetingUpdated { .. }
            | Outbound::MeetingJoinAccepted { .. }
            | Outbound::MeetingJoinRejected { .. }
            | Outbound::RemoteEventJoined { .. }
            | Outbound::RemoteEventLeft { .. }
            | Outbound::CommitmentPublished { .. }
            | Outbound::CommitmentUpdated { .. }
            | Outbound::NoteUpdated { .. }
            | Outbound::NoteFavourited { .. }
            | Outbound::NoteUnfavourited { .. }
            | Outbound::NoteReblogged { .. }
            | Outbound::NoteUnreblogged { .. } => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ActorId, CommentId, DebateId, LikeId, RemoteActorId};

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
