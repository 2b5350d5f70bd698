//! Weighted results straight from the database: the same design file and the same numbers as
//! `mizan estimate --data` on an export, without writing or reading a CSV.
//!
//! Why here and not in `stats`: this is the IO half (which columns, read from where). It asks
//! [`Db::answer_columns`] for only the answer keys the design names, turns each response into
//! the cells the export would write for those columns (the export's own cell functions), keeps
//! them dictionary-encoded ([`Table`]), and hands the table to the one estimation path of
//! `mizan estimate` ([`estimate_table`]). Memory grows by about 4 bytes per response and column
//! used, never with unrelated columns or surveys.
//!
//! Without a design file the default design is used ([`default_design`]): weights 1, the mean
//! of every Likert, rating and number question, the category shares of every single choice,
//! and the survey's composite indices, with every non-substantive code treated as missing.

pub mod downloads;
pub mod labels;
pub mod methodology;
pub mod publish;
pub mod report;
pub mod reproduce;
pub mod workbook;
pub mod xlsx;

use std::path::{Path, PathBuf};

use futures::TryStreamExt;

use crate::analysis::design_file::{DesignFile, IndexSpec, VariableSpec};
use crate::analysis::table::{Column as TableColumn, ColumnBuilder, Table};
use crate::analysis::{Row, estimate_table, unanswered_rows};
use std::collections::HashMap;

use crate::db::cells::{Head, Layout, Value, Wanted};
use crate::db::{AnswerRow, Db};
use crate::export::{ColumnSource, answer_cell, free_text_cell, option_cell};
use crate::survey::{QuestionKind, Survey};
use crate::{Error, Result};

/// A design and where it came from (for messages and for target files relative to it).
#[derive(Debug, Clone)]
pub struct SurveyDesign {
    pub file: DesignFile,
    /// The design file, or `None` for the default design.
    pub path: Option<PathBuf>,
}

impl SurveyDesign {
    /// The name used in messages.
    pub fn source(&self, survey: &Survey) -> PathBuf {
        match &self.path {
            Some(p) => p.clone(),
            None => PathBuf::from(format!("default design of {}", survey.id)),
        }
    }

    /// Where target files named by the design are looked up.
    pub fn base_dir(&self, survey: &Survey) -> PathBuf {
        let beside = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
        match &self.path {
            Some(p) => beside(p),
            None => beside(&survey.path),
        }
    }
}

/// `SURVEY.design.toml` beside the survey's file.
pub fn design_path(survey: &Survey) -> PathBuf {
    survey
        .path
        .with_file_name(format!("{}.design.toml", survey.id))
}

/// The survey's design: `explicit` if given, else its `SURVEY.design.toml` if present, else
/// the default design.
pub fn design_for(survey: &Survey, explicit: Option<&Path>) -> Result<SurveyDesign> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let beside = design_path(survey);
            if !beside.is_file() {
                return Ok(SurveyDesign {
                    file: default_design(survey),
                    path: None,
                });
            }
            beside
        }
    };
    Ok(SurveyDesign {
        file: DesignFile::read(&path)?,
        path: Some(path),
    })
}

/// The design file beside the survey (or the default design), with what it needs from the
/// database besides the responses: for every page and download of stored data.
pub async fn stored_design(db: &Db, survey: &Survey) -> Result<SurveyDesign> {
    with_invitations(db, survey, design_for(survey, None)?).await
}

/// A `[nonresponse]` adjustment without an `invited` file counts the drawn sample's
/// invitations per stratum in the database.
pub async fn with_invitations(
    db: &Db,
    survey: &Survey,
    mut design: SurveyDesign,
) -> Result<SurveyDesign> {
    if let Some(nr) = design.file.nonresponse.as_mut() {
        if nr.invited.is_none() && nr.invited_counts.is_none() {
            nr.invited_counts = Some(db.invited_per_stratum(&survey.id).await?);
        }
    }
    Ok(design)
}

