//! The one error type. Every fallible path in the crate returns [`Error`]; the web layer turns
//! it into a page with a 4xx/5xx status (see `web::error_page`), the CLI into a message and exit
//! code. Messages never carry respondent data, IPs or tokens.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more survey files are invalid; the report names file, line and problem.
    #[error("{0}")]
    InvalidSurvey(crate::survey::Report),
    /// The request cannot be processed as sent (malformed form, unknown survey, bad token...).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request body is larger than the server accepts (web forms: 64 KiB).
    #[error("request body too large")]
    TooLarge,
    #[error("not found")]
    NotFound,
    /// Signed in, but the account's role may not open this page (`web::access`).
    #[error("this account's role may not open this page")]
    Denied,
    /// A kiosk page opened in a browser that is not an enrolled kiosk (or was revoked).
    #[error("this screen is not enrolled as a kiosk")]
    NotEnrolled,
    /// An invitation link whose token is malformed or was never issued.
    #[error("this invitation link is not valid")]
    InvitationNotValid,
    /// An invitation link that was opened before (invitations work once).
    #[error("this invitation link has already been used")]
    InvitationUsed,
    /// Too many responses from one connection to a public link in the last hour.
    #[error("too many responses from this connection")]
    TooManySubmits,
    /// CSRF token missing or wrong.
    #[error("the form has expired or was not sent by this site")]
    Forbidden,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    /// Statistics input that cannot be estimated (missing targets, empty cells, bad design file).
    #[error("{0}")]
    Stats(String),
    /// The storage cannot take writes now (disk full, read-only, locked, unreachable): a 503
    /// page asking the person to try again shortly, never a blank 500.
    #[error("{}", .0.describe())]
    Unavailable(crate::db::Fault),
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The storage fault behind this error, if it is one: waiting cures it, the request was
    /// fine.
    pub fn storage_fault(&self) -> Option<crate::db::Fault> {
        match self {
            Error::Unavailable(f) => Some(*f),
            Error::Database(e) => crate::db::Fault::of_sqlx(e),
            Error::Migrate(sqlx::migrate::MigrateError::Execute(e)) => crate::db::Fault::of_sqlx(e),
            // The session store talks to the same database; its errors arrive as text.
            Error::Session(tower_sessions::session::Error::Store(_)) => {
                Some(crate::db::Fault::Unreachable)
            }
            _ => None,
        }
    }

    /// A SQLite error met on a handle used directly (the writer, the scans): a storage fault
    /// keeps its kind, anything else its message, prefixed with what was being done.
    pub fn sqlite(doing: &str, e: rusqlite::Error) -> Self {
        let fault = match &e {
            rusqlite::Error::SqliteFailure(f, _) => {
                crate::db::Fault::of_sqlite_code(f.extended_code)
            }
            _ => None,
        };
        match fault {
            Some(fault) => {
                tracing::warn!(error = %e, "{doing} failed");
                Error::Unavailable(fault)
            }
            None => Error::Other(format!("{doing} failed: {e}")),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::sqlite("a database write", e)
    }
}
