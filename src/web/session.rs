//! Browser sessions (tower-sessions, stored in our database on either backend), who the visitor is, their
//! language, and CSRF tokens.

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::civic::site::{Charter, Site};
use crate::civic::{sessions, site};
use crate::context::AppContext;
use crate::db::{Database, queries};
use crate::error::Error;
use crate::model::{Account, Actor, Role};
use crate::web::i18n::Lang;

/// The session cookie.
pub const SESSION_COOKIE: &str = "parvis_session";
/// The language chosen with the switch by a visitor who is not logged in.
pub const LANG_COOKIE: &str = "parvis_lang";
/// A session not used for this long ends.
const IDLE_DAYS: i64 = 30;

const KEY_ACCOUNT: &str = "account";
/// When the person signed in (microseconds since 1970): a session opened before their password last
/// changed is ended.
const KEY_SIGNED_IN_AT: &str = "signed_in_at";
const KEY_CSRF: &str = "csrf";
const KEY_FLASH: &str = "flash";
/// A sign-in with the OpenID Connect provider under way (its state, nonce and PKCE verifier).
const KEY_OIDC: &str = "oidc";

/// Keeps sessions in the `sessions` table.
#[derive(Clone)]
pub struct DbStore {
    db: Database,
}

impl std::fmt::Debug for DbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbStore")
    }
}

fn backend(e: Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn stored(record: &Record) -> session_store::Result<(String, String, chrono::NaiveDateTime)> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires = chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))?
        .naive_utc();
    Ok((record.id.to_string(), data, expires))
}

#[async_trait]
impl SessionStore for DbStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (id, data, expires) = stored(record)?;
            if sessions::create(&self.db, id, data, expires)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates a session that exists; one deleted meanwhile (a logout in another tab) stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, data, expires) = stored(record)?;
        sessions::update(&self.db, id, data, expires)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = sessions::load(&self.db, id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            // The store only returns unexpired sessions; the manager sets the new expiry on save.
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::days(IDLE_DAYS),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(&self.db, id.to_string())
            .await
            .map_err(backend)
    }
}

/// The session layer: an HttpOnly, SameSite=Lax cookie, Secure when the instance is served over https.
pub fn layer(ctx: &AppContext) -> SessionManagerLayer<DbStore> {
    let secure = ctx.urls.base().scheme() == "https";
    SessionManagerLayer::new(DbStore { db: ctx.db.clone() })
        .with_name(SESSION_COOKIE)
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(IDLE_DAYS)))
}

/// The signed-in person.
#[derive(Clone, Debug)]
pub struct Me {
    pub actor: Actor,
    pub account: Account,
}

impl Me {
    pub fn is_admin(&self) -> bool {
        self.account.role == Role::Admin
    }
}

/// Who is asking, in which language, on which instance: what every page needs.
pub struct Visitor {
    pub lang: Lang,
    pub me: Option<Me>,
    pub site: Site,
    pub charter: Option<Charter>,
    pub session: Session,
    /// Path and query of this request, to come back to after a language switch or a login.
    pub here: String,
    /// The visitor's address: the connection's, or the proxy's `X-Forwarded-For` when configured to trust it.
    pub ip: std::net::IpAddr,
    pub ctx: AppContext,
}

/// Pages anyone may see when the commune is kept for its residents: signing in or up, and what they need.
fn open_in_private_space(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/register"
            | "/language"
            | "/charter"
            | "/password/forgot"
            | "/password/reset"
            | "/email/confirm"
            | "/email/unsubscribe"
            | "/newsletter/confirm"
            | "/newsletter/unsubscribe"
            | "/oidc/start"
            | "/oidc/callback"
    ) || path.starts_with("/static/")
}

/// Pages a person who has not accepted the charter in force may still see.
fn allowed_before_charter(path: &str) -> bool {
    // Refusing the charter leaves a way out: one's data, and deleting the account.
    matches!(
        path,
        "/charter" | "/logout" | "/language" | "/settings/export" | "/settings/delete"
    ) || path.starts_with("/static/")
        || path.starts_with("/media/")
}

