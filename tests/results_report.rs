//! The report pages, black box: two waves of seeded responses on the example survey, the
//! numbers on the pages checked against the statistics module, the version rule, small
//! cells, and the first days (0, 1, 2 responses, a question nobody answered) without a 500.

#[path = "common/analysts.rs"]
mod analysts;
#[path = "common/mod.rs"]
mod common;
#[path = "common/responses.rs"]
mod responses;

use analysts::{ANALYST, PASSWORD};
use mizan::db::{Db, NewResponse};
use mizan::stats::{Design, IntervalMethod, independent_difference, interval};
use mizan::survey::{Answer, Survey};

const W1: &str = "2026-W1";
const W2: &str = "2026-W2";

fn citizen_security() -> Survey {
    let surveys = mizan::survey::load_paths(&[common::repo_path("surveys/citizen-security.toml")])
        .expect("example survey is valid");
    surveys.into_iter().next().expect("one survey")
}

/// `n` random responses stamped as the channels stamp them (wave, content).
fn wave(survey: &Survey, n: usize, wave: &str, seed: u64) -> Vec<NewResponse> {
    let mut rng = responses::Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut r = responses::random_response(survey, &mut rng);
            r.metadata.insert("wave".into(), wave.into());
            r.metadata
                .insert("content".into(), survey.content_stamp().to_string());
            r
        })
        .collect()
}

async fn server_with(rs: &[NewResponse]) -> common::TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    for r in rs {
        db.store_response(r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
    db.close().await;
    analysts::add_analyst(&url, ANALYST, PASSWORD);
    common::TestServer::start_on(&common::repo_path("surveys"), url, dir)
}

async fn signed_in(server: &common::TestServer, lang: &str) -> reqwest::Client {
    let client = analysts::browser();
    let res = analysts::sign_in(
        &client,
        server,
        &format!("next=/results&lang={lang}"),
        "/results",
        ANALYST,
        PASSWORD,
    )
    .await;
    assert_eq!(res.status(), 303, "signed in");
    client
}

async fn get(client: &reqwest::Client, server: &common::TestServer, path: &str) -> (u16, String) {
    let res = client.get(server.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// 1 for a top-two answer of trust_police, 0 for another substantive one, NaN otherwise.
fn top_two(r: &NewResponse) -> f64 {
    match r.answers.get("trust_police") {
        Some(Answer::Value(c)) if c == "4" || c == "5" => 1.0,
        Some(Answer::Value(c)) if c == "dk" => f64::NAN,
        Some(Answer::Value(_)) => 0.0,
        _ => f64::NAN,
    }
}

/// The share and its logit interval with equal weights, straight from the statistics module.
fn share(rs: &[NewResponse]) -> (mizan::stats::Estimate, (f64, f64)) {
    let y: Vec<f64> = rs.iter().map(top_two).collect();
    let design = Design::new(vec![1.0; rs.len()], None, None).unwrap();
    let e = design.proportion(&y, None).unwrap();
    let ci = interval(&e, IntervalMethod::Logit, 0.95).unwrap();
    (e, ci)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * ((x * 1000.0).round() / 1000.0))
}

#[tokio::test]
async fn the_headline_shows_the_latest_wave_and_its_change_as_the_statistics_give_them() {
    let survey = citizen_security();
    let (w1, w2) = (wave(&survey, 140, W1, 1), wave(&survey, 160, W2, 2));
    let all: Vec<NewResponse> = w1.iter().chain(&w2).cloned().collect();
    let server = server_with(&all).await;
    let client = signed_in(&server, "en").await;
    let (status, page) = get(&client, &server, "/results/citizen-security?lang=en").await;
    assert_eq!(status, 200);
    // The latest wave by default, the selector offers both, fieldwork days shown.
    assert!(
        page.contains(&format!("<option value=\"{W2}\" selected>")),
        "W2 chosen"
    );
    assert!(page.contains(&format!("<option value=\"{W1}\">")));
    assert!(page.contains("Fieldwork days (first to last)"));
    assert!(
        page.contains("href=\"/results/citizen-security/methodology\">How this survey was done")
    );
    // Trust in the police, top-two share, as the statistics module gives it on wave 2 only.
    let (e2, ci2) = share(&w2);
    let (e1, _) = share(&w1);
    let shown = format!(
        "<strong>{}</strong> <span>(95% interval {} – {})</span>",
        pct(e2.estimate),
        pct(ci2.0),
        pct(ci2.1)
    );
    assert!(page.contains(&shown), "headline {shown} in the page");
    let d = independent_difference(&e1, &e2, 0.95).unwrap();
    let signed =
        |x: f64| format!("{:+.1}", 100.0 * (x * 1000.0).round() / 1000.0).replace('-', "−");
    assert!(
        page.contains(&format!(
            "Change since <bdi>{W1}</bdi>: <strong><bdi dir=\"ltr\">{}</bdi>",
            signed(d.estimate)
        )),
        "change {} in the page",
        signed(d.estimate)
    );
    assert!(page.contains(&signed(d.ci_low)) && page.contains(&signed(d.ci_high)));
    let mark = if d.excludes_zero {
        "Significant change"
    } else {
        "Not significant"
    };
    assert!(page.contains(mark));
    // A trend chart with its table, and a ranked chart by governorate.
    assert!(page.contains("Trend chart:") && page.contains("Ranked dot chart"));
    // Wave 1 chosen: its own share, and no earlier wave to compare with.
    let (_, page1) = get(
        &client,
        &server,
        &format!("/results/citizen-security?lang=en&wave={W1}"),
    )
    .await;
    assert!(page1.contains(&format!("<strong>{}</strong>", pct(e1.estimate))));
    assert!(page1.contains("No earlier wave to compare with."));
    // Arabic: Arabic digits, right to left.
    let ar = signed_in(&server, "ar").await;
    let (_, page_ar) = get(&ar, &server, "/results/citizen-security?lang=ar").await;
    assert!(page_ar.contains("dir=\"rtl\"") && page_ar.contains("كيف أُجري هذا الاستطلاع"));
    let ar_share = mizan_digits(&pct(e2.estimate)).replace('%', "٪");
    assert!(page_ar.contains(&ar_share), "{ar_share}");
}

fn mizan_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap(),
            '.' => '٫',
            c => c,
        })
        .collect()
}

