//! SQLite backend: one file, write-ahead log, one writer connection.
//!
//! SQLite allows one writer at a time. Instead of letting several connections fight for the
//! write lock (and fail with `SQLITE_BUSY` once `busy_timeout` runs out, or at once when a read
//! transaction tries to upgrade), every write of this process — responses and sessions — goes
//! through a pool of exactly one connection, so writers queue in the pool, in order, without
//! errors. Readers (export, counts, estimates) use a separate pool: in WAL mode they never block
//! the writer nor wait for it. `busy_timeout` still covers another process on the same file
//! (`mizan export` while `serve` runs, or a restarted server).
//!
//! Submissions and session saves go through a writer task that commits them in batches (see
//! [`write_batches`]); session loads read through the reader pool.
//!
//! Durability: a submission (or session save) is acknowledged only after the `COMMIT` of its
//! batch has returned. With `synchronous=NORMAL` in WAL mode a commit is appended to the log
//! but not fsynced (the log is fsynced at checkpoints): a process crash (SIGKILL, panic, OOM
//! kill) loses nothing that was committed, because the log is in the OS page cache, and the
//! file stays consistent. An operating-system crash or a power cut, however, can lose the last
//! transactions committed before it (never corrupt the file) — responses that the person saw
//! acknowledged. `synchronous=FULL` would close that window at the cost of one fsync per
//! batch; that trade-off is documented for operators in docs/postgres.md.

use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use std::sync::Arc;

use super::health::{Fault, Health};
use super::{
    AnswerRow, Marker, RawResponse, ResponseRow, Stored, StoredResponse, decode_answer_row,
};
use tokio::sync::{mpsc, oneshot};

use crate::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

#[derive(Debug, Clone)]
pub(super) struct Pools {
    /// Exactly one connection: every write goes through it.
    pub(super) writer: SqlitePool,
    pub(super) reader: SqlitePool,
    /// Queue of the writer task that commits submissions in batches.
    submissions: mpsc::Sender<Pending>,
    pub(super) health: Arc<Health>,
    /// The database file (none in memory), whose disk's free space is watched.
    pub(super) file: Option<std::path::PathBuf>,
}

/// How long a statement waits for a lock held by another process before it gives up.
const BUSY_WAIT: Duration = Duration::from_secs(5);
/// How long a request waits for its write to be committed (queue plus lock) before it is told
/// to try again: a person never watches a spinner for longer than this.
const WRITE_WAIT: Duration = Duration::from_secs(10);

pub(super) async fn connect(url: &str, health: Arc<Health>) -> Result<Pools> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_WAIT)
        .foreign_keys(true)
        // Deleted and overwritten content (an answer in progress replaced by the next page's
        // save, a purged session) is overwritten with zeros instead of lingering in free space.
        .pragma("secure_delete", "ON");
    let file = {
        let f = options.get_filename();
        (!url.contains(":memory:") && !url.contains("mode=memory") && !f.as_os_str().is_empty())
            .then(|| f.to_path_buf())
    };
    // `test_before_acquire(false)`: the default pings a connection on every acquire, one
    // more round trip to SQLite's worker thread for each statement; an embedded file
    // connection cannot go stale the way a network connection can.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(WRITE_WAIT)
        .connect_with(options.clone())
        .await?;
    MIGRATOR.run(&writer).await?;
    tower_sessions_sqlx_store::SqliteStore::new(writer.clone())
        .migrate()
        .await?;
    // An in-memory database exists only inside its one connection: read through it too.
    let reader = if url.contains(":memory:") || url.contains("mode=memory") {
        writer.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .acquire_timeout(WRITE_WAIT)
            .connect_with(options)
            .await?
    };
    let (submissions, queue) = mpsc::channel(4 * MAX_BATCH);
    spawn_writer(writer.clone(), queue, health.clone())?;
    Ok(Pools {
        writer,
        reader,
        submissions,
        health,
        file,
    })
}

