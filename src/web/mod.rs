//! Server-rendered HTML: every page of the web interface, in French and English, usable without JavaScript.
//! Pages share their URLs with ActivityPub (content negotiation in `app`); forms post back to the same page,
//! which re-renders with the input kept and the error next to the field.

pub mod accounts;
pub mod admin;
mod assets;
pub mod commitments;
pub mod debates;
pub mod forms;
pub mod i18n;
pub mod meetings;
pub mod moderation;
pub mod newsletter;
pub mod oauth;
pub mod oidc;
pub mod pages;
pub mod polls;
pub mod problems;
pub mod proposals;
pub mod residency;
pub mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};

use crate::context::AppContext;
use crate::error::Error;
use i18n::Lang;
use session::Visitor;

/// What a page tells link previews (OpenGraph).
pub struct OpenGraph<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub kind: &'a str,
    pub image: Option<&'a str>,
    /// The ActivityPub document at the same URL.
    pub activity_json: Option<&'a str>,
}

/// The routes of the web interface (the HTML faces of actor, collection and post URLs are in `app`).
pub fn router() -> Router<AppContext> {
    Router::new()
        .route("/", get(pages::home))
        .route("/static/parvis.css", get(assets::stylesheet))
        .route("/static/parvis.svg", get(assets::icon))
        .route("/static/{*path}", get(assets::static_file))
        .route("/favicon.ico", get(assets::icon))
        .route("/media/{name}", get(assets::media))
        .route("/media/attachments/{name}", get(assets::attachment))
        .route("/login", get(accounts::login_form).post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route(
            "/register",
            get(accounts::register_form).post(accounts::register),
        )
        .route(
            "/charter",
            get(accounts::charter).post(accounts::accept_charter),
        )
        .route(
            "/language",
            get(accounts::language_link).post(accounts::language_form),
        )
        .route(
            "/settings",
            get(accounts::settings).post(accounts::save_settings),
        )
        .route(
            "/settings/avatar",
            post(accounts::upload_avatar).layer(DefaultBodyLimit::max(
                crate::civic::media::MAX_AVATAR_BYTES * 4,
            )),
        )
        .route(
            "/admin/commune/icon",
            post(admin::upload_icon).layer(DefaultBodyLimit::max(
                crate::civic::media::MAX_AVATAR_BYTES * 4,
            )),
        )
        .route("/admin/commune", post(admin::save_commune))
        .route("/admin/commune/clock", post(admin::save_clock))
        .route("/admin/council", get(admin::council::council))
        .route("/admin/council/insee", post(admin::council::save_insee))
        .route("/admin/council/{id}/confirm", post(admin::council::confirm))
        .route("/admin/council/{id}/code", post(admin::council::make_code))
        .route("/admin/mandates", post(admin::council::add_mandate))
        .route("/admin/mandates/{id}", post(admin::council::change_mandate))
        .route(
            "/claim",
            get(admin::council::claim_form).post(admin::council::claim),
        )
        .route(
            "/oauth/authorize",
            get(oauth::authorize_form).post(oauth::authorize),
        )
        .route("/settings/apps", get(oauth::apps))
        .route("/settings/apps/{id}/revoke", post(oauth::revoke_app))
        .route("/oidc/start", get(oidc::start))
        .route("/oidc/callback", get(oidc::callback))
        .route("/oidc/unlink", post(oidc::unlink))
        .route("/residency", get(residency::mine))
        .route("/residency/letter", post(residency::letter))
        .route("/residency/list", post(residency::list))
        .route("/residents", get(residency::staff).post(residency::verify))
        .route("/residents/letters", post(residency::letters))
        .route("/settings/email", post(accounts::change_email))
        .route("/settings/password", post(accounts::change_password))
        .route(
            "/email/confirm",
            get(accounts::confirm_email_form).post(accounts::confirm_email),
        )
        .route("/email/ask", get(accounts::ask_email))
        .route(
            "/email/unsubscribe",
            get(accounts::unsubscribe_form).post(accounts::unsubscribe),
        )
        .route(
            "/settings/notifications",
            post(accounts::save_notification_choices),
        )
        .route("/email/dismiss", post(accounts::dismiss_email))
        .route(
            "/communes/{name}/newsletter",
            get(newsletter::list).post(newsletter::subscribe),
        )
        .route("/settings/newsletter", post(newsletter::set_mine))
        .route(
            "/newsletters/new",
            get(newsletter::new_form).post(newsletter::create),
        )
        .route(
            "/newsletters/{id}/edit",
            get(newsletter::edit_form).post(newsletter::edit),
        )
        .route(
            "/newsletter/confirm",
            get(newsletter::confirm_form).post(newsletter::confirm),
        )
        .route(
            "/newsletter/unsubscribe",
            get(newsletter::unsubscribe_form).post(newsletter::unsubscribe),
        )
        .route(
            "/password/forgot",
            get(accounts::forgot_form).post(accounts::forgot),
        )
        .route(
            "/password/reset",
            get(accounts::reset_password_form).post(accounts::reset_password),
        )
        .route("/settings/export", get(accounts::export))
        .route("/settings/delete", post(accounts::delete))
        .route("/post", get(pages::post_form).post(pages::post))
        .route("/follow", get(pages::lookup).post(pages::follow))
        .route("/unfollow", post(pages::unfollow))
        .route("/admin", get(admin::page).post(admin::save_settings))
        .route("/admin/charter", post(admin::save_charter))
        .route("/admin/invites", post(admin::create_invite))
        .route("/admin/debates", post(admin::save_openers))
        .route("/admin/themes", post(admin::add_theme))
        .route("/admin/themes/{id}/delete", post(admin::remove_theme))
        .route("/admin/residents", post(admin::set_resident))
        .route("/admin/roles", post(admin::set_role))
        .route("/admin/problems", get(problems::admin_page))
        .route(
            "/admin/open311",
            get(problems::open311_page).post(problems::open311_create),
        )
        .route("/admin/open311/{id}/revoke", post(problems::open311_revoke))
        .route(
            "/admin/problems/categories",
            post(problems::admin_add_category),
        )
        .route(
            "/admin/problems/categories/{id}/archive",
            post(problems::admin_archive_category),
        )
        .route("/admin/problems/area", post(problems::admin_area))
        .route("/admin/problems/outline", post(problems::admin_outline))
        .route(
            "/problems/{id}/photos/{photo}/review",
            post(problems::review_photo),
        )
        .route("/meetings", get(meetings::agenda).post(meetings::create))
        .route("/meetings/new", get(meetings::new_form))
        .route(
            "/commitments",
            get(commitments::list).post(commitments::create),
        )
        .route("/commitments/new", get(commitments::new_form))
        .route("/commitments/{id}/progress", post(commitments::move_on))
        .route("/commitments/{id}/follow", post(commitments::follow))
        .route("/commitments/{id}/unfollow", post(commitments::unfollow))
        .route("/meetings/{id}/register", post(meetings::register))
        .route("/meetings/{id}/unregister", post(meetings::unregister))
        .route("/meetings/{id}/cancel", post(meetings::cancel))
        .route(
            "/meetings/{id}/edit",
            get(meetings::edit_form).post(meetings::edit),
        )
        .route("/meetings/{id}/calendar.ics", get(meetings::meeting_ics))
        .route(
            "/meetings/{id}/minutes",
            post(meetings::minutes::publish).layer(DefaultBodyLimit::max(
                crate::civic::media::MAX_PDF_BYTES
                    + 4 * crate::civic::meetings::minutes::MAX_MINUTES
                    + 64 * 1024,
            )),
        )
        .route("/meetings/{id}/minutes.pdf", get(meetings::minutes::pdf))
        .route("/meetings/nearby/{id}", get(meetings::nearby::show))
        .route("/meetings/nearby/{id}/join", post(meetings::nearby::join))
        .route("/meetings/nearby/{id}/leave", post(meetings::nearby::leave))
        .route("/communes/{name}/meetings.ics", get(meetings::commune_ics))
        .route("/problems/new", get(problems::new_form))
        .route("/problems/queue", get(problems::queue))
        .route("/problems/elsewhere", get(problems::elsewhere))
        .route("/problems/elsewhere/{id}", get(problems::elsewhere_report))
        .route(
            "/problems/elsewhere/{id}/status",
            post(problems::handed_status),
        )
        .route("/problems/{id}/handover", post(problems::hand_over))
        .route(
            "/problems/handovers/{id}/answer",
            post(problems::answer_handover),
        )
        .route(
            "/problems/handovers/{id}/withdraw",
            post(problems::withdraw_handover),
        )
        .route(
            "/problems/elsewhere/{id}/photos/{photo}",
            get(problems::elsewhere_photo),
        )
        .route(
            "/problems/elsewhere/{id}/photos/{photo}/thumb",
            get(problems::elsewhere_photo_thumb),
        )
        .route("/problems/{id}/support", post(problems::support))
        .route("/problems/{id}/photos/{photo}", get(problems::photo))
        .route(
            "/problems/{id}/photos/{photo}/thumb",
            get(problems::photo_thumb),
        )
        .route("/problems/{id}/status", post(problems::change_status))
        .route("/admin/proposals", post(admin::save_threshold))
        .route("/proposals", get(proposals::list).post(proposals::create))
        .route("/proposals/new", get(proposals::new_form))
        .route(
            "/proposals/{id}/answers/{change}",
            get(crate::federation::proposals::answer),
        )
        .route("/proposals/{id}/support", post(proposals::support))
        .route("/proposals/{id}/follow", post(proposals::follow))
        .route("/proposals/{id}/answer", post(proposals::answer))
        .route("/communes/{name}/proposals.csv", get(proposals::csv))
        .route("/notifications", get(proposals::notifications))
        .route(
            "/report",
            get(moderation::report_form).post(moderation::report),
        )
        .route("/moderation", get(moderation::queue))
        .route("/moderation/reports/{id}", post(moderation::resolve))
        .route("/moderation/suspensions/{username}", post(moderation::lift))
        .route("/moderation/blocks/{id}", post(moderation::unblock))
        .route("/moderation/log", get(moderation::audit_log))
        .route("/transparency", get(moderation::transparency))
        .route("/polls", get(polls::list).post(polls::create))
        .route("/polls/new", get(polls::new_form))
        .route("/polls/{id}/vote", post(polls::vote))
        .route("/admin/polls", post(admin::save_citizen_polls))
        .route("/admin/federation/mode", post(admin::save_federation_mode))
        .route("/admin/federation/rules", post(admin::save_federation_rule))
        .route("/admin/federation/partners", post(admin::save_partner))
        .route("/questionnaires", post(polls::create_questionnaire))
        .route("/questionnaires/new", get(polls::new_questionnaire_form))
        .route("/questionnaires/{id}", get(polls::questionnaire))
        .route("/questionnaires/{id}/answer", post(polls::answer))
        .route(
            "/questionnaires/{id}/results",
            get(polls::questionnaire_results),
        )
        .route(
            "/questionnaires/{id}/results.csv",
            get(polls::questionnaire_csv),
        )
        .route("/debates", get(debates::list).post(debates::create))
        .route("/debates/new", get(debates::new_form))
        .route("/search", get(debates::search))
        .route("/debates/{id}/comments.atom", get(debates::debate_feed))
        .route("/communes/{name}/debates.atom", get(debates::commune_feed))
        .route("/debates/{id}/comments", post(debates::add_comment))
        .route("/debates/{id}/status", post(debates::change_status))
        .route("/debates/{id}/pin", post(debates::pin))
        .route("/comments/{id}/edit", post(debates::edit_comment))
        .route("/comments/{id}/delete", post(debates::delete_comment))
        .route("/comments/{id}/hide", post(debates::hide_comment))
        .route("/comments/{id}/restore", post(debates::restore_comment))
        .route("/comments/{id}/agree", post(debates::agree))
}

/// Security headers for every page: no framing, no inline scripts, forms only to ourselves. Pictures come
/// from here or over HTTPS (remote avatars, map tiles), and from the map's tile server when it is not HTTPS
/// (`tiles`: a tile server on the local network).
fn harden(response: &mut Response, tiles: Option<&str>) {
    let h = response.headers_mut();
    let tiles = tiles
        .filter(|o| !o.starts_with("https:"))
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; img-src 'self' https: data:{tiles}; style-src 'self'; script-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    // An origin that cannot go in a header (it cannot: it was parsed as a URL) leaves the tiles out.
    let policy = HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        )
    });
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A full page: header with navigation and language switch, the body, a footer.
pub async fn page(v: &Visitor, title: &str, body: Markup) -> Response {
    page_with(v, title, None, body, StatusCode::OK).await
}

