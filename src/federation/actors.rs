//! Actor documents: the commune as a `Group`, people as `Person`s, the instance as an `Application`.

use activitypub_federation::protocol::helpers::deserialize_skip_error;
use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::urls::Urls;
use crate::model::{Actor, ActorKind, Mandate};

/// The ActivityStreams actor types we serve, and those other servers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorType {
    Person,
    Group,
    Application,
    Service,
    Organization,
}

impl From<ActorKind> for ActorType {
    fn from(kind: ActorKind) -> ActorType {
        match kind {
            ActorKind::Application => ActorType::Application,
            ActorKind::Commune => ActorType::Group,
            ActorKind::Person => ActorType::Person,
        }
    }
}

/// `endpoints.sharedInbox`: Mastodon delivers once per server to it instead of once per follower.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

/// An avatar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// A profile attachment. Mastodon shows `PropertyValue`s as profile fields; other types are kept as unknown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Attachment {
    PropertyValue {
        name: String,
        value: String,
    },
    #[serde(other)]
    Other,
}

/// `parvis:Mandate`: an elected office, machine-readable, so another Parvis instance can show the badge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MandateObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub office: String,
    pub governing_body: String,
    pub start_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
}

/// An actor document, as we serve it and as we read other servers' (lenient: unknown fields are ignored and a
/// malformed optional field is dropped rather than failing the whole actor).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDocument {
    #[serde(rename = "type")]
    pub kind: ActorType,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub icon: Option<Image>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub manually_approves_followers: bool,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub discoverable: bool,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub published: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachment: Vec<Attachment>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub mandates: Vec<MandateObject>,
}

/// Escapes text for the HTML of a `PropertyValue` value, which Mastodon renders as HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl ActorDocument {
    /// The document of a local actor. Every mandate goes into `parvis:mandates`; the ones held today also
    /// become "Mandat" profile fields, which is how Mastodon users see that someone is an elected official.
    pub fn local(
        urls: &Urls,
        actor: &Actor,
        mandates: &[Mandate],
        today: NaiveDate,
    ) -> ActorDocument {
        let id = urls.actor(actor.kind, &actor.username);
        let summary = (!actor.summary.is_empty()).then(|| escape_html(&actor.summary));
        ActorDocument {
            kind: actor.kind.into(),
            preferred_username: actor.username.to_string(),
            name: Some(actor.display_name.clone()),
            summary,
            url: Some(id.clone()),
            inbox: urls.inbox(&id),
            outbox: Some(urls.outbox(&id)),
            followers: Some(urls.followers(&id)),
            following: Some(urls.following(&id)),
            endpoints: Some(Endpoints {
                shared_inbox: Some(urls.shared_inbox()),
            }),
            public_key: PublicKey {
                id: urls.key_id(&id).to_string(),
                owner: id.clone(),
                public_key_pem: actor.public_key_pem.clone(),
            },
            icon: actor
                .icon_url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .map(|url| Image {
                    kind: "Image".into(),
                    url,
                    media_type: None,
                }),
            manually_approves_followers: actor.manually_approves_followers,
            discoverable: actor.discoverable,
            published: Some(actor.created_at.and_utc()),
            attachment: mandates
                .iter()
                .filter(|m| m.is_current(today))
                .map(|m| Attachment::PropertyValue {
                    name: "Mandat".into(),
                    value: escape_html(&m.label()),
                })
                .collect(),
            mandates: mandates
                .iter()
                .map(|m| MandateObject {
                    kind: "Mandate".into(),
                    office: m.office.clone(),
                    governing_body: m.governing_body.clone(),
                    start_date: m.since,
                    end_date: m.until,
                })
                .collect(),
            id,
        }
    }

    /// The shared inbox if the server has one, else the actor's own: one delivery per server where possible.
    pub fn delivery_inbox(&self) -> &Url {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref())
            .unwrap_or(&self.inbox)
    }
}
