//! Tests of the SSRF guard and the outgoing client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn policy_with(allowed: &[&str], statics: &[(&str, &str)]) -> OutboundPolicy {
    OutboundPolicy {
        allowed_hosts: allowed.iter().map(|s| s.to_string()).collect(),
        static_hosts: statics
            .iter()
            .map(|(n, ip)| (n.to_string(), ip.parse().unwrap()))
            .collect(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        user_agent: "parvis-test/1".to_owned(),
        ..OutboundPolicy::default()
    }
}

#[test]
fn public_address_table() {
    let cases: &[(&str, bool)] = &[
        // IPv4, not public
        ("0.0.0.0", false),
        ("0.1.2.3", false),
        ("127.0.0.1", false),
        ("127.255.255.254", false),
        ("10.0.0.1", false),
        ("10.255.255.255", false),
        ("172.16.0.1", false),
        ("172.31.255.255", false),
        ("192.168.1.1", false),
        ("169.254.169.254", false),
        ("100.64.0.1", false),
        ("100.127.255.255", false),
        ("192.0.0.8", false),
        ("192.0.2.1", false),
        ("198.51.100.7", false),
        ("203.0.113.9", false),
        ("198.18.0.1", false),
        ("198.19.255.255", false),
        ("224.0.0.1", false),
        ("239.255.255.250", false),
        ("240.0.0.1", false),
        ("255.255.255.255", false),
        // IPv4, public (including neighbours of the ranges above)
        ("8.8.8.8", true),
        ("1.1.1.1", true),
        ("9.255.255.255", true),
        ("11.0.0.0", true),
        ("100.63.255.255", true),
        ("100.128.0.0", true),
        ("126.255.255.255", true),
        ("128.0.0.0", true),
        ("169.253.255.255", true),
        ("172.15.255.255", true),
        ("172.32.0.0", true),
        ("192.0.1.1", true),
        ("192.0.3.1", true),
        ("192.167.255.255", true),
        ("192.169.0.0", true),
        ("198.17.255.255", true),
        ("198.20.0.0", true),
        ("203.0.114.1", true),
        ("223.255.255.255", true),
        // IPv6, not public
        ("::", false),
        ("::1", false),
        ("fc00::1", false),
        ("fd12:3456:789a::1", false),
        ("fe80::1", false),
        ("febf::1", false),
        ("fec0::1", false),
        ("ff02::1", false),
        ("ff0e::1", false),
        ("2001:db8::1", false),
        ("2001:db8:ffff::1", false),
        ("3fff::1", false),
        ("100::1", false),
        ("2001::1", false),
        ("64:ff9b:1::1", false),
        ("::ffff:127.0.0.1", false),
        ("::ffff:10.0.0.1", false),
        ("::ffff:169.254.169.254", false),
        ("::127.0.0.1", false),
        ("::ffff:0:127.0.0.1", false),
        ("64:ff9b::127.0.0.1", false),
        ("64:ff9b::a9fe:a9fe", false),
        ("2002:7f00:1::", false),
        ("2002:c0a8:101::1", false),
        // IPv6, public
        ("::ffff:8.8.8.8", true),
        ("::8.8.8.8", true),
        ("64:ff9b::8.8.8.8", true),
        ("2002:808:808::1", true),
        ("2001:4860:4860::8888", true),
        ("2606:4700:4700::1111", true),
        ("2a00:1450:4001:81b::200e", true),
        ("2001:db9::1", true),
        ("fbff::1", true),
    ];
    for (text, expected) in cases {
        let ip: IpAddr = text.parse().unwrap();
        assert_eq!(is_public_address(ip), *expected, "{text}");
    }
}

