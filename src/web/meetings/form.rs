//! The form that schedules a meeting or changes one: its fields, how they are read (times on the commune's
//! clocks, the agenda's lines and links), and the pages that show and take it.

use super::*;

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
    /// Office hours repeating: `weekly`, `monthly`, or empty.
    #[serde(default)]
    repeat: String,
    /// The last day they repeat on (`2027-06-30`), or empty.
    #[serde(default)]
    until: String,
    /// Changing an occurrence: `following` changes the rule from it on; else this one only.
    #[serde(default)]
    scope: String,
}

const FIELDS: [&str; 13] = [
    "repeat",
    "until",
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

/// The form, to schedule a meeting (`editing`: `None`) or to change one (`in_series`: an occurrence of
/// repeating office hours).
fn form_page(
    lang: Lang,
    csrf: &str,
    f: &MeetingForm,
    errors: &FormErrors,
    editing: Option<MeetingId>,
    in_series: bool,
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
            @if editing.is_none() || in_series {
                fieldset id="meeting-repeat" {
                    legend { (lang.t("field-meeting-repeat")) }
                    p class="hint" { (lang.t("hint-meeting-repeat")) }
                    (forms::select(lang, "repeat", &lang.t("field-meeting-frequency"), &repeats(lang, in_series), &f.repeat, errors))
                    (forms::input(lang, Input::text("until", lang.t("field-meeting-until"), &f.until).hint(lang.t("hint-meeting-until")), errors))
                    @if in_series {
                        div class="field" {
                            input type="radio" id="scope-this" name="scope" value="this" checked[f.scope != "following"];
                            " " label for="scope-this" { (lang.t("meeting-scope-this")) }
                            br;
                            input type="radio" id="scope-following" name="scope" value="following" checked[f.scope == "following"];
                            " " label for="scope-following" { (lang.t("meeting-scope-following")) }
                        }
                    }
                }
            }
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

/// The choices of how a meeting repeats (an occurrence keeps repeating: its rule ends with a last day).
fn repeats(lang: Lang, in_series: bool) -> Vec<(&'static str, String)> {
    let mut choices = vec![];
    if !in_series {
        choices.push(("", lang.t("meeting-repeat-none")));
    }
    choices.push(("weekly", lang.t("meeting-repeat-weekly")));
    choices.push(("monthly", lang.t("meeting-repeat-monthly")));
    choices
}

/// How the form says the meeting repeats, if it does.
fn read_rule(f: &MeetingForm) -> Result<Option<meetings::series::Rule>, Error> {
    let frequency = match f.repeat.trim() {
        "" => return Ok(None),
        raw => crate::model::Frequency::parse(raw)
            .ok_or_else(|| Error::invalid("repeat", "weekly, monthly, or empty"))?,
    };
    let until = match f.until.trim() {
        "" => None,
        raw => Some(
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| Error::invalid("until", "a date as 2027-06-30, or empty"))?,
        ),
    };
    Ok(Some(meetings::series::Rule { frequency, until }))
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
        false,
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
    let result = match read_form(&form).and_then(|new| Ok((new, read_rule(&form)?))) {
        Ok((new, rule)) => {
            v.ctx
                .db
                .transaction(move |conn| match rule {
                    Some(rule) => meetings::series::create_series(conn, &account, &new, rule),
                    None => meetings::create(conn, &account, &new),
                })
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
            let body = form_page(v.lang, &csrf, &form, &errors, None, false);
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
    series: Option<&crate::model::Series>,
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
        repeat: series
            .map(|s| s.frequency.as_str().to_string())
            .unwrap_or_default(),
        until: series
            .and_then(|s| s.until_day)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        scope: String::new(),
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
            let series = meetings::series::series_of(conn, id)?.map(|(s, _)| s);
            Ok((meeting, tz, agenda, series))
        })
        .await;
    let (meeting, tz, agenda, series) = match loaded {
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
        &filled(&meeting, tz, &agenda, series.as_ref()),
        &FormErrors::new(),
        Some(id),
        series.is_some(),
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
    let following = form.scope == "following";
    let result = match read_form(&form).and_then(|new| Ok((new, read_rule(&form)?))) {
        Ok((new, rule)) => {
            v.ctx
                .db
                .transaction(move |conn| match rule {
                    Some(rule) if following => {
                        meetings::series::change_following(conn, &account, id, &new, rule)
                    }
                    _ => meetings::change(conn, &account, id, &new),
                })
                .await
        }
        Err(e) => Err(e),
    };
    let in_series = !form.repeat.is_empty();
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            Redirect::to(&format!("/meetings/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &FIELDS);
            let csrf = v.csrf().await;
            let body = form_page(v.lang, &csrf, &form, &errors, Some(id), in_series);
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
