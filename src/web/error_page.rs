//! The crate's one [`Error`] as an HTTP response: a small page with the right status, in the
//! person's language.
//!
//! `IntoResponse` has no access to the request, so it renders the Arabic page (the default
//! language) and tags the response with its [`ErrorPage`] kind; the [`localise`] middleware,
//! which sees the request, re-renders it in English when that is the person's language. Input
//! problems are 4xx pages; only real faults (database down) are 500 pages, and those are logged
//! without any request data.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::Error;
use crate::survey::Lang;

use super::form::query_pairs;
use super::i18n::{self, Ui};
use super::views::{layout, pages};

/// Which error page a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    BadRequest,
    Forbidden,
    NotFound,
    TooLarge,
    ServerError,
}

impl ErrorPage {
    pub fn of(err: &Error) -> ErrorPage {
        match err {
            Error::BadRequest(_) => ErrorPage::BadRequest,
            Error::Forbidden => ErrorPage::Forbidden,
            Error::NotFound => ErrorPage::NotFound,
            Error::TooLarge => ErrorPage::TooLarge,
            _ => ErrorPage::ServerError,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorPage::BadRequest => StatusCode::BAD_REQUEST,
            ErrorPage::Forbidden => StatusCode::FORBIDDEN,
            ErrorPage::NotFound => StatusCode::NOT_FOUND,
            ErrorPage::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorPage::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn texts(self) -> (Ui, Ui) {
        match self {
            ErrorPage::BadRequest => (i18n::BAD_REQUEST_TITLE, i18n::BAD_REQUEST_BODY),
            ErrorPage::Forbidden => (i18n::FORBIDDEN_TITLE, i18n::FORBIDDEN_BODY),
            ErrorPage::NotFound => (i18n::NOT_FOUND_TITLE, i18n::NOT_FOUND_BODY),
            ErrorPage::TooLarge => (i18n::TOO_LARGE_TITLE, i18n::TOO_LARGE_BODY),
            ErrorPage::ServerError => (i18n::SERVER_ERROR_TITLE, i18n::SERVER_ERROR_BODY),
        }
    }

    pub fn render(self, lang: Lang) -> Response {
        let (heading, body) = self.texts();
        let heading = heading.get(lang);
        let title = pages::title(lang, heading, None, false);
        let stylesheet = super::assets::stylesheet_href();
        let chrome = layout::Chrome {
            lang,
            title: &title,
            // The switch reloads the home page: the failed request is not repeated.
            switch_href: &layout::switch_href("/", &[], lang),
            stylesheet: &stylesheet,
        };
        let mut res = (
            self.status(),
            pages::error(&chrome, heading, body.get(lang)),
        )
            .into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let page = ErrorPage::of(&self);
        if page == ErrorPage::ServerError {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        page.render(Lang::default())
    }
}

/// Middleware: re-render error pages in the person's language (query `lang`, else session).
pub async fn localise(req: Request, next: Next) -> Response {
    let asked = query_pairs(req.uri().query())
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    let session = req.extensions().get::<Session>().cloned();
    let res = next.run(req).await;
    let Some(page) = res.extensions().get::<ErrorPage>().copied() else {
        return res;
    };
    let lang = match (asked, session) {
        (Some(lang), _) => lang,
        (None, Some(session)) => super::visit::session_lang(&session)
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        (None, None) => Lang::default(),
    };
    if lang == Lang::default() {
        return res;
    }
    // Keep the status and headers the handler set, replace the body.
    let (mut parts, _) = res.into_parts();
    let (localised, body) = page.render(lang).into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    if let Some(ct) = localised.headers.get(axum::http::header::CONTENT_TYPE) {
        parts
            .headers
            .insert(axum::http::header::CONTENT_TYPE, ct.clone());
    }
    Response::from_parts(parts, body)
}

/// Fallback for unknown routes.
pub async fn not_found() -> Error {
    Error::NotFound
}
