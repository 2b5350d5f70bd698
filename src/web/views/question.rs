//! One survey page as a form: each visible question rendered with the component for its kind.

use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::survey::answers;
use crate::survey::{Answer, Answers, Choice, Lang, Page, Question, QuestionKind, Survey};
use crate::web::i18n;

use super::components::{self, Context, Entry, Option_, Prompt, Shown};

/// The values to show in the fields: what was posted (after an error) or what is saved.
pub type Filled = BTreeMap<String, Vec<String>>;

/// Field values from saved answers. Numbers and dates are stored in ASCII digits and shown
/// back in the digits of the page's language (`٣٥` on an Arabic page, `35` on an English
/// one), so that Back does not change what the person typed; the fields accept both.
/// Choice codes stay as they are: they are the radios' values.
pub fn filled_from_answers(survey: &Survey, answers: &Answers, lang: Lang) -> Filled {
    answers
        .iter()
        .map(|(k, a)| {
            let kind = survey.question_of(k).map(|q| &q.kind);
            let values = match (kind, a) {
                (Some(QuestionKind::Number { .. }), Answer::Number(n)) => {
                    vec![i18n::digits(lang, &format_number(*n))]
                }
                (Some(QuestionKind::Date { .. }), Answer::Value(v)) => {
                    answers::date_parts(v, lang).to_vec()
                }
                (_, Answer::Number(n)) => vec![format_number(*n)],
                (_, Answer::Codes(codes)) => codes.clone(),
                (_, Answer::Value(v)) => vec![v.clone()],
            };
            (k.clone(), values)
        })
        .collect()
}

/// Field values from a posted form.
pub fn filled_from_posted(posted: &[(String, String)]) -> Filled {
    let mut filled = Filled::new();
    for (k, v) in posted {
        filled.entry(k.clone()).or_default().push(v.clone());
    }
    filled
}

/// Field values entered before a language switch (not saved): as entered, except that
/// numbers and dates are shown in the digits of the page's language like saved ones (`٣٥`
/// typed on the Arabic page reads `35` on the English one). An entry with anything but digits
/// and number punctuation in it (`12abc`) is left exactly as typed.
pub fn filled_from_draft(survey: &Survey, entries: &[(String, String)], lang: Lang) -> Filled {
    let mut filled = filled_from_posted(entries);
    for (key, values) in filled.iter_mut() {
        let numeric = matches!(
            survey.question_of(key).map(|q| &q.kind),
            Some(QuestionKind::Number { .. } | QuestionKind::Date { .. })
        );
        if numeric {
            for v in values.iter_mut().filter(|v| only_digits_and_punctuation(v)) {
                *v = in_digits_of(lang, v);
            }
        }
    }
    filled
}

fn only_digits_and_punctuation(s: &str) -> bool {
    s.chars().any(|c| c.is_numeric())
        && s.chars().all(|c| {
            c.is_ascii_digit()
                || ('\u{0660}'..='\u{0669}').contains(&c)
                || ('\u{06F0}'..='\u{06F9}').contains(&c)
                || " ,.-/\u{066B}\u{066C}\u{060C}".contains(c)
        })
}

/// The digits of `s` in those of `lang` (Western or Arabic-Indic), everything else unchanged.
fn in_digits_of(lang: Lang, s: &str) -> String {
    let western = answers::normalise_digits(s);
    match lang {
        Lang::En => western,
        Lang::Ar => western
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
                _ => c,
            })
            .collect(),
    }
}

/// `3` rather than `3.0`; decimals as Rust prints them (shortest exact form).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// What a question page shows besides the questions.
pub struct PageForm<'a> {
    pub survey: &'a Survey,
    pub page: &'a Page,
    /// Saved answers: decide what `show_if` shows.
    pub answers: &'a Answers,
    pub filled: &'a Filled,
    /// Field key → message, in the person's language.
    pub errors: &'a BTreeMap<String, String>,
    pub seed: u64,
    pub lang: Lang,
    /// The page is read out by a field interviewer: show the questions' instructions to the
    /// interviewer (`interviewer` in the survey file). Never on respondents' own pages.
    pub for_interviewer: bool,
}

