//! PostgreSQL backend: several app servers share one database.
//!
//! Idempotent submit relies on the primary key of `submission_keys`: `INSERT … ON CONFLICT DO
//! NOTHING` makes a second transaction with the same key wait for the first and then insert
//! nothing, so two concurrent requests store exactly one row, whichever app server they reach.
//!
//! What PostgreSQL cannot promise about submission order: heap pages fill roughly in insertion
//! order and the system columns `ctid` and `xmin` (a transaction counter) reflect it. Mizan
//! never selects them and always orders exports by the random id; an operator who must remove
//! even that trace can rewrite the table (see docs/postgres.md).

use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::{AnswerRow, RawResponse, ResponseRow, Stored, StoredResponse, decode_answer_row};
use crate::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub(super) async fn connect(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?;
    // One direct connection first: an unreachable server or a refused login is reported at
    // once with its cause, instead of as a pool timeout.
    options.connect().await?.close().await?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // A request waits this long at most for a connection before it is told to try again.
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    // sqlx takes an advisory lock while migrating: app servers starting together are safe.
    MIGRATOR.run(&pool).await?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await?;
    Ok(pool)
}

pub(super) async fn store_response(pool: &PgPool, row: &ResponseRow) -> Result<Stored> {
    let mut tx = pool.begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO submission_keys (key_hash, claimed_on) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&row.key_hash)
    .bind(row.submitted_on)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        tx.rollback().await?;
        return Ok(Stored::Duplicate);
    }
    sqlx::query(
        "INSERT INTO responses \
         (id, survey_id, survey_version, lang, channel, source, metadata, submitted_on, answers) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb)",
    )
    .bind(row.id)
    .bind(&row.survey_id)
    .bind(&row.survey_version)
    .bind(row.lang)
    .bind(&row.channel)
    .bind(&row.source)
    .bind(&row.metadata)
    .bind(row.submitted_on)
    .bind(&row.answers)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Stored::New)
}

/// One row rewritten (the day only): proves that the server takes writes.
pub(super) async fn probe_write(pool: &PgPool) -> Result<()> {
    sqlx::query(
        "INSERT INTO mizan_health (id, probed_on) VALUES (1, CURRENT_DATE) \
         ON CONFLICT (id) DO UPDATE SET probed_on = excluded.probed_on",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// `mizan scrub` on PostgreSQL: responses and submission keys copied out and written back in
/// one transaction, in key order, into fresh files (TRUNCATE), so that `xmin` is one
/// transaction for all and `ctid` follows the random id.
pub(super) async fn scrub(pool: &PgPool) -> Result<u64> {
    use sqlx::Executor;
    let mut tx = pool.begin().await?;
    tx.execute("LOCK TABLE responses, submission_keys IN ACCESS EXCLUSIVE MODE")
        .await?;
    tx.execute(
        "CREATE TEMP TABLE scrub_responses ON COMMIT DROP AS SELECT * FROM responses; \
         CREATE TEMP TABLE scrub_keys ON COMMIT DROP AS SELECT * FROM submission_keys; \
         TRUNCATE responses, submission_keys; \
         INSERT INTO responses SELECT * FROM scrub_responses ORDER BY survey_id, id; \
         INSERT INTO submission_keys SELECT * FROM scrub_keys ORDER BY key_hash",
    )
    .await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    // Start a new write-ahead log segment, so the inserts above and before are in segments
    // that PostgreSQL recycles after its next checkpoints.
    sqlx::query("CHECKPOINT").execute(pool).await.ok();
    Ok(n.max(0) as u64)
}

pub(super) async fn count_responses(pool: &PgPool, survey_id: &str) -> Result<u64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses WHERE survey_id = $1")
        .bind(survey_id)
        .fetch_one(pool)
        .await?;
    Ok(n.max(0) as u64)
}

pub(super) fn responses(pool: &PgPool, survey_id: String) -> BoxStream<'_, Result<StoredResponse>> {
    sqlx::query_as::<_, RawResponse>(
        "SELECT id::text AS id, survey_version, submitted_on::text AS submitted_on, lang, \
         channel, source, metadata::text AS metadata, answers::text AS answers \
         FROM responses WHERE survey_id = $1 ORDER BY id",
    )
    .bind(survey_id)
    .fetch(pool)
    .map(|r| r.map_err(crate::Error::from).and_then(RawResponse::decode))
    .boxed()
}

pub(super) fn answer_columns(
    pool: &PgPool,
    survey_id: String,
    keys: Vec<String>,
) -> BoxStream<'_, Result<AnswerRow>> {
    let n = keys.len();
    let sql = super::interned_sql("postgres", n, || {
        let mut sql = String::from(
            "SELECT survey_version, submitted_on::text, lang, channel, source, metadata::text",
        );
        for i in 0..n {
            sql.push_str(&format!(", (answers -> ${})::text", i + 1));
        }
        // Random-id order, as the export: sums then add up in the same order on both paths.
        sql.push_str(&format!(
            " FROM responses WHERE survey_id = ${} ORDER BY id",
            n + 1
        ));
        sql
    });
    let mut query = sqlx::query(sql);
    for key in keys {
        query = query.bind(key);
    }
    query
        .bind(survey_id)
        .fetch(pool)
        .map(move |r| {
            r.map_err(crate::Error::from)
                .and_then(|row| decode_answer_row(&row, n))
        })
        .boxed()
}

pub(super) async fn purge_submission_keys(pool: &PgPool, before: time::Date) -> Result<u64> {
    let done = sqlx::query("DELETE FROM submission_keys WHERE claimed_on < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
