//! The methodology note of a survey's results and its downloads.
//!
//! | method | path                                   | what                                          |
//! |--------|----------------------------------------|-----------------------------------------------|
//! | GET    | `/results/{survey}/methodology`        | the AAPOR disclosure items, links to every download (`?wave=W`) |
//! | GET    | `/results/{survey}/questionnaire`      | every question's wording and options, printable, in the page's language |
//! | GET    | `/results/{survey}/microdata.csv`      | one row per response, sampling metadata and `final_weight` (typed text only with `?free_text=1`, admins only) |
//! | GET    | `/results/{survey}/codebook.csv`       | the microdata's codebook                      |
//! | GET    | `/results/{survey}/estimates.csv`      | one wave's published estimates (`?wave=W`)    |
//! | GET    | `/results/{survey}/workbook.xlsx`      | methodology, estimates, codebook and microdata in one workbook (`?wave=W`, `?free_text=1`) |
//! | GET    | `/results/{survey}/reproduce.R`        | an R script rebuilding the design and every estimate from the microdata (`?wave=W`) |
//!
//! Who may open them: the results pages' roles ([`super::access`]). Everything is computed by
//! [`crate::results`]; the handlers choose the wave and the format.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};

use crate::Error;
use crate::accounts::Role;
use crate::analysis::Row;
use crate::results::downloads::{self, Loaded, Weights};
use crate::results::methodology::{self, Note};
use crate::results::{self, SurveyDesign, labels, publish, reproduce, workbook};
use crate::survey::{Lang, Survey};

use super::AppState;
use super::access::Staff;
use super::form::query_pairs;
use super::sign_in::query_escape;
use super::views::methodology as view;
use super::views::{layout, pages};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results/{file}/methodology", get(note_page))
        .route("/results/{file}/questionnaire", get(questionnaire))
        .route("/results/{file}/microdata.csv", get(microdata))
        .route("/results/{file}/codebook.csv", get(codebook))
        .route("/results/{file}/estimates.csv", get(estimates))
        .route("/results/{file}/workbook.xlsx", get(workbook_file))
        .route("/results/{file}/reproduce.R", get(r_script))
}

/// What every route of this file computes: the wave, the data, its weights and estimates.
struct Prepared {
    survey: std::sync::Arc<Survey>,
    design: SurveyDesign,
    loaded: Loaded,
    weights: Weights,
    wave: String,
    /// The wave's estimates at full precision, or why the design cannot be used.
    rows: Result<Vec<Row>, String>,
    note: Note,
    free_text: bool,
}

impl Prepared {
    fn published(&self) -> Option<Vec<Row>> {
        self.rows
            .as_ref()
            .ok()
            .map(|rows| publish::publish(rows, &self.design.file))
    }

    fn sites(&self) -> labels::SiteNames {
        let mut names = labels::SiteNames::new();
        for r in &self.loaded.responses {
            if let (Some(site), Some(ar)) = (r.metadata.get("site"), r.metadata.get("site_ar")) {
                if !site.is_empty() && !ar.trim().is_empty() {
                    names.entry(site.clone()).or_insert_with(|| ar.clone());
                }
            }
        }
        names
    }
}

/// `?wave=` and `?free_text=1`; typed text only for admins (anyone else: 403).
async fn prepare(
    state: &AppState,
    staff: &Staff,
    file: &str,
    query: Option<&str>,
) -> Result<Prepared, Error> {
    let catalog = state.surveys();
    let survey = catalog.get(file).ok_or(Error::NotFound)?.clone();
    let pairs = query_pairs(query);
    let asked = pairs
        .iter()
        .find(|(k, _)| k == "wave")
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty());
    let free_text = pairs.iter().any(|(k, v)| k == "free_text" && v == "1");
    if free_text && staff.role != Role::Admin {
        return Err(Error::Denied);
    }
    let design = results::stored_design(&state.db, &survey).await?;
    let loaded = downloads::load(&state.db, &survey).await?;
    let wave = downloads::chosen_wave(&survey, &loaded.fieldwork, asked)
        .map_err(|()| Error::BadRequest("unknown wave".into()))?;
    let invited: u64 = state
        .db
        .invited_per_stratum(&survey.id)
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    let organisation = super::about::organisation().map(|o| o.name.clone());
    // The estimation is CPU only: on a blocking thread, so the server keeps answering.
    let job = {
        let (survey, design) = (survey.clone(), design.clone());
        move || -> Result<Prepared, Error> {
            let weights = downloads::weights(&survey, &design, &loaded)?;
            let rows = match downloads::estimates(&survey, &design, &loaded, &wave) {
                Ok(rows) => Ok(rows),
                Err(Error::Stats(m)) => Err(m),
                Err(e) => return Err(e),
            };
            let note = methodology::note(&methodology::Inputs {
                survey: &survey,
                design: &design,
                fieldwork: &loaded.fieldwork,
                weights: Some(&weights),
                rows: rows.as_deref().unwrap_or(&[]),
                wave: &wave,
                organisation: organisation.as_ref(),
                invited,
            });
            Ok(Prepared {
                survey,
                design,
                loaded,
                weights,
                wave,
                rows,
                note,
                free_text,
            })
        }
    };
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| Error::Other(format!("estimation stopped: {e}")))?
}

