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

/// The reports on the list's map, as its script reads them.
fn markers(lang: Lang, categories: &[Category], list: &[Problem]) -> String {
    let all: Vec<serde_json::Value> = list
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id.0,
                "lat": p.latitude,
                "lon": p.longitude,
                "title": category_name(categories, p.category_id),
                "status": status_label(lang, p.status),
            })
        })
        .collect();
    serde_json::Value::Array(all).to_string()
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
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
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
            ))
        })
        .await;
    let (categories, list, counts, area) = match loaded {
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
        p { a href="/problems/new" class="button" { (lang.t("problem-new")) } }
        form id="problem-filters" method="get" action=(action) {
            (forms::select(lang, "category", &lang.t("field-category"), &category_options, &q.category, &none))
            (forms::select(lang, "status", &lang.t("field-status"), &status_options, &q.status, &none))
            button type="submit" { (lang.t("problems-filter")) }
        }
        @if list.is_empty() {
            p { (lang.t("problems-none")) }
        } @else {
            (map(&v, "problems-map", area, Some(markers(lang, &categories, &list)), &lang.t("problems-map-label")))
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

#[derive(Deserialize, Default, Clone)]
pub struct ProblemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default, rename = "report")]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    name_private: Option<String>,
    /// Set once the reports nearby were shown: file a new one all the same.
    #[serde(default)]
    anyway: Option<String>,
}

async fn form_page(
    v: &Visitor,
    form: &ProblemForm,
    nearby: &[Problem],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let commune = v.me.as_ref().map(|m| m.account.commune_id);
    let (categories, area) = match commune {
        Some(c) => v
            .ctx
            .db
            .run(move |conn| Ok((problems::categories(conn, c)?, problems::area(conn, c)?)))
            .await
            .unwrap_or_default(),
        None => (vec![], None),
    };
    let ids: Vec<String> = categories
        .iter()
        .filter(|c| !c.archived)
        .map(|c| c.id.to_string())
        .collect();
    let options: Vec<(&str, String)> = categories
        .iter()
        .filter(|c| !c.archived)
        .zip(&ids)
        .map(|(c, id)| (id.as_str(), c.name.clone()))
        .collect();
    let title = lang.t("problem-new");
    let body = html! {
        h1 { (title) }
        @if !nearby.is_empty() {
            section id="problems-nearby" class="notice" {
                h2 { (lang.t("problems-nearby")) }
                p { (lang.t("problems-nearby-text")) }
                ul {
                    @for p in nearby {
                        li {
                            a href=(format!("/problems/{}", p.id)) { "#" (p.id) } " "
                            (p.description.chars().take(120).collect::<String>())
                            form method="post" action=(format!("/problems/{}/support", p.id)) class="inline" {
                                (forms::csrf(&csrf))
                                input type="hidden" name="on" value="on";
                                button type="submit" { (lang.t("problem-me-too")) }
                            }
                        }
                    }
                }
            }
        }
        @if options.is_empty() {
            p { (lang.t("problems-no-category")) }
        } @else {
            form id="problem" method="post" action="/problems" enctype="multipart/form-data" novalidate {
                (errors.summary(lang))
                (forms::csrf(&csrf))
                @if !nearby.is_empty() { input type="hidden" name="anyway" value="on"; }
                (forms::select(lang, "category", &lang.t("field-category"), &options, &form.category, errors))
                (forms::textarea(lang, Input::text("report", lang.t("field-problem-description"), &form.description)
                    .required().maxlength(problems::MAX_DESCRIPTION), 6, errors))
                (forms::input(lang, Input::text("address", lang.t("field-address"), &form.address)
                    .maxlength(problems::MAX_ADDRESS).autocomplete("street-address").hint(lang.t("hint-problem-address")), errors))
                fieldset {
                    legend { (lang.t("problem-place")) }
                    p class="hint" { (lang.t("hint-problem-place")) }
                    (forms::input(lang, Input::text("latitude", lang.t("field-latitude"), &form.latitude)
                        .required().hint(lang.t("hint-latitude")), errors))
                    (forms::input(lang, Input::text("longitude", lang.t("field-longitude"), &form.longitude)
                        .required().hint(lang.t("hint-longitude")), errors))
                    (map(v, "problem-map", area, None, &lang.t("problem-map-label")))
                }
                fieldset {
                    legend { (lang.t("problem-photos")) }
                    p class="hint" { (lang.ta("hint-problem-photos", &[("mb", (v.ctx.settings.server.max_photo_bytes.div_ceil(1024 * 1024) as i64).into())])) }
                    @if !nearby.is_empty() { p class="hint" { (lang.t("hint-problem-photos-again")) } }
                    @for n in 1..=problems::MAX_PHOTOS {
                        (photo_input(lang, n, errors))
                    }
                }
                (forms::checkbox(lang, "name_private", &lang.t("field-name-private"), "on",
                    form.name_private.is_some(), errors))
                button type="submit" {
                    (lang.t(if nearby.is_empty() { "problem-submit" } else { "problem-submit-anyway" }))
                }
            }
        }
    };
    page_status(v, &title, body, status).await
}