impl FromRequestParts<AppContext> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, ctx)
            .await
            .map_err(|(status, msg)| (status, msg).into_response())?;
        let lang_hint = preferred_language(&parts.headers);
        let fail = |e: Error| super::error_page(lang_hint, None, &e);
        let account: Option<i64> = session.get(KEY_ACCOUNT).await.unwrap_or(None);
        let signed_in_at: Option<i64> = session.get(KEY_SIGNED_IN_AT).await.unwrap_or(None);
        let defaults = ctx.settings.instance.clone();
        let (me, site, charter) = ctx
            .db
            .run(move |conn| {
                let me = match account {
                    Some(id) => queries::account_by_id(conn, crate::ids::ActorId(id))?
                        // A deleted or suspended account is signed out, and so is a session opened before
                        // the password changed.
                        .filter(|(actor, account)| {
                            actor.deleted_at.is_none()
                                && account.suspended().is_none()
                                && account.credentials_changed_at.is_none_or(|changed| {
                                    signed_in_at.is_some_and(|at| {
                                        at >= changed.and_utc().timestamp_micros()
                                    })
                                })
                        })
                        .map(|(actor, account)| Me { actor, account }),
                    None => None,
                };
                Ok((
                    me,
                    site::load(conn, &defaults)?,
                    site::current_charter(conn)?,
                ))
            })
            .await
            .map_err(fail)?;
        if account.is_some() && me.is_none() {
            // The account was deleted or suspended since: the session ends.
            let _ = session.flush().await;
        }
        let lang = me
            .as_ref()
            .and_then(|m| m.account.language.as_deref())
            .and_then(Lang::parse)
            .unwrap_or(lang_hint);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        if let (Some(me), Some(charter)) = (&me, &charter)
            && me.account.charter_version != Some(charter.version)
            && !allowed_before_charter(parts.uri.path())
        {
            return Err(Redirect::to(&format!("/charter?next={}", encode(&here))).into_response());
        }
        // A commune kept for its residents shows its pages to signed-in people only.
        if me.is_none() && !open_in_private_space(parts.uri.path()) && ctx.policy().await.private {
            return Err(Redirect::to(&format!("/login?next={}", encode(&here))).into_response());
        }
        let ip = client_ip(ctx, parts);
        Ok(Visitor {
            ip,
            lang,
            me,
            site,
            charter,
            session,
            here,
            ctx: ctx.clone(),
        })
    }
}

fn client_ip(ctx: &AppContext, parts: &Parts) -> std::net::IpAddr {
    address(ctx, &parts.headers, &parts.extensions)
}

/// The address a request comes from (for rate limits), as for pages.
pub fn client_ip_of(ctx: &AppContext, request: &axum::extract::Request) -> std::net::IpAddr {
    address(ctx, request.headers(), request.extensions())
}

fn address(
    ctx: &AppContext,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> std::net::IpAddr {
    if ctx.settings.server.trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.rsplit(',').next())
            .and_then(|ip| ip.trim().parse().ok())
    {
        return ip;
    }
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]))
}

