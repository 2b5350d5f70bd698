//! The analysts' pages: sign-in, and a survey's weighted results — for each variable a chart
//! (inline SVG: bars with interval whiskers, drawn with SVG attributes only, mirrored in Arabic)
//! and the table that is its text alternative.

use maud::{Markup, html};

use crate::cli::estimate::Row;
use crate::stats::{Flag, Unestimable};
use crate::survey::Lang;
use crate::web::i18n::{self, Ui};

use super::components::{self, Credential, Prompt};
use super::layout::{self, Chrome};

pub struct SignInPage<'a> {
    pub csrf: &'a str,
    pub next: &'a str,
    pub name: &'a str,
    pub wrong: bool,
}

pub fn sign_in(chrome: &Chrome, p: &SignInPage) -> Markup {
    let lang = chrome.lang;
    let wrong = i18n::SIGN_IN_WRONG.get(lang);
    let error = p.wrong.then_some(wrong);
    let name = Prompt {
        id: "name",
        text: i18n::SIGN_IN_NAME.get(lang),
        as_heading: false,
        hint: None,
        optional: false,
        error,
        context: None,
    };
    let password = Prompt {
        id: "password",
        text: i18n::SIGN_IN_PASSWORD.get(lang),
        as_heading: false,
        hint: None,
        optional: false,
        error: None,
        context: None,
    };
    layout::page(
        chrome,
        html! {
            @if p.wrong {
                (components::error_summary(&[("name".to_string(), wrong.to_string())], lang))
            }
            h1.heading-l { (i18n::SIGN_IN_TITLE.get(lang)) }
            form method="post" action="/login" novalidate {
                (components::hidden(crate::web::visit::CSRF_FIELD, p.csrf))
                (components::hidden("next", p.next))
                (components::credential_input(&name, Credential::Username, p.name, lang))
                (components::credential_input(&password, Credential::CurrentPassword, "", lang))
                (components::button(i18n::SIGN_IN_BUTTON.get(lang)))
            }
        },
    )
}

/// A sign-out button (a POST with the CSRF token).
pub fn sign_out(csrf: &str, lang: Lang) -> Markup {
    html! {
        form method="post" action="/logout" {
            (components::hidden(crate::web::visit::CSRF_FIELD, csrf))
            button.button type="submit" { (i18n::SIGN_OUT.get(lang)) }
        }
    }
}

/// One estimated variable: its label and rows, already labelled.
pub struct VariableResults {
    pub id: String,
    pub label: String,
    /// Shares and proportions are shown as percentages.
    pub percent: bool,
    pub rows: Vec<LabelledRow>,
}

pub struct LabelledRow {
    pub category: Option<String>,
    /// `None`: all respondents.
    pub group: Option<String>,
    pub row: Row,
}

pub struct ResultsPage<'a> {
    pub title: &'a str,
    pub responses: u64,
    /// The UTC day the figures were computed (`YYYY-MM-DD`): they are recomputed as soon as a
    /// response is stored, and served again until then.
    pub as_of: &'a str,
    pub design_file: Option<String>,
    pub domains: &'a [(String, String)],
    pub domain: Option<&'a str>,
    pub csv_href: &'a str,
    pub xlsx_href: &'a str,
    pub csrf: &'a str,
    pub variables: &'a [VariableResults],
    /// Why no estimate could be made with the design (a message of the statistics).
    pub problem: Option<&'a str>,
    /// The report above the estimates: header, wave, headline figures, questions.
    pub report: Option<Markup>,
}

fn flag_text(flag: Flag) -> Ui {
    match flag {
        Flag::Ok => i18n::FLAG_OK,
        Flag::LowReliability => i18n::FLAG_LOW,
        Flag::Suppressed => i18n::FLAG_SUPPRESSED,
    }
}

const ALL_ESTIMATES: Ui = Ui::new("كل التقديرات", "Every estimate");
const ALL_ESTIMATES_SHOW: Ui = Ui::new(
    "اعرض كل تقديرات التصميم، متغيرًا متغيرًا",
    "Show every estimate of the design, variable by variable",
);
pub const CANNOT_ESTIMATE: Ui = Ui::new(
    "لا يمكن حساب التقديرات بملف التصميم هذا على الإجابات المحفوظة:",
    "The estimates cannot be computed with this design on the stored responses:",
);

