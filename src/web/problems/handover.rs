//! Hand-overs on the web: on a report's page, its hand-overs (who to, why, the answer), the form that hands
//! it to another authority (staff of the commune where it was filed), the answer to an offer (staff of the
//! commune it is offered to), and for a report of another server handed to a commune here, the status its
//! staff set.

use super::*;
use crate::civic::problems::{HandTo, Partners};
use crate::ids::{HandoverId, RemoteProblemId};
use crate::model::{Handing, Handover, HandoverState};

/// A hand-over as shown: what it is, the names of both communes, and whether the viewer answers it.
pub(super) struct Shown {
    pub handover: Handover,
    pub from: String,
    pub to: String,
    pub answers: bool,
    /// The viewer is staff of the commune that offered it, and it still waits: they may withdraw it.
    pub withdraws: bool,
}

fn local_name(
    conn: &mut crate::db::AnyConnection,
    id: crate::ids::ActorId,
) -> Result<String, Error> {
    Ok(queries::actor_by_id(conn, id)?.display_name)
}

fn remote_name(
    conn: &mut crate::db::AnyConnection,
    id: crate::ids::RemoteActorId,
) -> Result<String, Error> {
    Ok(crate::civic::remote::remote_actor(conn, id)?.shown_name())
}

/// The names and the viewer's part in each hand-over.
pub(super) fn shown(
    conn: &mut crate::db::AnyConnection,
    list: Vec<Handover>,
    viewer: Option<&Account>,
) -> Result<Vec<Shown>, Error> {
    let mut out = vec![];
    for handover in list {
        let (from, to, receiver, sender) = match &handover.handing {
            Handing::Local { from, to, .. } => (
                local_name(conn, *from)?,
                local_name(conn, *to)?,
                Some(*to),
                Some(*from),
            ),
            Handing::Outgoing { from, to, .. } => (
                local_name(conn, *from)?,
                remote_name(conn, *to)?,
                None,
                Some(*from),
            ),
            Handing::Incoming { from, to, .. } => (
                remote_name(conn, *from)?,
                local_name(conn, *to)?,
                Some(*to),
                None,
            ),
        };
        let staff_of = |commune: Option<crate::ids::ActorId>| {
            commune
                .is_some_and(|c| viewer.is_some_and(|v| crate::civic::accounts::is_staff_of(v, c)))
        };
        let waiting = handover.state == HandoverState::Offered;
        let withdraws = waiting && staff_of(sender);
        let answers = waiting && staff_of(receiver);
        out.push(Shown {
            handover,
            from,
            to,
            answers,
            withdraws,
        });
    }
    Ok(out)
}

