//! From what civic recorded to what is sent: each `Outbound` value is planned into one activity, whether it
//! is listed in the actor's outbox, the post it carries, and the inboxes it goes to. The match below is
//! exhaustive: a new `Outbound` variant does not compile until its type's module says how it is sent. Each
//! type's module (`notes`, `actors`, `debates`, `proposals`, `polls`, `follows`, `moderation`, `newsletter`, `problems`) holds its
//! builders beside its wire shapes and its readers; this module holds what they share.

pub mod audience;
#[cfg(test)]
mod snapshots;

use chrono::Utc;
use url::Url;

use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{ActivityOut, ApType, ObjectOut, PUBLIC};
use crate::federation::urls::Urls;
use crate::federation::{
    actors, context, debates, follows, meetings, moderation, newsletter, notes, polls, problems,
    proposals,
};
use crate::ids::{ActorId, NoteId};
use crate::model::Outbound;

/// What an event calls for: the activity, whether it is listed in the outbox, the post it carries, and the
/// inboxes it goes to.
pub struct Planned {
    pub activity: ActivityOut,
    pub listed: bool,
    pub note: Option<NoteId>,
    pub inboxes: Vec<String>,
    /// What servers running FEP-1b12 group software (Lemmy, Mbin, PieFed…) get instead.
    pub for_groups: ForGroups,
}

/// What FEP-1b12 group software takes of a commune's relay: it answers `400` to an `Announce` of an object
/// (Mastodon's boost form) and reads only `Announce` of an activity.
#[derive(Debug)]
pub enum ForGroups {
    /// The same activity as everyone.
    Same,
    /// Another activity (the `Announce(Create(Note))` of a comment announced to others as a `Note`).
    Instead(Box<ActivityOut>),
    /// Nothing: they get this relay in its other form, or cannot take it.
    Nothing,
}

impl Planned {
    /// An activity that is not listed in the outbox and carries no post.
    pub fn unlisted(activity: ActivityOut, inboxes: impl IntoIterator<Item = String>) -> Planned {
        Planned {
            activity,
            listed: false,
            note: None,
            inboxes: inboxes.into_iter().collect(),
            for_groups: ForGroups::Same,
        }
    }

    /// An activity listed in the outbox (a public publication).
    pub fn listed(activity: ActivityOut, inboxes: impl IntoIterator<Item = String>) -> Planned {
        Planned {
            listed: true,
            ..Planned::unlisted(activity, inboxes)
        }
    }

    /// A civic object's life (a report, a meeting, a commitment) told by the actor that owns it: its
    /// `Create` is listed in the outbox, its `Update`s and `Delete` are not, and group software gets none of
    /// it (Lemmy and its kin take posts from people, not the community's own objects).
    pub fn own_object(
        kind: ApType,
        activity: ActivityOut,
        inboxes: impl IntoIterator<Item = String>,
    ) -> Planned {
        Planned {
            listed: kind == ApType::Create,
            for_groups: ForGroups::Nothing,
            ..Planned::unlisted(activity, inboxes)
        }
    }
}

/// The local actor an event is sent for, and how its activities are named.
pub struct Sender<'a> {
    pub urls: &'a Urls,
    pub id: ActorId,
    pub url: Url,
}

