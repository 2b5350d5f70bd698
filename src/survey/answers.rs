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
//!
//! A date is posted as three values under the question id, in the order day, month, year
//! (the three boxes of the form, [`read_date_parts`]); one value, a whole date typed in one
//! box, is also read ([`parse_date`]), year first or day first.

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
            let raw: Vec<&str> = values.get(key).cloned().unwrap_or_default();
            let result = if !shown {
                if given.is_empty() {
                    Ok(None)
                } else {
                    Err(msg::does_not_apply())
                }
            } else if let (QuestionKind::Date { .. }, [day, month, year]) =
                (&q.kind, raw.as_slice())
            {
                // The three boxes, by position: an empty box must not shift the others.
                match read_date_parts(q, day, month, year) {
                    Ok(Some(d)) => Ok(Some(Answer::Value(format_date(d)))),
                    Ok(None) if q.required => Err(msg::required(q)),
                    Ok(None) => Ok(None),
                    Err(e) => Err(e.message),
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

/// Parses a whole date typed in one box into a real calendar date: `YYYY-MM-DD`, or day first
/// as Iraqis write it (`15/3/2026`, `15-03-2026`, `١٥/٣/٢٠٢٦`), with `-`, `/` or `.`,
/// one-digit months and days, and Arabic-Indic or Persian digits. The four-digit year at one
/// end says which order it is, so the two cannot be confused.
pub fn parse_date(raw: &str) -> Option<time::Date> {
    let s = strip_marks(&normalise_digits(raw.trim()));
    if s.chars().count() > MAX_NUMBER_INPUT {
        return None;
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        [d, m, y] if y.len() == 4 => (*y, *m, *d),
        _ => return None,
    };
    let year = i32::from(date_number(y, 4)?);
    let month = time::Month::try_from(u8::try_from(date_number(m, 2)?).ok()?).ok()?;
    let day = u8::try_from(date_number(d, 2)?).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}

/// Bidirectional marks a phone keyboard or a paste may leave around digits.
fn strip_marks(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
        .collect()
}

/// One to `max_len` ASCII digits as a number.
fn date_number(p: &str, max_len: usize) -> Option<u16> {
    if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

/// The three boxes of a date, in the order they are shown and posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    Day,
    Month,
    Year,
}

impl DatePart {
    pub const ALL: [DatePart; 3] = [DatePart::Day, DatePart::Month, DatePart::Year];

    /// The box's label: "Day" / "اليوم".
    pub fn label(self) -> Text {
        match self {
            DatePart::Day => msg::t("اليوم", "Day"),
            DatePart::Month => msg::t("الشهر", "Month"),
            DatePart::Year => msg::t("السنة", "Year"),
        }
    }

    /// The longest value the box takes, in digits (the box's width).
    pub fn digits(self) -> usize {
        match self {
            DatePart::Day | DatePart::Month => 2,
            DatePart::Year => 4,
        }
    }
}

/// Why three date boxes do not make an acceptable date: which boxes are wrong (in the order
/// day, month, year: the error links to the first), and the message, which names them.
#[derive(Debug, Clone, PartialEq)]
pub struct DateError {
    pub wrong: [bool; 3],
    pub message: Text,
}

impl DateError {
    /// The first wrong box, where the error summary's link should land.
    pub fn first_wrong(&self) -> Option<DatePart> {
        DatePart::ALL
            .into_iter()
            .zip(self.wrong)
            .find(|(_, w)| *w)
            .map(|(p, _)| p)
    }
}

/// Reads the three boxes of date question `q` (day, month, year; any digits): `Ok(None)` when
/// all are empty, the date when it is a real one within the question's `min` and `max`, else
/// which boxes are wrong and why (GOV.UK's memorable date rules: a missing part is named, a
/// part out of range says what to type, an impossible day says how many days the month has).
pub fn read_date_parts(
    q: &Question,
    day: &str,
    month: &str,
    year: &str,
) -> Result<Option<time::Date>, DateError> {
    let clean = |s: &str| strip_marks(&normalise_digits(s.trim()));
    let (day, month, year) = (clean(day), clean(month), clean(year));
    let given = [!day.is_empty(), !month.is_empty(), !year.is_empty()];
    if given == [false; 3] {
        return Ok(None);
    }
    // A whole date typed into one box (`15/3/2026`, an old habit): read, not refused.
    let whole = match given {
        [true, false, false] => parse_date(&day),
        [false, true, false] => parse_date(&month),
        [false, false, true] => parse_date(&year),
        _ => None,
    };
    let date = match whole {
        Some(date) => date,
        None => date_from_parts(given, &day, &month, &year)?,
    };
    if let QuestionKind::Date { min, max } = &q.kind
        && (min.is_some_and(|lo| date < lo) || max.is_some_and(|hi| date > hi))
    {
        return Err(DateError {
            wrong: [true; 3],
            message: msg::date_range(*min, *max),
        });
    }
    Ok(Some(date))
}

/// The calendar date of three boxes, at least one of them filled (ASCII digits by now).
fn date_from_parts(
    given: [bool; 3],
    day: &str,
    month: &str,
    year: &str,
) -> Result<time::Date, DateError> {
    if given.contains(&false) {
        let missing: Vec<DatePart> = DatePart::ALL
            .into_iter()
            .zip(given)
            .filter(|(_, g)| !g)
            .map(|(p, _)| p)
            .collect();
        return Err(DateError {
            wrong: given.map(|g| !g),
            message: msg::date_missing(&missing),
        });
    }
    let only = |part: DatePart, message: Text| DateError {
        wrong: DatePart::ALL.map(|p| p == part),
        message,
    };
    let d = date_number(day, 2)
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(|| only(DatePart::Day, msg::date_day()))?;
    let m = date_number(month, 2)
        .and_then(|m| time::Month::try_from(u8::try_from(m).ok()?).ok())
        .ok_or_else(|| only(DatePart::Month, msg::date_month()))?;
    let y = date_number(year, 4)
        .filter(|y| year.len() == 4 && *y >= 1000)
        .ok_or_else(|| only(DatePart::Year, msg::date_year()))?;
    time::Date::from_calendar_date(i32::from(y), m, d as u8)
        .map_err(|_| only(DatePart::Day, msg::date_no_such_day(i32::from(y), m)))
}

/// The date's three boxes as shown back: `["15", "3", "2026"]` (no leading zeros), in the
/// digits of `lang`. Parts that are not a stored date come back empty.
pub fn date_parts(stored: &str, lang: Lang) -> [String; 3] {
    let Some(d) = parse_date(stored) else {
        return Default::default();
    };
    let digits = |n: String| match lang {
        Lang::Ar => arabic_digits(&n),
        Lang::En => n,
    };
    [
        digits(d.day().to_string()),
        digits(u8::from(d.month()).to_string()),
        digits(d.year().to_string()),
    ]
}

/// Iraqi month names (the Syriac names used in Iraq and the Levant) and the English ones.
const MONTHS: [(&str, &str); 12] = [
    ("كانون الثاني", "January"),
    ("شباط", "February"),
    ("آذار", "March"),
    ("نيسان", "April"),
    ("أيار", "May"),
    ("حزيران", "June"),
    ("تموز", "July"),
    ("آب", "August"),
    ("أيلول", "September"),
    ("تشرين الأول", "October"),
    ("تشرين الثاني", "November"),
    ("كانون الأول", "December"),
];

fn month_name(m: time::Month, lang: Lang) -> &'static str {
    let (ar, en) = MONTHS[usize::from(u8::from(m)) - 1];
    match lang {
        Lang::Ar => ar,
        Lang::En => en,
    }
}

/// A date as people say it, day first: "15 March 2026" / "١٥ آذار ٢٠٢٦". No digit-only form,
/// so it reads the same in a right-to-left line.
pub fn date_in_words(d: time::Date, lang: Lang) -> String {
    let text = format!("{} {} {}", d.day(), month_name(d.month(), lang), d.year());
    match lang {
        Lang::Ar => arabic_digits(&text),
        Lang::En => text,
    }
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
            Some(QuestionKind::Date { .. }) => match parse_date(v) {
                Some(d) => date_in_words(d, lang),
                None => digits(v.clone()),
            },
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
    use super::{DatePart, arabic_digits, format_number};
    use crate::survey::model::{Lang, Question, QuestionKind, Text};

    pub(super) fn t(ar: impl Into<String>, en: impl Into<String>) -> Text {
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
            "أدخل تاريخًا حقيقيًا: اليوم ثم الشهر ثم السنة، مثل ١٥ ٣ ٢٠٢٦",
            "Enter a real date: the day, the month and the year, like 15 3 2026",
        )
    }

    /// "The date must include a month" / "a day and a year".
    pub fn date_missing(parts: &[DatePart]) -> Text {
        let name = |p: &DatePart| match p {
            DatePart::Day => ("اليوم", "a day"),
            DatePart::Month => ("الشهر", "a month"),
            DatePart::Year => ("السنة", "a year"),
        };
        let ar: Vec<&str> = parts.iter().map(|p| name(p).0).collect();
        let en: Vec<&str> = parts.iter().map(|p| name(p).1).collect();
        t(
            format!("يجب أن يتضمن التاريخ {}", ar.join(" و")),
            format!("The date must include {}", en.join(" and ")),
        )
    }

    pub fn date_day() -> Text {
        t(
            "أدخل اليوم رقمًا من ١ إلى ٣١",
            "Enter the day as a number from 1 to 31",
        )
    }

    pub fn date_month() -> Text {
        t(
            "أدخل الشهر رقمًا من ١ إلى ١٢",
            "Enter the month as a number from 1 to 12",
        )
    }

    pub fn date_year() -> Text {
        t(
            "أدخل السنة بأربعة أرقام، مثل ٢٠٢٦",
            "Enter the year as 4 digits, like 2026",
        )
    }

    /// A day the month does not have (31 April, 29 February 2025).
    pub fn date_no_such_day(year: i32, month: time::Month) -> Text {
        let days = month.length(year);
        t(
            format!(
                "أدخل يومًا حقيقيًا: في {} {} {} يومًا",
                super::month_name(month, Lang::Ar),
                arabic_digits(&year.to_string()),
                arabic_digits(&days.to_string())
            ),
            format!(
                "Enter a real day: {} {year} has {days} days",
                super::month_name(month, Lang::En)
            ),
        )
    }

    pub fn date_range(min: Option<time::Date>, max: Option<time::Date>) -> Text {
        let (ar, en) = (
            |d: time::Date| super::date_in_words(d, Lang::Ar),
            |d: time::Date| super::date_in_words(d, Lang::En),
        );
        match (min, max) {
            (Some(lo), Some(hi)) => t(
                format!("أدخل تاريخًا بين {} و{}", ar(lo), ar(hi)),
                format!("Enter a date between {} and {}", en(lo), en(hi)),
            ),
            (Some(lo), None) => t(
                format!("أدخل تاريخًا في {} أو بعده", ar(lo)),
                format!("Enter a date on or after {}", en(lo)),
            ),
            (None, Some(hi)) => t(
                format!("أدخل تاريخًا في {} أو قبله", ar(hi)),
                format!("Enter a date on or before {}", en(hi)),
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
