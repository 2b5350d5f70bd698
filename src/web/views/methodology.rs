//! The methodology note (AAPOR's disclosure items, one section each) with the list of
//! downloads, and the printable questionnaire. Numbers in Arabic digits on Arabic pages; codes
//! (wave labels, column names) as written.

use maud::{Markup, html};

use crate::results::methodology::Note;
use crate::survey::{Lang, QuestionKind, Survey};
use crate::web::i18n::{Ui, digits};

use super::layout::{self, Chrome};
use super::results::sign_out;
use super::staff::table;

pub const TITLE: Ui = Ui::new("المنهجية", "Methodology");
pub const QUESTIONNAIRE: Ui = Ui::new("الاستبيان", "Questionnaire");

const WHO: Ui = Ui::new("الجهة الراعية والمنفّذة", "Sponsor and fieldwork");
const SPONSOR: Ui = Ui::new("الجهة الراعية", "Sponsored by");
const CONDUCTED: Ui = Ui::new("الجهة المنفّذة", "Conducted by");
const POPULATION: Ui = Ui::new("المجتمع المستهدف", "Population");
const SAMPLE: Ui = Ui::new(
    "العيّنة: كيف اختير مستجيبو الجولة",
    "Sample: how the wave's respondents were selected",
);
const RESPONSES: Ui = Ui::new("الاستجابات", "Responses");
const PROBABILITY_SAMPLE: Ui = Ui::new("عيّنة احتمالية", "Probability sample");
const YES: Ui = Ui::new("نعم", "Yes");
const NO: Ui = Ui::new("لا", "No");
const UNKNOWN: Ui = Ui::new("غير معروف", "Unknown");
const RESPONSE_RATE: Ui = Ui::new(
    "معدل الاستجابة للدعوات (AAPOR RR1): المكتملة ÷ المرسلة",
    "Response rate of the invitations (AAPOR RR1): completed ÷ sent",
);
const MODES: Ui = Ui::new("طرق الإجابة في الجولة", "Modes in the wave");
const MODE: Ui = Ui::new("الطريقة", "Mode");
const DATES: Ui = Ui::new("مواعيد العمل الميداني", "Field dates");
const WAVE: Ui = Ui::new("الجولة", "Wave");
const FIRST: Ui = Ui::new("أول يوم", "First day");
const LAST: Ui = Ui::new("آخر يوم", "Last day");
const NO_WAVE: Ui = Ui::new(
    "بلا جولة (قبل تسجيل الجولات)",
    "No wave (before waves were recorded)",
);
const NO_RESPONSES: Ui = Ui::new("لا توجد استجابات بعد.", "No responses yet.");
const CHOSEN: Ui = Ui::new(
    "التقديرات والدقة أدناه للجولة",
    "The estimates and precision below are for wave",
);
const OTHER_WAVE: Ui = Ui::new("جولة أخرى:", "Another wave:");
const WORDING: Ui = Ui::new("الصياغة الدقيقة", "Exact wording");
const WORDING_TEXT: Ui = Ui::new(
    "نص كل سؤال وخياراته كما عُرضت على المستجيبين:",
    "Every question's text and options as respondents saw them:",
);
const IN_ARABIC: Ui = Ui::new("بالعربية", "in Arabic");
const IN_ENGLISH: Ui = Ui::new("بالإنجليزية", "in English");
const VERSIONS: Ui = Ui::new(
    "نسخ الاستبيان بين الاستجابات:",
    "Questionnaire versions among the responses:",
);
const PRECISION: Ui = Ui::new("حجم العيّنة والدقة", "Sample size and precision");
const N: Ui = Ui::new("عدد المستجيبين (n)", "Respondents (n)");
const N_EFF: Ui = Ui::new("الحجم الفعّال (Kish)", "Effective sample size (Kish)");
const DEFF: Ui = Ui::new("أثر التصميم للترجيح", "Design effect of weighting");
const DEFF_SHARES: Ui = Ui::new(
    "متوسط أثر التصميم للنسب المنشورة (العناقيد والترجيح)",
    "Mean design effect of the published shares (clustering and weighting)",
);
const MOE: Ui = Ui::new("هامش الخطأ لنسبة 50%", "Margin of error of a 50% share");
const MOE_DESIGN: Ui = Ui::new(
    "هامش الخطأ لنسبة 50% بمتوسط أثر التصميم",
    "Margin of error of a 50% share with the mean design effect",
);
const POINTS: Ui = Ui::new("نقطة مئوية", "percentage points");
const NO_PRECISION: Ui = Ui::new(
    "لا يمكن حساب الدقة: لا استجابات مرجّحة في هذه الجولة.",
    "No precision can be given: no weighted responses in this wave.",
);
const WEIGHTING: Ui = Ui::new("الترجيح", "Weighting");
const LIMITATIONS: Ui = Ui::new("حدود النتائج", "Limitations");
const PROBLEM: Ui = Ui::new(
    "لا يمكن حساب التقديرات بملف التصميم هذا على الإجابات المحفوظة:",
    "The estimates cannot be computed with this design on the stored responses:",
);
const DOWNLOADS: Ui = Ui::new("التنزيلات", "Downloads");
const D_WORKBOOK: Ui = Ui::new(
    "مصنّف Excel واحد: المنهجية، التقديرات، دليل الترميز، البيانات الجزئية",
    "One Excel workbook: methodology, estimates, codebook, microdata",
);
const D_ESTIMATES: Ui = Ui::new("التقديرات المنشورة (CSV)", "Published estimates (CSV)");
const D_MICRODATA: Ui = Ui::new(
    "البيانات الجزئية بالأوزان النهائية وبيانات المعاينة، بلا نصوص حرة (CSV)",
    "Microdata with final weights and sampling metadata, without typed text (CSV)",
);
const D_MICRODATA_TEXT: Ui = Ui::new(
    "البيانات الجزئية مع النصوص الحرة (للمشرفين فقط؛ قد تكشف هوية أصحابها)",
    "Microdata with typed text (admins only; it may identify people)",
);
const D_CODEBOOK: Ui = Ui::new("دليل الترميز (CSV)", "Codebook (CSV)");
const D_R: Ui = Ui::new(
    "سكربت R يعيد بناء التصميم وكل تقدير من البيانات الجزئية (survey::svydesign)",
    "R script rebuilding the design and every estimate from the microdata (survey::svydesign)",
);
const RESULTS: Ui = Ui::new("العودة إلى النتائج", "Back to the results");

