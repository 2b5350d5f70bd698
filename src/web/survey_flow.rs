//! Answering one survey: start page, question pages, check answers, submit, confirmation —
//! for every channel (public link, kiosk, field interview: see [`super::channel`]), with the
//! same rules for answers.
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
use super::channel::{ChannelKind, Respondent};
use super::form::{FormPairs, query_pairs};
use super::i18n;
use super::sign_in_guard::Peer;
use super::views::components::SummaryRow;
use super::views::layout::{self, Chrome, KioskFrame};
use super::views::pages::{self, CheckPage, QuestionPage};
use super::views::question::{self, PageForm};
use super::visit::{CSRF_FIELD, Progress};

/// The survey pages, mounted once per channel: `/s/…` (link), `/kiosk/s/…`, `/field/{area}/s/…`.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(pages(state.clone(), ChannelKind::Link))
        .nest("/kiosk", pages(state.clone(), ChannelKind::Kiosk))
        .nest(
            "/field/{area}",
            pages(state.clone(), ChannelKind::Interviewer),
        )
        .nest("/preview", pages(state, ChannelKind::Preview))
}

fn pages(state: AppState, kind: ChannelKind) -> Router<AppState> {
    let pages = Router::new()
        .route("/s/{survey}", get(start))
        .route("/s/{survey}/p/{page}", get(show_page).post(save_page))
        .route("/s/{survey}/p/{page}/switch", post(switch_language))
        .route("/s/{survey}/check", get(check_answers))
        .route("/s/{survey}/submit", post(submit))
        .route("/s/{survey}/done", get(done))
        .route("/s/{survey}/clear", post(clear))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            refuse_while_unwritable,
        ))
        .layer(axum::Extension(kind));
    if kind == ChannelKind::Kiosk {
        super::kiosk::with_kiosk_headers(pages)
    } else {
        pages
    }
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

/// URL of a page (0-based index in, 1-based number in the URL) under the channel's prefix.
fn page_href(base: &str, index: usize) -> String {
    format!("{base}/p/{}", index + 1)
}
fn check_href(base: &str) -> String {
    format!("{base}/check")
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
    /// The survey, if the respondent's channel runs it.
    fn survey(&self, state: &AppState, r: &Respondent) -> Result<std::sync::Arc<Survey>, Error> {
        r.survey(state, &self.survey)
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

pub(super) fn chrome<'a>(
    lang: Lang,
    title: &'a str,
    switch: &'a str,
    stylesheet: &'a str,
    kiosk: Option<&'a KioskFrame<'a>>,
    preview: bool,
) -> Chrome<'a> {
    Chrome {
        lang,
        title,
        switch_href: switch,
        stylesheet,
        kiosk,
        preview,
    }
}

