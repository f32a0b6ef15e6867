//! The form to report a problem, with its photos, and what it posts.

use super::*;

#[derive(Deserialize, Default, Clone)]
pub struct ProblemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default, rename = "report")]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    name_private: Option<String>,
    /// Set once the reports nearby were shown: file a new one all the same.
    #[serde(default)]
    anyway: Option<String>,
}

async fn form_page(
    v: &Visitor,
    form: &ProblemForm,
    nearby: &[Problem],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let commune = v.me.as_ref().map(|m| m.account.commune_id);
    let loaded = match commune {
        Some(c) => {
            v.ctx
                .db
                .run(move |conn| Ok((problems::categories(conn, c)?, problems::area(conn, c)?)))
                .await
        }
        None => Ok((vec![], None)),
    };
    // A database that does not answer is said, not shown as a commune without categories.
    let (categories, area) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let ids: Vec<String> = categories
        .iter()
        .filter(|c| !c.archived)
        .map(|c| c.id.to_string())
        .collect();
    let options: Vec<(&str, String)> = categories
        .iter()
        .filter(|c| !c.archived)
        .zip(&ids)
        .map(|(c, id)| (id.as_str(), c.name.clone()))
        .collect();
    let title = lang.t("problem-new");
    let body = html! {
        h1 { (title) }
        @if !nearby.is_empty() {
            section id="problems-nearby" class="notice" {
                h2 { (lang.t("problems-nearby")) }
                p { (lang.t("problems-nearby-text")) }
                ul {
                    @for p in nearby {
                        li {
                            a href=(format!("/problems/{}", p.id)) { "#" (p.id) } " "
                            (p.description.chars().take(120).collect::<String>())
                            form method="post" action=(format!("/problems/{}/support", p.id)) class="inline" {
                                (forms::csrf(&csrf))
                                input type="hidden" name="on" value="on";
                                button type="submit" { (lang.t("problem-me-too")) }
                            }
                        }
                    }
                }
            }
        }
        @if options.is_empty() {
            p { (lang.t("problems-no-category")) }
        } @else {
            form id="problem" method="post" action="/problems" enctype="multipart/form-data" novalidate {
                (errors.summary(lang))
                (forms::csrf(&csrf))
                @if !nearby.is_empty() { input type="hidden" name="anyway" value="on"; }
                (forms::select(lang, "category", &lang.t("field-category"), &options, &form.category, errors))
                (forms::textarea(lang, Input::text("report", lang.t("field-problem-description"), &form.description)
                    .required().maxlength(problems::MAX_DESCRIPTION), 6, errors))
                (forms::input(lang, Input::text("address", lang.t("field-address"), &form.address)
                    .maxlength(problems::MAX_ADDRESS).autocomplete("street-address").hint(lang.t("hint-problem-address")), errors))
                fieldset {
                    legend { (lang.t("problem-place")) }
                    p class="hint" { (lang.t("hint-problem-place")) }
                    (forms::input(lang, Input::text("latitude", lang.t("field-latitude"), &form.latitude)
                        .required().hint(lang.t("hint-latitude")), errors))
                    (forms::input(lang, Input::text("longitude", lang.t("field-longitude"), &form.longitude)
                        .required().hint(lang.t("hint-longitude")), errors))
                    (map(v, "problem-map", area, None, &lang.t("problem-map-label")))
                }
                fieldset {
                    legend { (lang.t("problem-photos")) }
                    p class="hint" { (lang.ta("hint-problem-photos", &[("mb", (v.ctx.settings.server.max_photo_bytes.div_ceil(1024 * 1024) as i64).into())])) }
                    @if !nearby.is_empty() { p class="hint" { (lang.t("hint-problem-photos-again")) } }
                    @for n in 1..=problems::MAX_PHOTOS {
                        (photo_input(lang, n, errors))
                    }
                }
                (forms::checkbox(lang, "name_private", &lang.t("field-name-private"), "on",
                    form.name_private.is_some(), errors))
                button type="submit" {
                    (lang.t(if nearby.is_empty() { "problem-submit" } else { "problem-submit-anyway" }))
                }
            }
        }
    };
    page_status(v, &title, body, status).await
}

