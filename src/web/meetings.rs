//! Meetings on the web: the commune's agenda (to come, and past), a meeting's page (when and where on the
//! commune's clocks, seats left, register or cancel, the waiting list), and for its officials and staff the
//! form that schedules one and the button that cancels it.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use maud::{Markup, html};
use serde::Deserialize;

use crate::civic::meetings::{self, NewMeeting};
use crate::db::queries;
use crate::error::Error;
use crate::ids::MeetingId;
use crate::model::{Actor, Attendance, Meeting, MeetingCategory, MeetingStatus};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{page_status, page_with};

mod calendar;
mod form;
pub mod minutes;
pub mod nearby;

pub use calendar::{commune_ics, meeting_ics};
pub use form::{create, edit, edit_form, new_form};

fn parse_meeting(raw: &str) -> Result<MeetingId, Error> {
    raw.parse()
        .map(MeetingId)
        .map_err(|_| Error::NotFound("no such meeting".into()))
}

/// The visitor's language, for the words of a meeting's date (shared with its federated summary).
pub(crate) fn summary_language(lang: Lang) -> crate::model::CommuneLanguage {
    match lang {
        Lang::Fr => crate::model::CommuneLanguage::Fr,
        Lang::En => crate::model::CommuneLanguage::En,
    }
}

fn category_label(lang: Lang, category: MeetingCategory) -> String {
    lang.t(&format!("meeting-category-{}", category.as_str()))
}

/// The visitor's commune, else the instance's default one.
async fn commune_of(v: &Visitor) -> Result<Actor, Error> {
    let mine = v.me.as_ref().map(|m| m.account.commune_id);
    v.ctx
        .db
        .run(move |conn| match mine {
            Some(id) => queries::actor_by_id(conn, id),
            None => queries::default_commune(conn)?
                .ok_or_else(|| Error::NotFound("no commune here yet".into())),
        })
        .await
}

