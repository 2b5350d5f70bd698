//! Answering one survey: start page, question pages, check answers, submit, confirmation.
//!
//! Handlers stay thin: the rules for answers (what is valid, what `show_if` hides, which page
//! comes next) are `survey::answers`; storing is `db`; markup is `views`. Every POST checks the
//! CSRF token first and answers with a redirect (303, POST-redirect-GET) or the same page with
//! errors, so a refresh never posts twice.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Router,
    routing::{get, post},
};

use crate::Error;
use crate::db::{NewResponse, Stored};
use crate::survey::{Answers, Lang, QuestionKind, Survey, answers};

use super::AppState;
use super::form::{FormPairs, query_pairs};
use super::i18n;
use super::views::components::SummaryRow;
use super::views::layout::{self, Chrome};
use super::views::pages::{self, CheckPage, QuestionPage};
use super::views::question::{self, PageForm};
use super::visit::{CSRF_FIELD, Progress, Visitor};

/// The channel recorded with responses from these pages.
pub const CHANNEL: &str = "link";

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/s/{survey}", get(start))
        .route("/s/{survey}/p/{page}", get(show_page).post(save_page))
        .route("/s/{survey}/p/{page}/switch", post(switch_language))
        .route("/s/{survey}/check", get(check_answers))
        .route("/s/{survey}/submit", post(submit))
        .route("/s/{survey}/done", get(done))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            refuse_while_unwritable,
        ))
}

/// While the database cannot take writes, every survey page says so (503, in the person's
/// language) before the person answers anything that could not be kept.
async fn refuse_while_unwritable(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match state.db.fault() {
        Some(fault) => Error::Unavailable(fault).into_response(),
        None => next.run(req).await,
    }
}

/// The cookie that carries a link's source tag from the start page to the first saved page,
/// so that opening a link writes nothing to the database.
const SOURCE_COOKIE: &str = "mizan-source";

/// URL of a page (0-based index in, 1-based number in the URL).
fn page_href(survey: &Survey, index: usize) -> String {
    format!("/s/{}/p/{}", survey.id, index + 1)
}
fn check_href(survey: &Survey) -> String {
    format!("/s/{}/check", survey.id)
}

/// The path parameters of a survey URL; anything unreadable is a 404 page.
struct SurveyPath {
    survey: String,
    page: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for SurveyPath {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Ok(SurveyPath {
            survey: get("survey").ok_or(Error::NotFound)?,
            page: get("page"),
        })
    }
}

impl SurveyPath {
    fn survey<'s>(&self, state: &'s AppState) -> Result<&'s Survey, Error> {
        state.surveys.get(&self.survey).ok_or(Error::NotFound)
    }
    /// The 0-based page index of `/p/{n}`, if it exists.
    fn page_index(&self, survey: &Survey) -> Result<usize, Error> {
        let n: usize = self
            .page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .ok_or(Error::NotFound)?;
        if n == 0 || n > survey.pages.len() {
            return Err(Error::NotFound);
        }
        Ok(n - 1)
    }
}

fn chrome<'a>(lang: Lang, title: &'a str, switch: &'a str, stylesheet: &'a str) -> Chrome<'a> {
    Chrome {
        lang,
        title,
        switch_href: switch,
        stylesheet,
    }
}

async fn start(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let survey = path.survey(&state)?;
    let lang = visitor.lang;
    let source = query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "source")
        .map(|(_, v)| v)
        .filter(|tag| survey.sources.iter().any(|s| s == tag));
    // Tags are survey ids' kind of text; anything a cookie cannot carry as is stays out.
    let source_cookie = source
        .filter(|t| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .and_then(|tag| visitor.cookie_header(SOURCE_COOKIE, &format!("{}.{tag}", survey.id)));
    let first = match answers::next_page(survey, None, &Answers::new()) {
        Some(i) => page_href(survey, i),
        None => check_href(survey),
    };
    let title = pages::title(lang, survey.title.get(lang), None, false);
    let here = format!("/s/{}", survey.id);
    let switch = layout::switch_href(&here, &[], lang);
    let css = super::assets::stylesheet_href();
    let mut res =
        pages::start(&chrome(lang, &title, &switch, &css), survey, &first).into_response();
    if let Some(cookie) = source_cookie {
        res.headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    Ok(res)
}

/// The source tag the start page left for this survey, if it is one the survey allows.
fn source_from_cookie(survey: &Survey, headers: &axum::http::HeaderMap) -> Option<String> {
    let value = super::visit::cookie(headers, SOURCE_COOKIE)?;
    let (id, tag) = value.split_once('.')?;
    (id == survey.id && survey.sources.iter().any(|s| s == tag)).then(|| tag.to_string())
}

fn is_changing(query: Option<&str>, posted: Option<&FormPairs>) -> bool {
    let in_query = query_pairs(query)
        .iter()
        .any(|(k, v)| k == "change" && v == "1");
    in_query || posted.is_some_and(|p| p.first("change") == Some("1"))
}

/// The question or grid item an answer key belongs to, on this page.
fn field_label<'p>(page: &'p crate::survey::Page, key: &str) -> Option<&'p crate::survey::Text> {
    page.questions.iter().find_map(|q| match &q.kind {
        QuestionKind::LikertGrid { items, .. } => {
            items.iter().find(|i| i.id == key).map(|i| &i.text)
        }
        _ => (q.id == key).then_some(&q.text),
    })
}

