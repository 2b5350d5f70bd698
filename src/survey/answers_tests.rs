//! Unit tests of the answer rules, on a small survey with every question type.

use super::*;
use crate::survey::parse_str;
use std::path::Path;

const FIXTURE: &str = r#"
id = "fixture"
wave = "w1"
title = { ar = "اختبار", en = "Test" }

[scales]
agree = [
  { code = "1", ar = "لا", en = "No" },
  { code = "2", ar = "ربما", en = "Maybe" },
  { code = "3", ar = "نعم", en = "Yes" },
  { code = "dk", ar = "لا أعرف", en = "Don't know", non_substantive = true },
]

[[pages]]
id = "p_single"
[[pages.questions]]
id = "colour"
type = "single_choice"
text = { ar = "اللون", en = "Colour" }
options = [
  { code = "red", ar = "أحمر", en = "Red" },
  { code = "blue", ar = "أزرق", en = "Blue" },
  { code = "green", ar = "أخضر", en = "Green" },
]

[[pages]]
id = "p_multi"
[[pages.questions]]
id = "services"
type = "multiple_choice"
text = { ar = "الخدمات", en = "Services" }
randomize = true
options = [
  { code = "a", ar = "أ", en = "A" },
  { code = "b", ar = "ب", en = "B" },
  { code = "c", ar = "ج", en = "C" },
  { code = "d", ar = "د", en = "D" },
  { code = "e", ar = "هـ", en = "E" },
  { code = "other", ar = "أخرى", en = "Other", anchored = true },
  { code = "none", ar = "لا شيء مما سبق", en = "None of these", anchored = true, exclusive = true },
]

[[pages]]
id = "p_likert"
[[pages.questions]]
id = "trust"
type = "likert"
text = { ar = "الثقة", en = "Trust" }
scale = "agree"
[[pages.questions]]
id = "grid"
type = "likert_grid"
text = { ar = "شبكة", en = "Grid" }
scale = "agree"
items = [{ id = "g1", ar = "١", en = "One" }, { id = "g2", ar = "٢", en = "Two" }]

[[pages]]
id = "p_rating"
[[pages.questions]]
id = "sat"
type = "rating"
show_if = 'colour == "red"'
text = { ar = "الرضا", en = "Satisfaction" }
min_label = { ar = "أدنى", en = "Low" }
max_label = { ar = "أعلى", en = "High" }
extra = [{ code = "dk", ar = "لا أعرف", en = "Don't know" }]

[[pages]]
id = "p_number"
[[pages.questions]]
id = "wait"
type = "number"
show_if = 'colour == "red" and sat >= 5'
text = { ar = "الانتظار", en = "Wait" }
integer = true
min = 0
max = 1440
unit = { ar = "دقيقة", en = "minutes" }

[[pages]]
id = "p_text"
[[pages.questions]]
id = "name"
type = "short_text"
text = { ar = "الاسم", en = "Name" }
max_length = 10
[[pages.questions]]
id = "comment"
type = "long_text"
required = false
text = { ar = "تعليق", en = "Comment" }
max_length = 20
[[pages.questions]]
id = "weight"
type = "number"
required = false
text = { ar = "الوزن", en = "Weight" }
min = 0.5
max = 300

[[pages]]
id = "p_date"
[[pages.questions]]
id = "visit"
type = "date"
text = { ar = "التاريخ", en = "Date" }
min = 2025-01-01
max = "2026-12-31"

[[pages]]
id = "p_hidden"
[[pages.questions]]
id = "why"
type = "single_choice"
show_if = 'services == "none" or not (trust in ["2", "3"])'
text = { ar = "لماذا", en = "Why" }
options = [{ code = "x", ar = "س", en = "X" }]
"#;

fn survey() -> Survey {
    match parse_str(FIXTURE, Path::new("fixture.toml")) {
        Ok(s) => s,
        Err(r) => panic!("fixture does not parse:\n{r}"),
    }
}

fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn page_of(s: &Survey, id: &str) -> usize {
    s.pages.iter().position(|p| p.id == id).unwrap()
}

fn answers(pairs: &[(&str, Answer)]) -> Answers {
    pairs
        .iter()
        .map(|(k, a)| (k.to_string(), a.clone()))
        .collect()
}

fn val(s: &str) -> Answer {
    Answer::Value(s.into())
}

/// Reads one page and returns the single error it must produce.
fn one_error(s: &Survey, page: &str, pairs: &[(&str, &str)], before: &Answers) -> FieldError {
    let errs = read_page(s, page_of(s, page), &post(pairs), before).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    errs.into_iter().next().unwrap()
}

fn red_satisfied() -> Answers {
    answers(&[("colour", val("red")), ("sat", Answer::Number(8.0))])
}

// ---- single choice -------------------------------------------------------------------------

#[test]
fn single_choice_valid_answer_is_stored_as_its_code() {
    let s = survey();
    let got = read_page(&s, 0, &post(&[("colour", " blue ")]), &Answers::new()).unwrap();
    assert_eq!(got, answers(&[("colour", val("blue"))]));
}

