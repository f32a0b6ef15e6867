//! Polls on the wire, as Mastodon reads and writes them: a `Question` (`oneOf` for a single choice, `anyOf` for
//! several; each option a `Note` with `name` and `replies.totalItems`; `endTime`, `closed`, `votersCount`),
//! created by its author and announced by the commune; a vote is a `Create(Note{name, inReplyTo})` per chosen
//! option, sent to the author only; new tallies go out as `Update(Question)`. Restricted polls add
//! `parvis:eligibility`, and the votes of others as `parvis:otherVotes` / `parvis:otherVotersCount`.

use crate::civic::notes::escape_html;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::civic::inbox as received;
use crate::civic::polls::{self, RemoteQuestion};
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::ApType;
use crate::federation::activities::{NoteObject, ObjectOut, PUBLIC, id_of};
use crate::federation::outbound::{Planned, Sender, audience, stored_url};
use crate::federation::urls::Urls;
use crate::federation::{domain_of, fetch};
use crate::ids::{PollId, VoteId};
use crate::model::{Eligibility, Poll, RemoteActor};

/// Votes for one option.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Replies {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "totalItems")]
    pub total_items: i64,
}

/// One option of a `Question`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionOut {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    /// Absent while results are hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<Replies>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_votes: Option<i64>,
}

/// A poll as we send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionObject {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub content: String,
    pub url: Url,
    pub audience: Url,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<OptionOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<OptionOut>>,
    pub end_time: DateTime<Utc>,
    /// When it closed, once closed (Mastodon reads a date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_voters_count: Option<i64>,
    pub eligibility: Eligibility,
    /// Counts are withheld until the vote closes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub results_hidden: bool,
}

/// The `Question` of a poll hosted here, with its counts as they stand.
pub fn question_object(
    conn: &mut AnyConnection,
    urls: &Urls,
    poll: &Poll,
) -> Result<QuestionObject> {
    let commune = poll
        .commune_id
        .ok_or_else(|| Error::NotFound("this poll's Question is on another server".into()))?;
    let commune = queries::actor_by_id(conn, commune)?;
    let commune_url = urls.actor(commune.kind, &commune.username);
    let author_url = match poll.author_id {
        Some(a) => {
            let author = queries::actor_by_id(conn, a)?;
            urls.actor(author.kind, &author.username)
        }
        None => commune_url.clone(),
    };
    let now = crate::civic::now();
    let shown = poll.shows_results(now);
    let restricted = poll.eligibility != Eligibility::Anyone;
    let options = polls::options(conn, poll.id)?
        .into_iter()
        .map(|o| OptionOut {
            kind: "Note",
            name: o.name,
            replies: shown.then_some(Replies {
                kind: "Collection",
                total_items: o.votes,
            }),
            other_votes: (shown && restricted).then_some(o.other_votes),
        })
        .collect::<Vec<_>>();
    let multiple = poll.kind.is_multiple();
    let url = urls.poll(poll.id);
    Ok(QuestionObject {
        kind: "Question",
        id: url.clone(),
        attributed_to: author_url.clone(),
        name: poll.question.clone(),
        content: format!("<p>{}</p>", escape_html(&poll.question)),
        url,
        audience: commune_url.clone(),
        to: vec![PUBLIC.to_string()],
        cc: vec![
            urls.followers(&author_url).to_string(),
            commune_url.to_string(),
        ],
        published: poll.created_at.and_utc(),
        one_of: (!multiple).then(|| options.clone()),
        any_of: multiple.then_some(options),
        end_time: poll.closes_at.and_utc(),
        closed: poll.is_closed(now).then(|| poll.closes_at.and_utc()),
        voters_count: shown.then_some(poll.voters),
        other_voters_count: (shown && restricted).then_some(poll.other_voters),
        eligibility: poll.eligibility,
        results_hidden: !shown,
    })
}

/// `GET /polls/{id}` for servers: the `Question` of a federated poll hosted here.
pub async fn question(
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
        "poll",
        PollId,
        |conn, urls, id| {
            let poll = polls::poll(conn, id)?;
            if !poll.is_local() || !poll.federated {
                return Err(Error::NotFound("no such poll here".into()));
            }
            question_object(conn, urls, &poll)
        },
    )
    .await
}

