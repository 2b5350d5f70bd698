//! The report decision makers read: one wave at a time, the headline figures with their change
//! since the previous wave, every question's frequency table, and crosstabs with the Rao–Scott
//! test. Glue only: the rows come from the one estimation path ([`estimate_table`]) and are
//! published ([`publish::publish`]: rounding, small cells and complementary suppression) like
//! every other results table; the tests and changes come from [`crate::stats`].
//!
//! - **Waves**: every response carries the wave its survey file declared (metadata `wave`);
//!   a wave is estimated on its own rows (its own design and calibration), and the change
//!   between two waves is the difference of independent samples
//!   ([`crate::stats::independent_difference`]).
//! - **Versions**: every response carries what each question asked in its version (metadata
//!   `content`, [`Survey::content_stamp`]). A question is pooled over the versions whose
//!   fingerprint of it is the same; versions that asked it otherwise (or whose wording is not on
//!   record: responses stored before the stamp) are reported apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures::TryStreamExt;

use super::{SurveyDesign, labels, publish};
use crate::analysis::design_file::{DesignFile, IndexSpec, VariableSpec, build_design};
use crate::analysis::table::{ColumnBuilder, Table};
use crate::analysis::{Row, estimate_table, unanswered_rows};
use crate::db::Db;
use crate::export::ColumnSource;
use crate::stats::{Flag, RaoScott, WaveDifference, independent_difference};
use crate::survey::{Choice, Question, QuestionKind, Survey, Text, read_content_stamp};
use crate::{Error, Result};

/// Suffix of the derived 0/1 column "one of the two highest points" of a Likert answer key.
pub const TOP_TWO: &str = "~top2";
/// Suffix of the derived 0/1 column "answered with a non-substantive code".
pub const NON_SUBSTANTIVE: &str = "~ns";

/// Responses stored before waves were recorded have no wave: they are their own group.
pub const NO_WAVE: &str = "";

/// One fieldwork wave as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    /// The wave declared in the survey file (`""`: not recorded).
    pub id: String,
    /// First and last day a response of the wave was stored (`YYYY-MM-DD`, day precision).
    pub first_day: String,
    pub last_day: String,
    pub responses: usize,
    /// Survey versions its responses were given in.
    pub versions: BTreeSet<String>,
}

/// What one pass over the stored responses tells: the waves in fieldwork order, what each
/// survey version asked, and the sites' Arabic names.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub waves: Vec<Wave>,
    /// Version → question id → fingerprint; empty when the version's wording is not on record.
    pub versions: BTreeMap<String, BTreeMap<String, String>>,
    pub sites: labels::SiteNames,
}

impl Overview {
    /// The wave asked for if it exists, else the latest (by its last fieldwork day).
    pub fn pick(&self, asked: Option<&str>) -> Option<usize> {
        asked
            .and_then(|w| self.waves.iter().position(|x| x.id == w))
            .or_else(|| self.waves.len().checked_sub(1))
    }
}

pub async fn overview(db: &Db, survey: &Survey) -> Result<Overview> {
    let mut waves: BTreeMap<String, Wave> = BTreeMap::new();
    let mut versions: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut sites = labels::SiteNames::new();
    let mut rows = db.answer_columns(&survey.id, &[]);
    while let Some(row) = rows.try_next().await? {
        let id = row.metadata.get("wave").cloned().unwrap_or_default();
        let w = waves.entry(id.clone()).or_insert_with(|| Wave {
            id,
            first_day: row.submitted_on.clone(),
            last_day: row.submitted_on.clone(),
            responses: 0,
            versions: BTreeSet::new(),
        });
        w.responses += 1;
        if row.submitted_on < w.first_day {
            w.first_day = row.submitted_on.clone();
        }
        if row.submitted_on > w.last_day {
            w.last_day = row.submitted_on.clone();
        }
        w.versions.insert(row.survey_version.clone());
        let known = versions.entry(row.survey_version.clone()).or_default();
        if known.is_empty() {
            if let Some(stamp) = row.metadata.get("content") {
                *known = read_content_stamp(stamp);
            }
        }
        if let (Some(site), Some(ar)) = (row.metadata.get("site"), row.metadata.get("site_ar")) {
            if !site.is_empty() && !ar.trim().is_empty() && !sites.contains_key(site) {
                sites.insert(site.clone(), ar.clone());
            }
        }
    }
    // The running version's wording is the file's own.
    versions.insert(
        survey.version.clone(),
        survey
            .questions()
            .map(|q| (q.id.clone(), q.fingerprint()))
            .collect(),
    );
    let mut waves: Vec<Wave> = waves.into_values().collect();
    waves.sort_by(|a, b| {
        (&a.last_day, &a.first_day, &a.id).cmp(&(&b.last_day, &b.first_day, &b.id))
    });
    Ok(Overview {
        waves,
        versions,
        sites,
    })
}

/// Survey versions that asked a question in the same words.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionGroup {
    pub versions: Vec<String>,
    /// Holds the running version.
    pub current: bool,
    /// The wording of these versions is on record (else: reported apart, said so).
    pub known: bool,
}

/// The groups of `versions` (of one wave) that may be pooled for `question`: equal
/// fingerprints together, the running version's group first, each unknown version alone.
pub fn version_groups(
    survey: &Survey,
    overview: &Overview,
    versions: &BTreeSet<String>,
    question: &str,
) -> Vec<VersionGroup> {
    let mut groups: Vec<(Option<String>, VersionGroup)> = Vec::new();
    for v in versions {
        let print = overview
            .versions
            .get(v)
            .and_then(|m| m.get(question))
            .cloned();
        let current = *v == survey.version;
        match groups.iter_mut().find(|(p, _)| p.is_some() && *p == print) {
            Some((_, g)) => {
                g.versions.push(v.clone());
                g.current |= current;
            }
            None => groups.push((
                print.clone(),
                VersionGroup {
                    versions: vec![v.clone()],
                    current,
                    known: print.is_some(),
                },
            )),
        }
    }
    let mut out: Vec<VersionGroup> = groups.into_iter().map(|(_, g)| g).collect();
    out.sort_by_key(|g| !g.current);
    out
}

