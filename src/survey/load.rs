//! Reading and validating survey files: TOML text in, a [`Survey`] or a [`Report`] of every
//! problem out. Each problem names the file, the 1-based line and says what is wrong in one
//! sentence, so that `mizan check` and `mizan serve` can print the same report.
//!
//! Structure problems (unknown keys, wrong value types, missing keys) are found while reading
//! the document key by key into the raw structs of [`super::raw`], which goes on after each
//! problem, so that a file's problems are reported together. Meaning problems (duplicate ids,
//! missing translations, `show_if` on later questions, impossible values, limits) are checked
//! here on the spanned raw values.

use super::condition::{self, Reference};
use super::model::*;
use super::quota::{self, NO_SOURCE, Quota, QuotaKey};
use super::raw;
use super::{Problem, Report};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Size limits: a survey beyond them is a mistake or an attack, not a questionnaire.
pub mod limits {
    /// Largest survey file, in bytes.
    pub const FILE_BYTES: usize = 1024 * 1024;
    pub const PAGES: usize = 100;
    /// Answer keys in the whole survey (questions plus grid items): the export's columns.
    pub const QUESTIONS: usize = 300;
    /// Options of one question, points of one scale, items of one grid.
    pub const OPTIONS: usize = 200;
    /// Characters of one text (title, question, hint, label) in one language.
    pub const TEXT_CHARS: usize = 2000;
    /// Characters of an id, an option code, a source tag or the wave label.
    pub const ID_CHARS: usize = 40;
    /// Largest `max_length` of a text answer.
    pub const ANSWER_CHARS: usize = 10_000;
    pub const SOURCES: usize = 50;
    pub const METADATA_FIELDS: usize = 20;
    pub const METADATA_VALUES: usize = 1000;
    pub const INDICES: usize = 20;
    pub const QUOTAS: usize = 10;
    /// Parts of one quota's cells (governorate × gender × age group × source).
    pub const QUOTA_PARTS: usize = 4;
    /// Largest number of places in one quota cell.
    pub const QUOTA_LIMIT: i64 = 10_000_000;
    /// Points of a rating scale (`max - min + 1`): one row of radios a person can read.
    pub const RATING_POINTS: i64 = 21;
    /// Largest rating bound: every real rating (0–10, 1–5, 80–100) fits, and the values stay
    /// small exact integers in every channel and statistics package.
    pub const RATING_MAX: i64 = 100;
    /// Largest magnitude of a number bound or an option score: beyond 10^15 a double no longer
    /// holds every whole number (2^53 ≈ 9·10^15) and "3 digits after the point" stops being
    /// exact, so `integer = true`, `==` in `show_if` and the stored number would silently change.
    pub const NUMBER_ABS: f64 = 1e15;
    /// Named scales in `[scales]`.
    pub const SCALES: usize = 50;
    /// Problems reported per file; the rest are counted in one last line (a flood of
    /// messages about one mistake helps nobody and costs time).
    pub const PROBLEMS: usize = 100;
}

/// Columns every export has (`crate::export::columns`): the fixed ones, then the channels'
/// stamps (`crate::export::stamps`). No question or grid item may take one of these names; a
/// metadata field may be a stamp (it is then that column), not a fixed column.
pub const EXPORT_COLUMNS: [&str; 14] = [
    "response_id",
    "survey_version",
    "submitted_on",
    "lang",
    "channel",
    "source",
    "wave",
    "mode",
    "site",
    "site_ar",
    "stratum",
    "cluster",
    "interviewer",
    "base_weight",
];
/// How many of [`EXPORT_COLUMNS`] are fixed (the rest are stamps).
pub const FIXED_EXPORT_COLUMNS: usize = 6;

/// Default `max_length` of a short text answer, in characters.
pub const DEFAULT_SHORT_TEXT: usize = 200;
/// Default `max_length` of a long text answer, in characters.
pub const DEFAULT_LONG_TEXT: usize = 2000;

/// Parses and validates one survey file's text. `path` is used in messages only.
pub fn parse_str(src: &str, path: &Path) -> Result<Survey, Report> {
    let mut cx = Cx {
        src,
        path,
        line_starts: std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        problems: Vec::new(),
        unreadable: Vec::new(),
    };
    let survey = cx.survey();
    match survey {
        Some(s) if cx.problems.is_empty() => Ok(s),
        _ => {
            let mut problems = cx.problems;
            problems.sort_by_key(|p| p.line);
            if problems.len() > limits::PROBLEMS {
                let more = problems.len() - limits::PROBLEMS;
                problems.truncate(limits::PROBLEMS);
                problems.push(Problem {
                    file: path.to_path_buf(),
                    line: 0,
                    message: format!(
                        "{more} more problems in this file are not shown; fix these first"
                    ),
                });
            }
            Err(Report { problems })
        }
    }
}

/// Characters shown as `\u{…}` in messages: control characters (terminal escapes) and the
/// invisible and bidirectional marks that would reorder or hide the rest of the line.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{061C}'
        )
}

/// A value from the file as quoted in a message: at most 40 characters, control and bidi
/// characters escaped, so that a huge or hostile id can neither flood the report nor drive
/// or reorder the terminal.
pub(crate) fn shown(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(limits::ID_CHARS)
        .flat_map(|c| {
            let escaped: String = if needs_escape(c) {
                c.escape_unicode().collect()
            } else {
                c.to_string()
            };
            escaped.chars().collect::<Vec<_>>()
        })
        .collect();
    if s.chars().nth(limits::ID_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Every message as printed: control characters escaped and the length bounded (a last net
/// under [`shown`], for texts quoted by the TOML parser).
fn printable(message: &str) -> String {
    const MAX: usize = 600;
    let mut out = String::new();
    for (i, c) in message.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A survey file is a `*.toml` of a folder, except the results design files that sit beside
/// the surveys (`SURVEY.design.toml`, see docs/analysts.md).
pub fn is_survey_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".toml") && !name.ends_with(".design.toml")
}

/// Loads every survey from files and folders (the `*.toml` files of a folder, in name order).
/// Reports the problems of all files together, plus survey ids used twice.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Survey>, Report> {
    let (surveys, report) = load_each(paths);
    if report.problems.is_empty() {
        Ok(surveys)
    } else {
        Err(report)
    }
}

/// Like [`load_paths`], but keeps the valid surveys beside the report of the others, so that
/// `mizan check` can say which files are fine.
pub fn load_each(paths: &[PathBuf]) -> (Vec<Survey>, Report) {
    let mut report = Report::default();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    // Every `*.toml` that exists is read, so that a FIFO or a device among the
                    // surveys is reported (by `read_file`) rather than silently left out; a
                    // dangling link (an editor's lock file) is nothing to load.
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| is_survey_file(p) && p.exists())
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        report.problems.push(Problem {
                            file: path.clone(),
                            line: 0,
                            message: "this folder holds no survey files (*.toml)".into(),
                        });
                    }
                    files.extend(found);
                }
                Err(e) => report.problems.push(Problem {
                    file: path.clone(),
                    line: 0,
                    message: format!("cannot read this folder: {e}"),
                }),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut surveys: Vec<Survey> = Vec::new();
    for file in files {
        match read_file(&file) {
            Ok(src) => match parse_str(&src, &file) {
                Ok(s) => {
                    if let Some(other) = surveys.iter().find(|o| o.id == s.id) {
                        report.problems.push(Problem {
                            line: line_of_key(&src, "id"),
                            message: format!(
                                "survey id `{}` is already used by {}; each survey needs its own id",
                                s.id,
                                other.path.display()
                            ),
                            file,
                        });
                    } else {
                        surveys.push(s);
                    }
                }
                Err(r) => report.problems.extend(r.problems),
            },
            Err(p) => report.problems.push(p),
        }
    }
    (surveys, report)
}

