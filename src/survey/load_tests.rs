//! Unit tests of survey loading: what the example survey becomes, defaults, and the checks
//! that the black-box tests of `mizan check` do not reach.

use super::*;

fn example() -> (String, Survey) {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/surveys/citizen-security.toml"
    ));
    let src = std::fs::read_to_string(path).unwrap();
    match parse_str(&src, path) {
        Ok(s) => (src, s),
        Err(r) => panic!("{r}"),
    }
}

fn problems(src: &str) -> Vec<(usize, String)> {
    match parse_str(src, Path::new("t.toml")) {
        Ok(_) => Vec::new(),
        Err(r) => r
            .problems
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect(),
    }
}

const HEAD: &str = r#"id = "t"
wave = "w1"
title = { ar = "ع", en = "T" }
"#;

#[test]
fn example_survey_model() {
    let (src, s) = example();
    assert_eq!(s.id, "citizen-security");
    assert_eq!(s.wave, "2026-W1");
    assert_eq!(s.version, version_of(&src));
    assert_eq!(s.version.len(), 12);
    assert!(s.version.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(s.sources, vec!["qr-poster", "sms", "social"]);
    let meta: Vec<&str> = s.metadata.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(meta, vec!["site", "stratum", "cluster"]);
    assert_eq!(
        s.metadata_field("stratum").unwrap().values,
        vec!["urban", "rural"]
    );
    assert!((8..=12).contains(&s.pages.len()));
    // Every question type is used.
    for t in QuestionKind::TYPE_NAMES {
        assert!(s.questions().any(|q| q.type_name() == t), "no {t} question");
    }
    let governorates = s.question("governorate").unwrap().choices();
    assert_eq!(governorates.len(), 18);
    assert!(
        governorates
            .iter()
            .any(|c| c.code == "ninawa" && c.label.ar == "نينوى")
    );
    // The grid's items are answer keys, in page order.
    assert_eq!(
        &s.answer_keys()[..3],
        &["safe_day", "safe_night", "trust_police"]
    );
    assert_eq!(s.page_of("safe_night"), Some(0));
    assert_eq!(s.question_of("safe_night").unwrap().id, "safe");
    // Shared scale: scored by code, "don't know" non-substantive and unscored.
    let trust = s.question("trust_police").unwrap();
    assert_eq!(trust.choice("5").unwrap().score, Some(5.0));
    let dk = trust.choice("dk").unwrap();
    assert!(dk.non_substantive && dk.score.is_none());
    assert_eq!(trust.score_range(), Some((1.0, 5.0)));
    // Rating extra codes are non-substantive.
    let QuestionKind::Rating {
        min, max, extra, ..
    } = &s.question("satisfaction").unwrap().kind
    else {
        panic!("satisfaction is a rating")
    };
    assert_eq!((*min, *max), (0, 10));
    assert!(extra[0].non_substantive);
    // Randomised multiple choice with anchored "other" and exclusive "none".
    let services = s.question("services").unwrap();
    let none = services.choice("none").unwrap();
    assert!(none.exclusive && none.anchored);
    assert!(matches!(
        services.kind,
        QuestionKind::MultipleChoice {
            randomize: true,
            ..
        }
    ));
    // Defaults.
    assert!(s.question("contact").unwrap().required);
    assert!(!s.question("comment").unwrap().required);
    assert!(s.question("payment").unwrap().show_if.is_some());
    let ix = &s.indices[0];
    assert_eq!(ix.id, "security_index");
    assert_eq!(ix.items, vec!["safe_day", "safe_night", "trust_police"]);
    assert_eq!(ix.min_items, 2);
}

#[test]
fn composite_index_rescales_and_needs_min_items() {
    let (_, s) = example();
    let ix = &s.indices[0];
    let a = |pairs: &[(&str, &str)]| -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Answer::Value(v.to_string())))
            .collect()
    };
    // safe 1–4, trust 1–5: (100 + 0 + 50) / 3 = 50.
    let v = ix.value(
        &s,
        &a(&[
            ("safe_day", "4"),
            ("safe_night", "1"),
            ("trust_police", "3"),
        ]),
    );
    assert_eq!(v, Some(50.0));
    // "Don't know" is left out; two items remain.
    let v = ix.value(
        &s,
        &a(&[
            ("safe_day", "4"),
            ("safe_night", "dk"),
            ("trust_police", "5"),
        ]),
    );
    assert_eq!(v, Some(100.0));
    let v = ix.value(
        &s,
        &a(&[
            ("safe_day", "4"),
            ("safe_night", "dk"),
            ("trust_police", "dk"),
        ]),
    );
    assert_eq!(v, None);
}

#[test]
fn version_changes_with_any_byte() {
    let (src, s) = example();
    let edited = src.replacen("Very safe", "Very  safe", 1);
    let t = parse_str(&edited, Path::new("x.toml")).unwrap();
    assert_ne!(s.version, t.version);
}

#[test]
fn ids_codes_and_slugs() {
    assert!(is_valid_id("safe_day") && is_valid_id("q1"));
    assert!(!is_valid_id("1q") && !is_valid_id("Safe") && !is_valid_id("a-b") && !is_valid_id(""));
    assert!(!is_valid_id(&"a".repeat(41)) && is_valid_id(&"a".repeat(40)));
    assert!(is_valid_code("18-29") && is_valid_code("dk") && is_valid_code("5"));
    assert!(!is_valid_code("60+") && !is_valid_code("-x") && !is_valid_code("نعم"));
    assert!(is_valid_slug("citizen-security") && !is_valid_slug("citizen_security"));
}

#[test]
fn header_problems_do_not_hide_question_problems() {
    let src = r#"id = "Bad Id"
wave = "w1"
title = { ar = "ع" }

[[pages]]
id = "p"
[[pages.questions]]
id = "q"
type = "short_text"
text = { ar = "س", en = "Q" }
max_length = 0
"#;
    let got = problems(src);
    let lines: Vec<usize> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![1, 3, 11], "{got:?}");
    assert!(got[0].1.contains("survey id `Bad Id`"));
    assert!(got[1].1.contains("missing English text") && got[1].1.contains("survey title"));
    assert!(got[2].1.contains("max_length must be between 1 and 10000"));
}

