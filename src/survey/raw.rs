//! The survey file as written, read key by key from the parsed TOML document into structs that
//! keep each value's byte span, so that validation can name the line of every problem.
//!
//! Every key of every table is looked at and reading goes on after a problem: an unknown key, a
//! value of the wrong type and a missing key are one problem each, so that `mizan check`
//! reports them all in one run (serde's derive stops at the first problem of a table, which made
//! designers fix a file one message at a time). A value of the wrong type is reported here and
//! then treated as absent; its key is remembered in `bad` so that [`super::load`] does not report
//! it again as missing. What the values mean is checked in [`super::load`].

use super::load::shown;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub type Value<'i> = Spanned<DeValue<'i>>;

/// A problem found while reading: the bytes it is about and a sentence.
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
}

pub type Problems = Vec<Problem>;

/// The keys of the survey header (the top level, `pages` included).
const HEADER_KEYS: &[&str] = &[
    "id",
    "wave",
    "draft",
    "title",
    "intro",
    "sponsor",
    "population",
    "sources",
    "metadata",
    "scales",
    "indices",
    "quotas",
    "pages",
];
const PAGE_KEYS: &[&str] = &["id", "title", "questions"];
/// Keys every question may carry; the others depend on its type.
pub const QUESTION_COMMON_KEYS: &[&str] = &[
    "id",
    "type",
    "text",
    "hint",
    "interviewer",
    "required",
    "show_if",
    "headline",
];
const QUESTION_KEYS: &[&str] = &[
    "id",
    "type",
    "text",
    "hint",
    "interviewer",
    "required",
    "show_if",
    "headline",
    "options",
    "scale",
    "items",
    "randomize",
    "min",
    "max",
    "min_label",
    "max_label",
    "extra",
    "integer",
    "unit",
    "max_length",
];
const CHOICE_KEYS: &[&str] = &[
    "code",
    "ar",
    "en",
    "non_substantive",
    "anchored",
    "exclusive",
    "score",
];
const ITEM_KEYS: &[&str] = &["id", "ar", "en"];
const TEXT_KEYS: &[&str] = &["ar", "en"];
const METADATA_KEYS: &[&str] = &["id", "label", "values"];
const INDEX_KEYS: &[&str] = &["id", "label", "items", "min_items"];
const QUOTA_KEYS: &[&str] = &["id", "by", "limit", "limits"];

/// What a value is, for "expected …, found …".
fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the string \"{}\"", shown(s)),
        DeValue::Integer(i) => format!("the whole number {}", shown(&i.to_string())),
        DeValue::Float(f) => format!("the number {}", shown(f.as_str())),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "an array [ … ]".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// Edit distance between two short keys, to suggest `required` for `requried`.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = here;
        }
    }
    row[b.len()]
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One table being read. Keys are taken out as they are read; what is left at the end is
/// unknown.
pub struct Table<'i> {
    pub span: Range<usize>,
    /// How messages name the table ("question `contact`"); empty for the top level.
    what: String,
    /// Prefix of key names in messages: `text.` inside `text = { … }`.
    path: String,
    map: DeTable<'i>,
    /// Keys present with a value of the wrong type (already reported).
    pub bad: Vec<&'static str>,
}

impl<'i> Table<'i> {
    fn from_map(map: DeTable<'i>, span: Range<usize>, what: String) -> Self {
        Table {
            span,
            what,
            path: String::new(),
            map,
            bad: Vec::new(),
        }
    }