// Why a row has no estimate or no interval, in the reader's language.
const NO_ANSWERS_YET: Ui = Ui::new("لا توجد إجابات بعد", "No answers yet");
const NO_ANSWERS_GROUP: Ui = Ui::new(
    "لا توجد إجابات في هذه المجموعة بعد",
    "No answers in this group yet",
);
const EMPTY_GROUP: Ui = Ui::new("لا أحد في هذه المجموعة", "Nobody in this group");
const ONE_RESPONDENT: Ui = Ui::new(
    "مجيب واحد فقط: لا يمكن حساب التباين",
    "One respondent only: no variance",
);
const ONE_CLUSTER: Ui = Ui::new(
    "عنقود واحد فقط: لا يمكن حساب التباين ولا فترة الثقة",
    "One cluster only: no variance, no confidence interval",
);
const ONE_CLUSTER_IN: Ui = Ui::new("عنقود واحد في الطبقة", "One cluster in stratum");
const ONE_CLUSTER_TAIL: Ui = Ui::new(
    "لا يمكن حساب التباين ولا فترة الثقة",
    "no variance, no confidence interval",
);
const NO_VARIATION: Ui = Ui::new(
    "الإجابات كلها متطابقة: لا توجد فترة ثقة",
    "Every answer is the same: no confidence interval",
);

/// The sentence for a row's reason; `in_group`: a row of a breakdown, not the whole sample.
pub fn status_text(status: &Unestimable<String>, in_group: bool, lang: Lang) -> Markup {
    let plain = |t: Ui| html! { (t.get(lang)) };
    match status {
        Unestimable::NoAnswers if in_group => plain(NO_ANSWERS_GROUP),
        Unestimable::NoAnswers => plain(NO_ANSWERS_YET),
        Unestimable::EmptyDomain => plain(EMPTY_GROUP),
        Unestimable::OneRespondent => plain(ONE_RESPONDENT),
        Unestimable::NoVariation => plain(NO_VARIATION),
        Unestimable::SinglePsu { strata } if strata.is_empty() => plain(ONE_CLUSTER),
        Unestimable::SinglePsu { strata } => {
            let sep = if lang == Lang::Ar { "، " } else { ", " };
            html! {
                (ONE_CLUSTER_IN.get(lang)) " "
                @for (i, s) in strata.iter().enumerate() {
                    @if i > 0 { (sep) }
                    bdi { (s) }
                }
                ": " (ONE_CLUSTER_TAIL.get(lang))
            }
        }
    }
}

/// The reliability cell: a row without answers says so; a suppressed row says only that
/// (its reason could tell how many answered, or that they all answered alike); otherwise the
/// flag, and the reason when there is one.
fn reliability(r: &LabelledRow, lang: Lang) -> Markup {
    let status = r.row.status.as_ref();
    let in_group = r.group.is_some();
    match status {
        Some(s) if s.no_estimate() => status_text(s, in_group, lang),
        _ if r.row.flag == Flag::Suppressed => html! { (flag_text(r.row.flag).get(lang)) },
        Some(s) => {
            html! { (flag_text(r.row.flag).get(lang)) ". " (status_text(s, in_group, lang)) }
        }
        None => html! { (flag_text(r.row.flag).get(lang)) },
    }
}

/// An estimate as shown: a percentage with one decimal or a mean with two, in the page's
/// digits.
pub fn shown(x: f64, percent: bool, lang: Lang) -> String {
    let s = if percent {
        format!("{:.1}%", 100.0 * x)
    } else {
        format!("{x:.2}")
    };
    match lang {
        Lang::Ar => i18n::digits(lang, &s).replace('%', "٪"),
        Lang::En => s,
    }
}