impl Pools {
    /// Hand the response to the writer task and wait until its batch is committed (or found
    /// to be a duplicate). The answer comes only after the commit: an acknowledged submission
    /// is in the database.
    pub(super) async fn store_response(&self, row: ResponseRow) -> Result<Stored> {
        match self.write(Write::Response(row)).await? {
            Written::Response(stored) => Ok(stored),
            _ => Err(Error::Other("the database writer mixed up replies".into())),
        }
    }

    /// Insert or replace a session record (`create`: insert only, `false` when the id is
    /// taken), committed with the batch it joins.
    pub(super) async fn write_session(&self, session: SessionRow) -> Result<bool> {
        match self.write(Write::Session(session)).await? {
            Written::Session(done) => Ok(done),
            _ => Err(Error::Other("the database writer mixed up replies".into())),
        }
    }

    /// A real write (one row of `mizan_health`, the day only) through the writer: the only
    /// sure test that the disk, the file and the lock let writes through.
    pub(super) async fn probe_write(&self) -> Result<()> {
        match self.write(Write::Probe).await? {
            Written::Probe => Ok(()),
            _ => Err(Error::Other("the database writer mixed up replies".into())),
        }
    }

    /// Queue a write and wait, at most [`WRITE_WAIT`], for its commit. A write still queued
    /// when the wait ends may be committed later: a response is then stored, and the person's
    /// retry with the same submission key finds it (never a second row).
    async fn write(&self, write: Write) -> Result<Written> {
        let (reply, outcome) = oneshot::channel();
        let stopped = || Error::Other("the database writer has stopped".into());
        let waited = tokio::time::timeout(WRITE_WAIT, async {
            self.submissions
                .send((write, reply))
                .await
                .map_err(|_| stopped())?;
            outcome.await.map_err(|_| stopped())?
        })
        .await;
        match waited {
            Ok(outcome) => outcome,
            Err(_) => {
                self.health.record(Fault::Locked);
                Err(Error::Unavailable(Fault::Locked))
            }
        }
    }
}

/// A session record as the tower-sessions SQLite store keeps it (same table, same encoding),
/// so that its `load` and `delete_expired` read what the writer task wrote.
pub(super) struct SessionRow {
    pub(super) id: String,
    /// The MessagePack-encoded record.
    pub(super) data: Vec<u8>,
    pub(super) expiry: time::OffsetDateTime,
    /// Insert only (a new session): the id must not be taken.
    pub(super) create: bool,
}

/// One write for the writer task.
enum Write {
    Response(ResponseRow),
    Session(SessionRow),
    Probe,
}

/// Its outcome: for a session, whether the row was written (false: `create` found the id
/// taken).
enum Written {
    Response(Stored),
    Session(bool),
    Probe,
}

/// A write waiting for the writer, with where to send its outcome.
type Pending = (Write, oneshot::Sender<Result<Written>>);

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// Run [`write_batches`] on a thread of its own (with a one-thread runtime), not among the
/// request handlers' tasks. Every statement of a batch is a round trip to SQLite's worker
/// thread; a writer task on the shared runtime waited behind the HTTP tasks after each one,
/// and that waiting, not SQLite, capped submissions (measured with `benches/http_submit.rs`:
/// 2,100 → 2,600 final submits/s from this alone). The thread ends when the last sender of
/// the queue (the last clone of the pools) is dropped.
fn spawn_writer(
    pool: SqlitePool,
    queue: mpsc::Receiver<Pending>,
    health: Arc<Health>,
) -> Result<()> {
    // Timers only: SQLite's worker threads do the IO, and a runtime without an IO driver
    // parks on a condition variable, cheaper to wake than its epoll.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the database writer: {e}")))?;
    std::thread::Builder::new()
        .name("mizan-writer".into())
        .spawn(move || runtime.block_on(write_batches(pool, queue, health)))
        .map_err(|e| Error::Other(format!("cannot start the database writer: {e}")))?;
    Ok(())
}