    fn prefix(&self) -> String {
        if self.what.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.what)
        }
    }

    fn take(&mut self, key: &str) -> Option<Value<'i>> {
        self.map.remove(key)
    }

    fn wrong(&mut self, key: &'static str, v: &Value<'_>, expected: &str, p: &mut Problems) {
        self.bad.push(key);
        p.push(Problem {
            span: v.span(),
            message: format!(
                "{}wrong type for `{}{key}`: expected {expected}, found {}",
                self.prefix(),
                self.path,
                found(v.get_ref())
            ),
        });
    }

    /// Reports `key` as missing unless it is there (read or not yet read) or was reported.
    fn require<T>(&mut self, key: &'static str, got: Option<T>, p: &mut Problems) -> Option<T> {
        if got.is_none() && !self.bad.contains(&key) {
            p.push(Problem {
                span: self.span.clone(),
                message: format!("{}missing key `{}{key}`", self.prefix(), self.path),
            });
        }
        got
    }

    pub fn string(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<String>> {
        let v = self.take(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            _ => {
                self.wrong(key, &v, "a string in quotes", p);
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<bool>> {
        let v = self.take(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Spanned::new(v.span(), *b)),
            _ => {
                self.wrong(key, &v, "a boolean (true or false, without quotes)", p);
                None
            }
        }
    }

    fn flag(&mut self, key: &'static str, p: &mut Problems) -> bool {
        self.boolean(key, p).is_some_and(|b| *b.get_ref())
    }

    pub fn integer(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<i64>> {
        let v = self.take(key)?;
        match scalar(v.get_ref()) {
            Some(toml::Value::Integer(n)) => Some(Spanned::new(v.span(), n)),
            _ => {
                self.wrong(key, &v, "a whole number", p);
                None
            }
        }
    }

    pub fn number(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<f64>> {
        let v = self.take(key)?;
        match scalar(v.get_ref()) {
            Some(toml::Value::Integer(n)) => Some(Spanned::new(v.span(), n as f64)),
            Some(toml::Value::Float(f)) => Some(Spanned::new(v.span(), f)),
            _ => {
                self.wrong(key, &v, "a number", p);
                None
            }
        }
    }

    /// A number, a string, a date or a boolean, as written: `min` and `max` mean numbers or
    /// dates depending on the question type, which [`super::load`] checks.
    pub fn scalar(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<toml::Value>> {
        let v = self.take(key)?;
        match scalar(v.get_ref()) {
            Some(s) => Some(Spanned::new(v.span(), s)),
            None => {
                self.wrong(key, &v, "a number or a date", p);
                None
            }
        }
    }

    /// `key = { ar = "…", en = "…" }`.
    pub fn text(&mut self, key: &'static str, p: &mut Problems) -> Option<Spanned<Text>> {
        let v = self.take(key)?;
        let span = v.span();
        let map = match v.into_inner() {
            DeValue::Table(map) => map,
            other => {
                let v = Spanned::new(span, other);
                self.wrong(key, &v, "a text { ar = \"…\", en = \"…\" }", p);
                return None;
            }
        };
        let mut t = Table {
            span: span.clone(),
            what: self.what.clone(),
            path: format!("{}{key}.", self.path),
            map,
            bad: Vec::new(),
        };
        let ar = t.string("ar", p);
        let en = t.string("en", p);
        let bad = t.bad.clone();
        t.finish(TEXT_KEYS, TEXT_KEYS, p);
        Some(Spanned::new(span, Text { ar, en, bad }))
    }

    /// An array whose elements are read by `each` (which reports its own problems); elements
    /// it cannot read are left out.
    pub fn array<T>(
        &mut self,
        key: &'static str,
        expected: &str,
        p: &mut Problems,
        mut each: impl FnMut(usize, Value<'i>, &mut Problems) -> Option<T>,
    ) -> Option<Spanned<Vec<T>>> {
        let v = self.take(key)?;
        let span = v.span();
        match v.into_inner() {
            DeValue::Array(items) => {
                let out = items
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, item)| each(i, item, p))
                    .collect();
                Some(Spanned::new(span, out))
            }
            other => {
                self.wrong(key, &Spanned::new(span, other), expected, p);
                None
            }
        }
    }

    /// An array of strings (`sources`, index `items`, metadata `values`).
    pub fn strings(
        &mut self,
        key: &'static str,
        p: &mut Problems,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let prefix = self.prefix();
        let path = format!("{}{key}", self.path);
        self.array(key, "an array of strings [\"…\", \"…\"]", p, |i, v, p| {
            match v.get_ref() {
                DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
                other => {
                    p.push(Problem {
                        span: v.span(),
                        message: format!(
                            "{prefix}wrong type for element {} of `{path}`: expected a string in quotes, found {}",
                            i + 1,
                            found(other)
                        ),
                    });
                    None
                }
            }
        })
    }

    /// A table nested in this one (`[scales]`), as its entries.
    fn entries(
        &mut self,
        key: &'static str,
        expected: &str,
        p: &mut Problems,
    ) -> Option<Vec<(Spanned<String>, Value<'i>)>> {
        let v = self.take(key)?;
        let span = v.span();
        match v.into_inner() {
            DeValue::Table(map) => Some(
                map.into_iter()
                    .map(|(k, v)| (Spanned::new(k.span(), k.get_ref().to_string()), v))
                    .collect(),
            ),
            other => {
                self.wrong(key, &Spanned::new(span, other), expected, p);
                None
            }
        }
    }

    /// Reports every key not read: `known` are the keys of this kind of table, `listed` the
    /// ones worth suggesting (those of the question's type).
    pub fn finish(self, known: &[&str], listed: &[&str], p: &mut Problems) {
        let prefix = self.prefix();
        let mut left: Vec<_> = self.map.into_iter().collect();
        left.sort_by_key(|(k, _)| k.span().start);
        for (k, _) in left {
            let key = k.get_ref();
            // A key of this kind of table that is still here was not read on purpose.
            if known.contains(&key.as_ref()) {
                continue;
            }
            let close = known
                .iter()
                .filter(|c| key.len() > 2 && distance(key, c) <= 2)
                .min_by_key(|c| distance(key, c));
            let hint = match close {
                Some(c) => format!("did you mean `{}{c}`?", self.path),
                None => format!("expected one of {}", list(listed)),
            };
            p.push(Problem {
                span: k.span(),
                message: format!("{prefix}unknown key `{}{}`; {hint}", self.path, shown(key)),
            });
        }
    }
}

/// A leaf value as a `toml::Value`; `None` for arrays and tables.
fn scalar(v: &DeValue<'_>) -> Option<toml::Value> {
    Some(match v {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        // The parser has already refused integers outside i64; a failure here is one more
        // way of being out of range, reported by the caller as a wrong value.
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(i.as_str(), i.radix()).ok()?)
        }
        DeValue::Float(f) => {
            let s = f.as_str();
            let n = s.parse::<f64>().ok()?;
            toml::Value::Float(n)
        }
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(_) | DeValue::Table(_) => return None,
    })
}

/// `value` as a table named `what`, or a problem saying it should be one.
fn table<'i>(
    value: Value<'i>,
    what: String,
    expected: &str,
    p: &mut Problems,
) -> Option<Table<'i>> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Table(map) => Some(Table::from_map(map, span, what)),
        other => {
            p.push(Problem {
                span,
                message: format!("{what} must be {expected}, found {}", found(&other)),
            });
            None
        }
    }
}

