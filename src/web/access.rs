//! Who may reach which route: the one table ([`RULES`]) and the middleware that enforces it.
//!
//! Every route of the application has a row here, and a route without one is refused (404):
//! adding a route without saying who may reach it fails closed, and `tests/access_matrix.rs`
//! walks every row with every role, signed out and as a kiosk.
//!
//! - [`Who::Anyone`]: citizens' pages, sign-in, the stylesheet, health.
//! - [`Who::Kiosk`]: a browser enrolled as a kiosk (its cookie names an unrevoked kiosk);
//!   anything else gets "this screen is not enrolled".
//! - [`Who::Staff`]: a signed-in, enabled account with one of the roles. Signed out, a page
//!   redirects to the sign-in (and back after it), a form post is refused as expired; signed
//!   in with another role, "your account cannot open this page" (403).
//!
//! The role and the disabled flag are read from the database on every staff request, so an
//! admin's change counts at once. What the middleware proved travels on as [`Staff`] or
//! [`EnrolledKiosk`] in the request: handlers take those extractors and never check again.

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::Error;
use crate::accounts::{Role, StaffName};
use crate::db::Kiosk;

use super::AppState;
use super::visit::cookie;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anyone,
    Kiosk,
    Staff(&'static [Role]),
}

/// One route: method, axum path pattern, who may reach it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    pub path: &'static str,
    pub who: Who,
}

const fn rule(method: &'static str, path: &'static str, who: Who) -> Rule {
    Rule { method, path, who }
}

const ANYONE: Who = Who::Anyone;
const KIOSK: Who = Who::Kiosk;
const ADMIN: Who = Who::Staff(&[Role::Admin]);
const RESULTS: Who = Who::Staff(&[Role::Analyst, Role::Admin]);
const DESIGN: Who = Who::Staff(&[Role::Designer, Role::Admin]);
const FIELD: Who = Who::Staff(&[Role::Interviewer]);

/// The survey pages of one channel under `$prefix` (the same handlers serve every channel).
macro_rules! survey_pages {
    ($prefix:literal, $who:expr) => {
        [
            rule("GET", concat!($prefix, "/s/{survey}"), $who),
            rule("GET", concat!($prefix, "/s/{survey}/p/{page}"), $who),
            rule("POST", concat!($prefix, "/s/{survey}/p/{page}"), $who),
            rule(
                "POST",
                concat!($prefix, "/s/{survey}/p/{page}/switch"),
                $who,
            ),
            rule("GET", concat!($prefix, "/s/{survey}/check"), $who),
            rule("POST", concat!($prefix, "/s/{survey}/submit"), $who),
            rule("GET", concat!($prefix, "/s/{survey}/done"), $who),
            rule("POST", concat!($prefix, "/s/{survey}/clear"), $who),
        ]
    };
}

const LINK_PAGES: [Rule; 8] = survey_pages!("", ANYONE);
const KIOSK_PAGES: [Rule; 8] = survey_pages!("/kiosk", KIOSK);
const FIELD_PAGES: [Rule; 8] = survey_pages!("/field/{area}", FIELD);
const PREVIEW_PAGES: [Rule; 8] = survey_pages!("/preview", DESIGN);

const OTHER_RULES: &[Rule] = &[
    // Citizens and everyone.
    rule("GET", "/", ANYONE),
    rule("GET", "/healthz", ANYONE),
    rule("GET", "/static/{file}", ANYONE),
    rule("GET", "/privacy", ANYONE),
    rule("GET", "/login", ANYONE),
    rule("POST", "/login", ANYONE),
    // Signing out of no account is harmless; requiring one would trap an expired session.
    rule("POST", "/logout", ANYONE),
    // The enrolment code itself is the credential (one use).
    rule("GET", "/kiosk/enrol/{code}", ANYONE),
    // So is an invitation's token (one use).
    rule("GET", "/i/{token}", ANYONE),
    rule("POST", "/i/{token}", ANYONE),
    // Kiosks.
    rule("GET", "/kiosk", KIOSK),
    rule("POST", "/kiosk/reset", KIOSK),
    rule("POST", "/kiosk/still-here", KIOSK),
    // Analysts.
    rule("GET", "/results", RESULTS),
    rule("GET", "/results/{file}", RESULTS),
    rule("GET", "/results/{file}/q/{question}", RESULTS),
    rule("GET", "/results/{file}/crosstab", RESULTS),
    rule("GET", "/results/{file}/crosstab.csv", RESULTS),
    rule("GET", "/results/{file}/crosstab.xlsx", RESULTS),
    // The methodology note and its downloads (src/web/methodology.rs).
    rule("GET", "/results/{file}/methodology", RESULTS),
    rule("GET", "/results/{file}/microdata.csv", RESULTS),
    rule("GET", "/results/{file}/codebook.csv", RESULTS),
    rule("GET", "/results/{file}/estimates.csv", RESULTS),
    rule("GET", "/results/{file}/workbook.xlsx", RESULTS),
    rule("GET", "/results/{file}/reproduce.R", RESULTS),
    // The exact wording of a published survey is part of the disclosure: public.
    rule("GET", "/results/{file}/questionnaire", ANYONE),
    // Designers.
    rule("GET", "/design", DESIGN),
    rule("POST", "/design/reload", DESIGN),
    rule("GET", "/posters/{survey}", DESIGN),
    rule("GET", "/posters/{survey}/{tag}", DESIGN),
    // Interviewers.
    rule("GET", "/field", FIELD),
    // Admins.
    rule("GET", "/admin", ADMIN),
    rule("GET", "/admin/users", ADMIN),
    rule("POST", "/admin/users", ADMIN),
    rule("POST", "/admin/users/{name}/disable", ADMIN),
    rule("POST", "/admin/users/{name}/enable", ADMIN),
    rule("POST", "/admin/users/{name}/password", ADMIN),
    rule("GET", "/admin/kiosks", ADMIN),
    rule("POST", "/admin/kiosks", ADMIN),
    rule("POST", "/admin/kiosks/{id}/revoke", ADMIN),
    rule("POST", "/admin/kiosks/{id}/code", ADMIN),
    rule("GET", "/admin/areas", ADMIN),
    rule("POST", "/admin/areas", ADMIN),
    rule("POST", "/admin/areas/{id}/remove", ADMIN),
];

