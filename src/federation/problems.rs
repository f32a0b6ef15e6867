//! Problem reports on the wire. A report is a `Page` by its commune (the commune publishes it: the report is
//! addressed to the commune, its status is the commune's word, and a reporter who keeps their name private
//! must not be its actor), with `name`, a `summary` that Mastodon shows (category, place, status: Mastodon
//! shows a Page's summary and link, not its content), `content`, `url`, `location` (a `Place` with latitude,
//! longitude and address), the photos staff accepted as `attachment` (`Image`, alt text as `name`; a photo
//! waiting for that check is not sent), its category as a `Hashtag`, and `parvis:` terms (`problemStatus`,
//! `supporters`, `duplicateOf`). It is created for the commune's followers and the public; each new status,
//! or new count of supporters, goes out as `Update(Page)`. A `Like` of it from another server (a Mastodon
//! favourite) is "I have this problem too".
//!
//! A report has no `audience`: it is not a debate, and other servers (Parvis included) show it as a post of
//! the commune, with its summary and link.

use crate::civic::notes::escape_html;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::civic::problems;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::Result;
use crate::federation::activities::{ApType, ObjectOut, PUBLIC};
use crate::federation::outbound::{Planned, Sender, audience};
use crate::federation::proposals::Place;
use crate::federation::urls::Urls;
use crate::ids::ProblemId;
use crate::model::{ActorKind, Problem};

mod handover;
mod receive;

pub use handover::{
    HandedStatus, handed_status, offer_answered, offered, receive_answer, receive_offer,
    receive_owner_status,
};
use receive::{Kept, keep_report};
pub use receive::{PhotoLink, is_report, read_report, receive_report};

/// A report as we send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemPage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub summary: String,
    pub content: String,
    pub media_type: &'static str,
    pub url: Url,
    pub location: Place,
    /// The photos staff accepted (`Image`, with the alt text as `name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<Value>,
    pub tag: Vec<Value>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// `parvis:problemStatus`: new, acknowledged, in_progress, resolved, rejected or duplicate.
    pub problem_status: &'static str,
    /// `parvis:supporters`: people who have this problem too.
    pub supporters: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Url>,
    /// `parvis:handledBy`: the commune the report was handed to, which sets its status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handled_by: Option<Url>,
}

/// The status in words, for people reading the summary (English: servers show it as is).
fn status_words(status: crate::model::ProblemStatus) -> &'static str {
    use crate::model::ProblemStatus::*;
    match status {
        New => "new",
        Acknowledged => "acknowledged",
        InProgress => "in progress",
        Resolved => "resolved",
        Rejected => "rejected",
        Duplicate => "duplicate",
    }
}