/// `{ ar = "...", en = "..." }`. Both are optional here so that a missing one is reported as a
/// missing translation, with its line, by [`super::load`].
#[derive(Debug)]
pub struct Text {
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
    pub bad: Vec<&'static str>,
}

/// The survey header: everything at the top level except `[[pages]]`, which [`super::load`]
/// reads page by page. Required keys are `Option` here (a missing one is reported) so that the
/// rest of the header is still read and checked.
pub struct Header {
    pub id: Option<Spanned<String>>,
    pub wave: Option<Spanned<String>>,
    /// `draft = true`: previewed by designers, not served to respondents.
    pub draft: Option<Spanned<bool>>,
    pub title: Option<Spanned<Text>>,
    pub intro: Option<Spanned<Text>>,
    /// Who paid for the survey (the methodology note; the organisation when absent).
    pub sponsor: Option<Spanned<Text>>,
    /// Whom the survey's results are about (the methodology note).
    pub population: Option<Spanned<Text>>,
    pub sources: Vec<Spanned<String>>,
    pub metadata: Vec<Spanned<Metadata>>,
    /// Named Likert scales shared by several questions (`scale = "agree5"`).
    pub scales: BTreeMap<String, Spanned<Vec<Spanned<Choice>>>>,
    pub indices: Vec<Spanned<Index>>,
    pub quotas: Vec<Spanned<Quota>>,
}

