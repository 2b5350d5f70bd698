//! The building blocks of pages, named after what people do with them: pick one of
//! [`radios`], tick [`checkboxes`], type in a [`text_input`] or [`textarea`], read an
//! [`error_summary`], review a [`summary_list`].
//!
//! Markup follows the GOV.UK Design System patterns (see `shared/docs/accessibility.md`):
//! a fieldset and legend per group, hints and errors tied with `aria-describedby`, the first
//! radio of a group carrying the group's id so that error links land on it.

use maud::{Markup, PreEscaped, html};

use crate::survey::Lang;
use crate::web::i18n;

/// A radio, checkbox or scale point as rendered.
pub struct Option_<'a> {
    pub value: &'a str,
    pub label: String,
    /// Draw an "or" divider before this option (exclusive / non-substantive extras).
    pub divider_before: bool,
}

/// How a group's question reads: its text, whether it is the page heading, hint, optional.
pub struct Prompt<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub as_heading: bool,
    pub hint: Option<String>,
    pub optional: bool,
    pub error: Option<&'a str>,
    /// What else describes the field: text elsewhere on the page, an interviewer instruction.
    pub context: Option<Context>,
}

/// What describes a field besides its hint and error, read before the hint.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Ids of text elsewhere on the page that gives the field its context (a grid's question).
    pub ids: Option<String>,
    /// An instruction for the field interviewer, in the page's language: shown in the group,
    /// before the hint, only on an interviewer's page.
    pub interviewer: Option<String>,
}

impl Prompt<'_> {
    fn hint_id(&self) -> String {
        format!("{}-hint", self.id)
    }
    fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }
    fn interviewer(&self) -> Option<&str> {
        self.context.as_ref()?.interviewer.as_deref()
    }
    /// `aria-describedby`: context, interviewer instruction, hint, error; or nothing.
    fn described_by(&self) -> Option<String> {
        let mut ids = Vec::new();
        if let Some(context) = self.context.as_ref().and_then(|c| c.ids.as_ref()) {
            ids.push(context.clone());
        }
        if self.interviewer().is_some() {
            ids.push(interviewer_note_id(self.id));
        }
        if self.hint.is_some() {
            ids.push(self.hint_id());
        }
        if self.error.is_some() {
            ids.push(self.error_id());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

fn prompt_text(p: &Prompt, lang: Lang) -> Markup {
    html! {
        (p.text)
        @if p.optional { " " span.optional { (i18n::OPTIONAL.get(lang)) } }
    }
}

fn hint_and_error(p: &Prompt, lang: Lang) -> Markup {
    hint_and_error_with(p, lang, p.hint.as_deref().map(isolate_dates))
}

/// [`hint_and_error`] with the hint's content given (it is drawn when `p.hint` is set, so that
/// `aria-describedby` and the hint agree).
fn hint_and_error_with(p: &Prompt, lang: Lang, hint: Option<Markup>) -> Markup {
    html! {
        @if let Some(note) = p.interviewer() { (interviewer_note(p.id, note, lang)) }
        @if let (Some(_), Some(hint)) = (&p.hint, hint) {
            div.hint id=(p.hint_id()) { (hint) }
        }
        @if let Some(error) = p.error {
            p.error-message id=(p.error_id()) {
                span.visually-hidden { (i18n::ERROR_PREFIX.get(lang)) " " }
                (isolate_dates(error))
            }
        }
    }
}

fn group_class(p: &Prompt) -> &'static str {
    if p.error.is_some() {
        "form-group form-group-error"
    } else {
        "form-group"
    }
}

fn legend(p: &Prompt, lang: Lang) -> Markup {
    html! {
        @if p.as_heading {
            legend.legend.legend-heading { h1 { (prompt_text(p, lang)) } }
        } @else {
            legend.legend { (prompt_text(p, lang)) }
        }
    }
}

fn choice_id(group: &str, index: usize) -> String {
    if index == 0 {
        group.to_string()
    } else {
        format!("{group}-{}", index + 1)
    }
}

/// Pick one: a fieldset of radios. `inline` lays a scale out in a row (in the page's
/// direction, so an Arabic scale reads right to left).
pub fn radios(
    p: &Prompt,
    options: &[Option_],
    chosen: Option<&str>,
    inline: bool,
    lang: Lang,
) -> Markup {
    html! {
        div class=(group_class(p)) {
            fieldset.fieldset aria-describedby=[p.described_by()] {
                (legend(p, lang))
                (hint_and_error(p, lang))
                div class=(if inline { "radios radios-inline" } else { "radios" }) {
                    @for (i, o) in options.iter().enumerate() {
                        @if o.divider_before { div.divider { (i18n::OR.get(lang)) } }
                        div.choice {
                            input.choice-input type="radio" id=(choice_id(p.id, i)) name=(p.id)
                                value=(o.value) checked[chosen == Some(o.value)];
                            label.choice-label for=(choice_id(p.id, i)) { (o.label) }
                        }
                    }
                }
            }
        }
    }
}

/// The ends of a rating scale as shown under it: what its first and last points mean.
pub struct ScaleEnds<'a> {
    pub min_label: &'a str,
    pub max_label: &'a str,
    /// The survey's own hint, shown; `p.hint` is it followed by the ends in words
    /// ("0 = …, 10 = …"), which only screen readers get (they are under the scale for the eye).
    pub shown_hint: Option<&'a str>,
    pub spoken_ends: &'a str,
}

