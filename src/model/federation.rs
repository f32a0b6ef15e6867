//! Rows for remote actors, follows, posts and the outgoing queue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{
    ActorId, CommentId, DebateId, DeliveryId, EventId, FollowId, MediaId, MeetingId, NoteId,
    OutgoingId, PollId, ProblemId, RemoteActorId,
};
use crate::model::schema::{
    deliveries, follows, media_attachments, note_remote_attachments, notes, outbox_events,
    remote_actors,
};

/// An actor of another server, as its document last said.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = remote_actors)]
pub struct RemoteActor {
    pub id: RemoteActorId,
    pub ap_id: String,
    /// The ActivityStreams type (`Person`, `Group`, `Service`…).
    pub kind: String,
    /// `host[:port]` of its id.
    pub domain: String,
    pub username: String,
    pub display_name: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub url: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub manually_approves_followers: bool,
    pub fetched_at: NaiveDateTime,
    /// Its stored document broke a provenance rule (or lost its key to the actor that proves it): it has no
    /// key and gets no delivery until it is fetched again.
    pub needs_refetch: bool,
}

#[cfg(test)]
impl RemoteActor {
    /// An actor of another server as tests need one: `kind` (`Person`, `Group`…) at `ap_id`, its inbox and
    /// key beside it.
    pub fn sample(ap_id: &str, kind: &str) -> RemoteActor {
        let domain = url::Url::parse(ap_id)
            .map(|u| crate::federation::domain_of(&u))
            .unwrap_or_default();
        RemoteActor {
            id: crate::ids::RemoteActorId(1),
            ap_id: ap_id.into(),
            kind: kind.into(),
            domain,
            username: "x".into(),
            display_name: "x".into(),
            inbox: format!("{ap_id}/inbox"),
            shared_inbox: None,
            url: None,
            key_id: format!("{ap_id}#main-key"),
            public_key_pem: String::new(),
            manually_approves_followers: false,
            fetched_at: chrono::Utc::now().naive_utc(),
            needs_refetch: false,
        }
    }
}

impl RemoteActor {
    /// `@name@host`, as people write it.
    pub fn handle(&self) -> String {
        format!("@{}@{}", self.username, self.domain)
    }

    /// The name shown for it: its display name, else its handle.
    pub fn shown_name(&self) -> String {
        if self.display_name.is_empty() {
            self.handle()
        } else {
            self.display_name.clone()
        }
    }

    /// Where deliveries go: the server's shared inbox if it has one (one request per server, not per follower).
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox.as_deref().unwrap_or(&self.inbox)
    }
}

/// A follow: each side is local or remote.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: FollowId,
    pub follower_id: Option<ActorId>,
    pub follower_remote_id: Option<RemoteActorId>,
    pub target_id: Option<ActorId>,
    pub target_remote_id: Option<RemoteActorId>,
    pub accepted: bool,
    /// The Follow activity's id when a remote server sent it; ours are built from `id`.
    pub follow_ap_id: Option<String>,
    pub created_at: NaiveDateTime,
}

text_enum!(
    /// Who may see a post (Mastodon's four levels).
    Visibility {
        Public => "public",
        Unlisted => "unlisted",
        Private => "private",
        Direct => "direct",
    }
);

/// A short post, local or received.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notes)]
pub struct Note {
    pub id: NoteId,
    pub author_id: Option<ActorId>,
    pub remote_author_id: Option<RemoteActorId>,
    pub ap_id: Option<String>,
    /// Sanitized HTML.
    pub content: String,
    pub visibility: Visibility,
    pub in_reply_to: Option<String>,
    pub published: NaiveDateTime,
    pub deleted: bool,
    /// A boost: the post it shares (this row has no content of its own).
    pub reblog_of_id: Option<NoteId>,
    /// When it was last edited (its earlier versions are in `note_revisions`).
    pub edited_at: Option<NaiveDateTime>,
    /// For the post of a civic thing: what it is (read with `civic()`).
    pub civic_kind: Option<CivicKind>,
    pub civic_id: Option<i64>,
}

text_enum!(
    /// The civic things shown to Mastodon apps as posts.
    CivicKind {
        Debate => "debate",
        Comment => "comment",
        Poll => "poll",
        Problem => "problem",
        Meeting => "meeting",
    }
);

/// The civic thing a post stands for (a proposal is a debate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CivicRef {
    Debate(DebateId),
    Comment(CommentId),
    Poll(PollId),
    Problem(ProblemId),
    Meeting(MeetingId),
}

impl CivicRef {
    /// As stored on its post: its kind and id.
    pub fn parts(self) -> (CivicKind, i64) {
        match self {
            CivicRef::Debate(id) => (CivicKind::Debate, id.0),
            CivicRef::Comment(id) => (CivicKind::Comment, id.0),
            CivicRef::Poll(id) => (CivicKind::Poll, id.0),
            CivicRef::Problem(id) => (CivicKind::Problem, id.0),
            CivicRef::Meeting(id) => (CivicKind::Meeting, id.0),
        }
    }

