//! Problem reports on the web: the commune's reports (a list with filters, counts by category and status),
//! the form to report one (category, description, address, latitude and longitude as plain fields that work
//! without JavaScript and from a keyboard; the open reports nearby offered first), a report's page ("I have
//! this problem too", its history, and for staff the change of status), and the staff's work queue.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::civic::problems::{self, Filter, NewProblem};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{CategoryId, ProblemId};
use crate::model::{Account, Actor, Category, Problem, ProblemStatus};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{OpenGraph, page_status, page_with};

mod admin;
mod elsewhere;
mod filing;
mod handover;
mod open311_admin;
mod report;

pub use admin::{
    admin_add_category, admin_archive_category, admin_area, admin_outline, admin_page,
};
pub use elsewhere::{elsewhere, elsewhere_photo, elsewhere_photo_thumb, elsewhere_report};
pub use filing::{create, new_form};
pub use handover::{
    answer as answer_handover, hand_over, handed_status, withdraw as withdraw_handover,
};
pub use open311_admin::{open311_create, open311_page, open311_revoke};
pub use report::{change_status, photo, photo_thumb, review_photo, show, support};

fn parse_problem(raw: &str) -> Result<ProblemId, Error> {
    raw.parse()
        .map(ProblemId)
        .map_err(|_| Error::NotFound("no such problem report".into()))
}

pub(crate) fn status_label(lang: Lang, status: ProblemStatus) -> String {
    lang.t(&format!("problem-status-{}", status.as_str()))
}

fn category_name(categories: &[Category], id: CategoryId) -> String {
    categories
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

fn items(lang: Lang, categories: &[Category], list: &[Problem]) -> Markup {
    html! {
        ul class="problems" {
            @for p in list {
                li {
                    a href=(format!("/problems/{}", p.id)) {
                        "#" (p.id) " " (category_name(categories, p.category_id))
                    }
                    " · " span class="badge" { (status_label(lang, p.status)) }
                    @if !p.address.is_empty() { " · " (p.address) }
                    " · " (lang.datetime(p.created_at))
                    @if p.supporters > 0 {
                        " · " (lang.count("problem-supporters", p.supporters))
                    }
                }
            }
        }
    }
}

/// A report on a list's map: where it is, its page, and what its popup and marker say.
struct Marker {
    latitude: f64,
    longitude: f64,
    href: String,
    title: String,
    status: ProblemStatus,
}

/// The reports on the list's map, as its script reads them.
fn markers(lang: Lang, all: impl Iterator<Item = Marker>) -> String {
    let all: Vec<serde_json::Value> = all
        .map(|m| {
            serde_json::json!({
                "lat": m.latitude,
                "lon": m.longitude,
                "href": m.href,
                "title": m.title,
                "label": format!("{} ({})", m.title, status_label(lang, m.status)),
            })
        })
        .collect();
    serde_json::Value::Array(all).to_string()
}

fn local_markers(lang: Lang, categories: &[Category], list: &[Problem]) -> String {
    markers(
        lang,
        list.iter().map(|p| Marker {
            latitude: p.latitude,
            longitude: p.longitude,
            href: format!("/problems/{}", p.id),
            title: format!("#{} {}", p.id, category_name(categories, p.category_id)),
            status: p.status,
        }),
    )
}

/// The commune a page is about: the visitor's, else the instance's default one.
async fn commune_of(v: &Visitor) -> Result<Actor, Error> {
    let mine = v.me.as_ref().map(|m| m.account.commune_id);
    v.ctx
        .db
        .run(move |conn| match mine {
            Some(id) => queries::actor_by_id(conn, id),
            None => queries::default_commune(conn)?
                .ok_or_else(|| Error::NotFound("no commune here yet".into())),
        })
        .await
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
}

/// `GET /problems`: the commune's reports, newest first, with filters.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    reports_page(v, q, false).await
}

/// `GET /problems/queue`: the staff's work queue, open reports, oldest first.
pub async fn queue(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let staff =
        v.me.as_ref()
            .is_some_and(|m| crate::civic::accounts::is_staff(&m.account));
    if !staff {
        return match v.require_login() {
            Err(r) => r,
            Ok(_) => v.error(&Error::Forbidden(
                "the work queue is for the commune's staff".into(),
            )),
        };
    }
    reports_page(v, q, true).await
}

