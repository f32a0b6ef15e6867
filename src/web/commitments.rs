//! Commitments on the web: the council's list (how many are done), the form an official publishes one with
//! (milestones one per line, the proposal it answers), a commitment's page (where it stands, its milestones,
//! follow it), and its official's form to move it on.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use crate::civic::council::commitments::{self, NewCommitment, Progress};
use crate::error::Error;
use crate::ids::{CommitmentId, DebateId};
use crate::model::{CommitmentStatus, Role};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

fn parse(raw: &str) -> Result<CommitmentId, Error> {
    raw.parse()
        .map(CommitmentId)
        .map_err(|_| Error::NotFound("no such commitment".into()))
}

fn status_label(lang: Lang, status: CommitmentStatus) -> String {
    lang.t(&format!("commitment-status-{}", status.as_str()))
}

/// The visitor's commune, else the instance's default one.
async fn commune_of(v: &Visitor) -> Result<crate::ids::ActorId, Error> {
    if let Some(me) = &v.me {
        return Ok(me.account.commune_id);
    }
    v.ctx
        .db
        .run(|conn| {
            crate::db::queries::default_commune(conn)?
                .map(|c| c.id)
                .ok_or_else(|| Error::NotFound("no commune here yet".into()))
        })
        .await
}

/// `GET /commitments`: the council's commitments.
pub async fn list(v: Visitor) -> Response {
    let lang = v.lang;
    let commune = match commune_of(&v).await {
        Ok(c) => c,
        Err(e) => return v.error(&e),
    };
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                commitments::of_commune(conn, commune)?,
                commitments::tally(conn, commune)?,
            ))
        })
        .await;
    let (list, (done, total)) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let official =
        v.me.as_ref()
            .is_some_and(|m| m.account.role == Role::Official);
    let title = lang.t("commitments-title");
    let body = html! {
        h1 { (title) }
        p id="commitments-tally" { (lang.ta("commitments-tally", &[("done", done.into()), ("total", total.into())])) }
        @if official { p { a href="/commitments/new" class="button" { (lang.t("commitment-new")) } } }
        @if list.is_empty() {
            p { (lang.t("commitments-none")) }
        } @else {
            ul class="commitments" id="commitments" {
                @for (c, username, name) in &list {
                    li {
                        a href=(format!("/commitments/{}", c.id)) { (c.title) }
                        " · " a href=(format!("/users/{username}")) { (name) }
                        " · " span class="badge" { (status_label(lang, c.status)) }
                        " · " (c.progress) " %"
                    }
                }
            }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct CommitmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    proposal: String,
    #[serde(default)]
    milestones: String,
}

const FIELDS: [&str; 6] = [
    "title",
    "description",
    "due_on",
    "proposal",
    "milestones",
    "form",
];

fn date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, Error> {
    match raw.trim() {
        "" => Ok(None),
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::invalid(field, "a date as 2027-06-30")),
    }
}

