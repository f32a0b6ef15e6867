//! `parvis admin restore --from FILE`: a backup (see `ops::backup`) into an empty data directory, and into an
//! SQLite file or an empty PostgreSQL database.
//!
//! Everything is staged inside the data directory itself (its parent may belong to root, as `/var/lib`
//! does), then moved into place; the database comes last. On any failure the data directory is emptied again
//! (or removed, if the restore created it): a second try starts from where the first did.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::backup::{Engine, FILES, FORMAT, MANIFEST, Manifest, Summary, io, run_pg};
use crate::config::{Backend, Settings};
use crate::db::Database;
use crate::error::{Error, Result};

/// Directories made by a restore: the `parvis` user and group only.
const DIR_MODE: u32 = 0o750;
/// What a restored file may grant at most: nothing to others.
const MASK: u32 = 0o027;

/// Restores the backup `from` into the (empty or absent) data directory of `settings`, and into its database.
pub async fn restore(settings: &Settings, from: &Path) -> Result<Summary> {
    let (settings, from) = (settings.clone(), from.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut undo = Undo::prepare(&settings)?;
        let summary = read_backup(&settings, &from, &mut undo)?;
        // Opens and migrates: a backup of an older version comes up to this one, and a broken one says so.
        crate::app::open_database(&settings)?;
        undo.done = true;
        Ok(summary)
    })
    .await
    .map_err(Error::internal)?
}

/// What a failed restore takes back: the data directory's content (or the directory, if it made it), and an
/// SQLite file placed outside it.
struct Undo {
    data_dir: PathBuf,
    created: bool,
    outside: Option<PathBuf>,
    done: bool,
}

impl Undo {
    /// Checks the data directory is empty (or absent: it is made) and no SQLite file is in the way.
    fn prepare(settings: &Settings) -> Result<Undo> {
        let data_dir = settings.server.data_dir.clone();
        let created = !data_dir.exists();
        if created {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(&data_dir)
                .map_err(io(format!("cannot create {}", data_dir.display())))?;
        } else {
            let mut entries = std::fs::read_dir(&data_dir)
                .map_err(io(format!("cannot read {}", data_dir.display())))?;
            if entries.next().is_some() {
                return Err(Error::Conflict(format!(
                    "{} is not empty: a backup is restored into an empty data directory (move this one aside)",
                    data_dir.display()
                )));
            }
        }
        let undo = Undo {
            data_dir,
            created,
            outside: None,
            done: false,
        };
        if let Some(path) = sqlite_path(settings)?.filter(|p| p.exists()) {
            return Err(Error::Conflict(format!(
                "{} already exists: restore into a place with no database",
                path.display()
            )));
        }
        Ok(undo)
    }
}

impl Drop for Undo {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(path) = &self.outside {
            let _ = std::fs::remove_file(path);
        }
        if self.created {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        } else if let Ok(entries) = std::fs::read_dir(&self.data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
}

/// The SQLite file of these settings, if their database is SQLite.
fn sqlite_path(settings: &Settings) -> Result<Option<PathBuf>> {
    let backend = settings
        .database_backend()
        .map_err(|e| Error::invalid("database.url", e.to_string()))?;
    Ok((backend == Backend::Sqlite).then(|| {
        let url = settings.database_url();
        PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(&url))
    }))
}

fn make_dirs(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(io(format!("cannot create {}", dir.display())))
}

fn read_backup(settings: &Settings, from: &Path, undo: &mut Undo) -> Result<Summary> {
    let data_dir = undo.data_dir.clone();
    let archive =
        std::fs::File::open(from).map_err(io(format!("cannot read {}", from.display())))?;
    let bytes = archive.metadata().map(|m| m.len()).unwrap_or(0);
    let staging = tempfile::Builder::new()
        .prefix(".parvis-restore-")
        .tempdir_in(&data_dir)
        .map_err(io(format!("cannot write in {}", data_dir.display())))?;
    let damaged = |e: std::io::Error| {
        Error::invalid(
            "--from",
            format!("{} is not a whole Parvis backup: {e}", from.display()),
        )
    };
    let staged_files = staging.path().join(FILES);
    make_dirs(&staged_files)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(
        archive,
    )));
    tar.set_mask(MASK);
    let mut manifest: Option<Manifest> = None;
    let mut dump: Option<(Engine, PathBuf)> = None;
    let mut files = 0;
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
            manifest = Some(read_manifest(&text, from)?);
            continue;
        } else if let Some(engine) = Engine::of_entry(&path) {
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
            make_dirs(dir)?;
        }
        entry.unpack(&target).map_err(damaged)?;
    }
    // To the end of the stream: gzip's checksum is checked there.
    std::io::copy(&mut tar.into_inner(), &mut std::io::sink()).map_err(damaged)?;
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
    // SQLite: checked, then placed with the files (or beside them); PostgreSQL: restored last.
    match (engine, sqlite_path(settings)?) {
        (Engine::Sqlite, Some(path)) => {
            check_sqlite(&dump)?;
            std::fs::set_permissions(&dump, std::fs::Permissions::from_mode(0o600))
                .map_err(io("cannot protect the database"))?;
            match path.strip_prefix(&data_dir) {
                Ok(relative) => {
                    let staged = staged_files.join(relative);
                    if let Some(dir) = staged.parent() {
                        make_dirs(dir)?;
                    }
                    move_file(&dump, &staged)?;
                }
                Err(_) => {
                    if let Some(dir) = path.parent() {
                        make_dirs(dir)?;
                    }
                    undo.outside = Some(path.clone());
                    move_file(&dump, &path)?;
                }
            }
            move_into(&staged_files, &data_dir)?;
        }
        (Engine::Postgres, None) => {
            move_into(&staged_files, &data_dir)?;
            pg_restore(&settings.database_url(), &dump)?;
        }
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
    Ok(Summary {
        path: data_dir,
        bytes,
        files,
        postgres: engine == Engine::Postgres,
    })
}

fn read_manifest(text: &[u8], from: &Path) -> Result<Manifest> {
    let read: Manifest = serde_json::from_slice(text).map_err(|e| {
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
    Ok(read)
}

/// Moves every entry of `staged` into `dir` (the same file system: renames).
fn move_into(staged: &Path, dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(staged).map_err(io("cannot read the staged files"))?;
    for entry in entries {
        let entry = entry.map_err(io("cannot read the staged files"))?;
        let to = dir.join(entry.file_name());
        std::fs::rename(entry.path(), &to)
            .map_err(io(format!("cannot create {}", to.display())))?;
    }
    Ok(())
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

/// `pg_restore` into the database of `url`, which must hold no table yet.
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
