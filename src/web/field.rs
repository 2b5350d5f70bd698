//! An interviewer's home: their areas, the surveys they can run in each, and their own count
//! of interviews per area in each survey's current wave. An interviewer never reads back a
//! submitted interview (the survey pages take the answers out of the session at the submit);
//! the counts come from the pseudonymous code, not the account name.
//!
//! | method | path     | what                                                       |
//! |--------|----------|------------------------------------------------------------|
//! | GET    | `/field` | areas, "Start an interview" per survey, counts this wave   |
//!
//! The interviews themselves are the survey pages under `/field/{area}/s/…` (see
//! [`super::channel`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use maud::html;

use crate::Error;
use crate::fieldwork;

use super::AppState;
use super::access::Staff;
use super::i18n;
use super::views::layout::{self, Chrome};
use super::views::{components, pages, staff as view};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new().route("/field", get(home))
}

async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let areas = state.db.areas(Some(staff.name.as_str())).await?;
    // Per survey: the interviewer's counts per (stratum, cluster) in its current wave.
    let mut counts = Vec::new();
    let catalog = state.surveys();
    for survey in catalog.public() {
        let code = super::channel::interviewer_code(&state, survey, &staff).await?;
        counts.push((
            survey,
            state.db.interviewer_counts(&survey.id, &code).await?,
        ));
    }
    let heading = i18n::FIELD_TITLE.get(lang);
    let title = pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/field", &[], lang);
    let css = super::assets::stylesheet_href();
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: None,
        preview: false,
    };
    let csrf = visitor.csrf_token_now();
    let body = html! {
        p.body { (i18n::FIELD_PRIVACY.get(lang)) }
        @if areas.is_empty() { p.body { (i18n::FIELD_NO_AREAS.get(lang)) } }
        @for area in &areas {
            section.field-area aria-labelledby={ "area-" (area.id) } {
                h2.heading-m id={ "area-" (area.id) } {
                    bdi dir="ltr" { (area.stratum) @if !area.cluster.is_empty() { " / " (area.cluster) } }
                }
                ul.field-surveys {
                    @for (survey, per_area) in &counts {
                        @if fieldwork::survey_accepts_area(survey, &area.stratum, &area.cluster) {
                            @let n = per_area.iter()
                                .filter(|(s, c, _)| *s == area.stratum && *c == area.cluster)
                                .map(|(_, _, n)| *n).sum::<i64>();
                            li {
                                h3.heading-s { (survey.title.get(lang)) }
                                p.body {
                                    (i18n::FIELD_DONE_WAVE.get(lang)) " (" (survey.wave) "): "
                                    strong { (i18n::digits(lang, &n.to_string())) }
                                }
                                (components::start_button(
                                    &format!("/field/{}/s/{}", area.id, survey.id),
                                    i18n::FIELD_START.get(lang),
                                ))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(view::page(&chrome, staff.role, &csrf, heading, &[], body).into_response())
}