/// Every route and who may reach it.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    LINK_PAGES
        .iter()
        .chain(KIOSK_PAGES.iter())
        .chain(FIELD_PAGES.iter())
        .chain(PREVIEW_PAGES.iter())
        .chain(OTHER_RULES.iter())
}

/// The rule of a matched route (`HEAD` is `GET`'s).
pub fn rule_for(method: &Method, path: &str) -> Option<&'static Rule> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    rules().find(|r| r.method == method && r.path == path)
}

/// The session key holding the signed-in account's name (nothing else about it).
pub const STAFF_KEY: &str = "staff";
/// The kiosk's cookie: a random token whose SHA-256 the kiosk's row holds.
pub const KIOSK_COOKIE: &str = "mizan-kiosk";

/// The signed-in account of a staff route, as checked by [`enforce`] on this request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub name: StaffName,
    pub role: Role,
}

/// The kiosk this browser is enrolled as, as checked by [`enforce`] on this request.
#[derive(Debug, Clone)]
pub struct EnrolledKiosk(pub Arc<Kiosk>);

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Staff>()
            .cloned()
            .ok_or_else(|| Error::Other("a staff handler on a route without a staff rule".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EnrolledKiosk {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<EnrolledKiosk>()
            .cloned()
            .ok_or(Error::NotEnrolled)
    }
}

/// The enrolled kiosk named by the request's kiosk cookie, if any.
pub async fn kiosk_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Kiosk>, Error> {
    let Some(token) = cookie(headers, KIOSK_COOKIE).filter(|t| is_token(t)) else {
        return Ok(None);
    };
    state
        .db
        .kiosk_by_cookie(&crate::db::secret_hash(token))
        .await
}

/// Kiosk cookies are 64 lower-case hex digits; anything else is not looked up.
fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The enabled account signed in on this session, with its role, if any.
async fn staff_of(state: &AppState, session: &Session) -> Result<Option<Staff>, Error> {
    let Some(name) = session.get::<String>(STAFF_KEY).await? else {
        return Ok(None);
    };
    let Ok(name) = StaffName::parse(&name) else {
        return Ok(None);
    };
    let account = state.db.staff(name.as_str()).await?;
    Ok(account
        .filter(|a| !a.disabled)
        .and_then(|a| Role::parse(&a.role))
        .map(|role| Staff { name, role }))
}

/// Middleware on every route: look up its rule and let the request through only if the
/// browser is who the rule names.
pub async fn enforce(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().cloned() else {
        // No route matched: the fallback's 404 page.
        return next.run(req).await;
    };
    let Some(rule) = rule_for(req.method(), path.as_str()) else {
        tracing::error!(
            route = path.as_str(),
            "route without an access rule: refused"
        );
        return Error::NotFound.into_response();
    };
    match rule.who {
        Who::Anyone => next.run(req).await,
        Who::Kiosk => match kiosk_of(&state, req.headers()).await {
            Ok(Some(kiosk)) => {
                req.extensions_mut().insert(EnrolledKiosk(Arc::new(kiosk)));
                next.run(req).await
            }
            Ok(None) => Error::NotEnrolled.into_response(),
            Err(e) => e.into_response(),
        },
        Who::Staff(roles) => {
            let Some(session) = req.extensions().get::<Session>().cloned() else {
                return Error::Other("the session layer is not installed".into()).into_response();
            };
            match staff_of(&state, &session).await {
                Ok(Some(staff)) if roles.contains(&staff.role) => {
                    req.extensions_mut().insert(staff);
                    next.run(req).await
                }
                Ok(Some(_)) => Error::Denied.into_response(),
                Ok(None) if req.method() == Method::GET || req.method() == Method::HEAD => {
                    let here = match req.uri().query() {
                        Some(q) => format!("{}?{q}", req.uri().path()),
                        None => req.uri().path().to_string(),
                    };
                    let next = super::sign_in::query_escape(&here);
                    Redirect::to(&format!("/login?next={next}")).into_response()
                }
                // A form posted after the session ended: the "form has expired" page.
                Ok(None) => Error::Forbidden.into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_stated_once() {
        let all: Vec<_> = rules().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn staff_areas_are_for_their_roles_only() {
        let who = |m: &str, p: &str| rule_for(&m.parse().unwrap(), p).map(|r| r.who);
        assert_eq!(who("GET", "/results"), Some(RESULTS));
        assert_eq!(who("HEAD", "/results"), Some(RESULTS));
        assert_eq!(who("POST", "/admin/users"), Some(ADMIN));
        assert_eq!(who("GET", "/field/{area}/s/{survey}/p/{page}"), Some(FIELD));
        assert_eq!(who("POST", "/kiosk/s/{survey}/submit"), Some(KIOSK));
        assert_eq!(who("GET", "/s/{survey}"), Some(ANYONE));
        assert_eq!(who("DELETE", "/s/{survey}"), None);
        assert_eq!(who("GET", "/nowhere"), None);
    }
}
