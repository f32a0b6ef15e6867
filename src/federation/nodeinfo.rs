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

/// Another server's NodeInfo (2.0 or 2.1), found through its `/.well-known/nodeinfo` on its own origin.
pub async fn of_server(ctx: &AppContext, origin: &url::Url) -> Result<serde_json::Value> {
    use crate::error::Error;
    let discovery = origin
        .join("/.well-known/nodeinfo")
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let links: serde_json::Value =
        crate::federation::fetch::get(ctx, &discovery, "application/json").await?;
    let href = links["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| {
            l["rel"]
                .as_str()
                .is_some_and(|r| r.contains("nodeinfo.diaspora.software/ns/schema/2"))
        })
        .filter_map(|l| l["href"].as_str())
        .filter_map(|h| url::Url::parse(h).ok())
        .find(|h| h.origin() == origin.origin())
        .ok_or_else(|| Error::BadGateway(format!("{origin} has no NodeInfo on its own server")))?;
    crate::federation::fetch::get(ctx, &href, "application/json").await
}

/// Learns, once, what software the server of `actor` runs (NodeInfo's `software.name`, lowercase): a commune
/// relays to FEP-1b12 group software in the form it takes. Runs in the background; a server that does not
/// answer is asked again at its next follow.
pub fn learn_software(ctx: &AppContext, actor: &url::Url) {
    let domain = crate::federation::domain_of(actor);
    let mut origin = actor.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let known_domain = domain.clone();
        let known = ctx
            .db
            .run(move |conn| {
                use crate::model::schema::remote_hosts;
                use diesel::prelude::*;
                Ok(remote_hosts::table
                    .find(&known_domain)
                    .select(remote_hosts::software)
                    .first::<Option<String>>(conn)
                    .optional()?
                    .flatten()
                    .is_some())
            })
            .await;
        if !matches!(known, Ok(false)) {
            return;
        }
        let software = match of_server(&ctx, &origin).await {
            Ok(info) => info["software"]["name"]
                .as_str()
                .map(|n| n.trim().to_lowercase().chars().take(64).collect::<String>())
                .filter(|n| !n.is_empty()),
            Err(e) => {
                tracing::info!(server = %domain, error = %e, "cannot read the server's NodeInfo");
                None
            }
        };
        let Some(software) = software else {
            return;
        };
        let stored = ctx
            .db
            .run(move |conn| {
                use crate::model::schema::remote_hosts;
                use diesel::prelude::*;
                crate::on_each_backend!(conn, |c| diesel::insert_into(remote_hosts::table)
                    .values((
                        remote_hosts::domain.eq(&domain),
                        remote_hosts::software.eq(&software),
                    ))
                    .on_conflict(remote_hosts::domain)
                    .do_update()
                    .set(remote_hosts::software.eq(&software))
                    .execute(c))?;
                Ok(())
            })
            .await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, "cannot store a server's software");
        }
    });
}
