//! Estimates at scale (a bench binary, not a timed test): fills a SQLite database with
//! `MIZAN_BENCH_RESPONSES` (default 1,000,000) random responses to the example survey through
//! `Db::store_response` (skipped when the database already holds them), then times
//! `results::estimate_survey` with the default design and with a stratified, clustered design
//! with domains. Peak memory: run `mizan estimate --survey` under `/usr/bin/time -v` on the same
//! file (docs/postgres.md, "Estimates at scale").
//!
//! `MIZAN_BENCH_DB=/tmp/mizan-1m.db cargo bench --bench results_scale`

#[path = "../tests/common/responses.rs"]
mod responses;

use std::sync::Arc;
use std::time::Instant;

use mizan::db::Db;
use mizan::results::{SurveyDesign, default_design, estimate_survey};

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

fn main() {
    let path =
        std::env::var("MIZAN_BENCH_DB").unwrap_or_else(|_| "/tmp/mizan-results-bench.db".into());
    let wanted: u64 = std::env::var("MIZAN_BENCH_RESPONSES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let surveys = mizan::survey::load_paths(&[concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/surveys/citizen-security.toml"
    )
    .into()])
    .expect("example survey");
    let survey = Arc::new(surveys.into_iter().next().expect("one survey"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = Db::connect(&format!("sqlite://{path}"))
            .await
            .expect("connect");
        let have = db.count_responses(&survey.id).await.expect("count");
        if have < wanted {
            let missing = wanted - have;
            let started = Instant::now();
            let tasks = 64u64;
            let mut handles = Vec::new();
            for t in 0..tasks {
                let (db, survey) = (db.clone(), survey.clone());
                let share = missing / tasks + u64::from(t < missing % tasks);
                handles.push(tokio::spawn(async move {
                    let mut rng = responses::Rng::new(have * 1000 + t);
                    for _ in 0..share {
                        let r = responses::random_response(&survey, &mut rng);
                        db.store_response(&r, &uuid::Uuid::new_v4().to_string())
                            .await
                            .expect("store");
                    }
                }));
            }
            for h in handles {
                h.await.expect("task");
            }
            println!(
                "stored {missing} responses in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        let n = db.count_responses(&survey.id).await.expect("count");
        let designs = [
            (
                "default design",
                SurveyDesign {
                    file: default_design(&survey),
                    path: None,
                },
            ),
            (
                "strata, clusters, 4 domain columns",
                SurveyDesign {
                    file: mizan::analysis::design_file::DesignFile::parse(
                        DESIGN,
                        "bench.design.toml".as_ref(),
                    )
                    .expect("design"),
                    path: None,
                },
            ),
        ];
        for (name, design) in designs {
            let started = Instant::now();
            let rows = estimate_survey(&db, &survey, &design)
                .await
                .expect("estimate");
            println!(
                "{name}: {} estimates on {n} responses in {:.2} s",
                rows.len(),
                started.elapsed().as_secs_f64()
            );
        }
        db.close().await;
    });
}
