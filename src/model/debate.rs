//! Debates and their comments.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId, ThemeId};
use crate::model::schema::{comment_revisions, comments, debates, themes};

text_enum!(
    /// Where a debate stands: open to comments, closed (read only), or archived (out of the lists).
    DebateStatus {
        Open => "open",
        Closed => "closed",
        Archived => "archived",
    }
);

text_enum!(
    /// Who may open a debate in a commune: those who speak for it (officials, moderators, admins), also its
    /// verified residents, any local account, or anyone, people from other servers included.
    DebateOpeners {
        Officials => "officials",
        Residents => "residents",
        Accounts => "accounts",
        Everyone => "everyone",
    }
);

text_enum!(
    /// The side a comment takes, so that the arguments of each side can be counted and read.
    Stance {
        For => "for",
        Against => "against",
        Neutral => "neutral",
    }
);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = debates)]
pub struct Debate {
    pub id: DebateId,
    /// The local commune hosting it; `None` for a debate hosted on another server.
    pub commune_id: Option<ActorId>,
    pub author_id: Option<ActorId>,
    pub title: String,
    pub question: String,
    pub body_markdown: String,
    /// Sanitized HTML made from the Markdown.
    pub body_html: String,
    pub status: DebateStatus,
    pub closes_at: Option<NaiveDateTime>,
    pub pinned: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The `Page` id its server gave it, for a debate written elsewhere.
    pub ap_id: Option<String>,
    /// The remote commune hosting it.
    pub remote_commune_id: Option<RemoteActorId>,
    pub remote_author_id: Option<RemoteActorId>,
    /// Before this time it takes no comments yet.
    pub opens_at: Option<NaiveDateTime>,
}

impl Debate {
    /// Whether it is hosted by a commune of this instance (else a copy of a debate hosted elsewhere).
    pub fn is_local(&self) -> bool {
        self.commune_id.is_some()
    }

    /// Whether comments are accepted at `now`: open, and not past its closing time.
    pub fn accepts_comments(&self, now: NaiveDateTime) -> bool {
        self.status == DebateStatus::Open
            && self.closes_at.is_none_or(|c| now < c)
            && !self.not_open_yet(now)
    }

    /// Whether, at `now`, it has not reached its opening time yet.
    pub fn not_open_yet(&self, now: NaiveDateTime) -> bool {
        self.opens_at.is_some_and(|o| now < o)
    }
}

/// A theme a commune files debates under.
#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = themes)]
pub struct Theme {
    pub id: ThemeId,
    pub commune_id: ActorId,
    pub name: String,
}

/// An earlier version of an edited comment.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = comment_revisions)]
pub struct CommentRevision {
    pub comment_id: CommentId,
    pub content_html: String,
    pub stance: Option<Stance>,
    /// When this version was written.
    pub written_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: CommentId,
    pub debate_id: DebateId,
    pub parent_id: Option<CommentId>,
    pub author_id: Option<ActorId>,
    pub remote_author_id: Option<RemoteActorId>,
    pub ap_id: Option<String>,
    /// Sanitized HTML.
    pub content_html: String,
    pub stance: Option<Stance>,
    pub deleted: bool,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    /// Hidden by a moderator of the debate's commune.
    pub hidden_at: Option<NaiveDateTime>,
    pub hidden_by: Option<ActorId>,
}

impl Comment {
    /// Whether its text is shown: not deleted by its author, not hidden by a moderator.
    pub fn visible(&self) -> bool {
        !self.deleted && self.hidden_at.is_none()
    }
}