fn read_form(f: &CommitmentForm) -> Result<NewCommitment, Error> {
    let milestones = f
        .milestones
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.rsplit_once('|') {
            Some((title, day)) => Ok((title.trim().to_string(), date("milestones", day)?)),
            None => Ok((line.to_string(), None)),
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(NewCommitment {
        title: f.title.clone(),
        description: f.description.clone(),
        due_on: date("due_on", &f.due_on)?,
        proposal: match f.proposal.trim() {
            "" => None,
            raw => Some(DebateId(raw.parse().map_err(|_| {
                Error::invalid("proposal", "not a proposal of this commune")
            })?)),
        },
        milestones,
    })
}

fn form_page(
    lang: Lang,
    csrf: &str,
    f: &CommitmentForm,
    errors: &FormErrors,
    proposals: &[(String, String)],
) -> Markup {
    let mut choices: Vec<(&str, String)> = vec![("", lang.t("commitment-no-proposal"))];
    choices.extend(proposals.iter().map(|(id, t)| (id.as_str(), t.clone())));
    html! {
        h1 { (lang.t("commitment-new")) }
        (errors.summary(lang))
        form id="commitment-form" method="post" action="/commitments" novalidate {
            (forms::csrf(csrf))
            (forms::input(lang, Input::text("title", lang.t("field-commitment-title"), &f.title).required().maxlength(commitments::MAX_TITLE), errors))
            (forms::textarea(lang, Input::text("description", lang.t("field-commitment-description"), &f.description).hint(lang.t("hint-markdown")), 6, errors))
            (forms::input(lang, Input::text("due_on", lang.t("field-commitment-due"), &f.due_on).hint(lang.t("hint-date")), errors))
            (forms::select(lang, "proposal", &lang.t("field-commitment-proposal"), &choices, &f.proposal, errors))
            (forms::textarea(lang, Input::text("milestones", lang.t("field-commitment-milestones"), &f.milestones).hint(lang.t("hint-commitment-milestones")), 5, errors))
            button type="submit" { (lang.t("commitment-publish")) }
        }
    }
}

/// The commune's proposals, to choose the one a commitment answers.
async fn proposals(v: &Visitor, commune: crate::ids::ActorId) -> Vec<(String, String)> {
    v.ctx
        .db
        .run(move |conn| {
            crate::db::proposals::list(
                conn,
                &crate::db::proposals::Filter {
                    commune: Some(commune),
                    limit: 200,
                    ..Default::default()
                },
            )
        })
        .await
        .map(|list| {
            list.into_iter()
                .map(|p| (p.debate.id.to_string(), p.debate.title))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /commitments/new`: the form, for officials.
pub async fn new_form(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    if me.role != Role::Official {
        return v.error(&Error::Forbidden(
            "only officials publish commitments".into(),
        ));
    }
    let csrf = v.csrf().await;
    let choices = proposals(&v, me.commune_id).await;
    let body = form_page(
        v.lang,
        &csrf,
        &CommitmentForm::default(),
        &FormErrors::new(),
        &choices,
    );
    page_status(&v, &v.lang.t("commitment-new"), body, StatusCode::OK).await
}

/// `POST /commitments`: an official publishes a commitment.
pub async fn create(v: Visitor, Form(form): Form<CommitmentForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let account = me.clone();
    let result = match read_form(&form) {
        Ok(new) => {
            v.ctx
                .db
                .transaction(move |conn| commitments::publish(conn, &account, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/commitments/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &FIELDS);
            let csrf = v.csrf().await;
            let choices = proposals(&v, me.commune_id).await;
            let body = form_page(v.lang, &csrf, &form, &errors, &choices);
            page_status(
                &v,
                &v.lang.t("commitment-new"),
                body,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// `GET /commitments/{id}` in a browser.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let viewer = v.me.as_ref().map(|m| m.account.actor_id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let (found, milestones) = commitments::commitment(conn, id)?;
            let official = crate::db::queries::actor_by_id(conn, found.official_id)?;
            let following = match viewer {
                Some(a) => commitments::follows(conn, a, id)?,
                None => false,
            };
            Ok((found, milestones, official, following))
        })
        .await;
    let (found, milestones, official, following) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf_if_signed_in().await;
    let mine = viewer == Some(found.official_id);
    let statuses: Vec<(&str, String)> = CommitmentStatus::ALL
        .iter()
        .map(|s| (s.as_str(), status_label(lang, *s)))
        .collect();
    let title = found.title.clone();
    let body = html! {
        article class="commitment" {
            h1 { (title) }
            p class="meta" {
                a href=(official.path()) { (official.display_name) }
                " · " span class="badge" id="commitment-status" { (status_label(lang, found.status)) }
                @if let Some(due) = found.due_on { " · " (lang.ta("commitment-due", &[("date", due.format("%d/%m/%Y").to_string().into())])) }
            }
            p {
                label for="commitment-progress" { (lang.t("commitment-progress")) " " }
                progress id="commitment-progress" max="100" value=(found.progress) { (found.progress) " %" }
                " " (found.progress) " %"
            }
            @if let Some(p) = found.proposal_id { p { a href=(format!("/proposals/{p}")) id="commitment-answers" { (lang.t("commitment-answers")) } } }
            div class="body" { (maud::PreEscaped(crate::civic::debates::text::markdown_to_html(&found.description))) }
            @if !milestones.is_empty() {
                h2 { (lang.t("commitment-milestones")) }
                ul id="commitment-milestones" {
                    @for m in &milestones {
                        li {
                            (if m.done { "✔ " } else { "○ " }) (m.title)
                            @if let Some(d) = m.due_on { " (" (d.format("%d/%m/%Y")) ")" }
                        }
                    }
                }
            }
            @if let Some(csrf) = &csrf {
                form id="commitment-follow" method="post" action=(format!("/commitments/{}/{}", found.id, if following { "unfollow" } else { "follow" })) {
                    (forms::csrf(csrf))
                    button type="submit" class="secondary" { (lang.t(if following { "commitment-unfollow" } else { "commitment-follow" })) }
                }
                @if mine {
                    form id="commitment-progress-form" method="post" action=(format!("/commitments/{}/progress", found.id)) novalidate {
                        (forms::csrf(csrf))
                        h2 { (lang.t("commitment-move-on")) }
                        (forms::select(lang, "status", &lang.t("field-commitment-status"), &statuses, found.status.as_str(), &FormErrors::new()))
                        (forms::input(lang, Input::text("progress", lang.t("field-commitment-progress"), &found.progress.to_string()).kind("number"), &FormErrors::new()))
                        @for m in &milestones {
                            (forms::checkbox(lang, &format!("done-{}", m.id), &m.title, "on", m.done, &FormErrors::new()))
                        }
                        button type="submit" { (lang.t("commitment-save")) }
                    }
                }
            }
        }
    };
    page_status(&v, &found.title, body, StatusCode::OK).await
}

/// `POST /commitments/{id}/progress`: its official moves it on. The milestones done are the boxes ticked
/// (`done-{id}`).
pub async fn move_on(
    v: Visitor,
    Path(raw): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let me = match v.form_poster(&field("csrf")).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let id = match parse(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let progress = (|| {
        Ok::<_, Error>(Progress {
            status: CommitmentStatus::parse(&field("status")).ok_or_else(|| {
                Error::invalid("status", "planned, in_progress, done or abandoned")
            })?,
            progress: field("progress")
                .trim()
                .parse()
                .map_err(|_| Error::invalid("progress", "between 0 and 100"))?,
            done: fields
                .iter()
                .filter_map(|(k, _)| k.strip_prefix("done-")?.parse().ok())
                .collect(),
        })
    })();
    let result = match progress {
        Ok(p) => {
            v.ctx
                .db
                .transaction(move |conn| commitments::move_on(conn, &me, id, &p))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            Redirect::to(&format!("/commitments/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn following(v: Visitor, raw: String, form: CsrfForm, follow: bool) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let id = match parse(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    match v
        .ctx
        .db
        .transaction(move |conn| commitments::set_following(conn, &me, id, follow))
        .await
    {
        Ok(()) => Redirect::to(&format!("/commitments/{id}")).into_response(),
        Err(e) => v.error(&e),
    }
}

pub async fn follow(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    following(v, raw, f, true).await
}

pub async fn unfollow(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    following(v, raw, f, false).await
}
