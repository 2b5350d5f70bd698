//! What the server remembers about one person's visit.
//!
//! Two cookies that never reach the database:
//! - `mizan-visit`: a random token from the operating system's CSPRNG, set on the first page.
//!   It is the CSRF token (double-submit: every form carries it in a hidden field, and a POST
//!   whose field differs from the cookie is refused; the cookie is HttpOnly and SameSite=Strict,
//!   so another site can neither read nor send it) and the seed of randomised option orders;
//! - `mizan-lang`: the interface language (`?lang=en` on any page switches and is remembered).
//!
//! And the server-side session (tower-sessions; the `mizan` cookie holds only a random id),
//! per survey a [`Progress`]: answers saved so far, the allowed source tag of the link, and
//! the submission keys. A session row is written only once there is something to keep — the
//! first saved page, or an analyst's sign-in — so a stream of cookie-less GETs writes nothing.
//!
//! Answers in progress live only in the session; nothing reaches the responses table before
//! the final submit, the answers leave the session at the submit, and abandoned sessions
//! expire after [`INACTIVITY`] and are purged.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::TryRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use crate::Error;
use crate::survey::{Answers, Lang};

use super::form::query_pairs;

/// Sessions expire after this long without a saved change (default of `serve
/// --session-hours`). Without JavaScript a page cannot warn before a timeout and offer more
/// time, so the limit uses WCAG 2.2.1's 20-hour exception; abandoned sessions are still purged.
pub const INACTIVITY: time::Duration = time::Duration::hours(21);
/// The visit token's cookie (CSRF token, option-order seed).
pub const VISIT_COOKIE: &str = "mizan-visit";
/// The interface language's cookie.
pub const LANG_COOKIE: &str = "mizan-lang";
/// How many used submission keys a progress remembers (retries of recent submits).
const REMEMBERED_KEYS: usize = 8;

/// One survey's progress in a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    pub answers: Answers,
    /// What was entered on pages the person switched language on before saving them, as
    /// posted (not validated), most recent last; shown on the page until it is saved.
    #[serde(default)]
    pub drafts: Vec<Draft>,
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
    /// The survey version the answers were given in; a reload that changes the file makes the
    /// survey pages re-check them (`survey::answers::keep_valid`) and say so.
    #[serde(default)]
    pub version: Option<String>,
    /// The file changed since the last page: the next page says so once.
    #[serde(default)]
    pub survey_changed: bool,
    /// Opened through a single-use invitation of a drawn sample: what the response is stamped
    /// with (never the token, which is not kept anywhere).
    #[serde(default)]
    pub invitation: Option<Invited>,
    /// The person's answers put them in a full quota cell: thanked, nothing stored, and (on a
    /// shared link) not asked again in this session.
    #[serde(default)]
    pub screened_out: bool,
}

/// The sampling stamp of an invitation (`db::InvitationStamp` without the survey).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invited {
    pub stratum: String,
    pub cluster: String,
    pub base_weight: f64,
}

/// One page's unsaved entries (see [`Progress::drafts`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Draft {
    /// The page's id in the survey file.
    pub page: String,
    pub entries: Vec<(String, String)>,
}

/// How many characters of drafts a progress keeps at most (the oldest other pages go first).
const DRAFTS_LIMIT: usize = 64 * 1024;

impl Progress {
    /// The unsaved entries of this page, if the person left some.
    pub fn draft(&self, page: &str) -> Option<&Draft> {
        self.drafts.iter().find(|d| d.page == page)
    }

    /// Keep `entries` as this page's draft, replacing an older one.
    pub fn keep_draft(&mut self, page: &str, entries: Vec<(String, String)>) {
        self.drop_draft(page);
        self.drafts.push(Draft {
            page: page.to_string(),
            entries,
        });
        let size = |d: &Draft| {
            d.entries
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
        };
        while self.drafts.len() > 1 && self.drafts.iter().map(size).sum::<usize>() > DRAFTS_LIMIT {
            self.drafts.remove(0);
        }
    }

