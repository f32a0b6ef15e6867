//! Events of other servers on the web ("nearby"): the list beside the commune's agenda, an event's page
//! (when and where as its organiser says, on its own clocks; the description cleaned; the link to its page
//! there), and the buttons that register from home (a `Join` from the visitor's account) or cancel.

use super::*;
use crate::civic::meetings::elsewhere;
use crate::ids::RemoteEventId;
use crate::model::{RemoteAttendance, RemoteEvent};

fn parse_event(raw: &str) -> Result<RemoteEventId, Error> {
    raw.parse()
        .map(RemoteEventId)
        .map_err(|_| Error::NotFound("no such event".into()))
}

/// When, on the event's clocks (its own time zone, else the commune's here).
pub(super) fn when_remote(e: &RemoteEvent, here: chrono_tz::Tz) -> String {
    let tz = e
        .timezone
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(here);
    let start = e.starts_at.and_utc().with_timezone(&tz);
    let text = match e.ends_at.map(|end| end.and_utc().with_timezone(&tz)) {
        Some(end) if end.date_naive() == start.date_naive() => format!(
            "{} {}–{}",
            start.format("%d/%m/%Y"),
            start.format("%H:%M"),
            end.format("%H:%M")
        ),
        Some(end) => format!(
            "{} – {}",
            start.format("%d/%m/%Y %H:%M"),
            end.format("%d/%m/%Y %H:%M")
        ),
        None => start.format("%d/%m/%Y %H:%M").to_string(),
    };
    format!("{text} ({})", tz.name())
}

/// The events of other servers to come, as listed under the commune's agenda.
pub(super) fn list(
    lang: Lang,
    events: &[(RemoteEvent, crate::model::RemoteActor)],
    here: chrono_tz::Tz,
) -> Markup {
    html! {
        h2 id="nearby" { (lang.t("meetings-nearby")) }
        p { (lang.t("meetings-nearby-text")) }
        @if events.is_empty() {
            p { (lang.t("meetings-nearby-none")) }
        } @else {
            ul class="meetings" id="meetings-nearby" {
                @for (e, organiser) in events {
                    li {
                        a href=(format!("/meetings/nearby/{}", e.id)) { (e.title) }
                        " · " (organiser.shown_name())
                        " · " (when_remote(e, here))
                        @if e.status == MeetingStatus::Cancelled { " · " span class="badge" { (lang.t("meeting-cancelled")) } }
                    }
                }
            }
        }
    }
}

/// `GET /meetings/nearby/{id}`: an event of another server.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_event(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let here = match commune_of(&v).await {
        Ok(c) => c.id,
        Err(e) => return v.error(&e),
    };
    let viewer = v.me.as_ref().map(|m| m.account.actor_id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let (event, organiser) = elsewhere::remote_event(conn, id)?;
            let tz = meetings::timezone(conn, here)?;
            let mine = match viewer {
                Some(a) => elsewhere::my_participation(conn, id, a)?,
                None => None,
            };
            let counts = elsewhere::counts_here(conn, id)?;
            Ok((event, organiser, tz, mine, counts))
        })
        .await;
    let (event, organiser, tz, mine, (going_here, pending_here)) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    // What comes from a server the admin hid is not shown.
    if !v.ctx.policy().await.shows(&event) {
        return v.error(&Error::NotFound("no such event".into()));
    }
    let csrf = v.csrf_if_signed_in().await;
    let over = event.ends_at.unwrap_or(event.starts_at) <= crate::civic::now();
    let open = event.status == MeetingStatus::Scheduled && !over;
    let state = mine.map(|p| p.state);
    let registered = matches!(
        state,
        Some(RemoteAttendance::Pending | RemoteAttendance::Going)
    );
    let title = event.title.clone();
    let body = html! {
        article class="meeting" {
            h1 { (title) }
            p class="meta" {
                (lang.t("meeting-by")) " " (organiser.shown_name())
                @if event.status == MeetingStatus::Cancelled { " " span class="badge" id="meeting-cancelled" { (lang.t("meeting-cancelled")) } }
            }
            p id="meeting-when" {
                (when_remote(&event, tz))
                @if !event.address.is_empty() { " · " (event.address) }
            }
            @if let Some(link) = &event.online_url { p { (lang.t("meeting-online")) " " a href=(link) rel="nofollow noopener" { (link) } } }
            @if let (Some(lat), Some(lon)) = (event.latitude, event.longitude) {
                p { a href=(format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}")) rel="noopener" { (format!("{lat:.5}, {lon:.5}")) } }
            }
            // Cleaned when it was received.
            div class="body" { (maud::PreEscaped(&event.content_html)) }
            p { a href=(event.url) rel="nofollow noopener" id="meeting-original" { (lang.t("meeting-original")) } }
            p id="meeting-seats" {
                @if let Some(c) = event.capacity { (lang.ta("meeting-capacity", &[("capacity", c.into())])) " · " }
                (lang.ta("meeting-here", &[("going", going_here.into()), ("pending", pending_here.into())]))
            }
            @if let Some(csrf) = &csrf {
                @if let Some(state) = state {
                    p id="meeting-mine" { (lang.t(&format!("meeting-remote-{}", state.as_str()))) }
                }
                @if registered {
                    form method="post" action=(format!("/meetings/nearby/{}/leave", event.id)) {
                        (forms::csrf(csrf))
                        button type="submit" class="secondary" { (lang.t("meeting-unregister")) }
                    }
                } @else if open {
                    form id="meeting-register" method="post" action=(format!("/meetings/nearby/{}/join", event.id)) {
                        (forms::csrf(csrf))
                        button type="submit" { (lang.t("meeting-register")) }
                    }
                }
            }
        }
    };
    page_status(&v, &event.title, body, StatusCode::OK).await
}

async fn act(v: Visitor, raw: String, form: CsrfForm, joining: bool) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_event(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let done = v
        .ctx
        .db
        .transaction(move |conn| {
            if joining {
                elsewhere::join_remote(conn, &account, id).map(drop)
            } else {
                elsewhere::leave_remote(conn, &account, id)
            }
        })
        .await;
    match done {
        Ok(()) => {
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/meetings/nearby/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /meetings/nearby/{id}/join`: registers from home (a `Join` to the event's server).
pub async fn join(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    act(v, raw, f, true).await
}

/// `POST /meetings/nearby/{id}/leave`: cancels (a `Leave`).
pub async fn leave(v: Visitor, Path(raw): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    act(v, raw, f, false).await
}
