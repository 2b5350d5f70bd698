//! The methodology note: the disclosure items of AAPOR's code (who sponsored and who conducted
//! the survey, the population, how the sample was drawn or recruited on each channel, modes,
//! field dates, the wording, sample sizes and precision, weighting, limitations), generated
//! from the survey file, the design file and the stored responses, so nothing is typed twice.
//! The page, the workbook's `methodology` sheet and the R script all read this one model.

use super::SurveyDesign;
use super::downloads::{Fieldwork, Weights};
use crate::analysis::Row;
use crate::analysis::design_file::MarginSpec;
use crate::export::stamps::{channel_label, mode_label};
use crate::stats::distributions::normal_quantile;
use crate::survey::{Lang, Survey, Text};

/// A number in Arabic-Indic digits (with the Arabic decimal separator), for Arabic sentences.
fn ar(x: impl std::fmt::Display) -> String {
    x.to_string()
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
            '.' => '٫',
            c => c,
        })
        .collect()
}

fn t(ar: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        ar: ar.into(),
        en: en.into(),
    }
}

/// How one channel's respondents came to answer.
#[derive(Debug, Clone)]
pub struct ChannelSample {
    pub code: String,
    pub label: Text,
    pub n: usize,
    /// `Some(true)`: a probability sample; `Some(false)`: not; `None`: unknown channel.
    pub probability: Option<bool>,
    pub recruitment: Text,
}

/// One wave's field dates (days, `YYYY-MM-DD`) and size.
#[derive(Debug, Clone)]
pub struct WaveDates {
    pub wave: String,
    pub first: String,
    pub last: String,
    pub n: usize,
}

/// Sample size and precision of the chosen wave.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    pub n: usize,
    /// Kish's effective sample size `(Σw)²/Σw²`.
    pub n_eff: f64,
    /// Kish's design effect of weighting `n·Σw²/(Σw)²`.
    pub deff_weighting: f64,
    /// Mean design effect of the whole-sample shares published (clustering and weighting);
    /// `None` when no share is estimated.
    pub deff_shares: Option<f64>,
    pub level: f64,
    /// Margin of error of a 50% proportion, in proportion points, with the weighting effect.
    pub moe: f64,
    /// The same with the mean design effect of the shares.
    pub moe_design: Option<f64>,
}

/// Margin of error of a proportion of 0.5 for `n` respondents and design effect `deff`.
pub fn margin_of_error(n: usize, deff: f64, level: f64) -> f64 {
    let z = normal_quantile(0.5 + level / 2.0);
    z * (deff * 0.25 / n as f64).sqrt()
}

/// The note.
#[derive(Debug, Clone)]
pub struct Note {
    pub survey: String,
    pub title: Text,
    pub sponsor: Text,
    pub conducted_by: Text,
    pub population: Text,
    /// The chosen wave's channels and modes, with counts.
    pub channels: Vec<ChannelSample>,
    pub modes: Vec<(String, Text, usize)>,
    pub waves: Vec<WaveDates>,
    /// The wave the estimates and precision are for.
    pub wave: String,
    /// Responses in the chosen wave.
    pub wave_n: usize,
    pub versions: usize,
    pub questions: usize,
    /// Invitations sent and completed, when a sample was drawn.
    pub invitations: Option<(u64, usize)>,
    pub precision: Option<Precision>,
    pub weighting: Vec<Text>,
    pub limitations: Vec<Text>,
}

/// What is said when the survey file gives no population.
fn default_population() -> Text {
    t(
        "لم يحدّد ملف الاستبيان المجتمع المستهدف؛ النتائج تصف من أجابوا، بعد الترجيح إن وُجد.",
        "The survey file states no target population; the results describe the respondents, weighted where a design file says so.",
    )
}

fn not_stated() -> Text {
    t(
        "لم تُذكر الجهة: يذكرها الخادم حين يُشغَّل بملف المؤسسة (الخيار \u{2066}--organisation\u{2069}).",
        "Not stated (start the server with --organisation).",
    )
}