/// A vote `Note` sent from here: the option's name, in reply to the poll, to its author only.
pub fn vote_note(urls: &Urls, vote: i64, voter: Url, question: Url, author: &str) -> NoteObject {
    NoteObject {
        kind: "Note".into(),
        id: urls.vote(vote),
        attributed_to: voter,
        content: String::new(),
        name: None,
        published: Some(Utc::now()),
        in_reply_to: Some(question),
        to: vec![author.to_string()],
        cc: vec![],
        url: None,
        stance: None,
        tag: vec![],
        updated: None,
        attachment: vec![],
    }
}

/// A poll opened here: its author's `Create(Question)`, to the author's and the commune's followers.
pub fn published(conn: &mut AnyConnection, s: &Sender, id: PollId) -> Result<Planned> {
    let poll = polls::poll(conn, id)?;
    let question = question_object(conn, s.urls, &poll)?;
    let inboxes = audience::author_and_commune_inboxes(conn, s.id, poll.commune_id)?;
    let (to, cc) = (question.to.clone(), question.cc.clone());
    let create = s.activity(
        ApType::Create,
        s.urls.poll_create(poll.id),
        ObjectOut::Question(Box::new(question)),
        to,
        cc,
    );
    Ok(Planned::listed(create, inboxes))
}

/// The commune's plain `Announce(Question)` (what Mastodon shows as a boost of a native poll).
pub fn announced(conn: &mut AnyConnection, s: &Sender, id: PollId) -> Result<Planned> {
    let poll = polls::poll(conn, id)?;
    let question = question_object(conn, s.urls, &poll)?;
    let mut planned = s.announce(conn, ObjectOut::Question(Box::new(question)))?;
    // Group software takes no Announce of an object; it reads the poll from its author's Create.
    planned.for_groups = crate::federation::outbound::ForGroups::Nothing;
    Ok(planned)
}

/// New tallies (coalesced: one update for a burst of votes), or the final ones at the closing: the author's
/// `Update(Question)` to the followers of the author and the commune, and to remote voters.
pub fn updated(conn: &mut AnyConnection, s: &Sender, id: PollId) -> Result<Option<Planned>> {
    let poll = polls::poll(conn, id)?;
    let mut inboxes = audience::author_and_commune_inboxes(conn, s.id, poll.commune_id)?;
    for voter in polls::remote_voters(conn, poll.id)? {
        let voter = crate::civic::remote::remote_actor(conn, voter)?;
        inboxes.insert(voter.delivery_inbox().to_string());
    }
    if inboxes.is_empty() {
        return Ok(None);
    }
    let question = question_object(conn, s.urls, &poll)?;
    let (to, cc) = (question.to.clone(), question.cc.clone());
    let update = s.activity(
        ApType::Update,
        s.urls.activity(),
        ObjectOut::Question(Box::new(question)),
        to,
        cc,
    );
    Ok(Some(Planned::unlisted(update, inboxes)))
}

/// A vote given here on another server's poll: one `Note` naming the option, to the poll's author only.
pub fn voted(conn: &mut AnyConnection, s: &Sender, id: VoteId) -> Result<Option<Planned>> {
    let vote = polls::sent_vote(conn, id.0)?;
    let (Some(question), Some(author)) = (&vote.poll.ap_id, vote.poll.remote_author_id) else {
        return Ok(None);
    };
    let author = crate::civic::remote::remote_actor(conn, author)?;
    let mut note = vote_note(
        s.urls,
        id.0,
        s.url.clone(),
        stored_url(question)?,
        &author.ap_id,
    );
    note.name = Some(vote.name);
    let to = note.to.clone();
    let create = s.activity(
        ApType::Create,
        s.urls.activity(),
        ObjectOut::Note(Box::new(note)),
        to,
        vec![],
    );
    Ok(Some(Planned::unlisted(create, [author.inbox])))
}

/// A vote from another server on a poll hosted here.
pub async fn receive_vote(
    ctx: &AppContext,
    voter: &RemoteActor,
    activity_id: String,
    poll: PollId,
    note: &NoteObject,
) -> Result<()> {
    let name = note.name.clone().unwrap_or_default();
    let (who, who_ap_id, note_id) = (voter.id, voter.ap_id.clone(), note.id.to_string());
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            polls::remote_vote(conn, who, &who_ap_id, poll, &name, &note_id)
        })
        .await
}