/// Consecutive batches committed on one connection before it goes back to the pool, so that
/// the other writes of the process (accounts, kiosks, layouts) get their turn under load.
const BATCHES_PER_HOLD: usize = 32;

/// Group commit. A SQLite commit costs far more than the inserts it commits (hundreds of
/// microseconds against tens here), and only one can run at a time, so the writer takes every
/// write that arrived while the previous transaction was committing and commits them together.
/// Under light load a batch is one write and nothing waits; under heavy load throughput grows
/// with the batch instead of collapsing into a queue for the write lock. Session saves (every
/// answered page) share the batches: measured with `benches/http_submit.rs`, they were most of
/// the single connection's transactions.
async fn write_batches(pool: SqlitePool, mut queue: mpsc::Receiver<Pending>, health: Arc<Health>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    // Whether the files hold writes not yet scrubbed (see `scrub`), and whether responses are
    // among them (only then are pages rebuilt).
    let mut dirty = false;
    let mut new_responses = false;
    // The writer connection, kept while writes keep coming: taking it from the pool and
    // giving it back costs a round trip each (sqlx pings a connection on its return).
    let mut held: Option<(sqlx::pool::PoolConnection<sqlx::Sqlite>, usize)> = None;
    loop {
        if queue.is_empty() || held.as_ref().is_some_and(|(_, n)| *n >= BATCHES_PER_HOLD) {
            held = None;
        }
        let received = if dirty {
            match tokio::time::timeout(SCRUB_AFTER_QUIET, queue.recv_many(&mut batch, MAX_BATCH))
                .await
            {
                Ok(n) => n,
                Err(_) => {
                    // Quiet: nothing written for a while.
                    dirty = !scrub(&pool, new_responses).await;
                    new_responses &= dirty;
                    continue;
                }
            }
        } else {
            queue.recv_many(&mut batch, MAX_BATCH).await
        };
        if received == 0 {
            break;
        }
        // Writes whose requests gave up waiting are still committed (see `Pools::write`).
        let writes: Vec<&Write> = batch.iter().map(|(w, _)| w).collect();
        match store_batch(&pool, &mut held, &writes).await {
            Ok(outcomes) => {
                health.clear();
                // The health probe's row says nothing about anyone: no scrub for it alone.
                dirty |= writes.iter().any(|w| !matches!(w, Write::Probe));
                new_responses |= writes.iter().any(|w| matches!(w, Write::Response(_)));
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) if batch.len() == 1 => {
                health.record_error(&e);
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) if e.storage_fault().is_some() => {
                // The storage refuses every write alike: retrying each alone would only keep
                // the others waiting. Nothing of the batch was committed.
                health.record_error(&e);
                let fault = e.storage_fault().unwrap_or(Fault::Unreachable);
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(Error::Unavailable(fault)));
                }
            }
            Err(_) => {
                // Nothing of the batch was committed. One failing write must not fail the
                // others: store each on its own.
                for (write, reply) in batch.drain(..) {
                    let outcome = store_batch(&pool, &mut held, &[&write])
                        .await
                        .and_then(|mut o| o.pop().ok_or_else(|| Error::Other("no outcome".into())));
                    if let Err(e) = &outcome {
                        health.record_error(e);
                    }
                    let _ = reply.send(outcome);
                }
            }
        }
    }
}

/// How long the writer waits with no write before it scrubs the files.
const SCRUB_AFTER_QUIET: Duration = Duration::from_secs(2);
/// Databases up to this size are rebuilt by `VACUUM` at each scrub (a few hundred milliseconds
/// at most on this kind of machine); larger ones by `mizan scrub`, at a quiet hour.
const VACUUM_UP_TO_BYTES: i64 = 64 * 1024 * 1024;

