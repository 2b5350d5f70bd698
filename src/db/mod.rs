//! Storage on SQLite (embedded default) or PostgreSQL (several app servers, one database).
//!
//! Interface used by the web layer and the CLI (implementation owned by the storage work):
//! - `Db::connect(url)`: open (creating the SQLite file if needed) and migrate.
//! - `Db::store_response(&NewResponse, submission_key)`: store once; a repeated key is
//!   `Stored::Duplicate`, never a second row.
//! - `Db::session_store()`: the tower-sessions store on the same database.

use std::collections::BTreeMap;

use crate::survey::{Answers, Lang};

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
}
