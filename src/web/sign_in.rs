//! Staff sign-in and sign-out, shared by every role.
//!
//! | method | path      | what                                                            |
//! |--------|-----------|-----------------------------------------------------------------|
//! | GET    | `/login`  | sign-in form (`?next=/results/…`)                               |
//! | POST   | `/login`  | check name and password → `next` or the role's home (303), or the form again (401) |
//! | POST   | `/logout` | forget the account in this session → `/login`                   |
//!
//! Sign-in is throttled per account and per client ([`sign_in_guard`]). The session id is
//! renewed at sign-in and sign-out (no fixation); the session keeps only the account's name,
//! and its role and whether it is disabled are read again on every request ([`super::access`]).
//! Nothing about the account (name, IP) is logged.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};

use crate::Error;
use crate::accounts::{self, Role};

use super::AppState;
use super::access::STAFF_KEY;
use super::form::{FormPairs, query_pairs};
use super::i18n;
use super::sign_in_guard::{self, Peer, Refusal};
use super::views::results as view;
use super::views::{layout, pages};
use super::visit::{CSRF_FIELD, Visitor};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(sign_in_form).post(sign_in))
        .route("/logout", post(sign_out))
}

/// Where each role starts after signing in without a `next`.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        Role::Designer => "/design",
        Role::Analyst => "/results",
        Role::Interviewer => "/field",
    }
}

pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after sign-in: a clean path of this site's staff pages, checked once when read
/// so that nothing else can reach the `Location` header (no open redirect, no header injection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);

/// The staff pages a `next` may point into.
const STAFF_AREAS: [&str; 4] = ["/results", "/admin", "/field", "/design"];

impl NextPath {
    /// Longest `next` kept; staff addresses are far shorter.
    const MAX_LEN: usize = 512;

    /// `raw` (already percent-decoded once) when it is one of [`STAFF_AREAS`], below it
    /// (`/results/…`) or with a query (`/results?…`), made of visible ASCII only: no control
    /// character, space or backslash, no `//`, and none of those hidden behind a second round
    /// of `%` escapes. Anything else is dropped (the role's home is used).
    pub fn parse(raw: Option<&str>) -> Option<NextPath> {
        raw.filter(|n| Self::is_clean(n))
            .map(|n| NextPath(n.to_string()))
    }

