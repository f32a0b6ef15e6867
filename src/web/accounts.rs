//! Joining, signing in and out, the charter, the language, and a person's own settings and data.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Extension;
use axum::Form;
use axum::extract::{Multipart, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use governor::{DefaultKeyedRateLimiter, Quota};
use maud::{Markup, html};
use serde::Deserialize;

use crate::civic::{account_data, accounts, media, profile, site};
use crate::config::RegistrationMode;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::{LANG_COOKIE, Visitor, safe_next};
use crate::web::{page, page_status};

/// Login attempts allowed per address, per account from one address, and per account from everywhere.
///
/// A stranger must not be able to keep an owner out: the per-account limit (which stops a password being
/// guessed from many addresses at once) only slows down an address that signed in to the account before;
/// anyone else is held by the limits on their own address.
pub struct LoginLimits {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_account_and_ip: DefaultKeyedRateLimiter<(String, IpAddr)>,
    by_account: DefaultKeyedRateLimiter<String>,
    /// Where each account signed in from (its network), and when: those addresses are only slowed down.
    signed_in_from:
        std::sync::Mutex<std::collections::HashMap<(String, IpAddr), std::time::Instant>>,
    attempts: std::sync::atomic::AtomicU64,
}

/// How long an address where an account signed in is remembered for it.
const REMEMBER_SIGN_IN: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3600);
/// At most this many (account, address) pairs are remembered (the oldest go first).
const MAX_REMEMBERED_SIGN_INS: usize = 100_000;
/// The delay an address that signed in before waits when its account is over the per-account limit.
pub const SLOWED_LOGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Per address: 20 attempts, then one every 6 s. Per account and address: 10 attempts, then one a minute.
/// Per account from all addresses: 10 attempts, then one a minute, for addresses it never signed in from.
impl Default for LoginLimits {
    fn default() -> LoginLimits {
        let ip = Quota::per_minute(NonZeroU32::MIN.saturating_add(9))
            .allow_burst(NonZeroU32::MIN.saturating_add(19));
        let account =
            Quota::per_minute(NonZeroU32::MIN).allow_burst(NonZeroU32::MIN.saturating_add(9));
        LoginLimits {
            by_ip: DefaultKeyedRateLimiter::keyed(ip),
            by_account_and_ip: DefaultKeyedRateLimiter::keyed(account),
            by_account: DefaultKeyedRateLimiter::keyed(account),
            signed_in_from: std::sync::Mutex::new(std::collections::HashMap::new()),
            attempts: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// What a login attempt may do now.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginVerdict {
    /// Go on.
    Go,
    /// Go on after [`SLOWED_LOGIN`]: the account is under attack, but this address signed in to it before.
    Slowly,
}

impl LoginLimits {
    /// Counts one attempt; `Err(seconds to wait)` when over a limit that holds this address.
    pub fn attempt(&self, ip: IpAddr, account: &str) -> Result<LoginVerdict, u64> {
        self.attempt_from(ip)?;
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock;
            n.wait_time_from(governor::clock::DefaultClock::default().now())
                .as_secs()
                .max(1)
        };
        let network = crate::limits::network_of(ip);
        self.by_account_and_ip
            .check_key(&(account.to_string(), network))
            .map_err(wait)?;
        match self.by_account.check_key(&account.to_string()) {
            Ok(()) => Ok(LoginVerdict::Go),
            Err(_) if self.signed_in_before(account, network) => Ok(LoginVerdict::Slowly),
            Err(n) => Err(wait(n)),
        }
    }

    fn signed_in_before(&self, account: &str, network: IpAddr) -> bool {
        self.signed_in_from.lock().is_ok_and(|known| {
            known
                .get(&(account.to_string(), network))
                .is_some_and(|at| at.elapsed() < REMEMBER_SIGN_IN)
        })
    }

    /// Remembers that `account` signed in from `ip`.
    pub fn signed_in(&self, ip: IpAddr, account: &str) {
        if let Ok(mut known) = self.signed_in_from.lock() {
            crate::limits::remember(
                &mut known,
                (account.to_string(), crate::limits::network_of(ip)),
                MAX_REMEMBERED_SIGN_INS,
                REMEMBER_SIGN_IN,
            );
        }
    }

    /// Counts one attempt from an address only (registrations); `Err(seconds to wait)` when over.
    fn attempt_from(&self, ip: IpAddr) -> Result<(), u64> {
        let n = self
            .attempts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 1024 == 1023 {
            self.shrink();
        }
        let clock = governor::clock::DefaultClock::default();
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock;
            n.wait_time_from(clock.now()).as_secs().max(1)
        };
        self.by_ip
            .check_key(&crate::limits::network_of(ip))
            .map_err(wait)
    }