/// One photo's file and alt text fields.
fn photo_input(lang: Lang, n: usize, errors: &FormErrors) -> Markup {
    let (file, alt) = (photo_field(n), alt_field(n));
    let error = errors.of(file);
    html! {
        div class=(if error.is_some() { "field has-error" } else { "field" }) {
            label for=(file) { (lang.ta("field-photo", &[("n", (n as i64).into())])) }
            @if let Some(error) = error {
                p class="field-error" id=(format!("{file}-error")) { strong { (lang.t("form-error-prefix")) } " " (error) }
            }
            input type="file" id=(file) name=(file) accept="image/jpeg,image/png,image/webp"
                aria-invalid=[error.map(|_| "true")];
        }
        (forms::input(lang, Input::text(alt, lang.t("field-photo-alt"), "")
            .maxlength(problems::MAX_ALT).hint(lang.t("hint-photo-alt")), errors))
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

/// `GET /problems/new`.
pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    form_page(
        &v,
        &ProblemForm::default(),
        &[],
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn degrees(field: &'static str, raw: &str) -> Result<f64, Error> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| Error::invalid(field, "must be a number of degrees, such as 45.7578"))
}

fn read(form: &ProblemForm) -> Result<NewProblem, Error> {
    Ok(NewProblem {
        category: form
            .category
            .parse()
            .map(CategoryId)
            .map_err(|_| Error::invalid("category", "choose one of the commune's categories"))?,
        description: form.description.clone(),
        address: form.address.clone(),
        latitude: degrees("latitude", &form.latitude)?,
        longitude: degrees("longitude", &form.longitude)?,
        name_private: form.name_private.is_some(),
    })
}

/// A photo sent with the form: its number (1 to 3), bytes and alt text.
struct SentPhoto {
    n: usize,
    bytes: Vec<u8>,
    alt: String,
}

/// Reads the filing form: multipart (with photos) as the page sends it, or urlencoded (without). A photo
/// larger than allowed is read to its end and dropped (so the browser gets the answer), and named.
async fn read_request(
    v: &Visitor,
    request: axum::extract::Request,
) -> Result<(ProblemForm, Vec<SentPhoto>, Option<usize>), Response> {
    use axum::extract::FromRequest;
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<ProblemForm>::from_request(request, &v.ctx)
            .await
            .map_err(IntoResponse::into_response)?;
        return Ok((form, vec![], None));
    }
    let mut parts = axum::extract::Multipart::from_request(request, &v.ctx)
        .await
        .map_err(IntoResponse::into_response)?;
    let max = v.ctx.settings.server.max_photo_bytes;
    let mut form = ProblemForm::default();
    let mut files: Vec<(usize, Vec<u8>)> = vec![];
    let mut alts: Vec<(usize, String)> = vec![];
    let mut too_large = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        // Past the form's own limit (three photos at their largest), the photos are named, not the form.
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            v.error(&Error::invalid(
                "photo1",
                "the photos are too large together",
            ))
        } else {
            v.error(&Error::BadRequest(format!(
                "the form could not be read: {e}"
            )))
        }
    };
    while let Some(mut field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(n) = name
            .strip_prefix("photo")
            .and_then(|n| n.parse::<usize>().ok())
        {
            let mut bytes = Vec::new();
            let mut over = false;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                over |= bytes.len() + chunk.len() > max;
                if !over {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if over {
                too_large.get_or_insert(n);
            } else if !bytes.is_empty() && (1..=problems::MAX_PHOTOS).contains(&n) {
                files.push((n, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "category" => form.category = text,
            "report" => form.description = text,
            "address" => form.address = text,
            "latitude" => form.latitude = text,
            "longitude" => form.longitude = text,
            "name_private" => form.name_private = Some(text),
            "anyway" => form.anyway = Some(text),
            other => {
                if let Some(n) = other
                    .strip_prefix("alt")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    alts.push((n, text));
                }
            }
        }
    }
    let photos = files
        .into_iter()
        .map(|(n, bytes)| SentPhoto {
            n,
            bytes,
            alt: alts
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, a)| a.clone())
                .unwrap_or_default(),
        })
        .collect();
    Ok((form, photos, too_large))
}

/// The field a photo's error is shown next to.
fn photo_field(n: usize) -> &'static str {
    match n {
        2 => "photo2",
        3 => "photo3",
        _ => "photo1",
    }
}

