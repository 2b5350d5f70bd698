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

mod never_panics {
    use super::*;
    use crate::survey::answers;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static EXAMPLE: LazyLock<Survey> = LazyLock::new(|| example().1);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn on_any_file_text(src in "\\PC{0,300}") {
            let _ = parse_str(&src, Path::new("any.toml"));
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
}