impl Sender<'_> {
    /// A top-level activity by the sender.
    pub fn activity(
        &self,
        kind: ApType,
        id: Url,
        object: ObjectOut,
        to: Vec<String>,
        cc: Vec<String>,
    ) -> ActivityOut {
        ActivityOut {
            context: Some(context()),
            id,
            kind,
            actor: self.url.clone(),
            object,
            to,
            cc,
            published: Some(Utc::now()),
            content: None,
            target: None,
        }
    }

    /// Its `Undo`: the undone activity embedded without its context and date.
    pub fn undo(&self, undone: ActivityOut, to: Vec<String>) -> ActivityOut {
        let inner = ActivityOut {
            context: None,
            published: None,
            ..undone
        };
        self.activity(
            ApType::Undo,
            self.urls.activity(),
            ObjectOut::Activity(Box::new(inner)),
            to,
            vec![],
        )
    }

    /// A `Like` by the sender (an agree, a support), or its `Undo`.
    pub fn like_or_undo(&self, id: Url, object: Url, to: Vec<String>, on: bool) -> ActivityOut {
        let like = ActivityOut {
            context: Some(context()),
            id,
            kind: ApType::Like,
            actor: self.url.clone(),
            object: ObjectOut::Link(object),
            to: to.clone(),
            cc: vec![],
            published: Some(Utc::now()),
            content: None,
            target: None,
        };
        if on { like } else { self.undo(like, to) }
    }

    /// The commune's `Announce` of an activity, addressed as its relays are.
    pub fn announce_activity(&self, inner: ActivityOut) -> ActivityOut {
        self.activity(
            ApType::Announce,
            self.urls.activity(),
            ObjectOut::Activity(Box::new(inner)),
            vec![PUBLIC.to_string()],
            vec![self.followers()],
        )
    }

    /// The sender's followers collection.
    pub fn followers(&self) -> String {
        self.urls.followers(&self.url).to_string()
    }

    /// The commune relays something to its followers (FEP-1b12); what group software gets is `for_groups`.
    pub fn announce(&self, conn: &mut AnyConnection, object: ObjectOut) -> Result<Planned> {
        let activity = self.activity(
            ApType::Announce,
            self.urls.activity(),
            object,
            vec![PUBLIC.to_string()],
            vec![self.followers()],
        );
        Ok(Planned::listed(
            activity,
            audience::follower_inboxes(conn, self.id)?,
        ))
    }
}

/// A `Follow` embedded in the activity that answers or undoes it.
pub fn follow_object(id: Url, follower: Url, followed: Url) -> ActivityOut {
    ActivityOut {
        context: None,
        id,
        kind: ApType::Follow,
        actor: follower,
        object: ObjectOut::Link(followed),
        to: vec![],
        cc: vec![],
        published: None,
        content: None,
        target: None,
    }
}

/// A URL stored here (a remote id), read back.
pub fn stored_url(raw: &str) -> Result<Url> {
    Url::parse(raw).map_err(|e| Error::BadRequest(format!("stored id {raw}: {e}")))
}

