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
    let mut builders: Vec<ColumnBuilder> = names.iter().map(|_| ColumnBuilder::default()).collect();
    let mut rows = db.answer_columns(&survey.id, &keys);
    while let Some(row) = rows.try_next().await? {
        for (builder, source) in builders.iter_mut().zip(&sources) {
            builder.push(&cell(&row, source, &keys));
        }
    }
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
    let mut rows = db.answer_columns(&survey.id, &[]);
    while let Some(row) = rows.try_next().await? {
        if let (Some(site), Some(ar)) = (row.metadata.get("site"), row.metadata.get("site_ar")) {
            if !site.is_empty() && !ar.trim().is_empty() && !names.contains_key(site) {
                names.insert(site.clone(), ar.clone());
            }
        }
    }
    Ok(names)
}

/// Every estimate of the design on the survey's stored responses (without responses: one
/// `no_answers` row per variable). The estimation itself (CPU only, seconds on a million
/// rows) runs on a blocking thread, so a web server keeps answering.
pub async fn estimate_survey(db: &Db, survey: &Survey, design: &SurveyDesign) -> Result<Vec<Row>> {
    let Some(table) = read_columns(
        db,
        survey,
        &design.file.columns(),
        &design.file.data.missing,
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
