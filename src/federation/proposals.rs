//! Proposals in ActivityStreams: a proposal is its debate's `Page` with `parvis:` terms (status, supports by
//! kind of supporter, threshold, latest official answer) and a `location`; a support is a `Like` of the Page;
//! an official answer also goes out as a `Note` replying to the Page, because Mastodon shows a Page as title,
//! summary and link only and would never show the answer.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::civic::proposals::RemoteProposal;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::ApType;
use crate::federation::activities::{NoteObject, ObjectOut, PUBLIC, PageIn};
use crate::federation::inbox::require_signed_fetch;
use crate::federation::outbound::{Planned, Sender, audience};
use crate::federation::urls::Urls;
use crate::ids::{ApUrl, DebateId, RemoteActorId, StatusChangeId, SupportId};
use crate::model::schema::{proposal_history, themes};
use crate::model::{Debate, Proposal, ProposalStatus, StatusChange};

/// A place, as ActivityStreams has it (`location` of the Page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// The `parvis:` terms of a proposal's Page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalTerms {
    pub proposal_status: String,
    pub supports_residents: i64,
    pub supports_local: i64,
    pub supports_remote: i64,
    pub support_threshold: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_answer: Option<AnswerTerms>,
}

/// The latest official answer, embedded in the Page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerTerms {
    #[serde(rename = "type")]
    pub kind: String,
    /// Sanitized HTML.
    pub content: String,
    /// The status it came with.
    pub proposal_status: String,
    #[serde(default)]
    pub answerer_name: String,
    /// The answerer's mandate (`parvis:office`, as on a Person's mandates).
    #[serde(default)]
    pub office: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<chrono::DateTime<chrono::Utc>>,
}

fn latest_answer(conn: &mut AnyConnection, id: DebateId) -> Result<Option<StatusChange>> {
    Ok(proposal_history::table
        .filter(proposal_history::debate_id.eq(id))
        .filter(proposal_history::answer_html.is_not_null())
        .order(proposal_history::id.desc())
        .select(StatusChange::as_select())
        .first(conn)
        .optional()?)
}

fn answerer_url(conn: &mut AnyConnection, urls: &Urls, change: &StatusChange) -> Option<Url> {
    let id = change.answered_by?;
    let actor = queries::actor_by_id(conn, id).ok()?;
    Some(urls.actor(actor.kind, &actor.username))
}

