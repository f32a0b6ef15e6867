//! Poll and questionnaire pages: the list, the forms to ask, a poll's page (vote, results as a bar chart drawn
//! on the server in SVG, other voices apart), a questionnaire's form, its results and their CSV export.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveDateTime};
use maud::{Markup, PreEscaped, html};

use crate::civic::now;
use crate::civic::polls::{self, Answer, NewPoll, NewQuestion, NewQuestionnaire, PollSummary};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{OptionId, PollId, QuestionnaireId};
use crate::model::{Eligibility, Poll, PollKind, PollOption, Questionnaire};
use crate::web::debates::ListQuery;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{page, page_status};

const LISTED: i64 = 50;
/// Question slots on the questionnaire form (empty ones are ignored).
const QUESTION_SLOTS: usize = 8;

type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn values<'a>(pairs: &'a Pairs, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    pairs
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The end of the day typed in a form (UTC), as a debate's closing day.
fn closing_day(raw: &str) -> Result<NaiveDateTime, Error> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .ok_or_else(|| Error::invalid("closes_on", "give the closing day"))
}

fn eligibility_label(lang: Lang, e: Eligibility) -> String {
    lang.t(&format!("poll-eligibility-{}", e.as_str()))
}

fn kind_label(lang: Lang, k: PollKind) -> String {
    lang.t(&format!("poll-kind-{}", k.as_str()))
}

// --------------------------------------------------------------------------------------------- charts

