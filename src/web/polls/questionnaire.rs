//! A questionnaire's page: its form, answered once per account, and what the answers post.

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{PreEscaped, html};

use super::poll::choice_inputs;
use super::{Pairs, field};
use crate::civic::now;
use crate::civic::polls::{self, Answer, PollSummary};
use crate::error::Error;
use crate::ids::{OptionId, PollId, QuestionnaireId};
use crate::model::{PollKind, Questionnaire};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page;
use crate::web::session::Visitor;

pub(super) fn parse_questionnaire(raw: &str) -> Result<QuestionnaireId, Error> {
    raw.parse()
        .map(QuestionnaireId)
        .map_err(|_| Error::NotFound("no such questionnaire".into()))
}

/// Everything a questionnaire page shows.
pub(super) struct Loaded {
    pub(super) q: Questionnaire,
    pub(super) items: Vec<PollSummary>,
    answered: bool,
    pub(super) manages: bool,
    pub(super) texts: Vec<(PollId, String)>,
}

pub(super) async fn load(
    v: &Visitor,
    id: QuestionnaireId,
    with_texts: bool,
) -> crate::error::Result<Loaded> {
    let account = v.me.as_ref().map(|m| m.account.clone());
    v.ctx
        .db
        .run(move |conn| {
            let q = polls::questionnaire(conn, id)?;
            let items = polls::questions(conn, id)?;
            let (answered, manages) = match &account {
                Some(a) => (
                    polls::answered(conn, a.actor_id, id)?,
                    crate::civic::accounts::speaks_for(a, q.commune_id),
                ),
                None => (false, false),
            };
            let texts = match &account {
                Some(a) if manages && with_texts => polls::texts(conn, a, id)?,
                _ => vec![],
            };
            Ok(Loaded {
                q,
                items,
                answered,
                manages,
                texts,
            })
        })
        .await
}

/// `/questionnaires/{id}`: the form, once per account.
pub async fn questionnaire(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_questionnaire(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let l = match load(&v, id, false).await {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf_if_signed_in().await;
    let closed = l.q.is_closed(now());
    let body = html! {
        h1 { (l.q.title) }
        p class="meta" {
            (lang.ta(if closed { "poll-closed-at" } else { "poll-closes" }, &[("date", lang.datetime(l.q.closes_at).into())]))
            " · " (lang.count("responses-count", l.q.responses))
        }
        div class="intro" { (PreEscaped(&l.q.intro_html)) }
        @if closed || l.manages {
            p { a href=(format!("/questionnaires/{id}/results")) { (lang.t("questionnaire-results")) } }
        }
        @match (&csrf, l.answered, closed) {
            (_, true, _) => { p class="voted" { (lang.t("questionnaire-answered")) } }
            (Some(csrf), false, false) => {
                form id="answers" method="post" action=(format!("/questionnaires/{id}/answer")) {
                    (forms::csrf(csrf))
                    @for item in &l.items {
                        @let name = format!("q{}", item.poll.id);
                        @if item.poll.kind == PollKind::Text {
                            (forms::textarea(lang, Input::text(&name, item.poll.question.clone(), "")
                                .maxlength(polls::MAX_TEXT_ANSWER), 4, &FormErrors::new()))
                        } @else {
                            (choice_inputs(lang, &name, &item.poll, &item.options))
                        }
                    }
                    button type="submit" { (lang.t("questionnaire-answer")) }
                }
            }
            (None, false, false) => {
                p { a href=(format!("/login?next=/questionnaires/{id}")) { (lang.t("questionnaire-login")) } }
            }
            _ => {}
        }
    };
    page(&v, &l.q.title.clone(), body).await
}

pub async fn answer(v: Visitor, Path(raw): Path<String>, Form(form): Form<Pairs>) -> Response {
    let me = match v.form_poster(field(&form, "csrf")).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_questionnaire(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let answers = match read_answers(&form) {
        Ok(a) => a,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            // Free text comes as a text, choices as option ids: which is which is the question's kind.
            let kinds: Vec<(PollId, PollKind)> = polls::questions(conn, id)?
                .into_iter()
                .map(|s| (s.poll.id, s.poll.kind))
                .collect();
            let answers: Vec<(PollId, Answer)> = kinds
                .iter()
                .filter_map(|(poll, kind)| {
                    let given: Vec<&String> = answers
                        .iter()
                        .filter(|(p, _)| p == poll)
                        .map(|(_, v)| v)
                        .collect();
                    if given.is_empty() {
                        return None;
                    }
                    Some(if *kind == PollKind::Text {
                        Ok((*poll, Answer::Text(given[0].clone())))
                    } else {
                        given
                            .iter()
                            .map(|v| v.parse().map(OptionId))
                            .collect::<Result<Vec<_>, _>>()
                            .map(|c| (*poll, Answer::Choices(c)))
                            .map_err(|_| Error::invalid("answers", "is not an option"))
                    })
                })
                .collect::<Result<_, _>>()?;
            polls::answer_questionnaire(conn, &account, id, &answers)
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-questionnaire-answered").await;
            Redirect::to(&format!("/questionnaires/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// The `q{poll}` fields of an answer form.
fn read_answers(form: &Pairs) -> Result<Vec<(PollId, String)>, Error> {
    form.iter()
        .filter_map(|(k, v)| k.strip_prefix('q').map(|id| (id, v)))
        .map(|(id, v)| {
            id.parse()
                .map(|id| (PollId(id), v.clone()))
                .map_err(|_| Error::BadRequest(format!("unknown field q{id}")))
        })
        .collect()
}
