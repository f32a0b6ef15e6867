//! The avatar form: the upload, read within the size limit, made into a PNG and stored.

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::settings::{SettingsPart, settings_page};
use crate::civic::{media, profile};
use crate::error::Error;
use crate::web::forms::FormErrors;
use crate::web::session::Visitor;

/// Reads a picture form (an avatar, a commune's icon): its CSRF token and the file in `field`, never more
/// than the size limit.
pub(crate) async fn read_picture(
    mut multipart: Multipart,
    field_name: &str,
) -> Result<(String, Vec<u8>), Error> {
    let mut csrf = String::new();
    let mut file = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| media::too_large())?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| Error::BadRequest(e.to_string()))?
            }
            Some(name) if name == field_name => {
                let mut bytes = Vec::new();
                let mut over = false;
                while let Some(chunk) = field.chunk().await.map_err(|_| media::too_large())? {
                    // Past the limit the rest is read and dropped (up to the route's body limit), so that the
                    // browser, still sending, gets the answer instead of a reset connection.
                    over |= bytes.len() + chunk.len() > media::MAX_AVATAR_BYTES;
                    if !over {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                if over {
                    return Err(media::too_large());
                }
                file = Some(bytes);
            }
            _ => {}
        }
    }
    Ok((csrf, file.unwrap_or_default()))
}

pub async fn upload_avatar(v: Visitor, multipart: Multipart) -> Response {
    let (csrf, bytes) = match read_picture(multipart, "avatar").await {
        Ok(read) => read,
        // The CSRF token comes first in the form: an oversized file is only read after it, so a refusal here
        // without a checked token writes nothing either.
        Err(e) => {
            let errors = FormErrors::from_error(v.lang, &e, &["avatar"]);
            return settings_page(
                &v,
                None,
                (SettingsPart::Avatar, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    if let Err(refused) = v.check_csrf(&csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let db = v.ctx.db.clone();
    let result = store_picture(&v, bytes, move |url| async move {
        profile::set_avatar(&db, me.actor.id, Some(url)).await
    })
    .await;
    if let Err(e @ Error::Invalid { .. }) = &result {
        let errors = FormErrors::from_error(v.lang, e, &["avatar"]);
        return settings_page(
            &v,
            None,
            (SettingsPart::Avatar, &errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-avatar-saved").await;
            Redirect::to("/settings").into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// Makes an uploaded file into the PNG we serve and stores it (see [`media::replace_picture`]).
pub(crate) async fn store_picture<F, Fut>(v: &Visitor, bytes: Vec<u8>, set: F) -> Result<(), Error>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, Error>>,
{
    let png = media::make_avatar(bytes).await?;
    media::replace_picture(&v.ctx.settings.server.data_dir, v.ctx.urls.base(), png, set).await
}