#[test]
fn single_choice_required_missing_and_empty() {
    let s = survey();
    for pairs in [&[][..], &[("colour", "")][..], &[("colour", "  ")][..]] {
        let e = one_error(&s, "p_single", pairs, &Answers::new());
        assert_eq!(e.key, "colour");
        assert_eq!(e.message.en, "Select an answer");
        assert_eq!(e.message.ar, "اختر إجابة");
    }
}

#[test]
fn single_choice_foreign_code_and_two_answers() {
    let s = survey();
    let e = one_error(&s, "p_single", &[("colour", "purple")], &Answers::new());
    assert_eq!(e.message.en, "Select one of the options shown");
    let e = one_error(
        &s,
        "p_single",
        &[("colour", "red"), ("colour", "blue")],
        &Answers::new(),
    );
    assert_eq!(e.message.en, "Select only one answer");
    // The same value twice (a double post) is one answer.
    let got = read_page(
        &s,
        0,
        &post(&[("colour", "red"), ("colour", "red")]),
        &Answers::new(),
    );
    assert_eq!(got.unwrap(), answers(&[("colour", val("red"))]));
}

#[test]
fn unknown_keys_and_other_pages_keys_are_ignored() {
    let s = survey();
    let got = read_page(
        &s,
        0,
        &post(&[
            ("csrf", "tok"),
            ("colour", "green"),
            ("trust", "2"),
            ("zz", "1"),
        ]),
        &Answers::new(),
    )
    .unwrap();
    assert_eq!(got, answers(&[("colour", val("green"))]));
}

#[test]
fn page_out_of_range_reads_nothing() {
    let s = survey();
    assert_eq!(
        read_page(&s, 99, &post(&[("colour", "red")]), &Answers::new()),
        Ok(Answers::new())
    );
}

// ---- multiple choice -----------------------------------------------------------------------

#[test]
fn multiple_choice_stores_codes_in_file_order() {
    let s = survey();
    let p = page_of(&s, "p_multi");
    let got = read_page(
        &s,
        p,
        &post(&[("services", "c"), ("services", "a"), ("services", "other")]),
        &Answers::new(),
    );
    assert_eq!(
        got.unwrap(),
        answers(&[(
            "services",
            Answer::Codes(vec!["a".into(), "c".into(), "other".into()])
        )])
    );
}

#[test]
fn multiple_choice_errors() {
    let s = survey();
    let e = one_error(&s, "p_multi", &[], &Answers::new());
    assert_eq!(e.message.en, "Select at least one answer");
    assert_eq!(e.message.ar, "اختر إجابة واحدة على الأقل");
    let e = one_error(
        &s,
        "p_multi",
        &[("services", "a"), ("services", "zz")],
        &Answers::new(),
    );
    assert_eq!(e.message.en, "Select one of the options shown");
    let e = one_error(
        &s,
        "p_multi",
        &[("services", "a"), ("services", "none")],
        &Answers::new(),
    );
    assert_eq!(
        e.message.en,
        "You cannot select “None of these” together with other answers"
    );
    assert_eq!(e.message.ar, "لا يمكن اختيار «لا شيء مما سبق» مع إجابات أخرى");
    // The exclusive option alone is fine.
    let p = page_of(&s, "p_multi");
    let got = read_page(&s, p, &post(&[("services", "none")]), &Answers::new()).unwrap();
    assert_eq!(got["services"], Answer::Codes(vec!["none".into()]));
}

// ---- Likert item and grid ------------------------------------------------------------------

#[test]
fn likert_and_grid_items_are_keyed_separately() {
    let s = survey();
    let p = page_of(&s, "p_likert");
    let got = read_page(
        &s,
        p,
        &post(&[("trust", "3"), ("g1", "1"), ("g2", "dk")]),
        &Answers::new(),
    );
    assert_eq!(
        got.unwrap(),
        answers(&[("trust", val("3")), ("g1", val("1")), ("g2", val("dk"))])
    );
    let errs = read_page(
        &s,
        p,
        &post(&[("trust", "4"), ("g1", "2")]),
        &Answers::new(),
    )
    .unwrap_err();
    let keys: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.key.as_str(), e.message.en.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("trust", "Select one of the options shown"),
            ("g2", "Select an answer")
        ]
    );
}

// ---- rating --------------------------------------------------------------------------------

#[test]
fn rating_accepts_range_digits_and_extra_codes() {
    let s = survey();
    let p = page_of(&s, "p_rating");
    let before = answers(&[("colour", val("red"))]);
    for (raw, want) in [
        ("0", Answer::Number(0.0)),
        ("10", Answer::Number(10.0)),
        ("٧", Answer::Number(7.0)),
        ("۷", Answer::Number(7.0)),
        ("dk", val("dk")),
    ] {
        let got = read_page(&s, p, &post(&[("sat", raw)]), &before).unwrap();
        assert_eq!(got["sat"], want, "{raw}");
    }
}

