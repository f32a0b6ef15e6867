//! Actor documents: the commune as a `Group`, people as `Person`s, the instance as an `Application`.

use crate::civic::notes::escape_html;
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::federation::activities::ApType;
use crate::federation::activities::{ObjectOut, PUBLIC};
use crate::federation::outbound::{Planned, Sender, audience};
use crate::federation::urls::Urls;
use crate::model::{Actor, ActorKind, DebateOpeners, Mandate};

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

/// The text an actor's `summary` was made from (a commune's description, in Markdown), as Lemmy reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: String,
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

/// A FEP-521a `Multikey` in `assertionMethod`: how actors publish keys other than `publicKey` (Fedify and
/// Mastodon ≥ 4.5 publish an Ed25519 key this way, usable with RFC 9421 signatures).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Multikey {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub controller: Url,
    pub public_key_multibase: String,
}

/// Reads one-or-many `Multikey`s, keeping the well-formed ones (servers compact one-item arrays to an object,
/// and other key types may sit beside them).
fn lenient_multikeys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Multikey>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    Ok(items
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Multikey>(v).ok())
        .filter(|k| k.kind == "Multikey")
        .collect())
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
    /// A commune's description in Markdown, which its HTML `summary` was made from.
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<Source>,
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
    #[serde(
        default,
        deserialize_with = "lenient_multikeys",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assertion_method: Vec<Multikey>,
    /// A commune's moderators (FEP-1b12: the collection of those who moderate the group).
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributed_to: Option<Url>,
    /// A commune that takes debates only from its own people (Lemmy's term): Lemmy's client then does not let a
    /// remote user post in it, instead of publishing a post Parvis would refuse.
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub posting_restricted_to_mods: Option<bool>,
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
        let collections = actor.kind != ActorKind::Application;
        // A person's bio is plain text; a commune's description is Markdown (Lemmy shows its source).
        let described = !actor.summary.is_empty();
        let (summary, source) = if actor.kind == ActorKind::Commune {
            (
                described.then(|| crate::civic::debates::markdown_to_html(&actor.summary)),
                described.then(|| Source {
                    content: actor.summary.clone(),
                    media_type: "text/markdown".into(),
                }),
            )
        } else {
            (described.then(|| escape_html(&actor.summary)), None)
        };
        ActorDocument {
            kind: actor.kind.into(),
            preferred_username: actor.username.to_string(),
            name: Some(actor.display_name.clone()),
            summary,
            source,
            url: Some(id.clone()),
            inbox: urls.inbox(&id),
            // The instance actor only signs; it publishes nothing and follows no one.
            outbox: collections.then(|| urls.outbox(&id)),
            followers: collections.then(|| urls.followers(&id)),
            attributed_to: (actor.kind == ActorKind::Commune).then(|| urls.moderators(&id)),
            posting_restricted_to_mods: None,
            following: collections.then(|| urls.following(&id)),
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
            assertion_method: Vec::new(),
            id,
        }
    }

    /// A commune's document says who may post in it: whether debates are taken from other servers.
    pub fn with_openers(mut self, openers: DebateOpeners) -> ActorDocument {
        if self.kind == ActorType::Group {
            self.posting_restricted_to_mods = Some(openers != DebateOpeners::Everyone);
        }
        self
    }

    /// The shared inbox if the server has one, else the actor's own: one delivery per server where possible.
    pub fn delivery_inbox(&self) -> &Url {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref())
            .unwrap_or(&self.inbox)
    }
}

/// What a deleted local account's URL serves (with `410 Gone`): a `Tombstone` that remembers it was a Person.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorTombstone {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub former_type: String,
    pub deleted: chrono::DateTime<chrono::Utc>,
}

impl ActorTombstone {
    /// The tombstone of an actor whose account was deleted; `None` for a live one.
    pub fn of(urls: &Urls, actor: &Actor) -> Option<ActorTombstone> {
        Some(ActorTombstone {
            id: urls.actor(actor.kind, &actor.username),
            kind: "Tombstone".into(),
            former_type: "Person".into(),
            deleted: actor.deleted_at?.and_utc(),
        })
    }
}

