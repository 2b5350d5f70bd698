//! Storage on SQLite (embedded default) or PostgreSQL (several app servers, one database).
//!
//! Interface used by the web layer and the CLI:
//! - [`Db::connect`]: open (creating the SQLite file if needed) and migrate;
//!   [`Db::connect_with_replica`]: PostgreSQL with a read replica for the analysts' reads.
//! - [`Db::store_response`]: store once; a repeated submission key is [`Stored::Duplicate`],
//!   never a second row, even when two requests with the same key race.
//! - [`Db::session_store`]: the tower-sessions store on the same database, so any app server
//!   can answer any request; [`Db::spawn_session_purge`] deletes expired sessions.
//! - [`Db::responses`] and [`Db::answer_columns`]: row streams for export and estimates, so
//!   memory never grows with the number of responses.
//!
//! Anonymity is a property of the schema, not of good behaviour: a response row has a random
//! UUID v4 id, the survey id and version, language, channel, source tag, declared metadata, the
//! UTC *day*, and the answers — no IP, user agent, session id, token or time of day. The
//! submission key that makes submitting idempotent is stored only as a SHA-256 hash with the day
//! it was claimed, in a table with no link to the response, so old claims can be purged and a
//! leaked key hash tells nothing about what was answered.

// Before the submodules, which use it (textual scope).
/// Run `$body` with `$pool` bound to the primary's pool of whichever database this is.
macro_rules! on_primary {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &$db.backend {
            Backend::Sqlite(p) => {
                let $pool = &p.writer;
                $body
            }
            Backend::Postgres(p) => {
                let $pool = p.db_write();
                $body
            }
        }
    };
}

pub mod cells;
mod health;
mod invitations;
mod postgres;
mod quotas;
mod session;
mod sqlite;
mod sqlite_scan;
mod staff;

use std::collections::BTreeMap;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use sha2::{Digest, Sha256};

use crate::survey::{Answer, Answers, Lang};
use crate::{Error, Result};

pub use crate::survey::quota::QuotaPlace;
pub use health::Fault;
pub use invitations::{DrawRecord, InvitationOutcome, InvitationStamp, NewInvitation};
pub use session::SessionStore;
pub use staff::{Area, Kiosk, NewKiosk, StaffAccount};

/// What a channel hands to storage at the final submit. No IP, user agent, session id, token
/// or time of day: the row gets a random id and today's date (UTC) only.
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub survey_id: String,
    pub survey_version: String,
    pub lang: Lang,
    /// `link`, `invitation`, `kiosk`, `interviewer`.
    pub channel: String,
    /// Allowed source tag of a shared link, if any.
    pub source: Option<String>,
    /// Declared sampling metadata (site, stratum, cluster, wave...).
    pub metadata: BTreeMap<String, String>,
    pub answers: Answers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The submission key was used before: the response is already stored.
    Duplicate,
    /// A quota cell the response would take a place in is full: nothing was written.
    QuotaFull,
}

/// A stored response as read back for export.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// UUID v4, hyphenated lower case.
    pub id: String,
    pub survey_version: String,
    /// `YYYY-MM-DD` (UTC day).
    pub submitted_on: String,
    /// `ar` or `en`.
    pub lang: String,
    pub channel: String,
    pub source: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub answers: Answers,
}

/// One response reduced to what an estimate needs: its metadata (strata, clusters, sites...)
/// and the requested answers, in the order the keys were asked for (`None`: not answered).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub survey_version: String,
    pub submitted_on: String,
    pub lang: String,
    pub channel: String,
    pub source: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub values: Vec<Option<Answer>>,
}

/// A connection pool on one of the two supported databases. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    health: std::sync::Arc<health::Health>,
    cells: Arc<CellState>,
}

/// The cell layouts this process knows (by survey id and version), and a random identity of
/// this connection (results computed on one database are never served for another).
#[derive(Debug)]
struct CellState {
    id: u64,
    layouts: RwLock<HashMap<(String, String), Arc<cells::Layout>>>,
}

