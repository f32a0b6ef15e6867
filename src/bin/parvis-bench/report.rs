//! Results: printed, and written into their own section of `docs/performance.md` (between markers, so that
//! a new run replaces its section and leaves the rest of the page alone).

use std::path::Path;

use crate::common::{Options, Res, command_output};

const INTRO: &str = "# Performance measurements

Measured with `parvis-bench` (`src/bin/parvis-bench.rs`), against the targets of the performance brief.
Every figure comes from a real release `parvis serve` child process on a throwaway database, driven over
loopback only; the load generator pre-builds (and pre-signs) every request before the timed phase. Each
section below is rewritten by the subcommand that produced it; notes outside the sections are by hand.

Build and run:

```sh
nice cargo build --release --bins
target/release/parvis-bench b1            # B1 + B2 + B9 during B1 (SQLite)
target/release/parvis-bench b1 --postgres postgres://parvis@127.0.0.1:PORT/postgres
target/release/parvis-bench b3            # B3 + B9 peak
target/release/parvis-bench b5            # B5
target/release/parvis-bench b9            # B9 idle + B10
```

CPU figures are utime + stime of the server process from `/proc/<pid>/stat` (all threads), memory is
`VmRSS` / `VmHWM` from `/proc/<pid>/status`. By default the server runs on CPU 0 (`taskset -c 0`) and the
load generator on CPU 1.

Absolute speed drifts on this machine: builds of the same day measured from 0.33 to 0.61 ms of server CPU
per activity in B1, and one binary 0.35 and 0.48 ms half an hour apart with the machine otherwise idle and
no steal time (most likely neighbours on the host). So each B1 and B3 run also records how many RSA-2048 signatures per second `ring` makes on
the server's CPU just before it starts (the brief's floor: ~1,080/s per core); compare runs by it, and
prefer ratios measured within one run.

Not measured by this bench: B4 (dead and slow instances), B6 (duplicates and Delete bursts), B7 (fetch
herd), B8 (reads on 1M activities), B11 (storage per activity), B12 (429 / slow inboxes); nor B9 \"warm on
1M activities\" and B10 \"1M-activity database\", which need a 1M-activity database.
";

/// Today's date as `date -u +%F` prints it.
pub fn today() -> String {
    command_output("date", &["-u", "+%F"]).unwrap_or_else(|_| "unknown date".into())
}

/// The machine: CPU model, core count, memory.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cores} cores ({model}), {mem_gib:.0} GiB")
}

/// The command line that produced the results.
pub fn command_line() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .map(|p| {
            Path::new(&p)
                .file_name()
                .map(|f| format!("target/release/{}", f.to_string_lossy()))
                .unwrap_or(p)
        })
        .unwrap_or_default();
    std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The source measured: commit, and whether the tree had uncommitted changes.
pub fn source() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let commit = command_output("git", &["-C", dir, "rev-parse", "--short", "HEAD"])
        .unwrap_or_else(|_| "unknown commit".into());
    let dirty = command_output(
        "git",
        &["-C", dir, "status", "--porcelain", "--untracked-files=no"],
    )
    .map(|s| !s.is_empty())
    .unwrap_or(false);
    if dirty {
        format!("{commit} with uncommitted changes")
    } else {
        commit
    }
}

/// The header lines every section starts with.
pub fn preamble(options: &Options) -> String {
    format!(
        "- date: {}; machine: {}; source: {}\n- command: `{}`\n- CPU placement: {}; load average at the end: {}\n",
        today(),
        machine(),
        source(),
        command_line(),
        options.placement(),
        crate::common::load_average(),
    )
}

/// Prints a section and, unless `--no-doc`, writes it to the results file under `key`.
pub fn publish(options: &Options, key: &str, markdown: &str) -> Res<()> {
    println!("\n{markdown}");
    let Some(doc) = &options.doc else {
        return Ok(());
    };
    let begin = format!("<!-- parvis-bench:{key}:begin -->");
    let end = format!("<!-- parvis-bench:{key}:end -->");
    let block = format!("{begin}\n{}\n{end}", markdown.trim_end());
    let current = match std::fs::read_to_string(doc) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    let mut text = if current.trim().is_empty() {
        format!("{INTRO}\n")
    } else {
        current
    };
    match (text.find(&begin), text.find(&end)) {
        (Some(b), Some(e)) if e > b => text.replace_range(b..e + end.len(), &block),
        _ => {
            if !text.ends_with("\n\n") {
                text.push('\n');
            }
            text.push_str(&block);
            text.push('\n');
        }
    }
    if let Some(dir) = doc.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(doc, text)?;
    println!("(written to {})", doc.display());
    Ok(())
}
