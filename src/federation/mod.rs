//! ActivityPub and the discovery protocols around it. This module speaks ActivityStreams.

pub mod activities;
pub mod actors;
pub mod collections;
pub mod commitments;
pub mod debates;
pub mod deliver;
pub mod fetch;
pub mod follows;
pub mod http;
pub mod inbound;
pub mod inbox;
pub mod meetings;
pub mod moderation;
pub mod newsletter;
pub mod nodeinfo;
pub mod notes;
pub mod outbound;
pub mod policy;
pub mod polls;
pub mod problems;
pub mod proposals;
pub mod refusals;
pub mod signatures;
pub mod urls;
pub mod webfinger;

use serde_json::{Value, json};

/// The `parvis:` namespace of our extension terms, documented in `docs/federation.md`.
pub const PARVIS_NS: &str = "https://w3id.org/parvis/ns#";

/// The media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// The JSON-LD `@context` of everything we serve: ActivityStreams, the security vocabulary (for `publicKey`),
/// the Mastodon terms Mastodon reads (`toot:`, `schema:PropertyValue`), and ours.
pub fn context() -> Value {
    // In two parts: one `json!` of every term exceeds the macro's recursion limit.
    let mut terms = json!({
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "parvis": PARVIS_NS,
    "Mandate": "parvis:Mandate",
    "mandates": { "@id": "parvis:mandates", "@container": "@set" },
    "office": "parvis:office",
    "governingBody": "parvis:governingBody",
    "stance": "parvis:stance",
    "pt": "https://joinpeertube.org/ns#",
    "commentsEnabled": "pt:commentsEnabled",
    "startDate": "schema:startDate",
    "endDate": "schema:endDate",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "proposalStatus": "parvis:proposalStatus",
    "supportsResidents": { "@id": "parvis:supportsResidents", "@type": "xsd:integer" },
    "supportsLocal": { "@id": "parvis:supportsLocal", "@type": "xsd:integer" },
    "supportsRemote": { "@id": "parvis:supportsRemote", "@type": "xsd:integer" },
    "supportThreshold": { "@id": "parvis:supportThreshold", "@type": "xsd:integer" },
    "theme": "parvis:theme",
    "officialAnswer": "parvis:officialAnswer",
    "answererName": "parvis:answererName",
    "votersCount": "toot:votersCount",
    "eligibility": "parvis:eligibility",
    "otherVotes": { "@id": "parvis:otherVotes", "@type": "xsd:integer" },
    "otherVotersCount": { "@id": "parvis:otherVotersCount", "@type": "xsd:integer" },
    "resultsHidden": "parvis:resultsHidden",
    "problemStatus": "parvis:problemStatus",
    "supporters": { "@id": "parvis:supporters", "@type": "xsd:integer" },
    "duplicateOf": { "@id": "parvis:duplicateOf", "@type": "@id" },
    "handledBy": { "@id": "parvis:handledBy", "@type": "@id" },
    "statusMessage": "parvis:statusMessage"
    });
    let meetings_and_others = json!({
    "mz": "https://joinmobilizon.org/ns#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
    "isOnline": { "@id": "mz:isOnline", "@type": "schema:Boolean" },
    "timezone": { "@id": "mz:timezone", "@type": "schema:Text" },
    "participantCount": { "@id": "mz:participantCount", "@type": "schema:Number" },
    "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "schema:remainingAttendeeCapacity",
    "category": "mz:category",
    "Hashtag": "as:Hashtag",
    "commitmentStatus": "parvis:commitmentStatus",
    "progress": { "@id": "parvis:progress", "@type": "xsd:integer" },
    "dueDate": { "@id": "parvis:dueDate", "@type": "xsd:date" },
    "answers": { "@id": "parvis:answers", "@type": "@id" },
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods"
    });
    if let (Some(all), Value::Object(more)) = (terms.as_object_mut(), meetings_and_others) {
        all.extend(more);
    }
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        terms
    ])
}

/// A short digest of a document as received (SHA-256 of its JSON, hex): tells apart two versions sent
/// under one activity id.
pub fn digest_of(value: &Value) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.to_string().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// `host[:port]` of a URL: what identifies a server (two instances on one host name differ by port).
pub fn domain_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// Whether a request's `Accept` header asks for ActivityPub JSON rather than a page. Both media types of the
/// ActivityPub spec count, whatever their parameters (`application/ld+json; profile="…activitystreams"`).
pub fn wants_activity_json(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| {
        accept.split(',').any(|part| {
            let media = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == ACTIVITY_JSON || media == "application/ld+json"
        })
    })
}

/// An ActivityPub document as we serve it: our JSON-LD context, `Content-Type: application/activity+json`.
pub fn json(value: impl serde::Serialize) -> axum::response::Response {
    use axum::response::IntoResponse;
    activitypub_federation::axum::json::FederationJson(
        activitypub_federation::protocol::context::WithContext::new(value, context()),
    )
    .into_response()
}

/// `GET` of one of our objects by a server: the signed fetch checked as for every object, the number in the
/// path read (`what` names it in the 404), the document built from the database and served as the policy
/// says (`json_for`).
pub async fn object_document<T, I>(
    ctx: &crate::context::AppContext,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    raw: &str,
    what: &'static str,
    id: fn(i64) -> I,
    build: impl FnOnce(&mut crate::db::AnyConnection, &urls::Urls, I) -> crate::error::Result<T>
    + Send
    + 'static,
) -> crate::error::Result<axum::response::Response>
where
    T: serde::Serialize + Send + 'static,
    I: Send + 'static,
{
    inbox::require_signed_fetch(ctx, uri, headers).await?;
    let number: i64 = raw
        .parse()
        .map_err(|_| crate::error::Error::NotFound(format!("no such {what}")))?;
    let (urls, id) = (ctx.urls.clone(), id(number));
    let object = ctx.db.run(move |conn| build(conn, &urls, id)).await?;
    json_for(ctx, object).await
}

/// `json`, addressed as the policy says: a commune kept for its residents serves nothing addressed to the public.
pub async fn json_for(
    ctx: &crate::context::AppContext,
    value: impl serde::Serialize,
) -> crate::error::Result<axum::response::Response> {
    if !ctx.policy().await.private {
        return Ok(json(value));
    }
    let mut value = serde_json::to_value(value).map_err(crate::error::Error::internal)?;
    activities::without_public(&mut value);
    Ok(json(value))
}

#[cfg(test)]
mod tests {
    use super::wants_activity_json;

    #[test]
    fn content_negotiation() {
        assert!(wants_activity_json(Some("application/activity+json")));
        assert!(wants_activity_json(Some(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        )));
        assert!(wants_activity_json(Some(
            "text/html;q=0.5, Application/Activity+JSON"
        )));
        assert!(!wants_activity_json(Some(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_activity_json(Some("*/*")));
        assert!(!wants_activity_json(None));
    }
}
