//! Crash safety: submissions stream in concurrently, the server is killed with SIGKILL in the
//! middle (no graceful shutdown, as in a crash or power cut of the process), and restarted on
//! the same database. Every submission that had been acknowledged is stored exactly once; every
//! submission whose outcome was unknown is retried with the same submission key (as a person
//! pressing the button again would) and then also stored exactly once; the database opens
//! cleanly (SQLite: `PRAGMA integrity_check`).

mod browser;
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use browser::{Browser, SURVEY, WITH_CONTACT, stored};
use common::TestServer;
use mizan::survey::Answer;
use reqwest::StatusCode;

const PEOPLE: usize = 60;
/// Kill the server once this many submissions have been acknowledged.
const KILL_AFTER: usize = 8;
/// Concurrent clients submitting in turn.
const CLIENTS: usize = 4;

struct Person {
    browser: Browser,
    comment: String,
    key: String,
    csrf: String,
}

/// Bring one person to the check-answers page with a unique comment.
async fn prepare(server: &TestServer, n: usize) -> Person {
    let mut browser = Browser::new(server);
    let comment = format!("crash-probe-{n}");
    let answers: Vec<(&str, &str)> = WITH_CONTACT
        .iter()
        .map(|&(k, v)| {
            if k == "comment" {
                (k, comment.as_str())
            } else {
                (k, v)
            }
        })
        .collect();
    browser.get(&format!("/s/{SURVEY}")).await;
    browser.answer_all(&answers).await;
    let check = browser.get(&format!("/s/{SURVEY}/check")).await;
    let key = check.submission_key().expect("submission key");
    let csrf = browser.csrf_seen().expect("csrf");
    Person {
        browser,
        comment,
        key,
        csrf,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Acknowledged,
    Unknown,
}

async fn submit(client: &reqwest::Client, base: &str, p: &Person) -> Outcome {
    let sent = client
        .post(format!("{base}/s/{SURVEY}/submit"))
        .form(&[("csrf", p.csrf.as_str()), ("key", p.key.as_str())])
        .send()
        .await;
    match sent {
        Ok(res)
            if res.status() == StatusCode::SEE_OTHER
                && res
                    .headers()
                    .get("location")
                    .is_some_and(|l| l.as_bytes().ends_with(b"/done")) =>
        {
            Outcome::Acknowledged
        }
        _ => Outcome::Unknown,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_survive_sigkill_exactly_once() {
    let mut server = TestServer::start().await;

    // Everyone answers the whole survey first (sessions are in the database).
    let mut people = Vec::new();
    for chunk in (0..PEOPLE).collect::<Vec<_>>().chunks(10) {
        let prepared = futures::future::join_all(chunk.iter().map(|&n| prepare(&server, n))).await;
        people.extend(prepared);
    }
    let people: Vec<Arc<Person>> = people.into_iter().map(Arc::new).collect();

    // Then they submit in a steady stream from a few concurrent clients, in order; the task
    // that sees the KILL_AFTER-th acknowledgement kills the server at once (SIGKILL), so the
    // kill lands mid-stream: some requests in flight, the rest never sent.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let base = server.base.clone();
    let pid = server.pid().expect("server running").to_string();
    let outcomes = Arc::new(std::sync::Mutex::new(vec![Outcome::Unknown; PEOPLE]));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let people = people.clone();
            let (base, pid) = (base.clone(), pid.clone());
            let (acknowledged, outcomes) = (acknowledged.clone(), outcomes.clone());
            tokio::spawn(async move {
                for i in (w..PEOPLE).step_by(CLIENTS) {
                    let p = &people[i];
                    let outcome = submit(&p.browser.client, &base, p).await;
                    outcomes.lock().unwrap()[i] = outcome;
                    if outcome == Outcome::Acknowledged
                        && acknowledged.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER
                    {
                        let _ = std::process::Command::new("kill")
                            .args(["-KILL", &pid])
                            .status();
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    server.kill(); // reaps the killed process

    let outcomes = outcomes.lock().unwrap().clone();
    let acked: Vec<usize> = (0..PEOPLE)
        .filter(|&i| outcomes[i] == Outcome::Acknowledged)
        .collect();
    let unknown: Vec<usize> = (0..PEOPLE)
        .filter(|&i| outcomes[i] == Outcome::Unknown)
        .collect();
    println!(
        "crash: {} acknowledged before SIGKILL, {} unknown",
        acked.len(),
        unknown.len()
    );
    assert!(acked.len() >= KILL_AFTER);
    assert!(
        !unknown.is_empty(),
        "the kill came in the middle of the stream"
    );

    // The database opens cleanly after the crash.
    if server.database_url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&server.database_url)
            .await
            .expect("the database opens after SIGKILL");
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        conn.close().await.unwrap();
    }

    let count_of = |rows: &[mizan::db::StoredResponse], comment: &str| {
        rows.iter()
            .filter(|r| r.answers.get("comment") == Some(&Answer::Value(comment.to_string())))
            .count()
    };
    let before_retry = stored(&server).await;
    for &i in &acked {
        assert_eq!(
            count_of(&before_retry, &people[i].comment),
            1,
            "acknowledged submission {i} is stored exactly once"
        );
    }
    let mut stored_unacknowledged = 0;
    for &i in &unknown {
        let n = count_of(&before_retry, &people[i].comment);
        assert!(n <= 1, "unacknowledged submission {i} stored at most once");
        stored_unacknowledged += n;
    }
    println!("crash: {stored_unacknowledged} of the unknown ones had been stored before the kill");

    // Restart; everyone whose outcome was unknown presses the button again, some twice.
    server.restart();
    for &i in &unknown {
        let p = &people[i];
        for _ in 0..2 {
            assert_eq!(
                submit(&p.browser.client, &server.base, p).await,
                Outcome::Acknowledged,
                "retried submission {i} is acknowledged after the restart"
            );
        }
    }
    // And an acknowledged one retries too (a refresh of the POST).
    if let Some(&i) = acked.first() {
        let p = &people[i];
        assert_eq!(
            submit(&p.browser.client, &server.base, p).await,
            Outcome::Acknowledged
        );
    }

    let after = stored(&server).await;
    assert_eq!(after.len(), PEOPLE, "every submission stored, none twice");
    for (i, p) in people.iter().enumerate() {
        assert_eq!(
            count_of(&after, &p.comment),
            1,
            "submission {i} stored once"
        );
    }
}