/// What a survey's stored data look like right now: responses stored, and how many of them
/// have their cells. It changes with every stored response and with the backfill, and says
/// nothing about order; estimates computed at one marker hold until it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Marker {
    pub responses: u64,
    pub cells: u64,
}

impl Marker {
    /// Every response has its cells: estimates can read them instead of the JSON.
    pub fn cells_complete(&self) -> bool {
        self.cells == self.responses
    }
}

/// Free space kept in reserve on the SQLite file's disk: below it, new respondents are told to
/// come back later instead of answering into a disk that cannot take their response.
pub const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::Pools),
    Postgres(postgres::Pools),
}

impl Db {
    /// Open `sqlite://PATH` (the file is created if missing) or `postgres://…`, and apply the
    /// migrations of that database (responses, submission keys, sessions).
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_with_replica(url, None).await
    }

    /// [`Db::connect`], and with `read_url` (`DATABASE_READ_URL`: a streaming replica of the
    /// PostgreSQL primary `url`) the analysts' reads — [`Db::responses`],
    /// [`Db::answer_columns`], [`Db::count_responses`] — go to the replica while it answers.
    /// Writes, sessions, accounts and migrations stay on the primary. SQLite has readers of
    /// its own: a read URL there is refused rather than ignored.
    pub async fn connect_with_replica(url: &str, read_url: Option<&str>) -> Result<Db> {
        let health = std::sync::Arc::new(health::Health::default());
        let read_url = read_url.map(str::trim).filter(|u| !u.is_empty());
        let is_postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if let Some(read_url) = read_url {
            // Neither URL is echoed: they may carry passwords.
            if !is_postgres(url) {
                return Err(Error::Other(
                    "DATABASE_READ_URL is for a PostgreSQL replica of DATABASE_URL; with SQLite \
                     leave it unset"
                        .into(),
                ));
            }
            if !is_postgres(read_url) {
                return Err(Error::Other(
                    "DATABASE_READ_URL must start with postgres://".into(),
                ));
            }
        }
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlite::connect(url, health.clone()).await?)
        } else if is_postgres(url) {
            Backend::Postgres(postgres::connect(url, read_url).await?)
        } else {
            // The URL itself is not echoed: it may carry a password.
            return Err(Error::Other(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let cells = Arc::new(CellState {
            id: u64::from_le_bytes(random_bytes::<8>()?),
            layouts: RwLock::new(HashMap::new()),
        });
        Ok(Db {
            backend,
            health,
            cells,
        })
    }

    /// A random identity of this connection to its database (for caches of computed results).
    pub fn instance(&self) -> u64 {
        self.cells.id
    }

    fn layout(&self, survey_id: &str, version: &str) -> Option<Arc<cells::Layout>> {
        let layouts = self.cells.layouts.read().unwrap_or_else(|p| p.into_inner());
        layouts
            .get(&(survey_id.to_string(), version.to_string()))
            .cloned()
    }

    /// Know this survey version's cell layout, so that its responses are stored with their
    /// cells from now on, and store the layout (primary). Cheap when already known.
    pub async fn register_survey(&self, survey: &crate::survey::Survey) -> Result<()> {
        if self.layout(&survey.id, &survey.version).is_some() {
            return Ok(());
        }
        let layout = Arc::new(cells::Layout::of(survey));
        self.store_layout(&survey.id, &survey.version, &layout)
            .await?;
        self.cells
            .layouts
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert((survey.id.clone(), survey.version.clone()), layout);
        Ok(())
    }

    async fn store_layout(
        &self,
        survey_id: &str,
        version: &str,
        layout: &cells::Layout,
    ) -> Result<()> {
        let json = layout.to_json();
        match &self.backend {
            Backend::Sqlite(p) => sqlite::store_layout(p, survey_id, version, &json).await,
            Backend::Postgres(p) => {
                postgres::store_layout(p.db_write(), survey_id, version, &json).await
            }
        }
    }

    /// [`Db::register_survey`], then fill in the cells of the survey's responses stored
    /// without them (before the cells existed, or by a process that did not know the
    /// survey), in chunks on the primary, each chunk with its count in one transaction.
    /// Responses of versions whose definition is gone get the current version's layout.
    /// Returns the number of responses filled in (0, and one cheap query, when none lacks).
    pub async fn backfill_cells(&self, survey: &crate::survey::Survey) -> Result<u64> {
        self.register_survey(survey).await?;
        let marker = match &self.backend {
            Backend::Sqlite(p) => sqlite::change_marker(&p.writer, &survey.id).await?,
            Backend::Postgres(p) => postgres::change_marker(p.db_write(), &survey.id).await?,
        };
        if marker.cells_complete() {
            return Ok(0);
        }
        let current = self
            .layout(&survey.id, &survey.version)
            .ok_or_else(|| Error::Other("cell layout not registered".into()))?;
        let mut layouts = self.cell_layouts_on(&survey.id, true).await?;
        let mut after = String::new();
        let mut filled = 0;
        loop {
            let chunk: Vec<RawResponse> = match &self.backend {
                Backend::Sqlite(p) => sqlite::lacking_cells(p, &survey.id, &after).await?,
                Backend::Postgres(p) => {
                    postgres::lacking_cells(p.db_write(), &survey.id, &after).await?
                }
            };
            let Some(last) = chunk.last() else { break };
            after = last.id.clone();
            let mut rows = Vec::with_capacity(chunk.len());
            for raw in chunk {
                let r = raw.decode()?;
                let layout = match layouts.get(&r.survey_version) {
                    Some(l) => l.clone(),
                    None => {
                        self.store_layout(&survey.id, &r.survey_version, &current)
                            .await?;
                        layouts.insert(r.survey_version.clone(), current.clone());
                        current.clone()
                    }
                };
                let bytes = cells::encode(
                    &layout,
                    &cells::Facts {
                        version: &r.survey_version,
                        lang: &r.lang,
                        day: &r.submitted_on,
                        channel: &r.channel,
                        source: r.source.as_deref(),
                        metadata: &r.metadata,
                        answers: &r.answers,
                    },
                );
                rows.push((r.id, bytes));
            }
            filled += match &self.backend {
                Backend::Sqlite(p) => sqlite::insert_cells(p, &survey.id, &rows).await?,
                Backend::Postgres(p) => {
                    postgres::insert_cells(p.db_write(), &survey.id, &rows).await?
                }
            };
        }
        Ok(filled)
    }

    /// For the export: call `f` with each response's id, its cells and the answers under
    /// `text_keys` (typed text, which the cells leave out) from its JSON, for every response
    /// of the survey that has cells, in random-id order (the export's order).
    pub async fn export_cells(
        &self,
        survey_id: &str,
        text_keys: &[&str],
        f: impl FnMut(&str, &[u8], Vec<Option<Answer>>) -> Result<()> + Send,
    ) -> Result<u64> {
        if text_keys.len() > MAX_ANSWER_COLUMNS {
            return Err(Error::BadRequest(format!(
                "at most {MAX_ANSWER_COLUMNS} answer columns at once"
            )));
        }
        if let Some(bad) = text_keys.iter().find(|k| !is_answer_key(k)) {
            return Err(Error::BadRequest(format!("not an answer key: {bad:?}")));
        }
        match &self.backend {
            Backend::Sqlite(p) => sqlite::export_cells(p, survey_id, text_keys, f).await,
            Backend::Postgres(p) => {
                postgres::export_cells(p.db_read().await, survey_id, text_keys, f).await
            }
        }
    }

    /// The survey's [`Marker`], from where the analysts read (the replica when there is one).
    pub async fn change_marker(&self, survey_id: &str) -> Result<Marker> {
        match &self.backend {
            Backend::Sqlite(p) => sqlite::change_marker(&p.reader, survey_id).await,
            Backend::Postgres(p) => postgres::change_marker(p.db_read().await, survey_id).await,
        }
    }

    /// The stored cell layouts of a survey's versions, by version.
    pub async fn cell_layouts(
        &self,
        survey_id: &str,
    ) -> Result<HashMap<String, Arc<cells::Layout>>> {
        self.cell_layouts_on(survey_id, false).await
    }

    async fn cell_layouts_on(
        &self,
        survey_id: &str,
        primary: bool,
    ) -> Result<HashMap<String, Arc<cells::Layout>>> {
        let rows = match &self.backend {
            Backend::Sqlite(p) => sqlite::cell_layouts(&p.reader, survey_id).await?,
            Backend::Postgres(p) if primary => {
                postgres::cell_layouts(p.db_write(), survey_id).await?
            }
            Backend::Postgres(p) => postgres::cell_layouts(p.db_read().await, survey_id).await?,
        };
        rows.into_iter()
            .map(|(v, json)| Ok((v, Arc::new(cells::Layout::from_json(&json)?))))
            .collect()
    }

    /// Call `f` with the cells of every response of the survey that has them, in random-id
    /// order (the order of [`Db::answer_columns`], so sums add up in the same order). The
    /// bytes are borrowed from the row: nothing is copied or parsed here.
    pub async fn scan_cells(
        &self,
        survey_id: &str,
        f: impl FnMut(&[u8]) -> Result<()> + Send,
    ) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(p) => sqlite::scan_cells(p, survey_id, f).await,
            Backend::Postgres(p) => postgres::scan_cells(p.db_read().await, survey_id, f).await,
        }
    }

    /// What stops writes right now, if anything (`/healthz`, the survey pages).
    pub fn fault(&self) -> Option<Fault> {
        self.health.fault()
    }

    /// Probe the storage now: free space (SQLite), then a real one-row write. Records and
    /// returns the fault found, or clears the last one.
    pub async fn check_health(&self) -> Option<Fault> {
        let result = match &self.backend {
            Backend::Sqlite(p) => {
                let low = p
                    .file
                    .as_deref()
                    .and_then(|f| f.parent())
                    .map(|dir| {
                        if dir.as_os_str().is_empty() {
                            std::path::Path::new(".")
                        } else {
                            dir
                        }
                    })
                    .and_then(health::free_bytes)
                    .is_some_and(|free| free < MIN_FREE_BYTES);
                if low {
                    Err(Error::Unavailable(Fault::DiskFull))
                } else if self.health.fault().is_some() || !self.health.probed_recently() {
                    p.probe_write().await
                } else {
                    Ok(())
                }
            }
            Backend::Postgres(p)
                if self.health.fault().is_some() || !self.health.probed_recently() =>
            {
                postgres::probe_write(p.db_write()).await
            }
            Backend::Postgres(_) => Ok(()),
        };
        match result {
            Ok(()) => {
                self.health.mark_probed();
                self.health.clear()
            }
            Err(e) => match e.storage_fault() {
                Some(fault) => self.health.record(fault),
                None => tracing::warn!(error = %e, "health probe failed"),
            },
        }
        self.health.fault()
    }

    /// Probe the storage at start, every second while a fault lasts (recovery within seconds
    /// of the cause going away), and every few seconds otherwise (a disk filling up, a file
    /// turned read-only while nobody writes).
    pub fn spawn_health_watch(&self) -> tokio::task::JoinHandle<()> {
        let db = self.clone();
        tokio::spawn(async move {
            loop {
                let pause = match db.check_health().await {
                    Some(_) => std::time::Duration::from_secs(1),
                    None => std::time::Duration::from_secs(5),
                };
                tokio::time::sleep(pause).await;
            }
        })
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Store a response unless its submission key was claimed before. Claiming the key and
    /// inserting the row happen in one transaction: either both are written or neither, and of
    /// two concurrent requests with the same key exactly one stores a row.
    pub async fn store_response(&self, r: &NewResponse, submission_key: &str) -> Result<Stored> {
        self.store_response_in_quotas(r, submission_key, Vec::new())
            .await
    }

    /// [`Db::store_response`] that also takes one place in each of `places` (quota cells), in
    /// the same transaction and only while each is below its limit: a response and its places
    /// are written together or not at all ([`Stored::QuotaFull`]). A repeated key takes no place.
    pub async fn store_response_in_quotas(
        &self,
        r: &NewResponse,
        submission_key: &str,
        places: Vec<QuotaPlace>,
    ) -> Result<Stored> {
        let key_hash = hash_submission_key(submission_key);
        let id = uuid::Uuid::new_v4();
        let today = time::OffsetDateTime::now_utc().date();
        let metadata = serde_json::to_string(&r.metadata).map_err(json_error)?;
        let answers = serde_json::to_string(&r.answers).map_err(json_error)?;
        // The response's cells, when its version's layout is known (else the backfill).
        let day = iso_day(today);
        let cells = self.layout(&r.survey_id, &r.survey_version).map(|layout| {
            cells::encode(
                &layout,
                &cells::Facts {
                    version: &r.survey_version,
                    lang: r.lang.code(),
                    day: &day,
                    channel: &r.channel,
                    source: r.source.as_deref(),
                    metadata: &r.metadata,
                    answers: &r.answers,
                },
            )
        });
        let row = ResponseRow {
            id,
            survey_id: r.survey_id.clone(),
            survey_version: r.survey_version.clone(),
            lang: r.lang.code(),
            channel: r.channel.clone(),
            source: r.source.clone(),
            metadata,
            submitted_on: today,
            answers,
            key_hash,
            places,
            // From the random id: a shard says nothing about the response.
            shard: i16::from(id.as_bytes()[0] % COUNT_SHARDS),
            cells,
        };
        let stored = match &self.backend {
            Backend::Sqlite(p) => p.store_response(row).await,
            Backend::Postgres(p) => postgres::store_response(p.db_write(), &row).await,
        };
        match &stored {
            Ok(_) => self.health.clear(),
            Err(e) => self.health.record_error(e),
        }
        stored
    }

    /// Number of stored responses of a survey (all versions). From the read replica when
    /// there is one, so that it agrees with the estimates read next to it.
    pub async fn count_responses(&self, survey_id: &str) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(p) => sqlite::count_responses(p, survey_id).await,
            Backend::Postgres(p) => postgres::count_responses(p.db_read().await, survey_id).await,
        }
    }

    /// `None` without a read replica; else whether analysts' reads go to it right now (false
    /// while it does not answer and reads fall back to the primary).
    pub async fn reads_from_replica(&self) -> Option<bool> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => p.reads_from_replica().await,
        }
    }

    /// Every response of a survey, streamed from the database in random-id order (which says
    /// nothing about submission order). Memory stays constant whatever the number of rows.
    pub fn responses<'a>(&'a self, survey_id: &str) -> BoxStream<'a, Result<StoredResponse>> {
        match &self.backend {
            Backend::Sqlite(p) => sqlite::responses(p, survey_id.to_owned()),
            Backend::Postgres(p) => {
                let survey_id = survey_id.to_owned();
                async move { postgres::responses(p.db_read().await, survey_id) }
                    .flatten_stream()
                    .boxed()
            }
        }
    }

    /// The requested answer keys (question or grid item ids) and the metadata of every
    /// response of a survey, streamed. Only these keys leave the database (`json_extract` /
    /// `->`), so an estimate over a million responses never loads unrelated answers or surveys.
    pub fn answer_columns<'a>(
        &'a self,
        survey_id: &str,
        keys: &[&str],
    ) -> BoxStream<'a, Result<AnswerRow>> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let refused = if keys.len() > MAX_ANSWER_COLUMNS {
            Some(format!(
                "at most {MAX_ANSWER_COLUMNS} answer columns at once"
            ))
        } else {
            keys.iter()
                .find(|k| !is_answer_key(k))
                .map(|bad| format!("not an answer key: {bad:?}"))
        };
        if let Some(message) = refused {
            let err = Error::BadRequest(message);
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        match &self.backend {
            Backend::Sqlite(p) => sqlite::answer_columns(p, survey_id.to_owned(), keys),
            Backend::Postgres(p) => {
                let survey_id = survey_id.to_owned();
                async move { postgres::answer_columns(p.db_read().await, survey_id, keys) }
                    .flatten_stream()
                    .boxed()
            }
        }
    }

    /// Delete submission-key claims older than `keep_days` days. A claim only has to outlive
    /// the forms that could still be resubmitted (the session lifetime), so a few days is ample.
    pub async fn purge_submission_keys(&self, keep_days: u32) -> Result<u64> {
        let cutoff =
            time::OffsetDateTime::now_utc().date() - time::Duration::days(keep_days.into());
        match &self.backend {
            Backend::Sqlite(p) => sqlite::purge_submission_keys(p, cutoff).await,
            Backend::Postgres(p) => postgres::purge_submission_keys(p.db_write(), cutoff).await,
        }
    }

    /// The session store on this database (sessions hold answers in progress; in the database
    /// rather than in memory so that any app server can answer any request). On the primary
    /// only: a session is read back right after it is written, often by another app server.
    pub fn session_store(&self) -> SessionStore {
        match &self.backend {
            Backend::Sqlite(p) => SessionStore::sqlite(p),
            Backend::Postgres(p) => SessionStore::postgres(p.db_write().clone()),
        }
    }

    /// Start a background task that deletes expired sessions every `period` (abandoned
    /// answers in progress must not linger). Errors are logged and the task keeps going.
    pub fn spawn_session_purge(&self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        self.session_store().spawn_purge(period)
    }

    /// Rewrite the stored responses so that the files keep no order of arrival (see
    /// `mizan scrub`). Returns the number of responses.
    pub async fn scrub(&self) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(p) => sqlite::scrub_now(p).await,
            Backend::Postgres(p) => postgres::scrub(p.db_write()).await,
        }
    }

    /// The SQLite pool, for tests and maintenance (`PRAGMA integrity_check`).
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.backend {
            Backend::Sqlite(p) => Some(&p.writer),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL primary's pool, for tests and maintenance.
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(p.db_write()),
        }
    }

    /// Close every connection (SQLite checkpoints its write-ahead log).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(p) => {
                p.reader.close().await;
                p.writer.close().await;
            }
            Backend::Postgres(p) => p.close().await,
        }
    }
}

