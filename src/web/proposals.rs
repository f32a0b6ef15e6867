//! Proposal pages: the list, the form to propose, the proposal's own part of its page (progress toward the
//! threshold, supports by kind, the official answers and their history, support/follow/answer buttons), the
//! CSV export and people's notifications.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::civic::proposals::{self, NewProposal};
use crate::db::proposals::{Filter, ProposalSummary, ProposalView, Sort};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{DebateId, ThemeId};
use crate::model::{ProposalStatus, Theme};
use crate::web::debates::ListQuery;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{page, page_status};

/// How many proposals a list shows.
const LISTED: i64 = 100;

pub fn status_label(lang: Lang, status: ProposalStatus) -> String {
    lang.t(&format!("proposal-status-{}", status.as_str()))
}

fn parse_id(raw: &str) -> Option<DebateId> {
    raw.parse().ok().map(DebateId)
}

pub fn list_items(lang: Lang, items: &[ProposalSummary]) -> Markup {
    html! {
        ul class="debates proposals" {
            @for item in items {
                li {
                    a href=(format!("/proposals/{}", item.debate.id)) { (item.debate.title) }
                    " " span class=(format!("badge proposal-{}", item.proposal.status.as_str())) { (status_label(lang, item.proposal.status)) }
                    " " span class="meta" { (lang.count("supports-count", item.proposal.supports())) }
                    @if let Some(theme) = &item.theme { " " span class="theme" { (theme) } }
                    p class="question" { (item.debate.question) }
                }
            }
        }
    }
}

/// `/proposals`: the default commune's proposals by theme and status, most supported, newest or closest to
/// the threshold first; or those of neighbouring communes followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.as_deref().and_then(|t| t.parse().ok()).map(ThemeId);
    let status = q.status.as_deref().and_then(ProposalStatus::parse);
    let sort = q.sort.as_deref().and_then(Sort::parse).unwrap_or_default();
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(None);
            };
            let filter = Filter {
                commune: (!elsewhere).then_some(commune.id),
                theme,
                status,
                sort,
                limit: LISTED,
            };
            Ok(Some((
                crate::db::proposals::list(conn, &filter)?,
                crate::civic::debates::themes_of(conn, commune.id)?,
                commune.path(),
            )))
        })
        .await;
    let (items, themes, commune_path) = match found {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), Vec::new(), String::new()),
        Err(e) => return v.error(&e),
    };
    let items = v.ctx.policy().await.shown(items);
    let title = lang.t("proposals-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("proposals-scope")) {
            a href="/proposals" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/proposals?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if v.me.is_some() && !elsewhere {
            p { a href="/proposals/new" { (lang.t("proposal-new")) } }
        }
        form method="get" action="/proposals" class="filters" {
            @if elsewhere { input type="hidden" name="scope" value="elsewhere"; }
            @if !elsewhere && !themes.is_empty() {
                div class="field" {
                    label for="theme" { (lang.t("field-theme")) }
                    select id="theme" name="theme" {
                        option value="" { (lang.t("filter-all")) }
                        @for t in &themes {
                            option value=(t.id) selected[theme == Some(t.id)] { (t.name) }
                        }
                    }
                }
            }
            div class="field" {
                label for="status" { (lang.t("field-status")) }
                select id="status" name="status" {
                    option value="" { (lang.t("filter-all")) }
                    @for s in ProposalStatus::ALL {
                        option value=(s.as_str()) selected[status == Some(*s)] { (status_label(lang, *s)) }
                    }
                }
            }
            div class="field" {
                label for="sort" { (lang.t("field-sort")) }
                select id="sort" name="sort" {
                    @for s in [Sort::MostSupported, Sort::Newest, Sort::ClosestToThreshold] {
                        option value=(s.as_str()) selected[sort == s] { (lang.t(&format!("sort-{}", s.as_str()))) }
                    }
                }
            }
            button type="submit" { (lang.t("filter-submit")) }
        }
        @if items.is_empty() {
            p { (lang.t("proposals-none")) }
        } @else {
            (list_items(lang, &items))
        }
        @if !elsewhere && !commune_path.is_empty() {
            p { a href=(format!("{commune_path}/proposals.csv")) type="text/csv" download { (lang.t("proposals-csv")) } }
        }
    };
    page(&v, &title, body).await
}

#[derive(Deserialize, Default)]
pub struct ProposalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

