//! Opening a debate: who may, the form (title, question, text, themes, opening and closing days) and what it
//! posts.

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::html;

use crate::civic::debates::{self, NewDebate};
use crate::error::Error;
use crate::ids::ThemeId;
use crate::model::Theme;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Default)]
pub struct DebateForm {
    csrf: String,
    title: String,
    question: String,
    body: String,
    opens_on: String,
    closes_on: String,
    /// Theme ids (several checkboxes of one name).
    theme: Vec<String>,
}

/// Whether the visitor may open a debate, and the commune's themes to choose from.
async fn opening(v: &Visitor) -> crate::error::Result<(bool, Vec<Theme>)> {
    let Some(account) = v.me.as_ref().map(|m| m.account.clone()) else {
        return Ok((false, vec![]));
    };
    v.ctx
        .db
        .run(move |conn| {
            let openers = debates::openers(conn, account.commune_id)?;
            Ok((
                debates::may_open(&account, openers),
                debates::themes_of(conn, account.commune_id)?,
            ))
        })
        .await
}

async fn new_page(
    v: &Visitor,
    form: &DebateForm,
    themes: &[Theme],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("debate-open");
    let body = html! {
        h1 { (title) }
        form id="debate" method="post" action="/debates" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-debate-title"), &form.title)
                .required().maxlength(debates::MAX_TITLE), errors))
            (forms::input(lang, Input::text("question", lang.t("field-debate-question"), &form.question)
                .required().maxlength(debates::MAX_QUESTION).hint(lang.t("hint-debate-question")), errors))
            (forms::textarea(lang, Input::text("body", lang.t("field-debate-body"), &form.body)
                .maxlength(debates::MAX_BODY).hint(lang.t("hint-markdown")), 10, errors))
            @if !themes.is_empty() {
                fieldset id="themes" {
                    legend { (lang.t("field-themes")) }
                    @for t in themes {
                        div class="field checkbox" {
                            input type="checkbox" name="theme" id=(format!("theme-{}", t.id)) value=(t.id)
                                checked[form.theme.iter().any(|x| *x == t.id.to_string())];
                            " "
                            label for=(format!("theme-{}", t.id)) { (t.name) }
                        }
                    }
                }
            }
            (forms::input(lang, Input::text("opens_on", lang.t("field-opens-on"), &form.opens_on)
                .kind("date").hint(lang.t("hint-opens-on")), errors))
            (forms::input(lang, Input::text("closes_on", lang.t("field-closes-on"), &form.closes_on)
                .kind("date").hint(lang.t("hint-closes-on")), errors))
            button type="submit" { (lang.t("debate-open-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

fn open_refused(v: &Visitor) -> Response {
    crate::web::refusal_page(
        v.lang,
        Some(v),
        &Error::Forbidden("officials only".into()),
        Some(v.lang.t("debate-open-forbidden")),
    )
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    match opening(&v).await {
        Ok((true, themes)) => {
            new_page(
                &v,
                &DebateForm::default(),
                &themes,
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Ok((false, _)) => open_refused(&v),
        Err(e) => v.error(&e),
    }
}

impl DebateForm {
    /// Read from the posted pairs (checkboxes send `theme` several times, which a struct cannot take).
    fn from_pairs(pairs: Vec<(String, String)>) -> DebateForm {
        let mut form = DebateForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "title" => form.title = value,
                "question" => form.question = value,
                "body" => form.body = value,
                "opens_on" => form.opens_on = value,
                "closes_on" => form.closes_on = value,
                "theme" => form.theme.push(value),
                _ => {}
            }
        }
        form
    }
}

pub async fn create(v: Visitor, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let form = DebateForm::from_pairs(pairs);
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let themes = match opening(&v).await {
        Ok((true, themes)) => themes,
        Ok((false, _)) => return open_refused(&v),
        Err(e) => return v.error(&e),
    };
    let invalid = |e: Error| {
        FormErrors::from_error(
            v.lang,
            &e,
            &[
                "title",
                "question",
                "body",
                "themes",
                "opens_on",
                "closes_on",
            ],
        )
    };
    // A day typed in the form: the start of the day it opens, the end of the day it closes.
    let day = |raw: &str, field: &'static str, h: u32, m: u32, sec: u32| match raw.trim() {
        "" => Ok(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(h, m, sec))
            .map_err(|_| Error::invalid(field, "not a date")),
    };
    let dates = day(&form.opens_on, "opens_on", 0, 0, 0)
        .and_then(|o| Ok((o, day(&form.closes_on, "closes_on", 23, 59, 59)?)));
    let (opens_at, closes_at) = match dates {
        Ok(dates) => dates,
        Err(e) => {
            let errors = invalid(e);
            return new_page(
                &v,
                &form,
                &themes,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let Ok(chosen) = form
        .theme
        .iter()
        .map(|t| t.parse().map(ThemeId))
        .collect::<Result<Vec<_>, _>>()
    else {
        let errors = invalid(Error::invalid("themes", "unknown"));
        return new_page(
            &v,
            &form,
            &themes,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewDebate {
        title: form.title.clone(),
        question: form.question.clone(),
        body: form.body.clone(),
        opens_at,
        closes_at,
        themes: chosen,
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::open_debate(conn, &account, new))
        .await;
    match result {
        Ok(debate) => {
            v.flash("flash-debate-opened").await;
            Redirect::to(&format!("/debates/{}", debate.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let e = match e {
                Error::Invalid {
                    field: "closes_at",
                    message,
                } => Error::Invalid {
                    field: "closes_on",
                    message,
                },
                other => other,
            };
            new_page(
                &v,
                &form,
                &themes,
                &invalid(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}
