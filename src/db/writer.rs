//! Group commit on SQLite: one thread runs every transaction, and the transactions that arrive while it is
//! busy are run together and committed at once.
//!
//! SQLite takes one writer at a time, so transactions on several connections only queue for its lock; a
//! commit costs a write of every page the transaction changed to the write-ahead log. Gathered into one
//! transaction, the inbox's concurrent activities (each touching the same few index pages) write those pages
//! once per batch instead of once each.
//!
//! Each transaction runs inside its own savepoint: one that fails is rolled back alone, and its caller gets
//! its error while the others commit. No caller hears of success before the batch's `COMMIT` returned, so
//! what was acknowledged is as durable as before. If anything goes wrong with the batch itself (`BEGIN`,
//! a savepoint, or `COMMIT` failing), every transaction of the batch is rolled back and told so.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::r2d2;
use prometheus_client::metrics::histogram::Histogram;

use super::{AnyConnection, Manager};
use crate::error::{Error, Result};

/// The most transactions committed at once: enough to gather a full inbox burst, few enough that one batch
/// holds the write lock for milliseconds, not seconds.
const MAX_BATCH: usize = 256;

/// What the writer thread is handed: a transaction's work, and where its result goes.
trait Job: Send {
    /// Runs the work inside the batch's transaction (and the job's savepoint).
    fn run(self: Box<Self>, conn: &mut AnyConnection) -> Ran;
    /// Tells the caller its transaction was not run, and why.
    fn fail(self: Box<Self>, cause: &str);
}

/// A job that ran: whether its work succeeded (its savepoint is kept) and how to tell its caller once the
/// batch's fate is known (`Ok` once committed, `Err` with the cause of the batch's failure).
struct Ran {
    succeeded: bool,
    settle: Settle,
}

/// Tells a caller the fate of its transaction's batch.
type Settle = Box<dyn FnOnce(std::result::Result<(), &str>) + Send>;

struct Pending<T, F> {
    work: F,
    reply: tokio::sync::oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut AnyConnection) -> Ran {
        let Pending { work, reply } = *self;
        match work(conn) {
            Ok(value) => Ran {
                succeeded: true,
                settle: Box::new(move |committed| {
                    let _ = reply.send(committed.map(|()| value).map_err(batch_failed));
                }),
            },
            // Its own error, whatever became of the batch: it wrote nothing.
            Err(e) => Ran {
                succeeded: false,
                settle: Box::new(move |_| {
                    let _ = reply.send(Err(e));
                }),
            },
        }
    }

    fn fail(self: Box<Self>, cause: &str) {
        let _ = self.reply.send(Err(batch_failed(cause)));
    }
}

/// The error of a transaction rolled back with its batch: transient, as a busy or failing database is.
fn batch_failed(cause: &str) -> Error {
    Error::Internal(format!("database: {cause}"))
}

/// The handle to the writer thread; the thread ends when the last handle is dropped.
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread, which takes a connection from `pool` for each batch (its wait observed in
    /// `waits`) and observes the number of transactions of each batch in `batches`.
    pub(super) fn start(
        pool: r2d2::Pool<Manager>,
        waits: Histogram,
        batches: Histogram,
    ) -> Result<Writer> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&pool, &waits, &batches, &queue))
            .map_err(|e| Error::Unavailable(format!("cannot start the database writer: {e}")))?;
        Ok(Writer { jobs })
    }

    /// Queues `work` for the next batch at once (so that the order of calls is the order of the work); the
    /// future gives its result once the batch is committed.
    pub(super) fn submit<T, F>(&self, work: F) -> impl Future<Output = Result<T>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queued = self.jobs.send(Box::new(Pending { work, reply }));
        async move {
            queued.map_err(|_| Error::Unavailable("the database writer has stopped".into()))?;
            // Dropped without an answer: the work panicked (the writer rolled it back and went on).
            answer
                .await
                .map_err(|_| Error::internal("the transaction's work panicked"))?
        }
    }
}

