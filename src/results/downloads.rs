//! The data behind the downloads and the methodology note, read once per request: every
//! stored response with its export cells, what the fieldwork was (channels, modes, waves and
//! their days, questionnaire versions), the final weight of each response and the estimates of
//! one wave.
//!
//! Waves are weighted apart: each wave's design is the design file restricted to that wave
//! (a `[[filter]]` on `wave`, applied before the design is built, as the results do), so a
//! wave's calibration and trimming never borrow respondents of another one. A response
//! without a wave (stored before waves were recorded) gets no final weight.
//!
//! Why every response in memory: the microdata and its weights must be the same rows in the
//! same order, and a design needs all of its rows at once anyway.

use std::collections::BTreeMap;

use futures::TryStreamExt;

use super::SurveyDesign;
use crate::analysis::design_file::{FilterSpec, OneOrMany, build_design};
use crate::analysis::table::{ColumnBuilder, Table};
use crate::analysis::{Row, estimate_table, filter, unanswered_rows};
use crate::db::{Db, StoredResponse};
use crate::export::{Column, ColumnSource, columns};
use crate::stats::Kish;
use crate::survey::Survey;
use crate::{Error, Result};

/// Responses of one group: how many, first and last day of submission.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Span {
    pub n: usize,
    /// `YYYY-MM-DD`.
    pub first: String,
    pub last: String,
}

impl Span {
    fn add(&mut self, day: &str) {
        self.n += 1;
        if self.first.is_empty() || day < self.first.as_str() {
            self.first = day.to_string();
        }
        if day > self.last.as_str() {
            self.last = day.to_string();
        }
    }
}

/// What the fieldwork was, from the stored responses.
#[derive(Debug, Clone, Default)]
pub struct Fieldwork {
    pub total: Span,
    /// By channel code (`link`, `kiosk`, `interviewer`, `invitation`).
    pub channels: BTreeMap<String, Span>,
    /// By mode (`self`, `face-to-face`).
    pub modes: BTreeMap<String, usize>,
    /// By wave label (`""`: responses stored before waves were recorded).
    pub waves: BTreeMap<String, Span>,
    /// By questionnaire version (the content hash).
    pub versions: BTreeMap<String, usize>,
    /// Responses per channel and wave.
    pub channel_waves: BTreeMap<(String, String), usize>,
    /// Responses per mode and wave.
    pub mode_waves: BTreeMap<(String, String), usize>,
}

impl Fieldwork {
    fn of(responses: &[StoredResponse]) -> Fieldwork {
        let mut f = Fieldwork::default();
        for r in responses {
            let day = r.submitted_on.as_str();
            f.total.add(day);
            f.channels.entry(r.channel.clone()).or_default().add(day);
            let mode = crate::export::stamps::mode_cell(&r.metadata);
            let wave = wave_of(r);
            *f.mode_waves
                .entry((mode.clone(), wave.clone()))
                .or_default() += 1;
            *f.modes.entry(mode).or_default() += 1;
            f.waves.entry(wave.clone()).or_default().add(day);
            *f.versions.entry(r.survey_version.clone()).or_default() += 1;
            *f.channel_waves
                .entry((r.channel.clone(), wave))
                .or_default() += 1;
        }
        f
    }

    /// The waves in the order they were fielded (by first day, then label), without `""`.
    pub fn wave_order(&self) -> Vec<String> {
        let mut waves: Vec<(&String, &Span)> =
            self.waves.iter().filter(|(w, _)| !w.is_empty()).collect();
        waves.sort_by(|a, b| (&a.1.first, &a.1.last, a.0).cmp(&(&b.1.first, &b.1.last, b.0)));
        waves.into_iter().map(|(w, _)| w.clone()).collect()
    }
}

fn wave_of(r: &StoredResponse) -> String {
    r.metadata.get("wave").cloned().unwrap_or_default()
}

/// Every stored response of the survey, and its fieldwork.
pub struct Loaded {
    pub responses: Vec<StoredResponse>,
    pub fieldwork: Fieldwork,
}

/// Reads every response of the survey.
pub async fn load(db: &Db, survey: &Survey) -> Result<Loaded> {
    let responses: Vec<StoredResponse> = db.responses(&survey.id).try_collect().await?;
    let fieldwork = Fieldwork::of(&responses);
    Ok(Loaded {
        responses,
        fieldwork,
    })
}

