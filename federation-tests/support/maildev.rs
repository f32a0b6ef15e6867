//! A real SMTP server for the mail tests: MailDev (`federation-tests/maildev`, from npm at the version of
//! its lock file), on 127.0.0.1, its received messages read through its REST API (`GET /api/email`).
//! It can be stopped and started again on the same port, to play an SMTP server that goes down.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const READY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct MailDev {
    /// The SMTP port, on 127.0.0.1.
    pub smtp_port: u16,
    web_port: u16,
    child: Option<Child>,
    /// Where it keeps what it received (its own, so that tests running at once do not mix their mail).
    dir: tempfile::TempDir,
}

fn maildev_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/maildev")
}

/// A port free on 127.0.0.1 now (MailDev takes no port 0).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl MailDev {
    pub fn start() -> MailDev {
        super::peer::install_packages(&maildev_dir(), &["node_modules/maildev"]);
        let mut server = MailDev {
            smtp_port: free_port(),
            web_port: free_port(),
            child: None,
            dir: tempfile::tempdir().expect("maildev dir"),
        };
        server.resume();
        server
    }

    /// `smtp://127.0.0.1:port`, for `[email] smtp_url`.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Stops the server (its SMTP port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on its ports, and waits until it listens.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "maildev is already running");
        let dir = maildev_dir();
        let mail_dir = self.dir.path().join("mail");
        let mut child = Command::new("node")
            .arg(dir.join("node_modules/maildev/dist/bin/maildev.js"))
            .args(["--smtp", &self.smtp_port.to_string()])
            .args(["--web", &self.web_port.to_string()])
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
            .arg("--mail-directory")
            .arg(&mail_dir)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node for maildev: {e}"));
        let stdout = child.stdout.take().expect("maildev stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut seen = vec![];
        // Its SMTP server is up once it prints its summary (after the API line).
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains("Press Ctrl+C") => break,
                Ok(line) => seen.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("maildev did not start within {READY_TIMEOUT:?}: {seen:?}");
                }
            }
        }
        self.child = Some(child);
    }

    /// Every message it received, as its API lists them (`subject`, `to`, `text`, `html`, `headers`…).
    pub async fn emails(&self) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/api/email", self.web_port);
        let response = reqwest::get(&url).await.expect("maildev API");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.json().await.expect("maildev's list")
    }

    /// A received message as it was sent (headers and body), by its id in the list.
    pub async fn source(&self, message: &Value) -> String {
        let id = message["id"].as_str().expect("a message id");
        let url = format!("http://127.0.0.1:{}/api/email/{id}/source", self.web_port);
        reqwest::get(&url)
            .await
            .expect("maildev API")
            .text()
            .await
            .expect("a message source")
    }

    /// Waits until `count` messages match `wanted`, and returns them.
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let found: Vec<Value> = self.emails().await.into_iter().filter(&wanted).collect();
            if found.len() >= count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "maildev received {} matching message(s) of {count} within {timeout:?}",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for MailDev {
    fn drop(&mut self) {
        self.stop();
    }
}