#[test]
fn rating_out_of_range_or_fractional_is_an_error() {
    let s = survey();
    let before = answers(&[("colour", val("red"))]);
    for raw in ["11", "-1", "7.5", "seven", "na"] {
        let e = one_error(&s, "p_rating", &[("sat", raw)], &before);
        assert_eq!(e.message.en, "Select a number from 0 to 10", "{raw}");
        assert_eq!(e.message.ar, "اختر رقمًا من ٠ إلى ١٠");
    }
    let e = one_error(&s, "p_rating", &[], &before);
    assert_eq!(e.message.en, "Select an answer");
}

#[test]
fn value_for_hidden_question_is_an_error_and_absence_is_fine() {
    let s = survey();
    let before = answers(&[("colour", val("blue"))]);
    let e = one_error(&s, "p_rating", &[("sat", "5")], &before);
    assert_eq!(e.key, "sat");
    assert_eq!(
        e.message.en,
        "This question does not apply, given your earlier answers"
    );
    assert_eq!(e.message.ar, "هذا السؤال لا ينطبق بحسب إجاباتك السابقة");
    let p = page_of(&s, "p_rating");
    assert_eq!(read_page(&s, p, &post(&[]), &before), Ok(Answers::new()));
}

// ---- number --------------------------------------------------------------------------------

#[test]
fn number_accepts_arabic_indic_and_persian_digits() {
    let s = survey();
    let p = page_of(&s, "p_number");
    for (raw, want) in [
        ("120", 120.0),
        ("١٢٠", 120.0),
        ("۱۲۰", 120.0),
        (" 0 ", 0.0),
        ("1440", 1440.0),
    ] {
        let got = read_page(&s, p, &post(&[("wait", raw)]), &red_satisfied()).unwrap();
        assert_eq!(got["wait"], Answer::Number(want), "{raw}");
    }
}

#[test]
fn number_decimal_separators() {
    let s = survey();
    let p = page_of(&s, "p_text");
    for (raw, want) in [
        ("2.5", 2.5),
        ("٢٫٥", 2.5),
        ("2٫5", 2.5),
        ("300", 300.0),
        ("٢٩٩٫٧٥", 299.75),
    ] {
        let got = read_page(
            &s,
            p,
            &post(&[("name", "x"), ("weight", raw)]),
            &Answers::new(),
        )
        .unwrap();
        assert_eq!(got["weight"], Answer::Number(want), "{raw}");
    }
    // Optional and empty: no answer stored.
    let got = read_page(
        &s,
        p,
        &post(&[("name", "x"), ("weight", "")]),
        &Answers::new(),
    )
    .unwrap();
    assert!(!got.contains_key("weight"));
}

#[test]
fn number_thousands_separators_where_unambiguous() {
    for (raw, want) in [
        ("1,500", 1500.0),
        ("١٬٥٠٠", 1500.0),
        ("1٬500", 1500.0),
        ("١،٥٠٠", 1500.0),
        ("1 500", 1500.0),
        ("1\u{a0}500", 1500.0),
        ("1\u{202f}500", 1500.0),
        ("1,500,000", 1_500_000.0),
        ("1.500.000", 1_500_000.0),
        ("1,500.25", 1500.25),
        ("١٬٥٠٠٫٢٥", 1500.25),
        ("1.500,25", 1500.25),
        ("-1,500", -1500.0),
        ("999", 999.0),
    ] {
        assert_eq!(read_number(raw), Ok(want), "{raw}");
    }
    for raw in [
        "1,5", "1,50", "0,500", "12,34", "1,5000", "1500,000", "1,50,000", "12 34", "1 5000",
    ] {
        assert!(
            matches!(read_number(raw), Err(NumberError::Ambiguous { .. })),
            "{raw}: {:?}",
            read_number(raw)
        );
    }
    assert_eq!(
        read_number("1,5"),
        Err(NumberError::Ambiguous {
            as_decimal: Some("1.5".into()),
            digits_only: "15".into()
        })
    );
    for raw in ["1.2.3", "1٫5٫3", ",500", "1,", "1,,500", "1 , 500"] {
        assert_eq!(read_number(raw), Err(NumberError::NotANumber), "{raw}");
    }
}

#[test]
fn an_ambiguous_comma_says_exactly_what_to_type() {
    let s = survey();
    let p = page_of(&s, "p_text");
    let errs = read_page(
        &s,
        p,
        &post(&[("name", "x"), ("weight", "2,5")]),
        &Answers::new(),
    )
    .unwrap_err();
    assert_eq!(
        errs[0].message.en,
        "Write decimals with a point, like 2.5, or type the number without the comma: 25. A comma can only separate groups of three digits, like 1,500"
    );
    assert!(
        errs[0].message.ar.contains("مثل ٢٫٥"),
        "{}",
        errs[0].message.ar
    );
    assert!(
        errs[0].message.ar.contains("دون فاصلة: ٢٥"),
        "{}",
        errs[0].message.ar
    );
    // A whole-number question does not suggest a decimal.
    let e = one_error(&s, "p_number", &[("wait", "١,٥")], &red_satisfied());
    assert_eq!(
        e.message.en,
        "Type the number with digits only, like 15, or separate groups of three digits, like 1,500"
    );
    assert_eq!(
        e.message.ar,
        "اكتب العدد بالأرقام فقط، مثل ١٥، أو افصل كل ثلاثة أرقام، مثل ١٬٥٠٠"
    );
    // `1.500` on a whole-number question is not "a fraction": it says what to type.
    let e = one_error(&s, "p_number", &[("wait", "1.500")], &red_satisfied());
    assert_eq!(
        e.message.en,
        "Type the number with digits only, like 1500, or separate groups of three digits, like 1,500"
    );
    let e = one_error(&s, "p_number", &[("wait", "12.5")], &red_satisfied());
    assert_eq!(e.message.en, "Enter a whole number");
    // And one that groups thousands is read.
    let got = read_page(
        &s,
        page_of(&s, "p_number"),
        &post(&[("wait", "١٬٠٠٠")]),
        &red_satisfied(),
    )
    .unwrap();
    assert_eq!(got["wait"], Answer::Number(1000.0));
}

