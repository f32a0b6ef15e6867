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

fn parse_meeting(raw: &str) -> Result<MeetingId, Error> {
    raw.parse()
        .map(MeetingId)
        .map_err(|_| Error::NotFound("no such meeting".into()))
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
}

/// `GET /meetings`: the commune's meetings to come, or past ones.
pub async fn agenda(v: Visitor, Query(q): Query<AgendaQuery>) -> Response {
    let lang = v.lang;
    let commune = match commune_of(&v).await {
        Ok(c) => c,
        Err(e) => return v.error(&e),
    };
    let past = q.past == "1";
    let id = commune.id;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                meetings::agenda(conn, id, past, 200)?,
                meetings::timezone(conn, id)?,
            ))
        })
        .await;
    let (list, tz) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
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
        p {
            @if organiser { a href="/meetings/new" class="button" { (lang.t("meeting-new")) } " " }
            @if past { a href="/meetings" { (lang.t("meetings-title")) } }
            @else { a href="/meetings?past=1" { (lang.t("meetings-past")) } }
            " · " a href=(format!("/communes/{}/meetings.ics", commune.username)) id="meetings-feed" { (lang.t("meetings-subscribe")) }
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
            Ok((meeting, tz, counts, mine, agenda))
        })
        .await;
    let (meeting, tz, (going, waiting), mine, agenda) = match loaded {
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
            p id="meeting-when" { (crate::federation::meetings::when_and_where(&meeting, tz)) " (" (tz.name()) ")" }
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
pub struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    online_url: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    registration_required: Option<String>,
    #[serde(default)]
    agenda: String,
}

const FIELDS: [&str; 11] = [
    "agenda",
    "title",
    "description",
    "category",
    "starts",
    "ends",
    "address",
    "latitude",
    "online_url",
    "capacity",
    "form",
];

/// The form, to schedule a meeting (`editing`: `None`) or to change one.
fn form_page(
    lang: Lang,
    csrf: &str,
    f: &MeetingForm,
    errors: &FormErrors,
    editing: Option<MeetingId>,
) -> Markup {
    let (heading, action, button) = match editing {
        None => ("meeting-new", "/meetings".to_string(), "meeting-create"),
        Some(id) => (
            "meeting-edit",
            format!("/meetings/{id}/edit"),
            "meeting-save",
        ),
    };
    let categories: Vec<(&str, String)> = MeetingCategory::ALL
        .iter()
        .map(|c| (c.as_str(), category_label(lang, *c)))
        .collect();
    let chosen = if f.category.is_empty() {
        MeetingCategory::PublicMeeting.as_str()
    } else {
        f.category.as_str()
    };
    html! {
        h1 { (lang.t(heading)) }
        (errors.summary(lang))
        form id="meeting-form" method="post" action=(action) novalidate {
            (forms::csrf(csrf))
            (forms::input(lang, Input::text("title", lang.t("field-meeting-title"), &f.title).required().maxlength(meetings::MAX_TITLE), errors))
            (forms::select(lang, "category", &lang.t("field-meeting-category"), &categories, chosen, errors))
            (forms::input(lang, Input::text("starts", lang.t("field-meeting-starts"), &f.starts).required().hint(lang.t("hint-meeting-time")), errors))
            (forms::input(lang, Input::text("ends", lang.t("field-meeting-ends"), &f.ends).required().hint(lang.t("hint-meeting-time")), errors))
            (forms::input(lang, Input::text("address", lang.t("field-meeting-address"), &f.address).maxlength(meetings::MAX_ADDRESS), errors))
            (forms::input(lang, Input::text("latitude", lang.t("field-latitude"), &f.latitude), errors))
            (forms::input(lang, Input::text("longitude", lang.t("field-longitude"), &f.longitude), errors))
            (forms::input(lang, Input::text("online_url", lang.t("field-meeting-online"), &f.online_url), errors))
            (forms::input(lang, Input::text("capacity", lang.t("field-meeting-capacity"), &f.capacity).hint(lang.t("hint-meeting-capacity")), errors))
            div class="field checkbox" {
                input type="checkbox" id="registration_required" name="registration_required" value="on" checked[f.registration_required.is_some()];
                " " label for="registration_required" { (lang.t("field-meeting-registration")) }
            }
            (forms::textarea(lang, Input::text("description", lang.t("field-meeting-description"), &f.description).maxlength(meetings::MAX_DESCRIPTION), 8, errors))
            (forms::textarea(lang, Input::text("agenda", lang.t("field-meeting-agenda"), &f.agenda).hint(lang.t("hint-meeting-agenda")), 5, errors))
            button type="submit" { (lang.t(button)) }
        }
    }
}

