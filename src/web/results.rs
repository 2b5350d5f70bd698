//! Analysts' routes: weighted results with their downloads.
//!
//! | method | path                       | what                                              |
//! |--------|----------------------------|---------------------------------------------------|
//! | GET    | `/results`                 | the surveys                                       |
//! | GET    | `/results/{survey}`        | estimates, charts and tables (`?domain=COLUMN`)   |
//! | GET    | `/results/{survey}.csv`    | the published estimates (rounded, small cells hidden) |
//! | GET    | `/results/{survey}.xlsx`   | workbook: estimates and design                    |
//! | GET    | `/results/{survey}/q/{question}` | a question's frequency tables (`?wave=`)     |
//! | GET    | `/results/{survey}/crosstab` | a question by a breakdown (`?q=&by=&wave=`)     |
//! | GET    | `/results/{survey}/crosstab.csv` | the same crosstab as CSV                     |
//!
//! Every page shows one wave (`?wave=`, the latest by default); the pages and the downloads
//! asked from them take the wave, a download without `?wave=` holds every wave.
//! Who may open them (analysts and admins) is stated in [`super::access`]; signing in is
//! [`super::sign_in`]. Handlers are thin: estimates come from [`crate::results`].

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use maud::html;

use crate::Error;
use crate::results::report::{self, Data, Overview};
use crate::results::{self, SurveyDesign, labels};
use crate::survey::{Lang, Survey, Text};

use super::AppState;
use super::form::query_pairs;
use super::i18n;
use super::sign_in::query_escape;
use super::views::report as report_view;
use super::views::results::{self as view, LabelledRow, VariableResults};
use super::views::{layout, pages};
use super::visit::Visitor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/results", get(survey_index))
        .route("/results/{file}", get(survey_results))
        .route("/results/{file}/q/{question}", get(question_page))
        .route("/results/{file}/crosstab", get(crosstab_page))
        .route("/results/{file}/crosstab.csv", get(crosstab_csv))
        .route("/results/{file}/crosstab.xlsx", get(crosstab_xlsx))
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
    let mut design = results::stored_design(&state.db, survey).await?;
    if let Some(d) = &domain {
        if !design.file.output.domains.contains(d) {
            design.file.output.domains.push(d.clone());
        }
    }
    let responses = state.db.count_responses(&survey.id).await?;
    let asked_wave = param(query.as_deref(), "wave");
    // One pass: the waves with their fieldwork days, the versions' wording, the sites' names.
    let overview = report::overview(&state.db, survey).await?;
    let wave = overview.pick(asked_wave.as_deref());
    // The page shows one wave; a download holds every wave unless it names one.
    let scoped =
        overview.waves.len() > 1 && (matches!(format, Format::Page) || asked_wave.is_some());
    // Without responses too: the downloads then say `no_answers` for every variable. An
    // estimate that cannot be made is a row with its reason; what stops the whole design
    // (calibration targets without respondents, a stratum column left empty) is said on the
    // page instead of a 500, and the downloads answer with that page (422).
    let mut data: Option<Data> = None;
    // The day the figures were computed (a cached result keeps its day).
    let mut as_of = time::OffsetDateTime::now_utc().date();
    let estimated = if scoped {
        match report::load(&state.db, survey, &design).await {
            Ok(Some(d)) => {
                let rows = d.published(Data::wave_scope(&overview, wave.unwrap_or(0)));
                data = Some(d);
                rows
            }
            Ok(None) => Ok(crate::analysis::unanswered_rows(&design.file)),
            Err(e) => Err(e),
        }
    } else {
        // Pages and downloads publish: rounded, small cells protected against subtraction.
        results::estimate_survey_as_of(&state.db, survey, &design)
            .await
            .map(|(rows, day)| {
                as_of = day;
                results::publish::publish(&rows, &design.file)
            })
    };
    let (rows, mut problem) = match estimated {
        Ok(rows) => (rows, None),
        Err(Error::Stats(message)) => (Vec::new(), Some(message)),
        Err(e) => return Err(e),
    };
    // A breakdown by site shows each site by its Arabic name on Arabic pages and workbooks.
    let sites = overview.sites.clone();
    let mut keep_params: Vec<(String, String)> = Vec::new();
    if let Some(d) = &domain {
        keep_params.push(("domain".into(), d.clone()));
    }
    if let (true, Some(w)) = (overview.waves.len() > 1, wave) {
        keep_params.push(("wave".into(), overview.waves[w].id.clone()));
    }
    let suffix = query_string(&keep_params);
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
            // The headline: by the chosen breakdown, else by governorate when there is one.
            let by = domain.clone().or_else(|| {
                domains
                    .iter()
                    .any(|(id, _)| id == "governorate")
                    .then(|| "governorate".to_string())
            });
            let by_label = by.as_deref().and_then(|b| {
                domains
                    .iter()
                    .find(|(id, _)| id == b)
                    .map(|(_, t)| t.get(lang).to_string())
            });
            let mut figures = Vec::new();
            if problem.is_none() {
                if let Some(w) = wave {
                    if data.is_none() {
                        data = report::load(&state.db, survey, &design).await?;
                    }
                    if let Some(d) = &data {
                        match report::headline(survey, d, &overview, w, by.as_deref()) {
                            Ok(f) => figures = f,
                            Err(Error::Stats(m)) => problem = Some(m),
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
            let by_pair = match (&by, &by_label) {
                (Some(b), Some(l)) => Some((b.as_str(), l.as_str())),
                _ => None,
            };
            let wave_id = wave.map(|w| overview.waves[w].id.as_str());
            let keep_for_wave: Vec<(&str, &str)> = domain
                .as_deref()
                .map(|d| vec![("domain", d)])
                .unwrap_or_default();
            let report_top = html! {
                (report_view::header(lang, &survey.id))
                @if let Some(w) = wave { (report_view::waves(lang, &overview, w, &keep_for_wave)) }
                @if problem.is_none() && wave.is_some() {
                    (report_view::headline(lang, survey, &figures, by_pair, &sites, wave.unwrap_or(0)))
                    (report_view::question_list(lang, survey, wave_id.filter(|_| overview.waves.len() > 1)))
                }
            };
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
            let keep: Vec<(&str, &str)> = keep_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
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
                    report: Some(report_top),
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

/// A file to save (`Content-Disposition: attachment`), for every results download.
pub(super) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
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

/// The first non-empty value of `name` in a query.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn query_string(pairs: &[(String, String)]) -> String {
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", query_escape(v)))
        .collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!("?{}", joined.join("&"))
    }
}

/// What every report page needs: the survey, its design, the overview and the wave shown.
struct Context<'a> {
    survey: &'a Survey,
    overview: Overview,
    wave: Option<usize>,
    data: Option<Data>,
}

async fn context<'a>(
    state: &AppState,
    survey: &'a Survey,
    query: Option<&str>,
) -> Result<Context<'a>, Error> {
    let design = results::stored_design(&state.db, survey).await?;
    let overview = report::overview(&state.db, survey).await?;
    let wave = overview.pick(param(query, "wave").as_deref());
    let data = if wave.is_some() {
        report::load(&state.db, survey, &design).await?
    } else {
        None
    };
    Ok(Context {
        survey,
        overview,
        wave,
        data,
    })
}

