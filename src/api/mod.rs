//! The JSON API. It follows the Mastodon client API's shapes wherever Mastodon has the same concept, so that
//! existing fediverse tools can talk to Parvis; its OpenAPI document is generated from these handlers.

pub mod accounts;
pub mod auth;
pub mod body;
pub mod debates;
pub mod empty;
pub mod follows;
pub mod instance;
pub mod media;
pub mod meetings;
pub mod notifications;
pub mod oauth;
pub mod open311;
pub mod open_data;
pub mod pagination;
pub mod polls;
pub mod preferences;
pub mod problems;
pub mod proposals;
pub mod reports;
pub mod search;
pub mod statuses;
pub mod streaming;

use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::context::AppContext;
use crate::error::{Error, ErrorBody};

#[derive(OpenApi)]
#[openapi(
    info(title = "Parvis API", description = "The JSON API of a Parvis instance (Mastodon-compatible shapes)."),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API routes and the OpenAPI document describing exactly them.
pub fn router(ctx: &AppContext) -> Router<AppContext> {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(instance::instance))
        .routes(routes!(instance::instance_v2))
        .routes(routes!(empty::custom_emojis))
        .routes(routes!(empty::filters))
        .routes(routes!(empty::announcements))
        .routes(routes!(empty::trends_tags))
        .routes(routes!(empty::trends_statuses))
        .routes(routes!(empty::trends_links))
        .routes(routes!(empty::lists))
        .routes(routes!(empty::followed_tags))
        .routes(routes!(oauth::register))
        .routes(routes!(oauth::verify_app))
        .routes(routes!(oauth::token))
        .routes(routes!(oauth::revoke))
        .routes(routes!(accounts::verify_credentials))
        .routes(routes!(accounts::lookup))
        .routes(routes!(accounts::lists::relationships))
        .routes(routes!(preferences::preferences))
        .routes(routes!(preferences::get_markers, preferences::set_markers))
        .routes(routes!(search::search))
        .routes(routes!(accounts::account))
        .routes(routes!(accounts::lists::statuses))
        .routes(routes!(accounts::lists::followers))
        .routes(routes!(accounts::lists::following))
        .routes(routes!(follows::follow))
        .routes(routes!(follows::unfollow))
        .routes(routes!(follows::requests))
        .routes(routes!(follows::authorize))
        .routes(routes!(follows::reject))
        .routes(routes!(statuses::create))
        .routes(routes!(statuses::show, statuses::delete, statuses::edit))
        .routes(routes!(statuses::history))
        .routes(routes!(statuses::source))
        .routes(routes!(statuses::context))
        .routes(routes!(statuses::actions::favourite))
        .routes(routes!(statuses::actions::unfavourite))
        .routes(routes!(statuses::actions::reblog))
        .routes(routes!(statuses::actions::unreblog))
        .routes(routes!(statuses::actions::bookmark))
        .routes(routes!(statuses::actions::unbookmark))
        .routes(routes!(statuses::actions::favourited_by))
        .routes(routes!(statuses::actions::reblogged_by))
        .routes(routes!(statuses::timelines::home))
        .routes(routes!(statuses::timelines::public))
        .routes(routes!(statuses::timelines::tag))
        .routes(routes!(statuses::timelines::favourites))
        .routes(routes!(statuses::timelines::bookmarks))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::clear))
        .routes(routes!(notifications::show))
        .routes(routes!(notifications::dismiss))
        .routes(routes!(debates::list))
        .routes(routes!(debates::show))
        .routes(routes!(debates::comment))
        .routes(routes!(proposals::list, proposals::create))
        .routes(routes!(proposals::show))
        .routes(routes!(proposals::support))
        .routes(routes!(proposals::answer))
        .routes(routes!(polls::show))
        .routes(routes!(polls::vote))
        .routes(routes!(polls::create))
        .routes(routes!(polls::create_questionnaire))
        .routes(routes!(polls::questionnaire))
        .routes(routes!(polls::respond))
        .routes(routes!(reports::create))
        .routes(routes!(problems::categories))
        .routes(routes!(problems::list, problems::create))
        .routes(routes!(problems::show))
        .routes(routes!(problems::support))
        .routes(routes!(problems::change_status))
        .routes(routes!(meetings::list))
        .routes(routes!(meetings::show))
        .routes(routes!(meetings::csv))
        .routes(routes!(open_data::problems_geojson))
        .routes(routes!(open_data::problems_csv))
        .routes(routes!(open311::discovery))
        .routes(routes!(open311::services))
        .routes(routes!(open311::list, open311::create))
        .routes(routes!(open311::show))
        .routes(routes!(media::show, media::describe))
        .routes(routes!(streaming::health))
        .routes(routes!(streaming::websocket))
        .routes(routes!(streaming::user))
        .routes(routes!(streaming::public))
        .routes(routes!(streaming::public_local))
        // The endpoints that take a picture: a body as large as a photo may be.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(media::upload))
                .routes(routes!(media::upload_v1))
                .routes(routes!(accounts::update_credentials))
                .layer(axum::extract::DefaultBodyLimit::max(
                    ctx.settings.server.max_photo_bytes + 64 * 1024,
                )),
        )
        .split_for_parts();
    let document = serde_json::to_value(&openapi).unwrap_or_default();
    router
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(document) }),
        )
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            residents_only,
        ))
        .layer(axum::middleware::from_fn(mastodon_errors))
        // Browser-based fediverse clients call the API from their own origin, with bearer tokens (no cookies).
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods(tower_http::cors::Any)
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                ]),
        )
}

