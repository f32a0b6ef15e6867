//! The proposal's own part of a debate's page: progress toward the threshold, supports by kind, the official
//! answers and their history, the support and follow buttons, and the answer form for those who speak for the
//! commune.

use maud::{Markup, PreEscaped, html};

use crate::civic::proposals;
use crate::db::proposals::ProposalView;
use crate::ids::DebateId;
use crate::model::ProposalStatus;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;

use super::status_label;

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
                p class="meta" id="counts-kept" { (lang.t("proposal-counts-kept")) }
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
