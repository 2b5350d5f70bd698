//! The fast path of estimates (each response's compact typed cells, written at submit) gives
//! the same table and the same numbers, digit for digit, as the reference path (the answers'
//! JSON), on SQLite and on PostgreSQL (`.ci/with-postgres cargo test --test fast_path`):
//! with responses of two survey versions, some stored before their survey's layout was known
//! and filled in by the backfill. Figures computed before are served again only while nothing
//! changed.

mod common;
#[path = "common/responses.rs"]
mod responses;

use mizan::db::Db;
use mizan::results::{
    ReadPath, SurveyDesign, default_design, estimate_survey_as_of, estimate_survey_by,
    read_columns_by,
};
use mizan::survey::{QuestionKind, Survey};

const DESIGN: &str = r#"
[data]
missing = ["dk", "prefer_not"]
[design]
strata = "stratum"
cluster = "cluster"
[output]
domains = ["governorate", "gender", "age_group", "channel", "survey_version"]
[[variable]]
name = "safe_night"
type = "mean"
[[variable]]
name = "contact"
type = "categorical"
[[index]]
name = "security_index"
items = ["safe_day", "safe_night", "trust_police"]
scale = [1, 4]
item_scales = { trust_police = [1, 5] }
min_answered = 2
"#;

fn citizen_security() -> Survey {
    let surveys = mizan::survey::load_paths(&[common::repo_path("surveys/citizen-security.toml")])
        .expect("example survey is valid");
    surveys.into_iter().next().expect("one survey")
}

/// An older version of the survey: another version id, and one choice more in the first
/// single choice with several (its answers then fall outside the current layout's codes).
fn older_version(current: &Survey) -> Survey {
    let mut old = current.clone();
    old.version = format!("{}-older", current.version);
    'found: for page in &mut old.pages {
        for q in &mut page.questions {
            if let QuestionKind::SingleChoice { options, .. } = &mut q.kind {
                if options.len() > 2 {
                    let mut extra = options[0].clone();
                    extra.code = "older_only".into();
                    options.insert(0, extra);
                    break 'found;
                }
            }
        }
    }
    old
}

async fn store(db: &Db, survey: &Survey, n: usize, seed: u64) {
    let mut rng = responses::Rng::new(seed);
    for _ in 0..n {
        let r = responses::random_response(survey, &mut rng);
        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
            .await
            .expect("store");
    }
}

fn designs(survey: &Survey) -> Vec<SurveyDesign> {
    vec![
        SurveyDesign {
            file: default_design(survey),
            path: None,
        },
        SurveyDesign {
            file: mizan::analysis::design_file::DesignFile::parse(
                DESIGN,
                "fast.design.toml".as_ref(),
            )
            .expect("design"),
            path: None,
        },
    ]
}

