//! The `parvis serve` child process, and what /proc tells about it, about PostgreSQL's processes and about
//! the machine: CPU time, memory, context switches; CPU pinning and a quick speed calibration.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use parvis::federation::signatures::{SigningKey, sign_cavage};

use crate::client;
use crate::common::{Options, Res, command_output, fail};

/// Pins every thread of this process to `cpus` (a `taskset` list); threads started later inherit it.
pub fn pin_self(options: &Options, cpus: &str) -> Res<()> {
    if !options.pin {
        return Ok(());
    }
    let pid = std::process::id().to_string();
    command_output("taskset", &["-a", "-p", "-c", cpus, &pid]).map(drop)
}

/// The process id of the PostgreSQL server that `admin_url` reaches (from its data directory's
/// `postmaster.pid`; needs a superuser, as the throwaway cluster's user is).
pub fn postmaster_pid(admin_url: &str) -> Res<u32> {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        setting: String,
    }
    use diesel::RunQueryDsl;
    let mut conn = diesel::PgConnection::establish(admin_url)
        .map_err(|e| fail(format!("cannot connect to {admin_url}: {e}")))?;
    let dir: Setting = diesel::sql_query("SELECT current_setting('data_directory') AS setting")
        .get_result(&mut conn)?;
    let pid_file = Path::new(&dir.setting).join("postmaster.pid");
    let text = std::fs::read_to_string(&pid_file)
        .map_err(|e| fail(format!("cannot read {}: {e}", pid_file.display())))?;
    text.lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| fail(format!("{} holds no pid", pid_file.display())))
}

/// CPU time so far of a PostgreSQL server: the postmaster and every process it started (backends, WAL
/// writer, checkpointer…), in clock ticks.
pub fn postgres_cpu_ticks(postmaster: u32) -> Res<u64> {
    let mut total = cpu_ticks_of(&format!("/proc/{postmaster}/stat"))?;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(postmaster) {
            total += cpu_ticks_of(&format!("/proc/{pid}/stat")).unwrap_or(0);
        }
    }
    Ok(total)
}

/// Memory figures of a process, in kB.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

/// A running `parvis serve`; killed on drop.
pub struct Server {
    child: Option<Child>,
    pub pid: u32,
    pub addr: SocketAddr,
    pub spawned_at: Instant,
}

impl Server {
    /// Starts `parvis serve --config …`, on CPU 0 when pinning; its log goes to `log`.
    pub fn spawn(options: &Options, config: &Path, addr: SocketAddr, log: &Path) -> Res<Server> {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(log)?;
        let mut command = if options.pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&options.parvis);
            c
        } else {
            Command::new(&options.parvis)
        };
        command
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env_remove("PARVIS_CONFIG")
            // Several processes may share one configuration, each on its own address.
            .env("PARVIS_SERVER__BIND", addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let spawned_at = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| fail(format!("cannot start {}: {e}", options.parvis.display())))?;
        Ok(Server {
            pid: child.id(),
            child: Some(child),
            addr,
            spawned_at,
        })
    }

    /// Polls `/health` every millisecond until it answers 200; returns the time since the spawn.
    pub async fn wait_healthy(&mut self, timeout: Duration) -> Res<Duration> {
        let deadline = self.spawned_at + timeout;
        loop {
            if client::health(self.addr).await {
                return Ok(self.spawned_at.elapsed());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(fail(format!("parvis exited before answering: {status}")));
            }
            if Instant::now() > deadline {
                return Err(fail(format!(
                    "parvis did not answer /health within {timeout:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// utime + stime of every thread so far, in clock ticks.
    pub fn cpu_ticks(&self) -> Res<u64> {
        cpu_ticks_of(&format!("/proc/{}/stat", self.pid))
    }

    /// Context switches so far, voluntary and not, summed over the threads alive now.
    pub fn context_switches(&self) -> Res<u64> {
        let mut total = 0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.pid))?.flatten() {
            let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
                continue;
            };
            total += status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
        Ok(total)
    }

    pub fn memory(&self) -> Res<Memory> {
        memory_of(&format!("/proc/{}/status", self.pid))
    }

    /// `kill -9`: no chance to finish anything.
    pub fn kill(&mut self) -> Res<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it is still there after 10 s.
    pub async fn stop(&mut self) -> Res<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        for _ in 0..1000 {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        child.kill()?;
        child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// utime + stime (fields 14 and 15) of a /proc stat file.
pub fn cpu_ticks_of(path: &str) -> Res<u64> {
    let stat = std::fs::read_to_string(path)?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| fail(format!("{path}: unexpected format")))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Res<u64> {
        fields
            .get(n - 3)
            .ok_or_else(|| fail(format!("{path}: no field {n}")))?
            .parse()
            .map_err(|e| fail(format!("{path}: field {n}: {e}")))
    };
    Ok(field(14)? + field(15)?)
}

/// VmRSS and VmHWM of a /proc status file.
pub fn memory_of(path: &str) -> Res<Memory> {
    let status = std::fs::read_to_string(path)?;
    let kb = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(Memory {
        rss_kb: kb("VmRSS:"),
        hwm_kb: kb("VmHWM:"),
    })
}

/// This process's own CPU time so far, in clock ticks.
pub fn own_cpu_ticks() -> Res<u64> {
    cpu_ticks_of("/proc/self/stat")
}

/// How fast the server's CPU is right now: RSA-2048 signatures per second with `ring` (what every delivery
/// costs), over 300 ms on CPU 0 when pinning. Absolute speed drifts on this machine between runs; this figure,
/// taken just before each run, lets runs be compared.
pub fn calibrate(options: &Options, key: &SigningKey) -> Res<f64> {
    pin_self(options, "0")?;
    let target = url::Url::parse("http://calibration.test/inbox")?;
    let started = Instant::now();
    let mut signed = 0u32;
    while started.elapsed() < Duration::from_millis(300) {
        let mut headers = http::HeaderMap::new();
        sign_cavage(
            &http::Method::POST,
            &target,
            &mut headers,
            Some(b"{}"),
            "http://calibration.test/actor#main-key",
            key,
            chrono::Utc::now(),
        )?;
        signed += 1;
    }
    let rate = f64::from(signed) / started.elapsed().as_secs_f64();
    pin_self(options, "0-1")?;
    Ok(rate)
}

/// Busy time of the whole machine so far (all CPUs, every process), in clock ticks: with the server's and
/// this process's own figures, it tells whether anything else competed for the CPUs during a run.
pub fn machine_busy_ticks() -> Res<u64> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .ok_or_else(|| fail("/proc/stat has no cpu line"))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    Ok(values
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4 && *i < 8)
        .map(|(_, v)| v)
        .sum())
}