/// Upper bound on the keys of one [`Db::answer_columns`] call (a survey has far fewer answer
/// keys; the bound also caps the SQL shapes kept by [`interned_sql`]).
pub const MAX_ANSWER_COLUMNS: usize = 500;

/// A response as the backends insert it.
struct ResponseRow {
    id: uuid::Uuid,
    survey_id: String,
    survey_version: String,
    lang: &'static str,
    channel: String,
    source: Option<String>,
    metadata: String,
    submitted_on: time::Date,
    answers: String,
    /// SHA-256 of the submission key, claimed in the same transaction.
    key_hash: Vec<u8>,
    /// Quota places taken in the same transaction.
    places: Vec<QuotaPlace>,
    /// Which of the survey's count rows this response adds to (PostgreSQL).
    shard: i16,
    /// The compact typed form of the answers, inserted with the row (see [`cells`]).
    cells: Option<Vec<u8>>,
}

/// Count rows per survey on PostgreSQL (SQLite uses one).
const COUNT_SHARDS: u8 = 16;

/// `YYYY-MM-DD`.
pub(crate) fn iso_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `N` random bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    use rand::TryRng;
    let mut bytes = [0u8; N];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| Error::Other(format!("system random source: {e}")))?;
    Ok(bytes)
}

/// SHA-256 of a secret that is looked up but never stored (enrolment codes, kiosk cookies).
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// SHA-256 of the submission key: enough to recognise a repeat, useless to anyone who reads the
/// table (the key itself lives only in the person's form and session).
fn hash_submission_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Answer keys are survey ids (ASCII identifiers); anything else is refused before it gets near
/// a JSON path.
fn is_answer_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Other(format!("JSON: {e}"))
}

