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
        .pragma("secure_delete", "ON")
        // No commit copies the log into the main file itself: the writer would do it inside
        // its COMMIT, with an fsync, and every write queued behind it would wait (a quarter of
        // the writer's time under load). A reader connection checkpoints instead, see
        // [`Checkpoints`].
        .pragma("wal_autocheckpoint", "0");
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
    let checkpoints = Checkpoints::new(file.as_ref().map(|_| reader.clone()));
    spawn_writer(writer.clone(), queue, health.clone(), checkpoints)?;
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
/// request handlers' tasks: the batches' statements run on this thread (see
/// [`commit_while_queued`]), and a writer task on the shared runtime waited behind the HTTP
/// tasks at each step (measured with `benches/http_submit.rs`: 2,100 → 2,600 final submits/s
/// from this alone). The thread ends when the last sender of the queue (the last clone of the
/// pools) is dropped.
fn spawn_writer(
    pool: SqlitePool,
    queue: mpsc::Receiver<Pending>,
    health: Arc<Health>,
    checkpoints: Checkpoints,
) -> Result<()> {
    // Timers only: SQLite does its IO on this thread or its worker threads, and a runtime
    // without an IO driver parks on a condition variable, cheaper to wake than its epoll.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the database writer: {e}")))?;
    std::thread::Builder::new()
        .name("mizan-writer".into())
        .spawn(move || runtime.block_on(write_batches(pool, queue, health, checkpoints)))
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
async fn write_batches(
    pool: SqlitePool,
    mut queue: mpsc::Receiver<Pending>,
    health: Arc<Health>,
    mut checkpoints: Checkpoints,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    let mut unscrubbed = Unscrubbed::default();
    loop {
        let received = if unscrubbed.writes {
            match tokio::time::timeout(SCRUB_AFTER_QUIET, queue.recv_many(&mut batch, MAX_BATCH))
                .await
            {
                Ok(n) => n,
                Err(_) => {
                    // Quiet: nothing written for a while.
                    unscrubbed.writes = !scrub(&pool, unscrubbed.responses).await;
                    unscrubbed.responses &= unscrubbed.writes;
                    continue;
                }
            }
        } else {
            queue.recv_many(&mut batch, MAX_BATCH).await
        };
        if received == 0 {
            break;
        }
        let failed = match pool.acquire().await {
            Ok(mut conn) => {
                let committed = commit_while_queued(
                    &mut conn,
                    &mut batch,
                    &mut queue,
                    &health,
                    &mut unscrubbed,
                )
                .await;
                if committed.is_err() {
                    // A failed statement or COMMIT (a full disk, an I/O error) can leave the
                    // connection inside its transaction, and the next BEGIN on it then fails
                    // forever. A connection in an unknown state is not repaired but closed:
                    // SQLite rolls back on close and the pool opens a fresh one.
                    let _ = conn.close().await;
                }
                committed.err()
            }
            Err(e) => Some(Error::from(e)),
        };
        let Some(e) = failed else {
            checkpoints.after_commits(&pool).await;
            continue;
        };
        // Nothing of the failed batch was committed; its writes are still in `batch`.
        health.record_error(&e);
        if batch.len() == 1 {
            if let Some((_, reply)) = batch.pop() {
                let _ = reply.send(Err(e));
            }
        } else if let Some(fault) = e.storage_fault() {
            // The storage refuses every write alike: retrying each alone would only keep the
            // others waiting.
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(Error::Unavailable(fault)));
            }
        } else {
            // One failing write must not fail the others: store each on its own.
            for (write, reply) in batch.drain(..) {
                let outcome = store_alone(&pool, &write).await;
                match &outcome {
                    Ok(_) => unscrubbed.note(&write),
                    Err(e) => health.record_error(e),
                }
                let _ = reply.send(outcome);
            }
        }
    }
}

/// How often the log is copied into the main file while writes keep coming.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Checkpoints off the commit path. SQLite's own (`wal_autocheckpoint`) run inside the COMMIT
/// of every thousandth page, with an fsync, while every write queued behind it waits: a
/// quarter of the writer's time under load (`benches/http_submit.rs`). Here, at most every
/// [`CHECKPOINT_EVERY`] while writes are committed, a reader connection copies the log into
/// the main file (`PASSIVE`: it waits for no one and no one waits for it), on that
/// connection's thread. The writes committed meanwhile are then copied by the writer itself,
/// between two batches (the pages of a fraction of a second, most of them copied already), so
/// the checkpoint is complete and SQLite starts the log afresh at the next write instead of
/// letting it grow. The log is emptied at quiet spells by `scrub`.
struct Checkpoints {
    /// The pool that runs them (none in memory: no log).
    reader: Option<SqlitePool>,
    last: std::time::Instant,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Checkpoints {
    fn new(reader: Option<SqlitePool>) -> Checkpoints {
        Checkpoints {
            reader,
            last: std::time::Instant::now(),
            running: None,
        }
    }

    async fn after_commits(&mut self, writer: &SqlitePool) {
        let Some(reader) = &self.reader else { return };
        match &self.running {
            Some(running) if !running.is_finished() => return,
            Some(_) => {
                self.running = None;
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(writer)
                    .await
                {
                    tracing::debug!(error = %e, "completing a checkpoint failed");
                }
                return;
            }
            None => {}
        }
        if self.last.elapsed() < CHECKPOINT_EVERY {
            return;
        }
        self.last = std::time::Instant::now();
        let reader = reader.clone();
        // On the writer thread's runtime, which drives it whenever the writer waits.
        self.running = Some(tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&reader)
                .await
            {
                tracing::debug!(error = %e, "checkpoint failed");
            }
        }));
    }
}

