//! NodeInfo 2.1: what software this is and how big, for crawlers and for other servers' admin screens.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::RegistrationMode;
use crate::context::AppContext;
use crate::db::queries;
use crate::error::Result;
use crate::model::ActorKind;

const SCHEMA_21: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

/// The NodeInfo 2.1 document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub version: String,
    pub software: Software,
    pub protocols: Vec<String>,
    pub services: Services,
    pub open_registrations: bool,
    pub usage: Usage,
    pub metadata: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Software {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Services {
    pub inbound: Vec<String>,
    pub outbound: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub users: Users,
    /// Posts written here and not deleted.
    pub local_posts: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Users {
    pub total: i64,
}

/// `GET /.well-known/nodeinfo`: where the document is.
pub async fn discovery(State(ctx): State<AppContext>) -> Response {
    axum::Json(json!({
        "links": [{ "rel": SCHEMA_21, "href": ctx.urls.nodeinfo().to_string() }]
    }))
    .into_response()
}

/// `GET /nodeinfo/2.1`.
pub async fn nodeinfo(State(ctx): State<AppContext>) -> Result<Response> {
    let defaults = ctx.settings.instance.clone();
    let (people, communes, posts, instance) = ctx
        .db
        .run(move |conn| {
            Ok((
                queries::count_actors(conn, ActorKind::Person)?,
                queries::communes(conn)?,
                queries::count_local_posts(conn)?,
                crate::civic::site::load(conn, &defaults)?,
            ))
        })
        .await?;
    let document = NodeInfo {
        version: "2.1".into(),
        software: Software {
            name: "parvis".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        protocols: vec!["activitypub".into()],
        services: Services {
            inbound: vec![],
            outbound: vec![],
        },
        open_registrations: instance.registration == RegistrationMode::Open,
        usage: Usage {
            users: Users { total: people },
            local_posts: posts,
        },
        metadata: json!({
            "nodeName": instance.name,
            "nodeDescription": instance.description,
            "communes": communes
                .iter()
                .map(|(c, _)| json!({
                    "name": c.display_name,
                    "handle": format!("@{}@{}", c.username, ctx.urls.authority()),
                    "id": ctx.urls.actor(c.kind, &c.username).to_string(),
                }))
                .collect::<Vec<_>>(),
        }),
    };
    Ok((
        [(
            header::CONTENT_TYPE,
            format!("application/json; profile=\"{SCHEMA_21}#\""),
        )],
        axum::Json(document),
    )
        .into_response())
}
