//! The staff pages' shared parts: the frame (navigation for the role, sign-out), labelled
//! fields, small one-button forms and tables. The pages themselves are in `web::admin`,
//! `web::field` and `web::design`; every form carries the CSRF token.

use maud::{Markup, html};

use crate::accounts::Role;
use crate::survey::Lang;
use crate::web::i18n::{self, Ui};

use super::components::{self, Credential, Prompt};
use super::layout::{self, Chrome};

/// A staff page: navigation for the role, sign-out, the error summary, a heading, the body.
pub fn page(
    chrome: &Chrome,
    role: Role,
    csrf: &str,
    heading: &str,
    errors: &[(String, String)],
    body: Markup,
) -> Markup {
    let lang = chrome.lang;
    let links: Vec<(&str, Ui)> = match role {
        Role::Admin => vec![
            ("/admin/users", i18n::ADMIN_USERS),
            ("/admin/kiosks", i18n::ADMIN_KIOSKS),
            ("/admin/areas", i18n::ADMIN_AREAS),
            ("/results", i18n::RESULTS_TITLE),
            ("/design", i18n::DESIGN_TITLE),
        ],
        Role::Designer => vec![("/design", i18n::DESIGN_TITLE)],
        Role::Analyst => vec![("/results", i18n::RESULTS_TITLE)],
        Role::Interviewer => vec![("/field", i18n::FIELD_TITLE)],
    };
    layout::page(
        chrome,
        html! {
            nav.staff-nav aria-label=(i18n::NAV_LABEL.get(lang)) {
                ul.staff-nav-list {
                    @for (href, text) in &links {
                        li { a href=(href) { (text.get(lang)) } }
                    }
                }
                (super::results::sign_out(csrf, lang))
            }
            @if !errors.is_empty() { (components::error_summary(errors, lang)) }
            h1.heading-l { (heading) }
            (body)
        },
    )
}

fn prompt<'a>(
    id: &'a str,
    text: &'a str,
    hint: Option<&str>,
    error: Option<&'a str>,
) -> Prompt<'a> {
    Prompt {
        id,
        text,
        as_heading: false,
        hint: hint.map(str::to_string),
        optional: false,
        error,
        context: None,
    }
}

/// A labelled text field.
pub fn text_field(
    id: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    error: Option<&str>,
    lang: Lang,
) -> Markup {
    components::text_input(
        &prompt(id, label, hint, error),
        &components::Entry::Text,
        value,
        lang,
    )
}

/// A labelled field for a password being set.
pub fn new_password_field(
    id: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<&str>,
    lang: Lang,
) -> Markup {
    components::credential_input(
        &prompt(id, label, hint, error),
        Credential::NewPassword,
        "",
        lang,
    )
}

/// Pick one of `options` (value, label).
pub fn radio_field(
    id: &str,
    legend: &str,
    options: &[(String, String)],
    chosen: Option<&str>,
    error: Option<&str>,
    lang: Lang,
) -> Markup {
    let options: Vec<components::Option_> = options
        .iter()
        .map(|(value, label)| components::Option_ {
            value,
            label: label.clone(),
            divider_before: false,
        })
        .collect();
    components::radios(
        &prompt(id, legend, None, error),
        &options,
        chosen,
        false,
        lang,
    )
}

/// Tick any of `options` (value, label).
pub fn checkbox_field(
    id: &str,
    legend: &str,
    options: &[(String, String)],
    ticked: &[String],
    error: Option<&str>,
    lang: Lang,
) -> Markup {
    let options: Vec<components::Option_> = options
        .iter()
        .map(|(value, label)| components::Option_ {
            value,
            label: label.clone(),
            divider_before: false,
        })
        .collect();
    components::checkboxes(&prompt(id, legend, None, error), &options, ticked, lang)
}

/// A form of one button posting to `action`; `context` names what it acts on for screen
/// readers ("Disable" alone would not say whose account).
pub fn action_button(action: &str, csrf: &str, text: &str, context: &str) -> Markup {
    html! {
        form.inline-form method="post" action=(action) {
            (components::hidden(crate::web::visit::CSRF_FIELD, csrf))
            button.button.button-secondary type="submit" {
                (text) span.visually-hidden { " — " (context) }
            }
        }
    }
}

/// A table with a caption, column headers and rows of cells (the first cell heads its row).
pub fn table(caption: &str, headers: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div.table-scroll tabindex="0" role="region" aria-label=(caption) {
            table.table {
                caption { (caption) }
                thead { tr { @for h in headers { th scope="col" { (h) } } } }
                tbody {
                    @for row in rows {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 0 { th scope="row" { (cell) } } @else { td { (cell) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