/// "at most 1048576 bytes (1 MiB)", for every message about the size limit.
fn size_limit() -> String {
    format!(
        "a survey file may have at most {} bytes ({} MiB)",
        limits::FILE_BYTES,
        limits::FILE_BYTES >> 20
    )
}

/// Reads one survey file: only a regular file (after following links), only up to the size
/// limit. A FIFO would block `open` and `read` until a writer comes, a device such as
/// /dev/zero never ends, and a file may grow while it is read: each is refused, promptly.
pub(crate) fn read_file(file: &Path) -> Result<String, Problem> {
    use std::io::Read;
    let problem = |line, message| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    let not_regular = || {
        problem(
            0,
            "not a regular file (a folder, a FIFO, a device or a socket); a survey must be a plain text file".to_string(),
        )
    };
    let too_big = |len: u64| problem(0, format!("the file is {len} bytes; {}", size_limit()));
    let cannot = |e: std::io::Error| problem(0, format!("cannot read: {e}"));
    let meta = std::fs::metadata(file).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > limits::FILE_BYTES as u64 {
        return Err(too_big(meta.len()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the path become a FIFO after the check above, `open` returns at once instead of
    // waiting for a writer; on a regular file the flag changes nothing.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let f = options.open(file).map_err(cannot)?;
    // What was opened, not what the path named a moment ago.
    let meta = f.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity((meta.len() as usize).min(limits::FILE_BYTES) + 1);
    // One byte more than the limit tells a file that grew while read from one at the limit.
    f.take(limits::FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > limits::FILE_BYTES {
        return Err(problem(
            0,
            format!(
                "the file grew past the size limit while it was read; {}",
                size_limit()
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        problem(line, "the file is not valid UTF-8 text".into())
    })
}

/// "question `q1`" when the table has a string `id`, else just the noun.
fn describe_table(table: &DeTable<'_>, noun: &str) -> String {
    match table.get("id").map(|v| v.get_ref()) {
        Some(DeValue::String(id)) => format!("{noun} `{}`", shown(id)),
        _ => noun.to_string(),
    }
}

/// Line of the first top-level `key = ...`, for problems found after parsing.
fn line_of_key(src: &str, key: &str) -> usize {
    src.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

/// The first 12 hex digits of the SHA-256 of the file: the survey version stored with every
/// response.
pub fn version_of(src: &str) -> String {
    let digest = Sha256::digest(src.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// True for a question, page, item or metadata id: `[a-z][a-z0-9_]*`, at most 40 characters.
pub fn is_valid_id(id: &str) -> bool {
    id.len() <= limits::ID_CHARS
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// True for an option code or a source tag: `[a-z0-9][a-z0-9_-]*`, at most 40 characters.
pub fn is_valid_code(code: &str) -> bool {
    code.len() <= limits::ID_CHARS
        && code.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// True for a survey id (a URL slug): `[a-z][a-z0-9-]*`, at most 40 characters.
pub fn is_valid_slug(id: &str) -> bool {
    id.len() <= limits::ID_CHARS
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Keys that apply to each question type (besides id, type, text, hint, interviewer, required,
/// show_if).
fn allowed_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "single_choice" | "multiple_choice" => &["options", "randomize"],
        "likert" => &["options", "scale"],
        "likert_grid" => &["options", "scale", "items"],
        "rating" => &["min", "max", "min_label", "max_label", "extra"],
        "number" => &["min", "max", "integer", "unit"],
        "short_text" | "long_text" => &["max_length"],
        "date" => &["min", "max"],
        _ => &[],
    }
}

/// What a list of choices is used for: decides which flags and scores make sense.
#[derive(Clone, Copy, PartialEq)]
enum ChoiceUse {
    Single,
    Multiple,
    Scale,
    Extra,
}

struct Cx<'a> {
    src: &'a str,
    path: &'a Path,
    /// Byte offset of the start of each line, to name lines without rescanning the file.
    line_starts: Vec<usize>,
    problems: Vec<Problem>,
    /// Ids of questions that could not be read (already reported): references to them in
    /// `show_if` are not reported again as unknown.
    unreadable: Vec<String>,
}

/// A question with where it came from, kept until `show_if` is checked.
struct Placed {
    question: Question,
    page: usize,
    show_if: Option<Spanned<String>>,
}

impl Cx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = self.line(span.start);
        self.problems.push(Problem {
            file: self.path.to_path_buf(),
            line,
            message: printable(&message.into()),
        });
    }

    fn absorb(&mut self, problems: raw::Problems) {
        for p in problems {
            self.err(p.span, p.message);
        }
    }

    /// Reports a file that is not valid TOML: every syntax error the parser finds, one per
    /// line, and an unclosed string as what it is. An unclosed string makes the parser read the
    /// rest of its line as something else ("missing comma between key-value pairs"), so the
    /// errors on its line are replaced by one message naming the line where the string starts.
    /// Nothing else is checked: what a broken document would mean is guesswork.
    fn syntax_errors(&mut self) {
        let (_, errors) = DeTable::parse_recoverable(self.src);
        let unclosed = unclosed_strings(self.src);
        // Past an unclosed multi-line string the whole rest of the file is inside it.
        let swallowed_from = unclosed
            .iter()
            .find(|u| u.multi_line)
            .map_or(usize::MAX, |u| u.offset);
        let mut lines: Vec<usize> = Vec::new();
        for u in &unclosed {
            let line = self.line(u.offset);
            let column = self.src[self.line_starts[line - 1]..u.offset]
                .chars()
                .count()
                + 1;
            let message = if u.multi_line {
                format!(
                    "TOML syntax error: unclosed string: the {} at column {column} starts a multi-line string that is never closed",
                    u.quote
                )
            } else {
                format!(
                    "TOML syntax error: unclosed string: the {} at column {column} opens a string that is not closed on this line (the quotes on this line do not pair up)",
                    u.quote
                )
            };
            lines.push(line);
            self.problems.push(Problem {
                file: self.path.to_path_buf(),
                line,
                message,
            });
        }
        for e in errors {
            let start = e.span().map_or(0, |s| s.start);
            let line = e.span().map_or(0, |_| self.line(start));
            if start >= swallowed_from || lines.contains(&line) {
                continue;
            }
            lines.push(line);
            let message = e.message().trim().replace('\n', " ");
            self.problems.push(Problem {
                file: self.path.to_path_buf(),
                line,
                message: printable(&format!("TOML syntax error: {message}")),
            });
        }
        if self.problems.is_empty() {
            self.err(0..0, "TOML syntax error");
        }
    }

    fn survey(&mut self) -> Option<Survey> {
        if self.src.len() > limits::FILE_BYTES {
            self.err(
                0..0,
                format!("the file is {} bytes; {}", self.src.len(), size_limit()),
            );
            return None;
        }
        let doc = match DeTable::parse(self.src) {
            Ok(doc) => doc,
            Err(_) => {
                self.syntax_errors();
                return None;
            }
        };
        let doc_span = doc.span();
        let mut root = doc.into_inner();
        let pages_value = root.remove("pages");
        let mut raw_problems = Vec::new();
        let header = raw::Header::read(root, doc_span.clone(), &mut raw_problems);
        self.absorb(raw_problems);
        let scales = self.scales(&header);
        let placed = self.pages(pages_value, doc_span, &scales);
        let (pages, mut questions) = placed?;
        let conditions = self.check_show_if(&pages, &questions);
        for (p, c) in questions.iter_mut().zip(conditions) {
            p.question.show_if = c;
        }
        let (Some(header_id), Some(header_wave)) = (&header.id, &header.wave) else {
            return None;
        };
        let mut survey = Survey {
            id: header_id.get_ref().clone(),
            version: version_of(self.src),
            wave: header_wave.get_ref().trim().to_string(),
            draft: header.draft.as_ref().is_some_and(|d| *d.get_ref()),
            title: match &header.title {
                Some(t) => self.text(t, "the survey title"),
                None => Text::default(),
            },
            intro: match &header.intro {
                Some(t) => self.text(t, "the survey intro"),
                None => Text::default(),
            },
            sponsor: header
                .sponsor
                .as_ref()
                .map(|t| self.text(t, "the survey's sponsor")),
            population: header
                .population
                .as_ref()
                .map(|t| self.text(t, "the survey's population")),
            metadata: Vec::new(),
            sources: Vec::new(),
            pages: Vec::new(),
            indices: Vec::new(),
            quotas: Vec::new(),
            path: self.path.to_path_buf(),
            content_memo: Default::default(),
        };
        if !is_valid_slug(&survey.id) {
            self.err(
                header_id.span(),
                format!(
                    "survey id `{}` is not valid: use lower-case ASCII letters, digits and `-`, starting with a letter, at most {} characters",
                    shown(&survey.id),
                    limits::ID_CHARS
                ),
            );
        }
        if survey.wave.is_empty()
            || survey.wave.chars().count() > limits::ID_CHARS
            || survey.wave.chars().any(char::is_control)
        {
            self.err(
                header_wave.span(),
                format!(
                    "`wave` must be a label of 1 to {} characters, e.g. \"2026-W1\"",
                    limits::ID_CHARS
                ),
            );
        }
        // Pages and questions.
        let mut pages = pages;
        for p in questions {
            if let Some(page) = pages.get_mut(p.page) {
                page.questions.push(p.question);
            }
        }
        survey.pages = pages;
        survey.sources = self.sources(&header.sources);
        survey.metadata = self.metadata(&header.metadata, &survey);
        survey.indices = self.indices(&header.indices, &survey);
        survey.quotas = self.quotas(&header.quotas, &survey);
        Some(survey)
    }

    fn text(&mut self, t: &Spanned<raw::Text>, what: &str) -> Text {
        let span = t.span();
        let t = t.get_ref();
        Text {
            ar: self.one_text(
                t.ar.as_ref(),
                t.bad.contains(&"ar"),
                span.clone(),
                "Arabic",
                "ar",
                what,
            ),
            en: self.one_text(
                t.en.as_ref(),
                t.bad.contains(&"en"),
                span,
                "English",
                "en",
                what,
            ),
        }
    }

    fn one_text(
        &mut self,
        value: Option<&Spanned<String>>,
        bad: bool,
        outer: Range<usize>,
        language: &str,
        key: &str,
        what: &str,
    ) -> String {
        match value {
            // Reported already as a value of the wrong type.
            None if bad => String::new(),
            None => {
                self.err(
                    outer,
                    format!("missing {language} text (`{key}`) for {what}; every text needs Arabic and English"),
                );
                String::new()
            }
            Some(v) => {
                let s = v.get_ref().trim();
                if s.is_empty() {
                    self.err(
                        v.span(),
                        format!("empty {language} text (`{key}`) for {what}"),
                    );
                } else if s.chars().count() > limits::TEXT_CHARS {
                    self.err(
                        v.span(),
                        format!(
                            "the {language} text of {what} has {} characters; at most {} are allowed",
                            s.chars().count(),
                            limits::TEXT_CHARS
                        ),
                    );
                }
                s.to_string()
            }
        }
    }

    fn id(&mut self, id: &Spanned<String>, what: &str) {
        if !is_valid_id(id.get_ref()) {
            self.err(
                id.span(),
                format!(
                    "{what} `{}` is not a valid id: use lower-case ASCII letters, digits and `_`, starting with a letter, at most {} characters",
                    shown(id.get_ref()),
                    limits::ID_CHARS
                ),
            );
        }
    }

    fn scales(&mut self, h: &raw::Header) -> BTreeMap<String, Vec<Choice>> {
        let mut out = BTreeMap::new();
        if h.scales.len() > limits::SCALES
            && let Some(first) = h.scales.values().map(|l| l.span()).min_by_key(|s| s.start)
        {
            self.err(
                first,
                format!(
                    "{} scales declared; at most {} are allowed",
                    h.scales.len(),
                    limits::SCALES
                ),
            );
        }
        for (name, list) in h.scales.iter().take(limits::SCALES) {
            if !is_valid_id(name) {
                self.err(
                    list.span(),
                    format!(
                        "scale name `{}` is not a valid id: use lower-case ASCII letters, digits and `_`, starting with a letter, at most {} characters",
                        shown(name),
                        limits::ID_CHARS
                    ),
                );
            }
            let choices = self.choices(list, &format!("scale `{}`", shown(name)), ChoiceUse::Scale);
            out.insert(name.clone(), choices);
        }
        out
    }

    fn choices(
        &mut self,
        list: &Spanned<Vec<Spanned<raw::Choice>>>,
        what: &str,
        usage: ChoiceUse,
    ) -> Vec<Choice> {
        let items = list.get_ref();
        if items.is_empty() {
            self.err(list.span(), format!("{what} has an empty option list"));
            return Vec::new();
        }
        if usage == ChoiceUse::Scale && items.len() < 2 {
            self.err(list.span(), format!("{what} needs at least 2 scale points"));
        }
        if items.len() > limits::OPTIONS {
            self.err(
                list.span(),
                format!(
                    "{what} has {} options; at most {} are allowed",
                    items.len(),
                    limits::OPTIONS
                ),
            );
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        // Past the limit the file is refused anyway: the rest is not read.
        for c in items.iter().take(limits::OPTIONS) {
            let span = c.span();
            let c = c.get_ref();
            let code = c.code.get_ref().clone();
            let quoted = shown(&code);
            if !is_valid_code(&code) {
                self.err(
                    c.code.span(),
                    format!(
                        "option code `{quoted}` in {what} is not valid: use lower-case ASCII letters, digits, `_` and `-`, at most {} characters",
                        limits::ID_CHARS
                    ),
                );
            }
            // Codes are read as numbers by `show_if` and by the estimates of numeric scales:
            // `inf` or `nan` would become an infinite or undefined score.
            if code.parse::<f64>().is_ok_and(|n| !n.is_finite()) {
                self.err(
                    c.code.span(),
                    format!(
                        "option code `{quoted}` in {what} reads as a number that is not finite; use another code"
                    ),
                );
            }
            if let Some(first) = seen.get(&code) {
                self.err(
                    c.code.span(),
                    format!(
                        "duplicate option code `{quoted}` in {what} (first used on line {first})"
                    ),
                );
            } else {
                let line = self.line(c.code.span().start);
                seen.insert(code.clone(), line);
            }
            let label_what = format!("option `{quoted}` of {what}");
            let label = Text {
                ar: self.one_text(
                    c.ar.as_ref(),
                    c.bad.contains(&"ar"),
                    span.clone(),
                    "Arabic",
                    "ar",
                    &label_what,
                ),
                en: self.one_text(
                    c.en.as_ref(),
                    c.bad.contains(&"en"),
                    span.clone(),
                    "English",
                    "en",
                    &label_what,
                ),
            };
            if c.exclusive && usage != ChoiceUse::Multiple {
                self.err(
                    span.clone(),
                    format!("`exclusive` in {label_what} applies only to multiple_choice options"),
                );
            }
            if c.anchored && !matches!(usage, ChoiceUse::Single | ChoiceUse::Multiple) {
                self.err(
                    span.clone(),
                    format!("`anchored` in {label_what} applies only to single_choice and multiple_choice options"),
                );
            }
            let mut score = c.score.as_ref().map(|s| *s.get_ref());
            if let Some(s) = &c.score {
                if !s.get_ref().is_finite() || s.get_ref().abs() > limits::NUMBER_ABS {
                    self.err(
                        s.span(),
                        format!(
                            "the score of {label_what} must be a number between {} and {}",
                            -limits::NUMBER_ABS,
                            limits::NUMBER_ABS
                        ),
                    );
                }
                if c.non_substantive {
                    self.err(
                        s.span(),
                        format!("{label_what} is non-substantive and cannot have a score"),
                    );
                }
            }
            if usage == ChoiceUse::Scale && score.is_none() && !c.non_substantive {
                score = code
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && n.abs() <= limits::NUMBER_ABS);
                if score.is_none() {
                    self.err(
                        span.clone(),
                        format!("{label_what} needs a `score` (or a numeric code) because it is a point of a Likert scale"),
                    );
                }
            }
            if usage == ChoiceUse::Extra && code.parse::<f64>().is_ok() {
                self.err(
                    c.code.span(),
                    format!("extra code `{quoted}` looks like a number on the rating scale; use a word such as `dk`"),
                );
            }
            let non_substantive = c.non_substantive || usage == ChoiceUse::Extra;
            out.push(Choice {
                code,
                label,
                non_substantive,
                anchored: c.anchored,
                exclusive: c.exclusive,
                score: if non_substantive { None } else { score },
            });
        }
        out
    }

    /// Reads `[[pages]]` and their questions. Returns `None` when pages are missing altogether.
    fn pages(
        &mut self,
        value: Option<Spanned<DeValue<'_>>>,
        doc_span: Range<usize>,
        scales: &BTreeMap<String, Vec<Choice>>,
    ) -> Option<(Vec<Page>, Vec<Placed>)> {
        let Some(value) = value else {
            self.err(
                doc_span,
                "the survey has no pages: add at least one [[pages]] with [[pages.questions]]",
            );
            return None;
        };
        let span = value.span();
        let DeValue::Array(list) = value.into_inner() else {
            self.err(
                span,
                "`pages` must be an array of tables, written [[pages]]",
            );
            return None;
        };
        if list.is_empty() {
            self.err(span.clone(), "the survey has no pages");
        }
        if list.len() > limits::PAGES {
            self.err(
                span,
                format!(
                    "the survey has {} pages; at most {} are allowed",
                    list.len(),
                    limits::PAGES
                ),
            );
        }
        let mut pages = Vec::new();
        let mut placed: Vec<Placed> = Vec::new();
        let mut page_ids: HashMap<String, usize> = HashMap::new();
        // Question and grid item ids share one namespace: they are answer keys and columns.
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut key_count = 0usize;
        for page_value in list {
            let pspan = page_value.span();
            let DeValue::Table(table) = page_value.into_inner() else {
                self.err(pspan, "each page must be a table, written [[pages]]");
                continue;
            };
            let where_ = describe_table(&table, "page");
            let mut raw_problems = Vec::new();
            let (header, questions_value) =
                raw::PageHeader::read(table, pspan.clone(), where_, &mut raw_problems);
            self.absorb(raw_problems);
            // Without an id the page is still read, so that its questions' problems are
            // reported too.
            let header_id = header
                .id
                .clone()
                .unwrap_or_else(|| Spanned::new(pspan.clone(), String::new()));
            let page_id = header_id.get_ref().clone();
            let q_page = shown(&page_id);
            if !page_id.is_empty() {
                self.id(&header_id, "page id");
            }
            if let Some(first) = page_ids.get(&page_id) {
                self.err(
                    header_id.span(),
                    format!("duplicate page id `{q_page}` (first used on line {first})"),
                );
            } else {
                let line = self.line(header_id.span().start);
                page_ids.insert(page_id.clone(), line);
            }
            let title = header
                .title
                .as_ref()
                .map(|t| self.text(t, &format!("the title of page `{q_page}`")));
            let page_index = pages.len();
            pages.push(Page {
                id: page_id.clone(),
                title,
                questions: Vec::new(),
            });
            let questions = match questions_value {
                None => Vec::new(),
                Some(v) => {
                    let vspan = v.span();
                    match v.into_inner() {
                        DeValue::Array(a) => a.into_iter().collect(),
                        _ => {
                            self.err(vspan, format!("`questions` of page `{q_page}` must be written [[pages.questions]]"));
                            continue;
                        }
                    }
                }
            };
            if questions.is_empty() {
                self.err(
                    header_id.span(),
                    format!("page `{q_page}` has no questions; add [[pages.questions]] after it"),
                );
            }
            for qv in questions {
                let (where_, peeked_id) = match qv.get_ref() {
                    DeValue::Table(t) => (
                        describe_table(t, "question"),
                        t.get("id")
                            .and_then(|v| v.get_ref().as_str())
                            .map(str::to_string),
                    ),
                    _ => ("question".to_string(), None),
                };
                let mut raw_problems = Vec::new();
                let q = raw::Question::read(qv, where_, allowed_keys, &mut raw_problems);
                self.absorb(raw_problems);
                let Some(q) = q else {
                    self.unreadable.extend(peeked_id);
                    continue;
                };
                let Some(question) = self.question(&q, scales) else {
                    self.unreadable.push(q.id.get_ref().clone());
                    continue;
                };
                for (i, key) in question.answer_keys().into_iter().enumerate() {
                    key_count += 1;
                    let span = match (&q.items, i) {
                        (Some(items), i) if question.type_name() == "likert_grid" => items
                            .get_ref()
                            .get(i)
                            .map_or(q.id.span(), |it| it.get_ref().id.span()),
                        _ => q.id.span(),
                    };
                    if EXPORT_COLUMNS.contains(&key) {
                        self.err(
                            span.clone(),
                            format!(
                                "id `{key}` is the name of a column of every export ({}); choose another id",
                                EXPORT_COLUMNS.join(", ")
                            ),
                        );
                    }
                    if let Some(first) = keys.get(key) {
                        self.err(
                            span,
                            format!("duplicate id `{}` (first used on line {first}); question and grid item ids must be unique in the survey", shown(key)),
                        );
                    } else {
                        let line = self.line(span.start);
                        keys.insert(key.to_string(), line);
                    }
                }
                placed.push(Placed {
                    question,
                    page: page_index,
                    show_if: q.show_if.clone(),
                });
            }
        }
        if key_count > limits::QUESTIONS {
            self.err(
                0..0,
                format!(
                    "the survey has {key_count} questions and grid items; at most {} are allowed",
                    limits::QUESTIONS
                ),
            );
        }
        Some((pages, placed))
    }

    fn question(
        &mut self,
        q: &raw::Question,
        scales: &BTreeMap<String, Vec<Choice>>,
    ) -> Option<Question> {
        let id = q.id.get_ref().clone();
        self.id(&q.id, "question id");
        let what = format!("question `{}`", shown(&id));
        let kind_name = q.kind.get_ref().as_str();
        if !QuestionKind::TYPE_NAMES.contains(&kind_name) {
            self.err(
                q.kind.span(),
                format!(
                    "unknown question type `{}` in {what}; expected one of: {}",
                    shown(kind_name),
                    QuestionKind::TYPE_NAMES.join(", ")
                ),
            );
            return None;
        }
        let allowed = allowed_keys(kind_name);
        for (key, span) in q.present_keys() {
            if !allowed.contains(&key) {
                self.err(
                    span,
                    format!("`{key}` does not apply to a {kind_name} question ({what})"),
                );
            }
        }
        let text = match &q.text {
            Some(t) => self.text(t, &what),
            None => Text::default(),
        };
        let hint = q
            .hint
            .as_ref()
            .map(|h| self.text(h, &format!("the hint of {what}")));
        let interviewer_note = q
            .interviewer
            .as_ref()
            .map(|h| self.text(h, &format!("the interviewer instruction of {what}")));
        let required = q.required.as_ref().is_none_or(|r| *r.get_ref());
        let randomize = q.randomize.as_ref().is_some_and(|r| *r.get_ref());
        let kind = match kind_name {
            "single_choice" | "multiple_choice" => {
                let usage = if kind_name == "single_choice" {
                    ChoiceUse::Single
                } else {
                    ChoiceUse::Multiple
                };
                let options = match &q.options {
                    Some(o) => self.choices(o, &what, usage),
                    None if q.is_bad("options") => Vec::new(),
                    None => {
                        self.err(q.id.span(), format!("{what} needs `options`"));
                        Vec::new()
                    }
                };
                if usage == ChoiceUse::Single {
                    QuestionKind::SingleChoice { options, randomize }
                } else {
                    QuestionKind::MultipleChoice { options, randomize }
                }
            }
            "likert" | "likert_grid" => {
                let scale = match (&q.scale, &q.options) {
                    (Some(name), None) => match scales.get(name.get_ref()) {
                        Some(s) => s.clone(),
                        None => {
                            let known: Vec<&str> = scales.keys().map(String::as_str).collect();
                            self.err(
                                name.span(),
                                format!(
                                    "{what} uses unknown scale `{}`; declared scales: {}",
                                    shown(name.get_ref()),
                                    if known.is_empty() {
                                        "none".into()
                                    } else {
                                        known.join(", ")
                                    }
                                ),
                            );
                            Vec::new()
                        }
                    },
                    (None, Some(o)) => self.choices(o, &what, ChoiceUse::Scale),
                    (Some(name), Some(_)) => {
                        self.err(
                            name.span(),
                            format!("{what} has both `scale` and `options`; use one"),
                        );
                        Vec::new()
                    }
                    (None, None) if q.is_bad("scale") || q.is_bad("options") => Vec::new(),
                    (None, None) => {
                        self.err(
                            q.id.span(),
                            format!("{what} needs a `scale` (a named scale) or `options`"),
                        );
                        Vec::new()
                    }
                };
                if kind_name == "likert" {
                    QuestionKind::Likert { scale }
                } else {
                    let items = self.items(q, &what);
                    QuestionKind::LikertGrid { scale, items }
                }
            }
            "rating" => self.rating(q, &what),
            "number" => {
                let min = self.number_bound(q.min.as_ref(), &what, "min");
                let max = self.number_bound(q.max.as_ref(), &what, "max");
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                    && let Some(m) = &q.min
                {
                    self.err(
                        m.span(),
                        format!("{what}: min ({lo}) is greater than max ({hi})"),
                    );
                }
                QuestionKind::Number {
                    integer: q.integer.as_ref().is_some_and(|i| *i.get_ref()),
                    min,
                    max,
                    unit: q
                        .unit
                        .as_ref()
                        .map(|u| self.text(u, &format!("the unit of {what}"))),
                }
            }
            "short_text" | "long_text" => {
                let default = if kind_name == "short_text" {
                    DEFAULT_SHORT_TEXT
                } else {
                    DEFAULT_LONG_TEXT
                };
                let max_length = match &q.max_length {
                    None => default,
                    Some(m) => {
                        let n = *m.get_ref();
                        if n < 1 || n > limits::ANSWER_CHARS as i64 {
                            self.err(
                                m.span(),
                                format!(
                                    "{what}: max_length must be between 1 and {}",
                                    limits::ANSWER_CHARS
                                ),
                            );
                            default
                        } else {
                            n as usize
                        }
                    }
                };
                if kind_name == "short_text" {
                    QuestionKind::ShortText { max_length }
                } else {
                    QuestionKind::LongText { max_length }
                }
            }
            _ => {
                let min = self.date_bound(q.min.as_ref(), &what, "min");
                let max = self.date_bound(q.max.as_ref(), &what, "max");
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                    && let Some(m) = &q.min
                {
                    self.err(m.span(), format!("{what}: min ({lo}) is after max ({hi})"));
                }
                QuestionKind::Date { min, max }
            }
        };
        Some(Question {
            id,
            text,
            hint,
            interviewer_note,
            required,
            headline: q.headline.as_ref().is_some_and(|h| *h.get_ref()),
            show_if: None,
            kind,
        })
    }

    fn items(&mut self, q: &raw::Question, what: &str) -> Vec<GridItem> {
        let Some(items) = &q.items else {
            if q.is_bad("items") {
                return Vec::new();
            }
            self.err(
                q.id.span(),
                format!("{what} is a likert_grid and needs `items`"),
            );
            return Vec::new();
        };
        if items.get_ref().is_empty() {
            self.err(items.span(), format!("{what} has an empty `items` list"));
        }
        if items.get_ref().len() > limits::OPTIONS {
            self.err(
                items.span(),
                format!("{what} has more than {} items", limits::OPTIONS),
            );
        }
        let mut out = Vec::new();
        for it in items.get_ref().iter().take(limits::OPTIONS) {
            let span = it.span();
            let it = it.get_ref();
            self.id(&it.id, "grid item id");
            let label_what = format!("item `{}` of {what}", shown(it.id.get_ref()));
            out.push(GridItem {
                id: it.id.get_ref().clone(),
                text: Text {
                    ar: self.one_text(
                        it.ar.as_ref(),
                        it.bad.contains(&"ar"),
                        span.clone(),
                        "Arabic",
                        "ar",
                        &label_what,
                    ),
                    en: self.one_text(
                        it.en.as_ref(),
                        it.bad.contains(&"en"),
                        span,
                        "English",
                        "en",
                        &label_what,
                    ),
                },
            });
        }
        out
    }

    fn rating(&mut self, q: &raw::Question, what: &str) -> QuestionKind {
        let bound =
            |cx: &mut Self, v: Option<&Spanned<toml::Value>>, key: &str, default: i64| match v {
                None => default,
                Some(v) => match v.get_ref() {
                    toml::Value::Integer(n) => *n,
                    _ => {
                        cx.err(
                            v.span(),
                            format!("{what}: `{key}` of a rating must be a whole number"),
                        );
                        default
                    }
                },
            };
        let min = bound(self, q.min.as_ref(), "min", 0);
        let max = bound(self, q.max.as_ref(), "max", 10);
        let span = q
            .min
            .as_ref()
            .or(q.max.as_ref())
            .map_or(q.id.span(), |s| s.span());
        // Checked before any arithmetic: `max - min + 1` overflows on i64::MAX.
        if min < 0 || min >= max || max > limits::RATING_MAX || max - min >= limits::RATING_POINTS {
            self.err(
                span,
                format!(
                    "{what}: rating bounds {min}–{max} are not valid; use whole numbers 0 ≤ min < max ≤ {} with at most {} points",
                    limits::RATING_MAX,
                    limits::RATING_POINTS
                ),
            );
        }
        // The file is refused; the defaults keep whatever is built from it harmless.
        let (min, max) = if min < 0
            || min >= max
            || max > limits::RATING_MAX
            || max - min >= limits::RATING_POINTS
        {
            (0, 10)
        } else {
            (min, max)
        };
        let label = |cx: &mut Self, t: Option<&Spanned<raw::Text>>, key: &str| match t {
            Some(t) => cx.text(t, &format!("`{key}` of {what}")),
            None if q.is_bad(key) => Text::default(),
            None => {
                cx.err(
                    q.id.span(),
                    format!(
                        "{what} is a rating and needs `{key}` (the label of that end of the scale)"
                    ),
                );
                Text::default()
            }
        };
        let min_label = label(self, q.min_label.as_ref(), "min_label");
        let max_label = label(self, q.max_label.as_ref(), "max_label");
        let extra = match &q.extra {
            Some(e) => self.choices(e, what, ChoiceUse::Extra),
            None => Vec::new(),
        };
        QuestionKind::Rating {
            min,
            max,
            min_label,
            max_label,
            extra,
        }
    }

    fn number_bound(
        &mut self,
        v: Option<&Spanned<toml::Value>>,
        what: &str,
        key: &str,
    ) -> Option<f64> {
        let v = v?;
        let n = match v.get_ref() {
            toml::Value::Integer(n) => *n as f64,
            toml::Value::Float(f) => *f,
            _ => {
                self.err(v.span(), format!("{what}: `{key}` must be a number"));
                return None;
            }
        };
        if !n.is_finite() || n.abs() > limits::NUMBER_ABS {
            self.err(
                v.span(),
                format!(
                    "{what}: `{key}` must be between {} and {}",
                    -limits::NUMBER_ABS,
                    limits::NUMBER_ABS
                ),
            );
            return None;
        }
        Some(n)
    }

    fn date_bound(
        &mut self,
        v: Option<&Spanned<toml::Value>>,
        what: &str,
        key: &str,
    ) -> Option<time::Date> {
        let v = v?;
        let parsed = match v.get_ref() {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                dt.date.and_then(|d| {
                    time::Month::try_from(d.month)
                        .ok()
                        .and_then(|m| time::Date::from_calendar_date(d.year as i32, m, d.day).ok())
                })
            }
            toml::Value::String(s) => super::answers::parse_date(s),
            _ => None,
        };
        if parsed.is_none() {
            self.err(
                v.span(),
                format!("{what}: `{key}` must be a date written YYYY-MM-DD"),
            );
        }
        parsed
    }

    /// Parses and checks every `show_if`; returns the conditions in question order.
    fn check_show_if(&mut self, pages: &[Page], placed: &[Placed]) -> Vec<Option<Condition>> {
        // Where each answer key lives: (page, question index in `placed`).
        let mut key_home: HashMap<&str, (usize, usize)> = HashMap::new();
        for (i, p) in placed.iter().enumerate() {
            for k in p.question.answer_keys() {
                key_home.entry(k).or_insert((p.page, i));
            }
        }
        let mut parsed: Vec<Option<Condition>> = Vec::new();
        for (i, p) in placed.iter().enumerate() {
            let Some(src) = &p.show_if else {
                parsed.push(None);
                continue;
            };
            let what = format!("show_if of question `{}`", shown(&p.question.id));
            let cond = match condition::parse(src.get_ref()) {
                Ok(c) => c,
                Err(e) => {
                    self.err(
                        src.span(),
                        format!("{what}: syntax error at column {}: {}", e.column, e.message),
                    );
                    parsed.push(None);
                    continue;
                }
            };
            for r in condition::references(&cond) {
                let key = r.key();
                let Some(&(page, owner)) = key_home.get(key) else {
                    if self.unreadable.iter().any(|u| u == key) {
                        continue;
                    }
                    let grid = placed
                        .iter()
                        .find(|x| x.question.id == key && x.question.type_name() == "likert_grid");
                    let msg = match grid {
                        Some(g) => format!(
                            "{what} names the grid `{key}`; name one of its items instead: {}",
                            g.question.answer_keys().join(", ")
                        ),
                        None => {
                            format!("{what} names `{key}`, which is not a question in this survey")
                        }
                    };
                    self.err(src.span(), msg);
                    continue;
                };
                if owner == i {
                    self.err(
                        src.span(),
                        format!("{what} refers to the question's own answer (a cycle)"),
                    );
                    continue;
                }
                if page >= p.page {
                    let place = if page == p.page {
                        "the same page"
                    } else {
                        "a later page"
                    };
                    self.err(
                        src.span(),
                        format!(
                            "{what} names `{key}`, which is on {place} (page `{}`); show_if may only name questions on earlier pages",
                            pages.get(page).map_or("?", |pg| pg.id.as_str())
                        ),
                    );
                    continue;
                }
                if let Some(problem) = impossible(&placed[owner].question, key, &r) {
                    self.err(src.span(), format!("{what}: {problem}"));
                }
            }
            parsed.push(Some(cond));
        }
        parsed
    }

    fn sources(&mut self, list: &[Spanned<String>]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if list.len() > limits::SOURCES {
            self.err(
                list[0].span(),
                format!(
                    "{} source tags declared; at most {} are allowed",
                    list.len(),
                    limits::SOURCES
                ),
            );
        }
        for s in list {
            let tag = s.get_ref();
            let q_tag = shown(tag);
            if !is_valid_code(tag) {
                self.err(
                    s.span(),
                    format!(
                        "source tag `{q_tag}` is not valid: use lower-case ASCII letters, digits, `_` and `-`, at most {} characters",
                        limits::ID_CHARS
                    ),
                );
            } else if out.contains(tag) {
                self.err(s.span(), format!("duplicate source tag `{q_tag}`"));
            } else {
                out.push(tag.clone());
            }
        }
        out
    }

    fn metadata(&mut self, list: &[Spanned<raw::Metadata>], survey: &Survey) -> Vec<MetadataField> {
        let mut out: Vec<MetadataField> = Vec::new();
        if list.len() > limits::METADATA_FIELDS {
            self.err(
                list[0].span(),
                format!(
                    "{} metadata fields declared; at most {} are allowed",
                    list.len(),
                    limits::METADATA_FIELDS
                ),
            );
        }
        for m in list {
            let m = m.get_ref();
            let id = m.id.get_ref().clone();
            let q_id = shown(&id);
            self.id(&m.id, "metadata field id");
            if out.iter().any(|o| o.id == id) {
                self.err(m.id.span(), format!("duplicate metadata field `{q_id}`"));
            }
            if survey.page_of(&id).is_some() {
                self.err(
                    m.id.span(),
                    format!("metadata field `{q_id}` has the same id as a question; export columns must be unique"),
                );
            }
            if EXPORT_COLUMNS[..FIXED_EXPORT_COLUMNS].contains(&id.as_str()) {
                self.err(
                    m.id.span(),
                    format!(
                        "metadata field `{q_id}` has the name of a fixed column of every export ({}); choose another id",
                        EXPORT_COLUMNS[..FIXED_EXPORT_COLUMNS].join(", ")
                    ),
                );
            }
            let label = match &m.label {
                Some(l) => self.text(l, &format!("the label of metadata field `{q_id}`")),
                None => Text::default(),
            };
            let mut values: Vec<String> = Vec::new();
            if let Some(vs) = &m.values {
                if vs.is_empty() {
                    self.err(m.id.span(), format!("metadata field `{q_id}` has an empty `values` list; leave it out for free values"));
                }
                if vs.len() > limits::METADATA_VALUES {
                    self.err(
                        m.id.span(),
                        format!(
                            "metadata field `{q_id}` has more than {} values",
                            limits::METADATA_VALUES
                        ),
                    );
                }
                for v in vs.iter().take(limits::METADATA_VALUES) {
                    let value = v.get_ref();
                    let q_value = shown(value);
                    if !is_valid_code(value) {
                        self.err(
                            v.span(),
                            format!("value `{q_value}` of metadata field `{q_id}` is not valid: use lower-case ASCII letters, digits, `_` and `-`, at most {} characters", limits::ID_CHARS),
                        );
                    } else if values.contains(value) {
                        self.err(
                            v.span(),
                            format!("duplicate value `{q_value}` in metadata field `{q_id}`"),
                        );
                    } else {
                        values.push(value.clone());
                    }
                }
            }
            out.push(MetadataField { id, label, values });
        }
        out
    }

    fn indices(&mut self, list: &[Spanned<raw::Index>], survey: &Survey) -> Vec<CompositeIndex> {
        let mut out: Vec<CompositeIndex> = Vec::new();
        if list.len() > limits::INDICES {
            self.err(
                list[0].span(),
                format!(
                    "{} indices declared; at most {} are allowed",
                    list.len(),
                    limits::INDICES
                ),
            );
        }
        for ix in list {
            let ix = ix.get_ref();
            let id = ix.id.get_ref().clone();
            let q_id = shown(&id);
            self.id(&ix.id, "index id");
            if out.iter().any(|o| o.id == id) {
                self.err(ix.id.span(), format!("duplicate index id `{q_id}`"));
            }
            if survey.page_of(&id).is_some() || survey.metadata_field(&id).is_some() {
                self.err(
                    ix.id.span(),
                    format!("index `{q_id}` has the same id as a question or metadata field; export columns must be unique"),
                );
            }
            let label = match &ix.label {
                Some(l) => self.text(l, &format!("the label of index `{q_id}`")),
                None => Text::default(),
            };
            let mut items: Vec<String> = Vec::new();
            if ix.items.get_ref().is_empty() {
                self.err(
                    ix.items.span(),
                    format!("index `{q_id}` has an empty `items` list"),
                );
            }
            let too_many = ix.items.get_ref().len() > limits::OPTIONS;
            if too_many {
                self.err(
                    ix.items.span(),
                    format!(
                        "index `{q_id}` has {} items; at most {} are allowed",
                        ix.items.get_ref().len(),
                        limits::OPTIONS
                    ),
                );
            }
            // Past the limit the items are not read: one problem, not one per item.
            for item in ix.items.get_ref().iter().filter(|_| !too_many) {
                let key = item.get_ref();
                let q_key = shown(key);
                match survey.question_of(key) {
                    None => self.err(
                        item.span(),
                        format!(
                            "index `{q_id}` names `{q_key}`, which is not a question or grid item"
                        ),
                    ),
                    Some(q) => {
                        let scored = match &q.kind {
                            QuestionKind::Rating { .. } => true,
                            QuestionKind::Likert { scale }
                            | QuestionKind::LikertGrid { scale, .. } => {
                                scale.iter().filter(|c| c.score.is_some()).count() >= 2
                            }
                            _ => false,
                        };
                        if !scored {
                            self.err(
                                item.span(),
                                format!(
                                    "index `{q_id}` names `{q_key}`, a {} question; an index averages scored Likert items and ratings",
                                    q.type_name()
                                ),
                            );
                        } else if items.contains(key) {
                            self.err(item.span(), format!("index `{q_id}` names `{q_key}` twice"));
                        } else {
                            items.push(key.clone());
                        }
                    }
                }
            }
            let n = ix.items.get_ref().len();
            let min_items = match &ix.min_items {
                None => 1,
                Some(m) => {
                    let v = *m.get_ref();
                    if v < 1 || v as usize > n.max(1) {
                        self.err(m.span(), format!("index `{q_id}`: min_items must be between 1 and the number of items ({n})"));
                        1
                    } else {
                        v as usize
                    }
                }
            };
            out.push(CompositeIndex {
                id,
                label,
                items,
                min_items,
            });
        }
        out
    }

    fn quotas(&mut self, list: &[Spanned<raw::Quota>], survey: &Survey) -> Vec<Quota> {
        let mut out: Vec<Quota> = Vec::new();
        if list.len() > limits::QUOTAS {
            self.err(
                list[0].span(),
                format!(
                    "{} quotas declared; at most {} are allowed",
                    list.len(),
                    limits::QUOTAS
                ),
            );
            return out;
        }
        for spanned in list {
            let raw = spanned.get_ref();
            let id = raw.id.get_ref().clone();
            let q_id = shown(&id);
            self.id(&raw.id, "quota id");
            let mut ok = true;
            if out.iter().any(|o| o.id == id) {
                self.err(raw.id.span(), format!("duplicate quota id `{q_id}`"));
                ok = false;
            }
            // What each part of a cell may be: the question's codes, or the source tags.
            let mut by: Vec<QuotaKey> = Vec::new();
            let mut codes: Vec<Vec<String>> = Vec::new();
            match &raw.by {
                None => ok = false,
                Some(list)
                    if list.get_ref().is_empty() || list.get_ref().len() > limits::QUOTA_PARTS =>
                {
                    self.err(
                        list.span(),
                        format!(
                            "quota `{q_id}`: `by` names 1 to {} questions or \"source\"",
                            limits::QUOTA_PARTS
                        ),
                    );
                    ok = false;
                }
                Some(list) => {
                    for part in list.get_ref() {
                        let name = part.get_ref();
                        let key = if name == "source" {
                            let mut tags = survey.sources.clone();
                            tags.push(NO_SOURCE.to_string());
                            codes.push(tags);
                            QuotaKey::Source
                        } else {
                            match survey.question(name) {
                                Some(q)
                                    if matches!(
                                        q.kind,
                                        QuestionKind::SingleChoice { .. }
                                            | QuestionKind::Likert { .. }
                                    ) =>
                                {
                                    codes
                                        .push(q.choices().iter().map(|c| c.code.clone()).collect());
                                    QuotaKey::Question(name.clone())
                                }
                                Some(q) => {
                                    self.err(part.span(), format!("quota `{q_id}` is by `{}`, a {} question; quotas are by single-choice questions or \"source\"", shown(name), q.type_name()));
                                    ok = false;
                                    continue;
                                }
                                None => {
                                    self.err(part.span(), format!("quota `{q_id}` is by `{}`, which is not a question of this survey (or \"source\")", shown(name)));
                                    ok = false;
                                    continue;
                                }
                            }
                        };
                        if by.contains(&key) {
                            self.err(
                                part.span(),
                                format!("quota `{q_id}` names `{}` twice", shown(name)),
                            );
                            ok = false;
                        }
                        by.push(key);
                    }
                }
            }
            let limit = match &raw.limit {
                Some(l) if (1..=limits::QUOTA_LIMIT).contains(l.get_ref()) => *l.get_ref() as u32,
                Some(l) => {
                    self.err(
                        l.span(),
                        format!(
                            "quota `{q_id}`: `limit` must be a whole number from 1 to {}",
                            limits::QUOTA_LIMIT
                        ),
                    );
                    ok = false;
                    0
                }
                None => {
                    ok = false;
                    0
                }
            };
            let mut cell_limits = std::collections::BTreeMap::new();
            for (cell, n) in &raw.limits {
                let parts: Vec<&str> = cell.get_ref().split(quota::CELL_SEPARATOR).collect();
                let known = parts.len() == codes.len()
                    && parts
                        .iter()
                        .zip(&codes)
                        .all(|(p, allowed)| allowed.iter().any(|c| c == p));
                if ok && !known {
                    let example: Vec<&str> = codes
                        .iter()
                        .filter_map(|c| c.first().map(String::as_str))
                        .collect();
                    self.err(cell.span(), format!(
                        "quota `{q_id}`: `{}` is not a cell of this quota (a cell names one code of each of `by`, joined by `/`, e.g. \"{}\")",
                        shown(cell.get_ref()), example.join("/")
                    ));
                    ok = false;
                }
                if !(0..=limits::QUOTA_LIMIT).contains(n.get_ref()) {
                    self.err(
                        n.span(),
                        format!(
                            "quota `{q_id}`: a cell's limit must be a whole number from 0 to {}",
                            limits::QUOTA_LIMIT
                        ),
                    );
                    ok = false;
                }
                cell_limits.insert(cell.get_ref().clone(), (*n.get_ref()).max(0) as u32);
            }
            if ok {
                out.push(Quota {
                    id,
                    by,
                    limit,
                    limits: cell_limits,
                });
            }
        }
        out
    }
}

/// Why a reference inside `show_if` can never hold, if it cannot.
fn impossible(q: &Question, key: &str, r: &Reference<'_>) -> Option<String> {
    match r {
        Reference::Answered(_) => None,
        Reference::Equality(_, v) => {
            let shown = match v {
                Value::Str(s) => format!("\"{s}\""),
                Value::Num(n) => n.to_string(),
            };
            let num = match v {
                Value::Num(n) => Some(*n),
                Value::Str(s) => s.parse::<f64>().ok(),
            };
            let code_ok = |c: &Choice| match v {
                Value::Str(s) => c.code == *s,
                Value::Num(n) => c.code.parse::<f64>().is_ok_and(|x| x == *n),
            };
            match &q.kind {
                QuestionKind::SingleChoice { .. }
                | QuestionKind::MultipleChoice { .. }
                | QuestionKind::Likert { .. }
                | QuestionKind::LikertGrid { .. } => {
                    if q.choices().iter().any(code_ok) {
                        None
                    } else {
                        let codes: Vec<&str> =
                            q.choices().iter().map(|c| c.code.as_str()).collect();
                        Some(format!(
                            "{shown} is not an option of `{key}` (its codes: {})",
                            codes.join(", ")
                        ))
                    }
                }
                QuestionKind::Rating { min, max, .. } => {
                    let in_range = num
                        .is_some_and(|n| n.fract() == 0.0 && n >= *min as f64 && n <= *max as f64);
                    if in_range || q.choices().iter().any(code_ok) {
                        None
                    } else {
                        Some(format!(
                            "{shown} is not a possible answer to `{key}` (a rating from {min} to {max})"
                        ))
                    }
                }
                QuestionKind::Number {
                    min, max, integer, ..
                } => match num {
                    None => Some(format!(
                        "`{key}` is a number question, so it can never equal {shown}"
                    )),
                    Some(n) if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) => {
                        Some(format!("{shown} is outside the range allowed for `{key}`"))
                    }
                    Some(n) if *integer && n.fract() != 0.0 => Some(format!(
                        "`{key}` takes whole numbers only, so it can never equal {shown}"
                    )),
                    _ => None,
                },
                QuestionKind::Date { .. } => match v {
                    Value::Str(s) if super::answers::parse_date(s).is_some() => None,
                    _ => Some(format!(
                        "{shown} is not a date (YYYY-MM-DD), so `{key}` can never equal it"
                    )),
                },
                QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => None,
            }
        }
        Reference::Comparison(_, _) => {
            let numeric = match &q.kind {
                QuestionKind::Number { .. } | QuestionKind::Rating { .. } => true,
                QuestionKind::Likert { .. }
                | QuestionKind::LikertGrid { .. }
                | QuestionKind::SingleChoice { .. } => {
                    q.choices().iter().any(|c| c.score.is_some())
                }
                _ => false,
            };
            if numeric {
                None
            } else {
                Some(format!(
                    "compares `{key}` with a number, but `{key}` is a {} question without numeric values",
                    q.type_name()
                ))
            }
        }
    }
}

/// A string literal that is not closed.
struct Unclosed {
    /// Byte offset of its opening quote.
    offset: usize,
    quote: &'static str,
    multi_line: bool,
}

/// The strings of a TOML text that are not closed, scanned the way TOML reads quotes: a `"` or
/// `'` string ends on its line, a `"""` or `'''''` one may span lines, `#` starts a comment
/// outside strings. Used only once the parser has refused the file, to name the real cause.
fn unclosed_strings(src: &str) -> Vec<Unclosed> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let basic = q == b'"';
                if b[i..].starts_with(if basic { b"\"\"\"" } else { b"'''" }) {
                    let close: &[u8] = if basic { b"\"\"\"" } else { b"'''" };
                    let mut j = i + 3;
                    let mut closed = false;
                    while j < b.len() {
                        if basic && b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if b[j..].starts_with(close) {
                            closed = true;
                            // A closing delimiter may be followed by up to two more quotes.
                            j += 3;
                            while j < b.len() && b[j] == q {
                                j += 1;
                            }
                            break;
                        }
                        j += 1;
                    }
                    if !closed {
                        out.push(Unclosed {
                            offset: i,
                            quote: if basic { "`\"\"\"`" } else { "`'''`" },
                            multi_line: true,
                        });
                        return out;
                    }
                    i = j;
                    continue;
                }
                let mut j = i + 1;
                let mut closed = false;
                while j < b.len() && b[j] != b'\n' {
                    if basic && b[j] == b'\\' {
                        // An escape, but a backslash at the end of the line escapes nothing.
                        j += 1;
                        if j < b.len() && b[j] != b'\n' {
                            j += 1;
                        }
                        continue;
                    }
                    if b[j] == q {
                        closed = true;
                        break;
                    }
                    j += 1;
                }
                if !closed {
                    out.push(Unclosed {
                        offset: i,
                        quote: if basic { "`\"`" } else { "`'`" },
                        multi_line: false,
                    });
                }
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
