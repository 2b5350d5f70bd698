//! The rules for answers, written once for every channel: reading a posted page into
//! [`Answers`], validating it against the survey, and deciding what `show_if` hides.
//!
//! Every channel (web form, kiosk, interviewer) goes through [`read_page`] for each page and
//! through [`check_complete`] before storing, so that a response can never hold a foreign
//! option code, an out-of-range number, an over-long text or an answer to a question that
//! `show_if` hides. Messages come in Arabic and English ([`Text`]).
//!
//! Stored forms ([`Answer`]): single choice, Likert and grid items → `Value(code)`; multiple
//! choice → `Codes` in file order; number → `Number`; rating → `Number`, or `Value(code)` for
//! an extra code such as "dk"; texts → `Value` (trimmed); date → `Value("YYYY-MM-DD")`.

use super::condition;
use super::model::*;
use std::collections::HashMap;

/// A problem with one answer, shown next to the field and in the error summary.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The answer key: question id, or grid item id.
    pub key: String,
    pub message: Text,
}

/// Longest raw value accepted for a number or a date field, in characters.
const MAX_NUMBER_INPUT: usize = 40;

/// True when `q` is shown given the answers so far. Answers to questions that are themselves
/// hidden are disregarded, so stale answers never reveal a question.
pub fn visible(survey: &Survey, q: &Question, answers: &Answers) -> bool {
    match &q.show_if {
        None => true,
        Some(c) => {
            let mut effective = answers.clone();
            prune_hidden(survey, &mut effective);
            condition::eval(survey, c, &effective)
        }
    }
}

/// Drops the answers of questions that `show_if` hides, in page order, so that hiding cascades
/// (a question that depends on a hidden question sees it as unanswered).
pub fn prune_hidden(survey: &Survey, answers: &mut Answers) {
    for q in survey.questions() {
        if let Some(c) = &q.show_if
            && !condition::eval(survey, c, answers)
        {
            for k in q.answer_keys() {
                answers.remove(k);
            }
        }
    }
}

