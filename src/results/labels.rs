//! Words for the numbers: the survey's own wording for each estimated variable, category and
//! domain value, in both languages, so that pages and workbooks never show bare codes when the
//! survey file has a label.

use crate::export::OPTION_SEPARATOR;
use crate::survey::{Survey, Text};

fn same(s: &str) -> Text {
    Text {
        ar: s.to_string(),
        en: s.to_string(),
    }
}

/// An index's label, a question's text (a grid row: its item text), a multiple-choice option
/// column's question and option; else the column name itself.
pub fn variable(survey: &Survey, name: &str) -> Text {
    if let Some(index) = survey.indices.iter().find(|i| i.id == name) {
        return index.label.clone();
    }
    if let Some(q) = survey.question_of(name) {
        return match q.grid_item(name) {
            Some(item) => Text {
                ar: format!("{} — {}", q.text.ar, item.text.ar),
                en: format!("{} — {}", q.text.en, item.text.en),
            },
            None => q.text.clone(),
        };
    }
    if let Some((key, code)) = name.split_once(OPTION_SEPARATOR) {
        if let Some(q) = survey.question(key) {
            if let Some(c) = q.choice(code) {
                return Text {
                    ar: format!("{} — {}", q.text.ar, c.label.ar),
                    en: format!("{} — {}", q.text.en, c.label.en),
                };
            }
        }
    }
    if let Some(m) = survey.metadata_field(name) {
        return m.label.clone();
    }
    same(name)
}

/// The label of one code of a column (a choice of its question), else the code.
pub fn value(survey: &Survey, column: &str, code: &str) -> Text {
    survey
        .question_of(column)
        .and_then(|q| q.choice(code))
        .map(|c| c.label.clone())
        .unwrap_or_else(|| same(code))
}

/// The columns a results page can break estimates down by, with their labels: the sampling
/// metadata, every single choice question, the channel and the language of the answers.
pub fn domain_columns(survey: &Survey, channel: Text, lang: Text) -> Vec<(String, Text)> {
    let mut out: Vec<(String, Text)> = survey
        .metadata
        .iter()
        .map(|m| (m.id.clone(), m.label.clone()))
        .collect();
    for q in survey.questions() {
        if matches!(q.kind, crate::survey::QuestionKind::SingleChoice { .. }) {
            out.push((q.id.clone(), q.text.clone()));
        }
    }
    out.push(("channel".into(), channel));
    out.push(("lang".into(), lang));
    out
}
