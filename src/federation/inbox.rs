//! Inboxes: every activity is checked (size, JSON, signature, origin, duplicates) before anything is stored.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::Value;
use url::Url;

use crate::civic::{debates, follows, inbox as received, notes};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::federation::activities::{Incoming, NoteObject, id_of, is_public, type_of};
use crate::federation::signatures::{self, RequestParts, VerifyingKey};
use crate::federation::{domain_of, fetch};
use crate::model::{ActorKind, RemoteActor, Visibility};

/// Activity types of the ActivityStreams vocabulary (and common extensions) that we accept and, for now, do
/// nothing with: answering 202 keeps senders from retrying. Anything else is refused with 400.
const ACCEPTED_WITHOUT_EFFECT: &[&str] = &[
    "Add",
    "Arrive",
    "Block",
    "Dislike",
    "EmojiReact",
    "Flag",
    "Ignore",
    "Invite",
    "Join",
    "Leave",
    "Listen",
    "Move",
    "Offer",
    "Question",
    "Read",
    "Remove",
    "TentativeAccept",
    "TentativeReject",
    "Travel",
    "View",
];

/// `POST /inbox`, the shared inbox.
pub async fn shared(
    State(ctx): State<AppContext>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(receive(&ctx, &method, &uri, &headers, &body).await)
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
        Ok(true) => answer(receive(&ctx, &method, &uri, &headers, &body).await),
        Ok(false) => Error::NotFound("no such inbox".into()).into_response(),
        Err(e) => e.into_response(),
    }
}

