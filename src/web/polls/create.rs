//! Asking: the forms that create a poll or a questionnaire, and what they post.

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveDateTime};
use maud::html;

use super::{Pairs, eligibility_label, field, kind_label};
use crate::civic::polls::{self, NewPoll, NewQuestion, NewQuestionnaire};
use crate::error::Error;
use crate::model::{Eligibility, PollKind};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

/// Question slots on the questionnaire form (empty ones are ignored).
const QUESTION_SLOTS: usize = 8;

/// The end of the day typed in a form (UTC), as a debate's closing day.
fn closing_day(raw: &str) -> Result<NaiveDateTime, Error> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .ok_or_else(|| Error::invalid("closes_on", "give the closing day"))
}

fn eligibility_options(lang: Lang) -> Vec<(&'static str, String)> {
    Eligibility::ALL
        .iter()
        .map(|e| (e.as_str(), eligibility_label(lang, *e)))
        .collect()
}

async fn new_poll_page(
    v: &Visitor,
    form: &Pairs,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("poll-new");
    let kinds: Vec<(&str, String)> = [PollKind::Single, PollKind::Multiple]
        .iter()
        .map(|k| (k.as_str(), kind_label(lang, *k)))
        .collect();
    let fresh = form.is_empty();
    let body = html! {
        h1 { (title) }
        form id="poll" method="post" action="/polls" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("question", lang.t("field-poll-question"), field(form, "question"))
                .required().maxlength(polls::MAX_QUESTION), errors))
            (forms::select(lang, "kind", &lang.t("field-poll-kind"), &kinds, field(form, "kind"), errors))
            (forms::textarea(lang, Input::text("options", lang.t("field-poll-options"), field(form, "options"))
                .required().hint(lang.t("hint-poll-options")), 6, errors))
            (forms::input(lang, Input::text("closes_on", lang.t("field-closes-on"), field(form, "closes_on"))
                .kind("date").required(), errors))
            (forms::select(lang, "eligibility", &lang.t("field-eligibility"), &eligibility_options(lang),
                field(form, "eligibility"), errors))
            (forms::checkbox(lang, "live_results", &lang.t("field-live-results"), "on",
                fresh || field(form, "live_results") == "on", errors))
            (forms::checkbox(lang, "federated", &lang.t("field-federated"), "on",
                fresh || field(form, "federated") == "on", errors))
            button type="submit" { (lang.t("poll-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    new_poll_page(&v, &vec![], &FormErrors::new(), StatusCode::OK).await
}

fn read_poll(form: &Pairs) -> Result<NewPoll, Error> {
    Ok(NewPoll {
        question: field(form, "question").to_string(),
        kind: PollKind::parse(field(form, "kind"))
            .filter(|k| matches!(k, PollKind::Single | PollKind::Multiple))
            .ok_or_else(|| Error::invalid("kind", "choose single or multiple choice"))?,
        options: field(form, "options").lines().map(str::to_string).collect(),
        closes_at: closing_day(field(form, "closes_on"))?,
        eligibility: Eligibility::parse(field(form, "eligibility")).unwrap_or(Eligibility::Anyone),
        live_results: field(form, "live_results") == "on",
        federated: field(form, "federated") == "on",
    })
}

/// What a form that creates something came to.
enum Outcome<I> {
    Done(I),
    /// A field is wrong: the form is shown again with the error.
    Invalid(Error),
    Failed(Response),
}

/// Checks the poster and the CSRF token, reads the form and writes what it creates in one transaction.
async fn submit_new<N, I>(
    v: &Visitor,
    form: &Pairs,
    read: fn(&Pairs) -> Result<N, Error>,
    write: fn(&mut crate::db::AnyConnection, &crate::model::Account, &N) -> crate::error::Result<I>,
) -> Outcome<I>
where
    N: Send + 'static,
    I: Send + 'static,
{
    let me = match v.form_poster(field(form, "csrf")).await {
        Ok(me) => me,
        Err(r) => return Outcome::Failed(r),
    };
    let result = match read(form) {
        Ok(new) => {
            let account = me.account.clone();
            v.ctx
                .db
                .transaction(move |conn| write(conn, &account, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            Outcome::Done(id)
        }
        // The closing time is typed as a day.
        Err(Error::Invalid {
            field: "closes_at",
            message,
        }) => Outcome::Invalid(Error::Invalid {
            field: "closes_on",
            message,
        }),
        Err(e @ Error::Invalid { .. }) => Outcome::Invalid(e),
        Err(e) => Outcome::Failed(v.error(&e)),
    }
}

pub async fn create(v: Visitor, Form(form): Form<Pairs>) -> Response {
    match submit_new(&v, &form, read_poll, polls::create).await {
        Outcome::Done(id) => {
            v.flash("flash-poll-published").await;
            Redirect::to(&format!("/polls/{id}")).into_response()
        }
        Outcome::Invalid(e) => {
            let fields = ["question", "kind", "options", "closes_on", "eligibility"];
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            new_poll_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Outcome::Failed(r) => r,
    }
}

// ------------------------------------------------------------------------------------ questionnaires

async fn new_questionnaire_page(
    v: &Visitor,
    form: &Pairs,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("questionnaire-new");
    let kinds: Vec<(&str, String)> = PollKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(lang, *k)))
        .collect();
    let none = FormErrors::new();
    let body = html! {
        h1 { (title) }
        form id="questionnaire" method="post" action="/questionnaires" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-questionnaire-title"), field(form, "title"))
                .required().maxlength(polls::MAX_TITLE), errors))
            (forms::textarea(lang, Input::text("intro", lang.t("field-questionnaire-intro"), field(form, "intro"))
                .maxlength(polls::MAX_INTRO).hint(lang.t("hint-markdown")), 4, errors))
            (forms::input(lang, Input::text("closes_on", lang.t("field-closes-on"), field(form, "closes_on"))
                .kind("date").required(), errors))
            (forms::select(lang, "eligibility", &lang.t("field-eligibility"), &eligibility_options(lang),
                field(form, "eligibility"), errors))
            @if let Some(e) = errors.of("questions") { p class="field-error" { (e) } }
            @for i in 1..=QUESTION_SLOTS {
                @let n = |name: &str| format!("q{i}_{name}");
                fieldset class="question" {
                    legend { (lang.ta("questionnaire-question-n", &[("n", (i as i64).into())])) }
                    (forms::input(lang, Input::text(&n("prompt"), lang.t("field-poll-question"), field(form, &n("prompt")))
                        .maxlength(polls::MAX_QUESTION), &none))
                    (forms::select(lang, &n("kind"), &lang.t("field-poll-kind"), &kinds, field(form, &n("kind")), &none))
                    (forms::textarea(lang, Input::text(&n("options"), lang.t("field-poll-options"), field(form, &n("options")))
                        .hint(lang.t("hint-questionnaire-options")), 3, &none))
                    (forms::checkbox(lang, &n("federated"), &lang.t("field-question-federated"), "on",
                        field(form, &n("federated")) == "on", &none))
                }
            }
            button type="submit" { (lang.t("questionnaire-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn new_questionnaire_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    new_questionnaire_page(&v, &vec![], &FormErrors::new(), StatusCode::OK).await
}

fn read_questionnaire(form: &Pairs) -> Result<NewQuestionnaire, Error> {
    let mut questions = vec![];
    for i in 1..=QUESTION_SLOTS {
        let n = |name: &str| format!("q{i}_{name}");
        let prompt = field(form, &n("prompt")).trim();
        if prompt.is_empty() {
            continue;
        }
        questions.push(NewQuestion {
            prompt: prompt.to_string(),
            kind: PollKind::parse(field(form, &n("kind"))).ok_or_else(|| {
                Error::invalid("questions", format!("question {i}: choose its kind"))
            })?,
            options: field(form, &n("options"))
                .lines()
                .map(str::to_string)
                .collect(),
            federated: field(form, &n("federated")) == "on",
        });
    }
    Ok(NewQuestionnaire {
        title: field(form, "title").to_string(),
        intro: field(form, "intro").to_string(),
        closes_at: closing_day(field(form, "closes_on"))?,
        eligibility: Eligibility::parse(field(form, "eligibility")).unwrap_or(Eligibility::Anyone),
        questions,
    })
}

pub async fn create_questionnaire(v: Visitor, Form(form): Form<Pairs>) -> Response {
    match submit_new(&v, &form, read_questionnaire, polls::create_questionnaire).await {
        Outcome::Done(id) => {
            v.flash("flash-questionnaire-published").await;
            Redirect::to(&format!("/questionnaires/{id}")).into_response()
        }
        Outcome::Invalid(e) => {
            // A question's own fields are one block of the form.
            let e = match e {
                Error::Invalid {
                    field: "question" | "options" | "kind",
                    message,
                } => Error::Invalid {
                    field: "questions",
                    message,
                },
                other => other,
            };
            let fields = ["title", "intro", "closes_on", "eligibility", "questions"];
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            new_questionnaire_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Outcome::Failed(r) => r,
    }
}
