//! Analysts' routes: sign-in, sign-out, and weighted results with their downloads.
//!
//! | method | path                       | what                                              |
//! |--------|----------------------------|---------------------------------------------------|
//! | GET    | `/login`                   | sign-in form (`?next=/results/…`)                 |
//! | POST   | `/login`                   | check name and password → `next` (303) or the form again (401) |
//! | POST   | `/logout`                  | forget the analyst in this session → `/login`     |
//! | GET    | `/results`                 | the surveys                                       |
//! | GET    | `/results/{survey}`        | estimates, charts and tables (`?domain=COLUMN`)   |
//! | GET    | `/results/{survey}.csv`    | the published estimates (rounded, small cells hidden) |
//! | GET    | `/results/{survey}.xlsx`   | workbook: estimates and design                    |
//!
//! Every results route needs a signed-in analyst, else it redirects to `/login`. Sign-in is
//! throttled per account and per client ([`sign_in_guard`]). The session id is renewed at
//! sign-in and sign-out (no fixation). Nothing about the analyst (name, IP)
//! is logged. Handlers are thin: estimates come from [`crate::results`].

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use std::time::Duration;

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, RETRY_AFTER};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use maud::html;

use crate::Error;
use crate::results::{self, SurveyDesign, labels};
use crate::survey::{Lang, Survey, Text};

use super::AppState;
use super::form::{FormPairs, query_pairs};
use super::i18n;
use super::sign_in_guard::{self, Peer, Refusal};
use super::views::results::{self as view, LabelledRow, VariableResults};
use super::views::{layout, pages};
use super::visit::{CSRF_FIELD, Visitor};

const ANALYST_KEY: &str = "analyst";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(sign_in_form).post(sign_in))
        .route("/logout", post(sign_out))
        .route("/results", get(survey_index))
        .route("/results/{file}", get(survey_results))
}

/// The signed-in analyst's name, or the redirect to the sign-in page.
async fn analyst(visitor: &Visitor, here: &str) -> Result<Result<String, Response>, Error> {
    match visitor.session.get::<String>(ANALYST_KEY).await? {
        Some(name) => Ok(Ok(name)),
        None => {
            let next = query_escape(here);
            Ok(Err(
                Redirect::to(&format!("/login?next={next}")).into_response()
            ))
        }
    }
}

fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after sign-in: a clean path of this site's results, checked once when read so
/// that nothing else can reach the `Location` header (no open redirect, no header injection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);

impl NextPath {
    /// Longest `next` kept; results addresses are far shorter.
    const MAX_LEN: usize = 512;

    /// `raw` (already percent-decoded once) when it is `/results`, `/results/…` or
    /// `/results?…` made of visible ASCII only: no control character, space or backslash, no
    /// `//`, and none of those hidden behind a second round of `%` escapes. Anything else is
    /// dropped for `/results`.
    pub fn parse(raw: Option<&str>) -> NextPath {
        match raw {
            Some(n) if Self::is_clean(n) => NextPath(n.to_string()),
            _ => NextPath::default(),
        }
    }