/// The writer thread: waits for a transaction, gathers those queued behind it, runs them as one.
fn serve(
    pool: &r2d2::Pool<Manager>,
    waits: &Histogram,
    batches: &Histogram,
    queue: &mpsc::Receiver<Box<dyn Job>>,
) {
    let mut pending: VecDeque<Box<dyn Job>> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match queue.recv() {
                Ok(job) => pending.push_back(job),
                Err(mpsc::RecvError) => return,
            }
        }
        while pending.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => break,
            }
        }
        match super::timed_get(pool, waits) {
            Ok(mut conn) => run_batch(&mut conn, &mut pending, batches),
            Err(e) => {
                let cause = e.log_detail().unwrap_or_default().to_string();
                pending.drain(..).for_each(|job| job.fail(&cause));
            }
        }
    }
}

/// Runs the pending jobs (at most [`MAX_BATCH`]) in one transaction, and observes in `batches` how many it
/// took (run or failed) before any caller is answered. Jobs a broken batch did not reach stay pending, for
/// the next one.
fn run_batch(conn: &mut AnyConnection, pending: &mut VecDeque<Box<dyn Job>>, batches: &Histogram) {
    if let Err(e) = conn.batch_execute("BEGIN IMMEDIATE") {
        let cause = e.to_string();
        batches.observe(pending.len() as f64);
        pending.drain(..).for_each(|job| job.fail(&cause));
        return;
    }
    let mut ran: Vec<Ran> = Vec::with_capacity(pending.len().min(MAX_BATCH));
    let mut taken = 0;
    let mut broken: Option<String> = None;
    while taken < MAX_BATCH
        && let Some(job) = pending.pop_front()
    {
        taken += 1;
        if let Err(e) = conn.batch_execute("SAVEPOINT job") {
            job.fail(&e.to_string());
            broken = Some(e.to_string());
            break;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| job.run(conn)));
        let keep = matches!(&outcome, Ok(r) if r.succeeded);
        // A savepoint that cannot be released or rolled back to means SQLite itself gave up the transaction
        // (a full disk, an I/O error): what ran before in this batch is gone too.
        let closed = if keep {
            conn.batch_execute("RELEASE job")
        } else {
            conn.batch_execute("ROLLBACK TO job; RELEASE job")
        };
        if let Ok(r) = outcome {
            ran.push(r);
        } else {
            tracing::error!("a transaction's work panicked; it was rolled back alone");
        }
        if let Err(e) = closed {
            broken = Some(e.to_string());
            break;
        }
    }
    let fate = match broken {
        Some(cause) => Err(cause),
        None => conn.batch_execute("COMMIT").map_err(|e| e.to_string()),
    };
    if fate.is_err() {
        let _ = conn.batch_execute("ROLLBACK");
    }
    batches.observe(taken as f64);
    for r in ran {
        (r.settle)(fate.as_ref().map(|_| ()).map_err(String::as_str));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use crate::config::Backend;
    use crate::db::{AnyConnection, Database};
    use crate::error::{Error, Result};

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn database(dir: &tempfile::TempDir) -> Database {
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let db = Database::connect(&url, Backend::Sqlite, 4).unwrap();
        db.run_blocking(|c| {
            c.batch_execute("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)")?;
            Ok(())
        })
        .unwrap();
        db
    }

    fn insert(conn: &mut AnyConnection, v: i64) -> Result<i64> {
        diesel::sql_query("INSERT INTO t (v) VALUES (?)")
            .bind::<BigInt, _>(v)
            .execute(conn)?;
        Ok(v)
    }

    /// What another connection sees: only what was committed.
    fn committed(db: &Database) -> Vec<i64> {
        #[derive(QueryableByName)]
        struct V {
            #[diesel(sql_type = BigInt)]
            v: i64,
        }
        db.run_blocking(|c| Ok(diesel::sql_query("SELECT v FROM t ORDER BY v").load::<V>(c)?))
            .unwrap()
            .into_iter()
            .map(|r| r.v)
            .collect()
    }

    /// Transactions queued while one runs are committed together, each in its savepoint: the one that fails
    /// (half-way, after a write) and the one that panics are rolled back alone, with their callers told, and
    /// the others are committed and answered only after the commit.
    #[tokio::test]
    async fn a_batch_commits_together_and_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let writer = db.writer.clone().unwrap();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(writer.submit(move |c| {
            let v = insert(c, 1)?;
            started.send(()).map_err(Error::internal)?;
            wait.recv().map_err(Error::internal)?;
            Ok(v)
        }));
        running.recv().unwrap();
        // Queued while the first runs: they make the second batch.
        let mut queued = vec![];
        for v in 2..=6 {
            queued.push(writer.submit(move |c| insert(c, v)));
        }
        let failing = writer.submit(|c| {
            insert(c, 7)?;
            insert(c, 2) // taken by an earlier transaction of the same batch: fails on UNIQUE
        });
        let panicking = writer.submit(|c| -> Result<i64> {
            insert(c, 8)?;
            panic!("a bug in the work")
        });
        let last = writer.submit(|c| insert(c, 9));
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        for (v, q) in (2..).zip(queued) {
            assert_eq!(q.await.unwrap(), v);
        }
        let failed = failing.await.unwrap_err();
        assert!(failed.to_string().contains("internal"), "{failed:?}");
        assert!(
            format!("{failed:?}").contains("UNIQUE"),
            "the caller gets its own error: {failed:?}"
        );
        assert!(
            format!("{:?}", panicking.await.unwrap_err()).contains("panicked"),
            "a panic is an error for its caller"
        );
        assert_eq!(last.await.unwrap(), 9);
        assert_eq!(committed(&db), vec![1, 2, 3, 4, 5, 6, 9]);
        // One batch for the first, one for the seven queued behind it.
        let batches = db.commit_batches();
        let mut text = String::new();
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register("b", "b", batches);
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(text.contains("b_count 2\n"), "{text}");
        // 1 + 8 (the failing and panicking ones ran, and were rolled back).
        assert!(text.contains("b_sum 9.0\n"), "{text}");
    }

    /// A commit that fails (here: the database became read-only under the writer) fails every transaction of
    /// the batch, none of them is kept, and the writer goes on with the next batch.
    #[tokio::test]
    async fn a_failed_commit_fails_the_whole_batch() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&dir);
        let writer = db.writer.clone().unwrap();
        // The last work of the batch makes the commit itself fail: a deferred foreign key left violated.
        db.run_blocking(|c| {
            c.batch_execute(
                "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
                 CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
            )?;
            Ok(())
        })
        .unwrap();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(writer.submit(move |c| {
            started.send(()).map_err(Error::internal)?;
            wait.recv().map_err(Error::internal)?;
            insert(c, 1)
        }));
        running.recv().unwrap();
        let a = writer.submit(|c| insert(c, 2));
        let b = writer.submit(|c| {
            c.batch_execute("INSERT INTO child (p) VALUES (42)")?;
            Ok(0)
        });
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        for r in [a.await, b.await] {
            let e = r.unwrap_err();
            assert!(format!("{e:?}").contains("FOREIGN KEY"), "{e:?}");
            assert!(e.is_transient());
        }
        assert_eq!(committed(&db), vec![1]);
        let count = db
            .run_blocking(|c| {
                Ok(diesel::sql_query("SELECT count(*) AS n FROM child").get_result::<Count>(c)?)
            })
            .unwrap();
        assert_eq!(count.n, 0);
        // The writer is still there.
        assert_eq!(writer.submit(|c| insert(c, 3)).await.unwrap(), 3);
        assert_eq!(committed(&db), vec![1, 3]);
    }
}