/// Remove what the database files remember of the order and time of recent writes.
///
/// The write-ahead log appends every commit, in order: replaying it gives the exact sequence
/// of submissions and, next to each, the session saved in the same moment. A checkpoint alone
/// copies the pages into the main file but leaves the log's bytes in place, so the log is
/// truncated to zero bytes. Inside a page, SQLite places each new row below the previous
/// ones, so byte offsets still order the rows of one page by arrival; `VACUUM` rebuilds every
/// page in key (random id) order. Returns true when the log was emptied (false: a reader
/// still used it, or a write failed; the writer tries again after the next quiet spell).
async fn scrub(pool: &SqlitePool, rebuild_pages: bool) -> bool {
    use sqlx::Executor;
    let Ok(mut conn) = pool.acquire().await else {
        return false;
    };
    let size: Option<(i64, i64)> =
        sqlx::query_as("SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()")
            .fetch_optional(&mut *conn)
            .await
            .ok()
            .flatten();
    if rebuild_pages && size.is_some_and(|(pages, page)| pages * page <= VACUUM_UP_TO_BYTES) {
        if let Err(e) = conn.execute("VACUUM").await {
            tracing::warn!(error = %e, "VACUUM at a quiet spell failed");
        }
    }
    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await
    {
        Ok((busy, _, _)) => busy == 0,
        Err(e) => {
            tracing::debug!(error = %e, "checkpoint at a quiet spell failed");
            false
        }
    }
}

/// Apply the writes in one transaction; the outcomes come back in the same order. A
/// submission key repeated within the batch is a duplicate of its first occurrence.
///
/// A failed statement or `COMMIT` (a full disk, an I/O error) can leave the connection inside
/// its transaction — SQLite keeps a transaction open after a failed COMMIT, and the next BEGIN
/// on it then fails forever. A connection in an unknown state is not repaired but closed:
/// SQLite rolls back on close and the pool opens a fresh one for the next batch.
async fn store_batch(
    pool: &SqlitePool,
    held: &mut Option<(sqlx::pool::PoolConnection<sqlx::Sqlite>, usize)>,
    writes: &[&Write],
) -> Result<Vec<Written>> {
    let (mut conn, batches) = match held.take() {
        Some(h) => h,
        None => (pool.acquire().await?, 0),
    };
    match apply_batch(&mut conn, writes).await {
        Ok(outcomes) => {
            *held = Some((conn, batches + 1));
            Ok(outcomes)
        }
        Err(e) => {
            let _ = conn.close().await;
            Err(e)
        }
    }
}

async fn apply_batch(conn: &mut sqlx::SqliteConnection, writes: &[&Write]) -> Result<Vec<Written>> {
    use sqlx::Executor;
    if let [Write::Session(session)] = writes {
        // One statement alone: autocommit spares the BEGIN and COMMIT round trips.
        return Ok(vec![Written::Session(
            write_session(conn, session, Wrap::default()).await?,
        )]);
    }
    // IMMEDIATE: take the write lock up front, so the transaction never has to upgrade a read
    // lock (the one case busy_timeout cannot resolve) when another process holds the file.
    //
    // Each statement sent is a round trip to SQLite's worker thread, so BEGIN travels with the
    // first write's statements and COMMIT with the last one's. A quota write runs several
    // statements of its own, inside a savepoint: such a batch sends BEGIN and COMMIT alone.
    let with_quotas = writes
        .iter()
        .any(|w| matches!(w, Write::Response(r) if !r.places.is_empty()));
    if with_quotas {
        conn.execute("BEGIN IMMEDIATE").await?;
    }
    let last = writes.len().saturating_sub(1);
    let mut outcomes = Vec::with_capacity(writes.len());
    for (i, write) in writes.iter().enumerate() {
        let wrap = Wrap {
            begin: !with_quotas && i == 0,
            commit: !with_quotas && i == last,
        };
        outcomes.push(match write {
            Write::Response(row) => Written::Response(store_row(conn, row, wrap).await?),
            Write::Session(session) => Written::Session(write_session(conn, session, wrap).await?),
            Write::Probe => {
                let sql = wrap.around(
                    "INSERT INTO mizan_health (id, probed_on) VALUES (1, ?) \
                     ON CONFLICT (id) DO UPDATE SET probed_on = excluded.probed_on",
                );
                let query = sqlx::query(&sql).bind(iso_day(time::OffsetDateTime::now_utc().date()));
                wrap.execute(query, conn).await?;
                Written::Probe
            }
        });
    }
    if with_quotas {
        conn.execute("COMMIT").await?;
    }
    Ok(outcomes)
}

