//! A throwaway PostgreSQL cluster for the integration tests.
//!
//! The first call to [`fresh_database_url`] runs `initdb` into a fresh directory under
//! [`std::env::temp_dir`] and starts a `postgres` server on a free loopback port; every call
//! then creates a new, empty database in that one cluster, so tests stay isolated but only
//! pay for a single server start. A missing or broken PostgreSQL makes the tests fail, never skip.
//!
//! Two things are less obvious:
//!
//! * **Root.** The PostgreSQL server refuses to run as root (as tests often are in CI
//!   containers). When the test process is root, `initdb`, `postgres` and `pg_ctl` run as the
//!   `postgres` OS user through `runuser`, and the cluster's directory is handed to that user.
//!   The client tools (`psql`, `pg_isready`) have no such restriction and run directly.
//! * **Clean-up.** Rust never drops statics, and a test binary may be killed outright, so no
//!   `Drop` can stop the server. Instead a detached reaper (`sh`, in its own process group,
//!   stdio on `/dev/null` so that `cargo test` does not wait for it to close inherited pipes)
//!   polls every second whether the test process is still alive and, once it is gone, stops
//!   the server with `pg_ctl stop -m immediate` and removes the directory. The reaper starts
//!   as soon as the directory exists, so even a failed start leaves nothing behind.

