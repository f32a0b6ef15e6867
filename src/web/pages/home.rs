//! The commune's home page: what it is, its officials and their mandates, its latest debates, proposals and
//! polls, its partners, the latest public posts.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::html;

use super::follow::follow_form;
use super::posts::posts_section;
use super::{POSTS_SHOWN, mandate_line, safe_href};
use crate::db::queries::{self, PostScope};
use crate::model::Actor;
use crate::web::session::Visitor;
use crate::web::{OpenGraph, page, page_with};

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
                crate::civic::problems::counts(conn, id)?,
                (
                    crate::civic::meetings::agenda(conn, id, false, 3)?,
                    crate::civic::meetings::timezone(conn, id)?,
                    crate::civic::council::council(conn, id)?,
                    crate::civic::council::commitments::tally(conn, id)?,
                ),
            ))
        })
        .await;
    let (
        officials,
        posts,
        followers,
        state,
        debates,
        proposals,
        polls,
        partners,
        problems,
        (meetings, tz, council, (kept, promised)),
    ) = match loaded {
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
            @if let Some(icon) = commune.icon_url.as_deref().and_then(safe_href) {
                img class="avatar" src=(icon) alt="" width="96" height="96";
            }
            h1 { (commune.display_name) }
            p { span class="badge" { (lang.t("badge-commune")) } }
            @if !commune.summary.is_empty() {
                // The commune's description is Markdown, cleaned as debates are.
                div class="summary" { (maud::PreEscaped(crate::civic::debates::markdown_to_html(&commune.summary))) }
            } @else if !description.is_empty() {
                p class="summary" { (description) }
            }
            p class="follow-hint" { (lang.t("follow-from-fediverse")) " " code { (handle) } }
            p {
                a href=(format!("{}/followers", commune.path())) { (lang.count("followers-count", followers)) }
            }
            @if let Some(csrf) = &csrf {
                (follow_form(lang, csrf, &commune.id.to_string(), state, false))
            }
            p id="newsletter-link" {
                a href=(format!("{}/newsletter", commune.path())) { (lang.t("newsletter-receive")) }
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
            @if promised > 0 {
                p id="commitments-link" { a href="/commitments" { (lang.ta("commune-commitments", &[("done", kept.into()), ("total", promised.into())])) } }
            }
            @if !council.is_empty() {
                section aria-labelledby="council-heading" id="council" {
                    h2 id="council-heading" { (lang.t("commune-council")) }
                    ul class="council" {
                        @for (m, username) in &council {
                            li {
                                (m.full_name()) " · " (crate::web::admin::council::function_label(lang, &m.function)) " · "
                                @match username {
                                    Some(u) => { a href=(format!("/users/{u}")) { (lang.t("commune-council-joined")) } }
                                    None => { span class="muted" { (lang.t("commune-council-not-yet")) } }
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
            section aria-labelledby="meetings-heading" id="next-meetings" {
                h2 id="meetings-heading" { (lang.t("meetings-title")) }
                @if meetings.is_empty() {
                    p { (lang.t("meetings-none")) }
                } @else {
                    ul {
                        @for m in &meetings {
                            li {
                                a href=(format!("/meetings/{}", m.id)) { (m.title) }
                                " · " (crate::federation::meetings::when_and_where(m, tz, crate::web::meetings::summary_language(lang)))
                            }
                        }
                    }
                }
                p { a href="/meetings" { (lang.t("meetings-title")) } }
            }
            section aria-labelledby="problems-heading" {
                h2 id="problems-heading" { (lang.t("problems-title")) }
                @if problems.is_empty() {
                    p { (lang.t("problems-none")) }
                } @else {
                    (crate::web::problems::counts_table(lang, &problems))
                }
                p {
                    a href="/problems" { (lang.t("problems-title")) } " · "
                    a href="/problems/new" { (lang.t("problem-new")) }
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