/// A page with a status other than 200 (a form re-rendered with errors is 422).
pub async fn page_status(v: &Visitor, title: &str, body: Markup, status: StatusCode) -> Response {
    page_with(v, title, None, body, status).await
}

pub async fn page_with(
    v: &Visitor,
    title: &str,
    og: Option<&OpenGraph<'_>>,
    body: Markup,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let flash = v.take_flash().await;
    let csrf = match &v.me {
        Some(_) => Some(v.csrf().await),
        None => None,
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (v.site.name) }
                link rel="stylesheet" href="/static/parvis.css";
                link rel="icon" href="/static/parvis.svg" type="image/svg+xml";
                @if let Some(og) = og {
                    meta name="description" content=(og.description);
                    meta property="og:title" content=(og.title);
                    meta property="og:description" content=(og.description);
                    meta property="og:url" content=(og.url);
                    meta property="og:type" content=(og.kind);
                    meta property="og:site_name" content=(v.site.name);
                    @if let Some(image) = og.image {
                        meta property="og:image" content=(image);
                    }
                    link rel="canonical" href=(og.url);
                    @if let Some(href) = og.activity_json {
                        link rel="alternate" type="application/activity+json" href=(href);
                    }
                }
            }
            body {
                a class="skip" href="#main" { (lang.t("skip-to-content")) }
                header class="site-header" {
                    a class="site-name" href="/" { (v.site.name) }
                    nav aria-label=(lang.t("nav-main")) {
                        ul {
                            li { a href="/" { (lang.t("nav-home")) } }
                            @if let Some(me) = &v.me {
                                li { a href="/debates" { (lang.t("nav-debates")) } }
                                li { a href="/proposals" { (lang.t("nav-proposals")) } }
                                li { a href="/polls" { (lang.t("nav-polls")) } }
                                li { a href="/problems" { (lang.t("nav-problems")) } }
                                li { a href="/meetings" { (lang.t("nav-meetings")) } }
                                li { a href="/notifications" { (lang.t("nav-notifications")) } }
                                li { a href="/post" { (lang.t("nav-post")) } }
                                li { a href="/follow" { (lang.t("nav-follow")) } }
                                li { a href=(format!("/users/{}", me.actor.username)) { (lang.t("nav-profile")) } }
                                li { a href="/settings" { (lang.t("nav-settings")) } }
                                @if crate::civic::accounts::speaks_for_commune(&me.account) {
                                    li { a href="/moderation" { (lang.t("nav-moderation")) } }
                                }
                                @if me.is_admin() {
                                    li { a href="/admin" { (lang.t("nav-admin")) } }
                                }
                                li {
                                    form id="logout" method="post" action="/logout" {
                                        input type="hidden" name="csrf" value=(csrf.clone().unwrap_or_default());
                                        button type="submit" class="link" { (lang.t("nav-logout")) }
                                    }
                                }
                            } @else {
                                li { a href="/debates" { (lang.t("nav-debates")) } }
                                li { a href="/proposals" { (lang.t("nav-proposals")) } }
                                li { a href="/polls" { (lang.t("nav-polls")) } }
                                li { a href="/problems" { (lang.t("nav-problems")) } }
                                li { a href="/meetings" { (lang.t("nav-meetings")) } }
                                li { a href=(format!("/login?next={}", session::encode(&v.here))) { (lang.t("nav-login")) } }
                                li { a href="/register" { (lang.t("nav-register")) } }
                            }
                        }
                    }
                    (language_switch(v, csrf.as_deref()))
                }
                main id="main" tabindex="-1" {
                    @if let Some(key) = flash {
                        p class="notice" role="status" { (lang.t(&key)) }
                    }
                    @if let Some(me) = &v.me
                        && let (Some(address), None) = (&me.account.email, me.account.email_confirmed_at)
                    {
                        div class="notice warning" id="confirm-email" {
                            p { (lang.ta("confirm-email-banner", &[("address", address.clone().into())])) }
                            form id="resend-confirmation" method="post" action="/settings/email" class="inline" {
                                input type="hidden" name="csrf" value=(csrf.clone().unwrap_or_default());
                                input type="hidden" name="email" value=(address);
                                button type="submit" class="link" { (lang.t("confirm-email-resend")) }
                            }
                        }
                    }
                    (body)
                }
                footer class="site-footer" {
                    p { (lang.ta("footer-software", &[("version", env!("CARGO_PKG_VERSION").into())])) }
                    p { a href="/transparency" { (lang.t("transparency-title")) } }
                }
            }
        }
    };
    let mut response = (status, markup).into_response();
    harden(&mut response, v.ctx.settings.map.tile_origin().as_deref());
    response
}

