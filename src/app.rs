//! Builds the application from settings: database, router, listener; then serves until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use tower_http::cors::CorsLayer;

use crate::civic;
use crate::config::Settings;
use crate::context::AppContext;
use crate::db::{Database, queries};
use crate::error::{Error, Result};
use crate::federation::actors::{ActorDocument, ActorTombstone};
use crate::federation::deliver::Signer;
use crate::federation::http::{GuardedClient, OutboundPolicy};
use crate::federation::urls::Urls;
use crate::federation::{self, collections, inbox, nodeinfo, webfinger};
use crate::model::{ActorKind, Username};
use crate::web;

/// Opens the database, applies migrations and makes sure the instance actor exists.
pub fn open_database(settings: &Settings) -> Result<Database> {
    open_database_counting(settings).map(|(db, _)| db)
}

/// As [`open_database`], also telling how many migrations it applied.
pub fn open_database_counting(settings: &Settings) -> Result<(Database, usize)> {
    let backend = settings
        .database_backend()
        .map_err(|e| Error::invalid("database.url", e.to_string()))?;
    let db = Database::connect(
        &settings.database_url(),
        backend,
        settings.database.pool_size,
    )?;
    let applied = db.migrate()?;
    civic::instance::ensure_instance_actor(&db, &settings.instance.name)?;
    Ok((db, applied))
}

/// The application context for settings and an open database.
pub fn context(settings: Settings, db: Database) -> Result<AppContext> {
    let base = settings
        .public_url()
        .map_err(|e| Error::invalid("server.public_url", e.to_string()))?;
    let f = &settings.federation;
    let policy = OutboundPolicy {
        allowed_hosts: f.allowed_hosts.clone(),
        static_hosts: f.static_hosts.clone(),
        extra_ca_files: f.extra_ca_file.iter().cloned().collect(),
        timeout: Duration::from_secs(f.request_timeout_secs),
        connect_timeout: Duration::from_secs(f.request_timeout_secs.min(5)),
        user_agent: format!("Parvis/{} (+{base})", env!("CARGO_PKG_VERSION")),
    };
    let oidc = crate::oidc::Oidc::new(&settings.oidc, &policy, &base)?.map(Arc::new);
    let http =
        GuardedClient::new(policy).map_err(|e| Error::invalid("federation", e.to_string()))?;
    let urls = Urls::new(base);
    let instance = db
        .run_blocking(queries::instance_actor)?
        .ok_or_else(|| Error::internal("the instance actor is missing: run parvis migrate"))?;
    let instance_signer = Signer::for_actor(&urls, &instance)?;
    let blocks = settings.federation.blocked_domains.clone();
    let federation_policy = Arc::new(crate::federation::policy::PolicyCache::new(
        db.run_blocking(move |conn| crate::federation::policy::Policy::load(conn, &blocks))?,
    ));
    let key_fetches =
        crate::federation::fetch::KeyFetches::new(settings.federation.key_fetches_per_minute);
    let metrics = Arc::new(crate::ops::metrics::Metrics::new(
        db.pool_waits(),
        db.commit_batches(),
    ));
    Ok(AppContext {
        policy: federation_policy,
        key_fetches: Arc::new(key_fetches),
        settings: Arc::new(settings),
        db,
        urls,
        http: Arc::new(http),
        instance_signer: Arc::new(instance_signer),
        wake: Arc::new(tokio::sync::Notify::new()),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        refusals: Arc::default(),
        oidc,
        live: Arc::default(),
        metrics,
    })
}

