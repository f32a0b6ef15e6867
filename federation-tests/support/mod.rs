//! What every integration test shares: instances on loopback, both databases, a test CA.

#![allow(dead_code)]

pub mod browser;
pub mod debates;
pub mod hostile;
pub mod instance;
pub mod maildev;
pub mod mastodon;
pub mod network;
pub mod oidc;
pub mod peer;
pub mod postgres;
pub mod python;
pub mod sink;
pub mod tls;
pub mod web;

pub use instance::{Backend, TestInstance};

/// Declares one async test per database: `NAME::sqlite` and `NAME::postgres`.
/// The body is a closure `|backend: Backend| async move { … }`.
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::support::Backend::Postgres).await
            }
        }
    };
}
pub(crate) use both_backends;

/// Child processes killed when the test ends, passed or not.
pub struct Children(pub Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `parvis admin --config CONFIG ARGS…` in this process: what it printed, or its error's message.
pub async fn admin_command(config: &str, args: &[&str]) -> Result<String, String> {
    let mut argv = vec!["parvis", "admin", "--config", config];
    argv.extend_from_slice(args);
    let cli =
        <parvis::cli::Cli as clap::Parser>::try_parse_from(argv).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    parvis::cli::run(cli, &mut out)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).unwrap())
}

/// reqwest is built without a default TLS provider (Parvis passes `ring` explicitly); plain test clients need
/// the process-wide one.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Who got a notification of this kind, by username.
pub(crate) async fn told(instance: &TestInstance, kind: &'static str) -> Vec<String> {
    instance
        .db
        .run(move |c| {
            use diesel::prelude::*;
            Ok(parvis::model::schema::notifications::table
                .inner_join(
                    parvis::model::schema::actors::table.on(parvis::model::schema::actors::id
                        .eq(parvis::model::schema::notifications::account_id)),
                )
                .filter(parvis::model::schema::notifications::kind.eq(kind))
                .select(parvis::model::schema::actors::username)
                .order(parvis::model::schema::actors::username.asc())
                .load(c)?)
        })
        .await
        .unwrap()
}