fn when(m: &Meeting, tz: chrono_tz::Tz) -> String {
    let start = m.starts_at.and_utc().with_timezone(&tz);
    let end = m.ends_at.and_utc().with_timezone(&tz);
    if start.date_naive() == end.date_naive() {
        format!(
            "{} {}–{}",
            start.format("%d/%m/%Y"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            start.format("%d/%m/%Y %H:%M"),
            end.format("%d/%m/%Y %H:%M")
        )
    }
}

#[derive(Deserialize, Default)]
pub struct AgendaQuery {
    #[serde(default)]
    past: String,
    /// Only meetings of this category (`council_session`…); empty: all.
    #[serde(default)]
    category: String,
}

/// `GET /meetings`: the commune's meetings to come, or past ones.
pub async fn agenda(v: Visitor, Query(q): Query<AgendaQuery>) -> Response {
    let lang = v.lang;
    let commune = match commune_of(&v).await {
        Ok(c) => c,
        Err(e) => return v.error(&e),
    };
    let past = q.past == "1";
    let category = MeetingCategory::parse(&q.category);
    let id = commune.id;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let mut list = meetings::agenda(conn, id, past, 200)?;
            list.retain(|m| category.is_none_or(|c| m.category == c));
            let elsewhere = if past {
                vec![]
            } else {
                meetings::elsewhere::nearby(conn, 50)?
            };
            Ok((list, meetings::timezone(conn, id)?, elsewhere))
        })
        .await;
    let (list, tz, mut elsewhere) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let policy = v.ctx.policy().await;
    elsewhere.retain(|(e, _)| policy.shows(e));
    let filter = |c: Option<MeetingCategory>| {
        let mut link = String::from("/meetings?");
        if past {
            link.push_str("past=1&");
        }
        if let Some(c) = c {
            link.push_str(&format!("category={}", c.as_str()));
        }
        link
    };
    let organiser =
        v.me.as_ref()
            .is_some_and(|m| meetings::may_organise(&m.account, id));
    let title = lang.t(if past {
        "meetings-past"
    } else {
        "meetings-title"
    });
    let body = html! {
        h1 { (title) }
        @if organiser { p { a href="/meetings/new" class="button" { (lang.t("meeting-new")) } } }
        p {
            @if past { a href="/meetings" { (lang.t("meetings-title")) } }
            @else { a href="/meetings?past=1" { (lang.t("meetings-past")) } }
            " · " a href=(format!("/communes/{}/meetings.ics", commune.username)) id="meetings-feed" { (lang.t("meetings-subscribe")) }
        }
        nav class="filters" aria-label=(lang.t("meetings-by-category")) id="meetings-categories" {
            a href=(filter(None)) aria-current=[category.is_none().then_some("page")] { (lang.t("meetings-all")) }
            @for c in MeetingCategory::ALL.iter().copied() {
                " · " a href=(filter(Some(c))) aria-current=[(category == Some(c)).then_some("page")] { (category_label(lang, c)) }
            }
        }
        @if list.is_empty() {
            p { (lang.t("meetings-none")) }
        } @else {
            ul class="meetings" id="meetings" {
                @for m in &list {
                    li {
                        a href=(format!("/meetings/{}", m.id)) { (m.title) }
                        " · " (when(m, tz))
                        " · " (category_label(lang, m.category))
                        @if m.status == MeetingStatus::Cancelled { " · " span class="badge" { (lang.t("meeting-cancelled")) } }
                    }
                }
            }
        }
        @if !past { (nearby::list(lang, &elsewhere, tz)) }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// `GET /meetings/{id}` in a browser.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let me = v.me.as_ref().map(|m| m.account.clone());
    let viewer = me.as_ref().map(|a| a.actor_id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let meeting = meetings::meeting(conn, id)?;
            let tz = meetings::timezone(conn, meeting.commune_id)?;
            let counts = meetings::counts(conn, id)?;
            let mine = match viewer {
                Some(a) => meetings::attendance(conn, id, a)?,
                None => None,
            };
            let agenda = meetings::agenda_items(conn, id)?;
            let minutes = meetings::minutes::minutes(conn, id)?;
            let series = meetings::series::series_of(conn, id)?.map(|(s, _)| s);
            Ok((meeting, tz, counts, mine, agenda, (minutes, series)))
        })
        .await;
    let (meeting, tz, (going, waiting), mine, agenda, (found_minutes, series)) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf_if_signed_in().await;
    let organiser = me
        .as_ref()
        .is_some_and(|a| meetings::may_organise(a, meeting.commune_id));
    let open = meetings::open_for_registration(&meeting).is_ok();
    let full = meeting.capacity.is_some_and(|c| going >= c);
    let url = v.ctx.urls.meeting(meeting.id).to_string();
    let title = meeting.title.clone();
    let body = html! {
        article class="meeting" {
            h1 { (title) }
            p class="meta" {
                span class="badge" { (category_label(lang, meeting.category)) }
                @if meeting.status == MeetingStatus::Cancelled { " " span class="badge" id="meeting-cancelled" { (lang.t("meeting-cancelled")) } }
            }
            p id="meeting-when" { (crate::federation::meetings::when_and_where(&meeting, tz, summary_language(lang))) " (" (tz.name()) ")" }
            @if let Some(s) = &series {
                p id="meeting-repeats" {
                    (lang.t(&format!("meeting-repeats-{}", s.frequency.as_str())))
                    @if let Some(until) = s.until_day { " " (lang.ta("meeting-repeats-until", &[("until", until.format("%d/%m/%Y").to_string().into())])) }
                }
            }
            p { a href=(format!("/meetings/{}/calendar.ics", meeting.id)) id="meeting-ics" { (lang.t("meeting-add-to-calendar")) } }
            @if let Some(link) = &meeting.online_url { p { (lang.t("meeting-online")) " " a href=(link) rel="noopener" { (link) } } }
            @if let (Some(lat), Some(lon)) = (meeting.latitude, meeting.longitude) {
                p { a href=(format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}")) rel="noopener" { (format!("{lat:.5}, {lon:.5}")) } }
            }
            div class="body" { (maud::PreEscaped(crate::civic::debates::text::markdown_to_html(&meeting.description))) }
            @if !agenda.is_empty() {
                h2 { (lang.t("meeting-agenda")) }
                ol id="meeting-agenda" {
                    @for item in &agenda {
                        li {
                            @match (item.debate_id, item.poll_id) {
                                (Some(d), _) => { a href=(format!("/debates/{d}")) { (item.title) } }
                                (None, Some(p)) => { a href=(format!("/polls/{p}")) { (item.title) } }
                                (None, None) => { (item.title) }
                            }
                        }
                    }
                }
            }
            (minutes::section(lang, &meeting, found_minutes.as_ref(), csrf.as_deref().filter(|_| organiser)))
            p id="meeting-seats" {
                @match meeting.capacity {
                    Some(c) => { (lang.ta("meeting-seats", &[("going", going.into()), ("capacity", c.into())])) }
                    None => { (lang.count("meeting-going", going)) }
                }
                @if waiting > 0 { " · " (lang.count("meeting-waiting", waiting)) }
                @if meeting.registration_required { " · " (lang.t("meeting-registration-required")) }
            }
            @if let Some(csrf) = &csrf {
                @match mine {
                    Some(state) => {
                        p id="meeting-mine" { (lang.t(if state == Attendance::Going { "meeting-you-go" } else { "meeting-you-wait" })) }
                        form method="post" action=(format!("/meetings/{}/unregister", meeting.id)) {
                            (forms::csrf(csrf))
                            button type="submit" class="secondary" { (lang.t("meeting-unregister")) }
                        }
                    }
                    None if open => {
                        form id="meeting-register" method="post" action=(format!("/meetings/{}/register", meeting.id)) {
                            (forms::csrf(csrf))
                            button type="submit" { (lang.t(if full { "meeting-register-wait" } else { "meeting-register" })) }
                        }
                    }
                    None => {}
                }
                @if organiser && meeting.status == MeetingStatus::Scheduled {
                    p { a href=(format!("/meetings/{}/edit", meeting.id)) id="meeting-edit" { (lang.t("meeting-edit")) } }
                    form id="meeting-cancel" method="post" action=(format!("/meetings/{}/cancel", meeting.id)) {
                        (forms::csrf(csrf))
                        button type="submit" class="secondary" { (lang.t("meeting-cancel")) }
                    }
                }
            }
        }
    };
    let description: String = meeting.description.chars().take(200).collect();
    let og = crate::web::OpenGraph {
        title: &meeting.title,
        description: &description,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &meeting.title, Some(&og), body, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// What a button on a meeting's page does.
enum Action {
    Register,
    Unregister,
    Cancel,
}

async fn act(v: Visitor, raw: String, form: CsrfForm, action: Action) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let done = v
        .ctx
        .db
        .transaction(move |conn| match action {
            Action::Register => meetings::register(conn, &account, id).map(|_| ()),
            Action::Unregister => meetings::unregister(conn, &account, id),
            Action::Cancel => meetings::cancel(conn, &account, id),
        })
        .await;
    match done {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            Redirect::to(&format!("/meetings/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /meetings/{id}/register`: a seat, or the waiting list.
pub async fn register(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    act(v, raw, f, Action::Register).await
}

/// `POST /meetings/{id}/unregister`: the seat goes to the first on the waiting list.
pub async fn unregister(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    act(v, raw, f, Action::Unregister).await
}

/// `POST /meetings/{id}/cancel`: the organisers cancel it; everyone registered is told.
pub async fn cancel(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    act(v, raw, f, Action::Cancel).await
}
