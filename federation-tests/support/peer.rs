//! A third-party ActivityPub server for Parvis to federate with: the Fedify peer in
//! `federation-tests/peer/peer.mjs`, run with Node, driven through its JSON control API.
//!
//! The peer serves HTTPS on its own 127.x address under a test host name, with a certificate
//! from the test CA ([`super::tls::make_pki`]); Node trusts that CA through
//! `NODE_EXTRA_CA_CERTS`, and finds the other test hosts through `PeerOptions::resolve`.
//! Set `PEER_LOG=debug` to have Fedify log every signature it checks into the peer's log.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How to start a peer. `cert`/`key` must be valid for `host`; `ca` is the PEM of the CA that
/// signed the certificates of every host the peer talks to.
pub struct PeerOptions {
    /// The peer's host name, e.g. `peer.fedify.test`.
    pub host: String,
    /// The loopback address it listens on, e.g. `127.0.0.4`.
    pub ip: IpAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// The other test hosts, e.g. `("alpha.parvis.test", 127.0.0.2)`.
    pub resolve: Vec<(String, IpAddr)>,
}

/// A running peer; the Node process is killed when this is dropped.
pub struct Peer {
    /// `https://host:port`
    pub base: String,
    /// `https://host:port/users/peer`
    pub actor_id: String,
    /// `http://127.0.0.1:port`, the control API.
    pub control: String,
    child: Child,
    client: reqwest::Client,
    /// Holds the peer's stderr (Fedify's log).
    dir: tempfile::TempDir,
}

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Asserts that the peer itself verified the signature of a received activity (a record of its inbox) with
/// a key of `actor`: the key whose signature verified over the request is the one the request named.
pub fn assert_signed_by(record: &Value, actor: &str) {
    let verified = record["verifiedKey"].as_str();
    assert!(
        verified.is_some(),
        "the peer verified no signature: {record}"
    );
    assert_eq!(record["verifiedKey"], record["keyId"], "{record}");
    assert!(
        verified.is_some_and(|k| k.starts_with(&format!("{actor}#"))),
        "signed with a key of another actor than {actor}: {record}"
    );
}

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/peer")
}

impl Peer {
    /// Starts `node federation-tests/peer/peer.mjs` and waits for its `READY` line.
    pub fn start(opts: PeerOptions) -> Peer {
        let dir = peer_dir();
        install_packages(&dir, &["node_modules/@fedify/fedify"]);
        let logs = tempfile::tempdir().expect("peer log dir");
        let log_path = logs.path().join("peer.log");
        let stderr = std::fs::File::create(&log_path).expect("peer log file");

        let mut cmd = Command::new(std::env::var("PEER_NODE").unwrap_or_else(|_| "node".into()));
        cmd.arg(dir.join("peer.mjs"))
            .args(["--host", &opts.host])
            .args(["--ip", &opts.ip.to_string()])
            .args(["--port", "0", "--control-port", "0"])
            .arg("--cert")
            .arg(&opts.cert)
            .arg("--key")
            .arg(&opts.key);
        for (name, ip) in &opts.resolve {
            cmd.args(["--resolve", &format!("{name}={ip}")]);
        }
        let mut child = cmd
            .current_dir(&dir)
            .env("NODE_EXTRA_CA_CERTS", &opts.ca)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node for the Fedify peer: {e}"));

        // Read stdout on a thread: the READY line comes through a channel, and the pipe keeps
        // being drained afterwards so the peer never blocks on a full pipe.
        let stdout = child.stdout.take().expect("peer stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + READY_TIMEOUT;
        let ports = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(ports) = parse_ready(&line) {
                        break ports;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "the Fedify peer {} did not print READY within {READY_TIMEOUT:?}; its stderr:\n{}",
                        opts.host,
                        std::fs::read_to_string(&log_path).unwrap_or_default()
                    );
                }
            }
        };

        super::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("control client");
        let base = format!("https://{}:{}", opts.host, ports.0);
        Peer {
            actor_id: format!("{base}/users/peer"),
            base,
            control: format!("http://127.0.0.1:{}", ports.1),
            child,
            client,
            dir: logs,
        }
    }

    /// The peer's handle for WebFinger, e.g. `@peer@peer.fedify.test:4433`.
    pub fn handle(&self) -> String {
        format!("@peer@{}", self.base.trim_start_matches("https://"))
    }

    /// Fedify's log (the peer's stderr) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("peer.log")).unwrap_or_default()
    }

    /// `GET` on the control API, e.g. `/inbox`, `/followers`, `/fetch?url=…`.
    pub async fn control_get(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.control))
            .send()
            .await;
        self.json(path, response).await
    }

    /// `POST` a JSON body on the control API; returns the answer whatever its status
    /// (failures come back as `{"ok": false, "error": …}`).
    pub async fn control_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.control))
            .json(&body)
            .send()
            .await;
        self.json(path, response).await
    }

    async fn json(&self, path: &str, response: reqwest::Result<reqwest::Response>) -> Value {
        let response = response
            .unwrap_or_else(|e| panic!("peer control {path}: {e}\npeer log:\n{}", self.log()));
        let text = response.text().await.expect("peer control body");
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("peer control {path}: not JSON ({e}): {text}"))
    }

    /// Polls the peer's inbox until an activity matches `pred`, and returns it. On timeout,
    /// panics with what the peer received, what it rejected and its log.
    pub async fn wait_for_inbox(&self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let inbox = self.control_get("/inbox").await;
            if let Some(found) = inbox.as_array().into_iter().flatten().find(|a| pred(a)) {
                return found.clone();
            }
            if Instant::now() >= deadline {
                let rejected = self.control_get("/rejected").await;
                let errors = self.control_get("/errors").await;
                panic!(
                    "no matching activity in {}'s inbox after {timeout:?}\ninbox: {inbox:#}\n\
                     rejected: {rejected:#}\ndelivery errors: {errors:#}\nlog:\n{}",
                    self.base,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `READY https=PORT control=PORT` → the two ports.
fn parse_ready(line: &str) -> Option<(u16, u16)> {
    let rest = line.strip_prefix("READY ")?;
    let mut https = None;
    let mut control = None;
    for field in rest.split_whitespace() {
        match field.split_once('=') {
            Some(("https", port)) => https = port.parse().ok(),
            Some(("control", port)) => control = port.parse().ok(),
            _ => {}
        }
    }
    Some((https?, control?))
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Installs the npm packages of `dir` (the peer, the browser harness), at the exact versions of its lock
/// file, the first time a test needs them (when one of the `probe` paths is missing), so that `cargo test`
/// alone runs the whole suite on a machine with Node.js and npm.
pub(crate) fn install_packages(dir: &std::path::Path, probe: &[&str]) {
    static INSTALLED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if installed.iter().any(|d| d == dir) {
        return;
    }
    if probe.iter().all(|p| dir.join(p).exists()) {
        installed.push(dir.to_path_buf());
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => installed.push(dir.to_path_buf()),
        other => panic!(
            "cannot install the npm packages of {} ({other:?}): install Node.js 20 and npm, then run \
             `npm ci --prefix {}`",
            dir.display(),
            dir.display()
        ),
    }
}
