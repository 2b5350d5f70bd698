//! The HTTP server: accessible bilingual survey forms, server-rendered with maud, no JavaScript.
//!
//! Routes (stable; links and QR posters point at them):
//!
//! | method | path                      | what                                               |
//! |--------|---------------------------|----------------------------------------------------|
//! | GET    | `/`                       | list of open surveys                               |
//! | GET    | `/s/{survey}`             | start page (`?source=TAG` kept if the survey declares it) |
//! | GET    | `/s/{survey}/p/{n}`       | question page `n` (1-based; `?change=1` from check answers) |
//! | POST   | `/s/{survey}/p/{n}`       | save the page's answers → next page (303) or same page with errors (422) |
//! | GET    | `/s/{survey}/check`       | check your answers (issues the submission key)     |
//! | POST   | `/s/{survey}/submit`      | store the response once → confirmation (303)       |
//! | GET    | `/s/{survey}/done`        | confirmation                                       |
//! | GET    | `/static/mizan.<hash>.css`| the stylesheet, cached for a year                  |
//! | GET    | `/healthz`                | `ok`, or 503 and the storage fault (disk full, read-only, locked) |
//! | GET/POST | `/login`, `/logout`, `/results…` | analysts' sign-in and weighted results (see [`results`]) |
//! | GET    | `/results/{survey}/methodology`, downloads | the methodology note, microdata, codebook, workbook, R script (see [`methodology`]) |
//!
//! Any page takes `?lang=ar|en`; the choice is remembered in the session (Arabic by default).
//! Every response carries strict security headers; every POST is CSRF-checked; every failure
//! is an error page in the person's language with a 4xx status (see [`error_page`]).
//!
//! Each resource module has its own `router()`; they are merged in [`app`], the one place where
//! middleware is layered.

pub mod about;
pub mod access;
pub mod admin;
pub mod assets;
pub mod catalog;
pub mod channel;
pub mod design;
pub mod error_page;
pub mod field;
pub mod form;
pub mod home;
pub mod i18n;
pub mod invitation;
pub mod kiosk;
pub mod methodology;
pub mod posters;
pub mod results;
pub mod security;
pub mod session_lock;
pub mod sign_in;
pub mod sign_in_guard;
pub mod submit_limit;
pub mod survey_flow;
pub mod views;
pub mod visit;

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::Router;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

use crate::db::Db;
use crate::survey::Survey;

pub use catalog::Catalog;

/// Shared, read-only state of the server.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The surveys served now (swapped whole by a reload, see [`catalog`]).
    catalog: RwLock<Arc<Catalog>>,
    /// Where the surveys are reloaded from; `None` for a fixed set (tests, benches).
    surveys_dir: Option<PathBuf>,
    pub db: Db,
    /// Kiosks' answers in progress (memory only, see [`channel`]).
    pub desk: channel::Desk,
    /// The key of interviewers' codes, read once from the database (it never changes).
    pub interviewer_key: tokio::sync::OnceCell<Vec<u8>>,
}

impl AppState {
    /// A fixed set of surveys (no reload).
    pub fn new(surveys: Vec<Survey>, db: Db) -> AppState {
        AppState::with_catalog(Catalog::from_surveys(surveys), None, db)
    }

    /// The surveys of `dir` as loaded in `catalog`, reloadable from `dir`.
    pub fn with_catalog(catalog: Catalog, dir: Option<PathBuf>, db: Db) -> AppState {
        AppState(Arc::new(Inner {
            catalog: RwLock::new(Arc::new(catalog)),
            surveys_dir: dir,
            db,
            desk: channel::Desk::default(),
            interviewer_key: tokio::sync::OnceCell::new(),
        }))
    }

    /// The surveys served now. Held for a request, a snapshot stays whole across a reload.
    pub fn surveys(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reload the surveys folder (see [`catalog`]); returns the new catalog, or `None` when
    /// this server has no folder to reload from.
    pub fn reload(&self) -> Option<Arc<Catalog>> {
        let dir = self.surveys_dir.as_ref()?;
        let next = Arc::new(Catalog::load(dir, Some(&self.surveys())));
        *self.catalog.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
        tracing::info!(
            surveys = next.values().count(),
            refused_problems = next.refused.problems.len(),
            "surveys reloaded"
        );
        Some(next)
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Session cookie settings.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    /// Send the cookie over HTTPS only. Off for plain-HTTP loopback (development, tests).
    pub secure: bool,
    /// A session (answers in progress) ends after this long without a saved answer.
    pub inactivity: time::Duration,
}

impl CookiePolicy {
    /// Plain-HTTP cookie with the default inactivity limit.
    pub fn plain() -> CookiePolicy {
        CookiePolicy {
            secure: false,
            inactivity: visit::INACTIVITY,
        }
    }
}

/// The whole application: routes, sessions, error pages, security headers, logging.
pub fn app<S: SessionStore + Clone>(state: AppState, store: S, cookies: CookiePolicy) -> Router {
    let sessions = SessionManagerLayer::new(store)
        .with_name(session_lock::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_secure(cookies.secure)
        .with_expiry(Expiry::OnInactivity(cookies.inactivity));
    let routes = Router::new()
        .merge(home::router())
        .merge(survey_flow::router(state.clone()))
        .merge(kiosk::router())
        .merge(invitation::router())
        .merge(field::router())
        .merge(sign_in::router())
        .merge(results::router())
        .merge(methodology::router())
        .merge(design::router())
        .merge(posters::router())
        .merge(admin::router())
        .merge(assets::router())
        .merge(about::router())
        // Who may reach each route: one table (access::RULES), checked for every route.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::enforce,
        ))
        .fallback(error_page::not_found)
        .method_not_allowed_fallback(error_page::not_found)
        .with_state(state);
    // Outermost last: a request meets the security headers, then the storage-fault page, the
    // visit cookies, the per-session lock, the session, and the localised error pages.
    security::layer(
        routes
            .layer(axum::middleware::from_fn(error_page::localise))
            .layer(sessions)
            .layer(axum::middleware::from_fn(session_lock::one_at_a_time))
            .layer(axum::middleware::from_fn_with_state(
                cookies.secure,
                visit::visit_cookies,
            ))
            .layer(axum::middleware::from_fn(error_page::session_faults)),
    )
}
