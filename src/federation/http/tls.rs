//! The TLS configuration of the guarded client: the system's trusted roots plus the operator's extra CA files.

use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use super::{OutboundError, OutboundPolicy};

/// Adds the certificates of one PEM file to `roots`.
fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), OutboundError> {
    let ca_file_error = |source| OutboundError::CaFile {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(ca_file_error)?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ca_file_error)?;
    if certs.is_empty() {
        return Err(OutboundError::InvalidCa {
            path: path.to_owned(),
            reason: "it holds no PEM certificate".to_owned(),
        });
    }
    for cert in certs {
        roots.add(cert).map_err(|e| OutboundError::InvalidCa {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    }
    Ok(())
}

/// The rustls configuration: ring provider (explicitly, no process-wide default needed), system roots
/// plus the extra CA files, ALPN h2 and http/1.1.
pub(super) fn tls_config(policy: &OutboundPolicy) -> Result<rustls::ClientConfig, OutboundError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "some system CA certificates could not be loaded");
    }
    let (_, ignored) = roots.add_parsable_certificates(native.certs);
    if ignored > 0 {
        tracing::debug!(ignored, "ignored unparsable system CA certificates");
    }
    for path in &policy.extra_ca_files {
        add_ca_file(&mut roots, path)?;
    }
    if roots.is_empty() {
        tracing::warn!("no trusted CA certificate at all: every https request will fail");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(OutboundError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // reqwest does not set ALPN on a preconfigured rustls config.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