impl PageForm<'_> {
    pub fn visible_questions(&self) -> Vec<&Question> {
        self.page
            .questions
            .iter()
            .filter(|q| answers::visible(self.survey, q, self.answers))
            .collect()
    }

    /// The page heading: the question when it is alone, else the page title.
    pub fn heading(&self) -> String {
        let visible = self.visible_questions();
        match (visible.as_slice(), &self.page.title) {
            ([only], _) => only.text.get(self.lang).to_string(),
            (_, Some(title)) => title.get(self.lang).to_string(),
            (_, None) => self.survey.title.get(self.lang).to_string(),
        }
    }

    /// The questions, with an `h1` of their own when the page has several.
    pub fn fields(&self) -> Markup {
        let visible = self.visible_questions();
        let alone = visible.len() == 1;
        html! {
            @if !alone { h1.heading-l { (self.heading()) } }
            @for q in &visible { (self.question(q, alone)) }
        }
    }

    fn first(&self, key: &str) -> &str {
        self.filled
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The question's interviewer instruction in the page's language, on interviewers' pages.
    fn interviewer_note(&self, q: &Question) -> Option<String> {
        let note = q
            .interviewer_note
            .as_ref()
            .filter(|_| self.for_interviewer)?;
        Some(note.get(self.lang).to_string())
    }

    fn prompt<'b>(
        &'b self,
        q: &'b Question,
        id: &'b str,
        text: &'b str,
        as_heading: bool,
        hint: Option<String>,
    ) -> Prompt<'b> {
        Prompt {
            id,
            text,
            as_heading,
            hint,
            optional: !q.required,
            error: self.errors.get(id).map(String::as_str),
            context: self.interviewer_note(q).map(|note| Context {
                ids: None,
                interviewer: Some(note),
            }),
        }
    }

    fn question(&self, q: &Question, alone: bool) -> Markup {
        let lang = self.lang;
        let hint = q.hint.as_ref().map(|h| h.get(lang).to_string());
        let text = q.text.get(lang);
        match &q.kind {
            QuestionKind::SingleChoice { .. } => {
                let options = self.choices(answers::option_order(q, self.seed));
                let p = self.prompt(q, &q.id, text, alone, hint);
                components::radios(&p, &options, Some(self.first(&q.id)), false, lang)
            }
            QuestionKind::MultipleChoice { .. } => {
                let options = self.choices(answers::option_order(q, self.seed));
                let ticked = self.filled.get(&q.id).cloned().unwrap_or_default();
                let p = self.prompt(q, &q.id, text, alone, hint);
                components::checkboxes(&p, &options, &ticked, lang)
            }
            QuestionKind::Likert { scale } => {
                let options = self.choices(scale.iter().collect());
                let p = self.prompt(q, &q.id, text, alone, hint);
                components::radios(&p, &options, Some(self.first(&q.id)), false, lang)
            }
            QuestionKind::LikertGrid { scale, items } => {
                let options = self.choices(scale.iter().collect());
                // Each item's fieldset is described by the grid's question (its interviewer
                // instruction, its hint), so a screen reader moving from row to row still
                // hears what is asked.
                let heading_id = format!("{}-question", q.id);
                let note = self.interviewer_note(q);
                let mut context = vec![heading_id.clone()];
                if note.is_some() {
                    context.push(components::interviewer_note_id(&q.id));
                }
                if hint.is_some() {
                    context.push(format!("{heading_id}-hint"));
                }
                let context = Context {
                    ids: Some(context.join(" ")),
                    interviewer: None,
                };
                html! {
                    div.grid {
                        (components::group_heading(&heading_id, text, alone, hint.as_deref(), !q.required, lang))
                        @if let Some(note) = &note { (components::interviewer_note(&q.id, note, lang)) }
                        @for item in items {
                            @let p = Prompt {
                                id: &item.id,
                                text: item.text.get(lang),
                                as_heading: false,
                                hint: None,
                                optional: false,
                                error: self.errors.get(&item.id).map(String::as_str),
                                context: Some(context.clone()),
                            };
                            (components::radios(&p, &options, Some(self.first(&item.id)), false, lang))
                        }
                    }
                }
            }
            QuestionKind::Rating {
                min,
                max,
                min_label,
                max_label,
                extra,
            } => {
                let points: Vec<String> = (*min..=*max).map(|n| n.to_string()).collect();
                let options: Vec<Option_> = points
                    .iter()
                    .map(|v| Option_ {
                        value: v,
                        label: i18n::digits(lang, v),
                        divider_before: false,
                    })
                    .collect();
                let extras: Vec<Option_> = extra
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Option_ {
                        value: &c.code,
                        label: c.label.get(lang).to_string(),
                        divider_before: i == 0,
                    })
                    .collect();
                let ends = format!(
                    "{} = {}، {} = {}",
                    i18n::digits(lang, &min.to_string()),
                    min_label.get(lang),
                    i18n::digits(lang, &max.to_string()),
                    max_label.get(lang)
                );
                let ends = if lang == Lang::En {
                    ends.replace('،', ",")
                } else {
                    ends
                };
                let full_hint = Some(match &hint {
                    Some(h) => format!("{h} {ends}"),
                    None => ends.clone(),
                });
                let p = self.prompt(q, &q.id, text, alone, full_hint);
                let ends = components::ScaleEnds {
                    min_label: min_label.get(lang),
                    max_label: max_label.get(lang),
                    shown_hint: hint.as_deref(),
                    spoken_ends: &ends,
                };
                components::rating_scale(
                    &p,
                    &options,
                    &extras,
                    &ends,
                    Some(self.first(&q.id)),
                    lang,
                )
            }
            QuestionKind::Number { integer, unit, .. } => {
                let p = self.prompt(q, &q.id, text, alone, hint);
                let entry = Entry::Number {
                    decimal: !integer,
                    unit: unit.as_ref().map(|u| u.get(lang)),
                };
                components::text_input(&p, &entry, self.first(&q.id), lang)
            }
            QuestionKind::ShortText { max_length } => {
                let hint = join_hint(hint, i18n::max_characters(lang, *max_length));
                let p = self.prompt(q, &q.id, text, alone, Some(hint));
                components::text_input(&p, &Entry::Text, self.first(&q.id), lang)
            }
            QuestionKind::LongText { max_length } => {
                let hint = join_hint(hint, i18n::max_characters(lang, *max_length));
                let p = self.prompt(q, &q.id, text, alone, Some(hint));
                components::textarea(&p, self.first(&q.id), lang)
            }
            QuestionKind::Date { .. } => {
                let hint = hint.unwrap_or_else(|| i18n::date_example(lang));
                let p = self.prompt(q, &q.id, text, alone, Some(hint));
                let posted = self
                    .filled
                    .get(&q.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let parts: [&str; 3] = match posted {
                    [d, m, y] => [d, m, y],
                    // A whole date in one value (an older form): shown in the first box.
                    [one] => [one, "", ""],
                    _ => ["", "", ""],
                };
                // The boxes to mark: those the answer rules find wrong; all of them when the
                // error is about the date as a whole ("Enter a date").
                let wrong = match (
                    p.error,
                    answers::read_date_parts(q, parts[0], parts[1], parts[2]),
                ) {
                    (None, _) => [false; 3],
                    (Some(_), Err(e)) => e.wrong,
                    (Some(_), Ok(_)) => [true; 3],
                };
                components::date_input(&p, parts, wrong, lang)
            }
        }
    }

    fn choices<'c>(&self, ordered: Vec<&'c Choice>) -> Vec<Option_<'c>> {
        let mut seen_substantive = false;
        ordered
            .into_iter()
            .map(|c| {
                let special = c.exclusive || c.non_substantive;
                let divider_before = special && seen_substantive;
                seen_substantive = !special;
                Option_ {
                    value: &c.code,
                    label: c.label.get(self.lang).to_string(),
                    divider_before,
                }
            })
            .collect()
    }
}

