//! A hostile server on its own loopback address: it plants any document under any path (with any content
//! type), redirects anywhere, serves actors whose key or inbox lie elsewhere, and records every request made
//! to it, so a test can count what Parvis fetched. It also signs requests as any key it likes, and sends them
//! from its own address (so per-address limits see it as one sender).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::HeaderValue;
use parvis::federation::signatures::{self, SigningKey};
use serde_json::{Value, json};
use url::Url;

/// The hostile host, and a second host of the same operator (for cross-origin redirects and keys or
/// inboxes on "another server").
pub const EVIL: &str = "evil.hostile.test";
pub const EVIL_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 20));
pub const ELSEWHERE: &str = "elsewhere.hostile.test";
pub const ELSEWHERE_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 21));

/// A server of huge pictures ([`Hostile::huge_image`]).
pub struct HugeImage {
    pub base: String,
    /// Body bytes written so far.
    pub written: Arc<AtomicUsize>,
    /// Set when the connection it served has ended.
    pub ended: Arc<AtomicBool>,
}

/// Sets its flag when dropped (however the connection's task ends).
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What a path answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A body with a content type.
    Document { content_type: String, body: String },
    /// Bytes (a picture) with a content type.
    Bytes { content_type: String, body: Vec<u8> },
    /// A redirect to a URL.
    Redirect(String),
}

#[derive(Default)]
struct Shared {
    answers: HashMap<String, Answer>,
    /// (method, path) of every request, in order.
    seen: Vec<(String, String)>,
}

