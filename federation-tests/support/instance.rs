//! A real Parvis instance on 127.0.0.x, on a throwaway database.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;

use parvis::app::{Application, open_database};
use parvis::config::Settings;
use parvis::db::Database;

use super::postgres;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running instance. The server task stops when the test's runtime ends.
pub struct TestInstance {
    pub addr: SocketAddr,
    pub base: String,
    pub db: Database,
    pub settings: Settings,
    /// Keeps the data directory alive.
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: Option<tokio::task::JoinHandle<()>>,
    client: reqwest::Client,
}

/// Settings for a fresh database of the given backend in `dir`.
pub fn settings_for(backend: Backend, dir: &std::path::Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.data_dir = dir.to_path_buf();
    settings.database.pool_size = 4;
    settings.database.url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("parvis.sqlite3").display()),
        Backend::Postgres => postgres::fresh_database_url(),
    };
    settings.instance.name = "Ville de Test".into();
    settings
}

/// A database opened and migrated like `parvis migrate` does, for tests that need no server.
pub fn database(backend: Backend) -> (Database, Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = settings_for(backend, dir.path());
    let db = open_database(&settings).expect("open database");
    (db, settings, dir)
}

impl TestInstance {
    /// An instance on plain http at `http://localhost:PORT`.
    pub async fn start(backend: Backend) -> TestInstance {
        Self::start_with(backend, |_| {}).await
    }

    /// An instance whose settings `tune` may change (TLS, host name, federation policy). The public URL is set
    /// before `tune` runs, from the bound port: `http://localhost:PORT`.
    pub async fn start_with(backend: Backend, tune: impl FnOnce(&mut Settings)) -> TestInstance {
        Self::start_on(
            backend,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            "localhost",
            "http",
            tune,
        )
        .await
    }

    /// An instance listening on `ip` and known as `scheme://host:PORT`.
    pub async fn start_on(
        backend: Backend,
        ip: IpAddr,
        host: &str,
        scheme: &str,
        tune: impl FnOnce(&mut Settings),
    ) -> TestInstance {
        // RUST_LOG=parvis=debug shows what the instances do, per test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut settings = settings_for(backend, dir.path());
        settings.server.bind = addr.to_string();
        settings.server.public_url = format!("{scheme}://{host}:{}", addr.port());
        tune(&mut settings);
        let db = {
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || open_database(&settings))
                .await
                .expect("join")
                .expect("open database")
        };
        let (shutdown, stopped) = serve(&settings, &db, listener);
        let client = client_for(&settings, host, addr);
        TestInstance {
            addr,
            base: format!("{scheme}://{host}:{}", addr.port()),
            db,
            settings,
            dir,
            shutdown: Some(shutdown),
            stopped: Some(stopped),
            client,
        }
    }

    /// Stops serving (and delivering), as a server that goes down.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.stopped.take() {
            let _ = task.await;
        }
    }

    /// Starts again on the same address and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr).expect("rebind");
        let (shutdown, stopped) = serve(&self.settings, &self.db, listener);
        self.shutdown = Some(shutdown);
        self.stopped = Some(stopped);
    }

    /// `base` + `path`.
    /// A configuration file for the `parvis admin` commands run against this instance (kept while the
    /// returned directory lives), and its path.
    pub fn cli_config(&self) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("parvis.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\ndata_dir = {:?}\npublic_url = {:?}\n[database]\nurl = {:?}\n",
                self.settings.server.data_dir.display().to_string(),
                self.settings.server.public_url,
                self.settings.database.url
            ),
        )
        .expect("write the configuration");
        let path = config.display().to_string();
        (dir, path)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that reaches this instance (trusting the test CA when it serves HTTPS).
    pub fn client(&self) -> reqwest::Client {
        self.client.clone()
    }

    /// A client with connections of its own (clones of [`TestInstance::client`] share one pool).
    pub fn own_client(&self) -> reqwest::Client {
        let host = url::Url::parse(&self.base).expect("base");
        client_for(&self.settings, host.host_str().expect("host"), self.addr)
    }

    /// `GET` on the API with a bearer token; returns status and JSON.
    pub async fn api_get(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `DELETE` on the API with a bearer token; returns the status.
    pub async fn api_delete(&self, path: &str, token: &str) -> u16 {
        let response = self
            .client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        response.status().as_u16()
    }

    /// `POST` on the API with a bearer token and a JSON body; returns status and JSON.
    pub async fn api_post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn get(&self, path: &str, accept: &str) -> reqwest::Response {
        self.client()
            .get(self.url(path))
            .header("Accept", accept)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str, accept: &str) -> (u16, serde_json::Value) {
        let response = self.get(path, accept).await;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// How many events the instance has recorded for other servers (outbox events), and how many of them are
    /// still to be expanded into deliveries. Recorded in the same transaction as the change that causes them:
    /// an unchanged count proves that a refused request will never send anything.
    pub async fn recorded_events(&self) -> (i64, i64) {
        use diesel::prelude::*;
        use parvis::model::schema::outbox_events;
        self.db
            .run(|c| {
                let all: i64 = outbox_events::table.count().get_result(c)?;
                let pending: i64 = outbox_events::table
                    .filter(outbox_events::expanded.eq(false))
                    .count()
                    .get_result(c)?;
                Ok((all, pending))
            })
            .await
            .expect("count outbox events")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

fn serve(
    settings: &Settings,
    db: &Database,
    listener: TcpListener,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let app =
        Application::from_listener(settings.clone(), db.clone(), listener).expect("build app");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = app
            .run_until(async move {
                let _ = rx.await;
            })
            .await;
    });
    (tx, task)
}

/// A client for an instance: plain, or trusting the instance's extra CA and resolving its name to its address.
pub fn client_for(settings: &Settings, host: &str, addr: SocketAddr) -> reqwest::Client {
    super::install_crypto_provider();
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(host, addr);
    let builder = match &settings.federation.extra_ca_file {
        Some(ca) => super::tls::trusting_only(&std::fs::read(ca).expect("read CA"))
            .redirect(reqwest::redirect::Policy::none())
            .resolve(host, addr),
        None => builder,
    };
    builder.build().expect("client")
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