/// The switch on every page: links for visitors (a cookie remembers the choice), a form for signed-in people
/// (the choice is saved in their account).
fn language_switch(v: &Visitor, csrf: Option<&str>) -> Markup {
    let lang = v.lang;
    html! {
        nav class="languages" aria-label=(lang.t("nav-languages")) {
            @if let Some(csrf) = csrf {
                form method="post" action="/language" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="next" value=(v.here);
                    @for other in Lang::ALL {
                        @if other == lang {
                            span class="current" lang=(other.code()) aria-current="true" { (other.native_name()) }
                        } @else {
                            button type="submit" name="lang" value=(other.code()) lang=(other.code())
                                data-lang-switch=(other.code()) class="link" { (other.native_name()) }
                        }
                    }
                }
            } @else {
                @for other in Lang::ALL {
                    @if other == lang {
                        span class="current" lang=(other.code()) aria-current="true" { (other.native_name()) }
                    } @else {
                        a href=(format!("/language?lang={}&next={}", other.code(), session::encode(&v.here)))
                            hreflang=(other.code()) lang=(other.code()) data-lang-switch=(other.code()) { (other.native_name()) }
                    }
                }
            }
        }
    }
}

/// A page for an error, in the visitor's language. It needs no database, so it also serves when the visitor
/// could not be loaded.
pub fn error_page(lang: Lang, v: Option<&Visitor>, error: &Error) -> Response {
    let detail = match error {
        Error::Invalid { .. } => Some(forms::translate(lang, error).1),
        _ => None,
    };
    refusal_page(lang, v, error, detail)
}