/// Pick a point on a rating scale: one row of radios, the lowest point at the start of the
/// line (on the right in Arabic), each end's meaning under its end, then any extras (such as
/// "don't know") after an "or". Screen readers hear the ends in the hint (`p.hint` must say
/// them), so the row of end labels under the scale is hidden from them. Scales of more than
/// 11 points wrap into rows of equal targets.
pub fn rating_scale(
    p: &Prompt,
    points: &[Option_],
    extras: &[Option_],
    ends: &ScaleEnds,
    chosen: Option<&str>,
    lang: Lang,
) -> Markup {
    let class = if points.len() > 11 {
        "radios radios-inline rating-scale rating-scale-wrap"
    } else {
        "radios radios-inline rating-scale"
    };
    html! {
        div class=(group_class(p)) {
            fieldset.fieldset aria-describedby=[p.described_by()] {
                (legend(p, lang))
                (hint_and_error_with(p, lang, Some(html! {
                    @if let Some(h) = ends.shown_hint { (isolate_dates(h)) " " }
                    span.visually-hidden { (ends.spoken_ends) }
                })))
                div.rating {
                    div class=(class) {
                        @for (i, o) in points.iter().enumerate() {
                            div.choice {
                                input.choice-input type="radio" id=(choice_id(p.id, i)) name=(p.id)
                                    value=(o.value) checked[chosen == Some(o.value)];
                                label.choice-label for=(choice_id(p.id, i)) { (o.label) }
                            }
                        }
                    }
                    div.rating-ends aria-hidden="true" {
                        span.rating-end { (ends.min_label) }
                        span.rating-end { (ends.max_label) }
                    }
                }
                @if !extras.is_empty() {
                    div.radios.rating-extras {
                        @for (j, o) in extras.iter().enumerate() {
                            @let i = points.len() + j;
                            @if o.divider_before { div.divider { (i18n::OR.get(lang)) } }
                            div.choice {
                                input.choice-input type="radio" id=(choice_id(p.id, i)) name=(p.id)
                                    value=(o.value) checked[chosen == Some(o.value)];
                                label.choice-label for=(choice_id(p.id, i)) { (o.label) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Tick any: a fieldset of checkboxes (the form posts the name once per ticked box).
pub fn checkboxes(p: &Prompt, options: &[Option_], ticked: &[String], lang: Lang) -> Markup {
    html! {
        div class=(group_class(p)) {
            fieldset.fieldset aria-describedby=[p.described_by()] {
                (legend(p, lang))
                (hint_and_error(p, lang))
                div.checkboxes {
                    @for (i, o) in options.iter().enumerate() {
                        @if o.divider_before { div.divider { (i18n::OR.get(lang)) } }
                        div.choice {
                            input.choice-input type="checkbox" id=(choice_id(p.id, i)) name=(p.id)
                                value=(o.value) checked[ticked.iter().any(|t| t == o.value)];
                            label.choice-label for=(choice_id(p.id, i)) { (o.label) }
                        }
                    }
                }
            }
        }
    }
}

fn label(p: &Prompt, lang: Lang) -> Markup {
    html! {
        @if p.as_heading {
            h1.label-wrapper { label.label.label-heading for=(p.id) { (prompt_text(p, lang)) } }
        } @else {
            label.label for=(p.id) { (prompt_text(p, lang)) }
        }
    }
}

/// How a typed answer is entered.
pub enum Entry<'a> {
    /// Free text: direction follows what is typed.
    Text,
    /// Number: numeric keyboard, shown left to right, with an optional unit after it.
    Number {
        decimal: bool,
        unit: Option<&'a str>,
    },
}

/// Type a short answer: a labelled text input.
pub fn text_input(p: &Prompt, entry: &Entry, value: &str, lang: Lang) -> Markup {
    let (class, inputmode, dir, unit) = match entry {
        Entry::Text => ("input", None, "auto", None),
        Entry::Number { decimal, unit } => (
            "input input-short",
            Some(if *decimal { "decimal" } else { "numeric" }),
            "ltr",
            *unit,
        ),
    };
    let class = if p.error.is_some() {
        format!("{class} input-error")
    } else {
        class.to_string()
    };
    html! {
        div class=(group_class(p)) {
            (label(p, lang))
            (hint_and_error(p, lang))
            div.input-wrapper {
                input class=(class) type="text" id=(p.id) name=(p.id) value=(value)
                    inputmode=[inputmode] dir=(dir) spellcheck=[matches!(entry, Entry::Text).then_some("true")]
                    autocomplete="off" aria-describedby=[p.described_by()];
                @if let Some(unit) = unit { span.input-unit aria-hidden="true" { (unit) } }
            }
        }
    }
}

/// Type a date people know (GOV.UK's date input): a fieldset with three labelled boxes, day,
/// month and year, in reading order (the day on the right in Arabic). All three post under the
/// question's name, in that order; the box the error summary should land on (the first of
/// `wrong`, else the day) carries the question's id, the others `ID-day`, `ID-month`, `ID-year`.
pub fn date_input(p: &Prompt, parts: [&str; 3], wrong: [bool; 3], lang: Lang) -> Markup {
    use crate::survey::answers::DatePart;
    let target = wrong.iter().position(|w| *w).unwrap_or(0);
    let id = |i: usize, part: DatePart| {
        if i == target {
            p.id.to_string()
        } else {
            let suffix = match part {
                DatePart::Day => "day",
                DatePart::Month => "month",
                DatePart::Year => "year",
            };
            format!("{}-{suffix}", p.id)
        }
    };
    html! {
        div class=(group_class(p)) {
            fieldset.fieldset role="group" aria-describedby=[p.described_by()] {
                (legend(p, lang))
                (hint_and_error(p, lang))
                div.date-input {
                    @for (i, part) in DatePart::ALL.into_iter().enumerate() {
                        @let class = format!(
                            "input date-input-input date-input-{}{}",
                            part.digits(),
                            if wrong[i] { " input-error" } else { "" }
                        );
                        div.date-input-item {
                            label.label.date-input-label for=(id(i, part)) { (part.label().get(lang)) }
                            input class=(class) type="text" id=(id(i, part)) name=(p.id)
                                value=(parts[i]) inputmode="numeric" dir="ltr" autocomplete="off"
                                spellcheck="false";
                        }
                    }
                }
            }
        }
    }
}

/// What a sign-in field holds, for the browser's password manager (WCAG 3.3.8: no memory test;
/// pasting and autofill stay allowed).
pub enum Credential {
    Username,
    CurrentPassword,
    /// A password being set (an admin's forms): password managers may suggest one.
    NewPassword,
}

/// Type a user name or password: a labelled input with the matching `autocomplete`.
pub fn credential_input(p: &Prompt, kind: Credential, value: &str, lang: Lang) -> Markup {
    let (input_type, autocomplete) = match kind {
        Credential::Username => ("text", "username"),
        Credential::CurrentPassword => ("password", "current-password"),
        Credential::NewPassword => ("password", "new-password"),
    };
    let class = if p.error.is_some() {
        "input input-error"
    } else {
        "input"
    };
    html! {
        div class=(group_class(p)) {
            (label(p, lang))
            (hint_and_error(p, lang))
            input class=(class) type=(input_type) id=(p.id) name=(p.id) value=(value)
                autocomplete=(autocomplete) spellcheck="false" autocapitalize="none" dir="ltr"
                aria-describedby=[p.described_by()];
        }
    }
}

/// Type a longer answer: a labelled textarea.
pub fn textarea(p: &Prompt, value: &str, lang: Lang) -> Markup {
    let class = if p.error.is_some() {
        "textarea input-error"
    } else {
        "textarea"
    };
    html! {
        div class=(group_class(p)) {
            (label(p, lang))
            (hint_and_error(p, lang))
            textarea class=(class) id=(p.id) name=(p.id) rows="5" dir="auto"
                aria-describedby=[p.described_by()] { (value) }
        }
    }
}

fn is_digit_any(c: char) -> bool {
    c.is_ascii_digit()
        || ('\u{0660}'..='\u{0669}').contains(&c)
        || ('\u{06F0}'..='\u{06F9}').contains(&c)
}

/// Length in chars of a `YYYY-MM-DD` date (any digits) starting at `at`, if one does.
fn date_at(chars: &[char], at: usize) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-dd";
    let end = at + SHAPE.len();
    let fits = chars
        .get(at..end)?
        .iter()
        .zip(SHAPE)
        .all(|(&c, &s)| match s {
            b'd' => is_digit_any(c),
            _ => c == '-',
        });
    let before = at.checked_sub(1).map(|i| chars[i]);
    let after = chars.get(end).copied();
    let glued = |c: Option<char>| c.is_some_and(|c| is_digit_any(c) || c == '-');
    (fits && !glued(before) && !glued(after)).then_some(SHAPE.len())
}

/// Text with every `YYYY-MM-DD` date in it isolated left to right. In a right-to-left line,
/// Arabic-Indic digits joined by hyphens would otherwise show day first (١٥-٠٣-٢٠٢٦) while the
/// date field (`dir="ltr"`) takes the year first; survey hints and error messages both quote
/// dates, so they all go through here.
pub fn isolate_dates(text: &str) -> Markup {
    let chars: Vec<char> = text.chars().collect();
    let mut plain = String::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some(len) = date_at(&chars, i) {
            parts.push((
                std::mem::take(&mut plain),
                chars[i..i + len].iter().collect(),
            ));
            i += len;
        } else {
            plain.push(chars[i]);
            i += 1;
        }
    }
    html! {
        @for (before, date) in &parts { (before) bdi dir="ltr" { (date) } }
        (plain)
    }
}

/// The id of the interviewer instruction of the field or grid `id`.
pub fn interviewer_note_id(id: &str) -> String {
    format!("{id}-interviewer")
}

/// What the field interviewer reads or does for a question, set apart from what the
/// respondent is asked and starting with a visible "Interviewer:"; fields point at it with
/// `aria-describedby` (id from [`interviewer_note_id`]) so that it is heard with the question.
pub fn interviewer_note(id: &str, text: &str, lang: Lang) -> Markup {
    html! {
        div.interviewer-note id=(interviewer_note_id(id)) {
            strong.interviewer-note-label { (i18n::INTERVIEWER_NOTE_LABEL.get(lang)) }
            " " (isolate_dates(text))
        }
    }
}

/// Heading and hint of a group of fieldsets (a Likert grid): the page heading when alone.
/// The heading gets `id`, the hint `id-hint`, so that each item's fieldset can point at them.
pub fn group_heading(
    id: &str,
    text: &str,
    as_heading: bool,
    hint: Option<&str>,
    optional: bool,
    lang: Lang,
) -> Markup {
    html! {
        @if as_heading {
            h1.heading-l id=(id) { (text) @if optional { " " span.optional { (i18n::OPTIONAL.get(lang)) } } }
        } @else {
            h2.heading-m id=(id) { (text) @if optional { " " span.optional { (i18n::OPTIONAL.get(lang)) } } }
        }
        @if let Some(hint) = hint { p.hint id={ (id) "-hint" } { (isolate_dates(hint)) } }
    }
}

/// Read what went wrong: the summary at the top of `main`, focused on load without script.
pub fn error_summary(errors: &[(String, String)], lang: Lang) -> Markup {
    html! {
        div.error-summary aria-labelledby="error-summary-title" tabindex="-1" autofocus {
            h2.error-summary-title #error-summary-title { (i18n::THERE_IS_A_PROBLEM.get(lang)) }
            ul.error-summary-list {
                @for (field, message) in errors {
                    li { a href={ "#" (field) } { (isolate_dates(message)) } }
                }
            }
        }
    }
}

/// Go back one page (a plain link: the answers are in the session, not in the page).
pub fn back_link(href: &str, lang: Lang) -> Markup {
    html! { a.back-link href=(href) { (i18n::BACK.get(lang)) } }
}

/// Where the person is: "Page 2 of 5".
pub fn progress(page: usize, of: usize, lang: Lang) -> Markup {
    html! { p.caption { (i18n::progress(lang, page, of)) } }
}

/// Press the main button of a form.
pub fn button(text: &str) -> Markup {
    html! { button.button type="submit" { (text) } }
}

/// A link that looks like the main button (the start page's "Start now").
pub fn start_button(href: &str, text: &str) -> Markup {
    html! {
        a.button.button-start href=(href) role="button" draggable="false" {
            (text) " " span.arrow aria-hidden="true" { (PreEscaped("&#x2192;")) }
        }
    }
}

/// A start button that posts (it changes something on the server, e.g. opens an invitation).
pub fn start_form(action: &str, csrf: &str, text: &str) -> Markup {
    html! {
        form method="post" action=(action) novalidate {
            (hidden(crate::web::visit::CSRF_FIELD, csrf))
            button.button.button-start type="submit" draggable="false" {
                (text) " " span.arrow aria-hidden="true" { (PreEscaped("&#x2192;")) }
            }
        }
    }
}

/// The hidden fields every POST form carries.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// How an answer is shown back on the check-answers page.
pub enum Shown {
    /// A label the survey wrote (a choice, a rating with its meaning).
    Label(String),
    /// Text the person typed: shown back with its own direction.
    Typed(String),
    /// A date or number: isolated left to right (as it was typed), with a unit after it.
    LeftToRight { value: String, unit: Option<String> },
}

/// One row of a check-answers list.
pub struct SummaryRow {
    pub question: String,
    /// `None`: the optional question was skipped.
    pub answer: Option<Shown>,
    pub change_href: String,
}

/// Review answers: a description list with a Change link per row.
pub fn summary_list(rows: &[SummaryRow], lang: Lang) -> Markup {
    html! {
        dl.summary-list {
            @for row in rows {
                div.summary-row {
                    dt.summary-key { (row.question) }
                    dd.summary-value {
                        @match &row.answer {
                            Some(Shown::Typed(a)) => bdi { (a) },
                            Some(Shown::Label(a)) => (a),
                            Some(Shown::LeftToRight { value, unit }) => {
                                bdi dir="ltr" { (value) }
                                @if let Some(unit) = unit { " " (unit) }
                            }
                            None => span.not-provided { (i18n::NOT_PROVIDED.get(lang)) },
                        }
                    }
                    dd.summary-actions {
                        a href=(row.change_href) {
                            (i18n::CHANGE.get(lang))
                            span.visually-hidden { (i18n::CHANGE_HIDDEN.get(lang)) (row.question) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::isolate_dates;

    #[test]
    fn dates_in_any_digits_are_isolated_left_to_right() {
        assert_eq!(
            isolate_dates("مثل ٢٠٢٦-٠٣-١٥. أو 2026-03-15").into_string(),
            r#"مثل <bdi dir="ltr">٢٠٢٦-٠٣-١٥</bdi>. أو <bdi dir="ltr">2026-03-15</bdi>"#
        );
        assert_eq!(
            isolate_dates("۱۴۰۵-۰۱-۰۱").into_string(),
            r#"<bdi dir="ltr">۱۴۰۵-۰۱-۰۱</bdi>"#
        );
    }

    #[test]
    fn other_text_is_left_alone_and_escaped() {
        for text in [
            "YYYY-MM-DD",
            "12026-03-15",
            "2026-03-1",
            "2026-03-155",
            "<b>",
        ] {
            assert!(!isolate_dates(text).into_string().contains("bdi"), "{text}");
        }
        assert_eq!(isolate_dates("a < b").into_string(), "a &lt; b");
    }
}
