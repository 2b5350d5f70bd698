//! Open links and QR posters (designers and admins): a survey's public link and one link per
//! allowed source tag (the survey file's `sources`), each with its QR code, and a printable A4
//! poster per tag in Arabic with English below.
//!
//! | method | path                     | what                                          |
//! |--------|--------------------------|-----------------------------------------------|
//! | GET    | `/posters/{survey}`      | the links, their QR codes and poster links    |
//! | GET    | `/posters/{survey}/{tag}`| the A4 poster of one source tag               |
//!
//! The links are absolute, on the address given to `mizan serve --public-url`: a poster is
//! printed once and scanned for weeks, so its address must be the one the operation publishes,
//! not whatever `Host` header the designer's request happened to carry (a client chooses that
//! header; a proxy may rewrite it). Without `--public-url` both pages say how to set it and
//! show no QR code.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router, routing::get};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::Error;
use crate::survey::{Lang, Survey};

use super::AppState;
use super::access::Staff;
use super::i18n::Ui;
use super::views::layout::{self, Chrome};
use super::views::staff as view;
use super::visit::Visitor;

/// The server's public base URL (`serve --public-url`), without a trailing slash. Layered on
/// the whole app as an extension by `mizan serve`.
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

impl PublicUrl {
    /// `https://host[:port][/path]` (or `http://`), nothing after the path: no query, no
    /// fragment, no spaces or quotes. A trailing slash is dropped.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let t = text.trim().trim_end_matches('/');
        let rest = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
            .ok_or_else(|| format!("--public-url {text:?} must start with https:// or http://"))?;
        let host = rest.split('/').next().unwrap_or("");
        let bad = |c: char| c.is_whitespace() || c.is_control() || "?#\"'<>\\`{}|^@".contains(c);
        if host.is_empty() || rest.chars().any(bad) {
            return Err(format!(
                "--public-url {text:?} must be a plain address such as https://survey.example.org"
            ));
        }
        Ok(PublicUrl(t.to_string()))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posters/{survey}", get(links))
        .route("/posters/{survey}/{tag}", get(poster))
}

const TITLE: Ui = Ui::new("الروابط المفتوحة وملصقات QR", "Open links and QR posters");
const NOTE: Ui = Ui::new(
    "من يجيب عبر هذه الروابط لم يُختر بالقرعة: تُعرض إجاباتهم على أنها عيّنة غير احتمالية. لكل مصدر رابط خاص به حتى تُعرف الإجابات القادمة منه.",
    "People who answer through these links were not drawn at random: their answers are reported as a non-probability sample. Each source has its own link, so the answers it brings are known.",
);
const NO_PUBLIC_URL: Ui = Ui::new(
    "لا يعرف الخادم عنوانه العام، فلا يمكنه رسم رموز QR. أعد تشغيله مع الخيار --public-url بالعنوان الذي يكتبه الناس، مثل mizan serve --public-url https://survey.example.org",
    "The server does not know its public address, so it cannot draw QR codes. Start it again with --public-url and the address people type, e.g. mizan serve --public-url https://survey.example.org",
);
const OPEN_LINK: Ui = Ui::new("الرابط المفتوح (بلا مصدر)", "Open link (no source)");
const SOURCE: Ui = Ui::new("المصدر", "Source");
const POSTER: Ui = Ui::new("ملصق للطباعة", "Printable poster");
const QR_LABEL: Ui = Ui::new("رمز QR للرابط", "QR code for the link");
const PRINT_HINT: Ui = Ui::new(
    "اطبع هذه الصفحة على ورق A4. ",
    "Print this page on A4 paper. ",
);
const BACK: Ui = Ui::new("العودة إلى الروابط", "Back to the links");
const INVITE_AR: &str = "شاركنا رأيك. الاستبيان مجهول الهوية: لا نسأل عن اسمك ولا نحفظ رقمك أو عنوانك. امسح الرمز بكاميرا هاتفك أو اكتب الرابط.";
const INVITE_EN: &str = "Tell us what you think. The survey is anonymous: we do not ask your name or keep your number or address. Scan the code with your phone's camera or type the link.";

/// A published survey (drafts have no posters).
fn survey_of(state: &AppState, id: &str) -> Result<std::sync::Arc<Survey>, Error> {
    state
        .surveys()
        .get(id)
        .filter(|s| !s.draft)
        .cloned()
        .ok_or(Error::NotFound)
}

/// The survey's open link, with the source tag if any.
fn link(base: &PublicUrl, survey: &str, tag: Option<&str>) -> String {
    match tag {
        Some(t) => format!("{}/s/{survey}?source={t}", base.0),
        None => format!("{}/s/{survey}", base.0),
    }
}

/// The link as people type it: without the scheme.
fn short(link: &str) -> &str {
    link.strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
        .unwrap_or(link)
}

