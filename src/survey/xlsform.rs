//! XLSForm (the spreadsheet format of KoboToolbox and ODK) to a Mizan survey file.
//!
//! The supported subset: `select_one`, `select_multiple`, `integer`, `decimal`, `text`, `date`,
//! `note`; `begin group`/`end group` as pages; labels and hints in `label::Arabic (ar)` and
//! `label::English (en)` columns; `required`; `relevant` where `show_if` can say the same;
//! `constraint` for ranges. Every row or cell that cannot be converted is reported with its
//! sheet, row and column, and left out; the result is checked by the survey loader before it
//! is handed back, so what is written always passes `mizan check`.
//!
//! Pure: the workbook arrives as rows of text (read by `mizan import`, see src/cli/import.rs).

use super::load::{parse_str, shown};
use super::model::{Lang, Survey, Text};
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A workbook as rows of text.
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

pub struct Sheet {
    pub name: String,
    /// The first row is the header.
    pub rows: Vec<Row>,
}

pub struct Row {
    /// The row number as the spreadsheet shows it (the header is usually row 1).
    pub number: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Something of the form is not in the survey file.
    NotConverted,
    /// Converted, but differently from how it was written (a renamed id, a page split).
    Changed,
}

/// One line of the import report.
#[derive(Debug, Clone)]
pub struct Note {
    pub sheet: String,
    /// 0: the sheet as a whole.
    pub row: usize,
    /// The column's header, or empty for the whole row.
    pub column: String,
    pub kind: NoteKind,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "{} sheet", self.sheet)?;
        } else {
            write!(f, "{} row {}", self.sheet, self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        let kind = match self.kind {
            NoteKind::NotConverted => "not converted",
            NoteKind::Changed => "changed",
        };
        write!(f, ": {kind}: {}", self.message)
    }
}

/// A converted form: the survey file's text, the survey it loads as, and the report.
pub struct Conversion {
    pub toml: String,
    pub survey: Survey,
    pub notes: Vec<Note>,
}

impl Conversion {
    /// True when every row was converted as written (notes of kind `Changed` aside).
    pub fn complete(&self) -> bool {
        self.notes.iter().all(|n| n.kind != NoteKind::NotConverted)
    }
}

/// The language of a `label`, `hint` or `form_title` column.
#[derive(Debug, Clone, PartialEq)]
enum ColLang {
    /// The plain column: the form's default language.
    Default,
    Known(Lang),
    Other(String),
}

/// `label::Arabic (ar)`, `label::English (en)`, `label::ar`, `label::Arabic`, or the plain `label`.
fn column_lang(header: &str, base: &str) -> Option<ColLang> {
    let h = header.trim().to_lowercase();
    if h == base {
        return Some(ColLang::Default);
    }
    let rest = h.strip_prefix(base)?.strip_prefix("::")?.trim();
    Some(match lang_of(rest) {
        Some(l) => ColLang::Known(l),
        None => ColLang::Other(rest.to_string()),
    })
}

/// "Arabic (ar)", "arabic", "ar", "العربية" → Arabic; the same for English.
fn lang_of(spec: &str) -> Option<Lang> {
    let spec = spec.trim().to_lowercase();
    let code = spec
        .rsplit_once('(')
        .and_then(|(_, c)| c.strip_suffix(')'))
        .map(str::trim);
    let name = spec.split('(').next().unwrap_or("").trim();
    match (code, name) {
        (Some("ar"), _) | (_, "arabic" | "ar" | "العربية" | "عربي") => Some(Lang::Ar),
        (Some("en"), _) | (_, "english" | "en") => Some(Lang::En),
        _ => None,
    }
}

fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// Which texts of a row: the label, the hint, or the guidance hint (for the interviewer).
#[derive(Clone, Copy, PartialEq)]
enum TextCol {
    Label,
    Hint,
    Guidance,
}

impl TextCol {
    fn base(self) -> &'static str {
        match self {
            TextCol::Label => "label",
            TextCol::Hint => "hint",
            TextCol::Guidance => "guidance_hint",
        }
    }
}

/// Where the texts of one kind (`label`, `hint`, `guidance_hint`) are in a sheet.
#[derive(Default)]
struct LangCols {
    ar: Option<usize>,
    en: Option<usize>,
}

struct SheetCols {
    sheet: String,
    headers: Vec<String>,
    plain: HashMap<String, usize>,
    label: LangCols,
    hint: LangCols,
    /// ODK's guidance hint, written for the enumerator: the question's `interviewer` text.
    guidance: LangCols,
}

impl SheetCols {
    /// Reads the header row; `default` is the settings' default language, if any. Reports
    /// columns of other languages once.
    fn new(sheet: &Sheet, default: Option<Lang>, notes: &mut Vec<Note>) -> SheetCols {
        let headers: Vec<String> = sheet
            .rows
            .first()
            .map(|r| r.cells.iter().map(|c| c.trim().to_string()).collect())
            .unwrap_or_default();
        let mut cols = SheetCols {
            sheet: sheet.name.clone(),
            headers: headers.clone(),
            plain: HashMap::new(),
            label: LangCols::default(),
            hint: LangCols::default(),
            guidance: LangCols::default(),
        };
        let mut plain_label = None;
        let mut plain_hint = None;
        let mut plain_guidance = None;
        for (i, h) in headers.iter().enumerate() {
            let lower = h.to_lowercase();
            for (base, slot, plain) in [
                ("label", &mut cols.label, &mut plain_label),
                ("hint", &mut cols.hint, &mut plain_hint),
                ("guidance_hint", &mut cols.guidance, &mut plain_guidance),
            ] {
                match column_lang(h, base) {
                    Some(ColLang::Default) => *plain = Some(i),
                    Some(ColLang::Known(Lang::Ar)) => slot.ar = slot.ar.or(Some(i)),
                    Some(ColLang::Known(Lang::En)) => slot.en = slot.en.or(Some(i)),
                    Some(ColLang::Other(l)) => notes.push(Note {
                        sheet: sheet.name.clone(),
                        row: 0,
                        column: h.clone(),
                        kind: NoteKind::NotConverted,
                        message: format!(
                            "the language `{}` is not used: Mizan serves Arabic and English",
                            shown(&l)
                        ),
                    }),
                    None => {}
                }
            }
            cols.plain.entry(lower).or_insert(i);
        }
        // The plain column is the default language: as the settings say, else as its texts
        // are written (Arabic script or not).
        for (base, plain) in [
            ("label", plain_label),
            ("hint", plain_hint),
            ("guidance_hint", plain_guidance),
        ] {
            let Some(i) = plain else { continue };
            let lang = default.unwrap_or_else(|| {
                let texts: Vec<&str> = sheet
                    .rows
                    .iter()
                    .skip(1)
                    .filter_map(|r| r.cells.get(i).map(String::as_str))
                    .filter(|t| !t.trim().is_empty())
                    .collect();
                let arabic = texts.iter().filter(|t| has_arabic(t)).count();
                let lang = if arabic * 2 > texts.len() {
                    Lang::Ar
                } else {
                    Lang::En
                };
                if !texts.is_empty() {
                    notes.push(Note {
                        sheet: sheet.name.clone(),
                        row: 0,
                        column: base.to_string(),
                        kind: NoteKind::Changed,
                        message: format!(
                            "read as {} from its texts; name the language in the settings sheet's default_language to be sure",
                            if lang == Lang::Ar { "Arabic" } else { "English" }
                        ),
                    });
                }
                lang
            });
            let slot = match base {
                "label" => &mut cols.label,
                "hint" => &mut cols.hint,
                _ => &mut cols.guidance,
            };
            match lang {
                Lang::Ar => slot.ar = slot.ar.or(Some(i)),
                Lang::En => slot.en = slot.en.or(Some(i)),
            }
        }
        cols
    }

