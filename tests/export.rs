//! Export: the microdata CSV and codebook, byte for byte where the format is fixed (BOM,
//! header, CRLF, Arabic text, quoting), multiple choice as 0/1 columns, and streaming (rows are
//! written while the response stream is still being read).

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use mizan::db::{Db, NewResponse, Stored, StoredResponse};
use mizan::export;
use mizan::survey::*;

fn t(ar: &str, en: &str) -> Text {
    Text {
        ar: ar.into(),
        en: en.into(),
    }
}

fn choice(code: &str, ar: &str, en: &str) -> Choice {
    Choice {
        code: code.into(),
        label: t(ar, en),
        non_substantive: false,
        anchored: false,
        exclusive: false,
        score: None,
    }
}

fn question(id: &str, text: Text, kind: QuestionKind) -> Question {
    Question {
        id: id.into(),
        text,
        hint: None,
        interviewer_note: None,
        required: false,
        headline: false,
        show_if: None,
        kind,
    }
}

/// A small survey with one question of each exported shape.
fn survey() -> Survey {
    let mut dont_know = choice("dk", "لا أعرف", "Don't know");
    dont_know.non_substantive = true;
    let mut none = choice("none", "لا شيء مما سبق", "None of these");
    none.exclusive = true;
    none.anchored = true;
    let scale = vec![
        choice("1", "لا أثق إطلاقاً", "No trust at all"),
        choice("2", "أثق قليلاً", "Little trust"),
        choice("3", "أثق كثيراً", "Much trust"),
    ];
    Survey {
        content_memo: Default::default(),
        draft: false,
        id: "mini".into(),
        version: "v1hash000000".into(),
        wave: "2026-W1".into(),
        title: t("استبيان صغير", "Small survey"),
        intro: t("مقدمة", "Intro"),
        sponsor: None,
        population: None,
        metadata: vec![MetadataField {
            id: "site".into(),
            label: t("الموقع", "Site"),
            values: vec![],
        }],
        sources: vec!["sms".into()],
        pages: vec![Page {
            id: "p1".into(),
            title: None,
            questions: vec![
                question(
                    "safe",
                    t("هل تشعر بالأمان؟", "Do you feel safe?"),
                    QuestionKind::SingleChoice {
                        options: vec![
                            choice("yes", "نعم", "Yes"),
                            choice("no", "لا", "No"),
                            dont_know,
                        ],
                        randomize: false,
                    },
                ),
                question(
                    "contact",
                    t("سبب المراجعة", "Reason for contact"),
                    QuestionKind::MultipleChoice {
                        options: vec![
                            choice("theft", "سرقة", "Theft"),
                            choice("document", "وثيقة", "Document"),
                            none,
                        ],
                        randomize: true,
                    },
                ),
                question(
                    "trust",
                    t("الثقة", "Trust"),
                    QuestionKind::LikertGrid {
                        scale,
                        items: vec![
                            GridItem {
                                id: "trust_police".into(),
                                text: t("الشرطة", "Police"),
                            },
                            GridItem {
                                id: "trust_courts".into(),
                                text: t("المحاكم", "Courts"),
                            },
                        ],
                    },
                ),
                question(
                    "age",
                    t("العمر", "Age"),
                    QuestionKind::Number {
                        integer: true,
                        min: Some(18.0),
                        max: Some(99.0),
                        unit: None,
                    },
                ),
                question(
                    "comment",
                    t("تعليق", "Comment"),
                    QuestionKind::LongText { max_length: 2000 },
                ),
            ],
        }],
        indices: vec![],
        quotas: vec![],
        path: PathBuf::from("mini.toml"),
    }
}

const COMMENT: &str = "الانتظار طويل، \"جداً\"\nلكنهم محترمون, شكراً";