    pub fn drop_draft(&mut self, page: &str) {
        self.drafts.retain(|d| d.page != page);
    }

    pub fn remember_submitted(&mut self, key: String) {
        self.submitted.push(key);
        if self.submitted.len() > REMEMBERED_KEYS {
            self.submitted.remove(0);
        }
    }
}

/// The person's session, language and visit token, available to every handler.
#[derive(Clone)]
pub struct Visitor {
    pub session: Session,
    pub lang: Lang,
    visit: VisitToken,
    /// Cookies set for this visit carry `Secure` (`serve --secure-cookies`).
    secure_cookies: bool,
}

/// Whether cookies get `Secure`, put in the request by [`visit_cookies`].
#[derive(Debug, Clone, Copy)]
struct SecureCookies(bool);

/// The visit token of this request (from its cookie, or new), put there by [`visit_cookies`].
#[derive(Debug, Clone)]
pub struct VisitToken(String);

impl VisitToken {
    /// 32 random bytes as 64 lowercase hex digits; anything else in the cookie is replaced.
    fn parse(s: &str) -> Option<VisitToken> {
        (s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| VisitToken(s.to_string()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| Error::Other(msg.to_string()))?;
        let visit = parts
            .extensions
            .get::<VisitToken>()
            .cloned()
            .ok_or_else(|| Error::Other("the visit middleware is not installed".into()))?;
        let lang = lang_of(parts.uri.query(), &parts.headers);
        Ok(Visitor {
            session,
            lang,
            visit,
            secure_cookies: parts.extensions.get::<SecureCookies>().is_some_and(|s| s.0),
        })
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The language asked for in the query (`?lang=`), else the remembered one, else Arabic.
pub fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    query_pairs(query)
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default()
}

/// The language of a request, for middleware that runs around the handlers.
pub fn requested_lang(req: &Request) -> Lang {
    lang_of(req.uri().query(), req.headers())
}

/// Cookie attributes: HttpOnly, SameSite=Strict, whole site, Secure behind HTTPS; no
/// Max-Age, so a browser forgets them when it closes.
fn set_cookie(name: &str, value: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .ok()
}

/// Middleware: give every request its visit token (new when the cookie is missing) and
/// remember a language switch, both in cookies, never in the database.
pub async fn visit_cookies(
    axum::extract::State(secure): axum::extract::State<bool>,
    mut req: Request,
    next: Next,
) -> Response {
    let (token, new) = match cookie(req.headers(), VISIT_COOKIE).and_then(VisitToken::parse) {
        Some(t) => (t, false),
        None => match random_hex(32) {
            Ok(hex) => (VisitToken(hex), true),
            Err(e) => return axum::response::IntoResponse::into_response(e),
        },
    };
    let asked = query_pairs(req.uri().query())
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    let remembered = cookie(req.headers(), LANG_COOKIE).and_then(Lang::parse);
    req.extensions_mut().insert(token.clone());
    req.extensions_mut().insert(SecureCookies(secure));
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if new {
        if let Some(v) = set_cookie(VISIT_COOKIE, &token.0, secure) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    if let Some(lang) = asked.filter(|l| Some(*l) != remembered) {
        if let Some(v) = set_cookie(LANG_COOKIE, lang.code(), secure) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    res
}

impl Visitor {
    /// A `Set-Cookie` value for this visit, with the same attributes as the visit's own
    /// cookies.
    pub fn cookie_header(&self, name: &str, value: &str) -> Option<HeaderValue> {
        set_cookie(name, value, self.secure_cookies)
    }

    /// The session key of a survey's progress on a public link.
    pub fn progress_key(survey_id: &str) -> String {
        format!("survey:{survey_id}")
    }

    /// This visit's progress in a survey if it has one, without creating it.
    pub async fn saved_progress(&self, survey_id: &str) -> Result<Option<Progress>, Error> {
        self.saved_progress_at(&Self::progress_key(survey_id)).await
    }

    /// The progress kept in the session under `key`, if any.
    pub async fn saved_progress_at(&self, key: &str) -> Result<Option<Progress>, Error> {
        Ok(self.session.get::<Progress>(key).await?)
    }

    /// A fresh progress (nothing answered). The option-order seed comes from the visit token,
    /// so every render of a fresh progress shows the same order without writing anything.
    pub fn fresh_progress(&self, survey_id: &str) -> Progress {
        Progress {
            seed: self.seed(survey_id),
            ..Progress::default()
        }
    }

    /// This visit's progress in a survey (a fresh one the first time, not saved until there is
    /// something in it).
    pub async fn progress(&self, survey_id: &str) -> Result<Progress, Error> {
        match self.saved_progress(survey_id).await? {
            Some(p) => Ok(p),
            None => Ok(self.fresh_progress(survey_id)),
        }
    }

    /// The same visit with a new visit token (CSRF token and option-order seed), and the
    /// `Set-Cookie` that gives it to the browser: every form of the previous person on a kiosk
    /// stops working, and the browser's back-forward cache drops their pages.
    pub fn renewed(&self) -> Result<(Visitor, HeaderValue), Error> {
        let token = VisitToken(random_hex(32)?);
        let header = set_cookie(VISIT_COOKIE, &token.0, self.secure_cookies)
            .ok_or_else(|| Error::Other("visit cookie".into()))?;
        let mut renewed = self.clone();
        renewed.visit = token;
        Ok((renewed, header))
    }

    /// A `Set-Cookie` that makes the browser forget the remembered language (a kiosk's next
    /// person starts in Arabic).
    pub fn forget_language(&self) -> Option<HeaderValue> {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        ))
        .ok()
    }

    fn seed(&self, survey_id: &str) -> u64 {
        let digest = Sha256::new()
            .chain_update(b"option-order\0")
            .chain_update(self.visit.0.as_bytes())
            .chain_update(b"\0")
            .chain_update(survey_id.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }

    pub async fn save_progress(&self, survey_id: &str, progress: &Progress) -> Result<(), Error> {
        self.save_progress_at(&Self::progress_key(survey_id), progress)
            .await
    }

    pub async fn save_progress_at(&self, key: &str, progress: &Progress) -> Result<(), Error> {
        self.session.insert(key, progress).await?;
        Ok(())
    }

    /// The CSRF token for this visit's forms: the visit token itself (double submit).
    pub async fn csrf_token(&self) -> Result<String, Error> {
        Ok(self.csrf_token_now())
    }

    pub fn csrf_token_now(&self) -> String {
        self.visit.0.clone()
    }

    /// Check the `csrf` field of a posted form against the visit cookie, in constant time.
    pub async fn verify_csrf(&self, posted: Option<&str>) -> Result<(), Error> {
        match posted {
            Some(posted) if constant_time_eq(&self.visit.0, posted) => Ok(()),
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
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; mizan-lang=en"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("mizan-visit=x"));
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, VISIT_COOKIE), Some("x"));
        assert_eq!(cookie(&h, "mizan"), None);
        assert_eq!(lang_of(None, &h), Lang::En);
        assert_eq!(lang_of(Some("lang=ar"), &h), Lang::Ar);
    }

    #[test]
    fn only_well_formed_visit_tokens_are_kept() {
        assert!(VisitToken::parse(&"a".repeat(64)).is_some());
        assert!(VisitToken::parse(&"A".repeat(64)).is_none());
        assert!(VisitToken::parse("abc").is_none());
        assert!(VisitToken::parse(&format!("{};x", "a".repeat(61))).is_none());
    }

    #[test]
    fn random_hex_has_the_asked_length_and_differs() {
        let a = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32).unwrap());
    }
}