/// How each channel recruits (the one place this is worded).
pub fn recruitment(channel: &str) -> (Option<bool>, Text) {
    match channel {
        "invitation" => (
            Some(true),
            t(
                "عيّنة احتمالية: وحدات سُحبت عشوائيًا من إطار معاينة (طبقية، وعلى مرحلتين عند الطلب) ودُعيت كل منها برابط لا يُستعمل إلا مرة؛ وزنها الأساسي ١ ÷ احتمال الاختيار (العمود base_weight).",
                "Probability sample: units drawn at random from a sampling frame (stratified, two-stage where asked), each invited by a single-use link; its base weight is 1 / probability of selection (column base_weight).",
            ),
        ),
        "link" => (
            Some(false),
            t(
                "عيّنة غير احتمالية، اختيار ذاتي: من رأى الرابط المشترك أو الملصق (رمز QR) وقرّر أن يجيب.",
                "Non-probability, self-selected: people who saw the shared link or a poster (QR code) and chose to answer.",
            ),
        ),
        "kiosk" => (
            Some(false),
            t(
                "عيّنة غير احتمالية: مراجعو قاعات الخدمة في مراكز الشرطة ممن اختاروا الإجابة على شاشة الخدمة الذاتية.",
                "Non-probability: visitors to police stations' service halls who chose to answer on the self-service screen.",
            ),
        ),
        "interviewer" => (
            Some(false),
            t(
                "عيّنة غير احتمالية: أشخاص قابلهم مقابِلو الشرطة المجتمعية في المناطق المكلّفين بها؛ لا يُسجَّل احتمال اختيار.",
                "Non-probability: people approached by community-police interviewers in their assigned areas; no probability of selection is recorded.",
            ),
        ),
        _ => (
            None,
            t(
                "قناة غير معروفة: طريقة الاختيار غير مسجّلة.",
                "Unknown channel: how these respondents were selected is not recorded.",
            ),
        ),
    }
}

/// What the note is made from.
pub struct Inputs<'a> {
    pub survey: &'a Survey,
    pub design: &'a SurveyDesign,
    pub fieldwork: &'a Fieldwork,
    pub weights: Option<&'a Weights>,
    /// The chosen wave's full-precision estimates (for the shares' design effect).
    pub rows: &'a [Row],
    pub wave: &'a str,
    /// The organisation of `serve --organisation`.
    pub organisation: Option<&'a Text>,
    /// Invitations sent (drawn samples), 0 when none.
    pub invited: u64,
}

/// The note.
pub fn note(i: &Inputs<'_>) -> Note {
    let survey = i.survey;
    let f = i.fieldwork;
    let file = &i.design.file;
    let conducted_by = i.organisation.cloned().unwrap_or_else(not_stated);
    let sponsor = survey
        .sponsor
        .clone()
        .unwrap_or_else(|| conducted_by.clone());
    // Channels and modes of the chosen wave: the sample the estimates are made on.
    let channels = f
        .channel_waves
        .iter()
        .filter(|((_, w), _)| w == i.wave)
        .map(|((code, _), n)| {
            let (probability, recruitment) = recruitment(code);
            ChannelSample {
                code: code.clone(),
                label: channel_label(code).unwrap_or_else(|| t(code.clone(), code.clone())),
                n: *n,
                probability,
                recruitment,
            }
        })
        .collect::<Vec<_>>();
    let modes = f
        .mode_waves
        .iter()
        .filter(|((_, w), _)| w == i.wave)
        .map(|((code, _), n)| {
            (
                code.clone(),
                mode_label(code).unwrap_or_else(|| t(code.clone(), code.clone())),
                *n,
            )
        })
        .collect();
    let mut waves: Vec<WaveDates> = f
        .wave_order()
        .into_iter()
        .filter_map(|w| {
            f.waves.get(&w).map(|s| WaveDates {
                wave: w.clone(),
                first: s.first.clone(),
                last: s.last.clone(),
                n: s.n,
            })
        })
        .collect();
    if let Some(s) = f.waves.get("") {
        waves.push(WaveDates {
            wave: String::new(),
            first: s.first.clone(),
            last: s.last.clone(),
            n: s.n,
        });
    }
    let wave_n = f.waves.get(i.wave).map_or(0, |s| s.n);
    let level = file.output.level;
    let precision = i
        .weights
        .and_then(|w| w.kish.get(i.wave))
        .filter(|k| k.n > 0)
        .map(|k| {
            let shares: Vec<f64> = i
                .rows
                .iter()
                .filter(|r| r.domain.is_empty() && super::publish::is_share(file, &r.variable))
                .map(|r| r.estimate.deff)
                .filter(|d| d.is_finite() && *d > 0.0)
                .collect();
            let deff_shares =
                (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64);
            Precision {
                n: k.n,
                n_eff: k.n_eff,
                deff_weighting: k.deff,
                deff_shares,
                level,
                moe: margin_of_error(k.n, k.deff, level),
                moe_design: deff_shares.map(|d| margin_of_error(k.n, d, level)),
            }
        });
    // Invitations are counted over every wave: a drawn sample is not stored by wave.
    let invitations =
        (i.invited > 0).then(|| (i.invited, f.channels.get("invitation").map_or(0, |s| s.n)));
    Note {
        survey: survey.id.clone(),
        title: survey.title.clone(),
        sponsor,
        conducted_by,
        population: survey.population.clone().unwrap_or_else(default_population),
        limitations: limitations(i, &channels, precision.as_ref()),
        channels,
        modes,
        waves,
        wave: i.wave.to_string(),
        wave_n,
        versions: f.versions.len(),
        questions: survey.questions().count(),
        invitations,
        precision,
        weighting: weighting(i.design),
    }
}

