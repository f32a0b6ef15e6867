//! The activities we send and the lenient shape we read others' with.

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

/// `as:Public`, the collection that makes an object public.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Whether an address means "public" (servers write it three ways).
pub fn is_public(address: &str) -> bool {
    matches!(address, PUBLIC | "as:Public" | "Public")
}

/// Takes `Public` out of every `to` and `cc` of an activity and of the objects it holds: what a commune kept for
/// its residents publishes goes to its followers (on member servers) only, never to the public.
pub fn without_public(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "to" || key == "cc" {
                    let addresses = match child {
                        Value::Array(items) => std::mem::take(items),
                        Value::String(_) | Value::Object(_) => vec![child.take()],
                        _ => continue,
                    };
                    // An address may be written as a string or as an object with an `id`.
                    *child = Value::Array(
                        addresses
                            .into_iter()
                            .filter(|a| !id_of(a).is_some_and(is_public))
                            .collect(),
                    );
                } else {
                    without_public(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_public),
        _ => {}
    }
}

/// A `Note`, as we send it and as we read others' (lenient: one-or-many addresses, unknown fields ignored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(deserialize_with = "first_id")]
    pub attributed_to: Url,
    #[serde(default)]
    pub content: String,
    /// A poll vote's option (Mastodon: a `Note` with a `name` answering a `Question`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "optional_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "one_or_many_ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many_ids")]
    pub cc: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_id"
    )]
    pub url: Option<Url>,
    /// `parvis:stance` of a comment on a debate: `for`, `against` or `neutral`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
    /// Mentions (a comment mentions its debate's commune, so that Mastodon replies reach the commune). One tag
    /// may come alone, not in a list (compacted JSON-LD: GoToSocial, Fedify).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many_values"
    )]
    pub tag: Vec<Value>,
    /// When it was last edited (Mastodon shows it as edited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Pictures (`Document`s with a `mediaType`, alt text as `name`, as Mastodon sends them). One may come
    /// alone, not in a list.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many_values"
    )]
    pub attachment: Vec<Value>,
}

/// A debate as another server sends it: a `Page` (or an `Article`) in a commune's `audience`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageIn {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "first_type")]
    pub kind: String,
    #[serde(default, deserialize_with = "optional_id")]
    pub attributed_to: Option<Url>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub content: String,
    #[serde(default, deserialize_with = "optional_id")]
    pub url: Option<Url>,
    #[serde(default, deserialize_with = "optional_id")]
    pub audience: Option<Url>,
    #[serde(default)]
    pub published: Option<DateTime<Utc>>,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub comments_enabled: Option<bool>,
    /// A proposal's `parvis:` terms (absent on a debate); read leniently, a malformed one is ignored.
    #[serde(default)]
    pub proposal_status: Option<Value>,
    #[serde(default)]
    pub supports_residents: Option<Value>,
    #[serde(default)]
    pub supports_local: Option<Value>,
    #[serde(default)]
    pub supports_remote: Option<Value>,
    #[serde(default)]
    pub support_threshold: Option<Value>,
    #[serde(default)]
    pub theme: Option<Value>,
    #[serde(default)]
    pub official_answer: Option<Value>,
    #[serde(default)]
    pub location: Option<Value>,
}

/// A debate as we send it: a `Page` in its commune (FEP-1b12 `audience`). Mastodon shows a Page as its
/// `name`, `summary` and a link to `url`, and ignores `content`: so the summary carries the question.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub summary: String,
    pub content: String,
    pub media_type: String,
    pub url: Url,
    pub audience: Url,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
    /// When it opens to comments, if later than its publication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub comments_enabled: bool,
    /// Where a proposal is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::federation::proposals::Place>,
    /// A proposal's status, supports and answer.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<crate::federation::proposals::ProposalTerms>,
}

