//! Sessions (answers in progress, CSRF token) in the same database as the responses, through
//! tower-sessions-sqlx-store, so that several app servers behind a load balancer can each
//! answer any request of a person's session.
//!
//! The web layer needs one concrete store type whichever database `DATABASE_URL` names, hence
//! this enum delegating to the two stores. Expired (abandoned) sessions are deleted by a
//! background task, see [`SessionStore::spawn_purge`].

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum SessionStore {
    Sqlite(SqliteSessions),
    Postgres(PostgresStore),
}

/// Sessions on SQLite: loads through the reader pool (in WAL mode they run beside the writer
/// and always see the last commit), creates and saves through the writer task's batches (see
/// `db::sqlite`), so the one writer connection commits many sessions per transaction.
#[derive(Debug, Clone)]
pub struct SqliteSessions {
    /// The store on the reader pool: `load`.
    reader: SqliteStore,
    /// The store on the writer pool: `delete`, `delete_expired` (rare, one statement each).
    writer: SqliteStore,
    pools: super::sqlite::Pools,
}

/// The record as stored: its expiry moved to the end of its UTC day.
///
/// The exact expiry is the time of the last saved page plus the inactivity limit, so a stored
/// exact expiry would tell anyone holding the database file when each person last answered —
/// and, next to the response written in the same moment, when they submitted. Rounded up to
/// the day, it says no more than the response's own date. The cost: a session may outlive
/// its inactivity limit by up to a day before it is purged.
fn coarse(record: &Record) -> Record {
    let mut r = record.clone();
    r.expiry_date = end_of_day(r.expiry_date);
    r
}

pub(super) fn end_of_day(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    if t.time() == time::Time::MIDNIGHT {
        return t;
    }
    let next = t.date().next_day().unwrap_or(t.date());
    next.midnight().assume_utc()
}

impl SqliteSessions {
    async fn write(&self, record: &Record, create: bool) -> session_store::Result<bool> {
        // The record as `coarse` would make it, encoded without copying its data: the same
        // fields in the same order, so the store's own `load` decodes it as a `Record`.
        #[derive(serde::Serialize)]
        struct Stored<'r> {
            id: &'r Id,
            data: &'r std::collections::HashMap<String, serde_json::Value>,
            expiry_date: time::OffsetDateTime,
        }
        let expiry_date = end_of_day(record.expiry_date);
        let stored = Stored {
            id: &record.id,
            data: &record.data,
            expiry_date,
        };
        let data =
            rmp_serde::to_vec(&stored).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        self.pools
            .write_session(super::sqlite::SessionRow {
                id: record.id.to_string(),
                data,
                expiry: expiry_date,
                create,
            })
            .await
            .map_err(|e| session_store::Error::Backend(e.to_string()))
    }
}

impl SessionStore {
    /// On SQLite the store writes through the single writer (see `db::sqlite`), so session
    /// writes queue with response writes instead of failing with `SQLITE_BUSY`.
    pub(super) fn sqlite(pools: &super::sqlite::Pools) -> SessionStore {
        SessionStore::Sqlite(SqliteSessions {
            reader: SqliteStore::new(pools.reader.clone()),
            writer: SqliteStore::new(pools.writer.clone()),
            pools: pools.clone(),
        })
    }

    pub(super) fn postgres(pool: sqlx::PgPool) -> SessionStore {
        SessionStore::Postgres(PostgresStore::new(pool))
    }

    /// Delete expired sessions every `period`, forever. Unlike the store's own
    /// `continuously_delete_expired`, a failed purge (database briefly unreachable) is logged
    /// and retried at the next tick instead of ending the task.
    pub fn spawn_purge(self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(e) = self.delete_expired().await {
                    tracing::warn!("purging expired sessions failed: {e}");
                }
            }
        })
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => {
                // As SqliteStore::create: draw new ids until one is free.
                while !s.write(record, true).await? {
                    record.id = Id::default();
                }
                Ok(())
            }
            SessionStore::Postgres(s) => {
                let mut stored = coarse(record);
                s.create(&mut stored).await?;
                record.id = stored.id;
                Ok(())
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.write(record, false).await.map(|_| ()),
            SessionStore::Postgres(s) => s.save(&coarse(record)).await,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionStore::Sqlite(s) => s.reader.load(session_id).await,
            SessionStore::Postgres(s) => s.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.writer.delete(session_id).await,
            SessionStore::Postgres(s) => s.delete(session_id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::end_of_day;
    use time::macros::datetime;

    #[test]
    fn expiry_is_moved_to_the_end_of_its_day() {
        assert_eq!(
            end_of_day(datetime!(2026-12-01 13:47:12.123 UTC)),
            datetime!(2026-12-02 0:00 UTC)
        );
        assert_eq!(
            end_of_day(datetime!(2026-12-31 23:59:59 UTC)),
            datetime!(2027-01-01 0:00 UTC)
        );
        assert_eq!(
            end_of_day(datetime!(2026-12-02 0:00 UTC)),
            datetime!(2026-12-02 0:00 UTC)
        );
        assert_eq!(
            end_of_day(datetime!(2026-12-01 23:30 -3)),
            datetime!(2026-12-03 0:00 UTC)
        );
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.writer.delete_expired().await,
            SessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
