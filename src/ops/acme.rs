//! The instance's own certificate over ACME (`[server] acme = true`): obtained and renewed from Let's Encrypt
//! (or any ACME directory) with the TLS-ALPN-01 challenge, answered on the HTTPS port itself, so nothing else
//! needs to listen. `rustls-acme` runs the protocol; the account key and the certificate are kept under
//! `<data_dir>/acme`, so a restart serves the cached certificate at once (and backups carry it).
//!
//! Renewal starts when two thirds of the certificate's life have passed. If the authority cannot be reached
//! then, the current certificate keeps serving; the order is retried with a growing delay, each failure is
//! logged and counted (`parvis_certificate_orders_total{outcome="failed"}`), and the served certificate's
//! expiry stays visible (`parvis_certificate_expiry_seconds`).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use rustls_acme::caches::DirCache;
use rustls_acme::{AccountCache, AcmeConfig, AcmeState, CertCache, EventError, EventOk};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::ops::metrics::{CertificateOrder, Metrics};

/// Let's Encrypt's production directory, the default.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// The directory cache, telling the metrics when the certificate it loads or stores expires.
struct Watched {
    dir: DirCache<PathBuf>,
    metrics: Arc<Metrics>,
}

impl Watched {
    fn note_expiry(&self, pem: &[u8]) {
        match expiry(pem) {
            Some(at) => self.metrics.certificate_expires(at),
            None => tracing::warn!("acme: cannot read the expiry of the certificate"),
        }
    }
}

/// When the first certificate of a PEM bundle expires, as a Unix time.
pub fn expiry(pem: &[u8]) -> Option<i64> {
    let der = rustls_pemfile::certs(&mut &pem[..]).next()?.ok()?;
    expiry_of_der(&der)
}

/// The same, for a certificate in DER.
pub fn expiry_of_der(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.validity().not_after.timestamp())
}

#[async_trait]
impl CertCache for Watched {
    type EC = std::io::Error;

    async fn load_cert(
        &self,
        domains: &[String],
        directory_url: &str,
    ) -> std::result::Result<Option<Vec<u8>>, Self::EC> {
        let cert = self.dir.load_cert(domains, directory_url).await?;
        if let Some(pem) = &cert {
            self.note_expiry(pem);
        }
        Ok(cert)
    }

    async fn store_cert(
        &self,
        domains: &[String],
        directory_url: &str,
        cert: &[u8],
    ) -> std::result::Result<(), Self::EC> {
        self.note_expiry(cert);
        self.dir.store_cert(domains, directory_url, cert).await
    }
}

#[async_trait]
impl AccountCache for Watched {
    type EA = std::io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory_url: &str,
    ) -> std::result::Result<Option<Vec<u8>>, Self::EA> {
        self.dir.load_account(contact, directory_url).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory_url: &str,
        account: &[u8],
    ) -> std::result::Result<(), Self::EA> {
        self.dir
            .store_account(contact, directory_url, account)
            .await
    }
}

/// The certificate's manager: its TLS configuration serves whatever certificate it holds.
pub struct Acme {
    state: AcmeState<std::io::Error>,
    metrics: Arc<Metrics>,
}

impl Acme {
    /// Prepares the order for the public URL's host; nothing is asked of the authority until [`Acme::run`].
    pub fn new(
        settings: &Settings,
        metrics: Arc<Metrics>,
    ) -> Result<(Acme, axum_server::tls_rustls::RustlsConfig)> {
        let s = &settings.server;
        let domain = settings
            .public_url()
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .ok_or_else(|| Error::invalid("server.public_url", "has no host to certify"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(file) = &s.acme_ca_file {
            let pem = std::fs::read(file).map_err(|e| {
                Error::invalid(
                    "server.acme_ca_file",
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert =
                    cert.map_err(|e| Error::invalid("server.acme_ca_file", e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| Error::invalid("server.acme_ca_file", e.to_string()))?;
            }
        }
        let client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(Error::internal)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let cache = Watched {
            dir: DirCache::new(s.data_dir.join("acme")),
            metrics: metrics.clone(),
        };
        let state = AcmeConfig::new_with_client_config([domain], Arc::new(client))
            .directory(&s.acme_directory)
            .contact_push(format!("mailto:{}", s.acme_email))
            .cache(cache)
            .state();
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(Error::internal)?
            .with_no_client_auth()
            .with_cert_resolver(state.resolver());
        // `acme-tls/1` is the authority's challenge connection, answered by the resolver.
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec(), b"acme-tls/1".to_vec()];
        Ok((
            Acme { state, metrics },
            axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server)),
        ))
    }

    /// Orders, renews and retries for as long as the server runs; logs and counts each outcome.
    pub async fn run(mut self) {
        while let Some(event) = self.state.next().await {
            match event {
                Ok(EventOk::DeployedNewCert) => {
                    tracing::info!("acme: a new certificate is served");
                    self.metrics.certificate_order(CertificateOrder::Issued);
                }
                Ok(EventOk::DeployedCachedCert) => {
                    tracing::info!("acme: the stored certificate is served");
                }
                Ok(other) => tracing::debug!(event = ?other, "acme"),
                Err(e @ (EventError::Order(_) | EventError::NewCertParse(_))) => {
                    tracing::warn!(error = %e, "acme: no certificate could be obtained; the current one (if any) keeps serving, and the order is retried");
                    self.metrics.certificate_order(CertificateOrder::Failed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "acme: the certificate store under <data_dir>/acme")
                }
            }
        }
    }
}