/// The wave a download is about: `asked` when the responses have it, else the latest wave
/// fielded, else the survey's current wave (no responses yet). `Err` for a wave nobody
/// answered in (the caller says so, in the reader's language).
pub fn chosen_wave(
    survey: &Survey,
    fieldwork: &Fieldwork,
    asked: Option<&str>,
) -> std::result::Result<String, ()> {
    match asked {
        Some(w) if fieldwork.waves.contains_key(w) && !w.is_empty() => Ok(w.to_string()),
        Some(w) if w == survey.wave => Ok(w.to_string()),
        Some(_) => Err(()),
        None => Ok(fieldwork
            .wave_order()
            .pop()
            .unwrap_or_else(|| survey.wave.clone())),
    }
}

/// The design restricted to one wave (a filter on the `wave` column, before anything else).
pub fn for_wave(design: &SurveyDesign, wave: &str) -> SurveyDesign {
    let mut out = design.clone();
    out.file.filters.push(FilterSpec {
        column: "wave".into(),
        equals: Some(OneOrMany::One(wave.to_string())),
        from: None,
        to: None,
    });
    out
}

/// The column that numbers the rows of a table built here, to find them after filtering.
const ROW_COLUMN: &str = "\u{1f}row";

/// The export cells of `names` for every response, as a table, plus a row-number column.
fn table_of(
    survey: &Survey,
    responses: &[StoredResponse],
    names: &[String],
    missing: &[String],
) -> Result<Table> {
    let export = columns(survey);
    let mut picked: Vec<&Column> = Vec::new();
    for name in names {
        let Some(c) = export.iter().find(|c| c.name == *name) else {
            return Err(Error::Stats(format!(
                "survey `{}` has no column `{name}` (use the column names of `mizan export`)",
                survey.id
            )));
        };
        if c.source == ColumnSource::ResponseId {
            return Err(Error::Stats(
                "`response_id` cannot be a design or estimate column".into(),
            ));
        }
        picked.push(c);
    }
    let mut builders: Vec<ColumnBuilder> = (0..=picked.len())
        .map(|_| ColumnBuilder::default())
        .collect();
    for (i, r) in responses.iter().enumerate() {
        for (b, c) in builders.iter_mut().zip(&picked) {
            b.push(&c.cell(r));
        }
        // Never a missing code: a letter first.
        builders[picked.len()].push(&format!("r{i}"));
    }
    let mut headers = names.to_vec();
    headers.push(ROW_COLUMN.into());
    let source = std::path::PathBuf::from(format!("database: {}", survey.id));
    let cols = builders.into_iter().map(ColumnBuilder::finish).collect();
    Table::from_columns(&source, headers, cols, missing)
}

/// The row numbers (into the responses) of a table built by [`table_of`].
fn row_numbers(table: &Table) -> Result<Vec<usize>> {
    let col = table.column(ROW_COLUMN)?;
    Ok((0..table.rows())
        .map(|i| col.get(i)[1..].parse().unwrap_or(usize::MAX))
        .collect())
}

/// One wave's sample: the design's table after its filters, and which responses they are.
fn wave_table(
    survey: &Survey,
    design: &SurveyDesign,
    responses: &[StoredResponse],
    wave: &str,
) -> Result<Option<(Table, Vec<usize>)>> {
    if !responses.iter().any(|r| wave_of(r) == wave) {
        return Ok(None);
    }
    let mut names = design.file.columns();
    if !names.iter().any(|n| n == "wave") {
        names.push("wave".into());
    }
    let table = table_of(survey, responses, &names, &design.file.data.missing)?;
    let (table, _) = filter::apply(table, &design.file.filters)?;
    let rows = row_numbers(&table)?;
    Ok(Some((table, rows)))
}

/// The final weight of every response (`None`: outside every wave's sample, or its wave's
/// design cannot be built), and for each wave whose design cannot be built, why.
pub struct Weights {
    pub weights: Vec<Option<f64>>,
    pub problems: Vec<(String, String)>,
    /// Kish's n, design effect of weighting and effective n, by wave.
    pub kish: BTreeMap<String, Kish>,
}