#[test]
fn number_errors() {
    let s = survey();
    let e = one_error(&s, "p_number", &[("wait", "12.5")], &red_satisfied());
    assert_eq!(e.message.en, "Enter a whole number");
    let e = one_error(&s, "p_number", &[("wait", "2000")], &red_satisfied());
    assert_eq!(e.message.en, "Enter a number between 0 and 1440");
    assert_eq!(e.message.ar, "أدخل رقمًا بين ٠ و١٤٤٠");
    let e = one_error(&s, "p_number", &[("wait", "-1")], &red_satisfied());
    assert_eq!(e.message.en, "Enter a number between 0 and 1440");
    for raw in [
        "abc",
        "1e3",
        "inf",
        "NaN",
        "1.",
        ".5",
        "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1",
        "--1",
        "1.2.3",
    ] {
        let e = one_error(&s, "p_number", &[("wait", raw)], &red_satisfied());
        assert_eq!(
            e.message.en, "Enter a number using digits only, like 15",
            "{raw}"
        );
    }
    let e = one_error(&s, "p_number", &[], &red_satisfied());
    assert_eq!(
        (e.message.en.as_str(), e.message.ar.as_str()),
        ("Enter a number", "أدخل رقمًا")
    );
    let p = page_of(&s, "p_text");
    let errs = read_page(
        &s,
        p,
        &post(&[("name", "x"), ("weight", "0.1")]),
        &Answers::new(),
    )
    .unwrap_err();
    assert_eq!(errs[0].message.en, "Enter a number between 0.5 and 300");
    assert_eq!(errs[0].message.ar, "أدخل رقمًا بين ٠٫٥ و٣٠٠");
}

// ---- texts ---------------------------------------------------------------------------------

#[test]
fn text_is_trimmed_and_counted_in_characters() {
    let s = survey();
    let p = page_of(&s, "p_text");
    // Ten Arabic letters: 20 bytes, 10 characters.
    let got = read_page(&s, p, &post(&[("name", "  أبتثجحخدذر  ")]), &Answers::new()).unwrap();
    assert_eq!(got["name"], val("أبتثجحخدذر"));
    let e = one_error(&s, "p_text", &[("name", "أبتثجحخدذرز")], &Answers::new());
    assert_eq!(e.message.en, "Answer must be 10 characters or fewer");
    assert_eq!(e.message.ar, "الإجابة طويلة جدًا: يجب ألا تزيد على ١٠ أحرف");
    let e = one_error(
        &s,
        "p_text",
        &[("name", "x"), ("comment", "123456789012345678901")],
        &Answers::new(),
    );
    assert_eq!(e.key, "comment");
    assert_eq!(e.message.ar, "الإجابة طويلة جدًا: يجب ألا تزيد على ٢٠ حرفًا");
}

#[test]
fn text_required_and_line_breaks() {
    let s = survey();
    let e = one_error(&s, "p_text", &[("name", "   ")], &Answers::new());
    assert_eq!(
        (e.message.en.as_str(), e.message.ar.as_str()),
        ("Enter your answer", "اكتب إجابتك")
    );
    let p = page_of(&s, "p_text");
    let got = read_page(
        &s,
        p,
        &post(&[("name", "a\u{0}b"), ("comment", "one\r\ntwo\u{7}")]),
        &Answers::new(),
    )
    .unwrap();
    assert_eq!(got["name"], val("ab"));
    assert_eq!(got["comment"], val("one\ntwo"));
    let got = read_page(&s, p, &post(&[("name", "a\r\nb\tc")]), &Answers::new()).unwrap();
    assert_eq!(got["name"], val("a b c"));
}

// ---- date ----------------------------------------------------------------------------------

