//! A questionnaire's results: a chart per question, free-text answers for moderators, and the CSV export.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::poll::results;
use super::questionnaire::{Loaded, load, parse_questionnaire};
use crate::civic::now;
use crate::error::Error;
use crate::model::PollKind;
use crate::web::page;
use crate::web::session::Visitor;

/// Results are shown once the questionnaire is closed, and at any time to those who speak for its commune.
fn check_results(l: &Loaded) -> Result<(), Error> {
    if l.q.is_closed(now()) || l.manages {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "the results are published when the questionnaire closes".into(),
        ))
    }
}

/// `/questionnaires/{id}/results`: a chart per question; free-text answers for moderators.
pub async fn questionnaire_results(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_questionnaire(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let l = match load(&v, id, true).await {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    if let Err(e) = check_results(&l) {
        return v.error(&e);
    }
    let title = format!("{} — {}", l.q.title, lang.t("questionnaire-results"));
    let body = html! {
        h1 { (title) }
        p class="meta" { (lang.count("responses-count", l.q.responses)) }
        @for item in &l.items {
            section class="question-results" {
                h2 { (item.poll.question) }
                @if item.poll.kind == PollKind::Text {
                    @if l.manages {
                        @let answers: Vec<&String> = l.texts.iter().filter(|(p, _)| *p == item.poll.id).map(|(_, t)| t).collect();
                        @if answers.is_empty() { p { (lang.t("questionnaire-no-text")) } }
                        ul class="texts" { @for t in answers { li { (t) } } }
                    } @else {
                        p class="meta" { (lang.t("questionnaire-texts-moderators")) }
                    }
                } @else {
                    (results(lang, &item.poll, &item.options))
                }
            }
        }
        p { a href=(format!("/questionnaires/{id}/results.csv")) type="text/csv" download { (lang.t("questionnaire-csv")) } }
    };
    page(&v, &title, body).await
}

/// `/questionnaires/{id}/results.csv`: one row per option (official votes and other voices), and, for those who
/// speak for the commune, one row per free-text answer.
pub async fn questionnaire_csv(v: Visitor, Path(raw): Path<String>) -> Response {
    let id = match parse_questionnaire(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let l = match load(&v, id, true).await {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    if let Err(e) = check_results(&l) {
        return v.error(&e);
    }
    let field = crate::web::proposals::csv_field;
    let mut out = String::from("question,kind,option,votes,other_votes,text\r\n");
    for item in &l.items {
        let p = &item.poll;
        for o in &item.options {
            let row = [
                field(&p.question),
                field(p.kind.as_str()),
                field(&o.name),
                o.votes.to_string(),
                o.other_votes.to_string(),
                field(""),
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        for (_, text) in l.texts.iter().filter(|(poll, _)| *poll == p.id) {
            let row = [
                field(&p.question),
                field(p.kind.as_str()),
                field(""),
                String::new(),
                String::new(),
                field(text),
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"questionnaire.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}
