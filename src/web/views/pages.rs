//! Whole pages: survey list, start, question, check answers, confirmation, error.

use maud::{Markup, html};

use crate::survey::{Lang, Survey};
use crate::web::i18n;

use super::components::{self, SummaryRow};
use super::layout::{self, Chrome};
use super::question::PageForm;

pub fn survey_list(chrome: &Chrome, surveys: &[&Survey]) -> Markup {
    let lang = chrome.lang;
    layout::page(
        chrome,
        html! {
            h1.heading-l { (i18n::SURVEYS_HEADING.get(lang)) }
            (super::privacy::organisation_block(lang, false))
            @if surveys.is_empty() {
                p { (i18n::NO_SURVEYS.get(lang)) }
            } @else {
                ul.survey-list {
                    @for s in surveys {
                        li { a href={ "/s/" (s.id) } { (s.title.get(lang)) } }
                    }
                }
            }
            (super::privacy::link(lang))
        },
    )
}

/// `cleared`: the person has just pressed "clear my answers" (the page says it worked).
pub fn start(chrome: &Chrome, survey: &Survey, first_href: &str, cleared: bool) -> Markup {
    let button = components::start_button(first_href, i18n::START_NOW.get(chrome.lang));
    start_with(chrome, survey, button, cleared)
}

/// The start page of a personal invitation: "Start now" is a POST, so a link preview that
/// fetches the page (messaging apps do) does not use the invitation up.
pub fn invitation_start(chrome: &Chrome, survey: &Survey, action: &str, csrf: &str) -> Markup {
    let button = components::start_form(action, csrf, i18n::START_NOW.get(chrome.lang));
    start_with(chrome, survey, button, false)
}

fn start_with(chrome: &Chrome, survey: &Survey, button: Markup, cleared: bool) -> Markup {
    let lang = chrome.lang;
    let questions = survey.pages.iter().map(|p| p.questions.len()).sum();
    layout::page(
        chrome,
        html! {
            @if cleared {
                div.notice role="status" { p.body { (i18n::ANSWERS_CLEARED.get(lang)) } }
            }
            h1.heading-l { (survey.title.get(lang)) }
            @for para in survey.intro.get(lang).split("\n\n") {
                p.body { (para) }
            }
            p.body { (i18n::minutes(lang, questions)) }
            (super::privacy::organisation_block(lang, true))
            p.body {
                (i18n::PRIVACY_NOTE.get(lang))
                // Not on a kiosk: the page would leave the kiosk's frame and its idle timeout.
                @if chrome.kiosk.is_none() { " " a href="/privacy" { (super::privacy::LINK.get(lang)) } }
            }
            (button)
        },
    )
}

/// Everything a question page shows around its form.
pub struct QuestionPage<'a> {
    pub form: PageForm<'a>,
    pub back_href: &'a str,
    /// Errors in display order: (field id to link to, message).
    pub error_list: &'a [(String, String)],
    pub page_number: usize,
    pub page_count: usize,
    pub csrf: &'a str,
    /// Came from the check-answers page: go back there after this page.
    pub changing: bool,
    /// Where the language switch posts the page's form (keeps what is entered).
    pub switch_action: &'a str,
    /// The survey file changed since the earlier answers: say so.
    pub survey_changed: bool,
    /// Where "clear my answers" posts (not on kiosks: their header has "start again").
    pub clear_action: Option<String>,
}

/// The id of a question page's form, for the header's language switch.
const PAGE_FORM: &str = "answers";

pub fn question(chrome: &Chrome, q: &QuestionPage) -> Markup {
    let lang = chrome.lang;
    let switch = layout::Switch::Form {
        form: PAGE_FORM,
        action: q.switch_action,
    };
    layout::page_with(
        chrome,
        &switch,
        html! {
            (components::back_link(q.back_href, lang))
            @if !q.error_list.is_empty() { (components::error_summary(q.error_list, lang)) }
            @if q.survey_changed {
                div.notice role="status" { p.body { (i18n::SURVEY_CHANGED.get(lang)) } }
            }
            (components::progress(q.page_number, q.page_count, lang))
            // On a shared phone or kiosk the browser must not offer the next person what the
            // previous one entered: without `autocomplete="off"` it puts the fields of a page
            // reached with Back as they were, even after "clear my answers". The server shows
            // the saved answers anyway.
            form id=(PAGE_FORM) method="post" novalidate autocomplete="off" {
                (components::hidden(crate::web::visit::CSRF_FIELD, q.csrf))
                @if q.changing { (components::hidden("change", "1")) }
                (q.form.fields())
                (components::button(i18n::CONTINUE.get(lang)))
            }
            @if let Some(action) = &q.clear_action {
                form.clear-answers method="post" action=(action) {
                    (components::hidden(crate::web::visit::CSRF_FIELD, q.csrf))
                    button.button.button-secondary type="submit" { (i18n::CLEAR_ANSWERS.get(lang)) }
                }
                p.hint { (i18n::CLEAR_ANSWERS_HINT.get(lang)) }
            }
        },
    )
}

