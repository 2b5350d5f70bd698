//! The methodology note and the downloads, black box: two waves of seeded responses to the
//! example survey with a raked, stratified, clustered design; every download opens (CSV with
//! the csv crate, XLSX with calamine), its numbers are the statistics module's on the
//! microdata, typed text is left out unless an admin asks, Arabic sheets read right to left,
//! small cells stay suppressed, and the R script rebuilds the same numbers in R (to 1e-9,
//! where Rscript and the survey package are installed).

#[path = "common/analysts.rs"]
mod analysts;
mod common;
#[path = "common/responses.rs"]
mod responses;
#[path = "common/staff.rs"]
mod staff;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use mizan::analysis::design_file::DesignFile;
use mizan::analysis::table::Table;
use mizan::analysis::{Row, estimate_table, filter};
use mizan::db::Db;
use mizan::survey::Survey;

const WAVES: [&str; 2] = ["2026-W1", "2026-W2"];
const PER_WAVE: usize = 200;
const ADMIN: &str = "مدير";
const ANALYST: &str = "محلل";

const DESIGN: &str = r#"
[data]
missing = ["dk", "prefer_not"]

[design]
strata = "stratum"
cluster = "cluster"

[calibration]
method = "rake"

[[calibration.margin]]
by = "stratum"
cells = [{ stratum = "urban", total = 6000 }, { stratum = "rural", total = 4000 }]

[[calibration.margin]]
by = "channel"
cells = [
  { channel = "link", total = 3000 },
  { channel = "kiosk", total = 3000 },
  { channel = "interviewer", total = 4000 },
]

[output]
domains = ["gender", "site"]

[reliability]
min_n = 52

[[variable]]
name = "safe_night"
type = "mean"

[[variable]]
name = "contact"
type = "categorical"

[[variable]]
name = "services__document"
type = "proportion"

[[variable]]
name = "gender"
type = "total"
category = "female"

[[index]]
name = "security_index"
items = ["safe_day", "safe_night", "trust_police"]
scale = [1, 4]
item_scales = { trust_police = [1, 5] }
min_answered = 2
"#;

const SPONSOR_EN: &str = "Ministry of the Interior, relations directorate";
const POPULATION_EN: &str = "Adults living in the governorates covered";

/// A surveys folder with the example survey (sponsor and population added) and its design.
fn surveys_dir(root: &Path) -> PathBuf {
    let dir = root.join("surveys");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(common::repo_path("surveys/citizen-security.toml")).unwrap();
    let text = text.replacen(
        "wave = \"2026-W1\"\n",
        &format!(
            "wave = \"2026-W1\"\nsponsor = {{ ar = \"وزارة الداخلية، مديرية العلاقات\", en = \"{SPONSOR_EN}\" }}\npopulation = {{ ar = \"البالغون المقيمون في المحافظات المشمولة\", en = \"{POPULATION_EN}\" }}\n"
        ),
        1,
    );
    std::fs::write(dir.join("citizen-security.toml"), text).unwrap();
    std::fs::write(dir.join("citizen-security.design.toml"), DESIGN).unwrap();
    dir
}

fn survey_of(dir: &Path) -> Survey {
    mizan::survey::load_paths(&[dir.join("citizen-security.toml")])
        .expect("valid survey")
        .into_iter()
        .next()
        .unwrap()
}

struct Setup {
    server: common::TestServer,
    survey: Survey,
    surveys: PathBuf,
}

/// A server with an admin and an analyst, and two waves of seeded responses.
async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path());
    let survey = survey_of(&surveys);
    let url = common::fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect");
    let mut rng = responses::Rng::new(11);
    for wave in WAVES {
        for _ in 0..PER_WAVE {
            let mut r = responses::random_response(&survey, &mut rng);
            r.metadata.insert("wave".into(), wave.into());
            db.store_response(&r, &uuid::Uuid::new_v4().to_string())
                .await
                .expect("store");
        }
    }
    db.close().await;
    staff::add_user(&url, ADMIN, "admin");
    staff::add_user(&url, ANALYST, "analyst");
    let server = common::TestServer::start_on(&surveys, url, dir);
    Setup {
        server,
        survey,
        surveys,
    }
}

