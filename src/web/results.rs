//! Analysts' routes: weighted results with their downloads.
//!
//! | method | path                       | what                                              |
//! |--------|----------------------------|---------------------------------------------------|
//! | GET    | `/results`                 | the surveys                                       |
//! | GET    | `/results/{survey}`        | estimates, charts and tables (`?domain=COLUMN`)   |
//! | GET    | `/results/{survey}.csv`    | the published estimates (rounded, small cells hidden) |
//! | GET    | `/results/{survey}.xlsx`   | workbook: estimates and design                    |
//!
//! Who may open them (analysts and admins) is stated in [`super::access`]; signing in is
//! [`super::sign_in`]. Handlers are thin: estimates come from [`crate::results`].

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use maud::html;

use crate::Error;
use crate::results::{self, SurveyDesign, labels};
use crate::survey::{Lang, Survey, Text};

use super::AppState;
use super::form::query_pairs;
use super::i18n;
use super::sign_in::query_escape;
use super::views::results::{self as view, LabelledRow, VariableResults};
use super::views::{layout, pages};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results", get(survey_index))
        .route("/results/{file}", get(survey_results))
}

fn chrome_parts(lang: Lang, heading: &str, path: &str, keep: &[(&str, &str)]) -> (String, String) {
    (
        pages::title(lang, heading, None, false),
        layout::switch_href(path, keep, lang),
    )
}

async fn survey_index(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token().await?;
    let heading = i18n::RESULTS_TITLE.get(lang);
    let (title, switch) = chrome_parts(lang, heading, "/results", &[]);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    Ok(layout::page(
        &chrome,
        html! {
            (view::sign_out(&csrf, lang))
            h1.heading-l { (heading) }
            ul.survey-list {
                @for s in state.surveys().public() {
                    li { a href={ "/results/" (s.id) } { (s.title.get(lang)) } }
                }
            }
        },
    )
    .into_response())
}

enum Format {
    Page,
    Csv,
    Xlsx,
}