/// What the writer has committed since the files were last scrubbed (see `scrub`).
#[derive(Default)]
struct Unscrubbed {
    /// Writes not yet scrubbed from the files.
    writes: bool,
    /// Responses among them (only then are pages rebuilt).
    responses: bool,
}

impl Unscrubbed {
    fn note(&mut self, write: &Write) {
        // The health probe's row says nothing about anyone: no scrub for it alone.
        self.writes |= !matches!(write, Write::Probe);
        self.responses |= matches!(write, Write::Response(_));
    }
}

/// Commit `batch`, then the batches queued behind it (at most [`BATCHES_PER_HOLD`]), each in
/// a transaction of its own, on the connection's SQLite handle from this thread. Every write
/// is answered once its batch is committed. On an error the failed batch is left in `batch`,
/// uncommitted.
///
/// Through sqlx each statement was a round trip to the connection's worker thread, and the
/// writer thread waited to be scheduled after each one, on two cores shared with the request
/// handlers: that waiting, not SQLite, capped submissions (`benches/http_submit.rs`). Here the
/// worker thread only parks while the writer holds the handle.
async fn commit_while_queued(
    conn: &mut sqlx::SqliteConnection,
    batch: &mut Vec<Pending>,
    queue: &mut mpsc::Receiver<Pending>,
    health: &Health,
    unscrubbed: &mut Unscrubbed,
) -> Result<()> {
    let direct = Direct::lock(conn).await?;
    for held in 1.. {
        let writes: Vec<&Write> = batch.iter().map(|(w, _)| w).collect();
        let outcomes = apply_batch(&direct.db, &writes)?;
        health.clear();
        for ((write, reply), outcome) in batch.drain(..).zip(outcomes) {
            unscrubbed.note(&write);
            // Writes whose requests gave up waiting are still committed (see `Pools::write`).
            let _ = reply.send(Ok(outcome));
        }
        // Take the next batch only to commit it here: a write received and left in `batch`
        // would wait for the next one to arrive.
        if held == BATCHES_PER_HOLD
            || queue.is_empty()
            || queue.recv_many(batch, MAX_BATCH).await == 0
        {
            break;
        }
    }
    Ok(())
}

/// One write in a transaction of its own, on a fresh connection if the last one failed.
async fn store_alone(pool: &SqlitePool, write: &Write) -> Result<Written> {
    let mut conn = pool.acquire().await?;
    let outcome = match Direct::lock(&mut conn).await {
        Ok(direct) => apply_batch(&direct.db, &[write]),
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        let _ = conn.close().await;
    }
    outcome.and_then(|mut o| o.pop().ok_or_else(|| Error::Other("no outcome".into())))
}

/// The writer connection's SQLite handle, used directly from the writer thread while sqlx's
/// worker thread for the connection waits for it back. Fields drop in order: the rusqlite
/// view (and its cached statements) before the lock.
struct Direct<'c> {
    db: rusqlite::Connection,
    _lock: sqlx::sqlite::LockedSqliteHandle<'c>,
}