async fn get(client: &reqwest::Client, s: &Setup, path: &str) -> (u16, String, Vec<u8>) {
    let res = client.get(s.server.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    (status, kind, res.bytes().await.unwrap().to_vec())
}

fn csv_of(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("CSV starts with a UTF-8 BOM");
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.expect("valid CSV").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The design's rows on one wave of the microdata, by the statistics module (full precision).
fn expected_rows(survey: &Survey, surveys: &Path, microdata: &[u8], wave: &str) -> Vec<Row> {
    let path = surveys.join("citizen-security.design.toml");
    let mut file = DesignFile::read(&path).unwrap();
    file.filters.push(mizan::analysis::design_file::FilterSpec {
        column: "wave".into(),
        equals: Some(mizan::analysis::design_file::OneOrMany::One(wave.into())),
        from: None,
        to: None,
    });
    let table =
        Table::from_bytes(Path::new("microdata.csv"), microdata, &file.data.missing).unwrap();
    let (table, _) = filter::apply(table, &file.filters).unwrap();
    let _ = survey;
    estimate_table(&table, &file, &path, surveys).unwrap()
}

/// The pages with their stylesheet inlined, to look at them (`MIZAN_SCREENSHOT_DIR`).
async fn save_pages(client: &reqwest::Client, s: &Setup, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, path) in [
        (
            "methodology-ar",
            "/results/citizen-security/methodology?lang=ar",
        ),
        (
            "methodology-en",
            "/results/citizen-security/methodology?lang=en",
        ),
        (
            "questionnaire-ar",
            "/results/citizen-security/questionnaire?lang=ar",
        ),
    ] {
        let page = String::from_utf8(get(client, s, path).await.2).unwrap();
        let at = page.find("/static/mizan.").unwrap();
        let end = at + page[at..].find('"').unwrap();
        let css = String::from_utf8(get(client, s, &page[at..end]).await.2).unwrap();
        let start = page[..at].rfind("<link").unwrap();
        let close = at + page[at..].find('>').unwrap() + 1;
        let inlined = format!("{}<style>{css}</style>{}", &page[..start], &page[close..]);
        std::fs::write(dir.join(format!("{name}.html")), inlined).unwrap();
    }
}

#[tokio::test]
async fn methodology_note_states_the_disclosure_items_in_both_languages() {
    let s = setup().await;
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, _, body) = get(&client, &s, "/results/citizen-security/methodology").await;
    let page = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("dir=\"rtl\""), "Arabic first");
    assert!(page.contains("وزارة الداخلية، مديرية العلاقات"), "sponsor");
    assert!(page.contains("البالغون المقيمون"), "population");
    // Both waves with their days, the latest wave chosen by default.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    for w in WAVES {
        assert!(page.contains(w), "wave {w}");
    }
    assert!(
        page.contains(&format!("datetime=\"{today}\"")),
        "field dates"
    );
    assert!(
        page.contains("<strong><bdi>2026-W2</bdi></strong>"),
        "latest wave chosen"
    );
    // Arabic digits for the sample size of a wave.
    assert!(page.contains("الاستجابات: ٢٠٠."), "n in Arabic digits");
    assert!(
        page.contains("أقل من ٥٢ مستجيبين"),
        "the rules' numbers in Arabic digits"
    );
    assert!(page.contains("٢٠٠ من ٢٠٠ استجابة جاءت من قنوات غير احتمالية"));
    for link in [
        "/results/citizen-security/workbook.xlsx?wave=2026-W2",
        "/results/citizen-security/estimates.csv?wave=2026-W2",
        "/results/citizen-security/microdata.csv",
        "/results/citizen-security/codebook.csv",
        "/results/citizen-security/reproduce.R?wave=2026-W2",
        "/results/citizen-security/questionnaire?lang=ar",
        "/results/citizen-security/questionnaire?lang=en",
    ] {
        assert!(page.contains(link), "link {link}");
    }
    assert!(
        !page.contains("free_text=1"),
        "typed text is offered to admins only"
    );

    let (status, _, body) = get(
        &client,
        &s,
        "/results/citizen-security/methodology?wave=2026-W1&lang=en",
    )
    .await;
    let page = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("dir=\"ltr\""));
    for needle in [
        SPONSOR_EN,
        POPULATION_EN,
        "Conducted by",
        "Non-probability, self-selected",
        // The wave's own sample, every channel of it non-probability.
        "200 of 200 responses come from non-probability channels",
        "Raking (iterative proportional fitting) to the margins: stratum — targets urban: 6000; rural: 4000.",
        "Clusters (primary sampling units): column cluster.",
        "Margin of error of a 50% share",
        "Effective sample size (Kish)",
        "Mean design effect of the published shares",
        "Cells with fewer than 52 respondents are suppressed",
        "<strong><bdi>2026-W1</bdi></strong>",
    ] {
        assert!(page.contains(needle), "missing {needle:?}");
    }
    // The margin of error is the one of the first wave's weights.
    let body = get(&client, &s, "/results/citizen-security/microdata.csv")
        .await
        .2;
    let (header, rows) = csv_of(&body);
    let (wi, fi) = (
        header.iter().position(|h| h == "wave").unwrap(),
        header.iter().position(|h| h == "final_weight").unwrap(),
    );
    let w: Vec<f64> = rows
        .iter()
        .filter(|r| r[wi] == "2026-W1")
        .map(|r| r[fi].parse().unwrap())
        .collect();
    let (sum, sum2) = w.iter().fold((0.0, 0.0), |(a, b), x| (a + x, b + x * x));
    let deff = w.len() as f64 * sum2 / (sum * sum);
    let moe = 1.959963984540054 * (deff * 0.25 / w.len() as f64).sqrt();
    assert!(
        page.contains(&format!("±{:.1} percentage points", 100.0 * moe)),
        "moe {moe}"
    );

    if let Ok(dir) = std::env::var("MIZAN_SCREENSHOT_DIR") {
        save_pages(&client, &s, Path::new(&dir)).await;
    }
    let (status, _, _) = get(
        &client,
        &s,
        "/results/citizen-security/methodology?wave=1999",
    )
    .await;
    assert_eq!(status, 400, "an unknown wave is refused");

    // The questionnaire is public, in the chosen language.
    let public = analysts::browser();
    let (status, _, body) = get(
        &public,
        &s,
        "/results/citizen-security/questionnaire?lang=en",
    )
    .await;
    let page = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("In the last 12 months, have you been to a police station for any reason?")
    );
    assert!(page.contains("Prefer not to say"));
    let (_, _, body) = get(
        &public,
        &s,
        "/results/citizen-security/questionnaire?lang=ar",
    )
    .await;
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("هل راجعتَ مركز شرطة لأي سبب خلال الاثني عشر شهرًا الماضية؟"));
    // The note itself is not public.
    let (status, _, _) = get(&public, &s, "/results/citizen-security/methodology").await;
    assert_eq!(status, 303, "sign-in first");
}