fn margin_text(m: &MarginSpec) -> (String, String) {
    let by = m.by.to_vec().join(" × ");
    let what = match (&m.targets, &m.cells) {
        (Some(p), _) => format!("{}", p.display()),
        (None, Some(cells)) => cells
            .iter()
            .map(|c| {
                let mut parts: Vec<String> =
                    m.by.to_vec()
                        .iter()
                        .map(|b| match c.get(b) {
                            Some(toml::Value::String(s)) => s.clone(),
                            Some(v) => v.to_string(),
                            None => "?".into(),
                        })
                        .collect();
                let total = c.get("total").map(|v| v.to_string()).unwrap_or_default();
                parts.push(total);
                let total = parts.pop().unwrap_or_default();
                format!("{}: {total}", parts.join("/"))
            })
            .collect::<Vec<_>>()
            .join("; "),
        (None, None) => String::new(),
    };
    (by, what)
}

/// The weighting, step by step, as the design file says.
pub fn weighting(design: &SurveyDesign) -> Vec<Text> {
    let f = &design.file;
    let mut out = Vec::new();
    match &design.path {
        None => out.push(t(
            "لا يوجد ملف تصميم: وزن كل مستجيب ١، بلا طبقات ولا عناقيد؛ النتائج غير مرجّحة.",
            "No design file: every respondent weighs 1, no strata, no clusters; the results are unweighted.",
        )),
        Some(p) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(t(
                format!("ملف التصميم: {name}."),
                format!("Design file: {name}."),
            ));
        }
    }
    let d = &f.design;
    out.push(match &d.weights {
        Some(w) => t(
            format!("الأوزان الأساسية من العمود {w}."),
            format!("Base weights from column {w}."),
        ),
        None => t(
            "الأوزان الأساسية: ١ لكل مستجيب.",
            "Base weights: 1 for every respondent.",
        ),
    });
    if let Some(s) = &d.strata {
        out.push(t(
            format!("الطبقات: العمود {s}."),
            format!("Strata: column {s}."),
        ));
    }
    if let Some(c) = &d.cluster {
        out.push(t(
            format!("العناقيد (وحدات المعاينة الأولية): العمود {c}."),
            format!("Clusters (primary sampling units): column {c}."),
        ));
    }
    if d.replicates.is_some() {
        out.push(t(
            "التباين بأوزان تكرار جاكنايف (JKn، حذف وحدة أولية واحدة في كل مرة).",
            "Variance by jackknife replicate weights (JKn, one primary sampling unit left out at a time).",
        ));
    } else {
        out.push(t(
            "التباين بطريقة التخطيط الخطي (سلسلة تايلور) مع العناقيد والطبقات.",
            "Variance by linearisation (Taylor series) over clusters and strata.",
        ));
    }
    if let Some(nr) = &f.nonresponse {
        out.push(t(
            format!(
                "تعديل لعدم الاستجابة داخل كل فئة من فئات «{}»: وزن كل مجيب × عدد المدعوين ÷ عدد المجيبين في فئته.",
                nr.by
            ),
            format!(
                "Nonresponse adjustment within each class of `{}`: each respondent's weight × the number invited ÷ the number who responded in their class.",
                nr.by
            ),
        ));
    }
    match &f.calibration {
        Some(c) => {
            let (ar, en) = match c.method.as_str() {
                "rake" => (
                    "الترجيح بالتكرار التناسبي (raking) على الهوامش",
                    "Raking (iterative proportional fitting) to the margins",
                ),
                _ => (
                    "الترجيح البعدي (post-stratification) على الخلايا",
                    "Post-stratification to the cells",
                ),
            };
            for m in &c.margins {
                let (by, what) = margin_text(m);
                out.push(t(
                    format!("{ar}: {by} — الأهداف {what}."),
                    format!("{en}: {by} — targets {what}."),
                ));
            }
            if f.nonresponse.is_none() {
                out.push(t(
                    "لا تعديل منفصل لعدم الاستجابة: المعايرة على أهداف المجتمع هي التعديل الوحيد لمن لم يُجب.",
                    "No separate nonresponse adjustment: calibration to the population targets is the only adjustment for those who did not answer.",
                ));
            }
        }
        None if f.nonresponse.is_some() => out.push(t(
            "لا معايرة على أهداف المجتمع.",
            "No calibration to population targets.",
        )),
        None => out.push(t(
            "لا معايرة على أهداف المجتمع ولا تعديل لعدم الاستجابة.",
            "No calibration to population targets and no nonresponse adjustment.",
        )),
    }
    if let Some(tr) = &f.trim {
        out.push(t(
            format!(
                "تشذيب الأوزان بين {} و{} ضعف متوسط الوزن.",
                ar(tr.lower),
                ar(tr.upper)
            ),
            format!(
                "Weights trimmed to between {} and {} times the mean weight.",
                tr.lower, tr.upper
            ),
        ));
    }
    for flt in &f.filters {
        let cond = match (&flt.equals, &flt.from, &flt.to) {
            (Some(eq), _, _) => format!("{} = {}", flt.column, eq.to_vec().join(" | ")),
            (None, a, b) => format!(
                "{} {}…{}",
                flt.column,
                a.clone().unwrap_or_default(),
                b.clone().unwrap_or_default()
            ),
        };
        out.push(t(
            format!("تدخل العيّنة الاستجابات التي فيها {cond} فقط."),
            format!("Only responses with {cond} are in the sample."),
        ));
    }
    out.push(t(
        "تُوزن كل جولة على حدة.",
        "Each wave is weighted on its own.",
    ));
    if !f.data.missing.is_empty() {
        let codes = f.data.missing.join(", ");
        out.push(t(
            format!("الإجابات غير الجوهرية ({codes}) تُعدّ مفقودة في التقديرات."),
            format!("Non-substantive answers ({codes}) count as missing in the estimates."),
        ));
    }
    let rules = f.reliability.rules();
    out.push(t(
        format!(
            "تُحجب الخلايا التي فيها أقل من {} مستجيبين (ومعها خلايا تكميلية)؛ وتُعلَّم «بموثوقية منخفضة» حين يقل الحجم الفعّال عن {} أو يزيد الخطأ المعياري النسبي على {}.",
            ar(rules.min_n),
            ar(rules.min_n_eff),
            ar(rules.max_relative_se)
        ),
        format!(
            "Cells with fewer than {} respondents are suppressed (with complementary cells); estimates are marked low reliability when the effective n is under {} or the relative SE over {}.",
            rules.min_n, rules.min_n_eff, rules.max_relative_se
        ),
    ));
    out
}

