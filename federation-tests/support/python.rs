//! Python tools the tests check Parvis against (an independent iCalendar parser), in a virtual environment
//! under `federation-tests/python/.venv` made the first time a test needs it, with the exact versions of
//! `requirements.txt` from PyPI; `.ci/run` makes it beforehand.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("federation-tests/python")
}

/// The environment's interpreter, made (and its packages installed) once.
fn python() -> PathBuf {
    static READY: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut ready = READY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = dir().join(".venv");
    let python = venv.join("bin/python");
    let marker = venv.join("installed.txt");
    let wanted = std::fs::read_to_string(dir().join("requirements.txt")).unwrap();
    if *ready || std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
        *ready = true;
        return python;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "cannot make {}: install Python 3 with venv",
        venv.display()
    );
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(dir().join("requirements.txt"))
        .status();
    assert!(
        installed.is_ok_and(|s| s.success()),
        "cannot install federation-tests/python/requirements.txt from PyPI"
    );
    std::fs::write(&marker, wanted).unwrap();
    *ready = true;
    python
}

/// What Python's `icalendar` reads of a calendar (`check_ics.py`): its time zones and events.
pub fn read_ics(ics: &str) -> serde_json::Value {
    let mut child = Command::new(python())
        .arg(dir().join("check_ics.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the calendar: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `mastodon_client.py` (Mastodon.py) with `args`; what it prints, as JSON. Blocking: call it from
/// `spawn_blocking`.
pub fn mastodon_py(args: &[String]) -> serde_json::Value {
    let out = Command::new(python())
        .arg(dir().join("mastodon_client.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Mastodon.py failed ({args:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