    fn is_clean(n: &str) -> bool {
        let under_results = n
            .strip_prefix("/results")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
        let visible = |b: u8| b.is_ascii_graphic() && b != b'\\';
        under_results
            && n.len() <= Self::MAX_LEN
            && n.bytes().all(visible)
            && !n.contains("//")
            && escaped_bytes(n).all(|b| b >= 0x80 || visible(b))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for NextPath {
    fn default() -> NextPath {
        NextPath("/results".to_string())
    }
}

/// The bytes that `%XX` escapes in `s` stand for.
fn escaped_bytes(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.as_bytes().windows(3).filter_map(|w| {
        let hex = |b: u8| (b as char).to_digit(16);
        match w {
            [b'%', hi, lo] => Some((hex(*hi)? * 16 + hex(*lo)?) as u8),
            _ => None,
        }
    })
}

fn chrome_parts(lang: Lang, heading: &str, path: &str, keep: &[(&str, &str)]) -> (String, String) {
    (
        pages::title(lang, heading, None, false),
        layout::switch_href(path, keep, lang),
    )
}

async fn sign_in_form(visitor: Visitor, RawQuery(query): RawQuery) -> Result<Response, Error> {
    let next = NextPath::parse(
        query_pairs(query.as_deref())
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    render_sign_in(&visitor, &next, "", false).await
}

async fn render_sign_in(
    visitor: &Visitor,
    next: &NextPath,
    name: &str,
    wrong: bool,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let csrf = visitor.csrf_token().await?;
    let heading = i18n::SIGN_IN_TITLE.get(lang);
    let title = pages::title(lang, heading, None, wrong);
    let switch = layout::switch_href("/login", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
    };
    let page = view::sign_in(
        &chrome,
        &view::SignInPage {
            csrf: &csrf,
            next: next.as_str(),
            name,
            wrong,
        },
    );
    let status = if wrong {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

/// Checks name and password unless the account or the client is locked or too many checks
/// wait (see [`sign_in_guard`]): then the "too many attempts" page, the same whether the
/// account exists or not.
async fn sign_in(
    State(state): State<AppState>,
    Peer(peer): Peer,
    visitor: Visitor,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let name = form.first("name").unwrap_or("").trim();
    let password = form.first("password").unwrap_or("");
    let next = NextPath::parse(form.first("next"));
    let guard = sign_in_guard::guard();
    let keys = guard.keys(name, peer);
    if let Err(refusal) = guard.check(&keys) {
        return Ok(render_throttled(&visitor, refusal));
    }
    let check = {
        let (db, name, password) = (state.db.clone(), name.to_string(), password.to_string());
        async move { results::access::sign_in(&db, &name, &password).await }
    };
    let signed_in = match guard.verify(&keys, check).await {
        Ok(result) => result?,
        Err(refusal) => return Ok(render_throttled(&visitor, refusal)),
    };
    if signed_in {
        guard.succeeded(&keys);
        visitor.session.cycle_id().await?;
        visitor
            .session
            .insert(ANALYST_KEY, name.to_string())
            .await?;
        return Ok(Redirect::to(next.as_str()).into_response());
    }
    guard.failed(&keys);
    render_sign_in(&visitor, &next, name, true).await
}

/// 429 (locked) or 503 (too many checks waiting), with `Retry-After`.
fn render_throttled(visitor: &Visitor, refusal: Refusal) -> Response {
    let lang = visitor.lang;
    let (status, wait) = match refusal {
        Refusal::Locked(wait) => (StatusCode::TOO_MANY_REQUESTS, wait),
        Refusal::Busy => (StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)),
    };
    let heading = sign_in_guard::THROTTLED_TITLE.get(lang);
    let title = pages::title(lang, heading, None, false);
    let switch = layout::switch_href("/login", &[], lang);
    let stylesheet = super::assets::stylesheet_href();
    let chrome = layout::Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &stylesheet,
    };
    let body = sign_in_guard::throttled_body(lang, wait);
    let retry_after = wait.as_secs().div_ceil(60).max(1) * 60;
    (
        status,
        [(RETRY_AFTER, retry_after.to_string())],
        pages::error(&chrome, heading, &body),
    )
        .into_response()
}

async fn sign_out(visitor: Visitor, form: FormPairs) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    visitor.session.remove::<String>(ANALYST_KEY).await?;
    visitor.session.cycle_id().await?;
    Ok(Redirect::to("/login").into_response())
}

async fn survey_index(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    if let Err(redirect) = analyst(&visitor, "/results").await? {
        return Ok(redirect);
    }
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
    };
    Ok(layout::page(
        &chrome,
        html! {
            (view::sign_out(&csrf, lang))
            h1.heading-l { (heading) }
            ul.survey-list {
                @for s in state.surveys.values() {
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
    if let Err(redirect) = analyst(&visitor, &here).await? {
        return Ok(redirect);
    }
    let survey = state.surveys.get(id).ok_or(Error::NotFound)?;
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
    let (rows, problem) = match results::estimate_survey(&state.db, survey, &design).await {
        // Pages and downloads publish: rounded, small cells protected against subtraction.
        Ok(rows) => (results::publish::publish(&rows, &design.file), None),
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
            };
            let csv_href = format!("/results/{}.csv{suffix}", survey.id);
            let xlsx_href = format!("/results/{}.xlsx{suffix}", survey.id);
            let page = view::results(
                &chrome,
                &view::ResultsPage {
                    title: &heading,
                    responses,
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

#[cfg(test)]
mod tests {
    use super::NextPath;

    #[test]
    fn next_keeps_clean_results_paths_only() {
        for kept in [
            "/results",
            "/results/citizen-security",
            "/results/citizen-security?domain=gender",
            "/results?x=%D9%88",
        ] {
            assert_eq!(NextPath::parse(Some(kept)).as_str(), kept);
        }
        for dropped in [
            "/results\n",
            "/results\r\n",
            "/results\u{7f}",
            "/results\0",
            "/results x",
            "/results/%0A",
            "/results/%7f",
            "/results/%5Cx",
            "//evil.example",
            "/\\evil",
            "https://x",
            "results",
            "/resultsx",
            "/results//evil",
            "/results/وطن",
            "",
        ] {
            assert_eq!(
                NextPath::parse(Some(dropped)).as_str(),
                "/results",
                "{dropped:?}"
            );
        }
        assert_eq!(NextPath::parse(None).as_str(), "/results");
        let long = format!("/results/{}", "a".repeat(600));
        assert_eq!(NextPath::parse(Some(&long)).as_str(), "/results");
    }
}