async fn survey_results(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let (id, format) = if let Some(id) = file.strip_suffix(".csv") {
        (id, Format::Csv)
    } else if let Some(id) = file.strip_suffix(".xlsx") {
        (id, Format::Xlsx)
    } else {
        (file.as_str(), Format::Page)
    };
    let here = format!("/results/{file}");
    let catalog = state.surveys();
    let survey = &**catalog.get(id).ok_or(Error::NotFound)?;
    let lang = visitor.lang;
    let domains = labels::domain_columns(
        survey,
        text(i18n::DOMAIN_CHANNEL),
        text(i18n::DOMAIN_LANG),
        text(i18n::DOMAIN_SITE),
    );
    let asked = query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "domain")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty());
    let domain = match asked {
        Some(d) if domains.iter().any(|(id, _)| *id == d) => Some(d),
        Some(_) => return Err(Error::BadRequest("unknown domain column".into())),
        None => None,
    };
    let mut design = results::design_for(survey, None)?;
    if let Some(d) = &domain {
        if !design.file.output.domains.contains(d) {
            design.file.output.domains.push(d.clone());
        }
    }
    let responses = state.db.count_responses(&survey.id).await?;
    // Without responses too: the downloads then say `no_answers` for every variable. An
    // estimate that cannot be made is a row with its reason; what stops the whole design
    // (calibration targets without respondents, a stratum column left empty) is said on the
    // page instead of a 500, and the downloads answer with that page (422).
    let mut as_of = time::OffsetDateTime::now_utc().date();
    let (rows, problem) = match results::estimate_survey_as_of(&state.db, survey, &design).await {
        // Pages and downloads publish: rounded, small cells protected against subtraction.
        Ok((rows, day)) => {
            as_of = day;
            (results::publish::publish(&rows, &design.file), None)
        }
        Err(Error::Stats(message)) => (Vec::new(), Some(message)),
        Err(e) => return Err(e),
    };
    // A breakdown by site shows each site by its Arabic name on Arabic pages and workbooks.
    let sites = if design.file.output.domains.iter().any(|d| d == "site") {
        results::site_names(&state.db, survey).await?
    } else {
        labels::SiteNames::new()
    };
    let suffix = domain
        .as_deref()
        .map(|d| format!("?domain={}", query_escape(d)))
        .unwrap_or_default();
    match format {
        Format::Csv if problem.is_none() => Ok(download(
            results::publish::to_csv(&rows)?,
            "text/csv; charset=utf-8",
            &format!("{}-results.csv", survey.id),
        )),
        Format::Xlsx if problem.is_none() => Ok(download(
            results::xlsx::workbook(survey, &design, &rows, &sites)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{}-results.xlsx", survey.id),
        )),
        _ => {
            let status = match format {
                Format::Page => StatusCode::OK,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let csrf = visitor.csrf_token().await?;
            let variables = group(survey, &design, rows, lang, &sites);
            let domain_labels: Vec<(String, String)> = domains
                .iter()
                .map(|(id, t)| (id.clone(), t.get(lang).to_string()))
                .collect();
            let heading = format!(
                "{} — {}",
                i18n::RESULTS_TITLE.get(lang),
                survey.title.get(lang)
            );
            let keep: Vec<(&str, &str)> = domain
                .as_deref()
                .map(|d| vec![("domain", d)])
                .unwrap_or_default();
            let (title, switch) = chrome_parts(lang, &heading, &here, &keep);
            let stylesheet = super::assets::stylesheet_href();
            let chrome = layout::Chrome {
                lang,
                title: &title,
                switch_href: &switch,
                stylesheet: &stylesheet,
                kiosk: None,
                preview: false,
            };
            let csv_href = format!("/results/{}.csv{suffix}", survey.id);
            let xlsx_href = format!("/results/{}.xlsx{suffix}", survey.id);
            let page = view::results(
                &chrome,
                &view::ResultsPage {
                    title: &heading,
                    responses,
                    as_of: &crate::db::iso_day(as_of),
                    design_file: design
                        .path
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned()),
                    domains: &domain_labels,
                    domain: domain.as_deref(),
                    csv_href: &csv_href,
                    xlsx_href: &xlsx_href,
                    csrf: &csrf,
                    variables: &variables,
                    problem: problem.as_deref(),
                },
            );
            Ok((status, page).into_response())
        }
    }
}

fn text(ui: i18n::Ui) -> Text {
    Text {
        ar: ui.ar.to_string(),
        en: ui.en.to_string(),
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Rows grouped by variable (in design order), labelled in the page's language.
fn group(
    survey: &Survey,
    design: &SurveyDesign,
    rows: Vec<crate::cli::estimate::Row>,
    lang: Lang,
    sites: &labels::SiteNames,
) -> Vec<VariableResults> {
    let mut out: Vec<VariableResults> = Vec::new();
    for row in rows {
        let kind = design
            .file
            .variables
            .iter()
            .find(|v| v.name == row.variable)
            .map(|v| v.kind.as_str())
            .unwrap_or("mean");
        let percent = kind != "mean";
        if out.last().is_none_or(|v| v.id != row.variable) {
            out.push(VariableResults {
                id: row.variable.clone(),
                label: labels::variable(survey, &row.variable)
                    .get(lang)
                    .to_string(),
                percent,
                rows: Vec::new(),
            });
        }
        let category = (!row.category.is_empty()).then(|| {
            labels::value(survey, &row.variable, &row.category)
                .get(lang)
                .to_string()
        });
        let group = (!row.domain.is_empty()).then(|| {
            labels::domain_value(survey, &row.domain, &row.domain_value, sites)
                .get(lang)
                .to_string()
        });
        if let Some(v) = out.last_mut() {
            v.rows.push(LabelledRow {
                category,
                group,
                row,
            });
        }
    }
    out
}
