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
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