    fn cell<'r>(&self, row: &'r Row, name: &str) -> &'r str {
        self.plain
            .get(name)
            .and_then(|&i| row.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn header(&self, i: Option<usize>) -> String {
        i.and_then(|i| self.headers.get(i))
            .cloned()
            .unwrap_or_default()
    }

    /// The texts of `which` in both languages: `Ok(None)` when both are empty, `Err` naming
    /// the missing language's column.
    fn texts(&self, row: &Row, which: TextCol) -> std::result::Result<Option<Text>, String> {
        let cols = match which {
            TextCol::Label => &self.label,
            TextCol::Hint => &self.hint,
            TextCol::Guidance => &self.guidance,
        };
        let get = |i: Option<usize>| {
            i.and_then(|i| row.cells.get(i))
                .map_or("", |s| s.trim())
                .to_string()
        };
        let (ar, en) = (get(cols.ar), get(cols.en));
        let base = which.base();
        match (ar.is_empty(), en.is_empty()) {
            (true, true) => Ok(None),
            (false, false) => Ok(Some(Text { ar, en })),
            (true, false) => Err(format!(
                "no Arabic {base} ({}); Mizan needs every text in Arabic and English",
                column_name(&self.header(cols.ar), base, "Arabic (ar)")
            )),
            (false, true) => Err(format!(
                "no English {base} ({}); Mizan needs every text in Arabic and English",
                column_name(&self.header(cols.en), base, "English (en)")
            )),
        }
    }
}

fn column_name(header: &str, base: &str, lang: &str) -> String {
    if header.is_empty() {
        format!("there is no column `{base}::{lang}`")
    } else {
        format!("column `{header}` is empty")
    }
}

// ------------------------------------------------------------------------------------------
// XPath, the subset that `relevant` and `constraint` use.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ref(String),
    Dot,
    Num(f64),
    Str(String),
    Name(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
enum X {
    Or(Vec<X>),
    And(Vec<X>),
    Cmp(Box<X>, &'static str, Box<X>),
    Call(String, Vec<X>),
    Ref(String),
    Dot,
    Num(f64),
    Str(String),
}

fn tokenize(src: &str) -> std::result::Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            '$' if next == Some('{') => {
                let end = chars[i..]
                    .iter()
                    .position(|&x| x == '}')
                    .ok_or("`${` is not closed")?;
                out.push(Tok::Ref(
                    chars[i + 2..i + end]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_string(),
                ));
                i += end + 1;
                continue;
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .ok_or("a string is not closed")?;
                out.push(Tok::Str(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
                continue;
            }
            '(' => out.push(Tok::LParen),
            ')' => out.push(Tok::RParen),
            ',' => out.push(Tok::Comma),
            '=' => out.push(Tok::Op("=")),
            '!' if next == Some('=') => {
                out.push(Tok::Op("!="));
                i += 2;
                continue;
            }
            '<' | '>' => {
                let op = match (c, next == Some('=')) {
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    ('>', true) => ">=",
                    _ => ">",
                };
                out.push(Tok::Op(op));
                i += op.len();
                continue;
            }
            '+' | '*' | '|' => {
                return Err(format!(
                    "`{c}` (arithmetic or node sets) cannot be written in show_if"
                ));
            }
            '-' if !next.is_some_and(|d| d.is_ascii_digit()) => {
                return Err("arithmetic cannot be written in show_if".into());
            }
            '.' if !next.is_some_and(|d| d.is_ascii_digit()) => out.push(Tok::Dot),
            _ if c.is_ascii_digit() || c == '-' || c == '.' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                out.push(Tok::Num(
                    text.parse()
                        .map_err(|_| format!("`{text}` is not a number"))?,
                ));
                i = j;
                continue;
            }
            _ if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '-' | ':' | '.'))
                {
                    j += 1;
                }
                let name: String = chars[i..j].iter().collect();
                if matches!(name.as_str(), "div" | "mod") {
                    return Err("arithmetic cannot be written in show_if".into());
                }
                out.push(Tok::Name(name));
                i = j;
                continue;
            }
            _ => return Err(format!("unexpected character `{c}`")),
        }
        i += 1;
    }
    Ok(out)
}

struct XParser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl XParser {
    fn parse(src: &str) -> std::result::Result<X, String> {
        if src.chars().count() > 1000 {
            return Err("the expression is too long".into());
        }
        let mut p = XParser {
            toks: tokenize(src)?,
            pos: 0,
            depth: 0,
        };
        let x = p.or()?;
        if p.pos < p.toks.len() {
            return Err(format!(
                "unexpected {:?} after the expression",
                p.toks[p.pos]
            ));
        }
        Ok(x)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn is_name(&self, n: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(m)) if m == n)
    }
    fn or(&mut self) -> std::result::Result<X, String> {
        self.depth += 1;
        if self.depth > 50 {
            return Err("the expression is nested too deeply".into());
        }
        let mut parts = vec![self.and()?];
        while self.is_name("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            X::Or(parts)
        })
    }
    fn and(&mut self) -> std::result::Result<X, String> {
        let mut parts = vec![self.cmp()?];
        while self.is_name("and") {
            self.pos += 1;
            parts.push(self.cmp()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            X::And(parts)
        })
    }
    fn cmp(&mut self) -> std::result::Result<X, String> {
        let left = self.primary()?;
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.pos += 1;
            let right = self.primary()?;
            return Ok(X::Cmp(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }
    fn primary(&mut self) -> std::result::Result<X, String> {
        let t = self
            .peek()
            .cloned()
            .ok_or("the expression ends too early")?;
        self.pos += 1;
        match t {
            Tok::LParen => {
                let x = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err("a `(` is not closed".into());
                }
                self.pos += 1;
                Ok(x)
            }
            Tok::Ref(r) => Ok(X::Ref(r)),
            Tok::Dot => Ok(X::Dot),
            Tok::Num(n) => Ok(X::Num(n)),
            Tok::Str(s) => Ok(X::Str(s)),
            Tok::Name(n) if self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() != Some(&Tok::RParen) {
                    args.push(self.or()?);
                    while self.peek() == Some(&Tok::Comma) {
                        self.pos += 1;
                        args.push(self.or()?);
                    }
                }
                if self.peek() != Some(&Tok::RParen) {
                    return Err(format!("the arguments of `{n}(` are not closed"));
                }
                self.pos += 1;
                Ok(X::Call(n, args))
            }
            other => Err(format!("unexpected {}", describe(&other))),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("`{n}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        other => format!("{other:?}"),
    }
}

/// A number as `show_if` writes it (no exponent, no trailing `.0`).
fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn flip(op: &'static str) -> &'static str {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        o => o,
    }
}

// ------------------------------------------------------------------------------------------
// The form as converted.

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Single(String),
    Multiple(String),
    Integer,
    Decimal,
    ShortText,
    LongText,
    Date,
}

struct Q {
    row: usize,
    id: String,
    kind: Kind,
    text: Text,
    hint: Option<Text>,
    /// From `guidance_hint`.
    interviewer: Option<Text>,
    required: bool,
    show_if: Option<String>,
    /// Ids of the questions `show_if` names.
    deps: Vec<String>,
    min: Option<String>,
    max: Option<String>,
    max_length: Option<usize>,
    page: usize,
    removed: bool,
}

