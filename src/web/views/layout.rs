//! The frame around every page: `<html lang dir>`, title, stylesheet, skip link, header with
//! the language switch, and `<main>`. No script, except on kiosks (the idle warning, which
//! is not needed for anything to work).

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
    /// On a kiosk: the kiosk's frame around the page instead of the public one.
    pub kiosk: Option<&'a KioskFrame<'a>>,
    /// A designer's preview: a banner on every page says so (nothing is stored).
    pub preview: bool,
}

/// What a kiosk page adds to the frame: the site's name instead of the home link, "start
/// again" on every page, the idle warning (with `static/kiosk.js`) and a return to the start
/// that works without script.
pub struct KioskFrame<'a> {
    pub site: &'a str,
    pub idle_seconds: u32,
    pub warn_seconds: u32,
    /// The kiosk's CSRF token for "start again" and "I need more time".
    pub csrf: &'a str,
}

/// Where a kiosk returns to when it times out (the start page clears everything).
pub const KIOSK_TIMEOUT_HREF: &str = "/kiosk?timeout=1";
/// Seconds the thank-you page stays before the start page comes back. Like every kiosk page it
/// warns first and offers more time (WCAG 2.2.1: no timed redirect without a way to extend it).
pub const KIOSK_THANKS_SECONDS: u32 = 45;

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
    let organisation = crate::web::about::organisation();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (chrome.title) }
                link rel="stylesheet" href=(chrome.stylesheet);
                @if let Some(k) = chrome.kiosk {
                    script src=(crate::web::assets::kiosk_script_href()) defer {}
                    // Without script the page still returns to the start.
                    noscript {
                        meta http-equiv="refresh" content={ (k.idle_seconds) ";url=" (KIOSK_TIMEOUT_HREF) };
                    }
                }
            }
            body class=[chrome.kiosk.map(|_| "kiosk")]
                data-idle-seconds=[chrome.kiosk.map(|k| k.idle_seconds)]
                data-warn-seconds=[chrome.kiosk.map(|k| k.warn_seconds)]
                data-timeout-href=[chrome.kiosk.map(|_| KIOSK_TIMEOUT_HREF)] {
                a.skip-link href="#main" { (i18n::SKIP_TO_CONTENT.get(lang)) }
                header.header {
                    div.width {
                        @if let Some(k) = chrome.kiosk {
                            span.header-name { (k.site) }
                            form.kiosk-reset method="post" action="/kiosk/reset" {
                                input type="hidden" name=(crate::web::visit::CSRF_FIELD) value=(k.csrf);
                                button.kiosk-reset-button type="submit" { (i18n::KIOSK_START_AGAIN.get(lang)) }
                            }
                        } @else if let Some(o) = organisation {
                            // Who is asking, first thing on every page.
                            a.header-name.header-organisation href="/" {
                                @if let Some(src) = crate::web::about::logo_href() {
                                    img.header-logo src=(src) alt="";
                                }
                                span { (o.name.get(lang)) }
                            }
                        } @else {
                            a.header-name href="/" { (i18n::SERVICE_NAME.get(lang)) }
                        }
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
                    @if chrome.preview {
                        div.preview-banner role="note" {
                            strong { (i18n::PREVIEW_BANNER_TITLE.get(lang)) } " "
                            (i18n::PREVIEW_BANNER_BODY.get(lang))
                        }
                    }
                    main #main { (main) }
                }
                footer.footer {
                    div.width {
                        @if let Some(o) = organisation {
                            p.footer-line { (o.name.get(lang))
                                @if let Some(c) = &o.contact { " · " bdi { (c.get(lang)) } }
                            }
                        }
                        // Not on a kiosk: the page would leave the kiosk's frame and its timeout.
                        @if chrome.kiosk.is_none() {
                            p.footer-line { a href="/privacy" { (super::privacy::LINK.get(lang)) } }
                        }
                    }
                }
                @if let Some(k) = chrome.kiosk {
                    dialog #kiosk-idle-warning .kiosk-idle-warning aria-labelledby="kiosk-idle-title" aria-describedby="kiosk-idle-text" {
                        h2 #kiosk-idle-title .heading-m { (i18n::KIOSK_STILL_THERE.get(lang)) }
                        p #kiosk-idle-text .body {
                            (i18n::kiosk_clears_in(lang, k.warn_seconds))
                        }
                        button #kiosk-more-time .button type="button" { (i18n::KIOSK_MORE_TIME.get(lang)) }
                    }
                    form #kiosk-still-here method="post" action="/kiosk/still-here" hidden {
                        input type="hidden" name=(crate::web::visit::CSRF_FIELD) value=(k.csrf);
                    }
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