fn limitations(i: &Inputs<'_>, channels: &[ChannelSample], p: Option<&Precision>) -> Vec<Text> {
    let mut out = Vec::new();
    let total: usize = channels.iter().map(|c| c.n).sum();
    let non_prob: usize = channels
        .iter()
        .filter(|c| c.probability != Some(true))
        .map(|c| c.n)
        .sum();
    if non_prob > 0 {
        out.push(t(
            format!(
                "{} من {} استجابة جاءت من قنوات غير احتمالية: هامش الخطأ يفترض عيّنة احتمالية، فهو لهذه الاستجابات تقريبي فقط، والترجيح لا يصحّح إلا الخصائص التي يعرفها.",
                ar(non_prob),
                ar(total)
            ),
            format!(
                "{non_prob} of {total} responses come from non-probability channels: the margin of error assumes a probability sample, so for them it is only indicative, and weighting corrects only the characteristics it knows."
            ),
        ));
    }
    out.push(t(
        "التغطية: لا يصل الرابط إلا إلى من لديه إنترنت، ولا يصل الكشك إلا إلى مراجعي مراكز الشرطة.",
        "Coverage: links reach only people online, kiosks only people who visit police stations.",
    ));
    if i.fieldwork.versions.len() > 1 {
        out.push(t(
            format!(
                "أُجيب عن {} نسخ من الاستبيان: لا تُجمع إجابات سؤال تغيّرت صياغته بين النسخ.",
                ar(i.fieldwork.versions.len())
            ),
            format!(
                "Responses answered {} versions of the questionnaire: a question whose wording changed is not pooled across them.",
                i.fieldwork.versions.len()
            ),
        ));
    }
    if i.design.path.is_none() {
        out.push(t(
            "النتائج غير مرجّحة: تصف المستجيبين، لا بالضرورة المجتمع.",
            "The results are unweighted: they describe the respondents, not necessarily the population.",
        ));
    }
    if let Some(p) = p {
        if p.n_eff < i.design.file.reliability.rules().min_n_eff {
            out.push(t(
                "الحجم الفعّال للعيّنة صغير: التقديرات غير دقيقة.",
                "The effective sample size is small: the estimates are imprecise.",
            ));
        }
    }
    if let Some(w) = i.weights {
        for (wave, why) in &w.problems {
            out.push(t(
                format!("تعذّر ترجيح الجولة {wave}: {why}"),
                format!("Wave {wave} could not be weighted: {why}"),
            ));
        }
    }
    out
}

