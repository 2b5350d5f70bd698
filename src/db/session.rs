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
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionStore {
    /// On SQLite the store shares the single writer connection (see `db::sqlite`), so session
    /// writes queue behind response writes instead of failing with `SQLITE_BUSY`.
    pub(super) fn sqlite(writer: sqlx::SqlitePool) -> SessionStore {
        SessionStore::Sqlite(SqliteStore::new(writer))
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
            SessionStore::Sqlite(s) => s.create(record).await,
            SessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.save(record).await,
            SessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionStore::Sqlite(s) => s.load(session_id).await,
            SessionStore::Postgres(s) => s.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.delete(session_id).await,
            SessionStore::Postgres(s) => s.delete(session_id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.delete_expired().await,
            SessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