async fn reports_page(v: Visitor, q: ListQuery, work_queue: bool) -> Response {
    let lang = v.lang;
    let commune = match commune_of(&v).await {
        Ok(c) => c,
        Err(e) => return v.error(&e),
    };
    let category = q.category.parse().ok().map(CategoryId);
    let status = ProblemStatus::parse(&q.status);
    let id = commune.id;
    let viewer = v.me.as_ref().map(|m| m.account.clone());
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let handed = if work_queue {
                let list = problems::handed_to(conn, id)?;
                handover::shown(conn, list, viewer.as_ref())?
            } else {
                vec![]
            };
            let filter = Filter {
                commune: Some(id),
                category,
                status,
                open: work_queue && status.is_none(),
                oldest_first: work_queue,
                limit: 200,
                ..Default::default()
            };
            Ok((
                problems::categories(conn, id)?,
                problems::list(conn, &filter)?,
                problems::counts(conn, id)?,
                problems::area(conn, id)?,
                handed,
            ))
        })
        .await;
    let (categories, list, counts, area, handed) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let title = lang.t(if work_queue {
        "problems-queue"
    } else {
        "problems-title"
    });
    let action = if work_queue {
        "/problems/queue"
    } else {
        "/problems"
    };
    let mut category_options = vec![("", lang.t("problems-all-categories"))];
    let ids: Vec<String> = categories.iter().map(|c| c.id.to_string()).collect();
    for (c, id) in categories.iter().zip(&ids) {
        category_options.push((id.as_str(), c.name.clone()));
    }
    let mut status_options = vec![("", lang.t("problems-all-statuses"))];
    for s in ProblemStatus::ALL {
        status_options.push((s.as_str(), status_label(lang, *s)));
    }
    let none = FormErrors::new();
    let body = html! {
        h1 { (title) }
        p {
            a href="/problems/new" class="button" { (lang.t("problem-new")) }
            @if !work_queue { " " a href="/problems/elsewhere" { (lang.t("problems-elsewhere")) } }
        }
        form id="problem-filters" method="get" action=(action) {
            (forms::select(lang, "category", &lang.t("field-category"), &category_options, &q.category, &none))
            (forms::select(lang, "status", &lang.t("field-status"), &status_options, &q.status, &none))
            button type="submit" { (lang.t("problems-filter")) }
        }
        @if !handed.is_empty() {
            section id="problems-handed" {
                h2 { (lang.t("problems-handed-to-us")) }
                ul {
                    @for h in &handed {
                        li {
                            @match &h.handover.handing {
                                crate::model::Handing::Incoming { problem, .. } => {
                                    a href=(format!("/problems/elsewhere/{problem}")) { (h.handover.message) }
                                }
                                crate::model::Handing::Local { problem, .. } | crate::model::Handing::Outgoing { problem, .. } => {
                                    a href=(format!("/problems/{problem}")) { (h.handover.message) }
                                }
                            }
                            " · " (h.from) " · "
                            span class="badge" { (lang.t(&format!("handover-state-{}", h.handover.state.as_str()))) }
                        }
                    }
                }
            }
        }
        @if list.is_empty() {
            p { (lang.t("problems-none")) }
        } @else {
            (map(&v, "problems-map", area, Some(local_markers(lang, &categories, &list)), &lang.t("problems-map-label")))
            (items(lang, &categories, &list))
        }
        @if !counts.is_empty() {
            (counts_table(lang, &counts))
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// How many reports, by category and status (also on the commune's home page).
pub fn counts_table(lang: Lang, counts: &[(String, ProblemStatus, i64)]) -> Markup {
    html! {
        table class="problem-counts" {
            caption { (lang.t("problems-counts")) }
            thead { tr { th scope="col" { (lang.t("field-category")) } th scope="col" { (lang.t("field-status")) } th scope="col" { (lang.t("problems-count")) } } }
            tbody {
                @for (name, status, n) in counts {
                    tr { td { (name) } td { (status_label(lang, *status)) } td { (n) } }
                }
            }
        }
    }
}

/// A map (when tiles are configured): Leaflet and our script fill it; without them the page is the same.
fn map(
    v: &Visitor,
    id: &str,
    area: Option<problems::Area>,
    reports: Option<String>,
    label: &str,
) -> Markup {
    let settings = &v.ctx.settings.map;
    let center = area.map(|a| {
        format!(
            "{:.6},{:.6}",
            (a.south + a.north) / 2.0,
            (a.west + a.east) / 2.0
        )
    });
    let clustered = reports.is_some();
    html! {
        @if !settings.tile_url.is_empty() {
            link rel="stylesheet" href="/static/leaflet/leaflet.css";
            @if clustered {
                link rel="stylesheet" href="/static/leaflet-markercluster/MarkerCluster.css";
                link rel="stylesheet" href="/static/leaflet-markercluster/MarkerCluster.Default.css";
            }
            div id=(id) class="map" role="region" aria-label=(label)
                data-tiles=(settings.tile_url) data-attribution=(settings.attribution)
                data-center=[center] data-zoom="14" data-label=(label) data-reports=[reports] {}
            script src="/static/leaflet/leaflet.js" {}
            @if clustered {
                script src="/static/leaflet-markercluster/leaflet.markercluster.js" {}
            }
            script src="/static/parvis-map.js" {}
        }
    }
}

fn degrees(field: &'static str, raw: &str) -> Result<f64, Error> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| Error::invalid(field, "must be a number of degrees, such as 45.7578"))
}
