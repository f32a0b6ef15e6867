//! The commune's newsletter: its issues, written by officials and staff, sent by mail to subscribers and
//! published as an `Article` by the commune.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::{ActorId, NewsletterId};
use crate::model::schema::newsletter_issues;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = newsletter_issues)]
pub struct NewsletterIssue {
    pub id: NewsletterId,
    pub commune_id: ActorId,
    pub author_id: ActorId,
    pub title: String,
    /// Markdown, as written.
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When it was sent; a draft until then.
    pub sent_at: Option<NaiveDateTime>,
    /// How many addresses it was sent to.
    pub recipients: i64,
}

impl NewsletterIssue {
    pub fn is_sent(&self) -> bool {
        self.sent_at.is_some()
    }
}