impl Context<'_> {
    fn wave_id(&self) -> Option<&str> {
        match self.wave {
            Some(w) if self.overview.waves.len() > 1 => Some(self.overview.waves[w].id.as_str()),
            _ => None,
        }
    }
}

/// A report page in the site's chrome, with sign-out, heading, the shared header and the
/// wave selector.
async fn report_page(
    visitor: &Visitor,
    ctx: &Context<'_>,
    here: &str,
    keep: &[(&str, &str)],
    heading: &str,
    body: maud::Markup,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token().await?;
    let mut switch_keep: Vec<(&str, &str)> = keep.to_vec();
    if let Some(w) = ctx.wave_id() {
        switch_keep.push(("wave", w));
    }
    let title_text = format!("{heading} — {}", ctx.survey.title.get(lang));
    let (title, switch) = chrome_parts(lang, &title_text, here, &switch_keep);
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
            p.body { a href={ "/results/" (ctx.survey.id) } { (ctx.survey.title.get(lang)) } }
            h1.heading-l { (heading) }
            (report_view::header(lang, &ctx.survey.id))
            @if let Some(w) = ctx.wave { (report_view::waves(lang, &ctx.overview, w, keep)) }
            @if ctx.wave.is_none() { p.body { (i18n::RESULTS_NONE_YET.get(lang)) } }
            (body)
        },
    )
    .into_response())
}

fn stats_problem(lang: Lang, message: &str) -> maud::Markup {
    html! {
        div.error-summary role="alert" {
            h2.error-summary-title { (view::CANNOT_ESTIMATE.get(lang)) }
            p.body { bdi dir="ltr" { (message) } }
        }
    }
}

async fn question_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((file, question)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    let survey = &**catalog.get(&file).ok_or(Error::NotFound)?;
    let q = survey.question(&question).ok_or(Error::NotFound)?;
    let lang = visitor.lang;
    let ctx = context(&state, survey, query.as_deref()).await?;
    let body = match (&ctx.data, ctx.wave) {
        (Some(d), Some(w)) => match report::question(survey, d, &ctx.overview, w, &question) {
            Ok(r) => report_view::question(lang, &r, q.text.get(lang)),
            Err(Error::Stats(m)) => stats_problem(lang, &m),
            Err(e) => return Err(e),
        },
        _ => html! {},
    };
    let body = html! { (body) (report_view::back(lang, &survey.id, ctx.wave_id())) };
    let here = format!("/results/{file}/q/{question}");
    let heading = i18n::RESULTS_TITLE.get(lang);
    report_page(&visitor, &ctx, &here, &[], heading, body).await
}

