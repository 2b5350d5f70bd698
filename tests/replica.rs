//! PostgreSQL beyond one server: with `DATABASE_READ_URL` naming a streaming replica, the
//! analysts' pages, downloads, `mizan export` and `mizan estimate --survey` read from the replica
//! while submissions and sessions go to the primary. `.ci/with-postgres` runs a real replica on
//! loopback (`MIZAN_TEST_POSTGRES_REPLICA_URL`); without it the replica tests say so and pass.
//!
//! That reads really go to the replica (not merely that it is read-only) is shown by pausing its
//! replay: the results then stay at the old number of responses while the primary has one more,
//! and move on when replay resumes.

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;

use std::time::{Duration, Instant};

use analysts::{ANALYST, PASSWORD, add_analyst, browser as analyst_browser, sign_in};
use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT, stored};
use common::{TestServer, fresh_database_url, mizan, on_postgres, replica_url_of, repo_path};
use sqlx::Connection;

/// Pausing replay stops the whole replica: tests that wait for it take turns.
static REPLICA: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn replica_configured(test: &str) -> bool {
    if std::env::var("MIZAN_TEST_POSTGRES_REPLICA_URL").is_err() {
        println!(
            "{test}: skipped: MIZAN_TEST_POSTGRES_REPLICA_URL is not set (run under \
             .ci/with-postgres, which starts a streaming replica)"
        );
        return false;
    }
    true
}

/// A fresh database on the primary with the analyst account, and the same database on the
/// replica once the replica has replayed its creation (and the migrations that `mizan analyst`
/// ran).
async fn primary_and_replica(dir: &std::path::Path) -> (String, String) {
    let primary = fresh_database_url(dir).await;
    add_analyst(&primary, ANALYST, PASSWORD);
    let replica = replica_url_of(&primary).expect("replica URL");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&replica).await {
            let analysts: Result<(i64,), _> = sqlx::query_as("SELECT count(*) FROM staff")
                .fetch_one(&mut conn)
                .await;
            if matches!(analysts, Ok((1,))) {
                return (primary, replica);
            }
        }
        assert!(
            Instant::now() < deadline,
            "the test database did not appear on the replica within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count_on(url: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM responses WHERE survey_id = $1")
        .bind(SURVEY)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    conn.close().await.ok();
    n
}