/// The responses as a table, with the derived columns of the report.
pub struct Data {
    table: Table,
    file: DesignFile,
    source: PathBuf,
    base: PathBuf,
}

/// Every export column an estimate of the report may use (answers, option columns, metadata
/// and stamps; no free text, no response id).
fn report_columns(survey: &Survey, design: &DesignFile) -> Vec<String> {
    let mut names: Vec<String> = design.columns();
    for c in crate::export::columns(survey) {
        let wanted = !matches!(
            c.source,
            ColumnSource::ResponseId | ColumnSource::FreeText(_) | ColumnSource::Source
        );
        if wanted && !names.contains(&c.name) {
            names.push(c.name);
        }
    }
    names
}

/// The highest two substantive points of a scale (by score), "agree / strongly agree".
pub fn top_two(scale: &[Choice]) -> Vec<&Choice> {
    let mut scored: Vec<&Choice> = scale
        .iter()
        .filter(|c| !c.non_substantive && c.score.is_some())
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    scored.truncate(2);
    scored
}

/// The non-substantive codes of a question (its "don't know", "prefer not to say", a
/// rating's extras).
pub fn non_substantive(q: &Question) -> Vec<&Choice> {
    match &q.kind {
        QuestionKind::Rating { extra, .. } => extra.iter().collect(),
        _ => q.choices().iter().filter(|c| c.non_substantive).collect(),
    }
}

/// Reads the responses for the report (the design's own filters applied); `None` without
/// responses.
pub async fn load(db: &Db, survey: &Survey, design: &SurveyDesign) -> Result<Option<Data>> {
    let names = report_columns(survey, &design.file);
    let Some(table) = super::read_columns(db, survey, &names, &design.file.data.missing).await?
    else {
        return Ok(None);
    };
    let (mut table, _) = crate::analysis::filter::apply(table, &design.file.filters)?;
    // Derived 0/1 columns from the raw cells: top two of a Likert, non-substantive answers.
    for q in survey.questions() {
        let top: Vec<String> = match &q.kind {
            QuestionKind::Likert { scale } | QuestionKind::LikertGrid { scale, .. } => {
                top_two(scale).iter().map(|c| c.code.clone()).collect()
            }
            _ => Vec::new(),
        };
        let ns: Vec<String> = non_substantive(q).iter().map(|c| c.code.clone()).collect();
        for key in q.answer_keys() {
            if !table.has_column(key) {
                continue;
            }
            let raw = table.column(key)?.clone();
            let derived = |suffix: &str, hit: &dyn Fn(&str) -> Option<bool>| {
                let mut b = ColumnBuilder::default();
                for i in 0..raw.len() {
                    let cell = raw.get(i).trim();
                    b.push(match (cell.is_empty(), hit(cell)) {
                        (true, _) | (_, None) => "",
                        (_, Some(true)) => "1",
                        (_, Some(false)) => "0",
                    });
                }
                (format!("{key}{suffix}"), b.finish())
            };
            let mut extra = Vec::new();
            if !top.is_empty() {
                extra.push(derived(TOP_TWO, &|c| {
                    (!ns.iter().any(|n| n == c)).then(|| top.iter().any(|t| t == c))
                }));
            }
            if !ns.is_empty() || matches!(q.kind, QuestionKind::Rating { .. }) {
                extra.push(derived(NON_SUBSTANTIVE, &|c| {
                    Some(ns.iter().any(|n| n == c))
                }));
            }
            for (name, col) in extra {
                table.headers.push(name);
                table.columns.push(col);
            }
        }
    }
    Ok(Some(Data {
        table,
        file: design.file.clone(),
        source: design.source(survey),
        base: design.base_dir(survey),
    }))
}

/// Which rows: one wave (or all), some versions (or all).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub wave: Option<&'a str>,
    pub versions: Option<&'a [String]>,
}

impl Data {
    fn subset(&self, scope: Scope<'_>) -> Result<Option<Table>> {
        let raw = |name: &str| -> Result<Vec<String>> {
            let c = self.table.column(name)?;
            Ok((0..c.len()).map(|i| c.get(i).trim().to_string()).collect())
        };
        let mut keep = vec![true; self.table.rows()];
        if let Some(w) = scope.wave {
            for (k, v) in keep.iter_mut().zip(raw("wave")?) {
                *k &= v == w;
            }
        }
        if let Some(vs) = scope.versions {
            for (k, v) in keep.iter_mut().zip(raw("survey_version")?) {
                *k &= vs.contains(&v);
            }
        }
        if !keep.iter().any(|k| *k) {
            return Ok(None);
        }
        self.table.subset(&keep).map(Some)
    }

    /// Rows of the scope.
    pub fn count(&self, scope: Scope<'_>) -> Result<usize> {
        Ok(self.subset(scope)?.map_or(0, |t| t.rows()))
    }

    fn design_file(
        &self,
        variables: Vec<VariableSpec>,
        indices: Vec<IndexSpec>,
        domains: Vec<String>,
    ) -> DesignFile {
        let mut file = self.file.clone();
        file.variables = variables;
        file.indices = indices;
        file.output.domains = domains;
        file.filters.clear();
        file
    }

