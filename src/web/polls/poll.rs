//! A poll's page: the question, the vote, and the results (the official ones, the other voices apart) when
//! they are shown.

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::chart::chart;
use super::{Pairs, eligibility_label, field, kind_label, values};
use crate::civic::now;
use crate::civic::polls;
use crate::error::Error;
use crate::ids::{OptionId, PollId};
use crate::model::{Eligibility, Poll, PollKind, PollOption};
use crate::web::forms;
use crate::web::i18n::Lang;
use crate::web::page;
use crate::web::session::Visitor;

/// The vote inputs of one question (radio buttons, checkboxes, or a 1–5 scale), named `name`.
pub(super) fn choice_inputs(lang: Lang, name: &str, poll: &Poll, options: &[PollOption]) -> Markup {
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
pub(super) fn results(lang: Lang, poll: &Poll, options: &[PollOption]) -> Markup {
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
        Ok(found) if !v.ctx.policy().await.shows(&found.0) => {
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
        @if poll.is_local() && poll.eligibility == crate::model::Eligibility::Residents {
            p class="meta" id="counts-kept" { (lang.t("poll-counts-kept")) }
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
