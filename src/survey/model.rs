//! The in-memory survey: what a validated `surveys/*.toml` file becomes.
//!
//! Ids (survey, page, question, grid item, option code) are ASCII identifiers; they are the
//! column names and codes of the export, so they never change with the wording or the language.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Interface language. Arabic is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ar,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }
    /// Value of the HTML `dir` attribute.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Ar => Lang::En,
            Lang::En => Lang::Ar,
        }
    }
}

/// A text in both languages; validation guarantees neither is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub ar: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Survey {
    /// URL slug and export name, e.g. `citizen-security`.
    pub id: String,
    /// Content hash of the definition file (hex, 12 chars). Stored with every response so that
    /// answers to different wordings are never mixed silently.
    pub version: String,
    /// Fieldwork wave label declared in the file, e.g. `2026-W1`.
    pub wave: String,
    /// A draft is previewed by designers and admins (`/preview/s/ID`) and served on no
    /// respondent channel.
    pub draft: bool,
    pub title: Text,
    pub intro: Text,
    /// Who sponsored the survey, for the methodology note (`None`: the organisation that
    /// conducts it, see `serve --organisation`).
    pub sponsor: Option<Text>,
    /// The population the results describe, for the methodology note.
    pub population: Option<Text>,
    /// Sampling metadata fields a channel may attach to a response (e.g. `site`, `stratum`,
    /// `cluster`), with their allowed values when the file restricts them.
    pub metadata: Vec<MetadataField>,
    /// Allowed `source` tags for shared links (e.g. `qr-poster`, `sms`). Empty: none accepted.
    pub sources: Vec<String>,
    pub pages: Vec<Page>,
    /// Composite indices (e.g. perceived security 0–100) for the statistics.
    pub indices: Vec<CompositeIndex>,
    /// Places per cell (governorate × gender, source...); empty: no quotas.
    pub quotas: Vec<super::quota::Quota>,
    /// Where the definition came from, for messages.
    pub path: std::path::PathBuf,
    /// [`Survey::content_stamp`], computed once: it hashes every question's wording and is
    /// stamped on every response (it was a fifth of a submit's CPU when computed each time).
    pub content_memo: std::sync::OnceLock<String>,
}

#[derive(Debug, Clone)]
pub struct MetadataField {
    pub id: String,
    pub label: Text,
    /// Allowed values; empty means free text (bounded length).
    pub values: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    /// Page heading when the page holds several questions; a one-question page uses the
    /// question as its heading.
    pub title: Option<Text>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: Text,
    pub hint: Option<Text>,
    /// What a field interviewer reads or does ("Read the options aloud", "Show card 2"):
    /// shown only on the interviewer's pages, never to respondents on other channels.
    pub interviewer_note: Option<Text>,
    pub required: bool,
    /// Marked `headline = true`: one of the key figures at the top of the results.
    pub headline: bool,
    /// Shown only when this holds on earlier answers; hidden questions are never answered.
    pub show_if: Option<Condition>,
    pub kind: QuestionKind,
}

#[derive(Debug, Clone)]
pub enum QuestionKind {
    SingleChoice {
        options: Vec<Choice>,
        randomize: bool,
    },
    /// Checkboxes; options with `exclusive` ("none of these") cannot be combined with others.
    MultipleChoice {
        options: Vec<Choice>,
        randomize: bool,
    },
    /// One Likert item: radios over an ordered scale.
    Likert {
        scale: Vec<Choice>,
    },
    /// Several items sharing one scale; each item is its own answer (keyed by the item id) and
    /// its own fieldset so that screen readers hear each row.
    LikertGrid {
        scale: Vec<Choice>,
        items: Vec<GridItem>,
    },
    /// Integer rating `min..=max` (0–10 by default), with labels for the two ends.
    Rating {
        min: i64,
        max: i64,
        min_label: Text,
        max_label: Text,
        /// Non-substantive extra options such as "don't know".
        extra: Vec<Choice>,
    },
    Number {
        integer: bool,
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<Text>,
    },
    ShortText {
        max_length: usize,
    },
    LongText {
        max_length: usize,
    },
    Date {
        min: Option<time::Date>,
        max: Option<time::Date>,
    },
}

#[derive(Debug, Clone)]
pub struct GridItem {
    pub id: String,
    pub text: Text,
}

#[derive(Debug, Clone)]
pub struct Choice {
    /// The stored code, e.g. `"4"` or `"baghdad"`.
    pub code: String,
    pub label: Text,
    /// "Don't know", "prefer not to say": left out of estimates.
    pub non_substantive: bool,
    /// Kept last (in file order) when the options are randomised.
    pub anchored: bool,
    /// In a multiple choice, cannot be combined with other options ("none of these").
    pub exclusive: bool,
    /// Numeric score for means (Likert 1–5); `None` for nominal options.
    pub score: Option<f64>,
}