/// The actor's profile changed: `Update` of its document, to its followers.
pub fn updated(
    conn: &mut crate::db::AnyConnection,
    s: &Sender,
    actor: &Actor,
) -> crate::error::Result<Planned> {
    let mandates = crate::db::queries::mandates_of(conn, actor.id)?;
    let mut document = ActorDocument::local(s.urls, actor, &mandates, Utc::now().date_naive());
    if actor.kind == ActorKind::Commune {
        document = document.with_openers(crate::civic::debates::openers(conn, actor.id)?);
    }
    let activity = s.activity(
        ApType::Update,
        s.urls.activity(),
        ObjectOut::Actor(Box::new(document)),
        vec![PUBLIC.to_string()],
        vec![s.followers()],
    );
    Ok(Planned::unlisted(
        activity,
        audience::follower_inboxes(conn, s.id)?,
    ))
}

/// `Update` of something that is not a post, a debate or a poll: an actor announcing a new profile or key.
/// Its own document is fetched again rather than the embedded copy trusted.
pub async fn receive_update(
    ctx: &crate::context::AppContext,
    signer: &crate::model::RemoteActor,
    object: Option<String>,
) -> crate::error::Result<()> {
    if object.as_deref() == Some(signer.ap_id.as_str()) {
        let url = Url::parse(&signer.ap_id).map_err(crate::error::Error::internal)?;
        crate::federation::fetch::actor(ctx, &url, true).await?;
    }
    Ok(())
}

