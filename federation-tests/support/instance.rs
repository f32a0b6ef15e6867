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
        let app =
            Application::from_listener(settings.clone(), db.clone(), listener).expect("build app");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until(async move {
                    let _ = rx.await;
                })
                .await;
        });
        TestInstance {
            addr,
            base: format!("{scheme}://{host}:{}", addr.port()),
            db,
            settings,
            dir,
            shutdown: Some(tx),
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A plain client for `http://localhost` instances.
    pub fn client(&self) -> reqwest::Client {
        super::install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
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

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