fn alt_field(n: usize) -> &'static str {
    match n {
        2 => "alt2",
        3 => "alt3",
        _ => "alt1",
    }
}

/// Checks and re-encodes the photos sent, then stores them; nothing is stored if one is refused.
async fn store_photos(
    v: &Visitor,
    sent: Vec<SentPhoto>,
) -> Result<Vec<problems::StoredPhoto>, Error> {
    let max = v.ctx.settings.server.max_photo_bytes;
    let mut processed = vec![];
    for photo in sent {
        let alt = problems::check_alt(alt_field(photo.n), &photo.alt)?;
        let field = photo_field(photo.n);
        let bytes = photo.bytes;
        let done =
            tokio::task::spawn_blocking(move || crate::civic::media::photo(&bytes, max, field))
                .await
                .map_err(Error::internal)??;
        processed.push((done, alt));
    }
    let data_dir = &v.ctx.settings.server.data_dir;
    let mut stored = vec![];
    for (photo, alt) in processed {
        match crate::civic::media::store_photo(data_dir, &photo).await {
            Ok((file, thumb)) => stored.push(problems::StoredPhoto {
                file,
                thumb,
                alt,
                width: photo.width,
                height: photo.height,
            }),
            Err(e) => {
                remove_stored(v, &stored).await;
                return Err(e);
            }
        }
    }
    Ok(stored)
}

async fn remove_stored(v: &Visitor, stored: &[problems::StoredPhoto]) {
    let names: Vec<String> = stored
        .iter()
        .flat_map(|p| [p.file.clone(), p.thumb.clone()])
        .collect();
    crate::civic::media::remove_photos(&v.ctx.settings.server.data_dir, &names).await;
}

/// `POST /problems`: a report filed with its photos, unless reports nearby are to be offered first.
pub async fn create(v: Visitor, request: axum::extract::Request) -> Response {
    let (form, sent, too_large) = match read_request(&v, request).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    if let Some(n) = too_large {
        let e = Error::invalid(
            photo_field(n),
            format!(
                "must be at most {} MB",
                v.ctx.settings.server.max_photo_bytes.div_ceil(1024 * 1024)
            ),
        );
        return invalid(&v, &form, &e).await;
    }
    let new = match read(&form) {
        Ok(new) => new,
        Err(e) => return invalid(&v, &form, &e).await,
    };
    let (account, anyway) = (me.account.clone(), form.anyway.is_some());
    if !anyway {
        let (commune, category, lat, lon) = (
            account.commune_id,
            new.category,
            new.latitude,
            new.longitude,
        );
        let near = v
            .ctx
            .db
            .run(move |conn| problems::nearby(conn, commune, category, lat, lon))
            .await;
        match near {
            Ok(near) if !near.is_empty() => {
                return form_page(&v, &form, &near, &FormErrors::new(), StatusCode::OK).await;
            }
            Ok(_) => {}
            Err(e) => return v.error(&e),
        }
    }
    let stored = match store_photos(&v, sent).await {
        Ok(stored) => stored,
        Err(e @ Error::Invalid { .. }) => return invalid(&v, &form, &e).await,
        Err(e) => return v.error(&e),
    };
    let photos = stored.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            let id = problems::file(conn, &account, &new)?;
            problems::add_photos(conn, &account, id, &photos)?;
            Ok(id)
        })
        .await;
    if result.is_err() {
        remove_stored(&v, &stored).await;
    }
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            v.flash("flash-problem-filed").await;
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => invalid(&v, &form, &e).await,
        Err(Error::TooManyRequests(_)) => {
            let mut errors = FormErrors::new();
            errors.add(
                "form",
                v.lang.ta(
                    "problem-too-many",
                    &[
                        ("count", problems::REPORTS_PER_WINDOW.into()),
                        ("minutes", problems::REPORT_WINDOW.num_minutes().into()),
                    ],
                ),
            );
            form_page(&v, &form, &[], &errors, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(e) => v.error(&e),
    }
}