    /// Forgets keys that are back to a full quota, so memory does not grow with every address ever seen
    /// (done every 1,024 attempts).
    fn shrink(&self) {
        self.by_ip.retain_recent();
        self.by_account_and_ip.retain_recent();
        self.by_account.retain_recent();
    }
}

/// The form error saying how long to wait before trying again.
fn too_many_logins(v: &Visitor, wait: u64) -> FormErrors {
    let mut errors = FormErrors::new();
    errors.add(
        "form",
        v.lang
            .count("error-too-many-logins", (wait as i64 + 59) / 60),
    );
    errors
}

/// The answer when a limit is reached: the form again, 429, `Retry-After`.
fn too_many(mut response: Response, wait: u64) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn paragraphs(text: &str) -> Markup {
    html! {
        @for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
            p {
                @for (i, line) in block.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------- login

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login_page(
    v: &Visitor,
    form: &LoginForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let body = html! {
        h1 { (lang.t("login-title")) }
        form id="login" method="post" action="/login" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            input type="hidden" name="next" value=(safe_next(form.next.as_deref()));
            (forms::input(lang, Input::text("username", lang.t("field-username"), &form.username)
                .required().autocomplete("username"), errors))
            (forms::input(lang, Input::text("password", lang.t("field-password"), "")
                .kind("password").required().autocomplete("current-password"), errors))
            button type="submit" { (lang.t("login-submit")) }
        }
        @if v.site.registration != RegistrationMode::Closed {
            p { (lang.t("login-no-account")) " " a href="/register" { (lang.t("nav-register")) } }
        }
    };
    page_status(v, &lang.t("login-title"), body, status).await
}

pub async fn login_form(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    if v.me.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let form = LoginForm {
        next: q.next,
        ..LoginForm::default()
    };
    login_page(&v, &form, &FormErrors::new(), StatusCode::OK).await
}

pub async fn login(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let ip = v.ip;
    let name = form
        .username
        .trim()
        .trim_start_matches('@')
        .to_ascii_lowercase();
    match limits.attempt(ip, &name) {
        Ok(LoginVerdict::Go) => {}
        Ok(LoginVerdict::Slowly) => tokio::time::sleep(SLOWED_LOGIN).await,
        Err(wait) => {
            let errors = too_many_logins(&v, wait);
            let page = login_page(&v, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
            return too_many(page, wait);
        }
    }
    match accounts::verify_login(&v.ctx.db, &form.username, &form.password).await {
        Ok((actor, _)) => {
            limits.signed_in(ip, &name);
            if let Err(e) = v.sign_in(actor.id).await {
                return v.error(&e);
            }
            Redirect::to(&safe_next(form.next.as_deref())).into_response()
        }
        Err(e @ Error::Unauthorized(_)) => {
            let errors = FormErrors::from_error(v.lang, &e, &[]);
            login_page(&v, &form, &errors, StatusCode::UNAUTHORIZED).await
        }
        // The right password of a suspended account: they are told until when.
        Err(Error::Forbidden(_)) => {
            let until = v
                .ctx
                .db
                .run(move |c| {
                    Ok(crate::db::queries::account_by_username(c, &name)?
                        .and_then(|(_, a)| a.suspended()))
                })
                .await
                .ok()
                .flatten();
            let message = match until {
                Some(until) if until < crate::civic::moderation::forever() => v.lang.ta(
                    "login-suspended-until",
                    &[("date", v.lang.datetime(until).into())],
                ),
                _ => v.lang.t("login-suspended"),
            };
            let mut errors = FormErrors::new();
            errors.add("form", message);
            login_page(&v, &form, &errors, StatusCode::FORBIDDEN).await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(v: Visitor, Form(form): Form<CsrfOnly>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    v.sign_out().await;
    Redirect::to("/").into_response()
}

// ------------------------------------------------------------------------------------------- register

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    accept_charter: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct InviteQuery {
    #[serde(default)]
    invite: Option<String>,
}

fn charter_text(lang: Lang, charter: &site::Charter) -> Markup {
    html! {
        // Focusable, so that keyboard users can scroll a long charter.
        section id="charter-text" class="charter" aria-labelledby="charter-heading" tabindex="0" {
            h2 id="charter-heading" { (lang.t("charter-title")) }
            p class="meta" {
                (lang.ta("charter-version", &[
                    ("version", charter.version.into()),
                    ("date", lang.date(charter.created_at.date()).into()),
                ]))
            }
            (paragraphs(&charter.body))
        }
    }
}

async fn register_page(
    v: &Visitor,
    form: &RegisterForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let title = lang.t("register-title");
    if v.site.registration == RegistrationMode::Closed {
        let body = html! {
            h1 { (title) }
            p { (lang.t("register-closed")) }
        };
        return page_status(v, &title, body, StatusCode::FORBIDDEN).await;
    }
    let csrf = v.csrf().await;
    let body = html! {
        h1 { (title) }
        @if v.site.registration == RegistrationMode::Invite {
            p { (lang.t("register-invite-only")) }
        }
        form id="register" method="post" action="/register" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            @if v.site.registration == RegistrationMode::Invite {
                (forms::input(lang, Input::text("invite", lang.t("field-invite"), &form.invite)
                    .required().autocomplete("off"), errors))
            }
            (forms::input(lang, Input::text("username", lang.t("field-username"), &form.username)
                .required().autocomplete("username").maxlength(30).hint(lang.t("hint-username")), errors))
            (forms::input(lang, Input::text("display_name", lang.t("field-display-name"), &form.display_name)
                .autocomplete("name").maxlength(100).hint(lang.t("hint-display-name")), errors))
            (forms::input(lang, Input::text("password", lang.t("field-password"), "")
                .kind("password").required().autocomplete("new-password").hint(lang.t("hint-password")), errors))
            @if let Some(charter) = &v.charter {
                (charter_text(lang, charter))
                (forms::checkbox(lang, "accept_charter", &lang.t("charter-accept"),
                    &charter.version.to_string(), form.accept_charter.is_some(), errors))
            }
            button type="submit" { (lang.t("register-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn register_form(v: Visitor, Query(q): Query<InviteQuery>) -> Response {
    if v.me.is_some() {
        return Redirect::to("/").into_response();
    }
    let form = RegisterForm {
        invite: q.invite.unwrap_or_default(),
        ..RegisterForm::default()
    };
    register_page(&v, &form, &FormErrors::new(), StatusCode::OK).await
}

pub async fn register(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<RegisterForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    // Each registration costs a password hash and a key pair: counted with login attempts per address.
    if let Err(wait) = limits.attempt_from(v.ip) {
        let errors = too_many_logins(&v, wait);
        let page = register_page(&v, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
        return too_many(page, wait);
    }
    let registration = accounts::Registration {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        invite: Some(form.invite.clone()),
        charter_version: form.accept_charter.as_deref().and_then(|c| c.parse().ok()),
        language: Some(v.lang.code().to_string()),
    };
    match accounts::register(&v.ctx.db, &v.site, registration).await {
        Ok((actor, _)) => {
            if let Err(e) = v.sign_in(actor.id).await {
                return v.error(&e);
            }
            v.flash("flash-welcome").await;
            Redirect::to("/").into_response()
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict(_) | Error::Forbidden(_))) => {
            let fields = [
                "invite",
                "username",
                "display_name",
                "password",
                "accept_charter",
            ];
            let e = match e {
                Error::Invalid {
                    field: "charter",
                    message,
                } => Error::Invalid {
                    field: "accept_charter",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            register_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

// -------------------------------------------------------------------------------------------- charter

#[derive(Deserialize, Default)]
pub struct CharterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    accept_charter: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

async fn charter_page(
    v: &Visitor,
    next: Option<&str>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let title = lang.t("charter-title");
    let Some(charter) = &v.charter else {
        let body = html! { h1 { (title) } p { (lang.t("charter-none")) } };
        return page(v, &title, body).await;
    };
    let pending =
        v.me.as_ref()
            .map(|me| me.account.charter_version != Some(charter.version));
    // A token only for those who get the form: visitors reading the charter get no session.
    let csrf = match pending {
        Some(true) => v.csrf().await,
        _ => String::new(),
    };
    let body = html! {
        h1 { (title) }
        @if pending == Some(true) {
            p class="notice" role="status" { (lang.t("charter-new-version")) }
        }
        (charter_text(lang, charter))
        @match pending {
            Some(true) => {
                form id="charter-form" method="post" action="/charter" novalidate {
                    (errors.summary(lang))
                    (forms::csrf(&csrf))
                    input type="hidden" name="next" value=(safe_next(next));
                    (forms::checkbox(lang, "accept_charter", &lang.t("charter-accept"),
                        &charter.version.to_string(), false, errors))
                    button type="submit" { (lang.t("charter-submit")) }
                }
                // Refusing the charter must not trap anyone: their data and the way out stay open.
                section aria-labelledby="refuse-heading" {
                    h2 id="refuse-heading" { (lang.t("charter-refuse")) }
                    p { (lang.t("charter-refuse-text")) }
                    p { a href="/settings/export" download { (lang.t("settings-export")) } }
                    (delete_form(lang, &csrf, &FormErrors::new()))
                }
            }
            Some(false) => p { (lang.t("charter-accepted")) },
            None => {},
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn charter(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    charter_page(&v, q.next.as_deref(), &FormErrors::new(), StatusCode::OK).await
}

pub async fn accept_charter(v: Visitor, Form(form): Form<CharterForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let version = form
        .accept_charter
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok());
    let result = match version {
        Some(version) => profile::accept_charter(&v.ctx.db, me.actor.id, version).await,
        None => Err(Error::invalid("charter", "must be accepted")),
    };
    match result {
        Ok(()) => {
            v.flash("flash-charter-accepted").await;
            Redirect::to(&safe_next(form.next.as_deref())).into_response()
        }
        Err(Error::Invalid { message, .. }) => {
            let e = Error::Invalid {
                field: "accept_charter",
                message,
            };
            let errors = FormErrors::from_error(v.lang, &e, &["accept_charter"]);
            charter_page(
                &v,
                form.next.as_deref(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

// ------------------------------------------------------------------------------------------- language

#[derive(Deserialize, Default)]
pub struct LanguageChoice {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: Option<String>,
}

fn with_lang_cookie(lang: Lang, next: Option<&str>) -> Response {
    let mut response = Redirect::to(&safe_next(next)).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The switch for visitors: a link that sets a cookie and comes back.
pub async fn language_link(v: Visitor, Query(choice): Query<LanguageChoice>) -> Response {
    match Lang::parse(&choice.lang) {
        Some(lang) => with_lang_cookie(lang, choice.next.as_deref()),
        None => v.error(&Error::invalid("lang", "must be fr or en")),
    }
}

/// The switch for signed-in people: saved in the account.
pub async fn language_form(v: Visitor, Form(choice): Form<LanguageChoice>) -> Response {
    if let Err(refused) = v.check_csrf(&choice.csrf).await {
        return refused;
    }
    let Some(lang) = Lang::parse(&choice.lang) else {
        return v.error(&Error::invalid("lang", "must be fr or en"));
    };
    if let Some(me) = &v.me
        && let Err(e) = profile::set_language(&v.ctx.db, me.actor.id, lang.code()).await
    {
        return v.error(&e);
    }
    with_lang_cookie(lang, choice.next.as_deref())
}

// ------------------------------------------------------------------------------------------- settings

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    language: String,
}

#[derive(Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    delete_password: String,
    #[serde(default)]
    delete_confirm: Option<String>,
}

/// Which of the settings forms the errors belong to.
#[derive(PartialEq, Eq, Clone, Copy)]
enum SettingsPart {
    Profile,
    Avatar,
    Delete,
}

async fn settings_page(
    v: &Visitor,
    form: Option<&SettingsForm>,
    errors: (SettingsPart, &FormErrors),
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let Some(me) = &v.me else {
        return Redirect::to("/login?next=/settings").into_response();
    };
    let none = FormErrors::new();
    let errors_for = |part: SettingsPart| if errors.0 == part { errors.1 } else { &none };
    let current = SettingsForm {
        csrf: String::new(),
        display_name: me.actor.display_name.clone(),
        bio: me.actor.summary.clone(),
        language: me.account.language.clone().unwrap_or_default(),
    };
    let form = form.unwrap_or(&current);
    let csrf = v.csrf().await;
    let title = lang.t("settings-title");
    let languages: Vec<(&str, String)> = std::iter::once(("", lang.t("settings-language-browser")))
        .chain(
            Lang::ALL
                .iter()
                .map(|l| (l.code(), l.native_name().to_string())),
        )
        .collect();
    let body = html! {
        h1 { (title) }
        section aria-labelledby="profile-heading" {
            h2 id="profile-heading" { (lang.t("settings-profile")) }
            form id="settings" method="post" action="/settings" novalidate {
                (errors_for(SettingsPart::Profile).summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("display_name", lang.t("field-display-name"), &form.display_name)
                    .required().autocomplete("name").maxlength(100), errors_for(SettingsPart::Profile)))
                (forms::textarea(lang, Input::text("bio", lang.t("field-bio"), &form.bio)
                    .maxlength(profile::MAX_BIO).hint(lang.t("hint-bio")), 4, errors_for(SettingsPart::Profile)))
                (forms::select(lang, "language", &lang.t("field-language"), &languages, &form.language,
                    errors_for(SettingsPart::Profile)))
                button type="submit" { (lang.t("settings-save")) }
            }
        }
        section aria-labelledby="avatar-heading" {
            h2 id="avatar-heading" { (lang.t("settings-avatar")) }
            @if let Some(icon) = &me.actor.icon_url {
                img class="avatar" src=(icon) alt=(lang.t("settings-avatar-current")) width="96" height="96";
            }
            form id="avatar-form" method="post" action="/settings/avatar" enctype="multipart/form-data" novalidate {
                (errors_for(SettingsPart::Avatar).summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("avatar", lang.t("field-avatar"), "")
                    .kind("file").required().hint(lang.t("hint-avatar")), errors_for(SettingsPart::Avatar)))
                button type="submit" { (lang.t("settings-avatar-submit")) }
            }
        }
        section aria-labelledby="data-heading" {
            h2 id="data-heading" { (lang.t("settings-data")) }
            p { (lang.t("settings-export-text")) }
            p { a id="export" href="/settings/export" download { (lang.t("settings-export")) } }
        }
        section aria-labelledby="delete-heading" class="danger-zone" {
            h2 id="delete-heading" { (lang.t("settings-delete")) }
            p { (lang.t("settings-delete-text")) }
            (delete_form(lang, &csrf, errors_for(SettingsPart::Delete)))
        }
    };
    page_status(v, &title, body, status).await
}

/// Deleting one's account: the password again, and a box to tick.
fn delete_form(lang: Lang, csrf: &str, errors: &FormErrors) -> Markup {
    html! {
        form id="delete" method="post" action="/settings/delete" novalidate {
            (errors.summary(lang))
            (forms::csrf(csrf))
            (forms::input(lang, Input::text("delete_password", lang.t("field-password"), "")
                .kind("password").required().autocomplete("current-password"), errors))
            (forms::checkbox(lang, "delete_confirm", &lang.t("settings-delete-confirm"), "yes", false, errors))
            button type="submit" class="danger" { (lang.t("settings-delete-submit")) }
        }
    }
}

pub async fn settings(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    settings_page(
        &v,
        None,
        (SettingsPart::Profile, &FormErrors::new()),
        StatusCode::OK,
    )
    .await
}

pub async fn save_settings(v: Visitor, Form(form): Form<SettingsForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let change = profile::ProfileChange {
        display_name: form.display_name.clone(),
        bio: form.bio.clone(),
        language: Some(form.language.clone()),
    };
    match profile::update_profile(&v.ctx.db, me.actor.id, change).await {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-settings-saved").await;
            // A new language shows from the next page on; the cookie keeps it after logging out.
            // "The browser's language" forgets an earlier choice, or the cookie would keep it.
            match Lang::parse(&form.language) {
                Some(lang) => with_lang_cookie(lang, Some("/settings")),
                None => {
                    let mut response = Redirect::to("/settings").into_response();
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        HeaderValue::from_static(
                            "parvis_lang=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly",
                        ),
                    );
                    response
                }
            }
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["display_name", "bio", "language"]);
            settings_page(
                &v,
                Some(&form),
                (SettingsPart::Profile, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// Reads the avatar form: its CSRF token and the file, never more than the size limit.
async fn read_avatar(mut multipart: Multipart) -> Result<(String, Vec<u8>), Error> {
    let mut csrf = String::new();
    let mut file = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| media::too_large())?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| Error::BadRequest(e.to_string()))?
            }
            Some("avatar") => {
                let mut bytes = Vec::new();
                let mut over = false;
                while let Some(chunk) = field.chunk().await.map_err(|_| media::too_large())? {
                    // Past the limit the rest is read and dropped (up to the route's body limit), so that the
                    // browser, still sending, gets the answer instead of a reset connection.
                    over |= bytes.len() + chunk.len() > media::MAX_AVATAR_BYTES;
                    if !over {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                if over {
                    return Err(media::too_large());
                }
                file = Some(bytes);
            }
            _ => {}
        }
    }
    Ok((csrf, file.unwrap_or_default()))
}

pub async fn upload_avatar(v: Visitor, multipart: Multipart) -> Response {
    let (csrf, bytes) = match read_avatar(multipart).await {
        Ok(read) => read,
        // The CSRF token comes first in the form: an oversized file is only read after it, so a refusal here
        // without a checked token writes nothing either.
        Err(e) => {
            let errors = FormErrors::from_error(v.lang, &e, &["avatar"]);
            return settings_page(
                &v,
                None,
                (SettingsPart::Avatar, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if let Err(refused) = v.check_csrf(&csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let processed = tokio::task::spawn_blocking(move || media::avatar_png(&bytes))
        .await
        .map_err(Error::internal)
        .and_then(|r| r);
    let png = match processed {
        Ok(png) => png,
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["avatar"]);
            return settings_page(
                &v,
                None,
                (SettingsPart::Avatar, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return v.error(&e),
    };
    let data_dir = v.ctx.settings.server.data_dir.clone();
    let result = async {
        let name = media::store_avatar(&data_dir, png).await?;
        let mut url = v.ctx.urls.base().clone();
        url.set_path(&format!("/media/{name}"));
        let previous =
            match profile::set_avatar(&v.ctx.db, me.actor.id, Some(url.to_string())).await {
                Ok(previous) => previous,
                Err(e) => {
                    media::remove(&data_dir, &name).await;
                    return Err(e);
                }
            };
        if let Some(previous) = previous.and_then(|p| p.rsplit('/').next().map(str::to_string)) {
            media::remove(&data_dir, &previous).await;
        }
        Ok::<_, Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-avatar-saved").await;
            Redirect::to("/settings").into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// The person's data as a JSON download.
pub async fn export(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    match account_data::export(&v.ctx.db, me.actor.id).await {
        Ok(export) => {
            let body = serde_json::to_string_pretty(&export).unwrap_or_default();
            let disposition = format!(
                "attachment; filename=\"parvis-{}-{}.json\"",
                me.actor.username,
                export.exported_at.format("%Y-%m-%d")
            );
            let mut response = (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body,
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => v.error(&e),
    }
}

/// Deletes the account after the password is given again and the consequence confirmed.
pub async fn delete(
    v: Visitor,
    Extension(limits): Extension<Arc<LoginLimits>>,
    Form(form): Form<DeleteForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let mut errors = FormErrors::new();
    // The password check here is a login check too: the same limits, so a stolen session cannot guess.
    let verdict = limits.attempt(v.ip, me.actor.username.as_str());
    if verdict == Ok(LoginVerdict::Slowly) {
        tokio::time::sleep(SLOWED_LOGIN).await;
    }
    if let Err(wait) = verdict {
        errors.add(
            "delete_password",
            v.lang
                .count("error-too-many-logins", (wait as i64 + 59) / 60),
        );
        let page = settings_page(&v, None, (SettingsPart::Delete, &errors), StatusCode::OK).await;
        return too_many(page, wait);
    }
    if form.delete_confirm.is_none() {
        errors.add("delete_confirm", v.lang.t("invalid-delete-confirm"));
    }
    if let Err(e) =
        accounts::verify_login(&v.ctx.db, me.actor.username.as_str(), &form.delete_password).await
    {
        match e {
            Error::Unauthorized(_) => {
                errors.add("delete_password", v.lang.t("invalid-delete-password"))
            }
            other => return v.error(&other),
        }
    }
    if !errors.is_empty() {
        return settings_page(
            &v,
            None,
            (SettingsPart::Delete, &errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if let Err(e) = account_data::delete_account(&v.ctx.db, me.actor.id).await {
        return v.error(&e);
    }
    if let Some(icon) = me
        .actor
        .icon_url
        .as_deref()
        .and_then(|i| i.rsplit('/').next())
    {
        media::remove(&v.ctx.settings.server.data_dir, icon).await;
    }
    v.ctx.wake.notify_one();
    v.sign_out().await;
    let lang = v.lang;
    let visitor = Visitor { me: None, ..v };
    let body = html! {
        h1 { (lang.t("deleted-title")) }
        p { (lang.t("deleted-text")) }
        p { a href="/" { (lang.t("back-home")) } }
    };
    page(&visitor, &lang.t("deleted-title"), body).await
}