/// The account is erased: `Delete` of the actor, to the inboxes written when it was (its follows are gone).
pub fn deleted(s: &Sender, inboxes: &[crate::ids::ApUrl]) -> Planned {
    let activity = s.activity(
        ApType::Delete,
        s.urls.activity(),
        ObjectOut::Link(s.url.clone()),
        vec![PUBLIC.to_string()],
        vec![],
    );
    Planned::unlisted(activity, inboxes.iter().map(|i| i.as_str().to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A Mastodon 4.x `Person`, as its server serves it (with its own context terms, an HTML summary, a
    /// legacy attachment type, and fields we do not read such as `featured` or `devices`).
    const MASTODON_PERSON: &str =
        include_str!("../../federation-tests/fixtures/mastodon/person.json");

    #[test]
    fn reads_a_mastodon_actor() {
        let doc: ActorDocument = serde_json::from_str(MASTODON_PERSON).unwrap();
        assert_eq!(doc.kind, ActorType::Person);
        assert_eq!(doc.id.as_str(), "https://mastodon.example/users/claire");
        assert_eq!(doc.preferred_username, "claire");
        assert_eq!(doc.name.as_deref(), Some("Claire M."));
        assert!(doc.summary.as_deref().unwrap().starts_with("<p>Habitante"));
        assert_eq!(
            doc.url.as_ref().unwrap().as_str(),
            "https://mastodon.example/@claire"
        );
        assert_eq!(
            doc.inbox.as_str(),
            "https://mastodon.example/users/claire/inbox"
        );
        assert_eq!(
            doc.delivery_inbox().as_str(),
            "https://mastodon.example/inbox"
        );
        assert_eq!(
            doc.public_key.id,
            "https://mastodon.example/users/claire#main-key"
        );
        assert_eq!(doc.public_key.owner, doc.id);
        assert!(
            doc.public_key
                .public_key_pem
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(
            doc.icon.as_ref().unwrap().media_type.as_deref(),
            Some("image/png")
        );
        assert!(!doc.manually_approves_followers);
        assert!(doc.discoverable);
        assert_eq!(doc.attachment.len(), 3);
        assert_eq!(
            doc.attachment[0],
            Attachment::PropertyValue {
                name: "Quartier".into(),
                value: "Les Tilleuls".into()
            }
        );
        assert_eq!(doc.attachment[2], Attachment::Other);
        assert!(doc.mandates.is_empty());
    }

    #[test]
    fn tolerates_what_other_servers_vary() {
        let mut value: serde_json::Value = serde_json::from_str(MASTODON_PERSON).unwrap();
        // Other servers: `url` as a Link object, no endpoints, `discoverable: null`, one attachment object.
        value["url"] = serde_json::json!({"type": "Link", "href": "https://x.example/@claire"});
        value.as_object_mut().unwrap().remove("endpoints");
        value["discoverable"] = serde_json::Value::Null;
        value["attachment"] =
            serde_json::json!({"type": "PropertyValue", "name": "a", "value": "b"});
        value["type"] = serde_json::json!("Service");
        let doc: ActorDocument = serde_json::from_value(value).unwrap();
        assert_eq!(doc.kind, ActorType::Service);
        assert!(doc.url.is_none());
        assert!(!doc.discoverable);
        assert_eq!(doc.delivery_inbox(), &doc.inbox);
    }

    #[test]
    fn refuses_actors_without_what_federation_needs() {
        for field in ["id", "inbox", "publicKey", "preferredUsername", "type"] {
            let mut value: serde_json::Value = serde_json::from_str(MASTODON_PERSON).unwrap();
            value.as_object_mut().unwrap().remove(field);
            assert!(
                serde_json::from_value::<ActorDocument>(value).is_err(),
                "{field}"
            );
        }
        let mut value: serde_json::Value = serde_json::from_str(MASTODON_PERSON).unwrap();
        value["type"] = serde_json::json!("Note");
        assert!(serde_json::from_value::<ActorDocument>(value).is_err());
    }

    #[test]
    fn local_documents_read_back_identically() {
        let urls = Urls::new(Url::parse("https://ville.example").unwrap());
        let now = chrono::Utc::now().naive_utc();
        let actor = Actor {
            id: crate::ids::ActorId(7),
            kind: ActorKind::Person,
            username: crate::model::Username::parse("marie").unwrap(),
            display_name: "Marie".into(),
            summary: "Élue <depuis> 2020 & engagée".into(),
            icon_url: Some("https://ville.example/media/marie.png".into()),
            public_key_pem: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n".into(),
            private_key_pem: "secret".into(),
            manually_approves_followers: true,
            discoverable: true,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let mandate = Mandate {
            id: crate::ids::MandateId(1),
            account_id: actor.id,
            office: "Maire".into(),
            governing_body: "Conseil <municipal>".into(),
            since: NaiveDate::from_ymd_opt(2020, 7, 4).unwrap(),
            until: Some(NaiveDate::from_ymd_opt(2020, 7, 5).unwrap()),
            created_at: now,
        };
        let today = NaiveDate::from_ymd_opt(2020, 7, 5).unwrap();
        let doc = ActorDocument::local(&urls, &actor, std::slice::from_ref(&mandate), today);
        assert_eq!(
            doc.summary.as_deref(),
            Some("Élue &lt;depuis&gt; 2020 &amp; engagée")
        );
        assert_eq!(
            doc.attachment,
            vec![Attachment::PropertyValue {
                name: "Mandat".into(),
                value: "Maire — Conseil &lt;municipal&gt;".into()
            }]
        );
        let json = serde_json::to_string(&doc).unwrap();
        assert!(!json.contains("secret"));
        let back: ActorDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
        // The day after the mandate ends, it is no longer a profile field.
        let later = ActorDocument::local(&urls, &actor, &[mandate], today.succ_opt().unwrap());
        assert!(later.attachment.is_empty());
        assert_eq!(later.mandates.len(), 1);
        // A person's document says nothing of who may post; a commune's does, in Lemmy's term.
        let json =
            serde_json::to_value(doc.clone().with_openers(DebateOpeners::Officials)).unwrap();
        assert!(json.get("postingRestrictedToMods").is_none());
        let mut commune = actor.clone();
        commune.kind = ActorKind::Commune;
        let group = ActorDocument::local(&urls, &commune, &[], today);
        for (openers, restricted) in [
            (DebateOpeners::Officials, true),
            (DebateOpeners::Residents, true),
            (DebateOpeners::Accounts, true),
            (DebateOpeners::Everyone, false),
        ] {
            let json = serde_json::to_value(group.clone().with_openers(openers)).unwrap();
            assert_eq!(json["postingRestrictedToMods"], restricted, "{openers}");
        }
        // A person's bio is plain text, escaped, without a source; a commune's description is Markdown: its
        // HTML (cleaned) in `summary`, the Markdown in `source`.
        assert!(doc.source.is_none());
        commune.summary = "Bienvenue à **Ville**.\n\n<script>alert(1)</script>".into();
        let group = ActorDocument::local(&urls, &commune, &[], today);
        let summary = group.summary.as_deref().unwrap();
        assert!(summary.contains("<strong>Ville</strong>"), "{summary}");
        assert!(!summary.contains("script"), "{summary}");
        assert_eq!(
            group.source,
            Some(Source {
                content: commune.summary.clone(),
                media_type: "text/markdown".into()
            })
        );
        let json = serde_json::to_value(&group).unwrap();
        assert_eq!(json["source"]["mediaType"], "text/markdown");
        let back: ActorDocument = serde_json::from_value(json).unwrap();
        assert_eq!(back, group);
        // Without a description, neither is sent.
        commune.summary.clear();
        let group = ActorDocument::local(&urls, &commune, &[], today);
        assert!(group.summary.is_none() && group.source.is_none());
    }
}