pub struct NotePage<'a> {
    pub heading: &'a str,
    pub note: &'a Note,
    /// `/results/SURVEY`.
    pub base: &'a str,
    /// `?wave=W`.
    pub wave_query: &'a str,
    pub csrf: &'a str,
    pub problem: Option<&'a str>,
    pub admin: bool,
}

fn num(lang: Lang, n: impl std::fmt::Display) -> String {
    digits(lang, &n.to_string())
}

pub fn note(chrome: &Chrome, p: &NotePage) -> Markup {
    let lang = chrome.lang;
    let n = p.note;
    let base = p.base;
    let q = p.wave_query;
    let mode_rows: Vec<Vec<Markup>> = n
        .modes
        .iter()
        .map(|(_, label, count)| vec![html! { (label.get(lang)) }, html! { (num(lang, count)) }])
        .collect();
    let wave_rows: Vec<Vec<Markup>> = n
        .waves
        .iter()
        .map(|w| {
            vec![
                html! { @if w.wave.is_empty() { (NO_WAVE.get(lang)) } @else { bdi { (w.wave) } } },
                html! { time datetime=(w.first) { (digits(lang, &w.first)) } },
                html! { time datetime=(w.last) { (digits(lang, &w.last)) } },
                html! { (num(lang, w.n)) },
            ]
        })
        .collect();
    let other_waves: Vec<&str> = n
        .waves
        .iter()
        .map(|w| w.wave.as_str())
        .filter(|w| !w.is_empty() && *w != n.wave)
        .collect();
    layout::page(
        chrome,
        html! {
            (sign_out(p.csrf, lang))
            p { a href=(base) { (RESULTS.get(lang)) } }
            h1.heading-l { (p.heading) }
            @if let Some(problem) = p.problem {
                div.notice role="alert" { p { (PROBLEM.get(lang)) " " (problem) } }
            }
            p {
                (CHOSEN.get(lang)) " " strong { bdi { (n.wave) } }
                " — " (RESPONSES.get(lang)) ": " (num(lang, n.wave_n)) "."
            }
            @if !other_waves.is_empty() {
                p {
                    (OTHER_WAVE.get(lang))
                    @for w in &other_waves {
                        " " a href={ (base) "/methodology?wave=" (crate::web::sign_in::query_escape(w)) } { bdi { (w) } }
                    }
                }
            }
            h2.heading-m id="downloads" { (DOWNLOADS.get(lang)) }
            ul.list {
                li { a href={ (base) "/workbook.xlsx" (q) } { (D_WORKBOOK.get(lang)) } }
                li { a href={ (base) "/estimates.csv" (q) } { (D_ESTIMATES.get(lang)) } }
                li { a href={ (base) "/microdata.csv" } { (D_MICRODATA.get(lang)) } }
                @if p.admin {
                    li { a href={ (base) "/microdata.csv?free_text=1" } { (D_MICRODATA_TEXT.get(lang)) } }
                }
                li { a href={ (base) "/codebook.csv" } { (D_CODEBOOK.get(lang)) } }
                li { a href={ (base) "/reproduce.R" (q) } { (D_R.get(lang)) } }
            }
            h2.heading-m { (WHO.get(lang)) }
            dl {
                dt { strong { (SPONSOR.get(lang)) } } dd { (n.sponsor.get(lang)) }
                dt { strong { (CONDUCTED.get(lang)) } } dd { (n.conducted_by.get(lang)) }
            }
            h2.heading-m { (POPULATION.get(lang)) }
            p { (n.population.get(lang)) }
            h2.heading-m { (SAMPLE.get(lang)) }
            @if n.channels.is_empty() {
                p { (NO_RESPONSES.get(lang)) }
            } @else {
                // A list, not a table: each channel's sentence is long, and a phone is narrow.
                ul.list {
                    @for c in &n.channels {
                        li {
                            strong { (c.label.get(lang)) }
                            " — " (RESPONSES.get(lang)) ": " (num(lang, c.n))
                            " — " (PROBABILITY_SAMPLE.get(lang)) ": "
                            (match c.probability { Some(true) => YES, Some(false) => NO, None => UNKNOWN }.get(lang))
                            br;
                            (c.recruitment.get(lang))
                        }
                    }
                }
            }
            @if let Some((invited, completed)) = n.invitations {
                p {
                    (RESPONSE_RATE.get(lang)) ": " (num(lang, completed)) " ÷ " (num(lang, invited)) " = "
                    (digits(lang, &format!("{:.1}", 100.0 * completed as f64 / invited as f64))) "%"
                }
            }
            h2.heading-m { (MODES.get(lang)) }
            @if !mode_rows.is_empty() {
                (table(MODES.get(lang), &[MODE.get(lang), RESPONSES.get(lang)], &mode_rows))
            }
            h2.heading-m { (DATES.get(lang)) }
            @if wave_rows.is_empty() {
                p { (NO_RESPONSES.get(lang)) }
            } @else {
                (table(DATES.get(lang), &[WAVE.get(lang), FIRST.get(lang), LAST.get(lang), RESPONSES.get(lang)], &wave_rows))
            }
            h2.heading-m { (WORDING.get(lang)) }
            p {
                (WORDING_TEXT.get(lang)) " "
                a href={ (base) "/questionnaire?lang=ar" } lang="ar" { (IN_ARABIC.get(lang)) }
                " · "
                a href={ (base) "/questionnaire?lang=en" } { (IN_ENGLISH.get(lang)) }
                " (" (num(lang, n.questions)) ")."
            }
            @if n.versions > 1 {
                p { (VERSIONS.get(lang)) " " (num(lang, n.versions)) }
            }
            h2.heading-m { (PRECISION.get(lang)) }
            @if let Some(pr) = &n.precision {
                dl {
                    dt { strong { (N.get(lang)) } } dd { (num(lang, pr.n)) }
                    dt { strong { (N_EFF.get(lang)) } } dd { (digits(lang, &format!("{:.0}", pr.n_eff))) }
                    dt { strong { (DEFF.get(lang)) } } dd { (digits(lang, &format!("{:.2}", pr.deff_weighting))) }
                    dt { strong { (MOE.get(lang)) } }
                    dd { "±" (digits(lang, &format!("{:.1}", 100.0 * pr.moe))) " " (POINTS.get(lang))
                        " (" (digits(lang, &format!("{:.0}", 100.0 * pr.level))) "%)" }
                    @if let (Some(d), Some(m)) = (pr.deff_shares, pr.moe_design) {
                        dt { strong { (DEFF_SHARES.get(lang)) } } dd { (digits(lang, &format!("{d:.2}"))) }
                        dt { strong { (MOE_DESIGN.get(lang)) } }
                        dd { "±" (digits(lang, &format!("{:.1}", 100.0 * m))) " " (POINTS.get(lang)) }
                    }
                }
            } @else {
                p { (NO_PRECISION.get(lang)) }
            }
            h2.heading-m { (WEIGHTING.get(lang)) }
            ul.list { @for w in &n.weighting { li { (w.get(lang)) } } }
            h2.heading-m { (LIMITATIONS.get(lang)) }
            ul.list { @for w in &n.limitations { li { (w.get(lang)) } } }
        },
    )
}