#[test]
fn show_if_on_a_grid_must_name_an_item() {
    let src = format!(
        r#"{HEAD}
[[pages]]
id = "a"
[[pages.questions]]
id = "grid"
type = "likert_grid"
text = {{ ar = "ش", en = "G" }}
options = [{{ code = "1", ar = "١", en = "1" }}, {{ code = "2", ar = "٢", en = "2" }}]
items = [{{ id = "x", ar = "س", en = "X" }}, {{ id = "y", ar = "ص", en = "Y" }}]

[[pages]]
id = "b"
[[pages.questions]]
id = "q"
type = "short_text"
text = {{ ar = "س", en = "Q" }}
show_if = 'grid >= 2'
[[pages.questions]]
id = "r"
type = "short_text"
text = {{ ar = "س", en = "Q" }}
show_if = 'x >= 2 and y == 1 and not answered(x)'
"#
    );
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 20);
    assert!(
        got[0]
            .1
            .contains("names the grid `grid`; name one of its items instead: x, y")
    );
}

#[test]
fn impossible_values_per_question_type() {
    let src = format!(
        r#"{HEAD}
[[pages]]
id = "a"
[[pages.questions]]
id = "n"
type = "number"
text = {{ ar = "ع", en = "N" }}
integer = true
min = 0
max = 10
[[pages.questions]]
id = "r"
type = "rating"
text = {{ ar = "ع", en = "R" }}
min_label = {{ ar = "أ", en = "L" }}
max_label = {{ ar = "ب", en = "H" }}
extra = [{{ code = "dk", ar = "لا أعرف", en = "DK" }}]
[[pages.questions]]
id = "d"
type = "date"
text = {{ ar = "ع", en = "D" }}

[[pages]]
id = "b"
[[pages.questions]]
id = "ok"
type = "short_text"
text = {{ ar = "ع", en = "T" }}
show_if = 'n == 3 or r in [0, "dk", "10"] or d == "2026-01-01" or r > 4'
[[pages.questions]]
id = "bad1"
type = "short_text"
text = {{ ar = "ع", en = "T" }}
show_if = 'n == "three"'
[[pages.questions]]
id = "bad2"
type = "short_text"
text = {{ ar = "ع", en = "T" }}
show_if = 'n == 11 or n == 2.5'
[[pages.questions]]
id = "bad3"
type = "short_text"
text = {{ ar = "ع", en = "T" }}
show_if = 'r == 11 or r == "na"'
[[pages.questions]]
id = "bad4"
type = "short_text"
text = {{ ar = "ع", en = "T" }}
show_if = 'd == "soon" or d > 3'
"#
    );
    let got = problems(&src);
    let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(msgs.len(), 7, "{msgs:#?}");
    assert!(msgs[0].contains("`bad1`") && msgs[0].contains("can never equal \"three\""));
    assert!(msgs[1].contains("11 is outside the range allowed for `n`"));
    assert!(msgs[2].contains("whole numbers only"));
    assert!(msgs[3].contains("11 is not a possible answer to `r` (a rating from 0 to 10)"));
    assert!(msgs[4].contains("\"na\" is not a possible answer"));
    assert!(msgs[5].contains("\"soon\" is not a date"));
    assert!(msgs[6].contains("compares `d` with a number"));
}

