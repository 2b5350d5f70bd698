//! Sessions as an attacker would use them: a flood of cookie-less GETs must not write a row
//! per request (a way to fill the disk), two page saves of one person at the same moment must
//! both be kept, and a stored session must not carry the time of a person's last answer.

mod browser;
mod common;
mod db_dump;

use browser::{Browser, SURVEY, WITH_CONTACT};
use common::TestServer;
use reqwest::StatusCode;

fn page(n: usize) -> String {
    format!("/s/{SURVEY}/p/{n}")
}

/// Rows of the session table(s), every cell as bytes.
async fn session_rows(server: &TestServer) -> Vec<Vec<Vec<u8>>> {
    db_dump::dump_all(&server.database_url)
        .await
        .into_iter()
        .filter(|t| db_dump::is_session_table(&t.name))
        .flat_map(|t| t.rows)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cookie_less_gets_write_no_session() {
    let server = TestServer::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let paths = [
        "/".to_string(),
        format!("/s/{SURVEY}"),
        format!("/s/{SURVEY}?source=qr-poster"),
        format!("/s/{SURVEY}?lang=en"),
        page(1),
        page(3),
        format!("/s/{SURVEY}/check"),
        format!("/s/{SURVEY}/done"),
        "/login".to_string(),
    ];
    let mut sent = 0;
    for round in 0..40 {
        let gets = paths.iter().map(|p| client.get(server.url(p)).send());
        for res in futures::future::join_all(gets).await {
            let res = res.unwrap();
            assert!(
                res.status().is_success() || res.status().is_redirection(),
                "{}",
                res.status()
            );
            sent += 1;
        }
        if round == 0 {
            assert!(session_rows(&server).await.is_empty());
        }
    }
    assert_eq!(sent, 40 * paths.len());
    let rows = session_rows(&server).await;
    assert!(
        rows.is_empty(),
        "{} session rows after {sent} cookie-less GETs",
        rows.len()
    );

    // The first saved answer is what creates a session; the source tag of the link arrives
    // with it.
    let mut b = Browser::new(&server);
    b.get(&format!("/s/{SURVEY}?source=sms")).await;
    let saved = b
        .post(&page(1), &[("safe_day", "3"), ("safe_night", "2")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&server).await.len(), 1);
    b.answer_all(WITH_CONTACT).await;
    assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
    let stored = browser::stored(&server).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].source.as_deref(), Some("sms"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_page_saves_at_the_same_moment_are_both_kept() {
    let server = TestServer::start().await;
    for trial in 0..30 {
        let mut b = Browser::new(&server);
        // Page 1 and page 2 of the example survey, posted together in one session.
        b.post(&page(1), &[("safe_day", "3"), ("safe_night", "2")])
            .await;
        let token = b.csrf().await;
        let (one, two) = tokio::join!(
            b.client
                .post(server.url(&page(1)))
                .form(&[
                    ("csrf", token.as_str()),
                    ("safe_day", "4"),
                    ("safe_night", "1")
                ])
                .send(),
            b.client
                .post(server.url(&page(2)))
                .form(&[("csrf", token.as_str()), ("trust_police", "5")])
                .send(),
        );
        assert_eq!(one.unwrap().status(), StatusCode::SEE_OTHER);
        assert_eq!(two.unwrap().status(), StatusCode::SEE_OTHER);
        // Both pages' answers are there: page 2 shows its saved answer, page 1 its new one.
        let p1 = b.get(&page(1)).await;
        let p2 = b.get(&page(2)).await;
        assert!(
            p1.is_value_checked("safe_day", "4") && p2.is_value_checked("trust_police", "5"),
            "trial {trial}: a page's answers were lost"
        );
    }
}

#[tokio::test]
async fn stored_sessions_expire_at_a_day_boundary_and_lose_their_answers_at_submit() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.answer_all(WITH_CONTACT).await;
    let rows = session_rows(&server).await;
    assert_eq!(rows.len(), 1);
    let marker = "الشارع مظلم ليلاً".as_bytes();
    assert!(
        rows[0].iter().any(|c| db_dump::contains(c, marker)),
        "answers in progress are in the session"
    );
    assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);

    for row in session_rows(&server).await {
        let (expiry, others) = row.split_last().unwrap();
        for cell in others {
            assert!(
                !db_dump::contains(cell, marker),
                "a submitted answer stayed in the session"
            );
        }
        // The expiry column (the session table's last): a Unix timestamp or a timestamp text,
        // either way midnight UTC.
        let expiry = String::from_utf8_lossy(expiry).to_string();
        if let Ok(secs) = expiry.parse::<i64>() {
            assert_eq!(secs % 86_400, 0, "expiry {secs} is not midnight UTC");
        } else {
            let rest = expiry.replace("00:00:00", "").replace("+00:00", "");
            assert!(
                !db_dump::has_time_of_day(rest.as_bytes()),
                "expiry {expiry} is not midnight UTC"
            );
        }
    }
}

#[tokio::test]
async fn behind_https_every_cookie_a_link_sets_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let server = TestServer::start_on_with(
        &common::repo_path("surveys"),
        url,
        dir,
        &["--secure-cookies"],
    );
    let res = reqwest::Client::new()
        .get(server.url(&format!("/s/{SURVEY}?source=sms&lang=en")))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    // The visit token, the language and the link's source tag.
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    for c in &cookies {
        assert!(
            c.contains("; Secure") && c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
    }
}