/// `show_if` expressions over earlier answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `q == "code"` (for multiple choice: the option is among those chosen).
    Equals(String, Value),
    NotEquals(String, Value),
    /// `q in ["a", "b"]`.
    In(String, Vec<Value>),
    /// `q < 3`, `q >= 18`, on numbers, ratings and scored options.
    Compare(String, CmpOp, f64),
    /// `answered(q)`.
    Answered(String),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub struct CompositeIndex {
    pub id: String,
    pub label: Text,
    /// Likert / rating answers averaged, each rescaled to 0–100 from its scale's ends.
    pub items: Vec<String>,
    /// Minimum number of substantive item answers for the index to be computed.
    pub min_items: usize,
}

/// One stored answer, as it appears in the response's JSON. Interpreted with the question's
/// kind: a single code, a text or an ISO date (`YYYY-MM-DD`) is a string; the codes of a
/// multiple choice are an array; numbers and ratings are normalised (ASCII digits, `.`) numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Number(f64),
    Codes(Vec<String>),
    Value(String),
}

/// Read by the JSON value's own type in one pass. (`#[serde(untagged)]` buffered each value
/// and tried the variants in turn, formatting an error message for each miss: a string
/// answer cost two messages — a tenth of an export's time.)
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Answer;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a string or an array of strings")
            }
            fn visit_f64<E>(self, x: f64) -> Result<Answer, E> {
                Ok(Answer::Number(x))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Answer, E> {
                Ok(Answer::Number(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Answer, E> {
                Ok(Answer::Number(x as f64))
            }
            fn visit_str<E>(self, s: &str) -> Result<Answer, E> {
                Ok(Answer::Value(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Answer, E> {
                Ok(Answer::Value(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Answer, A::Error> {
                let mut codes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(code) = seq.next_element::<String>()? {
                    codes.push(code);
                }
                Ok(Answer::Codes(codes))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Answers keyed by question id (grid answers by item id). Ordered for stable storage.
pub type Answers = BTreeMap<String, Answer>;

impl Survey {
    /// Every question in page order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.pages.iter().flat_map(|p| p.questions.iter())
    }

    /// The question with this id (not a grid item id; see [`Survey::question_of`]).
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// The question that owns an answer key: the question itself, or the grid holding the item.
    pub fn question_of(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.owns_key(key))
    }

    /// Index of the page that holds an answer key (question id or grid item id).
    pub fn page_of(&self, key: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.questions.iter().any(|q| q.owns_key(key)))
    }

    /// Every answer key (question ids, grid item ids) in page order: the export's columns.
    pub fn answer_keys(&self) -> Vec<&str> {
        self.questions().flat_map(|q| q.answer_keys()).collect()
    }

    /// The declared metadata field with this id.
    pub fn metadata_field(&self, id: &str) -> Option<&MetadataField> {
        self.metadata.iter().find(|m| m.id == id)
    }
}

impl Question {
    /// The keys this question's answers are stored under: the question id, or one key per item
    /// for a Likert grid.
    pub fn answer_keys(&self) -> Vec<&str> {
        match &self.kind {
            QuestionKind::LikertGrid { items, .. } => items.iter().map(|i| i.id.as_str()).collect(),
            _ => vec![self.id.as_str()],
        }
    }

    /// True when `key` is one of [`Question::answer_keys`].
    pub fn owns_key(&self, key: &str) -> bool {
        match &self.kind {
            QuestionKind::LikertGrid { items, .. } => items.iter().any(|i| i.id == key),
            _ => self.id == key,
        }
    }

    /// The grid item stored under `key`, when this question is a Likert grid.
    pub fn grid_item(&self, key: &str) -> Option<&GridItem> {
        match &self.kind {
            QuestionKind::LikertGrid { items, .. } => items.iter().find(|i| i.id == key),
            _ => None,
        }
    }

    /// Every coded choice an answer may take, in file order: the options of a choice question,
    /// the scale of a Likert item or grid, the extra codes of a rating; empty otherwise.
    pub fn choices(&self) -> &[Choice] {
        match &self.kind {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultipleChoice { options, .. } => options,
            QuestionKind::Likert { scale } | QuestionKind::LikertGrid { scale, .. } => scale,
            QuestionKind::Rating { extra, .. } => extra,
            _ => &[],
        }
    }

    /// The choice with this code, if any.
    pub fn choice(&self, code: &str) -> Option<&Choice> {
        self.choices().iter().find(|c| c.code == code)
    }

    /// The `type` key of the question in the survey file.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}

impl QuestionKind {
    /// Every question type, as written in the `type` key of a survey file.
    pub const TYPE_NAMES: [&'static str; 9] = [
        "single_choice",
        "multiple_choice",
        "likert",
        "likert_grid",
        "rating",
        "number",
        "short_text",
        "long_text",
        "date",
    ];

    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::Likert { .. } => "likert",
            QuestionKind::LikertGrid { .. } => "likert_grid",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::Number { .. } => "number",
            QuestionKind::ShortText { .. } => "short_text",
            QuestionKind::LongText { .. } => "long_text",
            QuestionKind::Date { .. } => "date",
        }
    }
}

impl Question {
    /// A short hash of what respondents were asked: the wording in both languages and the
    /// type with its options, codes, items and limits (not the hint or the interviewer's
    /// note). Two survey versions whose fingerprints of a question agree asked the same
    /// question, so their answers may be pooled.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let content = format!("{}\u{1f}{:?}\u{1f}{:?}", self.id, self.text, self.kind);
        let digest = Sha256::digest(content.as_bytes());
        digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
    }
}

impl Survey {
    /// Every question's [`Question::fingerprint`], `id:hash` joined by `,`: stamped on each
    /// response (metadata `content`), so that results know which versions asked a question
    /// in the same words long after the file changed.
    pub fn content_stamp(&self) -> &str {
        self.content_memo.get_or_init(|| {
            self.questions()
                .map(|q| format!("{}:{}", q.id, q.fingerprint()))
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// A [`Survey::content_stamp`] read back: question id → fingerprint.
pub fn read_content_stamp(stamp: &str) -> BTreeMap<String, String> {
    stamp
        .split(',')
        .filter_map(|p| p.split_once(':'))
        .map(|(q, h)| (q.to_string(), h.to_string()))
        .collect()
}

impl Question {
    /// The ends of the numeric scale used to rescale an answer to 0–100 in a composite index:
    /// a rating's `min..max`, or the lowest and highest scores of a Likert scale.
    pub fn score_range(&self) -> Option<(f64, f64)> {
        match &self.kind {
            QuestionKind::Rating { min, max, .. } => Some((*min as f64, *max as f64)),
            QuestionKind::Likert { scale } | QuestionKind::LikertGrid { scale, .. } => {
                let scores = scale.iter().filter_map(|c| c.score);
                let lo = scores.clone().fold(f64::INFINITY, f64::min);
                let hi = scores.fold(f64::NEG_INFINITY, f64::max);
                (lo < hi).then_some((lo, hi))
            }
            _ => None,
        }
    }
}

impl CompositeIndex {
    /// The index for one response: the mean of its items' substantive answers, each rescaled
    /// to 0–100 from its scale's ends; `None` when fewer than `min_items` items have one.
    pub fn value(&self, survey: &Survey, answers: &Answers) -> Option<f64> {
        let mut sum = 0.0;
        let mut n = 0usize;
        for key in &self.items {
            let Some(q) = survey.question_of(key) else {
                continue;
            };
            let (Some((lo, hi)), Some(a)) = (q.score_range(), answers.get(key)) else {
                continue;
            };
            let x = match a {
                Answer::Number(x) => Some(*x),
                Answer::Value(code) => q.choice(code).and_then(|c| c.score),
                Answer::Codes(_) => None,
            };
            if let Some(x) = x {
                sum += (x - lo) / (hi - lo) * 100.0;
                n += 1;
            }
        }
        (n >= self.min_items.max(1)).then(|| sum / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::Answer;

    #[test]
    fn answers_read_back_as_they_were_written() {
        let cases = [
            Answer::Number(3.0),
            Answer::Number(-1250.75),
            Answer::Value("yes".into()),
            Answer::Value("الشارع مظلم".into()),
            Answer::Codes(vec!["a".into(), "b".into()]),
            Answer::Codes(vec![]),
        ];
        for a in cases {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), a, "{json}");
            let value = serde_json::to_value(&a).unwrap();
            assert_eq!(serde_json::from_value::<Answer>(value).unwrap(), a);
        }
        assert_eq!(
            serde_json::from_str::<Answer>("7").unwrap(),
            Answer::Number(7.0)
        );
        assert_eq!(
            serde_json::from_str::<Option<Answer>>("null").unwrap(),
            None
        );
        for bad in ["true", "{}", "[1]", "[\"a\", null]"] {
            assert!(serde_json::from_str::<Answer>(bad).is_err(), "{bad}");
        }
    }
}
