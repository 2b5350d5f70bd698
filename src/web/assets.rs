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

const CSS_SOURCE: &str = include_str!("../../static/mizan.css");
/// The kiosk's idle warning (the only script, on kiosk pages only).
const KIOSK_JS: &str = include_str!("../../static/kiosk.js");

/// The stylesheet as served: without its comments and indentation (the source explains each
/// rule at length; a phone on a slow connection should not download the explanations).
static CSS: LazyLock<String> = LazyLock::new(|| compact_css(CSS_SOURCE));

/// Drops `/* … */` comments, leading indentation and empty lines. Comments never occur inside
/// the stylesheet's strings (a test below holds it to that), so this keeps every rule as is.
fn compact_css(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("*/") {
            Some(end) => &rest[start + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

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
            CSS.as_str(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_stylesheet_keeps_every_rule_and_drops_the_comments() {
        assert!(!CSS.contains("/*"), "no comment left");
        assert!(CSS.len() < CSS_SOURCE.len());
        // No string in the stylesheet holds a comment marker, so nothing else was cut.
        let strings: Vec<&str> = CSS_SOURCE.split('"').skip(1).step_by(2).collect();
        assert!(
            strings
                .iter()
                .all(|s| !s.contains("/*") && !s.contains("*/"))
        );
        // Every declaration survives: the same `;`-separated pieces outside comments.
        let declarations = |css: &str| css.matches(';').count();
        let in_comments: usize = CSS_SOURCE
            .split("/*")
            .skip(1)
            .map(|c| c.split("*/").next().unwrap_or("").matches(';').count())
            .sum();
        assert_eq!(declarations(&CSS), declarations(CSS_SOURCE) - in_comments);
        assert_eq!(
            compact_css("a { color: red; } /* why */\n\n  b {\n    margin: 0;\n  }\n"),
            "a { color: red; }\nb {\nmargin: 0;\n}"
        );
    }
}