struct PageOut {
    id: String,
    title: Option<Text>,
}

struct Group {
    id: String,
    title: Option<Text>,
    /// The group's converted `relevant`, with the ids it names.
    cond: Option<(String, Vec<String>)>,
    /// Its open page, if a question has been placed since it began (or since an inner group
    /// ended).
    page: Option<usize>,
}

struct Choices {
    /// list name → (xls name → code, codes with labels in order).
    lists: HashMap<String, (HashMap<String, String>, Vec<(String, Text)>)>,
}

/// Turns an XLSForm name into a Mizan id (`[a-z][a-z0-9_]*`, at most 40 characters).
fn to_id(name: &str) -> String {
    let mut s: String = name
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("q_{s}");
    }
    s.chars().take(40).collect()
}

/// Turns an XLSForm choice name into a Mizan option code (`[a-z0-9][a-z0-9_-]*`).
fn to_code(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches(['_', '-']);
    let mut s: String = s.chars().take(40).collect();
    if s.is_empty() || s.parse::<f64>().is_ok_and(|n| !n.is_finite()) {
        s = format!("c{s}").chars().take(40).collect();
    }
    s
}

/// `base`, or `base_2`, `base_3`… so that it is not in `taken`; at most 40 characters.
fn unique(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            let keep = 40 - suffix.len();
            format!("{}{suffix}", base.chars().take(keep).collect::<String>())
        })
        .find(|c| !taken.contains(c))
        .unwrap()
}

/// Types that are form metadata in XLSForm: Mizan records only the submission date.
const METADATA_TYPES: &[&str] = &[
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
    "calculate",
    "hidden",
];

/// Columns with a meaning Mizan does not have: reported on each row that uses them.
const UNSUPPORTED_COLUMNS: &[(&str, &str)] = &[
    ("default", "Mizan has no default answers"),
    (
        "choice_filter",
        "Mizan has no choice filters; every option is shown",
    ),
    ("read_only", "Mizan has no read-only questions"),
    ("repeat_count", "Mizan has no repeats"),
    ("trigger", "Mizan has no triggers"),
];

struct Converter {
    cols: SheetCols,
    choices: Choices,
    notes: Vec<Note>,
    questions: Vec<Q>,
    pages: Vec<PageOut>,
    page_ids: HashSet<String>,
    ids: HashSet<String>,
    /// XLSForm name → index in `questions`.
    by_name: HashMap<String, usize>,
    /// Names of rows seen but not converted, for clearer messages.
    skipped_names: HashSet<String>,
}

fn find_sheet<'b>(book: &'b Workbook, name: &str) -> Option<&'b Sheet> {
    book.sheets
        .iter()
        .find(|s| s.name.trim().eq_ignore_ascii_case(name))
}

/// Converts `book` into the survey `id`; `path` names the file in the loader's messages.
pub fn convert(book: &Workbook, id: &str, path: &Path) -> Result<Conversion> {
    let fail = |m: String| Err(Error::Other(m));
    let Some(survey_sheet) = find_sheet(book, "survey") else {
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        return fail(format!(
            "the workbook has no `survey` sheet (its sheets: {}); is it an XLSForm?",
            shown(&names.join(", "))
        ));
    };
    let mut notes = Vec::new();
    // Settings: the title and the default language.
    let mut default_lang = None;
    let mut title: Option<Text> = None;
    if let Some(settings) = find_sheet(book, "settings") {
        let cols = SheetCols::new(settings, None, &mut Vec::new());
        if let Some(row) = settings.rows.get(1) {
            let dl = cols.cell(row, "default_language");
            if !dl.is_empty() {
                default_lang = lang_of(dl);
                if default_lang.is_none() {
                    notes.push(Note {
                        sheet: settings.name.clone(),
                        row: row.number,
                        column: "default_language".into(),
                        kind: NoteKind::NotConverted,
                        message: format!(
                            "`{}` is neither Arabic nor English; the plain label columns are read from their script",
                            shown(dl)
                        ),
                    });
                }
            }
            let mut ar = String::new();
            let mut en = String::new();
            for (i, h) in cols.headers.iter().enumerate() {
                let v = row.cells.get(i).map_or("", |s| s.trim());
                match column_lang(h, "form_title") {
                    Some(ColLang::Known(Lang::Ar)) => ar = v.to_string(),
                    Some(ColLang::Known(Lang::En)) => en = v.to_string(),
                    _ => {}
                }
            }
            let plain = cols.cell(row, "form_title").to_string();
            if !plain.is_empty() {
                let lang = default_lang.unwrap_or(if has_arabic(&plain) {
                    Lang::Ar
                } else {
                    Lang::En
                });
                match lang {
                    Lang::Ar if ar.is_empty() => ar = plain.clone(),
                    Lang::En if en.is_empty() => en = plain.clone(),
                    _ => {}
                }
            }
            if ar.is_empty() != en.is_empty() {
                let (missing, have) = if ar.is_empty() {
                    ("Arabic", en.clone())
                } else {
                    ("English", ar.clone())
                };
                notes.push(Note {
                    sheet: settings.name.clone(),
                    row: row.number,
                    column: "form_title".into(),
                    kind: NoteKind::Changed,
                    message: format!(
                        "no {missing} title: the one title is used in both languages; translate `title` in the survey file"
                    ),
                });
                ar = have.clone();
                en = have;
            }
            if !ar.is_empty() {
                title = Some(Text { ar, en });
            }
        }
    }
    let title = title.unwrap_or_else(|| {
        notes.push(Note {
            sheet: "settings".into(),
            row: 0,
            column: "form_title".into(),
            kind: NoteKind::Changed,
            message: format!(
                "no form title: the survey id `{id}` is the title; edit `title` in the survey file"
            ),
        });
        Text {
            ar: id.to_string(),
            en: id.to_string(),
        }
    });
    let cols = SheetCols::new(survey_sheet, default_lang, &mut notes);
    for needed in ["type", "name"] {
        if !cols.plain.contains_key(needed) {
            return fail(format!(
                "the `survey` sheet has no `{needed}` column; is it an XLSForm?"
            ));
        }
    }
    if cols.label.ar.is_none() || cols.label.en.is_none() {
        return fail(format!(
            "the `survey` sheet has no {} label column (`label::{}`); Mizan needs every text in Arabic and English",
            if cols.label.ar.is_none() {
                "Arabic"
            } else {
                "English"
            },
            if cols.label.ar.is_none() {
                "Arabic (ar)"
            } else {
                "English (en)"
            },
        ));
    }
    let choices = match find_sheet(book, "choices") {
        Some(sheet) => read_choices(sheet, default_lang, &mut notes),
        None => Choices {
            lists: HashMap::new(),
        },
    };
    let mut cx = Converter {
        cols,
        choices,
        notes,
        questions: Vec::new(),
        pages: Vec::new(),
        page_ids: HashSet::new(),
        // The export's own columns are not free for questions: `interviewer` becomes
        // `interviewer_2`.
        ids: super::load::EXPORT_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect(),
        by_name: HashMap::new(),
        skipped_names: HashSet::new(),
    };
    let intro = cx.walk(survey_sheet);
    cx.finish(id, title, intro, path)
}