impl<'c> Direct<'c> {
    async fn lock(conn: &'c mut sqlx::SqliteConnection) -> Result<Direct<'c>> {
        let mut lock = conn.lock_handle().await?;
        // SAFETY: the handle is open and nothing else uses it while `lock` is held (sqlx's
        // worker thread waits on the lock); `db` does not close it and is dropped before
        // `lock` (field order), with the statements it prepared.
        let db = unsafe { rusqlite::Connection::from_handle(lock.as_raw_handle().as_ptr()) }?;
        Ok(Direct { db, _lock: lock })
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
fn apply_batch(db: &rusqlite::Connection, writes: &[&Write]) -> Result<Vec<Written>> {
    if let [Write::Session(session)] = writes {
        // One statement alone: it commits itself.
        return Ok(vec![Written::Session(write_session(db, session)?)]);
    }
    // IMMEDIATE: take the write lock up front, so the transaction never has to upgrade a read
    // lock (the one case busy_timeout cannot resolve) when another process holds the file.
    db.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        outcomes.push(match write {
            Write::Response(row) => Written::Response(store_row(db, row)?),
            Write::Session(session) => Written::Session(write_session(db, session)?),
            Write::Probe => {
                db.prepare_cached(
                    "INSERT INTO mizan_health (id, probed_on) VALUES (1, ?1) \
                     ON CONFLICT (id) DO UPDATE SET probed_on = excluded.probed_on",
                )?
                .execute([iso_day(time::OffsetDateTime::now_utc().date())])?;
                Written::Probe
            }
        });
    }
    db.prepare_cached("COMMIT")?.execute([])?;
    Ok(outcomes)
}

fn write_session(db: &rusqlite::Connection, s: &SessionRow) -> Result<bool> {
    // The SQL of tower-sessions-sqlx-store's SqliteStore (`create` without its retry loop:
    // the caller draws a new id and asks again), and the expiry as sqlx encodes a time for
    // SQLite (RFC 3339 text), which the store's `load` compares with the time now.
    let sql = if s.create {
        "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date"
    };
    let expiry = s
        .expiry
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Other(format!("a session's expiry cannot be written: {e}")))?;
    let changed = db
        .prepare_cached(sql)?
        .execute(rusqlite::params![s.id, s.data, expiry])?;
    Ok(changed == 1)
}

/// Claim the submission key and, if the claim was new, insert the response, its cells and
/// its count. A response that takes quota places does so inside a savepoint that makes the
/// claim, the places and the row one unit: a full cell undoes the claim and the places taken
/// before it, and the other writes of the batch go on. The key is claimed first, so a retry
/// of a stored response is a duplicate, never "full".
fn store_row(db: &rusqlite::Connection, row: &ResponseRow) -> Result<Stored> {
    let day = iso_day(row.submitted_on);
    let with_quotas = !row.places.is_empty();
    if with_quotas {
        db.execute_batch("SAVEPOINT quota_places")?;
    }
    let claimed = db
        .prepare_cached(
            "INSERT INTO submission_keys (key_hash, claimed_on) VALUES (?1, ?2) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![row.key_hash, day])?
        == 1;
    if !claimed {
        if with_quotas {
            db.execute_batch("RELEASE quota_places")?;
        }
        return Ok(Stored::Duplicate);
    }
    for place in &row.places {
        if !super::quotas::take_place_sqlite(db, &row.survey_id, place)? {
            db.execute_batch("ROLLBACK TO quota_places; RELEASE quota_places")?;
            return Ok(Stored::QuotaFull);
        }
    }
    let id = row.id.hyphenated().to_string();
    let inserted = db
        .prepare_cached(
            "INSERT INTO responses \
             (id, survey_id, survey_version, lang, channel, source, metadata, submitted_on, \
             answers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(rusqlite::params![
            id,
            row.survey_id,
            row.survey_version,
            row.lang,
            row.channel,
            row.source,
            row.metadata,
            day,
            row.answers
        ])?;
    if let Some(cells) = &row.cells {
        db.prepare_cached("INSERT INTO response_cells (survey_id, id, cells) VALUES (?1, ?2, ?3)")?
            .execute(rusqlite::params![row.survey_id, id, cells])?;
    }
    db.prepare_cached(
        "INSERT INTO survey_counts (survey_id, shard, responses, cells) VALUES (?1, 0, 1, ?2) \
         ON CONFLICT (survey_id, shard) DO UPDATE \
         SET responses = responses + 1, cells = cells + excluded.cells",
    )?
    .execute(rusqlite::params![
        row.survey_id,
        i64::from(row.cells.is_some())
    ])?;
    if inserted != 1 {
        return Err(Error::Other(format!(
            "storing a response wrote {inserted} rows instead of 1"
        )));
    }
    if with_quotas {
        db.execute_batch("RELEASE quota_places")?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// More batches in a row than the writer commits on one hold of its connection: the
    /// batch taken after the last one of a hold is committed too, not left waiting for the
    /// next write to arrive (it once was, and with nothing arriving its writes timed out).
    #[tokio::test]
    async fn writes_queued_past_a_hold_of_the_connection_are_all_committed() {
        let health = Arc::new(Health::default());
        let pools = connect("sqlite::memory:", health.clone()).await.unwrap();
        let (queue, received) = mpsc::channel(MAX_BATCH * (BATCHES_PER_HOLD + 2));
        let mut replies = Vec::new();
        // Queued before the writer starts: the writer takes MAX_BATCH at a time, so this is
        // a hold's worth of full batches and one more write.
        for _ in 0..MAX_BATCH * BATCHES_PER_HOLD + 1 {
            let (reply, outcome) = oneshot::channel();
            queue.try_send((Write::Probe, reply)).unwrap();
            replies.push(outcome);
        }
        let checkpoints = Checkpoints::new(None);
        spawn_writer(pools.writer.clone(), received, health, checkpoints).unwrap();
        let all = futures::future::join_all(replies);
        let outcomes = tokio::time::timeout(Duration::from_secs(5), all)
            .await
            .expect("every write answered");
        assert!(
            outcomes
                .into_iter()
                .all(|o| matches!(o, Ok(Ok(Written::Probe))))
        );
        drop(queue);
    }
}