/// The hand-overs of a report, with the answer form where the viewer answers, and the form that hands it
/// over when `hand` is given (the communes it may go to).
pub(super) fn section(
    lang: Lang,
    csrf: Option<&str>,
    list: &[Shown],
    hand: Option<(&Partners, String)>,
) -> Markup {
    let none = FormErrors::new();
    let mut options: Vec<(String, String)> = vec![];
    if let Some((partners, _)) = &hand {
        for (id, name) in &partners.local {
            options.push((format!("c{id}"), name.clone()));
        }
        for r in &partners.remote {
            options.push((
                format!("r{}", r.id),
                format!("{} ({})", r.shown_name(), r.domain),
            ));
        }
    }
    let choices: Vec<(&str, String)> = options
        .iter()
        .map(|(v, t)| (v.as_str(), t.clone()))
        .collect();
    html! {
        @if !list.is_empty() || hand.is_some() {
            section id="problem-handovers" {
                h2 { (lang.t("problem-handovers")) }
                @if !list.is_empty() {
                    ol {
                        @for h in list {
                            li class="handover" {
                                (h.from) " → " (h.to) " · "
                                span class="badge" { (lang.t(&format!("handover-state-{}", h.handover.state.as_str()))) }
                                " · " (lang.datetime(h.handover.created_at))
                                p { (h.handover.message) }
                                @if !h.handover.answer.is_empty() {
                                    p { strong { (h.to) " : " } (h.handover.answer) }
                                }
                                @if h.withdraws && let Some(csrf) = csrf {
                                    form method="post" action=(format!("/problems/handovers/{}/withdraw", h.handover.id)) class="handover-withdraw" {
                                        (forms::csrf(csrf))
                                        (forms::input(lang, Input::text("answer", lang.t("field-handover-withdraw"), "")
                                            .required().maxlength(problems::MAX_HANDOVER_MESSAGE), &none))
                                        button type="submit" class="secondary" { (lang.t("handover-withdraw")) }
                                    }
                                }
                                @if h.answers && let Some(csrf) = csrf {
                                    form method="post" action=(format!("/problems/handovers/{}/answer", h.handover.id)) class="handover-answer" {
                                        (forms::csrf(csrf))
                                        (forms::textarea(lang, Input::text("answer", lang.t("field-handover-answer"), "")
                                            .maxlength(problems::MAX_HANDOVER_MESSAGE).hint(lang.t("hint-handover-answer")), 2, &none))
                                        button type="submit" name="decision" value="accept" { (lang.t("handover-accept")) }
                                        " "
                                        button type="submit" name="decision" value="decline" class="secondary" { (lang.t("handover-decline")) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some((_, action)) = &hand && let Some(csrf) = csrf {
                    @if choices.is_empty() {
                        p { (lang.t("handover-no-partner")) }
                    } @else {
                        form id="problem-handover-form" method="post" action=(action) novalidate {
                            (forms::csrf(csrf))
                            (forms::select(lang, "to", &lang.t("field-handover-to"), &choices, choices[0].0, &none))
                            (forms::textarea(lang, Input::text("message", lang.t("field-handover-message"), "")
                                .required().maxlength(problems::MAX_HANDOVER_MESSAGE).hint(lang.t("hint-handover-message")), 3, &none))
                            button type="submit" { (lang.t("problem-hand-over")) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct HandForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    message: String,
}

/// The commune a form names: `c12` a commune here, `r5` a commune of another server.
fn hand_to(raw: &str) -> Result<HandTo, Error> {
    let invalid = || Error::invalid("to", "choose one of the partner communes");
    let (kind, id) = raw.split_at_checked(1).ok_or_else(invalid)?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    match kind {
        "c" => Ok(HandTo::Commune(crate::ids::ActorId(id))),
        "r" => Ok(HandTo::Remote(crate::ids::RemoteActorId(id))),
        _ => Err(invalid()),
    }
}

/// `POST /problems/{id}/handover`: staff hand a report to another authority.
pub async fn hand_over(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<HandForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let to = match hand_to(&form.to) {
        Ok(to) => to,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| problems::hand_over(conn, &account, id, to, &form.message))
        .await
    {
        Ok(_) => {
            v.ctx.wake.notify_one();
            v.flash("flash-problem-handed").await;
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    answer: String,
}

/// `POST /problems/handovers/{h}/answer`: the staff of the commune a report is offered to accept or
/// decline it.
pub async fn answer(v: Visitor, Path(raw): Path<String>, Form(form): Form<AnswerForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(id) = raw.parse().map(HandoverId) else {
        return v.error(&Error::NotFound("no such hand-over".into()));
    };
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return v.error(&Error::invalid("decision", "accept or decline")),
    };
    let account = me.account.clone();
    let done = v
        .ctx
        .db
        .transaction(move |conn| {
            problems::answer_handover(conn, &account, id, accept, &form.answer)?;
            Ok(problems::handover(conn, id)?.handing)
        })
        .await;
    match done {
        Ok(handing) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            let back = match handing {
                Handing::Incoming { problem, .. } => format!("/problems/elsewhere/{problem}"),
                Handing::Local { problem, .. } | Handing::Outgoing { problem, .. } => {
                    format!("/problems/{problem}")
                }
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /problems/handovers/{h}/withdraw`: the staff of the commune that offered a report withdraw the
/// offer, with a reason, while it waits.
pub async fn withdraw(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(id) = raw.parse().map(HandoverId) else {
        return v.error(&Error::NotFound("no such hand-over".into()));
    };
    let account = me.account.clone();
    let done = v
        .ctx
        .db
        .transaction(move |conn| {
            problems::withdraw_handover(conn, &account, id, &form.answer)?;
            Ok(problems::handover(conn, id)?.handing)
        })
        .await;
    match done {
        Ok(Handing::Local { problem, .. } | Handing::Outgoing { problem, .. }) => {
            Redirect::to(&format!("/problems/{problem}")).into_response()
        }
        Ok(Handing::Incoming { problem, .. }) => {
            Redirect::to(&format!("/problems/elsewhere/{problem}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct HandedStatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
}

/// `POST /problems/elsewhere/{id}/status`: the staff of a commune here that accepted another server's
/// report set its status (sent to the report's commune, which publishes it).
pub async fn handed_status(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<HandedStatusForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(id) = raw.parse().map(RemoteProblemId) else {
        return v.error(&Error::NotFound("no such problem report".into()));
    };
    let Some(status) = ProblemStatus::parse(&form.status) else {
        return v.error(&Error::invalid("status", "unknown status"));
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| {
            problems::change_handed_status(conn, &account, id, status, &form.message)
        })
        .await
    {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-problem-status-sent").await;
            Redirect::to(&format!("/problems/elsewhere/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// The status form of a report handed to the viewer's commune (`action` posts it).
pub(super) fn status_form(lang: Lang, csrf: &str, current: ProblemStatus, action: &str) -> Markup {
    let next: Vec<(&str, String)> = current
        .next()
        .iter()
        .filter(|s| **s != ProblemStatus::Duplicate)
        .map(|s| (s.as_str(), status_label(lang, *s)))
        .collect();
    let none = FormErrors::new();
    html! {
        @if !next.is_empty() {
            section id="problem-staff" {
                h2 { (lang.t("problem-change-status")) }
                form id="problem-status-form" method="post" action=(action) novalidate {
                    (forms::csrf(csrf))
                    (forms::select(lang, "status", &lang.t("field-status"), &next, next[0].0, &none))
                    (forms::textarea(lang, Input::text("message", lang.t("field-problem-message"), "")
                        .required().maxlength(problems::MAX_MESSAGE).hint(lang.t("hint-problem-message")), 3, &none))
                    button type="submit" { (lang.t("problem-change-status")) }
                }
            }
        }
    }
}