/// What an activity's `object` holds: a link, or an embedded object.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ObjectOut {
    Link(Url),
    /// What a `Flag` is about: an account and some of its posts.
    Links(Vec<Url>),
    Activity(Box<ActivityOut>),
    Note(Box<NoteObject>),
    Page(Box<PageObject>),
    Question(Box<crate::federation::polls::QuestionObject>),
    /// An issue of a commune's newsletter.
    Article(Box<crate::federation::newsletter::ArticleObject>),
    /// A problem report.
    Problem(Box<crate::federation::problems::ProblemPage>),
    /// A meeting (Mobilizon's `Event`).
    Event(Box<crate::federation::meetings::EventObject>),
    /// An official's commitment.
    Commitment(Box<crate::federation::commitments::CommitmentPage>),
    /// The status a commune set on a report handed to it, told to the report's commune.
    HandedStatus(Box<crate::federation::problems::HandedStatus>),
    /// A profile change goes out as `Update` with the whole actor document, as Mastodon sends it.
    Actor(Box<crate::federation::actors::ActorDocument>),
    Tombstone {
        #[serde(rename = "type")]
        kind: String,
        id: Url,
    },
}

/// An activity we send.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityOut {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ApType,
    pub actor: Url,
    pub object: ObjectOut,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    /// A `Flag`'s comment, or the message of a report handed over (`Offer`) and of its answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Who an `Offer` is made to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Url>,
}

/// Any activity received, read just enough to check who sent it and to dispatch on its type.
#[derive(Clone, Debug, Deserialize)]
pub struct Incoming {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "first_type")]
    pub kind: String,
    #[serde(deserialize_with = "first_id")]
    pub actor: Url,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default, deserialize_with = "one_or_many_ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many_ids")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many_ids")]
    pub audience: Vec<String>,
    /// A `Flag`'s comment (other activities' content is in their object).
    #[serde(default)]
    pub content: Option<Value>,
    /// Where Lemmy puts a `Flag`'s reason.
    #[serde(default)]
    pub summary: Option<Value>,
    /// Who an `Offer` is made to.
    #[serde(default, deserialize_with = "optional_id")]
    pub target: Option<Url>,
}

/// How many ids [`concerned_ids`] reads at most: a long address list costs a lookup per id.
pub const MAX_CONCERNED: usize = 64;

/// Every id an activity is about or addressed to, whatever its type: its object (or the object's id), and the
/// `inReplyTo`, `audience`, `context`, `target`, `to` and `cc` of the object and of the activity. The rule
/// that a commune's block covers every way in reads these, so a new kind of object is covered without a new
/// line. At most [`MAX_CONCERNED`] ids, duplicates removed.
pub fn concerned_ids(activity: &Incoming) -> Vec<String> {
    let mut found: Vec<String> = vec![];
    if let Some(object) = &activity.object {
        found.extend(id_of(object).map(str::to_string));
        for field in ["inReplyTo", "audience", "context", "target", "to", "cc"] {
            if let Some(value) = object.get(field) {
                found.extend(ids(value.clone()));
            }
        }
    }
    found.extend(activity.audience.iter().cloned());
    found.extend(activity.to.iter().cloned());
    found.extend(activity.cc.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    found.retain(|id| seen.insert(id.clone()));
    found.truncate(MAX_CONCERNED);
    found
}

/// The id of an embedded object or link, as a string (`"https://…"` or `{"id": "https://…"}`).
pub fn id_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(map) => map.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The `type` of an embedded object, if it is one.
pub fn type_of(value: &Value) -> Option<&str> {
    match value.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first().and_then(Value::as_str),
        _ => None,
    }
}

fn ids(value: Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(id_of).map(str::to_string).collect(),
        other => id_of(&other)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
    }
}

pub(crate) fn one_or_many_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(ids(Value::deserialize(d)?))
}

pub(crate) fn first_id<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    let first = ids(Value::deserialize(d)?).into_iter().next();
    let raw = first.ok_or_else(|| de::Error::custom("expected an id"))?;
    Url::parse(&raw).map_err(de::Error::custom)
}

/// A property JSON-LD may compact to one value instead of a list (`null`: none).
pub(crate) fn one_or_many_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items,
        Value::Null => vec![],
        one => vec![one],
    })
}