/// The crosstab's question and breakdown from the query (defaults: the first question, the
/// governorate or the first breakdown); unknown ones are a 400.
fn crosstab_choice(
    survey: &Survey,
    query: Option<&str>,
) -> Result<(Vec<(String, Text)>, Vec<(String, Text)>, String, String), Error> {
    let questions = report::crosstab_keys(survey);
    let mut domains = labels::domain_columns(
        survey,
        text(i18n::DOMAIN_CHANNEL),
        text(i18n::DOMAIN_LANG),
        text(i18n::DOMAIN_SITE),
    );
    domains.push((
        "wave".into(),
        text(i18n::Ui::new("جولة العمل الميداني", "Fieldwork wave")),
    ));
    let q = match param(query, "q") {
        Some(q) if questions.iter().any(|(id, _)| *id == q) => q,
        Some(_) => return Err(Error::BadRequest("unknown question".into())),
        None => questions
            .first()
            .map(|(id, _)| id.clone())
            .ok_or(Error::NotFound)?,
    };
    let by = match param(query, "by") {
        Some(b) if domains.iter().any(|(id, _)| *id == b) && b != q => b,
        Some(_) => return Err(Error::BadRequest("unknown breakdown".into())),
        None => domains
            .iter()
            .find(|(id, _)| id == "governorate" && *id != q)
            .or_else(|| domains.iter().find(|(id, _)| *id != q))
            .map(|(id, _)| id.clone())
            .ok_or(Error::NotFound)?,
    };
    Ok((questions, domains, q, by))
}

async fn crosstab_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    let survey = &**catalog.get(&file).ok_or(Error::NotFound)?;
    let lang = visitor.lang;
    let (questions, domains, q, by) = crosstab_choice(survey, query.as_deref())?;
    let ctx = context(&state, survey, query.as_deref()).await?;
    let domain_labels: Vec<(String, String)> = domains
        .iter()
        .map(|(id, t)| (id.clone(), t.get(lang).to_string()))
        .collect();
    let by_label = domain_labels
        .iter()
        .find(|(id, _)| *id == by)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    let mut keep = vec![("q".to_string(), q.clone()), ("by".to_string(), by.clone())];
    if let Some(w) = ctx.wave_id() {
        keep.push(("wave".into(), w.to_string()));
    }
    let csv_href = format!("/results/{}/crosstab.csv{}", survey.id, query_string(&keep));
    let form = report_view::crosstab_form(
        lang,
        &report_view::CrosstabForm {
            questions: &questions,
            question: Some(&q),
            domains: &domain_labels,
            by: Some(&by),
            wave: ctx.wave_id(),
        },
    );
    let table = match (&ctx.data, ctx.wave) {
        (Some(d), Some(w)) => match report::crosstab(survey, d, &ctx.overview, w, &q, &by) {
            Ok(t) => {
                report_view::crosstab(lang, survey, &t, &by_label, &ctx.overview.sites, &csv_href)
            }
            Err(Error::Stats(m)) => stats_problem(lang, &m),
            Err(e) => return Err(e),
        },
        _ => html! {},
    };
    let body = html! { h2.heading-l { (report_view::CROSSTAB.get(lang)) } (form) (table) };
    let here = format!("/results/{file}/crosstab");
    let keep_pairs: Vec<(&str, &str)> = vec![("q", q.as_str()), ("by", by.as_str())];
    let heading = i18n::RESULTS_TITLE.get(lang);
    report_page(&visitor, &ctx, &here, &keep_pairs, heading, body).await
}

async fn crosstab_csv(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    crosstab_download(&state, &file, query.as_deref(), None).await
}

async fn crosstab_xlsx(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    crosstab_download(&state, &file, query.as_deref(), Some(visitor.lang)).await
}

/// The crosstab of `?q=&by=` as CSV, or as a workbook in `xlsx_lang`'s direction.
async fn crosstab_download(
    state: &AppState,
    file: &str,
    query: Option<&str>,
    xlsx_lang: Option<crate::survey::Lang>,
) -> Result<Response, Error> {
    let catalog = state.surveys();
    let survey = &**catalog.get(file).ok_or(Error::NotFound)?;
    let (_, _, q, by) = crosstab_choice(survey, query)?;
    let ctx = context(state, survey, query).await?;
    let (Some(d), Some(w)) = (&ctx.data, ctx.wave) else {
        return Err(Error::NotFound);
    };
    let t = match report::crosstab(survey, d, &ctx.overview, w, &q, &by) {
        Ok(t) => t,
        Err(Error::Stats(m)) => return Err(Error::BadRequest(m)),
        Err(e) => return Err(e),
    };
    Ok(match xlsx_lang {
        None => download(
            report::crosstab_csv(survey, &t, &ctx.overview.sites)?,
            "text/csv; charset=utf-8",
            &format!("{}-{q}-by-{by}.csv", survey.id),
        ),
        Some(lang) => download(
            report::crosstab_xlsx(survey, &t, &ctx.overview.sites, lang)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{}-{q}-by-{by}.xlsx", survey.id),
        ),
    })
}