/// Whether a write's statements open the batch's transaction or commit it (see
/// [`apply_batch`]). BEGIN and COMMIT change no rows, so row counts are unchanged.
#[derive(Debug, Clone, Copy, Default)]
struct Wrap {
    begin: bool,
    commit: bool,
}

impl Wrap {
    fn around(self, sql: &str) -> String {
        format!(
            "{}{sql}{}",
            if self.begin { "BEGIN IMMEDIATE; " } else { "" },
            if self.commit { "; COMMIT" } else { "" }
        )
    }

    /// Run the statements of [`Wrap::around`] and count the rows the write's own statements
    /// changed. Not `execute`'s total: SQLite reports, for BEGIN and COMMIT, the count of the
    /// last insert or update before them.
    async fn execute<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
        conn: &mut sqlx::SqliteConnection,
    ) -> Result<u64> {
        use futures::TryStreamExt;
        let mut counts = Vec::with_capacity(6);
        #[allow(deprecated)] // several statements in one query: SQLite only, as used here
        let mut results = query.fetch_many(&mut *conn);
        while let Some(result) = results.try_next().await? {
            if let sqlx::Either::Left(done) = result {
                counts.push(done.rows_affected());
            }
        }
        let from = usize::from(self.begin);
        let to = counts.len().saturating_sub(usize::from(self.commit));
        Ok(counts.get(from..to).map_or(0, |c| c.iter().sum()))
    }
}

async fn write_session(
    conn: &mut sqlx::SqliteConnection,
    s: &SessionRow,
    wrap: Wrap,
) -> Result<bool> {
    // The SQL of tower-sessions-sqlx-store's SqliteStore (`create` without its retry loop:
    // the caller draws a new id and asks again).
    let sql = if s.create {
        "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?) \
         ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date"
    };
    let sql = wrap.around(sql);
    let query = sqlx::query(&sql).bind(&s.id).bind(&s.data).bind(s.expiry);
    Ok(wrap.execute(query, conn).await? == 1)
}

/// Claim the submission key and insert the response if the claim was new.
async fn store_row(
    conn: &mut sqlx::SqliteConnection,
    row: &ResponseRow,
    wrap: Wrap,
) -> Result<Stored> {
    if !row.places.is_empty() {
        return store_row_in_quotas(conn, row).await;
    }
    // Claim and insert in one round trip to the connection's thread: the response (and its
    // cells and count) are inserted only when the claim inserted a row (`changes()` is the
    // previous statement's row count).
    let day = iso_day(row.submitted_on);
    let sql = wrap.around(&format!(
        "INSERT INTO submission_keys (key_hash, claimed_on) VALUES (?, ?) \
         ON CONFLICT DO NOTHING; {}",
        row_sql(row, true)
    ));
    let query = sqlx::query(&sql).bind(&row.key_hash).bind(&day);
    let written = wrap.execute(bind_row(query, row, &day), conn).await?;
    let expected = 1 + row_rows(row);
    match written {
        0 => Ok(Stored::Duplicate),
        n if n == expected => Ok(Stored::New),
        n => Err(Error::Other(format!(
            "storing a response wrote {n} rows instead of {expected}"
        ))),
    }
}