/// The language from the switch's cookie, else from `Accept-Language`.
fn preferred_language(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_else(|| {
            Lang::negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Percent-encodes a value for a query string.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A local path to go back to; anything else (another site, a protocol-relative URL, or a path that a
/// browser would turn into one by dropping tabs and newlines or reading `\` as `/`) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

impl Visitor {
    /// The session's CSRF token, made on first use.
    pub async fn csrf(&self) -> String {
        if let Ok(Some(token)) = self.session.get::<String>(KEY_CSRF).await {
            return token;
        }
        let token = crate::civic::tokens::random_code(32);
        if let Err(e) = self.session.insert(KEY_CSRF, &token).await {
            tracing::warn!(error = %e, "could not store a CSRF token");
        }
        token
    }

    /// The CSRF token for signed-in visitors (who see forms on every page); none is made for others.
    pub async fn csrf_if_signed_in(&self) -> Option<String> {
        match self.me {
            Some(_) => Some(self.csrf().await),
            None => None,
        }
    }

    /// Checks a form's CSRF token: a forged or missing one is refused before anything is written.
    pub async fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        let expected = self.session.get::<String>(KEY_CSRF).await.unwrap_or(None);
        let ok = match expected {
            Some(expected) => {
                !sent.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
            }
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(super::refusal_page(
                self.lang,
                Some(self),
                &Error::Forbidden("CSRF token missing or wrong".into()),
                Some(self.lang.t("error-csrf")),
            ))
        }
    }

    /// Signs a person in: a new session id (no fixation), the account remembered, a fresh CSRF token.
    pub async fn sign_in(&self, actor: crate::ids::ActorId) -> Result<(), Error> {
        self.session.cycle_id().await.map_err(Error::internal)?;
        self.session
            .insert(KEY_ACCOUNT, actor.0)
            .await
            .map_err(Error::internal)?;
        self.session
            .insert(KEY_SIGNED_IN_AT, chrono::Utc::now().timestamp_micros())
            .await
            .map_err(Error::internal)?;
        self.session
            .insert(KEY_CSRF, crate::civic::tokens::random_code(32))
            .await
            .map_err(Error::internal)
    }

    /// Keeps the OpenID Connect login just started (one at a time: a new one replaces it).
    pub async fn keep_oidc(&self, pending: &crate::oidc::Pending) -> Result<(), Error> {
        self.session
            .insert(KEY_OIDC, pending)
            .await
            .map_err(Error::internal)
    }

    /// Takes the OpenID Connect login under way out of the session: its callback is used once.
    pub async fn take_oidc(&self) -> Option<crate::oidc::Pending> {
        self.session
            .remove::<crate::oidc::Pending>(KEY_OIDC)
            .await
            .unwrap_or(None)
    }

    /// Ends the session (its row is deleted).
    pub async fn sign_out(&self) {
        if let Err(e) = self.session.flush().await {
            tracing::warn!(error = %e, "could not end a session");
        }
    }

    /// A message for the next page ("Settings saved").
    pub async fn flash(&self, key: &str) {
        let _ = self.session.insert(KEY_FLASH, key).await;
    }

    /// The message left by the previous page, if any (shown once).
    pub async fn take_flash(&self) -> Option<String> {
        // Only a message that is there is removed: removing nothing would still rewrite the session.
        let flash = self
            .session
            .get::<String>(KEY_FLASH)
            .await
            .unwrap_or(None)?;
        let _ = self.session.remove::<String>(KEY_FLASH).await;
        Some(flash)
    }

    /// The signed-in person, or a redirect to the login page that comes back here.
    // The refusal is the page itself, returned by the handler at once: boxing it would only add noise.
    #[allow(clippy::result_large_err)]
    pub fn require_login(&self) -> Result<&Me, Response> {
        self.me.as_ref().ok_or_else(|| {
            Redirect::to(&format!("/login?next={}", encode(&self.here))).into_response()
        })
    }

    /// A form posted by a signed-in person: its CSRF token checked first (403), then the login (to the login
    /// page); the person, cloned for the handler.
    #[allow(clippy::result_large_err)]
    pub async fn form_poster(&self, csrf: &str) -> Result<Me, Response> {
        self.check_csrf(csrf).await?;
        let me = self.require_login()?;
        self.may_write(me)?;
        Ok(me.clone())
    }

    /// 403, with why and what to do, for an account whose address waits for confirmation.
    #[allow(clippy::result_large_err)]
    pub fn may_write(&self, me: &Me) -> Result<(), Response> {
        crate::civic::addresses::may_write(&me.account).map_err(|e| {
            super::refusal_page(
                self.lang,
                Some(self),
                &e,
                Some(self.lang.ta(
                    "error-confirm-email",
                    &[(
                        "address",
                        me.account.email.clone().unwrap_or_default().into(),
                    )],
                )),
            )
        })
    }

    /// The signed-in admin, or 403.
    // The refusal is the page itself, returned by the handler at once: boxing it would only add noise.
    #[allow(clippy::result_large_err)]
    pub fn require_admin(&self) -> Result<&Me, Response> {
        let me = self.require_login()?;
        if me.is_admin() {
            Ok(me)
        } else {
            Err(super::refusal_page(
                self.lang,
                Some(self),
                &Error::Forbidden("admins only".into()),
                Some(self.lang.t("error-admin-only")),
            ))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/settings?x=1")), "/settings?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/a\\b")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; parvis_lang=en; parvis_session=x".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(preferred_language(&headers), Lang::En);
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