fn read_choices(sheet: &Sheet, default: Option<Lang>, notes: &mut Vec<Note>) -> Choices {
    let cols = SheetCols::new(sheet, default, notes);
    let mut lists: HashMap<String, (HashMap<String, String>, Vec<(String, Text)>)> = HashMap::new();
    let note = |notes: &mut Vec<Note>, row: usize, column: &str, message: String| {
        notes.push(Note {
            sheet: sheet.name.clone(),
            row,
            column: column.into(),
            kind: NoteKind::NotConverted,
            message,
        })
    };
    for row in sheet.rows.iter().skip(1) {
        let list = cols.cell(row, "list_name");
        let list = if list.is_empty() {
            cols.cell(row, "list name")
        } else {
            list
        };
        let name = cols.cell(row, "name");
        if list.is_empty() && name.is_empty() {
            continue;
        }
        if list.is_empty() || name.is_empty() {
            note(
                notes,
                row.number,
                if list.is_empty() { "list_name" } else { "name" },
                "a choice needs both a list_name and a name".into(),
            );
            continue;
        }
        let text = match cols.texts(row, TextCol::Label) {
            Ok(Some(t)) => t,
            Ok(None) => {
                note(
                    notes,
                    row.number,
                    "label",
                    format!(
                        "choice `{}` of list `{}` has no label",
                        shown(name),
                        shown(list)
                    ),
                );
                continue;
            }
            Err(e) => {
                note(
                    notes,
                    row.number,
                    "label",
                    format!("choice `{}` of list `{}`: {e}", shown(name), shown(list)),
                );
                continue;
            }
        };
        let entry = lists.entry(list.to_string()).or_default();
        if entry.0.contains_key(name) {
            note(
                notes,
                row.number,
                "name",
                format!(
                    "choice `{}` appears twice in list `{}`",
                    shown(name),
                    shown(list)
                ),
            );
            continue;
        }
        let taken: HashSet<String> = entry.1.iter().map(|(c, _)| c.clone()).collect();
        let code = to_code(name);
        let code = if taken.contains(&code) {
            (2..)
                .map(|n| format!("{code}-{n}"))
                .find(|c| !taken.contains(c))
                .unwrap()
        } else {
            code
        };
        if code != name {
            notes.push(Note {
                sheet: sheet.name.clone(),
                row: row.number,
                column: "name".into(),
                kind: NoteKind::Changed,
                message: format!(
                    "choice `{}` of list `{}` is stored as code `{code}` (Mizan codes are lower-case letters, digits, `_` and `-`)",
                    shown(name),
                    shown(list)
                ),
            });
        }
        entry.0.insert(name.to_string(), code.clone());
        entry.1.push((code, text));
    }
    Choices { lists }
}

impl Converter {
    fn note(&mut self, row: usize, column: &str, kind: NoteKind, message: String) {
        self.notes.push(Note {
            sheet: self.cols.sheet.clone(),
            row,
            column: column.into(),
            kind,
            message,
        });
    }

    fn skip(&mut self, row: &Row, column: &str, message: String) {
        let name = self.cols.cell(row, "name").to_string();
        if !name.is_empty() {
            self.skipped_names.insert(name);
        }
        self.note(row.number, column, NoteKind::NotConverted, message);
    }

    fn new_page(&mut self, base: &str, title: Option<Text>) -> usize {
        let id = unique(&to_id(base), &self.page_ids);
        self.page_ids.insert(id.clone());
        self.pages.push(PageOut { id, title });
        self.pages.len() - 1
    }

