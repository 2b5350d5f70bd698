//! Anonymity of the database *files*, tried as an attacker who copies them would.
//!
//! SQLite: 40 people submit one after another; a few seconds later the attacker copies
//! `mizan.db`, `mizan.db-wal` and `mizan.db-shm` and tries to (a) replay the write-ahead log's
//! commits to get the order of submissions, (b) find stale copies of answers in progress next
//! to session ids in free space, (c) order the responses by where SQLite put them inside the
//! file's pages. PostgreSQL: the attacker follows a response's `xmin` to the session row saved
//! in the next transaction and reads the submit time off its expiry; after `mizan scrub`, the
//! responses' `xmin` and `ctid` say nothing about order either.

mod browser;
mod common;
mod db_dump;

use std::time::{Duration, Instant};

use browser::{Browser, SURVEY, WITH_CONTACT, stored};
use common::TestServer;
use reqwest::StatusCode;

const PEOPLE: usize = 40;

fn marker(n: usize) -> String {
    // Long enough that responses spread over several pages.
    format!("anonymity-probe-{n:02}-{}", "م".repeat(300))
}

async fn forty_submissions_in_a_known_order(server: &TestServer) {
    // Everyone answers first (answers in progress in 40 sessions), then they submit one after
    // another, as a queue at a kiosk would.
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        let mut b = Browser::new(server);
        let m = marker(n);
        let answers: Vec<(&str, &str)> = WITH_CONTACT
            .iter()
            .map(|&(k, v)| {
                if k == "comment" {
                    (k, m.as_str())
                } else {
                    (k, v)
                }
            })
            .collect();
        b.answer_all(&answers).await;
        people.push(b);
    }
    for b in &mut people {
        assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_files_hold_no_order_time_or_stale_answers_soon_after_the_last_submission() {
    if common::on_postgres() {
        return;
    }
    let server = TestServer::start().await;
    forty_submissions_in_a_known_order(&server).await;
    let db_path = server
        .database_url
        .strip_prefix("sqlite://")
        .unwrap()
        .to_string();
    let wal_path = format!("{db_path}-wal");
    let shm_path = format!("{db_path}-shm");

    // "A few seconds after the last submission": the log is emptied once writes are quiet.
    let start = Instant::now();
    loop {
        let wal = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
        if wal == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the write-ahead log still holds {wal} bytes 10 s after the last submission"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "log emptied {:?} after the last submission",
        start.elapsed()
    );

    // The attacker's copy.
    let main = std::fs::read(&db_path).unwrap();
    let wal = std::fs::read(&wal_path).unwrap_or_default();
    let shm = std::fs::read(&shm_path).unwrap_or_default();

    // (a) Nothing to replay, (b) no stale copies: each answer exactly once, in its response.
    assert!(wal.is_empty());
    let mut placed = Vec::new();
    for n in 0..PEOPLE {
        let m = format!("anonymity-probe-{n:02}-");
        assert!(
            find_all(&shm, m.as_bytes()).is_empty(),
            "{m} in the -shm file"
        );
        let at = find_all(&main, m.as_bytes());
        assert_eq!(at.len(), 1, "{m} is in the main file {} times", at.len());
        placed.push((n, at[0]));
    }

    // (c) Inside a page SQLite lays each new cell below the previous ones, so byte offsets
    // order the responses of one page by arrival. The scrubbed file must instead be laid out
    // as a function of its content alone: rebuilding the attacker's copy from scratch
    // (`VACUUM`, which writes every row in key order) must not move a single response.
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("copy.db");
    std::fs::write(&copy, &main).unwrap();
    {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copy.display()))
            .await
            .unwrap();
        // As the server runs it (secure_delete changes how VACUUM fills pages).
        conn.execute("PRAGMA secure_delete = ON").await.unwrap();
        conn.execute("VACUUM").await.unwrap();
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let rebuilt = std::fs::read(&copy).unwrap();
    let mut moved = Vec::new();
    for &(n, at) in &placed {
        let m = format!("anonymity-probe-{n:02}-");
        let now = find_all(&rebuilt, m.as_bytes());
        if now != [at] {
            moved.push(n);
        }
    }
    assert!(
        moved.is_empty(),
        "a rebuild moves responses {moved:?}: the file keeps their arrival order"
    );

    // No session row keeps anything of a submitted response.
    for table in db_dump::dump_all(&server.database_url).await {
        if !db_dump::is_session_table(&table.name) {
            continue;
        }
        for (_, cell) in table.cells() {
            assert!(
                !db_dump::contains(cell, b"anonymity-probe-"),
                "answers left in a session"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_sessions_give_no_submit_time_and_scrub_removes_transaction_order() {
    if !common::on_postgres() {
        return;
    }
    use sqlx::Connection;
    let server = TestServer::start().await;
    forty_submissions_in_a_known_order(&server).await;
    let mut conn = sqlx::PgConnection::connect(&server.database_url)
        .await
        .unwrap();

    // The attack: a response's xmin + 1 is the transaction that saved the person's session
    // right after; its expiry minus the inactivity limit was the submit time.
    let responses: Vec<(i64, String)> =
        sqlx::query_as("SELECT xmin::text::bigint, answers->>'comment' FROM responses")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(responses.len(), PEOPLE);
    let sessions: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
        "SELECT xmin::text::bigint, to_char(expiry_date AT TIME ZONE 'UTC', 'HH24:MI:SS.US'), data \
         FROM tower_sessions.session",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut linked = 0;
    for (xmin, _) in &responses {
        if let Some((_, time, data)) = sessions.iter().find(|(x, _, _)| x == &(xmin + 1)) {
            linked += 1;
            assert_eq!(
                time, "00:00:00.000000",
                "the session after a response tells the time"
            );
            assert!(
                !db_dump::contains(data, b"anonymity-probe-"),
                "answers left in a session"
            );
        }
    }
    println!("{linked} of {PEOPLE} responses have a session in the next transaction (day only)");
    for (_, time, _) in &sessions {
        assert_eq!(time, "00:00:00.000000");
    }

    // `mizan scrub` rewrites the responses: one transaction for all, and physical order
    // following the random id.
    let (code, out, err) = common::mizan(&["scrub"], &[("DATABASE_URL", &server.database_url)]);
    assert_eq!(code, 0, "{out}{err}");
    let after: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT xmin::text::bigint, ctid::text, id::text FROM responses ORDER BY ctid",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(after.len(), PEOPLE);
    let xmins: std::collections::BTreeSet<i64> = after.iter().map(|r| r.0).collect();
    assert_eq!(
        xmins.len(),
        1,
        "responses still carry {} transaction ids",
        xmins.len()
    );
    let ids: Vec<&String> = after.iter().map(|r| &r.2).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "physical order is not the id order");
    assert_eq!(stored(&server).await.len(), PEOPLE);
}
