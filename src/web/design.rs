//! Designers' page: the survey files the server runs now (id, wave, version, size, file), so a
//! designer can confirm that what is published is what they wrote, and preview each.
//!
//! | method | path      | what                              |
//! |--------|-----------|-----------------------------------|
//! | GET    | `/design` | the loaded surveys, with previews |

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use maud::{Markup, html};

use crate::Error;

use super::AppState;
use super::access::Staff;
use super::i18n;
use super::views::layout::{self, Chrome};
use super::views::{pages, staff as view};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new().route("/design", get(surveys))
}

async fn surveys(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let heading = i18n::DESIGN_TITLE.get(lang);
    let title = pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/design", &[], lang);
    let css = super::assets::stylesheet_href();
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: None,
    };
    let rows: Vec<Vec<Markup>> = state
        .surveys
        .values()
        .map(|s| {
            let questions: usize = s.pages.iter().map(|p| p.questions.len()).sum();
            let file = s
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            vec![
                html! { (s.title.get(lang)) br; bdi dir="ltr" { (s.id) } },
                html! { bdi dir="ltr" { (s.wave) } },
                html! { code dir="ltr" { (s.version) } },
                html! { (i18n::digits(lang, &questions.to_string())) },
                html! { bdi dir="ltr" { (file) } },
                html! { a href={ "/s/" (s.id) } { (i18n::PREVIEW.get(lang)) span.visually-hidden { " — " (s.title.get(lang)) } } },
            ]
        })
        .collect();
    let body = html! {
        p.body { (i18n::DESIGN_NOTE.get(lang)) }
        (view::table(
            heading,
            &[i18n::COL_SURVEY.get(lang), i18n::COL_WAVE.get(lang), i18n::COL_VERSION.get(lang), i18n::COL_QUESTIONS.get(lang), i18n::COL_FILE.get(lang), i18n::PREVIEW.get(lang)],
            &rows,
        ))
    };
    let csrf = visitor.csrf_token_now();
    Ok(view::page(&chrome, staff.role, &csrf, heading, &[], body).into_response())
}