async fn start(
    State(state): State<AppState>,
    r: Respondent,
    path: SurveyPath,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    if r.is_kiosk() {
        return super::kiosk::start_screen(&r, survey, query.as_deref());
    }
    let visitor = &r.visitor;
    let base = r.survey_href(survey);
    let lang = visitor.lang;
    // A tag the survey does not declare is counted as `other`, never dropped or kept as typed.
    let source = query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "source")
        .map(|(_, v)| v)
        .filter(|tag| !tag.is_empty())
        .map(|tag| {
            if survey.sources.iter().any(|s| *s == tag) {
                tag
            } else {
                OTHER_SOURCE.to_string()
            }
        });
    // Tags are survey ids' kind of text; anything a cookie cannot carry as is stays out.
    let source_cookie = source
        .filter(|_| matches!(r.channel, super::channel::Channel::Link))
        .filter(|t| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .and_then(|tag| visitor.cookie_header(SOURCE_COOKIE, &format!("{}.{tag}", survey.id)));
    let cleared = query_pairs(query.as_deref())
        .iter()
        .any(|(k, v)| k == "cleared" && v == "1");
    let first = first_href(survey, &base);
    let title = pages::title(lang, survey.title.get(lang), None, false);
    let switch = layout::switch_href(&base, &[], lang);
    let css = super::assets::stylesheet_href();
    let mut res = pages::start(
        &chrome(lang, &title, &switch, &css, None, r.is_preview()),
        survey,
        &first,
        cleared,
    )
    .into_response();
    if let Some(cookie) = source_cookie {
        res.headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    Ok(res)
}

/// Where "Start now" goes: the first page with something to answer.
pub fn first_href(survey: &Survey, base: &str) -> String {
    match answers::next_page(survey, None, &Answers::new()) {
        Some(i) => page_href(base, i),
        None => check_href(base),
    }
}

/// The source of a link whose tag the survey does not declare.
pub const OTHER_SOURCE: &str = "other";

/// The source tag the start page left for this survey, if it is one the survey allows (or
/// `other`).
fn source_from_cookie(survey: &Survey, headers: &axum::http::HeaderMap) -> Option<String> {
    let value = super::visit::cookie(headers, SOURCE_COOKIE)?;
    let (id, tag) = value.split_once('.')?;
    let allowed = tag == OTHER_SOURCE || survey.sources.iter().any(|s| s == tag);
    (id == survey.id && allowed).then(|| tag.to_string())
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
    r: &Respondent,
    progress: &Progress,
    filled: &question::Filled,
    errors: Vec<answers::FieldError>,
    changing: bool,
) -> Result<Response, Error> {
    let visitor = &r.visitor;
    let base = r.survey_href(survey);
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
        for_interviewer: r.is_interviewer(),
    };
    let back = if changing {
        check_href(&base)
    } else {
        match answers::prev_page(survey, index, &progress.answers) {
            Some(i) => page_href(&base, i),
            None => base.clone(),
        }
    };
    let csrf = visitor.csrf_token().await?;
    let title = pages::title(lang, &form.heading(), Some(survey), !error_list.is_empty());
    let here = page_href(&base, index);
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
        survey_changed: progress.survey_changed,
        clear_action: (!r.is_kiosk()).then(|| format!("{base}/clear")),
    };
    let status = if error_list.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let kiosk = r.kiosk_frame(&csrf, false);
    Ok((
        status,
        pages::question(
            &chrome(lang, &title, &switch, &css, kiosk.as_ref(), r.is_preview()),
            &view,
        ),
    )
        .into_response())
}

