//! The export's columns, derived from the survey definition in file order: fixed metadata,
//! the channels' stamps the survey does not declare (see [`super::stamps`]), declared sampling
//! metadata, then one column per answer key (question id, or grid item id) and one 0/1 column
//! per option of a multiple choice (`question__code`).

use crate::db::StoredResponse;
use crate::survey::{Answer, Choice, GridItem, Question, QuestionKind, Survey, Text};

use super::format_number;
use super::stamps::{STAMPS, mode_cell};

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
    /// How the questions were answered: the `mode` stamp, else `self`.
    Mode,
    /// A declared sampling metadata field, or a channel's stamp (`site`, `interviewer`…).
    Metadata(String),
    /// The answer stored under this key, as written (code, date or number).
    Answer(String),
    /// A typed text answer, as written, except that a `'` is added where a spreadsheet would
    /// start a formula: before a text whose first visible character (after zero-width and
    /// bidirectional marks) is `=`, `+`, `-`, `@`, a tab or a line break, or their full-width
    /// forms, and after a `;`, `,`, tab or `|` followed by one (CSV injection; analysts open
    /// these files in Excel). Citizens' words are otherwise exact; see `spreadsheet_safe`.
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
    let declared = |name: &str| survey.metadata_field(name).is_some();
    out.extend(
        STAMPS
            .iter()
            .filter(|s| !declared(s.name))
            .map(|s| stamp_column(s.name)),
    );
    out.extend(survey.metadata.iter().map(|m| stamp_column(&m.id)));
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

/// The column of a stamp or declared metadata field `name`, filled from its metadata key;
/// `mode` has its default.
fn stamp_column(name: &str) -> Column {
    Column {
        name: name.to_string(),
        source: if name == "mode" {
            ColumnSource::Mode
        } else {
            ColumnSource::Metadata(name.to_string())
        },
    }
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
            ColumnSource::Mode => mode_cell(&r.metadata),
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

/// Zero-width, soft-hyphen and bidirectional marks: a spreadsheet does not show them, so the
/// first character a person (and the formula parser, once it skips them) sees is the next one.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
    )
}

/// OWASP's CSV-injection triggers, with the full-width forms that spreadsheets fold into them.
fn is_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠'
    )
}

/// True when the first visible character of `s` would start a formula.
fn starts_formula(s: &str) -> bool {
    s.chars()
        .find(|&c| !is_invisible(c))
        .is_some_and(is_trigger)
}

/// List separators a spreadsheet may split a CSV line on, depending on its locale and import
/// settings, whatever our quoting says.
const LIST_SEPARATORS: [char; 4] = [';', ',', '\t', '|'];

/// Typed text that a spreadsheet would take for a formula gets a `'`, Excel's own mark for
/// "this is text": before the text when its first visible character is a trigger, and after a
/// list separator followed by one (`x;=1+1` becomes `x;'=1+1`), because a spreadsheet that
/// splits the line on that separator starts a new cell there. Quoting the whole cell would not
/// do: such a spreadsheet ignores the quotes of a separator it did not expect. Only `'` is
/// added, nothing is removed: Arabic text legitimately carries U+200F and U+061C, and an
/// analyst can still read (and strip) the marks.
pub fn spreadsheet_safe(text: String) -> String {
    let guard_start = starts_formula(&text);
    let guard_inside = text
        .char_indices()
        .any(|(i, c)| LIST_SEPARATORS.contains(&c) && starts_formula(&text[i + c.len_utf8()..]));
    if !guard_start && !guard_inside {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 4);
    if guard_start {
        out.push('\'');
    }
    for (i, c) in text.char_indices() {
        out.push(c);
        if LIST_SEPARATORS.contains(&c) && starts_formula(&text[i + c.len_utf8()..]) {
            out.push('\'');
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        free_text_cell(Some(&Answer::Value(text.into())))
    }

    #[test]
    fn a_trigger_behind_invisible_marks_is_guarded() {
        for text in [
            "\u{200B}=1+1",
            "\u{FEFF}=HYPERLINK(\"http://x\")",
            "\u{202E}=1+1",
            "\u{200E}\u{200F}+1",
            "\u{061C}-2",
            "\u{00AD}@SUM(A1)",
            "\u{180E}=1",
            "\u{2060}\u{2064}=1",
            "\u{2066}=1+1\u{2069}",
            "\u{202A}\u{202B}\u{202C}\u{202D}=1",
            "\u{200B}\r=1",
            "\u{200B}\n=1",
        ] {
            assert_eq!(cell(text), format!("'{text}"), "{text:?}");
        }
    }

    #[test]
    fn full_width_triggers_are_guarded() {
        for text in ["＝1+1", "＋1", "－1", "＠SUM(A1)", "\u{200F}＝1"] {
            assert_eq!(cell(text), format!("'{text}"), "{text:?}");
        }
    }

    #[test]
    fn the_plain_triggers_still_are() {
        for text in ["=1+1", "+1", "-1", "@x", "\tx", "\r=1", "\n=1"] {
            assert_eq!(cell(text), format!("'{text}"), "{text:?}");
        }
        // A tab is a trigger and a separator: both cells it could make are guarded.
        assert_eq!(cell("\t=1"), "'\t'=1");
        assert_eq!(cell("\u{200B}\t=1"), "'\u{200B}\t'=1");
    }

    #[test]
    fn a_trigger_after_a_list_separator_is_guarded_where_the_cell_would_split() {
        for (text, want) in [
            ("x;=1+1", "x;'=1+1"),
            ("x,=1+1", "x,'=1+1"),
            ("x|=1+1", "x|'=1+1"),
            ("x\t=1+1", "x\t'=1+1"),
            ("x;\u{200B}=1+1", "x;'\u{200B}=1+1"),
            ("x;＠a", "x;'＠a"),
            ("a;b,-c|+d", "a;b,'-c|'+d"),
            ("=a;=b", "'=a;'=b"),
            ("x;;=1", "x;;'=1"),
        ] {
            assert_eq!(cell(text), want, "{text:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_exactly_as_typed() {
        for text in [
            "",
            "شكراً = جيد",
            // Arabic text carries right-to-left and Arabic letter marks of its own.
            "\u{200F}الشرطة، جيدة\u{061C}",
            "\u{061C}٣ ساعات",
            "أ - ب",
            "x; =1",
            "1,5",
            "a-b",
            "name@example.org",
            "٣-٤ مرات",
            "\u{200B}hello",
        ] {
            assert_eq!(cell(text), text, "{text:?}");
        }
    }

    #[test]
    fn the_guard_only_adds_quotes_never_removes_a_character() {
        let text = "\u{200B}\u{FEFF}=a;\u{202E}-b";
        let guarded = cell(text);
        assert_eq!(guarded, "'\u{200B}\u{FEFF}=a;'\u{202E}-b");
        assert_eq!(guarded.replace('\'', ""), text);
    }

    #[test]
    fn numbers_and_codes_are_not_text_and_stay_as_they_are() {
        assert_eq!(answer_cell(Some(&Answer::Number(-3.0))), "-3");
        assert_eq!(answer_cell(Some(&Answer::Number(-0.5))), "-0.5");
        assert_eq!(answer_cell(Some(&Answer::Value("-".into()))), "-");
        assert_eq!(
            option_cell(Some(&Answer::Codes(vec!["a".into()])), "a"),
            "1"
        );
    }
}
