//! The codebook: for every column of the microdata, the question text in both languages, the
//! question type, and for coded columns one row per code with its labels and whether estimates
//! treat it as non-substantive ("don't know", "prefer not to say"). The last two columns say,
//! for the channels' stamps (`mode`, `site`, `interviewer`…), which responses fill them.

use std::io::Write;

use crate::Result;
use crate::survey::{Choice, QuestionKind, Survey, Text};

use super::columns::{AnswerColumn, OPTION_SEPARATOR, answer_columns, grid_item_text};
use super::stamps::{self, CHANNELS, STAMPS, channel_label, mode_label};
use super::{BOM, csv_writer, format_number};

pub const HEADER: [&str; 10] = [
    "column",
    "question_ar",
    "question_en",
    "type",
    "code",
    "label_ar",
    "label_en",
    "non_substantive",
    "note_ar",
    "note_en",
];

struct Book<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> Book<W> {
    fn row(
        &mut self,
        column: &str,
        text: &Text,
        kind: &str,
        code: &str,
        label: Option<&Text>,
        non_substantive: bool,
    ) -> Result<()> {
        self.noted(column, text, kind, code, label, non_substantive, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn noted(
        &mut self,
        column: &str,
        text: &Text,
        kind: &str,
        code: &str,
        label: Option<&Text>,
        non_substantive: bool,
        note: Option<&Text>,
    ) -> Result<()> {
        let (label_ar, label_en) = label.map_or(("", ""), |l| (l.ar.as_str(), l.en.as_str()));
        let (note_ar, note_en) = note.map_or(("", ""), |n| (n.ar.as_str(), n.en.as_str()));
        self.csv.write_record([
            column,
            &text.ar,
            &text.en,
            kind,
            code,
            label_ar,
            label_en,
            if non_substantive { "1" } else { "0" },
            note_ar,
            note_en,
        ])?;
        Ok(())
    }

    fn choices(&mut self, column: &str, text: &Text, kind: &str, choices: &[Choice]) -> Result<()> {
        for c in choices {
            self.row(
                column,
                text,
                kind,
                &c.code,
                Some(&c.label),
                c.non_substantive,
            )?;
        }
        Ok(())
    }
}

fn text(ar: &str, en: &str) -> Text {
    Text {
        ar: ar.into(),
        en: en.into(),
    }
}

pub fn write_codebook<W: Write>(survey: &Survey, out: W) -> Result<()> {
    let mut out = out;
    out.write_all(BOM).map_err(csv::Error::from)?;
    let mut book = Book {
        csv: csv_writer(out),
    };
    book.csv.write_record(HEADER)?;

    let meta = "metadata";
    book.row(
        "response_id",
        &text("معرّف الاستجابة (عشوائي)", "Response id (random)"),
        meta,
        "",
        None,
        false,
    )?;
    book.row(
        "survey_version",
        &text("إصدار الاستبيان", "Survey version"),
        meta,
        "",
        None,
        false,
    )?;
    book.row(
        "submitted_on",
        &text(
            "تاريخ الإرسال (اليوم فقط، بالتوقيت العالمي)",
            "Submission date (day only, UTC)",
        ),
        meta,
        "",
        None,
        false,
    )?;
    let lang = text("لغة الإجابة", "Language of the answers");
    book.row(
        "lang",
        &lang,
        meta,
        "ar",
        Some(&text("العربية", "Arabic")),
        false,
    )?;
    book.row(
        "lang",
        &lang,
        meta,
        "en",
        Some(&text("الإنجليزية", "English")),
        false,
    )?;
    let channel = text("قناة الجمع", "Collection channel");
    for code in CHANNELS {
        book.row(
            "channel",
            &channel,
            meta,
            code,
            channel_label(code).as_ref(),
            false,
        )?;
    }
    book.row(
        "source",
        &text("مصدر الرابط", "Link source tag"),
        meta,
        "",
        None,
        false,
    )?;
    // The channels' stamps the survey does not declare, then the declared fields (a declared
    // stamp keeps the survey's label); every stamp's note says which responses fill it.
    for stamp in STAMPS
        .iter()
        .filter(|s| survey.metadata_field(s.name).is_none())
    {
        let (what, filled) = (stamp.what(), stamp.filled());
        if stamp.name == "mode" {
            for code in [stamps::FACE_TO_FACE, stamps::SELF_COMPLETED] {
                let label = mode_label(code);
                book.noted(
                    stamp.name,
                    &what,
                    meta,
                    code,
                    label.as_ref(),
                    false,
                    Some(&filled),
                )?;
            }
        } else {
            book.noted(stamp.name, &what, meta, "", None, false, Some(&filled))?;
        }
    }
    for m in &survey.metadata {
        let filled = stamps::stamp(&m.id).map(|s| s.filled());
        if m.values.is_empty() {
            book.noted(&m.id, &m.label, meta, "", None, false, filled.as_ref())?;
        }
        for v in &m.values {
            book.noted(&m.id, &m.label, meta, v, None, false, filled.as_ref())?;
        }
    }

    for q in survey.pages.iter().flat_map(|p| &p.questions) {
        for column in answer_columns(q) {
            match (column, &q.kind) {
                (AnswerColumn::Option { key, choice }, _) => {
                    let name = format!("{key}{OPTION_SEPARATOR}{}", choice.code);
                    // The column is 1 when this option was chosen, 0 when not.
                    book.row(
                        &name,
                        &q.text,
                        "multiple_choice",
                        "1",
                        Some(&choice.label),
                        choice.non_substantive,
                    )?;
                }
                (
                    AnswerColumn::Single {
                        key,
                        item: Some(item),
                    },
                    QuestionKind::LikertGrid { scale, .. },
                ) => {
                    book.choices(key, &grid_item_text(q, item), "likert_grid", scale)?;
                }
                (AnswerColumn::Single { key, .. }, kind) => match kind {
                    QuestionKind::SingleChoice { options, .. } => {
                        book.choices(key, &q.text, "single_choice", options)?
                    }
                    QuestionKind::Likert { scale } => {
                        book.choices(key, &q.text, "likert", scale)?
                    }
                    QuestionKind::LikertGrid { scale, .. } => {
                        book.choices(key, &q.text, "likert_grid", scale)?
                    }
                    QuestionKind::Rating {
                        min,
                        max,
                        min_label,
                        max_label,
                        extra,
                    } => {
                        book.row(
                            key,
                            &q.text,
                            "rating",
                            &min.to_string(),
                            Some(min_label),
                            false,
                        )?;
                        book.row(
                            key,
                            &q.text,
                            "rating",
                            &max.to_string(),
                            Some(max_label),
                            false,
                        )?;
                        book.choices(key, &q.text, "rating", extra)?;
                    }
                    QuestionKind::Number {
                        integer,
                        min,
                        max,
                        unit,
                    } => {
                        let range = match (min, max) {
                            (Some(a), Some(b)) => {
                                format!("{}..{}", format_number(*a), format_number(*b))
                            }
                            (Some(a), None) => format!("{}..", format_number(*a)),
                            (None, Some(b)) => format!("..{}", format_number(*b)),
                            (None, None) => String::new(),
                        };
                        let kind = if *integer { "integer" } else { "number" };
                        book.row(key, &q.text, kind, &range, unit.as_ref(), false)?;
                    }
                    QuestionKind::ShortText { .. } => {
                        book.row(key, &q.text, "short_text", "", None, false)?
                    }
                    QuestionKind::LongText { .. } => {
                        book.row(key, &q.text, "long_text", "", None, false)?
                    }
                    QuestionKind::Date { .. } => book.row(key, &q.text, "date", "", None, false)?,
                    QuestionKind::MultipleChoice { .. } => {}
                },
            }
        }
    }
    book.csv.flush().map_err(csv::Error::from)?;
    Ok(())
}