use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::{fs::MetadataExt, process::CommandExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DB: AtomicU64 = AtomicU64::new(0);

/// An initialised cluster directory and the port its server listens on.
struct Cluster {
    bindir: PathBuf,
    root: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    port: u16,
}

/// Returns a URL `postgres://parvis@127.0.0.1:PORT/t_N` of a brand-new, empty database in a
/// throwaway cluster shared by the whole test process (started on first use). Safe to call
/// from many threads at once. Panics with a clear message if PostgreSQL cannot be started.
pub fn fresh_database_url() -> String {
    let cluster = match CLUSTER.get_or_init(|| start_cluster().map(|(cluster, _server)| cluster)) {
        Ok(cluster) => cluster,
        Err(e) => panic!("cannot start the throwaway PostgreSQL for the tests: {e}"),
    };
    cluster.create_database()
}

/// A cluster of one test's own, for tests that stop and start PostgreSQL under running servers (the shared
/// one serves the other tests meanwhile). Stopped when dropped; its directory goes with the test process.
pub struct OwnCluster {
    cluster: Cluster,
    server: Option<std::process::Child>,
}

impl OwnCluster {
    pub fn start() -> OwnCluster {
        let (cluster, server) =
            start_cluster().unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster: {e}"));
        OwnCluster {
            cluster,
            server: Some(server),
        }
    }

    /// A new, empty database in this cluster.
    pub fn database_url(&self) -> String {
        self.cluster.create_database()
    }

    /// Stops the server as an administrator would (`pg_ctl stop -m fast`: connections are cut, nothing
    /// committed is lost).
    pub fn stop(&mut self) {
        let out = self
            .cluster
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.cluster.data)
            .args(["stop", "-m", "fast", "-w"])
            .output()
            .expect("run pg_ctl");
        assert!(out.status.success(), "pg_ctl stop: {}", describe(&out));
        if let Some(mut server) = self.server.take() {
            let _ = server.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn start_again(&mut self) {
        let server = self
            .cluster
            .launch(self.cluster.port)
            .unwrap_or_else(|e| panic!("cannot start PostgreSQL again: {e}"));
        self.server = Some(server);
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        if self.server.is_some() {
            let _ = self
                .cluster
                .tool("pg_ctl")
                .arg("-D")
                .arg(&self.cluster.data)
                .args(["stop", "-m", "immediate"])
                .output();
        }
    }
}

impl Cluster {
    /// A PostgreSQL server tool, run as the `postgres` user when the tests run as root.
    fn tool(&self, name: &str) -> Command {
        let bin = self.bindir.join(name);
        let mut cmd = Command::new(if self.as_postgres {
            Path::new("runuser")
        } else {
            &bin
        });
        if self.as_postgres {
            cmd.args(["-u", "postgres", "--"]).arg(&bin);
        }
        cmd
    }

    fn create_database(&self) -> String {
        let port = self.port;
        let name = format!("t_{}", NEXT_DB.fetch_add(1, Ordering::Relaxed));
        let sql = format!("CREATE DATABASE {name}");
        let out = Command::new(self.bindir.join("psql"))
            .args("-X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U parvis -d postgres -p".split(' '))
            .args([&port.to_string(), "-c", &sql])
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql from {}: {e}", self.bindir.display()));
        if !out.status.success() {
            panic!("CREATE DATABASE {name} failed: {}", describe(&out));
        }
        format!("postgres://parvis@127.0.0.1:{port}/{name}")
    }

    /// Starts the server on `port` and waits until it accepts connections.
    fn launch(&self, port: u16) -> Result<std::process::Child, String> {
        let log_path = self.root.join("server.log");
        let log = File::options().create(true).append(true).open(&log_path);
        let log = log.map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("cannot dup the log fd: {e}"))?;
        let mut server = self
            .tool("postgres")
            .arg("-D")
            .arg(&self.data)
            .arg("-k")
            .arg(&self.root)
            .args(["-p", &port.to_string()])
            .args("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off".split(' '))
            .args("-c full_page_writes=off -c max_connections=200".split(' '))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start postgres from {}: {e}", self.bindir.display()))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(self.bindir.join("pg_isready"))
                .args("-q -h 127.0.0.1 -U parvis -p".split(' '))
                .arg(port.to_string())
                .status()
                .map_err(|e| format!("cannot run pg_isready: {e}"))?;
            if ready.success() {
                return Ok(server);
            }
            let log = || fs::read_to_string(&log_path).unwrap_or_default();
            if let Ok(Some(status)) = server.try_wait() {
                return Err(format!(
                    "postgres exited with {status}; server log:\n{}",
                    log()
                ));
            }
            if Instant::now() > deadline {
                let _ = server.kill();
                return Err(format!(
                    "postgres not ready after 30 s; server log:\n{}",
                    log()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn start_cluster() -> Result<(Cluster, std::process::Child), String> {
    let bindir = find_bindir()?;
    let as_postgres = current_uid()? == 0;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let root = std::env::temp_dir().join(format!("parvis-pg-{}-{nanos}", std::process::id()));
    let data = root.join("data");
    fs::create_dir(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    spawn_reaper(&root, &data, &bindir, as_postgres)?;
    if as_postgres {
        let id = |flag| run_capture(Command::new("id").args([flag, "postgres"]));
        let (uid, gid) = (id("-u")?.parse().ok(), id("-g")?.parse().ok());
        std::os::unix::fs::chown(&root, uid, gid)
            .map_err(|e| format!("cannot chown {} to postgres: {e}", root.display()))?;
    }
    let mut cluster = Cluster {
        bindir,
        root,
        data,
        as_postgres,
        port: 0,
    };
    let out = cluster
        .tool("initdb")
        .arg("-D")
        .arg(&cluster.data)
        .args("-A trust -U parvis --encoding=UTF8 --locale=C --no-sync".split(' '))
        .output()
        .map_err(|e| format!("cannot run initdb from {}: {e}", cluster.bindir.display()))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", describe(&out)));
    }
    let mut failure = String::new();
    // Another process may take the probed port before postgres binds it: then try another.
    for _attempt in 0..3 {
        let probe = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
        cluster.port = probe.map_err(|e| format!("no free port: {e}"))?.port();
        match cluster.launch(cluster.port) {
            Ok(server) => return Ok((cluster, server)),
            Err(e) => failure = e,
        }
    }
    Err(failure)
}

/// Starts the detached `sh` that stops the server and removes `root` once this process is gone.
fn spawn_reaper(root: &Path, data: &Path, bindir: &Path, as_postgres: bool) -> Result<(), String> {
    const SCRIPT: &str = r#"trap '' HUP INT
while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ "$5" = 1 ]; then runuser -u postgres -- "$4/pg_ctl" -D "$3" stop -m immediate
else "$4/pg_ctl" -D "$3" stop -m immediate; fi
rm -rf "$2""#;
    Command::new("sh")
        .args([
            "-c",
            SCRIPT,
            "parvis-pg-reaper",
            &std::process::id().to_string(),
        ])
        .args([root, data, bindir])
        .arg(if as_postgres { "1" } else { "0" })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the clean-up process (sh): {e}"))
}

/// `$PARVIS_TEST_PG_BINDIR`, else `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin` (the real binaries, not Debian's `/usr/bin` wrappers).
fn find_bindir() -> Result<PathBuf, String> {
    let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("PARVIS_TEST_PG_BINDIR").map(PathBuf::from) {
        let e = format!(
            "PARVIS_TEST_PG_BINDIR={} has no initdb/postgres",
            dir.display()
        );
        return if usable(&dir) { Ok(dir) } else { Err(e) };
    }
    if let Ok(dir) = run_capture(Command::new("pg_config").arg("--bindir"))
        && usable(Path::new(&dir))
    {
        return Ok(PathBuf::from(dir));
    }
    let versions = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten();
    let best = versions
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse::<f64>().ok()?,
                e.path().join("bin"),
            ))
        })
        .filter(|(_, bin)| usable(bin))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    best.map(|(_, bin)| bin).ok_or_else(|| {
        "no PostgreSQL server binaries found (tried $PARVIS_TEST_PG_BINDIR, `pg_config --bindir`, \
         /usr/lib/postgresql/*/bin); install PostgreSQL or set PARVIS_TEST_PG_BINDIR"
            .to_string()
    })
}

fn current_uid() -> Result<u32, String> {
    if let Ok(meta) = fs::metadata("/proc/self") {
        return Ok(meta.uid());
    }
    let uid = run_capture(Command::new("id").arg("-u"))?;
    uid.parse()
        .map_err(|e| format!("cannot parse `id -u` output {uid:?}: {e}"))
}

/// Runs `cmd` and returns its trimmed stdout, or an error if it cannot run or fails.
fn run_capture(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", describe(&out)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn describe(out: &Output) -> String {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    format!(
        "{}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}",
        out.status
    )
}
