//! Moving up: copies a stopped SQLite instance into an empty PostgreSQL database (`parvis admin
//! copy-database`), every table with its ids, keys and media references, then checks the copy by counting.
//!
//! The two migration trees describe the same tables and columns (only the types differ: SQLite keeps
//! booleans as 0/1 and timestamps as text). Rows travel as JSON: SQLite writes a batch with `json_object`,
//! PostgreSQL reads it with `json_populate_recordset`, which converts each value to its column's type with
//! that type's own input rules. Nothing is listed by hand: the tables, columns and foreign keys are read from
//! the two catalogs, so a new migration needs no change here; a table or column one side has and the other
//! lacks stops the copy before anything is written.
//!
//! The copy is one PostgreSQL transaction: it lands whole or not at all.

use std::collections::{BTreeMap, BTreeSet};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::error::{Error, Result};

/// Rows per batch: a few hundred keep each JSON document well under a megabyte for ordinary rows.
const BATCH: i64 = 500;

/// Diesel's own bookkeeping: migrated on both sides by the same binary, never copied.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// One table's rows on each side after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub source: i64,
    pub target: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Edge {
    #[diesel(sql_type = Text)]
    child: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Batch {
    #[diesel(sql_type = Nullable<Text>)]
    rows: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last: Option<i64>,
}

/// A name from a catalog, quoted for SQL (names come from our own migrations, quoted all the same).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn copy_error(what: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("copy-database: {what}"))
}

/// The tables of the SQLite database that hold data: not SQLite's own, not Diesel's, and not the full-text
/// indexes (an FTS5 table and its shadow tables), which PostgreSQL builds from the rows themselves.
fn sqlite_tables(conn: &mut SqliteConnection) -> Result<BTreeSet<String>> {
    let all: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .load(conn)?;
    let virtual_tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    )
    .load(conn)?;
    let derived = |name: &str| {
        virtual_tables
            .iter()
            .any(|v| name == v.name || name.starts_with(&format!("{}_", v.name)))
    };
    Ok(all
        .into_iter()
        .map(|t| t.name)
        .filter(|t| t != MIGRATIONS_TABLE && !derived(t))
        .collect())
}

fn postgres_tables(conn: &mut PgConnection) -> Result<BTreeSet<String>> {
    let all: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .load(conn)?;
    Ok(all
        .into_iter()
        .map(|t| t.name)
        .filter(|t| t != MIGRATIONS_TABLE)
        .collect())
}

fn sqlite_columns(conn: &mut SqliteConnection, table: &str) -> Result<BTreeSet<String>> {
    let cols: Vec<Name> = diesel::sql_query("SELECT name FROM pragma_table_info(?)")
        .bind::<Text, _>(table)
        .load(conn)?;
    Ok(cols.into_iter().map(|c| c.name).collect())
}

fn postgres_columns(conn: &mut PgConnection) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let cols: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .load(conn)?;
    let mut by_table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in cols {
        by_table
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name);
    }
    Ok(by_table)
}

