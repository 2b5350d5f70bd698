//! Anonymity by construction, checked on the whole database: after a run of submissions through
//! HTTP, every table is dumped (all columns, all rows; SQLite or PostgreSQL) and searched for
//! what must never be stored with a response: the client's IP, its user agent, the session id
//! (cookie value), the CSRF token, the submission key, and any time of day. Session tables may
//! hold the session (that is their job) but not the answers once they are submitted.

mod browser;
mod common;
mod db_dump;

use std::sync::Arc;

use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT};
use common::TestServer;
use db_dump::{contains, dump_all, has_time_of_day, is_migrations_table, is_session_table};
use reqwest::StatusCode;
use reqwest::cookie::CookieStore;
use sha2::Digest;

const USER_AGENT: &str = "MizanAnonymityProbe/7.3 (X11; Kiosk-UA-9f3c2e)";

/// What one person's visit exposed to the server.
struct Visit {
    comment: String,
    session_cookie: String,
    csrf: String,
    key: String,
}

async fn visit(server: &TestServer, n: usize) -> Visit {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut b = Browser::new(server);
    b.client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let comment = format!("تعليق فريد رقم {n} probe-{n}-c0mment");
    let base = if n % 2 == 0 {
        WITH_CONTACT
    } else {
        WITHOUT_CONTACT
    };
    let answers: Vec<(&str, &str)> = base
        .iter()
        .map(|&(k, v)| {
            if k == "comment" {
                (k, comment.as_str())
            } else {
                (k, v)
            }
        })
        .collect();
    let lang = if n % 3 == 0 { "en" } else { "ar" };
    b.get(&format!("/s/{SURVEY}?lang={lang}&source=sms")).await;
    b.answer_all(&answers).await;

    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert_eq!(check.status, StatusCode::OK);
    let key = check.submission_key().expect("submission key");
    let csrf = b.csrf_seen().expect("csrf token");
    let url = reqwest::Url::parse(&server.base).unwrap();
    let cookies = jar
        .cookies(&url)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string();
    let session_cookie = cookies
        .split(';')
        .map(str::trim)
        .find_map(|c| c.strip_prefix("mizan="))
        .expect("the session cookie is named mizan")
        .to_string();
    let done = b
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "submit accepted");
    // The confirmation page, as a person would see it.
    b.get(&format!("/s/{SURVEY}/done")).await;
    Visit {
        comment,
        session_cookie,
        csrf,
        key,
    }
}

#[tokio::test]
async fn no_table_holds_ip_user_agent_session_token_or_time_of_day() {
    let server = TestServer::start().await;
    let mut visits = Vec::new();
    for n in 0..6 {
        visits.push(visit(&server, n).await);
    }
    let tables = dump_all(&server.database_url).await;
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let responses = tables
        .iter()
        .find(|t| t.name.ends_with("responses"))
        .unwrap_or_else(|| panic!("a responses table among {names:?}"));
    assert_eq!(responses.rows.len(), visits.len(), "one row per submission");
    assert!(
        tables.iter().any(|t| is_session_table(&t.name)),
        "sessions are in the database: {names:?}"
    );

    for table in &tables {
        let session = is_session_table(&table.name);
        for (column, cell) in table.cells() {
            let at = format!("{}.{column}", table.name);
            assert!(!contains(cell, b"127.0.0.1"), "IP address in {at}");
            assert!(!contains(cell, USER_AGENT.as_bytes()), "user agent in {at}");
            assert!(!contains(cell, b"Kiosk-UA-9f3c2e"), "user agent in {at}");
            for v in &visits {
                // Submitted answers leave the session; a session table may keep the rest.
                if session {
                    assert!(
                        !contains(cell, v.comment.as_bytes()),
                        "submitted answers still in the session: {at}"
                    );
                    continue;
                }
                assert!(
                    !contains(cell, v.session_cookie.as_bytes()),
                    "session id in {at}"
                );
                assert!(!contains(cell, v.csrf.as_bytes()), "CSRF token in {at}");
                assert!(!contains(cell, v.key.as_bytes()), "submission key in {at}");
            }
            if !session && !is_migrations_table(&table.name) {
                assert!(
                    !has_time_of_day(cell),
                    "time of day in {at}: {}",
                    String::from_utf8_lossy(cell)
                );
            }
        }
    }

    // Each answer is stored exactly once, and each key only as its SHA-256.
    let everything: Vec<&[u8]> = tables
        .iter()
        .filter(|t| !is_session_table(&t.name))
        .flat_map(|t| t.cells().map(|(_, c)| c))
        .collect();
    for v in &visits {
        let hits = everything
            .iter()
            .filter(|c| contains(c, v.comment.as_bytes()))
            .count();
        assert_eq!(hits, 1, "the comment of one visit is stored once");
        let hash = sha2::Sha256::digest(v.key.as_bytes());
        assert!(
            everything.iter().any(|c| *c == hash.as_slice()),
            "the submission key is kept as its hash"
        );
    }
}

#[test]
fn the_time_of_day_detector_works() {
    assert!(has_time_of_day(b"2026-11-23T14:05:00Z"));
    assert!(has_time_of_day(b"at 09:30"));
    assert!(!has_time_of_day(b"2026-11-23"));
    assert!(!has_time_of_day("{\"comment\":\"٣ ساعات\"}".as_bytes()));
}