/// Every route of the instance.
pub fn router(ctx: AppContext) -> Router {
    let max_body = ctx.settings.server.max_body_bytes;
    let discovery = Router::new()
        .route("/.well-known/webfinger", get(webfinger::webfinger))
        .route("/.well-known/host-meta", get(webfinger::host_meta))
        .route("/.well-known/nodeinfo", get(nodeinfo::discovery))
        .route("/nodeinfo/2.1", get(nodeinfo::nodeinfo))
        .route(
            "/.well-known/oauth-authorization-server",
            get(crate::api::oauth::metadata),
        )
        // Browser-based fediverse clients read these cross-origin.
        .layer(CorsLayer::new().allow_origin(tower_http::cors::Any));
    Router::new()
        .merge(discovery)
        .route("/health", get(health))
        .route("/metrics", get(crate::ops::metrics::main_endpoint))
        .route("/actor", negotiated(instance_actor, web::pages::instance))
        .route("/users/{name}", negotiated(person, web::pages::person))
        .route("/communes/{name}", negotiated(commune, web::pages::commune))
        .route("/inbox", post(inbox::shared))
        .route("/actor/inbox", post(inbox::shared))
        .route("/users/{name}/inbox", post(inbox::person))
        .route("/communes/{name}/inbox", post(inbox::commune))
        .route(
            "/users/{name}/followers",
            negotiated(collections::followers, web::pages::person_followers),
        )
        .route(
            "/communes/{name}/followers",
            negotiated(collections::followers, web::pages::commune_followers),
        )
        .route(
            "/users/{name}/following",
            negotiated(collections::following, web::pages::person_following),
        )
        .route(
            "/communes/{name}/following",
            negotiated(collections::following, web::pages::commune_following),
        )
        .route("/users/{name}/outbox", get(collections::outbox))
        .route("/communes/{name}/outbox", get(collections::outbox))
        .route("/communes/{name}/moderators", get(collections::moderators))
        .route(
            "/notes/{id}",
            negotiated(collections::note, web::pages::note),
        )
        .route("/tags/{name}", get(web::pages::tag))
        .route(
            "/debates/{id}",
            negotiated(federation::debates::debate, web::debates::show),
        )
        .route(
            "/proposals/{id}",
            negotiated(federation::debates::debate, web::debates::show),
        )
        .route(
            "/comments/{id}",
            negotiated(federation::debates::comment, web::debates::comment_page),
        )
        .route(
            "/polls/{id}",
            negotiated(federation::polls::question, web::polls::show),
        )
        .route(
            "/problems/{id}",
            negotiated(federation::problems::page_document, web::problems::show),
        )
        .route(
            "/meetings/{id}",
            negotiated(federation::meetings::event_document, web::meetings::show),
        )
        .route(
            "/commitments/{id}",
            negotiated(federation::commitments::document, web::commitments::show),
        )
        .route(
            "/newsletters/{id}",
            negotiated(
                federation::newsletter::article_document,
                web::newsletter::show,
            ),
        )
        // The report form carries up to three photos: its own body limit.
        .route(
            "/problems",
            get(web::problems::list)
                .post(web::problems::create)
                .layer(DefaultBodyLimit::max(
                    ctx.settings.server.max_photo_bytes * crate::civic::problems::MAX_PHOTOS
                        + 1024 * 1024,
                )),
        )
        .merge(crate::api::router(&ctx))
        .merge(web::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            (
                ctx.clone(),
                Arc::new(crate::limits::Limits::new(
                    ctx.settings.server.writes_per_minute,
                    ctx.settings.federation.inbox_per_minute,
                )),
            ),
            crate::limits::limit,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::Extension(Arc::new(
            web::accounts::LoginLimits::default(),
        )))
        .layer(web::session::layer(&ctx))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            crate::ops::metrics::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            crate::ops::requests::BehindProxy(ctx.settings.server.trust_forwarded_for),
            crate::ops::requests::identify,
        ))
        .with_state(ctx)
}

/// Nothing at this path: a page in the visitor's language for browsers, JSON for programs.
async fn not_found(State(ctx): State<AppContext>, request: axum::extract::Request) -> Response {
    use axum::extract::FromRequestParts;
    let error = Error::NotFound("nothing here".into());
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return error.into_response();
    }
    let (mut parts, _) = request.into_parts();
    match web::session::Visitor::from_request_parts(&mut parts, &ctx).await {
        Ok(visitor) => visitor.error(&error),
        Err(response) => response,
    }
}

/// 200 only when the database answers, so a load balancer or supervisor can tell a live instance.
async fn health(State(ctx): State<AppContext>) -> Response {
    if ctx.db.ping().await {
        Json(serde_json::json!({ "status": "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database unavailable" })),
        )
            .into_response()
    }
}

async fn instance_actor(
    State(ctx): State<AppContext>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    actor_response(
        ctx,
        uri,
        headers,
        ActorKind::Application,
        Username::instance().to_string(),
    )
    .await
}