#[tokio::test]
async fn microdata_and_estimates_are_the_statistics_modules() {
    let s = setup().await;
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, kind, micro) = get(&client, &s, "/results/citizen-security/microdata.csv").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let (header, rows) = csv_of(&micro);
    assert_eq!(rows.len(), WAVES.len() * PER_WAVE);
    for c in [
        "channel",
        "wave",
        "mode",
        "site",
        "stratum",
        "cluster",
        "base_weight",
        "final_weight",
    ] {
        assert!(header.iter().any(|h| h == c), "column {c} in {header:?}");
    }
    for free in ["comment", "neighbourhood"] {
        assert!(
            !header.iter().any(|h| h == free),
            "typed text {free} left out"
        );
    }
    assert!(
        !String::from_utf8_lossy(&micro).contains("الخدمة جيدة"),
        "no typed answer"
    );
    // Every response of both waves has a final weight; each wave sums to the targets.
    let (wi, fi) = (
        header.iter().position(|h| h == "wave").unwrap(),
        header.iter().position(|h| h == "final_weight").unwrap(),
    );
    for w in WAVES {
        let total: f64 = rows
            .iter()
            .filter(|r| r[wi] == w)
            .map(|r| r[fi].parse::<f64>().expect("a final weight"))
            .sum();
        assert!(
            (total - 10000.0).abs() < 1e-6,
            "wave {w} weights sum to {total}"
        );
    }
    // The same weights as the statistics module's design on the microdata.
    let path = s.surveys.join("citizen-security.design.toml");
    let mut file = DesignFile::read(&path).unwrap();
    file.filters.push(mizan::analysis::design_file::FilterSpec {
        column: "wave".into(),
        equals: Some(mizan::analysis::design_file::OneOrMany::One(
            "2026-W2".into(),
        )),
        from: None,
        to: None,
    });
    let table = Table::from_bytes(Path::new("m.csv"), &micro, &file.data.missing).unwrap();
    let (table, _) = filter::apply(table, &file.filters).unwrap();
    let design =
        mizan::analysis::design_file::build_design(&table, &file, &path, &s.surveys).unwrap();
    let shown: Vec<f64> = rows
        .iter()
        .filter(|r| r[wi] == "2026-W2")
        .map(|r| r[fi].parse().unwrap())
        .collect();
    assert_eq!(design.weights(), &shown[..]);

    // Estimates: the module's rows on the microdata's wave, published (rounded, suppressed).
    for wave in WAVES {
        let (status, _, body) = get(
            &client,
            &s,
            &format!("/results/citizen-security/estimates.csv?wave={wave}"),
        )
        .await;
        assert_eq!(status, 200);
        let full = expected_rows(&s.survey, &s.surveys, &micro, wave);
        let published = mizan::results::publish::publish(&full, &file);
        let expected = mizan::results::publish::to_csv(&published).unwrap();
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            String::from_utf8(expected).unwrap(),
            "wave {wave}"
        );
        // Suppression holds: some cells are hidden, with neither numbers nor n, and no
        // breakdown has a single hidden cell.
        let (_, est) = csv_of(&body);
        let suppressed: Vec<&Vec<String>> = est
            .iter()
            .filter(|r| r[11] == "suppressed" && !r[2].is_empty())
            .collect();
        assert!(
            !suppressed.is_empty(),
            "the test needs a small cell in wave {wave}"
        );
        for r in &suppressed {
            assert!(
                r[4].is_empty() && r[5..=10].iter().all(String::is_empty),
                "{r:?}"
            );
        }
        // Hidden groups of a breakdown: its suppressed cells, and the respondents without a
        // value for the breakdown's column (the total's n minus every cell's).
        let mut hidden: BTreeMap<(String, String, String), (usize, usize)> = BTreeMap::new();
        for r in &suppressed {
            let key = (r[0].clone(), r[1].clone(), r[2].clone());
            let n = full
                .iter()
                .find(|f| {
                    (&f.variable, &f.category, &f.domain, &f.domain_value)
                        == (&r[0], &r[1], &r[2], &r[3])
                })
                .unwrap()
                .estimate
                .n;
            let e = hidden.entry(key).or_default();
            e.0 += 1;
            e.1 += n;
        }
        let min_n = file.reliability.rules().min_n;
        for ((var, cat, dom), (cells, n)) in &hidden {
            let scope = |f: &&Row| f.variable == *var && f.category == *cat;
            let total = full
                .iter()
                .filter(scope)
                .find(|f| f.domain.is_empty())
                .unwrap()
                .estimate
                .n;
            let in_cells: usize = full
                .iter()
                .filter(scope)
                .filter(|f| f.domain == *dom)
                .map(|f| f.estimate.n)
                .sum();
            let rest = total - in_cells;
            let groups = cells + usize::from(rest > 0);
            let shown_left = published.iter().any(|f| {
                f.variable == *var
                    && f.category == *cat
                    && f.domain == *dom
                    && f.flag != mizan::stats::Flag::Suppressed
            });
            let total_hidden = published.iter().any(|f| {
                f.variable == *var
                    && f.category == *cat
                    && f.domain.is_empty()
                    && f.flag == mizan::stats::Flag::Suppressed
            });
            // Enough hidden together, unless nothing is left to hide or the total is hidden too.
            assert!(
                groups >= 2 && (n + rest >= min_n || !shown_left || total_hidden),
                "{var} {cat} by {dom}: {cells} hidden cells of {n}, {rest} without a value"
            );
        }
    }
    // Typed text: admins only, and only when asked.
    let (status, _, _) = get(
        &client,
        &s,
        "/results/citizen-security/microdata.csv?free_text=1",
    )
    .await;
    assert_eq!(status, 403);
    let admin = staff::signed_in(&s.server, ADMIN).await;
    let (_, _, plain) = get(&admin, &s, "/results/citizen-security/microdata.csv").await;
    assert!(!csv_of(&plain).0.iter().any(|h| h == "comment"));
    let (status, _, with) = get(
        &admin,
        &s,
        "/results/citizen-security/microdata.csv?free_text=1",
    )
    .await;
    assert_eq!(status, 200);
    assert!(csv_of(&with).0.iter().any(|h| h == "comment"));
    assert!(String::from_utf8_lossy(&with).contains("الخدمة جيدة"));
    // The codebook opens, describes the final weight, and leaves typed text out too.
    let (status, _, book) = get(&client, &s, "/results/citizen-security/codebook.csv").await;
    assert_eq!(status, 200);
    let (_, book) = csv_of(&book);
    assert!(book.iter().any(|r| r[0] == "final_weight"));
    assert!(
        book.iter()
            .any(|r| r[0] == "contact" && r[4] == "yes" && r[5] == "نعم")
    );
    assert!(!book.iter().any(|r| r[0] == "comment"));
}

fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn one_workbook_right_to_left_in_arabic_with_the_published_numbers() {
    use calamine::{Data, Reader, Xlsx};
    let s = setup().await;
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, kind, bytes) = get(&client, &s, "/results/citizen-security/workbook.xlsx").await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["methodology", "estimates", "codebook", "microdata"]
    );
    for n in 1..=4 {
        assert!(
            sheet_xml(&bytes, n).contains("rightToLeft=\"1\""),
            "Arabic sheet {n} is RTL"
        );
    }
    let mut styles = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(&bytes))
        .unwrap()
        .by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(
        styles.contains("formatCode=\"0.0%\""),
        "shares formatted as percentages"
    );

    // Estimates: the published CSV's numbers, codes beside both labels.
    let csv = get(&client, &s, "/results/citizen-security/estimates.csv")
        .await
        .2;
    let (_, est) = csv_of(&csv);
    let sheet = book.worksheet_range("estimates").unwrap();
    let cells: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(cells.len(), est.len() + 1);
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        Data::Float(x) => format!("{x}"),
        Data::Int(x) => format!("{x}"),
        other => format!("{other:?}"),
    };
    for (row, e) in cells[1..].iter().zip(&est) {
        assert_eq!(text(&row[0]), e[0]);
        assert_eq!(text(&row[3]), e[1]);
        assert_eq!(text(&row[6]), e[2]);
        assert_eq!(text(&row[7]), e[3]);
        // n, n_eff, estimate, se, ci_low, ci_high, deff, flag: the CSV's.
        for (k, c) in (10..=17).zip(4..=11) {
            match &row[k] {
                Data::Float(x) => {
                    assert!((x - e[c].parse::<f64>().unwrap()).abs() < 1e-12, "{e:?}")
                }
                other => assert_eq!(text(other), e[c], "{e:?}"),
            }
        }
    }
    let contact_yes = cells
        .iter()
        .find(|r| text(&r[0]) == "contact" && text(&r[3]) == "yes")
        .unwrap();
    assert_eq!(text(&contact_yes[4]), "نعم");
    assert_eq!(text(&contact_yes[5]), "Yes");
    assert!(text(&contact_yes[1]).contains("مركز شرطة"));
    // Microdata: no typed text, codes then labels, final weights.
    let micro = book.worksheet_range("microdata").unwrap();
    let head: Vec<String> = micro.rows().next().unwrap().iter().map(text).collect();
    assert!(head.iter().any(|h| h == "contact_label_ar"));
    assert!(head.iter().any(|h| h == "final_weight"));
    assert!(!head.iter().any(|h| h == "comment"));
    assert_eq!(micro.rows().count(), 1 + WAVES.len() * PER_WAVE);
    // Methodology in both languages side by side.
    let m = book.worksheet_range("methodology").unwrap();
    let all: String = m
        .rows()
        .flat_map(|r| r.iter().map(text))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains(SPONSOR_EN) && all.contains("وزارة الداخلية"));

    // English: left to right.
    let (_, _, en) = get(
        &client,
        &s,
        "/results/citizen-security/workbook.xlsx?lang=en",
    )
    .await;
    for n in 1..=4 {
        assert!(
            !sheet_xml(&en, n).contains("rightToLeft=\"1\""),
            "English sheet {n} is LTR"
        );
    }
}