/// A `Question` as others send it, read leniently.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuestionIn {
    id: Url,
    #[serde(default)]
    attributed_to: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    one_of: Option<Vec<Value>>,
    #[serde(default)]
    any_of: Option<Vec<Value>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    closed: Option<Value>,
    #[serde(default)]
    voters_count: Option<Value>,
    #[serde(default)]
    other_voters_count: Option<Value>,
    #[serde(default)]
    eligibility: Option<Value>,
    #[serde(default)]
    results_hidden: Option<Value>,
}

fn count_of(value: Option<&Value>) -> i64 {
    value.and_then(Value::as_i64).unwrap_or(0).max(0)
}

/// Options of another server's poll we keep (Mastodon allows 4 by default, Misskey 10, Pleroma 20).
const MAX_REMOTE_OPTIONS: usize = 40;
/// Characters of an option's name (Mastodon: 50; others more).
const MAX_REMOTE_OPTION: usize = 1000;

/// Reads a `Question` into what a copy keeps. `author` is the stored actor its `attributedTo` names.
pub fn read_question(value: &Value, author: &RemoteActor) -> Result<RemoteQuestion> {
    let q: QuestionIn = serde_json::from_value(value.clone())
        .map_err(|e| Error::BadRequest(format!("the Question is malformed: {e}")))?;
    let attributed = q.attributed_to.as_ref().and_then(id_of).unwrap_or_default();
    if attributed != author.ap_id || domain_of(&q.id) != author.domain {
        return Err(Error::BadRequest(
            "the Question is not by the activity's actor".into(),
        ));
    }
    let (multiple, items) = match (q.one_of, q.any_of) {
        (Some(items), None) => (false, items),
        (None, Some(items)) => (true, items),
        _ => {
            return Err(Error::BadRequest(
                "a Question needs either oneOf or anyOf".into(),
            ));
        }
    };
    let options = items
        .iter()
        .map(|item| {
            // Names are kept whole: a vote names its option exactly.
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let votes = count_of(item.get("replies").and_then(|r| r.get("totalItems")));
            (name, votes, count_of(item.get("otherVotes")))
        })
        .collect::<Vec<_>>();
    if options.is_empty()
        || options.len() > MAX_REMOTE_OPTIONS
        || options
            .iter()
            .any(|(name, _, _)| name.trim().is_empty() || name.chars().count() > MAX_REMOTE_OPTION)
    {
        return Err(Error::BadRequest(format!(
            "a Question needs 1 to {MAX_REMOTE_OPTIONS} options, each named in at most \
             {MAX_REMOTE_OPTION} characters"
        )));
    }
    let question = match (&q.name, &q.content) {
        (Some(name), _) if !name.trim().is_empty() => crate::civic::notes::plain_text(name),
        (_, Some(content)) => crate::civic::notes::plain_text(content),
        _ => String::new(),
    };
    if question.is_empty() {
        return Err(Error::BadRequest("the Question asks nothing".into()));
    }
    let closed = match &q.closed {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    };
    let closes_at = q
        .end_time
        .map(|t| t.naive_utc())
        .unwrap_or_else(|| crate::civic::now() + chrono::Duration::days(polls::MAX_DURATION_DAYS));
    Ok(RemoteQuestion {
        ap_id: q.id.to_string(),
        author: author.id,
        question,
        multiple,
        options,
        voters: count_of(q.voters_count.as_ref()),
        other_voters: count_of(q.other_voters_count.as_ref()),
        closes_at,
        closed,
        eligibility: q
            .eligibility
            .as_ref()
            .and_then(Value::as_str)
            .and_then(Eligibility::parse)
            .unwrap_or(Eligibility::Anyone),
        live_results: q.results_hidden != Some(Value::Bool(true)),
    })
}

