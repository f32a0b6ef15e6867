//! A browser stand-in for tests of the HTML interface: keeps the session and language cookies, reads CSRF
//! tokens from forms, posts forms, and does not follow redirects (so tests see each one).

use std::collections::BTreeMap;

use super::TestInstance;

pub struct WebClient {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    pub accept_language: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first `name="csrf"` field.
    pub fn csrf(&self) -> String {
        csrf_in(&self.body).unwrap_or_else(|| panic!("no CSRF field in: {}", self.body))
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

impl WebClient {
    pub fn new(instance: &TestInstance) -> WebClient {
        WebClient {
            client: instance.client(),
            base: instance.base.clone(),
            cookies: BTreeMap::new(),
            accept_language: "fr-FR,fr;q=0.9".into(),
        }
    }

    /// A browser of its own: its connections are not shared with other clients of the instance (a request
    /// the server answers before reading it whole leaves a connection no other client may reuse).
    pub fn apart(instance: &TestInstance) -> WebClient {
        WebClient {
            client: instance.own_client(),
            ..WebClient::new(instance)
        }
    }

    /// A browser on another machine: its requests leave from `ip` (a loopback address), so per-address
    /// limits see it apart.
    pub fn from_address(instance: &TestInstance, ip: std::net::IpAddr) -> WebClient {
        super::install_crypto_provider();
        WebClient {
            client: reqwest::Client::builder()
                .local_address(ip)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: instance.base.clone(),
            cookies: BTreeMap::new(),
            accept_language: "fr-FR,fr;q=0.9".into(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let raw = value.to_str().unwrap_or("");
            let pair = raw.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                let expired = raw.to_ascii_lowercase().contains("max-age=0");
                if expired || v.is_empty() {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies
                        .insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            headers,
            body,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .header(reqwest::header::ACCEPT, "text/html")
            .header(reqwest::header::ACCEPT_LANGUAGE, &self.accept_language)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    /// The raw bytes at a path (a picture), with this client's session.
    pub async fn get_bytes(&mut self, path: &str) -> Vec<u8> {
        self.client
            .get(self.url(path))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body")
            .to_vec()
    }

    /// Posts a urlencoded form as a browser does.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.post_body(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// Posts a multipart form (file uploads).
    pub async fn post_multipart(&mut self, path: &str, body: Vec<u8>, boundary: &str) -> Page {
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.post_body(path, &content_type, body).await
    }

    async fn post_body(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::ACCEPT_LANGUAGE, &self.accept_language)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .body(body)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// GETs `form_page`, then posts `fields` plus its CSRF token to `action`.
    pub async fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Logs in with a password; panics unless it succeeds.
    pub async fn login(&mut self, username: &str, password: &str) {
        let page = self
            .submit(
                "/login",
                "/login",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(page.status, 303, "login failed: {}", page.body);
    }

    /// Looks `handle` up on the follow page and follows what it finds; returns the answer to the follow.
    pub async fn follow_handle(&mut self, handle: &str) -> Page {
        let page = self
            .get(&format!(
                "/follow?handle={}",
                url::form_urlencoded::byte_serialize(handle.as_bytes()).collect::<String>()
            ))
            .await;
        let target = page
            .body
            .split("name=\"target\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{handle} not found: {}", page.body))
            .to_string();
        self.post("/follow", &[("csrf", &page.csrf()), ("target", &target)])
            .await
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("parvis_session")
    }
}

/// A file of a multipart form.
pub struct FilePart<'a> {
    pub field: &'a str,
    pub filename: String,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A multipart body with text fields and files; returns it and its boundary.
pub fn multipart_form(fields: &[(&str, &str)], files: &[FilePart<'_>]) -> (Vec<u8>, String) {
    let boundary = "parvis-form-boundary-41".to_string();
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for file in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                file.field, file.filename, file.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, boundary)
}

/// A multipart body with a CSRF field and one file field.
pub fn multipart_file(
    csrf: &str,
    field: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> (Vec<u8>, String) {
    let boundary = "parvis-test-boundary-7d3f".to_string();
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, boundary)
}

/// The link (`href`) that comes last before `text` on the page at `list` of `instance`, once the page shows
/// `text` (waits up to 30 seconds): the copy of another server's debate, proposal or poll, once listed.
pub async fn link_before(instance: &TestInstance, list: &str, text: &str) -> String {
    crate::federation::eventually(
        &format!("{text} listed at {list}"),
        std::time::Duration::from_secs(30),
        || async {
            let page = WebClient::new(instance).get(list).await;
            let at = page.body.find(text)?;
            let href = page.body[..at]
                .rsplit("href=\"")
                .next()?
                .split('"')
                .next()?;
            Some(href.to_string())
        },
    )
    .await
}