/// On a page with several fields, "Select an answer" alone does not say which field it is
/// about, and the error summary would repeat the same link text: the summary names the field
/// first (WCAG 3.3.1 identifies the item in error, 2.4.4 link purpose).
fn name_the_field(label: &str, message: &str) -> String {
    let label = label.trim_end();
    if label.ends_with(['?', '؟', ':', '.']) {
        format!("{label} {message}")
    } else {
        format!("{label}: {message}")
    }
}

/// Everything needed to draw a question page, with or without errors.
async fn render_page(
    survey: &Survey,
    index: usize,
    visitor: &Visitor,
    progress: &Progress,
    filled: &question::Filled,
    errors: Vec<answers::FieldError>,
    changing: bool,
) -> Result<Response, Error> {
    let lang = visitor.lang;
    let page = &survey.pages[index];
    // Errors in the order of the fields on the page, each linking to its field.
    let field_order: Vec<&str> = page
        .questions
        .iter()
        .flat_map(|q| match &q.kind {
            QuestionKind::LikertGrid { items, .. } => {
                items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>()
            }
            _ => vec![q.id.as_str()],
        })
        .collect();
    let mut error_list: Vec<(String, String)> = errors
        .iter()
        .map(|e| (e.key.clone(), e.message.get(lang).to_string()))
        .collect();
    error_list.sort_by_key(|(k, _)| field_order.iter().position(|f| f == k));
    // Inline messages sit under their field's label; the summary's links name the field.
    let error_map: BTreeMap<String, String> = error_list.iter().cloned().collect();
    if field_order.len() > 1 {
        for (key, message) in &mut error_list {
            if let Some(label) = field_label(page, key) {
                *message = name_the_field(label.get(lang), message);
            }
        }
    }
    let form = PageForm {
        survey,
        page,
        answers: &progress.answers,
        filled,
        errors: &error_map,
        seed: progress.seed,
        lang,
        for_interviewer: false,
    };
    let back = if changing {
        check_href(survey)
    } else {
        match answers::prev_page(survey, index, &progress.answers) {
            Some(i) => page_href(survey, i),
            None => format!("/s/{}", survey.id),
        }
    };
    let csrf = visitor.csrf_token().await?;
    let title = pages::title(lang, &form.heading(), Some(survey), !error_list.is_empty());
    let here = page_href(survey, index);
    let keep: &[(&str, &str)] = if changing { &[("change", "1")] } else { &[] };
    let switch = layout::switch_href(&here, keep, lang);
    let switch_action = format!("{here}/switch?lang={}", lang.other().code());
    let css = super::assets::stylesheet_href();
    let (page_number, page_count) = answers::page_position(survey, index, &progress.answers);
    let view = QuestionPage {
        form,
        back_href: &back,
        error_list: &error_list,
        page_number,
        page_count,
        csrf: &csrf,
        changing,
        switch_action: &switch_action,
    };
    let status = if error_list.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        pages::question(&chrome(lang, &title, &switch, &css), &view),
    )
        .into_response())
}

/// Where to go from page `index` (or from the start) on: the next page with something
/// visible, else the check-answers page.
fn next_href(survey: &Survey, after: Option<usize>, answers: &Answers) -> String {
    match answers::next_page(survey, after, answers) {
        Some(i) => page_href(survey, i),
        None => check_href(survey),
    }
}

fn page_has_visible(survey: &Survey, index: usize, answers: &Answers) -> bool {
    survey.pages[index]
        .questions
        .iter()
        .any(|q| answers::visible(survey, q, answers))
}