/// A `Create`, `Update` or relayed `Question`: its copy is kept (or refreshed) when people here follow its
/// author, or a commune followed from here relays it. `value` is the Question as its own server gave it.
pub async fn receive_question(ctx: &AppContext, activity_id: String, value: &Value) -> Result<()> {
    let author_url = value
        .get("attributedTo")
        .and_then(id_of)
        .and_then(|a| Url::parse(a).ok())
        .ok_or_else(|| Error::BadRequest("a Question needs an attributedTo".into()))?;
    if ctx.urls.is_local(&author_url) {
        // One of our own, relayed back to us.
        return Ok(());
    }
    let author = fetch::actor(ctx, &author_url, false).await?;
    let q = read_question(value, &author)?;
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            polls::store_remote(conn, &q).map(|_| ())
        })
        .await
}

/// Whether an incoming object is a `Question`.
/// `Create` or `Update` of a `Question` signed by its author: kept when someone here follows its author or
/// already holds it; dropped otherwise, as Mastodon drops posts that concern nobody.
pub async fn receive_created(
    ctx: &AppContext,
    signer: &RemoteActor,
    activity_id: String,
    question: &Value,
) -> Result<()> {
    if question.get("attributedTo").and_then(id_of) != Some(signer.ap_id.as_str()) {
        return Err(Error::BadRequest(
            "the Question is not by the activity's actor".into(),
        ));
    }
    let signer_id = signer.id;
    let question_id = id_of(question).unwrap_or_default().to_string();
    let relevant = ctx
        .db
        .run(move |conn| {
            Ok(queries::is_followed_from_here(conn, signer_id)?
                || polls::by_ap_id(conn, &question_id)?.is_some())
        })
        .await?;
    if !relevant {
        return Ok(());
    }
    receive_question(ctx, activity_id, question).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author() -> RemoteActor {
        RemoteActor {
            id: crate::ids::RemoteActorId(1),
            ap_id: "https://peer.example/users/peer".into(),
            domain: "peer.example".into(),
            kind: "Person".into(),
            username: "peer".into(),
            display_name: String::new(),
            inbox: "https://peer.example/users/peer/inbox".into(),
            shared_inbox: None,
            url: None,
            key_id: String::new(),
            public_key_pem: String::new(),
            manually_approves_followers: false,
            fetched_at: chrono::NaiveDateTime::default(),
            needs_refetch: false,
        }
    }

    #[test]
    fn a_mastodon_question_is_read() -> Result<()> {
        let value = serde_json::json!({
            "type": "Question", "id": "https://peer.example/notes/1",
            "attributedTo": "https://peer.example/users/peer",
            "content": "<p>Quel jour pour le marché&nbsp;?</p>",
            "anyOf": [
                {"type": "Note", "name": "Samedi", "replies": {"type": "Collection", "totalItems": 4}},
                {"type": "Note", "name": "Dimanche", "replies": {"totalItems": "x"}}
            ],
            "endTime": "2030-01-01T00:00:00Z", "closed": "2030-01-01T00:00:00Z", "votersCount": 3
        });
        let q = read_question(&value, &author())?;
        assert!(q.multiple && q.closed);
        assert_eq!(q.question, "Quel jour pour le marché ?");
        assert_eq!(
            q.options,
            vec![("Samedi".into(), 4, 0), ("Dimanche".into(), 0, 0)]
        );
        assert_eq!(q.voters, 3);
        Ok(())
    }

    #[test]
    fn a_question_by_someone_else_or_without_options_is_refused() {
        let mut value = serde_json::json!({
            "type": "Question", "id": "https://elsewhere.example/notes/1",
            "attributedTo": "https://peer.example/users/peer", "content": "?",
            "oneOf": [{"name": "a"}, {"name": "b"}]
        });
        assert!(read_question(&value, &author()).is_err());
        value["id"] = "https://peer.example/notes/1".into();
        assert!(read_question(&value, &author()).is_ok());
        value["oneOf"] = serde_json::json!([]);
        assert!(read_question(&value, &author()).is_err(), "no options");
        value["oneOf"] = serde_json::json!([{"name": "a"}, {"name": "x".repeat(1001)}]);
        assert!(
            read_question(&value, &author()).is_err(),
            "an option too long to name"
        );
        value["oneOf"] = serde_json::json!([{"name": "a"}]);
        value["anyOf"] = serde_json::json!([{"name": "b"}]);
        assert!(
            read_question(&value, &author()).is_err(),
            "both oneOf and anyOf"
        );
    }
}
