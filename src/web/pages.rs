//! Public pages (the commune's home, profiles, follow lists, posts) and what a signed-in person does from
//! them: write a post, look up and follow an account here or elsewhere.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::civic::follows::{self, Target};
use crate::civic::notes;
use crate::db::queries::{self, FollowItem, PostScope};
use crate::error::Error;
use crate::federation::fetch::{Resolved, resolve};
use crate::ids::NoteId;
use crate::model::{Actor, ActorKind, Mandate, Note, Visibility};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{OpenGraph, page, page_status, page_with};

/// Posts shown on a home page or a profile.
const POSTS_SHOWN: i64 = 20;
/// People shown on a follow list page.
const FOLLOWS_SHOWN: i64 = 200;

/// Only web links are made clickable: a remote server could send `javascript:` as a profile URL.
pub fn safe_href(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

/// A post in a list or on its own page. Its HTML was sanitized when it was written (local posts are escaped
/// text, remote ones cleaned by ammonia), so it is shown as is.
pub fn post_card(lang: Lang, note: &Note, author: &Actor) -> Markup {
    html! {
        article class="post" {
            header {
                a href=(author.path()) class="author" { (author.display_name) }
                " "
                span class="handle" { "@" (author.username) }
            }
            div class="content" { (PreEscaped(&note.content)) }
            footer {
                a href=(format!("/notes/{}", note.id)) {
                    time datetime=(note.published.and_utc().to_rfc3339()) { (lang.datetime(note.published)) }
                }
            }
        }
    }
}

fn posts_section(lang: Lang, posts: &[(Note, Actor)]) -> Markup {
    html! {
        section aria-labelledby="posts-heading" {
            h2 id="posts-heading" { (lang.t("posts-latest")) }
            @if posts.is_empty() {
                p { (lang.t("posts-none")) }
            } @else {
                div class="posts" {
                    @for (note, author) in posts { (post_card(lang, note, author)) }
                }
            }
        }
    }
}

fn mandate_line(lang: Lang, m: &Mandate) -> String {
    match m.until {
        Some(until) => lang.ta(
            "mandate-from-to",
            &[
                ("office", m.label().into()),
                ("since", lang.date(m.since).into()),
                ("until", lang.date(until).into()),
            ],
        ),
        None => lang.ta(
            "mandate-since",
            &[
                ("office", m.label().into()),
                ("since", lang.date(m.since).into()),
            ],
        ),
    }
}

// ----------------------------------------------------------------------------------------------- home

/// `/`: the default commune's home page.
pub async fn home(v: Visitor) -> Response {
    let found = v.ctx.db.run(queries::default_commune).await;
    match found {
        Ok(Some(commune)) => commune_home(&v, commune).await,
        Ok(None) => {
            let lang = v.lang;
            let body = html! {
                h1 { (v.site.name) }
                p { (v.site.description) }
                p { (lang.t("home-no-commune")) }
            };
            page(&v, &v.site.name.clone(), body).await
        }
        Err(e) => v.error(&e),
    }
}

/// A commune's home page: what it is, its officials and their mandates, the latest public posts.
pub async fn commune_home(v: &Visitor, commune: Actor) -> Response {
    let lang = v.lang;
    let id = commune.id;
    let me = v.me.as_ref().map(|m| m.actor.id);
    // Everything the page shows, in one trip to the database.
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                queries::officials_of(conn, id)?,
                queries::public_posts(conn, PostScope::Commune(id), POSTS_SHOWN)?,
                queries::count_follows(conn, id, true)?,
                match me {
                    Some(me) => queries::follow_state(conn, me, Some(id), None)?,
                    None => None,
                },
                crate::db::debates::list(
                    conn,
                    &crate::db::debates::Filter {
                        commune: Some(id),
                        limit: 5,
                        ..Default::default()
                    },
                )?,
                crate::db::proposals::list(
                    conn,
                    &crate::db::proposals::Filter {
                        commune: Some(id),
                        limit: 5,
                        ..Default::default()
                    },
                )?,
                crate::civic::polls::list(conn, Some(id), 3)?,
                crate::federation::policy::partners(conn)?,
            ))
        })
        .await;
    let (officials, posts, followers, state, debates, proposals, polls, partners) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    let today = Utc::now().date_naive();
    let url = v
        .ctx
        .urls
        .actor(commune.kind, &commune.username)
        .to_string();
    let handle = format!("@{}@{}", commune.username, v.ctx.urls.authority());
    let description = if commune.summary.is_empty() {
        v.site.description.clone()
    } else {
        commune.summary.clone()
    };
    let csrf = v.csrf_if_signed_in().await;
    let body = html! {
        div class="commune-home" {
            h1 { (commune.display_name) }
            p { span class="badge" { (lang.t("badge-commune")) } }
            @if !description.is_empty() { p class="summary" { (description) } }
            p class="follow-hint" { (lang.t("follow-from-fediverse")) " " code { (handle) } }
            p {
                a href=(format!("{}/followers", commune.path())) { (lang.count("followers-count", followers)) }
            }
            @if let Some(csrf) = &csrf {
                (follow_form(lang, csrf, &commune.id.to_string(), state, false))
            }
            section aria-labelledby="officials-heading" {
                h2 id="officials-heading" { (lang.t("officials-title")) }
                @if officials.is_empty() {
                    p { (lang.t("officials-none")) }
                } @else {
                    ul class="officials" {
                        @for (person, mandates) in &officials {
                            li {
                                a href=(person.path()) { (person.display_name) }
                                " "
                                @if mandates.iter().any(|m| m.is_current(today)) {
                                    span class="badge" { (lang.t("badge-official")) }
                                }
                                @if !mandates.is_empty() {
                                    ul {
                                        @for m in mandates { li { (mandate_line(lang, m)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="debates-heading" {
                h2 id="debates-heading" { (lang.t("debates-title")) }
                @if debates.is_empty() {
                    p { (lang.t("debates-none")) }
                } @else {
                    (crate::web::debates::debate_list(lang, &debates))
                    p { a href="/debates" { (lang.t("debates-title")) } }
                }
            }
            section aria-labelledby="proposals-heading" {
                h2 id="proposals-heading" { (lang.t("proposals-title")) }
                @if proposals.is_empty() {
                    p { (lang.t("proposals-none")) }
                } @else {
                    (crate::web::proposals::list_items(lang, &proposals))
                }
                p { a href="/proposals" { (lang.t("proposals-title")) } }
            }
            @if !partners.is_empty() {
                section aria-labelledby="partners-heading" {
                    h2 id="partners-heading" { (lang.t("partners-title")) }
                    ul class="partners" {
                        @for p in &partners {
                            li {
                                @if let Some(href) = safe_href(p.url.as_deref().unwrap_or(&p.ap_id)) {
                                    a href=(href) rel="noopener" { (p.display_name) }
                                } @else {
                                    (p.display_name)
                                }
                                " " span class="handle" { "@" (p.username) "@" (p.domain) }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="polls-heading" {
                h2 id="polls-heading" { (lang.t("polls-title")) }
                @if polls.is_empty() {
                    p { (lang.t("polls-none")) }
                } @else {
                    (crate::web::polls::poll_items(lang, &polls))
                }
                p { a href="/polls" { (lang.t("polls-title")) } }
            }
            (posts_section(lang, &posts))
        }
    };
    let og = OpenGraph {
        title: &commune.display_name,
        description: &description,
        url: &url,
        kind: "profile",
        image: commune.icon_url.as_deref(),
        activity_json: Some(&url),
    };
    page_with(v, &commune.display_name, Some(&og), body, StatusCode::OK).await
}

// -------------------------------------------------------------------------------------------- profile

/// The HTML face of an actor URL.
pub async fn actor_page(v: Visitor, actor: Actor, mandates: Vec<Mandate>) -> Response {
    if actor.kind == ActorKind::Commune {
        return commune_home(&v, actor).await;
    }
    let lang = v.lang;
    let id = actor.id;
    let me = v.me.as_ref().map(|m| m.actor.id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                queries::public_posts(conn, PostScope::Author(id), POSTS_SHOWN)?,
                queries::count_follows(conn, id, true)?,
                queries::count_follows(conn, id, false)?,
                match me {
                    Some(me) => queries::follow_state(conn, me, Some(id), None)?,
                    None => None,
                },
            ))
        })
        .await;
    let (posts, followers, following, state) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    let today = Utc::now().date_naive();
    let current: Vec<&Mandate> = mandates.iter().filter(|m| m.is_current(today)).collect();
    let url = v.ctx.urls.actor(actor.kind, &actor.username).to_string();
    let handle = format!("@{}@{}", actor.username, v.ctx.urls.authority());
    let description = match (actor.kind, current.first()) {
        (_, Some(m)) => m.label(),
        (ActorKind::Application, None) => lang.ta(
            "instance-actor-description",
            &[("site", v.site.name.clone().into())],
        ),
        _ => actor.summary.clone(),
    };
    let csrf = v.csrf_if_signed_in().await;
    let body = html! {
        article class="profile" {
            @if let Some(icon) = actor.icon_url.as_deref().and_then(safe_href) {
                img class="avatar" src=(icon) alt="" width="96" height="96";
            }
            h1 { (actor.display_name) }
            p class="handle" { (handle) }
            @match actor.kind {
                ActorKind::Application => p { span class="badge" { (lang.t("badge-server")) } },
                ActorKind::Person if !current.is_empty() => p { span class="badge" { (lang.t("badge-official")) } },
                _ => {},
            }
            @if !actor.summary.is_empty() { p class="summary" { (actor.summary) } }
            @if !mandates.is_empty() {
                h2 { (lang.t("mandates-title")) }
                ul { @for m in &mandates { li { (mandate_line(lang, m)) } } }
            }
            @if actor.kind == ActorKind::Person {
                p class="counts" {
                    a href=(format!("/users/{}/following", actor.username)) { (lang.count("following-count", following)) }
                    " · "
                    a href=(format!("/users/{}/followers", actor.username)) { (lang.count("followers-count", followers)) }
                }
                // Nothing to follow on one's own profile.
                @if let (Some(csrf), false) = (&csrf, me == Some(actor.id)) {
                    (follow_form(lang, csrf, &actor.id.to_string(), state, false))
                }
            }
            p class="follow-hint" { (lang.t("follow-from-fediverse")) " " code { (handle) } }
        }
        @if actor.kind == ActorKind::Person { (posts_section(lang, &posts)) }
    };
    let og = OpenGraph {
        title: &actor.display_name,
        description: &description,
        url: &url,
        kind: "profile",
        image: actor.icon_url.as_deref(),
        activity_json: Some(&url),
    };
    page_with(&v, &actor.display_name, Some(&og), body, StatusCode::OK).await
}

/// A deleted account's URL: 410, and a page that says so.
pub async fn gone_page(v: Visitor) -> Response {
    let lang = v.lang;
    let body = html! { h1 { (lang.t("gone-title")) } p { (lang.t("gone-text")) } };
    crate::web::page_status(&v, &lang.t("gone-title"), body, StatusCode::GONE).await
}

/// The HTML face of `…/followers` and `…/following`.
pub async fn follow_list(v: Visitor, kind: ActorKind, name: String, followers: bool) -> Response {
    let lang = v.lang;
    let lookup = name.clone();
    let me = v.me.as_ref().map(|m| m.actor.id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let Some(actor) =
                queries::actor_of_kind(conn, kind, &lookup)?.filter(|a| a.deleted_at.is_none())
            else {
                return Ok(None);
            };
            // People see their own pending requests; others only what was accepted.
            let own = me == Some(actor.id);
            let items = queries::follow_items(conn, actor.id, followers, own, FOLLOWS_SHOWN)?;
            Ok(Some((actor, items)))
        })
        .await;
    let (actor, items) = match loaded {
        Ok(Some(found)) => found,
        Ok(None) => return v.error(&Error::NotFound(lang.t("error-not-found"))),
        Err(e) => return v.error(&e),
    };
    let title = lang.ta(
        if followers {
            "followers-of"
        } else {
            "following-of"
        },
        &[("name", actor.display_name.clone().into())],
    );
    let body = html! {
        h1 { (title) }
        p { a href=(actor.path()) { (lang.t("back-to-profile")) } }
        @if items.is_empty() {
            p { (lang.t(if followers { "followers-none" } else { "following-none" })) }
        } @else {
            ul class="follow-list" {
                @for item in &items { (follow_item(lang, item)) }
            }
        }
    };
    page(&v, &title, body).await
}

fn follow_item(lang: Lang, item: &FollowItem) -> Markup {
    html! {
        li {
            @match safe_href(&item.link).or_else(|| item.link.starts_with('/').then_some(item.link.as_str())) {
                Some(href) => a href=(href) { (item.name) },
                None => span { (item.name) },
            }
            " " span class="handle" { (item.handle) }
            @if !item.accepted { " " span class="pending" { (lang.t("follow-pending")) } }
        }
    }
}

/// The HTML face of a local post.
pub async fn note_page(v: Visitor, id: String) -> Response {
    let lang = v.lang;
    let Ok(id) = id.parse::<i64>() else {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    };
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let note = notes::note(conn, NoteId(id))?;
            let Some(author) = note.author_id else {
                return Err(Error::NotFound("no such post".into()));
            };
            Ok((note, queries::actor_by_id(conn, author)?))
        })
        .await;
    let (note, author) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    if note.deleted || author.deleted_at.is_some() {
        let body = html! { h1 { (lang.t("post-deleted")) } };
        return page_status(&v, &lang.t("post-deleted"), body, StatusCode::GONE).await;
    }
    if !matches!(note.visibility, Visibility::Public | Visibility::Unlisted) {
        return v.error(&Error::NotFound(lang.t("error-not-found")));
    }
    let title = lang.ta("post-by", &[("name", author.display_name.clone().into())]);
    let url = v.ctx.urls.note(note.id).to_string();
    let reportable = v.me.as_ref().is_some_and(|m| m.actor.id != author.id);
    let body = html! {
        h1 class="visually-hidden" { (title) }
        (post_card(lang, &note, &author))
        @if reportable {
            p { a class="report" href=(format!("/report?note={}", note.id)) { (lang.t("post-report")) } }
        }
    };
    let og = OpenGraph {
        title: &title,
        description: &title,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &title, Some(&og), body, StatusCode::OK).await
}

// ----------------------------------------------------------------------------------------------- post

#[derive(Deserialize, Default)]
pub struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    as_commune: Option<String>,
}

async fn post_page(
    v: &Visitor,
    form: &PostForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let Some(me) = &v.me else {
        return Redirect::to("/login?next=/post").into_response();
    };
    let csrf = v.csrf().await;
    let title = lang.t("post-title");
    let visibilities = [
        ("public", lang.t("visibility-public")),
        ("unlisted", lang.t("visibility-unlisted")),
        ("private", lang.t("visibility-private")),
    ];
    let speaks_for_commune = crate::civic::accounts::speaks_for_commune(&me.account);
    let selected = if form.visibility.is_empty() {
        "public"
    } else {
        form.visibility.as_str()
    };
    let body = html! {
        h1 { (title) }
        form id="post" method="post" action="/post" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::textarea(lang, Input::text("content", lang.t("field-content"), &form.content)
                .required().maxlength(notes::MAX_CHARS).hint(lang.t("hint-content")), 6, errors))
            (forms::select(lang, "visibility", &lang.t("field-visibility"), &visibilities, selected, errors))
            @if speaks_for_commune {
                (forms::checkbox(lang, "as_commune", &lang.t("field-as-commune"), "yes", form.as_commune.is_some(), errors))
            }
            button type="submit" { (lang.t("post-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn post_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    post_page(&v, &PostForm::default(), &FormErrors::new(), StatusCode::OK).await
}

pub async fn post(v: Visitor, Form(form): Form<PostForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let visibility = match form.visibility.as_str() {
        "" | "public" => Visibility::Public,
        "unlisted" => Visibility::Unlisted,
        "private" => Visibility::Private,
        _ => {
            let errors = FormErrors::from_error(
                v.lang,
                &Error::invalid("visibility", "unknown"),
                &["visibility"],
            );
            return post_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let text = form.content.clone();
    let as_commune = form.as_commune.is_some();
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            if as_commune {
                notes::publish_for_commune(conn, &account, &text, visibility, None)
            } else {
                notes::publish(conn, account.actor_id, &text, visibility, None)
            }
        })
        .await;
    match result {
        Ok(note) => {
            v.ctx.wake.notify_one();
            v.flash("flash-posted").await;
            Redirect::to(&format!("/notes/{}", note.id)).into_response()
        }
        Err(e @ (Error::Invalid { .. } | Error::Forbidden(_))) => {
            let e = match e {
                Error::Invalid {
                    field: "status",
                    message,
                } => Error::Invalid {
                    field: "content",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &["content", "visibility"]);
            post_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

// --------------------------------------------------------------------------------------------- follow

#[derive(Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    handle: String,
}

#[derive(Deserialize, Default)]
pub struct FollowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
}

/// `/follow`: look up `@user@host` (here or on another server) and follow it.
pub async fn lookup(v: Visitor, Query(q): Query<LookupQuery>) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let handle = q.handle.trim().to_string();
    let mut errors = FormErrors::new();
    let mut found = None;
    if !handle.is_empty() {
        // Only signed-in people make this server fetch from others (see `resolve`).
        match resolve(&v.ctx, &handle, true).await {
            Ok(resolved) => found = Some(resolved),
            Err(e) => {
                let message = match &e {
                    Error::NotFound(_) => lang.t("lookup-not-found"),
                    Error::BadRequest(_) | Error::Invalid { .. } => lang.t("invalid-handle"),
                    Error::BadGateway(_) | Error::Forbidden(_) => lang.t("lookup-unreachable"),
                    _ => return v.error(&e),
                };
                errors.add("handle", message);
            }
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let state = match &found {
        Some(Resolved::Local(a)) => {
            let (me_id, id) = (me.actor.id, a.id);
            v.ctx
                .db
                .run(move |conn| queries::follow_state(conn, me_id, Some(id), None))
                .await
                .unwrap_or(None)
        }
        Some(Resolved::Remote(r)) => {
            let (me_id, id) = (me.actor.id, r.id);
            v.ctx
                .db
                .run(move |conn| queries::follow_state(conn, me_id, None, Some(id)))
                .await
                .unwrap_or(None)
        }
        None => None,
    };
    let csrf = v.csrf().await;
    let title = lang.t("lookup-title");
    let body = html! {
        h1 { (title) }
        form id="lookup" method="get" action="/follow" role="search" novalidate {
            (errors.summary(lang))
            (forms::input(lang, Input::text("handle", lang.t("field-handle"), &handle)
                .required().autocomplete("off").hint(lang.t("hint-handle")), &errors))
            button type="submit" { (lang.t("lookup-submit")) }
        }
        @if let Some(found) = &found {
            section id="lookup-result" aria-labelledby="result-heading" {
                @match found {
                    Resolved::Local(a) => {
                        h2 id="result-heading" { a href=(a.path()) { (a.display_name) } }
                        p class="handle" { "@" (a.username) "@" (v.ctx.urls.authority()) }
                        (follow_form(lang, &csrf, &a.id.to_string(), state, a.id == me.actor.id))
                    }
                    Resolved::Remote(r) => {
                        h2 id="result-heading" {
                            @match r.url.as_deref().and_then(safe_href).or_else(|| safe_href(&r.ap_id)) {
                                Some(href) => a href=(href) { (r.display_name) },
                                None => (r.display_name),
                            }
                        }
                        p class="handle" { "@" (r.username) "@" (r.domain) }
                        (follow_form(lang, &csrf, &format!("r{}", r.id), state, false))
                    }
                }
            }
        }
    };
    page_status(&v, &title, body, status).await
}

/// Follow, or the state of the follow and unfollow, for a signed-in person looking at an account.
fn follow_form(lang: Lang, csrf: &str, target: &str, state: Option<bool>, is_me: bool) -> Markup {
    html! {
        @if is_me {
            p { (lang.t("lookup-is-you")) }
        } @else {
            @match state {
                None => form id="follow-form" method="post" action="/follow" {
                    (forms::csrf(csrf))
                    input type="hidden" name="target" value=(target);
                    button type="submit" { (lang.t("follow-submit")) }
                },
                Some(accepted) => form id="unfollow-form" method="post" action="/unfollow" {
                    (forms::csrf(csrf))
                    input type="hidden" name="target" value=(target);
                    p { (lang.t(if accepted { "follow-following" } else { "follow-pending" })) }
                    button type="submit" { (lang.t("unfollow-submit")) }
                },
            }
        }
    }
}

async fn change_follow(v: Visitor, form: FollowForm, follow: bool) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let Some(target) = Target::parse(form.target.trim()) else {
        return v.error(&Error::BadRequest(v.lang.t("error-bad-request")));
    };
    let me_id = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            if follow {
                follows::follow(conn, me_id, target).map(|_| ())
            } else {
                follows::unfollow(conn, me_id, target)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash(if follow {
                "flash-follow-sent"
            } else {
                "flash-unfollowed"
            })
            .await;
            Redirect::to(&format!("/users/{}/following", me.actor.username)).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn follow(v: Visitor, Form(form): Form<FollowForm>) -> Response {
    change_follow(v, form, true).await
}

pub async fn unfollow(v: Visitor, Form(form): Form<FollowForm>) -> Response {
    change_follow(v, form, false).await
}

/// The HTML face of a local actor whose page is asked for by a browser.
pub async fn actor_or_gone(v: Visitor, kind: ActorKind, name: String) -> Response {
    let lookup = name.clone();
    let found = v
        .ctx
        .db
        .run(move |conn| queries::actor_with_mandates(conn, kind, &lookup))
        .await;
    match found {
        Ok(Some((actor, _))) if actor.deleted_at.is_some() => gone_page(v).await,
        Ok(Some((actor, mandates))) => actor_page(v, actor, mandates).await,
        Ok(None) => {
            let message = v.lang.t("error-not-found");
            v.error(&Error::NotFound(message))
        }
        Err(e) => v.error(&e),
    }
}

/// Path parameters of actor sub-pages.
#[derive(Deserialize)]
pub struct NamePath {
    pub name: String,
}

pub async fn person_followers(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Person, p.name, true).await
}
pub async fn person_following(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Person, p.name, false).await
}
pub async fn commune_followers(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Commune, p.name, true).await
}
pub async fn commune_following(v: Visitor, Path(p): Path<NamePath>) -> Response {
    follow_list(v, ActorKind::Commune, p.name, false).await
}
pub async fn person(v: Visitor, Path(p): Path<NamePath>) -> Response {
    actor_or_gone(v, ActorKind::Person, p.name).await
}
pub async fn commune(v: Visitor, Path(p): Path<NamePath>) -> Response {
    actor_or_gone(v, ActorKind::Commune, p.name).await
}
pub async fn instance(v: Visitor) -> Response {
    actor_or_gone(
        v,
        ActorKind::Application,
        crate::model::Username::instance().to_string(),
    )
    .await
}
pub async fn note(v: Visitor, Path(id): Path<String>) -> Response {
    note_page(v, id).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_clickable() {
        assert_eq!(
            safe_href("https://a.example/@x"),
            Some("https://a.example/@x")
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("JAVASCRIPT:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,x"), None);
    }
}
