//! The survey list (`/`) and the health check (`/healthz`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use maud::Markup;

use crate::Error;

use super::AppState;
use super::i18n;
use super::views::{layout, pages};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(survey_list))
        .route("/healthz", get(healthz))
}

async fn survey_list(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, Error> {
    let lang = visitor.lang;
    let catalog = state.surveys();
    let surveys: Vec<&crate::survey::Survey> = catalog.public().map(|s| &**s).collect();
    let title = pages::title(lang, i18n::SURVEYS_HEADING.get(lang), None, false);
    let switch = layout::switch_href("/", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    Ok(pages::survey_list(&chrome, &surveys))
}

/// 200 `ok` while the database takes writes; 503 with the fault otherwise, so that a load
/// balancer or a monitor sees a full disk before respondents do.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.fault() {
        None => "ok".into_response(),
        Some(fault) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: {}", fault.describe()),
        )
            .into_response(),
    }
}