fn full_response() -> StoredResponse {
    StoredResponse {
        id: "0b9e4c1a-5d2f-4e8a-9c3b-1f2e3d4c5b6a".into(),
        survey_version: "v1hash000000".into(),
        submitted_on: "2026-11-23".into(),
        lang: "ar".into(),
        channel: "link".into(),
        source: Some("sms".into()),
        metadata: BTreeMap::from([
            ("site".into(), "البصرة".into()),
            ("wave".into(), "2026-W1".into()),
        ]),
        answers: Answers::from([
            ("safe".into(), Answer::Value("dk".into())),
            (
                "contact".into(),
                Answer::Codes(vec!["theft".into(), "document".into()]),
            ),
            ("trust_police".into(), Answer::Value("3".into())),
            ("trust_courts".into(), Answer::Value("1".into())),
            ("age".into(), Answer::Number(37.0)),
            ("comment".into(), Answer::Value(COMMENT.into())),
        ]),
    }
}

fn skipped_response() -> StoredResponse {
    StoredResponse {
        id: "f0000000-0000-4000-8000-000000000000".into(),
        survey_version: "older0000000".into(),
        submitted_on: "2026-11-22".into(),
        lang: "en".into(),
        channel: "kiosk".into(),
        source: None,
        metadata: BTreeMap::new(),
        answers: Answers::from([("safe".into(), Answer::Value("yes".into()))]),
    }
}

const HEADER: &str = "response_id,survey_version,submitted_on,lang,channel,source,wave,mode,site_ar,\
stratum,cluster,interviewer,base_weight,site,safe,contact__theft,contact__document,contact__none,trust_police,trust_courts,age,comment\r\n";