pub fn results(chrome: &Chrome, p: &ResultsPage) -> Markup {
    let lang = chrome.lang;
    layout::page(
        chrome,
        html! {
            (sign_out(p.csrf, lang))
            h1.heading-l { (p.title) }
            @if let Some(r) = &p.report { (r) }
            h2.heading-l id="estimates" { (ALL_ESTIMATES.get(lang)) }
            p.body { (i18n::RESULTS_RESPONSES.get(lang)) ": " (i18n::digits(lang, &p.responses.to_string())) }
            p.body { (i18n::RESULTS_AS_OF.get(lang)) " " bdi dir="ltr" { (i18n::digits(lang, p.as_of)) } }
            p.body {
                @match &p.design_file {
                    Some(f) => { (i18n::RESULTS_DESIGN_FILE.get(lang)) " " bdi dir="ltr" { (f) } },
                    None => (i18n::RESULTS_DESIGN_DEFAULT.get(lang)),
                }
            }
            p.body.sampling-note { (i18n::RESULTS_SAMPLING_NOTE.get(lang)) }
            form.inline-form method="get" {
                div.form-group {
                    label.label for="domain" { (i18n::DOMAIN_LABEL.get(lang)) }
                    select.select id="domain" name="domain" {
                        option value="" selected[p.domain.is_none()] { (i18n::DOMAIN_NONE.get(lang)) }
                        @for (id, label) in p.domains {
                            option value=(id) selected[p.domain == Some(id.as_str())] { (label) }
                        }
                    }
                }
                div.form-group { (components::button(i18n::DOMAIN_SHOW.get(lang))) }
            }
            h2.heading-m { (i18n::DOWNLOADS.get(lang)) }
            ul.survey-list {
                li { a href=(p.csv_href) download { (i18n::DOWNLOAD_CSV.get(lang)) } }
                li { a href=(p.xlsx_href) download { (i18n::DOWNLOAD_XLSX.get(lang)) } }
            }
            @if let Some(problem) = p.problem {
                div.error-summary role="alert" {
                    h2.error-summary-title { (CANNOT_ESTIMATE.get(lang)) }
                    p.body { bdi dir="ltr" { (problem) } }
                }
            } @else if p.responses == 0 || p.variables.is_empty() {
                p.body { (i18n::RESULTS_NONE_YET.get(lang)) }
            } @else {
            // Under the report, every estimate of the design is one click away rather than a
            // page tens of thousands of pixels long.
            details.all-estimates open[p.report.is_none()] aria-labelledby="all-estimates" {
                summary id="all-estimates" { (ALL_ESTIMATES_SHOW.get(lang)) " (" (i18n::digits(lang, &p.variables.len().to_string())) ")" }
                @for v in p.variables {
                    section.results-section aria-labelledby={ "v-" (v.id) } {
                        h2.heading-m id={ "v-" (v.id) } { (v.label) }
                        (chart(v, lang))
                        (table(v, lang))
                    }
                }
            }
            }
        },
    )
}

fn row_name(r: &LabelledRow, lang: Lang) -> String {
    match (&r.category, &r.group) {
        (Some(c), Some(g)) => format!("{c} — {g}"),
        (Some(c), None) => c.clone(),
        (None, Some(g)) => g.clone(),
        (None, None) => i18n::ALL_RESPONDENTS.get(lang).to_string(),
    }
}

fn table(v: &VariableResults, lang: Lang) -> Markup {
    let has_category = v.rows.iter().any(|r| r.category.is_some());
    // A data table may need both dimensions (WCAG 1.4.10 exempts it), but the page must not
    // scroll sideways: the table scrolls in its own region, which the keyboard can reach.
    let caption_id = format!("t-{}", v.id);
    html! {
        div.table-scroll role="region" tabindex="0" aria-labelledby=(caption_id) {
            table.table {
                caption id=(caption_id) { (v.label) }
                thead {
                    tr {
                        @if has_category { th scope="col" { (i18n::COL_CATEGORY.get(lang)) } }
                        th scope="col" { (i18n::COL_GROUP.get(lang)) }
                        th scope="col" { (i18n::COL_N.get(lang)) }
                        th scope="col" { (i18n::COL_ESTIMATE.get(lang)) }
                        th scope="col" { (i18n::COL_CI.get(lang)) }
                        th scope="col" { (i18n::COL_RELIABILITY.get(lang)) }
                    }
                }
                tbody {
                    @for r in &v.rows {
                        @let e = &r.row.estimate;
                        @let hidden = r.row.flag == Flag::Suppressed || !e.estimate.is_finite();
                        tr {
                            @if has_category { th scope="row" { (r.category.clone().unwrap_or_default()) } }
                            td { (r.group.clone().unwrap_or_else(|| i18n::ALL_RESPONDENTS.get(lang).to_string())) }
                            @if crate::results::publish::n_hidden(&r.row) {
                                td { "—" }
                            } @else {
                                td.numeric { (i18n::digits(lang, &e.n.to_string())) }
                            }
                            @if hidden {
                                td { "—" }
                                td { "—" }
                            } @else {
                                td.numeric { (shown(e.estimate, v.percent, lang)) }
                                td.numeric {
                                    @if r.row.ci.0.is_finite() && r.row.ci.1.is_finite() {
                                        (shown(r.row.ci.0, v.percent, lang)) " – " (shown(r.row.ci.1, v.percent, lang))
                                    } @else { "—" }
                                }
                            }
                            td { (reliability(r, lang)) }
                        }
                    }
                }
            }
        }
    }
}

