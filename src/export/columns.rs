//! The export's columns, derived from the survey definition in file order: fixed metadata,
//! declared sampling metadata, then one column per answer key (question id, or grid item id)
//! and one 0/1 column per option of a multiple choice (`question__code`).

use crate::db::StoredResponse;
use crate::survey::{Answer, Choice, GridItem, Question, QuestionKind, Survey, Text};

use super::format_number;

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub source: ColumnSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnSource {
    ResponseId,
    SurveyVersion,
    SubmittedOn,
    Lang,
    Channel,
    Source,
    /// A declared sampling metadata field.
    Metadata(String),
    /// The answer stored under this key, as written (code, date or number).
    Answer(String),
    /// A typed text answer, as written, except that a text starting with `=`, `+`, `-`, `@`,
    /// tab or carriage return gets a leading `'`: spreadsheets would run it as a formula, and
    /// analysts open these files in Excel (CSV injection). Citizens' words are otherwise exact.
    FreeText(String),
    /// 1 when the multiple-choice answer under `key` includes `code`, 0 when it does not,
    /// empty when the question was not answered (skipped or hidden).
    Option {
        key: String,
        code: String,
    },
}

/// Separator between a multiple-choice question id and an option code in a column name.
pub const OPTION_SEPARATOR: &str = "__";

pub fn columns(survey: &Survey) -> Vec<Column> {
    let fixed = [
        ("response_id", ColumnSource::ResponseId),
        ("survey_version", ColumnSource::SurveyVersion),
        ("submitted_on", ColumnSource::SubmittedOn),
        ("lang", ColumnSource::Lang),
        ("channel", ColumnSource::Channel),
        ("source", ColumnSource::Source),
    ];
    let mut out: Vec<Column> = fixed
        .into_iter()
        .map(|(name, source)| Column {
            name: name.into(),
            source,
        })
        .collect();
    out.extend(survey.metadata.iter().map(|m| Column {
        name: m.id.clone(),
        source: ColumnSource::Metadata(m.id.clone()),
    }));
    for q in survey.pages.iter().flat_map(|p| &p.questions) {
        for item in answer_columns(q) {
            out.push(match item {
                AnswerColumn::Single { key, .. } => Column {
                    name: key.to_string(),
                    source: match q.kind {
                        QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                            ColumnSource::FreeText(key.to_string())
                        }
                        _ => ColumnSource::Answer(key.to_string()),
                    },
                },
                AnswerColumn::Option { key, choice } => Column {
                    name: format!("{key}{OPTION_SEPARATOR}{}", choice.code),
                    source: ColumnSource::Option {
                        key: key.to_string(),
                        code: choice.code.clone(),
                    },
                },
            });
        }
    }
    out
}

/// The answer columns of one question, shared by the microdata header and the codebook.
pub(super) enum AnswerColumn<'a> {
    /// One column holding the answer; `item` is set for a Likert grid row.
    Single {
        key: &'a str,
        item: Option<&'a GridItem>,
    },
    Option {
        key: &'a str,
        choice: &'a Choice,
    },
}

pub(super) fn answer_columns(q: &Question) -> Vec<AnswerColumn<'_>> {
    match &q.kind {
        QuestionKind::MultipleChoice { options, .. } => options
            .iter()
            .map(|choice| AnswerColumn::Option { key: &q.id, choice })
            .collect(),
        QuestionKind::LikertGrid { items, .. } => items
            .iter()
            .map(|item| AnswerColumn::Single {
                key: &item.id,
                item: Some(item),
            })
            .collect(),
        _ => vec![AnswerColumn::Single {
            key: &q.id,
            item: None,
        }],
    }
}

impl Column {
    /// This column's cell for one response.
    pub fn cell(&self, r: &StoredResponse) -> String {
        match &self.source {
            ColumnSource::ResponseId => r.id.clone(),
            ColumnSource::SurveyVersion => r.survey_version.clone(),
            ColumnSource::SubmittedOn => r.submitted_on.clone(),
            ColumnSource::Lang => r.lang.clone(),
            ColumnSource::Channel => r.channel.clone(),
            ColumnSource::Source => r.source.clone().unwrap_or_default(),
            ColumnSource::Metadata(id) => r.metadata.get(id).cloned().unwrap_or_default(),
            ColumnSource::Answer(key) => answer_cell(r.answers.get(key)),
            ColumnSource::FreeText(key) => free_text_cell(r.answers.get(key)),
            ColumnSource::Option { key, code } => option_cell(r.answers.get(key), code),
        }
    }
}

/// The cell of an answer column: the answer as written (code, text, date or number).
pub fn answer_cell(answer: Option<&Answer>) -> String {
    match answer {
        None => String::new(),
        Some(Answer::Number(x)) => format_number(*x),
        Some(Answer::Value(s)) => s.clone(),
        // Not expected outside multiple choice; kept rather than lost.
        Some(Answer::Codes(codes)) => codes.join(" "),
    }
}

/// The cell of a multiple-choice option column: 1 when the answer includes `code`, 0 when it
/// does not, empty when the question was not answered.
pub fn option_cell(answer: Option<&Answer>, code: &str) -> String {
    match answer {
        None => String::new(),
        Some(Answer::Codes(codes)) => flag(codes.iter().any(|c| c == code)),
        Some(Answer::Value(s)) => flag(s == code),
        Some(Answer::Number(x)) => flag(format_number(*x) == *code),
    }
}

/// The cell of a typed-text column: as written, made safe for spreadsheets.
pub fn free_text_cell(answer: Option<&Answer>) -> String {
    spreadsheet_safe(answer_cell(answer))
}

/// Typed text that a spreadsheet would take for a formula gets a leading `'`.
fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.to_string()
}

/// `grid text — item text`, in both languages, for a Likert grid row's codebook entry.
pub(super) fn grid_item_text(q: &Question, item: &GridItem) -> Text {
    Text {
        ar: format!("{} — {}", q.text.ar, item.text.ar),
        en: format!("{} — {}", q.text.en, item.text.en),
    }
}