async fn show_page(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let survey = path.survey(&state)?;
    let index = path.page_index(survey)?;
    let progress = visitor.progress(&survey.id).await?;
    if !page_has_visible(survey, index, &progress.answers) {
        // Everything on it is hidden by earlier answers: skip it.
        return Ok(
            Redirect::to(&next_href(survey, Some(index), &progress.answers)).into_response(),
        );
    }
    let mut filled = question::filled_from_answers(survey, &progress.answers, visitor.lang);
    let page = &survey.pages[index];
    if let Some(draft) = progress.draft(&page.id) {
        // Entered before a language switch and not saved yet: shown as entered.
        for key in page_keys(page) {
            filled.remove(key);
        }
        filled.extend(question::filled_from_posted(&draft.entries));
    }
    let changing = is_changing(query.as_deref(), None);
    render_page(
        survey,
        index,
        &visitor,
        &progress,
        &filled,
        Vec::new(),
        changing,
    )
    .await
}

/// Form fields that are the page's own machinery, not answers.
const CONTROL_FIELDS: &[&str] = &[CSRF_FIELD, "change"];

/// The answer keys of a page's questions (grid items included).
fn page_keys(page: &crate::survey::Page) -> Vec<&str> {
    page.questions
        .iter()
        .flat_map(|q| q.answer_keys())
        .collect()
}

/// The language switch of a question page: a button of the page's form, posted here with
/// `?lang=` the other language. What is entered is kept as the page's draft, valid or not and
/// without validating it (nothing is saved as an answer), and the same page comes back in the
/// other language showing it, until the page is continued.
async fn switch_language(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state)?;
    let index = path.page_index(survey)?;
    let page = &survey.pages[index];
    let changing = is_changing(None, Some(&form));
    let keys = page_keys(page);
    let entries: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .collect();
    let mut progress = visitor.progress(&survey.id).await?;
    let saved_here = keys.iter().any(|k| progress.answers.contains_key(*k));
    // Nothing entered and nothing to override: the session stays unwritten.
    if !entries.is_empty() || saved_here || progress.draft(&page.id).is_some() {
        progress.keep_draft(&page.id, entries);
        visitor.save_progress(&survey.id, &progress).await?;
    }
    let mut to = format!("{}?", page_href(survey, index));
    if changing {
        to.push_str("change=1&");
    }
    to.push_str("lang=");
    to.push_str(visitor.lang.code());
    Ok(Redirect::to(&to).into_response())
}

async fn save_page(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state)?;
    let index = path.page_index(survey)?;
    let mut progress = visitor.progress(&survey.id).await?;
    if progress.source.is_none() {
        progress.source = source_from_cookie(survey, &headers);
    }
    let changing = is_changing(query.as_deref(), Some(&form));
    let posted: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter(|(k, _)| !CONTROL_FIELDS.contains(&k.as_str()))
        .collect();
    match answers::read_page(survey, index, &posted, &progress.answers) {
        Ok(page_answers) => {
            for q in &survey.pages[index].questions {
                progress.answers.remove(&q.id);
                if let QuestionKind::LikertGrid { items, .. } = &q.kind {
                    for item in items {
                        progress.answers.remove(&item.id);
                    }
                }
            }
            progress.answers.extend(page_answers);
            answers::prune_hidden(survey, &mut progress.answers);
            progress.drop_draft(&survey.pages[index].id);
            progress.done = false;
            visitor.save_progress(&survey.id, &progress).await?;
            let to = if changing {
                // Back to the check page, unless the change revealed questions still to answer.
                match answers::check_complete(survey, &progress.answers) {
                    Ok(()) => check_href(survey),
                    Err(errors) => match errors.iter().map(|(i, _)| *i).min() {
                        Some(i) => format!("{}?change=1", page_href(survey, i)),
                        None => check_href(survey),
                    },
                }
            } else {
                next_href(survey, Some(index), &progress.answers)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let page_id = &survey.pages[index].id;
            if progress.draft(page_id).is_some() {
                // A draft from a language switch would otherwise outlive what was posted since.
                let keys = page_keys(&survey.pages[index]);
                let entries = posted
                    .iter()
                    .filter(|(k, _)| keys.contains(&k.as_str()))
                    .cloned()
                    .collect();
                progress.keep_draft(page_id, entries);
                visitor.save_progress(&survey.id, &progress).await?;
            }
            let filled = question::filled_from_posted(&posted);
            render_page(
                survey, index, &visitor, &progress, &filled, errors, changing,
            )
            .await
        }
    }
}

/// The first page that still needs an answer, if any.
fn first_incomplete(survey: &Survey, answers: &Answers) -> Option<usize> {
    match answers::check_complete(survey, answers) {
        Ok(()) => None,
        Err(errors) => errors.iter().map(|(i, _)| *i).min(),
    }
}

