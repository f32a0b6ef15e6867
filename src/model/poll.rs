//! Polls and questionnaires: a question with options that people vote on (here, or from Mastodon as a
//! `Question`), and questionnaires that group several questions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{ActorId, OptionId, PollId, QuestionnaireId, RemoteActorId};
use crate::model::schema::{poll_options, polls, questionnaires};

text_enum!(
    /// What a question asks for: one option, several, a mark from 1 to 5, or free text (questionnaires only).
    PollKind {
        Single => "single",
        Multiple => "multiple",
        Scale => "scale",
        Text => "text",
    }
);

impl PollKind {
    /// Whether a voter may choose several options (`anyOf`).
    pub fn is_multiple(self) -> bool {
        self == PollKind::Multiple
    }

    /// Whether it has options people vote for (all but free text).
    pub fn has_options(self) -> bool {
        self != PollKind::Text
    }
}

text_enum!(
    /// Whose votes form the official result: everyone's, this instance's accounts', or the commune's verified
    /// residents'. Votes of others are kept and shown apart, as other voices.
    Eligibility {
        Anyone => "anyone",
        Local => "local",
        Residents => "residents",
    }
);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = polls)]
pub struct Poll {
    pub id: PollId,
    /// The commune hosting it; `None` for a copy of another server's `Question`.
    pub commune_id: Option<ActorId>,
    pub author_id: Option<ActorId>,
    /// The `Question`'s id, for a copy.
    pub ap_id: Option<String>,
    pub remote_author_id: Option<RemoteActorId>,
    pub questionnaire_id: Option<QuestionnaireId>,
    pub kind: PollKind,
    pub question: String,
    pub eligibility: Eligibility,
    pub live_results: bool,
    pub federated: bool,
    pub voters: i64,
    pub other_voters: i64,
    pub closes_at: NaiveDateTime,
    pub closed: bool,
    pub created_at: NaiveDateTime,
}

impl Poll {
    pub fn is_local(&self) -> bool {
        self.ap_id.is_none()
    }

    /// Whether voting is over at `now`.
    pub fn is_closed(&self, now: NaiveDateTime) -> bool {
        self.closed || self.closes_at <= now
    }

    /// Whether its counts may be shown at `now`: live, or once closed.
    pub fn shows_results(&self, now: NaiveDateTime) -> bool {
        self.live_results || self.is_closed(now)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = poll_options)]
pub struct PollOption {
    pub id: OptionId,
    #[serde(skip)]
    pub poll_id: PollId,
    pub position: i32,
    pub name: String,
    /// Official votes (all votes, on a copy: as its author counts them).
    pub votes: i64,
    /// Votes from people outside the official result.
    pub other_votes: i64,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = questionnaires)]
pub struct Questionnaire {
    pub id: QuestionnaireId,
    pub commune_id: ActorId,
    pub author_id: Option<ActorId>,
    pub title: String,
    pub intro_html: String,
    pub closes_at: NaiveDateTime,
    pub responses: i64,
    pub created_at: NaiveDateTime,
}

impl Questionnaire {
    pub fn is_closed(&self, now: NaiveDateTime) -> bool {
        self.closes_at <= now
    }
}