/// `GET /meetings/new`: the form, for the commune's officials and staff.
pub async fn new_form(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    if !meetings::may_organise(&me, me.commune_id) {
        return v.error(&Error::Forbidden(
            "only the commune's officials and staff schedule its meetings".into(),
        ));
    }
    let csrf = v.csrf().await;
    let body = form_page(
        v.lang,
        &csrf,
        &MeetingForm::default(),
        &FormErrors::new(),
        None,
    );
    page_status(&v, &v.lang.t("meeting-new"), body, StatusCode::OK).await
}

fn local_time(field: &'static str, raw: &str) -> Result<NaiveDateTime, Error> {
    let raw = raw.trim().replace('T', " ");
    NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M")
        .map_err(|_| Error::invalid(field, "a date and time as 2027-01-12 18:30"))
}

/// The agenda as typed: one item per line, optionally followed by `|` and the address of a debate, a
/// proposal or a poll of the commune (`/debates/12`, `https://…/polls/3`).
fn read_agenda(raw: &str) -> Result<Vec<meetings::AgendaEntry>, Error> {
    let mut entries = vec![];
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (title, link) = match line.rsplit_once('|') {
            Some((title, link)) => (title.trim(), Some(link.trim())),
            None => (line, None),
        };
        let link = match link {
            None | Some("") => None,
            Some(link) => {
                let path = url::Url::parse(link)
                    .map(|u| u.path().to_string())
                    .unwrap_or_else(|_| link.to_string());
                let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
                let bad =
                    || Error::invalid("agenda", "a link is /debates/N, /proposals/N or /polls/N");
                match parts.as_slice() {
                    ["debates" | "proposals", n] => Some(meetings::AgendaLink::Debate(
                        crate::ids::DebateId(n.parse().map_err(|_| bad())?),
                    )),
                    ["polls", n] => Some(meetings::AgendaLink::Poll(crate::ids::PollId(
                        n.parse().map_err(|_| bad())?,
                    ))),
                    _ => return Err(bad()),
                }
            }
        };
        entries.push(meetings::AgendaEntry {
            title: title.to_string(),
            link,
        });
    }
    Ok(entries)
}

fn read_form(f: &MeetingForm) -> Result<NewMeeting, Error> {
    let category = MeetingCategory::parse(&f.category)
        .ok_or_else(|| Error::invalid("category", "choose a kind of meeting"))?;
    let coordinates = match (f.latitude.trim(), f.longitude.trim()) {
        ("", "") => None,
        (lat, lon) => Some((
            lat.parse()
                .map_err(|_| Error::invalid("latitude", "a number of degrees"))?,
            lon.parse()
                .map_err(|_| Error::invalid("latitude", "a number of degrees"))?,
        )),
    };
    let capacity = match f.capacity.trim() {
        "" => None,
        n => Some(
            n.parse()
                .map_err(|_| Error::invalid("capacity", "a number of seats, or empty"))?,
        ),
    };
    Ok(NewMeeting {
        title: f.title.clone(),
        description: f.description.clone(),
        category,
        starts: local_time("starts", &f.starts)?,
        ends: local_time("ends", &f.ends)?,
        address: f.address.clone(),
        coordinates,
        online_url: Some(f.online_url.clone()),
        capacity,
        registration_required: f.registration_required.is_some(),
        agenda: read_agenda(&f.agenda)?,
    })
}

