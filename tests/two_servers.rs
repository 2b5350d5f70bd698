//! Several app servers, one PostgreSQL: two servers answer one person's requests alternately
//! (as a load balancer without sticky sessions would) and the survey completes without losing
//! the answers in progress; submissions through either server are stored once each, even when
//! the same submit reaches both. SQLite is one process's database: the test is skipped there.

mod browser;
mod common;

use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT, stored};
use common::{TestServer, on_postgres, repo_path};
use mizan::survey::Answer;
use reqwest::StatusCode;

/// Answer the whole survey, sending each request to the other server than the one before.
async fn answer_alternately(
    b: &mut Browser,
    bases: [&str; 2],
    answers: &[(&str, &str)],
    first: usize,
) -> usize {
    let mut turn = first;
    let mut next = |b: &mut Browser| {
        b.base = bases[turn % 2].to_string();
        turn += 1;
    };
    next(b);
    b.get(&format!("/s/{SURVEY}")).await;
    let mut path = format!("/s/{SURVEY}/p/1");
    let mut requests = 1;
    for _ in 0..50 {
        next(b);
        let page = b.get(&path).await;
        requests += 1;
        if page.status == StatusCode::SEE_OTHER {
            path = page.location().expect("redirect").to_string();
            continue;
        }
        assert_eq!(page.status, StatusCode::OK, "GET {path}");
        if path.ends_with("/check") {
            return requests;
        }
        next(b);
        let posted = b.post(&path, answers).await;
        requests += 1;
        assert_eq!(
            posted.status,
            StatusCode::SEE_OTHER,
            "POST {path} on {}: {:?}",
            b.base,
            posted.error_texts()
        );
        path = posted.location().expect("redirect").to_string();
    }
    panic!("the survey did not reach the check page");
}

#[tokio::test]
async fn two_servers_on_one_postgres_share_sessions_and_store_once() {
    if !on_postgres() {
        println!(
            "two_servers: skipped on SQLite (one process per database); \
             run under .ci/with-postgres to test several app servers"
        );
        return;
    }
    let a = TestServer::start().await;
    let b_server = TestServer::start_on(
        &repo_path("surveys"),
        a.database_url.clone(),
        tempfile::tempdir().unwrap(),
    );
    let bases = [a.base.as_str(), b_server.base.as_str()];

    let mut first = Browser::new(&a);
    let requests = answer_alternately(&mut first, bases, WITH_CONTACT, 0).await;
    assert!(requests > 10, "many requests, each on the other server");
    let mut second = Browser::new(&b_server);
    answer_alternately(&mut second, bases, WITHOUT_CONTACT, 1).await;

    // Check page on one server, submit on the other; the same submit then reaches the first
    // server too (a retry through the load balancer).
    for (browser, check_on, submit_on) in [(&mut first, 0, 1), (&mut second, 1, 0)] {
        browser.base = bases[check_on].to_string();
        let check = browser.get(&format!("/s/{SURVEY}/check")).await;
        assert_eq!(
            check.status,
            StatusCode::OK,
            "answers in progress are complete"
        );
        let key = check.submission_key().expect("key");
        for on in [submit_on, check_on] {
            browser.base = bases[on].to_string();
            let done = browser
                .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER);
            assert_eq!(done.location(), Some(&*format!("/s/{SURVEY}/done")));
        }
    }

    let rows = stored(&a).await;
    assert_eq!(
        rows.len(),
        2,
        "one response per person, none lost, none doubled"
    );
    let comments: Vec<Option<&Answer>> = rows.iter().map(|r| r.answers.get("comment")).collect();
    assert!(comments.contains(&Some(&Answer::Value("الشارع مظلم ليلاً".into()))));
    let with_contact = rows
        .iter()
        .find(|r| r.answers.get("contact") == Some(&Answer::Value("yes".into())))
        .expect("the response answered through the contact path");
    assert_eq!(
        with_contact.answers.get("wait_minutes"),
        Some(&Answer::Number(45.0)),
        "answers saved on one server and read on the other"
    );
}