/// A category's name as a hashtag: its letters and digits, words joined in CamelCase.
fn hashtag(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The `Page` of a report.
pub fn page(
    conn: &mut AnyConnection,
    urls: &Urls,
    commune: Url,
    problem: &Problem,
) -> Result<ProblemPage> {
    let category = problems::category(conn, problem.category_id)?;
    let id = urls.problem(problem.id);
    let first_line = problem.description.lines().next().unwrap_or_default();
    let mut name: String = first_line.chars().take(80).collect();
    if first_line.chars().count() > 80 {
        name.push('…');
    }
    let place = if problem.address.is_empty() {
        format!("{:.5}, {:.5}", problem.latitude, problem.longitude)
    } else {
        problem.address.clone()
    };
    let summary = format!(
        "{} · {} · {}{}",
        category.name,
        place,
        status_words(problem.status),
        match problem.supporters {
            0 => String::new(),
            1 => " · 1 person has this problem too".into(),
            n => format!(" · {n} people have this problem too"),
        }
    );
    let content = format!(
        "{}<p>{} — {}</p>",
        crate::civic::notes::text_to_html(&problem.description),
        escape_html(&category.name),
        escape_html(&place)
    );
    let followers = urls.followers(&commune).to_string();
    let tag = hashtag(&category.name);
    let attachment = problems::photos(conn, problem, None)?
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "type": "Image",
                "mediaType": "image/jpeg",
                "url": urls.problem_photo(problem.id, p.id).to_string(),
                "name": p.alt,
                "width": p.width,
                "height": p.height,
            })
        })
        .collect();
    let mut by_category = urls.base().clone();
    by_category.set_path("/problems");
    by_category
        .query_pairs_mut()
        .append_pair("category", &category.id.to_string());
    Ok(ProblemPage {
        kind: "Page",
        id: id.clone(),
        attributed_to: commune,
        name,
        summary,
        content,
        media_type: "text/html",
        url: id,
        location: Place {
            kind: "Place".into(),
            name: (!problem.address.is_empty()).then(|| problem.address.clone()),
            latitude: Some(problem.latitude),
            longitude: Some(problem.longitude),
        },
        attachment,
        tag: if tag.is_empty() {
            vec![]
        } else {
            vec![serde_json::json!({
                "type": "Hashtag",
                "name": format!("#{tag}"),
                "href": by_category.to_string(),
            })]
        },
        to: vec![PUBLIC.to_string()],
        cc: vec![followers],
        published: problem.created_at.and_utc(),
        updated: problem.updated_at.and_utc(),
        problem_status: problem.status.as_str(),
        supporters: problem.supporters,
        duplicate_of: problem.duplicate_of.map(|d| urls.problem(d)),
        handled_by: match problems::owner(conn, problem.id)? {
            problems::Owner::Origin => None,
            problems::Owner::Commune(c) => {
                let commune = queries::actor_by_id(conn, c)?;
                Some(urls.actor(ActorKind::Commune, &commune.username))
            }
            problems::Owner::Remote(r) => {
                Url::parse(&crate::civic::remote::remote_actor(conn, r)?.ap_id).ok()
            }
        },
    })
}

fn planned(conn: &mut AnyConnection, s: &Sender, id: ProblemId, kind: ApType) -> Result<Planned> {
    let problem = problems::problem(conn, id)?;
    let object = page(conn, s.urls, s.url.clone(), &problem)?;
    let (to, cc) = (object.to.clone(), object.cc.clone());
    let activity_id = match kind {
        ApType::Create => s.urls.problem_create(id),
        _ => s.urls.activity(),
    };
    let activity = s.activity(
        kind,
        activity_id,
        ObjectOut::Problem(Box::new(object)),
        to,
        cc,
    );
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    // The commune of another server it was handed to hears of every change (it set most of them).
    if let problems::Owner::Remote(owner) = problems::owner(conn, id)? {
        let owner = crate::civic::remote::remote_actor(conn, owner)?;
        inboxes.insert(owner.delivery_inbox().to_string());
    }
    // Those who said from another server that they have it too hear of its changes.
    for supporter in problems::remote_supporters(conn, id)? {
        let supporter = crate::civic::remote::remote_actor(conn, supporter)?;
        inboxes.insert(supporter.delivery_inbox().to_string());
    }
    Ok(Planned::own_object(kind, activity, inboxes))
}

/// A report filed: the commune's `Create(Page)`.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: ProblemId) -> Result<Planned> {
    planned(conn, s, id, ApType::Create)
}

/// A new status or count of supporters: the commune's `Update(Page)`.
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: ProblemId) -> Result<Planned> {
    planned(conn, s, id, ApType::Update)
}

/// `GET /problems/{id}` asked by a server: the report's `Page`.
pub async fn page_document(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    crate::federation::object_document(
        &ctx,
        &uri,
        &headers,
        &id,
        "problem report",
        ProblemId,
        |conn, urls, id| {
            let problem = problems::problem(conn, id)?;
            let commune = queries::actor_by_id(conn, problem.commune_id)?;
            page(
                conn,
                urls,
                urls.actor(ActorKind::Commune, &commune.username),
                &problem,
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_becomes_a_hashtag() {
        assert_eq!(hashtag("Voirie"), "Voirie");
        assert_eq!(hashtag("nids de poule"), "NidsDePoule");
        assert_eq!(
            hashtag("Éclairage public / lampadaires"),
            "ÉclairagePublicLampadaires"
        );
        assert_eq!(hashtag(" - "), "");
    }
}