/// `POST /meetings`: schedules a meeting.
pub async fn create(v: Visitor, Form(form): Form<MeetingForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let account = me.account.clone();
    let result = match read_form(&form) {
        Ok(new) => {
            v.ctx
                .db
                .transaction(move |conn| meetings::create(conn, &account, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/meetings/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &FIELDS);
            let csrf = v.csrf().await;
            let body = form_page(v.lang, &csrf, &form, &errors, None);
            page_status(
                &v,
                &v.lang.t("meeting-new"),
                body,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// The form's fields for a meeting as it is (times on the commune's clocks).
fn filled(
    meeting: &Meeting,
    tz: chrono_tz::Tz,
    agenda: &[crate::model::AgendaItem],
) -> MeetingForm {
    let local = |at: NaiveDateTime| {
        at.and_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let lines: Vec<String> = agenda
        .iter()
        .map(|item| match (item.debate_id, item.poll_id) {
            (Some(d), _) => format!("{} | /debates/{d}", item.title),
            (None, Some(p)) => format!("{} | /polls/{p}", item.title),
            (None, None) => item.title.clone(),
        })
        .collect();
    MeetingForm {
        csrf: String::new(),
        title: meeting.title.clone(),
        description: meeting.description.clone(),
        category: meeting.category.as_str().to_string(),
        starts: local(meeting.starts_at),
        ends: local(meeting.ends_at),
        address: meeting.address.clone(),
        latitude: meeting.latitude.map(|l| l.to_string()).unwrap_or_default(),
        longitude: meeting.longitude.map(|l| l.to_string()).unwrap_or_default(),
        online_url: meeting.online_url.clone().unwrap_or_default(),
        capacity: meeting.capacity.map(|c| c.to_string()).unwrap_or_default(),
        registration_required: meeting.registration_required.then(|| "on".to_string()),
        agenda: lines.join("\n"),
    }
}

/// `GET /meetings/{id}/edit`: the form to move or change a meeting, for its commune's organisers.
pub async fn edit_form(v: Visitor, Path(raw): Path<String>) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let meeting = meetings::meeting(conn, id)?;
            let tz = meetings::timezone(conn, meeting.commune_id)?;
            let agenda = meetings::agenda_items(conn, id)?;
            Ok((meeting, tz, agenda))
        })
        .await;
    let (meeting, tz, agenda) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    if !meetings::may_organise(&me, meeting.commune_id) {
        return v.error(&Error::Forbidden(
            "only the commune's officials and staff change its meetings".into(),
        ));
    }
    let csrf = v.csrf().await;
    let body = form_page(
        v.lang,
        &csrf,
        &filled(&meeting, tz, &agenda),
        &FormErrors::new(),
        Some(id),
    );
    page_status(&v, &v.lang.t("meeting-edit"), body, StatusCode::OK).await
}

/// `POST /meetings/{id}/edit`: moves or changes a meeting; everyone registered is told.
pub async fn edit(v: Visitor, Path(raw): Path<String>, Form(form): Form<MeetingForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let result = match read_form(&form) {
        Ok(new) => {
            v.ctx
                .db
                .transaction(move |conn| meetings::change(conn, &account, id, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            Redirect::to(&format!("/meetings/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &FIELDS);
            let csrf = v.csrf().await;
            let body = form_page(v.lang, &csrf, &form, &errors, Some(id));
            page_status(
                &v,
                &v.lang.t("meeting-edit"),
                body,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
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

/// An iCalendar answer.
fn ics(body: String, name: &str) -> Response {
    use axum::http::header;
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.ics\""),
            ),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        body,
    )
        .into_response()
}

fn calendar_of(v: &Visitor, name: &str, tz: chrono_tz::Tz, list: &[Meeting]) -> String {
    let entries: Vec<crate::calendar::CalendarMeeting<'_>> = list
        .iter()
        .map(|m| crate::calendar::CalendarMeeting {
            meeting: m,
            url: v.ctx.urls.meeting(m.id).to_string(),
            description: crate::civic::notes::html_to_text(
                &crate::civic::debates::text::markdown_to_html(&m.description),
            ),
        })
        .collect();
    let host = v.ctx.urls.base().host_str().unwrap_or("parvis").to_string();
    crate::calendar::calendar(name, &host, tz, &entries)
}

/// `GET /meetings/{id}/calendar.ics`: one meeting, for a calendar app.
pub async fn meeting_ics(v: Visitor, Path(raw): Path<String>) -> Response {
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let meeting = meetings::meeting(conn, id)?;
            let tz = meetings::timezone(conn, meeting.commune_id)?;
            Ok((meeting, tz))
        })
        .await;
    match loaded {
        Ok((meeting, tz)) => {
            let body = calendar_of(&v, &meeting.title, tz, std::slice::from_ref(&meeting));
            ics(body, &format!("meeting-{id}"))
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /communes/{name}/meetings.ics`: the commune's agenda as a feed (to come, and the last 200 past).
pub async fn commune_ics(v: Visitor, Path(name): Path<String>) -> Response {
    let name = name.trim_start_matches('@').to_ascii_lowercase();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let mut list = meetings::agenda(conn, commune.id, false, 500)?;
            list.extend(meetings::agenda(conn, commune.id, true, 200)?);
            let tz = meetings::timezone(conn, commune.id)?;
            Ok((commune, list, tz))
        })
        .await;
    match loaded {
        Ok((commune, list, tz)) => {
            let body = calendar_of(&v, &commune.display_name, tz, &list);
            ics(body, &commune.username.to_string())
        }
        Err(e) => e.into_response(),
    }
}
