//! HTTPS served by Parvis itself, and outgoing requests: the extra CA, static hosts and the SSRF guard,
//! between two instances on distinct host names and addresses.

use std::net::{IpAddr, Ipv4Addr};

use parvis::federation::actors::ActorDocument;
use parvis::federation::http::OutboundError;
use url::Url;

use crate::support::tls::{TestPki, make_pki};
use crate::support::{Backend, TestInstance, both_backends};

const ALPHA: &str = "alpha.parvis.test";
const ALPHA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const BETA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));

async fn alpha(backend: Backend, pki: &TestPki) -> TestInstance {
    let (cert, key) = (pki.server_cert.clone(), pki.server_key.clone());
    let alpha = TestInstance::start_on(backend, ALPHA_IP, ALPHA, "https", move |s| {
        s.server.tls_cert = Some(cert);
        s.server.tls_key = Some(key);
        s.metrics.token = "metrics-token-0123456789".into();
    })
    .await;
    parvis::civic::communes::create_commune(&alpha.db, "alpha", "Alpha-sur-Mer")
        .await
        .unwrap();
    alpha
}

/// A client that trusts only the test CA and finds alpha at its loopback address.
fn trusting_client(pki: &TestPki, alpha: &TestInstance) -> reqwest::Client {
    crate::support::tls::trusting_only(pki.ca_pem.as_bytes())
        .resolve(ALPHA, alpha.addr)
        .build()
        .unwrap()
}

both_backends!(
    serves_https_with_its_own_certificate,
    |backend| async move {
        let dir = tempfile::tempdir().unwrap();
        let pki = make_pki(dir.path(), &[ALPHA]);
        let alpha = alpha(backend, &pki).await;
        assert!(alpha.base.starts_with("https://alpha.parvis.test:"));
        let client = trusting_client(&pki, &alpha);
        let response = client.get(alpha.url("/health")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let doc: serde_json::Value = client
            .get(alpha.url("/communes/alpha"))
            .header("Accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["id"], alpha.url("/communes/alpha").as_str());
        assert_eq!(doc["inbox"], alpha.url("/communes/alpha/inbox").as_str());
        // The certificate's expiry is in the metrics: rcgen's default end of validity, 4096-01-01.
        let metrics = client
            .get(alpha.url("/metrics"))
            .bearer_auth("metrics-token-0123456789")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(4096, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(
            crate::operations::series(&metrics, "parvis_certificate_expiry_seconds"),
            Some(end.and_utc().timestamp() as f64),
            "{metrics}"
        );

        // A client that does not trust the test CA refuses the certificate.
        crate::support::install_crypto_provider();
        let untrusting = reqwest::Client::builder()
            .resolve(ALPHA, alpha.addr)
            .build()
            .unwrap();
        assert!(untrusting.get(alpha.url("/health")).send().await.is_err());
        // Plain http to the TLS port gets no HTTP answer.
        let plain = format!("http://{}/health", alpha.addr);
        let answer = reqwest::get(&plain).await;
        assert!(answer.is_err() || answer.unwrap().status() != 200);
    }
);

both_backends!(
    outgoing_requests_between_two_instances,
    |backend| async move {
        let dir = tempfile::tempdir().unwrap();
        let pki = make_pki(dir.path(), &[ALPHA]);
        let alpha = alpha(backend, &pki).await;
        let port = alpha.addr.port();
        let ca = pki.ca_cert.clone();
        // beta on another address and name, configured the way an admin would for a private network.
        let beta = TestInstance::start_on(backend, BETA_IP, "beta.parvis.test", "http", move |s| {
            s.federation.allowed_hosts = vec![ALPHA.into()];
            s.federation.static_hosts.insert(ALPHA.into(), ALPHA_IP);
            s.federation.extra_ca_file = Some(ca);
        })
        .await;
        let ctx = parvis::app::context(beta.settings.clone(), beta.db.clone()).unwrap();
        let url = Url::parse(&alpha.url("/communes/alpha")).unwrap();
        let response = ctx
            .http
            .get(&url, "application/activity+json")
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let doc: ActorDocument = response.json().await.unwrap();
        assert_eq!(doc.id, url);
        assert_eq!(doc.preferred_username, "alpha");
        assert_eq!(doc.delivery_inbox().as_str(), alpha.url("/inbox"));

        // Without the allowance, the same name on a loopback address is refused, before any connection.
        let mut strict = beta.settings.clone();
        strict.federation.allowed_hosts.clear();
        let strict = parvis::app::context(strict, beta.db.clone()).unwrap();
        let refused = strict
            .http
            .get(&url, "application/activity+json")
            .await
            .unwrap_err();
        assert!(
            matches!(refused, OutboundError::PrivateAddress { .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains(ALPHA), "{refused}");

        // Loopback literals, and plain http to hosts not listed, are refused too.
        for (raw, plain_http) in [
            (format!("https://127.0.0.2:{port}/actor"), false),
            (format!("http://{}/actor", beta.addr), true),
            ("http://169.254.169.254/latest/meta-data/".to_string(), true),
            (format!("https://[::1]:{port}/actor"), false),
        ] {
            let err = ctx
                .http
                .get(&Url::parse(&raw).unwrap(), "application/activity+json")
                .await
                .unwrap_err();
            let ok = if plain_http {
                matches!(err, OutboundError::PlainHttp { .. })
            } else {
                matches!(err, OutboundError::PrivateAddress { .. })
            };
            assert!(ok, "{raw}: {err}");
        }
        // Plain http is allowed to a listed host (a private network without TLS).
        let mut lax = beta.settings.clone();
        lax.federation.allowed_hosts = vec!["beta.parvis.test".into()];
        lax.federation
            .static_hosts
            .insert("beta.parvis.test".into(), BETA_IP);
        let lax = parvis::app::context(lax, beta.db.clone()).unwrap();
        let health = Url::parse(&beta.url("/health")).unwrap();
        let response = lax.http.get(&health, "application/json").await.unwrap();
        assert_eq!(response.status(), 200);
    }
);

both_backends!(bad_tls_files_stop_start_up, |backend| async move {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path(), &[ALPHA]);
    let other = make_pki(
        &{
            let d = dir.path().join("other");
            std::fs::create_dir(&d).unwrap();
            d
        },
        &[ALPHA],
    );
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    for (cert, key, expected) in [
        (&pki.server_cert, &other.server_key, "server.tls_key"),
        (&garbage, &pki.server_key, "server.tls_cert"),
        (&pki.server_cert, &garbage, "server.tls_key"),
    ] {
        let (db, mut settings, _dir) = crate::support::instance::database(backend);
        settings.server.tls_cert = Some(cert.clone());
        settings.server.tls_key = Some(key.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let err = parvis::app::Application::from_listener(settings, db, listener)
            .err()
            .expect("start-up must fail");
        assert!(err.to_string().starts_with(expected), "{err}");
    }
});