/// The `<title>` of a page: "Error: heading – survey" when it shows errors.
pub fn title(lang: Lang, heading: &str, survey: Option<&Survey>, has_errors: bool) -> String {
    let mut t = String::new();
    if has_errors {
        t.push_str(i18n::ERROR_TITLE_PREFIX.get(lang));
    }
    t.push_str(heading);
    if let Some(s) = survey {
        let name = s.title.get(lang);
        if name != heading {
            t.push_str(" – ");
            t.push_str(name);
        }
    }
    t.push_str(" – ");
    t.push_str(i18n::SERVICE_NAME.get(lang));
    t
}

pub struct CheckPage<'a> {
    pub back_href: &'a str,
    pub rows: &'a [SummaryRow],
    pub submit_action: &'a str,
    pub csrf: &'a str,
    pub submission_key: &'a str,
}

pub fn check_answers(chrome: &Chrome, c: &CheckPage) -> Markup {
    let lang = chrome.lang;
    layout::page(
        chrome,
        html! {
            (components::back_link(c.back_href, lang))
            h1.heading-l { (i18n::CHECK_ANSWERS_TITLE.get(lang)) }
            (components::summary_list(c.rows, lang))
            h2.heading-m { (i18n::SUBMIT_HEADING.get(lang)) }
            p.body { (i18n::SUBMIT_NOTE.get(lang)) }
            form method="post" action=(c.submit_action) novalidate {
                (components::hidden(crate::web::visit::CSRF_FIELD, c.csrf))
                (components::hidden("key", c.submission_key))
                (components::button(i18n::SUBMIT_BUTTON.get(lang)))
            }
        },
    )
}

/// Where the confirmation leads.
pub enum DoneNext {
    /// Public link: the list of surveys.
    SurveyList,
    /// Kiosk: back to the start (by itself after a few seconds, see the frame).
    KioskStart,
    /// Interviewer: the next interview, or the list of areas.
    NextInterview { start: String },
    /// Designer's preview: nothing was stored; back to the designers' page.
    Preview,
}

/// `screened_out`: the person's answers put them in a full quota cell; nothing was stored.
pub fn done(chrome: &Chrome, survey: &Survey, next: &DoneNext, screened_out: bool) -> Markup {
    let lang = chrome.lang;
    layout::page(
        chrome,
        html! {
            @if screened_out {
                div.panel {
                    h1.panel-title { (i18n::QUOTA_FULL_TITLE.get(lang)) }
                    p.panel-body { (survey.title.get(lang)) }
                }
                p.body { (i18n::QUOTA_FULL_BODY.get(lang)) }
            } @else if matches!(next, DoneNext::Preview) {
                h1.heading-l { (i18n::PREVIEW_NOTHING_STORED.get(lang)) }
                p.body { (survey.title.get(lang)) }
            } @else {
                div.panel {
                    h1.panel-title { (i18n::DONE_TITLE.get(lang)) }
                    p.panel-body { (survey.title.get(lang)) }
                }
                p.body { (i18n::DONE_THANKS.get(lang)) }
            }
            @match next {
                DoneNext::SurveyList => {
                    p.body { a href="/" { (i18n::DONE_AGAIN.get(lang)) } }
                }
                DoneNext::KioskStart => {
                    p.body { (i18n::KIOSK_THANKS_RETURN.get(lang)) }
                    (components::start_button("/kiosk", i18n::KIOSK_START_AGAIN.get(lang)))
                }
                DoneNext::Preview => {
                    p.body { a href="/design" { (i18n::DESIGN_TITLE.get(lang)) } }
                }
                DoneNext::NextInterview { start } => {
                    (components::start_button(start, i18n::FIELD_NEXT_INTERVIEW.get(lang)))
                    p.body { a href="/field" { (i18n::FIELD_MY_AREAS.get(lang)) } }
                }
            }
        },
    )
}

pub fn error(chrome: &Chrome, heading: &str, body: &str) -> Markup {
    let lang = chrome.lang;
    layout::page(
        chrome,
        html! {
            h1.heading-l { (heading) }
            p.body { (body) }
            p.body { a href="/" { (i18n::HOME_LINK.get(lang)) } }
        },
    )
}