/// `mizan check` for the design file beside a survey, if there is one: it parses, and every
/// column it names is an export column of the survey (target files are read when estimating).
pub fn check_design_file(survey: &Survey) -> Result<()> {
    let path = design_path(survey);
    if !path.is_file() {
        return Ok(());
    }
    let file = DesignFile::read(&path)?;
    let known = crate::export::columns(survey);
    for name in file.columns() {
        if !known.iter().any(|c| c.name == name) {
            return Err(Error::Stats(format!(
                "{}: survey `{}` has no column `{name}` (use the column names of `mizan export`)",
                path.display(),
                survey.id
            )));
        }
    }
    Ok(())
}

/// Weights 1; the mean of every Likert (or grid row), rating and number question whose
/// substantive codes are numbers, the category shares of every single choice (and of a Likert
/// with word codes), the survey's composite indices; non-substantive codes and rating extras
/// (e.g. "don't know") are missing.
pub fn default_design(survey: &Survey) -> DesignFile {
    let mut file = DesignFile::default();
    let mut missing: Vec<String> = Vec::new();
    let variable = |name: &str, kind: &str| VariableSpec {
        name: name.to_string(),
        kind: kind.to_string(),
        interval: None,
        category: None,
    };
    for q in survey.questions() {
        let skipped = q
            .choices()
            .iter()
            .filter(|c| c.non_substantive || matches!(q.kind, QuestionKind::Rating { .. }));
        for c in skipped {
            if !missing.contains(&c.code) {
                missing.push(c.code.clone());
            }
        }
        let numeric_scale = q
            .choices()
            .iter()
            .filter(|c| !c.non_substantive)
            .all(|c| c.code.trim().parse::<f64>().is_ok());
        let scale_kind = if numeric_scale { "mean" } else { "categorical" };
        match &q.kind {
            QuestionKind::Likert { .. } => file.variables.push(variable(&q.id, scale_kind)),
            QuestionKind::LikertGrid { items, .. } => {
                for item in items {
                    file.variables.push(variable(&item.id, scale_kind));
                }
            }
            QuestionKind::Rating { .. } | QuestionKind::Number { .. } => {
                file.variables.push(variable(&q.id, "mean"))
            }
            QuestionKind::SingleChoice { .. } => {
                file.variables.push(variable(&q.id, "categorical"))
            }
            _ => {}
        }
    }
    for index in &survey.indices {
        if let Some(spec) = index_spec(survey, index) {
            file.indices.push(spec);
        }
    }
    file.data.missing = missing;
    file
}

/// A survey index as a design-file index, when its items' codes are their scores (the design
/// file reads the codes as numbers).
fn index_spec(survey: &Survey, index: &crate::survey::CompositeIndex) -> Option<IndexSpec> {
    let mut scales = Vec::new();
    for key in &index.items {
        let q = survey.question_of(key)?;
        let codes_are_scores = q
            .choices()
            .iter()
            .filter(|c| !c.non_substantive && !matches!(q.kind, QuestionKind::Rating { .. }))
            .all(|c| c.code.trim().parse::<f64>().ok() == c.score);
        let (low, high) = q.score_range()?;
        if !codes_are_scores {
            return None;
        }
        scales.push((key.clone(), [low, high]));
    }
    let scale = scales.first()?.1;
    Some(IndexSpec {
        name: index.id.clone(),
        items: index.items.clone(),
        scale,
        min_answered: Some(index.min_items.clamp(1, index.items.len())),
        reversed: Vec::new(),
        item_scales: scales.into_iter().filter(|(_, s)| *s != scale).collect(),
    })
}

/// The columns `names` of a survey's responses, read from the database with their export
/// cells, dictionary-encoded; `None` when the survey has no responses yet. Fails on a name
/// that is not an export column of the survey.
pub async fn read_columns(
    db: &Db,
    survey: &Survey,
    names: &[String],
    missing_codes: &[String],
) -> Result<Option<Table>> {
    read_columns_by(db, survey, names, missing_codes, ReadPath::Fastest).await
}