    /// The rows of these variables on the scope: (as estimated, as published).
    fn estimate(
        &self,
        scope: Scope<'_>,
        variables: Vec<VariableSpec>,
        indices: Vec<IndexSpec>,
        domains: Vec<String>,
    ) -> Result<(Vec<Row>, Vec<Row>)> {
        let file = self.design_file(variables, indices, domains);
        let rows = match self.subset(scope)? {
            Some(t) => estimate_table(&t, &file, &self.source, &self.base)?,
            None => unanswered_rows(&file),
        };
        let published = publish::publish(&rows, &file);
        Ok((rows, published))
    }

    /// Every row of the design's own variables, indices and domains on the scope, published.
    pub fn published(&self, scope: Scope<'_>) -> Result<Vec<Row>> {
        let f = &self.file;
        Ok(self
            .estimate(
                scope,
                f.variables.clone(),
                f.indices.clone(),
                f.output.domains.clone(),
            )?
            .1)
    }

    /// The scope of wave `wave` of the overview (all rows when there is only one wave).
    pub fn wave_scope<'a>(overview: &'a Overview, wave: usize) -> Scope<'a> {
        Scope {
            wave: (overview.waves.len() > 1).then(|| overview.waves[wave].id.as_str()),
            versions: None,
        }
    }

    /// Unweighted count of each raw value of `column` on the scope.
    fn counts(&self, scope: Scope<'_>, column: &str) -> Result<BTreeMap<String, usize>> {
        let mut out = BTreeMap::new();
        if let Some(t) = self.subset(scope)? {
            let c = t.column(column)?;
            for i in 0..c.len() {
                let v = c.get(i).trim();
                if !v.is_empty() {
                    *out.entry(v.to_string()).or_default() += 1;
                }
            }
        }
        Ok(out)
    }
}

fn variable(name: &str, kind: &str, category: Option<&str>) -> VariableSpec {
    VariableSpec {
        name: name.to_string(),
        kind: kind.to_string(),
        interval: None,
        category: category.map(str::to_string),
    }
}

// ------------------------------------------------------------------------------------------
// The headline

/// One headline figure: an index of the design, or a question the survey marks `headline`.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The estimated column (an index, an answer key, or a derived column).
    pub variable: String,
    pub label: Text,
    /// What the number is ("share answering Trust a lot or Trust completely", "mean, 0–10").
    pub measure: Text,
    pub percent: bool,
    /// The value axis of its charts: its scale's ends (shares: 0–1).
    pub axis: (f64, f64),
    spec: Spec,
}

#[derive(Debug, Clone)]
enum Spec {
    Index(IndexSpec),
    Variable(VariableSpec),
}

fn join_labels(choices: &[&Choice], lang_ar: bool) -> String {
    let sep = if lang_ar { " أو " } else { " or " };
    choices
        .iter()
        .map(|c| {
            if lang_ar {
                c.label.ar.clone()
            } else {
                c.label.en.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// The design's indices, then the questions marked `headline` in questionnaire order: a
/// Likert item (or each grid row) as its top-two share, a single choice as the share of its
/// first option, a rating or a number as its mean.
pub fn headline_figures(survey: &Survey, file: &DesignFile) -> Vec<Figure> {
    let mut out = Vec::new();
    for idx in &file.indices {
        out.push(Figure {
            variable: idx.name.clone(),
            label: labels::variable(survey, &idx.name),
            measure: Text {
                ar: "مؤشر من ٠ إلى ١٠٠".into(),
                en: "index, 0 to 100".into(),
            },
            percent: false,
            axis: (0.0, 100.0),
            spec: Spec::Index(idx.clone()),
        });
    }
    for q in survey.questions().filter(|q| q.headline) {
        match &q.kind {
            QuestionKind::Likert { scale } | QuestionKind::LikertGrid { scale, .. } => {
                let top = top_two(scale);
                if top.is_empty() {
                    continue;
                }
                for key in q.answer_keys() {
                    out.push(Figure {
                        variable: format!("{key}{TOP_TWO}"),
                        label: labels::variable(survey, key),
                        measure: Text {
                            ar: format!("نسبة من أجابوا «{}»", join_labels(&top, true)),
                            en: format!("share answering “{}”", join_labels(&top, false)),
                        },
                        percent: true,
                        axis: (0.0, 1.0),
                        spec: Spec::Variable(variable(
                            &format!("{key}{TOP_TWO}"),
                            "proportion",
                            None,
                        )),
                    });
                }
            }
            QuestionKind::SingleChoice { options, .. } => {
                let Some(first) = options.iter().find(|c| !c.non_substantive) else {
                    continue;
                };
                out.push(Figure {
                    variable: q.id.clone(),
                    label: q.text.clone(),
                    measure: Text {
                        ar: format!("نسبة من أجابوا «{}»", first.label.ar),
                        en: format!("share answering “{}”", first.label.en),
                    },
                    percent: true,
                    axis: (0.0, 1.0),
                    spec: Spec::Variable(variable(&q.id, "proportion", Some(&first.code))),
                });
            }
            QuestionKind::Rating { min, max, .. } => out.push(Figure {
                variable: q.id.clone(),
                label: q.text.clone(),
                measure: Text {
                    ar: format!("المتوسط على مقياس من {min} إلى {max}"),
                    en: format!("mean, on a scale of {min} to {max}"),
                },
                percent: false,
                axis: (*min as f64, *max as f64),
                spec: Spec::Variable(variable(&q.id, "mean", None)),
            }),
            QuestionKind::Number { min, max, .. } => out.push(Figure {
                variable: q.id.clone(),
                label: q.text.clone(),
                measure: Text {
                    ar: "المتوسط".into(),
                    en: "mean".into(),
                },
                percent: false,
                axis: (min.unwrap_or(0.0), max.unwrap_or(f64::NAN)),
                spec: Spec::Variable(variable(&q.id, "mean", None)),
            }),
            _ => {}
        }
    }
    out
}

/// The change from the previous wave, as published (rounded like its figure).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub from_wave: String,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub excludes_zero: bool,
}

/// A headline figure on the chosen wave: its published row, one published row per wave
/// (fieldwork order), the change since the previous wave, and the breakdown's rows ranked.
#[derive(Debug, Clone)]
pub struct FigureResult {
    pub figure: Figure,
    pub current: Row,
    pub trend: Vec<(String, Row)>,
    pub change: Option<Change>,
    /// Published rows of the breakdown, highest estimate first, hidden ones last.
    pub ranked: Vec<Row>,
    /// Some versions of the chosen wave asked it otherwise: only those that asked it as the
    /// running version does are counted.
    pub only_as_now: bool,
}

fn split(figures: &[Figure]) -> (Vec<VariableSpec>, Vec<IndexSpec>) {
    let mut vars = Vec::new();
    let mut idx = Vec::new();
    for f in figures {
        match &f.spec {
            Spec::Index(i) => idx.push(i.clone()),
            Spec::Variable(v) => vars.push(v.clone()),
        }
    }
    (vars, idx)
}

fn whole<'a>(rows: &'a [Row], variable: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.variable == variable && r.domain.is_empty())
}

fn shown(r: &Row) -> bool {
    r.flag != Flag::Suppressed && r.estimate.estimate.is_finite()
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    if r == 0.0 { 0.0 } else { r }
}

/// The change between two waves' rows, when both are published with a standard error.
pub fn change(earlier: &Row, later: &Row, level: f64) -> Result<Option<WaveDifference>> {
    let usable = |r: &Row| shown(r) && r.estimate.se.is_finite() && r.estimate.df > 0.0;
    if !usable(earlier) || !usable(later) {
        return Ok(None);
    }
    independent_difference(&earlier.estimate, &later.estimate, level).map(Some)
}

/// The questions a figure is computed from.
fn figure_questions(survey: &Survey, f: &Figure) -> Vec<String> {
    let keys: Vec<String> = match &f.spec {
        Spec::Index(i) => i.items.clone(),
        Spec::Variable(v) => vec![v.name.trim_end_matches(TOP_TWO).to_string()],
    };
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        if let Some(q) = survey.question_of(&k) {
            if !out.contains(&q.id) {
                out.push(q.id.clone());
            }
        }
    }
    out
}