    /// Walks the survey sheet; returns the intro (notes before the first question).
    fn walk(&mut self, sheet: &Sheet) -> Option<Text> {
        let mut groups: Vec<Group> = Vec::new();
        let mut intro: Vec<Text> = Vec::new();
        // Notes waiting for the next question of their page, whose hint they join.
        let mut pending: Vec<(usize, Text)> = Vec::new();
        let mut repeat_depth = 0usize;
        let mut repeat_start = 0usize;
        for row in sheet.rows.iter().skip(1) {
            let raw_type = self.cols.cell(row, "type").to_string();
            if raw_type.is_empty() {
                continue;
            }
            let lower = raw_type.to_lowercase().replace('_', " ");
            let words: Vec<&str> = lower.split_whitespace().collect();
            let (base, rest) = match words.as_slice() {
                ["begin", "group", ..] => ("begin group", &words[2..]),
                ["end", "group", ..] => ("end group", &words[2..]),
                ["begin", "repeat", ..] => ("begin repeat", &words[2..]),
                ["end", "repeat", ..] => ("end repeat", &words[2..]),
                [first, rest @ ..] => (*first, rest),
                [] => continue,
            };
            if repeat_depth > 0 {
                match base {
                    "begin repeat" => repeat_depth += 1,
                    "end repeat" => {
                        repeat_depth -= 1;
                        if repeat_depth == 0 {
                            self.note(
                                repeat_start,
                                "type",
                                NoteKind::NotConverted,
                                format!(
                                    "a repeat (rows {repeat_start}–{}): Mizan has no repeats, so its rows are left out",
                                    row.number
                                ),
                            );
                        }
                    }
                    _ => {
                        let name = self.cols.cell(row, "name").to_string();
                        self.skipped_names.insert(name);
                    }
                }
                continue;
            }
            for (column, why) in UNSUPPORTED_COLUMNS {
                if !self.cols.cell(row, column).is_empty() && !base.starts_with("end") {
                    self.note(
                        row.number,
                        column,
                        NoteKind::NotConverted,
                        (*why).to_string(),
                    );
                }
            }
            match base {
                "begin group" => {
                    let name = self.cols.cell(row, "name").to_string();
                    let title = match self.cols.texts(row, TextCol::Label) {
                        Ok(t) => t,
                        Err(e) => {
                            self.note(
                                row.number,
                                "label",
                                NoteKind::NotConverted,
                                format!("the group's title: {e}"),
                            );
                            None
                        }
                    };
                    let relevant = self.cols.cell(row, "relevant").to_string();
                    let cond = if relevant.is_empty() {
                        None
                    } else {
                        self.relevant(row.number, &relevant)
                    };
                    // Questions of an enclosing group after this one go on a page of their own.
                    if let Some(outer) = groups.last_mut() {
                        outer.page = None;
                    }
                    groups.push(Group {
                        id: if name.is_empty() {
                            "group".into()
                        } else {
                            name
                        },
                        title,
                        cond,
                        page: None,
                    });
                }
                "end group" => {
                    if groups.pop().is_none() {
                        self.note(
                            row.number,
                            "type",
                            NoteKind::NotConverted,
                            "`end group` without a `begin group`".into(),
                        );
                    }
                    if let Some(outer) = groups.last_mut() {
                        outer.page = None;
                    }
                    self.drop_pending(&mut pending);
                }
                "begin repeat" => {
                    repeat_depth = 1;
                    repeat_start = row.number;
                }
                "end repeat" => {
                    self.note(
                        row.number,
                        "type",
                        NoteKind::NotConverted,
                        "`end repeat` without a `begin repeat`".into(),
                    );
                }
                "note" => match self.cols.texts(row, TextCol::Label) {
                    Ok(Some(t)) => {
                        if !self.cols.cell(row, "relevant").is_empty() {
                            self.note(row.number, "relevant", NoteKind::NotConverted, "a note is shown to everyone in Mizan (it becomes text beside a question)".into());
                        }
                        if self.questions.is_empty() && groups.is_empty() {
                            intro.push(t);
                        } else {
                            pending.push((row.number, t));
                        }
                    }
                    Ok(None) => {}
                    Err(e) => self.skip(row, "label", e),
                },
                _ => self.question(row, base, rest, &mut groups, &mut pending),
            }
        }
        if repeat_depth > 0 {
            self.note(
                repeat_start,
                "type",
                NoteKind::NotConverted,
                "a repeat that is never closed: Mizan has no repeats, so its rows are left out"
                    .into(),
            );
        }
        self.drop_pending(&mut pending);
        if intro.is_empty() {
            None
        } else {
            Some(Text {
                ar: intro
                    .iter()
                    .map(|t| t.ar.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                en: intro
                    .iter()
                    .map(|t| t.en.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            })
        }
    }

    fn drop_pending(&mut self, pending: &mut Vec<(usize, Text)>) {
        for (row, _) in pending.drain(..) {
            self.note(row, "type", NoteKind::NotConverted, "a note with no question after it on its page: Mizan shows a note as text beside the next question".into());
        }
    }

    fn question(
        &mut self,
        row: &Row,
        base: &str,
        rest: &[&str],
        groups: &mut [Group],
        pending: &mut Vec<(usize, Text)>,
    ) {
        // `select_one` was turned into `select one` by the `_` → space rewrite.
        let (kind, rest) = match (base, rest) {
            ("select", ["one", rest @ ..]) => ("select_one", rest),
            ("select", ["multiple", rest @ ..]) => ("select_multiple", rest),
            _ => (base, rest),
        };
        let raw_type = self.cols.cell(row, "type").to_string();
        let kind = match kind {
            "select_one" | "select_multiple" => {
                if rest.first() == Some(&"from") {
                    return self.skip(row, "type", format!(
                        "`{}`: choices from a file are not supported; put them in the choices sheet",
                        shown(&raw_type)
                    ));
                }
                if raw_type.to_lowercase().trim_end().ends_with("or_other") {
                    return self.skip(row, "type", format!(
                        "`{}`: `or_other` is not supported; add an \"other\" choice to the list and a text question whose relevant is selected(${{{}}}, 'other')",
                        shown(&raw_type),
                        shown(self.cols.cell(row, "name"))
                    ));
                }
                // List names may hold `_`, which was read as a space.
                let list_words: Vec<&str> = raw_type.split_whitespace().skip(1).collect();
                let list = match list_words.as_slice() {
                    [l] => l.to_string(),
                    _ => {
                        return self.skip(
                            row,
                            "type",
                            format!(
                                "`{}`: name one choice list after the type",
                                shown(&raw_type)
                            ),
                        );
                    }
                };
                if !self.choices.lists.contains_key(&list) {
                    return self.skip(row, "type", format!("the choice list `{}` is not in the choices sheet (or none of its choices could be converted)", shown(&list)));
                }
                if kind == "select_one" {
                    Kind::Single(list)
                } else {
                    Kind::Multiple(list)
                }
            }
            "integer" | "int" => Kind::Integer,
            "decimal" => Kind::Decimal,
            "text" | "string" => {
                if self
                    .cols
                    .cell(row, "appearance")
                    .to_lowercase()
                    .contains("multiline")
                {
                    Kind::LongText
                } else {
                    Kind::ShortText
                }
            }
            "date" => Kind::Date,
            t if METADATA_TYPES.contains(&t) => {
                return self.skip(row, "type", format!(
                    "`{}` is form metadata or a calculation; Mizan stores no device data and records only the submission date",
                    shown(&raw_type)
                ));
            }
            _ => {
                return self.skip(row, "type", format!(
                    "Mizan has no `{}` question (supported: select_one, select_multiple, integer, decimal, text, date, note, begin group, end group)",
                    shown(&raw_type)
                ));
            }
        };
        let name = self.cols.cell(row, "name").to_string();
        if name.is_empty() {
            return self.skip(row, "name", "a question needs a name".into());
        }
        let text = match self.cols.texts(row, TextCol::Label) {
            Ok(Some(t)) => t,
            Ok(None) => return self.skip(row, "label", "a question needs a label".into()),
            Err(e) => return self.skip(row, "label", e),
        };
        let mut hint = match self.cols.texts(row, TextCol::Hint) {
            Ok(h) => h,
            Err(e) => {
                self.note(row.number, "hint", NoteKind::NotConverted, e);
                None
            }
        };
        let interviewer = match self.cols.texts(row, TextCol::Guidance) {
            Ok(h) => h,
            Err(e) => {
                self.note(row.number, "guidance_hint", NoteKind::NotConverted, e);
                None
            }
        };
        for t in [&text.ar, &text.en] {
            if t.contains("${") {
                self.note(
                    row.number,
                    "label",
                    NoteKind::Changed,
                    "the label names another answer (`${…}`); Mizan shows the label as written"
                        .into(),
                );
                break;
            }
        }
        // Notes just before the question join its hint.
        if !pending.is_empty() {
            let mut ar: Vec<String> = pending.iter().map(|(_, t)| t.ar.clone()).collect();
            let mut en: Vec<String> = pending.iter().map(|(_, t)| t.en.clone()).collect();
            if let Some(h) = hint.take() {
                ar.push(h.ar);
                en.push(h.en);
            }
            for (r, _) in pending.drain(..) {
                self.note(
                    r,
                    "type",
                    NoteKind::Changed,
                    format!(
                        "the note is shown in the hint of the next question, `{}`",
                        shown(&name)
                    ),
                );
            }
            hint = Some(Text {
                ar: ar.join("\n"),
                en: en.join("\n"),
            });
        }
        let required = match self.cols.cell(row, "required").to_lowercase().as_str() {
            "" | "no" | "false" | "false()" | "0" => false,
            "yes" | "true" | "true()" | "1" => true,
            other => {
                self.note(
                    row.number,
                    "required",
                    NoteKind::NotConverted,
                    format!(
                        "`{}` is not yes or no; the question is optional",
                        shown(other)
                    ),
                );
                false
            }
        };
        let id = unique(&to_id(&name), &self.ids);
        if super::load::EXPORT_COLUMNS.contains(&to_id(&name).as_str()) {
            self.note(
                row.number,
                "name",
                NoteKind::Changed,
                format!(
                    "`{}` is the question id `{id}`: `{}` is a column every Mizan export has",
                    shown(&name),
                    to_id(&name)
                ),
            );
        } else if id != name {
            self.note(row.number, "name", NoteKind::Changed, format!(
                "`{}` is the question id `{id}` (Mizan ids are lower-case letters, digits and `_`, starting with a letter)",
                shown(&name)
            ));
        }
        let mut q = Q {
            row: row.number,
            id: id.clone(),
            kind,
            text,
            hint,
            interviewer,
            required,
            show_if: None,
            deps: Vec::new(),
            min: None,
            max: None,
            max_length: None,
            page: 0,
            removed: false,
        };
        let constraint = self.cols.cell(row, "constraint").to_string();
        if !constraint.is_empty() {
            self.constraint(row.number, &constraint, &mut q);
        }
        // show_if: the enclosing groups' relevant and the row's own.
        let mut parts: Vec<String> = Vec::new();
        for g in groups.iter() {
            if let Some((c, deps)) = &g.cond {
                parts.push(c.clone());
                q.deps.extend(deps.iter().cloned());
            }
        }
        let relevant = self.cols.cell(row, "relevant").to_string();
        if !relevant.is_empty()
            && let Some((c, deps)) = self.relevant(row.number, &relevant)
        {
            parts.push(c);
            q.deps.extend(deps);
        }
        q.show_if = match parts.len() {
            0 => None,
            1 => Some(parts.remove(0)),
            _ => Some(
                parts
                    .iter()
                    .map(|p| format!("({p})"))
                    .collect::<Vec<_>>()
                    .join(" and "),
            ),
        };
        // The page: the group's open one, unless the question depends on an answer given on
        // it (show_if names earlier pages only): then the group goes on on a new page.
        q.page = match groups.last_mut() {
            None => {
                let p = self.new_page(&id, None);
                p
            }
            Some(g) => {
                let same_page = g.page.and_then(|p| {
                    self.questions
                        .iter()
                        .find(|o| !o.removed && o.page == p && q.deps.contains(&o.id))
                        .map(|o| o.id.clone())
                });
                if let Some(other) = &same_page {
                    self.note(row.number, "relevant", NoteKind::Changed, format!(
                        "it depends on `{other}`, asked on the same page; Mizan decides a page from earlier pages, so the group goes on on a new page here"
                    ));
                }
                match g.page {
                    Some(p) if same_page.is_none() => p,
                    _ => {
                        let (gid, title) = (g.id.clone(), g.title.clone());
                        let p = self.new_page(&gid, title);
                        g.page = Some(p);
                        p
                    }
                }
            }
        };
        self.ids.insert(id);
        self.by_name.insert(name, self.questions.len());
        self.questions.push(q);
    }

    /// The row's `relevant` as a `show_if`, with the ids it names; `None` (reported) when it
    /// cannot be written as one.
    fn relevant(&mut self, row: usize, src: &str) -> Option<(String, Vec<String>)> {
        let result = XParser::parse(src).and_then(|x| {
            let mut deps = Vec::new();
            let s = self.show_if(&x, &mut deps, true)?;
            Ok((s, deps))
        });
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                self.note(row, "relevant", NoteKind::NotConverted, format!(
                    "`{}` cannot be written as a show_if: {e}; the question is shown to everyone",
                    shown_long(src)
                ));
                None
            }
        }
    }

