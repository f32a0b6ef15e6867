//! `parvis admin backup` and `restore`: one file holding the database (the actors' keys are in it) and every
//! file of the data directory (pictures, photos, minutes, mail written as files).
//!
//! The file is a gzip-compressed tar archive:
//!
//! - `parvis-backup.json`: what it is (format, Parvis version, when, which database engine);
//! - `database/parvis.sqlite3`: an SQLite copy made by `VACUUM INTO` (consistent while the server writes),
//!   or `database/parvis.pgdump`: `pg_dump --format=custom` of the PostgreSQL database (one snapshot);
//! - `data/…`: the data directory, but the live SQLite files.
//!
//! The database is copied first, then the files: a file added meanwhile is extra, never missing for a row.
//! A backup is written beside its target under a temporary name and renamed only once whole and synced to
//! disk: a full or unwritable disk leaves no file that looks like a backup.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::config::{Backend, Settings};
use crate::db::{AnyConnection, Database};
use crate::error::{Error, Result};

pub(super) const MANIFEST: &str = "parvis-backup.json";
const SQLITE_ENTRY: &str = "database/parvis.sqlite3";
const POSTGRES_ENTRY: &str = "database/parvis.pgdump";
pub(super) const FILES: &str = "data";
/// The archive format this version writes and reads.
pub(super) const FORMAT: u32 = 1;

/// What a backup says of itself.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub(super) struct Manifest {
    pub format: u32,
    pub parvis: String,
    pub created_at: String,
    pub database: Engine,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The archive entry that holds this engine's copy of the database.
    pub(super) fn entry(self) -> &'static str {
        match self {
            Engine::Sqlite => SQLITE_ENTRY,
            Engine::Postgres => POSTGRES_ENTRY,
        }
    }

    /// The engine whose copy of the database the archive entry `path` is, if it is one.
    pub(super) fn of_entry(path: &Path) -> Option<Engine> {
        [Engine::Sqlite, Engine::Postgres]
            .into_iter()
            .find(|engine| path == Path::new(engine.entry()))
    }
}

impl From<Backend> for Engine {
    fn from(backend: Backend) -> Engine {
        match backend {
            Backend::Sqlite => Engine::Sqlite,
            Backend::Postgres => Engine::Postgres,
        }
    }
}

/// What was written or restored, for the command's last line.
#[derive(Debug)]
pub struct Summary {
    pub path: PathBuf,
    pub bytes: u64,
    pub files: usize,
    pub postgres: bool,
}

pub(super) fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::invalid("backup", format!("{what}: {e}"))
}

/// Writes a backup of the running (or stopped) instance to `to`, which must not exist yet and must not be
/// inside the data directory.
pub async fn backup(db: &Database, settings: &Settings, to: &Path) -> Result<Summary> {
    let (db, settings, to) = (db.clone(), settings.clone(), to.to_path_buf());
    tokio::task::spawn_blocking(move || write_backup(&db, &settings, &to))
        .await
        .map_err(Error::internal)?
}