/// One hostile host, serving plain http on `ip`.
#[derive(Clone)]
pub struct Hostile {
    pub host: &'static str,
    pub ip: IpAddr,
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

async fn answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    _headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let found = {
        let mut shared = shared.lock().unwrap();
        shared.seen.push((method.to_string(), path.clone()));
        shared.answers.get(&path).cloned()
    };
    match found {
        Some(Answer::Document { content_type, body }) => {
            ([("content-type", content_type)], body).into_response()
        }
        Some(Answer::Bytes { content_type, body }) => {
            ([("content-type", content_type)], body).into_response()
        }
        Some(Answer::Redirect(to)) => (StatusCode::FOUND, [("location", to)]).into_response(),
        // An inbox accepts whatever it is sent (recorded above).
        None if method == Method::POST => StatusCode::ACCEPTED.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Hostile {
    /// Starts the host `host` on `ip`, port 0.
    pub async fn start(host: &'static str, ip: IpAddr) -> Hostile {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Hostile {
            host,
            ip,
            base: format!("http://{host}:{port}"),
            shared,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `body` at `path` with `content_type`.
    pub fn plant(&self, path: &str, content_type: &str, body: &Value) {
        self.shared.lock().unwrap().answers.insert(
            path.to_string(),
            Answer::Document {
                content_type: content_type.to_string(),
                body: body.to_string(),
            },
        );
    }

    /// Serves bytes (a picture) at `path` with `content_type`.
    pub fn plant_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) {
        self.shared.lock().unwrap().answers.insert(
            path.to_string(),
            Answer::Bytes {
                content_type: content_type.to_string(),
                body,
            },
        );
    }

    /// Starts, on this host's address and another port, a server that answers every request with a JPEG of
    /// `len` bytes (a JPEG start, then zeros), its length announced in `Content-Length` or not (the body then
    /// ends when the connection closes). Returns its base URL and the count of body bytes it managed to
    /// write, and whether it stopped (a client that stops reading early stops it too).
    pub async fn huge_image(&self, len: usize, announce: bool) -> HugeImage {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let written = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicBool::new(false));
        let listener = tokio::net::TcpListener::bind((self.ip, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (counter, done) = (written.clone(), ended.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (counter, done) = (counter.clone(), done.clone());
                tokio::spawn(async move {
                    let _ended = SetOnDrop(done);
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let length = if announce {
                        format!("content-length: {len}\r\n")
                    } else {
                        String::new()
                    };
                    let start = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\n{length}connection: close\r\n\r\n"
                    );
                    if socket.write_all(start.as_bytes()).await.is_err() {
                        return;
                    }
                    let mut chunk = vec![0u8; 64 * 1024];
                    chunk[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
                    let mut sent = 0;
                    while sent < len {
                        let n = chunk.len().min(len - sent);
                        if socket.write_all(&chunk[..n]).await.is_err() {
                            return;
                        }
                        chunk[..3].fill(0);
                        sent += n;
                        counter.fetch_add(n, Ordering::SeqCst);
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        HugeImage {
            base: format!("http://{}:{port}", self.host),
            written,
            ended,
        }
    }

    /// Serves an ActivityPub document at `path`.
    pub fn serve(&self, path: &str, body: &Value) {
        self.plant(path, "application/activity+json", body);
    }

    /// Redirects `path` to `to`.
    pub fn redirect(&self, path: &str, to: &str) {
        self.shared
            .lock()
            .unwrap()
            .answers
            .insert(path.to_string(), Answer::Redirect(to.to_string()));
    }

    /// Every GET received so far (paths).
    pub fn gets(&self) -> Vec<String> {
        self.requests("GET")
    }

    /// Every POST received so far (paths).
    pub fn posts(&self) -> Vec<String> {
        self.requests("POST")
    }

    fn requests(&self, method: &str) -> Vec<String> {
        self.shared
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// An honest actor document of this host at `/users/{name}`, with `key` as `#main-key`.
    pub fn actor(&self, name: &str, key: &TestKey) -> Value {
        let id = self.url(&format!("/users/{name}"));
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": {"sharedInbox": self.url("/inbox")},
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key.public_pem},
        })
    }

    /// Serves [`Hostile::actor`] at its id and returns the id.
    pub fn serve_actor(&self, name: &str, key: &TestKey) -> String {
        let doc = self.actor(name, key);
        self.serve(&format!("/users/{name}"), &doc);
        doc["id"].as_str().unwrap().to_string()
    }

    /// A client whose requests leave from this host's address.
    pub fn client(&self) -> reqwest::Client {
        super::install_crypto_provider();
        reqwest::Client::builder()
            .local_address(self.ip)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}

/// `Create` of a public `Note` `id` by `actor` that mentions `mentioned` (so that its server keeps it); the
/// activity's id is the note's followed by `/activity`.
pub fn mentioning(actor: &str, id: &str, content: &str, mentioned: &str) -> Value {
    let public = "https://www.w3.org/ns/activitystreams#Public";
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"), "type": "Create", "actor": actor,
        "to": [public], "cc": [mentioned],
        "object": {
            "id": id, "type": "Note", "attributedTo": actor, "content": content,
            "to": [public], "cc": [mentioned],
            "tag": [{"type": "Mention", "href": mentioned}],
            "published": "2026-12-07T10:00:00Z",
        },
    })
}

/// The settings every instance facing the hostile hosts needs: they may be reached on loopback over http.
pub fn reach(settings: &mut parvis::config::Settings) {
    for (host, ip) in [(EVIL, EVIL_IP), (ELSEWHERE, ELSEWHERE_IP)] {
        settings.federation.allowed_hosts.push(host.into());
        settings.federation.static_hosts.insert(host.into(), ip);
    }
}

/// An RSA key pair for signing as some actor (generated once per process: RSA generation is slow).
pub struct TestKey {
    pub public_pem: String,
    pub private_pem: String,
}

impl TestKey {
    pub fn signing(&self) -> SigningKey {
        SigningKey::from_pkcs8_pem(&self.private_pem).unwrap()
    }
}

/// Two distinct key pairs: the victim's and the attacker's.
pub fn keys() -> &'static [TestKey; 2] {
    static KEYS: OnceLock<[TestKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let make = || {
            let pair = parvis::civic::keys::generate().unwrap();
            TestKey {
                public_pem: pair.public_pem,
                private_pem: pair.private_pem,
            }
        };
        [make(), make()]
    })
}

/// Headers of a draft-cavage signed POST of `body` to `inbox`, as `key_id`.
pub fn signed_post(inbox: &str, body: &[u8], key_id: &str, key: &SigningKey) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    signatures::sign_cavage(
        &Method::POST,
        &Url::parse(inbox).unwrap(),
        &mut headers,
        Some(body),
        key_id,
        key,
        Utc::now(),
    )
    .unwrap();
    headers
}

/// POSTs `activity` to `inbox` signed as `key_id`, from `client`; returns the status and the JSON answer.
pub async fn post_signed(
    client: &reqwest::Client,
    inbox: &str,
    activity: &Value,
    key_id: &str,
    key: &SigningKey,
) -> (u16, Value) {
    let body = serde_json::to_vec(activity).unwrap();
    let response = client
        .post(inbox)
        .headers(signed_post(inbox, &body, key_id, key))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A signed GET of `url` as `key_id`, from `client`.
pub async fn get_signed(
    client: &reqwest::Client,
    url: &str,
    key_id: &str,
    key: &SigningKey,
) -> u16 {
    let mut headers = HeaderMap::new();
    signatures::sign_cavage(
        &Method::GET,
        &Url::parse(url).unwrap(),
        &mut headers,
        None,
        key_id,
        key,
        Utc::now(),
    )
    .unwrap();
    client
        .get(url)
        .header("accept", "application/activity+json")
        .headers(headers)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The address a test instance is reached at (for clients bound to another local address).
pub fn addr_of(base: &str) -> SocketAddr {
    let url = Url::parse(base).unwrap();
    let port = url.port().unwrap();
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}
