//! A meeting's minutes on the web: shown on its page once published, the form its organisers attach them
//! with after the meeting (Markdown and a PDF, sent as `multipart/form-data`), and the PDF itself.

use axum::extract::FromRequest;

use super::*;
use crate::civic::meetings::minutes::{self, StoredPdf};
use crate::model::Minutes;

/// The minutes' section of a meeting's page, and for its organisers the form (after the meeting).
pub(super) fn section(
    lang: Lang,
    meeting: &Meeting,
    found: Option<&Minutes>,
    organiser_csrf: Option<&str>,
) -> Markup {
    let over = meeting.ends_at <= crate::civic::now() && meeting.status == MeetingStatus::Scheduled;
    html! {
        @if let Some(m) = found {
            section id="minutes" {
                h2 { (lang.t("meeting-minutes")) }
                div class="body" { (maud::PreEscaped(crate::civic::debates::text::markdown_to_html(&m.text))) }
                @if let Some(bytes) = m.pdf_bytes {
                    p { a href=(format!("/meetings/{}/minutes.pdf", meeting.id)) id="minutes-pdf" type="application/pdf" {
                        (lang.t("meeting-minutes-pdf")) " (" (format!("{:.1}", bytes as f64 / 1_048_576.0)) " MB)"
                    } }
                }
            }
        }
        @if let (Some(csrf), true) = (organiser_csrf, over) {
            form id="minutes-form" method="post" action=(format!("/meetings/{}/minutes", meeting.id)) enctype="multipart/form-data" {
                (forms::csrf(csrf))
                h2 { (lang.t(if found.is_some() { "meeting-minutes-correct" } else { "meeting-minutes-publish" })) }
                label for="minutes" { (lang.t("field-meeting-minutes")) }
                textarea id="minutes" name="minutes" rows="10" { (found.map(|m| m.text.as_str()).unwrap_or_default()) }
                label for="pdf" { (lang.t("field-meeting-minutes-pdf")) }
                input type="file" id="pdf" name="pdf" accept="application/pdf";
                button type="submit" { (lang.t("meeting-minutes-send")) }
            }
        }
    }
}

/// What the form sent: the text, and the PDF's bytes (empty when none was chosen).
async fn read_form(
    v: &Visitor,
    request: axum::extract::Request,
) -> Result<(String, String, Vec<u8>), Response> {
    let mut parts = axum::extract::Multipart::from_request(request, &v.ctx)
        .await
        .map_err(IntoResponse::into_response)?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            v.error(&Error::invalid(
                "pdf",
                format!(
                    "must be at most {} MB",
                    crate::civic::media::MAX_PDF_BYTES / (1024 * 1024)
                ),
            ))
        } else {
            v.error(&Error::BadRequest(format!(
                "the form could not be read: {e}"
            )))
        }
    };
    let (mut csrf, mut text, mut pdf) = (String::new(), String::new(), vec![]);
    while let Some(mut field) = parts.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "pdf" => {
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    // One byte past the limit is enough to refuse it.
                    if pdf.len() <= crate::civic::media::MAX_PDF_BYTES {
                        pdf.extend_from_slice(&chunk);
                    }
                }
            }
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "minutes" => text = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    Ok((csrf, text, pdf))
}

/// `POST /meetings/{id}/minutes`: the organisers publish (or correct) the minutes.
pub async fn publish(
    v: Visitor,
    Path(raw): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let (csrf, text, pdf) = match read_form(&v, request).await {
        Ok(read) => read,
        Err(r) => return r,
    };
    let me = match v.form_poster(&csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let data_dir = v.ctx.settings.server.data_dir.clone();
    // A PDF is checked, then stored before the transaction; removed again if nothing keeps it.
    let stored = if pdf.is_empty() {
        None
    } else {
        if let Err(e) = crate::civic::media::check_pdf(&pdf, "pdf") {
            return v.error(&e);
        }
        match crate::civic::media::store_pdf(&data_dir, &pdf).await {
            Ok(file) => Some(StoredPdf {
                file,
                bytes: pdf.len() as i64,
            }),
            Err(e) => return v.error(&e),
        }
    };
    let account = me.account.clone();
    let new = stored.clone();
    let done = v
        .ctx
        .db
        .transaction(move |conn| minutes::publish(conn, &account, id, &text, new))
        .await;
    match done {
        Ok(replaced) => {
            if let Some(old) = replaced {
                crate::civic::media::remove_pdf(&data_dir, &old).await;
            }
            v.ctx.wake.notify_one();
            v.ctx.mail_wake.notify_one();
            Redirect::to(&format!("/meetings/{id}#minutes")).into_response()
        }
        Err(e) => {
            if let Some(new) = stored {
                crate::civic::media::remove_pdf(&data_dir, &new.file).await;
            }
            v.error(&e)
        }
    }
}

/// `GET /meetings/{id}/minutes.pdf`: the PDF, served as a download-safe document (never sniffed as
/// something else, and sandboxed if a browser shows it).
pub async fn pdf(v: Visitor, Path(raw): Path<String>) -> Response {
    use axum::http::header;
    let id = match parse_meeting(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let found = v.ctx.db.run(move |conn| minutes::minutes(conn, id)).await;
    let file = match found {
        Ok(Some(Minutes {
            pdf_file: Some(file),
            ..
        })) => file,
        Ok(_) => return v.error(&Error::NotFound("these minutes have no PDF".into())),
        Err(e) => return v.error(&e),
    };
    let Some(path) = crate::civic::media::pdf_path(&v.ctx.settings.server.data_dir, &file) else {
        return v.error(&Error::NotFound("no such file".into()));
    };
    match tokio::fs::read(path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"minutes-{id}.pdf\""),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                (header::CONTENT_SECURITY_POLICY, "sandbox".to_string()),
                (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => v.error(&Error::NotFound("no such file".into())),
    }
}
