//! Settings: built-in defaults ← TOML file ← `PARVIS_<SECTION>__<KEY>` environment variables.
//!
//! Every key is validated before anything starts: a bad value stops start-up with a message that names the
//! key, so that an instance never runs half-configured.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

/// All of Parvis's configuration, one struct per `[section]` of the TOML file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub instance: InstanceSettings,
    pub federation: FederationSettings,
    #[serde(default)]
    pub email: EmailSettings,
    #[serde(default)]
    pub map: MapSettings,
    #[serde(default)]
    pub oidc: OidcSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    pub log: LogSettings,
}

/// The map of problem reports: where its tiles come from, and the credit they need.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MapSettings {
    /// A tile URL with `{z}`, `{x}` and `{y}` (OpenStreetMap's by default; heavy use needs your own or a
    /// provider's, see its tile usage policy). Empty: no map, the latitude and longitude fields alone.
    pub tile_url: String,
    /// The credit the tiles require, shown on the map.
    pub attribution: String,
}

impl Default for MapSettings {
    fn default() -> Self {
        MapSettings {
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution: "© OpenStreetMap contributors".into(),
        }
    }
}

impl MapSettings {
    /// The tiles' origin (scheme, host and port), for the pages' content security policy.
    pub fn tile_origin(&self) -> Option<String> {
        let probe = self
            .tile_url
            .replace("{z}", "0")
            .replace("{x}", "0")
            .replace("{y}", "0")
            .replace("{s}", "a");
        let url = url::Url::parse(&probe).ok()?;
        Some(url.origin().ascii_serialization()).filter(|o| o != "null")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on.
    pub bind: String,
    /// The address people and other servers use to reach this instance; actor ids are built from it.
    pub public_url: String,
    /// Where the SQLite database and uploaded files live.
    pub data_dir: PathBuf,
    /// PEM certificate chain; with `tls_key`, Parvis serves HTTPS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key matching `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Obtain and renew the certificate of `public_url`'s host over ACME (Let's Encrypt by default), with the
    /// TLS-ALPN-01 challenge on this server's own port (443 for a public authority); instead of
    /// `tls_cert`/`tls_key`. The account key and certificate are kept in `<data_dir>/acme`.
    pub acme: bool,
    /// The contact address given to the certificate authority (it warns of expiry and problems there).
    pub acme_email: String,
    /// The ACME directory URL.
    pub acme_directory: String,
    /// A CA certificate (PEM) trusted for the directory's own HTTPS besides the system's: a private
    /// authority, or a test one.
    pub acme_ca_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest photo accepted with a problem report, in bytes (a report carries up to three).
    pub max_photo_bytes: usize,
    /// Behind a reverse proxy: take the visitor's address from the last entry of `X-Forwarded-For` (used for
    /// per-address login limits), and the request id from `X-Request-Id`. Leave off when Parvis faces the
    /// Internet itself, or anyone could pick them.
    pub trust_forwarded_for: bool,
    /// Writes (POST, PUT, PATCH, DELETE on the web forms and the API) allowed per minute from one address and
    /// from one signed-in account or token, after which `429` with `Retry-After`; 0 turns the limit off.
    pub writes_per_minute: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`; empty means `sqlite://<data_dir>/parvis.sqlite3`.
    pub url: String,
    /// Connections kept in the pool.
    pub pool_size: u32,
}

/// How new people join: the registration pages come with the web interface.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    Open,
    Invite,
    Closed,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstanceSettings {
    pub name: String,
    pub description: String,
    pub contact_email: String,
    pub registration: RegistrationMode,
    /// Languages of the instance's content, as ISO 639-1 codes.
    pub languages: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FederationSettings {
    /// Hosts exempt from the SSRF guard: they may resolve to private or loopback addresses and may be reached
    /// over plain http.
    pub allowed_hosts: Vec<String>,
    /// Name → address overrides consulted before DNS, like lines of /etc/hosts.
    pub static_hosts: HashMap<String, IpAddr>,
    /// Extra CA certificates (PEM) trusted for outgoing requests, besides the system store.
    pub extra_ca_file: Option<PathBuf>,
    /// Timeout of one outgoing request, in seconds.
    pub request_timeout_secs: u64,
    /// Servers we neither accept activities from nor fetch anything from (exact host, or any subdomain of it).
    pub blocked_domains: Vec<String>,
    /// Require signed GETs for actors and objects (Mastodon's "secure mode"). The instance actor stays public,
    /// so that servers can fetch the key they need to check our own signed fetches.
    pub authorized_fetch: bool,
    /// Sign deliveries with RFC 9421 HTTP Message Signatures rather than draft-cavage; a server answering 401
    /// gets draft-cavage from then on (Fedify-style double knocking).
    pub sign_rfc9421: bool,
    /// Deliveries in flight at once to one remote server.
    pub delivery_concurrency_per_host: u32,
    /// Deliveries in flight at once in all.
    pub delivery_concurrency: u32,
    /// How long a process's claim on a delivery it sends holds, in seconds: when a process dies while
    /// sending, another sends the delivery after this time (several processes on PostgreSQL). Longer than
    /// `request_timeout_secs`.
    pub delivery_lease_secs: u64,
    /// Delay before the first retry of a failed delivery, in seconds; it doubles with each attempt.
    pub retry_base_secs: u64,
    /// Activities accepted per minute from one sending network (an IPv4 address, an IPv6 /64), counted before
    /// any other work, after which `429` with `Retry-After`; 0 turns the limit off.
    pub inbox_per_minute: u32,
    /// Fetches of keys not known here that one sending network may cause per minute (a signed request with
    /// an unknown key id makes us fetch it); 0 turns the limit off.
    #[serde(default = "default_key_fetches_per_minute")]
    pub key_fetches_per_minute: u32,
}

fn default_key_fetches_per_minute() -> u32 {
    60
}

/// How mail leaves: an SMTP server, or (without one) `.eml` files under the data directory.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSettings {
    /// The SMTP server: `smtps://user:password@host:465` (TLS), `smtp://user:password@host:587?tls=required`
    /// (STARTTLS), `smtp://host:25` (no encryption: only for a relay on the same machine). Empty: messages are
    /// written as `.eml` files in `<data_dir>/mail` instead, and the log says where.
    pub smtp_url: String,
    /// The sender of every message, e.g. `Mairie de Belleville <ne-pas-repondre@belleville.fr>`.
    pub from: String,
    /// Where answers go, e.g. the town hall's address; empty: to the sender.
    pub reply_to: String,
    /// Messages sent per minute at most (so that a newsletter to thousands does not get the town's server
    /// listed as a spammer).
    pub per_minute: u32,
    /// Delay before the first retry of a message the server did not take, in seconds; it doubles with each
    /// attempt, up to six hours.
    pub retry_base_secs: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            smtp_url: String::new(),
            from: "Parvis <parvis@localhost>".into(),
            reply_to: String::new(),
            per_minute: 60,
            retry_base_secs: 60,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter, e.g. `info` or `parvis=debug,info`.
    pub level: String,
    /// `text` (readable lines) or `json` (one object per line, with a request id on each line of a request).
    #[serde(default)]
    pub format: LogFormat,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings {
                bind: "127.0.0.1:8080".into(),
                public_url: "http://localhost:8080".into(),
                data_dir: PathBuf::from("data"),
                tls_cert: None,
                tls_key: None,
                acme: false,
                acme_email: String::new(),
                acme_directory: crate::ops::acme::LETS_ENCRYPT.into(),
                acme_ca_file: None,
                max_body_bytes: 1024 * 1024,
                max_photo_bytes: 8 * 1024 * 1024,
                trust_forwarded_for: false,
                writes_per_minute: 300,
            },
            database: DatabaseSettings {
                url: String::new(),
                pool_size: 8,
            },
            instance: InstanceSettings {
                name: "Parvis".into(),
                description: "A town's place for debate, proposals and polls.".into(),
                contact_email: String::new(),
                registration: RegistrationMode::Invite,
                languages: vec!["fr".into(), "en".into()],
            },
            federation: FederationSettings {
                allowed_hosts: Vec::new(),
                static_hosts: HashMap::new(),
                extra_ca_file: None,
                request_timeout_secs: 10,
                blocked_domains: Vec::new(),
                authorized_fetch: false,
                sign_rfc9421: false,
                delivery_concurrency_per_host: 4,
                delivery_concurrency: 64,
                delivery_lease_secs: 120,
                retry_base_secs: 30,
                inbox_per_minute: 6000,
                key_fetches_per_minute: default_key_fetches_per_minute(),
            },
            email: EmailSettings::default(),
            map: MapSettings::default(),
            oidc: OidcSettings::default(),
            metrics: MetricsSettings::default(),
            log: LogSettings {
                level: "info".into(),
                format: LogFormat::Text,
            },
        }
    }
}

