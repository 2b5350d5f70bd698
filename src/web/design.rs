//! Designers' page: the survey files the server runs now (id, wave, version, draft or
//! published, file), the files it refused with their `check` report, a preview of each survey
//! (drafts too; nothing is stored) and a button to reload the files without a restart.
//!
//! | method | path             | what                                                |
//! |--------|------------------|-----------------------------------------------------|
//! | GET    | `/design`        | the loaded surveys, previews, refused files         |
//! | POST   | `/design/reload` | reload the survey files (see [`super::catalog`]) → `/design` |

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use maud::{Markup, html};

use crate::Error;

use super::AppState;
use super::access::Staff;
use super::form::FormPairs;
use super::i18n;
use super::views::components;
use super::views::layout::{self, Chrome};
use super::views::{pages, staff as view};
use super::visit::{CSRF_FIELD, Visitor};

/// Completed / invited as a percentage with one decimal ("—" with nobody invited).
fn response_rate(completed: u64, invited: u64) -> String {
    if invited == 0 {
        return "—".to_string();
    }
    format!("{:.1}%", 100.0 * completed as f64 / invited as f64)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/design", get(surveys))
        .route("/design/reload", post(reload))
}

async fn reload(
    State(state): State<AppState>,
    visitor: Visitor,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    state.reload();
    Ok(Redirect::to("/design").into_response())
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
        preview: false,
    };
    let catalog = state.surveys();
    let rows: Vec<Vec<Markup>> = catalog
        .values()
        .map(|s| {
            let questions: usize = s.pages.iter().map(|p| p.questions.len()).sum();
            let file = s
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let status = if s.draft { i18n::DRAFT } else { i18n::PUBLISHED };
            vec![
                html! { (s.title.get(lang)) br; bdi dir="ltr" { (s.id) } },
                html! { (status.get(lang)) },
                html! { bdi dir="ltr" { (s.wave) } },
                html! { code dir="ltr" { (s.version) } },
                html! { (i18n::digits(lang, &questions.to_string())) },
                html! { bdi dir="ltr" { (file) } },
                html! { a href={ "/preview/s/" (s.id) } { (i18n::PREVIEW.get(lang)) span.visually-hidden { " — " (s.title.get(lang)) } } },
            ]
        })
        .collect();
    // Response rates of drawn samples (AAPOR RR1: completed / invited, per stratum).
    let mut rates = Vec::new();
    for s in catalog.public() {
        let invited = state.db.invited_per_stratum(&s.id).await?;
        if invited.is_empty() {
            continue;
        }
        let done = state.db.responses_per_stratum(&s.id, "invitation").await?;
        let rows: Vec<Vec<Markup>> = invited
            .iter()
            .map(|(stratum, n)| {
                let c = done
                    .iter()
                    .find(|(d, _)| d == stratum)
                    .map_or(0, |(_, c)| *c);
                let rate = response_rate(c, *n);
                vec![
                    html! { bdi dir="ltr" { (stratum) } },
                    html! { (i18n::digits(lang, &n.to_string())) },
                    html! { (i18n::digits(lang, &c.to_string())) },
                    html! { (i18n::digits(lang, &rate)) },
                ]
            })
            .collect();
        rates.push((s.title.get(lang).to_string(), rows));
    }
    // Quota progress: places taken per cell, in questionnaire order.
    let mut quotas = Vec::new();
    for s in catalog.public() {
        if s.quotas.is_empty() {
            continue;
        }
        let fills = state.db.quota_fills(&s.id).await?;
        for q in &s.quotas {
            let filled = |cell: &str| {
                fills
                    .iter()
                    .find(|(id, c, _)| *id == q.id && c == cell)
                    .map_or(0, |(.., n)| *n)
            };
            let cells = q.cells(s).unwrap_or_else(|| {
                let mut seen: Vec<String> = fills
                    .iter()
                    .filter(|(id, ..)| *id == q.id)
                    .map(|(_, c, _)| c.clone())
                    .chain(q.limits.keys().cloned())
                    .collect();
                seen.sort();
                seen.dedup();
                seen
            });
            let rows: Vec<Vec<Markup>> = cells
                .iter()
                .map(|cell| {
                    let (n, limit) = (filled(cell), q.limit_of(cell));
                    vec![
                        html! { (q.cell_label(s, cell, lang)) },
                        html! { (i18n::digits(lang, &n.to_string())) },
                        html! { (i18n::digits(lang, &limit.to_string())) },
                    ]
                })
                .collect();
            quotas.push((format!("{} — {}", s.title.get(lang), q.id), rows));
        }
    }
    let csrf = visitor.csrf_token_now();
    let body = html! {
        p.body { (i18n::DESIGN_NOTE.get(lang)) }
        form method="post" action="/design/reload" {
            (components::hidden(CSRF_FIELD, &csrf))
            (components::button(i18n::DESIGN_RELOAD.get(lang)))
        }
        @if !catalog.refused.problems.is_empty() {
            h2.heading-m { (i18n::DESIGN_REFUSED.get(lang)) }
            p.body { (i18n::DESIGN_REFUSED_NOTE.get(lang)) }
            ul.refused-list dir="ltr" {
                @for p in &catalog.refused.problems {
                    li { code { (p.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()) ":" (p.line) } ": " (p.message) }
                }
            }
        }
        @for (title, rows) in &rates {
            h2.heading-m { (i18n::RESPONSE_RATES.get(lang)) " — " (title) }
            (view::table(
                i18n::RESPONSE_RATES.get(lang),
                &[i18n::STRATUM.get(lang), i18n::INVITED.get(lang), i18n::COMPLETED.get(lang), i18n::RR1.get(lang)],
                rows,
            ))
        }
        @for (title, rows) in &quotas {
            h2.heading-m { (i18n::QUOTAS.get(lang)) " — " (title) }
            (view::table(
                i18n::QUOTAS.get(lang),
                &[i18n::QUOTA_CELL.get(lang), i18n::QUOTA_FILLED.get(lang), i18n::QUOTA_LIMIT.get(lang)],
                rows,
            ))
        }
        (view::table(
            heading,
            &[i18n::COL_SURVEY.get(lang), i18n::COL_STATUS.get(lang), i18n::COL_WAVE.get(lang), i18n::COL_VERSION.get(lang), i18n::COL_QUESTIONS.get(lang), i18n::COL_FILE.get(lang), i18n::PREVIEW.get(lang)],
            &rows,
        ))
    };
    Ok(view::page(&chrome, staff.role, &csrf, heading, &[], body).into_response())
}