fn answer(result: Result<()>) -> Response {
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => {
            tracing::debug!(error = %e, "activity refused");
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
    apply(ctx, signer, activity).await
}

/// An account blocked from the instance, or from any commune an activity is about or addressed to (what it
/// follows, likes, answers or votes in, and the `audience`, `to` and `cc` of a new object), is refused.
/// Taking back (`Undo`, `Delete`) is always accepted.
async fn refuse_blocked(ctx: &AppContext, signer: &RemoteActor, activity: &Incoming) -> Result<()> {
    if matches!(activity.kind.as_str(), "Undo" | "Delete")
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
    let self_delete = activity.kind == "Delete"
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

/// The embedded object, or the object a link names (for `Create` we need the whole object).
fn object(activity: &Incoming) -> Result<&Value> {
    activity
        .object
        .as_ref()
        .ok_or_else(|| Error::BadRequest(format!("a {} needs an object", activity.kind)))
}

fn visibility(to: &[String], cc: &[String], followers: &str) -> Visibility {
    if to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if to.iter().chain(cc).any(|a| a == followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

async fn apply(ctx: &AppContext, signer: RemoteActor, activity: Incoming) -> Result<()> {
    let activity_id = activity.id.to_string();
    let kind = activity.kind.as_str();
    match kind {
        "Follow" => {
            let target_url = object(&activity)
                .ok()
                .and_then(id_of)
                .and_then(|s| Url::parse(s).ok())
                .ok_or_else(|| Error::BadRequest("a Follow needs an object".into()))?;
            // Following a proposal as an object, to hear of its answers.
            if let Some(id) = ctx.urls.parse_debate(target_url.as_str()) {
                return ctx
                    .db
                    .transaction(move |conn| {
                        if !received::first_time(conn, &activity_id)? {
                            return Ok(());
                        }
                        crate::civic::proposals::remote_follow(
                            conn,
                            signer.id,
                            id,
                            true,
                            Some(&activity_id),
                        )
                    })
                    .await;
            }
            let (target_kind, name) = ctx
                .urls
                .parse_actor(&target_url)
                .ok_or_else(|| Error::NotFound(format!("{target_url} is not an actor here")))?;
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    let target = queries::actor_of_kind(conn, target_kind, &name)?
                        .filter(|a| a.deleted_at.is_none())
                        .ok_or_else(|| {
                            Error::NotFound(format!("{target_url} is not an actor here"))
                        })?;
                    follows::remote_follow_received(conn, signer.id, target.id, &activity_id)?;
                    Ok(())
                })
                .await
        }
        "Accept" | "Reject" => {
            let follow = object(&activity)?;
            let follow_id = id_of(follow)
                .and_then(|id| ctx.urls.parse_follow(id))
                .ok_or_else(|| Error::NotFound(format!("{kind} of a follow we did not send")))?;
            let accepted = kind == "Accept";
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if accepted {
                        follows::remote_accepted(conn, follow_id, signer.id)
                    } else {
                        follows::remote_rejected(conn, follow_id, signer.id)
                    }
                })
                .await
        }
        "Undo" => {
            let inner = object(&activity)?;
            let inner_kind = type_of(inner);
            if inner_kind == Some("Like") {
                let like_id = id_of(inner).unwrap_or_default().to_string();
                return ctx
                    .db
                    .transaction(move |conn| {
                        if !received::first_time(conn, &activity_id)? {
                            return Ok(());
                        }
                        if crate::civic::proposals::remote_unsupport(conn, signer.id, &like_id)? {
                            return Ok(());
                        }
                        debates::remote_disagree(conn, signer.id, &like_id, None)
                    })
                    .await;
            }
            if inner_kind.is_some_and(|k| k != "Follow") {
                // Undoing something we keep no trace of (a Like, an Announce).
                return Ok(());
            }
            let follow_ap_id = id_of(inner).map(str::to_string);
            let proposal = inner
                .get("object")
                .and_then(id_of)
                .and_then(|s| ctx.urls.parse_debate(s));
            if let Some(id) = proposal {
                return ctx
                    .db
                    .transaction(move |conn| {
                        if !received::first_time(conn, &activity_id)? {
                            return Ok(());
                        }
                        crate::civic::proposals::remote_follow(conn, signer.id, id, false, None)
                    })
                    .await;
            }
            let target = inner
                .get("object")
                .and_then(id_of)
                .and_then(|s| Url::parse(s).ok())
                .and_then(|u| ctx.urls.parse_actor(&u));
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    let target_id = match target {
                        Some((kind, name)) => {
                            queries::actor_of_kind(conn, kind, &name)?.map(|a| a.id)
                        }
                        None => None,
                    };
                    follows::remote_unfollowed(conn, signer.id, follow_ap_id.as_deref(), target_id)
                })
                .await
        }
        "Create" | "Update" if object(&activity).ok().and_then(type_of) == Some("Note") => {
            let note: NoteObject = serde_json::from_value(object(&activity)?.clone())
                .map_err(|e| Error::BadRequest(format!("the Note is malformed: {e}")))?;
            if note.attributed_to.as_str() != signer.ap_id || domain_of(&note.id) != signer.domain {
                return Err(Error::BadRequest(
                    "the Note is not by the activity's actor".into(),
                ));
            }
            // A vote in a poll hosted here (Mastodon: a named Note answering the Question, to its author).
            if let Some(poll) = note
                .in_reply_to
                .as_ref()
                .and_then(|u| ctx.urls.parse_poll(u.as_str()))
                && note.name.is_some()
            {
                if kind == "Update" {
                    return Err(Error::Forbidden("a vote cannot be changed".into()));
                }
                return crate::federation::polls::receive_vote(
                    ctx,
                    &signer,
                    activity_id,
                    poll,
                    &note,
                )
                .await;
            }
            // A reply to a debate or comment we know is a comment on the debate (FEP-1b12); its edits are
            // applied to the comment.
            let (urls, reply) = (ctx.urls.clone(), note.clone());
            let is_comment = ctx
                .db
                .run(move |conn| {
                    debates::is_comment(
                        conn,
                        &urls,
                        reply.id.as_str(),
                        reply.in_reply_to.as_ref().map(Url::as_str),
                    )
                })
                .await?;
            if is_comment {
                let (urls, update) = (ctx.urls.clone(), kind == "Update");
                let published = note.published.unwrap_or_else(Utc::now).naive_utc();
                let stance = note.stance.as_deref().and_then(crate::model::Stance::parse);
                return ctx
                    .db
                    .transaction(move |conn| {
                        if !received::first_time(conn, &activity_id)? {
                            return Ok(());
                        }
                        if debates::update_remote_comment(
                            conn,
                            signer.id,
                            note.id.as_str(),
                            &note.content,
                            stance,
                        )? || update
                        {
                            return Ok(());
                        }
                        let parent = note
                            .in_reply_to
                            .as_ref()
                            .map(Url::as_str)
                            .unwrap_or_default();
                        let Some(answered) = debates::find_answered(conn, &urls, parent)? else {
                            return Ok(());
                        };
                        // A debate hosted elsewhere takes new comments through its commune's relay, so
                        // that its commune sees and moderates them.
                        if !debates::debate_of(conn, answered)?.is_local() {
                            return Ok(());
                        }
                        debates::remote_comment(
                            conn,
                            debates::RemoteComment {
                                author: signer.id,
                                answered,
                                ap_id: note.id.to_string(),
                                html: note.content,
                                stance,
                                published,
                            },
                        )
                    })
                    .await;
            }
            // Only a reply addressed to one of our communes (as Mastodon does for a comment that mentions
            // its commune) makes us walk up its thread.
            let addresses_commune = note
                .to
                .iter()
                .chain(&note.cc)
                .filter_map(|a| Url::parse(a).ok())
                .any(|u| {
                    ctx.urls
                        .parse_actor(&u)
                        .is_some_and(|(kind, _)| kind == crate::model::ActorKind::Commune)
                });
            if kind == "Create"
                && addresses_commune
                && note
                    .in_reply_to
                    .as_ref()
                    .is_some_and(|u| !ctx.urls.is_local(u))
                && crate::federation::debates::attach_by_ancestry(
                    ctx,
                    &signer,
                    activity_id.clone(),
                    &note,
                )
                .await?
            {
                return Ok(());
            }
            let relevant = is_relevant(ctx, &signer, &note).await?;
            if !relevant {
                // Mastodon drops a Create that concerns nobody here; so do we.
                return Ok(());
            }
            let followers = format!("{}/followers", signer.ap_id);
            let vis = visibility(&note.to, &note.cc, &followers);
            let published = note.published.unwrap_or_else(Utc::now).naive_utc();
            let update = kind == "Update";
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if update {
                        return notes::update_remote(
                            conn,
                            signer.id,
                            note.id.as_str(),
                            &note.content,
                        );
                    }
                    notes::receive_remote(
                        conn,
                        signer.id,
                        note.id.as_str(),
                        &note.content,
                        vis,
                        note.in_reply_to.as_ref().map(Url::as_str),
                        published,
                    )
                })
                .await
        }
        "Create" | "Update"
            if matches!(
                object(&activity).ok().and_then(type_of),
                Some("Page" | "Article")
            ) =>
        {
            let page = object(&activity)?.clone();
            crate::federation::debates::receive_page(ctx, &signer, activity_id, &page, false).await
        }
        "Create" | "Update"
            if object(&activity)
                .ok()
                .is_some_and(crate::federation::polls::is_question) =>
        {
            let question = object(&activity)?.clone();
            if question.get("attributedTo").and_then(id_of) != Some(signer.ap_id.as_str()) {
                return Err(Error::BadRequest(
                    "the Question is not by the activity's actor".into(),
                ));
            }
            let signer_id = signer.id;
            let question_id = id_of(&question).unwrap_or_default().to_string();
            let relevant = ctx
                .db
                .run(move |conn| {
                    Ok(queries::is_followed_from_here(conn, signer_id)?
                        || crate::civic::polls::by_ap_id(conn, &question_id)?.is_some())
                })
                .await?;
            if !relevant {
                // A poll nobody here follows or holds: dropped, as Mastodon drops posts that concern nobody.
                return Ok(());
            }
            crate::federation::polls::receive_question(ctx, activity_id, &question).await
        }
        "Announce" => {
            let announced = object(&activity)?.clone();
            crate::federation::debates::receive_announce(ctx, &signer, activity_id, &announced)
                .await
        }
        "Like" => {
            crate::federation::debates::receive_like(
                ctx,
                &signer,
                activity_id,
                activity.object.as_ref(),
            )
            .await
        }
        "Delete" => {
            let object_id = object(&activity)
                .ok()
                .and_then(id_of)
                .map(str::to_string)
                .ok_or_else(|| Error::BadRequest("a Delete needs an object".into()))?;
            // Nothing of ours belongs to another server.
            if Url::parse(&object_id).is_ok_and(|u| ctx.urls.is_local(&u)) {
                return Err(Error::Forbidden(format!(
                    "{object_id} does not belong to the sender"
                )));
            }
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    if object_id == signer.ap_id {
                        crate::civic::remote::forget_actor(conn, signer.id)
                    } else if debates::forget_remote_debate(conn, signer.id, &object_id)?
                        || crate::civic::polls::forget_remote(conn, signer.id, &object_id)?
                        || debates::delete_remote_comment(conn, signer.id, &object_id)?
                    {
                        Ok(())
                    } else {
                        notes::delete_remote(conn, signer.id, &object_id)
                    }
                })
                .await
        }
        "Update" => {
            // An actor announcing a new profile or key: fetch it again rather than trust the embedded copy.
            let object_id = object(&activity).ok().and_then(id_of).unwrap_or_default();
            if object_id == signer.ap_id {
                let url = Url::parse(&signer.ap_id).map_err(Error::internal)?;
                fetch::actor(ctx, &url, true).await?;
            }
            Ok(())
        }
        // A report, as Mastodon sends it from its instance actor: `object` names an account of ours and
        // some of its posts.
        "Flag" => {
            // An account and a handful of its posts; more are not read (each costs a lookup).
            let ids: Vec<String> = match activity.object.as_ref() {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(id_of)
                    .take(crate::civic::moderation::MAX_FLAG_TARGETS + 1)
                    .map(str::to_string)
                    .collect(),
                Some(one) => id_of(one).into_iter().map(str::to_string).collect(),
                None => vec![],
            };
            let content = activity
                .content
                .as_ref()
                .and_then(Value::as_str)
                .map(crate::civic::notes::plain_text)
                .unwrap_or_default();
            let urls = ctx.urls.clone();
            ctx.db
                .transaction(move |conn| {
                    if !received::first_time(conn, &activity_id)? {
                        return Ok(());
                    }
                    let mut targets = vec![];
                    for id in &ids {
                        use crate::civic::moderation::Target;
                        if let Some(c) = urls.parse_comment(id) {
                            targets.push(Target::Comment(c));
                        } else if let Some(d) = urls.parse_debate(id) {
                            targets.push(Target::Debate(d));
                        } else if let Some(n) = urls.parse_note(id) {
                            // Only what the reporting server could see: a followers-only or direct post
                            // named in a Flag is ignored (its text would otherwise land in the queue).
                            if crate::civic::notes::note(conn, n).is_ok_and(|note| {
                                matches!(note.visibility, Visibility::Public | Visibility::Unlisted)
                            }) {
                                targets.push(Target::Note(n));
                            }
                        } else if let Some((kind, name)) =
                            Url::parse(id).ok().and_then(|u| urls.parse_actor(&u))
                            && let Some(actor) = queries::actor_of_kind(conn, kind, &name)?
                        {
                            targets.push(Target::Account(actor.id));
                        }
                    }
                    crate::civic::moderation::remote_flag(
                        conn,
                        signer.id,
                        &activity_id,
                        &targets,
                        &content,
                    )
                })
                .await
        }
        "Create" => Ok(()),
        other if ACCEPTED_WITHOUT_EFFECT.contains(&other) => Ok(()),
        other => Err(Error::BadRequest(format!(
            "unknown activity type '{other}'"
        ))),
    }
}

/// Whether a post concerns someone here: its author is followed from here, it answers a local post, or it
/// addresses a local actor.
async fn is_relevant(ctx: &AppContext, author: &RemoteActor, note: &NoteObject) -> Result<bool> {
    let addresses_local = note
        .to
        .iter()
        .chain(&note.cc)
        .filter_map(|a| Url::parse(a).ok())
        .any(|u| ctx.urls.parse_actor(&u).is_some());
    let replies_local = note
        .in_reply_to
        .as_ref()
        .is_some_and(|u| ctx.urls.is_local(u));
    if addresses_local || replies_local {
        return Ok(true);
    }
    let author_id = author.id;
    ctx.db
        .run(move |conn| queries::is_followed_from_here(conn, author_id))
        .await
}