/// Whether `version` asked every question of `questions` as the running version does.
fn asked_as_now(survey: &Survey, overview: &Overview, version: &str, questions: &[String]) -> bool {
    let now = overview.versions.get(&survey.version);
    let then = overview.versions.get(version);
    questions.iter().all(|q| {
        let a = then.and_then(|m| m.get(q));
        a.is_some() && a == now.and_then(|m| m.get(q))
    })
}

/// The figures' rows on one wave (by `domains`): one estimation for the figures whose
/// questions every version of the wave asked alike, and for each other figure one on the
/// versions that asked it as now (never pooled with another wording). Also the variables so
/// restricted.
fn wave_rows(
    survey: &Survey,
    data: &Data,
    overview: &Overview,
    w: &Wave,
    figures: &[Figure],
    domains: &[String],
) -> Result<(Vec<Row>, Vec<Row>, Vec<String>)> {
    let wave = (overview.waves.len() > 1).then_some(w.id.as_str());
    let mut pooled: Vec<Figure> = Vec::new();
    let mut apart: Vec<(Figure, Vec<String>)> = Vec::new();
    for f in figures {
        let qs = figure_questions(survey, f);
        let alike: Vec<String> = w
            .versions
            .iter()
            .filter(|v| asked_as_now(survey, overview, v, &qs))
            .cloned()
            .collect();
        if alike.len() == w.versions.len() {
            pooled.push(f.clone());
        } else {
            apart.push((f.clone(), alike));
        }
    }
    let (mut raw, mut published) = (Vec::new(), Vec::new());
    if !pooled.is_empty() {
        let (vars, idx) = split(&pooled);
        let scope = Scope {
            wave,
            versions: None,
        };
        let (r, p) = data.estimate(scope, vars, idx, domains.to_vec())?;
        raw.extend(r);
        published.extend(p);
    }
    let mut restricted = Vec::new();
    for (f, versions) in apart {
        restricted.push(f.variable.clone());
        let (vars, idx) = split(std::slice::from_ref(&f));
        // No version asked it as now: an empty scope gives the rows of no answers.
        let none = [String::new()];
        let scope = Scope {
            wave,
            versions: Some(if versions.is_empty() {
                &none
            } else {
                &versions
            }),
        };
        let (r, p) = data.estimate(scope, vars, idx, domains.to_vec())?;
        raw.extend(r);
        published.extend(p);
    }
    Ok((raw, published, restricted))
}

