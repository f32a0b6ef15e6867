//! The only way Parvis dereferences a remote URL: signed by the instance actor (servers in secure mode refuse
//! unsigned GETs), through the SSRF-guarded client, size-limited, refusing blocked servers.
//!
//! Provenance lives here, once: a document is believed only from its own origin. An ActivityPub document is
//! accepted when its `id` is the URL it was finally served from (else it is fetched once more at its `id`,
//! and must match there), redirects stay on one origin and every hop passes the federation policy, and the
//! answer must be ActivityPub JSON. An actor's key and endpoints must be on the actor's server, and a key id
//! belongs to the actor its own document names. This closes the class of Mastodon's CVE-2024-23832, where a
//! file planted on a server (an upload, an open redirect's target) posed as an actor of that server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::civic::remote::{RemoteActorData, upsert_remote_actor};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::actors::ActorDocument;
use crate::federation::http::MAX_REDIRECTS;
use crate::federation::signatures;
use crate::federation::webfinger::Jrd;
use crate::federation::{ACTIVITY_JSON, domain_of, wants_activity_json};
use crate::model::RemoteActor;
use crate::model::schema::remote_actors;

/// How long a stored actor is trusted before it is fetched again.
const ACTOR_TTL: Duration = Duration::from_secs(24 * 3600);

/// The largest document we read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

tokio::task_local! {
    /// The network (IPv4 address, IPv6 /64) of the request being served, set by the rate-limit middleware:
    /// fetches of unknown keys are counted against it.
    pub static SENDER: IpAddr;
}

/// What a fetch expects back: the `Accept` header sent, the content types taken, and whether redirects may
/// leave the origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// An ActivityPub document: `application/activity+json` or `application/ld+json` (any profile) only,
    /// redirects on the same origin only.
    ActivityPub,
    /// Discovery JSON (WebFinger, NodeInfo): any JSON type; redirects may change server (a handle's domain
    /// often delegates to another host), each hop still passing the policy.
    Json(&'static str),
}

impl Expect {
    fn accept(self) -> &'static str {
        match self {
            Expect::ActivityPub => ACTIVITY_JSON,
            Expect::Json(accept) => accept,
        }
    }

    fn takes(self, content_type: Option<&str>) -> bool {
        match self {
            Expect::ActivityPub => wants_activity_json(content_type),
            Expect::Json(_) => content_type.is_some_and(|c| {
                let media = c.split(';').next().unwrap_or_default().trim();
                media.eq_ignore_ascii_case("application/json")
                    || media.to_ascii_lowercase().ends_with("+json")
            }),
        }
    }
}

/// A body, and the URL that finally served it.
struct Fetched {
    url: Url,
    body: Vec<u8>,
}

/// The origin of a URL (scheme, host, port), which redirects of ActivityPub fetches may not leave.
fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// A failure of the transport, told to the client without resolver or guard details (the details are
/// logged).
fn unreachable(url: &Url, e: crate::federation::http::OutboundError) -> Error {
    tracing::info!(%url, error = %e, "fetch failed");
    Error::BadGateway(e.public_message().to_string())
}

