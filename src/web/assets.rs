//! What the pages need besides themselves: the stylesheet and icon, the map's scripts (built into the
//! binary, served by name from a table), and uploaded pictures.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::context::AppContext;
use crate::error::Error;

/// A file built into the binary, cacheable for `max_age` seconds.
fn asset(content_type: &'static str, body: &'static str, max_age: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

pub(super) async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("parvis.css"),
        "3600",
    )
}

pub(super) async fn icon() -> Response {
    asset("image/svg+xml", include_str!("parvis.svg"), "86400")
}

/// The map's files: Leaflet and its marker clusters (published builds, see `static/README.md`), our script
/// that puts the map on the report form and list, and the plain pictures apps show for accounts without one.
/// Served by name from this table only.
const STATIC: &[(&str, &str, &[u8])] = &[
    (
        "leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("static/leaflet/leaflet.js"),
    ),
    (
        "leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("static/leaflet/leaflet.css"),
    ),
    (
        "leaflet/images/marker-icon.png",
        "image/png",
        include_bytes!("static/leaflet/images/marker-icon.png"),
    ),
    (
        "leaflet/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("static/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "leaflet/images/marker-shadow.png",
        "image/png",
        include_bytes!("static/leaflet/images/marker-shadow.png"),
    ),
    (
        "leaflet/images/layers.png",
        "image/png",
        include_bytes!("static/leaflet/images/layers.png"),
    ),
    (
        "leaflet/images/layers-2x.png",
        "image/png",
        include_bytes!("static/leaflet/images/layers-2x.png"),
    ),
    (
        "leaflet/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("static/leaflet/LICENSE"),
    ),
    (
        "leaflet-markercluster/leaflet.markercluster.js",
        "text/javascript; charset=utf-8",
        include_bytes!("static/leaflet-markercluster/leaflet.markercluster.js"),
    ),
    (
        "leaflet-markercluster/MarkerCluster.css",
        "text/css; charset=utf-8",
        include_bytes!("static/leaflet-markercluster/MarkerCluster.css"),
    ),
    (
        "leaflet-markercluster/MarkerCluster.Default.css",
        "text/css; charset=utf-8",
        include_bytes!("static/leaflet-markercluster/MarkerCluster.Default.css"),
    ),
    (
        "leaflet-markercluster/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("static/leaflet-markercluster/LICENSE"),
    ),
    // What Mastodon apps show for an account without a picture or a header (they expect an image).
    (
        "avatar.png",
        "image/png",
        include_bytes!("static/avatar.png"),
    ),
    (
        "header.png",
        "image/png",
        include_bytes!("static/header.png"),
    ),
    (
        "parvis-map.js",
        "text/javascript; charset=utf-8",
        include_bytes!("parvis-map.js"),
    ),
];

pub(super) async fn static_file(Path(path): Path<String>) -> Response {
    match STATIC.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, body)) => {
            let mut response = ([(header::CONTENT_TYPE, *content_type)], *body).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        None => Error::NotFound("no such file".into()).into_response(),
    }
}

/// Uploaded pictures (avatars, icons). Only names the upload code makes are served, always as PNG.
pub(super) async fn media(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    Path(name): Path<String>,
) -> Response {
    let path = crate::civic::media::is_media_name(&name)
        .then(|| crate::civic::media::media_dir(&ctx.settings.server.data_dir).join(&name));
    // A new picture gets a new name, so a stored one never changes.
    picture_file(path, "image/png", "public, max-age=31536000, immutable").await
}

/// The pictures attached to posts, by their random names (unguessable, as Mastodon serves them: a post
/// for followers only shares the link with them alone).
pub(super) async fn attachment(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    Path(name): Path<String>,
) -> Response {
    let path = crate::civic::media::photo_path(
        &ctx.settings.server.data_dir,
        crate::civic::media::Folder::Attachments,
        &name,
    );
    picture_file(path, "image/jpeg", "public, max-age=31536000, immutable").await
}

/// A stored picture, with headers that make it nothing but a picture (never sniffed as something else,
/// never run as a page); `None` or a missing file is 404.
pub(crate) async fn picture_file(
    path: Option<std::path::PathBuf>,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    let Some(path) = path else {
        return Error::NotFound("no such file".into()).into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut response = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            response
        }
        Err(_) => Error::NotFound("no such file".into()).into_response(),
    }
}
