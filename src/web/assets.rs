//! The one stylesheet, compiled into the binary and served under a content-hashed URL
//! (`/static/mizan.<hash>.css`) so that it can be cached for a year: a changed stylesheet gets
//! a new URL. No fonts, no scripts, nothing fetched from elsewhere.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use sha2::{Digest, Sha256};

use crate::Error;

use super::AppState;

const CSS: &str = include_str!("../../static/mizan.css");
/// The kiosk's idle warning (the only script, on kiosk pages only).
const KIOSK_JS: &str = include_str!("../../static/kiosk.js");

static CSS_NAME: LazyLock<String> = LazyLock::new(|| {
    let hash = Sha256::digest(CSS.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("mizan.{hex}.css")
});

static KIOSK_JS_NAME: LazyLock<String> = LazyLock::new(|| {
    let hash = Sha256::digest(KIOSK_JS.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("kiosk.{hex}.js")
});

/// The kiosk script's URL.
pub fn kiosk_script_href() -> String {
    format!("/static/{}", *KIOSK_JS_NAME)
}

/// The stylesheet's URL, for `<link rel="stylesheet">`.
pub fn stylesheet_href() -> String {
    format!("/static/{}", *CSS_NAME)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(static_file))
}

async fn static_file(
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    match path {
        Ok(Path(file)) if file == *CSS_NAME => (
            [
                (CONTENT_TYPE, "text/css; charset=utf-8"),
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            CSS,
        )
            .into_response(),
        Ok(Path(file)) if file == *KIOSK_JS_NAME => (
            [
                (CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            KIOSK_JS,
        )
            .into_response(),
        Ok(Path(file)) if Some(&file) == super::about::logo_file().as_ref() => (
            [
                (CONTENT_TYPE, "image/svg+xml"),
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            super::about::organisation()
                .and_then(|o| o.logo.clone())
                .unwrap_or_default(),
        )
            .into_response(),
        _ => Error::NotFound.into_response(),
    }
}