/// The note as (item, text) lines in one language: the workbook's sheet and the R script's
/// header say the same as the page.
pub fn lines(note: &Note, lang: Lang) -> Vec<(String, String)> {
    let ar = lang == Lang::Ar;
    let l = |a: &str, e: &str| if ar { a.to_string() } else { e.to_string() };
    let mut out = vec![
        (l("الاستبيان", "Survey"), note.title.get(lang).to_string()),
        (
            l("الجهة الراعية", "Sponsor"),
            note.sponsor.get(lang).to_string(),
        ),
        (
            l("الجهة المنفّذة", "Conducted by"),
            note.conducted_by.get(lang).to_string(),
        ),
        (
            l("المجتمع المستهدف", "Population"),
            note.population.get(lang).to_string(),
        ),
    ];
    for c in &note.channels {
        out.push((
            format!("{}: {}", l("القناة", "Channel"), c.label.get(lang)),
            format!("n = {} — {}", c.n, c.recruitment.get(lang)),
        ));
    }
    if let Some((invited, completed)) = note.invitations {
        out.push((
            l("معدل الاستجابة (AAPOR RR1)", "Response rate (AAPOR RR1)"),
            format!(
                "{completed} / {invited} = {:.1}%",
                100.0 * completed as f64 / invited as f64
            ),
        ));
    }
    for (code, label, n) in &note.modes {
        out.push((
            format!("{}: {}", l("طريقة الإجابة", "Mode"), label.get(lang)),
            format!("{code}: n = {n}"),
        ));
    }
    for w in &note.waves {
        let name = if w.wave.is_empty() {
            l("بلا جولة", "no wave")
        } else {
            w.wave.clone()
        };
        out.push((
            format!("{}: {name}", l("الجولة", "Wave")),
            format!("{} — {}, n = {}", w.first, w.last, w.n),
        ));
    }
    out.push((
        l("جولة التقديرات", "Wave of the estimates"),
        format!("{} (n = {})", note.wave, note.wave_n),
    ));
    if let Some(p) = &note.precision {
        out.push((l("حجم العيّنة", "Sample size"), format!("n = {}", p.n)));
        out.push((
            l("الحجم الفعّال", "Effective sample size"),
            format!("{:.0}", p.n_eff),
        ));
        out.push((
            l("أثر التصميم (الترجيح)", "Design effect (weighting)"),
            format!("{:.2}", p.deff_weighting),
        ));
        out.push((
            l("هامش الخطأ لنسبة 50%", "Margin of error of a 50% share"),
            format!("±{:.1} ({:.0}%)", 100.0 * p.moe, 100.0 * p.level),
        ));
        if let (Some(d), Some(m)) = (p.deff_shares, p.moe_design) {
            out.push((
                l(
                    "متوسط أثر التصميم للنسب",
                    "Mean design effect of the shares",
                ),
                format!("{d:.2} → ±{:.1}", 100.0 * m),
            ));
        }
    }
    for w in &note.weighting {
        out.push((l("الترجيح", "Weighting"), w.get(lang).to_string()));
    }
    for w in &note.limitations {
        out.push((l("حدود", "Limitation"), w.get(lang).to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_of_error_of_a_half_grows_with_the_design_effect() {
        // 1.96 · √(0.25 / 400) = 0.049
        assert!((margin_of_error(400, 1.0, 0.95) - 0.048999099613501).abs() < 1e-12);
        assert!(
            (margin_of_error(400, 2.0, 0.95) - 2f64.sqrt() * margin_of_error(400, 1.0, 0.95)).abs()
                < 1e-12
        );
    }

    #[test]
    fn only_drawn_samples_are_probability_samples() {
        assert_eq!(recruitment("invitation").0, Some(true));
        for c in ["link", "kiosk", "interviewer"] {
            assert_eq!(recruitment(c).0, Some(false), "{c}");
        }
        assert_eq!(recruitment("carrier-pigeon").0, None);
    }
}