    fn target(&self, name: &str) -> std::result::Result<&Q, String> {
        match self.by_name.get(name) {
            Some(&i) => Ok(&self.questions[i]),
            None if self.skipped_names.contains(name) => Err(format!(
                "it names `{}`, which was not converted",
                shown(name)
            )),
            None => Err(format!(
                "it names `{}`, which is not a question before this row",
                shown(name)
            )),
        }
    }

    /// Writes `x` in show_if's syntax; `top` is false inside `and`/`or` (parentheses).
    fn show_if(
        &self,
        x: &X,
        deps: &mut Vec<String>,
        top: bool,
    ) -> std::result::Result<String, String> {
        let wrap = |s: String, top: bool| if top { s } else { format!("({s})") };
        match x {
            X::Or(parts) | X::And(parts) => {
                let word = if matches!(x, X::Or(_)) {
                    " or "
                } else {
                    " and "
                };
                let parts = parts
                    .iter()
                    .map(|p| self.show_if(p, deps, false))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(wrap(parts.join(word), top))
            }
            X::Call(f, args) if f == "not" && args.len() == 1 => {
                Ok(format!("not ({})", self.show_if(&args[0], deps, true)?))
            }
            X::Call(f, args) if f == "selected" && args.len() == 2 => {
                let X::Ref(name) = &args[0] else {
                    return Err("selected() must name a question as ${name}".into());
                };
                self.compare(name, "=", &args[1], deps)
            }
            X::Cmp(a, op, b) => match (a.as_ref(), b.as_ref()) {
                (X::Call(f, args), n @ X::Num(_)) | (n @ X::Num(_), X::Call(f, args))
                    if f == "count-selected" && args.len() == 1 =>
                {
                    let X::Ref(name) = &args[0] else {
                        return Err("count-selected() must name a question".into());
                    };
                    let op = if matches!(a.as_ref(), X::Num(_)) {
                        flip(op)
                    } else {
                        op
                    };
                    let X::Num(n) = n else { unreachable!() };
                    let q = self.target(name)?;
                    deps.push(q.id.clone());
                    match (op, *n) {
                        (">", 0.0) | (">=", 1.0) | ("!=", 0.0) => Ok(format!("answered({})", q.id)),
                        ("=", 0.0) | ("<", 1.0) => Ok(format!("not answered({})", q.id)),
                        _ => Err("only count-selected(…) > 0 or = 0 can be written".into()),
                    }
                }
                (X::Ref(name), v) => self.compare(name, op, v, deps),
                (v, X::Ref(name)) => self.compare(name, flip(op), v, deps),
                _ => Err("a comparison must name a question as ${name}".into()),
            },
            X::Call(f, _) => Err(format!(
                "the function `{}()` cannot be written in show_if",
                shown(f)
            )),
            _ => Err("it is not a condition".into()),
        }
    }

    fn compare(
        &self,
        name: &str,
        op: &str,
        v: &X,
        deps: &mut Vec<String>,
    ) -> std::result::Result<String, String> {
        let q = self.target(name)?;
        deps.push(q.id.clone());
        let id = &q.id;
        let value = match v {
            X::Str(s) => s.clone(),
            X::Num(n) => num(*n),
            X::Call(f, args) if f == "date" && args.len() == 1 => match &args[0] {
                X::Str(s) => s.clone(),
                _ => return Err("date() needs a date in quotes".into()),
            },
            _ => {
                return Err(format!(
                    "`{id}` must be compared with a value in quotes or a number"
                ));
            }
        };
        if value.is_empty() {
            return match op {
                "=" => Ok(format!("not answered({id})")),
                "!=" => Ok(format!("answered({id})")),
                _ => Err("only = '' and != '' can test an empty answer".into()),
            };
        }
        let eq = match op {
            "=" => Some("=="),
            "!=" => Some("!="),
            _ => None,
        };
        match &q.kind {
            Kind::Single(list) | Kind::Multiple(list) => {
                let Some(eq) = eq else {
                    return Err(format!(
                        "`{id}` is a choice question; show_if compares choices with = and != only"
                    ));
                };
                let (names, _) = &self.choices.lists[list];
                let code = names.get(&value).ok_or_else(|| {
                    format!(
                        "`{}` is not a choice of list `{}`",
                        shown(&value),
                        shown(list)
                    )
                })?;
                Ok(format!("{id} {eq} \"{code}\""))
            }
            Kind::Integer | Kind::Decimal => {
                let n: f64 = value.trim().parse().map_err(|_| {
                    format!(
                        "`{id}` is a number question, compared with `{}`",
                        shown(&value)
                    )
                })?;
                Ok(format!("{id} {} {}", eq.unwrap_or(op), num(n)))
            }
            Kind::ShortText | Kind::LongText | Kind::Date => {
                let Some(eq) = eq else {
                    return Err(format!(
                        "show_if compares a text or a date with = and != only, not {op}"
                    ));
                };
                if q.kind == Kind::Date && super::answers::parse_date(&value).is_none() {
                    return Err(format!("`{}` is not a date (YYYY-MM-DD)", shown(&value)));
                }
                let quoted = if !value.contains('"') {
                    format!("\"{value}\"")
                } else if !value.contains('\'') {
                    format!("'{value}'")
                } else {
                    return Err("the value holds both kinds of quotes".into());
                };
                Ok(format!("{id} {eq} {quoted}"))
            }
        }
    }

    /// Reads range constraints (`. >= 0 and . <= 120`, `string-length(.) <= 100`,
    /// `. >= date('2020-01-01')`) into `q`; reports every part it cannot read.
    fn constraint(&mut self, row: usize, src: &str, q: &mut Q) {
        let parts = match XParser::parse(src) {
            Ok(X::And(parts)) => parts,
            Ok(x) => vec![x],
            Err(e) => {
                self.note(
                    row,
                    "constraint",
                    NoteKind::NotConverted,
                    format!(
                        "`{}` cannot be read: {e}; Mizan checks only the type of the answer",
                        shown_long(src)
                    ),
                );
                return;
            }
        };
        let mut left_out = Vec::new();
        for part in &parts {
            if let Err(e) = self.bound(part, q) {
                left_out.push(e);
            }
        }
        if !left_out.is_empty() {
            self.note(
                row,
                "constraint",
                NoteKind::NotConverted,
                format!(
                    "part of `{}` is left out: {}",
                    shown_long(src),
                    left_out.join("; ")
                ),
            );
        }
    }