#[test]
fn date_formats_and_digits() {
    let s = survey();
    let p = page_of(&s, "p_date");
    // A whole date in one value: year first, or day first as Iraqis write it.
    for (raw, want) in [
        ("2026-03-15", "2026-03-15"),
        ("٢٠٢٦-٠٣-١٥", "2026-03-15"),
        ("۲۰۲۶-۳-۵", "2026-03-05"),
        ("2025/1/1", "2025-01-01"),
        ("15/3/2026", "2026-03-15"),
        ("15-03-2026", "2026-03-15"),
        ("١٥/٣/٢٠٢٦", "2026-03-15"),
        ("15.3.2026", "2026-03-15"),
    ] {
        let got = read_page(&s, p, &post(&[("visit", raw)]), &Answers::new()).unwrap();
        assert_eq!(got["visit"], val(want), "{raw}");
    }
    // The three boxes, day, month, year, in either digits.
    for parts in [
        ["15", "3", "2026"],
        ["15", "03", "2026"],
        ["١٥", "٣", "٢٠٢٦"],
        ["١٥", "03", "۲۰۲۶"],
        [" 15 ", "\u{200f}3", "2026"],
    ] {
        let posted = post(&[
            ("visit", parts[0]),
            ("visit", parts[1]),
            ("visit", parts[2]),
        ]);
        let got = read_page(&s, p, &posted, &Answers::new()).unwrap();
        assert_eq!(got["visit"], val("2026-03-15"), "{parts:?}");
    }
    // A whole date typed into one of the boxes is read too.
    let posted = post(&[("visit", "15/3/2026"), ("visit", ""), ("visit", "")]);
    let got = read_page(&s, p, &posted, &Answers::new()).unwrap();
    assert_eq!(got["visit"], val("2026-03-15"));
    // Three empty boxes: no answer (the question is required here).
    let e = one_error(
        &s,
        "p_date",
        &[("visit", ""), ("visit", ""), ("visit", "")],
        &Answers::new(),
    );
    assert_eq!(e.message.en, "Enter a date");
}

#[test]
fn date_errors() {
    let s = survey();
    for raw in [
        "2026-02-30",
        "15/13/2026",
        "2026-13-01",
        "26-03-15",
        "15/3/26",
        "yesterday",
        "2026-03-15T10:00",
    ] {
        let e = one_error(&s, "p_date", &[("visit", raw)], &Answers::new());
        assert_eq!(
            e.message.en, "Enter a real date: the day, the month and the year, like 15 3 2026",
            "{raw}"
        );
    }
    let e = one_error(&s, "p_date", &[("visit", "2024-12-31")], &Answers::new());
    assert_eq!(
        e.message.en,
        "Enter a date between 1 January 2025 and 31 December 2026"
    );
    assert_eq!(
        e.message.ar,
        "أدخل تاريخًا بين ١ كانون الثاني ٢٠٢٥ و٣١ كانون الأول ٢٠٢٦"
    );
    let e = one_error(&s, "p_date", &[], &Answers::new());
    assert_eq!(e.message.en, "Enter a date");
}

/// The message and the wrong boxes of three date boxes.
fn date_parts_error(day: &str, month: &str, year: &str) -> DateError {
    let s = survey();
    let q = s.question("visit").unwrap();
    read_date_parts(q, day, month, year).unwrap_err()
}

#[test]
fn date_part_errors_name_the_part() {
    let cases: &[([&str; 3], [bool; 3], &str, &str)] = &[
        (
            ["15", "13", "2026"],
            [false, true, false],
            "Enter the month as a number from 1 to 12",
            "أدخل الشهر رقمًا من ١ إلى ١٢",
        ),
        (
            ["١٥", "٠", "٢٠٢٦"],
            [false, true, false],
            "Enter the month as a number from 1 to 12",
            "أدخل الشهر رقمًا من ١ إلى ١٢",
        ),
        (
            ["32", "3", "2026"],
            [true, false, false],
            "Enter the day as a number from 1 to 31",
            "أدخل اليوم رقمًا من ١ إلى ٣١",
        ),
        (
            ["x", "3", "2026"],
            [true, false, false],
            "Enter the day as a number from 1 to 31",
            "أدخل اليوم رقمًا من ١ إلى ٣١",
        ),
        (
            ["15", "3", "26"],
            [false, false, true],
            "Enter the year as 4 digits, like 2026",
            "أدخل السنة بأربعة أرقام، مثل ٢٠٢٦",
        ),
        (
            ["15", "3", "20266"],
            [false, false, true],
            "Enter the year as 4 digits, like 2026",
            "أدخل السنة بأربعة أرقام، مثل ٢٠٢٦",
        ),
        (
            ["30", "2", "2026"],
            [true, false, false],
            "Enter a real day: February 2026 has 28 days",
            "أدخل يومًا حقيقيًا: في شباط ٢٠٢٦ ٢٨ يومًا",
        ),
        (
            ["15", "", "2026"],
            [false, true, false],
            "The date must include a month",
            "يجب أن يتضمن التاريخ الشهر",
        ),
        (
            ["", "", "2026"],
            [true, true, false],
            "The date must include a day and a month",
            "يجب أن يتضمن التاريخ اليوم والشهر",
        ),
        (
            ["15", "3", "2024"],
            [true, true, true],
            "Enter a date between 1 January 2025 and 31 December 2026",
            "أدخل تاريخًا بين ١ كانون الثاني ٢٠٢٥ و٣١ كانون الأول ٢٠٢٦",
        ),
    ];
    for (parts, wrong, en, ar) in cases {
        let e = date_parts_error(parts[0], parts[1], parts[2]);
        assert_eq!(&e.wrong, wrong, "{parts:?}");
        assert_eq!(e.message.en, *en, "{parts:?}");
        assert_eq!(e.message.ar, *ar, "{parts:?}");
        // Through the page too, with the same message.
        let s = survey();
        let posted = [
            ("visit", parts[0]),
            ("visit", parts[1]),
            ("visit", parts[2]),
        ];
        let page_error = one_error(&s, "p_date", &posted, &Answers::new());
        assert_eq!(page_error.message, e.message);
    }
    assert_eq!(
        date_parts_error("15", "13", "2026").first_wrong(),
        Some(DatePart::Month)
    );
    // Leap years: 29 February 2024 exists, 2025 does not.
    let s = survey();
    let q = s.question("visit").unwrap();
    assert!(read_date_parts(q, "29", "2", "2025").is_err());
    assert!(parse_date("2024-02-29").is_some());
}

