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
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::config::{Backend, Settings};
use crate::db::{AnyConnection, Database};
use crate::error::{Error, Result};

const MANIFEST: &str = "parvis-backup.json";
const SQLITE_ENTRY: &str = "database/parvis.sqlite3";
const POSTGRES_ENTRY: &str = "database/parvis.pgdump";
const FILES: &str = "data";
/// The archive format this version writes and reads.
const FORMAT: u32 = 1;

/// What a backup says of itself.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Manifest {
    format: u32,
    parvis: String,
    created_at: String,
    database: Engine,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Engine {
    Sqlite,
    Postgres,
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

fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> Error {
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
    let (dump, entry) = match engine {
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
            (path, SQLITE_ENTRY)
        }
        Engine::Postgres => {
            let path = staging.path().join("parvis.pgdump");
            pg_dump(&settings.database_url(), &path)?;
            (path, POSTGRES_ENTRY)
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
        tar.mode(tar::HeaderMode::Deterministic);
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
        let appended = tar
            .append_data(&mut header, MANIFEST, manifest.as_slice())
            .and_then(|()| tar.append_path_with_name(&dump, entry));
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
        match tar.append_path_with_name(path, Path::new(FILES).join(relative)) {
            Ok(()) => files += 1,
            Err(e) if gone(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(files)
}

/// Restores the backup `from` into the (empty or absent) data directory of `settings`, and into its database:
/// an SQLite file, or an empty PostgreSQL database.
pub async fn restore(settings: &Settings, from: &Path) -> Result<Summary> {
    let (settings, from) = (settings.clone(), from.to_path_buf());
    let summary = tokio::task::spawn_blocking(move || {
        let summary = read_backup(&settings, &from)?;
        // Opens and migrates: a backup of an older version comes up to this one, and a broken one says so.
        crate::app::open_database(&settings)?;
        Ok::<_, Error>(summary)
    })
    .await
    .map_err(Error::internal)??;
    Ok(summary)
}

fn read_backup(settings: &Settings, from: &Path) -> Result<Summary> {
    let data_dir = settings.server.data_dir.clone();
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(&data_dir)
            .map_err(io(format!("cannot read {}", data_dir.display())))?;
        if entries.next().is_some() {
            return Err(Error::Conflict(format!(
                "{} is not empty: a backup is restored into an empty data directory (move this one aside)",
                data_dir.display()
            )));
        }
    }
    let backend = settings
        .database_backend()
        .map_err(|e| Error::invalid("database.url", e.to_string()))?;
    let sqlite_path = match backend {
        Backend::Sqlite => {
            let url = settings.database_url();
            let path = PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(&url));
            if path.exists() {
                return Err(Error::Conflict(format!(
                    "{} already exists: restore into a place with no database",
                    path.display()
                )));
            }
            Some(path)
        }
        Backend::Postgres => None,
    };
    let archive =
        std::fs::File::open(from).map_err(io(format!("cannot read {}", from.display())))?;
    let bytes = archive.metadata().map(|m| m.len()).unwrap_or(0);
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(format!("cannot create {}", parent.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".parvis-restore-")
        .tempdir_in(&parent)
        .map_err(io(format!("cannot write in {}", parent.display())))?;
    let damaged = |e: std::io::Error| {
        Error::invalid(
            "--from",
            format!("{} is not a whole Parvis backup: {e}", from.display()),
        )
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(
        archive,
    )));
    let mut manifest: Option<Manifest> = None;
    let mut dump: Option<(Engine, PathBuf)> = None;
    let mut files = 0;
    std::fs::create_dir(staging.path().join(FILES)).map_err(io("cannot stage the files"))?;
    for entry in tar.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let path = entry.path().map_err(damaged)?.into_owned();
        if !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(Error::invalid(
                "--from",
                format!(
                    "{} holds an unsafe path: {}",
                    from.display(),
                    path.display()
                ),
            ));
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let target = if path == Path::new(MANIFEST) {
            let mut text = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut text).map_err(damaged)?;
            let read: Manifest = serde_json::from_slice(&text).map_err(|e| {
                Error::invalid(
                    "--from",
                    format!("{} has no readable manifest: {e}", from.display()),
                )
            })?;
            if read.format != FORMAT {
                return Err(Error::invalid(
                    "--from",
                    format!(
                        "backup format {} (written by Parvis {}); this version reads format {FORMAT}",
                        read.format, read.parvis
                    ),
                ));
            }
            manifest = Some(read);
            continue;
        } else if path == Path::new(SQLITE_ENTRY) || path == Path::new(POSTGRES_ENTRY) {
            let engine = if path == Path::new(SQLITE_ENTRY) {
                Engine::Sqlite
            } else {
                Engine::Postgres
            };
            let target = staging.path().join(path.file_name().unwrap_or_default());
            dump = Some((engine, target.clone()));
            target
        } else if path.starts_with(FILES) {
            files += 1;
            staging.path().join(&path)
        } else {
            continue;
        };
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io("cannot stage the files"))?;
        }
        entry.unpack(&target).map_err(damaged)?;
    }
    if manifest.is_none() {
        return Err(Error::invalid(
            "--from",
            format!("{} is not a Parvis backup (no {MANIFEST})", from.display()),
        ));
    }
    let Some((engine, dump)) = dump else {
        return Err(Error::invalid(
            "--from",
            format!("{} holds no database", from.display()),
        ));
    };
    match (engine, sqlite_path) {
        (Engine::Sqlite, Some(path)) => {
            check_sqlite(&dump)?;
            // The database goes in the staged data directory if it lives there (the default), else in place.
            let staged = match path.strip_prefix(&data_dir) {
                Ok(relative) => staging.path().join(FILES).join(relative),
                Err(_) => path.clone(),
            };
            if let Some(dir) = staged.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(io(format!("cannot create {}", dir.display())))?;
            }
            move_file(&dump, &staged)?;
        }
        (Engine::Postgres, None) => pg_restore(&settings.database_url(), &dump)?,
        (Engine::Sqlite, None) => {
            return Err(Error::invalid(
                "database.url",
                "this backup is of an SQLite instance: restore it with no database.url (SQLite), then \
                 move it with `parvis admin copy-database`",
            ));
        }
        (Engine::Postgres, Some(_)) => {
            return Err(Error::invalid(
                "database.url",
                "this backup is of a PostgreSQL instance: set database.url to an empty PostgreSQL database",
            ));
        }
    }
    if data_dir.exists() {
        std::fs::remove_dir(&data_dir)
            .map_err(io(format!("cannot replace {}", data_dir.display())))?;
    }
    std::fs::rename(staging.path().join(FILES), &data_dir)
        .map_err(io(format!("cannot create {}", data_dir.display())))?;
    Ok(Summary {
        path: data_dir,
        bytes,
        files,
        postgres: engine == Engine::Postgres,
    })
}

