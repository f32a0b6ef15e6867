//! Browser journeys: a Node script in `federation-tests/browser/` drives headless Chromium
//! (Debian's `/usr/bin/chromium`, through playwright-core) and runs axe-core on every page it
//! checks; see `federation-tests/browser/harness.mjs` for how a journey is written.
//!
//! [`run_journey`] runs one script and returns its [`BrowserReport`]; [`BrowserReport::assert_clean`]
//! fails the test when the journey threw or a page has a serious or critical accessibility
//! violation (or scrolls sideways on a phone). Screenshots of every checked page stay in
//! `target/browser-screenshots/<script>-<unique>/`, whose path the test prints on stderr
//! (`cargo test -- --nocapture` shows it).
//!
//! The config is a JSON object: `hosts` (name → IP, e.g. `{"alpha.parvis.test": "127.0.0.2"}`;
//! every other name fails to resolve, IP literals included, `localhost` excepted), `locale`
//! (e.g. `"fr-FR"`, also the Accept-Language header), `timeoutMs` (the whole journey, default
//! 120 000; `BROWSER_TIMEOUT_MS` overrides it); anything else goes to the journey as it is.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};

/// Where the browser must be: CI installs Debian's `chromium` package (`.ci/run`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
const DEFAULT_TIMEOUT_MS: u64 = 120_000;
/// How long past the journey's own timeout the Node process gets before it is killed: the
/// harness itself gives up at the timeout plus 20 s of clean-up.
const GRACE: Duration = Duration::from_secs(45);
const STDERR_TAIL_LINES: usize = 60;

/// What a journey reported: its `BROWSER_REPORT` line, plus the script's stderr.
#[derive(Debug, Deserialize)]
pub struct BrowserReport {
    /// The journey ran to its end (accessibility violations do not change this).
    pub ok: bool,
    /// When not ok: `message`, `stack`, `step` (the last `step(name)`), `url` (the page's).
    #[serde(default)]
    pub error: Option<Value>,
    /// Every `check` and `checkNarrow`, in order.
    #[serde(default)]
    pub pages: Vec<PageReport>,
    /// The screenshot folder.
    #[serde(default)]
    pub screenshots: PathBuf,
    /// Console errors and uncaught exceptions of the pages (`type`, `text`, `url`, `source`).
    #[serde(default)]
    pub console: Vec<Value>,
    /// What the journey handed back with `record(key, value)`.
    #[serde(default)]
    pub data: Value,
    /// The script's stderr: the harness logs each step there.
    #[serde(skip)]
    pub stderr: String,
    /// Anything the script printed on stdout besides the report.
    #[serde(skip)]
    pub stdout: String,
}

/// One `check(page, label)` or `checkNarrow(page, label)` (label `"<label> (360px)"`).
#[derive(Debug, Deserialize)]
pub struct PageReport {
    pub label: String,
    pub url: String,
    /// axe-core's serious and critical violations: `id`, `impact`, `help`, `helpUrl`,
    /// `nodes[].target`; `checkNarrow` adds `horizontal-scroll` when the page is wider than 360 px.
    #[serde(default)]
    pub violations: Vec<Value>,
    /// The screenshot's file name in [`BrowserReport::screenshots`].
    #[serde(default)]
    pub screenshot: Option<String>,
}

impl PageReport {
    /// The ids of the violations, e.g. `["image-alt", "link-name"]`.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.violations
            .iter()
            .filter_map(|v| v["id"].as_str())
            .collect()
    }
}

impl BrowserReport {
    /// The page checked under `label`; panics listing the labels there are.
    pub fn page(&self, label: &str) -> &PageReport {
        self.pages
            .iter()
            .find(|p| p.label == label)
            .unwrap_or_else(|| {
                let labels: Vec<&str> = self.pages.iter().map(|p| p.label.as_str()).collect();
                panic!("the journey checked no page {label:?}; it checked {labels:?}")
            })
    }

    /// The error's `field` (`message`, `step`, `url`, `stack`) as text.
    pub fn error_field(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.get(field)?.as_str()
    }