#[tokio::test]
async fn microdata_is_byte_exact() {
    let rows = vec![Ok(full_response()), Ok(skipped_response())];
    let mut out = Vec::new();
    let summary = export::write_microdata(&survey(), futures::stream::iter(rows), &mut out)
        .await
        .unwrap();
    assert_eq!(summary.rows, 2);
    assert_eq!(summary.other_versions, 1);
    let expected = format!(
        "\u{feff}{HEADER}\
         0b9e4c1a-5d2f-4e8a-9c3b-1f2e3d4c5b6a,v1hash000000,2026-11-23,ar,link,sms,2026-W1,self,,,,,,البصرة,\
         dk,1,1,0,3,1,37,\"الانتظار طويل، \"\"جداً\"\"\nلكنهم محترمون, شكراً\"\r\n\
         f0000000-0000-4000-8000-000000000000,older0000000,2026-11-22,en,kiosk,,,self,,,,,,,yes,,,,,,,\r\n"
    );
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[tokio::test]
async fn numbers_are_plain_ascii() {
    assert_eq!(export::format_number(37.0), "37");
    assert_eq!(export::format_number(-2.0), "-2");
    assert_eq!(export::format_number(1250.75), "1250.75");
    assert_eq!(export::format_number(0.1), "0.1");
    assert_eq!(export::format_number(1e-7), "0.0000001");
    assert_eq!(
        export::format_number(12345678901234567890.0),
        "12345678901234567000"
    );
}

#[test]
fn codebook_lists_every_column_with_codes_and_labels() {
    let mut out = Vec::new();
    export::write_codebook(&survey(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .expect("codebook starts with a BOM");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "column",
            "question_ar",
            "question_en",
            "type",
            "code",
            "label_ar",
            "label_en",
            "non_substantive",
            "note_ar",
            "note_en"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let row = |column: &str, code: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[0] == column && r[4] == code)
            .unwrap_or_else(|| panic!("no codebook row for {column} = {code}"))
            .clone()
    };
    assert_eq!(
        row("safe", "dk")[..8],
        [
            "safe",
            "هل تشعر بالأمان؟",
            "Do you feel safe?",
            "single_choice",
            "dk",
            "لا أعرف",
            "Don't know",
            "1"
        ]
    );
    assert_eq!(row("safe", "yes")[7], "0");
    assert_eq!(
        row("contact__none", "1")[..8],
        [
            "contact__none",
            "سبب المراجعة",
            "Reason for contact",
            "multiple_choice",
            "1",
            "لا شيء مما سبق",
            "None of these",
            "0"
        ]
    );
    assert_eq!(row("trust_courts", "2")[1], "الثقة — المحاكم");
    assert_eq!(row("trust_courts", "2")[5], "أثق قليلاً");
    assert_eq!(row("age", "18..99")[3], "integer");
    assert_eq!(row("comment", "")[3], "long_text");
    assert_eq!(row("site", "")[2], "Site");
    assert_eq!(row("lang", "ar")[6], "Arabic");

    // Every microdata column has at least one codebook row, and no codebook row names a
    // column the microdata lacks.
    let columns: Vec<String> = export::columns(&survey())
        .into_iter()
        .map(|c| c.name)
        .collect();
    for c in &columns {
        assert!(
            rows.iter().any(|r| &r[0] == c),
            "column {c} missing from codebook"
        );
    }
    for r in &rows {
        assert!(
            columns.contains(&r[0]),
            "codebook names unknown column {}",
            r[0]
        );
    }
}

/// A writer that counts the bytes that reached it.
#[derive(Clone, Default)]
struct Counting(Arc<Mutex<usize>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().unwrap() += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn rows_are_written_while_the_stream_is_still_being_read() {
    // 20,000 generated responses. When the generator is asked for the last one, most of the
    // earlier rows must already have reached the writer: the export writes as it reads and
    // never collects the stream.
    const N: usize = 20_000;
    let written = Counting::default();
    let probe = written.clone();
    let observed_before_end = Arc::new(Mutex::new(0usize));
    let observed = observed_before_end.clone();
    let rows = futures::stream::iter((0..N).map(move |i| {
        if i == N - 1 {
            *observed.lock().unwrap() = *probe.0.lock().unwrap();
        }
        let mut r = full_response();
        r.id = format!("{i:08x}-0000-4000-8000-000000000000");
        Ok(r)
    }));
    let summary = export::write_microdata(&survey(), rows, written.clone())
        .await
        .unwrap();
    assert_eq!(summary.rows, N as u64);
    let total = *written.0.lock().unwrap();
    let before_end = *observed_before_end.lock().unwrap();
    let row_bytes = total / N;
    assert!(
        before_end > total - 1000 * row_bytes,
        "only {before_end} of {total} bytes were written before the last row was read"
    );
}

fn new_response(answers: Answers) -> NewResponse {
    NewResponse {
        survey_id: "mini".into(),
        survey_version: "v1hash000000".into(),
        lang: Lang::Ar,
        channel: "link".into(),
        source: Some("sms".into()),
        metadata: BTreeMap::from([("site".into(), "البصرة".into())]),
        answers,
    }
}

#[tokio::test]
async fn export_from_the_database_writes_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.unwrap();
    let stored = full_response();
    assert_eq!(
        db.store_response(&new_response(stored.answers.clone()), "k1")
            .await
            .unwrap(),
        Stored::New
    );
    let mut other = new_response(Answers::from([(
        "contact".to_string(),
        Answer::Codes(vec!["none".into()]),
    )]));
    other.survey_id = "another-survey".into();
    db.store_response(&other, "k2").await.unwrap();

    let out = dir.path().join("mini.csv");
    let summary = export::export_to_files(&db, &survey(), &out).await.unwrap();
    assert_eq!(summary.rows, 1, "only this survey's responses");

    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(export::BOM));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text[3..].starts_with(HEADER));
    let mut reader = csv::Reader::from_reader(&text.as_bytes()[3..]);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    let ids: Vec<String> = db
        .responses("mini")
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(&r[0], ids[0].as_str());
    assert_eq!(r[0].len(), 36);
    assert_eq!(&r[7], "self", "a link response is self-completed");
    assert_eq!(&r[13], "البصرة");
    assert_eq!(&r[14], "dk");
    assert_eq!((&r[15], &r[16], &r[17]), ("1", "1", "0"));
    assert_eq!(&r[20], "37");
    assert_eq!(
        &r[21], COMMENT,
        "comma, quotes and newline survive the database and CSV"
    );

    let codebook = dir.path().join("mini.codebook.csv");
    assert!(std::fs::read(&codebook).unwrap().starts_with(export::BOM));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left");
}