fn write_backup(db: &Database, settings: &Settings, to: &Path) -> Result<Summary> {
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if to.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists: a backup never replaces a file, give a new name",
            to.display()
        )));
    }
    if !dir.is_dir() {
        return Err(Error::invalid(
            "--to",
            format!("{} is not a directory", dir.display()),
        ));
    }
    let data_dir = &settings.server.data_dir;
    if let (Ok(d), Ok(t)) = (dir.canonicalize(), data_dir.canonicalize())
        && d.starts_with(&t)
    {
        return Err(Error::invalid(
            "--to",
            "the backup would be inside the data directory (and in the next backup): write it elsewhere",
        ));
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "backup".into());
    // Everything is staged beside the target: the space it needs is the target disk's.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.staging-"))
        .tempdir_in(&dir)
        .map_err(io(format!("cannot write in {}", dir.display())))?;
    let engine = Engine::from(db.backend());
    let dump = match engine {
        Engine::Sqlite => {
            let path = staging.path().join("parvis.sqlite3");
            let into = path.to_string_lossy().replace('\'', "''");
            db.run_blocking(|conn| match conn {
                AnyConnection::Sqlite(c) => diesel::connection::SimpleConnection::batch_execute(
                    c,
                    &format!("VACUUM INTO '{into}'"),
                )
                .map_err(|e| {
                    Error::invalid(
                        "backup",
                        format!("cannot copy the database into {}: {e}", dir.display()),
                    )
                }),
                AnyConnection::Postgresql(_) => Err(Error::internal("not SQLite")),
            })?;
            path
        }
        Engine::Postgres => {
            let path = staging.path().join("parvis.pgdump");
            pg_dump(&settings.database_url(), &path)?;
            path
        }
    };
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .tempfile_in(&dir)
        .map_err(io(format!("cannot write in {}", dir.display())))?;
    let cannot_write = || io(format!("cannot write {}", to.display()));
    let files = {
        let gz = flate2::write::GzEncoder::new(
            BufWriter::new(file.as_file_mut()),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        let manifest = serde_json::to_vec_pretty(&Manifest {
            format: FORMAT,
            parvis: env!("CARGO_PKG_VERSION").into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            database: engine,
        })
        .map_err(Error::internal)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        // The database holds every actor's key: its owner alone reads it once restored.
        let appended = tar
            .append_data(&mut header, MANIFEST, manifest.as_slice())
            .and_then(|()| {
                let file = std::fs::File::open(&dump)?;
                let mut header = tar::Header::new_gnu();
                header.set_metadata(&file.metadata()?);
                header.set_mode(0o600);
                tar.append_data(&mut header, engine.entry(), file)
            });
        appended.map_err(cannot_write())?;
        let files = append_data_dir(&mut tar, settings, data_dir).map_err(cannot_write())?;
        let gz = tar.into_inner().map_err(cannot_write())?;
        let mut buffered = gz.finish().map_err(cannot_write())?;
        buffered.flush().map_err(cannot_write())?;
        files
    };
    file.as_file().sync_all().map_err(cannot_write())?;
    let bytes = file
        .as_file()
        .metadata()
        .map_err(io(format!("cannot read {}", to.display())))?
        .len();
    file.persist_noclobber(to).map_err(|e| {
        Error::invalid(
            "backup",
            format!("cannot name the backup {}: {}", to.display(), e.error),
        )
    })?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Summary {
        path: to.to_path_buf(),
        bytes,
        files,
        postgres: engine == Engine::Postgres,
    })
}

/// The SQLite database's own files (copied through `VACUUM INTO` instead) and the server's lock, as
/// canonical paths.
fn live_database_files(settings: &Settings) -> Vec<PathBuf> {
    let url = settings.database_url();
    let Some(db) = url.strip_prefix("sqlite://").map(Path::new) else {
        return Vec::new();
    };
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (Ok(dir), Some(name)) = (dir.canonicalize(), db.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    ["", "-wal", "-shm", "-journal", ".serve-lock"]
        .iter()
        .map(|suffix| dir.join(format!("{name}{suffix}")))
        .collect()
}

fn append_data_dir<W: Write>(
    tar: &mut tar::Builder<W>,
    settings: &Settings,
    data_dir: &Path,
) -> std::io::Result<usize> {
    let mut files = 0;
    if !data_dir.exists() {
        return Ok(0);
    }
    let live = live_database_files(settings);
    // A file deleted while the backup runs (a picture removed) is skipped: the database copy, made first,
    // may still name it, as it named it a moment before.
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    for entry in walkdir::WalkDir::new(data_dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.io_error().is_some_and(gone) => continue,
            Err(e) => return Err(std::io::Error::other(e)),
        };
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(data_dir) else {
            continue;
        };
        if !entry.file_type().is_file() {
            continue;
        }
        match path.canonicalize() {
            Ok(canonical) if live.contains(&canonical) => continue,
            Err(e) if gone(&e) => continue,
            _ => {}
        }
        // Read whole first: a file rewritten meanwhile cannot make its entry shorter or longer than its
        // header says (which would spoil every entry after it).
        let (content, metadata) = match std::fs::read(path).and_then(|c| Ok((c, entry.metadata()?)))
        {
            Ok(read) => read,
            Err(e) if gone(&e) => continue,
            Err(e) => return Err(e),
        };
        let mut header = tar::Header::new_gnu();
        header.set_metadata(&metadata);
        header.set_size(content.len() as u64);
        tar.append_data(
            &mut header,
            Path::new(FILES).join(relative),
            content.as_slice(),
        )?;
        files += 1;
    }
    Ok(files)
}

