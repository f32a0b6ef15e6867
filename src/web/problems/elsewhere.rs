//! Reports of communes on other servers that people here follow: their list and map, a report's page (its
//! status, place and photos as its commune last said them, and the link to its page there), and its photos,
//! served from our own copies.

use super::*;
use crate::ids::RemoteProblemId;

fn parse_remote(raw: &str) -> Result<RemoteProblemId, Error> {
    raw.parse()
        .map(RemoteProblemId)
        .map_err(|_| Error::NotFound("no such problem report".into()))
}

/// `GET /problems/elsewhere`: the latest reports of the communes on other servers people here follow.
pub async fn elsewhere(v: Visitor) -> Response {
    let lang = v.lang;
    let loaded = v
        .ctx
        .db
        .run(|conn| problems::remote_list(conn, None, 200))
        .await;
    let mut list = match loaded {
        Ok(list) => list,
        Err(e) => return v.error(&e),
    };
    // What comes from a server the admin hid is not shown.
    let policy = v.ctx.policy().await;
    list.retain(|(p, _)| policy.shows(p));
    let title = lang.t("problems-elsewhere");
    let reports = markers(
        lang,
        list.iter().map(|(p, commune)| Marker {
            latitude: p.latitude,
            longitude: p.longitude,
            href: format!("/problems/elsewhere/{}", p.id),
            title: format!("{} · {}", commune.shown_name(), p.name),
            status: p.status,
        }),
    );
    let body = html! {
        h1 { (title) }
        p { (lang.t("problems-elsewhere-text")) }
        @if list.is_empty() {
            p { (lang.t("problems-none")) }
        } @else {
            (map(&v, "problems-map", None, Some(reports), &lang.t("problems-map-label")))
            ul class="problems" id="problems-elsewhere" {
                @for (p, commune) in &list {
                    li {
                        a href=(format!("/problems/elsewhere/{}", p.id)) { (p.name) }
                        " · " (commune.shown_name())
                        @if !p.category.is_empty() { " · " (p.category) }
                        " · " span class="badge" { (status_label(lang, p.status)) }
                        @if !p.address.is_empty() { " · " (p.address) }
                        " · " (lang.datetime(p.published))
                    }
                }
            }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// `GET /problems/elsewhere/{id}`: a report of a commune on another server.
pub async fn elsewhere_report(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_remote(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let viewer = v.me.as_ref().map(|m| m.account.clone());
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let (problem, commune) = problems::remote_problem(conn, id)?;
            let offers = problems::offers(conn, id)?;
            // The staff of a commune here that accepted it set its status.
            let manages = offers.iter().any(|h| {
                h.state == crate::model::HandoverState::Accepted
                    && matches!(h.handing, crate::model::Handing::Incoming { to, .. }
                        if viewer.as_ref().is_some_and(|a| crate::civic::accounts::is_staff_of(a, to)))
            });
            let shown = handover::shown(conn, offers, viewer.as_ref())?;
            Ok((problem, commune, problems::remote_photos(conn, id)?, shown, manages))
        })
        .await;
    let (problem, commune, photos, offers, manages) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    if !v.ctx.policy().await.shows(&problem) {
        return v.error(&Error::NotFound("no such problem report".into()));
    }
    let title = problem.name.clone();
    let csrf = v.csrf_if_signed_in().await;
    let body = html! {
        article class="problem" {
            h1 { (title) }
            p class="meta" {
                span class="badge" id="problem-status" { (status_label(lang, problem.status)) }
                " · " (commune.shown_name())
                @if !problem.category.is_empty() { " · " (problem.category) }
                " · " (lang.datetime(problem.published))
            }
            div class="body" { (maud::PreEscaped(&problem.content_html)) }
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
                                a href=(format!("/problems/elsewhere/{}/photos/{}", problem.id, ph.id)) {
                                    img src=(format!("/problems/elsewhere/{}/photos/{}/thumb", problem.id, ph.id)) alt=(ph.alt) loading="lazy";
                                }
                            }
                        }
                    }
                }
            }
            p id="problem-supporters" { (lang.count("problem-supporters", problem.supporters)) }
            p { a href=(problem.url) rel="noopener" id="problem-origin" { (lang.t("problem-on-its-server")) } }
            (handover::section(lang, csrf.as_deref(), &offers, None))
            @if manages && let Some(csrf) = &csrf {
                (handover::status_form(lang, csrf, problem.status, &format!("/problems/elsewhere/{}/status", problem.id)))
            }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ElsewherePhotoPath {
    id: String,
    photo: i64,
}

/// `GET /problems/elsewhere/{id}/photos/{photo}` (and `…/thumb`): our copy of a photo of a report of another
/// server (its commune published it, so everyone may see it).
pub async fn elsewhere_photo(v: Visitor, Path(p): Path<ElsewherePhotoPath>) -> Response {
    serve_elsewhere_photo(v, p, false).await
}

pub async fn elsewhere_photo_thumb(v: Visitor, Path(p): Path<ElsewherePhotoPath>) -> Response {
    serve_elsewhere_photo(v, p, true).await
}

async fn serve_elsewhere_photo(v: Visitor, p: ElsewherePhotoPath, thumb: bool) -> Response {
    let id = match parse_remote(&p.id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let (problem, _) = problems::remote_problem(conn, id)?;
            let photo = problems::remote_photos(conn, id)?
                .into_iter()
                .find(|ph| ph.id == p.photo)
                .ok_or_else(|| Error::NotFound("no such photo".into()))?;
            Ok((problem, photo))
        })
        .await;
    match found {
        Ok((problem, _)) if !v.ctx.policy().await.shows(&problem) => {
            Error::NotFound("no such photo".into()).into_response()
        }
        Ok((_, photo)) => {
            let name = if thumb { &photo.thumb } else { &photo.file };
            report::photo_file(&v, name, true).await
        }
        Err(e) => e.into_response(),
    }
}
