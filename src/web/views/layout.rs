//! The frame around every page: `<html lang dir>`, title, stylesheet, skip link, header with
//! the language switch, and `<main>`. No script anywhere.

use maud::{DOCTYPE, Markup, html};

use crate::survey::Lang;
use crate::web::i18n;

/// What the frame needs to know about the page it wraps.
pub struct Chrome<'a> {
    pub lang: Lang,
    /// The `<title>` (already prefixed with "Error: " when the page shows errors).
    pub title: &'a str,
    /// Where the language switch points: this page with `lang=` the other language.
    pub switch_href: &'a str,
    /// Content-hashed stylesheet URL.
    pub stylesheet: &'a str,
}

/// What the header's language switch is.
pub enum Switch<'a> {
    /// A link to this page in the other language (`Chrome::switch_href`).
    Link,
    /// A button of the page's form `form` (by id) that posts what is entered on the page to
    /// `action`, which keeps it and shows the page in the other language: a link would lose
    /// entries not yet saved, and without script only a form can carry them.
    Form { form: &'a str, action: &'a str },
}

pub fn page(chrome: &Chrome, main: Markup) -> Markup {
    page_with(chrome, &Switch::Link, main)
}

pub fn page_with(chrome: &Chrome, switch: &Switch, main: Markup) -> Markup {
    let lang = chrome.lang;
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (chrome.title) }
                link rel="stylesheet" href=(chrome.stylesheet);
            }
            body {
                a.skip-link href="#main" { (i18n::SKIP_TO_CONTENT.get(lang)) }
                header.header {
                    div.width {
                        a.header-name href="/" { (i18n::SERVICE_NAME.get(lang)) }
                        @match switch {
                            Switch::Link => {
                                a.lang-switch href=(chrome.switch_href) lang=(other.code()) hreflang=(other.code()) {
                                    (i18n::LANGUAGE_NAME.get(other))
                                }
                            }
                            Switch::Form { form, action } => {
                                // Enter in a text field presses the form's first submit button
                                // in document order: this hidden one, the same as Continue,
                                // not the switch after it.
                                button type="submit" form=(form) hidden {
                                    (i18n::CONTINUE.get(lang))
                                }
                                button.lang-switch type="submit" form=(form) formaction=(action) lang=(other.code()) {
                                    (i18n::LANGUAGE_NAME.get(other))
                                }
                            }
                        }
                    }
                }
                div.width {
                    main #main { (main) }
                }
            }
        }
    }
}

/// `path?lang=xx` (keeping the other query switches the page needs, such as `change=1`).
pub fn switch_href(path: &str, keep: &[(&str, &str)], lang: Lang) -> String {
    let mut href = format!("{path}?");
    for (k, v) in keep {
        href.push_str(k);
        href.push('=');
        href.push_str(v);
        href.push('&');
    }
    href.push_str("lang=");
    href.push_str(lang.other().code());
    href
}
