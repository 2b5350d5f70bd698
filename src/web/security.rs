//! Headers every response carries, and request logging that records nothing about the person.
//!
//! - CSP without any script (the pages have none; kiosks' pages allow their one script), styles and images from this site only,
//!   forms posting back to this site only, no framing.
//! - `Cache-Control: no-store` by default: pages show answers in progress, and on a shared
//!   device (kiosk) nothing of the previous person may come back from the cache. The stylesheet
//!   sets its own long cache header.
//! - Logs: method, path (survey id and page number only, never the query), status, latency.
//!   No IP, user agent, cookie or token: the path segments that are secrets or names (a
//!   kiosk's enrolment code, an account's name on the admin pages) are logged as `…`
//!   ([`loggable_path`]).

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Public and staff pages run no script. Kiosk pages replace this with
/// `kiosk::KIOSK_CONTENT_SECURITY_POLICY` (the idle warning's script from this site only).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Wrap the application in the security headers and the request log.
pub fn layer(app: Router) -> Router {
    app.layer(header_layer(
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    ))
    .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
    .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
    .layer(header_layer(header::CACHE_CONTROL, "no-store"))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request<_>| {
                tracing::debug_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()))
            })
            .on_request(())
            .on_response(|res: &Response<_>, latency: Duration, _span: &Span| {
                tracing::debug!(status = res.status().as_u16(), ms = latency.as_millis() as u64, "response");
            })
            .on_failure(()),
    )
}

/// The request path as the log may keep it: the enrolment code of `/kiosk/enrol/{code}`, the
/// invitation token of `/i/{token}` and the account name of `/admin/users/{name}/…` become `…`.
pub fn loggable_path(path: &str) -> String {
    if path.starts_with("/kiosk/enrol/") {
        return "/kiosk/enrol/…".to_string();
    }
    if path.starts_with("/i/") {
        return "/i/…".to_string();
    }
    if let Some(rest) = path.strip_prefix("/admin/users/") {
        return match rest.split_once('/') {
            Some((_, action)) => format!("/admin/users/…/{action}"),
            None => "/admin/users/…".to_string(),
        };
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secrets_and_names_in_paths_are_not_logged() {
        assert_eq!(loggable_path("/kiosk/enrol/3f9a0c"), "/kiosk/enrol/…");
        assert_eq!(loggable_path("/i/0123456789abcdef0123456789abcdef"), "/i/…");
        assert_eq!(
            loggable_path("/admin/users/%D9%84%D9%8A%D9%84%D9%89/disable"),
            "/admin/users/…/disable"
        );
        assert_eq!(
            loggable_path("/s/citizen-security/p/2"),
            "/s/citizen-security/p/2"
        );
        assert_eq!(loggable_path("/admin/kiosks"), "/admin/kiosks");
    }
}
