//! Results for analysts: weighted estimates straight from the database must equal
//! `mizan estimate --data` on the export, digit for digit; the results pages, their downloads
//! and analyst sign-in. Runs on SQLite, and on PostgreSQL under `.ci/with-postgres`.

#[path = "common/analysts.rs"]
mod analysts;
mod common;
#[path = "common/responses.rs"]
mod responses;

use std::path::Path;

use mizan::db::Db;
use mizan::survey::Survey;

fn citizen_security() -> Survey {
    let surveys = mizan::survey::load_paths(&[common::repo_path("surveys/citizen-security.toml")])
        .expect("example survey is valid");
    surveys.into_iter().next().expect("one survey")
}

/// A fresh database holding `n` random responses to the example survey.
async fn database_with_responses(dir: &Path, n: usize, seed: u64) -> String {
    let url = common::fresh_database_url(dir).await;
    let db = Db::connect(&url).await.expect("connect");
    let survey = citizen_security();
    let mut rng = responses::Rng::new(seed);
    for _ in 0..n {
        let r = responses::random_response(&survey, &mut rng);
        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
    db.close().await;
    url
}

fn run_ok(args: &[&str], url: &str) -> String {
    let (code, out, err) = common::mizan(args, &[("DATABASE_URL", url)]);
    assert_eq!(code, 0, "mizan {args:?} failed: {err}");
    out
}

/// The rows of a `mizan estimate` CSV (BOM stripped), as fields.
fn csv_rows(out: &str) -> Vec<Vec<String>> {
    let body = out
        .strip_prefix('\u{feff}')
        .expect("estimate CSV starts with a BOM");
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// The results CSV of the web app is `mizan estimate`'s, published: the same rows, numbers
/// rounded (at most three decimals), suppressed rows (perhaps more of them) without numbers.
fn assert_published(web: &str, full: &str) {
    let (web, full) = (csv_rows(web), csv_rows(full));
    assert_eq!(web.len(), full.len());
    for (w, f) in web.iter().zip(&full) {
        assert_eq!(w[..4], f[..4]);
        if w[11] == "suppressed" {
            assert!(w[5..=10].iter().all(String::is_empty), "{w:?}");
            assert!(w[4].is_empty() || w[4] == "0", "{w:?}");
            continue;
        }
        assert_eq!((&w[4], &w[11], &w[12]), (&f[4], &f[11], &f[12]));
        for c in 5..=10 {
            if f[c].is_empty() {
                assert!(w[c].is_empty(), "{w:?}");
                continue;
            }
            let (a, b): (f64, f64) = (w[c].parse().unwrap(), f[c].parse().unwrap());
            let tolerance = if c == 5 { 0.5 } else { 0.005 };
            assert!(
                (a - b).abs() <= tolerance + 1e-12,
                "column {c}: {w:?} vs {f:?}"
            );
            let decimals = w[c].split_once('.').map_or(0, |(_, d)| d.len());
            assert!(decimals <= 3, "column {c} at full precision: {w:?}");
        }
    }
}

const DESIGN: &str = r#"
[data]
missing = ["dk", "prefer_not"]

[design]
strata = "stratum"
cluster = "cluster"

[output]
domains = ["gender", "channel"]
interval = "logit"

[[variable]]
name = "safe_night"
type = "mean"

[[variable]]
name = "contact"
type = "categorical"

[[variable]]
name = "services__document"
type = "proportion"

[[index]]
name = "security_index"
items = ["safe_day", "safe_night", "trust_police"]
scale = [1, 4]
item_scales = { trust_police = [1, 5] }
min_answered = 2
"#;

#[tokio::test]
async fn estimates_from_the_database_equal_estimates_on_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_responses(dir.path(), 400, 7).await;
    let surveys = common::repo_path("surveys");
    let surveys = surveys.to_str().unwrap();
    let design = dir.path().join("design.toml");
    std::fs::write(&design, DESIGN).unwrap();
    let design = design.to_str().unwrap();
    let export = dir.path().join("export.csv");
    let export = export.to_str().unwrap();
    run_ok(
        &[
            "export",
            "citizen-security",
            "--out",
            export,
            "--surveys",
            surveys,
        ],
        &url,
    );

    // A design file with strata, clusters, domains, a proportion of an option column and an
    // index.
    let from_db = run_ok(
        &[
            "estimate",
            "--survey",
            "citizen-security",
            "--surveys",
            surveys,
            "--design",
            design,
        ],
        &url,
    );
    let from_csv = run_ok(&["estimate", "--data", export, "--design", design], &url);
    assert_eq!(from_db, from_csv);
    let rows = csv_rows(&from_db);
    let whole = |var: &str, cat: &str| {
        rows.iter()
            .find(|r| r[0] == var && r[1] == cat && r[2].is_empty())
            .unwrap_or_else(|| panic!("no row for {var} {cat}"))
            .clone()
    };
    let index = whole("security_index", "");
    let value: f64 = index[6].parse().expect("index estimate is a number");
    assert!((0.0..=100.0).contains(&value), "{index:?}");
    assert_eq!(whole("contact", "yes")[11], "ok");
    assert!(rows.iter().any(|r| r[2] == "channel" && r[3] == "kiosk"));
    assert!(rows.iter().any(|r| r[2] == "gender" && r[3] == "female"));

    // The default design (no design file): the same on both paths too.
    let default_db = run_ok(
        &[
            "estimate",
            "--survey",
            "citizen-security",
            "--surveys",
            surveys,
        ],
        &url,
    );
    let default_csv = run_ok(
        &[
            "estimate",
            "--data",
            export,
            "--survey",
            "citizen-security",
            "--surveys",
            surveys,
        ],
        &url,
    );
    assert_eq!(default_db, default_csv);
    let rows = csv_rows(&default_db);
    let variables: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for expected in [
        "safe_day",
        "trust_police",
        "satisfaction",
        "wait_minutes",
        "gender",
        "governorate",
        "security_index",
    ] {
        assert!(
            variables.contains(&expected),
            "default design lacks {expected}"
        );
    }
    // Free text, dates and multiple choice are not in the default design.
    assert!(!variables.contains(&"visit_date") && !variables.contains(&"services"));
    // Non-substantive codes are missing, not categories.
    assert!(
        !rows
            .iter()
            .any(|r| r[0] == "gender" && r[1] == "prefer_not")
    );
    // Likert means stay on the scale once "don't know" is left out.
    let safe_day: f64 = rows.iter().find(|r| r[0] == "safe_day").unwrap()[6]
        .parse()
        .unwrap();
    assert!((1.0..=4.0).contains(&safe_day), "{safe_day}");
}

#[tokio::test]
async fn unknown_columns_and_surveys_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_responses(dir.path(), 5, 1).await;
    let surveys = common::repo_path("surveys");
    let design = dir.path().join("design.toml");
    std::fs::write(
        &design,
        "[[variable]]\nname = \"no_such\"\ntype = \"mean\"\n",
    )
    .unwrap();
    let (code, _, err) = common::mizan(
        &[
            "estimate",
            "--survey",
            "citizen-security",
            "--surveys",
            surveys.to_str().unwrap(),
            "--design",
            design.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &url)],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no column `no_such`"), "{err}");
    let (code, _, err) = common::mizan(
        &[
            "estimate",
            "--survey",
            "nope",
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &url)],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no survey with id `nope`"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Results pages.

const ANALYST: &str = "nour.analyst";
const PASSWORD: &str = "ميزان-كلمة-سر-طويلة";

/// `mizan analyst add NAME` with the password twice on stdin.
fn add_analyst(url: &str, name: &str, first: &str, second: &str) -> (i32, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(["analyst", "add", name])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mizan analyst");
    let mut stdin = child.stdin.take().unwrap();
    // A refused name ends the command before it reads: a closed pipe is no failure here.
    let _ = write!(stdin, "{first}\n{second}\n");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sign-in round trip for the results page of the example survey.
async fn sign_in(
    client: &reqwest::Client,
    server: &common::TestServer,
    password: &str,
    lang: &str,
) -> reqwest::Response {
    let query = format!("next=/results/citizen-security&lang={lang}");
    analysts::sign_in(
        client,
        server,
        &query,
        "/results/citizen-security",
        ANALYST,
        password,
    )
    .await
}

/// A server on a database with `n` responses and one analyst.
async fn results_server(n: usize) -> common::TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_responses(dir.path(), n, 11).await;
    let (code, err) = add_analyst(&url, ANALYST, PASSWORD, PASSWORD);
    assert_eq!(code, 0, "{err}");
    common::TestServer::start_on(&common::repo_path("surveys"), url, dir)
}

#[tokio::test]
async fn results_need_a_signed_in_analyst() {
    let server = results_server(3).await;
    let client = analysts::browser();
    for path in [
        "/results",
        "/results/citizen-security",
        "/results/citizen-security.csv",
        "/results/citizen-security.xlsx",
    ] {
        let res = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        let to = res.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login?next=/results"), "{path} → {to}");
    }
    // The sign-in form: labelled inputs, autocomplete for password managers, nothing that
    // blocks pasting.
    let page = client
        .get(server.url("/login?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<label class="label" for="name">User name</label>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"autocomplete="username""#)
            && page.contains(r#"autocomplete="current-password""#)
    );
    assert!(!page.contains("onpaste") && !page.contains("<script"));

    // Wrong password: the form again, with the error in the person's language.
    let res = sign_in(&client, &server, "not the password at all", "en").await;
    assert_eq!(res.status(), 401);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("The user name or password is not right"),
        "{body}"
    );
    assert!(body.contains(&format!(r#"value="{ANALYST}""#)));
    let res = sign_in(&client, &server, "not the password at all", "ar").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("اسم المستخدم أو كلمة المرور غير صحيحة")
    );
    let still = client
        .get(server.url("/results/citizen-security"))
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 303);

    // A POST without the session's CSRF token is refused.
    let forged = analysts::browser()
        .post(server.url("/login"))
        .form(&[("csrf", "x"), ("name", ANALYST), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // Right password: on to the page asked for; sign-out ends it.
    let res = sign_in(&client, &server, PASSWORD, "en").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/results/citizen-security");
    let page = client
        .get(server.url("/results/citizen-security"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let csrf = analysts::csrf_of(&page);
    let out = client
        .post(server.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = client
        .get(server.url("/results/citizen-security"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
}

#[tokio::test]
async fn mismatched_passwords_and_bad_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let (code, err) = add_analyst(&url, "a", "long enough password", "long enough passw0rd");
    assert_eq!(code, 1);
    assert!(err.contains("differ"), "{err}");
    let (code, err) = add_analyst(&url, "a", "short", "short");
    assert_eq!(code, 1);
    assert!(err.contains("at least 12"), "{err}");
    let (code, _) = add_analyst(
        &url,
        "bad;name",
        "long enough password",
        "long enough password",
    );
    assert_eq!(code, 1);
}

#[tokio::test]
async fn results_page_and_downloads_show_the_estimates() {
    let server = results_server(60).await;
    let client = analysts::browser();
    assert_eq!(
        sign_in(&client, &server, PASSWORD, "en").await.status(),
        303
    );

    let page = client
        .get(server.url("/results/citizen-security?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Perceived security index"), "index missing");
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    assert!(
        page.contains("Figures as of") && page.contains(&day),
        "the page says when its figures were computed"
    );
    assert!(
        page.contains(r#"role="img""#) && page.contains("<title>"),
        "chart without text alternative"
    );
    assert!(page.contains("<table") && page.contains("95% confidence interval"));
    assert!(!page.contains("style="), "the CSP forbids style attributes");
    assert!(
        page.contains(
            "shared links, posters, kiosks and field interviews are a non-probability sample"
        ),
        "link responses are labelled non-probability"
    );

    // The CSV download is `mizan estimate` on the export, byte for byte.
    let csv = client
        .get(server.url("/results/citizen-security.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.bytes().await.unwrap();
    let export = server.dir.path().join("export.csv");
    let surveys = server.surveys.to_str().unwrap().to_string();
    run_ok(
        &[
            "export",
            "citizen-security",
            "--out",
            export.to_str().unwrap(),
            "--surveys",
            &surveys,
        ],
        &server.database_url,
    );
    let expected = run_ok(
        &[
            "estimate",
            "--data",
            export.to_str().unwrap(),
            "--survey",
            "citizen-security",
            "--surveys",
            &surveys,
        ],
        &server.database_url,
    );
    assert_published(&String::from_utf8(csv.to_vec()).unwrap(), &expected);

    // The shown numbers are the CSV's: the index estimate appears rounded on the page.
    let rows = csv_rows(&expected);
    let index: f64 = rows.iter().find(|r| r[0] == "security_index").unwrap()[6]
        .parse()
        .unwrap();
    assert!(
        page.contains(&format!("{index:.2}")),
        "index {index:.2} not on the page"
    );
    // Arabic page: same number in Arabic-Indic digits, right to left.
    let ar = client
        .get(server.url("/results/citizen-security?lang=ar"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ar.contains(r#"dir="rtl""#));
    let arabic_index: String = format!("{index:.2}")
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + c as u32 - '0' as u32).unwrap(),
            '.' => '٫',
            c => c,
        })
        .collect();
    assert!(ar.contains(&arabic_index), "{arabic_index}");
    assert!(ar.contains("مؤشر الشعور بالأمن"));

    // XLSX: a zip with the two sheets, Arabic labels exact.
    let xlsx = client
        .get(server.url("/results/citizen-security.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("XLSX is a zip");
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook)
        .unwrap();
    assert!(
        workbook.contains(r#"name="estimates""#) && workbook.contains(r#"name="design""#),
        "{workbook}"
    );
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("مؤشر الشعور بالأمن") && strings.contains("security_index"));
}

#[tokio::test]
async fn small_domains_are_suppressed() {
    let server = results_server(40).await;
    let client = analysts::browser();
    assert_eq!(
        sign_in(&client, &server, PASSWORD, "en").await.status(),
        303
    );
    // 40 respondents over 18 governorates: every cell is under the minimum n of 10.
    let page = client
        .get(server.url("/results/citizen-security?domain=governorate&lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Suppressed: a small group"));
    assert!(
        page.contains(r#"<option value="governorate" selected>"#),
        "selector keeps the choice"
    );
    let csv = client
        .get(server.url("/results/citizen-security.csv?domain=governorate"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows = csv_rows(&csv);
    let cells: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "governorate").collect();
    assert!(!cells.is_empty());
    for r in cells {
        assert_eq!(r[11], "suppressed");
        assert!(r[6].is_empty(), "a suppressed estimate is not given: {r:?}");
        assert!(
            r[4].is_empty() || r[4] == "0",
            "nor its n (with the total's n it gives the count back): {r:?}"
        );
    }
    // An unknown domain column is a 400 page, not a failure.
    let bad = client
        .get(server.url("/results/citizen-security?domain=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn design_files_beside_surveys_are_checked_not_loaded_as_surveys() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        dir.path().join("citizen-security.toml"),
    )
    .unwrap();
    let folder = dir.path().to_str().unwrap();
    let design = dir.path().join("citizen-security.design.toml");
    std::fs::write(&design, DESIGN).unwrap();
    let (code, out, err) = common::mizan(&["check", folder], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().count(),
        1,
        "the design file is not a survey: {out}"
    );
    std::fs::write(&design, "[design]\nstrata = \"no_such_column\"\n").unwrap();
    let (code, _, err) = common::mizan(&["check", folder], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("citizen-security.design.toml") && err.contains("no_such_column"),
        "{err}"
    );
    // serve refuses that survey too, with the reason, rather than failing the analysts' pages
    // later; the server itself starts (other surveys would keep serving).
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let log = dir.path().join("server.log");
    let (mut child, base) =
        common::spawn_server_logging(std::path::Path::new(folder), &db, &[], &[], Some(&log));
    let refused = reqwest::get(format!("{base}/s/citizen-security"))
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    let _ = child.kill();
    let _ = child.wait();
    let err = std::fs::read_to_string(&log).unwrap();
    assert!(err.contains("no_such_column"), "{err}");
}

#[tokio::test]
async fn the_design_file_beside_the_survey_is_used_by_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        surveys.join("citizen-security.toml"),
    )
    .unwrap();
    std::fs::write(surveys.join("citizen-security.design.toml"), DESIGN).unwrap();
    let url = database_with_responses(dir.path(), 50, 3).await;
    let (code, err) = add_analyst(&url, ANALYST, PASSWORD, PASSWORD);
    assert_eq!(code, 0, "{err}");
    let server = common::TestServer::start_on(&surveys, url.clone(), dir);
    let client = analysts::browser();
    assert_eq!(
        sign_in(&client, &server, PASSWORD, "en").await.status(),
        303
    );
    let page = client
        .get(server.url("/results/citizen-security?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("citizen-security.design.toml"));
    let csv = client
        .get(server.url("/results/citizen-security.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let expected = run_ok(
        &[
            "estimate",
            "--survey",
            "citizen-security",
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &url,
    );
    assert_published(&csv, &expected);
    assert!(
        csv_rows(&csv).iter().any(|r| r[2] == "gender"),
        "the file's domains are used"
    );
}

// ---------------------------------------------------------------------------------------------
// Day one: few responses, and everyone answered "no" to the contact question, so the questions
// shown only after a "yes" have no answers at all.

/// A server on a database with `n` responses that all answer "no" to `contact`.
async fn day_one_server(n: usize) -> common::TestServer {
    use mizan::survey::{Answer, answers::prune_hidden};
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let survey = citizen_security();
    let mut rng = responses::Rng::new(5);
    for _ in 0..n {
        let mut r = responses::random_response(&survey, &mut rng);
        r.answers
            .insert("contact".into(), Answer::Value("no".into()));
        prune_hidden(&survey, &mut r.answers);
        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
    db.close().await;
    let (code, err) = add_analyst(&url, ANALYST, PASSWORD, PASSWORD);
    assert_eq!(code, 0, "{err}");
    common::TestServer::start_on(&common::repo_path("surveys"), url, dir)
}

/// The values of the page's "Break down by" options (without the empty one).
fn domain_options(page: &str) -> Vec<String> {
    let select = &page[page
        .find(r#"<select class="select" id="domain""#)
        .expect("domain select")..];
    let select = &select[..select.find("</select>").unwrap()];
    select
        .split(r#"<option value=""#)
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

async fn get_ok(client: &reqwest::Client, server: &common::TestServer, path: &str) -> Vec<u8> {
    let res = client.get(server.url(path)).send().await.unwrap();
    let status = res.status();
    let body = res.bytes().await.unwrap().to_vec();
    assert_eq!(
        status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&body)
            .chars()
            .take(600)
            .collect::<String>()
    );
    body
}

fn column<'a>(header: &'a [String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// The header and rows of a results CSV.
fn csv_table(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let body = text.strip_prefix('\u{feff}').expect("BOM");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn results_on_day_one_say_what_cannot_be_estimated_and_show_the_rest() {
    for n in [0usize, 1, 2, 12] {
        let server = day_one_server(n).await;
        let client = analysts::browser();
        assert_eq!(
            sign_in(&client, &server, PASSWORD, "en").await.status(),
            303
        );
        let page = get_ok(&client, &server, "/results/citizen-security?lang=en").await;
        let page = String::from_utf8(page).unwrap();
        if n == 0 {
            assert!(
                page.contains("No responses to this survey have been stored yet."),
                "n = 0: {page}"
            );
            assert!(!page.contains("<table"), "n = 0: no empty tables");
        } else {
            // The rating shown only after "yes" has no answers; the contact question has.
            assert!(page.contains("No answers yet"), "n = {n}: {page}");
            assert!(
                page.contains("have you been to a police station"),
                "n = {n}"
            );
            assert!(page.contains("<table"), "n = {n}");
        }
        if n == 12 {
            // 12 × "no": an estimate of 100% with no variation, shown with its reason.
            assert!(page.contains("100.0%"), "n = 12: {page}");
            assert!(page.contains("Every answer is the same"), "n = 12");
        }
        let ar = get_ok(&client, &server, "/results/citizen-security?lang=ar").await;
        let ar = String::from_utf8(ar).unwrap();
        if n > 0 {
            assert!(ar.contains("لا توجد إجابات بعد"), "n = {n}: Arabic status");
        }

        // Every breakdown: the page, the CSV and the workbook.
        let domains = domain_options(&page);
        assert!(domains.len() >= 10, "{domains:?}");
        for d in std::iter::once(String::new()).chain(domains) {
            let q = if d.is_empty() {
                String::new()
            } else {
                format!("?domain={d}")
            };
            let amp = if d.is_empty() { "?" } else { "&" };
            let page = get_ok(
                &client,
                &server,
                &format!("/results/citizen-security{q}{amp}lang=en"),
            )
            .await;
            let page = String::from_utf8(page).unwrap();
            if n > 0 {
                assert!(page.contains("No answers yet"), "n = {n}, domain {d}");
            }
            let csv = get_ok(
                &client,
                &server,
                &format!("/results/citizen-security.csv{q}"),
            )
            .await;
            let (header, rows) = csv_table(&csv);
            let (var, dom, status) = (
                column(&header, "variable"),
                column(&header, "domain"),
                column(&header, "status"),
            );
            let satisfaction = rows
                .iter()
                .find(|r| r[var] == "satisfaction" && r[dom].is_empty())
                .unwrap_or_else(|| panic!("n = {n}, domain {d}: no satisfaction row"));
            assert_eq!(satisfaction[status], "no_answers", "n = {n}, domain {d}");
            // Every variable of the default design has its whole-sample row.
            for v in [
                "safe_day",
                "trust_police",
                "contact",
                "gender",
                "security_index",
            ] {
                assert!(
                    rows.iter().any(|r| r[var] == v && r[dom].is_empty()),
                    "n = {n}, domain {d}: no row for {v}"
                );
            }
            if n == 12 {
                let est = column(&header, "estimate");
                let no = rows
                    .iter()
                    .find(|r| r[var] == "contact" && r[1] == "no" && r[dom].is_empty())
                    .expect("contact = no row");
                assert_eq!(no[est].parse::<f64>().unwrap(), 1.0, "{no:?}");
                assert_eq!(no[status], "no_variation");
            }
            let xlsx = get_ok(
                &client,
                &server,
                &format!("/results/citizen-security.xlsx{q}"),
            )
            .await;
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("XLSX is a zip");
            let mut strings = String::new();
            std::io::Read::read_to_string(
                &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
                &mut strings,
            )
            .unwrap();
            assert!(
                strings.contains("no_answers") && strings.contains(">status<"),
                "n = {n}, domain {d}"
            );
        }

        // The analyst's command line says the same, and exits 0.
        let surveys = server.surveys.to_str().unwrap().to_string();
        let out = run_ok(
            &[
                "estimate",
                "--survey",
                "citizen-security",
                "--surveys",
                &surveys,
            ],
            &server.database_url,
        );
        let (header, rows) = csv_table(out.as_bytes());
        let (var, status) = (column(&header, "variable"), column(&header, "status"));
        assert!(
            rows.iter()
                .any(|r| r[var] == "satisfaction" && r[status] == "no_answers"),
            "n = {n}: {out}"
        );
        assert!(rows.iter().any(|r| r[var] == "safe_day"), "n = {n}");
    }
}

// ---------------------------------------------------------------------------------------------
// Small cells: suppression that survives subtraction.

/// 60 responses: 31 in Baghdad, 26 in Basra and 3 in Ninawa, where two of the three have been
/// to a police station (`contact` = yes); every response answers `contact` and `governorate`.
async fn three_in_ninawa_server() -> (common::TestServer, usize) {
    use mizan::survey::{Answer, answers::prune_hidden};
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let survey = citizen_security();
    let mut rng = responses::Rng::new(21);
    let mut ninawa_yes = 0;
    for i in 0..60 {
        let mut r = responses::random_response(&survey, &mut rng);
        let (gov, contact) = match i {
            0..31 => ("baghdad", if rng.chance(0.4) { "yes" } else { "no" }),
            31..57 => ("basra", if rng.chance(0.5) { "yes" } else { "no" }),
            57 | 58 => ("ninawa", "yes"),
            _ => ("ninawa", "no"),
        };
        if gov == "ninawa" && contact == "yes" {
            ninawa_yes += 1;
        }
        r.answers
            .insert("governorate".into(), Answer::Value(gov.into()));
        r.answers
            .insert("contact".into(), Answer::Value(contact.into()));
        prune_hidden(&survey, &mut r.answers);
        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
    db.close().await;
    let (code, err) = add_analyst(&url, ANALYST, PASSWORD, PASSWORD);
    assert_eq!(code, 0, "{err}");
    let server = common::TestServer::start_on(&common::repo_path("surveys"), url, dir);
    (server, ninawa_yes)
}

/// One published cell as an attacker reads it: n and the estimate (a share), when shown.
#[derive(Debug, Clone)]
struct Cell {
    group: String,
    n: Option<f64>,
    share: Option<f64>,
}

/// The subtraction attack on one breakdown: the small cell's n from the total's n minus the
/// other cells' n, and its number of "yes" from total share × n − Σ other shares × n. Returns
/// what could be recovered exactly.
fn subtraction_attack(total: &Cell, cells: &[Cell], small: &str) -> (Option<f64>, Option<f64>) {
    let others: Vec<&Cell> = cells.iter().filter(|c| c.group != small).collect();
    let target = cells.iter().find(|c| c.group == small);
    let shown_n = target.and_then(|c| c.n);
    let hidden_n = cells.iter().filter(|c| c.n.is_none()).count();
    let n = match (shown_n, total.n) {
        (Some(n), _) => Some(n),
        (None, Some(nt)) if hidden_n == 1 => {
            Some(nt - others.iter().map(|c| c.n.unwrap()).sum::<f64>())
        }
        _ => None,
    };
    let hidden_share = cells.iter().filter(|c| c.share.is_none()).count();
    let count = match (total.share, total.n, target.and_then(|c| c.share)) {
        (_, _, Some(p)) => n.map(|n| p * n),
        (Some(pt), Some(nt), None) if hidden_share == 1 && others.iter().all(|c| c.n.is_some()) => {
            Some(
                pt * nt
                    - others
                        .iter()
                        .map(|c| c.share.unwrap() * c.n.unwrap())
                        .sum::<f64>(),
            )
        }
        _ => None,
    };
    (
        n,
        count
            .filter(|x| (x - x.round()).abs() < 0.25)
            .map(f64::round),
    )
}

fn number_or_none(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('%');
    t.parse::<f64>().ok()
}

/// The text of each cell of each row of a page's section `v-ID`.
fn section_rows(page: &str, id: &str) -> Vec<Vec<String>> {
    let start = page
        .find(&format!(r#"aria-labelledby="v-{id}""#))
        .unwrap_or_else(|| panic!("no section {id}"));
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap()];
    let strip = |s: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for ch in s.chars() {
            match ch {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    section
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('d') || c.starts_with('h'))
                .map(|c| strip(&format!("<t{c}")))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_suppressed_cell_cannot_be_recovered_by_subtraction() {
    let (server, ninawa_yes) = three_in_ninawa_server().await;
    let client = analysts::browser();
    assert_eq!(
        sign_in(&client, &server, PASSWORD, "en").await.status(),
        303
    );

    // The CSV: the share of "yes" to `contact`, overall and by governorate.
    let csv = get_ok(
        &client,
        &server,
        "/results/citizen-security.csv?domain=governorate",
    )
    .await;
    let (header, rows) = csv_table(&csv);
    let (var, cat, dom, val, n, est) = (
        column(&header, "variable"),
        column(&header, "category"),
        column(&header, "domain"),
        column(&header, "domain_value"),
        column(&header, "n"),
        column(&header, "estimate"),
    );
    let cell = |r: &Vec<String>| Cell {
        group: r[val].clone(),
        n: number_or_none(&r[n]),
        share: number_or_none(&r[est]),
    };
    let yes: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[var] == "contact" && r[cat] == "yes")
        .collect();
    let total = cell(yes.iter().find(|r| r[dom].is_empty()).unwrap());
    let cells: Vec<Cell> = yes
        .iter()
        .filter(|r| r[dom] == "governorate")
        .map(|r| cell(r))
        .collect();
    assert_eq!(cells.len(), 3, "{cells:?}");
    assert!(total.share.is_some() && total.n == Some(60.0), "{total:?}");
    // (n, number of "yes") of Ninawa as recovered; the truth is (3, ninawa_yes).
    let recovered = subtraction_attack(&total, &cells, "ninawa");
    assert_eq!(
        recovered,
        (None, None),
        "the small cell is recoverable from the CSV (truth: 3 respondents, {ninawa_yes} yes): {total:?} {cells:?}"
    );
    // The cells still shown, shown to the precision the data support.
    assert!(cells.iter().any(|c| c.share.is_some()), "{cells:?}");
    for r in &rows {
        if let Some(dot) = r[est].find('.') {
            assert!(
                r[est].len() - dot - 1 <= 3,
                "published at full precision: {r:?}"
            );
        }
    }

    // The page: the same attack on the table under the chart.
    let page = get_ok(
        &client,
        &server,
        "/results/citizen-security?domain=governorate&lang=en",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    let table = section_rows(&page, "contact");
    let page_cell = |r: &Vec<String>| Cell {
        group: r[1].clone(),
        n: number_or_none(&r[2]),
        share: number_or_none(&r[3]).map(|p| p / 100.0),
    };
    let yes: Vec<&Vec<String>> = table
        .iter()
        .filter(|r| r.len() >= 6 && r[0] == "Yes")
        .collect();
    let total = page_cell(yes.iter().find(|r| r[1] == "All respondents").unwrap());
    let cells: Vec<Cell> = yes
        .iter()
        .filter(|r| r[1] != "All respondents")
        .map(|r| page_cell(r))
        .collect();
    assert_eq!(cells.len(), 3, "{table:?}");
    let recovered = subtraction_attack(&total, &cells, "Ninawa");
    assert_eq!(
        recovered,
        (None, None),
        "the small cell is recoverable from the page (truth: 3 respondents, {ninawa_yes} yes): {total:?} {cells:?}"
    );
    assert!(cells.iter().any(|c| c.share.is_some()), "{cells:?}");
}

#[tokio::test]
async fn a_design_that_cannot_be_used_yet_is_explained_not_a_500() {
    // The design file stratifies by `stratum`, but a response came through the public link,
    // which attaches no sampling metadata.
    let dir = tempfile::tempdir().unwrap();
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        surveys.join("citizen-security.toml"),
    )
    .unwrap();
    std::fs::write(surveys.join("citizen-security.design.toml"), DESIGN).unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let survey = citizen_security();
    let mut rng = responses::Rng::new(9);
    for i in 0..20 {
        let mut r = responses::random_response(&survey, &mut rng);
        if i == 0 {
            r.metadata.clear();
        }
        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
    db.close().await;
    let (code, err) = add_analyst(&url, ANALYST, PASSWORD, PASSWORD);
    assert_eq!(code, 0, "{err}");
    let server = common::TestServer::start_on(&surveys, url, dir);
    let client = analysts::browser();
    assert_eq!(
        sign_in(&client, &server, PASSWORD, "en").await.status(),
        303
    );
    let page = get_ok(&client, &server, "/results/citizen-security?lang=en").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("The estimates cannot be computed with this design")
            && page.contains("stratum"),
        "{page}"
    );
    let ar = get_ok(&client, &server, "/results/citizen-security?lang=ar").await;
    assert!(
        String::from_utf8(ar)
            .unwrap()
            .contains("لا يمكن حساب التقديرات")
    );
    for path in [
        "/results/citizen-security.csv",
        "/results/citizen-security.xlsx?domain=gender",
    ] {
        let res = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 422, "{path}");
    }
}

/// A survey that declares no metadata: kiosks and interviewers stamp `site` all the same.
const FIELD_SURVEY: &str = r#"id = "field-check"
wave = "w1"
title = { ar = "استبيان ميداني", en = "Field check" }

[[pages]]
id = "p"

[[pages.questions]]
id = "safe"
type = "single_choice"
text = { ar = "هل تشعر بالأمان؟", en = "Do you feel safe?" }
options = [{ code = "yes", ar = "نعم", en = "Yes" }, { code = "no", ar = "لا", en = "No" }]

[[pages.questions]]
id = "score"
type = "rating"
text = { ar = "قيّم الخدمة", en = "Rate the service" }
min_label = { ar = "سيئة", en = "Poor" }
max_label = { ar = "ممتازة", en = "Excellent" }
"#;

/// A server on `field-check` with link, kiosk and interviewer responses (15 each, so that no
/// group is suppressed), stored as those channels store them.
async fn field_server() -> common::TestServer {
    use mizan::db::NewResponse;
    use mizan::survey::{Answer, Answers, Lang};
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    std::fs::write(surveys.join("field-check.toml"), FIELD_SURVEY).unwrap();
    let survey = mizan::survey::load_paths(&[surveys.join("field-check.toml")])
        .unwrap()
        .remove(0);
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let stamps = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let channels = [
        ("link", BTreeMap::new()),
        (
            "kiosk",
            stamps(&[
                ("site", "Karrada station"),
                ("site_ar", "مركز شرطة الكرادة"),
                ("stratum", "urban"),
                ("cluster", "c01"),
            ]),
        ),
        (
            "interviewer",
            stamps(&[
                ("site", "Abu Al-Khaseeb"),
                ("site_ar", "أبو الخصيب"),
                ("stratum", "rural"),
                ("cluster", "c02"),
                ("interviewer", "INT-3F9A2C"),
                ("mode", "face-to-face"),
            ]),
        ),
    ];
    for (channel, metadata) in &channels {
        for i in 0..15 {
            let answers = Answers::from([
                (
                    "safe".to_string(),
                    Answer::Value(if i % 3 == 0 { "no" } else { "yes" }.into()),
                ),
                ("score".to_string(), Answer::Number((i % 11) as f64)),
            ]);
            let r = NewResponse {
                survey_id: survey.id.clone(),
                survey_version: survey.version.clone(),
                lang: Lang::Ar,
                channel: channel.to_string(),
                source: None,
                metadata: metadata.clone(),
                answers,
            };
            db.store_response(&r, &uuid::Uuid::new_v4().to_string())
                .await
                .expect("store");
        }
    }
    db.close().await;
    analysts::add_analyst(&url, ANALYST, PASSWORD);
    common::TestServer::start_on(&surveys, url, dir)
}

#[tokio::test]
async fn results_break_down_by_channel_and_site_in_words() {
    let server = field_server().await;
    let client = analysts::browser();
    let signed_in = analysts::sign_in(
        &client,
        &server,
        "next=/results/field-check&lang=en",
        "/results/field-check",
        ANALYST,
        PASSWORD,
    )
    .await;
    assert_eq!(signed_in.status(), 303);
    let page = |path: &str| {
        let (client, server) = (&client, &server);
        let path = path.to_string();
        async move { String::from_utf8(get_ok(client, server, &path).await).unwrap() }
    };

    // The survey declares no site: the breakdown by site is offered all the same, once.
    let whole = page("/results/field-check?lang=en").await;
    let options = domain_options(&whole);
    assert_eq!(options, ["site", "safe", "channel", "lang"], "{options:?}");
    assert!(whole.contains(r#"<option value="site">Site</option>"#));
    let whole_ar = page("/results/field-check?lang=ar").await;
    assert!(whole_ar.contains(r#"<option value="site">الموقع</option>"#));

    // Channels in words, in both languages.
    let en = page("/results/field-check?domain=channel&lang=en").await;
    for group in ["Shared link", "Kiosk", "Field interview"] {
        assert!(en.contains(&format!("<td>{group}</td>")), "{group} missing");
    }
    let ar = page("/results/field-check?domain=channel&lang=ar").await;
    for group in ["رابط مشترك", "شاشة الخدمة الذاتية (كشك)", "مقابلة ميدانية"]
    {
        assert!(ar.contains(&format!("<td>{group}</td>")), "{group} missing");
    }
    assert!(!ar.contains("<td>kiosk</td>") && !en.contains("<td>interviewer</td>"));

    // Sites by their English names, and by their Arabic names on Arabic pages.
    let en = page("/results/field-check?domain=site&lang=en").await;
    for group in ["Karrada station", "Abu Al-Khaseeb"] {
        assert!(en.contains(&format!("<td>{group}</td>")), "{group} missing");
    }
    let ar = page("/results/field-check?domain=site&lang=ar").await;
    for group in ["مركز شرطة الكرادة", "أبو الخصيب"] {
        assert!(ar.contains(&format!("<td>{group}</td>")), "{group} missing");
    }
    assert!(!ar.contains("<td>Karrada station</td>"));

    // The downloads carry the same breakdowns: the CSV with the codes, as `mizan estimate`
    // writes them, the workbook with the words too.
    for (domain, values) in [
        ("channel", vec!["interviewer", "kiosk", "link"]),
        ("site", vec!["Abu Al-Khaseeb", "Karrada station"]),
    ] {
        let csv = get_ok(
            &client,
            &server,
            &format!("/results/field-check.csv?domain={domain}"),
        )
        .await;
        let rows = csv_rows(&String::from_utf8(csv).unwrap());
        let mut got: Vec<&str> = rows
            .iter()
            .filter(|r| r[0] == "score" && r[2] == domain)
            .map(|r| r[3].as_str())
            .collect();
        got.sort();
        assert_eq!(got, values, "{domain}");
        assert!(
            rows.iter()
                .filter(|r| r[0] == "score" && r[2] == domain)
                .all(|r| !r[6].is_empty()),
            "{domain}: a group without its estimate"
        );
    }
    let xlsx = get_ok(&client, &server, "/results/field-check.xlsx?domain=site").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("XLSX is a zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for s in [
        "domain_value_ar",
        "domain_value_en",
        "مركز شرطة الكرادة",
        "Karrada station",
        "أبو الخصيب",
    ] {
        assert!(strings.contains(s), "{s} not in the workbook");
    }
    let xlsx = get_ok(&client, &server, "/results/field-check.xlsx?domain=channel").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("XLSX is a zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for s in ["شاشة الخدمة الذاتية (كشك)", "Field interview", "رابط مشترك"]
    {
        assert!(strings.contains(s), "{s} not in the workbook");
    }
}
