//! The survey file as written: serde structs that mirror the TOML keys one to one and keep
//! each value's byte span, so that validation can name the line of every problem. Unknown keys
//! are rejected here (`deny_unknown_fields`); everything else is checked in [`super::load`].

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The survey header: everything at the top level except `[[pages]]`, which is read page by
/// page so that one broken question does not hide the problems of the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub id: Spanned<String>,
    pub wave: Spanned<String>,
    pub title: Spanned<Text>,
    pub intro: Option<Spanned<Text>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub metadata: Vec<Spanned<Metadata>>,
    /// Named Likert scales shared by several questions (`scale = "agree5"`).
    #[serde(default)]
    pub scales: BTreeMap<String, Spanned<Vec<Spanned<Choice>>>>,
    #[serde(default)]
    pub indices: Vec<Spanned<Index>>,
}

/// `{ ar = "...", en = "..." }`. Both are optional here so that a missing one is reported as a
/// missing translation, with its line, rather than as a serde error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub id: Spanned<String>,
    pub label: Spanned<Text>,
    pub values: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub id: Spanned<String>,
    pub label: Spanned<Text>,
    pub items: Spanned<Vec<Spanned<String>>>,
    pub min_items: Option<Spanned<i64>>,
}

/// A page without its `[[pages.questions]]` (read one by one).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageHeader {
    pub id: Spanned<String>,
    pub title: Option<Spanned<Text>>,
}

/// An option, a scale point or a rating's extra code:
/// `{ code = "yes", ar = "نعم", en = "Yes" }` plus flags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: Spanned<String>,
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
    #[serde(default)]
    pub non_substantive: bool,
    #[serde(default)]
    pub anchored: bool,
    #[serde(default)]
    pub exclusive: bool,
    pub score: Option<Spanned<f64>>,
}

/// A Likert grid row: `{ id = "safe_day", ar = "...", en = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Spanned<String>,
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
}

/// Every key any question type may carry; which keys apply to which type is checked in
/// [`super::load`] so that the message can say "`scale` does not apply to a `number` question".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub text: Spanned<Text>,
    pub hint: Option<Spanned<Text>>,
    pub required: Option<Spanned<bool>>,
    pub show_if: Option<Spanned<String>>,
    pub options: Option<Spanned<Vec<Spanned<Choice>>>>,
    pub scale: Option<Spanned<String>>,
    pub items: Option<Spanned<Vec<Spanned<Item>>>>,
    pub randomize: Option<Spanned<bool>>,
    pub min: Option<Spanned<toml::Value>>,
    pub max: Option<Spanned<toml::Value>>,
    pub min_label: Option<Spanned<Text>>,
    pub max_label: Option<Spanned<Text>>,
    pub extra: Option<Spanned<Vec<Spanned<Choice>>>>,
    pub integer: Option<Spanned<bool>>,
    pub unit: Option<Spanned<Text>>,
    pub max_length: Option<Spanned<i64>>,
}

impl Question {
    /// The optional keys present, with their spans, for the "does not apply" check.
    pub fn present_keys(&self) -> Vec<(&'static str, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        macro_rules! key {
            ($($f:ident),*) => {$(
                if let Some(v) = &self.$f {
                    out.push((stringify!($f), v.span()));
                }
            )*};
        }
        key!(
            options, scale, items, randomize, min, max, min_label, max_label, extra, integer, unit,
            max_length
        );
        out
    }
}