#[tokio::test]
async fn the_r_script_rebuilds_the_design_and_every_estimate() {
    let s = setup().await;
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, _, script) = get(&client, &s, "/results/citizen-security/reproduce.R").await;
    assert_eq!(status, 200);
    let script = String::from_utf8(script).unwrap();
    for piece in [
        "library(survey)",
        "d$wave == \"2026-W2\"",
        "svydesign(ids = ~mizan_psu, strata = ~mizan_stratum, weights = ~mizan_w, data = d, nest = TRUE)",
        "des <- rake(des, list(~mizan_c1_1, ~mizan_c2_1), list(pop1, pop2)",
        "svyciprop(",
        "svymean(",
        "final_weight",
    ] {
        assert!(script.contains(piece), "script lacks {piece:?}:\n{script}");
    }
    let rscript = std::process::Command::new("Rscript")
        .args(["-e", "library(survey)"])
        .output();
    if !rscript.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "Rscript with the survey package is not installed: the script's text was checked, not run"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let micro = get(&client, &s, "/results/citizen-security/microdata.csv")
        .await
        .2;
    std::fs::write(dir.path().join("citizen-security-microdata.csv"), &micro).unwrap();
    std::fs::write(dir.path().join("reproduce.R"), &script).unwrap();
    if let Ok(keep) = std::env::var("MIZAN_KEEP_R") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(
            Path::new(&keep).join("citizen-security-microdata.csv"),
            &micro,
        )
        .unwrap();
        std::fs::write(Path::new(&keep).join("reproduce.R"), &script).unwrap();
    }
    let out = std::process::Command::new("Rscript")
        .args(["reproduce.R", "citizen-security-microdata.csv", "out.csv"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Rscript failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut from_r: BTreeMap<(String, String, String, String), Vec<f64>> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let key = (
            rec[0].to_string(),
            rec[1].to_string(),
            rec[2].to_string(),
            rec[3].to_string(),
        );
        let nums = (4..9)
            .map(|i| rec[i].parse::<f64>().unwrap_or(f64::NAN))
            .collect();
        from_r.insert(key, nums);
    }
    let rows = expected_rows(&s.survey, &s.surveys, &micro, "2026-W2");
    let mut compared = 0;
    let mut worst_ci: f64 = 0.0;
    for row in &rows {
        let e = &row.estimate;
        if e.n == 0 || !e.estimate.is_finite() {
            continue;
        }
        let key = (
            row.variable.clone(),
            row.category.clone(),
            row.domain.clone(),
            row.domain_value.clone(),
        );
        let got = from_r
            .get(&key)
            .unwrap_or_else(|| panic!("R has no row {key:?}"));
        assert_eq!(got[0], e.n as f64, "{key:?} n");
        // As the reference tests: estimates and SEs to 1e-9, interval bounds (through the t
        // quantile of a small df) to 1e-6, relative.
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1.0);
        assert!(
            close(got[1], e.estimate, 1e-9),
            "{key:?} estimate R {} Mizan {}",
            got[1],
            e.estimate
        );
        if row.status.is_none() {
            assert!(
                close(got[2], e.se, 1e-9),
                "{key:?} se R {} Mizan {}",
                got[2],
                e.se
            );
            for (r, m) in [(got[3], row.ci.0), (got[4], row.ci.1)] {
                assert!(close(r, m, 1e-6), "{key:?} interval R {r} Mizan {m}");
                worst_ci = worst_ci.max((r - m).abs());
            }
        }
        compared += 1;
    }
    eprintln!(
        "R reproduced {compared} estimates and SEs to 1e-9; largest interval difference {worst_ci:e}"
    );
    assert!(compared > 30, "compared {compared}");
}

