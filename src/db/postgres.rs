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
//!
//! Beyond one server: with `DATABASE_READ_URL`, a streaming replica takes the analysts' reads
//! (results pages, downloads, `mizan export`, `mizan estimate --survey`), so a scan of a
//! million responses never competes with fieldwork for the primary's CPU and cache. Everything
//! that writes — submissions, sessions (read back at once, so they stay with their writes),
//! analyst accounts, health probes, scrub, migrations — uses the primary ([`Pools::db_write`]).
//! A replica that stops answering is set aside for a while and reads go to the primary.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::{
    AnswerRow, Marker, RawResponse, ResponseRow, Stored, StoredResponse, decode_answer_row,
};
use crate::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The primary and, when configured, the read replica. Cheap to clone.
#[derive(Debug, Clone)]
pub(super) struct Pools {
    primary: PgPool,
    replica: Option<Replica>,
}

#[derive(Debug, Clone)]
struct Replica {
    pool: PgPool,
    /// Until when reads skip the replica after it failed to give a connection.
    resting_until: Arc<Mutex<Option<Instant>>>,
}

impl Replica {
    /// True while reads skip the replica after a failure.
    fn resting(&self) -> bool {
        let mut until = self.resting_until.lock().unwrap_or_else(|p| p.into_inner());
        match *until {
            Some(t) if Instant::now() < t => true,
            _ => {
                *until = None;
                false
            }
        }
    }

    fn rest(&self) {
        *self.resting_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + REPLICA_REST);
    }
}

/// How long reads stay on the primary after the replica failed to answer.
const REPLICA_REST: Duration = Duration::from_secs(30);

/// How long a read waits for a replica connection before it goes to the primary instead.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Pools {
    /// Every write, and every read that must see the writes just made (sessions, accounts).
    pub(super) fn db_write(&self) -> &PgPool {
        &self.primary
    }

    /// Analysts' reads: the replica when one is configured and answering, else the primary.
    /// A connection is taken (and handed back at once) to learn that the replica answers; a
    /// scan of a survey costs far more than that.
    pub(super) async fn db_read(&self) -> &PgPool {
        let Some(replica) = &self.replica else {
            return &self.primary;
        };
        if replica.resting() {
            return &self.primary;
        }
        match replica.pool.acquire().await {
            Ok(_connection) => &replica.pool,
            Err(e) => {
                // The URL is not logged: it may carry a password.
                tracing::warn!(
                    error = %e,
                    "the read replica (DATABASE_READ_URL) does not answer; reading from the \
                     primary for the next {} s",
                    REPLICA_REST.as_secs()
                );
                replica.rest();
                &self.primary
            }
        }
    }

    /// `None` without a replica; else whether reads go to it right now.
    pub(super) async fn reads_from_replica(&self) -> Option<bool> {
        self.replica.as_ref()?;
        let pool = self.db_read().await;
        Some(!std::ptr::eq(pool, &self.primary))
    }

    pub(super) async fn close(&self) {
        if let Some(replica) = &self.replica {
            replica.pool.close().await;
        }
        self.primary.close().await;
    }
}

/// Open the primary (and migrate it) and, with `read_url`, the replica. The replica is not
/// migrated: it replays the primary's schema with everything else. A replica that cannot be
/// reached now does not stop the start (fieldwork goes on); it is warned about, and reads use
/// the primary until it answers.
pub(super) async fn connect(url: &str, read_url: Option<&str>) -> Result<Pools> {
    let primary = connect_primary(url).await?;
    let replica = match read_url {
        Some(read_url) => Some(connect_replica(read_url).await?),
        None => None,
    };
    Ok(Pools { primary, replica })
}

