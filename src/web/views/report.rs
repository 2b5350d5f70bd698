//! The report pages' parts: the header (methodology link, wave selector, fieldwork days), the
//! headline figures with their trend and ranked charts, a question's frequency tables and a
//! crosstab. Charts are inline SVG drawn at 320 units wide with 14-unit text, so that the text
//! is at least 14 px at phone width (the stylesheet caps them at 30rem); every chart is
//! followed by the table that is its text version; in Arabic they are mirrored.

use maud::{Markup, PreEscaped, html};

use crate::analysis::Row;
use crate::results::labels::{self, SiteNames};
use crate::results::publish;
use crate::results::report::{
    Change, Crosstab, FigureResult, Item, Line, Overview, QuestionReport, Summary, Wave,
};
use crate::stats::Flag;
use crate::survey::{Lang, Survey, Text};
use crate::web::i18n::{self, Ui};

use super::components;
use super::results::shown;

pub const HOW_DONE: Ui = Ui::new("كيف أُجري هذا الاستطلاع", "How this survey was done");
const HEADLINE: Ui = Ui::new("المؤشرات الرئيسية", "Headline figures");
const WAVE: Ui = Ui::new("جولة العمل الميداني", "Fieldwork wave");
const WAVES: Ui = Ui::new("جولات العمل الميداني", "Fieldwork waves");
const SHOW: Ui = Ui::new("اعرض", "Show");
const DAYS: Ui = Ui::new(
    "أيام العمل الميداني (من أول يوم إلى آخر يوم)",
    "Fieldwork days (first to last)",
);
const N: Ui = Ui::new("العدد", "n");
const READ_WITH_CARE: Ui = Ui::new("○ موثوقية منخفضة", "○ low reliability");
const HIDDEN_CELL: Ui = Ui::new("محجوب", "hidden");
const RESPONSES: Ui = Ui::new("الإجابات", "Responses");
const NO_WAVE: Ui = Ui::new("(جولة غير مسجّلة)", "(wave not recorded)");
const SINCE: Ui = Ui::new("التغيّر منذ", "Change since");
const NO_CHANGE_YET: Ui = Ui::new(
    "لا توجد جولة سابقة للمقارنة.",
    "No earlier wave to compare with.",
);
const NO_CHANGE: Ui = Ui::new(
    "لا يمكن حساب التغيّر (تقدير محجوب أو دون فترة ثقة في إحدى الجولتين).",
    "The change cannot be given (an estimate is hidden or has no interval in one of the waves).",
);
const REAL_CHANGE: Ui = Ui::new(
    "تغيّر دالّ: فترة الثقة لا تشمل الصفر",
    "Significant change: the interval excludes zero",
);
const NOT_REAL: Ui = Ui::new(
    "غير دالّ: فترة الثقة تشمل الصفر",
    "Not significant: the interval includes zero",
);
const POINTS: Ui = Ui::new("نقطة مئوية", "percentage points");
const TREND: Ui = Ui::new("الاتجاه عبر الجولات", "Trend over the waves");
const RANKED_BY: Ui = Ui::new("المجموعات مرتّبة، حسب:", "Groups ranked, by:");
const LEGEND: Ui = Ui::new(
    "النقطة: التقدير المرجّح؛ الخط: فترة الثقة ٩٥٪. النقطة المفرّغة: موثوقية منخفضة. المجموعات المحجوبة لا تُرسم.",
    "Dot: weighted estimate; line: 95% confidence interval. Hollow dot: low reliability. Hidden groups are not drawn.",
);
const CHART_TREND_ALT: Ui = Ui::new(
    "مخطط الاتجاه: التقدير وفترة الثقة في كل جولة؛ القيم في الجدول التالي.",
    "Trend chart: the estimate and its interval in each wave; the values are in the table that follows.",
);
const CHART_RANKED_ALT: Ui = Ui::new(
    "مخطط نقطي مرتّب للمجموعات مع فترات الثقة؛ القيم في الجدول التالي.",
    "Ranked dot chart of the groups with intervals; the values are in the table that follows.",
);
const NO_HEADLINE: Ui = Ui::new(
    "لا يعلن ملف الاستبيان مؤشرات ولا أسئلة رئيسية (headline = true).",
    "The survey file declares no indices and marks no question as headline (headline = true).",
);
const QUESTIONS: Ui = Ui::new("كل الأسئلة", "Every question");
pub const CROSSTAB: Ui = Ui::new("جدول متقاطع", "Crosstab");
const CROSSTAB_QUESTION: Ui = Ui::new("السؤال", "Question");
const CROSSTAB_BY: Ui = Ui::new("حسب", "By");
const ANSWER: Ui = Ui::new("الإجابة", "Answer");
const COUNT: Ui = Ui::new("العدد (غير مرجّح)", "Count (unweighted)");
const PERCENT: Ui = Ui::new("النسبة المرجّحة", "Weighted %");
const CI: Ui = Ui::new("فترة الثقة ٩٥٪", "95% interval");
const TOTAL: Ui = Ui::new("المجموع (المجيبون)", "Total (respondents)");
const APART: Ui = Ui::new(
    "إجابات غير جوهرية (نسبتها من كل من أجاب)",
    "Non-substantive answers (share of everyone who answered)",
);
const SEVERAL: Ui = Ui::new(
    "يمكن اختيار أكثر من إجابة: النسب من المجيبين ومجموعها قد يتجاوز ١٠٠٪.",
    "Several answers allowed: shares of respondents, which may add up to more than 100%.",
);
const TOP_TWO: Ui = Ui::new("نسبة أعلى إجابتين", "Top-two share");
const MEAN: Ui = Ui::new("المتوسط", "Mean");
const MEDIAN: Ui = Ui::new("الوسيط", "Median");
const SUMMARY: Ui = Ui::new("الملخّص", "Summary");
const NOT_TABULATED: Ui = Ui::new(
    "النصوص الحرة والتواريخ لا تُجدوَل هنا؛ هي في ملف البيانات الجزئية.",
    "Free text and dates are not tabulated here; they are in the microdata.",
);
const NOBODY: Ui = Ui::new(
    "لم يُجب أحد عن هذا السؤال في هذه الجولة.",
    "Nobody answered this question in this wave.",
);
const HIDDEN: Ui = Ui::new(
    "محجوب: أقل من الحد الأدنى للنشر من المجيبين.",
    "Hidden: fewer respondents than the publication minimum.",
);
const POOLED: Ui = Ui::new(
    "الإصدارات التالية من الاستبيان طرحت هذا السؤال بالصياغة والخيارات نفسها فجُمعت إجاباتها:",
    "These versions of the questionnaire asked this question with the same wording and options, so their answers are pooled:",
);
const APART_VERSION: Ui = Ui::new(
    "طُرح هذا السؤال بصياغة أو خيارات مختلفة في إصدارات أخرى؛ تُعرض كل صياغة وحدها. هذا الجزء:",
    "This question was asked with other wording or options in other versions; each is reported apart. This part:",
);
const CURRENT_WORDING: Ui = Ui::new("(الصياغة الحالية)", "(current wording)");
const UNKNOWN_WORDING: Ui = Ui::new(
    "(صياغة هذا الإصدار غير محفوظة)",
    "(this version's wording is not on record)",
);
const ONLY_AS_NOW: Ui = Ui::new(
    "طُرح هذا السؤال في هذه الجولة بصياغات مختلفة: لا تُحسب إلا إجابات الإصدارات التي طرحته بصياغته الحالية.",
    "This wave asked the question in different words: only the versions that asked it as it is worded now are counted.",
);
const DASH_NOTE: Ui = Ui::new(
    "—: محجوب (مجموعة صغيرة، أو محجوب كي لا تُستنتج مجموعة صغيرة) أو لا تقدير.",
    "—: hidden (a small group, or hidden so that a small group cannot be worked out) or no estimate.",
);
const VERSION: Ui = Ui::new("الإصدار", "Version");
const ALL: Ui = Ui::new("الكل", "All");
const TEST: Ui = Ui::new(
    "اختبار راو–سكوت للاستقلال (تصحيح من الدرجة الثانية)",
    "Rao–Scott test of independence (second-order correction)",
);
/// Why the Rao–Scott test could not be made, in the reader's words (the statistics module's
/// reasons are English sentences for analysts' logs; the known ones are said here).
fn test_failure(reason: &str) -> Ui {
    if reason.contains("at least two answers seen") {
        Ui::new(
            "يلزم أن يظهر جوابان مختلفان على الأقل في كلٍّ من السؤال والتقسيم.",
            "at least two different answers must appear in both the question and the breakdown.",
        )
    } else if reason.contains("too many cells") {
        Ui::new(
            "الجدول فيه خانات أكثر مما يمكن اختباره؛ اختر تقسيمًا بفئات أقل.",
            "the table has more cells than can be tested; choose a breakdown with fewer groups.",
        )
    } else if reason.contains("too few respondents") || reason.contains("no answers") {
        Ui::new(
            "عدد من أجابوا عن السؤالين معًا قليل جدًا.",
            "too few people answered both questions.",
        )
    } else {
        Ui::new(
            "لا تسمح الإجابات بتقدير تأثير التصميم في هذا الجدول.",
            "the answers do not allow the design effects of this table to be estimated.",
        )
    }
}

