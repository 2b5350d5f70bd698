//! The privacy page (`/privacy`) and the organisation's lines on the home and start pages, in
//! plain words in both languages. What it says follows what Mizan stores (README "Anonymity by
//! construction"); its numbers come from the running server ([`Facts`]) and the code's
//! constants, never typed here.

use maud::{Markup, html};

use crate::fieldwork::{KIOSK_IDLE_DEFAULT, KIOSK_IDLE_MAX};
use crate::survey::Lang;
use crate::web::about::{About, Facts, Organisation};
use crate::web::i18n::{self, Ui, digits};

use super::layout::{self, Chrome};

pub const HEADING: Ui = Ui::new("كيف نحفظ إجاباتك", "How your answers are kept");
/// The link to the privacy page from start pages and the footer.
pub const LINK: Ui = Ui::new("كيف نحفظ إجاباتك", "How your answers are kept");
const RUN_BY: Ui = Ui::new("تُجري هذه الاستبيانات:", "These surveys are run by");
const RUNS_THIS: Ui = Ui::new("تُجري هذا الاستبيان:", "This survey is run by");
const CONTACT: Ui = Ui::new("للتواصل:", "Contact:");

/// "21 hours" / "٢١ ساعة", with the Arabic counted-noun forms.
fn hours(lang: Lang, n: u32) -> String {
    counted(lang, n, "hour", ["ساعة واحدة", "ساعتين", "ساعات", "ساعة"])
}

/// "2 minutes" / "دقيقتين".
fn minutes(lang: Lang, n: u32) -> String {
    counted(
        lang,
        n,
        "minute",
        ["دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة"],
    )
}

fn counted(lang: Lang, n: u32, en: &str, ar: [&str; 4]) -> String {
    match lang {
        Lang::En if n == 1 => format!("1 {en}"),
        Lang::En => format!("{n} {en}s"),
        Lang::Ar => {
            let d = digits(lang, &n.to_string());
            match (n, n % 100) {
                (1, _) => ar[0].to_string(),
                (2, _) => ar[1].to_string(),
                (_, 3..=10) => format!("{d} {}", ar[2]),
                _ => format!("{d} {}", ar[3]),
            }
        }
    }
}

/// The page's sections: a heading and its points, in the page's language.
fn sections(
    lang: Lang,
    facts: &Facts,
    organisation: Option<&Organisation>,
) -> Vec<(String, Vec<String>)> {
    let en = lang == Lang::En;
    let t = |ar: &str, en_text: &str| {
        if en {
            en_text.to_string()
        } else {
            ar.to_string()
        }
    };
    let session = hours(lang, facts.session_hours.into());
    let kiosk_default = minutes(lang, KIOSK_IDLE_DEFAULT / 60);
    let kiosk_max = minutes(lang, KIOSK_IDLE_MAX / 60);
    let who = organisation.map_or_else(
        || {
            t(
                "الجهة التي تُجري الاستبيان",
                "the organisation running the survey",
            )
        },
        |o| o.name.get(lang).to_string(),
    );
    vec![
        (
            t("ما نحفظه", "What we keep"),
            vec![
                t(
                    "إجاباتك، واللغة التي أجبت بها، ويوم الإرسال فقط، دون الساعة.",
                    "Your answers, the language you answered in, and the day you sent them: not the time.",
                ),
                t(
                    "إن وصلت من ملصق أو رابط يحمل اسم مكان نشره، نحفظ ذلك الاسم، مثل «سوق».",
                    "If you came from a poster or a link that names where it was shared, that name, like “market”.",
                ),
                t(
                    "على جهاز الاستبيان في مكان عام: اسم المكان ومنطقته، لا أي جهاز هو.",
                    "On a survey screen in a public place: the place and its area, not which screen it was.",
                ),
                t(
                    "مع باحث ميداني: رمز للباحث، لا اسمه.",
                    "With an interviewer: a code for the interviewer, not their name.",
                ),
            ],
        ),
        (
            t("ما لا نحفظه أبدًا", "What we never keep"),
            vec![
                t(
                    "لا نحفظ اسمك، ولا عنوان جهازك على الإنترنت (IP)، ولا نوع جهازك أو متصفحك، ولا أي رقم يربط إجاباتك بك.",
                    "We do not keep your name, your device's internet address (IP), your device or browser, or any number that links your answers to you.",
                ),
                t(
                    "ما تكتبه بنفسك يُحفظ كما كتبته: لا تكتب اسمك أو رقم هاتفك في الإجابات.",
                    "What you type is kept as you typed it: do not write your name or phone number in your answers.",
                ),
            ],
        ),
        (
            t("قبل أن ترسل إجاباتك", "Before you send your answers"),
            vec![
                format!(
                    "{} {session}{}",
                    t(
                        "تُحفظ إجاباتك مؤقتًا على الخادم كي تكمل من حيث توقفت، وتُحذف إذا مرّت",
                        "Your answers are kept on the server for now, so that you can carry on where you stopped. They are deleted after"
                    ),
                    t(
                        " دون أن تحفظ صفحة، وتُحذف من هناك فور إرسالها.",
                        " without a saved page, and deleted from there as soon as you send them."
                    ),
                ),
                t(
                    "إذا غيّرت اللغة في صفحة، يُحفظ ما أدخلته فيها بالطريقة نفسها حتى تتابع.",
                    "If you switch language on a page, what you entered there is kept the same way until you continue.",
                ),
                format!(
                    "{}{kiosk_default}{} {kiosk_max}{}{}.",
                    t(
                        "على جهاز الاستبيان في مكان عام، تبقى إجاباتك في ذاكرة الخادم فقط ولا تُكتب على القرص أبدًا، وتُمحى إذا تُرك الجهاز دون لمس (",
                        "On a survey screen in a public place, your answers stay only in the server's memory, never written to disk, and are wiped when the screen is left untouched ("
                    ),
                    t(" عادةً، وبحدٍّ أقصى", " unless it is set otherwise, at most"),
                    t(") أو عند الضغط على ", ") or when someone presses "),
                    match lang {
                        Lang::Ar => format!("«{}»", i18n::KIOSK_START_AGAIN.get(lang)),
                        Lang::En => format!("“{}”", i18n::KIOSK_START_AGAIN.get(lang)),
                    },
                ),
                t(
                    "ملفات تعريف الارتباط (الكوكيز) تتذكر لغتك، وتحمي النموذج، وتربط متصفحك بإجاباتك التي لم تُرسل بعد. لا يُحفظ أيٌّ منها مع إجاباتك.",
                    "Cookies remember your language, protect the form, and link your browser to the answers you have not sent yet. None of them is kept with your answers.",
                ),
            ],
        ),
        (
            t("من يرى الإجابات", "Who sees the answers"),
            vec![format!(
                "{} {who} {}",
                t("الأشخاص المخوّلون من", "People of"),
                t(
                    "الذين يسجّلون الدخول يقرؤون الإجابات دون أسماء ويحسبون منها النتائج، ولا تُعرض النتائج لمجموعات صغيرة يمكن التعرف على أفرادها.",
                    "who are allowed to sign in read the answers, without names, to work out the results; results for groups small enough to recognise someone are not shown."
                ),
            )],
        ),
    ]
}