#[tokio::test]
async fn before_any_response_every_download_opens() {
    use calamine::{Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path());
    let url = common::fresh_database_url(dir.path()).await;
    staff::add_user(&url, ANALYST, "analyst");
    let server = common::TestServer::start_on(&surveys, url, dir);
    let s = Setup {
        server,
        survey: survey_of(&surveys),
        surveys,
    };
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, _, page) = get(&client, &s, "/results/citizen-security/methodology?lang=en").await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No responses yet."));
    assert!(page.contains("No precision can be given"));
    let (status, _, micro) = get(&client, &s, "/results/citizen-security/microdata.csv").await;
    assert_eq!(status, 200);
    let (header, rows) = csv_of(&micro);
    assert!(rows.is_empty() && header.last().map(String::as_str) == Some("final_weight"));
    let (status, _, est) = get(&client, &s, "/results/citizen-security/estimates.csv").await;
    assert_eq!(status, 200);
    let (_, est) = csv_of(&est);
    assert!(
        !est.is_empty() && est.iter().all(|r| r[12] == "no_answers"),
        "{est:?}"
    );
    let (status, _, book) = get(&client, &s, "/results/citizen-security/workbook.xlsx").await;
    assert_eq!(status, 200);
    let book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(book)).unwrap();
    assert_eq!(book.sheet_names().len(), 4);
    let (status, _, script) = get(&client, &s, "/results/citizen-security/reproduce.R").await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8(script)
            .unwrap()
            .contains("d$wave == \"2026-W1\"")
    );
}