#[test]
fn metadata_and_index_ids_must_not_clash_with_answer_keys() {
    let src = format!(
        r#"{HEAD}
[[metadata]]
id = "q"
label = {{ ar = "م", en = "M" }}
values = []

[[indices]]
id = "site"
label = {{ ar = "م", en = "I" }}
items = ["q"]
min_items = 3

[[metadata]]
id = "site"
label = {{ ar = "م", en = "M" }}

[[pages]]
id = "a"
[[pages.questions]]
id = "q"
type = "likert"
text = {{ ar = "ع", en = "L" }}
options = [{{ code = "1", ar = "١", en = "1" }}, {{ code = "agree", ar = "٢", en = "2" }}]
"#
    );
    let got = problems(&src);
    let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("metadata field `q` has the same id as a question")),
        "{msgs:#?}"
    );
    assert!(msgs.iter().any(|m| m.contains("empty `values` list")));
    assert!(
        msgs.iter()
            .any(|m| m.contains("index `site` has the same id"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("min_items must be between 1 and the number of items (1)"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("option `agree`") && m.contains("needs a `score`"))
    );
}

#[test]
fn choice_flags_only_where_they_apply() {
    let src = format!(
        r#"{HEAD}
[[pages]]
id = "a"
[[pages.questions]]
id = "s"
type = "single_choice"
text = {{ ar = "ع", en = "S" }}
options = [{{ code = "a", ar = "أ", en = "A", exclusive = true }}, {{ code = "b", ar = "ب", en = "B" }}]
[[pages.questions]]
id = "l"
type = "likert"
text = {{ ar = "ع", en = "L" }}
options = [{{ code = "1", ar = "أ", en = "A", anchored = true }}, {{ code = "2", ar = "ب", en = "B" }}, {{ code = "dk", ar = "ج", en = "C", non_substantive = true, score = 3 }}]
[[pages.questions]]
id = "r"
type = "rating"
text = {{ ar = "ع", en = "R" }}
min_label = {{ ar = "أ", en = "L" }}
max_label = {{ ar = "ب", en = "H" }}
extra = [{{ code = "99", ar = "لا أعرف", en = "DK" }}]
"#
    );
    let got = problems(&src);
    let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(msgs[0].contains("`exclusive`") && msgs[0].contains("only to multiple_choice"));
    assert!(msgs[1].contains("`anchored`"));
    assert!(msgs[2].contains("non-substantive and cannot have a score"));
    assert!(msgs[3].contains("extra code `99` looks like a number"));
}

#[test]
fn page_without_questions_and_missing_required_keys() {
    let src = format!(
        r#"{HEAD}
[[pages]]
id = "a"

[[pages]]
id = "b"
[[pages.questions]]
id = "c"
type = "single_choice"
text = {{ ar = "ع", en = "C" }}
[[pages.questions]]
id = "g"
type = "likert_grid"
text = {{ ar = "ع", en = "G" }}
scale = "nope"
[[pages.questions]]
id = "t"
type = "rating"
text = {{ ar = "ع", en = "R" }}
min = 1.5
"#
    );
    let got = problems(&src);
    let msgs: Vec<String> = got.iter().map(|(l, m)| format!("{l}: {m}")).collect();
    let expect = [
        "6: page `a` has no questions",
        "11: question `c` needs `options`",
        "18: question `g` uses unknown scale `nope`",
        "15: question `g` is a likert_grid and needs `items`",
        "20: question `t` is a rating and needs `min_label`",
        "20: question `t` is a rating and needs `max_label`",
        "23: question `t`: `min` of a rating must be a whole number",
    ];
    for e in expect {
        assert!(
            msgs.iter().any(|m| m.starts_with(e)),
            "missing {e}: {msgs:#?}"
        );
    }
}

#[test]
fn the_example_in_the_format_docs_is_valid() {
    let doc = include_str!("../../docs/survey-format.md");
    let start = doc.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let s = match parse_str(&doc[start..end], Path::new("docs/survey-format.md")) {
        Ok(s) => s,
        Err(r) => panic!("{r}"),
    };
    assert_eq!(s.id, "police-visit");
    assert_eq!(
        s.answer_keys(),
        vec![
            "police_fair",
            "police_quick",
            "visited",
            "wait_minutes",
            "comment"
        ]
    );
}

/// A survey with `pages` pages of `per_page` short-text questions, and one single choice
/// with `options` options.
fn generated(pages: usize, per_page: usize, options: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("\n[[pages]]\nid = \"choice\"\n[[pages.questions]]\nid = \"pick\"\n");
    s.push_str("type = \"single_choice\"\ntext = { ar = \"ع\", en = \"Q\" }\noptions = [\n");
    for i in 0..options {
        s.push_str(&format!(
            "  {{ code = \"o{i}\", ar = \"خ\", en = \"O\" }},\n"
        ));
    }
    s.push_str("]\n");
    for p in 0..pages {
        s.push_str(&format!("\n[[pages]]\nid = \"p{p}\"\n"));
        for q in 0..per_page {
            s.push_str(&format!(
                "[[pages.questions]]\nid = \"q{p}_{q}\"\ntype = \"short_text\"\ntext = {{ ar = \"ع\", en = \"Q\" }}\n"
            ));
        }
    }
    s
}

#[test]
fn size_limits() {
    assert!(problems(&generated(99, 3, 200)).is_empty());
    let too_many_pages = problems(&generated(100, 1, 2));
    assert!(
        too_many_pages
            .iter()
            .any(|(_, m)| m.contains("101 pages; at most 100")),
        "{too_many_pages:?}"
    );
    let too_many_questions = problems(&generated(10, 30, 2));
    assert!(
        too_many_questions
            .iter()
            .any(|(_, m)| m.contains("301 questions and grid items; at most 300")),
        "{too_many_questions:?}"
    );
    let too_many_options = problems(&generated(1, 1, 201));
    assert_eq!(too_many_options.len(), 1, "{too_many_options:?}");
    assert_eq!(too_many_options[0].0, 11);
    assert!(too_many_options[0].1.contains("201 options; at most 200"));
    let big = format!("{HEAD}# {}\n", "x".repeat(limits::FILE_BYTES));
    let too_big = problems(&big);
    assert_eq!(too_big.len(), 1);
    assert!(too_big[0].1.contains("at most 1048576 bytes"));
}

/// One page with one question whose extra keys are `body`.
fn one_question(kind: &str, body: &str) -> String {
    format!(
        "{HEAD}\n[[pages]]\nid = \"p\"\n[[pages.questions]]\nid = \"q\"\ntype = \"{kind}\"\ntext = {{ ar = \"ع\", en = \"Q\" }}\n{body}\n"
    )
}

const LABELS: &str =
    "min_label = { ar = \"أ\", en = \"A\" }\nmax_label = { ar = \"ب\", en = \"B\" }";

#[test]
fn rating_bounds_are_small_whole_numbers() {
    // i64::MAX used to overflow `max - min + 1` and pass; the page then panicked.
    for (min, max) in [
        ("0", "9223372036854775807"),
        ("-9223372036854775808", "9223372036854775807"),
        ("9223372036854775800", "9223372036854775807"),
        ("90", "101"),
        ("0", "100"),
        ("-1", "5"),
        ("3", "3"),
    ] {
        let got = problems(&one_question(
            "rating",
            &format!("min = {min}\nmax = {max}\n{LABELS}"),
        ));
        assert_eq!(got.len(), 1, "{min}..{max}: {got:?}");
        assert!(
            got[0].1.contains("rating bounds")
                && got[0].1.contains("0 ≤ min < max ≤ 100")
                && got[0].1.contains("at most 21 points"),
            "{got:?}"
        );
    }
    for (min, max) in [("0", "10"), ("1", "5"), ("80", "100"), ("0", "20")] {
        let src = one_question("rating", &format!("min = {min}\nmax = {max}\n{LABELS}"));
        assert!(
            problems(&src).is_empty(),
            "{min}..{max}: {:?}",
            problems(&src)
        );
    }
}

#[test]
fn number_bounds_and_scores_are_exact_numbers() {
    for bound in [
        "9223372036854775807",
        "1e16",
        "-1.5e300",
        "-9223372036854775808",
    ] {
        let got = problems(&one_question("number", &format!("max = {bound}")));
        assert_eq!(got.len(), 1, "{bound}: {got:?}");
        assert!(
            got[0]
                .1
                .contains("`max` must be between -1000000000000000 and 1000000000000000"),
            "{got:?}"
        );
    }
    assert!(
        problems(&one_question(
            "number",
            "min = -1e15\nmax = 1000000000000000"
        ))
        .is_empty()
    );
    let scored = one_question(
        "likert",
        "options = [{ code = \"a\", ar = \"أ\", en = \"A\", score = 1e300 }, { code = \"b\", ar = \"ب\", en = \"B\", score = 2 }]",
    );
    let got = problems(&scored);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].1.contains("score of option `a`"), "{got:?}");
    assert!(
        got[0]
            .1
            .contains("between -1000000000000000 and 1000000000000000"),
        "{got:?}"
    );
}

