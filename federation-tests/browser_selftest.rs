//! The browser harness against itself, without Parvis: a tiny server with a clean page, a page
//! with accessibility faults and a page too wide for a phone, so a failing browser journey can be
//! blamed on Parvis's pages rather than on the harness, and a clean one is known to mean something.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::{Value, json};

use crate::support::browser::{BrowserReport, run_journey_async};

const HOST: &str = "selftest.parvis.test";
const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5));

const CLEAN: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clean page</title></head>
<body><header><a href="/">Home</a></header>
<main><h1>A clean page</h1>
<form><label for="q">Search</label> <input id="q" name="q" type="search">
<button type="submit">Go</button></form>
<p>Nothing here should trouble axe-core, nor a 360 px screen.</p></main></body></html>"#;

/// An image link with neither alt text nor words (image-alt, link-name) and an input without a
/// label (label).
const BROKEN: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Broken page</title></head>
<body><main><h1>A broken page</h1>
<a href="/"><img src="/logo.svg"></a>
<form><input name="q" type="text"></form></main></body></html>"#;

const WIDE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wide page</title></head>
<body><main><h1>A wide page</h1>
<table id="wide-table" style="width: 900px"><tr><th>Too</th><td>wide</td></tr></table></main></body></html>"#;

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#246"/></svg>"##;

async fn language(headers: HeaderMap) -> Html<String> {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accept = accept.replace(['<', '&'], "");
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Language</title></head>
<body><main><h1>Language</h1><p id="accept-language">{accept}</p></main></body></html>"#
    ))
}

/// Serves the pages on `IP`, port chosen by the system; returns `http://HOST:port`.
async fn serve() -> String {
    let app = Router::new()
        .route(
            "/",
            // The clean page forbids inline scripts: axe-core must still get in.
            get(|| async {
                (
                    [(header::CONTENT_SECURITY_POLICY, "default-src 'self'")],
                    Html(CLEAN),
                )
            }),
        )
        .route("/broken", get(|| async { Html(BROKEN) }))
        .route("/wide", get(|| async { Html(WIDE) }))
        .route("/language", get(language))
        .route(
            "/logo.svg",
            get(|| async { ([(header::CONTENT_TYPE, "image/svg+xml")], LOGO) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { StatusCode::NO_CONTENT.into_response() }),
        );
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(IP, 0))
        .await
        .expect("bind the self-test server");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{HOST}:{port}")
}

async fn journey(mode: &str, extra: Value) -> BrowserReport {
    let base = serve().await;
    let mut config = json!({
        "hosts": { HOST: IP.to_string() },
        "locale": "fr-FR",
        "base": base,
        "mode": mode,
    });
    if let (Some(config), Value::Object(extra)) = (config.as_object_mut(), extra) {
        config.extend(extra);
    }
    run_journey_async("selftest.mjs", config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_catches_accessibility_faults_and_sideways_scrolling() {
    let report = journey("pages", json!({})).await;
    assert!(report.ok, "{}", report.failure().unwrap_or_default());

    // The clean page is clean, on a desktop and on a phone, CSP and all.
    for label in ["clean", "clean (360px)"] {
        let page = report.page(label);
        assert!(
            page.violations.is_empty(),
            "{label}: {:#?}",
            page.violations
        );
        assert!(
            page.url.starts_with("http://selftest.parvis.test:"),
            "{}",
            page.url
        );
    }

    // The broken page's faults are found, with their elements.
    let broken = report.page("broken");
    let ids = broken.rule_ids();
    for id in ["image-alt", "link-name", "label"] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    let image_alt = broken
        .violations
        .iter()
        .find(|v| v["id"] == "image-alt")
        .unwrap();
    assert_eq!(image_alt["impact"], "critical");
    assert_eq!(image_alt["nodes"][0]["target"], json!(["img"]));

    // The wide table makes the page scroll sideways on a phone, and is named.
    let wide = report.page("wide (360px)");
    assert_eq!(
        wide.rule_ids(),
        ["horizontal-scroll"],
        "{:#?}",
        wide.violations
    );
    assert_eq!(
        wide.violations[0]["nodes"][0]["target"],
        json!(["table#wide-table"])
    );

    // A screenshot per check, in a folder that outlives the test.
    assert!(
        report
            .screenshots
            .components()
            .any(|c| c.as_os_str() == "browser-screenshots"),
        "{}",
        report.screenshots.display()
    );
    for page in &report.pages {
        let file = report.screenshots.join(page.screenshot.as_deref().unwrap());
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "{} missing or empty", file.display());
    }
    assert!(report.screenshots.join("01-clean.png").is_file());
    assert!(report.screenshots.join("report.json").is_file());

    // The locale reaches the server; other names and IP literals do not resolve.
    assert!(
        report.data["acceptLanguage"]
            .as_str()
            .unwrap()
            .starts_with("fr-FR"),
        "{}",
        report.data
    );
    assert_eq!(
        report.data["viewport"],
        json!({ "width": 1280, "height": 900 })
    );
    for key in ["unmapped", "ipLiteral"] {
        assert!(
            report.data[key]
                .as_str()
                .unwrap()
                .contains("ERR_NAME_NOT_RESOLVED"),
            "{key}: {}",
            report.data
        );
    }

    // And the Rust side fails such a journey, saying why.
    let failure = report.failure().expect("violations fail the journey");
    for needle in [
        "image-alt [critical]",
        "link-name [serious]",
        "horizontal-scroll [serious]",
        "table#wide-table",
        "/broken",
    ] {
        assert!(failure.contains(needle), "{needle:?} not in:\n{failure}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_that_throws_reports_its_step_and_page() {
    let report = journey("throw", json!({})).await;
    assert!(!report.ok);
    assert_eq!(report.error_field("step"), Some("a step that fails"));
    assert_eq!(
        report.error_field("message"),
        Some("the self-test journey fails on purpose")
    );
    assert!(
        report.error_field("url").unwrap().ends_with("/broken"),
        "{:?}",
        report.error
    );
    assert!(
        report
            .error_field("stack")
            .unwrap()
            .contains("selftest.mjs")
    );
    assert!(report.screenshots.join("failure.png").is_file());
    // What came before the failure is still reported.
    assert!(report.page("clean").violations.is_empty());
    let failure = report.failure().unwrap();
    assert!(failure.contains("step:  a step that fails"), "{failure}");
    assert!(failure.contains("[journey"), "no stderr in:\n{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_that_hangs_is_stopped_by_its_timeout() {
    let started = std::time::Instant::now();
    let report = journey("hang", json!({ "timeoutMs": 15000 })).await;
    assert!(!report.ok);
    assert!(
        report
            .error_field("message")
            .unwrap()
            .contains("timed out after 15000 ms"),
        "{:?}",
        report.error
    );
    assert_eq!(report.error_field("step"), Some("hanging on purpose"));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