/// The response row, its cells (when the layout is known) and the survey's count. `after_claim`:
/// the row is inserted only if the statement before it changed a row (the key claim).
fn row_sql(row: &ResponseRow, after_claim: bool) -> String {
    let response = if after_claim {
        "INSERT INTO responses \
         (id, survey_id, survey_version, lang, channel, source, metadata, submitted_on, \
         answers) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1; "
    } else {
        "INSERT INTO responses \
         (id, survey_id, survey_version, lang, channel, source, metadata, submitted_on, \
         answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?); "
    };
    let rest = if row.cells.is_some() {
        "INSERT INTO response_cells (survey_id, id, cells) \
         SELECT ?, ?, ? WHERE changes() = 1; \
         INSERT INTO survey_counts (survey_id, shard, responses, cells) \
         SELECT ?, 0, 1, 1 WHERE changes() = 1 \
         ON CONFLICT (survey_id, shard) DO UPDATE \
         SET responses = responses + 1, cells = cells + 1"
    } else {
        "INSERT INTO survey_counts (survey_id, shard, responses, cells) \
         SELECT ?, 0, 1, 0 WHERE changes() = 1 \
         ON CONFLICT (survey_id, shard) DO UPDATE SET responses = responses + 1"
    };
    format!("{response}{rest}")
}

/// Rows [`row_sql`] writes.
fn row_rows(row: &ResponseRow) -> u64 {
    if row.cells.is_some() { 3 } else { 2 }
}

fn bind_row<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    row: &'q ResponseRow,
    day: &'q str,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let mut query = query
        .bind(row.id.hyphenated().to_string())
        .bind(&row.survey_id)
        .bind(&row.survey_version)
        .bind(row.lang)
        .bind(&row.channel)
        .bind(&row.source)
        .bind(&row.metadata)
        .bind(day)
        .bind(&row.answers);
    if let Some(cells) = &row.cells {
        query = query
            .bind(&row.survey_id)
            .bind(row.id.hyphenated().to_string())
            .bind(cells);
    }
    query.bind(&row.survey_id)
}

/// [`store_row`] for a response that takes quota places. Inside the batch's transaction, a
/// savepoint makes the key claim, the places and the row one unit: a full cell undoes the
/// claim and the places taken before it, and the other writes of the batch go on. The key is
/// claimed first, so a retry of a stored response is a duplicate, never "full".
async fn store_row_in_quotas(
    conn: &mut sqlx::SqliteConnection,
    row: &ResponseRow,
) -> Result<Stored> {
    use sqlx::Executor;
    let day = iso_day(row.submitted_on);
    conn.execute("SAVEPOINT quota_places").await?;
    let claimed = sqlx::query(
        "INSERT INTO submission_keys (key_hash, claimed_on) VALUES (?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(&row.key_hash)
    .bind(&day)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        conn.execute("RELEASE quota_places").await?;
        return Ok(Stored::Duplicate);
    }
    for place in &row.places {
        if !super::quotas::take_place_sqlite(conn, &row.survey_id, place).await? {
            conn.execute("ROLLBACK TO quota_places; RELEASE quota_places")
                .await?;
            return Ok(Stored::QuotaFull);
        }
    }
    let sql = row_sql(row, false);
    let written = bind_row(sqlx::query(&sql), row, &day)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if written != row_rows(row) {
        return Err(Error::Other(format!(
            "storing a response wrote {written} rows instead of {}",
            row_rows(row)
        )));
    }
    conn.execute("RELEASE quota_places").await?;
    Ok(Stored::New)
}

pub(super) async fn count_responses(pools: &Pools, survey_id: &str) -> Result<u64> {
    Ok(change_marker(&pools.reader, survey_id).await?.responses)
}

pub(super) async fn change_marker(pool: &SqlitePool, survey_id: &str) -> Result<Marker> {
    let (responses, cells): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(responses), 0), COALESCE(SUM(cells), 0) FROM survey_counts \
         WHERE survey_id = ?",
    )
    .bind(survey_id)
    .fetch_one(pool)
    .await?;
    Ok(Marker {
        responses: responses.max(0) as u64,
        cells: cells.max(0) as u64,
    })
}

pub(super) async fn store_layout(
    pools: &Pools,
    survey_id: &str,
    version: &str,
    layout: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO cell_layouts (survey_id, survey_version, layout) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(survey_id)
    .bind(version)
    .bind(layout)
    .execute(&pools.writer)
    .await?;
    Ok(())
}