/// Whether a path is one of Mastodon's endpoints (not Parvis's own `/api/v1/parvis/…`, nor OAuth's).
fn is_mastodon(path: &str) -> bool {
    (path.starts_with("/api/v1/") || path.starts_with("/api/v2/"))
        && !path.starts_with("/api/v1/parvis/")
}

/// Mastodon's endpoints answer errors as Mastodon does, `{"error": "<a sentence>"}`, which apps show to the
/// person as it is; Parvis's stable code goes along as `code`. (Parvis's own endpoints keep
/// `{"error": "<code>", "message": "<sentence>"}`.) Rewritten here, once, so that the refusals of
/// extractors (a missing token, a malformed body) take the same shape as the handlers' errors.
async fn mastodon_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mastodon = is_mastodon(request.uri().path());
    let response = next.run(request).await;
    if !mastodon || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let body = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(error) => {
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::body::Body::from(
                serde_json::json!({"error": error.message, "code": error.error}).to_string(),
            )
        }
        Err(_) => axum::body::Body::from(bytes),
    };
    axum::response::Response::from_parts(parts, body)
}

/// A commune kept for its residents answers the API to its people only: a request without a valid token is
/// refused. What the instance is stays open.
async fn residents_only(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let open = matches!(
        request.uri().path(),
        "/api/v1/instance"
            | "/api/v2/instance"
            | "/api/openapi.json"
            // An app registers and gets its tokens before it holds one.
            | "/api/v1/apps"
            | "/oauth/token"
            | "/oauth/revoke"
            | "/api/v1/streaming/health"
    );
    if !open && ctx.policy().await.private {
        // The streaming API also takes its token as a parameter or as the WebSocket's protocol.
        let token = if request.uri().path().starts_with("/api/v1/streaming") {
            let query = axum::extract::Query::<streaming::StreamQuery>::try_from_uri(request.uri())
                .map(|q| q.0)
                .unwrap_or_default();
            streaming::token_of(request.headers(), &query).unwrap_or_default()
        } else {
            auth::bearer(request.headers())
                .unwrap_or_default()
                .to_string()
        };
        let valid = !token.is_empty()
            && crate::civic::tokens::is_valid(&ctx.db, &token)
                .await
                .unwrap_or(false);
        if !valid {
            return Error::Unauthorized(
                "this commune is kept for its residents: use an access token of an account here"
                    .into(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

async fn not_found() -> Error {
    Error::NotFound("no such API endpoint".into())
}