fn move_file(from: &Path, to: &Path) -> Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to).map_err(io(format!("cannot write {}", to.display())))?;
    Ok(())
}

/// Refuses an SQLite copy that SQLite itself finds damaged.
fn check_sqlite(path: &Path) -> Result<()> {
    use diesel::{Connection, RunQueryDsl, sql_query, sql_types::Text};
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| {
        Error::invalid(
            "--from",
            format!("the database in the backup cannot be opened: {e}"),
        )
    })?;
    let checks: Vec<Check> = sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .map_err(|e| {
            Error::invalid(
                "--from",
                format!("the database in the backup is damaged: {e}"),
            )
        })?;
    match checks.first() {
        Some(c) if c.integrity_check == "ok" => Ok(()),
        other => Err(Error::invalid(
            "--from",
            format!(
                "the database in the backup is damaged: {}",
                other
                    .map(|c| c.integrity_check.as_str())
                    .unwrap_or("no answer")
            ),
        )),
    }
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

/// The URL without its password, and the password (given to the tool in its environment, not on its
/// command line where `ps` shows it).
fn split_password(url: &str) -> (String, Option<String>) {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let password = parsed.password().map(|p| {
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .to_string()
            });
            let _ = parsed.set_password(None);
            (parsed.to_string(), password)
        }
        Err(_) => (url.to_string(), None),
    }
}

fn run_pg(tool: &str, url: &str, args: &[&std::ffi::OsStr]) -> Result<()> {
    let program = pg_tool(tool)?;
    let (url, password) = split_password(url);
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

fn pg_restore(url: &str, dump: &Path) -> Result<()> {
    let db = Database::connect(url, Backend::Postgres, 1)?;
    let tables: i64 = db.run_blocking(|conn| {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let counted: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .get_result(conn)?;
        Ok(counted.n)
    })?;
    if tables > 0 {
        return Err(Error::Conflict(
            "the PostgreSQL database of database.url holds tables: restore into an empty database \
             (createdb a new one)"
                .into(),
        ));
    }
    run_pg(
        "pg_restore",
        url,
        &[
            "--no-owner".as_ref(),
            "--no-privileges".as_ref(),
            "--single-transaction".as_ref(),
            "--exit-on-error".as_ref(),
            dump.as_os_str(),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_command_line() {
        let (url, password) = split_password("postgres://parvis:s%40cret@db.local:5432/parvis");
        assert_eq!(url, "postgres://parvis@db.local:5432/parvis");
        assert_eq!(password.as_deref(), Some("s@cret"));
        let (url, password) = split_password("postgres://parvis@db.local/parvis");
        assert_eq!(url, "postgres://parvis@db.local/parvis");
        assert_eq!(password, None);
    }
}