/// A horizontal bar chart of an option list, drawn here (no script): one bar per option with its count and
/// share; `others` draws the other voices' counts instead of the official ones. Shares are of `voters` (for a
/// multiple choice, where one voter picks several options, as Mastodon shows them), else of all votes.
pub fn chart(
    lang: Lang,
    title: &str,
    options: &[PollOption],
    others: bool,
    voters: Option<i64>,
) -> Markup {
    let counts: Vec<i64> = options
        .iter()
        .map(|o| if others { o.other_votes } else { o.votes })
        .collect();
    let total: i64 = voters.unwrap_or_else(|| counts.iter().sum());
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (row, label_w, bar_w) = (28, 180, 300);
    let height = row * options.len().max(1) as i64 + 8;
    let width = label_w + bar_w + 120;
    let description = options
        .iter()
        .zip(&counts)
        .map(|(o, n)| format!("{} : {}", o.name, lang.number(*n)))
        .collect::<Vec<_>>()
        .join(" ; ");
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width=(width) height=(height)
                viewBox=(format!("0 0 {width} {height}")) aria-label=(format!("{title} — {description}")) {
                title { (title) }
                @for (i, (o, n)) in options.iter().zip(&counts).enumerate() {
                    @let y = i as i64 * row + 4;
                    @let w = if *n == 0 { 0 } else { (n * bar_w / max).max(2) };
                    @let share = if total == 0 { 0.0 } else { *n as f64 * 100.0 / total as f64 };
                    text x=(label_w - 8) y=(y + 18) text-anchor="end" font-size="14" fill="currentColor" {
                        (truncate(&o.name, 24))
                    }
                    rect x=(label_w) y=(y + 4) width=(w) height=(row - 10) rx="3" class="bar" {}
                    text x=(label_w + w + 6) y=(y + 18) font-size="14" fill="currentColor" {
                        (lang.number(*n)) " (" (format!("{share:.0}")) " %)"
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

fn truncate(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

// ---------------------------------------------------------------------------------------------- lists

pub fn poll_items(lang: Lang, items: &[PollSummary]) -> Markup {
    let now = now();
    html! {
        ul class="polls" {
            @for item in items {
                @let p = &item.poll;
                li {
                    a href=(format!("/polls/{}", p.id)) { (p.question) }
                    " "
                    @if p.is_closed(now) {
                        span class="badge" { (lang.t("poll-closed")) }
                    } @else {
                        span class="meta" { (lang.ta("poll-closes", &[("date", lang.datetime(p.closes_at).into())])) }
                    }
                    @if p.shows_results(now) {
                        " " span class="meta" { (lang.count("voters-count", p.voters)) }
                    }
                }
            }
        }
    }
}

/// `/polls`: the default commune's polls and questionnaires, or polls from other servers followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let account = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::default_commune(conn)?;
            let may_ask = match &account {
                Some(a) => polls::may_ask(conn, a)?,
                None => false,
            };
            let (items, questionnaires) = match (&commune, elsewhere) {
                (_, true) => (polls::list(conn, None, LISTED)?, vec![]),
                (Some(c), false) => (
                    polls::list(conn, Some(c.id), LISTED)?,
                    polls::questionnaires_of(conn, c.id, LISTED)?,
                ),
                (None, false) => (vec![], vec![]),
            };
            Ok((items, questionnaires, may_ask))
        })
        .await;
    let (mut items, questionnaires, may_ask) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let policy = v.ctx.policy().await;
    items.retain(|p| policy.shows(p.poll.ap_id.as_deref()));
    let title = lang.t("polls-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("polls-scope")) {
            a href="/polls" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/polls?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if may_ask && !elsewhere {
            p {
                a href="/polls/new" { (lang.t("poll-new")) }
                " · "
                a href="/questionnaires/new" { (lang.t("questionnaire-new")) }
            }
        }
        @if items.is_empty() {
            p { (lang.t("polls-none")) }
        } @else {
            (poll_items(lang, &items))
        }
        @if !elsewhere {
            h2 { (lang.t("questionnaires-title")) }
            @if questionnaires.is_empty() {
                p { (lang.t("questionnaires-none")) }
            } @else {
                (questionnaire_items(lang, &questionnaires))
            }
        }
    };
    page(&v, &title, body).await
}

pub fn questionnaire_items(lang: Lang, items: &[Questionnaire]) -> Markup {
    let now = now();
    html! {
        ul class="questionnaires" {
            @for q in items {
                li {
                    a href=(format!("/questionnaires/{}", q.id)) { (q.title) }
                    " "
                    @if q.is_closed(now) {
                        span class="badge" { (lang.t("poll-closed")) }
                    } @else {
                        span class="meta" { (lang.ta("poll-closes", &[("date", lang.datetime(q.closes_at).into())])) }
                    }
                    " " span class="meta" { (lang.count("responses-count", q.responses)) }
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------- new poll

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

// ---------------------------------------------------------------------------------------- poll page

/// The vote inputs of one question (radio buttons, checkboxes, or a 1–5 scale), named `name`.
fn choice_inputs(lang: Lang, name: &str, poll: &Poll, options: &[PollOption]) -> Markup {
    let kind = if poll.kind.is_multiple() {
        "checkbox"
    } else {
        "radio"
    };
    html! {
        fieldset class=(format!("choices {}", poll.kind.as_str())) {
            legend { (poll.question) }
            @if poll.kind.is_multiple() { p class="hint" { (lang.t("hint-poll-multiple")) } }
            @for o in options {
                div class="choice" {
                    input type=(kind) id=(format!("{name}-{}", o.id)) name=(name) value=(o.id);
                    " "
                    label for=(format!("{name}-{}", o.id)) { (o.name) }
                }
            }
        }
    }
}

/// The results of one question: the official result, and the other voices apart when the poll is restricted.
fn results(lang: Lang, poll: &Poll, options: &[PollOption]) -> Markup {
    let restricted = poll.eligibility != Eligibility::Anyone;
    let multiple = poll.kind.is_multiple();
    let mean = (poll.kind == PollKind::Scale).then(|| {
        let (sum, n) = options.iter().fold((0, 0), |(sum, n), o| {
            (sum + o.position as i64 * o.votes + o.votes, n + o.votes)
        });
        (n > 0).then(|| sum as f64 / n as f64)
    });
    html! {
        section class="results" {
            h3 { (lang.t(if restricted { "poll-official-result" } else { "poll-results" })) }
            p class="meta" {
                (lang.count("voters-count", poll.voters))
                @if let Some(Some(mean)) = mean {
                    " · " (lang.ta("poll-scale-mean", &[("mean", format!("{mean:.1}").into())]))
                }
            }
            (chart(lang, &poll.question, options, false, multiple.then_some(poll.voters)))
            @if restricted && (poll.other_voters > 0 || !poll.is_local()) {
                h3 { (lang.t("poll-other-voices")) }
                p class="meta" { (lang.t("hint-other-voices")) " " (lang.count("voters-count", poll.other_voters)) }
                (chart(lang, &format!("{} — {}", poll.question, lang.t("poll-other-voices")), options, true,
                    multiple.then_some(poll.other_voters)))
            }
        }
    }
}

fn parse_poll(raw: &str) -> Result<PollId, Error> {
    raw.parse()
        .map(PollId)
        .map_err(|_| Error::NotFound("no such poll".into()))
}

/// `/polls/{id}`: the question, the vote, and the results when they are shown.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_poll(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let me = v.me.as_ref().map(|m| m.actor.id);
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let poll = polls::poll(conn, id)?;
            let options = polls::options(conn, id)?;
            let mine = match me {
                Some(me) => polls::choices_of(conn, me, id)?,
                None => None,
            };
            let host = match poll.remote_author_id {
                Some(a) => Some(crate::civic::remote::remote_actor(conn, a)?),
                None => None,
            };
            Ok((poll, options, mine, host))
        })
        .await;
    let (poll, options, mine, host) = match found {
        Ok(found) if !v.ctx.policy().await.shows(found.0.ap_id.as_deref()) => {
            return v.error(&Error::NotFound(format!("no poll {id}")));
        }
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    if let Some(q) = poll.questionnaire_id {
        return Redirect::to(&format!("/questionnaires/{q}")).into_response();
    }
    let csrf = v.csrf_if_signed_in().await;
    let now = now();
    let closed = poll.is_closed(now);
    let body = html! {
        h1 { (poll.question) }
        p class="meta" {
            @if closed { span class="badge" { (lang.t("poll-closed")) } " " }
            (lang.ta(if closed { "poll-closed-at" } else { "poll-closes" }, &[("date", lang.datetime(poll.closes_at).into())]))
            " · " (kind_label(lang, poll.kind))
            @if poll.is_local() { " · " (eligibility_label(lang, poll.eligibility)) }
        }
        @if let Some(host) = &host {
            p class="meta" {
                (lang.t("poll-hosted-by")) " "
                @if let Some(href) = crate::web::pages::safe_href(poll.ap_id.as_deref().unwrap_or_default()) {
                    a href=(href) rel="nofollow noopener" { (host.display_name) " (" (host.domain) ")" }
                }
            }
        }
        @match (&mine, &csrf, closed) {
            (Some(chosen), _, _) => {
                p class="voted" {
                    (lang.t("poll-you-voted")) " "
                    (options.iter().filter(|o| chosen.contains(&o.id)).map(|o| o.name.as_str()).collect::<Vec<_>>().join(", "))
                    @if !poll.is_local() { " — " (lang.t("poll-vote-sent")) }
                }
            }
            (None, Some(csrf), false) => {
                form id="vote" method="post" action=(format!("/polls/{id}/vote")) {
                    (forms::csrf(csrf))
                    (choice_inputs(lang, "choice", &poll, &options))
                    @if poll.eligibility == Eligibility::Residents {
                        p class="hint" { (lang.t("hint-residents-only")) }
                    }
                    button type="submit" { (lang.t("poll-vote")) }
                }
            }
            (None, None, false) => {
                p { a href=(format!("/login?next=/polls/{id}")) { (lang.t("poll-login")) } }
            }
            _ => {}
        }
        @if poll.shows_results(now) {
            (results(lang, &poll, &options))
        } @else {
            p class="meta" { (lang.ta("poll-results-hidden", &[("date", lang.datetime(poll.closes_at).into())])) }
        }
    };
    page(&v, &poll.question.clone(), body).await
}

pub async fn vote(v: Visitor, Path(raw): Path<String>, Form(form): Form<Pairs>) -> Response {
    let me = match v.form_poster(field(&form, "csrf")).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_poll(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let choices: Result<Vec<OptionId>, Error> = values(&form, "choice")
        .map(|c| {
            c.parse()
                .map(OptionId)
                .map_err(|_| Error::invalid("choices", "is not an option of this poll"))
        })
        .collect();
    let account = me.account.clone();
    let result = match choices {
        Ok(choices) => {
            v.ctx
                .db
                .transaction(move |conn| polls::vote(conn, &account, id, &choices))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-voted").await;
            Redirect::to(&format!("/polls/{id}")).into_response()
        }
        Err(e) => v.error(&e),
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

fn parse_questionnaire(raw: &str) -> Result<QuestionnaireId, Error> {
    raw.parse()
        .map(QuestionnaireId)
        .map_err(|_| Error::NotFound("no such questionnaire".into()))
}

/// Everything a questionnaire page shows.
struct Loaded {
    q: Questionnaire,
    items: Vec<PollSummary>,
    answered: bool,
    manages: bool,
    texts: Vec<(PollId, String)>,
}

async fn load(v: &Visitor, id: QuestionnaireId, with_texts: bool) -> crate::error::Result<Loaded> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_draws_one_bar_per_option_and_escapes_names() {
        let option = |id, name: &str, votes| PollOption {
            id: OptionId(id),
            poll_id: PollId(1),
            position: id as i32,
            name: name.into(),
            votes,
            other_votes: 0,
        };
        let svg = chart(
            Lang::En,
            "Q",
            &[option(1, "<script>", 3), option(2, "Non", 1)],
            false,
            None,
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains("75"), "{svg}");
        assert!(
            svg.contains("width=\"300\""),
            "the largest count fills the bar: {svg}"
        );
    }
}