impl Header {
    /// Reads the top-level table (without `pages`, which the caller has taken out).
    pub fn read(root: DeTable<'_>, span: Range<usize>, p: &mut Problems) -> Header {
        let mut t = Table::from_map(root, span, String::new());
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let wave = t.string("wave", p);
        let wave = t.require("wave", wave, p);
        let draft = t.boolean("draft", p);
        let title = t.text("title", p);
        let title = t.require("title", title, p);
        let intro = t.text("intro", p);
        let sponsor = t.text("sponsor", p);
        let population = t.text("population", p);
        let sources = t
            .strings("sources", p)
            .map(|s| s.into_inner())
            .unwrap_or_default();
        let metadata = t
            .array(
                "metadata",
                "an array of tables, written [[metadata]]",
                p,
                |i, v, p| Metadata::read(i, v, p),
            )
            .map(|s| s.into_inner())
            .unwrap_or_default();
        let mut scales = BTreeMap::new();
        if let Some(entries) = t.entries("scales", "a table, written [scales]", p) {
            for (name, v) in entries {
                let what = format!("scale `{}`", shown(name.get_ref()));
                let span = v.span();
                match v.into_inner() {
                    DeValue::Array(items) => {
                        let points = items
                            .into_iter()
                            .enumerate()
                            .filter_map(|(i, c)| Choice::read(i, c, &what, p))
                            .collect();
                        scales.insert(name.into_inner(), Spanned::new(span, points));
                    }
                    other => p.push(Problem {
                        span,
                        message: format!(
                            "wrong type for `scales.{}`: expected an array of scale points [{{ code = \"…\", ar = \"…\", en = \"…\" }}, …], found {}",
                            shown(name.get_ref()),
                            found(&other)
                        ),
                    }),
                }
            }
        }
        let indices = t
            .array(
                "indices",
                "an array of tables, written [[indices]]",
                p,
                |i, v, p| Index::read(i, v, p),
            )
            .map(|s| s.into_inner())
            .unwrap_or_default();
        let quotas = t
            .array(
                "quotas",
                "an array of tables, written [[quotas]]",
                p,
                |i, v, p| Quota::read(i, v, p),
            )
            .map(|s| s.into_inner())
            .unwrap_or_default();
        t.finish(HEADER_KEYS, HEADER_KEYS, p);
        Header {
            id,
            wave,
            draft,
            title,
            intro,
            sponsor,
            population,
            sources,
            metadata,
            scales,
            indices,
            quotas,
        }
    }
}

pub struct Quota {
    pub id: Spanned<String>,
    pub by: Option<Spanned<Vec<Spanned<String>>>>,
    pub limit: Option<Spanned<i64>>,
    /// Cell name → its own limit (an integer; anything else is reported here).
    pub limits: Vec<(Spanned<String>, Spanned<i64>)>,
}

impl Quota {
    fn read(i: usize, v: Value<'_>, p: &mut Problems) -> Option<Spanned<Quota>> {
        let span = v.span();
        let what = named(&v, "quota", i);
        let mut t = table(v, what.clone(), "a table, written [[quotas]]", p)?;
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let by = t.strings("by", p);
        let by = t.require("by", by, p);
        let limit = t.integer("limit", p);
        let limit = t.require("limit", limit, p);
        let mut limits = Vec::new();
        for (cell, v) in t
            .entries(
                "limits",
                "a table of cell = whole number, e.g. { \"basra/female\" = 30 }",
                p,
            )
            .unwrap_or_default()
        {
            match scalar(v.get_ref()) {
                Some(toml::Value::Integer(n)) => limits.push((cell, Spanned::new(v.span(), n))),
                _ => p.push(Problem {
                    span: v.span(),
                    message: format!(
                        "{what}: wrong type for `limits.{}`: expected a whole number, found {}",
                        shown(cell.get_ref()),
                        found(v.get_ref())
                    ),
                }),
            }
        }
        t.finish(QUOTA_KEYS, QUOTA_KEYS, p);
        Some(Spanned::new(
            span,
            Quota {
                id: id?,
                by,
                limit,
                limits,
            },
        ))
    }
}

pub struct Metadata {
    pub id: Spanned<String>,
    pub label: Option<Spanned<Text>>,
    pub values: Option<Vec<Spanned<String>>>,
}

impl Metadata {
    fn read(i: usize, v: Value<'_>, p: &mut Problems) -> Option<Spanned<Metadata>> {
        let span = v.span();
        let what = named(&v, "metadata field", i);
        let mut t = table(v, what, "a table, written [[metadata]]", p)?;
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let label = t.text("label", p);
        let label = t.require("label", label, p);
        let values = t.strings("values", p).map(|s| s.into_inner());
        t.finish(METADATA_KEYS, METADATA_KEYS, p);
        Some(Spanned::new(
            span,
            Metadata {
                id: id?,
                label,
                values,
            },
        ))
    }
}

pub struct Index {
    pub id: Spanned<String>,
    pub label: Option<Spanned<Text>>,
    pub items: Spanned<Vec<Spanned<String>>>,
    pub min_items: Option<Spanned<i64>>,
}

