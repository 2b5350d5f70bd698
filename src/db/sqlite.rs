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
//! Submissions go through a writer task that commits them in batches (see [`write_batches`]).
//!
//! `synchronous=NORMAL` in WAL mode keeps the database consistent across a crash or power cut;
//! a power cut may lose the last few commits, but never corrupts the file. A process crash
//! (SIGKILL) loses nothing that was committed.

use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{AnswerRow, RawResponse, ResponseRow, Stored, StoredResponse, decode_answer_row};
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
}

pub(super) async fn connect(url: &str) -> Result<Pools> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(60))
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
            .connect_with(options)
            .await?
    };
    let (submissions, queue) = mpsc::channel(4 * MAX_BATCH);
    tokio::spawn(write_batches(writer.clone(), queue));
    Ok(Pools {
        writer,
        reader,
        submissions,
    })
}

impl Pools {
    /// Hand the response to the writer task and wait until its batch is committed (or found
    /// to be a duplicate). The answer comes only after the commit: an acknowledged submission
    /// is on disk.
    pub(super) async fn store_response(&self, row: ResponseRow) -> Result<Stored> {
        let (reply, outcome) = oneshot::channel();
        let stopped = || Error::Other("the database writer has stopped".into());
        self.submissions
            .send((row, reply))
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// A submission waiting for the writer, with where to send its outcome.
type Pending = (ResponseRow, oneshot::Sender<Result<Stored>>);

/// Most submissions committed in one transaction.
const MAX_BATCH: usize = 256;

/// Group commit. A SQLite commit costs far more than the inserts it commits (hundreds of
/// microseconds against tens here), and only one can run at a time, so the writer takes every
/// submission that arrived while the previous transaction was committing and commits them
/// together. Under light load a batch is one submission and nothing waits; under heavy load
/// throughput grows with the batch instead of collapsing into a queue for the write lock.
async fn write_batches(pool: SqlitePool, mut queue: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let rows: Vec<&ResponseRow> = batch.iter().map(|(row, _)| row).collect();
        match store_batch(&pool, &rows).await {
            Ok(outcomes) => {
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                // Nothing of the batch was committed. One failing row must not fail the
                // others: store each on its own.
                for (row, reply) in batch.drain(..) {
                    let outcome = store_batch(&pool, &[&row]).await.map(|o| o[0]);
                    let _ = reply.send(outcome);
                }
            }
        }
    }
}

/// Claim each submission key and insert the responses whose key was new, all in one
/// transaction. A key repeated within the batch is a duplicate of its first occurrence.
async fn store_batch(pool: &SqlitePool, rows: &[&ResponseRow]) -> Result<Vec<Stored>> {
    // IMMEDIATE: take the write lock up front, so the transaction never has to upgrade a read
    // lock (the one case busy_timeout cannot resolve) when another process holds the file.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let day = iso_day(row.submitted_on);
        // Claim and insert in one round trip to the connection's thread: the response is
        // inserted only when the claim inserted a row (`changes()` is the claim's row count).
        let written = sqlx::query(
            "INSERT INTO submission_keys (key_hash, claimed_on) VALUES (?, ?) \
             ON CONFLICT DO NOTHING; \
             INSERT INTO responses \
             (id, survey_id, survey_version, lang, channel, source, metadata, submitted_on, \
             answers) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1",
        )
        .bind(&row.key_hash)
        .bind(&day)
        .bind(row.id.hyphenated().to_string())
        .bind(&row.survey_id)
        .bind(&row.survey_version)
        .bind(row.lang)
        .bind(&row.channel)
        .bind(&row.source)
        .bind(&row.metadata)
        .bind(&day)
        .bind(&row.answers)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        outcomes.push(match written {
            2 => Stored::New,
            0 => Stored::Duplicate,
            n => {
                return Err(Error::Other(format!(
                    "storing a response wrote {n} rows instead of 2"
                )));
            }
        });
    }
    tx.commit().await?;
    Ok(outcomes)
}

pub(super) async fn count_responses(pools: &Pools, survey_id: &str) -> Result<u64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses WHERE survey_id = ?")
        .bind(survey_id)
        .fetch_one(&pools.reader)
        .await?;
    Ok(n.max(0) as u64)
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

pub(super) async fn purge_submission_keys(pools: &Pools, before: time::Date) -> Result<u64> {
    let done = sqlx::query("DELETE FROM submission_keys WHERE claimed_on < ?")
        .bind(iso_day(before))
        .execute(&pools.writer)
        .await?;
    Ok(done.rows_affected())
}

fn iso_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