    pub fn from_parts(kind: CivicKind, id: i64) -> CivicRef {
        match kind {
            CivicKind::Debate => CivicRef::Debate(DebateId(id)),
            CivicKind::Comment => CivicRef::Comment(CommentId(id)),
            CivicKind::Poll => CivicRef::Poll(PollId(id)),
            CivicKind::Problem => CivicRef::Problem(ProblemId(id)),
            CivicKind::Meeting => CivicRef::Meeting(MeetingId(id)),
        }
    }
}

impl Note {
    /// The civic thing this post stands for, if it is one.
    pub fn civic(&self) -> Option<CivicRef> {
        Some(CivicRef::from_parts(self.civic_kind?, self.civic_id?))
    }
}

/// A picture uploaded here, attached to a post or waiting for one.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = media_attachments)]
pub struct MediaAttachment {
    pub id: MediaId,
    pub owner_id: ActorId,
    pub note_id: Option<NoteId>,
    pub position: i32,
    /// The JPEG's name under `media/attachments` (random: its URL cannot be guessed)…
    pub file: String,
    /// …and its thumbnail's.
    pub thumb: String,
    /// Its alt text (empty when none was given).
    pub description: String,
    pub width: i32,
    pub height: i32,
    pub created_at: NaiveDateTime,
}

/// A picture of a post from elsewhere: its link, never its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = note_remote_attachments)]
pub struct RemoteAttachment {
    pub note_id: NoteId,
    pub position: i32,
    pub url: String,
    pub media_type: String,
    pub description: String,
}

text_enum!(
    /// The kinds of outbox rows written before events were typed (`Outbound::from_legacy` reads them). Frozen:
    /// a new kind of event is a new `Outbound` variant, whose tag is stored as the row's kind.
    EventKind {
        NotePublished => "note_published",
        NoteDeleted => "note_deleted",
        ActorUpdated => "actor_updated",
        ActorDeleted => "actor_deleted",
        DebatePublished => "debate_published",
        DebateAnnounced => "debate_announced",
        CommentPublished => "comment_published",
        CommentAnnounced => "comment_announced",
        CommentUpdated => "comment_updated",
        CommentDeleted => "comment_deleted",
        CommentLiked => "comment_liked",
        CommentUnliked => "comment_unliked",
        DebateUpdated => "debate_updated",
        ProposalUpdated => "proposal_updated",
        ProposalAnswered => "proposal_answered",
        ProposalSupported => "proposal_supported",
        ProposalUnsupported => "proposal_unsupported",
        ProposalFollowAccepted => "proposal_follow_accepted",
        PollPublished => "poll_published",
        PollAnnounced => "poll_announced",
        PollUpdated => "poll_updated",
        PollClosed => "poll_closed",
        PollVoted => "poll_voted",
        FollowRequested => "follow_requested",
        FollowUndone => "follow_undone",
        FollowAccepted => "follow_accepted",
        FollowRejected => "follow_rejected",
        AccountBlocked => "account_blocked",
        AccountUnblocked => "account_unblocked",
        ReportForwarded => "report_forwarded",
    }
);

/// Something civic decided must be sent, written with the change that caused it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxEvent {
    pub id: EventId,
    /// `Outbound::kind`: its tag (`note_published`…), the names rows of the previous version carry too.
    pub kind: String,
    /// The local actor on whose behalf it is sent (and who signs it).
    pub actor_id: ActorId,
    /// The row it is about (`Outbound::subject`).
    pub subject_id: i64,
    /// Before events were typed: the remote actor of activities sent to one actor only (Follow, Accept…).
    pub target_remote_id: Option<RemoteActorId>,
    /// Extra data some kinds needed before events were typed (the AP id of the Follow being accepted).
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub expanded: bool,
    /// What to send (JSON of `Outbound`); `None` in rows queued before events were typed.
    pub outbound: Option<String>,
}

impl OutboxEvent {
    /// What the event asks to send: its typed value, or what a row of the previous version said.
    pub fn outbound(&self) -> Result<crate::model::Outbound, String> {
        match &self.outbound {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| format!("outbox event {}: {e}", self.id))
            }
            None => crate::model::Outbound::from_legacy(
                EventKind::parse(&self.kind).ok_or_else(|| {
                    format!("outbox event {}: unknown kind {}", self.id, self.kind)
                })?,
                self.subject_id,
                self.target_remote_id,
                &self.payload,
            ),
        }
    }
}

/// One activity to one inbox.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: DeliveryId,
    pub activity_id: OutgoingId,
    pub inbox: String,
    pub domain: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}