impl Index {
    fn read(i: usize, v: Value<'_>, p: &mut Problems) -> Option<Spanned<Index>> {
        let span = v.span();
        let what = named(&v, "index", i);
        let mut t = table(v, what, "a table, written [[indices]]", p)?;
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let label = t.text("label", p);
        let label = t.require("label", label, p);
        let items = t.strings("items", p);
        let items = t.require("items", items, p);
        let min_items = t.integer("min_items", p);
        t.finish(INDEX_KEYS, INDEX_KEYS, p);
        Some(Spanned::new(
            span,
            Index {
                id: id?,
                label,
                items: items?,
                min_items,
            },
        ))
    }
}

/// "question `q1`" when the table has a string `id`, else "question 3" (1-based).
fn named(v: &Value<'_>, noun: &str, i: usize) -> String {
    match v.get_ref() {
        DeValue::Table(t) => match t.get("id").map(|v| v.get_ref()) {
            Some(DeValue::String(id)) => format!("{noun} `{}`", shown(id)),
            _ => format!("{noun} {}", i + 1),
        },
        _ => format!("{noun} {}", i + 1),
    }
}

/// A page without its `[[pages.questions]]` (read one by one by the caller).
pub struct PageHeader {
    pub id: Option<Spanned<String>>,
    pub title: Option<Spanned<Text>>,
}

impl PageHeader {
    /// Reads a page table; its `questions` value is handed back untouched.
    pub fn read<'i>(
        map: DeTable<'i>,
        span: Range<usize>,
        what: String,
        p: &mut Problems,
    ) -> (PageHeader, Option<Value<'i>>) {
        let mut t = Table::from_map(map, span, what);
        let questions = t.take("questions");
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let title = t.text("title", p);
        t.finish(PAGE_KEYS, PAGE_KEYS, p);
        (PageHeader { id, title }, questions)
    }
}

/// An option, a scale point or a rating's extra code:
/// `{ code = "yes", ar = "نعم", en = "Yes" }` plus flags.
pub struct Choice {
    pub code: Spanned<String>,
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
    pub non_substantive: bool,
    pub anchored: bool,
    pub exclusive: bool,
    pub score: Option<Spanned<f64>>,
    pub bad: Vec<&'static str>,
}

impl Choice {
    /// Element `i` of a list of choices of `owner` ("question `q`", "scale `agree5`").
    fn read(i: usize, v: Value<'_>, owner: &str, p: &mut Problems) -> Option<Spanned<Choice>> {
        let span = v.span();
        let what = match v.get_ref() {
            DeValue::Table(t) => match t.get("code").map(|v| v.get_ref()) {
                Some(DeValue::String(c)) => format!("option `{}` of {owner}", shown(c)),
                _ => format!("option {} of {owner}", i + 1),
            },
            _ => format!("option {} of {owner}", i + 1),
        };
        let mut t = table(
            v,
            what,
            "a table { code = \"…\", ar = \"…\", en = \"…\" }",
            p,
        )?;
        let code = t.string("code", p);
        let code = t.require("code", code, p);
        let ar = t.string("ar", p);
        let en = t.string("en", p);
        let non_substantive = t.flag("non_substantive", p);
        let anchored = t.flag("anchored", p);
        let exclusive = t.flag("exclusive", p);
        let score = t.number("score", p);
        let bad = t.bad.clone();
        t.finish(CHOICE_KEYS, CHOICE_KEYS, p);
        Some(Spanned::new(
            span,
            Choice {
                code: code?,
                ar,
                en,
                non_substantive,
                anchored,
                exclusive,
                score,
                bad,
            },
        ))
    }
}

/// A Likert grid row: `{ id = "safe_day", ar = "...", en = "..." }`.
pub struct Item {
    pub id: Spanned<String>,
    pub ar: Option<Spanned<String>>,
    pub en: Option<Spanned<String>>,
    pub bad: Vec<&'static str>,
}

impl Item {
    fn read(i: usize, v: Value<'_>, owner: &str, p: &mut Problems) -> Option<Spanned<Item>> {
        let span = v.span();
        let what = format!("{} of {owner}", named(&v, "item", i));
        let mut t = table(v, what, "a table { id = \"…\", ar = \"…\", en = \"…\" }", p)?;
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let ar = t.string("ar", p);
        let en = t.string("en", p);
        let bad = t.bad.clone();
        t.finish(ITEM_KEYS, ITEM_KEYS, p);
        Some(Spanned::new(
            span,
            Item {
                id: id?,
                ar,
                en,
                bad,
            },
        ))
    }
}

