//! WebFinger (RFC 7033) and host-meta: how `@marie@ville.example` becomes an actor URL.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::ACTIVITY_JSON;
use crate::model::ActorKind;

/// A WebFinger answer (JRD).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Jrd {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub links: Vec<JrdLink>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JrdLink {
    pub rel: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub properties: HashMap<String, String>,
}

/// What a `resource` parameter names.
#[derive(Debug, PartialEq)]
enum Resource {
    Account { user: String, host: String },
    Url(Url),
}

fn parse_resource(raw: &str) -> Result<Resource> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::BadRequest("the resource parameter is empty".into()));
    }
    // Clients send `acct:user@host`, some `user@host` or `@user@host`.
    let acct = raw.strip_prefix("acct:").unwrap_or(raw);
    if !acct.starts_with("http://") && !acct.starts_with("https://") {
        let acct = acct.strip_prefix('@').unwrap_or(acct);
        return match acct.split_once('@') {
            Some((user, host)) if !user.is_empty() && !host.is_empty() && !host.contains('@') => {
                Ok(Resource::Account {
                    user: user.to_ascii_lowercase(),
                    host: host.to_ascii_lowercase(),
                })
            }
            _ => Err(Error::BadRequest(format!(
                "'{raw}' is not of the form acct:user@host or an actor URL"
            ))),
        };
    }
    Url::parse(raw)
        .map(Resource::Url)
        .map_err(|_| Error::BadRequest(format!("'{raw}' is not a valid URL")))
}

/// `GET /.well-known/webfinger?resource=…`: 400 for a missing or malformed resource, 404 for anything not ours.
pub async fn webfinger(
    State(ctx): State<AppContext>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response> {
    let raw = params
        .get("resource")
        .ok_or_else(|| Error::BadRequest("the resource parameter is missing".into()))?;
    let (kind, name) = match parse_resource(raw)? {
        Resource::Account { user, host } => {
            if host != ctx.urls.authority().to_ascii_lowercase() {
                return Err(Error::NotFound(format!("{host} is not this server")));
            }
            (None, user)
        }
        Resource::Url(url) => {
            let (kind, name) = ctx
                .urls
                .parse_actor(&url)
                .ok_or_else(|| Error::NotFound(format!("{url} is not an actor of this server")))?;
            (Some(kind), name)
        }
    };
    let actor = ctx
        .db
        .run(move |conn| queries::actor_by_username(conn, &name))
        .await?
        .filter(|a| kind.is_none_or(|k| k == a.kind))
        // A deleted account is not found: its name stays taken, but nobody can follow it any more.
        .filter(|a| a.deleted_at.is_none())
        .ok_or_else(|| Error::NotFound(format!("no actor named '{raw}' here")))?;
    let id = ctx.urls.actor(actor.kind, &actor.username);
    let mut properties = HashMap::new();
    if actor.kind == ActorKind::Commune {
        // Lets clients (and Lemmy-style software) know before fetching that this is a group.
        properties.insert(
            "https://www.w3.org/ns/activitystreams#type".to_string(),
            "Group".to_string(),
        );
    }
    let jrd = Jrd {
        subject: format!("acct:{}@{}", actor.username, ctx.urls.authority()),
        aliases: vec![id.to_string()],
        links: vec![
            JrdLink {
                rel: "self".into(),
                kind: Some(ACTIVITY_JSON.into()),
                href: Some(id.to_string()),
                template: None,
                properties,
            },
            JrdLink {
                rel: "http://webfinger.net/rel/profile-page".into(),
                kind: Some("text/html".into()),
                href: Some(id.to_string()),
                template: None,
                properties: HashMap::new(),
            },
        ],
    };
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        axum::Json(jrd),
    )
        .into_response())
}

/// `GET /.well-known/host-meta`: older clients find the WebFinger endpoint through it.
pub async fn host_meta(State(ctx): State<AppContext>) -> Response {
    let template = ctx
        .urls
        .webfinger_template()
        .replace('&', "&amp;")
        .replace('"', "&quot;");
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"{template}\"/>\n</XRD>\n"
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        let acct = |u: &str, h: &str| Resource::Account {
            user: u.into(),
            host: h.into(),
        };
        assert_eq!(
            parse_resource("acct:Marie@Ville.example").unwrap(),
            acct("marie", "ville.example")
        );
        assert_eq!(
            parse_resource("marie@ville.example").unwrap(),
            acct("marie", "ville.example")
        );
        assert_eq!(
            parse_resource("@marie@localhost:8080").unwrap(),
            acct("marie", "localhost:8080")
        );
        assert!(matches!(
            parse_resource("https://ville.example/users/marie").unwrap(),
            Resource::Url(_)
        ));
        for bad in [
            "",
            "acct:",
            "acct:marie",
            "acct:@host",
            "acct:marie@",
            "a@b@c",
            "https://",
        ] {
            assert!(
                matches!(parse_resource(bad), Err(Error::BadRequest(_))),
                "{bad:?}"
            );
        }
    }
}