    fn is_clean(n: &str) -> bool {
        let under_staff = STAFF_AREAS.iter().any(|area| {
            n.strip_prefix(area)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
        });
        let visible = |b: u8| b.is_ascii_graphic() && b != b'\\';
        under_staff
            && n.len() <= Self::MAX_LEN
            && n.bytes().all(visible)
            && !n.contains("//")
            && escaped_bytes(n).all(|b| b >= 0x80 || visible(b))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The bytes that `%XX` escapes in `s` stand for.
fn escaped_bytes(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.as_bytes().windows(3).filter_map(|w| {
        let hex = |b: u8| (b as char).to_digit(16);
        match w {
            [b'%', hi, lo] => Some((hex(*hi)? * 16 + hex(*lo)?) as u8),
            _ => None,
        }
    })
}

async fn sign_in_form(visitor: Visitor, RawQuery(query): RawQuery) -> Result<Response, Error> {
    let next = NextPath::parse(
        query_pairs(query.as_deref())
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    render_sign_in(&visitor, next.as_ref(), "", false).await
}

async fn render_sign_in(
    visitor: &Visitor,
    next: Option<&NextPath>,
    name: &str,
    wrong: bool,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token().await?;
    let heading = i18n::SIGN_IN_TITLE.get(lang);
    let title = pages::title(lang, heading, None, wrong);
    let switch = layout::switch_href("/login", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    let page = view::sign_in(
        &chrome,
        &view::SignInPage {
            csrf: &csrf,
            next: next.map(NextPath::as_str).unwrap_or(""),
            name,
            wrong,
        },
    );
    let status = if wrong {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

/// Checks name and password unless the account or the client is locked or too many checks
/// wait (see [`sign_in_guard`]): then the "too many attempts" page, the same whether the
/// account exists or not.
async fn sign_in(
    State(state): State<AppState>,
    Peer(peer): Peer,
    visitor: Visitor,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let name = form.first("name").unwrap_or("").trim();
    let password = form.first("password").unwrap_or("");
    let next = NextPath::parse(form.first("next"));
    let guard = sign_in_guard::guard();
    let keys = guard.keys(name, peer);
    if let Err(refusal) = guard.check(&keys) {
        return Ok(render_throttled(&visitor, refusal));
    }
    let check = {
        let (db, name, password) = (state.db.clone(), name.to_string(), password.to_string());
        async move { accounts::sign_in(&db, &name, &password).await }
    };
    let signed_in = match guard.verify(&keys, check).await {
        Ok(result) => result?,
        Err(refusal) => return Ok(render_throttled(&visitor, refusal)),
    };
    if let Some(account) = signed_in {
        guard.succeeded(&keys);
        let role = state
            .db
            .staff(account.as_str())
            .await?
            .and_then(|a| Role::parse(&a.role));
        if let Some(role) = role {
            visitor.session.cycle_id().await?;
            visitor
                .session
                .insert(STAFF_KEY, account.as_str().to_string())
                .await?;
            let to = next.as_ref().map_or(home_of(role), NextPath::as_str);
            return Ok(Redirect::to(to).into_response());
        }
    }
    guard.failed(&keys);
    render_sign_in(&visitor, next.as_ref(), name, true).await
}

/// 429 (locked) or 503 (too many checks waiting), with `Retry-After`.
fn render_throttled(visitor: &Visitor, refusal: Refusal) -> Response {
    let lang = visitor.lang;
    let (status, wait) = match refusal {
        Refusal::Locked(wait) => (StatusCode::TOO_MANY_REQUESTS, wait),
        Refusal::Busy => (StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)),
    };
    let heading = sign_in_guard::THROTTLED_TITLE.get(lang);
    let title = pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/login", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    let body = sign_in_guard::throttled_body(lang, wait);
    let retry_after = wait.as_secs().div_ceil(60).max(1) * 60;
    (
        status,
        [(RETRY_AFTER, retry_after.to_string())],
        pages::error(&chrome, heading, &body),
    )
        .into_response()
}

async fn sign_out(visitor: Visitor, form: FormPairs) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    visitor.session.remove::<String>(STAFF_KEY).await?;
    visitor.session.cycle_id().await?;
    Ok(Redirect::to("/login").into_response())
}

#[cfg(test)]
mod tests {
    use super::NextPath;

    #[test]
    fn next_keeps_clean_staff_paths_only() {
        for kept in [
            "/results",
            "/results/citizen-security",
            "/results/citizen-security?domain=gender",
            "/results?x=%D9%88",
        ] {
            assert_eq!(NextPath::parse(Some(kept)).unwrap().as_str(), kept);
        }
        for dropped in [
            "/results\n",
            "/results\r\n",
            "/results\u{7f}",
            "/results\0",
            "/results x",
            "/results/%0A",
            "/results/%7f",
            "/results/%5Cx",
            "//evil.example",
            "/\\evil",
            "https://x",
            "results",
            "/resultsx",
            "/results//evil",
            "/results/وطن",
            "",
        ] {
            assert_eq!(NextPath::parse(Some(dropped)), None, "{dropped:?}");
        }
        assert_eq!(NextPath::parse(None), None);
        for kept in [
            "/admin",
            "/admin/kiosks",
            "/field",
            "/field/ab12?x=1",
            "/design",
        ] {
            assert!(NextPath::parse(Some(kept)).is_some(), "{kept}");
        }
        for dropped in ["/adminx", "/kiosk", "/s/citizen-security", "/login"] {
            assert_eq!(NextPath::parse(Some(dropped)), None, "{dropped}");
        }
        let long = format!("/results/{}", "a".repeat(600));
        assert_eq!(NextPath::parse(Some(&long)), None);
    }
}