#[test]
fn check_url_rules() {
    let none = policy_with(&[], &[]);
    let listed = policy_with(&["Alpha.Parvis.TEST", "127.0.0.1", "[::1]"], &[]);

    assert!(check_url(&none, &url("https://example.org/users/a")).is_ok());
    assert!(check_url(&none, &url("https://8.8.8.8/x")).is_ok());
    assert!(check_url(&none, &url("https://[2001:4860:4860::8888]/x")).is_ok());

    let err = check_url(&none, &url("http://example.org/")).unwrap_err();
    assert!(matches!(err, OutboundError::PlainHttp { .. }), "{err}");
    assert!(err.to_string().contains("only https is allowed"), "{err}");
    assert!(matches!(
        check_url(&none, &url("http://alpha.parvis.test/")),
        Err(OutboundError::PlainHttp { .. })
    ));

    // Allowed by name, case-insensitively, with or without a trailing dot.
    assert!(check_url(&listed, &url("http://alpha.parvis.test/inbox")).is_ok());
    assert!(check_url(&listed, &url("http://ALPHA.parvis.Test:8080/inbox")).is_ok());
    assert!(check_url(&listed, &url("http://alpha.parvis.test./inbox")).is_ok());
    assert!(matches!(
        check_url(&listed, &url("http://beta.parvis.test/")),
        Err(OutboundError::PlainHttp { .. })
    ));

    for bad in [
        "ftp://example.org/file",
        "file:///etc/passwd",
        "gopher://x/",
    ] {
        assert!(
            matches!(
                check_url(&listed, &url(bad)),
                Err(OutboundError::UnsupportedScheme { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        check_url(&none, &url("mailto:a@example.org")),
        Err(OutboundError::UnsupportedScheme { .. })
    ));

    for private in [
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3:8443/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1]/",
        "https://2130706433/", // 127.0.0.1 in decimal: the url crate normalizes it
        "https://0x7f.1/",
    ] {
        let err = check_url(&none, &url(private)).unwrap_err();
        assert!(
            matches!(err, OutboundError::PrivateAddress { .. }),
            "{private}: {err}"
        );
    }
    let err = check_url(&none, &url("https://127.0.0.1/")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "refusing to connect to 127.0.0.1: it resolves to a private, loopback or link-local address"
    );

    // IP literals listed in allowed_hosts are accepted, also over http.
    assert!(check_url(&listed, &url("http://127.0.0.1:8080/")).is_ok());
    assert!(check_url(&listed, &url("https://127.0.0.1/")).is_ok());
    assert!(check_url(&listed, &url("http://[::1]:8080/")).is_ok());
    assert!(matches!(
        check_url(&listed, &url("https://127.0.0.2/")),
        Err(OutboundError::PrivateAddress { .. })
    ));

    // Passwords do not end up in messages.
    let err = check_url(&none, &url("http://user:secret@example.org/")).unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test]
async fn resolver_refuses_static_host_mapped_to_loopback() {
    let policy = policy_with(&[], &[("evil.test", "127.0.0.1")]);
    let client = GuardedClient::new(policy).unwrap();
    let target = url("https://evil.test/");
    // The URL itself looks fine…
    check_url(client.policy(), &target).unwrap();
    // …but the resolver refuses the address, before any connection.
    let err = client
        .get(&target, "application/activity+json")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::PrivateAddress { host } if host == "evil.test"),
        "{err:?}"
    );
    // The same through the bare client and `?`/`From`.
    let raw = client.client().get(target).send().await.unwrap_err();
    assert!(
        matches!(
            OutboundError::from(raw),
            OutboundError::PrivateAddress { .. }
        ),
        "bare client"
    );
}

/// A tiny HTTP/1.1 server on 127.0.0.1 answering every request with `respond(port, head)`, and
/// reporting each request head on the returned channel.
async fn spawn_server(respond: fn(u16, &str) -> String) -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let response = respond(port, &head);
                let _ = tx.send(head);
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, rx)
}

fn hello(_port: u16, _head: &str) -> String {
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
        .to_owned()
}