/// Plans what `actor` must send for `what`; `None` when there is nothing to send (no one to tell, or the
/// subject is not ours to speak of).
pub fn plan(
    conn: &mut AnyConnection,
    urls: &Urls,
    actor: ActorId,
    what: &Outbound,
) -> Result<Option<Planned>> {
    let found = queries::actor_by_id(conn, actor)?;
    let s = Sender {
        urls,
        id: actor,
        url: urls.actor(found.kind, &found.username),
    };
    match what {
        Outbound::NotePublished { note } => notes::published(conn, &s, *note).map(Some),
        Outbound::NoteDeleted { note } => notes::deleted(conn, &s, *note).map(Some),
        Outbound::NoteUpdated { note } => notes::updated(conn, &s, *note),
        Outbound::NoteFavourited { note, favourite } => {
            notes::favourited(conn, &s, *note, *favourite, true)
        }
        Outbound::NoteUnfavourited { note, favourite } => {
            notes::favourited(conn, &s, *note, *favourite, false)
        }
        Outbound::NoteReblogged { reblog } => notes::reblogged(conn, &s, *reblog),
        Outbound::NoteUnreblogged { reblog, of } => notes::unreblogged(conn, &s, *reblog, *of),
        Outbound::ActorUpdated => actors::updated(conn, &s, &found).map(Some),
        Outbound::ActorDeleted { inboxes } => Ok(Some(actors::deleted(&s, inboxes))),
        Outbound::DebatePublished { debate } => {
            debates::outbound::published(conn, &s, *debate).map(Some)
        }
        Outbound::DebateAnnounced { debate, form } => {
            debates::outbound::announced(conn, &s, *debate, *form).map(Some)
        }
        Outbound::DebateUpdated { debate } | Outbound::ProposalUpdated { proposal: debate } => {
            debates::outbound::updated(conn, &s, *debate)
        }
        Outbound::CommentPublished { comment } => {
            debates::outbound::comment_published(conn, &s, *comment).map(Some)
        }
        Outbound::CommentUpdated { comment } => {
            debates::outbound::comment_updated(conn, &s, *comment).map(Some)
        }
        Outbound::CommentDeleted { comment } => {
            debates::outbound::comment_deleted(conn, &s, *comment).map(Some)
        }
        Outbound::CommentAnnounced { comment, what } => {
            match debates::relayed(conn, &s, *comment, what)? {
                Some((object, for_groups)) => {
                    let mut planned = s.announce(conn, object)?;
                    planned.for_groups = for_groups;
                    Ok(Some(planned))
                }
                None => Ok(None),
            }
        }
        Outbound::CommentLiked { comment, like } => {
            debates::outbound::agreed(conn, &s, *comment, *like, true).map(Some)
        }
        Outbound::CommentUnliked { comment, like } => {
            debates::outbound::agreed(conn, &s, *comment, *like, false).map(Some)
        }
        Outbound::ProposalAnswered { change } => proposals::answered(conn, &s, *change).map(Some),
        Outbound::ProposalSupported { proposal, support } => {
            proposals::supported(conn, &s, *proposal, *support, true).map(Some)
        }
        Outbound::ProposalUnsupported { proposal, support } => {
            proposals::supported(conn, &s, *proposal, *support, false).map(Some)
        }
        Outbound::ProposalFollowAccepted {
            proposal,
            follower,
            follow,
        } => proposals::follow_accepted(conn, &s, *proposal, *follower, follow),
        Outbound::PollPublished { poll } => polls::published(conn, &s, *poll).map(Some),
        Outbound::PollAnnounced { poll } => polls::announced(conn, &s, *poll).map(Some),
        Outbound::PollUpdated { poll } | Outbound::PollClosed { poll } => {
            polls::updated(conn, &s, *poll)
        }
        Outbound::PollVoted { vote } => polls::voted(conn, &s, *vote),
        Outbound::FollowRequested { follow, target } => {
            follows::requested(conn, &s, *follow, *target, true)
        }
        Outbound::FollowUndone { follow, target } => {
            follows::requested(conn, &s, *follow, *target, false)
        }
        Outbound::FollowAccepted { follow, follower } => {
            follows::answered(conn, &s, follow, *follower, s.url.clone(), ApType::Accept)
        }
        Outbound::FollowRejected { follow, follower } => {
            follows::answered(conn, &s, follow, *follower, s.url.clone(), ApType::Reject)
        }
        Outbound::AccountBlocked { block, account } => {
            moderation::blocked(conn, &s, *block, *account, true)
        }
        Outbound::AccountUnblocked { block, account } => {
            moderation::blocked(conn, &s, *block, *account, false)
        }
        Outbound::ReportForwarded { report, account } => {
            moderation::forwarded(conn, &s, *report, *account)
        }
        Outbound::NewsletterSent { issue } => newsletter::sent(conn, &s, *issue).map(Some),
        Outbound::ProblemPublished { problem } => problems::published(conn, &s, *problem).map(Some),
        Outbound::ProblemUpdated { problem } => problems::updated(conn, &s, *problem).map(Some),
        Outbound::ProblemOffered { handover } => problems::offered(conn, &s, *handover).map(Some),
        Outbound::ProblemOfferAnswered { handover } => {
            problems::offer_answered(conn, &s, *handover).map(Some)
        }
        Outbound::HandedStatusChanged {
            handover,
            status,
            message,
        } => problems::handed_status(conn, &s, *handover, *status, message).map(Some),
        Outbound::MeetingPublished { meeting } => meetings::published(conn, &s, *meeting).map(Some),
        Outbound::MeetingUpdated { meeting } => meetings::updated(conn, &s, *meeting).map(Some),
        Outbound::MeetingJoinAccepted { participant } => {
            meetings::join_accepted(conn, &s, *participant).map(Some)
        }
        Outbound::MeetingJoinRejected {
            meeting: _,
            actor,
            join,
        } => meetings::join_rejected(conn, &s, *actor, join).map(Some),
        Outbound::RemoteEventJoined { participation } => {
            meetings::elsewhere::joined(conn, &s, *participation).map(Some)
        }
        Outbound::RemoteEventLeft { participation } => {
            meetings::elsewhere::left(conn, &s, *participation).map(Some)
        }
        Outbound::CommitmentPublished { commitment } => {
            crate::federation::commitments::published(conn, &s, *commitment).map(Some)
        }
        Outbound::CommitmentUpdated { commitment } => {
            crate::federation::commitments::updated(conn, &s, *commitment).map(Some)
        }
    }
}
