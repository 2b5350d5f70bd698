//! `mizan import xlsform`: a form written the way KoboToolbox users write them, in Arabic and
//! English (start/end metadata rows, a welcome note, groups, relevant, constraint ranges, a
//! geopoint, an `or_other`), converted, reported row by row, loaded and served.

mod browser;
mod common;

use browser::Browser;
use common::{TestServer, mizan};
use mizan::survey::{QuestionKind, condition, parse_str};
use rust_xlsxwriter::Workbook;
use std::path::Path;

const SURVEY: &[&[&str]] = &[
    &[
        "type",
        "name",
        "label::Arabic (ar)",
        "label::English (en)",
        "hint::Arabic (ar)",
        "hint::English (en)",
        "required",
        "relevant",
        "constraint",
    ],
    &["start", "start"],
    &["end", "end"],
    &[
        "note",
        "welcome",
        "مرحبًا، هذا الاستبيان مجهول الهوية.",
        "Welcome, this survey is anonymous.",
    ],
    &[
        "select_one yes_no",
        "visited",
        "هل راجعت مركز شرطة هذا العام؟",
        "Have you visited a police station this year?",
        "",
        "",
        "yes",
    ],
    &[
        "begin_group",
        "visit",
        "عن زيارتك",
        "About your visit",
        "",
        "",
        "",
        "${visited} = 'yes'",
    ],
    &[
        "integer",
        "wait",
        "كم دقيقة انتظرت؟",
        "How many minutes did you wait?",
        "بالدقائق",
        "In minutes",
        "yes",
        "",
        ". >= 0 and . <= 600",
    ],
    &[
        "select_multiple services",
        "services",
        "ما الخدمات التي طلبتها؟",
        "Which services did you ask for?",
        "",
        "",
        "false",
    ],
    &[
        "text",
        "other_service",
        "ما الخدمة الأخرى؟",
        "Which other service?",
        "",
        "",
        "",
        "selected(${services}, 'other')",
    ],
    &["end_group"],
    &[
        "integer",
        "age",
        "كم عمرك؟",
        "How old are you?",
        "",
        "",
        "yes",
        "",
        ". >= 18 and . <= 120",
    ],
    &["geopoint", "location", "أين أنت؟", "Where are you?"],
    &[
        "select_one yes_no or_other",
        "again",
        "هل ستعود؟",
        "Will you go again?",
    ],
    &[
        "date",
        "visit_date",
        "متى كانت الزيارة؟",
        "When was the visit?",
        "",
        "",
        "",
        "${visited} = 'yes' and ${age} >= 18",
    ],
];

const CHOICES: &[&[&str]] = &[
    &[
        "list_name",
        "name",
        "label::Arabic (ar)",
        "label::English (en)",
    ],
    &["yes_no", "yes", "نعم", "Yes"],
    &["yes_no", "no", "لا", "No"],
    &["services", "complaint", "تقديم شكوى", "Making a complaint"],
    &[
        "services",
        "document",
        "استخراج وثيقة",
        "Getting a document",
    ],
    &["services", "other", "خدمة أخرى", "Another service"],
];