#[tokio::test]
async fn mizan_export_writes_what_was_submitted_over_http() {
    use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT};
    let server = common::TestServer::start().await;
    let tricky = "قال: \"نعم\", ثم\nسطر ثانٍ";
    for (answers, comment) in [(WITH_CONTACT, tricky), (WITHOUT_CONTACT, "بلا تعليق")] {
        let answers: Vec<(&str, &str)> = answers
            .iter()
            .map(|&(k, v)| if k == "comment" { (k, comment) } else { (k, v) })
            .collect();
        let mut b = Browser::new(&server);
        b.get(&format!("/s/{SURVEY}")).await;
        b.answer_all(&answers).await;
        assert_eq!(b.submit().await.status, reqwest::StatusCode::SEE_OTHER);
    }

    let out = server.dir.path().join("citizen-security.csv");
    let surveys = common::repo_path("surveys");
    let (code, stdout, stderr) = common::mizan(
        &[
            "export",
            SURVEY,
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote 2 responses"), "{stdout}");

    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(export::BOM));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..6],
        [
            "response_id",
            "survey_version",
            "submitted_on",
            "lang",
            "channel",
            "source"
        ]
    );
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let with_contact = rows
        .iter()
        .find(|r| &r[col("contact")] == "yes")
        .expect("contact path row");
    assert_eq!(&with_contact[col("comment")], tricky);
    assert_eq!(&with_contact[col("services__complaint")], "1");
    assert_eq!(&with_contact[col("services__document")], "1");
    assert_eq!(
        &with_contact[col("wait_minutes")],
        "45",
        "Arabic-Indic digits stored as ASCII"
    );
    assert_eq!(&with_contact[col("last_visit")], "2026-03-15");
    assert_eq!(&with_contact[col("governorate")], "basra");
    assert_eq!(&with_contact[col("channel")], "link");
    let without = rows.iter().find(|r| &r[col("contact")] == "no").unwrap();
    assert_eq!(
        &without[col("services__complaint")],
        "",
        "hidden question: empty, not 0"
    );
    assert_eq!(&without[col("comment")], "بلا تعليق");

    let codebook = std::fs::read(out.with_file_name("citizen-security.codebook.csv")).unwrap();
    let codebook = String::from_utf8(codebook).unwrap();
    assert!(codebook.starts_with('\u{feff}'));
    assert!(
        codebook.contains("governorate,"),
        "every question is described"
    );

    let (code, _, stderr) = common::mizan(
        &[
            "export",
            "no-such-survey",
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no survey with id `no-such-survey`"),
        "{stderr}"
    );
}