/// "These surveys are run by X. Contact: …" with the logo, for the home and privacy pages, or
/// "This survey is run by X" (`one_survey`) for a start page.
pub fn organisation_block(lang: Lang, one_survey: bool) -> Markup {
    let run_by = if one_survey { RUNS_THIS } else { RUN_BY };
    let Some(o) = crate::web::about::organisation() else {
        return html! {};
    };
    html! {
        div.organisation {
            @if let Some(src) = crate::web::about::logo_href() {
                img.organisation-logo src=(src) alt="";
            }
            div {
                p.organisation-name { (run_by.get(lang)) " " strong { (o.name.get(lang)) } }
                @if let Some(c) = &o.contact {
                    p.organisation-contact { (CONTACT.get(lang)) " " bdi { (c.get(lang)) } }
                }
            }
        }
    }
}

/// The link to `/privacy`, as a paragraph.
pub fn link(lang: Lang) -> Markup {
    html! { p.body { a href="/privacy" { (LINK.get(lang)) } } }
}

pub fn page(chrome: &Chrome, about: &About) -> Markup {
    let lang = chrome.lang;
    let organisation = about.organisation.as_ref();
    layout::page(
        chrome,
        html! {
            h1.heading-l { (HEADING.get(lang)) }
            (organisation_block(lang, false))
            @for (heading, points) in sections(lang, &about.facts, organisation) {
                h2.heading-m { (heading) }
                ul.list {
                    @for point in &points { li { (point) } }
                }
            }
            p.body { a href="/" { (i18n::HOME_LINK.get(lang)) } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{hours, minutes, sections};
    use crate::survey::Lang;
    use crate::web::about::Facts;

    #[test]
    fn numbers_come_from_the_server_and_read_right_in_both_languages() {
        assert_eq!(hours(Lang::En, 21), "21 hours");
        assert_eq!(hours(Lang::Ar, 21), "٢١ ساعة");
        assert_eq!(hours(Lang::Ar, 5), "٥ ساعات");
        assert_eq!(hours(Lang::Ar, 2), "ساعتين");
        assert_eq!(minutes(Lang::En, 1), "1 minute");
        let text = |lang, h| {
            sections(lang, &Facts { session_hours: h }, None)
                .into_iter()
                .flat_map(|(h, p)| std::iter::once(h).chain(p))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(text(Lang::En, 21).contains("deleted after 21 hours without a saved page"));
        assert!(text(Lang::En, 5).contains("deleted after 5 hours"));
        assert!(text(Lang::Ar, 21).contains("٢١ ساعة"));
        // The kiosk numbers are the fieldwork constants: 2 minutes by default, an hour at most.
        assert!(
            text(Lang::En, 21)
                .contains("(2 minutes unless it is set otherwise, at most 60 minutes)")
        );
        for lang in [Lang::Ar, Lang::En] {
            assert!(!text(lang, 21).contains("{"), "{}", text(lang, 21));
        }
    }
}