async fn person(
    State(ctx): State<AppContext>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response> {
    actor_response(ctx, uri, headers, ActorKind::Person, name).await
}

async fn commune(
    State(ctx): State<AppContext>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response> {
    actor_response(ctx, uri, headers, ActorKind::Commune, name).await
}

/// The actor document, for servers (browsers get the page from `web`).
async fn actor_response(
    ctx: AppContext,
    uri: axum::http::Uri,
    headers: HeaderMap,
    kind: ActorKind,
    name: String,
) -> Result<Response> {
    let lookup = name.clone();
    let (actor, mandates, openers) = ctx
        .db
        .run(move |conn| {
            let Some((actor, mandates)) = queries::actor_with_mandates(conn, kind, &lookup)? else {
                return Ok(None);
            };
            let openers = match actor.kind {
                ActorKind::Commune => Some(crate::civic::debates::openers(conn, actor.id)?),
                _ => None,
            };
            Ok(Some((actor, mandates, openers)))
        })
        .await?
        .ok_or_else(|| Error::NotFound(format!("no such actor: {name}")))?;
    let today = Utc::now().date_naive();
    // The instance actor stays public: servers fetch its key to check our own signed fetches.
    if kind != ActorKind::Application {
        federation::inbox::require_signed_fetch(&ctx, &uri, &headers).await?;
    }
    let mut response = match ActorTombstone::of(&ctx.urls, &actor) {
        // Mastodon and others drop an account whose URL answers 410 with a Tombstone.
        Some(tombstone) => (StatusCode::GONE, federation::json(tombstone)).into_response(),
        None => {
            let document = ActorDocument::local(&ctx.urls, &actor, &mandates, today);
            federation::json(match openers {
                Some(openers) => document.with_openers(openers),
                None => document,
            })
        }
    };
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

/// One URL, two faces: `ap` answers servers asking for ActivityPub JSON, `web` answers browsers. Every such
/// route is declared in [`router`], here.
fn negotiated<TA, TW, A, W>(ap: A, web: W) -> axum::routing::MethodRouter<AppContext>
where
    A: axum::handler::Handler<TA, AppContext>,
    W: axum::handler::Handler<TW, AppContext>,
    TA: 'static,
    TW: 'static,
{
    get(
        move |State(ctx): State<AppContext>, request: axum::extract::Request| async move {
            let accept = request
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            let mut response = if federation::wants_activity_json(accept) {
                ap.call(request, ctx).await
            } else {
                web.call(request, ctx).await
            };
            response
                .headers_mut()
                .insert(header::VARY, header::HeaderValue::from_static("Accept"));
            response
        },
    )
}

/// A bound, ready-to-serve instance. Binding happens in [`Application::build`], so tests can use port 0 and
/// read the real port before serving.
pub struct Application {
    listener: std::net::TcpListener,
    router: Router,
    ctx: AppContext,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    /// `[server] acme`: what obtains and renews the certificate `tls` serves.
    acme: Option<crate::ops::acme::Acme>,
    db: Database,
    /// `[metrics] bind`: `/metrics` alone, on its own address.
    metrics_listener: Option<std::net::TcpListener>,
}

impl Application {
    /// Opens the database, builds the router and binds the listener.
    pub async fn build(settings: Settings) -> Result<Application> {
        let db = {
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || open_database_counting(&settings))
                .await
                .map_err(Error::internal)??
        };
        let (db, applied) = db;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        Self::build_with(settings, db)
    }

    /// As [`Application::build`], with a database already opened (and migrated).
    pub fn build_with(settings: Settings, db: Database) -> Result<Application> {
        let addr = settings.bind_addr();
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::invalid("server.bind", format!("cannot listen on {addr}: {e}")))?;
        Self::from_listener(settings, db, listener)
    }

    /// Serves on a listener bound by the caller (tests bind port 0 first to know the public URL).
    pub fn from_listener(
        settings: Settings,
        db: Database,
        listener: std::net::TcpListener,
    ) -> Result<Application> {
        let (mut tls, cert_expiry) = match (&settings.server.tls_cert, &settings.server.tls_key) {
            (Some(cert), Some(key)) => {
                let (config, expiry) = server_tls(cert, key)?;
                (Some(config), expiry)
            }
            _ => (None, None),
        };
        listener.set_nonblocking(true).map_err(Error::internal)?;
        let metrics_listener = match settings
            .metrics
            .bind_addr()
            .map_err(|e| Error::invalid("metrics.bind", e.to_string()))?
        {
            None => None,
            Some(addr) => {
                let bound = std::net::TcpListener::bind(addr).map_err(|e| {
                    Error::invalid("metrics.bind", format!("cannot listen on {addr}: {e}"))
                })?;
                bound.set_nonblocking(true).map_err(Error::internal)?;
                Some(bound)
            }
        };
        let ctx = context(settings, db.clone())?;
        // A certificate from files: its expiry is shown in the metrics too.
        if let Some(at) = cert_expiry {
            ctx.metrics.certificate_expires(at);
        }
        let acme = if ctx.settings.server.acme {
            let (acme, config) = crate::ops::acme::Acme::new(&ctx.settings, ctx.metrics.clone())?;
            tls = Some(config);
            Some(acme)
        } else {
            None
        };
        Ok(Application {
            listener,
            router: router(ctx.clone()),
            ctx,
            tls,
            acme,
            db,
            metrics_listener,
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves, and runs the delivery worker, until `shutdown` completes; then lets requests in flight finish.
    pub async fn run_until(
        mut self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        // First what can fail, so that nothing is left running behind an error.
        let metrics = match self.metrics_listener.take() {
            Some(listener) => Some(serve_metrics(self.ctx.clone(), listener)?),
            None => None,
        };
        let worker = crate::federation::deliver::spawn(self.ctx.clone());
        let mailer = crate::mail::worker::spawn(self.ctx.clone());
        let acme = self.acme.take().map(|acme| tokio::spawn(acme.run()));
        let result = self.serve(shutdown).await;
        worker.abort();
        mailer.abort();
        if let Some(acme) = acme {
            acme.abort();
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        result
    }

    async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        // `/api/v1/instance/` is `/api/v1/instance`, as in Mastodon (Rails): client libraries add the slash
        // (Mastodon.py 2.3 does). Trimmed before routing, for every path.
        let service =
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(
                tower_http::normalize_path::NormalizePath::trim_trailing_slash(self.router)
            );
        match self.tls {
            Some(tls) => {
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    stopper.graceful_shutdown(Some(Duration::from_secs(10)));
                });
                axum_server::from_tcp_rustls(self.listener, tls)
                    .handle(handle)
                    .serve(service)
                    .await
                    .map_err(Error::internal)
            }
            None => {
                let listener =
                    tokio::net::TcpListener::from_std(self.listener).map_err(Error::internal)?;
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
                    .map_err(Error::internal)
            }
        }
    }
}

/// Serves `/metrics` alone on its own listener, in plain HTTP (a monitoring network, not the Internet).
fn serve_metrics(
    ctx: AppContext,
    listener: std::net::TcpListener,
) -> Result<tokio::task::JoinHandle<()>> {
    let addr = listener.local_addr().map_err(Error::internal)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(Error::internal)?;
    let app = Router::new()
        .route("/metrics", get(crate::ops::metrics::separate_endpoint))
        .with_state(ctx);
    tracing::info!(%addr, "metrics served at /metrics on their own address");
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    }))
}

/// The TLS configuration for serving HTTPS ourselves (rustls with the `ring` provider: no C toolchain needed),
/// and when the (first) certificate expires, in seconds since the epoch, for the metrics.
pub fn server_tls(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(axum_server::tls_rustls::RustlsConfig, Option<i64>)> {
    let read = |field: &'static str, path: &std::path::Path| {
        std::fs::read(path)
            .map_err(|e| Error::invalid(field, format!("cannot read {}: {e}", path.display())))
    };
    let cert_pem = read("server.tls_cert", cert)?;
    let key_pem = read("server.tls_key", key)?;
    let chain = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid("server.tls_cert", format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(Error::invalid(
            "server.tls_cert",
            format!("{} holds no PEM certificate", cert.display()),
        ));
    }
    let expires_at = crate::ops::acme::expiry_of_der(&chain[0]);
    let private = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| Error::invalid("server.tls_key", format!("{}: {e}", key.display())))?
        .ok_or_else(|| {
            Error::invalid(
                "server.tls_key",
                format!("{} holds no PEM private key", key.display()),
            )
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::internal)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            Error::invalid(
                "server.tls_key",
                format!("does not match the certificate: {e}"),
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((
        axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config)),
        expires_at,
    ))
}