/// Where [`read_columns_by`] reads the answers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPath {
    /// The responses' cells when every response has them, else the JSON.
    Fastest,
    /// Always the answers' JSON: the reference the cells are tested against.
    Json,
}

/// [`read_columns`] from the chosen path.
pub async fn read_columns_by(
    db: &Db,
    survey: &Survey,
    names: &[String],
    missing_codes: &[String],
    path: ReadPath,
) -> Result<Option<Table>> {
    let export_columns = crate::export::columns(survey);
    let mut keys: Vec<&str> = Vec::new();
    let mut sources: Vec<&ColumnSource> = Vec::new();
    for name in names {
        let Some(column) = export_columns.iter().find(|c| c.name == *name) else {
            return Err(Error::Stats(format!(
                "survey `{}` has no column `{name}` (use the column names of `mizan export`)",
                survey.id
            )));
        };
        match &column.source {
            ColumnSource::ResponseId => {
                return Err(Error::Stats(
                    "`response_id` cannot be a design or estimate column".into(),
                ));
            }
            ColumnSource::Answer(key)
            | ColumnSource::FreeText(key)
            | ColumnSource::Option { key, .. } => {
                if !keys.contains(&key.as_str()) {
                    keys.push(key);
                }
            }
            _ => {}
        }
        sources.push(&column.source);
    }
    let marker = db.change_marker(&survey.id).await?;
    let fast = if path == ReadPath::Fastest && marker.cells_complete() {
        read_cells(db, &survey.id, &sources, &keys).await?
    } else {
        None
    };
    let builders = match fast {
        Some(builders) => builders,
        None => read_json(db, &survey.id, &sources, &keys).await?,
    };
    let source = PathBuf::from(format!("database: {}", survey.id));
    if builders.is_empty() {
        return Err(Error::Stats(format!(
            "{}: nothing to read",
            source.display()
        )));
    }
    let columns: Vec<TableColumn> = builders.into_iter().map(ColumnBuilder::finish).collect();
    if columns[0].is_empty() {
        return Ok(None);
    }
    Table::from_columns(&source, names.to_vec(), columns, missing_codes).map(Some)
}

/// The reference path: the requested answer keys extracted from each response's JSON.
async fn read_json(
    db: &Db,
    survey_id: &str,
    sources: &[&ColumnSource],
    keys: &[&str],
) -> Result<Vec<ColumnBuilder>> {
    let mut builders: Vec<ColumnBuilder> =
        sources.iter().map(|_| ColumnBuilder::default()).collect();
    let mut rows = db.answer_columns(survey_id, keys);
    while let Some(row) = rows.try_next().await? {
        for (builder, source) in builders.iter_mut().zip(sources) {
            builder.push(&cell(&row, source, keys));
        }
    }
    Ok(builders)
}

/// The fast path: the same cells from the responses' compact typed form (`db::cells`), in
/// the same row order, so the table is the same one, value for value. `None` when the cells
/// cannot answer (a key left out of them, a version without a stored layout): then the
/// caller reads the JSON.
async fn read_cells(
    db: &Db,
    survey_id: &str,
    sources: &[&ColumnSource],
    keys: &[&str],
) -> Result<Option<Vec<ColumnBuilder>>> {
    let layouts = db.cell_layouts(survey_id).await?;
    if layouts
        .values()
        .any(|l| keys.iter().any(|k| l.omitted.iter().any(|o| o == k)))
    {
        return Ok(None);
    }
    let plans: Vec<(String, std::sync::Arc<Layout>, Wanted)> = layouts
        .into_iter()
        .map(|(version, layout)| {
            let slots = keys
                .iter()
                .map(|k| {
                    layout
                        .keys
                        .iter()
                        .position(|lk| lk.key == *k)
                        .unwrap_or(usize::MAX)
                })
                .collect::<Vec<usize>>();
            let wanted = Wanted::new(&slots);
            (version, layout, wanted)
        })
        .collect();
    let mut columns: Vec<FastColumn> = sources
        .iter()
        .map(|s| FastColumn::new(s, keys, plans.len()))
        .collect();
    let mut last = usize::MAX;
    let mut unknown_version = false;
    let scanned = db
        .scan_cells(survey_id, |bytes| {
            let head = Head::read(bytes)?;
            let plan = match plans.get(last) {
                Some((v, ..)) if v == head.version => last,
                _ => match plans.iter().position(|(v, ..)| v == head.version) {
                    Some(p) => p,
                    None => {
                        unknown_version = true;
                        return Err(Error::Other("cells of a version without layout".into()));
                    }
                },
            };
            last = plan;
            let (_, layout, slots) = &plans[plan];
            let mut values = Vec::new();
            head.answers_for(layout, slots, &mut values)?;
            for column in &mut columns {
                column.push(plan, &head, &values);
            }
            Ok(())
        })
        .await;
    match scanned {
        Ok(_) => Ok(Some(columns.into_iter().map(|c| c.builder).collect())),
        Err(_) if unknown_version => Ok(None),
        Err(e) => Err(e),
    }
}

