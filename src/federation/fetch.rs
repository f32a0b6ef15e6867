//! The only way Parvis dereferences a remote URL: signed by the instance actor (servers in secure mode refuse
//! unsigned GETs), through the SSRF-guarded client, size-limited, refusing blocked servers.

use std::time::Duration;

use chrono::Utc;
use serde::de::DeserializeOwned;
use url::Url;

use crate::civic::remote::{RemoteActorData, upsert_remote_actor};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::actors::ActorDocument;
use crate::federation::signatures;
use crate::federation::webfinger::Jrd;
use crate::federation::{ACTIVITY_JSON, domain_of};
use crate::model::RemoteActor;
use crate::model::schema::remote_actors;

/// How long a stored actor is trusted before it is fetched again.
const ACTOR_TTL: Duration = Duration::from_secs(24 * 3600);

/// The largest document we read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// GETs a document, signed by the instance actor, and parses it.
pub async fn get<T: DeserializeOwned>(ctx: &AppContext, url: &Url, accept: &str) -> Result<T> {
    if ctx.policy().await.refuses(url) {
        return Err(Error::Forbidden(format!("{} is blocked", domain_of(url))));
    }
    let mut request = reqwest::Request::new(reqwest::Method::GET, url.clone());
    request.headers_mut().insert(
        reqwest::header::ACCEPT,
        accept.parse().map_err(Error::internal)?,
    );
    let signer = &ctx.instance_signer;
    signatures::sign_cavage(
        &reqwest::Method::GET,
        url,
        request.headers_mut(),
        None,
        &signer.key_id,
        &signer.key,
        Utc::now(),
    )
    .map_err(Error::internal)?;
    let mut response = ctx
        .http
        .execute(request)
        .await
        .map_err(|e| Error::BadGateway(format!("cannot fetch {url}: {e}")))?;
    // Redirected to a refused server: what it answered is not read.
    if ctx.policy().await.refuses(response.url()) {
        return Err(Error::Forbidden(format!(
            "{url} redirects to {}, which is refused here",
            domain_of(response.url())
        )));
    }
    let status = response.status();
    if !status.is_success() {
        return Err(if status.as_u16() == 404 || status.as_u16() == 410 {
            Error::NotFound(format!("{url} answered {status}"))
        } else {
            Error::BadGateway(format!("{url} answered {status}"))
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES)
    {
        return Err(Error::BadGateway(format!(
            "{url} is larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::BadGateway(format!("cannot read {url}: {e}")))?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::BadGateway(format!(
                "{url} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body)
        .map_err(|e| Error::BadGateway(format!("{url} is not a valid document: {e}")))
}

/// A remote actor: from the database while fresh, else fetched (and stored). `refresh` forces a fetch, e.g.
/// after a signature failed with the stored key (the actor may have rotated it).
pub async fn actor(ctx: &AppContext, url: &Url, refresh: bool) -> Result<RemoteActor> {
    if ctx.urls.is_local(url) {
        return Err(Error::BadRequest(format!("{url} is a local actor")));
    }
    if ctx.policy().await.refuses(url) {
        return Err(Error::Forbidden(format!(
            "{} is refused here",
            domain_of(url)
        )));
    }
    if !refresh {
        let key = url.to_string();
        let stored = ctx
            .db
            .run(move |conn| {
                use diesel::prelude::*;
                Ok(remote_actors::table
                    .filter(remote_actors::ap_id.eq(key))
                    .select(RemoteActor::as_select())
                    .first(conn)
                    .optional()?)
            })
            .await?;
        if let Some(actor) = stored {
            let age = Utc::now().naive_utc() - actor.fetched_at;
            if age.to_std().is_ok_and(|age| age < ACTOR_TTL) {
                return Ok(actor);
            }
        }
    }
    let document: ActorDocument = get(ctx, url, ACTIVITY_JSON).await?;
    store_actor(ctx, url, document).await
}

/// Checks a fetched actor document and stores it. The document must be the one asked for (same id, or at
/// least the same server when a key URL led us to its owner) and its key must be its own.
async fn store_actor(
    ctx: &AppContext,
    fetched_from: &Url,
    doc: ActorDocument,
) -> Result<RemoteActor> {
    if domain_of(&doc.id) != domain_of(fetched_from) {
        return Err(Error::BadGateway(format!(
            "{fetched_from} served an actor of another server ({})",
            doc.id
        )));
    }
    if doc.public_key.owner != doc.id {
        return Err(Error::BadGateway(format!(
            "{}'s key belongs to someone else",
            doc.id
        )));
    }
    let data = RemoteActorData {
        ap_id: doc.id.to_string(),
        kind: format!("{:?}", doc.kind),
        domain: domain_of(&doc.id),
        username: doc.preferred_username.clone(),
        display_name: doc
            .name
            .clone()
            .unwrap_or_else(|| doc.preferred_username.clone()),
        inbox: doc.inbox.to_string(),
        shared_inbox: doc
            .endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref())
            .map(Url::to_string),
        url: doc.url.as_ref().map(Url::to_string),
        key_id: doc.public_key.id.clone(),
        public_key_pem: doc.public_key.public_key_pem.clone(),
        manually_approves_followers: doc.manually_approves_followers,
        multikeys: doc
            .assertion_method
            .iter()
            .filter(|k| k.controller == doc.id && domain_of(&k.id) == domain_of(&doc.id))
            .map(|k| (k.id.to_string(), k.public_key_multibase.clone()))
            .collect(),
    };
    ctx.db
        .transaction(move |conn| upsert_remote_actor(conn, &data))
        .await
}

/// The actor owning a key id (`https://host/users/a#main-key`; some servers serve the key at its own URL
/// with an `owner`), with the key ready to verify.
pub async fn actor_for_key(ctx: &AppContext, key_id: &Url, refresh: bool) -> Result<RemoteActor> {
    let key = key_id.to_string();
    if !refresh {
        let cached = ctx
            .db
            .run(move |conn| crate::civic::remote::actor_by_key(conn, &key))
            .await?;
        if let Some(actor) = cached {
            return Ok(actor);
        }
    }
    let mut document_url = key_id.clone();
    document_url.set_fragment(None);
    let value: serde_json::Value = get(ctx, &document_url, ACTIVITY_JSON).await?;
    let actor = if value.get("inbox").is_some() {
        let doc: ActorDocument = serde_json::from_value(value)
            .map_err(|e| Error::BadGateway(format!("{document_url} is not an actor: {e}")))?;
        store_actor(ctx, &document_url, doc).await?
    } else {
        // A key document: its owner is the actor.
        let owner = value
            .get("owner")
            .and_then(serde_json::Value::as_str)
            .and_then(|o| Url::parse(o).ok())
            .ok_or_else(|| {
                Error::BadGateway(format!("{document_url} is neither an actor nor a key"))
            })?;
        if domain_of(&owner) != domain_of(key_id) {
            return Err(Error::BadGateway(format!(
                "{key_id} claims an owner on another server"
            )));
        }
        actor(ctx, &owner, true).await?
    };
    let owned = {
        let actor = actor.clone();
        let key = key_id.to_string();
        ctx.db
            .run(move |conn| Ok(crate::civic::remote::key_of(conn, &actor, &key)?.is_some()))
            .await?
    };
    if !owned {
        return Err(Error::SignatureRequired(format!(
            "{key_id} is not a key of {}",
            actor.ap_id
        )));
    }
    Ok(actor)
}

/// Finds an actor by `@user@host` with WebFinger, over https as Mastodon does.
pub async fn webfinger(ctx: &AppContext, handle: &str) -> Result<RemoteActor> {
    let trimmed = handle.trim().trim_start_matches('@');
    let (user, host) = trimmed
        .split_once('@')
        .filter(|(u, h)| !u.is_empty() && !h.is_empty() && !h.contains(['/', '@', '?', '#']))
        .ok_or_else(|| {
            Error::invalid(
                "handle",
                format!("'{handle}' is not of the form @user@host"),
            )
        })?;
    let mut url = Url::parse(&format!("https://{host}/.well-known/webfinger"))
        .map_err(|_| Error::invalid("handle", format!("'{host}' is not a host name")))?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{user}@{host}"));
    let jrd: Jrd = get(ctx, &url, "application/jrd+json, application/json").await?;
    let link = jrd
        .links
        .iter()
        .find(|l| {
            l.rel == "self"
                && l.kind
                    .as_deref()
                    .is_some_and(|k| k == ACTIVITY_JSON || k.starts_with("application/ld+json"))
        })
        .and_then(|l| l.href.as_deref())
        .ok_or_else(|| Error::NotFound(format!("{handle} has no ActivityPub actor")))?;
    let actor_url = Url::parse(link)
        .map_err(|_| Error::BadGateway(format!("{host} gave an invalid actor URL")))?;
    actor(ctx, &actor_url, false).await
}

/// What a handle, name or URL designates.
pub enum Resolved {
    Local(crate::model::Actor),
    Remote(crate::model::RemoteActor),
}

/// Resolves `name`, `@name@host` or an actor URL; remote actors are fetched (and stored) as needed, when
/// `may_fetch`.
pub async fn resolve(ctx: &AppContext, raw: &str, may_fetch: bool) -> Result<Resolved> {
    let acct = raw.trim();
    let refuse =
        || Error::Unauthorized("looking up accounts on other servers needs an access token".into());
    if let Some(url) = url::Url::parse(acct)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    {
        if let Some((kind, name)) = ctx.urls.parse_actor(&url) {
            let actor = ctx
                .db
                .run(move |conn| crate::db::queries::actor_of_kind(conn, kind, &name))
                .await?
                .ok_or_else(|| Error::NotFound(format!("no account at {url}")))?;
            return Ok(Resolved::Local(actor));
        }
        if !may_fetch {
            return Err(refuse());
        }
        return Ok(Resolved::Remote(actor(ctx, &url, false).await?));
    }
    let acct = acct.trim_start_matches('@').to_ascii_lowercase();
    let name = match acct.split_once('@') {
        None => acct.clone(),
        Some((name, host)) if host == ctx.urls.authority().to_ascii_lowercase() => name.to_string(),
        Some(_) if !may_fetch => return Err(refuse()),
        Some(_) => {
            return Ok(Resolved::Remote(webfinger(ctx, &acct).await?));
        }
    };
    let actor = ctx
        .db
        .run(move |conn| crate::db::queries::actor_by_username(conn, &name))
        .await?
        .filter(|a| a.kind != crate::model::ActorKind::Application)
        .ok_or_else(|| Error::NotFound(format!("no account named '{acct}'")))?;
    Ok(Resolved::Local(actor))
}
