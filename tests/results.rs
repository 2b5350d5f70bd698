//! Results for analysts: weighted estimates straight from the database must equal
//! `mizan estimate --data` on the export, digit for digit; the results pages, their downloads
//! and analyst sign-in. Runs on SQLite, and on PostgreSQL under `.ci/with-postgres`.

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