/// One column being filled from cells: the export's cell function, with the cells of choice
/// codes and numbers remembered so that most rows cost no lookup at all.
struct FastColumn<'a> {
    source: &'a ColumnSource,
    /// Index of the column's answer key among the requested keys.
    key: usize,
    builder: ColumnBuilder,
    /// Per layout (version), per code index: the builder's code, `u32::MAX` until seen.
    codes: Vec<Vec<u32>>,
    numbers: HashMap<u64, u32>,
    /// Codes of "", "0", "1" (option columns).
    flags: [u32; 3],
}

impl<'a> FastColumn<'a> {
    fn new(source: &'a ColumnSource, keys: &[&str], plans: usize) -> FastColumn<'a> {
        let key = match source {
            ColumnSource::Answer(k)
            | ColumnSource::FreeText(k)
            | ColumnSource::Option { key: k, .. } => keys.iter().position(|x| *x == k).unwrap_or(0),
            _ => 0,
        };
        FastColumn {
            source,
            key,
            builder: ColumnBuilder::default(),
            codes: vec![Vec::new(); plans],
            numbers: HashMap::new(),
            flags: [u32::MAX; 3],
        }
    }

    fn flag(&mut self, which: usize) {
        if self.flags[which] == u32::MAX {
            self.flags[which] = self.builder.push(["", "0", "1"][which]);
        } else {
            self.builder.push_code(self.flags[which]);
        }
    }

    fn push(&mut self, plan: usize, head: &Head, values: &[Value]) {
        let value = values.get(self.key).copied().unwrap_or(Value::None);
        match self.source {
            ColumnSource::ResponseId => {
                self.builder.push("");
            }
            ColumnSource::SurveyVersion => {
                self.builder.push(head.version);
            }
            ColumnSource::SubmittedOn => {
                self.builder.push(head.day);
            }
            ColumnSource::Lang => {
                self.builder.push(head.lang);
            }
            ColumnSource::Channel => {
                self.builder.push(head.channel);
            }
            ColumnSource::Source => {
                self.builder.push(head.source.unwrap_or(""));
            }
            ColumnSource::Mode => {
                let mode = head.meta("mode").filter(|m| !m.is_empty());
                self.builder
                    .push(mode.unwrap_or(crate::export::stamps::SELF_COMPLETED));
            }
            ColumnSource::Metadata(id) => {
                self.builder.push(head.meta(id).unwrap_or(""));
            }
            ColumnSource::Answer(_) => match value {
                Value::None => self.flag(0),
                Value::Code(i, code) => {
                    let memo = &mut self.codes[plan];
                    let i = i as usize;
                    if memo.len() <= i {
                        memo.resize(i + 1, u32::MAX);
                    }
                    if memo[i] == u32::MAX {
                        memo[i] = self.builder.push(code);
                    } else {
                        self.builder.push_code(memo[i]);
                    }
                }
                Value::Number(x) => match self.numbers.get(&x.to_bits()) {
                    Some(c) => self.builder.push_code(*c),
                    None => {
                        let c = self.builder.push(&crate::export::format_number(x));
                        self.numbers.insert(x.to_bits(), c);
                    }
                },
                Value::Text(s) => {
                    self.builder.push(s);
                }
                Value::Codes(..) => {
                    self.builder.push(&value.codes().join(" "));
                }
            },
            ColumnSource::FreeText(_) => {
                self.builder
                    .push(&free_text_cell(value.to_answer().as_ref()));
            }
            ColumnSource::Option { code, .. } => {
                let has = match value {
                    Value::None => None,
                    Value::Code(_, c) | Value::Text(c) => Some(c == code),
                    Value::Number(x) => Some(crate::export::format_number(x) == *code),
                    Value::Codes(..) => Some(value.codes().contains(&code.as_str())),
                };
                self.flag(match has {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                });
            }
        }
    }
}

/// The export's cell of one column for one response.
fn cell(row: &AnswerRow, source: &ColumnSource, keys: &[&str]) -> String {
    let answer = |key: &str| {
        keys.iter()
            .position(|k| *k == key)
            .and_then(|i| row.values.get(i))
            .and_then(|v| v.as_ref())
    };
    match source {
        ColumnSource::ResponseId => String::new(),
        ColumnSource::SurveyVersion => row.survey_version.clone(),
        ColumnSource::SubmittedOn => row.submitted_on.clone(),
        ColumnSource::Lang => row.lang.clone(),
        ColumnSource::Channel => row.channel.clone(),
        ColumnSource::Source => row.source.clone().unwrap_or_default(),
        ColumnSource::Mode => crate::export::stamps::mode_cell(&row.metadata),
        ColumnSource::Metadata(id) => row.metadata.get(id).cloned().unwrap_or_default(),
        ColumnSource::Answer(key) => answer_cell(answer(key)),
        ColumnSource::FreeText(key) => free_text_cell(answer(key)),
        ColumnSource::Option { key, code } => option_cell(answer(key), code),
    }
}

/// The Arabic name of every site of the survey's responses (`site` → `site_ar` of the first
/// response that carries both), for the labels of a breakdown by site.
pub async fn site_names(db: &Db, survey: &Survey) -> Result<labels::SiteNames> {
    let mut names = labels::SiteNames::new();
    let mut add = |site: &str, ar: &str| {
        if !site.is_empty() && !ar.trim().is_empty() && !names.contains_key(site) {
            names.insert(site.to_string(), ar.to_string());
        }
    };
    if db.change_marker(&survey.id).await?.cells_complete() {
        db.scan_cells(&survey.id, |bytes| {
            let head = Head::read(bytes)?;
            if let (Some(site), Some(ar)) = (head.meta("site"), head.meta("site_ar")) {
                add(site, ar);
            }
            Ok(())
        })
        .await?;
        return Ok(names);
    }
    let mut rows = db.answer_columns(&survey.id, &[]);
    while let Some(row) = rows.try_next().await? {
        if let (Some(site), Some(ar)) = (row.metadata.get("site"), row.metadata.get("site_ar")) {
            add(site, ar);
        }
    }
    Ok(names)
}

/// Every estimate of the design on the survey's stored responses (without responses: one
/// `no_answers` row per variable). The estimation itself (CPU only) runs on a blocking
/// thread, so a web server keeps answering. Figures computed before are returned again while
/// the survey's stored data have not changed (see [`estimate_survey_as_of`]).
pub async fn estimate_survey(db: &Db, survey: &Survey, design: &SurveyDesign) -> Result<Vec<Row>> {
    Ok(estimate_survey_as_of(db, survey, design).await?.0)
}

/// [`estimate_survey`], and the UTC day the figures were computed on ("figures as of").
///
/// Results are kept per database, survey, version and design, under the survey's change
/// marker (`Db::change_marker`: responses and cells stored, one indexed read): a view while
/// nothing changed costs that read; a new response changes the marker, so the next view
/// recomputes with it. Nothing is keyed by time. A design with calibration targets adds the
/// size and modification time of the files beside it, which hold the targets.
pub async fn estimate_survey_as_of(
    db: &Db,
    survey: &Survey,
    design: &SurveyDesign,
) -> Result<(Vec<Row>, time::Date)> {
    let marker = db.change_marker(&survey.id).await?;
    let key = CacheKey {
        db: db.instance(),
        survey: survey.id.clone(),
        version: survey.version.clone(),
        design: design_fingerprint(survey, design),
        marker,
    };
    if let Some(hit) = cache_get(&key) {
        return Ok(hit);
    }
    let rows = estimate_survey_by(db, survey, design, ReadPath::Fastest).await?;
    let today = time::OffsetDateTime::now_utc().date();
    cache_put(key, &rows, today);
    Ok((rows, today))
}

/// [`estimate_survey`] from the chosen path, never from what was computed before.
pub async fn estimate_survey_by(
    db: &Db,
    survey: &Survey,
    design: &SurveyDesign,
    path: ReadPath,
) -> Result<Vec<Row>> {
    let Some(table) = read_columns_by(
        db,
        survey,
        &design.file.columns(),
        &design.file.data.missing,
        path,
    )
    .await?
    else {
        return Ok(unanswered_rows(&design.file));
    };
    let total = table.rows();
    let (table, reports) = crate::analysis::filter::apply(table, &design.file.filters)?;
    if !reports.is_empty() {
        let line = crate::analysis::filter::methodology(table.rows(), total, &reports);
        tracing::info!(survey = %survey.id, "{line}");
    }
    let file = with_invitations(db, survey, design.clone()).await?.file;
    let (source, base) = (design.source(survey), design.base_dir(survey));
    tokio::task::spawn_blocking(move || estimate_table(&table, &file, &source, &base))
        .await
        .map_err(|e| Error::Other(format!("estimation stopped: {e}")))?
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheKey {
    db: u64,
    survey: String,
    version: String,
    design: u64,
    marker: crate::db::Marker,
}

/// Results kept per survey (a few designs: the page's domain choices, the downloads).
const CACHED_PER_SURVEY: usize = 8;

type Cache = std::sync::Mutex<Vec<(CacheKey, std::sync::Arc<Vec<Row>>, time::Date)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cache_get(key: &CacheKey) -> Option<(Vec<Row>, time::Date)> {
    let cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    cache
        .iter()
        .find(|(k, ..)| k == key)
        .map(|(_, rows, day)| ((**rows).clone(), *day))
}

fn cache_put(key: CacheKey, rows: &[Row], day: time::Date) {
    let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    // What was computed on older data of the same survey is of no use any more.
    cache.retain(|(k, ..)| !(k.db == key.db && k.survey == key.survey && k.marker != key.marker));
    let same_survey = cache
        .iter()
        .filter(|(k, ..)| k.db == key.db && k.survey == key.survey)
        .count();
    if same_survey >= CACHED_PER_SURVEY {
        if let Some(i) = cache
            .iter()
            .position(|(k, ..)| k.db == key.db && k.survey == key.survey)
        {
            cache.remove(i);
        }
    }
    // Bounded across surveys and databases too (tests open many).
    if cache.len() >= 64 {
        cache.remove(0);
    }
    cache.push((key, std::sync::Arc::new(rows.to_vec()), day));
}

/// What the figures depend on besides the data: the design (as parsed) and, with
/// calibration, the target files beside it.
fn design_fingerprint(survey: &Survey, design: &SurveyDesign) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", design.file).hash(&mut h);
    design.path.hash(&mut h);
    if design.file.calibration.is_some() {
        if let Ok(entries) = std::fs::read_dir(design.base_dir(survey)) {
            let mut files: Vec<(std::ffi::OsString, u64, Option<std::time::SystemTime>)> = entries
                .flatten()
                .filter_map(|e| {
                    let m = e.metadata().ok()?;
                    m.is_file()
                        .then(|| (e.file_name(), m.len(), m.modified().ok()))
                })
                .collect();
            files.sort();
            files.hash(&mut h);
        }
    }
    h.finish()
}