/// Every headline figure on wave `wave` of the overview, broken down by `by`.
pub fn headline(
    survey: &Survey,
    data: &Data,
    overview: &Overview,
    wave: usize,
    by: Option<&str>,
) -> Result<Vec<FigureResult>> {
    let figures = headline_figures(survey, &data.file);
    if figures.is_empty() {
        return Ok(Vec::new());
    }
    let level = data.file.output.level;
    // Per wave: as estimated (for the change) and as published (for the page).
    let mut per_wave: Vec<(Vec<Row>, Vec<Row>)> = Vec::new();
    let mut restricted: Vec<String> = Vec::new();
    for (i, w) in overview.waves.iter().enumerate() {
        let (raw, published, r) = wave_rows(survey, data, overview, w, &figures, &[])?;
        if i == wave {
            restricted = r;
        }
        per_wave.push((raw, published));
    }
    let by_rows = match by {
        Some(col) => {
            wave_rows(
                survey,
                data,
                overview,
                &overview.waves[wave],
                &figures,
                &[col.to_string()],
            )?
            .1
        }
        None => Vec::new(),
    };
    let decimals = |f: &Figure| if f.percent { 3 } else { 2 };
    let mut out = Vec::new();
    for f in figures {
        let Some(current) = whole(&per_wave[wave].1, &f.variable).cloned() else {
            continue;
        };
        let trend = overview
            .waves
            .iter()
            .zip(&per_wave)
            .filter_map(|(w, (_, p))| whole(p, &f.variable).map(|r| (w.id.clone(), r.clone())))
            .collect();
        let mut change_row = None;
        if wave > 0 {
            let (raw_now, pub_now) = (&per_wave[wave].0, &per_wave[wave].1);
            let (raw_then, pub_then) = (&per_wave[wave - 1].0, &per_wave[wave - 1].1);
            if let (Some(a), Some(b), Some(pa), Some(pb)) = (
                whole(raw_then, &f.variable),
                whole(raw_now, &f.variable),
                whole(pub_then, &f.variable),
                whole(pub_now, &f.variable),
            ) {
                // Only between published figures: a hidden one is not worked back out.
                if shown(pa) && shown(pb) {
                    if let Some(d) = change(a, b, level)? {
                        let k = decimals(&f);
                        change_row = Some(Change {
                            from_wave: overview.waves[wave - 1].id.clone(),
                            estimate: round(d.estimate, k),
                            ci_low: round(d.ci_low, k),
                            ci_high: round(d.ci_high, k),
                            excludes_zero: d.excludes_zero,
                        });
                    }
                }
            }
        }
        let mut ranked: Vec<Row> = by_rows
            .iter()
            .filter(|r| r.variable == f.variable && !r.domain.is_empty())
            .cloned()
            .collect();
        ranked.sort_by(|a, b| {
            let key = |r: &Row| {
                if shown(r) {
                    -r.estimate.estimate
                } else {
                    f64::INFINITY
                }
            };
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        out.push(FigureResult {
            only_as_now: restricted.contains(&f.variable),
            figure: f,
            current,
            trend,
            change: change_row,
            ranked,
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Every question

/// One line of a frequency table.
#[derive(Debug, Clone)]
pub struct Line {
    pub code: String,
    pub label: Text,
    /// Unweighted count (`None`: hidden with its row).
    pub count: Option<usize>,
    /// The published share (`None`: nobody chose it).
    pub row: Option<Row>,
    /// The estimated number of people who gave it (Σ w), when the weights stand for a
    /// population (a weight column or calibration); `None` otherwise.
    pub total: Option<Row>,
}

/// A summary under a frequency table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Summary {
    TopTwo,
    Mean,
    Median,
}

/// One answer key's tables (a question, or one row of a Likert grid).
#[derive(Debug, Clone)]
pub struct Item {
    pub key: String,
    pub label: Text,
    /// Substantive answers, in questionnaire order, shares among them.
    pub lines: Vec<Line>,
    /// Non-substantive answers, shares among everyone who answered.
    pub apart: Vec<Line>,
    /// Top two, mean, median: (what, published row, shown as a percentage).
    pub summaries: Vec<(Summary, Row, bool)>,
    /// Respondents who answered (substantively), as published.
    pub base: Row,
    /// Multiple choice: shares of respondents, not of answers (they add up to more).
    pub several: bool,
}

/// One group of versions of a question, and its tables.
#[derive(Debug, Clone)]
pub struct Part {
    pub group: VersionGroup,
    pub respondents: usize,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct QuestionReport {
    pub id: String,
    /// Several parts: versions that asked it otherwise, reported apart.
    pub parts: Vec<Part>,
    /// Free text and dates have no frequency table.
    pub estimable: bool,
}

/// Whether a question has a frequency table on the report.
pub fn estimable(q: &Question) -> bool {
    !matches!(
        q.kind,
        QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } | QuestionKind::Date { .. }
    )
}

/// The tables of question `id` on wave `wave`.
pub fn question(
    survey: &Survey,
    data: &Data,
    overview: &Overview,
    wave: usize,
    id: &str,
) -> Result<QuestionReport> {
    let q = survey.question(id).ok_or(Error::NotFound)?;
    let w = &overview.waves[wave];
    let mut parts = Vec::new();
    if estimable(q) {
        for group in version_groups(survey, overview, &w.versions, id) {
            let scope = Scope {
                wave: (overview.waves.len() > 1).then_some(w.id.as_str()),
                versions: (w.versions.len() > 1).then_some(group.versions.as_slice()),
            };
            let respondents = data.count(scope)?;
            let mut items = Vec::new();
            for key in q.answer_keys() {
                items.push(item(survey, data, scope, q, key)?);
            }
            parts.push(Part {
                group,
                respondents,
                items,
            });
        }
    }
    Ok(QuestionReport {
        id: id.to_string(),
        parts,
        estimable: estimable(q),
    })
}

fn item(survey: &Survey, data: &Data, scope: Scope<'_>, q: &Question, key: &str) -> Result<Item> {
    let label = match q.grid_item(key) {
        Some(i) => i.text.clone(),
        None => q.text.clone(),
    };
    let ns_codes: Vec<&Choice> = non_substantive(q);
    let level_min_n = data.file.reliability.rules().min_n;
    let _ = level_min_n;
    let mut vars: Vec<VariableSpec> = Vec::new();
    let several = matches!(q.kind, QuestionKind::MultipleChoice { .. });
    // The substantive distribution.
    let choices: Vec<(String, Text)> = match &q.kind {
        QuestionKind::Rating { min, max, .. } => (*min..=*max)
            .map(|v| {
                let s = v.to_string();
                (
                    s.clone(),
                    Text {
                        ar: s.clone(),
                        en: s,
                    },
                )
            })
            .collect(),
        QuestionKind::Number { .. } => Vec::new(),
        _ => q
            .choices()
            .iter()
            .filter(|c| !c.non_substantive)
            .map(|c| (c.code.clone(), c.label.clone()))
            .collect(),
    };
    let option_col = |code: &str| format!("{key}{}{code}", crate::export::OPTION_SEPARATOR);
    if several {
        for (code, _) in &choices {
            vars.push(variable(&option_col(code), "proportion", None));
        }
    } else if !choices.is_empty() {
        vars.push(variable(key, "categorical", None));
    }
    let has_ns = data.table.has_column(&format!("{key}{NON_SUBSTANTIVE}"));
    if has_ns {
        vars.push(variable(
            &format!("{key}{NON_SUBSTANTIVE}"),
            "proportion",
            None,
        ));
    }
    let has_top = data.table.has_column(&format!("{key}{TOP_TWO}"));
    if has_top {
        vars.push(variable(&format!("{key}{TOP_TWO}"), "proportion", None));
    }
    let numeric = match &q.kind {
        QuestionKind::Rating { .. } | QuestionKind::Number { .. } => true,
        QuestionKind::Likert { scale } | QuestionKind::LikertGrid { scale, .. } => scale
            .iter()
            .filter(|c| !c.non_substantive)
            .all(|c| c.code.trim().parse::<f64>().ok() == c.score && c.score.is_some()),
        _ => false,
    };
    if numeric {
        vars.push(variable(key, "mean", None));
    }
    // A mean and a categorical of the same column: two estimations (one name, one kind each).
    let (cat_vars, other_vars): (Vec<VariableSpec>, Vec<VariableSpec>) =
        vars.into_iter().partition(|v| v.kind != "mean");
    let (_, cat_rows) = if cat_vars.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        data.estimate(scope, cat_vars, Vec::new(), Vec::new())?
    };
    let (_, mean_rows) = if other_vars.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        data.estimate(scope, other_vars, Vec::new(), Vec::new())?
    };
    let counts = if several {
        let mut m = BTreeMap::new();
        for (code, _) in &choices {
            let c = data.counts(scope, &option_col(code))?;
            m.insert(code.clone(), c.get("1").copied().unwrap_or(0));
        }
        m
    } else {
        data.counts(scope, key)?
    };
    // Estimated numbers of people: meaningful only when the weights add up to a population.
    let weighted = data.file.design.weights.is_some() || data.file.calibration.is_some();
    let total_vars: Vec<VariableSpec> = if weighted {
        choices
            .iter()
            .map(|(code, _)| {
                if several {
                    variable(&option_col(code), "total", None)
                } else {
                    variable(key, "total", Some(code))
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let (_, total_rows) = if total_vars.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        data.estimate(scope, total_vars, Vec::new(), Vec::new())?
    };
    let find_total = |code: &str| {
        total_rows
            .iter()
            .find(|r| {
                r.domain.is_empty()
                    && if several {
                        r.variable == option_col(code)
                    } else {
                        r.variable == key && r.category == code
                    }
            })
            .cloned()
    };
    let find = |var: &str, category: &str| {
        cat_rows
            .iter()
            .find(|r| r.variable == var && r.category == category && r.domain.is_empty())
            .cloned()
    };
    let hidden = |r: &Option<Row>| r.as_ref().is_some_and(publish::n_hidden);
    let mut lines = Vec::new();
    for (code, text) in &choices {
        let row = if several {
            find(&option_col(code), "")
        } else {
            find(key, code)
        };
        let count = counts.get(code).copied().unwrap_or(0);
        lines.push(Line {
            code: code.clone(),
            label: text.clone(),
            count: (!hidden(&row)).then_some(count),
            row: if several || count > 0 { row } else { None },
            total: find_total(code),
        });
    }
    // The base: respondents with a substantive answer.
    let base = if several {
        lines.iter().find_map(|l| l.row.clone())
    } else {
        cat_rows
            .iter()
            .find(|r| r.variable == key && r.domain.is_empty())
            .cloned()
    }
    .or_else(|| mean_rows.iter().find(|r| r.variable == key).cloned())
    .unwrap_or_else(|| {
        unanswered_rows(&data.design_file(vec![variable(key, "mean", None)], vec![], vec![]))
            .remove(0)
    });
    let ns_row = find(&format!("{key}{NON_SUBSTANTIVE}"), "");
    let mut apart = Vec::new();
    for c in &ns_codes {
        let count = counts.get(&c.code).copied().unwrap_or(0);
        // Each non-substantive code's share among all who answered: with one such code it is
        // the derived column's share; with several, each is said with its count only.
        let row = if ns_codes.len() == 1 {
            ns_row.clone()
        } else {
            None
        };
        apart.push(Line {
            code: c.code.clone(),
            label: c.label.clone(),
            count: (!hidden(&ns_row)).then_some(count),
            row: if count > 0 { row } else { None },
            total: None,
        });
    }
    let mut summaries = Vec::new();
    if let Some(r) = find(&format!("{key}{TOP_TWO}"), "") {
        summaries.push((Summary::TopTwo, r, true));
    }
    if let Some(r) = mean_rows
        .iter()
        .find(|r| r.variable == key && r.domain.is_empty())
    {
        summaries.push((Summary::Mean, r.clone(), false));
    }
    if numeric
        && !matches!(
            q.kind,
            QuestionKind::Likert { .. } | QuestionKind::LikertGrid { .. }
        )
    {
        if let Some(r) = median(data, scope, key)? {
            summaries.push((Summary::Median, r, false));
        }
    }
    let _ = survey;
    Ok(Item {
        key: key.to_string(),
        label,
        lines,
        apart,
        summaries,
        base,
        several,
    })
}

/// The weighted median of a numeric column with its Woodruff interval, as a published row
/// (hidden like a mean of as many respondents would be).
fn median(data: &Data, scope: Scope<'_>, key: &str) -> Result<Option<Row>> {
    let Some(t) = data.subset(scope)? else {
        return Ok(None);
    };
    let file = data.design_file(vec![variable(key, "mean", None)], Vec::new(), Vec::new());
    let design = build_design(&t, &file, &data.source, &data.base)?;
    let x = t.numeric(key)?;
    let n = x.iter().filter(|v| !v.is_nan()).count();
    if n == 0 {
        return Ok(None);
    }
    let q = match design.quantile(&x, 0.5, file.output.level) {
        Ok(q) => q,
        Err(_) => return Ok(None),
    };
    let mut est = whole(&estimate_table(&t, &file, &data.source, &data.base)?, key)
        .map(|r| r.estimate.clone())
        .ok_or_else(|| Error::Other("median: no mean row".into()))?;
    est.estimate = q.estimate;
    est.se = q.se;
    est.df = q.df;
    let rules = file.reliability.rules();
    let row = Row {
        variable: key.to_string(),
        category: String::new(),
        domain: String::new(),
        domain_value: String::new(),
        flag: rules.flag(&est),
        status: None,
        estimate: est,
        ci: (q.ci_low, q.ci_high),
    };
    Ok(publish::publish(&[row], &file).pop())
}

// ------------------------------------------------------------------------------------------
// Crosstabs

/// A question by a breakdown: column percentages (shares of each category within each group)
/// with intervals, and the Rao–Scott test.
#[derive(Debug, Clone)]
pub struct Crosstab {
    pub question: String,
    pub by: String,
    /// Categories in questionnaire order (code, label).
    pub categories: Vec<(String, Text)>,
    /// Groups in the order of their values (code).
    pub groups: Vec<String>,
    /// Published rows: the whole sample's (domain empty) and each group's, per category.
    pub rows: Vec<Row>,
    pub test: std::result::Result<RaoScott, String>,
    /// The versions pooled (the running version's group), when the question changed.
    pub group: Option<VersionGroup>,
}

impl Crosstab {
    pub fn cell(&self, group: Option<&str>, category: &str) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.category == category
                && match group {
                    None => r.domain.is_empty(),
                    Some(g) => !r.domain.is_empty() && r.domain_value == g,
                }
        })
    }
}

/// Questions a crosstab can take: single choice and Likert (grid rows too), by answer key.
pub fn crosstab_keys(survey: &Survey) -> Vec<(String, Text)> {
    let mut out = Vec::new();
    for q in survey.questions() {
        if matches!(
            q.kind,
            QuestionKind::SingleChoice { .. }
                | QuestionKind::Likert { .. }
                | QuestionKind::LikertGrid { .. }
        ) {
            for key in q.answer_keys() {
                out.push((key.to_string(), labels::variable(survey, key)));
            }
        }
    }
    out
}

/// `key` by `by` on wave `wave` (all waves when `by` is the wave).
pub fn crosstab(
    survey: &Survey,
    data: &Data,
    overview: &Overview,
    wave: usize,
    key: &str,
    by: &str,
) -> Result<Crosstab> {
    let q = survey.question_of(key).ok_or(Error::NotFound)?;
    let across_waves = by == "wave";
    let w = &overview.waves[wave];
    let versions: BTreeSet<String> = if across_waves {
        overview
            .waves
            .iter()
            .flat_map(|w| w.versions.iter().cloned())
            .collect()
    } else {
        w.versions.clone()
    };
    let groups = version_groups(survey, overview, &versions, &q.id);
    let pooled = groups.first().cloned();
    let scope = Scope {
        wave: (!across_waves && overview.waves.len() > 1).then_some(w.id.as_str()),
        versions: (groups.len() > 1)
            .then(|| pooled.as_ref().map(|g| g.versions.as_slice()))
            .flatten(),
    };
    let (_, rows) = data.estimate(
        scope,
        vec![variable(key, "categorical", None)],
        Vec::new(),
        vec![by.to_string()],
    )?;
    let categories = q
        .choices()
        .iter()
        .filter(|c| !c.non_substantive)
        .map(|c| (c.code.clone(), c.label.clone()))
        .collect();
    let mut group_codes: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| !r.domain.is_empty()) {
        if !group_codes.contains(&r.domain_value) {
            group_codes.push(r.domain_value.clone());
        }
    }
    if across_waves {
        group_codes.sort_by_key(|g| overview.waves.iter().position(|w| w.id == *g));
    }
    let test = match data.subset(scope)? {
        None => Err("no answers".to_string()),
        Some(t) => rao_scott(data, &t, key, by).map_err(|e| e.to_string()),
    };
    Ok(Crosstab {
        question: key.to_string(),
        by: by.to_string(),
        categories,
        groups: group_codes,
        rows,
        test,
        group: (groups.len() > 1).then_some(pooled).flatten(),
    })
}

fn rao_scott(data: &Data, t: &Table, key: &str, by: &str) -> Result<RaoScott> {
    let file = data.design_file(
        vec![variable(key, "categorical", None)],
        Vec::new(),
        Vec::new(),
    );
    let design = build_design(t, &file, &data.source, &data.base)?;
    let (rows, row_labels) = t.codes(key)?;
    let (cols, col_labels) = t.codes(by)?;
    design.rao_scott(&rows, row_labels.len(), &cols, col_labels.len())
}

/// The crosstab as a CSV (UTF-8 with BOM), long: one line per group and category, labels in
/// both languages (spreadsheet-safe as the export's cells), the published numbers, and the
/// Rao–Scott test repeated on every line.
pub fn crosstab_csv(survey: &Survey, t: &Crosstab, sites: &labels::SiteNames) -> Result<Vec<u8>> {
    use crate::export::spreadsheet_safe as safe;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "variable",
            "category",
            "category_ar",
            "category_en",
            "domain",
            "domain_value",
            "domain_value_ar",
            "domain_value_en",
            "n",
            "percent",
            "ci_low",
            "ci_high",
            "flag",
            "rao_scott_f",
            "ndf",
            "ddf",
            "p_value",
        ])?;
        let num = |x: f64, hide: bool| {
            if hide || !x.is_finite() {
                String::new()
            } else {
                format!("{}", round(100.0 * x, 1))
            }
        };
        let (f, ndf, ddf, p) = match &t.test {
            Ok(r) => (
                format!("{}", round(r.f, 3)),
                format!("{}", round(r.ndf, 2)),
                format!("{}", round(r.ddf, 2)),
                format!("{}", round(r.p_value, 4)),
            ),
            Err(_) => Default::default(),
        };
        let groups: Vec<Option<&String>> = std::iter::once(None)
            .chain(t.groups.iter().map(Some))
            .collect();
        for g in groups {
            for (code, label) in &t.categories {
                let Some(r) = t.cell(g.map(String::as_str), code) else {
                    continue;
                };
                let hide = r.flag == Flag::Suppressed;
                let value = g.map(|g| labels::domain_value(survey, &t.by, g, sites));
                w.write_record([
                    t.question.clone(),
                    code.clone(),
                    safe(label.ar.clone()),
                    safe(label.en.clone()),
                    if g.is_some() {
                        t.by.clone()
                    } else {
                        String::new()
                    },
                    safe(g.cloned().unwrap_or_default()),
                    safe(value.as_ref().map(|v| v.ar.clone()).unwrap_or_default()),
                    safe(value.as_ref().map(|v| v.en.clone()).unwrap_or_default()),
                    if publish::n_hidden(r) {
                        String::new()
                    } else {
                        r.estimate.n.to_string()
                    },
                    num(r.estimate.estimate, hide),
                    num(r.ci.0, hide),
                    num(r.ci.1, hide),
                    r.flag.as_str().to_string(),
                    f.clone(),
                    ndf.clone(),
                    ddf.clone(),
                    p.clone(),
                ])?;
            }
        }
        w.flush()
            .map_err(|e| Error::Other(format!("writing CSV: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        crate::survey::parse_str(
            &std::fs::read_to_string("surveys/citizen-security.toml").unwrap(),
            std::path::Path::new("surveys/citizen-security.toml"),
        )
        .unwrap_or_else(|r| panic!("{r}"))
    }

    #[test]
    fn versions_pool_only_where_the_question_is_the_same() {
        let s = survey();
        let mut o = Overview::default();
        let now: BTreeMap<String, String> = s
            .questions()
            .map(|q| (q.id.clone(), q.fingerprint()))
            .collect();
        let mut old = now.clone();
        old.insert("trust_police".into(), "0000beef".into());
        o.versions.insert(s.version.clone(), now);
        o.versions.insert("old".into(), old);
        o.versions.insert("unknown".into(), BTreeMap::new());
        let all: BTreeSet<String> = [s.version.clone(), "old".into(), "unknown".into()].into();
        let g = version_groups(&s, &o, &all, "contact");
        assert_eq!(g.len(), 2, "{g:?}");
        assert!(g[0].current && g[0].known);
        assert_eq!(g[0].versions.len(), 2, "same wording: pooled");
        assert!(
            !g[1].known,
            "a version without its wording on record is apart"
        );
        let g = version_groups(&s, &o, &all, "trust_police");
        assert_eq!(g.len(), 3, "changed wording: apart");
        assert!(g[0].current && g[0].versions == [s.version.clone()]);
    }

    #[test]
    fn top_two_are_the_highest_scored_substantive_points() {
        let s = survey();
        let q = s.question("trust_police").unwrap();
        let codes: Vec<&str> = top_two(q.choices())
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(codes, ["5", "4"]);
    }
}

/// The crosstab as a one-sheet workbook: the same lines as [`crosstab_csv`] (one place for
/// what a crosstab download holds), numbers as numbers, the sheet right to left in Arabic.
pub fn crosstab_xlsx(
    survey: &Survey,
    t: &Crosstab,
    sites: &labels::SiteNames,
    lang: crate::survey::Lang,
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    const NUMBERS: [&str; 8] = [
        "n",
        "percent",
        "ci_low",
        "ci_high",
        "rao_scott_f",
        "ndf",
        "ddf",
        "p_value",
    ];
    let csv_bytes = crosstab_csv(survey, t, sites)?;
    let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
    let headers = reader.headers()?.clone();
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Other(format!("writing the crosstab: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("crosstab").map_err(xlsx)?;
    sheet.set_right_to_left(lang == crate::survey::Lang::Ar);
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(xlsx)?;
    }
    for (r, record) in reader.records().enumerate() {
        let record = record?;
        let row = r as u32 + 1;
        for (c, cell) in record.iter().enumerate() {
            let col = c as u16;
            match cell.parse::<f64>() {
                Ok(x) if NUMBERS.contains(&&headers[c]) => sheet.write_number(row, col, x),
                _ => sheet.write_string(row, col, cell),
            }
            .map_err(xlsx)?;
        }
    }
    book.save_to_buffer().map_err(xlsx)
}