/// Text columns shared by both backends' response queries (PostgreSQL casts to text).
#[derive(sqlx::FromRow)]
struct RawResponse {
    id: String,
    survey_version: String,
    submitted_on: String,
    lang: String,
    channel: String,
    source: Option<String>,
    metadata: String,
    answers: String,
}

impl RawResponse {
    fn decode(self) -> Result<StoredResponse> {
        let metadata = parse_metadata(&self.metadata)?;
        let answers: Answers = serde_json::from_str(&self.answers).map_err(|e| {
            Error::Other(format!(
                "stored answers of response {} are not valid: {e}",
                self.id
            ))
        })?;
        Ok(StoredResponse {
            id: self.id,
            survey_version: self.survey_version,
            submitted_on: self.submitted_on,
            lang: self.lang,
            channel: self.channel,
            source: self.source,
            metadata,
            answers,
        })
    }
}

fn parse_metadata(json: &str) -> Result<BTreeMap<String, String>> {
    serde_json::from_str(json).map_err(|e| {
        Error::Other(format!(
            "stored metadata is not a JSON object of strings: {e}"
        ))
    })
}

/// Decode the dynamic row of [`Db::answer_columns`]: six fixed columns, then one JSON text
/// (or NULL) per requested key.
fn decode_answer_row<R>(row: &R, keys: usize) -> Result<AnswerRow>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let metadata: String = row.try_get(5)?;
    let mut values = Vec::with_capacity(keys);
    for i in 0..keys {
        let v: Option<String> = row.try_get(6 + i)?;
        values.push(match v {
            None => None,
            Some(json) => match serde_json::from_str::<Option<Answer>>(&json) {
                Ok(a) => a,
                Err(e) => return Err(Error::Other(format!("stored answer is not valid: {e}"))),
            },
        });
    }
    Ok(AnswerRow {
        survey_version: row.try_get(0)?,
        submitted_on: row.try_get(1)?,
        lang: row.try_get(2)?,
        channel: row.try_get(3)?,
        source: row.try_get(4)?,
        metadata: parse_metadata(&metadata)?,
        values,
    })
}

/// One row of [`Db::export_cells`]: id, cells, then one JSON text (or NULL) per text key.
fn decode_export_row<'r, R>(
    row: &'r R,
    keys: usize,
) -> Result<(&'r str, &'r [u8], Vec<Option<Answer>>)>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r [u8]: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'x> String: sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let mut texts = Vec::with_capacity(keys);
    for i in 0..keys {
        let v: Option<String> = row.try_get(2 + i)?;
        texts.push(match v {
            None => None,
            Some(json) => serde_json::from_str::<Option<Answer>>(&json)
                .map_err(|e| Error::Other(format!("stored answer is not valid: {e}")))?,
        });
    }
    Ok((row.try_get(0)?, row.try_get(1)?, texts))
}

/// The SQL of [`Db::answer_columns`] depends only on the backend and the number of keys (the
/// keys themselves are bound parameters). sqlx streams borrow their SQL text, so each distinct
/// shape is built once and kept for the life of the process: a few hundred bytes per shape.
fn interned_sql(
    backend: &'static str,
    keys: usize,
    build: impl FnOnce() -> String,
) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<(&'static str, usize), &'static str>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry((backend, keys))
        .or_insert_with(|| Box::leak(build().into_boxed_str()))
}