/// A PostgreSQL client tool: on the `PATH`, else the newest under `/usr/lib/postgresql/*/bin` (Debian).
fn pg_tool(name: &str) -> Result<PathBuf> {
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    }) {
        return Ok(found);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let tool = e.path().join("bin").join(name);
            tool.is_file().then_some((version, tool))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).ok_or_else(|| {
        Error::invalid("backup", format!(
            "{name} is not installed: a PostgreSQL backup needs PostgreSQL's client tools (Debian: postgresql-client)"
        ))
    })
}

/// The URL without its password (from its user part or a `password` parameter), and the password: given to
/// the tool in its environment, never on its command line where `ps` shows it. A URL that cannot be read is
/// passed as is only when it visibly holds no password.
fn split_password(raw: &str) -> Result<(String, Option<String>)> {
    let mut url = match url::Url::parse(raw) {
        Ok(url) => url,
        Err(e) => {
            let userinfo = raw
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
                .map(|(userinfo, _)| userinfo);
            if userinfo.is_some_and(|u| u.contains(':')) || raw.contains("password=") {
                return Err(Error::invalid(
                    "database.url",
                    format!("cannot read the URL to keep its password off the command line: {e}"),
                ));
            }
            return Ok((raw.to_string(), None));
        }
    };
    let decode = |p: &str| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .to_string()
    };
    let mut password = url.password().map(decode);
    let _ = url.set_password(None);
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if pairs.iter().any(|(k, _)| k == "password") {
        let kept: Vec<&(String, String)> = pairs
            .iter()
            .filter(|(k, v)| {
                if k == "password" {
                    password = Some(v.clone());
                }
                k != "password"
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Ok((url.to_string(), password))
}

pub(super) fn run_pg(tool: &str, url: &str, args: &[&std::ffi::OsStr]) -> Result<()> {
    let program = pg_tool(tool)?;
    let (url, password) = split_password(url)?;
    let mut command = Command::new(&program);
    command.arg(format!("--dbname={url}")).args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command
        .output()
        .map_err(io(format!("cannot run {}", program.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::invalid(
        "backup",
        format!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    ))
}

fn pg_dump(url: &str, to: &Path) -> Result<()> {
    run_pg(
        "pg_dump",
        url,
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            "--file".as_ref(),
            to.as_os_str(),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_command_line() {
        let (url, password) =
            split_password("postgres://parvis:s%40cret@db.local:5432/parvis").unwrap();
        assert_eq!(url, "postgres://parvis@db.local:5432/parvis");
        assert_eq!(password.as_deref(), Some("s@cret"));
        let (url, password) = split_password("postgres://parvis@db.local/parvis").unwrap();
        assert_eq!(url, "postgres://parvis@db.local/parvis");
        assert_eq!(password, None);
        let (url, password) =
            split_password("postgres://db.local/parvis?sslmode=require&password=pw").unwrap();
        assert_eq!(url, "postgres://db.local/parvis?sslmode=require");
        assert_eq!(password.as_deref(), Some("pw"));
        let (url, password) = split_password("postgres://db.local/parvis?password=pw").unwrap();
        assert_eq!(url, "postgres://db.local/parvis");
        assert_eq!(password.as_deref(), Some("pw"));
        // A socket URL (no host): read, or passed as is when it holds no password; never with one.
        let (url, password) =
            split_password("postgres://parvis@/parvis?host=/var/run/postgresql").unwrap();
        assert!(url.contains("host=/var/run/postgresql"), "{url}");
        assert_eq!(password, None);
        match split_password("postgres://parvis:pw@/parvis?host=/run") {
            Ok((url, password)) => {
                assert!(!url.contains("pw"), "{url}");
                assert_eq!(password.as_deref(), Some("pw"));
            }
            Err(e) => assert!(e.to_string().contains("password"), "{e}"),
        }
    }
}