/// A configuration that cannot be used, with the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("file {path}: {message}")]
    File { path: String, message: String },
    #[error("key {key}: {message}")]
    Key { key: String, message: String },
}

fn key_error(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Key {
        key: key.to_string(),
        message: message.into(),
    }
}

/// Environment variables overriding a key: `PARVIS_DATABASE__URL` sets `[database] url`.
pub const ENV_PREFIX: &str = "PARVIS_";

/// Which database engine a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Settings {
    /// Reads defaults, then `file` (if given), then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given explicitly (tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::File {
                    path: path.display().to_string(),
                    message: "no such file".into(),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            // PARVIS_CONFIG names the file (read by the command line), not a key.
            if rest == "CONFIG" {
                continue;
            }
            let key = rest.to_ascii_lowercase().replace("__", ".");
            // Parsed the way TOML reads a value (`8` is a number, `[a, b]` a list), so one variable sets any key.
            let value: figment::value::Value = raw
                .parse()
                .unwrap_or_else(|_| figment::value::Value::from(raw.clone()));
            figment = figment.merge(Serialized::default(&key, value));
        }
        let settings: Settings = figment.extract().map_err(|e| from_figment(e, file))?;
        settings.validate()?;
        Ok(settings)
    }
}

/// Names the key at fault; an error with no key is the file's own (a TOML syntax error).
fn from_figment(error: figment::Error, file: Option<&Path>) -> ConfigError {
    let key = error.path.join(".");
    let message = error.kind.to_string();
    if key.is_empty() {
        ConfigError::File {
            path: file.map(|p| p.display().to_string()).unwrap_or_default(),
            message,
        }
    } else {
        ConfigError::Key { key, message }
    }
}