fn write_form(path: &Path) {
    let mut book = Workbook::new();
    for (name, rows) in [
        ("survey", SURVEY),
        ("choices", CHOICES),
        (
            "settings",
            &[
                &["form_title", "form_id", "default_language"][..],
                &[
                    "آراء المواطنين في خدمات الشرطة",
                    "police_visit",
                    "Arabic (ar)",
                ],
            ][..],
        ),
    ] {
        let sheet = book.add_worksheet();
        sheet.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

#[tokio::test]
async fn a_kobo_style_form_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("form.xlsx");
    write_form(&form);
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    let out = surveys.join("police-visit.toml");
    let (code, stdout, stderr) = mizan(
        &[
            "import",
            "xlsform",
            &form.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        &[],
    );
    // Written, with rows left out: exit code 2.
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "wrote {} (police-visit, 6 questions on ",
            out.display()
        )),
        "{stdout}"
    );
    let f = form.display().to_string();
    for line in [
        format!("{f}: survey row 2, column type: not converted: `start` is form metadata"),
        format!("{f}: survey row 3, column type: not converted: `end` is form metadata"),
        format!("{f}: survey row 12, column type: not converted: Mizan has no `geopoint` question"),
        format!(
            "{f}: survey row 13, column type: not converted: `select_one yes_no or_other`: `or_other` is not supported"
        ),
        format!(
            "{f}: survey row 9, column relevant: changed: it depends on `services`, asked on the same page"
        ),
        format!("{f}: settings row 2, column form_title: changed: no English title"),
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(&line)),
            "missing {line}:\n{stderr}"
        );
    }
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("not converted"))
            .count(),
        4,
        "{stderr}"
    );

    // The file passes `mizan check` and loads with every question, label and condition.
    let (code, stdout, stderr) = mizan(&["check", &out.display().to_string()], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let src = std::fs::read_to_string(&out).unwrap();
    let s = parse_str(&src, &out).unwrap();
    assert_eq!(s.id, "police-visit");
    let ids: Vec<&str> = s.questions().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "visited",
            "wait",
            "services",
            "other_service",
            "age",
            "visit_date"
        ]
    );
    assert_eq!(s.title.ar, "آراء المواطنين في خدمات الشرطة");
    assert_eq!(s.intro.en, "Welcome, this survey is anonymous.");
    assert_eq!(s.intro.ar, "مرحبًا، هذا الاستبيان مجهول الهوية.");

    let visited = s.question("visited").unwrap();
    assert!(visited.required && visited.show_if.is_none());
    assert_eq!(visited.text.ar, "هل راجعت مركز شرطة هذا العام؟");
    assert_eq!(
        visited.text.en,
        "Have you visited a police station this year?"
    );
    let codes: Vec<(&str, &str, &str)> = visited
        .choices()
        .iter()
        .map(|c| (c.code.as_str(), c.label.ar.as_str(), c.label.en.as_str()))
        .collect();
    assert_eq!(codes, [("yes", "نعم", "Yes"), ("no", "لا", "No")]);

    let wait = s.question("wait").unwrap();
    assert!(wait.required);
    assert_eq!(wait.hint.as_ref().unwrap().ar, "بالدقائق");
    assert_eq!(wait.hint.as_ref().unwrap().en, "In minutes");
    assert!(matches!(
        wait.kind,
        QuestionKind::Number {
            integer: true,
            min: Some(0.0),
            max: Some(600.0),
            ..
        }
    ));
    let cond = |src: &str| Some(condition::parse(src).unwrap());
    assert_eq!(wait.show_if, cond(r#"visited == "yes""#));

    let services = s.question("services").unwrap();
    assert!(!services.required);
    assert!(matches!(services.kind, QuestionKind::MultipleChoice { .. }));
    assert_eq!(services.choices().len(), 3);
    assert_eq!(
        s.question("other_service").unwrap().show_if,
        cond(r#"(visited == "yes") and (services == "other")"#)
    );
    assert!(!s.question("other_service").unwrap().required);
    // The group is one page, split where a question depends on an answer given on it.
    assert_eq!(s.page_of("wait"), s.page_of("services"));
    assert_ne!(s.page_of("services"), s.page_of("other_service"));
    let visit_page = &s.pages[s.page_of("wait").unwrap()];
    assert_eq!(visit_page.title.as_ref().unwrap().en, "About your visit");

    let age = s.question("age").unwrap();
    assert!(matches!(
        age.kind,
        QuestionKind::Number {
            integer: true,
            min: Some(18.0),
            max: Some(120.0),
            ..
        }
    ));
    assert_eq!(
        s.question("visit_date").unwrap().show_if,
        cond(r#"visited == "yes" and age >= 18"#)
    );

    // Served: the start page and the first question, in Arabic.
    let server = TestServer::start_with(&surveys).await;
    let mut b = Browser::new(&server);
    let start = b.get("/s/police-visit").await;
    assert_eq!(start.status, 200);
    assert!(
        start.body.contains("آراء المواطنين في خدمات الشرطة"),
        "{}",
        start.body
    );
    assert!(start.body.contains("مرحبًا، هذا الاستبيان مجهول الهوية."));
    let first = b.get("/s/police-visit/p/1").await;
    assert_eq!(first.status, 200);
    assert!(
        first.body.contains("هل راجعت مركز شرطة هذا العام؟"),
        "{}",
        first.body
    );
    assert!(first.body.contains("نعم"));

    // Nothing is replaced without --force; a bad output name is refused before reading.
    let (code, _, stderr) = mizan(
        &["import", "xlsform", &f, "--out", &out.display().to_string()],
        &[],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("exists; add --force"), "{stderr}");
    let bad = surveys.join("Police Visit.toml");
    let (code, _, stderr) = mizan(
        &["import", "xlsform", &f, "--out", &bad.display().to_string()],
        &[],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("gives the survey id"), "{stderr}");
    assert!(!bad.exists());
}

/// A form the converter cannot use leaves nothing behind: no output, no temporary file.
#[test]
fn nothing_is_written_when_the_form_cannot_be_converted() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("english-only.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("survey").unwrap();
    for (r, row) in [
        ["type", "name", "label"],
        ["integer", "age", "How old are you?"],
    ]
    .iter()
    .enumerate()
    {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save(&form).unwrap();
    let out = dir.path().join("age.toml");
    let (code, _, stderr) = mizan(
        &[
            "import",
            "xlsform",
            &form.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no Arabic label column"), "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");

    let (code, _, stderr) = mizan(
        &[
            "import",
            "xlsform",
            &dir.path().join("missing.xlsx").display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot read it as an XLSX workbook"),
        "{stderr}"
    );
}