/// The proposal terms and place of a debate, if it is a proposal hosted here.
pub fn terms(
    conn: &mut AnyConnection,
    urls: &Urls,
    debate: &Debate,
) -> Result<Option<(ProposalTerms, Option<Place>)>> {
    let Some(p): Option<Proposal> = crate::civic::proposals::proposal(conn, debate.id).ok() else {
        return Ok(None);
    };
    let theme: Option<String> = match p.theme_id {
        Some(t) => themes::table
            .find(t)
            .select(themes::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let answer = match latest_answer(conn, debate.id)? {
        Some(change) => Some(AnswerTerms {
            kind: "Note".into(),
            content: change.answer_html.clone().unwrap_or_default(),
            proposal_status: change.status.as_str().into(),
            answerer_name: change.answerer_name.clone(),
            office: change.answerer_mandate.clone(),
            attributed_to: answerer_url(conn, urls, &change),
            published: Some(change.at.and_utc()),
        }),
        None => None,
    };
    let place = (p.place.is_some() || p.latitude.is_some()).then(|| Place {
        kind: "Place".into(),
        name: p.place.clone(),
        latitude: p.latitude,
        longitude: p.longitude,
    });
    Ok(Some((
        ProposalTerms {
            proposal_status: p.status.as_str().into(),
            supports_residents: p.supports_residents,
            supports_local: p.supports_local,
            supports_remote: p.supports_remote,
            support_threshold: p.threshold,
            theme,
            official_answer: answer,
        },
        place,
    )))
}

/// A status in words, in French and English (the Note goes to people of any language).
fn status_words(status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Published => "Publiée · Published",
        ProposalStatus::UnderReview => "À l'étude · Under review",
        ProposalStatus::Accepted => "Acceptée · Accepted",
        ProposalStatus::Rejected => "Refusée · Rejected",
        ProposalStatus::AlreadyPlanned => "Déjà prévue · Already planned",
        ProposalStatus::InProgress => "En cours · In progress",
        ProposalStatus::Done => "Réalisée · Done",
    }
}

/// The `Note` a commune sends with an official answer: a reply to the proposal's Page, public, to the
/// commune's followers, saying the new status, who answered with which mandate, and the answer.
pub fn answer_note(conn: &mut AnyConnection, urls: &Urls, change_id: i64) -> Result<NoteObject> {
    let change: StatusChange = proposal_history::table
        .find(change_id)
        .select(StatusChange::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such answer".into()))?;
    let answer = change
        .answer_html
        .as_deref()
        .ok_or_else(|| Error::NotFound("no such answer".into()))?;
    let debate = crate::civic::debates::debate(conn, change.debate_id)?;
    let commune_id = debate
        .commune_id
        .ok_or_else(|| Error::NotFound("this proposal is answered on its own server".into()))?;
    let commune = queries::actor_by_id(conn, commune_id)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let page = urls.proposal(debate.id);
    let content = maud::html! {
        p {
            strong { (status_words(change.status)) } " — "
            a href=(page.as_str()) { (debate.title) }
        }
        p { (change.answerer_name) @if !change.answerer_mandate.is_empty() { ", " (change.answerer_mandate) } " :" }
        (maud::PreEscaped(answer))
    }
    .into_string();
    let id = urls.proposal_answer(debate.id, change.id);
    // Those who follow the proposal itself (a Mastodon user who favourited it, say) are addressed and
    // mentioned: Mastodon keeps a post from an actor nobody follows there only when it mentions someone.
    let mut cc = vec![urls.followers(&commune_url).to_string()];
    let mut tag = vec![];
    for who in crate::civic::proposals::remote_followers(conn, debate.id)? {
        let actor = crate::civic::remote::remote_actor(conn, who)?;
        tag.push(serde_json::json!({
            "type": "Mention",
            "href": actor.ap_id,
            "name": actor.handle(),
        }));
        cc.push(actor.ap_id);
    }
    Ok(NoteObject {
        name: None,
        kind: "Note".into(),
        id: id.clone(),
        attributed_to: commune_url.clone(),
        content,
        published: Some(change.at.and_utc()),
        in_reply_to: Some(urls.debate(debate.id)),
        to: vec![PUBLIC.to_string()],
        cc,
        url: Some(page),
        stance: None,
        tag,
        updated: None,
        attachment: vec![],
    })
}

/// An official answer, sent as a `Note` from the commune replying to the proposal (so that Mastodon shows
/// it), to the commune's followers and the proposal's.
pub fn answered(conn: &mut AnyConnection, s: &Sender, change: StatusChangeId) -> Result<Planned> {
    let note = answer_note(conn, s.urls, change.0)?;
    let debate = s
        .urls
        .parse_debate(
            note.in_reply_to
                .as_ref()
                .map(Url::as_str)
                .unwrap_or_default(),
        )
        .ok_or_else(|| Error::internal("an answer that replies to no proposal"))?;
    let (to, cc) = (note.to.clone(), note.cc.clone());
    let mut inboxes = audience::follower_inboxes(conn, s.id)?;
    inboxes.extend(audience::proposal_follower_inboxes(conn, debate)?);
    let create = s.activity(
        ApType::Create,
        s.urls.activity(),
        ObjectOut::Note(Box::new(note)),
        to,
        cc,
    );
    Ok(Planned::listed(create, inboxes))
}

/// A support given here to a proposal hosted elsewhere, or withdrawn: a `Like` of its Page (or its `Undo`),
/// to its commune (which counts it) and its author.
pub fn supported(
    conn: &mut AnyConnection,
    s: &Sender,
    id: DebateId,
    support: SupportId,
    on: bool,
) -> Result<Planned> {
    let debate = crate::civic::debates::debate(conn, id)?;
    let ids = crate::federation::debates::debate_ids(conn, s.urls, &debate)?;
    let to = vec![ids.commune.to_string()];
    let activity = s.like_or_undo(s.urls.support(support.0), ids.debate, to, on);
    Ok(Planned::unlisted(activity, ids.remote_inboxes))
}

/// A remote actor's `Follow` of a proposal, accepted by its commune.
pub fn follow_accepted(
    conn: &mut AnyConnection,
    s: &Sender,
    id: DebateId,
    follower: RemoteActorId,
    follow: &ApUrl,
) -> Result<Option<Planned>> {
    let proposal = s.urls.debate(id);
    crate::federation::follows::answered(conn, s, follow, follower, proposal, ApType::Accept)
}

fn integer(value: &Option<Value>) -> i64 {
    value.as_ref().and_then(Value::as_i64).unwrap_or(0)
}

/// What a proposal hosted elsewhere says of itself, if its Page is a proposal's.
pub fn remote_proposal(page: &PageIn) -> Option<RemoteProposal> {
    let status = ProposalStatus::parse(page.proposal_status.as_ref()?.as_str()?)?;
    let place: Option<Place> = page
        .location
        .clone()
        .and_then(|l| serde_json::from_value(l).ok());
    let answer: Option<AnswerTerms> = page
        .official_answer
        .clone()
        .and_then(|a| serde_json::from_value(a).ok());
    Some(RemoteProposal {
        status,
        theme: page
            .theme
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_string),
        place: place.as_ref().and_then(|p| p.name.clone()),
        coordinates: place.and_then(|p| p.latitude.zip(p.longitude)),
        supports_residents: integer(&page.supports_residents),
        supports_local: integer(&page.supports_local),
        supports_remote: integer(&page.supports_remote),
        threshold: integer(&page.support_threshold),
        answer: answer
            .filter(|a| a.proposal_status == status.as_str())
            .map(|a| (a.content, a.answerer_name, a.office)),
    })
}

/// `GET /proposals/{id}/answers/{change}` for servers: the answer `Note`.
pub async fn answer(
    State(ctx): State<AppContext>,
    Path((id, change)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    require_signed_fetch(&ctx, &uri, &headers).await?;
    let not_found = || Error::NotFound("no such answer".into());
    let id = DebateId(id.parse().map_err(|_| not_found())?);
    let change: i64 = change.parse().map_err(|_| not_found())?;
    let urls = ctx.urls.clone();
    let note = ctx
        .db
        .run(move |conn| {
            let note = answer_note(conn, &urls, change)?;
            if note.id != urls.proposal_answer(id, change) {
                return Err(not_found());
            }
            Ok(note)
        })
        .await?;
    crate::federation::json_for(&ctx, note).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn page(extra: serde_json::Value) -> PageIn {
        let mut value = serde_json::json!({
            "type": "Page", "id": "https://ville.example/debates/1", "name": "Des bancs",
            "audience": "https://ville.example/communes/ville",
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn proposal_terms_are_read_leniently() {
        // A debate: no terms. An unknown or non-string status: a plain debate too.
        assert!(remote_proposal(&page(serde_json::json!({}))).is_none());
        assert!(remote_proposal(&page(serde_json::json!({"proposalStatus": "voted"}))).is_none());
        assert!(remote_proposal(&page(serde_json::json!({"proposalStatus": 3}))).is_none());
        // Counts that are not integers read as 0; a malformed place and an answer are ignored; an answer
        // given with another status than the Page's is not taken as this status's answer.
        let p = remote_proposal(&page(serde_json::json!({
            "proposalStatus": "accepted",
            "supportsResidents": "many", "supportsLocal": 2.5, "supportsRemote": 7,
            "supportThreshold": 50, "theme": {"name": "x"},
            "location": "Place du Marché",
            "officialAnswer": {"type": "Note", "content": "<p>Non</p>", "proposalStatus": "rejected"},
        })))
        .unwrap();
        assert_eq!(p.status, ProposalStatus::Accepted);
        assert_eq!(
            (
                p.supports_residents,
                p.supports_local,
                p.supports_remote,
                p.threshold
            ),
            (0, 0, 7, 50)
        );
        assert_eq!((p.theme, p.place, p.coordinates), (None, None, None));
        assert!(p.answer.is_none());
        let p = remote_proposal(&page(serde_json::json!({
            "proposalStatus": "accepted",
            "location": {"type": "Place", "name": "Place du Marché", "latitude": 45.7, "longitude": 4.8},
            "officialAnswer": {"type": "Note", "content": "<p>Oui</p>", "proposalStatus": "accepted",
                "answererName": "Marie", "office": "Maire"},
        })))
        .unwrap();
        assert_eq!(p.place.as_deref(), Some("Place du Marché"));
        assert_eq!(p.coordinates, Some((45.7, 4.8)));
        assert_eq!(
            p.answer,
            Some(("<p>Oui</p>".into(), "Marie".into(), "Maire".into()))
        );
    }
}