#[test]
fn dates_in_words_and_boxes_shown_back() {
    let d = parse_date("2026-03-05").unwrap();
    assert_eq!(date_in_words(d, Lang::En), "5 March 2026");
    assert_eq!(date_in_words(d, Lang::Ar), "٥ آذار ٢٠٢٦");
    assert_eq!(date_parts("2026-03-05", Lang::En), ["5", "3", "2026"]);
    assert_eq!(date_parts("2026-03-05", Lang::Ar), ["٥", "٣", "٢٠٢٦"]);
    assert_eq!(
        date_parts("garbage", Lang::En),
        [String::new(), String::new(), String::new()]
    );
}

mod date_properties {
    use super::super::*;
    use proptest::prelude::*;

    fn arabic(s: &str) -> String {
        arabic_digits(s)
    }

    proptest! {
        /// Any real date, typed into the three boxes in Western or Arabic-Indic digits, with or
        /// without leading zeros, or as one day-first or year-first value, is stored as the
        /// same `YYYY-MM-DD`, and the boxes shown back read in again as the same date.
        #[test]
        fn any_real_date_round_trips_in_both_digit_sets(
            days in 0i64..(9000 * 366),
            zeros in any::<bool>(),
            arabic_digits_on in any::<bool>(),
        ) {
            let start = time::Date::from_calendar_date(1000, time::Month::January, 1).unwrap();
            let Some(d) = start.checked_add(time::Duration::days(days)) else { return Ok(()) };
            prop_assume!(d.year() <= 9999);
            let q = Question {
                id: "d".into(),
                text: Text { ar: "ت".into(), en: "D".into() },
                hint: None,
                interviewer_note: None,
                required: true,
                headline: false,
                show_if: None,
                kind: QuestionKind::Date { min: None, max: None },
            };
            let stored = format_date(d);
            let (day, month) = if zeros {
                (format!("{:02}", d.day()), format!("{:02}", u8::from(d.month())))
            } else {
                (d.day().to_string(), u8::from(d.month()).to_string())
            };
            let year = d.year().to_string();
            let digits = |s: &str| if arabic_digits_on { arabic(s) } else { s.to_string() };
            let got = read_date_parts(&q, &digits(&day), &digits(&month), &digits(&year));
            prop_assert_eq!(got, Ok(Some(d)));
            for whole in [format!("{day}/{month}/{year}"), format!("{year}-{month}-{day}")] {
                prop_assert_eq!(parse_date(&digits(&whole)), Some(d));
            }
            for lang in [Lang::Ar, Lang::En] {
                let [a, b, c] = date_parts(&stored, lang);
                prop_assert_eq!(read_date_parts(&q, &a, &b, &c), Ok(Some(d)));
            }
        }
    }
}

// ---- show_if, pruning and page order -------------------------------------------------------

#[test]
fn show_if_evaluation() {
    let s = survey();
    let why = s.question("why").unwrap();
    let wait = s.question("wait").unwrap();
    // Multiple choice: `==` means "contains".
    let a = answers(&[
        ("services", Answer::Codes(vec!["a".into(), "none".into()])),
        ("trust", val("2")),
    ]);
    assert!(visible(&s, why, &a));
    let a = answers(&[
        ("services", Answer::Codes(vec!["a".into()])),
        ("trust", val("3")),
    ]);
    assert!(!visible(&s, why, &a));
    // `not (trust in [...])` holds when trust is unanswered.
    assert!(visible(
        &s,
        why,
        &answers(&[("services", Answer::Codes(vec!["a".into()]))])
    ));
    // Comparison on an unanswered or "don't know" rating is false.
    assert!(!visible(&s, wait, &answers(&[("colour", val("red"))])));
    assert!(!visible(
        &s,
        wait,
        &answers(&[("colour", val("red")), ("sat", val("dk"))])
    ));
    assert!(!visible(
        &s,
        wait,
        &answers(&[("colour", val("red")), ("sat", Answer::Number(4.0))])
    ));
    assert!(visible(
        &s,
        wait,
        &answers(&[("colour", val("red")), ("sat", Answer::Number(5.0))])
    ));
    // A stale answer of a hidden question does not reveal its dependants.
    let stale = answers(&[("colour", val("blue")), ("sat", Answer::Number(9.0))]);
    assert!(!visible(&s, wait, &stale));
}