#[test]
fn codes_that_read_as_infinite_or_huge_numbers_are_not_scores() {
    let scale = |a: &str, b: &str| {
        one_question(
            "likert",
            &format!(
                "options = [{{ code = \"{a}\", ar = \"أ\", en = \"A\" }}, {{ code = \"{b}\", ar = \"ب\", en = \"B\" }}]"
            ),
        )
    };
    for (a, b, words) in [
        (
            "1",
            "inf",
            "`inf` in question `q` reads as a number that is not finite",
        ),
        (
            "nan",
            "2",
            "`nan` in question `q` reads as a number that is not finite",
        ),
        (
            "1",
            "infinity",
            "`infinity` in question `q` reads as a number that is not finite",
        ),
        ("1", &"9".repeat(20), "needs a `score` (or a numeric code)"),
    ] {
        let got = problems(&scale(a, b));
        assert!(
            got.iter().any(|(_, m)| m.contains(words)),
            "{a}, {b}: {got:?}"
        );
    }
    assert!(problems(&scale("1", "2")).is_empty());
}

#[test]
fn scales_are_named_by_ids_and_counted() {
    let bad_name = format!(
        "{HEAD}\n[scales]\n\"Agree 5!\" = [{{ code = \"1\", ar = \"أ\", en = \"A\" }}, {{ code = \"2\", ar = \"ب\", en = \"B\" }}]\n{}",
        &one_question("likert", "scale = \"Agree 5!\"")[HEAD.len()..]
    );
    let got = problems(&bad_name);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 6);
    assert!(
        got[0].1.contains("scale name `Agree 5!` is not a valid id"),
        "{got:?}"
    );

    let mut many = format!("{HEAD}\n[scales]\n");
    for i in 0..=limits::SCALES {
        many.push_str(&format!(
            "s{i} = [{{ code = \"1\", ar = \"أ\", en = \"A\" }}, {{ code = \"2\", ar = \"ب\", en = \"B\" }}]\n"
        ));
    }
    many.push_str(&one_question("likert", "scale = \"s0\"")[HEAD.len()..]);
    let got = problems(&many);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].1.contains("51 scales declared; at most 50"),
        "{got:?}"
    );
}

#[test]
fn index_items_are_counted() {
    let mut src = one_question("rating", LABELS);
    let items: Vec<String> = (0..=limits::OPTIONS).map(|_| "\"q\"".to_string()).collect();
    src = src.replacen(
        "\n[[pages]]",
        &format!(
            "\n[[indices]]\nid = \"ix\"\nlabel = {{ ar = \"م\", en = \"I\" }}\nitems = [{}]\n\n[[pages]]",
            items.join(", ")
        ),
        1,
    );
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].1.contains("index `ix` has 201 items; at most 200"),
        "{got:?}"
    );
}

#[test]
fn a_flood_of_problems_is_cut_short_quickly() {
    // 15,000 bad option codes: every one used to be reported, each by counting lines from
    // the start of the file (quadratic).
    let options: String = (0..15_000)
        .map(|i| format!("  {{ code = \"Bad {i}\", ar = \"أ\", en = \"A\" }},\n"))
        .collect();
    let src = one_question("single_choice", &format!("options = [\n{options}]"));
    let started = std::time::Instant::now();
    let got = problems(&src);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(got.len(), limits::PROBLEMS + 1, "{}", got.len());
    assert!(
        got[0].1.contains("15000 options; at most 200"),
        "{:?}",
        got[0]
    );
    let last = &got[limits::PROBLEMS].1;
    assert!(
        last.contains("more problems in this file are not shown"),
        "{last}"
    );
}

#[test]
fn values_quoted_in_messages_are_short_and_printable() {
    let long_id = "Q".repeat(100_000);
    let src = one_question("short_text", "").replace("id = \"q\"", &format!("id = \"{long_id}\""));
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{}", got.len());
    assert!(got[0].1.len() < 400, "{}", got[0].1.len());
    assert!(
        got[0].1.contains("`QQQQ") && got[0].1.contains("…`"),
        "{}",
        got[0].1
    );

    // A terminal escape in an id is shown escaped, never sent to the terminal.
    let src = one_question("short_text", "").replace("id = \"q\"", "id = \"\\u001b[2Jx\"");
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(!got[0].1.contains('\u{1b}'), "{got:?}");
    assert!(got[0].1.contains("\\u{1b}[2Jx"), "{got:?}");

    // Nor can a right-to-left override reorder the line it is printed on.
    let src = one_question("short_text", "").replace("id = \"q\"", "id = \"\\u202Eabc\"");
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(!got[0].1.contains('\u{202e}'), "{got:?}");
    assert!(got[0].1.contains("`\\u{202e}abc`"), "{got:?}");
}

#[test]
fn deep_nesting_is_a_problem_not_a_stack_overflow() {
    for src in [
        format!(
            "{HEAD}x = {}1{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(
            "{HEAD}x = {}1{}\n",
            "{a=".repeat(50_000),
            "}".repeat(50_000)
        ),
        format!("{HEAD}{} = 1\n", vec!["a"; 100_000].join(".")),
    ] {
        let got = problems(&src);
        assert!(!got.is_empty());
    }
}

/// Problems as `line: message`, for readable assertions.
fn lines_of(src: &str) -> Vec<String> {
    problems(src)
        .into_iter()
        .map(|(l, m)| format!("{l}: {m}"))
        .collect()
}