// Chart geometry, in SVG user units.
const WIDTH: f64 = 640.0;
const LABEL: f64 = 220.0;
const VALUE: f64 = 70.0;
const BAR_HEIGHT: f64 = 18.0;
const ROW: f64 = 30.0;

fn short(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    }
}

/// Bars from zero with whiskers from the interval's low to high end. In Arabic the chart is
/// mirrored: labels on the right, bars growing leftwards.
fn chart(v: &VariableResults, lang: Lang) -> Markup {
    let shown_rows: Vec<&LabelledRow> = v
        .rows
        .iter()
        .filter(|r| r.row.flag != Flag::Suppressed && r.row.estimate.estimate.is_finite())
        .collect();
    if shown_rows.is_empty() {
        return html! {};
    }
    let top = if v.percent {
        1.0
    } else {
        shown_rows
            .iter()
            .map(|r| {
                let hi = r.row.ci.1;
                if hi.is_finite() {
                    hi
                } else {
                    r.row.estimate.estimate
                }
            })
            .fold(0.0_f64, f64::max)
            .max(f64::MIN_POSITIVE)
    };
    let span = WIDTH - LABEL - VALUE;
    let rtl = lang == Lang::Ar;
    // Position along the value axis (0 = zero) → x in the drawing.
    let x_of = |value: f64| {
        let d = (value.max(0.0) / top).min(1.0) * span;
        if rtl { WIDTH - LABEL - d } else { LABEL + d }
    };
    let zero = x_of(0.0);
    let height = ROW * shown_rows.len() as f64 + 10.0;
    let alt = format!("{} {}", v.label, i18n::CHART_ALT.get(lang));
    // `text-anchor` follows the inherited direction: in Arabic "start" is the right edge of the
    // text, so the row label (right of the zero line) ends at its x, and the value (left of its
    // bar's end) starts there; with the LTR anchors both were drawn over the bar.
    let (label_x, label_anchor, value_anchor, value_gap) = if rtl {
        (WIDTH - LABEL + 8.0, "end", "start", -6.0)
    } else {
        (LABEL - 8.0, "end", "start", 6.0)
    };
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(alt)
            viewBox={ "0 0 " (WIDTH) " " (height) } width=(WIDTH) height=(height)
            font-family="sans-serif" font-size="13" {
            title { (alt) }
            line x1=(zero) y1="0" x2=(zero) y2=(height) stroke="#0b0c0c" stroke-width="1" {}
            @for (i, r) in shown_rows.iter().enumerate() {
                @let y = 5.0 + ROW * i as f64;
                @let e = r.row.estimate.estimate;
                @let end = x_of(e);
                @let (bar_x, bar_w) = if end >= zero { (zero, end - zero) } else { (end, zero - end) };
                @let fill = if r.row.flag == Flag::Ok { "#1d70b8" } else { "#8eb8dc" };
                @let mid = y + BAR_HEIGHT / 2.0;
                text x=(label_x) y=(mid + 4.0) text-anchor=(label_anchor) fill="#0b0c0c" { (short(&row_name(r, lang))) }
                rect x=(bar_x) y=(y) width=(bar_w.max(1.0)) height=(BAR_HEIGHT) fill=(fill) {}
                @if r.row.ci.0.is_finite() && r.row.ci.1.is_finite() {
                    @let (lo, hi) = (x_of(r.row.ci.0), x_of(r.row.ci.1));
                    line x1=(lo) y1=(mid) x2=(hi) y2=(mid) stroke="#0b0c0c" stroke-width="2" {}
                    line x1=(lo) y1=(y + 3.0) x2=(lo) y2=(y + BAR_HEIGHT - 3.0) stroke="#0b0c0c" stroke-width="2" {}
                    line x1=(hi) y1=(y + 3.0) x2=(hi) y2=(y + BAR_HEIGHT - 3.0) stroke="#0b0c0c" stroke-width="2" {}
                }
                @let far = if rtl { x_of(r.row.ci.1.max(e)).min(end) } else { x_of(r.row.ci.1.max(e)).max(end) };
                text x=(far + value_gap) y=(mid + 4.0) text-anchor=(value_anchor) fill="#0b0c0c" { (shown(e, v.percent, lang)) }
            }
        }
    }
}