/// Every key any question type may carry; which keys apply to which type is checked in
/// [`super::load`] so that the message can say "`scale` does not apply to a `number` question".
pub struct Question {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub text: Option<Spanned<Text>>,
    pub hint: Option<Spanned<Text>>,
    /// What a field interviewer reads or does (`interviewer = { ar, en }`).
    pub interviewer: Option<Spanned<Text>>,
    pub required: Option<Spanned<bool>>,
    pub show_if: Option<Spanned<String>>,
    pub options: Option<Spanned<Vec<Spanned<Choice>>>>,
    pub scale: Option<Spanned<String>>,
    pub items: Option<Spanned<Vec<Spanned<Item>>>>,
    pub randomize: Option<Spanned<bool>>,
    /// Shown at the top of the results (`headline = true`).
    pub headline: Option<Spanned<bool>>,
    pub min: Option<Spanned<toml::Value>>,
    pub max: Option<Spanned<toml::Value>>,
    pub min_label: Option<Spanned<Text>>,
    pub max_label: Option<Spanned<Text>>,
    pub extra: Option<Spanned<Vec<Spanned<Choice>>>>,
    pub integer: Option<Spanned<bool>>,
    pub unit: Option<Spanned<Text>>,
    pub max_length: Option<Spanned<i64>>,
    /// Keys present with a value of the wrong type, already reported.
    pub bad: Vec<&'static str>,
}

impl Question {
    /// Reads one `[[pages.questions]]` table named `what`. `None` when its `id` or `type` is
    /// missing or not a string; every other key has been read and reported all the same.
    /// `applies` gives the type-specific keys of a type, to list them after an unknown key.
    pub fn read(
        v: Value<'_>,
        what: String,
        applies: fn(&str) -> &'static [&'static str],
        p: &mut Problems,
    ) -> Option<Question> {
        let mut t = table(v, what.clone(), "a table, written [[pages.questions]]", p)?;
        let id = t.string("id", p);
        let id = t.require("id", id, p);
        let kind = t.string("type", p);
        let kind = t.require("type", kind, p);
        let text = t.text("text", p);
        let text = t.require("text", text, p);
        let hint = t.text("hint", p);
        let interviewer = t.text("interviewer", p);
        let required = t.boolean("required", p);
        let show_if = t.string("show_if", p);
        let headline = t.boolean("headline", p);
        let choices = |t: &mut Table<'_>, key: &'static str, p: &mut Problems| {
            t.array(
                key,
                "an array of options [{ code = \"…\", ar = \"…\", en = \"…\" }, …]",
                p,
                |i, c, p| Choice::read(i, c, &what, p),
            )
        };
        let options = choices(&mut t, "options", p);
        let extra = choices(&mut t, "extra", p);
        let scale = t.string("scale", p);
        let items = t.array(
            "items",
            "an array of items [{ id = \"…\", ar = \"…\", en = \"…\" }, …]",
            p,
            |i, c, p| Item::read(i, c, &what, p),
        );
        let randomize = t.boolean("randomize", p);
        let min = t.scalar("min", p);
        let max = t.scalar("max", p);
        let min_label = t.text("min_label", p);
        let max_label = t.text("max_label", p);
        let integer = t.boolean("integer", p);
        let unit = t.text("unit", p);
        let max_length = t.integer("max_length", p);
        let bad = t.bad.clone();
        let listed: Vec<&str> = match &kind {
            Some(k) => QUESTION_COMMON_KEYS
                .iter()
                .chain(applies(k.get_ref()))
                .copied()
                .collect(),
            None => QUESTION_KEYS.to_vec(),
        };
        t.finish(QUESTION_KEYS, &listed, p);
        Some(Question {
            id: id?,
            kind: kind?,
            text,
            hint,
            interviewer,
            required,
            show_if,
            headline,
            options,
            scale,
            items,
            randomize,
            min,
            max,
            min_label,
            max_label,
            extra,
            integer,
            unit,
            max_length,
            bad,
        })
    }

    /// True when `key` was there with a value of the wrong type (already reported).
    pub fn is_bad(&self, key: &str) -> bool {
        self.bad.contains(&key)
    }

    /// The optional keys present, with their spans, for the "does not apply" check.
    pub fn present_keys(&self) -> Vec<(&'static str, Range<usize>)> {
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