#[test]
fn every_structure_problem_of_a_table_is_reported_at_once() {
    // The header: a missing key, a wrong type and an unknown key.
    let src = r#"id = "t"
title = { ar = "ع", en = "T" }
sources = "sms"
colour = 1

[[pages]]
id = "p"
[[pages.questions]]
id = "q"
type = "short_text"
text = { ar = "ع", en = "Q" }
"#;
    let got = lines_of(src);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].starts_with("1: missing key `wave`"), "{got:#?}");
    assert!(
        got[1].starts_with("3: wrong type for `sources`: expected an array of strings"),
        "{got:#?}"
    );
    assert!(got[1].ends_with("found the string \"sms\""), "{got:#?}");
    assert!(got[2].starts_with("4: unknown key `colour`; expected one of `id`, `wave`"));

    // One question: a misspelt key, three wrong types (one inside its text, one inside an
    // option) and a bad option code; the rest of the question is still checked.
    let src = one_question(
        "single_choice",
        r#"requried = true
randomize = "yes"
hint = "help"
options = [
  { code = "a", ar = 1, en = "A" },
  { code = "B", ar = "ب", en = "B", anchored = "yes" },
]"#,
    );
    let got = lines_of(&src);
    let expect = [
        "11: question `q`: unknown key `requried`; did you mean `required`?",
        "12: question `q`: wrong type for `randomize`: expected a boolean (true or false, without quotes), found the string \"yes\"",
        "13: question `q`: wrong type for `hint`: expected a text { ar = \"…\", en = \"…\" }, found the string \"help\"",
        "15: option `a` of question `q`: wrong type for `ar`: expected a string in quotes, found the whole number 1",
        "16: option code `B` in question `q` is not valid",
        "16: option `B` of question `q`: wrong type for `anchored`: expected a boolean",
    ];
    for e in expect {
        assert!(
            got.iter().any(|m| m.starts_with(e)),
            "missing {e}: {got:#?}"
        );
    }
    // The Arabic label of `a` is wrong, not missing: reported once.
    assert_eq!(got.len(), expect.len(), "{got:#?}");
}

#[test]
fn a_wrongly_typed_key_is_not_reported_again_as_missing() {
    for (kind, body, key) in [
        ("single_choice", "options = \"yes, no\"", "options"),
        ("likert", "scale = 5", "scale"),
        ("likert_grid", "scale = \"s\"\nitems = \"a, b\"", "items"),
        (
            "rating",
            "min_label = \"low\"\nmax_label = { ar = \"ب\", en = \"B\" }",
            "min_label",
        ),
    ] {
        let got = lines_of(&one_question(kind, body));
        let about: Vec<&String> = got.iter().filter(|m| m.contains(key)).collect();
        assert_eq!(about.len(), 1, "{kind}: {got:#?}");
        assert!(
            about[0].contains(&format!("wrong type for `{key}`")),
            "{got:#?}"
        );
    }
    let text = one_question("short_text", "").replace(
        "text = { ar = \"ع\", en = \"Q\" }",
        "text = { ar = \"ع\", en = false, fr = \"Q\" }",
    );
    let got = lines_of(&text);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got[0].contains("wrong type for `text.en`: expected a string"),
        "{got:#?}"
    );
    assert!(
        got[1].contains("unknown key `text.fr`; did you mean `text.ar`?")
            || got[1].contains("unknown key `text.fr`"),
        "{got:#?}"
    );
}

#[test]
fn an_unclosed_string_names_the_line_where_it_starts() {
    // At the end of a line.
    let src = HEAD.replace("wave = \"w1\"", "wave = \"w1");
    let got = lines_of(&format!("{src}\n[[pages]]\nid = \"p\"\n"));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("2: TOML syntax error: unclosed string: the `\"` at column 8 opens a string that is not closed on this line"),
        "{got:#?}"
    );
    // Swallowing the next quote of its line (the parser sees a missing comma).
    let src = one_question(
        "single_choice",
        "options = [\n  { code = \"a\", ar = \"أ, en = \"A\" },\n]",
    );
    let got = lines_of(&src);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("12: TOML syntax error: unclosed string"),
        "{got:#?}"
    );
    // A literal string.
    let got = lines_of(&HEAD.replace("id = \"t\"", "id = 't"));
    assert!(
        got[0].starts_with("1: TOML syntax error: unclosed string: the `'`"),
        "{got:#?}"
    );
    // A multi-line string never closed: the line where it starts, not the end of the file.
    let src = format!("{HEAD}intro.ar = \"\"\"نص\n\n[[pages]]\nid = \"p\"\n");
    let got = lines_of(&src);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("4: TOML syntax error: unclosed string: the `\"\"\"` at column 12 starts a multi-line string that is never closed"),
        "{got:#?}"
    );
    // Quotes in comments and closed strings with escapes are not strings left open.
    let src = one_question(
        "short_text",
        "# don't \"\nhint = { ar = \"\\\"ع\\\" \\\\\", en = 'say \"hi\"' }",
    );
    assert!(lines_of(&src).is_empty(), "{:#?}", lines_of(&src));
}

#[test]
fn other_syntax_errors_say_what_they_are() {
    let got = lines_of(&format!("{HEAD}x = = 1\n"));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with("4: TOML syntax error: "), "{got:#?}");
    assert!(!got[0].contains("unclosed"), "{got:#?}");
}

mod never_panics {
    use super::*;
    use crate::survey::answers;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static EXAMPLE: LazyLock<Survey> = LazyLock::new(|| example().1);