/// A citizen's comment that a spreadsheet would run as a formula is written with a leading `'`;
/// codes and numbers are never touched.
#[tokio::test]
async fn typed_text_never_reaches_excel_as_a_formula() {
    for (comment, cell) in [
        (
            "=HYPERLINK(\"http://x\",\"click\")",
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\"",
        ),
        ("+1 and more", "'+1 and more"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-- الشرطة", "'-- الشرطة"),
        ("شكراً = جيد", "شكراً = جيد"),
    ] {
        let mut response = full_response();
        response
            .answers
            .insert("comment".into(), Answer::Value(comment.into()));
        response.answers.insert("age".into(), Answer::Number(-3.0));
        let mut out = Vec::new();
        export::write_microdata(
            &survey(),
            futures::stream::iter(vec![Ok(response)]),
            &mut out,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.ends_with(&format!(",-3,{cell}")), "{comment:?} → {row}");
    }
}

/// Text that hides a formula behind invisible marks, in full-width signs or after a list
/// separator, typed into the forms, reaches neither the microdata CSV nor the results XLSX as
/// a formula; Arabic text with its own direction marks is left exactly as typed.
#[tokio::test]
async fn hidden_formulas_typed_in_the_forms_are_guarded_in_csv_and_xlsx() {
    use browser::{Browser, SURVEY, WITH_CONTACT};
    let dir = tempfile::tempdir().unwrap();
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        surveys.join("citizen-security.toml"),
    )
    .unwrap();
    // The comment as a domain: its values become cells of the results workbook.
    std::fs::write(
        surveys.join("citizen-security.design.toml"),
        "[output]\ndomains = [\"comment\"]\n\n[[variable]]\nname = \"safe_night\"\ntype = \"mean\"\n",
    )
    .unwrap();
    let server = common::TestServer::start_with(&surveys).await;
    let typed_and_written = [
        ("\u{200B}=1+2", "'\u{200B}=1+2"),
        ("\u{FEFF}+CMD", "'\u{FEFF}+CMD"),
        ("\u{202E}@SUM(A1)", "'\u{202E}@SUM(A1)"),
        ("＝SUM(A1)", "'＝SUM(A1)"),
        ("رأيي;=1+1", "رأيي;'=1+1"),
        ("\u{200F}شكراً = جيد", "\u{200F}شكراً = جيد"),
    ];
    for (typed, _) in typed_and_written {
        let answers: Vec<(&str, &str)> = WITH_CONTACT
            .iter()
            .map(|&(k, v)| if k == "comment" { (k, typed) } else { (k, v) })
            .collect();
        let mut b = Browser::new(&server);
        b.get(&format!("/s/{SURVEY}")).await;
        b.answer_all(&answers).await;
        assert_eq!(b.submit().await.status, reqwest::StatusCode::SEE_OTHER);
    }

    let out = server.dir.path().join("citizen-security.csv");
    let (code, _, stderr) = common::mizan(
        &[
            "export",
            SURVEY,
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&out).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let comment = header.iter().position(|h| h == "comment").unwrap();
    let wait = header.iter().position(|h| h == "wait_minutes").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut cells: Vec<&str> = rows.iter().map(|r| &r[comment]).collect();
    cells.sort();
    let mut want: Vec<&str> = typed_and_written.iter().map(|&(_, w)| w).collect();
    want.sort();
    assert_eq!(cells, want);
    assert!(
        rows.iter().all(|r| &r[wait] == "45"),
        "numbers stay numbers"
    );
    for (_, written) in typed_and_written {
        // The bytes themselves, unquoted (no separator of this CSV inside) and unchanged.
        let found = [format!(",{written},"), format!(",{written}\r\n")]
            .iter()
            .any(|field| bytes.windows(field.len()).any(|w| w == field.as_bytes()));
        assert!(found, "{written:?} not in the CSV bytes");
    }

    analysts::add_analyst(&server.database_url, "analyst1", "ميزان-كلمة-سر-طويلة");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .get(server.url("/login?next=/results/citizen-security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = browser::between(&login, "name=\"csrf\" value=\"", "\"")
        .expect("login form has a CSRF field")
        .to_string();
    let signed_in = client
        .post(server.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", "/results/citizen-security"),
            ("name", "analyst1"),
            ("password", "ميزان-كلمة-سر-طويلة"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let xlsx = client
        .get(server.url("/results/citizen-security.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    let strings = strings.replace("&apos;", "'").replace("&quot;", "\"");
    for (typed, written) in typed_and_written {
        assert!(
            strings.contains(&format!(">{written}<")),
            "{typed:?}: no cell {written:?} in {strings}"
        );
    }
}