pub(super) async fn cell_layouts(
    pool: &SqlitePool,
    survey_id: &str,
) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT survey_version, layout FROM cell_layouts WHERE survey_id = ?")
            .bind(survey_id)
            .fetch_all(pool)
            .await?,
    )
}

/// Up to a chunk of the survey's responses without cells, after the id `after`, in id order.
pub(super) async fn lacking_cells(
    pools: &Pools,
    survey_id: &str,
    after: &str,
) -> Result<Vec<RawResponse>> {
    Ok(sqlx::query_as::<_, RawResponse>(
        "SELECT id, survey_version, submitted_on, lang, channel, source, metadata, answers \
         FROM responses r WHERE survey_id = ? AND id > ? AND NOT EXISTS \
         (SELECT 1 FROM response_cells c WHERE c.survey_id = r.survey_id AND c.id = r.id) \
         ORDER BY id LIMIT 2000",
    )
    .bind(survey_id)
    .bind(after)
    .fetch_all(&pools.writer)
    .await?)
}

/// Insert backfilled cells and count them, in one transaction.
pub(super) async fn insert_cells(
    pools: &Pools,
    survey_id: &str,
    rows: &[(String, Vec<u8>)],
) -> Result<u64> {
    let mut tx = pools.writer.begin().await?;
    let mut n = 0;
    for (id, cells) in rows {
        n += sqlx::query(
            "INSERT INTO response_cells (survey_id, id, cells) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(survey_id)
        .bind(id)
        .bind(cells)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    sqlx::query(
        "INSERT INTO survey_counts (survey_id, shard, responses, cells) VALUES (?, 0, 0, ?) \
         ON CONFLICT (survey_id, shard) DO UPDATE SET cells = cells + excluded.cells",
    )
    .bind(survey_id)
    .bind(n as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(n)
}

pub(super) async fn export_cells(
    pools: &Pools,
    survey_id: &str,
    keys: &[&str],
    mut f: impl FnMut(&str, &[u8], Vec<Option<crate::survey::Answer>>) -> Result<()> + Send,
) -> Result<u64> {
    use futures::TryStreamExt;
    let n = keys.len();
    let sql = export_sql(n);
    let Some(file) = &pools.file else {
        let mut query = sqlx::query(sql);
        for key in keys {
            query = query.bind(format!("$.\"{key}\""));
        }
        let mut rows = query.bind(survey_id).fetch(&pools.reader);
        let mut count = 0;
        while let Some(row) = rows.try_next().await? {
            let (id, cells, texts) = super::decode_export_row(&row, n)?;
            f(id, cells, texts)?;
            count += 1;
        }
        return Ok(count);
    };
    let mut params: Vec<String> = keys.iter().map(|k| format!("$.\"{k}\"")).collect();
    params.push(survey_id.to_string());
    let mut chunks = super::sqlite_scan::read_chunks(file, sql.to_string(), params, 2 + n);
    let mut count = 0;
    let bad = || Error::Other("stored answer is not valid".into());
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        for row in 0..chunk.rows() {
            let id =
                std::str::from_utf8(chunk.field(row, 0).unwrap_or_default()).map_err(|_| bad())?;
            let mut texts = Vec::with_capacity(n);
            for i in 0..n {
                texts.push(match chunk.field(row, 2 + i) {
                    None => None,
                    Some(json) => serde_json::from_slice::<Option<crate::survey::Answer>>(json)
                        .map_err(|e| Error::Other(format!("stored answer is not valid: {e}")))?,
                });
            }
            f(id, chunk.field(row, 1).unwrap_or_default(), texts)?;
            count += 1;
        }
    }
    Ok(count)
}

/// The export's query: id, cells and the JSON text of each of `n` typed-text answers
/// (parameters: the `n` JSON paths, then the survey id).
fn export_sql(n: usize) -> &'static str {
    super::interned_sql("sqlite-export", n, || {
        if n == 0 {
            return "SELECT id, cells FROM response_cells WHERE survey_id = ? ORDER BY id".into();
        }
        let mut sql = String::from("SELECT c.id, c.cells");
        for _ in 0..n {
            sql.push_str(", r.answers -> ?");
        }
        sql.push_str(
            " FROM response_cells c JOIN responses r ON r.survey_id = c.survey_id AND r.id = c.id \
             WHERE c.survey_id = ? ORDER BY c.id",
        );
        sql
    })
}

pub(super) async fn scan_cells(
    pools: &Pools,
    survey_id: &str,
    mut f: impl FnMut(&[u8]) -> Result<()> + Send,
) -> Result<u64> {
    use futures::TryStreamExt;
    use sqlx::Row;
    const SQL: &str = "SELECT cells FROM response_cells WHERE survey_id = ? ORDER BY id";
    let mut n = 0;
    let Some(file) = &pools.file else {
        let mut rows = sqlx::query(SQL).bind(survey_id).fetch(&pools.reader);
        while let Some(row) = rows.try_next().await? {
            f(row.try_get::<&[u8], _>(0)?)?;
            n += 1;
        }
        return Ok(n);
    };
    let mut chunks =
        super::sqlite_scan::read_chunks(file, SQL.to_string(), vec![survey_id.to_string()], 1);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        for row in 0..chunk.rows() {
            f(chunk.field(row, 0).unwrap_or_default())?;
            n += 1;
        }
    }
    Ok(n)
}