    fn bound(&self, part: &X, q: &mut Q) -> std::result::Result<(), String> {
        let X::Cmp(a, op, b) = part else {
            return Err("only comparisons joined by `and` are ranges".into());
        };
        let (op, subject, value) = match (a.as_ref(), b.as_ref()) {
            (s @ (X::Dot | X::Call(..)), v) if !matches!(v, X::Dot) => (*op, s, v),
            (v, s @ (X::Dot | X::Call(..))) => (flip(op), s, v),
            _ => return Err("a range compares `.` with a value".into()),
        };
        match (&q.kind, subject, value) {
            (Kind::Integer | Kind::Decimal, X::Dot, X::Num(n)) => {
                let integer = q.kind == Kind::Integer;
                let (lower, value) = match op {
                    ">=" => (true, if integer { n.ceil() } else { *n }),
                    "<=" => (false, if integer { n.floor() } else { *n }),
                    ">" if integer => (true, n.floor() + 1.0),
                    "<" if integer => (false, n.ceil() - 1.0),
                    ">" | "<" => {
                        return Err(format!(
                            "`. {op} {}`: Mizan's min and max include the limit; write >= or <=",
                            num(*n)
                        ));
                    }
                    _ => return Err(format!("`. {op} …` is not a range")),
                };
                let slot = if lower { &mut q.min } else { &mut q.max };
                let tighter = match slot.as_deref().and_then(|s| s.parse::<f64>().ok()) {
                    Some(old) if lower => value > old,
                    Some(old) => value < old,
                    None => true,
                };
                if tighter {
                    *slot = Some(num(value));
                }
                Ok(())
            }
            (Kind::Date, X::Dot, X::Call(f, args)) if f == "date" && args.len() == 1 => {
                let X::Str(s) = &args[0] else {
                    return Err("date() needs a date in quotes".into());
                };
                let d = super::answers::parse_date(s)
                    .ok_or_else(|| format!("`{}` is not a date", shown(s)))?;
                let d = match op {
                    ">=" | "<=" => d,
                    ">" => d.next_day().ok_or("the date is out of range")?,
                    "<" => d.previous_day().ok_or("the date is out of range")?,
                    _ => return Err(format!("`. {op} …` is not a range")),
                };
                let slot = if op.starts_with('>') {
                    &mut q.min
                } else {
                    &mut q.max
                };
                *slot = Some(format!("{d}"));
                Ok(())
            }
            (Kind::ShortText | Kind::LongText, X::Call(f, args), X::Num(n))
                if f == "string-length" && matches!(args.as_slice(), [X::Dot]) =>
            {
                let n = match op {
                    "<=" => n.floor(),
                    "<" => n.ceil() - 1.0,
                    _ => {
                        return Err(
                            "Mizan bounds the length of a text from above only (max_length)".into(),
                        );
                    }
                };
                if n < 1.0 || n > 10_000.0 {
                    return Err("max_length must be between 1 and 10000".into());
                }
                q.max_length = Some(n as usize);
                Ok(())
            }
            (_, _, X::Call(f, _)) if f == "today" || f == "now" => {
                Err("today() changes every day; Mizan's bounds are fixed dates".into())
            }
            _ => Err("it is not a range Mizan can check".into()),
        }
    }

    fn finish(
        mut self,
        id: &str,
        title: Text,
        intro: Option<Text>,
        path: &Path,
    ) -> Result<Conversion> {
        // The loader checks the result; a question it refuses is left out, with its reason,
        // and the questions depending on it lose their show_if.
        for _round in 0..=self.questions.len() {
            let (toml, owners) = self.render(id, &title, intro.as_ref());
            if self.questions.iter().all(|q| q.removed) {
                return Err(Error::Other(
                    "no question of the survey sheet could be converted (see the lines above)"
                        .into(),
                ));
            }
            match parse_str(&toml, path) {
                Ok(survey) => {
                    self.notes
                        .sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
                    return Ok(Conversion {
                        toml,
                        survey,
                        notes: self.notes,
                    });
                }
                Err(report) => {
                    let mut progress = false;
                    let mut unplaced = Vec::new();
                    for p in &report.problems {
                        match owners.get(p.line.wrapping_sub(1)).copied().flatten() {
                            Some(i) if !self.questions[i].removed => {
                                self.remove(i, &p.message);
                                progress = true;
                            }
                            Some(_) => {}
                            None => unplaced.push(format!("line {}: {}", p.line, p.message)),
                        }
                    }
                    if !progress {
                        return Err(Error::Other(format!(
                            "the converted survey does not pass the checks: {}",
                            unplaced.join("; ")
                        )));
                    }
                }
            }
        }
        Err(Error::Other(
            "the converted survey does not pass the checks".into(),
        ))
    }

    fn remove(&mut self, i: usize, why: &str) {
        self.questions[i].removed = true;
        let id = self.questions[i].id.clone();
        let row = self.questions[i].row;
        self.note(
            row,
            "",
            NoteKind::NotConverted,
            format!("the question fails Mizan's checks: {why}"),
        );
        let dependents: Vec<usize> = (0..self.questions.len())
            .filter(|&j| !self.questions[j].removed && self.questions[j].deps.contains(&id))
            .collect();
        for j in dependents {
            let q = &mut self.questions[j];
            q.show_if = None;
            q.deps.clear();
            let row = q.row;
            self.note(
                row,
                "relevant",
                NoteKind::NotConverted,
                format!(
                    "it names `{id}`, which was not converted; the question is shown to everyone"
                ),
            );
        }
    }

    /// The survey file, and for each of its lines the question it belongs to.
    fn render(&self, id: &str, title: &Text, intro: Option<&Text>) -> (String, Vec<Option<usize>>) {
        let mut out = Out::default();
        out.line(None, "# Imported from an XLSForm by `mizan import xlsform`; the format is in docs/survey-format.md.".into());
        out.line(None, "# Check it with `mizan check` after editing.".into());
        out.line(None, String::new());
        out.line(None, format!("id = {}", q(id)));
        out.line(
            None,
            "# The fieldwork wave, stored with every response: set it before fieldwork.".into(),
        );
        out.line(None, "wave = \"1\"".into());
        out.line(None, format!("title = {}", text(title)));
        if let Some(t) = intro {
            out.line(None, format!("intro = {}", text(t)));
        }
        for (p, page) in self.pages.iter().enumerate() {
            let qs: Vec<(usize, &Q)> = self
                .questions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.page == p && !x.removed)
                .collect();
            if qs.is_empty() {
                continue;
            }
            out.line(None, String::new());
            out.line(None, "[[pages]]".into());
            out.line(None, format!("id = {}", q(&page.id)));
            if let Some(t) = &page.title {
                out.line(None, format!("title = {}", text(t)));
            }
            for (i, x) in qs {
                let o = Some(i);
                out.line(o, String::new());
                out.line(o, format!("[[pages.questions]]  # survey row {}", x.row));
                out.line(o, format!("id = {}", q(&x.id)));
                let kind = match &x.kind {
                    Kind::Single(_) => "single_choice",
                    Kind::Multiple(_) => "multiple_choice",
                    Kind::Integer | Kind::Decimal => "number",
                    Kind::ShortText => "short_text",
                    Kind::LongText => "long_text",
                    Kind::Date => "date",
                };
                out.line(o, format!("type = \"{kind}\""));
                out.line(o, format!("text = {}", text(&x.text)));
                if let Some(h) = &x.hint {
                    out.line(o, format!("hint = {}", text(h)));
                }
                if let Some(h) = &x.interviewer {
                    out.line(o, format!("interviewer = {}", text(h)));
                }
                if !x.required {
                    out.line(o, "required = false".into());
                }
                if let Some(s) = &x.show_if {
                    out.line(o, format!("show_if = {}", q(s)));
                }
                match &x.kind {
                    Kind::Single(list) | Kind::Multiple(list) => {
                        out.line(o, "options = [".into());
                        for (code, t) in &self.choices.lists[list].1 {
                            out.line(
                                o,
                                format!(
                                    "  {{ code = {}, ar = {}, en = {} }},",
                                    q(code),
                                    q(&t.ar),
                                    q(&t.en)
                                ),
                            );
                        }
                        out.line(o, "]".into());
                    }
                    Kind::Integer => out.line(o, "integer = true".into()),
                    _ => {}
                }
                if let Some(m) = &x.min {
                    out.line(o, format!("min = {}", bound(m, &x.kind)));
                }
                if let Some(m) = &x.max {
                    out.line(o, format!("max = {}", bound(m, &x.kind)));
                }
                if let Some(n) = x.max_length {
                    out.line(o, format!("max_length = {n}"));
                }
            }
        }
        (out.text, out.owners)
    }
}