async fn wait_for_rows_on_replica(replica: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_on(replica).await != n {
        assert!(
            Instant::now() < deadline,
            "the replica did not reach {n} responses within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One person completes the example survey through the forms.
async fn complete(server: &TestServer, i: usize) {
    let mut b = Browser::new(server);
    b.answer_all(if i % 2 == 0 {
        WITH_CONTACT
    } else {
        WITHOUT_CONTACT
    })
    .await;
    let done = b.submit().await;
    assert_eq!(done.status, 303, "submit: {}", done.body);
    assert_eq!(done.location(), Some(&*format!("/s/{SURVEY}/done")));
}

/// A signed-in analyst's client on `server`.
async fn analyst(server: &TestServer) -> reqwest::Client {
    let client = analyst_browser();
    let res = sign_in(&client, server, "lang=en", "/results", ANALYST, PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in");
    client
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str) -> String {
    let res = client.get(server.url(path)).send().await.expect("GET");
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.expect("body")
}

/// The number of responses the results page states.
async fn responses_shown(client: &reqwest::Client, server: &TestServer) -> u64 {
    let page = get(client, server, &format!("/results/{SURVEY}?lang=en")).await;
    let at = page
        .find("Responses: ")
        .expect("the page states the responses")
        + 11;
    let digits: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a number of responses")
}

async fn results_csv(client: &reqwest::Client, server: &TestServer) -> String {
    get(client, server, &format!("/results/{SURVEY}.csv")).await
}

/// `mizan ARGS` on the primary alone, or with the replica for reads.
fn mizan_ok(args: &[&str], primary: &str, read: Option<&str>) -> String {
    let mut envs = vec![("DATABASE_URL", primary)];
    if let Some(read) = read {
        envs.push(("DATABASE_READ_URL", read));
    }
    let (code, out, err) = mizan(args, &envs);
    assert_eq!(code, 0, "mizan {args:?}: {err}");
    assert!(
        !err.contains("does not answer"),
        "the replica answers: {err}"
    );
    out
}

fn estimate(primary: &str, read: Option<&str>) -> String {
    let surveys = repo_path("surveys");
    mizan_ok(
        &[
            "estimate",
            "--survey",
            SURVEY,
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        primary,
        read,
    )
}

fn export(dir: &std::path::Path, primary: &str, read: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let surveys = repo_path("surveys");
    let out = dir.join(if read.is_some() {
        "replica.csv"
    } else {
        "primary.csv"
    });
    mizan_ok(
        &[
            "export",
            SURVEY,
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        primary,
        read,
    );
    let codebook = out.with_file_name(format!(
        "{}.codebook.csv",
        out.file_stem().unwrap().to_str().unwrap()
    ));
    (
        std::fs::read(&out).unwrap(),
        std::fs::read(codebook).unwrap(),
    )
}

fn csv_rows(out: &str) -> Vec<Vec<String>> {
    let body = out.strip_prefix('\u{feff}').unwrap_or(out);
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// The results download is `mizan estimate --survey` published: the same rows and counts, the
/// numbers rounded, small cells suppressed (tests/results.rs checks the rounding itself).
fn assert_published(web: &str, full: &str) {
    let (web, full) = (csv_rows(web), csv_rows(full));
    assert_eq!(web.len(), full.len());
    for (w, f) in web.iter().zip(&full) {
        assert_eq!(w[..4], f[..4]);
        if w[11] != "suppressed" {
            assert_eq!((&w[4], &w[12]), (&f[4], &f[12]), "{w:?} vs {f:?}");
        }
    }
}

/// Replay paused on the replica until dropped (also when the test fails, so that the other
/// tests of this file are not left waiting).
struct ReplayPaused(String);

impl ReplayPaused {
    async fn start(replica: &str) -> ReplayPaused {
        let mut conn = sqlx::PgConnection::connect(replica).await.expect("connect");
        sqlx::query("SELECT pg_wal_replay_pause()")
            .execute(&mut conn)
            .await
            .expect("pause replay");
        // Pausing is a request: wait until replay has stopped.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (state,): (String,) = sqlx::query_as("SELECT pg_get_wal_replay_pause_state()")
                .fetch_one(&mut conn)
                .await
                .expect("replay state");
            if state == "paused" {
                break;
            }
            assert!(Instant::now() < deadline, "replay did not pause: {state}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        conn.close().await.ok();
        ReplayPaused(replica.to_string())
    }
}

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let url = self.0.clone();
        let resumed = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&url).await?;
                    sqlx::query("SELECT pg_wal_replay_resume()")
                        .execute(&mut conn)
                        .await
                        .map(|_| ())
                })
        })
        .join();
        if !matches!(resumed, Ok(Ok(()))) {
            eprintln!("replica: could not resume replay");
        }
    }
}

#[tokio::test]
async fn analysts_read_the_replica_and_get_the_primarys_figures() {
    if !replica_configured("analysts_read_the_replica_and_get_the_primarys_figures") {
        return;
    }
    let _turn = REPLICA.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (primary, replica) = primary_and_replica(dir.path()).await;
    let surveys = repo_path("surveys");
    // One app server reads through the replica, one only knows the primary.
    let with_replica = TestServer::start_on_with_env(
        &surveys,
        primary.clone(),
        tempfile::tempdir().unwrap(),
        &[],
        &[("DATABASE_READ_URL", &replica)],
    );
    let primary_only =
        TestServer::start_on(&surveys, primary.clone(), tempfile::tempdir().unwrap());

    // Submissions through the replica-reading server: sessions and responses on the primary.
    let n = 6;
    for i in 0..n {
        complete(&with_replica, i).await;
    }
    assert_eq!(count_on(&primary).await, n as i64);
    wait_for_rows_on_replica(&replica, n as i64).await;

    // Same figures through the replica as on the primary, digit for digit.
    let on_replica = analyst(&with_replica).await;
    let on_primary = analyst(&primary_only).await;
    assert_eq!(responses_shown(&on_replica, &with_replica).await, n as u64);
    let csv_before = results_csv(&on_replica, &with_replica).await;
    assert_eq!(csv_before, results_csv(&on_primary, &primary_only).await);
    let estimate_before = estimate(&primary, None);
    assert_eq!(estimate(&primary, Some(&replica)), estimate_before);
    assert_published(&csv_before, &estimate_before);
    assert!(
        estimate_before.lines().count() > 10,
        "estimates were made: {estimate_before}"
    );
    assert_eq!(
        export(dir.path(), &primary, Some(&replica)),
        export(dir.path(), &primary, None)
    );

    // Replay paused: one more response reaches the primary, the replica does not see it, and
    // neither do the pages and the CLI that read it.
    {
        let _paused = ReplayPaused::start(&replica).await;
        complete(&with_replica, n).await;
        assert_eq!(
            count_on(&primary).await,
            n as i64 + 1,
            "stored on the primary"
        );
        assert_eq!(count_on(&replica).await, n as i64, "replica behind");
        assert_eq!(
            responses_shown(&on_replica, &with_replica).await,
            n as u64,
            "the results page reads the replica"
        );
        assert_eq!(
            results_csv(&on_replica, &with_replica).await,
            csv_before,
            "the download reads the replica"
        );
        assert_eq!(estimate(&primary, Some(&replica)), estimate_before);
        let (csv, _) = export(dir.path(), &primary, Some(&replica));
        assert_eq!(
            csv.iter().filter(|&&b| b == b'\n').count(),
            n + 1,
            "header + n rows"
        );
        // The primary-only server and CLI see the new response.
        assert_eq!(
            responses_shown(&on_primary, &primary_only).await,
            n as u64 + 1
        );
        assert_ne!(estimate(&primary, None), estimate_before);
    }

    // Replay resumed: the replica catches up and the figures with it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while responses_shown(&on_replica, &with_replica).await != n as u64 + 1 {
        assert!(Instant::now() < deadline, "the replica did not catch up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        results_csv(&on_replica, &with_replica).await,
        results_csv(&on_primary, &primary_only).await
    );
    assert_eq!(estimate(&primary, Some(&replica)), estimate(&primary, None));
}

/// A write through the replica fails (hot standby, and read-only sessions on that pool): a
/// submission that completes and is stored shows that no write path uses it.
#[tokio::test]
async fn a_submission_with_a_read_replica_is_stored_on_the_primary() {
    if !replica_configured("a_submission_with_a_read_replica_is_stored_on_the_primary") {
        return;
    }
    let _turn = REPLICA.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (primary, replica) = primary_and_replica(dir.path()).await;
    // The replica refuses writes.
    let mut conn = sqlx::PgConnection::connect(&replica).await.unwrap();
    let refused = sqlx::query("INSERT INTO mizan_health (id, probed_on) VALUES (2, CURRENT_DATE)")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "a hot standby takes no writes");
    conn.close().await.ok();

    let server = TestServer::start_on_with_env(
        &repo_path("surveys"),
        primary.clone(),
        dir,
        &[],
        &[("DATABASE_READ_URL", &replica)],
    );
    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200, "health probe writes to the primary");
    complete(&server, 0).await;
    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1, "one response stored");
    assert_eq!(
        rows[0].answers.get("comment"),
        Some(&mizan::survey::Answer::Value("الشارع مظلم ليلاً".into()))
    );
    wait_for_rows_on_replica(&replica, 1).await;
    let client = analyst(&server).await;
    assert_eq!(responses_shown(&client, &server).await, 1);
}

