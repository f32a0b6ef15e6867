//! A certificate authority made at test time, and server certificates it signs.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// PEM files of a test CA and of one server certificate signed by it.
pub struct TestPki {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub ca_pem: String,
}

/// Makes a CA and a certificate for `hosts`, written into `dir`.
pub fn make_pki(dir: &Path, hosts: &[&str]) -> TestPki {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Parvis test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");

    let server_key = KeyPair::generate().expect("server key");
    let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("server params");
    params.distinguished_name.push(DnType::CommonName, hosts[0]);
    let server = params
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server cert");

    let pki = TestPki {
        ca_cert: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        ca_pem: ca.pem(),
    };
    std::fs::write(&pki.ca_cert, ca.pem()).expect("write ca");
    std::fs::write(&pki.server_cert, server.pem()).expect("write cert");
    std::fs::write(&pki.server_key, server_key.serialize_pem()).expect("write key");
    pki
}

/// A client builder trusting only the certificates of `pem` (no system roots), with `ring`; reports the
/// server's certificate (`reqwest::tls::TlsInfo`).
pub fn trusting_only(pem: &[u8]) -> reqwest::ClientBuilder {
    super::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut &pem[..]) {
        roots.add(cert.expect("CA cert")).expect("add CA");
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .tls_info(true)
}