use super::results::download;

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file name part safe in a header: the wave label's letters, digits, `-` and `_`.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn note_page(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let p = prepare(&state, &staff, &file, query.as_deref()).await?;
    page(&visitor, &staff, &p, StatusCode::OK).await
}

/// The note's page; also the answer of a download the design cannot make (422).
async fn page(
    visitor: &Visitor,
    staff: &Staff,
    p: &Prepared,
    status: StatusCode,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token().await?;
    let heading = format!("{} — {}", view::TITLE.get(lang), p.survey.title.get(lang));
    let here = format!("/results/{}/methodology", p.survey.id);
    let keep = [("wave", p.wave.as_str())];
    let title = pages::title(lang, &heading, None, false);
    let switch = layout::switch_href(&here, &keep, lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    let base = format!("/results/{}", p.survey.id);
    let wave_q = format!("?wave={}", query_escape(&p.wave));
    let markup = view::note(
        &chrome,
        &view::NotePage {
            heading: &heading,
            note: &p.note,
            base: &base,
            wave_query: &wave_q,
            csrf: &csrf,
            problem: p.rows.as_ref().err().map(String::as_str),
            admin: staff.role == Role::Admin,
        },
    );
    Ok((status, markup).into_response())
}

/// A download that needs the estimates: the note's page with the reason when there are none.
async fn with_estimates(
    visitor: &Visitor,
    staff: &Staff,
    p: &Prepared,
    make: impl FnOnce(&Prepared, Vec<Row>) -> Result<Response, Error>,
) -> Result<Response, Error> {
    match p.published() {
        Some(rows) => make(p, rows),
        None => page(visitor, staff, p, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

async fn microdata(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let p = prepare(&state, &staff, &file, query.as_deref()).await?;
    let bytes = downloads::microdata_csv(&p.survey, &p.loaded, &p.weights, p.free_text)?;
    Ok(download(
        bytes,
        CSV,
        &format!("{}-microdata.csv", p.survey.id),
    ))
}

async fn codebook(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    let survey = catalog.get(&file).ok_or(Error::NotFound)?;
    let free_text = query_pairs(query.as_deref())
        .iter()
        .any(|(k, v)| k == "free_text" && v == "1");
    if free_text && staff.role != Role::Admin {
        return Err(Error::Denied);
    }
    let bytes = downloads::codebook_csv(survey, free_text)?;
    Ok(download(bytes, CSV, &format!("{}-codebook.csv", survey.id)))
}

async fn estimates(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let p = prepare(&state, &staff, &file, query.as_deref()).await?;
    with_estimates(&visitor, &staff, &p, |p, rows| {
        Ok(download(
            publish::to_csv(&rows)?,
            CSV,
            &format!("{}-{}-estimates.csv", p.survey.id, safe(&p.wave)),
        ))
    })
    .await
}

async fn workbook_file(
    State(state): State<AppState>,
    visitor: Visitor,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let p = prepare(&state, &staff, &file, query.as_deref()).await?;
    let lang = visitor.lang;
    with_estimates(&visitor, &staff, &p, |p, rows| {
        let sites = p.sites();
        let bytes = workbook::workbook(&workbook::Contents {
            survey: &p.survey,
            design: &p.design,
            note: &p.note,
            rows: &rows,
            sites: &sites,
            loaded: &p.loaded,
            weights: &p.weights,
            free_text: p.free_text,
            lang,
        })?;
        Ok(download(
            bytes,
            XLSX,
            &format!("{}-{}.xlsx", p.survey.id, safe(&p.wave)),
        ))
    })
    .await
}

async fn r_script(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let p = prepare(&state, &staff, &file, query.as_deref()).await?;
    let text = reproduce::script(
        &p.survey,
        &p.design,
        &p.wave,
        &format!("{}-microdata.csv", p.survey.id),
    )?;
    Ok(download(
        text.into_bytes(),
        "text/plain; charset=utf-8",
        "reproduce.R",
    ))
}

async fn questionnaire(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    // Public: a draft's wording is not.
    let survey = catalog
        .get(&file)
        .filter(|s| !s.draft)
        .ok_or(Error::NotFound)?;
    let lang: Lang = visitor.lang;
    let heading = format!(
        "{} — {}",
        view::QUESTIONNAIRE.get(lang),
        survey.title.get(lang)
    );
    let here = format!("/results/{}/questionnaire", survey.id);
    let title = pages::title(lang, &heading, None, false);
    let switch = layout::switch_href(&here, &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
        kiosk: None,
        preview: false,
    };
    Ok(view::questionnaire(&chrome, &heading, survey).into_response())
}