/// The tables in an order where every table comes after those its foreign keys point to (a table pointing
/// to itself, like a comment answering a comment, is copied in id order, parents first).
fn in_dependency_order(conn: &mut PgConnection, tables: &BTreeSet<String>) -> Result<Vec<String>> {
    let edges: Vec<Edge> = diesel::sql_query(
        "SELECT child.relname::text AS child, parent.relname::text AS parent \
         FROM pg_constraint c \
         JOIN pg_class child ON child.oid = c.conrelid \
         JOIN pg_class parent ON parent.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .load(conn)?;
    let mut waiting_on: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for e in &edges {
        if e.child != e.parent
            && let Some(parents) = waiting_on.get_mut(e.child.as_str())
        {
            parents.insert(e.parent.as_str());
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !waiting_on.is_empty() {
        let ready: Vec<&str> = waiting_on
            .iter()
            .filter(|(_, parents)| parents.is_empty())
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(copy_error(format!(
                "the foreign keys of {} form a cycle",
                waiting_on.keys().copied().collect::<Vec<_>>().join(", ")
            )));
        }
        for t in ready {
            waiting_on.remove(t);
            for parents in waiting_on.values_mut() {
                parents.remove(t);
            }
            order.push(t.to_string());
        }
    }
    Ok(order)
}

/// Refuses a target that already holds a commune's life: a local actor other than the instance's own (which
/// `parvis migrate` creates) or an account.
fn check_empty(conn: &mut PgConnection) -> Result<()> {
    let held: Count = diesel::sql_query(
        "SELECT (SELECT count(*) FROM actors WHERE kind <> 'application') \
              + (SELECT count(*) FROM accounts) AS n",
    )
    .get_result(conn)?;
    if held.n > 0 {
        return Err(Error::Conflict(
            "the target database already holds communes or accounts: copy-database fills an empty \
             PostgreSQL database only (create a new one, e.g. `createdb parvis`)"
                .into(),
        ));
    }
    Ok(())
}

/// Copies one table in batches of `BATCH` rows, in SQLite's row order.
fn copy_table(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    table: &str,
    columns: &BTreeSet<String>,
) -> Result<()> {
    let object = columns
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), quoted(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let read = format!(
        "SELECT json_group_array(json_object({object})) AS rows, max(parvis_rowid) AS last \
         FROM (SELECT rowid AS parvis_rowid, * FROM {} WHERE rowid > ? ORDER BY rowid LIMIT {BATCH})",
        quoted(table)
    );
    let list = columns
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let write = format!(
        "INSERT INTO {t} ({list}) OVERRIDING SYSTEM VALUE \
         SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json)",
        t = quoted(table)
    );
    let mut after = i64::MIN;
    loop {
        let batch: Batch = diesel::sql_query(&read)
            .bind::<BigInt, _>(after)
            .get_result(source)
            .map_err(|e| copy_error(format!("reading {table}: {e}")))?;
        let (Some(rows), Some(last)) = (batch.rows, batch.last) else {
            return Ok(());
        };
        diesel::sql_query(&write)
            .bind::<Text, _>(rows)
            .execute(target)
            .map_err(|e| copy_error(format!("writing {table}: {e}")))?;
        after = last;
    }
}

/// Moves every identity sequence past the ids copied, so that the next row PostgreSQL numbers is new.
fn advance_sequences(conn: &mut PgConnection) -> Result<()> {
    let numbered: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    )
    .load(conn)?;
    for c in numbered {
        diesel::sql_query(format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), \
             COALESCE((SELECT max({col}) FROM {t}), 0) + 1, false)",
            col = quoted(&c.column_name),
            t = quoted(&c.table_name),
        ))
        .bind::<Text, _>(quoted(&c.table_name))
        .bind::<Text, _>(&c.column_name)
        .execute(conn)
        .map_err(|e| copy_error(format!("numbering {}: {e}", c.table_name)))?;
    }
    Ok(())
}

fn count<C: Connection>(conn: &mut C, table: &str) -> Result<i64>
where
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Count>,
{
    let c: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {}", quoted(table)))
        .get_result(conn)?;
    Ok(c.n)
}

/// Copies `source` (migrated, its server stopped) into `target` (migrated by the same binary, holding no
/// commune or account): checks the two schemas agree, replaces whatever the target holds, copies every table
/// in foreign-key order, numbers the sequences, counts each table on both sides, and commits only if every
/// count agrees.
pub fn sqlite_to_postgres(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
) -> Result<Vec<Copied>> {
    check_empty(target)?;
    let from = sqlite_tables(source)?;
    let to = postgres_tables(target)?;
    if from != to {
        let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
            a.difference(b).cloned().collect::<Vec<_>>().join(", ")
        };
        return Err(copy_error(format!(
            "the two databases differ (only in SQLite: [{}]; only in PostgreSQL: [{}]); are both at this \
             version's migrations?",
            only(&from, &to),
            only(&to, &from)
        )));
    }
    let pg_columns = postgres_columns(target)?;
    let mut columns = BTreeMap::new();
    for table in &from {
        let sqlite = sqlite_columns(source, table)?;
        let pg = pg_columns.get(table).cloned().unwrap_or_default();
        if sqlite != pg {
            return Err(copy_error(format!(
                "the columns of {table} differ (SQLite: {sqlite:?}; PostgreSQL: {pg:?})"
            )));
        }
        columns.insert(table.clone(), sqlite);
    }
    let order = in_dependency_order(target, &to)?;

    // Readers of the SQLite file see one snapshot for the whole copy; the copy commits only once every table
    // counts the same on both sides.
    source.batch_execute("BEGIN")?;
    let copied = target.transaction(|target| {
        let all = order
            .iter()
            .map(|t| quoted(t))
            .collect::<Vec<_>>()
            .join(", ");
        target.batch_execute(&format!("TRUNCATE {all} RESTART IDENTITY CASCADE"))?;
        for table in &order {
            copy_table(source, target, table, &columns[table])?;
        }
        advance_sequences(target)?;
        let counts = order
            .iter()
            .map(|table| {
                Ok(Copied {
                    table: table.clone(),
                    source: count(source, table)?,
                    target: count(target, table)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(wrong) = counts.iter().find(|c| c.source != c.target) {
            return Err(copy_error(format!(
                "{} holds {} rows in SQLite and {} in PostgreSQL: nothing was written",
                wrong.table, wrong.source, wrong.target
            )));
        }
        Ok(counts)
    });
    source.batch_execute("COMMIT")?;
    let counts = copied?;
    Ok(counts)
}