async fn check_answers(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
) -> Result<Response, Error> {
    let survey = path.survey(&state)?;
    let lang = visitor.lang;
    let mut progress = visitor.progress(&survey.id).await?;
    if progress.done {
        return Ok(Redirect::to(&format!("/s/{}/done", survey.id)).into_response());
    }
    if let Some(i) = first_incomplete(survey, &progress.answers) {
        return Ok(Redirect::to(&page_href(survey, i)).into_response());
    }
    let key = match &progress.submission_key {
        Some(k) if !progress.submitted.contains(k) => k.clone(),
        _ => {
            let k = uuid::Uuid::new_v4().to_string();
            progress.submission_key = Some(k.clone());
            visitor.save_progress(&survey.id, &progress).await?;
            k
        }
    };
    let rows = summary_rows(survey, &progress.answers, lang);
    let back = match answers::prev_page(survey, survey.pages.len(), &progress.answers) {
        Some(i) => page_href(survey, i),
        None => format!("/s/{}", survey.id),
    };
    let csrf = visitor.csrf_token().await?;
    let title = pages::title(
        lang,
        i18n::CHECK_ANSWERS_TITLE.get(lang),
        Some(survey),
        false,
    );
    let switch = layout::switch_href(&check_href(survey), &[], lang);
    let css = super::assets::stylesheet_href();
    let submit_action = format!("/s/{}/submit", survey.id);
    let view = CheckPage {
        back_href: &back,
        rows: &rows,
        submit_action: &submit_action,
        csrf: &csrf,
        submission_key: &key,
    };
    Ok(pages::check_answers(&chrome(lang, &title, &switch, &css), &view).into_response())
}

/// One row per visible question (per item for a grid), in survey order.
fn summary_rows(survey: &Survey, saved: &Answers, lang: Lang) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for (index, page) in survey.pages.iter().enumerate() {
        for q in page
            .questions
            .iter()
            .filter(|q| answers::visible(survey, q, saved))
        {
            let href = |key: &str| format!("{}?change=1#{key}", page_href(survey, index));
            let shown = |key: &str| {
                saved
                    .get(key)
                    .map(|a| question::shown_answer(survey, q, key, a, lang))
            };
            match &q.kind {
                QuestionKind::LikertGrid { items, .. } => {
                    for item in items {
                        rows.push(SummaryRow {
                            question: i18n::grid_item_question(
                                q.text.get(lang),
                                item.text.get(lang),
                            ),
                            answer: shown(&item.id),
                            change_href: href(&item.id),
                        });
                    }
                }
                _ => rows.push(SummaryRow {
                    question: q.text.get(lang).to_string(),
                    answer: shown(&q.id),
                    change_href: href(&q.id),
                }),
            }
        }
    }
    rows
}

async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
    form: FormPairs,
) -> Result<Response, Error> {
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state)?;
    let key = form
        .first("key")
        .filter(|k| !k.is_empty() && k.len() <= 64)
        .ok_or_else(|| Error::BadRequest("submission key missing".into()))?
        .to_string();
    let done = Redirect::to(&format!("/s/{}/done", survey.id)).into_response();
    let mut progress = visitor.progress(&survey.id).await?;
    if progress.submitted.contains(&key) {
        // A retried or double-clicked submit that was already stored.
        return Ok(done);
    }
    if progress.submission_key.as_deref() != Some(key.as_str()) {
        // A form from an older check page: show the current answers again.
        return Ok(Redirect::to(&check_href(survey)).into_response());
    }
    if let Some(i) = first_incomplete(survey, &progress.answers) {
        return Ok(Redirect::to(&page_href(survey, i)).into_response());
    }
    let response = NewResponse {
        survey_id: survey.id.clone(),
        survey_version: survey.version.clone(),
        lang: visitor.lang,
        channel: CHANNEL.to_string(),
        source: progress.source.clone(),
        metadata: BTreeMap::new(),
        answers: std::mem::take(&mut progress.answers),
    };
    progress.drafts.clear();
    match state.db.store_response(&response, &key).await? {
        Stored::New | Stored::Duplicate => {}
    }
    progress.submission_key = None;
    progress.remember_submitted(key);
    progress.done = true;
    visitor.save_progress(&survey.id, &progress).await?;
    Ok(done)
}

async fn done(
    State(state): State<AppState>,
    visitor: Visitor,
    path: SurveyPath,
) -> Result<Response, Error> {
    let survey = path.survey(&state)?;
    let lang = visitor.lang;
    let done = visitor
        .saved_progress(&survey.id)
        .await?
        .is_some_and(|p| p.done);
    if !done {
        return Ok(Redirect::to(&format!("/s/{}", survey.id)).into_response());
    }
    let title = pages::title(lang, i18n::DONE_TITLE.get(lang), Some(survey), false);
    let switch = layout::switch_href(&format!("/s/{}/done", survey.id), &[], lang);
    let css = super::assets::stylesheet_href();
    Ok(pages::done(&chrome(lang, &title, &switch, &css), survey).into_response())
}
