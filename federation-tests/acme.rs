//! `[server] acme = true` against Pebble, the ACME test authority (Debian's `pebble`): the instance obtains
//! its certificate with TLS-ALPN-01 on its own port, a client trusting only Pebble's root accepts it, and when
//! the authority is down at renewal the same certificate keeps serving while the failures are counted.
//!
//! Pebble's validation asks `pebble-challtestsrv` (a DNS server answering 127.0.0.1 for every name) where
//! `acme.parvis.test` is: nothing leaves loopback.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::federation::eventually;
use crate::operations::series;
use crate::support::{Backend, Children, TestInstance};

const HOST: &str = "acme.parvis.test";
/// Short, so that renewal (at two thirds of the life) comes during the test.
const VALIDITY_SECS: u64 = 45;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A client trusting only the certificates of `pem`, reaching `HOST` at `addr`.
fn trusting(pem: &[u8], addr: SocketAddr) -> reqwest::Client {
    crate::support::tls::trusting_only(pem)
        .resolve(HOST, addr)
        .build()
        .unwrap()
}

/// The certificate the server presented for `/health`, if the client trusted it.
async fn served_certificate(client: &reqwest::Client, base: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(format!("{base}/health"))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(response.status(), 200);
    let info = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .unwrap();
    Ok(info.peer_certificate().unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_pebble_is_trusted_through_its_root_and_kept_when_the_authority_is_down()
{
    let dir = tempfile::tempdir().unwrap();
    // Pebble's own HTTPS (its directory) needs a certificate; Debian ships none.
    let pki = crate::support::tls::make_pki(dir.path(), &["localhost", "127.0.0.1"]);
    let (directory, management, dns, dns_management) =
        (free_port(), free_port(), free_port(), free_port());
    let metrics = free_port();
    let instance = TestInstance::start_on(
        Backend::Sqlite,
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        HOST,
        "https",
        |s| {
            s.server.acme = true;
            s.server.acme_email = "mairie@ville.example".into();
            s.server.acme_directory = format!("https://127.0.0.1:{directory}/dir");
            s.server.acme_ca_file = Some(pki.ca_cert.clone());
            s.metrics.bind = format!("127.0.0.1:{metrics}");
        },
    )
    .await;
    let addr = instance.addr;
    let config = dir.path().join("pebble.json");
    std::fs::write(
        &config,
        serde_json::to_vec(&serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{directory}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": pki.server_cert, "privateKey": pki.server_key,
            "httpPort": free_port(),
            // The challenge connection comes to the instance's own port.
            "tlsPort": addr.port(),
            "ocspResponderURL": "", "externalAccountBindingRequired": false,
            "certificateValidityPeriod": VALIDITY_SECS,
        }}))
        .unwrap(),
    )
    .unwrap();
    let mut children = Children(Vec::new());
    children.0.push(
        Command::new("pebble-challtestsrv")
            .args([
                "-dns01",
                &format!("127.0.0.1:{dns}"),
                "-http01",
                "",
                "-https01",
                "",
            ])
            .args([
                "-tlsalpn01",
                "",
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
            ])
            .args(["-management", &format!("127.0.0.1:{dns_management}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble-challtestsrv (Debian package pebble)"),
    );
    children.0.push(
        Command::new("pebble")
            .args(["-config", config.to_str().unwrap()])
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble (Debian package pebble)"),
    );
    let scrape = || async move {
        reqwest::get(format!("http://127.0.0.1:{metrics}/metrics"))
            .await
            .ok()?
            .text()
            .await
            .ok()
    };
    let count = |text: &str, outcome: &str| {
        series(
            text,
            &format!("parvis_certificate_orders_total{{outcome=\"{outcome}\"}}"),
        )
        .unwrap_or(0.0)
    };
    // The first orders may find Pebble not started yet: they are retried.
    let text = eventually(
        "a certificate issued by Pebble",
        Duration::from_secs(90),
        || async {
            let text = scrape().await?;
            (count(&text, "issued") == 1.0).then_some(text)
        },
    )
    .await;
    let now = chrono::Utc::now().timestamp() as f64;
    let expiry = series(&text, "parvis_certificate_expiry_seconds").unwrap();
    assert!(
        expiry > now && expiry <= now + VALIDITY_SECS as f64 + 5.0,
        "{expiry} vs {now}"
    );

    // Trusted by a client that trusts nothing but Pebble's root (made at Pebble's start).
    let root = trusting(pki.ca_pem.as_bytes(), addr)
        .get(format!("https://127.0.0.1:{management}/roots/0"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let base = instance.url("");
    let trusted = trusting(&root, addr);
    let first = served_certificate(&trusted, &base).await.unwrap();
    // A client without Pebble's root refuses it.
    let refused = served_certificate(&trusting(pki.ca_pem.as_bytes(), addr), &base).await;
    assert!(refused.unwrap_err().contains("UnknownIssuer"));

    // The authority goes down before renewal: the order fails, is counted and retried; the same
    // certificate keeps serving.
    let failed_before = count(&scrape().await.unwrap(), "failed");
    for child in children.0.iter_mut().rev() {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    eventually(
        "a failed renewal counted",
        Duration::from_secs(60),
        || async { (count(&scrape().await?, "failed") > failed_before).then_some(()) },
    )
    .await;
    assert!(
        chrono::Utc::now().timestamp() < expiry as i64,
        "the test ran past the expiry"
    );
    assert_eq!(served_certificate(&trusted, &base).await.unwrap(), first);
    let text = scrape().await.unwrap();
    assert_eq!(count(&text, "issued"), 1.0);
    assert_eq!(
        series(&text, "parvis_certificate_expiry_seconds"),
        Some(expiry)
    );
}