#[test]
fn not_equals_is_false_when_unanswered() {
    let cond = crate::survey::condition::parse(r#"colour != "red""#).unwrap();
    let s = survey();
    assert!(!condition::eval(&s, &cond, &Answers::new()));
    assert!(condition::eval(
        &s,
        &cond,
        &answers(&[("colour", val("blue"))])
    ));
}

#[test]
fn prune_hidden_cascades() {
    let s = survey();
    let mut a = red_satisfied();
    a.insert("wait".into(), Answer::Number(10.0));
    a.insert("name".into(), val("x"));
    let mut kept = a.clone();
    prune_hidden(&s, &mut kept);
    assert_eq!(kept, a);
    a.insert("colour".into(), val("blue"));
    prune_hidden(&s, &mut a);
    assert_eq!(a, answers(&[("colour", val("blue")), ("name", val("x"))]));
}

#[test]
fn next_and_prev_page_skip_pages_with_nothing_visible() {
    let s = survey();
    let (rating, number, text) = (
        page_of(&s, "p_rating"),
        page_of(&s, "p_number"),
        page_of(&s, "p_text"),
    );
    let likert = page_of(&s, "p_likert");
    let blue = answers(&[("colour", val("blue")), ("trust", val("3"))]);
    assert_eq!(next_page(&s, None, &blue), Some(0));
    assert_eq!(next_page(&s, Some(likert), &blue), Some(text));
    assert_eq!(prev_page(&s, text, &blue), Some(likert));
    let red = red_satisfied();
    assert_eq!(next_page(&s, Some(rating), &red), Some(number));
    let mut unhappy = red.clone();
    unhappy.insert("sat".into(), Answer::Number(2.0));
    assert_eq!(next_page(&s, Some(rating), &unhappy), Some(text));
    assert_eq!(prev_page(&s, text, &unhappy), Some(rating));
    assert_eq!(prev_page(&s, 0, &unhappy), None);
    // `why` shows only for "none" or low trust: with trust 3 and no "none", the survey ends.
    let date = page_of(&s, "p_date");
    assert_eq!(next_page(&s, Some(date), &blue), None);
    let mut none = blue.clone();
    none.insert("services".into(), Answer::Codes(vec!["none".into()]));
    assert_eq!(
        next_page(&s, Some(date), &none),
        Some(page_of(&s, "p_hidden"))
    );
    assert_eq!(next_page(&s, Some(s.pages.len() - 1), &none), None);
}

#[test]
fn page_position_counts_only_the_pages_that_apply_now() {
    let s = survey();
    let (likert, rating, number, text, date, hidden) = (
        page_of(&s, "p_likert"),
        page_of(&s, "p_rating"),
        page_of(&s, "p_number"),
        page_of(&s, "p_text"),
        page_of(&s, "p_date"),
        page_of(&s, "p_hidden"),
    );
    // Nothing answered: the rating and number pages wait for "red", `why` shows while trust
    // is unanswered.
    let none = Answers::new();
    assert_eq!(page_position(&s, 0, &none), (1, 6));
    assert_eq!(page_position(&s, likert, &none), (3, 6));
    assert_eq!(page_position(&s, hidden, &none), (6, 6));
    // Blue with trust 3: five pages apply, read 1..5 going forward.
    let blue = answers(&[("colour", val("blue")), ("trust", val("3"))]);
    let walk: Vec<(usize, usize)> = [0, 1, likert, text, date]
        .iter()
        .map(|&i| page_position(&s, i, &blue))
        .collect();
    assert_eq!(walk, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
    // Red and satisfied: the rating and number pages come in after page 1.
    let red = red_satisfied();
    assert_eq!(page_position(&s, rating, &red), (4, 8));
    assert_eq!(page_position(&s, number, &red), (5, 8));
    // A page that does not apply still gets a position within the count.
    assert_eq!(page_position(&s, number, &blue), (4, 5));
}

fn complete() -> Answers {
    answers(&[
        ("colour", val("blue")),
        ("services", Answer::Codes(vec!["b".into()])),
        ("trust", val("3")),
        ("g1", val("1")),
        ("g2", val("dk")),
        ("name", val("Ali")),
        ("visit", val("2026-01-02")),
    ])
}

#[test]
fn check_complete_accepts_a_full_response() {
    assert_eq!(check_complete(&survey(), &complete()), Ok(()));
}

#[test]
fn check_complete_reports_missing_hidden_and_invalid_answers() {
    let s = survey();
    let mut a = complete();
    a.remove("g2");
    a.insert("sat".into(), Answer::Number(3.0)); // hidden: colour is blue
    a.insert("visit".into(), val("2030-01-01"));
    a.insert(
        "services".into(),
        Answer::Codes(vec!["b".into(), "zz".into()]),
    );
    let errs = check_complete(&s, &a).unwrap_err();
    let got: Vec<(usize, &str)> = errs.iter().map(|(p, e)| (*p, e.key.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (page_of(&s, "p_multi"), "services"),
            (page_of(&s, "p_likert"), "g2"),
            (page_of(&s, "p_rating"), "sat"),
            (page_of(&s, "p_date"), "visit"),
        ]
    );
    // The exclusive "none" makes `why` visible, and it is required.
    let mut b = complete();
    b.insert("services".into(), Answer::Codes(vec!["none".into()]));
    let errs = check_complete(&s, &b).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].0, errs[0].1.key.as_str()),
        (page_of(&s, "p_hidden"), "why")
    );
}

