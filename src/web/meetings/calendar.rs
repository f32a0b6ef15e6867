//! Meetings as iCalendar files: one meeting's, and the commune's feed (built by `crate::calendar`).

use super::*;

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