impl Settings {
    fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.server;
        s.bind.parse::<SocketAddr>().map_err(|_| {
            key_error(
                "server.bind",
                format!("'{}' is not an address:port such as 127.0.0.1:8080", s.bind),
            )
        })?;
        self.public_url()?;
        match (&s.tls_cert, &s.tls_key) {
            (Some(cert), Some(key)) => {
                for (name, path) in [("server.tls_cert", cert), ("server.tls_key", key)] {
                    if !path.is_file() {
                        return Err(key_error(
                            name,
                            format!("{} is not a readable file", path.display()),
                        ));
                    }
                }
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(key_error(
                    "server.tls_key",
                    "tls_cert is set but tls_key is not: set both or neither",
                ));
            }
            (None, Some(_)) => {
                return Err(key_error(
                    "server.tls_cert",
                    "tls_key is set but tls_cert is not: set both or neither",
                ));
            }
        }
        if s.acme {
            if s.tls_cert.is_some() {
                return Err(key_error(
                    "server.acme",
                    "acme obtains the certificate: remove tls_cert and tls_key, or turn acme off",
                ));
            }
            if !s.acme_email.contains('@') {
                return Err(key_error(
                    "server.acme_email",
                    "acme needs a contact address for the certificate authority",
                ));
            }
            if self.public_url()?.scheme() != "https" {
                return Err(key_error(
                    "server.public_url",
                    "with acme, the public URL is https://",
                ));
            }
            if !s.acme_directory.starts_with("https://") {
                return Err(key_error(
                    "server.acme_directory",
                    format!("'{}' is not an https:// URL", s.acme_directory),
                ));
            }
            if let Some(ca) = s.acme_ca_file.as_ref().filter(|ca| !ca.is_file()) {
                return Err(key_error(
                    "server.acme_ca_file",
                    format!("{} is not a readable file", ca.display()),
                ));
            }
        }
        if s.max_body_bytes < 1024 {
            return Err(key_error("server.max_body_bytes", "must be at least 1024"));
        }
        if !(1024..=64 * 1024 * 1024).contains(&s.max_photo_bytes) {
            return Err(key_error(
                "server.max_photo_bytes",
                "must be between 1024 and 67108864 (64 MB)",
            ));
        }
        self.database_backend()?;
        if self.database.pool_size == 0 {
            return Err(key_error("database.pool_size", "must be at least 1"));
        }
        if self.instance.name.trim().is_empty() {
            return Err(key_error("instance.name", "must not be empty"));
        }
        let email = &self.instance.contact_email;
        if !email.is_empty() && !email.contains('@') {
            return Err(key_error(
                "instance.contact_email",
                format!("'{email}' is not an e-mail address"),
            ));
        }
        for lang in &self.instance.languages {
            if lang.len() != 2 || !lang.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(key_error(
                    "instance.languages",
                    format!("'{lang}' is not a two-letter ISO 639-1 code"),
                ));
            }
        }
        let f = &self.federation;
        let lists: [(&'static str, Vec<&String>); 3] = [
            ("federation.allowed_hosts", f.allowed_hosts.iter().collect()),
            ("federation.static_hosts", f.static_hosts.keys().collect()),
            (
                "federation.blocked_domains",
                f.blocked_domains.iter().collect(),
            ),
        ];
        for (key, hosts) in lists {
            for host in hosts {
                // An IP address is a host too (allowed_hosts accepts `::1` or `[::1]`).
                let ip = host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok();
                if host.is_empty() || (!ip && host.contains(['/', ':', ' ', '@'])) {
                    return Err(key_error(key, format!("'{host}' is not a bare host name")));
                }
            }
        }
        if let Some(ca) = self
            .federation
            .extra_ca_file
            .as_ref()
            .filter(|ca| !ca.is_file())
        {
            return Err(key_error(
                "federation.extra_ca_file",
                format!("{} is not a readable file", ca.display()),
            ));
        }
        if self.federation.delivery_concurrency_per_host == 0 {
            return Err(key_error(
                "federation.delivery_concurrency_per_host",
                "must be at least 1",
            ));
        }
        if self.federation.delivery_concurrency < self.federation.delivery_concurrency_per_host {
            return Err(key_error(
                "federation.delivery_concurrency",
                "must be at least federation.delivery_concurrency_per_host",
            ));
        }
        if self.federation.retry_base_secs == 0 {
            return Err(key_error(
                "federation.retry_base_secs",
                "must be at least 1",
            ));
        }
        if self.federation.request_timeout_secs == 0 {
            return Err(key_error(
                "federation.request_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.federation.delivery_lease_secs <= self.federation.request_timeout_secs {
            return Err(key_error(
                "federation.delivery_lease_secs",
                "must be longer than federation.request_timeout_secs (a claim outlives the attempt)",
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level).map_err(|e| {
            key_error(
                "log.level",
                format!("'{}' is not a log filter: {e}", self.log.level),
            )
        })?;
        let m = &self.map;
        if !m.tile_url.is_empty()
            && (m.tile_origin().is_none()
                || !["{z}", "{x}", "{y}"].iter().all(|p| m.tile_url.contains(p)))
        {
            return Err(key_error(
                "map.tile_url",
                format!(
                    "'{}' is not a tile URL such as https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png",
                    m.tile_url
                ),
            ));
        }
        if m.attribution.chars().any(char::is_control) {
            return Err(key_error("map.attribution", "must be one line"));
        }
        let e = &self.email;
        e.from.parse::<lettre::message::Mailbox>().map_err(|err| {
            key_error(
                "email.from",
                format!(
                    "'{}' is not an address such as Mairie <mairie@ville.fr>: {err}",
                    e.from
                ),
            )
        })?;
        if !e.reply_to.is_empty() {
            e.reply_to
                .parse::<lettre::message::Mailbox>()
                .map_err(|err| {
                    key_error(
                        "email.reply_to",
                        format!("'{}' is not an address: {err}", e.reply_to),
                    )
                })?;
        }
        if !e.smtp_url.is_empty() {
            crate::mail::transport::smtp(&e.smtp_url)
                .map_err(|err| key_error("email.smtp_url", err))?;
        }
        if e.per_minute == 0 {
            return Err(key_error("email.per_minute", "must be at least 1"));
        }
        self.metrics.validate()?;
        self.oidc.validate()
    }

    /// The public base URL, without a trailing slash: `https://ville.example`.
    pub fn public_url(&self) -> Result<Url, ConfigError> {
        let raw = &self.server.public_url;
        let url = Url::parse(raw)
            .map_err(|e| key_error("server.public_url", format!("'{raw}' is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(key_error(
                "server.public_url",
                format!("'{raw}' must be an http or https URL with a host"),
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(key_error(
                "server.public_url",
                format!(
                    "'{raw}' must have no path, query or fragment: Parvis is served at the root of its host"
                ),
            ));
        }
        Ok(url)
    }

    /// The database URL in effect: the configured one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}",
                self.server.data_dir.join("parvis.sqlite3").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// Which engine the database URL selects.
    pub fn database_backend(&self) -> Result<Backend, ConfigError> {
        let url = self.database_url();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else {
            Err(key_error(
                "database.url",
                format!("'{url}' must start with sqlite:// or postgres://"),
            ))
        }
    }

    /// The bind address (validated at load).
    pub fn bind_addr(&self) -> SocketAddr {
        self.server
            .bind
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}

mod oidc;
mod ops;
pub use oidc::OidcSettings;
pub use ops::{LogFormat, MetricsSettings};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