    /// The example survey and every broken fixture: the seeds that mutations start from.
    static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("surveys/citizen-security.toml")];
        let mut broken: Vec<PathBuf> = std::fs::read_dir(root.join("tests/data/surveys-broken"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        broken.sort();
        files.extend(broken);
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    });

    /// Numbers a hostile or careless file might hold in place of any number.
    const EDGE_NUMBERS: &[&str] = &[
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999",
        "0",
        "-1",
        "101",
        "1e308",
        "-1e308",
        "5e-324",
        "nan",
        "inf",
        "-0",
        "1_000",
        "0x7fffffffffffffff",
    ];

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(usize, u8),
        Truncate(usize),
        Delete(usize, usize),
        Duplicate(usize, usize),
        Insert(usize, String),
        /// Replaces the n-th number of the file with an edge value.
        Number(usize, &'static str),
        /// Replaces the value of the n-th bound (`min = `, `max = `, `score = `…).
        Bound(usize, &'static str),
    }

    const BOUND_KEYS: &[&str] = &[
        "min = ",
        "max = ",
        "max_length = ",
        "min_items = ",
        "score = ",
    ];
    /// The values a bound is replaced with: the largest and smallest integers TOML has, and
    /// what sits just outside the limits.
    const BOUND_VALUES: &[&str] = &[
        "9223372036854775807",
        "-9223372036854775808",
        "0",
        "-1",
        "101",
        "1e308",
        "nan",
    ];

    fn mutation() -> impl Strategy<Value = Mutation> {
        let inserted = prop_oneof![
            (1usize..3000).prop_map(|n| "[".repeat(n)),
            (1usize..2000).prop_map(|n| "{a=".repeat(n)),
            (1usize..2000).prop_map(|n| format!("{}= 1\n", vec!["a"; n].join("."))),
            prop::sample::select(EDGE_NUMBERS).prop_map(|n| format!("\nmax = {n}\n")),
            Just("\n[[pages]]\n".to_string()),
            Just("\n[[pages.questions]]\n".to_string()),
            Just("\nshow_if = '".to_string() + &"(".repeat(60) + "'\n"),
            Just("\u{0}\u{1b}\u{202e}\u{feff}".to_string()),
            "\\PC{0,20}",
        ];
        prop_oneof![
            1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            1 => any::<usize>().prop_map(Mutation::Truncate),
            1 => (any::<usize>(), 0usize..200).prop_map(|(i, n)| Mutation::Delete(i, n)),
            1 => (any::<usize>(), 0usize..2000).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
            1 => (any::<usize>(), inserted).prop_map(|(i, s)| Mutation::Insert(i, s)),
            1 => (any::<usize>(), prop::sample::select(EDGE_NUMBERS))
                .prop_map(|(i, n)| Mutation::Number(i, n)),
            3 => (any::<usize>(), prop::sample::select(BOUND_VALUES))
                .prop_map(|(i, n)| Mutation::Bound(i, n)),
        ]
    }

    fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= b | 1;
            }
            Mutation::Flip(..) => {}
            Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
            Mutation::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Duplicate(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                let copy = bytes[i..end].to_vec();
                bytes.splice(i..i, copy);
            }
            Mutation::Insert(i, s) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, s.bytes());
            }
            Mutation::Number(n, value) => {
                let mut runs = Vec::new();
                let mut j = 0;
                while j < bytes.len() {
                    if bytes[j].is_ascii_digit() {
                        let start = j;
                        while j < bytes.len() && bytes[j].is_ascii_digit() {
                            j += 1;
                        }
                        runs.push(start..j);
                    } else {
                        j += 1;
                    }
                }
                if !runs.is_empty() {
                    let r = runs[n % runs.len()].clone();
                    bytes.splice(r, value.bytes());
                }
            }
            Mutation::Bound(n, value) => {
                let mut at: Vec<usize> = Vec::new();
                for key in BOUND_KEYS {
                    let k = key.as_bytes();
                    at.extend(
                        (0..bytes.len().saturating_sub(k.len()))
                            .filter(|&i| &bytes[i..i + k.len()] == k)
                            .map(|i| i + k.len()),
                    );
                }
                if !at.is_empty() {
                    let start = at[n % at.len()];
                    let end = (start..bytes.len())
                        .find(|&i| matches!(bytes[i], b' ' | b',' | b'}' | b'\n' | b'\r'))
                        .unwrap_or(bytes.len());
                    bytes.splice(start..end, value.bytes());
                }
            }
        }
    }

    /// A posted value: any text, or one shaped like what the fields expect, or hostile.
    fn posted_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,12}",
            "[-−0-9٠-٩۰-۹.,٫ \u{200e}\u{200f}\u{061c}]{0,45}",
            "[0-9٠-٩]{1,5}[-/][0-9٠-٩]{1,2}[-/][0-9٠-٩]{1,2}",
            "[\u{0}-\u{1f}\u{7f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}a-z= ]{0,12}",
            prop::sample::select(EDGE_NUMBERS).prop_map(str::to_string),
            (0usize..400).prop_map(|i| format!("#code{i}")),
            Just("ي".repeat(10_001)),
            Just(String::new()),
        ]
    }

    fn posted_pairs() -> impl Strategy<Value = Vec<(usize, String)>> {
        proptest::collection::vec((0usize..400, posted_value()), 0..12)
    }

    /// Turns generated pairs into a posted form of `survey`: key indices name its answer keys
    /// (or two foreign keys), `#codeN` markers become one of its option codes.
    fn posted_form(survey: &Survey, pairs: &[(usize, String)]) -> Vec<(String, String)> {
        let keys = survey.answer_keys();
        let codes: Vec<&str> = survey
            .questions()
            .flat_map(|q| q.choices().iter().map(|c| c.code.as_str()))
            .collect();
        pairs
            .iter()
            .map(|(k, v)| {
                let key = match keys.get(k % (keys.len() + 2)) {
                    Some(key) => key.to_string(),
                    None if k % 2 == 0 => "csrf".to_string(),
                    None => "zz".to_string(),
                };
                let value = match v.strip_prefix("#code") {
                    Some(n) if !codes.is_empty() => {
                        codes[n.parse::<usize>().unwrap_or(0) % codes.len()].to_string()
                    }
                    _ => v.clone(),
                };
                (key, value)
            })
            .collect()
    }

    /// Everything a respondent can reach without a server: each page read from the posted
    /// form, rendered with what was posted and its errors, the answers kept, the final check,
    /// the navigation and the check-answers labels.
    fn exercise(survey: &Survey, posted: &[(String, String)], seed: u64) {
        use crate::web::views::question::{
            PageForm, filled_from_answers, filled_from_posted, shown_answer,
        };
        let mut kept = Answers::new();
        for (i, page) in survey.pages.iter().enumerate() {
            let result = answers::read_page(survey, i, posted, &kept);
            for (lang, for_interviewer) in [(Lang::Ar, false), (Lang::En, true)] {
                let errors: std::collections::BTreeMap<String, String> = match &result {
                    Ok(_) => Default::default(),
                    Err(es) => es
                        .iter()
                        .map(|e| (e.key.clone(), e.message.get(lang).to_string()))
                        .collect(),
                };
                let filled = filled_from_posted(posted);
                let form = PageForm {
                    survey,
                    page,
                    answers: &kept,
                    filled: &filled,
                    errors: &errors,
                    seed,
                    lang,
                    for_interviewer,
                };
                let _ = form.heading();
                let _ = form.fields().into_string();
            }
            if let Ok(got) = result {
                for (key, a) in &got {
                    let q = survey.question_of(key).unwrap();
                    assert!(answers::check_answer(q, a).is_ok(), "{key}: {a:?}");
                    for lang in [Lang::Ar, Lang::En] {
                        let _ = answers::answer_label(survey, key, a, lang);
                        let _ = shown_answer(survey, q, key, a, lang);
                    }
                }
                kept.extend(got);
            }
            let _ = answers::next_page(survey, Some(i), &kept);
            let _ = answers::prev_page(survey, i, &kept);
        }
        let filled = filled_from_answers(survey, &kept, Lang::Ar);
        assert!(filled.len() <= kept.len());
        answers::prune_hidden(survey, &mut kept);
        let _ = answers::check_complete(survey, &kept);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn on_any_file_text(src in "\\PC{0,300}") {
            let _ = parse_str(&src, Path::new("any.toml"));
        }

        /// The example and the broken fixtures, mutated: byte flips, truncations, deletions,
        /// repeats, deep nesting, huge and odd numbers. A file that still loads is then
        /// answered with a random form, page by page, and every page is rendered.
        #[test]
        fn on_mutated_survey_files(
            seed_file in any::<usize>(),
            mutations in proptest::collection::vec(mutation(), 1..4),
            pairs in posted_pairs(),
            seed in any::<u64>(),
        ) {
            let mut bytes = SEEDS[seed_file % SEEDS.len()].clone();
            for m in &mutations {
                mutate(&mut bytes, m);
            }
            let src = String::from_utf8_lossy(&bytes);
            if let Ok(survey) = parse_str(&src, Path::new("mutated.toml")) {
                let posted = posted_form(&survey, &pairs);
                exercise(&survey, &posted, seed);
            }
        }

        /// Random forms on the example: codes, Arabic and Persian digits, huge numbers,
        /// control and bidi characters, dates, over-long texts, foreign keys.
        #[test]
        fn on_any_posted_form_rendered(pairs in posted_pairs(), seed in any::<u64>()) {
            let posted = posted_form(&EXAMPLE, &pairs);
            exercise(&EXAMPLE, &posted, seed);
        }

        #[test]
        fn on_any_condition(src in "[a-z_ ()\\[\\],=!<>\"'0-9.-]{0,80}") {
            let _ = crate::survey::condition::parse(&src);
        }

        #[test]
        fn on_any_posted_form(
            page in 0usize..14,
            pairs in proptest::collection::vec(
                (
                    prop::sample::select(vec![
                        "safe_day", "trust_police", "contact", "satisfaction", "wait_minutes",
                        "last_visit", "services", "comment", "governorate", "zz",
                    ]),
                    "\\PC{0,12}",
                ),
                0..8,
            ),
        ) {
            let s = &*EXAMPLE;
            let posted: Vec<(String, String)> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let mut before = Answers::new();
            before.insert("contact".into(), Answer::Value("yes".into()));
            if let Ok(got) = answers::read_page(s, page, &posted, &before) {
                // Whatever was accepted passes the final per-answer check too.
                for (key, a) in &got {
                    let q = s.question_of(key).unwrap();
                    prop_assert!(answers::check_answer(q, a).is_ok());
                }
            }
        }
    }

    proptest! {
        // Each case is a one-question file: cheap, so many of them.
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Any whole or decimal number as a bound of every question type that has one.
        #[test]
        fn on_any_bounds(
            kind in prop::sample::select(vec!["rating", "number", "short_text", "long_text"]),
            lo in prop_oneof![Just(0i64), -3i64..120, any::<i64>(), Just(i64::MIN)],
            hi in prop_oneof![Just(i64::MAX), -3i64..120, any::<i64>(), Just(i64::MIN)],
            float in prop::bool::weighted(0.2),
            pairs in posted_pairs(),
        ) {
            let n = |v: i64| if float { format!("{}.5", v / 2) } else { v.to_string() };
            let body = match kind {
                "rating" => format!("min = {}\nmax = {}\n{LABELS}", n(lo), n(hi)),
                "number" => format!("min = {}\nmax = {}", n(lo), n(hi)),
                _ => format!("max_length = {}", n(hi)),
            };
            if let Ok(survey) = parse_str(&one_question(kind, &body), Path::new("b.toml")) {
                let posted = posted_form(&survey, &pairs);
                exercise(&survey, &posted, 7);
            }
        }
    }
}