#[tokio::test]
async fn plain_http_to_allowed_host_on_loopback_works() {
    let (port, mut heads) = spawn_server(hello).await;
    let policy = policy_with(
        &["alpha.parvis.test"],
        &[("alpha.parvis.test", "127.0.0.1")],
    );
    let client = GuardedClient::new(policy).unwrap();
    let target = url(&format!("http://alpha.parvis.test:{port}/hello"));
    let response = client
        .get(&target, "application/activity+json")
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "hello");
    let head = heads.recv().await.unwrap().to_ascii_lowercase();
    assert!(head.starts_with("get /hello http/1.1\r\n"), "{head}");
    assert!(
        head.contains("accept: application/activity+json\r\n"),
        "{head}"
    );
    assert!(head.contains("user-agent: parvis-test/1\r\n"), "{head}");
    assert!(
        head.contains(&format!("host: alpha.parvis.test:{port}\r\n")),
        "{head}"
    );
}

#[tokio::test]
async fn redirect_to_a_private_address_is_refused() {
    // The classic attack is a redirect to https://169.254.169.254/ (cloud metadata); the target here is
    // 127.0.0.1 (not allowed as such) so that even a broken guard would only reach our own server.
    fn to_loopback(port: u16, _head: &str) -> String {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:{port}/secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }
    let (port, mut heads) = spawn_server(to_loopback).await;
    let policy = policy_with(
        &["alpha.parvis.test"],
        &[("alpha.parvis.test", "127.0.0.1")],
    );
    let client = GuardedClient::new(policy).unwrap();
    let err = client
        .get(
            &url(&format!("http://alpha.parvis.test:{port}/start")),
            "*/*",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OutboundError::PrivateAddress { host } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert_eq!(heads.recv().await.map(|h| h.contains("/start")), Some(true));
    assert!(heads.try_recv().is_err(), "the redirect was followed");
}

#[tokio::test]
async fn redirect_loops_stop_after_the_limit() {
    fn to_self(port: u16, _head: &str) -> String {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: http://alpha.parvis.test:{port}/again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }
    let (port, mut heads) = spawn_server(to_self).await;
    let policy = policy_with(
        &["alpha.parvis.test"],
        &[("alpha.parvis.test", "127.0.0.1")],
    );
    let client = GuardedClient::new(policy).unwrap();
    let err = client
        .get(
            &url(&format!("http://alpha.parvis.test:{port}/first")),
            "*/*",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, OutboundError::TooManyRedirects { max: 5 }),
        "{err:?}"
    );
    let mut requests = 0;
    while heads.try_recv().is_ok() {
        requests += 1;
    }
    assert_eq!(requests, 1 + MAX_REDIRECTS);
}

#[tokio::test]
async fn https_with_an_extra_ca_file() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::io::{Read, Write};

    // A CA and a certificate for alpha.parvis.test signed by it.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["alpha.parvis.test".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();

    // A blocking rustls server on 127.0.0.1 serving one request.
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(leaf.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).unwrap();
            assert!(n > 0, "client closed early");
            head.extend_from_slice(&buf[..n]);
        }
        tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure")
            .unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });

    let mut policy = policy_with(
        &["alpha.parvis.test"],
        &[("alpha.parvis.test", "127.0.0.1")],
    );
    policy.extra_ca_files = vec![ca_path];
    let client = GuardedClient::new(policy).unwrap();
    let response = client
        .get(&url(&format!("https://alpha.parvis.test:{port}/s")), "*/*")
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert_eq!(response.text().await.unwrap(), "secure");
    let head = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    assert!(head.starts_with("GET /s HTTP/1.1\r\n"), "{head}");
}

#[test]
fn bad_ca_files_are_reported() {
    let mut policy = policy_with(&[], &[]);
    policy.extra_ca_files = vec![PathBuf::from("/nonexistent/parvis-ca.pem")];
    let err = build_client(&policy).unwrap_err();
    assert!(matches!(err, OutboundError::CaFile { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot read CA file /nonexistent/parvis-ca.pem: "),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    policy.extra_ca_files = vec![empty];
    let err = build_client(&policy).unwrap_err();
    assert!(matches!(err, OutboundError::InvalidCa { .. }), "{err:?}");
}

#[test]
fn default_policy_builds() {
    // Zero timeouts and an empty user agent fall back to defaults instead of failing every request.
    GuardedClient::new(OutboundPolicy::default()).unwrap();
}
