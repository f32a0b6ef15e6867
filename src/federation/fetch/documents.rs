//! Fetching a remote document: signed by the instance actor, through the SSRF-guarded client, size-limited,
//! refusing blocked servers, redirects followed one hop at a time; and the provenance rule of ActivityPub
//! documents (believed only from their own origin).

use chrono::Utc;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::http::MAX_REDIRECTS;
use crate::federation::signatures;
use crate::federation::{ACTIVITY_JSON, domain_of, wants_activity_json};

/// The largest document we read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

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
    /// A photo (JPEG, PNG or WebP) of at most this many bytes: redirects may change server (media are often
    /// served from another host), each hop still passing the policy.
    Image(usize),
}

impl Expect {
    fn accept(self) -> &'static str {
        match self {
            Expect::ActivityPub => ACTIVITY_JSON,
            Expect::Json(accept) => accept,
            Expect::Image(_) => "image/jpeg, image/png, image/webp",
        }
    }

    /// The most bytes of a body read.
    fn limit(self) -> usize {
        match self {
            Expect::Image(max) => max,
            _ => MAX_DOCUMENT_BYTES,
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
            Expect::Image(_) => content_type.is_some_and(|c| {
                let media = c.split(';').next().unwrap_or_default().trim();
                ["image/jpeg", "image/png", "image/webp"]
                    .iter()
                    .any(|m| media.eq_ignore_ascii_case(m))
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
/// origin), and reads at most [`MAX_DOCUMENT_BYTES`] (or an image's limit) of a body of the expected content
/// type: a larger body is refused as soon as its announced length or the bytes read pass the limit.
async fn fetch(ctx: &AppContext, url: &Url, expect: Expect) -> Result<Fetched> {
    let limit = expect.limit();
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
            .is_some_and(|n| n as usize > limit)
        {
            return Err(Error::BadGateway(format!(
                "{current} is larger than {limit} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(&current, e.into()))?
        {
            if body.len() + chunk.len() > limit {
                return Err(Error::BadGateway(format!(
                    "{current} is larger than {limit} bytes"
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

/// GETs a photo (JPEG, PNG or WebP) of at most `max_bytes`, through the same guard as documents: a private
/// address, a blocked server or a larger body is refused before anything is kept.
pub async fn image(ctx: &AppContext, url: &Url, max_bytes: usize) -> Result<Vec<u8>> {
    Ok(fetch(ctx, url, Expect::Image(max_bytes)).await?.body)
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