/// A replica that does not answer does not take the analysts' pages or the CLI down: reads go
/// to the primary, and the CLI says so without showing the URL (it may carry a password).
#[tokio::test]
async fn reads_fall_back_to_the_primary_when_the_replica_does_not_answer() {
    if !on_postgres() {
        println!(
            "reads_fall_back_to_the_primary_when_the_replica_does_not_answer: skipped on SQLite \
             (a read replica is a PostgreSQL setting)"
        );
        return;
    }
    let dead = "postgres://mizan:s3cret-pass@127.0.0.1:1/nowhere";
    let dir = tempfile::tempdir().unwrap();
    let primary = fresh_database_url(dir.path()).await;
    add_analyst(&primary, ANALYST, PASSWORD);
    let server = TestServer::start_on_with_env(
        &repo_path("surveys"),
        primary.clone(),
        dir,
        &[],
        &[("DATABASE_READ_URL", dead)],
    );
    complete(&server, 1).await;
    let client = analyst(&server).await;
    assert_eq!(responses_shown(&client, &server).await, 1);
    assert!(results_csv(&client, &server).await.contains("trust_police"));

    let surveys = repo_path("surveys");
    let args = [
        "estimate",
        "--survey",
        SURVEY,
        "--surveys",
        surveys.to_str().unwrap(),
    ];
    let (code, out, err) = mizan(
        &args,
        &[("DATABASE_URL", &primary), ("DATABASE_READ_URL", dead)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("does not answer; reading from the primary"),
        "{err}"
    );
    assert!(!err.contains("s3cret") && !out.contains("s3cret"), "{err}");
    assert_eq!(out, estimate(&primary, None));
}

/// SQLite has its own readers: a read URL beside it is a mistake, said without the URL.
#[test]
fn a_read_url_beside_sqlite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("m.db").display());
    let surveys = repo_path("surveys");
    let out = dir.path().join("x.csv");
    for args in [
        vec![
            "estimate",
            "--survey",
            SURVEY,
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        vec![
            "export",
            SURVEY,
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            surveys.to_str().unwrap(),
        ],
    ] {
        let (code, _, err) = mizan(
            &args,
            &[
                ("DATABASE_URL", &sqlite),
                ("DATABASE_READ_URL", "postgres://u:s3cret-pass@db.example/m"),
            ],
        );
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains("DATABASE_READ_URL"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
    // The other way round: a read URL that is not PostgreSQL.
    let (code, _, err) = mizan(
        &[
            "estimate",
            "--survey",
            SURVEY,
            "--surveys",
            surveys.to_str().unwrap(),
        ],
        &[
            ("DATABASE_URL", "postgres://u:s3cret-pass@127.0.0.1:1/m"),
            ("DATABASE_READ_URL", "sqlite://s3cret.db"),
        ],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("DATABASE_READ_URL must start with postgres://"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}