/// Final weights of every response, wave by wave.
pub fn weights(survey: &Survey, design: &SurveyDesign, loaded: &Loaded) -> Result<Weights> {
    let mut out = Weights {
        weights: vec![None; loaded.responses.len()],
        problems: Vec::new(),
        kish: BTreeMap::new(),
    };
    for wave in loaded.fieldwork.wave_order() {
        let d = for_wave(design, &wave);
        let (table, rows) = match wave_table(survey, &d, &loaded.responses, &wave) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(Error::Stats(m)) => {
                out.problems.push((wave, m));
                continue;
            }
            Err(e) => return Err(e),
        };
        match build_design(&table, &d.file, &d.source(survey), &d.base_dir(survey)) {
            Ok(built) => {
                for (r, w) in rows.iter().zip(built.weights()) {
                    if let Some(slot) = out.weights.get_mut(*r) {
                        *slot = Some(*w);
                    }
                }
                out.kish.insert(wave, built.kish());
            }
            Err(Error::Stats(m)) => out.problems.push((wave, m)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Every estimate of the design on one wave's responses, at full precision (publish them with
/// [`super::publish::publish`]). Without responses in the wave: one `no_answers` row each.
pub fn estimates(
    survey: &Survey,
    design: &SurveyDesign,
    loaded: &Loaded,
    wave: &str,
) -> Result<Vec<Row>> {
    let d = for_wave(design, wave);
    let Some((table, _)) = wave_table(survey, &d, &loaded.responses, wave)? else {
        return Ok(unanswered_rows(&d.file));
    };
    estimate_table(&table, &d.file, &d.source(survey), &d.base_dir(survey))
}

/// The microdata columns: the export's, less typed text unless `free_text`.
pub fn microdata_columns(survey: &Survey, free_text: bool) -> Vec<Column> {
    columns(survey)
        .into_iter()
        .filter(|c| free_text || !matches!(c.source, ColumnSource::FreeText(_)))
        .collect()
}

/// The name of the final-weight column of the microdata.
pub const FINAL_WEIGHT: &str = "final_weight";

/// The microdata CSV (UTF-8 with BOM): the export's cells (typed text only if `free_text`),
/// then `final_weight`.
pub fn microdata_csv(
    survey: &Survey,
    loaded: &Loaded,
    weights: &Weights,
    free_text: bool,
) -> Result<Vec<u8>> {
    let cols = microdata_columns(survey, free_text);
    let mut out = crate::export::BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let mut header: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        header.push(FINAL_WEIGHT);
        w.write_record(&header)?;
        for (r, weight) in loaded.responses.iter().zip(&weights.weights) {
            let mut record: Vec<String> = cols.iter().map(|c| c.cell(r)).collect();
            record.push(weight.map(|x| format!("{x}")).unwrap_or_default());
            w.write_record(&record)?;
        }
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// The codebook CSV of the microdata (the export's), with the final weight described.
pub fn codebook_csv(survey: &Survey, free_text: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    crate::export::write_codebook(survey, &mut out)?;
    let body = out
        .strip_prefix(crate::export::BOM)
        .unwrap_or(&out)
        .to_vec();
    let free: Vec<String> = columns(survey)
        .into_iter()
        .filter(|c| matches!(c.source, ColumnSource::FreeText(_)))
        .map(|c| c.name)
        .collect();
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let mut bytes = crate::export::BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut bytes);
        w.write_record(reader.headers()?)?;
        for rec in reader.records() {
            let rec = rec?;
            if !free_text && free.iter().any(|f| f == &rec[0]) {
                continue;
            }
            w.write_record(&rec)?;
        }
        let (what, filled) = FINAL_WEIGHT_TEXT;
        w.write_record([
            FINAL_WEIGHT,
            what.0,
            what.1,
            "number",
            "",
            "",
            "",
            "0",
            filled.0,
            filled.1,
        ])?;
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(bytes)
}

/// The final weight in the codebook: what it is, which responses have one.
pub const FINAL_WEIGHT_TEXT: ((&str, &str), (&str, &str)) = (
    (
        "الوزن النهائي للتحليل (بعد المعايرة والتشذيب إن طلبهما ملف التصميم)، محسوبًا لكل جولة على حدة.",
        "The final analysis weight (after calibration and trimming where the design file asks for them), computed for each wave on its own.",
    ),
    (
        "فارغ للاستجابات خارج عيّنة جولتها (مرشّحات ملف التصميم) أو بلا جولة.",
        "Empty for responses outside their wave's sample (the design file's filters) or without a wave.",
    ),
);
