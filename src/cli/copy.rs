//! `parvis admin copy-database`: moving a stopped SQLite instance into PostgreSQL (the copy itself is
//! `db::copy`).

use crate::config::Settings;
use crate::error::{Error, Result};

/// `admin copy-database`: the SQLite database of these settings, its server stopped, into the PostgreSQL
/// database `to` (migrated here first); one line per table with its rows on each side.
pub(super) async fn copy_database(
    db: &crate::db::Database,
    settings: &Settings,
    to: String,
) -> Result<String> {
    use crate::config::Backend;
    use crate::db::AnyConnection;
    let from = settings.database_url();
    if db.backend() != Backend::Sqlite {
        return Err(Error::invalid(
            "database.url",
            "copy-database copies an SQLite instance; between PostgreSQL databases, use pg_dump",
        ));
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(Error::invalid(
            "--to",
            "the target must be a PostgreSQL URL (postgres://user@host/database)",
        ));
    }
    // Held until the copy ends: no server starts on the file meanwhile.
    let _stopped = crate::db::ServeLock::take(&from, Backend::Sqlite).map_err(|e| match e {
        Error::Conflict(_) => Error::Conflict(format!(
            "a `parvis serve` is running on {from}: stop it before copying its database (what it \
             writes during the copy would be lost)"
        )),
        e => e,
    })?;
    let shown = redacted(&to);
    let source = db.clone();
    let copied = tokio::task::spawn_blocking(move || {
        let target = crate::db::Database::connect(&to, Backend::Postgres, 1)?;
        target.migrate()?;
        source.run_blocking(|s| {
            target.run_blocking(|t| match (s, t) {
                (AnyConnection::Sqlite(s), AnyConnection::Postgresql(t)) => {
                    crate::db::copy::sqlite_to_postgres(s, t)
                }
                _ => Err(Error::internal("copy-database: unexpected engines")),
            })
        })
    })
    .await
    .map_err(Error::internal)??;
    let width = copied.iter().map(|c| c.table.len()).max().unwrap_or(0);
    let mut by_name: Vec<&crate::db::copy::Copied> = copied.iter().collect();
    by_name.sort_by(|a, b| a.table.cmp(&b.table));
    let mut lines: Vec<String> = by_name
        .iter()
        .map(|c| format!("{:width$}  {} rows", c.table, c.target))
        .collect();
    let rows: i64 = copied.iter().map(|c| c.target).sum();
    lines.push(format!(
        "copied {} tables, {rows} rows into {shown}; every table counted the same on both sides.\n\
         Media files stay in {}: keep `server.data_dir`, set `database.url` to the new database's URL and \
         start the server.",
        copied.len(),
        settings.server.data_dir.display()
    ));
    Ok(lines.join("\n"))
}

/// A database URL without its password, to print.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