#[test]
fn an_interviewer_instruction_is_read_in_both_languages() {
    let src = one_question(
        "short_text",
        "interviewer = { ar = \"  اقرأ الخيارات بصوت عالٍ \", en = \"Read the options aloud\" }",
    );
    let s = parse_str(&src, Path::new("t.toml")).unwrap_or_else(|r| panic!("{r}"));
    let q = s.question("q").unwrap();
    let note = q
        .interviewer_note
        .as_ref()
        .expect("the instruction is kept");
    assert_eq!(note.ar, "اقرأ الخيارات بصوت عالٍ", "trimmed like every text");
    assert_eq!(note.en, "Read the options aloud");
    // Every question type takes one; without it there is none.
    for kind in QuestionKind::TYPE_NAMES {
        let body = match kind {
            "single_choice" | "multiple_choice" | "likert" => {
                "options = [{ code = \"1\", ar = \"أ\", en = \"A\" }, { code = \"2\", ar = \"ب\", en = \"B\" }]"
                    .to_string()
            }
            "likert_grid" => "options = [{ code = \"1\", ar = \"أ\", en = \"A\" }, { code = \"2\", ar = \"ب\", en = \"B\" }]\nitems = [{ id = \"i1\", ar = \"ع\", en = \"I\" }]".to_string(),
            "rating" => LABELS.to_string(),
            _ => String::new(),
        };
        let with =
            format!("{body}\ninterviewer = {{ ar = \"أظهر البطاقة ٢\", en = \"Show card 2\" }}");
        let s = parse_str(&one_question(kind, &with), Path::new("t.toml"))
            .unwrap_or_else(|r| panic!("{kind}: {r}"));
        assert_eq!(
            s.question("q")
                .unwrap()
                .interviewer_note
                .as_ref()
                .map(|t| t.en.as_str()),
            Some("Show card 2"),
            "{kind}"
        );
        let s = parse_str(&one_question(kind, &body), Path::new("t.toml"))
            .unwrap_or_else(|r| panic!("{kind}: {r}"));
        assert!(
            s.question("q").unwrap().interviewer_note.is_none(),
            "{kind}"
        );
    }
}