/// Every question's wording and options in the page's language, in questionnaire order.
pub fn questionnaire(chrome: &Chrome, heading: &str, survey: &Survey) -> Markup {
    let lang = chrome.lang;
    let mut number = 0usize;
    layout::page(
        chrome,
        html! {
            div.questionnaire {
            h1.heading-l { (heading) }
            @if !survey.intro.get(lang).is_empty() { p { (survey.intro.get(lang)) } }
            @for page in &survey.pages {
                @if let Some(t) = &page.title { h2.heading-m { (t.get(lang)) } }
                @for q in &page.questions {
                    @let _ = { number += 1; };
                    section {
                        h3 { (num(lang, number)) ". " (q.text.get(lang)) " " small { "(" code { (q.id) } ")" } }
                        @if let Some(h) = &q.hint { p.hint { (h.get(lang)) } }
                        @match &q.kind {
                            QuestionKind::SingleChoice { options, .. }
                            | QuestionKind::MultipleChoice { options, .. }
                            | QuestionKind::Likert { scale: options } => {
                                ol { @for c in options { li { (c.label.get(lang)) " " small { "[" code { (c.code) } "]" } } } }
                            }
                            QuestionKind::LikertGrid { scale, items } => {
                                ul { @for it in items { li { (it.text.get(lang)) " " small { "(" code { (it.id) } ")" } } } }
                                ol { @for c in scale { li { (c.label.get(lang)) " " small { "[" code { (c.code) } "]" } } } }
                            }
                            QuestionKind::Rating { min, max, min_label, max_label, extra } => {
                                p { (num(lang, min)) " = " (min_label.get(lang)) " … " (num(lang, max)) " = " (max_label.get(lang)) }
                                @if !extra.is_empty() {
                                    ul { @for c in extra { li { (c.label.get(lang)) " " small { "[" code { (c.code) } "]" } } } }
                                }
                            }
                            QuestionKind::Number { unit, .. } => {
                                @if let Some(u) = unit { p { (u.get(lang)) } }
                            }
                            _ => {}
                        }
                    }
                }
            }
            }
        },
    )
}