/// Where to go from page `index` (or from the start) on: the next page with something
/// visible, else the check-answers page.
fn next_href(survey: &Survey, base: &str, after: Option<usize>, answers: &Answers) -> String {
    match answers::next_page(survey, after, answers) {
        Some(i) => page_href(base, i),
        None => check_href(base),
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
    r: Respondent,
    path: SurveyPath,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
) -> Result<Response, Error> {
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let index = path.page_index(survey)?;
    let base = r.survey_href(survey);
    let mut progress = r.progress(survey).await?;
    if answered_already(&r, &progress) {
        return Ok(Redirect::to(&format!("{base}/done")).into_response());
    }
    if progress.source.is_none() && matches!(r.channel, super::channel::Channel::Link) {
        progress.source = source_from_cookie(survey, &headers);
    }
    if let Some(thanks) = screen_out_if_full(&state, &r, survey, &mut progress).await? {
        return Ok(thanks);
    }
    if !page_has_visible(survey, index, &progress.answers) {
        // Everything on it is hidden by earlier answers: skip it.
        return Ok(
            Redirect::to(&next_href(survey, &base, Some(index), &progress.answers)).into_response(),
        );
    }
    let mut filled = question::filled_from_answers(survey, &progress.answers, r.visitor.lang);
    let page = &survey.pages[index];
    if let Some(draft) = progress.draft(&page.id) {
        // Entered before a language switch and not saved yet: shown as entered (numbers and
        // dates in the digits of the page's language).
        for key in page_keys(page) {
            filled.remove(key);
        }
        filled.extend(question::filled_from_draft(
            survey,
            &draft.entries,
            r.visitor.lang,
        ));
    }
    let changing = is_changing(query.as_deref(), None);
    render_page(survey, index, &r, &progress, &filled, Vec::new(), changing).await
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
    r: Respondent,
    path: SurveyPath,
    form: FormPairs,
) -> Result<Response, Error> {
    let visitor = &r.visitor;
    visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let base = r.survey_href(survey);
    let index = path.page_index(survey)?;
    let page = &survey.pages[index];
    let changing = is_changing(None, Some(&form));
    let keys = page_keys(page);
    let entries: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .collect();
    let mut progress = r.progress(survey).await?;
    let saved_here = keys.iter().any(|k| progress.answers.contains_key(*k));
    // Nothing entered and nothing to override: the session stays unwritten.
    if !entries.is_empty() || saved_here || progress.draft(&page.id).is_some() {
        progress.keep_draft(&page.id, entries);
        r.save_progress(survey, &progress).await?;
    }
    let mut to = format!("{}?", page_href(&base, index));
    if changing {
        to.push_str("change=1&");
    }
    to.push_str("lang=");
    to.push_str(visitor.lang.code());
    Ok(Redirect::to(&to).into_response())
}

async fn save_page(
    State(state): State<AppState>,
    r: Respondent,
    path: SurveyPath,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
    form: FormPairs,
) -> Result<Response, Error> {
    r.visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let index = path.page_index(survey)?;
    let base = r.survey_href(survey);
    let mut progress = r.progress(survey).await?;
    if answered_already(&r, &progress) {
        return Ok(Redirect::to(&format!("{base}/done")).into_response());
    }
    if progress.source.is_none() && matches!(r.channel, super::channel::Channel::Link) {
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
            progress.screened_out = false;
            progress.survey_changed = false;
            if let Some(thanks) = screen_out_if_full(&state, &r, survey, &mut progress).await? {
                return Ok(thanks);
            }
            r.save_progress(survey, &progress).await?;
            let to = if changing {
                // Back to the check page, unless the change revealed questions still to answer.
                match answers::check_complete(survey, &progress.answers) {
                    Ok(()) => check_href(&base),
                    Err(errors) => match errors.iter().map(|(i, _)| *i).min() {
                        Some(i) => format!("{}?change=1", page_href(&base, i)),
                        None => check_href(&base),
                    },
                }
            } else {
                next_href(survey, &base, Some(index), &progress.answers)
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
                r.save_progress(survey, &progress).await?;
            }
            let filled = question::filled_from_posted(&posted);
            render_page(survey, index, &r, &progress, &filled, errors, changing).await
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
    r: Respondent,
    path: SurveyPath,
) -> Result<Response, Error> {
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let visitor = &r.visitor;
    let base = r.survey_href(survey);
    let lang = visitor.lang;
    let mut progress = r.progress(survey).await?;
    if progress.done {
        return Ok(Redirect::to(&format!("{base}/done")).into_response());
    }
    if let Some(i) = first_incomplete(survey, &progress.answers) {
        return Ok(Redirect::to(&page_href(&base, i)).into_response());
    }
    let key = match &progress.submission_key {
        Some(k) if !progress.submitted.contains(k) => k.clone(),
        _ => {
            let k = uuid::Uuid::new_v4().to_string();
            progress.submission_key = Some(k.clone());
            r.save_progress(survey, &progress).await?;
            k
        }
    };
    let rows = summary_rows(survey, &base, &progress.answers, lang);
    let back = match answers::prev_page(survey, survey.pages.len(), &progress.answers) {
        Some(i) => page_href(&base, i),
        None => base.clone(),
    };
    let csrf = visitor.csrf_token().await?;
    let title = pages::title(
        lang,
        i18n::CHECK_ANSWERS_TITLE.get(lang),
        Some(survey),
        false,
    );
    let switch = layout::switch_href(&check_href(&base), &[], lang);
    let css = super::assets::stylesheet_href();
    let submit_action = format!("{base}/submit");
    let view = CheckPage {
        back_href: &back,
        rows: &rows,
        submit_action: &submit_action,
        csrf: &csrf,
        submission_key: &key,
    };
    let kiosk = r.kiosk_frame(&csrf, false);
    Ok(pages::check_answers(
        &chrome(lang, &title, &switch, &css, kiosk.as_ref(), r.is_preview()),
        &view,
    )
    .into_response())
}

/// One row per visible question (per item for a grid), in survey order.
fn summary_rows(survey: &Survey, base: &str, saved: &Answers, lang: Lang) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for (index, page) in survey.pages.iter().enumerate() {
        for q in page
            .questions
            .iter()
            .filter(|q| answers::visible(survey, q, saved))
        {
            let href = |key: &str| format!("{}?change=1#{key}", page_href(base, index));
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

/// One response per browser session on a public link ([`super::submit_limit`]): once one is
/// stored, the pages show the confirmation instead of a new form.
fn answered_already(r: &Respondent, progress: &Progress) -> bool {
    r.is_link() && (!progress.submitted.is_empty() || progress.screened_out)
}

/// The quota places this person's answers take so far (none for a drawn sample's invitation:
/// quotas would cut into a probability design).
fn quota_places(survey: &Survey, progress: &Progress) -> Vec<crate::db::QuotaPlace> {
    if survey.quotas.is_empty() || progress.invitation.is_some() {
        return Vec::new();
    }
    crate::survey::quota::places(
        &survey.quotas,
        &progress.answers,
        progress.source.as_deref(),
    )
}

/// Screen the person out, as soon as their cell is known to be full: thanked, the answers
/// forgotten, nothing stored. `Some`: the redirect to the thank-you page.
async fn screen_out_if_full(
    state: &AppState,
    r: &Respondent,
    survey: &Survey,
    progress: &mut Progress,
) -> Result<Option<Response>, Error> {
    let places = quota_places(survey, progress);
    if places.is_empty() || state.db.full_place(&survey.id, &places).await?.is_none() {
        return Ok(None);
    }
    screen_out(r, survey, progress).await.map(Some)
}

async fn screen_out(
    r: &Respondent,
    survey: &Survey,
    progress: &mut Progress,
) -> Result<Response, Error> {
    progress.answers.clear();
    progress.drafts.clear();
    progress.submission_key = None;
    progress.screened_out = true;
    progress.done = true;
    r.save_progress(survey, progress).await?;
    Ok(Redirect::to(&format!("{}/done", r.survey_href(survey))).into_response())
}

async fn submit(
    State(state): State<AppState>,
    r: Respondent,
    Peer(peer): Peer,
    path: SurveyPath,
    form: FormPairs,
) -> Result<Response, Error> {
    r.visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let base = r.survey_href(survey);
    let key = form
        .first("key")
        .filter(|k| !k.is_empty() && k.len() <= 64)
        .ok_or_else(|| Error::BadRequest("submission key missing".into()))?
        .to_string();
    let done = Redirect::to(&format!("{base}/done")).into_response();
    let mut progress = r.progress(survey).await?;
    if progress.submitted.contains(&key) {
        // A retried or double-clicked submit that was already stored.
        return Ok(done);
    }
    if progress.submission_key.as_deref() != Some(key.as_str()) {
        // A form from an older check page: show the current answers again.
        return Ok(Redirect::to(&check_href(&base)).into_response());
    }
    if let Some(i) = first_incomplete(survey, &progress.answers) {
        return Ok(Redirect::to(&page_href(&base, i)).into_response());
    }
    // Invitations work once; the per-client limit is for open links.
    if r.is_link() && progress.invitation.is_none() && !super::submit_limit::limit().allow(peer) {
        // The answers stay in the session: the same page can be sent again later.
        return Err(Error::TooManySubmits);
    }
    let mut metadata = r.stamp(&state, survey).await?;
    let channel = match &progress.invitation {
        Some(invited) => {
            metadata.insert("stratum".into(), invited.stratum.clone());
            if !invited.cluster.is_empty() {
                metadata.insert("cluster".into(), invited.cluster.clone());
            }
            metadata.insert("base_weight".into(), invited.base_weight.to_string());
            "invitation"
        }
        None => r.channel.name(),
    };
    let places = quota_places(survey, &progress);
    let response = NewResponse {
        survey_id: survey.id.clone(),
        survey_version: survey.version.clone(),
        lang: r.visitor.lang,
        channel: channel.to_string(),
        source: progress.source.clone(),
        metadata,
        answers: std::mem::take(&mut progress.answers),
    };
    progress.drafts.clear();
    // A designer's preview goes through every rule but is never stored.
    if !r.is_preview() {
        // The survey version's cell layout, so the response is stored with its cells.
        state.db.register_survey(survey).await?;
        match state
            .db
            .store_response_in_quotas(&response, &key, places)
            .await?
        {
            Stored::New | Stored::Duplicate => {}
            // Another person took the cell's last place first.
            Stored::QuotaFull => return screen_out(&r, survey, &mut progress).await,
        }
    }
    progress.submission_key = None;
    progress.invitation = None;
    progress.remember_submitted(key);
    progress.done = true;
    r.save_progress(survey, &progress).await?;
    Ok(done)
}

/// "Clear my answers" (a shared family phone; an interviewer discarding an interview): the
/// survey's answers in progress are forgotten and the start page comes back.
async fn clear(
    State(state): State<AppState>,
    r: Respondent,
    path: SurveyPath,
    form: FormPairs,
) -> Result<Response, Error> {
    r.visitor.verify_csrf(form.first(CSRF_FIELD)).await?;
    let survey = path.survey(&state, &r)?;
    r.clear_progress(&survey).await?;
    let to = if r.is_kiosk() {
        "/kiosk".to_string()
    } else {
        format!("{}?cleared=1", r.survey_href(&survey))
    };
    Ok(Redirect::to(&to).into_response())
}

async fn done(
    State(state): State<AppState>,
    r: Respondent,
    path: SurveyPath,
) -> Result<Response, Error> {
    let survey = path.survey(&state, &r)?;
    let survey = &*survey;
    let base = r.survey_href(survey);
    let lang = r.visitor.lang;
    let saved = r.saved_progress(survey).await?;
    let done = saved.as_ref().is_some_and(|p| p.done);
    let screened_out = saved.as_ref().is_some_and(|p| p.screened_out);
    if !done {
        let to = if r.is_kiosk() {
            "/kiosk".to_string()
        } else {
            base
        };
        return Ok(Redirect::to(&to).into_response());
    }
    let heading = if r.is_preview() {
        i18n::PREVIEW_NOTHING_STORED
    } else {
        i18n::DONE_TITLE
    };
    let title = pages::title(lang, heading.get(lang), Some(survey), false);
    let switch = layout::switch_href(&format!("{base}/done"), &[], lang);
    let css = super::assets::stylesheet_href();
    let csrf = r.visitor.csrf_token().await?;
    let kiosk = r.kiosk_frame(&csrf, true);
    let next = match &r.channel {
        super::channel::Channel::Link => pages::DoneNext::SurveyList,
        super::channel::Channel::Kiosk(_) => pages::DoneNext::KioskStart,
        super::channel::Channel::Interviewer { .. } => pages::DoneNext::NextInterview {
            start: first_href(survey, &base),
        },
        super::channel::Channel::Preview(_) => pages::DoneNext::Preview,
    };
    Ok(pages::done(
        &chrome(lang, &title, &switch, &css, kiosk.as_ref(), r.is_preview()),
        survey,
        &next,
        screened_out,
    )
    .into_response())
}