pub(crate) fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(ids(Value::deserialize(d)?)
        .into_iter()
        .next()
        .and_then(|s| Url::parse(&s).ok()))
}

fn first_type<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Array(items) => items
            .into_iter()
            .find_map(|v| v.as_str().map(str::to_string))
            .ok_or_else(|| de::Error::custom("empty type")),
        _ => Err(de::Error::custom("type must be a string")),
    }
}

/// A picture attached to an object, as read from its `attachment`.
pub(crate) struct AttachedPicture<'a> {
    pub url: Url,
    pub media_type: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// The `Image` and `Document` attachments that have an http(s) link, in their order.
pub(crate) fn pictures(attachment: &[Value]) -> impl Iterator<Item = AttachedPicture<'_>> {
    attachment
        .iter()
        .filter(|a| {
            matches!(
                a.get("type").and_then(Value::as_str),
                Some("Image" | "Document")
            )
        })
        .filter_map(|a| {
            Some(AttachedPicture {
                url: attachment_url(a)?,
                media_type: a.get("mediaType").and_then(Value::as_str),
                name: a.get("name").and_then(Value::as_str),
            })
        })
}

/// The link of an attachment: its `url` as a string, or the `href` of a `Link`.
fn attachment_url(attachment: &Value) -> Option<Url> {
    let url = attachment.get("url")?;
    let raw = url
        .as_str()
        .or_else(|| url.get("href").and_then(Value::as_str))
        .or_else(|| {
            url.as_array()?
                .first()
                .and_then(|u| u.as_str().or_else(|| u.get("href")?.as_str()))
        })?;
    Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_private_activity_is_addressed_to_followers_only() {
        let mut v = serde_json::json!({
            "type": "Create", "to": [PUBLIC], "cc": ["https://a.example/communes/ville/followers"],
            "object": { "type": "Page", "to": "as:Public", "cc": ["Public", "https://a.example/x"],
                        "attachment": [{ "to": [PUBLIC] }] },
        });
        without_public(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "type": "Create", "to": [], "cc": ["https://a.example/communes/ville/followers"],
                "object": { "type": "Page", "to": [], "cc": ["https://a.example/x"],
                            "attachment": [{ "to": [] }] },
            })
        );
    }

    #[test]
    fn reads_varied_activities() {
        let follow: Incoming = serde_json::from_value(serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://m.example/abc", "type": "Follow",
            "actor": {"id": "https://m.example/users/a", "type": "Person"},
            "object": "https://ville.example/users/marie"
        }))
        .unwrap();
        assert_eq!(follow.actor.as_str(), "https://m.example/users/a");
        assert_eq!(
            id_of(follow.object.as_ref().unwrap()),
            Some("https://ville.example/users/marie")
        );
        let note: NoteObject = serde_json::from_value(serde_json::json!({
            "id": "https://m.example/n/1", "type": "Note",
            "attributedTo": ["https://m.example/users/a"],
            "content": "<p>x</p>", "to": PUBLIC, "cc": ["https://m.example/users/a/followers"],
            "inReplyTo": {"id": "https://ville.example/notes/3", "type": "Note"}
        }))
        .unwrap();
        assert_eq!(note.to, vec![PUBLIC]);
        assert_eq!(
            note.in_reply_to.unwrap().as_str(),
            "https://ville.example/notes/3"
        );
        for bad in [
            serde_json::json!({"type": "Follow", "actor": "https://a.example/u"}),
            serde_json::json!({"id": "https://a.example/1", "actor": "https://a.example/u"}),
            serde_json::json!({"id": "https://a.example/1", "type": "Follow"}),
            serde_json::json!({"id": "not a url", "type": "Follow", "actor": "https://a.example/u"}),
            serde_json::json!({"id": "https://a.example/1", "type": 3, "actor": "https://a.example/u"}),
        ] {
            assert!(
                serde_json::from_value::<Incoming>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod properties;
mod types;

pub use types::ApType;
