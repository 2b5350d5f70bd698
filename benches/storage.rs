//! Storage benchmark (a bench binary, not a timed test): submissions per second through
//! `Db::store_response` with concurrent tasks, on SQLite and — when `MIZAN_TEST_POSTGRES_URL`
//! is set (`.ci/with-postgres cargo bench --bench storage`) — on PostgreSQL. Then, optionally,
//! the statistics read path: `Db::answer_columns` streaming 3 answer columns of a survey with
//! `MIZAN_BENCH_SCAN_ROWS` responses (e.g. 1000000) on SQLite, reporting time and peak memory.
//!
//! The web helper benchmarks the full HTTP path; this one isolates the database.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::TryStreamExt;
use mizan::db::{Db, NewResponse, Stored};
use mizan::survey::{Answer, Answers, Lang};

fn response(i: u64) -> NewResponse {
    let governorates = ["baghdad", "basra", "nineveh", "erbil", "najaf", "anbar"];
    NewResponse {
        survey_id: "citizen-security".into(),
        survey_version: "0123456789ab".into(),
        lang: if i % 3 == 0 { Lang::En } else { Lang::Ar },
        channel: "link".into(),
        source: Some("qr-poster".into()),
        metadata: BTreeMap::from([
            ("site".into(), format!("site-{}", i % 40)),
            ("stratum".into(), governorates[(i % 6) as usize].into()),
        ]),
        answers: Answers::from([
            ("safe_day".into(), Answer::Value(((i % 4) + 1).to_string())),
            (
                "safe_night".into(),
                Answer::Value(((i % 5) + 1).to_string()),
            ),
            (
                "trust_police".into(),
                Answer::Value(((i % 5) + 1).to_string()),
            ),
            (
                "contact".into(),
                Answer::Value(if i % 2 == 0 { "yes" } else { "no" }.into()),
            ),
            ("satisfaction".into(), Answer::Number((i % 11) as f64)),
            ("waiting".into(), Answer::Number((i % 180) as f64)),
            (
                "reasons".into(),
                Answer::Codes(vec!["theft".into(), "document".into()]),
            ),
            (
                "governorate".into(),
                Answer::Value(governorates[(i % 6) as usize].into()),
            ),
            (
                "gender".into(),
                Answer::Value(if i % 2 == 0 { "f" } else { "m" }.into()),
            ),
            ("age_group".into(), Answer::Value(format!("a{}", i % 6))),
            ("education".into(), Answer::Value(format!("e{}", i % 5))),
            (
                "comment".into(),
                Answer::Value("الخدمة جيدة لكن الانتظار طويل في مركز الشرطة".into()),
            ),
        ]),
    }
}

/// Store `total` responses with `tasks` concurrent tasks; returns submissions per second.
async fn submissions_per_second(db: &Db, tasks: u64, total: u64) -> (f64, u64) {
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let db = db.clone();
            let next = next.clone();
            let errors = errors.clone();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let key = format!("bench-{tasks}-{i}-{}", uuid::Uuid::new_v4());
                    match db.store_response(&response(i), &key).await {
                        Ok(Stored::New) => {}
                        Ok(Stored::Duplicate | Stored::QuotaFull) | Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.await.expect("task");
    }
    let secs = started.elapsed().as_secs_f64();
    (total as f64 / secs, errors.load(Ordering::Relaxed))
}

async fn run_submissions(label: &str, db: &Db, total: u64) {
    for tasks in [1, 8, 64] {
        let (rate, errors) = submissions_per_second(db, tasks, total).await;
        println!(
            "store_response {label:8} {tasks:3} tasks: {rate:8.0} submissions/s ({total} stored, {errors} errors)"
        );
    }
}

async fn fresh_postgres(admin: &str) -> String {
    use sqlx::Connection;
    let name = format!("mizan_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("admin URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
    let cut = base.rfind('/').expect("admin URL has a database path");
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..cut])
}

/// Peak resident memory of this process in KiB (VmHWM), and a way to reset it.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn run_scan(rows: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("scan.db").display());
    let db = Db::connect(&url).await.expect("connect");
    let pool = db.sqlite_pool().expect("sqlite").clone();
    let started = Instant::now();
    // Bulk load through plain SQL in large transactions: this part only prepares the data.
    let mut i = 0;
    while i < rows {
        let mut tx = pool.begin().await.expect("begin");
        for _ in 0..10_000.min(rows - i) {
            let r = response(i);
            sqlx::query(
                "INSERT INTO responses (id, survey_id, survey_version, lang, channel, source, \
                 metadata, submitted_on, answers) VALUES (?, ?, ?, ?, ?, ?, ?, '2026-11-23', ?)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&r.survey_id)
            .bind(&r.survey_version)
            .bind(r.lang.code())
            .bind(&r.channel)
            .bind(&r.source)
            .bind(serde_json::to_string(&r.metadata).unwrap())
            .bind(serde_json::to_string(&r.answers).unwrap())
            .execute(&mut *tx)
            .await
            .expect("insert");
            i += 1;
        }
        tx.commit().await.expect("commit");
    }
    let size = std::fs::metadata(dir.path().join("scan.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "answer_columns: loaded {rows} responses in {:.1} s ({} MB on disk)",
        started.elapsed().as_secs_f64(),
        size / 1_000_000
    );

    reset_peak_rss();
    let before = peak_rss_kib();
    let started = Instant::now();
    let mut count = 0u64;
    let mut satisfaction_sum = 0.0;
    let mut stream = db.answer_columns(
        "citizen-security",
        &["trust_police", "satisfaction", "gender"],
    );
    while let Some(row) = stream.try_next().await.expect("row") {
        count += 1;
        if let Some(Answer::Number(x)) = row.values[1] {
            satisfaction_sum += x;
        }
    }
    drop(stream);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "answer_columns sqlite: {count} rows x 3 columns in {secs:.2} s ({:.0} rows/s), \
         peak RSS {} MiB (was {} MiB before the scan), mean satisfaction {:.3}",
        count as f64 / secs,
        peak_rss_kib() / 1024,
        before / 1024,
        satisfaction_sum / count.max(1) as f64
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let total: u64 = std::env::var("MIZAN_BENCH_SUBMISSIONS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_000);
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let db = Db::connect(&url).await.expect("sqlite");
        run_submissions("sqlite", &db, total).await;
        db.close().await;

        match std::env::var("MIZAN_TEST_POSTGRES_URL") {
            Ok(admin) => {
                let db = Db::connect(&fresh_postgres(&admin).await).await.expect("postgres");
                run_submissions("postgres", &db, total).await;
                db.close().await;
            }
            Err(_) => println!(
                "store_response postgres: skipped (set MIZAN_TEST_POSTGRES_URL, e.g. via .ci/with-postgres)"
            ),
        }

        if let Some(rows) = std::env::var("MIZAN_BENCH_SCAN_ROWS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            run_scan(rows).await;
        }
    });
}