#[test]
fn an_interviewer_instruction_is_checked_like_a_hint() {
    // Lines: 11 is the first key after `text` in `one_question`.
    let cases = [
        (
            "interviewer = { ar = \"اقرأ\" }",
            "11: missing English text (`en`) for the interviewer instruction of question `q`; every text needs Arabic and English",
        ),
        (
            "interviewer = { ar = \"  \", en = \"Read\" }",
            "11: empty Arabic text (`ar`) for the interviewer instruction of question `q`",
        ),
        (
            "interviewer = \"Read the options aloud\"",
            "11: question `q`: wrong type for `interviewer`: expected a text { ar = \"…\", en = \"…\" }, found the string \"Read the options aloud\"",
        ),
        (
            "interviewer = { ar = \"اقرأ\", en = \"Read\", fr = \"Lire\" }",
            "11: question `q`: unknown key `interviewer.fr`",
        ),
        (
            "interviewr = { ar = \"اقرأ\", en = \"Read\" }",
            "11: question `q`: unknown key `interviewr`; did you mean `interviewer`?",
        ),
    ];
    for (body, want) in cases {
        let got = lines_of(&one_question("short_text", body));
        assert!(
            got.iter().any(|m| m.starts_with(want)),
            "{body}: want {want}: {got:#?}"
        );
        assert_eq!(got.len(), 1, "{body}: one problem: {got:#?}");
    }
    let long = "ع".repeat(limits::TEXT_CHARS + 1);
    let got = lines_of(&one_question(
        "short_text",
        &format!("interviewer = {{ ar = \"{long}\", en = \"Read\" }}"),
    ));
    assert!(
        got.iter().any(|m| m.starts_with("11: ") && m.contains("interviewer instruction of question `q`")),
        "{got:#?}"
    );
    // An unknown key of a question lists `interviewer` among the keys every question takes.
    let got = lines_of(&one_question("short_text", "colour = 1"));
    assert!(
        got[0].contains("`hint`, `interviewer`, `required`"),
        "{got:#?}"
    );
}

#[test]
fn the_example_shows_interviewers_how_to_ask_a_few_questions() {
    let (_, s) = example();
    let noted: Vec<&str> = s
        .questions()
        .filter(|q| q.interviewer_note.is_some())
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(noted, ["safe", "satisfaction", "governorate"]);
    let card = s
        .question("satisfaction")
        .unwrap()
        .interviewer_note
        .as_ref()
        .unwrap();
    assert!(card.en.starts_with("Show card 1") && card.ar.starts_with("أظهر البطاقة ١"));
}

#[test]
fn no_question_takes_the_name_of_an_export_column() {
    for id in ["mode", "interviewer", "site_ar", "lang", "channel"] {
        let src = one_question("short_text", "").replace("id = \"q\"", &format!("id = \"{id}\""));
        let got = lines_of(&src);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].starts_with(&format!(
                "8: id `{id}` is the name of a column of every export (response_id,"
            )),
            "{got:#?}"
        );
    }
    // A grid item too.
    let got = lines_of(&one_question(
        "likert_grid",
        "options = [{ code = \"1\", ar = \"أ\", en = \"A\" }, { code = \"2\", ar = \"ب\", en = \"B\" }]\nitems = [{ id = \"site\", ar = \"ع\", en = \"I\" }]",
    ));
    assert!(
        got.iter()
            .any(|m| m.contains("id `site` is the name of a column")),
        "{got:#?}"
    );
    // A metadata field may be a stamp (that column), never a fixed column.
    let with_meta = |id: &str| {
        format!(
            "{HEAD}[[metadata]]\nid = \"{id}\"\nlabel = {{ ar = \"ع\", en = \"M\" }}\n\n[[pages]]\nid = \"p\"\n[[pages.questions]]\nid = \"q\"\ntype = \"short_text\"\ntext = {{ ar = \"ع\", en = \"Q\" }}\n"
        )
    };
    for id in [
        "site",
        "site_ar",
        "mode",
        "interviewer",
        "stratum",
        "cluster",
    ] {
        assert!(problems(&with_meta(id)).is_empty(), "{id}");
    }
    let got = lines_of(&with_meta("source"));
    assert!(
        got.iter()
            .any(|m| m.starts_with("5: metadata field `source` has the name of a fixed column")),
        "{got:#?}"
    );
}