const PEOPLE: Ui = Ui::new("العدد المقدَّر من الناس", "Estimated number of people");
const TEST_NONE: Ui = Ui::new(
    "لا يمكن إجراء الاختبار على هذه الإجابات:",
    "The test cannot be computed on these answers:",
);
const CSV: Ui = Ui::new("هذا الجدول بصيغة CSV", "This table as CSV");
const XLSX: Ui = Ui::new("بصيغة Excel ‏(XLSX)", "as Excel (XLSX)");
const BACK: Ui = Ui::new(
    "العودة إلى المؤشرات الرئيسية",
    "Back to the headline figures",
);
const COL_PERCENT_NOTE: Ui = Ui::new(
    "نسب الأعمدة: توزيع الإجابات داخل كل مجموعة، مع فترة الثقة ٩٥٪ بين قوسين.",
    "Column percentages: the answers within each group, with the 95% interval in brackets.",
);
const NO_ESTIMATE: Ui = Ui::new("لا يوجد تقدير", "No estimate");
const RANKED_NOTE: Ui = Ui::new(
    "المجموعات المحجوبة (صغيرة أو محجوبة لحماية مجموعة صغيرة) في آخر الجدول.",
    "Hidden groups (small, or hidden to protect a small one) are at the end of the table.",
);

