//! Estimates and export at scale (a bench binary, not a timed test). For each size of
//! `MIZAN_BENCH_SIZES` (default `200000,1000000`) it fills a SQLite database
//! (`MIZAN_BENCH_DIR`, default /tmp, file `mizan-scale-N.db`; kept and reused) with N random
//! responses to the example survey, written in bulk as the submit writes them (the response
//! row and its cells, counted), then prints one line with: the results page's estimates with
//! the default design from cold (first view) and while nothing changed (second view), the
//! stratified, clustered design with 4 domains from cold, and `mizan export`; each with the
//! peak memory of the process during that step (Linux: VmHWM, reset before each step).
//!
//! `cargo bench --bench results_scale`; `MIZAN_BENCH_JSON=1` also times the reference path
//! (the answers' JSON) for the default design.

#[path = "../tests/common/responses.rs"]
mod responses;

use std::sync::Arc;
use std::time::Instant;

use mizan::db::Db;
use mizan::db::cells::{Facts, Layout, encode};
use mizan::results::{ReadPath, SurveyDesign, default_design, estimate_survey_as_of};
use mizan::survey::Survey;

const DESIGN: &str = r#"
[data]
missing = ["dk", "prefer_not"]
[design]
strata = "stratum"
cluster = "cluster"
[output]
domains = ["governorate", "gender", "age_group", "channel"]
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

/// Reset the peak resident memory of this process (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// N responses as the submit stores them (row, cells, count), in transactions of 10,000.
async fn fill(db: &Db, survey: &Survey, have: u64, wanted: u64) {
    db.register_survey(survey).await.expect("layout");
    let layout = Layout::of(survey);
    let pool = db.sqlite_pool().expect("SQLite");
    let mut rng = responses::Rng::new(have.wrapping_mul(7919) + 1);
    let day = "2026-12-02";
    let mut left = wanted - have;
    while left > 0 {
        let n = left.min(10_000);
        let mut tx = pool.begin().await.expect("begin");
        for _ in 0..n {
            let r = responses::random_response(survey, &mut rng);
            let id = uuid::Uuid::new_v4().hyphenated().to_string();
            let cells = encode(
                &layout,
                &Facts {
                    version: &r.survey_version,
                    lang: r.lang.code(),
                    day,
                    channel: &r.channel,
                    source: r.source.as_deref(),
                    metadata: &r.metadata,
                    answers: &r.answers,
                },
            );
            sqlx::query(
                "INSERT INTO responses (id, survey_id, survey_version, lang, channel, source, \
                 metadata, submitted_on, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?); \
                 INSERT INTO response_cells (survey_id, id, cells) VALUES (?, ?, ?)",
            )
            .bind(&id)
            .bind(&r.survey_id)
            .bind(&r.survey_version)
            .bind(r.lang.code())
            .bind(&r.channel)
            .bind(&r.source)
            .bind(serde_json::to_string(&r.metadata).unwrap())
            .bind(day)
            .bind(serde_json::to_string(&r.answers).unwrap())
            .bind(&r.survey_id)
            .bind(&id)
            .bind(cells)
            .execute(&mut *tx)
            .await
            .expect("insert");
        }
        sqlx::query(
            "INSERT INTO survey_counts (survey_id, shard, responses, cells) VALUES (?, 0, ?, ?) \
             ON CONFLICT (survey_id, shard) DO UPDATE SET responses = responses + excluded.responses, \
             cells = cells + excluded.cells",
        )
        .bind(&survey.id)
        .bind(n as i64)
        .bind(n as i64)
        .execute(&mut *tx)
        .await
        .expect("count");
        tx.commit().await.expect("commit");
        left -= n;
    }
}

fn main() {
    // As `mizan serve` starts: blocks of 4 MiB and more (a column of a million responses)
    // are mapped and unmapped, never kept.
    mizan::process::map_large_allocations();
    let dir = std::env::var("MIZAN_BENCH_DIR").unwrap_or_else(|_| "/tmp".into());
    let sizes: Vec<u64> = std::env::var("MIZAN_BENCH_SIZES")
        .unwrap_or_else(|_| "200000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let surveys = mizan::survey::load_paths(&[concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/surveys/citizen-security.toml"
    )
    .into()])
    .expect("example survey");
    let survey = Arc::new(surveys.into_iter().next().expect("one survey"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for n in sizes {
        runtime.block_on(async {
            let path = format!("{dir}/mizan-scale-{n}.db");
            let db = Db::connect(&format!("sqlite://{path}"))
                .await
                .expect("connect");
            let have = db.count_responses(&survey.id).await.expect("count");
            if have < n {
                let started = Instant::now();
                fill(&db, &survey, have, n).await;
                println!(
                    "(filled {} responses in {:.1} s)",
                    n - have,
                    started.elapsed().as_secs_f64()
                );
            }
            let default = SurveyDesign {
                file: default_design(&survey),
                path: None,
            };
            let strata = SurveyDesign {
                file: mizan::analysis::design_file::DesignFile::parse(
                    DESIGN,
                    "bench.design.toml".as_ref(),
                )
                .expect("design"),
                path: None,
            };
            let step = |t: Instant| (t.elapsed().as_secs_f64(), peak_mib());
            reset_peak();
            let t = Instant::now();
            let (rows, _) = estimate_survey_as_of(&db, &survey, &default)
                .await
                .expect("estimate");
            let (cold, cold_mem) = step(t);
            reset_peak();
            let t = Instant::now();
            estimate_survey_as_of(&db, &survey, &default)
                .await
                .expect("estimate");
            let (warm, warm_mem) = step(t);
            reset_peak();
            let t = Instant::now();
            let strata_rows = estimate_survey_as_of(&db, &survey, &strata)
                .await
                .expect("estimate")
                .0;
            let (domains, domains_mem) = step(t);
            let out = std::path::PathBuf::from(format!("{dir}/mizan-scale-{n}.csv"));
            reset_peak();
            let t = Instant::now();
            mizan::export::export_to_files(&db, &survey, &out)
                .await
                .expect("export");
            let (export, export_mem) = step(t);
            println!(
                "results_scale {n} responses (SQLite): default design ({} estimates) {cold:.2} s \
                 cold ({cold_mem:.0} MiB peak), {:.1} ms while nothing changed ({warm_mem:.0} MiB); \
                 strata + clusters + 4 domains ({} estimates) {domains:.2} s cold \
                 ({domains_mem:.0} MiB); export {export:.2} s ({export_mem:.0} MiB peak)",
                rows.len(),
                warm * 1000.0,
                strata_rows.len()
            );
            if std::env::var_os("MIZAN_BENCH_JSON").is_some() {
                let t = Instant::now();
                mizan::results::estimate_survey_by(&db, &survey, &default, ReadPath::Json)
                    .await
                    .expect("estimate");
                println!(
                    "  reference path (JSON), default design: {:.2} s",
                    t.elapsed().as_secs_f64()
                );
            }
            let _ = std::fs::remove_file(&out);
            db.close().await;
        });
    }
}
