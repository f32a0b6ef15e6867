//! Finding an account from what a person types: a local name, `@user@host` (with WebFinger) or an actor URL.

use url::Url;

use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::federation::ACTIVITY_JSON;
use crate::federation::webfinger::Jrd;
use crate::model::RemoteActor;

use super::{actor, get};

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