/// One photo's file and alt text fields.
fn photo_input(lang: Lang, n: usize, errors: &FormErrors) -> Markup {
    let (file, alt) = (photo_field(n), alt_field(n));
    let error = errors.of(file);
    html! {
        div class=(if error.is_some() { "field has-error" } else { "field" }) {
            label for=(file) { (lang.ta("field-photo", &[("n", (n as i64).into())])) }
            @if let Some(error) = error {
                p class="field-error" id=(format!("{file}-error")) { strong { (lang.t("form-error-prefix")) } " " (error) }
            }
            input type="file" id=(file) name=(file) accept="image/jpeg,image/png,image/webp"
                aria-invalid=[error.map(|_| "true")];
        }
        (forms::input(lang, Input::text(alt, lang.t("field-photo-alt"), "")
            .maxlength(problems::MAX_ALT).hint(lang.t("hint-photo-alt")), errors))
    }
}

/// `GET /problems/new`.
pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    form_page(
        &v,
        &ProblemForm::default(),
        &[],
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn read(form: &ProblemForm) -> Result<NewProblem, Error> {
    Ok(NewProblem {
        category: form
            .category
            .parse()
            .map(CategoryId)
            .map_err(|_| Error::invalid("category", "choose one of the commune's categories"))?,
        description: form.description.clone(),
        address: form.address.clone(),
        latitude: degrees("latitude", &form.latitude)?,
        longitude: degrees("longitude", &form.longitude)?,
        name_private: form.name_private.is_some(),
    })
}

/// A photo sent with the form: its number (1 to 3), bytes and alt text.
struct SentPhoto {
    n: usize,
    bytes: Vec<u8>,
    alt: String,
}

/// Reads the filing form: multipart (with photos) as the page sends it, or urlencoded (without). A photo
/// larger than allowed is read to its end and dropped (so the browser gets the answer), and named.
async fn read_request(
    v: &Visitor,
    request: axum::extract::Request,
) -> Result<(ProblemForm, Vec<SentPhoto>, Option<usize>), Response> {
    use axum::extract::FromRequest;
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if !multipart {
        let Form(form) = Form::<ProblemForm>::from_request(request, &v.ctx)
            .await
            .map_err(IntoResponse::into_response)?;
        return Ok((form, vec![], None));
    }
    let mut parts = axum::extract::Multipart::from_request(request, &v.ctx)
        .await
        .map_err(IntoResponse::into_response)?;
    let max = v.ctx.settings.server.max_photo_bytes;
    let mut form = ProblemForm::default();
    let mut files: Vec<(usize, Vec<u8>)> = vec![];
    let mut alts: Vec<(usize, String)> = vec![];
    let mut too_large = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        // Past the form's own limit (three photos at their largest), the photos are named, not the form.
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            v.error(&Error::invalid(
                "photo1",
                "the photos are too large together",
            ))
        } else {
            v.error(&Error::BadRequest(format!(
                "the form could not be read: {e}"
            )))
        }
    };
    while let Some(mut field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(n) = name
            .strip_prefix("photo")
            .and_then(|n| n.parse::<usize>().ok())
        {
            let mut bytes = Vec::new();
            let mut over = false;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                over |= bytes.len() + chunk.len() > max;
                if !over {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if over {
                too_large.get_or_insert(n);
            } else if !bytes.is_empty() && (1..=problems::MAX_PHOTOS).contains(&n) {
                files.push((n, bytes));
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "category" => form.category = text,
            "report" => form.description = text,
            "address" => form.address = text,
            "latitude" => form.latitude = text,
            "longitude" => form.longitude = text,
            "name_private" => form.name_private = Some(text),
            "anyway" => form.anyway = Some(text),
            other => {
                if let Some(n) = other
                    .strip_prefix("alt")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    alts.push((n, text));
                }
            }
        }
    }
    let photos = files
        .into_iter()
        .map(|(n, bytes)| SentPhoto {
            n,
            bytes,
            alt: alts
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, a)| a.clone())
                .unwrap_or_default(),
        })
        .collect();
    Ok((form, photos, too_large))
}

/// The field a photo's error is shown next to.
fn photo_field(n: usize) -> &'static str {
    match n {
        2 => "photo2",
        3 => "photo3",
        _ => "photo1",
    }
}

fn alt_field(n: usize) -> &'static str {
    match n {
        2 => "alt2",
        3 => "alt3",
        _ => "alt1",
    }
}

