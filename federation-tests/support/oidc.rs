//! A real OpenID Connect provider for the OIDC tests: `oidc-provider` from npm (`federation-tests/oidc`, the
//! version of its lock file) run by `provider.mjs` on 127.0.0.1, with the clients and accounts a test gives.
//! A person's visit to it is played by [`Provider::authorize`]: the login form, then consent (granted by the
//! script), until it sends the browser back to the client's redirect URI.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The client id and secret the tests register for Parvis.
pub const CLIENT_ID: &str = "parvis";
pub const CLIENT_SECRET: &str = "parvis-test-secret";

pub struct Provider {
    /// `http://127.0.0.1:<port>`.
    pub issuer: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/oidc")
}

/// An issuer where nothing listens (the discard port): a provider that is down.
pub const DOWN: &str = "http://127.0.0.1:9";

/// Léa lives in the commune (postal code 38000); Bruno lives elsewhere (75001).
pub fn accounts() -> Value {
    json!({
        "lea": {
            "name": "Léa Martin", "given_name": "Léa", "family_name": "Martin",
            "preferred_username": "lea.martin", "email": "lea@example.org", "email_verified": true,
            "address": {"postal_code": "38000", "locality": "Grenoble", "country": "FR"}
        },
        "bruno": {
            "name": "Bruno Petit", "preferred_username": "bruno", "email": "bruno@example.org",
            "address": {"postal_code": "75001", "locality": "Paris", "country": "FR"}
        }
    })
}

impl Provider {
    /// Starts the provider on a port of its own with `accounts`, and any other setting of `provider.mjs` in
    /// `extra` (`pkce_required`, `ttl`, `claims_in_id_token`). Its client is registered afterwards, with
    /// [`Provider::register`], once the instance's redirect URI is known.
    pub fn start(accounts: Value, extra: Value) -> Provider {
        super::peer::install_packages(&provider_dir(), &["node_modules/oidc-provider"]);
        let dir = tempfile::tempdir().expect("oidc dir");
        let mut config = json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "accounts": accounts,
        });
        if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
            config.extend(extra.clone());
        }
        let file = dir.path().join("config.json");
        std::fs::write(&file, config.to_string()).expect("provider config");
        let log = dir.path().join("provider.log");
        let mut child = Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .arg(&file)
            .current_dir(provider_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("provider log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node for the OIDC provider: {e}"));
        let stdout = child.stdout.take().expect("provider stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + READY_TIMEOUT;
        let issuer = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => serde_json::from_str::<Value>(&line).expect("the ready line")["issuer"]
                .as_str()
                .expect("an issuer")
                .to_string(),
            Err(e) => {
                let _ = child.kill();
                panic!(
                    "the OIDC provider did not start ({e}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Provider {
            issuer,
            child: Some(child),
            _dir: dir,
        }
    }

    /// Registers the test client (OpenID Connect dynamic registration), redirecting to `redirect_uri`.
    pub async fn register(&self, redirect_uri: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/reg", self.issuer))
            .json(&json!({
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }))
            .send()
            .await
            .expect("registration at the provider");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 201, "{body}");
        assert_eq!(body["client_id"], CLIENT_ID, "{body}");
    }

    /// Plays a person at the provider: from the authorization URL Parvis sent the browser to, signs in as
    /// `account` (consent is granted by the provider script) and returns where the provider sends the
    /// browser back (the client's redirect URI with `code` and `state`, or `error`).
    pub async fn authorize(&self, authorization_url: &str, account: &str) -> String {
        let mut visit = Visit::new(self);
        let mut location = visit.get(authorization_url).await;
        for _ in 0..10 {
            if !location.starts_with(&self.issuer) {
                return location;
            }
            let path = location.trim_start_matches(&self.issuer).to_string();
            if path.starts_with("/interaction/") {
                let (status, next) = visit.get_page(&location).await;
                match next {
                    Some(next) => location = next,
                    None => {
                        assert_eq!(status, 200, "the login form");
                        let (status, next) = visit
                            .post(&format!("{location}/login"), &[("account", account)])
                            .await;
                        location = next.unwrap_or_else(|| panic!("login answered {status}"));
                    }
                }
            } else {
                location = visit.get(&location).await;
            }
        }
        panic!("the provider kept the browser at {location}");
    }

    /// Plays a person who cancels at the provider's login form.
    pub async fn cancel(&self, authorization_url: &str) -> String {
        let mut visit = Visit::new(self);
        let mut location = visit.get(authorization_url).await;
        assert!(location.contains("/interaction/"), "{location}");
        let (_, next) = visit.post(&format!("{location}/abort"), &[]).await;
        location = next.expect("a redirect after cancelling");
        while location.starts_with(&self.issuer) {
            location = visit.get(&location).await;
        }
        location
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One browser at the provider: its cookies (by name, the latest wins: the walk is sequential), no
/// redirect followed.
struct Visit {
    client: reqwest::Client,
    issuer: String,
    cookies: BTreeMap<String, String>,
}

impl Visit {
    fn new(provider: &Provider) -> Visit {
        Visit {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            issuer: provider.issuer.clone(),
            cookies: BTreeMap::new(),
        }
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') {
            format!("{}{location}", self.issuer)
        } else {
            location.to_string()
        }
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("expires=Thu, 01 Jan 1970") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get_page(&mut self, url: &str) -> (u16, Option<String>) {
        let response = self
            .client
            .get(url)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET at the provider");
        self.answer(response)
    }

    /// The status and where it sends the browser (absolute), the cookies it sets kept.
    fn answer(&mut self, response: reqwest::Response) -> (u16, Option<String>) {
        self.keep_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| self.absolute(l));
        (status, location)
    }

    async fn get(&mut self, url: &str) -> String {
        let (status, location) = self.get_page(url).await;
        location.unwrap_or_else(|| panic!("{url} answered {status} without a redirect"))
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> (u16, Option<String>) {
        let response = self
            .client
            .post(url)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send()
            .await
            .expect("POST at the provider");
        self.answer(response)
    }
}