/// GETs `url` signed by the instance actor, following at most [`MAX_REDIRECTS`] redirects one hop at a time
/// (each hop checked against the SSRF guard and the federation policy, and for ActivityPub kept on the
/// origin), and reads at most [`MAX_DOCUMENT_BYTES`] of a body of the expected content type.
async fn fetch(ctx: &AppContext, url: &Url, expect: Expect) -> Result<Fetched> {
    let mut current = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        if ctx.policy().await.refuses(&current) {
            return Err(Error::Forbidden(format!(
                "{} is refused here",
                domain_of(&current)
            )));
        }
        let mut request = reqwest::Request::new(reqwest::Method::GET, current.clone());
        request.headers_mut().insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(expect.accept()),
        );
        let signer = &ctx.instance_signer;
        signatures::sign_cavage(
            &reqwest::Method::GET,
            &current,
            request.headers_mut(),
            None,
            &signer.key_id,
            &signer.key,
            Utc::now(),
        )
        .map_err(Error::internal)?;
        let mut response = ctx
            .http
            .execute_single_hop(request)
            .await
            .map_err(|e| unreachable(&current, e))?;
        let status = response.status();
        if status.is_redirection() {
            let next = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l).ok())
                .ok_or_else(|| {
                    Error::BadGateway(format!("{current} redirects without a valid location"))
                })?;
            if expect == Expect::ActivityPub && !same_origin(&current, &next) {
                return Err(Error::BadGateway(format!(
                    "{current} redirects to another server ({}): ActivityPub documents are read from \
                     their own server only",
                    domain_of(&next)
                )));
            }
            current = next;
            continue;
        }
        if !status.is_success() {
            return Err(if status.as_u16() == 404 || status.as_u16() == 410 {
                Error::NotFound(format!("{current} answered {status}"))
            } else {
                Error::BadGateway(format!("{current} answered {status}"))
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok());
        if !expect.takes(content_type) {
            return Err(Error::BadGateway(format!(
                "{current} answered with {}, not {}",
                content_type.unwrap_or("no content type"),
                expect.accept()
            )));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES)
        {
            return Err(Error::BadGateway(format!(
                "{current} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(&current, e.into()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(Error::BadGateway(format!(
                    "{current} is larger than {MAX_DOCUMENT_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched { url: current, body });
    }
    Err(Error::BadGateway(format!(
        "{url} redirects more than {MAX_REDIRECTS} times"
    )))
}

/// GETs discovery JSON (WebFinger, NodeInfo) and parses it. Not for ActivityPub documents: those go through
/// [`object`], which checks where they come from.
pub async fn get<T: DeserializeOwned>(
    ctx: &AppContext,
    url: &Url,
    accept: &'static str,
) -> Result<T> {
    let fetched = fetch(ctx, url, Expect::Json(accept)).await?;
    serde_json::from_slice(&fetched.body)
        .map_err(|_| Error::BadGateway(format!("{url} did not answer with a valid document")))
}

/// The `id` of a fetched document, as a URL.
fn id_in(value: &Value) -> Option<Url> {
    value
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Url::parse(id).ok())
}

/// An ActivityPub document, believed only from its own origin: its `id` must be the URL that finally served
/// it. When it is not (a profile page URL that serves the actor, say), the document is fetched once more at
/// its `id`, and must say the same `id` there. Returns the document with its `id` as a parsed URL.
pub async fn object(ctx: &AppContext, url: &Url) -> Result<(Url, Value)> {
    let parse = |fetched: &Fetched| -> Result<(Option<Url>, Value)> {
        let value: Value = serde_json::from_slice(&fetched.body).map_err(|_| {
            Error::BadGateway(format!("{} is not a valid JSON document", fetched.url))
        })?;
        Ok((id_in(&value), value))
    };
    let first = fetch(ctx, url, Expect::ActivityPub).await?;
    let (id, value) = parse(&first)?;
    let id = id.ok_or_else(|| Error::BadGateway(format!("{} has no id", first.url)))?;
    if id == first.url {
        return Ok((id, value));
    }
    if ctx.urls.is_local(&id) {
        return Err(Error::BadGateway(format!(
            "{} claims to be {id}, one of ours",
            first.url
        )));
    }
    let again = fetch(ctx, &id, Expect::ActivityPub).await?;
    match parse(&again)? {
        (Some(id_there), value) if id_there == again.url && id_there == id => Ok((id, value)),
        _ => Err(Error::BadGateway(format!(
            "{} claims to be {id}, which {id} does not confirm",
            first.url
        ))),
    }
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
async fn store_actor(ctx: &AppContext, id: &Url, doc: ActorDocument) -> Result<RemoteActor> {
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

/// How many flagged actors one pass of [`refetch_flagged`] fetches again at most.
const REFETCH_BATCH: i64 = 500;

/// Fetches again the actors whose stored documents broke a provenance rule (flagged by the migration that
/// added the rules, or that lost a key to the actor proving it): trusted again once their own server
/// confirms them under the rules, forgotten when it no longer serves them (404, 410). Returns how many were
/// confirmed and how many forgotten.
pub async fn refetch_flagged(ctx: &AppContext) -> Result<(usize, usize)> {
    let flagged: Vec<(crate::ids::RemoteActorId, String)> = ctx
        .db
        .run(|conn| {
            use diesel::prelude::*;
            Ok(remote_actors::table
                .filter(remote_actors::needs_refetch.eq(true))
                .order(remote_actors::id)
                .limit(REFETCH_BATCH)
                .select((remote_actors::id, remote_actors::ap_id))
                .load(conn)?)
        })
        .await?;
    let (mut confirmed, mut forgotten) = (0, 0);
    for (id, ap_id) in flagged {
        let Ok(url) = Url::parse(&ap_id) else {
            continue;
        };
        match actor(ctx, &url, true).await {
            Ok(_) => confirmed += 1,
            Err(Error::NotFound(_)) => {
                ctx.db
                    .transaction(move |conn| crate::civic::remote::forget_actor(conn, id))
                    .await?;
                forgotten += 1;
            }
            Err(e) => tracing::info!(actor = %ap_id, error = %e, "a flagged actor stays untrusted"),
        }
    }
    Ok((confirmed, forgotten))
}

/// Fetches of keys not stored yet: each one is a request we make because someone asked, so they are counted
/// per sending network, few run at once, and a key that could not be fetched is not tried again for a while.
pub struct KeyFetches {
    per_sender: Option<governor::DefaultKeyedRateLimiter<IpAddr>>,
    at_once: tokio::sync::Semaphore,
    failed: Mutex<HashMap<String, Instant>>,
}

/// How long a key that could not be fetched is not fetched again.
pub const KEY_RETRY_AFTER: Duration = Duration::from_secs(600);
/// How many unknown keys are fetched at the same time, at most.
pub const KEY_FETCHES_AT_ONCE: usize = 8;
/// How many failed key ids are remembered at most (the oldest are forgotten first).
const MAX_FAILED_KEYS: usize = 10_000;

impl KeyFetches {
    /// `per_minute`: fetches of unknown keys one sending network may cause each minute (0: no limit).
    pub fn new(per_minute: u32) -> KeyFetches {
        KeyFetches {
            per_sender: NonZeroU32::new(per_minute).map(|n| {
                governor::RateLimiter::keyed(governor::Quota::per_minute(n).allow_burst(n))
            }),
            at_once: tokio::sync::Semaphore::new(KEY_FETCHES_AT_ONCE),
            failed: Mutex::new(HashMap::new()),
        }
    }

    fn recently_failed(&self, key_id: &str) -> bool {
        let Ok(failed) = self.failed.lock() else {
            return false;
        };
        failed
            .get(key_id)
            .is_some_and(|at| at.elapsed() < KEY_RETRY_AFTER)
    }

    fn remember_failure(&self, key_id: &str) {
        if let Ok(mut failed) = self.failed.lock() {
            crate::limits::remember(
                &mut failed,
                key_id.to_string(),
                MAX_FAILED_KEYS,
                KEY_RETRY_AFTER,
            );
        }
    }

    fn spend(&self) -> Result<()> {
        let (Some(limiter), Ok(sender)) = (&self.per_sender, SENDER.try_with(|ip| *ip)) else {
            return Ok(());
        };
        limiter.check_key(&sender).map_err(|_| {
            Error::TooManyRequests(
                "too many requests signed with keys unknown here: try again later".into(),
            )
        })
    }
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
    let guard = &ctx.key_fetches;
    if guard.recently_failed(key_id.as_str()) {
        return Err(Error::SignatureRequired(format!(
            "{key_id} could not be fetched a moment ago: try again later"
        )));
    }
    guard.spend()?;
    let _permit = guard.at_once.acquire().await.map_err(Error::internal)?;
    let fetched = fetch_key_owner(ctx, key_id).await;
    if fetched.is_err() {
        guard.remember_failure(key_id.as_str());
    }
    fetched
}

/// Fetches the document at a key id and the actor that owns the key.
async fn fetch_key_owner(ctx: &AppContext, key_id: &Url) -> Result<RemoteActor> {
    let mut document_url = key_id.clone();
    document_url.set_fragment(None);
    let (id, value) = object(ctx, &document_url).await?;
    let actor = if value.get("inbox").is_some() {
        let doc: ActorDocument = serde_json::from_value(value)
            .map_err(|_| Error::BadGateway(format!("{id} is not an actor")))?;
        store_actor(ctx, &id, doc).await?
    } else {
        // A key document: its owner is the actor, whose document must list this key.
        let owner = value
            .get("owner")
            .and_then(Value::as_str)
            .and_then(|o| Url::parse(o).ok())
            .ok_or_else(|| Error::BadGateway(format!("{id} is neither an actor nor a key")))?;
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