/// An error page with a sentence of ours (already in the visitor's language) under the title. The messages
/// of the rules are in English for logs and the API: they are never shown on a page.
pub fn refusal_page(
    lang: Lang,
    v: Option<&Visitor>,
    error: &Error,
    detail: Option<String>,
) -> Response {
    if let Some(detail) = error.log_detail() {
        tracing::error!(code = error.code(), "{detail}");
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = lang.t(match error {
        Error::NotFound(_) => "error-not-found",
        Error::Gone(_) => "error-gone",
        Error::Forbidden(_) => "error-forbidden",
        Error::Unauthorized(_) | Error::SignatureRequired(_) => "error-unauthorized",
        Error::Unavailable(_) => "error-unavailable",
        Error::BadGateway(_) => "error-bad-gateway",
        Error::Internal(_) => "error-internal",
        _ => "error-bad-request",
    });
    let site = v.map(|v| v.site.name.as_str()).unwrap_or("Parvis");
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (site) }
                link rel="stylesheet" href="/static/parvis.css";
                link rel="icon" href="/static/parvis.svg" type="image/svg+xml";
            }
            body {
                a class="skip" href="#main" { (lang.t("skip-to-content")) }
                header class="site-header" { a class="site-name" href="/" { (site) } }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    @if let Some(detail) = detail { p { (detail) } }
                    p { a href="/" { (lang.t("back-home")) } }
                }
            }
        }
    };
    let mut response = (status, markup).into_response();
    harden(&mut response, None);
    response
}

impl Visitor {
    /// Renders an error as a page in the visitor's language.
    pub fn error(&self, error: &Error) -> Response {
        error_page(self.lang, Some(self), error)
    }

    /// The response, or its error as a page.
    pub fn respond(&self, result: crate::error::Result<Response>) -> Response {
        result.unwrap_or_else(|e| self.error(&e))
    }
}