fn bound(v: &str, kind: &Kind) -> String {
    if *kind == Kind::Date {
        q(v)
    } else {
        v.to_string()
    }
}

/// A TOML string, quoted and escaped.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn text(t: &Text) -> String {
    format!("{{ ar = {}, en = {} }}", q(&t.ar), q(&t.en))
}

/// An expression quoted in a message: longer than an id, still bounded.
fn shown_long(s: &str) -> String {
    let cut: String = s.chars().take(120).collect();
    let cut: String = cut.chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > 120 {
        format!("{cut}…")
    } else {
        cut
    }
}

#[derive(Default)]
struct Out {
    text: String,
    owners: Vec<Option<usize>>,
}

impl Out {
    fn line(&mut self, owner: Option<usize>, s: String) {
        // A value may span lines (a multi-line string): every line has the same owner.
        for _ in 0..=s.matches('\n').count() {
            self.owners.push(owner);
        }
        self.text.push_str(&s);
        self.text.push('\n');
    }
}

/// True when `id` is a valid survey id for `mizan import`'s output name.
pub fn valid_survey_id(id: &str) -> bool {
    super::load::is_valid_slug(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::load::{is_valid_code, is_valid_id};

    fn expr(src: &str) -> X {
        XParser::parse(src).unwrap()
    }

    #[test]
    fn xpath_subset_parses() {
        assert_eq!(
            expr("${a} = 'x'"),
            X::Cmp(
                Box::new(X::Ref("a".into())),
                "=",
                Box::new(X::Str("x".into()))
            )
        );
        assert!(matches!(
            expr("selected(${a}, 'x') or not(${b} >= 18)"),
            X::Or(_)
        ));
        assert!(matches!(expr(". >= 0 and . <= 120"), X::And(_)));
        assert!(XParser::parse("${a} + 1 > 3").is_err());
        assert!(XParser::parse("${a} = 'x").is_err());
        assert!(XParser::parse(&"(".repeat(100)).is_err());
    }

    #[test]
    fn names_become_ids_and_codes() {
        assert_eq!(to_id("Q1"), "q1");
        assert_eq!(to_id("age-group"), "age_group");
        assert_eq!(to_id("_1st"), "q__1st");
        assert_eq!(to_code("Dont.Know"), "dont_know");
        assert_eq!(to_code("_x"), "x");
        assert_eq!(to_code("inf"), "cinf");
        assert!(is_valid_id(&to_id("سؤال")) && is_valid_code(&to_code("نعم")));
        let taken: HashSet<String> = ["a".to_string(), "a_2".to_string()].into();
        assert_eq!(unique("a", &taken), "a_3");
    }

    #[test]
    fn languages_of_columns() {
        assert_eq!(
            column_lang("label::Arabic (ar)", "label"),
            Some(ColLang::Known(Lang::Ar))
        );
        assert_eq!(
            column_lang("label::English (en)", "label"),
            Some(ColLang::Known(Lang::En))
        );
        assert_eq!(column_lang("Label", "label"), Some(ColLang::Default));
        assert_eq!(
            column_lang("hint::ar", "hint"),
            Some(ColLang::Known(Lang::Ar))
        );
        assert_eq!(
            column_lang("label::Kurdish (ku)", "label"),
            Some(ColLang::Other("kurdish (ku)".into()))
        );
        assert_eq!(column_lang("labels", "label"), None);
    }

    fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: name.into(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    number: i + 1,
                    cells: r.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn guidance_hints_are_the_interviewer_instructions() {
        let book = Workbook {
            sheets: vec![sheet(
                "survey",
                &[
                    &[
                        "type",
                        "name",
                        "label::Arabic (ar)",
                        "label::English (en)",
                        "guidance_hint::Arabic (ar)",
                        "guidance_hint::English (en)",
                    ],
                    &[
                        "integer",
                        "age",
                        "كم عمرك؟",
                        "How old are you?",
                        "لا تقرّب",
                        "Do not round",
                    ],
                    &["text", "name_of_street", "الشارع", "Street", "", ""],
                    &["text", "other", "غير ذلك", "Other", "", "English only"],
                ],
            )],
        };
        let c = convert(&book, "t", Path::new("t.toml")).unwrap();
        let age = c.survey.question("age").unwrap();
        let note = age.interviewer_note.as_ref().expect("converted");
        assert_eq!(
            (note.ar.as_str(), note.en.as_str()),
            ("لا تقرّب", "Do not round")
        );
        assert!(
            c.toml
                .contains(r#"interviewer = { ar = "لا تقرّب", en = "Do not round" }"#)
        );
        assert!(
            c.survey
                .question("name_of_street")
                .unwrap()
                .interviewer_note
                .is_none()
        );
        // One language only: left out and reported, the question kept.
        assert!(
            c.survey
                .question("other")
                .unwrap()
                .interviewer_note
                .is_none()
        );
        let note = c
            .notes
            .iter()
            .find(|n| n.row == 4 && n.column == "guidance_hint")
            .unwrap_or_else(|| panic!("{:?}", c.notes));
        assert_eq!(note.kind, NoteKind::NotConverted);
        assert!(
            note.message.starts_with("no Arabic guidance_hint"),
            "{}",
            note.message
        );
    }

    #[test]
    fn a_question_named_like_an_export_column_is_renamed() {
        let book = Workbook {
            sheets: vec![sheet(
                "survey",
                &[
                    &["type", "name", "label::Arabic (ar)", "label::English (en)"],
                    &["text", "interviewer", "اسم الباحث", "Interviewer's name"],
                ],
            )],
        };
        let c = convert(&book, "t", Path::new("t.toml")).unwrap();
        assert!(c.survey.question("interviewer_2").is_some());
        let note = c
            .notes
            .iter()
            .find(|n| n.row == 2 && n.column == "name")
            .unwrap();
        assert_eq!(note.kind, NoteKind::Changed);
        assert!(
            note.message
                .contains("`interviewer` is a column every Mizan export has"),
            "{}",
            note.message
        );
    }
}