/// Checks and re-encodes the photos sent, then stores them; nothing is stored if one is refused.
async fn store_photos(
    v: &Visitor,
    sent: Vec<SentPhoto>,
) -> Result<Vec<problems::StoredPhoto>, Error> {
    let max = v.ctx.settings.server.max_photo_bytes;
    let mut processed = vec![];
    for photo in sent {
        let alt = problems::check_alt(alt_field(photo.n), &photo.alt)?;
        let field = photo_field(photo.n);
        let bytes = photo.bytes;
        let done =
            tokio::task::spawn_blocking(move || crate::civic::media::photo(&bytes, max, field))
                .await
                .map_err(Error::internal)??;
        processed.push((done, alt));
    }
    let data_dir = &v.ctx.settings.server.data_dir;
    let mut stored = vec![];
    for (photo, alt) in processed {
        match crate::civic::media::store_photo(
            data_dir,
            crate::civic::media::Folder::Photos,
            &photo,
        )
        .await
        {
            Ok((file, thumb)) => stored.push(problems::StoredPhoto {
                file,
                thumb,
                alt,
                width: photo.width,
                height: photo.height,
            }),
            Err(e) => {
                remove_stored(v, &stored).await;
                return Err(e);
            }
        }
    }
    Ok(stored)
}

async fn remove_stored(v: &Visitor, stored: &[problems::StoredPhoto]) {
    let names: Vec<String> = stored
        .iter()
        .flat_map(|p| [p.file.clone(), p.thumb.clone()])
        .collect();
    crate::civic::media::remove_photos(
        &v.ctx.settings.server.data_dir,
        crate::civic::media::Folder::Photos,
        &names,
    )
    .await;
}

/// `POST /problems`: a report filed with its photos, unless reports nearby are to be offered first.
pub async fn create(v: Visitor, request: axum::extract::Request) -> Response {
    let (form, sent, too_large) = match read_request(&v, request).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    if let Some(n) = too_large {
        let e = Error::invalid(
            photo_field(n),
            format!(
                "must be at most {} MB",
                v.ctx.settings.server.max_photo_bytes.div_ceil(1024 * 1024)
            ),
        );
        return invalid(&v, &form, &e).await;
    }
    let new = match read(&form) {
        Ok(new) => new,
        Err(e) => return invalid(&v, &form, &e).await,
    };
    let (account, anyway) = (me.account.clone(), form.anyway.is_some());
    if !anyway {
        let (commune, category, lat, lon) = (
            account.commune_id,
            new.category,
            new.latitude,
            new.longitude,
        );
        let near = v
            .ctx
            .db
            .run(move |conn| problems::nearby(conn, commune, category, lat, lon))
            .await;
        match near {
            Ok(near) if !near.is_empty() => {
                return form_page(&v, &form, &near, &FormErrors::new(), StatusCode::OK).await;
            }
            Ok(_) => {}
            Err(e) => return v.error(&e),
        }
    }
    let stored = match store_photos(&v, sent).await {
        Ok(stored) => stored,
        Err(e @ Error::Invalid { .. }) => return invalid(&v, &form, &e).await,
        Err(e) => return v.error(&e),
    };
    let photos = stored.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            let id = problems::file(conn, &account, &new)?;
            problems::add_photos(conn, &account, id, &photos)?;
            Ok(id)
        })
        .await;
    if result.is_err() {
        remove_stored(&v, &stored).await;
    }
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            v.flash("flash-problem-filed").await;
            Redirect::to(&format!("/problems/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => invalid(&v, &form, &e).await,
        Err(Error::TooManyRequests(_)) => {
            let mut errors = FormErrors::new();
            errors.add(
                "form",
                v.lang.ta(
                    "problem-too-many",
                    &[
                        ("count", problems::REPORTS_PER_WINDOW.into()),
                        ("minutes", problems::REPORT_WINDOW.num_minutes().into()),
                    ],
                ),
            );
            form_page(&v, &form, &[], &errors, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(e) => v.error(&e),
    }
}

async fn invalid(v: &Visitor, form: &ProblemForm, e: &Error) -> Response {
    let errors = FormErrors::from_error(
        v.lang,
        e,
        &[
            "category",
            "description",
            "address",
            "latitude",
            "longitude",
        ],
    );
    form_page(v, form, &[], &errors, StatusCode::UNPROCESSABLE_ENTITY).await
}
