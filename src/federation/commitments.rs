//! Commitments on the wire: the official's `Page` (its page for people at the same URL), with a `summary`
//! Mastodon shows (where it stands, how far, by when) and `parvis:` terms for software that reads them:
//! `commitmentStatus` (`planned`, `in_progress`, `done`, `abandoned`), `progress` (0-100), `dueDate`, and
//! `answers` (the proposal it answers). Created for the official's and the commune's followers; each change
//! is an `Update` of the whole Page.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use url::Url;

use crate::civic::council::commitments;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::Result;
use crate::federation::activities::{ApType, ObjectOut, PUBLIC};
use crate::federation::outbound::{Planned, Sender, audience};
use crate::federation::urls::Urls;
use crate::ids::CommitmentId;
use crate::model::{ActorKind, CommitmentStatus};

/// A commitment as we send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitmentPage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub summary: String,
    pub content: String,
    pub media_type: &'static str,
    pub url: Url,
    pub commitment_status: &'static str,
    pub progress: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Url>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// Where a commitment stands, in French (the words Mastodon users read in the summary).
fn status_words(status: CommitmentStatus) -> &'static str {
    match status {
        CommitmentStatus::Planned => "prévu",
        CommitmentStatus::InProgress => "en cours",
        CommitmentStatus::Done => "tenu",
        CommitmentStatus::Abandoned => "abandonné",
    }
}

/// The `Page` of a commitment.
pub fn page(conn: &mut AnyConnection, urls: &Urls, id: CommitmentId) -> Result<CommitmentPage> {
    let (found, milestones) = commitments::commitment(conn, id)?;
    let official = queries::actor_by_id(conn, found.official_id)?;
    let commune = queries::actor_by_id(conn, found.commune_id)?;
    let author = urls.actor(ActorKind::Person, &official.username);
    let commune_url = urls.actor(ActorKind::Commune, &commune.username);
    let mut summary = format!(
        "Engagement {} · {} %",
        status_words(found.status),
        found.progress
    );
    if let Some(due) = found.due_on {
        summary.push_str(&format!(" · échéance {}", due.format("%d/%m/%Y")));
    }
    let mut content = crate::civic::debates::text::markdown_to_html(&found.description);
    if !milestones.is_empty() {
        content.push_str("<p>Étapes :</p><ul>");
        for m in &milestones {
            let title = crate::civic::notes::escape_html(&m.title);
            let mark = if m.done { "✔" } else { "○" };
            match m.due_on {
                Some(d) => content.push_str(&format!(
                    "<li>{mark} {title} ({})</li>",
                    d.format("%d/%m/%Y")
                )),
                None => content.push_str(&format!("<li>{mark} {title}</li>")),
            }
        }
        content.push_str("</ul>");
    }
    let url = urls.commitment(id);
    Ok(CommitmentPage {
        kind: "Page",
        id: url.clone(),
        attributed_to: author.clone(),
        name: found.title.clone(),
        summary,
        content,
        media_type: "text/html",
        url,
        commitment_status: found.status.as_str(),
        progress: found.progress,
        due_date: found.due_on,
        answers: found.proposal_id.map(|p| urls.proposal(p)),
        to: vec![PUBLIC.to_string()],
        cc: vec![urls.followers(&author).to_string(), commune_url.to_string()],
        published: found.created_at.and_utc(),
        updated: found.updated_at.and_utc(),
    })
}

fn planned(
    conn: &mut AnyConnection,
    s: &Sender,
    id: CommitmentId,
    kind: ApType,
) -> Result<Planned> {
    let object = page(conn, s.urls, id)?;
    let (found, _) = commitments::commitment(conn, id)?;
    let (to, cc) = (object.to.clone(), object.cc.clone());
    let activity_id = match kind {
        ApType::Create => s.urls.commitment_create(id),
        _ => s.urls.activity(),
    };
    let activity = s.activity(
        kind,
        activity_id,
        ObjectOut::Commitment(Box::new(object)),
        to,
        cc,
    );
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    inboxes.extend(audience::follower_inboxes(conn, found.commune_id)?);
    Ok(Planned::own_object(kind, activity, inboxes))
}

/// An official publishes a commitment: `Create(Page)`.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: CommitmentId) -> Result<Planned> {
    planned(conn, s, id, ApType::Create)
}

/// It moved on: `Update(Page)`.
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: CommitmentId) -> Result<Planned> {
    planned(conn, s, id, ApType::Update)
}

/// `GET /commitments/{id}` asked by a server: its `Page`.
pub async fn document(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    crate::federation::object_document(&ctx, &uri, &headers, &id, "commitment", CommitmentId, page)
        .await
}
