//! Typed ids: a commune's id cannot be passed where an account's is expected.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Any local actor: the instance, a commune or a person.
    ActorId
);
id_type!(
    /// A mandate held by an official.
    MandateId
);
id_type!(
    /// An API bearer token (its row, never the secret).
    TokenId
);
id_type!(
    /// An actor of another server, as stored here.
    RemoteActorId
);
id_type!(
    /// A follow relationship.
    FollowId
);
id_type!(
    /// A short post.
    NoteId
);
id_type!(
    /// A picture uploaded to be attached to a post.
    MediaId
);
id_type!(
    /// Something civic decided must be sent.
    EventId
);
id_type!(
    /// An activity as sent.
    OutgoingId
);
id_type!(
    /// One activity to one inbox.
    DeliveryId
);
id_type!(
    /// A debate hosted by a commune.
    DebateId
);
id_type!(
    /// A comment on a debate.
    CommentId
);
id_type!(
    /// A theme a commune files debates under.
    ThemeId
);
id_type!(
    /// A poll (a questionnaire's question, or one on its own), here or copied from another server.
    PollId
);
id_type!(
    /// One option of a poll.
    OptionId
);
id_type!(
    /// A questionnaire: several questions answered together.
    QuestionnaireId
);
id_type!(
    /// A report to moderators.
    ReportId
);
id_type!(
    /// A block of a remote account, by a commune or the instance.
    BlockId
);
id_type!(
    /// An "agree" with a comment (a `Like`).
    LikeId
);
id_type!(
    /// A support of a proposal.
    SupportId
);
id_type!(
    /// A vote given here on another server's poll (one option).
    VoteId
);
id_type!(
    /// A proposal's move to a new status, with its official answer.
    StatusChangeId
);
id_type!(
    /// An issue of a commune's newsletter.
    NewsletterId
);
id_type!(
    /// A problem report (a pothole, a broken street light…).
    ProblemId
);
id_type!(
    /// A category of problem reports, per commune.
    CategoryId
);
id_type!(
    /// A problem report of a commune on another server, as kept here.
    RemoteProblemId
);
id_type!(
    /// A problem report handed from one commune to another (here or on another server).
    HandoverId
);
id_type!(
    /// A client app filing problem reports through Open311, with its API key.
    Open311ClientId
);
id_type!(
    /// A meeting of a commune (a council session, a public meeting, a workshop, office hours).
    MeetingId
);
id_type!(
    /// Someone's registration for an event (going, or waiting for a seat).
    ParticipantId
);
id_type!(
    /// A councillor of a commune as the national register lists them (claimed or not).
    CouncilMemberId
);
id_type!(
    /// An official's commitment (an action plan).
    CommitmentId
);
id_type!(
    /// A rule repeating a commune's office hours.
    SeriesId
);
id_type!(
    /// An event of another server (a commune's meeting elsewhere, a Mobilizon event), as kept here.
    RemoteEventId
);
id_type!(
    /// Someone here registering for an event of another server (their `Join`).
    RemoteParticipationId
);
id_type!(
    /// A favourite of a post (a `Like`).
    FavouriteId
);
id_type!(
    /// A post an account bookmarked (kept here only).
    BookmarkId
);
id_type!(
    /// Something an account was told.
    NotificationId
);

/// The id of something on another server (an activity, an actor, an inbox): a URL, checked when it is made.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApUrl(url::Url);

impl ApUrl {
    pub fn parse(raw: &str) -> Result<ApUrl, url::ParseError> {
        url::Url::parse(raw).map(ApUrl)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

impl From<url::Url> for ApUrl {
    fn from(url: url::Url) -> ApUrl {
        ApUrl(url)
    }
}

impl std::fmt::Display for ApUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
id_type!(
    /// A message in the mail queue.
    MailId
);