async fn themes(v: &Visitor) -> crate::error::Result<Vec<Theme>> {
    let Some(commune) = v.me.as_ref().map(|m| m.account.commune_id) else {
        return Ok(vec![]);
    };
    v.ctx
        .db
        .run(move |conn| crate::civic::debates::themes_of(conn, commune))
        .await
}

async fn new_page(
    v: &Visitor,
    form: &ProposalForm,
    themes: &[Theme],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("proposal-new");
    let mut theme_options = vec![(String::new(), lang.t("theme-none"))];
    theme_options.extend(themes.iter().map(|t| (t.id.to_string(), t.name.clone())));
    let options: Vec<(&str, String)> = theme_options
        .iter()
        .map(|(id, name)| (id.as_str(), name.clone()))
        .collect();
    let body = html! {
        h1 { (title) }
        form id="proposal" method="post" action="/proposals" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-proposal-title"), &form.title)
                .required().maxlength(crate::civic::debates::MAX_TITLE), errors))
            (forms::input(lang, Input::text("summary", lang.t("field-proposal-summary"), &form.summary)
                .required().maxlength(crate::civic::debates::MAX_QUESTION).hint(lang.t("hint-proposal-summary")), errors))
            (forms::textarea(lang, Input::text("body", lang.t("field-proposal-body"), &form.body)
                .maxlength(crate::civic::debates::MAX_BODY).hint(lang.t("hint-markdown")), 10, errors))
            @if !themes.is_empty() {
                (forms::select(lang, "theme", &lang.t("field-theme"), &options, &form.theme, errors))
            }
            (forms::input(lang, Input::text("place", lang.t("field-place"), &form.place)
                .maxlength(proposals::MAX_PLACE).hint(lang.t("hint-place")), errors))
            fieldset id="coordinates" {
                legend { (lang.t("field-coordinates")) }
                (forms::input(lang, Input::text("latitude", lang.t("field-latitude"), &form.latitude), errors))
                (forms::input(lang, Input::text("longitude", lang.t("field-longitude"), &form.longitude), errors))
            }
            button type="submit" { (lang.t("proposal-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    match themes(&v).await {
        Ok(themes) => {
            new_page(
                &v,
                &ProposalForm::default(),
                &themes,
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// Coordinates typed in the form: both or neither.
fn coordinates(form: &ProposalForm) -> Result<Option<(f64, f64)>, Error> {
    let parse = |raw: &str| raw.trim().replace(',', ".").parse::<f64>().ok();
    match (form.latitude.trim(), form.longitude.trim()) {
        ("", "") => Ok(None),
        (lat, lon) => match (parse(lat), parse(lon)) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Ok(Some((lat, lon))),
            _ => Err(Error::invalid(
                "coordinates",
                "give both a latitude and a longitude, as decimal numbers",
            )),
        },
    }
}

pub async fn create(v: Visitor, Form(form): Form<ProposalForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let themes = match themes(&v).await {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let fields = [
        "title",
        "summary",
        "body",
        "theme",
        "place",
        "latitude",
        "longitude",
    ];
    let new = coordinates(&form).and_then(|coordinates| {
        let theme = match form.theme.trim() {
            "" => None,
            t => Some(ThemeId(t.parse().map_err(|_| {
                Error::invalid("theme", "is not a theme of this commune")
            })?)),
        };
        Ok(NewProposal {
            title: form.title.clone(),
            summary: form.summary.clone(),
            body: form.body.clone(),
            theme,
            place: Some(form.place.clone()),
            coordinates,
        })
    });
    let result = match new {
        Ok(new) => {
            let account = me.account.clone();
            v.ctx
                .db
                .transaction(move |conn| proposals::propose(conn, &account, new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            v.flash("flash-proposal-published").await;
            Redirect::to(&format!("/proposals/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let e = match e {
                // The two coordinates are one fieldset; the error is shown on the latitude.
                Error::Invalid {
                    field: "coordinates",
                    message,
                } => Error::Invalid {
                    field: "latitude",
                    message,
                },
                Error::Invalid {
                    field: "question",
                    message,
                } => Error::Invalid {
                    field: "summary",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            new_page(
                &v,
                &form,
                &themes,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// The proposal part of a debate's page, if the debate is a proposal.
pub async fn load(v: &Visitor, id: DebateId) -> crate::error::Result<Option<ProposalView>> {
    let me = v.me.as_ref().map(|m| m.actor.id);
    v.ctx
        .db
        .run(move |conn| crate::db::proposals::view(conn, id, me))
        .await
}

/// Where a proposal stands, what was answered, and what the visitor can do about it.
pub fn section(
    lang: Lang,
    id: DebateId,
    view: &ProposalView,
    csrf: Option<&str>,
    manages: bool,
) -> Markup {
    let p = &view.proposal;
    let next = p.status.next();
    html! {
        section class="proposal" aria-labelledby="proposal-heading" {
            h2 id="proposal-heading" { (lang.t("proposal-where")) }
            p {
                span class=(format!("badge proposal-{}", p.status.as_str())) { (status_label(lang, p.status)) }
                @if let Some(theme) = &view.theme { " " span class="theme" { (theme) } }
            }
            @if p.place.is_some() || p.latitude.is_some() {
                p class="place" {
                    (lang.t("field-place")) " : "
                    @if let Some(place) = &p.place { (place) }
                    @if let (Some(lat), Some(lon)) = (p.latitude, p.longitude) {
                        " (" a href=(format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}")) rel="nofollow noopener" {
                            (format!("{lat:.5}, {lon:.5}"))
                        } ")"
                    }
                }
            }
            div class="progress" {
                label for="proposal-progress" {
                    (lang.ta("proposal-progress", &[
                        ("count", p.supports_residents.into()),
                        ("threshold", p.threshold.into()),
                    ]))
                }
                progress id="proposal-progress" max=(p.threshold) value=(p.supports_residents.min(p.threshold)) {
                    (p.supports_residents) " / " (p.threshold)
                }
                @if p.status == ProposalStatus::Published && p.missing() > 0 {
                    p class="meta" { (lang.count("proposal-missing", p.missing())) }
                }
            }
            ul class="supports" {
                li { (lang.t("supports-residents")) " : " strong { (lang.number(p.supports_residents)) } }
                li { (lang.t("supports-local")) " : " strong { (lang.number(p.supports_local)) } }
                li { (lang.t("supports-remote")) " : " strong { (lang.number(p.supports_remote)) } }
            }
            @if let Some(csrf) = csrf {
                div class="actions" {
                    @if view.supported {
                        (button(csrf, &format!("/proposals/{id}/support?off=1"), &lang.t("proposal-unsupport"), "support"))
                    } @else if p.takes_supports() {
                        (button(csrf, &format!("/proposals/{id}/support"), &lang.t("proposal-support"), "support"))
                    }
                    " "
                    @if view.following {
                        (button(csrf, &format!("/proposals/{id}/follow?off=1"), &lang.t("proposal-unfollow"), "follow"))
                    } @else {
                        (button(csrf, &format!("/proposals/{id}/follow"), &lang.t("proposal-follow"), "follow"))
                    }
                }
            } @else {
                p { a href=(format!("/login?next=/proposals/{id}")) { (lang.t("proposal-login")) } }
            }
            h3 { (lang.t("proposal-history")) }
            ol class="history" {
                @for change in &view.history {
                    li id=(format!("answer-{}", change.id)) {
                        time datetime=(change.at.and_utc().to_rfc3339()) { (lang.date(change.at.date())) }
                        " — " strong { (status_label(lang, change.status)) }
                        @if let Some(answer) = &change.answer_html {
                            blockquote class="answer" {
                                (PreEscaped(answer))
                                @if !change.answerer_name.is_empty() {
                                    footer {
                                        "— " (change.answerer_name)
                                        @if !change.answerer_mandate.is_empty() { ", " (change.answerer_mandate) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let (true, Some(csrf), false) = (manages, csrf, next.is_empty()) {
                form id="proposal-answer" method="post" action=(format!("/proposals/{id}/answer")) novalidate {
                    h3 { (lang.t("proposal-answer-title")) }
                    (forms::csrf(csrf))
                    (forms::select(lang, "status", &lang.t("field-new-status"),
                        &next.iter().map(|s| (s.as_str(), status_label(lang, *s))).collect::<Vec<_>>(),
                        "", &FormErrors::new()))
                    (forms::textarea(lang, Input::text("answer", lang.t("field-answer"), "")
                        .required().maxlength(proposals::MAX_ANSWER).hint(lang.t("hint-answer")), 6, &FormErrors::new()))
                    button type="submit" { (lang.t("proposal-answer-submit")) }
                }
            }
        }
    }
}

fn button(csrf: &str, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form class=(class) method="post" action=(action) {
            (forms::csrf(csrf))
            button type="submit" { (label) }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    answer: String,
}

#[derive(Deserialize, Default)]
pub struct OffQuery {
    #[serde(default)]
    off: Option<String>,
}

enum Action {
    Support(bool),
    Follow(bool),
    Answer,
}

async fn act(v: Visitor, raw: String, form: ActionForm, action: Action) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&raw) else {
        return v.error(&Error::NotFound("no such proposal".into()));
    };
    let account = me.account.clone();
    let flash = match action {
        Action::Support(true) => "flash-supported",
        Action::Support(false) => "flash-unsupported",
        Action::Follow(true) => "flash-proposal-followed",
        Action::Follow(false) => "flash-proposal-unfollowed",
        Action::Answer => "flash-proposal-answered",
    };
    let result = v
        .ctx
        .db
        .transaction(move |conn| match action {
            Action::Support(on) => proposals::support(conn, &account, id, on),
            Action::Follow(on) => proposals::follow(conn, account.actor_id, id, on),
            Action::Answer => {
                let status = ProposalStatus::parse(&form.status)
                    .ok_or_else(|| Error::invalid("status", "choose the new status"))?;
                proposals::answer(conn, &account, id, status, &form.answer)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash(flash).await;
            Redirect::to(&format!("/proposals/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn support(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(v, id, form, Action::Support(q.off.is_none())).await
}

pub async fn follow(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(v, id, form, Action::Follow(q.off.is_none())).await
}

pub async fn answer(v: Visitor, Path(id): Path<String>, Form(form): Form<ActionForm>) -> Response {
    act(v, id, form, Action::Answer).await
}

/// A CSV field: quoted, and defused when a spreadsheet would read it as a formula.
pub fn csv_field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// `/communes/{name}/proposals.csv`: every proposal of the commune with its counts and status, as open data.
pub async fn csv(v: Visitor, Path(name): Path<String>) -> Response {
    let name = name.trim_start_matches('@').to_string();
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound(format!("no commune {name}")))?;
            crate::db::proposals::list(
                conn,
                &Filter {
                    commune: Some(commune.id),
                    sort: Sort::Newest,
                    limit: 100_000,
                    ..Filter::default()
                },
            )
        })
        .await;
    let items = match found {
        Ok(items) => items,
        Err(e) => return v.error(&e),
    };
    let mut out = String::from(
        "id,url,title,summary,theme,status,place,latitude,longitude,supports_residents,supports_local,supports_remote,threshold,published\r\n",
    );
    for item in &items {
        let (d, p) = (&item.debate, &item.proposal);
        let url = v.ctx.urls.proposal(d.id);
        let fields = [
            d.id.to_string(),
            url.to_string(),
            d.title.clone(),
            d.question.clone(),
            item.theme.clone().unwrap_or_default(),
            p.status.as_str().to_string(),
            p.place.clone().unwrap_or_default(),
            p.latitude.map(|l| l.to_string()).unwrap_or_default(),
            p.longitude.map(|l| l.to_string()).unwrap_or_default(),
            p.supports_residents.to_string(),
            p.supports_local.to_string(),
            p.supports_remote.to_string(),
            p.threshold.to_string(),
            d.created_at.and_utc().to_rfc3339(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"proposals.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

/// `/notifications`: what happened to the proposals the person follows.
pub async fn notifications(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let lang = v.lang;
    let found = v
        .ctx
        .db
        .transaction(move |conn| {
            Ok((
                proposals::take_notifications(conn, me)?,
                crate::civic::moderation::warnings_of(conn, me)?,
            ))
        })
        .await;
    let (items, warnings) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("notifications-title");
    let body = html! {
        h1 { (title) }
        (crate::web::moderation::warnings_section(lang, &warnings))
        @if items.is_empty() {
            p { (lang.t("notifications-none")) }
        } @else {
            ul class="notifications" {
                @for n in &items {
                    li class=[(!n.read).then_some("unread")] {
                        time datetime=(n.created_at.and_utc().to_rfc3339()) { (lang.date(n.created_at.date())) }
                        " — "
                        (lang.t(&format!("notification-{}", n.kind)))
                        @if let Some((id, title)) = &n.debate {
                            " : " a href=(format!("/proposals/{id}")) { (title) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a \"b\", c"), "\"a \"\"b\"\", c\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1.5"), "\"-1.5\"");
        assert_eq!(csv_field("-cmd"), "\"'-cmd\"");
        assert_eq!(csv_field("12"), "\"12\"");
    }
}