#[test]
fn check_answer_rejects_wrong_shapes() {
    let s = survey();
    let colour = s.question("colour").unwrap();
    assert!(check_answer(colour, &Answer::Number(1.0)).is_err());
    assert!(check_answer(colour, &Answer::Codes(vec!["red".into()])).is_err());
    let services = s.question("services").unwrap();
    assert!(check_answer(services, &Answer::Codes(vec![])).is_err());
    let sat = s.question("sat").unwrap();
    assert!(check_answer(sat, &val("maybe")).is_err());
    assert!(check_answer(sat, &Answer::Number(f64::NAN)).is_err());
    let wait = s.question("wait").unwrap();
    assert!(check_answer(wait, &Answer::Number(f64::INFINITY)).is_err());
}

// ---- option order --------------------------------------------------------------------------

#[test]
fn option_order_is_deterministic_and_keeps_anchored_last() {
    let s = survey();
    let q = s.question("services").unwrap();
    let codes = |seed| -> Vec<&str> {
        option_order(q, seed)
            .iter()
            .map(|c| c.code.as_str())
            .collect()
    };
    let mut seen = std::collections::HashSet::new();
    for seed in 0..50u64 {
        let order = codes(seed);
        assert_eq!(order, codes(seed), "same seed, same order");
        assert_eq!(
            &order[5..],
            &["other", "none"],
            "anchored last, in file order"
        );
        let mut sorted = order[..5].to_vec();
        sorted.sort();
        assert_eq!(sorted, vec!["a", "b", "c", "d", "e"]);
        seen.insert(order);
    }
    assert!(
        seen.len() > 10,
        "50 seeds give varied orders, got {}",
        seen.len()
    );
}

#[test]
fn option_order_keeps_file_order_without_randomize() {
    let s = survey();
    let colour = s.question("colour").unwrap();
    let order: Vec<&str> = option_order(colour, 7)
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(order, vec!["red", "blue", "green"]);
    let trust = s.question("trust").unwrap();
    assert_eq!(option_order(trust, 7).len(), 4);
    let name = s.question("name").unwrap();
    assert!(option_order(name, 7).is_empty());
}

// ---- digits and labels ---------------------------------------------------------------------

#[test]
fn normalise_digits_maps_both_arabic_digit_sets() {
    assert_eq!(normalise_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
    assert_eq!(normalise_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
    assert_eq!(normalise_digits("a١b۲ c3"), "a1b2 c3");
}

#[test]
fn parse_number_edge_cases() {
    assert_eq!(parse_number("\u{200F}١٢"), Some(12.0));
    assert_eq!(parse_number("−5"), Some(-5.0));
    assert_eq!(parse_number("1 000"), Some(1000.0));
    assert_eq!(parse_number(""), None);
    assert_eq!(parse_number("-"), None);
    assert_eq!(parse_number("+5"), None);
    assert!(parse_number("-0").unwrap().is_sign_positive());
}

#[test]
fn answer_labels_in_both_languages() {
    let s = survey();
    let codes = Answer::Codes(vec!["a".into(), "other".into()]);
    assert_eq!(answer_label(&s, "services", &codes, Lang::En), "A, Other");
    assert_eq!(answer_label(&s, "services", &codes, Lang::Ar), "أ، أخرى");
    assert_eq!(
        answer_label(&s, "wait", &Answer::Number(15.0), Lang::En),
        "15 minutes"
    );
    assert_eq!(
        answer_label(&s, "wait", &Answer::Number(15.0), Lang::Ar),
        "١٥ دقيقة"
    );
    assert_eq!(answer_label(&s, "g2", &val("dk"), Lang::En), "Don't know");
    assert_eq!(answer_label(&s, "sat", &val("dk"), Lang::Ar), "لا أعرف");
    assert_eq!(
        answer_label(&s, "visit", &val("2026-01-02"), Lang::Ar),
        "٢ كانون الثاني ٢٠٢٦"
    );
    assert_eq!(
        answer_label(&s, "visit", &val("2026-01-02"), Lang::En),
        "2 January 2026"
    );
    assert_eq!(answer_label(&s, "name", &val("Ali 2"), Lang::Ar), "Ali 2");
    assert_eq!(
        answer_label(&s, "weight", &Answer::Number(2.5), Lang::En),
        "2.5"
    );
}

#[test]
fn arabic_character_counts_follow_the_counted_noun_rules() {
    let ar = |n| msg::too_long(n).ar;
    assert!(ar(1).ends_with("حرف واحد"));
    assert!(ar(2).ends_with("حرفين"));
    assert!(ar(7).ends_with("٧ أحرف"));
    assert!(ar(80).ends_with("٨٠ حرفًا"));
    assert!(ar(100).ends_with("١٠٠ حرف"));
    assert!(ar(2000).ends_with("٢٠٠٠ حرف"));
}