async fn connect_replica(read_url: &str) -> Result<Replica> {
    // Read-only sessions even if the URL names a writable server by mistake: a write that
    // went through this pool would fail loudly instead of splitting the data.
    let options =
        PgConnectOptions::from_str(read_url)?.options([("default_transaction_read_only", "on")]);
    let resting_until = match options.connect().await {
        Ok(connection) => {
            connection.close().await.ok();
            None
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                "the read replica (DATABASE_READ_URL) does not answer; reads go to the primary \
                 until it does"
            );
            Some(Instant::now() + REPLICA_REST)
        }
    };
    let pool = PgPoolOptions::new()
        // Analysts and exports only: fewer than the primary's.
        .max_connections(8)
        .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT)
        .connect_lazy_with(options);
    Ok(Replica {
        pool,
        resting_until: Arc::new(Mutex::new(resting_until)),
    })
}

async fn connect_primary(url: &str) -> Result<PgPool> {
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
    // A full cell rolls back the claim and every place taken before it. Concurrent submits
    // into one cell wait on its row and re-check the limit on the committed count.
    for place in &row.places {
        if !super::quotas::take_place_postgres(&mut tx, &row.survey_id, place).await? {
            tx.rollback().await?;
            return Ok(Stored::QuotaFull);
        }
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
    // The cells (when the layout is known) and the survey's count, in one more statement.
    sqlx::query(
        "WITH cells AS (INSERT INTO response_cells (survey_id, id, cells) \
         SELECT $1, $2, $3 WHERE $3 IS NOT NULL RETURNING 1) \
         INSERT INTO survey_counts (survey_id, shard, responses, cells) \
         VALUES ($1, $4, 1, (SELECT COUNT(*) FROM cells)) \
         ON CONFLICT (survey_id, shard) DO UPDATE \
         SET responses = survey_counts.responses + 1, \
         cells = survey_counts.cells + excluded.cells",
    )
    .bind(&row.survey_id)
    .bind(row.id)
    .bind(&row.cells)
    .bind(row.shard)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Stored::New)
}

pub(super) async fn change_marker(pool: &PgPool, survey_id: &str) -> Result<Marker> {
    let (responses, cells): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(responses), 0)::bigint, COALESCE(SUM(cells), 0)::bigint \
         FROM survey_counts WHERE survey_id = $1",
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
    pool: &PgPool,
    survey_id: &str,
    version: &str,
    layout: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO cell_layouts (survey_id, survey_version, layout) VALUES ($1, $2, $3::jsonb) \
         ON CONFLICT DO NOTHING",
    )
    .bind(survey_id)
    .bind(version)
    .bind(layout)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn cell_layouts(pool: &PgPool, survey_id: &str) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as(
            "SELECT survey_version, layout::text FROM cell_layouts WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_all(pool)
        .await?,
    )
}

/// Up to a chunk of the survey's responses without cells, after the id `after`, in id order.
pub(super) async fn lacking_cells(
    pool: &PgPool,
    survey_id: &str,
    after: &str,
) -> Result<Vec<RawResponse>> {
    let after = if after.is_empty() {
        uuid::Uuid::nil()
    } else {
        uuid::Uuid::parse_str(after).map_err(|e| crate::Error::Other(format!("id: {e}")))?
    };
    Ok(sqlx::query_as::<_, RawResponse>(
        "SELECT id::text AS id, survey_version, submitted_on::text AS submitted_on, lang, \
         channel, source, metadata::text AS metadata, answers::text AS answers \
         FROM responses r WHERE survey_id = $1 AND id > $2 AND NOT EXISTS \
         (SELECT 1 FROM response_cells c WHERE c.survey_id = r.survey_id AND c.id = r.id) \
         ORDER BY id LIMIT 2000",
    )
    .bind(survey_id)
    .bind(after)
    .fetch_all(pool)
    .await?)
}

