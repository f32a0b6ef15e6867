//! Inboxes: every activity is checked (size, JSON, signature, origin, duplicates) before anything is stored.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::Value;
use url::Url;

use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::activities::ApType;
use crate::federation::activities::{Incoming, id_of};
use crate::federation::signatures::{self, RequestParts, VerifyingKey};
use crate::federation::{domain_of, fetch};
use crate::model::{ActorKind, RemoteActor};

/// `POST /inbox`, the shared inbox.
pub async fn shared(
    State(ctx): State<AppContext>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(
        &ctx,
        receive(&ctx, &method, &uri, &headers, &body).await,
        &headers,
        &body,
    )
}

/// `POST /users/{name}/inbox`: the same, for a person that must exist.
pub async fn person(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    personal(ctx, ActorKind::Person, name, method, uri, headers, body).await
}

/// `POST /communes/{name}/inbox`: the same, for a commune that must exist.
pub async fn commune(
    State(ctx): State<AppContext>,
    Path(name): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    personal(ctx, ActorKind::Commune, name, method, uri, headers, body).await
}

async fn personal(
    ctx: AppContext,
    kind: ActorKind,
    name: String,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let exists = ctx
        .db
        .run(move |conn| queries::actor_of_kind(conn, kind, &name))
        .await
        .map(|a| a.is_some());
    match exists {
        Ok(true) => answer(
            &ctx,
            receive(&ctx, &method, &uri, &headers, &body).await,
            &headers,
            &body,
        ),
        Ok(false) => Error::NotFound("no such inbox".into()).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The answer to an inbox POST; a refusal is logged and counted per sending server (`federation::refusals`).
fn answer(ctx: &AppContext, result: Result<()>, headers: &HeaderMap, body: &[u8]) -> Response {
    match result {
        Ok(()) => {
            ctx.metrics.accepted();
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            ctx.metrics.refused(&e);
            ctx.refusals
                .record(&crate::federation::refusals::Peek::of(headers, body), &e);
            e.into_response()
        }
    }
}

/// Checks and applies one activity.
pub async fn receive(
    ctx: &AppContext,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<()> {
    let activity: Incoming = serde_json::from_slice(body).map_err(|e| {
        if serde_json::from_slice::<Value>(body).is_err() {
            Error::BadRequest(format!("the body is not valid JSON: {e}"))
        } else {
            Error::BadRequest(format!("the body is not an activity: {e}"))
        }
    })?;
    if ctx.policy().await.refuses(&activity.actor) {
        return Err(Error::Forbidden(format!(
            "{} is blocked here",
            domain_of(&activity.actor)
        )));
    }
    if is_delete_of_unknown_actor(ctx, &activity).await? {
        // Servers announce every deleted account to everyone; fetching the key of an actor we never knew (its
        // server answers 410 anyway) would cost a request per activity for nothing. It must still be signed.
        let target = target_url(ctx, uri);
        let parts = RequestParts {
            method,
            target: &target,
            headers,
            body,
        };
        signatures::inspect(&parts).map_err(|e| Error::SignatureRequired(e.to_string()))?;
        return Ok(());
    }
    let signer = verify_signature(ctx, method, uri, headers, body).await?;
    if signer.ap_id != activity.actor.as_str() {
        return Err(Error::SignatureRequired(format!(
            "signed by {}, but the activity's actor is {}",
            signer.ap_id, activity.actor
        )));
    }
    if domain_of(&activity.id) != domain_of(&activity.actor) {
        return Err(Error::BadRequest(format!(
            "the activity {} is not on its actor's server",
            activity.id
        )));
    }
    refuse_blocked(ctx, &signer, &activity).await?;
    crate::federation::inbound::apply(ctx, signer, activity).await
}

/// An account blocked from the instance, or from any commune an activity is about or addressed to (what it
/// follows, likes, answers or votes in, and the `audience`, `to` and `cc` of a new object), is refused.
/// Taking back (`Undo`, `Delete`) is always accepted.
async fn refuse_blocked(ctx: &AppContext, signer: &RemoteActor, activity: &Incoming) -> Result<()> {
    if matches!(ApType::parse(&activity.kind), ApType::Undo | ApType::Delete)
        || !ctx.policy().await.blocks_account(&signer.ap_id, false)
    {
        return Ok(());
    }
    let about = crate::federation::activities::concerned_ids(activity);
    let (urls, who) = (ctx.urls.clone(), signer.ap_id.clone());
    let blocked = ctx
        .db
        .run(move |conn| crate::civic::moderation::is_blocked_from_any(conn, &urls, &who, &about))
        .await?;
    if blocked {
        return Err(Error::Forbidden(format!(
            "{} is blocked here",
            signer.ap_id
        )));
    }
    Ok(())
}

/// The URL a request was made to, as the sender saw it (behind a proxy, our public URL).
fn target_url(ctx: &AppContext, uri: &axum::http::Uri) -> Url {
    let mut target = ctx.urls.base().clone();
    target.set_path(uri.path());
    target.set_query(uri.query());
    target
}

/// Whether this is `Delete(actor)` for an actor never stored here: there is nothing to delete.
async fn is_delete_of_unknown_actor(ctx: &AppContext, activity: &Incoming) -> Result<bool> {
    let self_delete = ApType::parse(&activity.kind) == ApType::Delete
        && activity.object.as_ref().and_then(id_of) == Some(activity.actor.as_str());
    if !self_delete {
        return Ok(false);
    }
    let actor = activity.actor.to_string();
    let known = ctx
        .db
        .run(move |conn| {
            use crate::model::schema::remote_actors;
            use diesel::prelude::*;
            Ok(remote_actors::table
                .filter(remote_actors::ap_id.eq(actor))
                .count()
                .get_result::<i64>(conn)?)
        })
        .await?;
    Ok(known == 0)
}

/// With `authorized_fetch` (Mastodon's secure mode), a GET of an ActivityPub document must be signed by an
/// actor of a server that is not blocked. (Fedify signs a `(request-target)` without the query string; the
/// verifier allows for it.)
pub async fn require_signed_fetch(
    ctx: &AppContext,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<()> {
    // Outside open mode, or for a commune kept for its residents, reading needs a signature too: that is how a
    // refused server (or one that is not a member) is kept out.
    let policy = ctx.policy().await;
    if !ctx.settings.federation.authorized_fetch
        && policy.mode == crate::model::FederationMode::Open
        && !policy.private
    {
        return Ok(());
    }
    let signer = verify_signature(ctx, &Method::GET, uri, headers, b"").await?;
    // An account the instance blocked reads nothing either.
    if policy.blocks_account(&signer.ap_id, true) {
        return Err(Error::Forbidden(format!(
            "{} is blocked here",
            signer.ap_id
        )));
    }
    Ok(())
}

/// Verifies the HTTP signature and returns the signing actor. A failure with a stored key fetches the key
/// again once, since the actor may have rotated it.
async fn verify_signature(
    ctx: &AppContext,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<RemoteActor> {
    let target = target_url(ctx, uri);
    let parts = RequestParts {
        method,
        target: &target,
        headers,
        body,
    };
    let info = signatures::inspect(&parts).map_err(|e| Error::SignatureRequired(e.to_string()))?;
    // A request signed for another server (same path, same body) must not be replayable here.
    if let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        let host = host.to_ascii_lowercase();
        let ours = ctx.urls.authority().to_ascii_lowercase();
        let default_port = if ctx.urls.base().scheme() == "https" {
            ":443"
        } else {
            ":80"
        };
        if host != ours && host.strip_suffix(default_port) != Some(ours.as_str()) {
            return Err(Error::SignatureRequired(format!(
                "the request was made to {host}, not to {ours}"
            )));
        }
    }
    if ctx.policy().await.refuses(&info.key_id) {
        return Err(Error::Forbidden(format!(
            "{} is blocked here",
            domain_of(&info.key_id)
        )));
    }
    let check = |key: &VerifyingKey| {
        signatures::verify(&parts, &info, key, Utc::now())
            .map_err(|e| Error::SignatureRequired(e.to_string()))
    };
    let cached = fetch::actor_for_key(ctx, &info.key_id, false)
        .await
        .map_err(key_unavailable)?;
    let first = match verifying_key(ctx, &cached, &info.key_id).await {
        Ok(key) => check(&key),
        Err(e) => Err(e),
    };
    let signer = match first {
        Ok(()) => cached,
        Err(first) => {
            let age = Utc::now().naive_utc() - cached.fetched_at;
            if age < chrono::Duration::seconds(60) {
                return Err(first);
            }
            let fresh = fetch::actor_for_key(ctx, &info.key_id, true)
                .await
                .map_err(|_| first)?;
            check(&verifying_key(ctx, &fresh, &info.key_id).await?)?;
            fresh
        }
    };
    refuse_signer(ctx, &signer, &info.key_id).await?;
    Ok(signer)
}

/// Why a signing key could not be had, for the sender: a rate limit stays a `429`, the rest is a `401`.
fn key_unavailable(e: Error) -> Error {
    // Our own fault (a failed query) is logged; a server that is down or lying is the sender's answer only.
    if let Error::Internal(detail) = &e {
        tracing::warn!("cannot get a signing key: {detail}");
    }
    match e {
        Error::TooManyRequests(_) => e,
        other => Error::SignatureRequired(format!("cannot get the signing key: {other}")),
    }
}

/// The federation policy applied to who signed, not only to what the key id says: the signer's own server
/// (blocked, outside the allowlist, closed, not a member of a residents-only space) and the key's server.
async fn refuse_signer(ctx: &AppContext, signer: &RemoteActor, key_id: &Url) -> Result<()> {
    let actor = Url::parse(&signer.ap_id).map_err(Error::internal)?;
    if domain_of(&actor) != domain_of(key_id) {
        return Err(Error::SignatureRequired(format!(
            "{key_id} is not on the server of {actor}"
        )));
    }
    let policy = ctx.policy().await;
    for url in [&actor, key_id] {
        if policy.refuses(url) {
            return Err(Error::Forbidden(format!(
                "{} is refused here",
                domain_of(url)
            )));
        }
    }
    Ok(())
}

/// The key `key_id` of `actor`, ready to verify: its `publicKey` PEM or one of its Multikeys.
async fn verifying_key(
    ctx: &AppContext,
    actor: &RemoteActor,
    key_id: &Url,
) -> Result<VerifyingKey> {
    if actor.key_id == key_id.as_str() {
        return VerifyingKey::from_pem(&actor.public_key_pem)
            .map_err(|e| Error::SignatureRequired(format!("the signer's key is unusable: {e}")));
    }
    let (owner, key) = (actor.clone(), key_id.to_string());
    let material = ctx
        .db
        .run(move |conn| crate::civic::remote::key_of(conn, &owner, &key))
        .await?
        .ok_or_else(|| {
            Error::SignatureRequired(format!("{key_id} is not a key of {}", actor.ap_id))
        })?;
    match material {
        crate::civic::remote::KeyMaterial::Pem(pem) => VerifyingKey::from_pem(&pem),
        crate::civic::remote::KeyMaterial::Multibase(multibase) => {
            VerifyingKey::from_multibase(&multibase)
        }
    }
    .map_err(|e| Error::SignatureRequired(format!("the signer's key is unusable: {e}")))
}
