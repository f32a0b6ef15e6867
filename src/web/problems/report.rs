//! A report's page: "I have this problem too", its history and photos, and for staff the change of status
//! and the review of photos; the photos themselves, to whoever may see them.

use super::*;

/// `GET /problems/{id}` in a browser.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let me: Option<Account> = v.me.as_ref().map(|m| m.account.clone());
    let viewer = me.clone();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let problem = problems::problem(conn, id)?;
            let category = problems::category(conn, problem.category_id)?;
            let history = problems::history(conn, id)?;
            let reporter = match problem.author_id {
                Some(a) if problems::shows_reporter(&problem, viewer.as_ref()) => {
                    Some(queries::actor_by_id(conn, a)?)
                }
                _ => None,
            };
            let mine = match &viewer {
                Some(v) => problems::supports(conn, v.actor_id, id)?,
                None => false,
            };
            let photos = problems::photos(conn, &problem, viewer.as_ref())?;
            let handing = handing(conn, &problem, viewer.as_ref())?;
            let names = step_names(conn, &history)?;
            Ok((
                problem, category, history, reporter, mine, photos, handing, names,
            ))
        })
        .await;
    let (problem, category, history, reporter, mine, photos, handing, names) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf_if_signed_in().await;
    // Who sets the status: the commune that manages the report now.
    let staff = me.as_ref().is_some_and(|a| match handing.owner {
        problems::Owner::Origin => crate::civic::accounts::is_staff_of(a, problem.commune_id),
        problems::Owner::Commune(c) => crate::civic::accounts::is_staff_of(a, c),
        problems::Owner::Remote(_) => false,
    });
    let reviews = me
        .as_ref()
        .is_some_and(|a| crate::civic::accounts::is_staff_of(a, problem.commune_id));
    let is_author = me
        .as_ref()
        .is_some_and(|a| Some(a.actor_id) == problem.author_id);
    let title = format!("#{} {}", problem.id, category.name);
    let url = v.ctx.urls.problem(problem.id).to_string();
    let description: String = problem.description.chars().take(200).collect();
    let next: Vec<(&str, String)> = problem
        .status
        .next()
        .iter()
        .map(|s| (s.as_str(), status_label(lang, *s)))
        .collect();
    let none = FormErrors::new();
    let body = html! {
        article class="problem" {
            h1 { (title) }
            p class="meta" {
                span class="badge" id="problem-status" { (status_label(lang, problem.status)) }
                " · " (lang.datetime(problem.created_at))
                " · "
                @match &reporter {
                    Some(r) => { (lang.t("problem-reported-by")) " " a href=(r.path()) { (r.display_name) } }
                    None => { (lang.t("problem-reported-privately")) }
                }
            }
            @if let Some(by) = &handing.handled_by {
                p id="problem-handled-by" { (lang.t("problem-handled-by")) " " strong { (by) } }
            }
            @if let Some(original) = problem.duplicate_of {
                p { (lang.t("problem-duplicate-of")) " " a href=(format!("/problems/{original}")) { "#" (original) } }
            }
            div class="body" { (maud::PreEscaped(crate::civic::notes::text_to_html(&problem.description))) }
            p class="place" {
                @if !problem.address.is_empty() { (problem.address) " · " }
                a href=(format!("https://www.openstreetmap.org/?mlat={0}&mlon={1}#map=19/{0}/{1}", problem.latitude, problem.longitude)) rel="noopener" {
                    (format!("{:.5}, {:.5}", problem.latitude, problem.longitude))
                }
            }
            @if !photos.is_empty() {
                section id="photos" {
                    h2 { (lang.t("problem-photos")) }
                    ul class="photos" {
                        @for ph in &photos {
                            li {
                                a href=(format!("/problems/{}/photos/{}", problem.id, ph.id)) {
                                    img src=(format!("/problems/{}/photos/{}/thumb", problem.id, ph.id)) alt=(ph.alt) loading="lazy";
                                }
                                @if ph.accepted_at.is_none() {
                                    p class="meta" { (lang.t("problem-photo-waiting")) }
                                    @if reviews && let Some(csrf) = &csrf {
                                        form method="post" action=(format!("/problems/{}/photos/{}/review", problem.id, ph.id)) class="inline" {
                                            (forms::csrf(csrf))
                                            button type="submit" name="decision" value="accept" { (lang.t("problem-photo-accept")) }
                                            " "
                                            button type="submit" name="decision" value="refuse" class="secondary" { (lang.t("problem-photo-refuse")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p id="problem-supporters" { (lang.count("problem-supporters", problem.supporters)) }
            @if let Some(csrf) = &csrf && !is_author {
                form id="problem-support" method="post" action=(format!("/problems/{}/support", problem.id)) {
                    (forms::csrf(csrf))
                    input type="hidden" name="on" value=(if mine { "off" } else { "on" });
                    button type="submit" { (lang.t(if mine { "problem-me-too-withdraw" } else { "problem-me-too" })) }
                }
            }
            h2 { (lang.t("problem-history")) }
            ol id="problem-history" {
                @for step in &history {
                    li {
                        span class="badge" { (status_label(lang, step.status)) } " " (lang.datetime(step.created_at))
                        @if let Some(name) = names.get(&step.id) { " · " (name) }
                        @if !step.message.is_empty() { p { (step.message) } }
                    }
                }
            }
            (handover::section(lang, csrf.as_deref(), &handing.shown, handing.partners.as_ref().map(|p| (p, format!("/problems/{}/handover", problem.id)))))
            @if staff && !next.is_empty() && let Some(csrf) = &csrf {
                section id="problem-staff" {
                    h2 { (lang.t("problem-change-status")) }
                    form id="problem-status-form" method="post" action=(format!("/problems/{}/status", problem.id)) novalidate {
                        (forms::csrf(csrf))
                        (forms::select(lang, "status", &lang.t("field-status"), &next, next[0].0, &none))
                        (forms::textarea(lang, Input::text("message", lang.t("field-problem-message"), "")
                            .required().maxlength(problems::MAX_MESSAGE).hint(lang.t("hint-problem-message")), 3, &none))
                        (forms::input(lang, Input::text("duplicate_of", lang.t("field-duplicate-of"), "")
                            .hint(lang.t("hint-duplicate-of")), &none))
                        button type="submit" { (lang.t("problem-change-status")) }
                    }
                }
            }
        }
    };
    let og = OpenGraph {
        title: &title,
        description: &description,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &title, Some(&og), body, StatusCode::OK).await
}

/// A report's hand-overs as its page shows them: who manages it, its hand-overs, and the communes the viewer
/// may hand it to (staff of the commune where it was filed, while it is not handed).
struct ShownHanding {
    owner: problems::Owner,
    handled_by: Option<String>,
    shown: Vec<handover::Shown>,
    partners: Option<problems::Partners>,
}

fn handing(
    conn: &mut crate::db::AnyConnection,
    problem: &Problem,
    viewer: Option<&Account>,
) -> Result<ShownHanding, Error> {
    let list = problems::handovers(conn, problem.id)?;
    let owner = problems::owner_of(&list);
    let active = list
        .iter()
        .any(|h| h.state != crate::model::HandoverState::Declined);
    let hands = !active
        && problem.status.is_open()
        && viewer.is_some_and(|v| crate::civic::accounts::is_staff_of(v, problem.commune_id));
    let partners = if hands {
        Some(problems::partners(conn, problem.commune_id)?)
    } else {
        None
    };
    let handled_by = match owner {
        problems::Owner::Origin => None,
        problems::Owner::Commune(c) => Some(queries::actor_by_id(conn, c)?.display_name),
        problems::Owner::Remote(r) => {
            Some(crate::civic::remote::remote_actor(conn, r)?.shown_name())
        }
    };
    Ok(ShownHanding {
        owner,
        handled_by,
        shown: handover::shown(conn, list, viewer)?,
        partners,
    })
}

/// The names of the communes of other servers that set a status, by step.
fn step_names(
    conn: &mut crate::db::AnyConnection,
    history: &[crate::model::ProblemStep],
) -> Result<std::collections::HashMap<i64, String>, Error> {
    let mut names = std::collections::HashMap::new();
    for step in history {
        if let Some(r) = step.by_remote_id
            && let Ok(actor) = crate::civic::remote::remote_actor(conn, r)
        {
            names.insert(step.id, actor.shown_name());
        }
    }
    Ok(names)
}

#[derive(Deserialize, Default)]
pub struct SupportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

/// `POST /problems/{id}/support`: "I have this problem too", or no longer.
pub async fn support(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<SupportForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let (account, on) = (me.account.clone(), form.on != "off");
    match v
        .ctx
        .db
        .transaction(move |conn| problems::support(conn, &account, id, on))
        .await
    {
        Ok(()) => {
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    duplicate_of: String,
}

/// `POST /problems/{id}/status`: staff move a report on, with a public message.
pub async fn change_status(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let Some(status) = ProblemStatus::parse(&form.status) else {
        return v.error(&Error::invalid("status", "unknown status"));
    };
    let duplicate_of = form
        .duplicate_of
        .trim()
        .trim_start_matches('#')
        .parse()
        .ok()
        .map(ProblemId);
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| {
            problems::change_status(conn, &account, id, status, &form.message, duplicate_of)
        })
        .await
    {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            v.flash("flash-problem-updated").await;
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize)]
pub struct PhotoPath {
    id: String,
    photo: i64,
}

/// `GET /problems/{id}/photos/{photo}` (and `…/thumb`): a photo, to whoever may see it (everyone once staff
/// accepted it; until then its reporter and staff), with headers that make it nothing but a picture.
pub async fn photo(v: Visitor, Path(p): Path<PhotoPath>) -> Response {
    serve_photo(v, p, false).await
}

pub async fn photo_thumb(v: Visitor, Path(p): Path<PhotoPath>) -> Response {
    serve_photo(v, p, true).await
}

async fn serve_photo(v: Visitor, p: PhotoPath, thumb: bool) -> Response {
    let id = match parse_problem(&p.id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let viewer = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| problems::photo(conn, id, p.photo, viewer.as_ref()))
        .await;
    match found {
        Ok(photo) => {
            let name = if thumb { &photo.thumb } else { &photo.file };
            photo_file(&v, name, photo.accepted_at.is_some()).await
        }
        Err(e) => e.into_response(),
    }
}

/// A stored photo file of a report; cached by anyone when `public`, else by no one.
pub(super) async fn photo_file(v: &Visitor, name: &str, public: bool) -> Response {
    let path = crate::civic::media::photo_path(
        &v.ctx.settings.server.data_dir,
        crate::civic::media::Folder::Photos,
        name,
    );
    let cache = if public {
        "public, max-age=86400"
    } else {
        "private, no-store"
    };
    crate::web::assets::picture_file(path, "image/jpeg", cache).await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

/// `POST /problems/{id}/photos/{photo}/review`: staff accept a photo, or refuse it (it is deleted).
pub async fn review_photo(
    v: Visitor,
    Path(p): Path<PhotoPath>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let id = match parse_problem(&p.id) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let accept = match form.decision.as_str() {
        "accept" => true,
        "refuse" => false,
        _ => return v.error(&Error::invalid("decision", "accept or refuse")),
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| problems::review_photo(conn, &account, id, p.photo, accept))
        .await;
    match result {
        Ok(removed) => {
            if let Some((file, thumb)) = removed {
                crate::civic::media::remove_photos(
                    &v.ctx.settings.server.data_dir,
                    crate::civic::media::Folder::Photos,
                    &[file, thumb],
                )
                .await;
            }
            v.ctx.wake.notify_one();
            Redirect::to(&format!("/problems/{id}#photos")).into_response()
        }
        Err(e) => v.error(&e),
    }
}