/// Insert backfilled cells and count them, in one transaction.
pub(super) async fn insert_cells(
    pool: &PgPool,
    survey_id: &str,
    rows: &[(String, Vec<u8>)],
) -> Result<u64> {
    let ids: Vec<uuid::Uuid> = rows
        .iter()
        .map(|(id, _)| uuid::Uuid::parse_str(id))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| crate::Error::Other(format!("id: {e}")))?;
    let cells: Vec<&[u8]> = rows.iter().map(|(_, c)| c.as_slice()).collect();
    let mut tx = pool.begin().await?;
    let n = sqlx::query(
        "INSERT INTO response_cells (survey_id, id, cells) \
         SELECT $1, * FROM UNNEST($2::uuid[], $3::bytea[]) ON CONFLICT DO NOTHING",
    )
    .bind(survey_id)
    .bind(&ids)
    .bind(&cells)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO survey_counts (survey_id, shard, responses, cells) VALUES ($1, 0, 0, $2) \
         ON CONFLICT (survey_id, shard) DO UPDATE SET cells = survey_counts.cells + excluded.cells",
    )
    .bind(survey_id)
    .bind(n as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(n)
}

pub(super) async fn export_cells(
    pool: &PgPool,
    survey_id: &str,
    keys: &[&str],
    mut f: impl FnMut(&str, &[u8], Vec<Option<crate::survey::Answer>>) -> Result<()> + Send,
) -> Result<u64> {
    use futures::TryStreamExt;
    let n = keys.len();
    let sql = super::interned_sql("postgres-export", n, || {
        let mut sql = String::from("SELECT c.id::text, c.cells");
        for i in 0..n {
            sql.push_str(&format!(", (r.answers -> ${})::text", i + 1));
        }
        sql.push_str(&format!(
            " FROM response_cells c JOIN responses r ON r.id = c.id \
             WHERE c.survey_id = ${} ORDER BY c.id",
            n + 1
        ));
        sql
    });
    let mut query = sqlx::query(sql);
    for key in keys {
        query = query.bind(*key);
    }
    let mut rows = query.bind(survey_id).fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let (id, cells, texts) = super::decode_export_row(&row, n)?;
        f(id, cells, texts)?;
        count += 1;
    }
    Ok(count)
}

pub(super) async fn scan_cells(
    pool: &PgPool,
    survey_id: &str,
    mut f: impl FnMut(&[u8]) -> Result<()> + Send,
) -> Result<u64> {
    use futures::TryStreamExt;
    use sqlx::Row;
    let mut rows = sqlx::query("SELECT cells FROM response_cells WHERE survey_id = $1 ORDER BY id")
        .bind(survey_id)
        .fetch(pool);
    let mut n = 0;
    while let Some(row) = rows.try_next().await? {
        f(row.try_get::<&[u8], _>(0)?)?;
        n += 1;
    }
    Ok(n)
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
    // Invitations too: marking one opened writes a new row version at the end of the heap, in
    // the order they were opened, which could be set beside the responses' order.
    // Cells and counts too: their row versions follow the order of submission like the
    // responses'.
    tx.execute(
        "LOCK TABLE responses, response_cells, survey_counts, submission_keys, invitations \
         IN ACCESS EXCLUSIVE MODE",
    )
    .await?;
    tx.execute(
        "CREATE TEMP TABLE scrub_responses ON COMMIT DROP AS SELECT * FROM responses; \
         CREATE TEMP TABLE scrub_cells ON COMMIT DROP AS SELECT * FROM response_cells; \
         CREATE TEMP TABLE scrub_counts ON COMMIT DROP AS SELECT * FROM survey_counts; \
         CREATE TEMP TABLE scrub_keys ON COMMIT DROP AS SELECT * FROM submission_keys; \
         CREATE TEMP TABLE scrub_invitations ON COMMIT DROP AS SELECT * FROM invitations; \
         TRUNCATE responses, response_cells, survey_counts, submission_keys, invitations; \
         INSERT INTO responses SELECT * FROM scrub_responses ORDER BY survey_id, id; \
         INSERT INTO response_cells SELECT * FROM scrub_cells ORDER BY survey_id, id; \
         INSERT INTO survey_counts SELECT * FROM scrub_counts ORDER BY survey_id, shard; \
         INSERT INTO submission_keys SELECT * FROM scrub_keys ORDER BY key_hash; \
         INSERT INTO invitations SELECT * FROM scrub_invitations ORDER BY token_hash",
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
    Ok(change_marker(pool, survey_id).await?.responses)
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
