//! Headers every response carries, and request logging that records nothing about the person.
//!
//! - CSP without any script (the pages have none), styles and images from this site only,
//!   forms posting back to this site only, no framing.
//! - `Cache-Control: no-store` by default: pages show answers in progress, and on a shared
//!   device (kiosk) nothing of the previous person may come back from the cache. The stylesheet
//!   sets its own long cache header.
//! - Logs: method, path (survey id and page number only, never the query), status, latency.
//!   No IP, user agent, cookie or token.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

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
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            })
            .on_request(())
            .on_response(|res: &Response<_>, latency: Duration, _span: &Span| {
                tracing::debug!(status = res.status().as_u16(), ms = latency.as_millis() as u64, "response");
            })
            .on_failure(()),
    )
}
