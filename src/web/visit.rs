//! What the server remembers about one person's visit, kept in their server-side session
//! (tower-sessions; the cookie holds only a random id).
//!
//! - the interface language (`?lang=en` on any page switches and is remembered),
//! - a CSRF token, random from the operating system's CSPRNG, checked on every POST,
//! - per survey, a [`Progress`]: answers saved so far, the allowed source tag of the link,
//!   the seed that keeps randomised option orders stable, and the submission keys.
//!
//! Answers in progress live only here; nothing reaches the responses table before the final
//! submit, and abandoned sessions expire after [`INACTIVITY`] and are purged.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::TryRng;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::Error;
use crate::survey::{Answers, Lang};

use super::form::query_pairs;

/// Sessions expire after this long without a saved change (default of `serve
/// --session-hours`). Without JavaScript a page cannot warn before a timeout and offer more
/// time, so the limit uses WCAG 2.2.1's 20-hour exception; abandoned sessions are still purged.
pub const INACTIVITY: time::Duration = time::Duration::hours(21);
const LANG_KEY: &str = "lang";
const CSRF_KEY: &str = "csrf";
/// How many used submission keys a progress remembers (retries of recent submits).
const REMEMBERED_KEYS: usize = 8;

/// One survey's progress in a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    pub answers: Answers,
    /// Allowed `source` tag of the link the person came from.
    pub source: Option<String>,
    /// Seed for randomised option orders, fixed for the visit so re-renders keep the order.
    pub seed: u64,
    /// The key issued with the current check-answers form.
    pub submission_key: Option<String>,
    /// Keys already stored: a retried POST with one of them shows the confirmation again.
    pub submitted: Vec<String>,
    /// The last submit succeeded and nothing new has been answered since.
    pub done: bool,
}

impl Progress {
    pub fn remember_submitted(&mut self, key: String) {
        self.submitted.push(key);
        if self.submitted.len() > REMEMBERED_KEYS {
            self.submitted.remove(0);
        }
    }
}

/// The person's session and language, available to every handler.
#[derive(Clone)]
pub struct Visitor {
    pub session: Session,
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| Error::Other(msg.to_string()))?;
        let asked = query_pairs(parts.uri.query())
            .into_iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v));
        let lang = match asked {
            Some(lang) => {
                if session_lang(&session).await? != Some(lang) {
                    session.insert(LANG_KEY, lang).await?;
                }
                lang
            }
            None => session_lang(&session).await?.unwrap_or_default(),
        };
        Ok(Visitor { session, lang })
    }
}

/// The language remembered in a session, if any.
pub async fn session_lang(session: &Session) -> Result<Option<Lang>, Error> {
    Ok(session.get::<Lang>(LANG_KEY).await?)
}

impl Visitor {
    fn progress_key(survey_id: &str) -> String {
        format!("survey:{survey_id}")
    }

    /// This visit's progress in a survey if it has one, without creating it.
    pub async fn saved_progress(&self, survey_id: &str) -> Result<Option<Progress>, Error> {
        Ok(self
            .session
            .get::<Progress>(&Self::progress_key(survey_id))
            .await?)
    }

    /// This visit's progress in a survey (a fresh one, with a new seed, the first time).
    pub async fn progress(&self, survey_id: &str) -> Result<Progress, Error> {
        match self
            .session
            .get::<Progress>(&Self::progress_key(survey_id))
            .await?
        {
            Some(p) => Ok(p),
            None => {
                // Saved at once so that the option order stays the same on every render.
                let fresh = Progress {
                    seed: random_u64()?,
                    ..Progress::default()
                };
                self.save_progress(survey_id, &fresh).await?;
                Ok(fresh)
            }
        }
    }

    pub async fn save_progress(&self, survey_id: &str, progress: &Progress) -> Result<(), Error> {
        self.session
            .insert(&Self::progress_key(survey_id), progress)
            .await?;
        Ok(())
    }

    /// The session's CSRF token, created on first use.
    pub async fn csrf_token(&self) -> Result<String, Error> {
        if let Some(token) = self.session.get::<String>(CSRF_KEY).await? {
            return Ok(token);
        }
        let token = random_hex(32)?;
        self.session.insert(CSRF_KEY, &token).await?;
        Ok(token)
    }

    /// Check the `csrf` field of a posted form against the session's token, in constant time.
    pub async fn verify_csrf(&self, posted: Option<&str>) -> Result<(), Error> {
        let expected = self.session.get::<String>(CSRF_KEY).await?;
        match (expected, posted) {
            (Some(expected), Some(posted)) if constant_time_eq(&expected, posted) => Ok(()),
            _ => Err(Error::Forbidden),
        }
    }
}

/// Name of the hidden CSRF field in every form.
pub const CSRF_FIELD: &str = "csrf";

fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, Error> {
    let mut bytes = vec![0u8; n];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| Error::Other(format!("system random source: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn random_u64() -> Result<u64, Error> {
    rand::rngs::SysRng
        .try_next_u64()
        .map_err(|e| Error::Other(format!("system random source: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert!(!constant_time_eq("", "a"));
    }

    #[test]
    fn random_hex_has_the_asked_length_and_differs() {
        let a = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32).unwrap());
    }
}