#[tokio::test]
async fn a_design_the_responses_do_not_fit_is_said_not_a_500() {
    let s = setup().await;
    // Interviews have no calibration target: no wave can be weighted.
    let broken = DESIGN.replace("  { channel = \"interviewer\", total = 4000 },\n", "");
    std::fs::write(s.surveys.join("citizen-security.design.toml"), broken).unwrap();
    let client = staff::signed_in(&s.server, ANALYST).await;
    let (status, _, page) = get(&client, &s, "/results/citizen-security/methodology?lang=en").await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("The estimates cannot be computed with this design"),
        "{page}"
    );
    assert!(
        page.contains("Wave 2026-W2 could not be weighted"),
        "{page}"
    );
    assert!(page.contains("in no target cell"), "{page}");
    for path in ["estimates.csv", "workbook.xlsx"] {
        let (status, kind, _) =
            get(&client, &s, &format!("/results/citizen-security/{path}")).await;
        assert_eq!(status, 422, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
    }
    // The microdata still opens, without final weights.
    let (status, _, micro) = get(&client, &s, "/results/citizen-security/microdata.csv").await;
    assert_eq!(status, 200);
    let (header, rows) = csv_of(&micro);
    let fi = header.iter().position(|h| h == "final_weight").unwrap();
    assert!(rows.iter().all(|r| r[fi].is_empty()));
}

#[tokio::test]
async fn a_question_page_shows_the_estimated_number_of_people_when_the_weights_stand_for_a_population()
 {
    let s = setup().await;
    let client = staff::signed_in(&s.server, ANALYST).await;
    // The published total of the latest wave, as the estimates download gives it.
    let (status, _, csv) = get(&client, &s, "/results/citizen-security/estimates.csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let total: f64 = reader
        .records()
        .map(|r| r.unwrap())
        .find(|r| {
            &r[at("variable")] == "gender"
                && &r[at("category")] == "female"
                && r[at("domain")].is_empty()
        })
        .expect("the design's total")[at("estimate")]
    .parse()
    .unwrap();
    assert!(total > 100.0, "a number of people out of 10,000: {total}");
    let grouped = |x: f64| {
        let whole = format!("{x:.0}");
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let (status, _, page) = get(&client, &s, "/results/citizen-security/q/gender?lang=en").await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Estimated number of people"), "{page}");
    assert!(
        page.contains(&grouped(total)),
        "{} in {page}",
        grouped(total)
    );
    // Arabic: the same number in Arabic digits with the Arabic thousands separator.
    let (_, _, ar) = get(&client, &s, "/results/citizen-security/q/gender?lang=ar").await;
    let ar = String::from_utf8(ar).unwrap();
    let arabic =
        mizan::web::i18n::digits(mizan::survey::Lang::Ar, &grouped(total)).replace(',', "٬");
    assert!(
        ar.contains("العدد المقدَّر من الناس") && ar.contains(&arabic),
        "{arabic}"
    );
}
