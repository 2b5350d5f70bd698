//! Ballot stuffing through a public link, tried as an attacker would: many responses from one
//! browser session, then from one address with fresh sessions. One response per session; past
//! the per-client hourly limit a clear page, the answers kept, nothing stored.

mod browser;
mod common;
mod db_dump;

use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT};
use common::TestServer;
use reqwest::StatusCode;

async fn rows(server: &TestServer) -> usize {
    db_dump::dump_all(&server.database_url)
        .await
        .into_iter()
        .find(|t| t.name.ends_with("responses"))
        .map(|t| t.rows.len())
        .unwrap()
}

#[tokio::test]
async fn one_response_per_browser_session_even_after_clearing() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.answer_all(WITH_CONTACT).await;
    assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
    // The same session tries again: every page shows the confirmation instead.
    for path in ["/p/1", "/p/2"] {
        let page = b.get(&format!("/s/{SURVEY}{path}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), Some(format!("/s/{SURVEY}/done").as_str()));
    }
    let posted = b
        .post(
            &format!("/s/{SURVEY}/p/1"),
            &[("safe_day", "1"), ("safe_night", "1")],
        )
        .await;
    assert_eq!(
        posted.location(),
        Some(format!("/s/{SURVEY}/done").as_str())
    );
    // "Clear my answers" does not reopen it.
    b.post(&format!("/s/{SURVEY}/clear"), &[]).await;
    let page = b.get(&format!("/s/{SURVEY}/p/1")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(rows(&server).await, 1);
}

#[tokio::test]
async fn past_the_hourly_limit_a_client_is_told_to_wait_and_keeps_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    let server = TestServer::start_on_with(
        &common::repo_path("surveys"),
        url,
        dir,
        &["--link-submits-per-hour", "2"],
    );
    for _ in 0..2 {
        let mut b = Browser::new(&server);
        b.answer_all(WITHOUT_CONTACT).await;
        assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
    }
    // A third fresh session from the same address.
    let mut b = Browser::new(&server);
    b.answer_all(WITHOUT_CONTACT).await;
    let refused = b.submit().await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("إجابات كثيرة من هذا الاتصال"),
        "{}",
        refused.body
    );
    assert!(refused.headers.contains_key("retry-after"));
    assert_eq!(rows(&server).await, 2, "nothing stored past the limit");
    // The answers are still there: the check page shows them, ready to send later.
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.submission_key().is_some());
    // Kiosks and interviewers are not limited by it (they record many people by design):
    // covered by tests/kiosks.rs and tests/field_interviews.rs with several submissions.
}