fn digits(lang: Lang, s: &str) -> String {
    i18n::digits(lang, s)
}

/// A day `YYYY-MM-DD` in the page's words (day precision: responses keep only the day).
pub fn day(lang: Lang, d: &str) -> String {
    let parsed = time::Date::parse(
        d,
        &time::macros::format_description!("[year]-[month]-[day]"),
    );
    match parsed {
        Ok(date) => crate::survey::answers::date_in_words(date, lang),
        Err(_) => digits(lang, d),
    }
}

pub fn wave_name(lang: Lang, id: &str) -> String {
    if id.is_empty() {
        NO_WAVE.get(lang).to_string()
    } else {
        id.to_string()
    }
}

/// The header every report page shares: the methodology link and the sections.
pub fn header(lang: Lang, survey_id: &str) -> Markup {
    html! {
        nav.report-nav aria-label=(HEADLINE.get(lang)) {
            ul.survey-list {
                li { a href={ "/results/" (survey_id) "/methodology" } { (HOW_DONE.get(lang)) } }
                li { a href={ "/results/" (survey_id) } { (HEADLINE.get(lang)) } }
                li { a href={ "/results/" (survey_id) "#questions" } { (QUESTIONS.get(lang)) } }
                li { a href={ "/results/" (survey_id) "/crosstab" } { (CROSSTAB.get(lang)) } }
            }
        }
    }
}

/// The wave selector (a GET form keeping the page's other choices) and the fieldwork days of
/// every wave.
pub fn waves(lang: Lang, overview: &Overview, chosen: usize, keep: &[(&str, &str)]) -> Markup {
    if overview.waves.is_empty() {
        return html! {};
    }
    html! {
        form.inline-form method="get" {
            @for (k, v) in keep { (components::hidden(k, v)) }
            div.form-group {
                label.label for="wave" { (WAVE.get(lang)) }
                select.select id="wave" name="wave" {
                    @for (i, w) in overview.waves.iter().enumerate() {
                        // Isolated left to right: a wave name such as 2026-W2 inside Arabic text.
                        option value=(w.id) selected[i == chosen] { "\u{2066}" (wave_name(lang, &w.id)) "\u{2069}" }
                    }
                }
            }
            div.form-group { (components::button(SHOW.get(lang))) }
        }
        (wave_table(lang, &overview.waves, chosen))
    }
}

fn wave_table(lang: Lang, waves: &[Wave], chosen: usize) -> Markup {
    html! {
        div.table-scroll role="region" tabindex="0" aria-labelledby="waves-caption" {
            table.table {
                caption id="waves-caption" { (WAVES.get(lang)) }
                thead { tr {
                    th scope="col" { (WAVE.get(lang)) }
                    th scope="col" { (DAYS.get(lang)) }
                    th scope="col" { (RESPONSES.get(lang)) }
                } }
                tbody {
                    @for (i, w) in waves.iter().enumerate() {
                        tr aria-current=[(i == chosen).then_some("true")] {
                            th scope="row" { bdi { (wave_name(lang, &w.id)) } @if i == chosen { " ✓" } }
                            td {
                                (day(lang, &w.first_day))
                                @if w.last_day != w.first_day { " – " (day(lang, &w.last_day)) }
                            }
                            td.numeric { (digits(lang, &w.responses.to_string())) }
                        }
                    }
                }
            }
        }
    }
}

fn percent_or_mean(x: f64, percent: bool, lang: Lang) -> String {
    shown(x, percent, lang)
}

fn interval_text(r: &Row, percent: bool, lang: Lang) -> String {
    if r.ci.0.is_finite() && r.ci.1.is_finite() {
        format!(
            "{} – {}",
            percent_or_mean(r.ci.0, percent, lang),
            percent_or_mean(r.ci.1, percent, lang)
        )
    } else {
        "—".into()
    }
}

fn visible(r: &Row) -> bool {
    r.flag != Flag::Suppressed && r.estimate.estimate.is_finite()
}

fn signed(x: f64, percent: bool, lang: Lang) -> String {
    let s = if percent {
        format!("{:+.1}", 100.0 * x)
    } else {
        format!("{x:+.2}")
    };
    let s = s.replace('-', "−");
    digits(lang, &s)
}

fn change_text(c: &Change, percent: bool, lang: Lang) -> Markup {
    let unit = if percent {
        format!(" {}", POINTS.get(lang))
    } else {
        String::new()
    };
    html! {
        p.body.change.significant[c.excludes_zero] {
            (SINCE.get(lang)) " " bdi { (c.from_wave) } ": "
            strong { bdi dir="ltr" { (signed(c.estimate, percent, lang)) } (unit) }
            " (" (CI.get(lang)) " " bdi dir="ltr" { (signed(c.ci_low, percent, lang)) } " … " bdi dir="ltr" { (signed(c.ci_high, percent, lang)) } ")"
            br;
            @if c.excludes_zero {
                span.badge.badge-significant { "● " (REAL_CHANGE.get(lang)) }
            } @else {
                span.badge { "○ " (NOT_REAL.get(lang)) }
            }
        }
    }
}