#[tokio::test]
async fn a_question_has_counts_shares_and_its_non_substantive_answers_apart() {
    let survey = citizen_security();
    let (w1, w2) = (wave(&survey, 60, W1, 3), wave(&survey, 200, W2, 4));
    let all: Vec<NewResponse> = w1.iter().chain(&w2).cloned().collect();
    let server = server_with(&all).await;
    let client = signed_in(&server, "en").await;
    let (status, page) = get(
        &client,
        &server,
        "/results/citizen-security/q/trust_police?lang=en",
    )
    .await;
    assert_eq!(status, 200);
    let count = |code: &str| {
        w2.iter()
            .filter(
                |r| matches!(r.answers.get("trust_police"), Some(Answer::Value(c)) if c == code),
            )
            .count()
    };
    // Questionnaire order, labels, the unweighted count of wave 2.
    let order: Vec<usize> = [
        "Do not trust at all",
        "Trust a little",
        "Trust somewhat",
        "Trust a lot",
        "Trust completely",
    ]
    .iter()
    .map(|l| page.find(&format!("<th scope=\"row\">{l}</th>")).expect(l))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "questionnaire order");
    for (code, label) in [("1", "Do not trust at all"), ("5", "Trust completely")] {
        let cell = format!(
            "<th scope=\"row\">{label}</th><td class=\"numeric\">{}</td>",
            count(code)
        );
        assert!(page.contains(&cell), "{cell}");
    }
    // Don't know apart, with its count; the top-two share and the mean.
    assert!(page.contains("Non-substantive answers"));
    assert!(
        page.contains(&format!(
            "<th scope=\"row\">Don&#39;t know</th><td class=\"numeric\">{}</td>",
            count("dk")
        )) || page.contains(&format!(
            "<th scope=\"row\">Don't know</th><td class=\"numeric\">{}</td>",
            count("dk")
        ))
    );
    let (e, _) = share(&w2);
    assert!(page.contains("Top-two share") && page.contains(&pct(e.estimate)));
    assert!(page.contains("<th scope=\"row\">Mean</th>"));
    // A number: mean and median; multiple choice: a share per option.
    let (_, wait) = get(
        &client,
        &server,
        "/results/citizen-security/q/wait_minutes?lang=en",
    )
    .await;
    let at = wait.find("<h2").unwrap_or(0);
    assert!(
        wait.contains("<th scope=\"row\">Median</th>")
            && wait.contains("<th scope=\"row\">Mean</th>"),
        "{}",
        &wait[at..]
    );
    let (status, services) = get(
        &client,
        &server,
        "/results/citizen-security/q/services?lang=en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(services.contains("Several answers allowed"));
    // Free text is not tabulated; an unknown question is a 404.
    let (status, comment) = get(
        &client,
        &server,
        "/results/citizen-security/q/comment?lang=en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(comment.contains("Free text and dates are not tabulated"));
    assert_eq!(
        get(&client, &server, "/results/citizen-security/q/nope")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn a_crosstab_gives_column_percentages_the_rao_scott_test_and_its_csv() {
    let survey = citizen_security();
    let w2 = wave(&survey, 300, W2, 5);
    let server = server_with(&w2).await;
    let client = signed_in(&server, "en").await;
    let (status, page) = get(
        &client,
        &server,
        "/results/citizen-security/crosstab?lang=en&q=trust_police&by=gender",
    )
    .await;
    assert_eq!(status, 200);
    // The test as the statistics module gives it (equal weights, complete cases).
    let code = |r: &NewResponse, key: &str, codes: &[&str]| match r.answers.get(key) {
        Some(Answer::Value(c)) => codes
            .iter()
            .position(|x| x == c)
            .map_or(u32::MAX, |i| i as u32),
        _ => u32::MAX,
    };
    let trust = ["1", "2", "3", "4", "5"];
    let genders: Vec<String> = survey
        .question("gender")
        .unwrap()
        .choices()
        .iter()
        .filter(|c| !c.non_substantive)
        .map(|c| c.code.clone())
        .collect();
    let genders: Vec<&str> = genders.iter().map(String::as_str).collect();
    let rows: Vec<u32> = w2.iter().map(|r| code(r, "trust_police", &trust)).collect();
    let cols: Vec<u32> = w2.iter().map(|r| code(r, "gender", &genders)).collect();
    let design = Design::new(vec![1.0; w2.len()], None, None).unwrap();
    let rs = design
        .rao_scott(&rows, trust.len(), &cols, genders.len())
        .unwrap();
    let f = format!("F = {:.2}, df = {:.2}, {:.1}", rs.f, rs.ndf, rs.ddf);
    let at = page.find("Rao–Scott").unwrap_or(0);
    assert!(
        page.contains(&f),
        "{f} in the page: {}",
        &page[at..(at + 400).min(page.len())]
    );
    assert!(page.contains("Column percentages"));
    let csv_href = "/results/citizen-security/crosstab.csv?q=trust_police&amp;by=gender";
    assert!(page.contains(csv_href), "CSV link beside it");
    let res = client
        .get(server.url("/results/citizen-security/crosstab.csv?q=trust_police&by=gender"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("variable,category,category_ar,category_en,domain,domain_value"));
    // Small groups hidden in the download too: by governorate, 300 over many governorates.
    let res = client
        .get(server.url("/results/citizen-security/crosstab.csv?q=trust_police&by=governorate"))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut suppressed = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        if &rec[12] == "suppressed" {
            suppressed += 1;
            assert!(
                rec[8].is_empty() && rec[9].is_empty() && rec[10].is_empty(),
                "{rec:?}"
            );
        } else if !rec[8].is_empty() {
            assert!(rec[8].parse::<usize>().unwrap() >= 10, "{rec:?}");
        }
    }
    assert!(suppressed > 0, "some governorates are small");
    // The same table as a workbook: the CSV's lines, numbers as numbers, right to left in Arabic.
    assert!(page.contains("/results/citizen-security/crosstab.xlsx?q=trust_police&amp;by=gender"));
    let res = client
        .get(server.url("/results/citizen-security/crosstab.xlsx?q=trust_police&by=gender&lang=ar"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let xlsx = res.bytes().await.unwrap().to_vec();
    use calamine::{Data as Cell, Reader as _};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    let sheet = book.worksheet_range("crosstab").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let csv_text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let csv_lines = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .count();
    assert_eq!(rows.len(), csv_lines + 1, "header and the CSV's lines");
    assert_eq!(rows[0][0], Cell::String("variable".into()));
    assert!(
        rows[1..].iter().any(|r| matches!(r[8], Cell::Float(_))),
        "n as a number"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(
        xml.contains("rightToLeft=\"1\""),
        "Arabic sheet reads right to left"
    );
    // Unknown question or breakdown: 400, not 500.
    assert_eq!(
        get(
            &client,
            &server,
            "/results/citizen-security/crosstab?q=nope"
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            &client,
            &server,
            "/results/citizen-security/crosstab?by=nope"
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn a_question_asked_in_other_words_is_reported_apart() {
    let survey = citizen_security();
    let mut rs = wave(&survey, 80, W2, 6);
    // An older version that asked trust_police otherwise, and contact in the same words.
    let mut old = wave(&survey, 40, W2, 7);
    let stamp = survey
        .content_stamp()
        .split(',')
        .map(|p| {
            if p.starts_with("trust_police:") {
                "trust_police:00000000".to_string()
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    for r in &mut old {
        r.survey_version = "0123456789ab".into();
        r.metadata.insert("content".into(), stamp.clone());
    }
    rs.extend(old);
    let server = server_with(&rs).await;
    let client = signed_in(&server, "en").await;
    let (_, trust) = get(
        &client,
        &server,
        "/results/citizen-security/q/trust_police?lang=en",
    )
    .await;
    assert!(trust.contains("each is reported apart"), "apart");
    assert!(trust.contains("Responses: 80") && trust.contains("Responses: 40"));
    let (_, contact) = get(
        &client,
        &server,
        "/results/citizen-security/q/contact?lang=en",
    )
    .await;
    assert!(contact.contains("same wording and options, so their answers are pooled"));
    assert!(contact.contains("Responses: 120"));
    // The headline counts trust in the police only where it was asked as now, and says so.
    let (_, head) = get(&client, &server, "/results/citizen-security?lang=en").await;
    assert!(head.contains("only the versions that asked it as it is worded now are counted"));
    let now: Vec<NewResponse> = rs
        .iter()
        .filter(|r| r.survey_version == survey.version)
        .cloned()
        .collect();
    let (e, _) = share(&now);
    assert!(
        head.contains(&format!("<strong>{}</strong>", pct(e.estimate))),
        "{}",
        pct(e.estimate)
    );
}

#[tokio::test]
async fn the_first_days_never_fail() {
    let survey = citizen_security();
    for n in [0usize, 1, 2] {
        let server = server_with(&wave(&survey, n, W1, 8)).await;
        for lang in ["en", "ar"] {
            let client = signed_in(&server, lang).await;
            for path in [
                "/results/citizen-security",
                "/results/citizen-security/q/trust_police",
                "/results/citizen-security/q/satisfaction",
                "/results/citizen-security/q/services",
                "/results/citizen-security/q/wait_minutes",
                "/results/citizen-security/q/comment",
                "/results/citizen-security/crosstab",
                "/results/citizen-security/crosstab?q=payment&by=wave",
            ] {
                let (status, _) = get(
                    &client,
                    &server,
                    &format!(
                        "{path}{}lang={lang}",
                        if path.contains('?') { "&" } else { "?" }
                    ),
                )
                .await;
                assert_eq!(status, 200, "{path} with {n} responses");
            }
            // A test that cannot be made says why in the page's language.
            let (_, page) = get(
                &client,
                &server,
                &format!("/results/citizen-security/crosstab?q=trust_police&by=gender&lang={lang}"),
            )
            .await;
            let why = if lang == "ar" {
                "لا يمكن إجراء الاختبار"
            } else {
                "The test cannot be computed"
            };
            if n == 1 {
                assert!(page.contains(why), "{n} responses, {lang}: {page}");
                assert!(
                    !page.contains("a test of independence needs"),
                    "no English reason on {lang}"
                );
            }
            let (status, _) = get(&client, &server, "/results/citizen-security/crosstab.csv").await;
            assert!(
                status == 200 || status == 404,
                "CSV with {n} responses: {status}"
            );
        }
    }
}

/// Not a check: fills `MIZAN_SEED_DB` (an SQLite path) with two waves of the example survey,
/// for looking at the report in a browser (`mizan serve` on it, then the browser scenario).
#[tokio::test]
#[ignore]
async fn seed_two_waves_for_the_browser() {
    let Ok(path) = std::env::var("MIZAN_SEED_DB") else {
        return;
    };
    let survey = citizen_security();
    let url = format!("sqlite://{path}?mode=rwc");
    let db = Db::connect(&url).await.expect("connect");
    for r in wave(&survey, 180, W1, 21)
        .iter()
        .chain(&wave(&survey, 220, W2, 22))
    {
        db.store_response(r, &uuid::Uuid::new_v4().to_string())
            .await
            .unwrap();
    }
    db.close().await;
}
