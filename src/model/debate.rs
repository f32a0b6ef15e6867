//! Debates and their comments.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{ActorId, CommentId, DebateId, RemoteActorId};
use crate::model::schema::{comments, debates};

text_enum!(
    /// Where a debate stands: open to comments, closed (read only), or archived (out of the lists).
    DebateStatus {
        Open => "open",
        Closed => "closed",
        Archived => "archived",
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
    pub commune_id: ActorId,
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
}

impl Debate {
    /// Whether comments are accepted at `now`: open, and not past its closing time.
    pub fn accepts_comments(&self, now: NaiveDateTime) -> bool {
        self.status == DebateStatus::Open && self.closes_at.is_none_or(|c| now < c)
    }
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
}