pub(super) fn responses(pools: &Pools, survey_id: String) -> BoxStream<'_, Result<StoredResponse>> {
    sqlx::query_as::<_, RawResponse>(
        "SELECT id, survey_version, submitted_on, lang, channel, source, metadata, answers \
         FROM responses WHERE survey_id = ? ORDER BY id",
    )
    .bind(survey_id)
    .fetch(&pools.reader)
    .map(|r| r.map_err(crate::Error::from).and_then(RawResponse::decode))
    .boxed()
}

pub(super) fn answer_columns(
    pools: &Pools,
    survey_id: String,
    keys: Vec<String>,
) -> BoxStream<'_, Result<AnswerRow>> {
    let n = keys.len();
    // `->` returns the JSON text of the value (strings quoted, arrays as arrays) or NULL.
    let sql = super::interned_sql("sqlite", n, || {
        let mut sql =
            String::from("SELECT survey_version, submitted_on, lang, channel, source, metadata");
        for _ in 0..n {
            sql.push_str(", answers -> ?");
        }
        // Random-id order, as the export: sums then add up in the same order on both paths.
        sql.push_str(" FROM responses WHERE survey_id = ? ORDER BY id");
        sql
    });
    let mut query = sqlx::query(sql);
    for key in keys {
        query = query.bind(format!("$.\"{key}\""));
    }
    query
        .bind(survey_id)
        .fetch(&pools.reader)
        .map(move |r| {
            r.map_err(crate::Error::from)
                .and_then(|row| decode_answer_row(&row, n))
        })
        .boxed()
}

/// `mizan scrub` on SQLite: rebuild every page (`VACUUM`) and empty the log, whatever the size.
pub(super) async fn scrub_now(pools: &Pools) -> Result<u64> {
    use sqlx::Executor;
    let mut conn = pools.writer.acquire().await?;
    conn.execute("VACUUM").await?;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await?;
    if busy != 0 {
        return Err(Error::Other(
            "the write-ahead log is in use by a reader (a running export?): run scrub again later"
                .into(),
        ));
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n.max(0) as u64)
}

pub(super) async fn purge_submission_keys(pools: &Pools, before: time::Date) -> Result<u64> {
    let done = sqlx::query("DELETE FROM submission_keys WHERE claimed_on < ?")
        .bind(iso_day(before))
        .execute(&pools.writer)
        .await?;
    Ok(done.rows_affected())
}

use super::iso_day;