    /// Why this journey fails, or `None` when it ran to its end with no serious or critical
    /// violation on any page.
    pub fn failure(&self) -> Option<String> {
        use std::fmt::Write as _;

        let dirty: Vec<&PageReport> = self
            .pages
            .iter()
            .filter(|p| !p.violations.is_empty())
            .collect();
        if self.ok && dirty.is_empty() {
            return None;
        }
        let mut out = String::from("browser journey failed\n");
        if !self.ok {
            let field = |name| self.error_field(name).unwrap_or("?");
            let _ = writeln!(out, "  error: {}", field("message"));
            let _ = writeln!(out, "  step:  {}", field("step"));
            let _ = writeln!(out, "  url:   {}", field("url"));
            if let Some(stack) = self.error_field("stack") {
                for line in stack.lines().skip(1).take(8) {
                    let _ = writeln!(out, "         {}", line.trim());
                }
            }
        }
        for page in dirty {
            let _ = writeln!(
                out,
                "  accessibility: page {:?} ({}, screenshot {}):",
                page.label,
                page.url,
                page.screenshot.as_deref().unwrap_or("none")
            );
            for v in &page.violations {
                let targets: Vec<String> = v["nodes"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .take(5)
                    .map(|n| match n["target"].as_array() {
                        Some(t) => t
                            .iter()
                            .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join(" "),
                        None => n["target"].to_string(),
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "    {} [{}] {} — {}{}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    targets.join(", "),
                    v["helpUrl"]
                        .as_str()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                );
            }
        }
        for c in self.console.iter().take(10) {
            let _ = writeln!(
                out,
                "  console {}: {} ({})",
                c["type"].as_str().unwrap_or("?"),
                c["text"].as_str().unwrap_or("?"),
                c["source"]
                    .as_str()
                    .or_else(|| c["url"].as_str())
                    .unwrap_or("?")
            );
        }
        let _ = writeln!(out, "  screenshots: {}", self.screenshots.display());
        let lines: Vec<&str> = self.stderr.lines().collect();
        let tail = &lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..];
        let _ = writeln!(out, "  stderr (last {} lines):", tail.len());
        for line in tail {
            let _ = writeln!(out, "    {line}");
        }
        if !self.stdout.trim().is_empty() {
            let _ = writeln!(out, "  stdout:\n{}", self.stdout.trim_end());
        }
        Some(out)
    }

    /// Panics with a readable account when the journey threw or a page has a serious or critical
    /// violation.
    pub fn assert_clean(&self) {
        if let Some(failure) = self.failure() {
            panic!("{failure}");
        }
    }
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/browser")
}

/// The Cargo target directory, where screenshots outlive the test.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = option_env!("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // The test binary is target/<profile>/deps/integration-<hash>.
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.ancestors().nth(3)
        && exe.parent().and_then(Path::file_name) == Some("deps".as_ref())
    {
        return dir.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

fn screenshot_dir(script: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let stem = Path::new(script)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("journey");
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let dir = target_dir().join("browser-screenshots").join(format!(
        "{stem}-{millis}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create the screenshot folder {}: {e}", dir.display()));
    dir
}

/// Panics unless Chromium is installed: a missing browser fails the suite, it never skips it.
fn require_chromium() -> PathBuf {
    let path =
        std::env::var_os("BROWSER_EXECUTABLE").map_or_else(|| CHROMIUM.into(), PathBuf::from);
    if !path.is_file() {
        panic!(
            "{} is missing: the browser tests need Debian's Chromium. Run `.ci/run` (as root) or \
             `apt-get install chromium fonts-dejavu-core`",
            path.display()
        );
    }
    path
}

/// Collects a pipe on a thread, so the child never blocks on a full pipe.
fn drain(pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut pipe = pipe;
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for the journey; past `limit`, asks it to stop (SIGTERM lets Playwright close
/// Chromium), then kills it.
fn wait_bounded(child: &mut Child, limit: Duration) -> Result<std::process::ExitStatus, String> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => break,
            Err(e) => return Err(format!("cannot wait for node: {e}")),
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let term = Instant::now() + Duration::from_secs(5);
    while Instant::now() < term {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(format!(
                "the journey did not end within {limit:?}: stopped it"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!(
        "the journey did not end within {limit:?}: killed it"
    ))
}

/// Runs `node federation-tests/browser/<script>` with `config` (a JSON object, see the module
/// documentation) and returns its report. Blocking: call it through
/// `tokio::task::spawn_blocking`, or use [`run_journey_async`].
pub fn run_journey(script: &str, config: Value) -> BrowserReport {
    let chromium = require_chromium();
    let dir = browser_dir();
    super::peer::install_packages(
        &dir,
        &[
            "node_modules/playwright-core/package.json",
            "node_modules/axe-core/axe.min.js",
        ],
    );
    let screenshots = screenshot_dir(script);
    eprintln!(
        "browser journey {script}: screenshots in {}",
        screenshots.display()
    );

    let mut config = match config {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => panic!("a journey's config is a JSON object, not {other}"),
    };
    config.insert("screenshotDir".into(), json!(screenshots));
    let timeout_ms = std::env::var("BROWSER_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .or_else(|| config.get("timeoutMs").and_then(Value::as_u64))
        .unwrap_or(DEFAULT_TIMEOUT_MS);

    let mut child = Command::new(std::env::var("BROWSER_NODE").unwrap_or_else(|_| "node".into()))
        .arg(dir.join(script))
        .current_dir(&dir)
        .env("BROWSER_CONFIG", Value::Object(config).to_string())
        .env("BROWSER_EXECUTABLE", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node for the browser journey {script}: {e}"));
    let stdout = drain(child.stdout.take().expect("journey stdout"));
    let stderr = drain(child.stderr.take().expect("journey stderr"));
    let status = wait_bounded(&mut child, Duration::from_millis(timeout_ms) + GRACE);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();

    let mut rest = String::new();
    let mut report: Option<BrowserReport> = None;
    for line in stdout.lines() {
        match line.strip_prefix("BROWSER_REPORT ") {
            Some(json) if report.is_none() => {
                report = Some(serde_json::from_str(json).unwrap_or_else(|e| {
                    panic!("the journey {script} printed a BROWSER_REPORT that does not parse ({e}): {json}")
                }));
            }
            _ => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    let mut report = report.unwrap_or_else(|| {
        let why = match &status {
            Ok(status) => format!("node ended ({status}) without printing a BROWSER_REPORT line"),
            Err(e) => e.clone(),
        };
        BrowserReport {
            ok: false,
            error: Some(json!({ "message": why })),
            pages: Vec::new(),
            screenshots: screenshots.clone(),
            console: Vec::new(),
            data: Value::Null,
            stderr: String::new(),
            stdout: String::new(),
        }
    });
    if report.ok && !matches!(&status, Ok(s) if s.success()) {
        report.ok = false;
        report.error =
            Some(json!({ "message": format!("node ended with {status:?} after an ok report") }));
    }
    report.stderr = stderr;
    report.stdout = rest;
    report
}

/// [`run_journey`] on a blocking thread.
pub async fn run_journey_async(script: &str, config: Value) -> BrowserReport {
    let script = script.to_owned();
    tokio::task::spawn_blocking(move || run_journey(&script, config))
        .await
        .unwrap_or_else(|e| match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the browser journey's thread: {e}"),
        })
}