/// Reads the posted form of page `page`: returns the normalised answers of its visible
/// questions, or every problem found. `answers` holds the answers of the other pages (they
/// decide `show_if`). Keys that are not answer keys of this page are ignored (CSRF token,
/// buttons, other pages); a value posted for a hidden question is an error.
pub fn read_page(
    survey: &Survey,
    page: usize,
    posted: &[(String, String)],
    answers: &Answers,
) -> Result<Answers, Vec<FieldError>> {
    let Some(p) = survey.pages.get(page) else {
        return Ok(Answers::new());
    };
    let mut effective = answers.clone();
    prune_hidden(survey, &mut effective);
    let mut values: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, v) in posted {
        values.entry(k.as_str()).or_default().push(v.as_str());
    }
    let mut out = Answers::new();
    let mut errors = Vec::new();
    for q in &p.questions {
        let shown = q
            .show_if
            .as_ref()
            .is_none_or(|c| condition::eval(survey, c, &effective));
        for key in q.answer_keys() {
            let given: Vec<&str> = values
                .get(key)
                .map(|vs| {
                    let mut vs: Vec<&str> = vs
                        .iter()
                        .map(|v| v.trim())
                        .filter(|v| !v.is_empty())
                        .collect();
                    vs.dedup();
                    vs
                })
                .unwrap_or_default();
            let result = if !shown {
                if given.is_empty() {
                    Ok(None)
                } else {
                    Err(msg::does_not_apply())
                }
            } else {
                read_value(q, &given).and_then(|a| match a {
                    Some(a) => check_answer(q, &a).map(|()| Some(a)),
                    None if q.required => Err(msg::required(q)),
                    None => Ok(None),
                })
            };
            match result {
                Ok(Some(a)) => {
                    out.insert(key.to_string(), a);
                }
                Ok(None) => {}
                Err(message) => errors.push(FieldError {
                    key: key.to_string(),
                    message,
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Turns the non-empty posted values of one field into an answer (format only; ranges and codes
/// are checked by [`check_answer`]).
fn read_value(q: &Question, given: &[&str]) -> Result<Option<Answer>, Text> {
    if given.is_empty() {
        return Ok(None);
    }
    if let QuestionKind::MultipleChoice { options, .. } = &q.kind {
        // Canonical order: the file's, whatever the display order was.
        let mut codes: Vec<String> = Vec::new();
        for v in given {
            if !options.iter().any(|o| o.code == *v) {
                return Err(msg::foreign_option());
            }
        }
        for o in options {
            if given.contains(&o.code.as_str()) {
                codes.push(o.code.clone());
            }
        }
        return Ok(Some(Answer::Codes(codes)));
    }
    let [value] = given else {
        return Err(msg::only_one());
    };
    let value = *value;
    Ok(Some(match &q.kind {
        QuestionKind::SingleChoice { .. }
        | QuestionKind::Likert { .. }
        | QuestionKind::LikertGrid { .. } => Answer::Value(value.to_string()),
        QuestionKind::Rating {
            min, max, extra, ..
        } => {
            if extra.iter().any(|c| c.code == value) {
                Answer::Value(value.to_string())
            } else {
                match parse_number(value) {
                    Some(n) => Answer::Number(n),
                    None => return Err(msg::rating_range(*min, *max)),
                }
            }
        }
        QuestionKind::Number { integer, .. } => match read_number(value) {
            Ok(n) if *integer && n.fract() != 0.0 && point_before_three(value) => {
                // `1.500` on a whole-number question: thousands with a point, or a typo.
                let digits: String = normalise_digits(value)
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '-')
                    .collect();
                return Err(msg::ambiguous_number(None, &digits));
            }
            Ok(n) => Answer::Number(n),
            Err(NumberError::NotANumber) => return Err(msg::not_a_number()),
            Err(NumberError::Ambiguous {
                as_decimal,
                digits_only,
            }) => {
                return Err(msg::ambiguous_number(
                    as_decimal.as_deref().filter(|_| !integer),
                    &digits_only,
                ));
            }
        },
        QuestionKind::ShortText { .. } => Answer::Value(clean_text(value, false)),
        QuestionKind::LongText { .. } => Answer::Value(clean_text(value, true)),
        QuestionKind::Date { .. } => match parse_date(value) {
            Some(d) => Answer::Value(format_date(d)),
            None => return Err(msg::not_a_date()),
        },
        QuestionKind::MultipleChoice { .. } => unreachable!("handled above"),
    }))
}

/// True for `1.500` or `١٫٥٠٠`: 1 to 3 digits, one point or `٫`, then exactly 3 digits.
fn point_before_three(raw: &str) -> bool {
    let s = normalise_digits(raw.trim());
    let s = s.strip_prefix(['-', '−']).unwrap_or(&s);
    match s.split_once(['.', '٫']) {
        Some((int, frac)) => {
            (1..=3).contains(&int.len())
                && frac.len() == 3
                && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Checks one stored answer against its question: codes, ranges, lengths. Used on every posted
/// page and again by [`check_complete`] on the whole response.
pub fn check_answer(q: &Question, answer: &Answer) -> Result<(), Text> {
    match (&q.kind, answer) {
        (
            QuestionKind::SingleChoice {
                options: choices, ..
            }
            | QuestionKind::Likert { scale: choices }
            | QuestionKind::LikertGrid { scale: choices, .. },
            Answer::Value(code),
        ) => {
            if choices.iter().any(|c| c.code == *code) {
                Ok(())
            } else {
                Err(msg::foreign_option())
            }
        }
        (QuestionKind::MultipleChoice { options, .. }, Answer::Codes(codes)) => {
            if codes.is_empty() {
                return Err(msg::required(q));
            }
            let mut chosen = Vec::new();
            for code in codes {
                match options.iter().find(|o| o.code == *code) {
                    Some(o) => chosen.push(o),
                    None => return Err(msg::foreign_option()),
                }
            }
            if chosen.len() > 1
                && let Some(ex) = chosen.iter().find(|o| o.exclusive)
            {
                return Err(msg::exclusive(&ex.label));
            }
            Ok(())
        }
        (QuestionKind::Rating { min, max, .. }, Answer::Number(n)) => {
            if n.fract() == 0.0 && *n >= *min as f64 && *n <= *max as f64 {
                Ok(())
            } else {
                Err(msg::rating_range(*min, *max))
            }
        }
        (
            QuestionKind::Rating {
                extra, min, max, ..
            },
            Answer::Value(code),
        ) => {
            if extra.iter().any(|c| c.code == *code) {
                Ok(())
            } else {
                Err(msg::rating_range(*min, *max))
            }
        }
        (
            QuestionKind::Number {
                integer, min, max, ..
            },
            Answer::Number(n),
        ) => {
            if !n.is_finite() {
                return Err(msg::not_a_number());
            }
            if *integer && n.fract() != 0.0 {
                return Err(msg::whole_number());
            }
            if min.is_some_and(|m| *n < m) || max.is_some_and(|m| *n > m) {
                return Err(msg::number_range(*min, *max));
            }
            Ok(())
        }
        (
            QuestionKind::ShortText { max_length } | QuestionKind::LongText { max_length },
            Answer::Value(s),
        ) => {
            if s.trim().is_empty() {
                Err(msg::required(q))
            } else if s.chars().count() > *max_length {
                Err(msg::too_long(*max_length))
            } else {
                Ok(())
            }
        }
        (QuestionKind::Date { min, max }, Answer::Value(s)) => {
            let Some(d) = parse_date(s) else {
                return Err(msg::not_a_date());
            };
            if min.is_some_and(|m| d < m) || max.is_some_and(|m| d > m) {
                return Err(msg::date_range(*min, *max));
            }
            Ok(())
        }
        _ => Err(msg::foreign_option()),
    }
}

/// The final gate before storing: every visible required question answered, every answer
/// valid, no answer to a hidden question. Errors carry the page index, for a "Change" link.
/// Call [`prune_hidden`] first when earlier answers may have changed.
pub fn check_complete(survey: &Survey, answers: &Answers) -> Result<(), Vec<(usize, FieldError)>> {
    let mut errors = Vec::new();
    let mut effective = answers.clone();
    prune_hidden(survey, &mut effective);
    for (i, page) in survey.pages.iter().enumerate() {
        for q in &page.questions {
            let shown = q
                .show_if
                .as_ref()
                .is_none_or(|c| condition::eval(survey, c, &effective));
            for key in q.answer_keys() {
                let result = match (shown, answers.get(key)) {
                    (false, None) => Ok(()),
                    (false, Some(_)) => Err(msg::does_not_apply()),
                    (true, Some(a)) => check_answer(q, a),
                    (true, None) if q.required => Err(msg::required(q)),
                    (true, None) => Ok(()),
                };
                if let Err(message) = result {
                    errors.push((
                        i,
                        FieldError {
                            key: key.to_string(),
                            message,
                        },
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn page_has_visible(survey: &Survey, page: &Page, effective: &Answers) -> bool {
    page.questions.iter().any(|q| {
        q.show_if
            .as_ref()
            .is_none_or(|c| condition::eval(survey, c, effective))
    })
}

/// The first page after `after` (or the first page, for `None`) with a visible question.
pub fn next_page(survey: &Survey, after: Option<usize>, answers: &Answers) -> Option<usize> {
    let mut effective = answers.clone();
    prune_hidden(survey, &mut effective);
    let start = after.map_or(0, |a| a + 1);
    (start..survey.pages.len()).find(|&i| page_has_visible(survey, &survey.pages[i], &effective))
}

/// The last page before `before` with a visible question.
pub fn prev_page(survey: &Survey, before: usize, answers: &Answers) -> Option<usize> {
    let mut effective = answers.clone();
    prune_hidden(survey, &mut effective);
    (0..before.min(survey.pages.len()))
        .rev()
        .find(|&i| page_has_visible(survey, &survey.pages[i], &effective))
}

/// Where page `index` stands among the pages that apply to this person now (those with a
/// visible question given the answers so far): `(position, count)`, both counted from 1, for
/// "page 3 of 6". `show_if` names only earlier pages, so answering a page changes what applies
/// after it, never before: going forward the position always grows by one, while the count
/// may change when an answer opens or closes later pages.
pub fn page_position(survey: &Survey, index: usize, answers: &Answers) -> (usize, usize) {
    let mut effective = answers.clone();
    prune_hidden(survey, &mut effective);
    let applies: Vec<usize> = (0..survey.pages.len())
        .filter(|&i| page_has_visible(survey, &survey.pages[i], &effective))
        .collect();
    let position = applies.iter().filter(|&&i| i < index).count() + 1;
    // A page shown although nothing on it applies (answers changed in another tab) still
    // gets a position within the count.
    (position, applies.len().max(position))
}

/// A small, stable pseudo-random generator (SplitMix64): the same seed gives the same option
/// order on every machine and every version of the `rand` crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// FNV-1a, to give each question its own order for one respondent seed.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The options of `q` in display order: shuffled when the question says `randomize` (a
/// deterministic shuffle for `seed`, so a page keeps its order across reloads), with anchored
/// options ("other", "none of these") last in file order. Likert scales, rating extras and
/// non-randomised options keep the file order.
#[allow(clippy::needless_lifetimes)] // the agreed signature spells the lifetime out
pub fn option_order<'a>(q: &'a Question, seed: u64) -> Vec<&'a Choice> {
    let (options, randomize) = match &q.kind {
        QuestionKind::SingleChoice { options, randomize }
        | QuestionKind::MultipleChoice { options, randomize } => (options.as_slice(), *randomize),
        _ => (q.choices(), false),
    };
    if !randomize {
        return options.iter().collect();
    }
    let mut free: Vec<&Choice> = options.iter().filter(|c| !c.anchored).collect();
    let mut rng = SplitMix(seed ^ fnv1a(&q.id));
    for i in (1..free.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        free.swap(i, j);
    }
    free.extend(options.iter().filter(|c| c.anchored));
    free
}

/// Maps Arabic-Indic (٠–٩) and Persian (۰–۹) digits to ASCII; everything else is kept.
pub fn normalise_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        })
        .collect()
}

/// Writes ASCII digits as Arabic-Indic digits (for Arabic messages and labels).
pub fn arabic_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
            '.' => '٫',
            _ => c,
        })
        .collect()
}

/// Why a typed number could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberError {
    /// Not a number at all (letters, exponents, two minus signs…).
    NotANumber,
    /// Commas, spaces or Arabic thousands separators that are not groups of three digits:
    /// `1,5` may be a decimal comma, `12 34` a typo. Carries the digits read as a decimal
    /// (point instead of the one comma, `1.5`) when that reading exists, and the digits alone
    /// (`15`), so that the message can say exactly what to type.
    Ambiguous {
        as_decimal: Option<String>,
        digits_only: String,
    },
}

/// Reads a typed number: ASCII, Arabic-Indic or Persian digits; an optional leading minus;
/// `.` or the Arabic decimal separator `٫` before decimals. Thousands may be grouped in
/// threes with `,` (or the Arabic comma `،`), the Arabic thousands separator `٬`, a space, or
/// `.` when there are several (`1.500.000`), or with `.` before a decimal comma when both
/// appear (`1.500,5`). A comma that does not group thousands (`1,5`, `12,34`) is refused as
/// ambiguous rather than guessed. Bidirectional marks are ignored. No exponents, no
/// `inf`/`NaN`.
pub fn read_number(raw: &str) -> Result<f64, NumberError> {
    if raw.chars().count() > MAX_NUMBER_INPUT {
        return Err(NumberError::NotANumber);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Sep {
        Point,
        Comma,
        ArabicDecimal,
        ArabicGroup,
        Space,
    }
    let cleaned: String = normalise_digits(raw)
        .chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
        .collect();
    let cleaned = cleaned.trim();
    let (negative, body) = match cleaned.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, cleaned),
    };
    // Digit runs and the single separator between each two of them.
    let mut runs: Vec<String> = vec![String::new()];
    let mut seps: Vec<Sep> = Vec::new();
    for c in body.chars() {
        let sep = match c {
            '0'..='9' => {
                if let Some(run) = runs.last_mut() {
                    run.push(c);
                }
                continue;
            }
            '.' => Sep::Point,
            ',' | '،' => Sep::Comma,
            '٫' => Sep::ArabicDecimal,
            '٬' => Sep::ArabicGroup,
            c if c.is_whitespace() => Sep::Space,
            _ => return Err(NumberError::NotANumber),
        };
        let in_gap = runs.last().is_some_and(String::is_empty);
        if in_gap && sep == Sep::Space && seps.last() == Some(&Sep::Space) {
            continue; // several spaces are one
        }
        if in_gap {
            // A leading separator, or two in a row (`1..5`, `1, 5`, `.5`).
            return Err(NumberError::NotANumber);
        }
        seps.push(sep);
        runs.push(String::new());
    }
    if runs.iter().any(String::is_empty) {
        return Err(NumberError::NotANumber);
    }
    let count = |kind: Sep| seps.iter().filter(|&&s| s == kind).count();
    let last = seps.last().copied();
    // Which separator, if any, starts the decimals: always the last one.
    let decimal = match last {
        None => None,
        Some(Sep::ArabicDecimal) => Some(Sep::ArabicDecimal),
        Some(Sep::Point) if count(Sep::Point) == 1 => Some(Sep::Point),
        Some(Sep::Comma) if count(Sep::Comma) == 1 && count(Sep::Point) > 0 => Some(Sep::Comma),
        Some(_) => None,
    };
    let (int_seps, frac) = match decimal {
        Some(_) => (&seps[..seps.len() - 1], runs.last().cloned()),
        None => (&seps[..], None),
    };
    let int_runs = &runs[..int_seps.len() + 1];
    let digits_only: String = int_runs.concat();
    // Grouping: one kind of separator, a first group of 1-3 digits (not a lone 0), then
    // groups of exactly three.
    let grouped = int_seps.is_empty()
        || (int_seps.iter().all(|&s| s == int_seps[0])
            && int_seps[0] != Sep::ArabicDecimal
            && (1..=3).contains(&int_runs[0].len())
            && int_runs[0] != "0"
            && int_runs[1..].iter().all(|r| r.len() == 3));
    if !grouped {
        if int_seps.contains(&Sep::ArabicDecimal) || count(Sep::ArabicDecimal) > 1 {
            return Err(NumberError::NotANumber);
        }
        if seps.iter().all(|&s| s == Sep::Point) {
            // `1.2.3`: neither a decimal nor thousands.
            return Err(NumberError::NotANumber);
        }
        let all: String = runs.concat();
        let as_decimal = (seps.len() == 1 && seps[0] == Sep::Comma)
            .then(|| format!("{}{}.{}", if negative { "-" } else { "" }, runs[0], runs[1]));
        return Err(NumberError::Ambiguous {
            as_decimal,
            digits_only: format!("{}{all}", if negative { "-" } else { "" }),
        });
    }
    let text = match frac {
        Some(f) => format!("{digits_only}.{f}"),
        None => digits_only,
    };
    let n: f64 = text.parse().map_err(|_| NumberError::NotANumber)?;
    if !n.is_finite() {
        return Err(NumberError::NotANumber);
    }
    // `+ 0.0` turns a typed "-0" into 0.
    Ok(if negative { -n } else { n } + 0.0)
}

/// [`read_number`] when the reason does not matter.
pub fn parse_number(raw: &str) -> Option<f64> {
    read_number(raw).ok()
}

/// Parses `YYYY-MM-DD` (also with `/`, one-digit month or day, and Arabic-Indic or Persian
/// digits) into a real calendar date.
pub fn parse_date(raw: &str) -> Option<time::Date> {
    let s = normalise_digits(raw.trim());
    if s.chars().count() > MAX_NUMBER_INPUT {
        return None;
    }
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    if y.len() != 4 {
        return None;
    }
    let year = num(y, 4)? as i32;
    let month = time::Month::try_from(u8::try_from(num(m, 2)?).ok()?).ok()?;
    let day = u8::try_from(num(d, 2)?).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}

fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A number as people write it: no `.0` on whole numbers.
fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The answer as a person reads it on a check-answers page: option labels, numbers with their
/// unit, texts as typed. Arabic uses Arabic-Indic digits and the Arabic comma.
pub fn answer_label(survey: &Survey, key: &str, answer: &Answer, lang: Lang) -> String {
    let q = survey.question_of(key);
    let digits = |s: String| match lang {
        Lang::Ar => arabic_digits(&s),
        Lang::En => s,
    };
    let label_of = |code: &str| -> String {
        q.and_then(|q| q.choice(code))
            .map_or_else(|| code.to_string(), |c| c.label.get(lang).to_string())
    };
    match answer {
        Answer::Codes(codes) => {
            let sep = match lang {
                Lang::Ar => "، ",
                Lang::En => ", ",
            };
            codes
                .iter()
                .map(|c| label_of(c))
                .collect::<Vec<_>>()
                .join(sep)
        }
        Answer::Number(n) => {
            let mut s = digits(format_number(*n));
            if let Some(Question {
                kind: QuestionKind::Number { unit: Some(u), .. },
                ..
            }) = q
            {
                s.push(' ');
                s.push_str(u.get(lang));
            }
            s
        }
        Answer::Value(v) => match q.map(|q| &q.kind) {
            Some(QuestionKind::ShortText { .. } | QuestionKind::LongText { .. }) => v.clone(),
            Some(QuestionKind::Date { .. }) => digits(v.clone()),
            _ => label_of(v),
        },
    }
}

/// Trims, normalises CRLF, keeps line breaks and tabs in long texts (a short text gets spaces
/// instead) and drops every other control character.
fn clean_text(raw: &str, multiline: bool) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' | '\t' if multiline => Some(c),
            '\n' | '\t' | '\r' => Some(' '),
            _ if c.is_control() => None,
            _ => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The messages, in Arabic and English.
mod msg {
    use super::{arabic_digits, format_number};
    use crate::survey::model::{Question, QuestionKind, Text};

    fn t(ar: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ar: ar.into(),
            en: en.into(),
        }
    }

    fn ar_num(n: f64) -> String {
        arabic_digits(&format_number(n))
    }

    /// "n characters" with the Arabic counted-noun rules (حرف / حرفان / أحرف / حرفًا).
    fn ar_chars(n: usize) -> String {
        let d = arabic_digits(&n.to_string());
        match (n, n % 100) {
            (1, _) => "حرف واحد".into(),
            (2, _) => "حرفين".into(),
            (_, 3..=10) => format!("{d} أحرف"),
            (_, 11..=99) => format!("{d} حرفًا"),
            _ => format!("{d} حرف"),
        }
    }

    pub fn required(q: &Question) -> Text {
        match &q.kind {
            QuestionKind::MultipleChoice { .. } => {
                t("اختر إجابة واحدة على الأقل", "Select at least one answer")
            }
            QuestionKind::Number { .. } => t("أدخل رقمًا", "Enter a number"),
            QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                t("اكتب إجابتك", "Enter your answer")
            }
            QuestionKind::Date { .. } => t("أدخل تاريخًا", "Enter a date"),
            _ => t("اختر إجابة", "Select an answer"),
        }
    }

    pub fn does_not_apply() -> Text {
        t(
            "هذا السؤال لا ينطبق بحسب إجاباتك السابقة",
            "This question does not apply, given your earlier answers",
        )
    }

    pub fn foreign_option() -> Text {
        t(
            "اختر أحد الخيارات المعروضة",
            "Select one of the options shown",
        )
    }

    pub fn only_one() -> Text {
        t("اختر إجابة واحدة فقط", "Select only one answer")
    }

    pub fn exclusive(label: &Text) -> Text {
        t(
            format!("لا يمكن اختيار «{}» مع إجابات أخرى", label.ar),
            format!(
                "You cannot select “{}” together with other answers",
                label.en
            ),
        )
    }

    pub fn rating_range(min: i64, max: i64) -> Text {
        t(
            format!(
                "اختر رقمًا من {} إلى {}",
                ar_num(min as f64),
                ar_num(max as f64)
            ),
            format!("Select a number from {min} to {max}"),
        )
    }

    pub fn not_a_number() -> Text {
        t(
            "أدخل رقمًا بالأرقام فقط، مثل ١٥",
            "Enter a number using digits only, like 15",
        )
    }

    /// A comma or space that does not group thousands: say what to type instead, with the
    /// person's own digits. `as_decimal` is the decimal reading (`1.5` for `1,5`), left out on
    /// questions that take whole numbers.
    pub fn ambiguous_number(as_decimal: Option<&str>, digits_only: &str) -> Text {
        let ar_digits_only = arabic_digits(digits_only);
        match as_decimal {
            Some(d) => t(
                format!(
                    "اكتب الكسر العشري بالفاصلة العشرية أو بنقطة، مثل {}، أو اكتب العدد دون فاصلة: {}. الفاصلة تُستخدم فقط بين كل ثلاثة أرقام، مثل ١٬٥٠٠",
                    arabic_digits(d),
                    ar_digits_only
                ),
                format!(
                    "Write decimals with a point, like {d}, or type the number without the comma: {digits_only}. A comma can only separate groups of three digits, like 1,500"
                ),
            ),
            None => t(
                format!(
                    "اكتب العدد بالأرقام فقط، مثل {ar_digits_only}، أو افصل كل ثلاثة أرقام، مثل ١٬٥٠٠"
                ),
                format!(
                    "Type the number with digits only, like {digits_only}, or separate groups of three digits, like 1,500"
                ),
            ),
        }
    }

    pub fn whole_number() -> Text {
        t("أدخل عددًا صحيحًا بدون كسور", "Enter a whole number")
    }

    pub fn number_range(min: Option<f64>, max: Option<f64>) -> Text {
        match (min, max) {
            (Some(lo), Some(hi)) => t(
                format!("أدخل رقمًا بين {} و{}", ar_num(lo), ar_num(hi)),
                format!(
                    "Enter a number between {} and {}",
                    format_number(lo),
                    format_number(hi)
                ),
            ),
            (Some(lo), None) => t(
                format!("أدخل رقمًا لا يقل عن {}", ar_num(lo)),
                format!("Enter a number of at least {}", format_number(lo)),
            ),
            (None, Some(hi)) => t(
                format!("أدخل رقمًا لا يزيد على {}", ar_num(hi)),
                format!("Enter a number of no more than {}", format_number(hi)),
            ),
            (None, None) => not_a_number(),
        }
    }

    pub fn too_long(max: usize) -> Text {
        t(
            format!("الإجابة طويلة جدًا: يجب ألا تزيد على {}", ar_chars(max)),
            format!("Answer must be {max} characters or fewer"),
        )
    }

    pub fn not_a_date() -> Text {
        t(
            "أدخل تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل ٢٠٢٦-٠٣-١٥",
            "Enter a real date in the format YYYY-MM-DD, like 2026-03-15",
        )
    }

    pub fn date_range(min: Option<time::Date>, max: Option<time::Date>) -> Text {
        let f = |d: time::Date| super::format_date(d);
        match (min, max) {
            (Some(lo), Some(hi)) => t(
                format!(
                    "أدخل تاريخًا بين {} و{}",
                    arabic_digits(&f(lo)),
                    arabic_digits(&f(hi))
                ),
                format!("Enter a date between {} and {}", f(lo), f(hi)),
            ),
            (Some(lo), None) => t(
                format!("أدخل تاريخًا في {} أو بعده", arabic_digits(&f(lo))),
                format!("Enter a date on or after {}", f(lo)),
            ),
            (None, Some(hi)) => t(
                format!("أدخل تاريخًا في {} أو قبله", arabic_digits(&f(hi))),
                format!("Enter a date on or before {}", f(hi)),
            ),
            (None, None) => not_a_date(),
        }
    }
}

/// After the survey file changed under someone's answers: keep the answers that still belong
/// to a question of this version and are valid for it (same codes, ranges, lengths), drop the
/// others (asked again), and drop what earlier answers now hide. Returns how many were dropped.
pub fn keep_valid(survey: &Survey, answers: &mut Answers) -> usize {
    let before = answers.len();
    answers.retain(|key, answer| {
        survey
            .questions()
            .find(|q| q.answer_keys().contains(&key.as_str()))
            .is_some_and(|q| check_answer(q, answer).is_ok())
    });
    prune_hidden(survey, answers);
    before - answers.len()
}

#[cfg(test)]
#[path = "answers_tests.rs"]
mod tests;