async fn invalid(v: &Visitor, form: &ProblemForm, e: &Error) -> Response {
    let errors = FormErrors::from_error(
        v.lang,
        e,
        &[
            "category",
            "description",
            "address",
            "latitude",
            "longitude",
        ],
    );
    form_page(v, form, &[], &errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `GET /problems/{id}` in a browser.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let me: Option<Account> = v.me.as_ref().map(|m| m.account.clone());
    let viewer = me.clone();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let problem = problems::problem(conn, id)?;
            let category = problems::category(conn, problem.category_id)?;
            let history = problems::history(conn, id)?;
            let reporter = match problem.author_id {
                Some(a) if problems::shows_reporter(&problem, viewer.as_ref()) => {
                    Some(queries::actor_by_id(conn, a)?)
                }
                _ => None,
            };
            let mine = match &viewer {
                Some(v) => problems::supports(conn, v.actor_id, id)?,
                None => false,
            };
            let photos = problems::photos(conn, &problem, viewer.as_ref())?;
            Ok((problem, category, history, reporter, mine, photos))
        })
        .await;
    let (problem, category, history, reporter, mine, photos) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf_if_signed_in().await;
    let staff = me
        .as_ref()
        .is_some_and(|a| crate::civic::accounts::is_staff_of(a, problem.commune_id));
    let is_author = me
        .as_ref()
        .is_some_and(|a| Some(a.actor_id) == problem.author_id);
    let title = format!("#{} {}", problem.id, category.name);
    let url = v.ctx.urls.problem(problem.id).to_string();
    let description: String = problem.description.chars().take(200).collect();
    let next: Vec<(&str, String)> = problem
        .status
        .next()
        .iter()
        .map(|s| (s.as_str(), status_label(lang, *s)))
        .collect();
    let none = FormErrors::new();
    let body = html! {
        article class="problem" {
            h1 { (title) }
            p class="meta" {
                span class="badge" id="problem-status" { (status_label(lang, problem.status)) }
                " · " (lang.datetime(problem.created_at))
                " · "
                @match &reporter {
                    Some(r) => { (lang.t("problem-reported-by")) " " a href=(r.path()) { (r.display_name) } }
                    None => { (lang.t("problem-reported-privately")) }
                }
            }
            @if let Some(original) = problem.duplicate_of {
                p { (lang.t("problem-duplicate-of")) " " a href=(format!("/problems/{original}")) { "#" (original) } }
            }
            div class="body" { (maud::PreEscaped(crate::civic::notes::text_to_html(&problem.description))) }
            p class="place" {
                @if !problem.address.is_empty() { (problem.address) " · " }
                a href=(format!("https://www.openstreetmap.org/?mlat={0}&mlon={1}#map=19/{0}/{1}", problem.latitude, problem.longitude)) rel="noopener" {
                    (format!("{:.5}, {:.5}", problem.latitude, problem.longitude))
                }
            }
            @if !photos.is_empty() {
                section id="photos" {
                    h2 { (lang.t("problem-photos")) }
                    ul class="photos" {
                        @for ph in &photos {
                            li {
                                a href=(format!("/problems/{}/photos/{}", problem.id, ph.id)) {
                                    img src=(format!("/problems/{}/photos/{}/thumb", problem.id, ph.id)) alt=(ph.alt) loading="lazy";
                                }
                                @if ph.accepted_at.is_none() {
                                    p class="meta" { (lang.t("problem-photo-waiting")) }
                                    @if staff && let Some(csrf) = &csrf {
                                        form method="post" action=(format!("/problems/{}/photos/{}/review", problem.id, ph.id)) class="inline" {
                                            (forms::csrf(csrf))
                                            button type="submit" name="decision" value="accept" { (lang.t("problem-photo-accept")) }
                                            " "
                                            button type="submit" name="decision" value="refuse" class="secondary" { (lang.t("problem-photo-refuse")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p id="problem-supporters" { (lang.count("problem-supporters", problem.supporters)) }
            @if let Some(csrf) = &csrf && !is_author {
                form id="problem-support" method="post" action=(format!("/problems/{}/support", problem.id)) {
                    (forms::csrf(csrf))
                    input type="hidden" name="on" value=(if mine { "off" } else { "on" });
                    button type="submit" { (lang.t(if mine { "problem-me-too-withdraw" } else { "problem-me-too" })) }
                }
            }
            h2 { (lang.t("problem-history")) }
            ol id="problem-history" {
                @for step in &history {
                    li {
                        span class="badge" { (status_label(lang, step.status)) } " " (lang.datetime(step.created_at))
                        @if !step.message.is_empty() { p { (step.message) } }
                    }
                }
            }
            @if staff && !next.is_empty() && let Some(csrf) = &csrf {
                section id="problem-staff" {
                    h2 { (lang.t("problem-change-status")) }
                    form id="problem-status-form" method="post" action=(format!("/problems/{}/status", problem.id)) novalidate {
                        (forms::csrf(csrf))
                        (forms::select(lang, "status", &lang.t("field-status"), &next, next[0].0, &none))
                        (forms::textarea(lang, Input::text("message", lang.t("field-problem-message"), "")
                            .required().maxlength(problems::MAX_MESSAGE).hint(lang.t("hint-problem-message")), 3, &none))
                        (forms::input(lang, Input::text("duplicate_of", lang.t("field-duplicate-of"), "")
                            .hint(lang.t("hint-duplicate-of")), &none))
                        button type="submit" { (lang.t("problem-change-status")) }
                    }
                }
            }
        }
    };
    let og = OpenGraph {
        title: &title,
        description: &description,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &title, Some(&og), body, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct SupportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

/// `POST /problems/{id}/support`: "I have this problem too", or no longer.
pub async fn support(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<SupportForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let (account, on) = (me.account.clone(), form.on != "off");
    match v
        .ctx
        .db
        .transaction(move |conn| problems::support(conn, &account, id, on))
        .await
    {
        Ok(()) => {
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    duplicate_of: String,
}

/// `POST /problems/{id}/status`: staff move a report on, with a public message.
pub async fn change_status(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let Some(status) = ProblemStatus::parse(&form.status) else {
        return v.error(&Error::invalid("status", "unknown status"));
    };
    let duplicate_of = form
        .duplicate_of
        .trim()
        .trim_start_matches('#')
        .parse()
        .ok()
        .map(ProblemId);
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| {
            problems::change_status(conn, &account, id, status, &form.message, duplicate_of)
        })
        .await
    {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            v.flash("flash-problem-updated").await;
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `GET /admin/problems`: the commune's categories and area, for its admin.
pub async fn admin_page(v: Visitor) -> Response {
    admin_page_with(&v, &FormErrors::new(), StatusCode::OK).await
}

async fn admin_page_with(v: &Visitor, errors: &FormErrors, status: StatusCode) -> Response {
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let commune = me.account.commune_id;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                problems::categories(conn, commune)?,
                problems::area(conn, commune)?,
            ))
        })
        .await;
    let (categories, area) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let edge =
        |f: fn(&problems::Area) -> f64| area.as_ref().map(|a| f(a).to_string()).unwrap_or_default();
    let (south, west, north, east) = (
        edge(|a| a.south),
        edge(|a| a.west),
        edge(|a| a.north),
        edge(|a| a.east),
    );
    let title = lang.t("admin-problems");
    let body = html! {
        h1 { (title) }
        (errors.summary(lang))
        h2 { (lang.t("admin-problem-categories")) }
        ul id="problem-categories" {
            @for c in &categories {
                li {
                    (c.name)
                    @if c.archived { " " span class="badge" { (lang.t("problem-category-archived")) } }
                    @else {
                        form method="post" action=(format!("/admin/problems/categories/{}/archive", c.id)) class="inline" {
                            (forms::csrf(&csrf))
                            button type="submit" class="link" { (lang.t("problem-category-archive")) }
                        }
                    }
                }
            }
        }
        form id="problem-category-add" method="post" action="/admin/problems/categories" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("category", lang.t("field-category"), "")
                .required().maxlength(problems::MAX_CATEGORY), errors))
            button type="submit" { (lang.t("problem-category-add")) }
        }
        h2 { (lang.t("admin-problem-area")) }
        p { (lang.t("admin-problem-area-text")) }
        form id="problem-area" method="post" action="/admin/problems/area" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("south", lang.t("field-area-south"), &south), errors))
            (forms::input(lang, Input::text("west", lang.t("field-area-west"), &west), errors))
            (forms::input(lang, Input::text("north", lang.t("field-area-north"), &north), errors))
            (forms::input(lang, Input::text("east", lang.t("field-area-east"), &east), errors))
            button type="submit" { (lang.t("settings-save")) }
        }
    };
    page_status(v, &title, body, status).await
}

#[derive(Deserialize, Default)]
pub struct AdminForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    south: String,
    #[serde(default)]
    west: String,
    #[serde(default)]
    north: String,
    #[serde(default)]
    east: String,
}

/// What the admin forms change.
enum AdminChange {
    AddCategory,
    Archive(CategoryId),
    Area,
}

async fn admin_change(v: Visitor, form: AdminForm, what: AdminChange) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| match what {
            AdminChange::AddCategory => {
                problems::add_category(conn, &account, &form.category).map(|_| ())
            }
            AdminChange::Archive(id) => problems::archive_category(conn, &account, id),
            AdminChange::Area => {
                let edges = [&form.south, &form.west, &form.north, &form.east];
                let area = if edges.iter().all(|e| e.trim().is_empty()) {
                    None
                } else {
                    Some(problems::Area {
                        south: degrees("south", &form.south)?,
                        west: degrees("west", &form.west)?,
                        north: degrees("north", &form.north)?,
                        east: degrees("east", &form.east)?,
                    })
                };
                problems::set_area(conn, &account, area)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin/problems").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors =
                FormErrors::from_error(v.lang, &e, &["category", "south", "west", "north", "east"]);
            admin_page_with(&v, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn admin_add_category(v: Visitor, Form(form): Form<AdminForm>) -> Response {
    admin_change(v, form, AdminChange::AddCategory).await
}

pub async fn admin_archive_category(
    v: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<AdminForm>,
) -> Response {
    admin_change(v, form, AdminChange::Archive(CategoryId(id))).await
}

pub async fn admin_area(v: Visitor, Form(form): Form<AdminForm>) -> Response {
    admin_change(v, form, AdminChange::Area).await
}

#[derive(Deserialize)]
pub struct PhotoPath {
    id: String,
    photo: i64,
}

/// `GET /problems/{id}/photos/{photo}` (and `…/thumb`): a photo, to whoever may see it (everyone once staff
/// accepted it; until then its reporter and staff), with headers that make it nothing but a picture.
pub async fn photo(v: Visitor, Path(p): Path<PhotoPath>) -> Response {
    serve_photo(v, p, false).await
}

pub async fn photo_thumb(v: Visitor, Path(p): Path<PhotoPath>) -> Response {
    serve_photo(v, p, true).await
}

async fn serve_photo(v: Visitor, p: PhotoPath, thumb: bool) -> Response {
    use axum::http::{HeaderValue, header};
    let id = match parse_problem(&p.id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let viewer = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| problems::photo(conn, id, p.photo, viewer.as_ref()))
        .await;
    let photo = match found {
        Ok(photo) => photo,
        Err(e) => return e.into_response(),
    };
    let name = if thumb { &photo.thumb } else { &photo.file };
    let Some(path) = crate::civic::media::photo_path(&v.ctx.settings.server.data_dir, name) else {
        return Error::NotFound("no such photo".into()).into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut response = ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if photo.accepted_at.is_some() {
                    "public, max-age=86400"
                } else {
                    "private, no-store"
                }),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            response
        }
        Err(_) => Error::NotFound("no such photo".into()).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

/// `POST /problems/{id}/photos/{photo}/review`: staff accept a photo, or refuse it (it is deleted).
pub async fn review_photo(
    v: Visitor,
    Path(p): Path<PhotoPath>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&p.id) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let accept = match form.decision.as_str() {
        "accept" => true,
        "refuse" => false,
        _ => return v.error(&Error::invalid("decision", "accept or refuse")),
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| problems::review_photo(conn, &account, id, p.photo, accept))
        .await;
    match result {
        Ok(removed) => {
            if let Some((file, thumb)) = removed {
                crate::civic::media::remove_photos(&v.ctx.settings.server.data_dir, &[file, thumb])
                    .await;
            }
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/problems/{id}#photos")).into_response()
        }
        Err(e) => v.error(&e),
    }
}
