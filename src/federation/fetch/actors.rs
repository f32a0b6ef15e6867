//! Remote actors: read from the database while fresh, else fetched; a fetched actor document is checked
//! (its key and endpoints on its own server, its key naming it as owner) before it is stored.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use url::Url;

use crate::civic::remote::{RemoteActorData, upsert_remote_actor};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::actors::ActorDocument;
use crate::federation::domain_of;
use crate::model::RemoteActor;
use crate::model::schema::remote_actors;

use super::object;

/// How long a stored actor is trusted before it is fetched again.
const ACTOR_TTL: Duration = Duration::from_secs(24 * 3600);

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
                    .filter(remote_actors::needs_refetch.eq(false))
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
    let (id, value) = object(ctx, url).await?;
    let doc: ActorDocument = serde_json::from_value(value)
        .map_err(|_| Error::BadGateway(format!("{id} is not an actor")))?;
    store_actor(ctx, &id, doc).await
}

/// Why an actor document is not believed, if it is not: everything it names for itself must be on its own
/// server, and its key must name it as owner.
pub fn check_actor(doc: &ActorDocument) -> std::result::Result<(), String> {
    let host = domain_of(&doc.id);
    if doc.public_key.owner != doc.id {
        return Err(format!("{}'s key names another owner", doc.id));
    }
    let key =
        Url::parse(&doc.public_key.id).map_err(|_| format!("{}'s key id is not a URL", doc.id))?;
    let endpoints = [
        ("key", Some(&key)),
        ("inbox", Some(&doc.inbox)),
        (
            "shared inbox",
            doc.endpoints.as_ref().and_then(|e| e.shared_inbox.as_ref()),
        ),
        ("outbox", doc.outbox.as_ref()),
        ("followers", doc.followers.as_ref()),
        ("following", doc.following.as_ref()),
    ];
    for (what, url) in endpoints {
        if let Some(url) = url
            && domain_of(url) != host
        {
            return Err(format!(
                "{}'s {what} is on another server ({})",
                doc.id,
                domain_of(url)
            ));
        }
    }
    Ok(())
}

/// Whether `key` is a fragment of `actor` itself (`https://host/users/a#main-key`), the usual form: then the
/// actor's own document proves the key is its.
fn is_fragment_of(key: &Url, actor: &Url) -> bool {
    let mut bare = key.clone();
    bare.set_fragment(None);
    &bare == actor
}

/// Stores a fetched actor document, whose `id` was checked to be where it came from. Its key and endpoints
/// must be on its server ([`check_actor`]); a key published at its own URL (GoToSocial's `…/main-key`) must
/// name this actor there. A key id another actor held moves to this one, which has just proven it.
pub(super) async fn store_actor(
    ctx: &AppContext,
    id: &Url,
    doc: ActorDocument,
) -> Result<RemoteActor> {
    if &doc.id != id {
        return Err(Error::BadGateway(format!("{id} served another actor")));
    }
    check_actor(&doc).map_err(Error::BadGateway)?;
    let key_url = Url::parse(&doc.public_key.id).map_err(Error::internal)?;
    if !is_fragment_of(&key_url, &doc.id) {
        let mut at = key_url.clone();
        at.set_fragment(None);
        let (key_doc_id, key_doc) = object(ctx, &at).await?;
        let owner = key_doc.get("owner").and_then(Value::as_str);
        if key_doc_id != doc.id && owner != Some(doc.id.as_str()) {
            return Err(Error::BadGateway(format!(
                "{} does not name {} as its owner",
                doc.public_key.id, doc.id
            )));
        }
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
        // Only keys its own document proves: fragments of its id, controlled by it.
        multikeys: doc
            .assertion_method
            .iter()
            .filter(|k| k.controller == doc.id && is_fragment_of(&k.id, &doc.id))
            .map(|k| (k.id.to_string(), k.public_key_multibase.clone()))
            .collect(),
    };
    // A key id is proven by its own URL (a fragment of one actor's id, or a key document naming one owner),
    // so two actors cannot both prove it: another actor holding it loses it in the upsert, and is fetched
    // again (`refetch_flagged`) before it is trusted again.
    ctx.db
        .transaction(move |conn| upsert_remote_actor(conn, &data))
        .await
}