/// The QR code of `text` as inline SVG, one unit per module with the quiet zone, labelled for
/// screen readers. Error correction M survives a scuffed or partly covered poster.
pub fn qr_svg(text: &str, label: &str) -> Result<Markup, Error> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::BadRequest(format!("no QR code for this link: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build();
    let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
    let label = maud::html! { (label) }.into_string();
    Ok(PreEscaped(body.replacen(
        "<svg ",
        &format!("<svg class=\"qr\" role=\"img\" aria-label=\"{label}\" "),
        1,
    )))
}

async fn links(
    State(state): State<AppState>,
    Path(survey_id): Path<String>,
    public: Option<Extension<PublicUrl>>,
    visitor: Visitor,
    staff: Staff,
) -> Result<Response, Error> {
    let survey = survey_of(&state, &survey_id)?;
    let survey = &*survey;
    let lang = visitor.lang;
    let heading = TITLE.get(lang);
    let title = format!("{heading} — {}", survey.title.get(lang));
    let path = format!("/posters/{}", survey.id);
    let switch = layout::switch_href(&path, &[], lang);
    let css = super::assets::stylesheet_href();
    let chrome = Chrome {
        lang,
        title: &title,
        switch_href: &switch,
        stylesheet: &css,
        kiosk: None,
        preview: false,
    };
    let body = match public {
        None => html! { p.body { (NO_PUBLIC_URL.get(lang)) } },
        Some(Extension(base)) => {
            let mut items = vec![(None, link(&base, &survey.id, None))];
            for tag in &survey.sources {
                items.push((Some(tag.as_str()), link(&base, &survey.id, Some(tag))));
            }
            let mut cards = Vec::new();
            for (tag, url) in &items {
                let qr = qr_svg(url, &format!("{} {url}", QR_LABEL.get(lang)))?;
                cards.push(html! {
                    li.poster-link {
                        h2.heading-m {
                            @match tag {
                                None => (OPEN_LINK.get(lang)),
                                Some(t) => { (SOURCE.get(lang)) ": " bdi dir="ltr" { (t) } },
                            }
                        }
                        (qr)
                        p.body { a href=(url) dir="ltr" { (url) } }
                        @if let Some(t) = tag {
                            p.body { a href={ "/posters/" (survey.id) "/" (t) } { (POSTER.get(lang)) span.visually-hidden { " — " (t) } } }
                        }
                    }
                });
            }
            html! {
                p.body { (NOTE.get(lang)) }
                ul.poster-links { @for c in &cards { (c) } }
            }
        }
    };
    let body = html! { p.body { (survey.title.get(lang)) " " bdi dir="ltr" { "(" (survey.id) ")" } } (body) };
    let csrf = visitor.csrf_token_now();
    Ok(view::page(&chrome, staff.role, &csrf, heading, &[], body).into_response())
}

async fn poster(
    State(state): State<AppState>,
    Path((survey_id, tag)): Path<(String, String)>,
    public: Option<Extension<PublicUrl>>,
    visitor: Visitor,
) -> Result<Response, Error> {
    let survey = survey_of(&state, &survey_id)?;
    let survey = &*survey;
    if !survey.sources.iter().any(|s| *s == tag) {
        return Err(Error::NotFound);
    }
    let css = super::assets::stylesheet_href();
    let back = format!("/posters/{}", survey.id);
    let lang = visitor.lang;
    let Some(Extension(base)) = public else {
        let body = html! {
            p.body { (NO_PUBLIC_URL.get(Lang::Ar)) }
            p.body lang="en" dir="ltr" { (NO_PUBLIC_URL.get(Lang::En)) }
        };
        return Ok(poster_page(&css, survey, &back, lang, body).into_response());
    };
    let url = link(&base, &survey.id, Some(&tag));
    let qr = qr_svg(&url, &format!("{} {url}", QR_LABEL.get(Lang::Ar)))?;
    let body = html! {
        div.poster-ar {
            h1.poster-title { (survey.title.ar) }
            p.poster-invite { (INVITE_AR) }
        }
        div.poster-qr { (qr) }
        p.poster-link-text dir="ltr" { (short(&url)) }
        div.poster-en lang="en" dir="ltr" {
            p.poster-title-en { (survey.title.en) }
            p.poster-invite-en { (INVITE_EN) }
        }
    };
    Ok(poster_page(&css, survey, &back, lang, body).into_response())
}

/// The poster: a page of its own (no site header or navigation to hide when printing).
fn poster_page(css: &str, survey: &Survey, back: &str, lang: Lang, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ar" dir="rtl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (survey.title.ar) " — " (survey.title.en) }
                link rel="stylesheet" href=(css);
            }
            body.poster-body {
                p.poster-screen-only lang=(lang.code()) dir=(lang.dir()) {
                    (PRINT_HINT.get(lang)) a href=(back) { (BACK.get(lang)) }
                }
                main.poster #main { (body) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_plain_addresses() {
        assert_eq!(
            PublicUrl::parse("https://survey.example.org/").unwrap().0,
            "https://survey.example.org"
        );
        assert_eq!(
            PublicUrl::parse("http://10.0.0.5:8080/mizan").unwrap().0,
            "http://10.0.0.5:8080/mizan"
        );
        for bad in [
            "survey.example.org",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://x/#f",
            "https://u@x",
            "https://x/\"><script>",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_svg_is_inline_and_labelled() {
        let svg = qr_svg("https://x.example/s/a?source=b", "QR \"x\" <y>")
            .unwrap()
            .into_string();
        assert!(
            svg.starts_with(
                "<svg class=\"qr\" role=\"img\" aria-label=\"QR &quot;x&quot; &lt;y&gt;\" "
            ),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
    }
}