fn join_hint(hint: Option<String>, extra: String) -> String {
    match hint {
        Some(h) => format!("{h} {extra}"),
        None => extra,
    }
}

/// An answer as the check-answers page shows it: dates and numbers isolated left to right
/// (as they were typed, year first), a rating with what it means on its scale, typed text
/// with its own direction. `q` is the question the answer key belongs to (the grid for an item).
pub fn shown_answer(
    survey: &Survey,
    q: &Question,
    key: &str,
    answer: &Answer,
    lang: Lang,
) -> Shown {
    match (&q.kind, answer) {
        // Day first in words ("15 March 2026"), as people say it.
        (QuestionKind::Date { .. }, Answer::Value(_)) => {
            Shown::Label(answers::answer_label(survey, key, answer, lang))
        }
        (QuestionKind::Number { unit, .. }, Answer::Number(n)) => Shown::LeftToRight {
            value: i18n::digits(lang, &format_number(*n)),
            unit: unit.as_ref().map(|u| u.get(lang).to_string()),
        },
        (
            QuestionKind::Rating {
                min,
                max,
                min_label,
                max_label,
                ..
            },
            Answer::Number(n),
        ) => {
            let point = *n as i64;
            let end = if point == *min {
                Some(min_label.get(lang))
            } else if point == *max {
                Some(max_label.get(lang))
            } else {
                None
            };
            Shown::Label(i18n::rating_answer(lang, point, *min, *max, end))
        }
        (QuestionKind::ShortText { .. } | QuestionKind::LongText { .. }, _) => {
            Shown::Typed(answers::answer_label(survey, key, answer, lang))
        }
        _ => Shown::Label(answers::answer_label(survey, key, answer, lang)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::PageForm;
    use crate::survey::{Answers, Lang, Survey, parse_str};

    const SURVEY: &str = r#"id = "t"
wave = "w1"
title = { ar = "ع", en = "T" }

[[pages]]
id = "p"

[[pages.questions]]
id = "visited"
type = "single_choice"
text = { ar = "هل راجعت مركز شرطة؟", en = "Did you visit a police station?" }
hint = { ar = "هذا العام", en = "This year" }
interviewer = { ar = "اقرأ الخيارات بصوت عالٍ", en = "Read the options aloud" }
options = [{ code = "yes", ar = "نعم", en = "Yes" }, { code = "no", ar = "لا", en = "No" }]

[[pages.questions]]
id = "minutes"
type = "number"
text = { ar = "كم دقيقة؟", en = "How many minutes?" }
interviewer = { ar = "سجّل ما يقوله المجيب دون تقريب", en = "Write what is said, unrounded" }

[[pages.questions]]
id = "grid"
type = "likert_grid"
text = { ar = "إلى أي حد توافق؟", en = "How far do you agree?" }
interviewer = { ar = "أظهر البطاقة ٢", en = "Show card 2" }
options = [{ code = "1", ar = "لا", en = "No" }, { code = "2", ar = "نعم", en = "Yes" }]
items = [{ id = "fair", ar = "بعدل", en = "Fairly" }, { id = "quick", ar = "بسرعة", en = "Quickly" }]

[[pages.questions]]
id = "plain"
type = "short_text"
text = { ar = "ملاحظة", en = "A note" }
"#;

    fn survey() -> Survey {
        parse_str(SURVEY, Path::new("t.toml")).unwrap_or_else(|r| panic!("{r}"))
    }

    fn render(survey: &Survey, lang: Lang, for_interviewer: bool) -> String {
        let (answers, filled, errors) = (Answers::new(), BTreeMap::new(), BTreeMap::new());
        PageForm {
            survey,
            page: &survey.pages[0],
            answers: &answers,
            filled: &filled,
            errors: &errors,
            seed: 1,
            lang,
            for_interviewer,
        }
        .fields()
        .into_string()
    }

    #[test]
    fn respondents_never_see_the_interviewer_instructions() {
        let s = survey();
        for lang in [Lang::Ar, Lang::En] {
            let html = render(&s, lang, false);
            for hidden in [
                "interviewer",
                "Read the options aloud",
                "اقرأ الخيارات",
                "Show card 2",
                "البطاقة",
                "للمقابِل",
            ] {
                assert!(!html.contains(hidden), "{lang:?}: {hidden} shown: {html}");
            }
        }
    }

    #[test]
    fn interviewers_see_them_labelled_in_the_question_before_its_inputs() {
        let s = survey();
        for (lang, label, note) in [
            (Lang::En, "Interviewer:", "Read the options aloud"),
            (Lang::Ar, "للمقابِل:", "اقرأ الخيارات بصوت عالٍ"),
        ] {
            let html = render(&s, lang, true);
            // A choice question: in its fieldset, after the legend, before the radios, and
            // described together with the hint.
            let block = format!(
                "<div class=\"interviewer-note\" id=\"visited-interviewer\"><strong class=\"interviewer-note-label\">{label}</strong> {note}</div>"
            );
            let at = html
                .find(&block)
                .unwrap_or_else(|| panic!("{block} in {html}"));
            let open = html[..at].rfind("<fieldset").unwrap();
            assert!(
                html[open..at].contains(r#"aria-describedby="visited-interviewer visited-hint""#),
                "{}",
                &html[open..at]
            );
            assert!(html[open..at].contains("</legend>"));
            assert!(!html[open..at].contains("<input"));
            assert!(html[at..].find("</fieldset>") > html[at..].find("<input"));
            // A typed answer: after its label, before the input, which it describes.
            let at = html.find(r#"id="minutes-interviewer""#).unwrap();
            let input = html
                .find(r#"<input class="input input-short" type="text" id="minutes""#)
                .unwrap();
            assert!(html.rfind(r#"<label class="label" for="minutes""#) < Some(at));
            assert!(at < input);
            assert!(
                html[input..input + html[input..].find('>').unwrap()]
                    .contains(r#"aria-describedby="minutes-interviewer""#)
            );
            // A grid: once, under the grid's question, and every row's fieldset points at it.
            assert_eq!(html.matches(r#"id="grid-interviewer""#).count(), 1);
            for item in ["fair", "quick"] {
                let open = html.find(&format!(r#"name="{item}""#)).unwrap();
                let fieldset = html[..open].rfind("<fieldset").unwrap();
                assert!(
                    html[fieldset..open]
                        .contains(r#"aria-describedby="grid-question grid-interviewer""#),
                    "{}",
                    &html[fieldset..open]
                );
                assert!(html.find(r#"id="grid-interviewer""#).unwrap() < fieldset);
            }
            // A question without an instruction has none.
            assert!(!html.contains("plain-interviewer"));
            let plain = html
                .find(r#"<input class="input" type="text" id="plain""#)
                .unwrap();
            assert!(!html[plain..].contains("interviewer"));
        }
    }
}
