//! `parvis admin backup` and `restore` (the work itself is `ops::backup` and `ops::restore`): both run before
//! the database is opened the usual way, which would migrate it (under a running server of another version)
//! or create it (in the directory a restore needs empty).

use std::path::Path;

use crate::config::Settings;
use crate::error::{Error, Result};

/// `admin backup --to FILE`: the database as it is, and the data directory.
pub(super) async fn backup(
    settings: Settings,
    to: &Path,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let backend = settings
        .database_backend()
        .map_err(|e| Error::invalid("database.url", e.to_string()))?;
    let url = settings.database_url();
    if let Some(path) = url.strip_prefix("sqlite://")
        && !Path::new(path).is_file()
    {
        return Err(Error::invalid(
            "database.url",
            format!("there is no database at {path}: nothing to back up"),
        ));
    }
    let db = crate::db::Database::connect(&url, backend, 1)?;
    let done = crate::ops::backup::backup(&db, &settings, to).await?;
    writeln!(
        out,
        "backup written to {} ({} bytes): the database{}, with the actors' keys, and {} file(s)",
        done.path.display(),
        done.bytes,
        if done.postgres { " (by pg_dump)" } else { "" },
        done.files,
    )
    .map_err(Error::internal)
}

/// `admin restore --from FILE`: into an empty data directory (and database), then migrated.
pub(super) async fn restore(
    settings: Settings,
    from: &Path,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let done = crate::ops::restore::restore(&settings, from).await?;
    writeln!(
        out,
        "restored {} ({} bytes): {} file(s) into {}{}; the database is up to date",
        from.display(),
        done.bytes,
        done.files,
        done.path.display(),
        if done.postgres {
            ", the database with pg_restore"
        } else {
            ""
        },
    )
    .map_err(Error::internal)
}
