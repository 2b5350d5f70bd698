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

use crate::Error;
use crate::survey::Lang;

use super::i18n::{self, Ui};
use super::views::{layout, pages};

/// Which error page a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    BadRequest,
    Forbidden,
    Denied,
    NotEnrolled,
    TooManySubmits,
    InvitationNotValid,
    InvitationUsed,
    NotFound,
    TooLarge,
    /// The storage cannot take writes now (see `db::Fault`): 503, try again shortly.
    Unavailable,
    ServerError,
}

impl ErrorPage {
    pub fn of(err: &Error) -> ErrorPage {
        match err {
            Error::BadRequest(_) => ErrorPage::BadRequest,
            Error::Forbidden => ErrorPage::Forbidden,
            Error::Denied => ErrorPage::Denied,
            Error::NotEnrolled => ErrorPage::NotEnrolled,
            Error::TooManySubmits => ErrorPage::TooManySubmits,
            Error::InvitationNotValid => ErrorPage::InvitationNotValid,
            Error::InvitationUsed => ErrorPage::InvitationUsed,
            Error::NotFound => ErrorPage::NotFound,
            Error::TooLarge => ErrorPage::TooLarge,
            e if e.storage_fault().is_some() => ErrorPage::Unavailable,
            _ => ErrorPage::ServerError,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorPage::BadRequest => StatusCode::BAD_REQUEST,
            ErrorPage::Forbidden | ErrorPage::Denied | ErrorPage::NotEnrolled => {
                StatusCode::FORBIDDEN
            }
            ErrorPage::TooManySubmits => StatusCode::TOO_MANY_REQUESTS,
            ErrorPage::NotFound | ErrorPage::InvitationNotValid => StatusCode::NOT_FOUND,
            ErrorPage::InvitationUsed => StatusCode::GONE,
            ErrorPage::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorPage::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorPage::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn texts(self) -> (Ui, Ui) {
        match self {
            ErrorPage::BadRequest => (i18n::BAD_REQUEST_TITLE, i18n::BAD_REQUEST_BODY),
            ErrorPage::Forbidden => (i18n::FORBIDDEN_TITLE, i18n::FORBIDDEN_BODY),
            ErrorPage::Denied => (i18n::DENIED_TITLE, i18n::DENIED_BODY),
            ErrorPage::NotEnrolled => (i18n::NOT_ENROLLED_TITLE, i18n::NOT_ENROLLED_BODY),
            ErrorPage::TooManySubmits => {
                (i18n::TOO_MANY_SUBMITS_TITLE, i18n::TOO_MANY_SUBMITS_BODY)
            }
            ErrorPage::InvitationNotValid => (
                i18n::INVITATION_NOT_VALID_TITLE,
                i18n::INVITATION_NOT_VALID_BODY,
            ),
            ErrorPage::InvitationUsed => (i18n::INVITATION_USED_TITLE, i18n::INVITATION_USED_BODY),
            ErrorPage::NotFound => (i18n::NOT_FOUND_TITLE, i18n::NOT_FOUND_BODY),
            ErrorPage::TooLarge => (i18n::TOO_LARGE_TITLE, i18n::TOO_LARGE_BODY),
            ErrorPage::Unavailable => (i18n::CANNOT_SAVE_TITLE, i18n::CANNOT_SAVE_BODY),
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
            kiosk: None,
            preview: false,
        };
        let mut res = (
            self.status(),
            pages::error(&chrome, heading, body.get(lang)),
        )
            .into_response();
        if self == ErrorPage::TooManySubmits {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("600"),
            );
        }
        if self == ErrorPage::Unavailable {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("30"),
            );
        }
        res.extensions_mut().insert(self);
        res
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let page = ErrorPage::of(&self);
        if page == ErrorPage::ServerError {
            tracing::error!(error = %self, "request failed");
        } else if page == ErrorPage::Unavailable {
            tracing::warn!(error = %self, "request refused: storage fault");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        page.render(Lang::default())
    }
}

/// Middleware: re-render error pages in the person's language (query `lang`, else cookie).
pub async fn localise(req: Request, next: Next) -> Response {
    let lang = super::visit::requested_lang(&req);
    let res = next.run(req).await;
    let Some(page) = res.extensions().get::<ErrorPage>().copied() else {
        return res;
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

/// Middleware outside the session layer. tower-sessions answers a bare, empty 500 when it
/// cannot load or save a session (the database refused the write): that becomes Mizan's 503
/// page in the person's language, like every other storage fault.
pub async fn session_faults(req: Request, next: Next) -> Response {
    let lang = super::visit::requested_lang(&req);
    let res = next.run(req).await;
    let bare_500 = res.status() == StatusCode::INTERNAL_SERVER_ERROR
        && res.extensions().get::<ErrorPage>().is_none();
    if !bare_500 {
        return res;
    }
    tracing::warn!("the session store failed: answered as a storage fault");
    ErrorPage::Unavailable.render(lang)
}

/// Fallback for unknown routes.
pub async fn not_found() -> Error {
    Error::NotFound
}