/// Same table (every cell of every column, in order) and same estimates (every field, as
/// Rust prints an f64: the shortest text that reads back to the same bits).
async fn assert_same(db: &Db, survey: &Survey, what: &str) {
    for design in designs(survey) {
        let names = design.file.columns();
        let missing = &design.file.data.missing;
        let fast = read_columns_by(db, survey, &names, missing, ReadPath::Fastest)
            .await
            .expect("fast")
            .expect("rows");
        let json = read_columns_by(db, survey, &names, missing, ReadPath::Json)
            .await
            .expect("json")
            .expect("rows");
        assert_eq!(fast.rows(), json.rows(), "{what}: rows");
        for name in &names {
            let (f, j) = (fast.column(name).unwrap(), json.column(name).unwrap());
            for i in 0..fast.rows() {
                assert_eq!(f.get(i), j.get(i), "{what}: column {name}, row {i}");
            }
        }
        let fast = estimate_survey_by(db, survey, &design, ReadPath::Fastest)
            .await
            .expect("fast estimates");
        let json = estimate_survey_by(db, survey, &design, ReadPath::Json)
            .await
            .expect("json estimates");
        assert!(fast.len() > 10, "{what}: {} estimates", fast.len());
        assert_eq!(format!("{fast:?}"), format!("{json:?}"), "{what}");
    }
    // The export: the same file, byte for byte, from the cells as from the JSON.
    let marker = db.change_marker(&survey.id).await.unwrap();
    let mut fast = Vec::new();
    let from_cells = mizan::export::write_microdata_from_cells(db, survey, marker, &mut fast)
        .await
        .unwrap();
    let mut json = Vec::new();
    let reference = mizan::export::write_microdata(survey, db.responses(&survey.id), &mut json)
        .await
        .unwrap();
    match from_cells {
        Some(summary) => {
            assert_eq!(summary, reference, "{what}: export summary");
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(json).unwrap(),
                "{what}: export"
            );
        }
        None => assert!(
            !marker.cells_complete(),
            "{what}: cells complete but not used"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_give_the_json_paths_numbers_digit_for_digit() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let current = citizen_security();
    let old = older_version(&current);

    // Before the cells existed (or by a process that did not know the surveys): the older
    // version's responses and some of the current one's, stored without cells.
    let db = Db::connect(&url).await.expect("connect");
    store(&db, &old, 120, 1).await;
    store(&db, &current, 60, 2).await;
    let marker = db.change_marker(&current.id).await.unwrap();
    assert_eq!((marker.responses, marker.cells), (180, 0));
    assert_eq!(db.count_responses(&current.id).await.unwrap(), 180);
    // Without cells the fast path reads the JSON: same numbers, trivially.
    assert_same(&db, &current, "before the backfill").await;

    // A server that knows the current version stores the cells with each response...
    db.register_survey(&current).await.unwrap();
    store(&db, &current, 90, 3).await;
    let marker = db.change_marker(&current.id).await.unwrap();
    assert_eq!((marker.responses, marker.cells), (270, 90));
    // ...and the backfill fills in the rest (the older version with the current layout).
    assert_eq!(db.backfill_cells(&current).await.unwrap(), 180);
    assert_eq!(db.backfill_cells(&current).await.unwrap(), 0);
    let marker = db.change_marker(&current.id).await.unwrap();
    assert!(marker.cells_complete(), "{marker:?}");
    assert_same(&db, &current, "two versions, after the backfill").await;

    // The fast path really reads the cells: with the JSON emptied behind its back the
    // reference changes, the cells do not.
    let design = &designs(&current)[0];
    let before = estimate_survey_by(&db, &current, design, ReadPath::Fastest)
        .await
        .unwrap();
    empty_answers_json(&db, &current.id).await;
    let after = estimate_survey_by(&db, &current, design, ReadPath::Fastest)
        .await
        .unwrap();
    let json = estimate_survey_by(&db, &current, design, ReadPath::Json)
        .await
        .unwrap();
    assert_eq!(format!("{before:?}"), format!("{after:?}"));
    assert_ne!(format!("{before:?}"), format!("{json:?}"));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_served_again_until_a_response_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let survey = citizen_security();
    let db = Db::connect(&url).await.expect("connect");
    db.register_survey(&survey).await.unwrap();
    store(&db, &survey, 40, 7).await;
    let design = &designs(&survey)[0];
    let (first, day) = estimate_survey_as_of(&db, &survey, design).await.unwrap();
    assert_eq!(day, time::OffsetDateTime::now_utc().date());
    // Nothing changed: the same figures, without reading the responses (emptying their
    // JSON and cells would show if they were read).
    let (again, _) = estimate_survey_as_of(&db, &survey, design).await.unwrap();
    assert_eq!(format!("{first:?}"), format!("{again:?}"));
    // One more response: the next view has it.
    store(&db, &survey, 1, 8).await;
    let (next, _) = estimate_survey_as_of(&db, &survey, design).await.unwrap();
    let fresh = estimate_survey_by(&db, &survey, design, ReadPath::Json)
        .await
        .unwrap();
    assert_ne!(format!("{first:?}"), format!("{next:?}"));
    assert_eq!(format!("{next:?}"), format!("{fresh:?}"));
    db.close().await;
}

/// Overwrite every stored answer document with `{}` (test only: shows which path was read).
async fn empty_answers_json(db: &Db, survey_id: &str) {
    if let Some(pool) = db.sqlite_pool() {
        sqlx::query("UPDATE responses SET answers = '{}' WHERE survey_id = ?")
            .bind(survey_id)
            .execute(pool)
            .await
            .unwrap();
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::query("UPDATE responses SET answers = '{}'::jsonb WHERE survey_id = $1")
            .bind(survey_id)
            .execute(pool)
            .await
            .unwrap();
    }
}