/// Nice ticks over `[lo, hi]`: about five, at 1, 2 or 5 × a power of ten.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(hi > lo) || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let t = k as f64 * step;
            (t * 1e9).round() / 1e9
        })
        .collect()
}

fn tick_label(x: f64, percent: bool, lang: Lang) -> String {
    let s = if percent {
        format!("{}", (100.0 * x).round())
    } else if x.fract() == 0.0 {
        format!("{x}")
    } else {
        format!("{x:.1}")
    };
    digits(lang, &s)
}

fn unit_label(f: &FigureResult, lang: Lang) -> String {
    if f.figure.percent {
        match lang {
            Lang::Ar => "النسبة ٪".into(),
            Lang::En => "Share, %".into(),
        }
    } else {
        f.figure.measure.get(lang).to_string()
    }
}

/// The axis of a figure: its scale's ends, widened to the intervals drawn.
fn axis(f: &FigureResult, rows: &[&Row]) -> (f64, f64) {
    let (mut lo, mut hi) = f.figure.axis;
    for r in rows {
        for v in [r.estimate.estimate, r.ci.0, r.ci.1] {
            if v.is_finite() {
                if !lo.is_finite() || v < lo {
                    lo = v;
                }
                if !hi.is_finite() || v > hi {
                    hi = v;
                }
            }
        }
    }
    if !hi.is_finite() || !lo.is_finite() || hi <= lo {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

const W: f64 = 320.0;
const FONT: f64 = 14.0;
const INK: &str = "#0b0c0c";
const BLUE: &str = "#1d70b8";

fn dot(x: f64, y: f64, ok: bool) -> Markup {
    html! {
        @if ok {
            circle cx=(x) cy=(y) r="5" fill=(BLUE) stroke=(INK) stroke-width="1" {}
        } @else {
            circle cx=(x) cy=(y) r="5" fill="#ffffff" stroke=(BLUE) stroke-width="2" {}
        }
    }
}

/// Waves along the time axis (right to left in Arabic), the value axis with ticks and unit.
pub fn trend_chart(f: &FigureResult, lang: Lang) -> Markup {
    let points: Vec<(usize, &String, &Row)> = f
        .trend
        .iter()
        .enumerate()
        .filter(|(_, (_, r))| visible(r))
        .map(|(i, (w, r))| (i, w, r))
        .collect();
    if points.is_empty() {
        return html! {};
    }
    let rows: Vec<&Row> = points.iter().map(|(_, _, r)| *r).collect();
    let (lo, hi) = axis(f, &rows);
    let rtl = lang == Lang::Ar;
    let (top, bottom, axis_w, pad) = (30.0, 44.0, 44.0, 36.0);
    let h = 220.0;
    let plot_h = h - top - bottom;
    let y_of = |v: f64| top + (1.0 - (v - lo) / (hi - lo)) * plot_h;
    let n = f.trend.len().max(1);
    let span = W - axis_w - 2.0 * pad;
    let x_of = |i: usize| {
        let step = if n > 1 { span / (n - 1) as f64 } else { 0.0 };
        let d = if n > 1 { i as f64 * step } else { span / 2.0 };
        if rtl {
            W - axis_w - pad - d
        } else {
            axis_w + pad + d
        }
    };
    let axis_x = if rtl { W - axis_w } else { axis_w };
    let label_x = if rtl { W - axis_w + 6.0 } else { axis_w - 6.0 };
    let alt = format!(
        "{} — {}",
        f.figure.label.get(lang),
        CHART_TREND_ALT.get(lang)
    );
    html! {
        svg.chart.chart-small xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(alt)
            viewBox={ "0 0 " (W) " " (h) } width=(W) height=(h)
            font-family="sans-serif" font-size=(FONT) direction=(lang.dir()) {
            title { (alt) }
            text x=(if rtl { W - 2.0 } else { 2.0 }) y="16" text-anchor="start" fill=(INK) { (unit_label(f, lang)) }
            line x1=(axis_x) y1=(top) x2=(axis_x) y2=(top + plot_h) stroke=(INK) {}
            @for t in ticks(lo, hi) {
                @let y = y_of(t);
                line x1=(if rtl { axis_x } else { axis_x - 4.0 }) y1=(y) x2=(if rtl { axis_x + 4.0 } else { axis_x }) y2=(y) stroke=(INK) {}
                line x1=(if rtl { 8.0 } else { axis_x }) y1=(y) x2=(if rtl { axis_x } else { W - 8.0 }) y2=(y) stroke="#b1b4b6" stroke-width="0.5" {}
                text x=(label_x) y=(y + 5.0) text-anchor="end" fill=(INK) { (tick_label(t, f.figure.percent, lang)) }
            }
            @for (i, (w, _)) in f.trend.iter().enumerate() {
                // Wave names are codes such as 2026-W1: drawn left to right in Arabic too.
                text x=(x_of(i)) y=(h - 22.0) text-anchor="middle" direction="ltr" unicode-bidi="embed" fill=(INK) { (wave_name(lang, w)) }
            }
            @for (i, _, r) in &points {
                @let x = x_of(*i);
                @if r.ci.0.is_finite() && r.ci.1.is_finite() {
                    line x1=(x) y1=(y_of(r.ci.0)) x2=(x) y2=(y_of(r.ci.1)) stroke=(INK) stroke-width="2" {}
                    line x1=(x - 5.0) y1=(y_of(r.ci.0)) x2=(x + 5.0) y2=(y_of(r.ci.0)) stroke=(INK) stroke-width="2" {}
                    line x1=(x - 5.0) y1=(y_of(r.ci.1)) x2=(x + 5.0) y2=(y_of(r.ci.1)) stroke=(INK) stroke-width="2" {}
                }
                (dot(x, y_of(r.estimate.estimate), r.flag == Flag::Ok))
            }
        }
    }
}

fn trend_table(f: &FigureResult, lang: Lang, id: &str) -> Markup {
    let caption = format!("{} — {}", f.figure.label.get(lang), TREND.get(lang));
    html! {
        div.table-scroll role="region" tabindex="0" aria-labelledby=(id) {
            table.table {
                caption id=(id) { (caption) }
                thead { tr {
                    th scope="col" { (WAVE.get(lang)) }
                    th scope="col" { (N.get(lang)) }
                    th scope="col" { (i18n::COL_ESTIMATE.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } }
                } }
                tbody {
                    @for (w, r) in &f.trend {
                        tr {
                            th scope="row" { bdi { (wave_name(lang, w)) } }
                            (estimate_cells(r, f.figure.percent, lang))
                        }
                    }
                }
            }
        }
    }
}

fn flag_text(r: &Row, lang: Lang) -> &'static str {
    if !r.estimate.estimate.is_finite() && r.flag != Flag::Suppressed {
        return NO_ESTIMATE.get(lang);
    }
    match r.flag {
        Flag::Ok => i18n::FLAG_OK.get(lang),
        Flag::LowReliability => i18n::FLAG_LOW.get(lang),
        Flag::Suppressed => i18n::FLAG_SUPPRESSED.get(lang),
    }
}

/// The n and estimate cells of a published row: the estimate with its interval under it, and
/// a low reliability or a hidden cell said in a word.
fn estimate_cells(r: &Row, percent: bool, lang: Lang) -> Markup {
    html! {
        @if publish::n_hidden(r) { td { "—" } } @else { td.numeric { (digits(lang, &r.estimate.n.to_string())) } }
        (estimate_cell(r, percent, lang))
    }
}

fn estimate_cell(r: &Row, percent: bool, lang: Lang) -> Markup {
    html! {
        @if visible(r) {
            td.numeric {
                (percent_or_mean(r.estimate.estimate, percent, lang))
                @if r.ci.0.is_finite() && r.ci.1.is_finite() {
                    br; span.ci { "(" (interval_text(r, percent, lang)) ")" }
                }
                @if r.flag == Flag::LowReliability { br; span.ci { (READ_WITH_CARE.get(lang)) } }
            }
        } @else if r.flag == Flag::Suppressed {
            td { (HIDDEN_CELL.get(lang)) }
        } @else {
            td { (flag_text(r, lang)) }
        }
    }
}

/// Groups ranked by their estimate: a dot with its interval per group, value axis at the foot.
pub fn ranked_chart(
    f: &FigureResult,
    survey: &Survey,
    by: &str,
    sites: &SiteNames,
    lang: Lang,
) -> Markup {
    let rows: Vec<&Row> = f.ranked.iter().filter(|r| visible(r)).collect();
    if rows.is_empty() {
        return html! {};
    }
    let (lo, hi) = axis(f, &rows);
    let rtl = lang == Lang::Ar;
    let (label_w, pad, row_h, top) = (116.0, 12.0, 26.0, 8.0);
    let h = top + row_h * rows.len() as f64 + 50.0;
    let span = W - label_w - 2.0 * pad;
    let x_of = |v: f64| {
        let d = ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * span;
        if rtl {
            W - label_w - pad - d
        } else {
            label_w + pad + d
        }
    };
    let label_x = if rtl {
        W - label_w + 4.0
    } else {
        label_w - 4.0
    };
    let base_y = top + row_h * rows.len() as f64;
    let alt = format!(
        "{} — {}",
        f.figure.label.get(lang),
        CHART_RANKED_ALT.get(lang)
    );
    html! {
        svg.chart.chart-small xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(alt)
            viewBox={ "0 0 " (W) " " (h) } width=(W) height=(h)
            font-family="sans-serif" font-size=(FONT) direction=(lang.dir()) {
            title { (alt) }
            @for (i, r) in rows.iter().enumerate() {
                @let y = top + row_h * i as f64 + row_h / 2.0;
                @let name = labels::domain_value(survey, by, &r.domain_value, sites);
                text x=(label_x) y=(y + 5.0) text-anchor="end" fill=(INK) { (short(name.get(lang), 13)) }
                line x1=(x_of(lo)) y1=(y) x2=(x_of(hi)) y2=(y) stroke="#dee0e2" stroke-width="1" {}
                @if r.ci.0.is_finite() && r.ci.1.is_finite() {
                    line x1=(x_of(r.ci.0)) y1=(y) x2=(x_of(r.ci.1)) y2=(y) stroke=(INK) stroke-width="2" {}
                }
                (dot(x_of(r.estimate.estimate), y, r.flag == Flag::Ok))
            }
            line x1=(x_of(lo)) y1=(base_y) x2=(x_of(hi)) y2=(base_y) stroke=(INK) {}
            @for t in ticks(lo, hi) {
                line x1=(x_of(t)) y1=(base_y) x2=(x_of(t)) y2=(base_y + 4.0) stroke=(INK) {}
                text x=(x_of(t)) y=(base_y + 20.0) text-anchor="middle" fill=(INK) { (tick_label(t, f.figure.percent, lang)) }
            }
            text x=(x_of((lo + hi) / 2.0)) y=(base_y + 40.0) text-anchor="middle" fill=(INK) { (unit_label(f, lang)) }
        }
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn ranked_table(
    f: &FigureResult,
    survey: &Survey,
    by: &str,
    by_label: &str,
    sites: &SiteNames,
    lang: Lang,
    id: &str,
) -> Markup {
    let caption = format!(
        "{} — {} {}",
        f.figure.label.get(lang),
        RANKED_BY.get(lang),
        by_label
    );
    html! {
        div.table-scroll role="region" tabindex="0" aria-labelledby=(id) {
            table.table {
                caption id=(id) { (caption) }
                thead { tr {
                    th scope="col" { (i18n::COL_GROUP.get(lang)) }
                    th scope="col" { (N.get(lang)) }
                    th scope="col" { (i18n::COL_ESTIMATE.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } }
                } }
                tbody {
                    @for r in &f.ranked {
                        tr {
                            th scope="row" { (labels::domain_value(survey, by, &r.domain_value, sites).get(lang)) }
                            (estimate_cells(r, f.figure.percent, lang))
                        }
                    }
                }
            }
        }
        p.body.hint { (RANKED_NOTE.get(lang)) }
    }
}

/// The headline section.
pub fn headline(
    lang: Lang,
    survey: &Survey,
    figures: &[FigureResult],
    by: Option<(&str, &str)>,
    sites: &SiteNames,
    wave: usize,
) -> Markup {
    html! {
        section.results-section aria-labelledby="headline" {
            h2.heading-l id="headline" { (HEADLINE.get(lang)) }
            @if figures.is_empty() {
                p.body { (NO_HEADLINE.get(lang)) }
            } @else {
                p.body.hint { (LEGEND.get(lang)) }
            }
            @for (k, f) in figures.iter().enumerate() {
                @let hid = format!("h-{k}");
                section.figure aria-labelledby=(hid) {
                    h3.heading-m id=(hid) { (f.figure.label.get(lang)) }
                    p.body.hint { (f.figure.measure.get(lang)) }
                    @if f.only_as_now { p.body.version-note { (ONLY_AS_NOW.get(lang)) } }
                    @if visible(&f.current) {
                        p.figure-value {
                            strong { (percent_or_mean(f.current.estimate.estimate, f.figure.percent, lang)) }
                            " "
                            span { "(" (CI.get(lang)) " " (interval_text(&f.current, f.figure.percent, lang)) ")" }
                        }
                        @if f.current.flag == Flag::LowReliability {
                            p.body { (i18n::FLAG_LOW.get(lang)) }
                        }
                    } @else {
                        p.body { (flag_text(&f.current, lang)) }
                    }
                    @match &f.change {
                        Some(c) => (change_text(c, f.figure.percent, lang)),
                        None if wave == 0 => p.body { (NO_CHANGE_YET.get(lang)) },
                        None => p.body { (NO_CHANGE.get(lang)) },
                    }
                    @if f.trend.len() > 1 {
                        h4.heading-s { (TREND.get(lang)) }
                        (trend_chart(f, lang))
                        (trend_table(f, lang, &format!("t-{k}")))
                    }
                    @if let Some((col, label)) = by {
                        @if !f.ranked.is_empty() {
                            h4.heading-s { (RANKED_BY.get(lang)) " " (label) }
                            (ranked_chart(f, survey, col, sites, lang))
                            (ranked_table(f, survey, col, label, sites, lang, &format!("r-{k}")))
                        }
                    }
                }
            }
        }
    }
}

/// The list of questions, each a link to its tables.
pub fn question_list(lang: Lang, survey: &Survey, wave: Option<&str>) -> Markup {
    let suffix = wave
        .map(|w| format!("?wave={}", crate::web::sign_in::query_escape(w)))
        .unwrap_or_default();
    html! {
        section.results-section aria-labelledby="questions" {
            h2.heading-l id="questions" { (QUESTIONS.get(lang)) }
            ol.question-list {
                @for q in survey.questions() {
                    li { a href={ "/results/" (survey.id) "/q/" (q.id) (suffix) } { (q.text.get(lang)) } }
                }
            }
        }
    }
}

fn version_note(lang: Lang, part: &crate::results::report::Part, several: bool) -> Markup {
    html! {
        p.body.version-note {
            @if several { (APART_VERSION.get(lang)) } @else { (POOLED.get(lang)) }
            " "
            @for (i, v) in part.group.versions.iter().enumerate() {
                @if i > 0 { ", " }
                (VERSION.get(lang)) " " bdi dir="ltr" { (v) }
            }
            " "
            @if part.group.current { (CURRENT_WORDING.get(lang)) }
            @if !part.group.known { (UNKNOWN_WORDING.get(lang)) }
            " — " (RESPONSES.get(lang)) ": " (digits(lang, &part.respondents.to_string()))
        }
    }
}

fn line_row(l: &Line, totals: bool, lang: Lang) -> Markup {
    html! {
        tr {
            th scope="row" { (l.label.get(lang)) }
            td.numeric { @match l.count { Some(c) => (digits(lang, &c.to_string())), None => "—" } }
            @match &l.row {
                Some(r) => (estimate_cell(r, true, lang)),
                None => td.numeric { (shown(0.0, true, lang)) },
            }
            @if totals {
                @match &l.total {
                    Some(r) if visible(r) => td.numeric {
                        (people(r.estimate.estimate, lang))
                        @if r.ci.0.is_finite() && r.ci.1.is_finite() {
                            br; span.ci { "(" (people(r.ci.0.max(0.0), lang)) " – " (people(r.ci.1, lang)) ")" }
                        }
                    },
                    Some(r) if r.flag == Flag::Suppressed => td { (HIDDEN_CELL.get(lang)) },
                    _ => td.numeric { "—" },
                }
            }
        }
    }
}

/// An estimated number of people: whole, grouped in thousands, in the page's digits.
fn people(x: f64, lang: Lang) -> String {
    let whole = format!("{:.0}", x.max(0.0));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match lang {
        Lang::Ar => digits(lang, &grouped).replace(',', "٬"),
        Lang::En => grouped,
    }
}

fn item_tables(lang: Lang, item: &Item, id: &str) -> Markup {
    let totals = item.lines.iter().any(|l| l.total.is_some());
    let hidden = item.base.flag == Flag::Suppressed;
    let nobody = item.base.estimate.n == 0;
    html! {
        @if nobody {
            p.body { (NOBODY.get(lang)) }
        } @else if hidden {
            p.body { (HIDDEN.get(lang)) }
        } @else {
            @if item.several { p.body.hint { (SEVERAL.get(lang)) } }
            @if !item.lines.is_empty() {
                div.table-scroll role="region" tabindex="0" aria-labelledby=(id) {
                    table.table {
                        // The question is the heading just above: said to screen readers only.
                        caption.visually-hidden id=(id) { (item.label.get(lang)) }
                        thead { tr {
                            th scope="col" { (ANSWER.get(lang)) }
                            th scope="col" { (COUNT.get(lang)) }
                            th scope="col" { (PERCENT.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } }
                            @if totals { th scope="col" { (PEOPLE.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } } }
                        } }
                        tbody { @for l in &item.lines { (line_row(l, totals, lang)) } }
                        tfoot { tr {
                            th scope="row" { (TOTAL.get(lang)) }
                            td.numeric { (digits(lang, &item.base.estimate.n.to_string())) }
                            td.numeric { @if !item.several { (shown(1.0, true, lang)) } }
                            @if totals { td {} }
                        } }
                    }
                }
            }
            @if !item.summaries.is_empty() {
                div.table-scroll role="region" tabindex="0" aria-labelledby={ (id) "-s" } {
                    table.table {
                        caption id={ (id) "-s" } { (SUMMARY.get(lang)) " — " (item.label.get(lang)) }
                        thead { tr {
                            th scope="col" { (SUMMARY.get(lang)) }
                            th scope="col" { (N.get(lang)) }
                            th scope="col" { (i18n::COL_ESTIMATE.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } }
                        } }
                        tbody {
                            @for (what, r, percent) in &item.summaries {
                                tr {
                                    th scope="row" { (match what {
                                        Summary::TopTwo => TOP_TWO.get(lang),
                                        Summary::Mean => MEAN.get(lang),
                                        Summary::Median => MEDIAN.get(lang),
                                    }) }
                                    (estimate_cells(r, *percent, lang))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !item.apart.is_empty() && !nobody {
            div.table-scroll role="region" tabindex="0" aria-labelledby={ (id) "-ns" } {
                table.table {
                    caption id={ (id) "-ns" } { (APART.get(lang)) }
                    thead { tr {
                        th scope="col" { (ANSWER.get(lang)) }
                        th scope="col" { (COUNT.get(lang)) }
                        th scope="col" { (PERCENT.get(lang)) " " span.ci { "(" (CI.get(lang)) ")" } }
                    } }
                    tbody { @for l in &item.apart { (line_row(l, false, lang)) } }
                }
            }
        }
    }
}

/// A question's page body.
pub fn question(lang: Lang, report: &QuestionReport, heading: &str) -> Markup {
    let several = report.parts.len() > 1;
    html! {
        h2.heading-l { (heading) }
        @if !report.estimable {
            p.body { (NOT_TABULATED.get(lang)) }
        }
        @for (p, part) in report.parts.iter().enumerate() {
            section.results-section {
                @if several || part.group.versions.len() > 1 { (version_note(lang, part, several)) }
                @for (i, item) in part.items.iter().enumerate() {
                    @if part.items.len() > 1 { h3.heading-m { (item.label.get(lang)) } }
                    (item_tables(lang, item, &format!("q-{p}-{i}")))
                }
            }
        }
    }
}

pub struct CrosstabForm<'a> {
    pub questions: &'a [(String, Text)],
    pub question: Option<&'a str>,
    pub domains: &'a [(String, String)],
    pub by: Option<&'a str>,
    pub wave: Option<&'a str>,
}

pub fn crosstab_form(lang: Lang, f: &CrosstabForm) -> Markup {
    html! {
        form.inline-form method="get" {
            @if let Some(w) = f.wave { (components::hidden("wave", w)) }
            div.form-group {
                label.label for="q" { (CROSSTAB_QUESTION.get(lang)) }
                select.select id="q" name="q" {
                    @for (id, t) in f.questions {
                        option value=(id) selected[f.question == Some(id.as_str())] { (short(t.get(lang), 60)) }
                    }
                }
            }
            div.form-group {
                label.label for="by" { (CROSSTAB_BY.get(lang)) }
                select.select id="by" name="by" {
                    @for (id, label) in f.domains {
                        option value=(id) selected[f.by == Some(id.as_str())] { (short(label, 60)) }
                    }
                }
            }
            div.form-group { (components::button(SHOW.get(lang))) }
        }
    }
}

fn cell(r: Option<&Row>, lang: Lang) -> Markup {
    match r {
        Some(r) if visible(r) => html! {
            td.numeric {
                (shown(r.estimate.estimate, true, lang))
                @if r.ci.0.is_finite() && r.ci.1.is_finite() {
                    br; span.ci { "(" (shown(r.ci.0, true, lang)) "–" (shown(r.ci.1, true, lang)) ")" }
                }
            }
        },
        Some(r) if r.flag == Flag::Suppressed => {
            html! { td { abbr title=(i18n::FLAG_SUPPRESSED.get(lang)) { "—" } } }
        }
        _ => html! { td { "—" } },
    }
}

fn p_text(p: f64, lang: Lang) -> String {
    let s = if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("= {p:.3}")
    };
    digits(lang, &s)
}

/// The crosstab: categories down, groups across (the whole sample first), column
/// percentages with intervals, n per column, the test under it and the CSV beside it.
pub fn crosstab(
    lang: Lang,
    survey: &Survey,
    t: &Crosstab,
    by_label: &str,
    sites: &SiteNames,
    csv_href: &str,
) -> Markup {
    let group_label = |g: &str| {
        if t.by == "wave" {
            wave_name(lang, g)
        } else {
            labels::domain_value(survey, &t.by, g, sites)
                .get(lang)
                .to_string()
        }
    };
    let n_of = |g: Option<&str>| {
        t.categories
            .iter()
            .find_map(|(c, _)| t.cell(g, c))
            .map(|r| {
                if publish::n_hidden(r) {
                    "—".to_string()
                } else {
                    digits(lang, &r.estimate.n.to_string())
                }
            })
            .unwrap_or_else(|| "—".into())
    };
    let caption = format!(
        "{} × {}",
        labels::variable(survey, &t.question).get(lang),
        by_label
    );
    html! {
        @if let Some(g) = &t.group {
            p.body.version-note {
                (APART_VERSION.get(lang)) " "
                @for (i, v) in g.versions.iter().enumerate() {
                    @if i > 0 { ", " }
                    bdi dir="ltr" { (v) }
                }
                " " (CURRENT_WORDING.get(lang))
            }
        }
        p.body.hint { (COL_PERCENT_NOTE.get(lang)) }
        div.table-scroll role="region" tabindex="0" aria-labelledby="xt-caption" {
            table.table.crosstab {
                caption id="xt-caption" { (caption) }
                thead {
                    tr {
                        th scope="col" { (ANSWER.get(lang)) }
                        th scope="col" { (ALL.get(lang)) }
                        @for g in &t.groups { th scope="col" { (group_label(g)) } }
                    }
                }
                tbody {
                    @for (code, label) in &t.categories {
                        tr {
                            th scope="row" { (label.get(lang)) }
                            (cell(t.cell(None, code), lang))
                            @for g in &t.groups { (cell(t.cell(Some(g), code), lang)) }
                        }
                    }
                }
                tfoot {
                    tr {
                        th scope="row" { (i18n::COL_N.get(lang)) }
                        td.numeric { (n_of(None)) }
                        @for g in &t.groups { td.numeric { (n_of(Some(g))) } }
                    }
                }
            }
        }
        p.body.hint { (DASH_NOTE.get(lang)) }
        @match &t.test {
            Ok(r) => {
                p.body.test {
                    (TEST.get(lang)) ": "
                    bdi dir="ltr" {
                        "F = " (digits(lang, &format!("{:.2}", r.f)))
                        ", df = " (digits(lang, &format!("{:.2}", r.ndf))) ", " (digits(lang, &format!("{:.1}", r.ddf)))
                        ", p " (p_text(r.p_value, lang))
                    }
                }
            }
            Err(e) => p.body.test { (TEST_NONE.get(lang)) " " (test_failure(e).get(lang)) },
        }
        p.body {
            a href=(csv_href) download { (CSV.get(lang)) }
            " · "
            a href=(csv_href.replacen("crosstab.csv", "crosstab.xlsx", 1)) download { (XLSX.get(lang)) }
        }
    }
}

pub fn back(lang: Lang, survey_id: &str, wave: Option<&str>) -> Markup {
    let suffix = wave
        .map(|w| format!("?wave={}", crate::web::sign_in::query_escape(w)))
        .unwrap_or_default();
    html! { p.body { a href={ "/results/" (survey_id) (suffix) } { (BACK.get(lang)) } } }
}

#[allow(dead_code)]
fn raw(s: &str) -> PreEscaped<String> {
    PreEscaped(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_axis() {
        assert_eq!(ticks(0.0, 1.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(0.0, 100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    }
}
