//! Kiosks end to end over HTTP: registration (`mizan kiosk add`), one-time enrolment, the
//! stamped response, "start again", the idle timeout on the server, revocation, and what a
//! kiosk response row may hold. The same in a real browser: tests/browser (kiosk scenario).

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;
mod db_dump;
#[path = "common/staff.rs"]
mod staff;

use browser::{Browser, SURVEY, WITH_CONTACT};
use common::TestServer;
use reqwest::StatusCode;

const KIOSK_BASE: &str = "/kiosk/s/citizen-security";

async fn server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    TestServer::start_on(&common::repo_path("surveys"), url, dir)
}

/// A browser enrolled with `path`, on the kiosk's start screen.
async fn enrolled(server: &TestServer, path: &str) -> Browser {
    let mut b = Browser::new(server);
    // The idle tests wait longer than the server keeps an idle connection (30 s): never reuse
    // a connection the server may be closing at that moment (a reset, not a kiosk failure).
    b.client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let res = b.get(path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "enrolment: {}", res.body);
    assert_eq!(res.location(), Some("/kiosk"));
    let start = b.get("/kiosk").await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    b
}

async fn responses(server: &TestServer) -> Vec<db_dump::TableDump> {
    db_dump::dump_all(&server.database_url)
        .await
        .into_iter()
        .filter(|t| t.name.ends_with("responses"))
        .collect()
}

fn text(cell: &[u8]) -> String {
    String::from_utf8_lossy(cell).into_owned()
}

#[tokio::test]
async fn a_kiosk_response_is_stamped_with_its_site_and_nothing_that_names_the_kiosk() {
    let server = server().await;
    let path = staff::add_kiosk(&server.database_url, &["--idle-seconds", "90"]);
    let code = path.trim_start_matches("/kiosk/enrol/").to_string();
    let mut b = enrolled(&server, &path).await;

    // The start screen: Arabic, the site's name, "start again", the idle warning and the
    // return to the start that works without script, and the kiosk's script allowed by CSP.
    let start = b.get("/kiosk").await;
    assert!(start.body.contains("مركز شرطة الكرادة"));
    assert!(start.body.contains(r#"action="/kiosk/reset""#));
    assert!(start.body.contains(r#"data-idle-seconds="90""#));
    assert!(start.body.contains(r#"content="90;url=/kiosk?timeout=1""#));
    assert!(start.body.contains(r#"id="kiosk-more-time""#));
    let csp = start.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(start.headers["cache-control"], "no-store");
    let script = browser::between(&start.body, r#"<script src=""#, "\"").unwrap();
    let js = b.get(script).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    // Public pages still run no script at all.
    let public = Browser::new(&server).get(&format!("/s/{SURVEY}")).await;
    let public_csp = public.headers["content-security-policy"].to_str().unwrap();
    assert!(!public_csp.contains("script-src"), "{public_csp}");
    assert!(!public.body.contains("<script"));

    b.answer_all_at(KIOSK_BASE, WITH_CONTACT).await;
    let page1 = b.get(&format!("{KIOSK_BASE}/p/1")).await;
    assert!(
        page1.body.contains(r#"autocomplete="off""#),
        "kiosk forms ask for no autofill"
    );
    let done = b.submit_at(KIOSK_BASE).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let thanks = b.get(&format!("{KIOSK_BASE}/done")).await;
    assert_eq!(thanks.status, StatusCode::OK);
    // Back to the start by itself, with the same warning and "more time" as every kiosk page
    // (no bare timed redirect: WCAG 2.2.1), and without script too.
    assert!(
        thanks.body.contains(r#"data-idle-seconds="45""#),
        "{}",
        thanks.body
    );
    assert!(thanks.body.contains(
        r#"<noscript><meta http-equiv="refresh" content="45;url=/kiosk?timeout=1"></noscript>"#
    ));
    assert!(thanks.body.contains(r#"id="kiosk-more-time""#));

    let tables = responses(&server).await;
    let rows = &tables[0].rows;
    assert_eq!(rows.len(), 1, "one response");
    let row: Vec<(String, String)> = tables[0]
        .columns
        .iter()
        .cloned()
        .zip(rows[0].iter().map(|c| text(c)))
        .collect();
    let get = |name: &str| row.iter().find(|(c, _)| c == name).unwrap().1.clone();
    assert_eq!(get("channel"), "kiosk");
    let metadata: serde_json::Value = serde_json::from_str(&get("metadata")).unwrap();
    // What each question asked in this version (the same for every respondent of it).
    let survey = mizan::survey::load_paths(&[common::repo_path("surveys/citizen-security.toml")])
        .unwrap()
        .remove(0);
    assert_eq!(
        metadata,
        serde_json::json!({
            "wave": "2026-W1",
            "content": survey.content_stamp(),
            "site": "Karrada police station",
            "site_ar": "مركز شرطة الكرادة",
            "stratum": "urban",
            "cluster": "karrada",
        })
    );
    // Nothing that identifies the kiosk, its cookie or enrolment, or a time of day.
    let kiosks = db_dump::dump_all(&server.database_url)
        .await
        .into_iter()
        .find(|t| t.name.ends_with("kiosks"))
        .unwrap();
    let column = |name: &str| kiosks.columns.iter().position(|c| c == name).unwrap();
    let kiosk_ids: Vec<String> = kiosks.rows.iter().map(|r| text(&r[column("id")])).collect();
    // The kiosk's cookie is kept only as its hash, and neither appears in a response.
    let cookie_hashes: Vec<Vec<u8>> = kiosks
        .rows
        .iter()
        .map(|r| r[column("cookie_hash")].clone())
        .collect();
    assert!(
        cookie_hashes.iter().all(|h| h.len() == 32),
        "the enrolled kiosk's cookie hash"
    );
    let cookie = b.client.get(server.url("/kiosk")).send().await.unwrap();
    drop(cookie);
    for (column, cell) in tables[0].cells() {
        assert!(
            !db_dump::contains(cell, code.as_bytes()),
            "enrolment code in {column}"
        );
        for id in &kiosk_ids {
            assert!(
                !db_dump::contains(cell, id.as_bytes()),
                "kiosk id in {column}"
            );
        }
        for h in &cookie_hashes {
            assert!(!db_dump::contains(cell, h), "kiosk cookie hash in {column}");
        }
        assert!(!db_dump::has_time_of_day(cell), "time of day in {column}");
    }
}

#[tokio::test]
async fn an_enrolment_code_works_once_and_other_browsers_are_not_kiosks() {
    let server = server().await;
    let path = staff::add_kiosk(&server.database_url, &[]);
    let _kiosk = enrolled(&server, &path).await;
    // The same code again, from another browser: refused, nothing enrolled.
    let mut other = Browser::new(&server);
    let again = other.get(&path).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(
        again.body.contains("هذه الشاشة غير مسجّلة"),
        "{}",
        again.body
    );
    for page in [
        "/kiosk",
        "/kiosk/s/citizen-security/p/1",
        "/kiosk/s/citizen-security/check",
    ] {
        let res = other.get(page).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{page}");
    }
    let english = other.get("/kiosk?lang=en").await;
    assert!(english.body.contains("This screen is not enrolled"));
    // A made-up or malformed code is the same page, never a 500.
    for bad in [
        "/kiosk/enrol/00000000000000000000000000000000",
        "/kiosk/enrol/..%2F..",
        "/kiosk/enrol/x",
    ] {
        let res = other.get(bad).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{bad}");
    }
    // A kiosk that runs one survey does not run others (there are none here), nor does a
    // kiosk cookie open the analysts' or admins' pages.
    let results = other.get("/results").await;
    assert_eq!(results.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn start_again_leaves_nothing_of_the_previous_person() {
    let server = server().await;
    let path = staff::add_kiosk(&server.database_url, &[]);
    let mut b = enrolled(&server, &path).await;
    let page1 = b.get(&format!("{KIOSK_BASE}/p/1")).await;
    let old_csrf = page1.csrf().unwrap();
    let saved = b
        .post(
            &format!("{KIOSK_BASE}/p/1"),
            &[("safe_day", "1"), ("safe_night", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(
        b.get(&format!("{KIOSK_BASE}/p/1"))
            .await
            .is_value_checked("safe_day", "1")
    );

    let reset = b.post("/kiosk/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(reset.location(), Some("/kiosk"));
    let start = b.get("/kiosk").await;
    assert!(start.body.contains("lang=\"ar\""), "back in Arabic");
    // Person B: page 1 is empty, the check page sends them to page 1, and A's open forms
    // (with A's CSRF token) no longer work.
    let again = b.get(&format!("{KIOSK_BASE}/p/1")).await;
    assert!(
        !again.is_value_checked("safe_day", "1"),
        "A's answer is gone"
    );
    let check = b.get(&format!("{KIOSK_BASE}/check")).await;
    assert_eq!(check.status, StatusCode::SEE_OTHER);
    let stale = b
        .post_raw(
            &format!("{KIOSK_BASE}/p/2"),
            &[("csrf", &old_csrf), ("contact", "yes")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "A's old form is dead");
    assert_ne!(again.csrf().unwrap(), old_csrf, "a new visit token");
    assert!(
        responses(&server).await[0].rows.is_empty(),
        "nothing stored"
    );
}

#[tokio::test]
async fn answers_of_someone_who_walked_away_are_dropped_at_the_idle_timeout() {
    let server = server().await;
    let path = staff::add_kiosk(&server.database_url, &["--idle-seconds", "60"]);
    let mut b = enrolled(&server, &path).await;
    let saved = b
        .post(
            &format!("{KIOSK_BASE}/p/1"),
            &[("safe_day", "2"), ("safe_night", "2")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // "I need more time" keeps the sitting while the person is there.
    tokio::time::sleep(std::time::Duration::from_secs(40)).await;
    let more = b.post("/kiosk/still-here", &[]).await;
    assert_eq!(more.status, StatusCode::NO_CONTENT);
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    assert!(
        b.get(&format!("{KIOSK_BASE}/p/1"))
            .await
            .is_value_checked("safe_day", "2"),
        "kept: 30 s since the last sign of life"
    );
    // Then nobody touches the screen: the server drops the answers by itself (idle + 5 s),
    // and the page's own call, when it comes, hears that they are gone.
    tokio::time::sleep(std::time::Duration::from_secs(67)).await;
    let late = b.post("/kiosk/still-here", &[]).await;
    assert_eq!(late.status, StatusCode::GONE);
    let after = b.get(&format!("{KIOSK_BASE}/p/1")).await;
    assert!(
        !after.is_value_checked("safe_day", "2"),
        "dropped at the timeout"
    );
    let check = b.get(&format!("{KIOSK_BASE}/check")).await;
    assert_eq!(check.status, StatusCode::SEE_OTHER);
    assert!(responses(&server).await[0].rows.is_empty(), "never stored");
}

#[tokio::test]
async fn kiosk_registration_reports_bad_input_in_plain_words() {
    let server = server().await;
    let surveys = common::repo_path("surveys");
    let (code, out, err) = common::mizan(
        &[
            "kiosk",
            "add",
            "--survey",
            "nope",
            "--site-ar",
            "",
            "--site-en",
            "Hall",
            "--stratum",
            "Urban",
            "--idle-seconds",
            "5",
            "--surveys-dir",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 1);
    assert!(out.is_empty(), "no path printed: {out}");
    for part in [
        "There is no survey `nope`",
        "site's name in Arabic",
        "stratum",
        "between 60 and 3600",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    let tables = db_dump::dump_all(&server.database_url).await;
    let kiosks = tables.iter().find(|t| t.name.ends_with("kiosks")).unwrap();
    assert!(kiosks.rows.is_empty(), "nothing half-written");
}

#[tokio::test]
async fn the_log_keeps_no_enrolment_code_cookie_or_account_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(dir.path()).await;
    staff::add_user(&url, "مدير", "admin");
    staff::add_user(&url, "ليلى", "interviewer");
    let log = dir.path().join("server.log");
    let (mut child, base) =
        common::spawn_server_logging(&common::repo_path("surveys"), &url, &[], &[], Some(&log));
    let path = staff::add_kiosk(&url, &[]);
    let code = path.trim_start_matches("/kiosk/enrol/").to_string();
    let client = analysts::browser();
    let enrol = client.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(enrol.status(), StatusCode::SEE_OTHER);
    let kiosk_cookie = enrol.headers()["set-cookie"].to_str().unwrap().to_string();
    let token = kiosk_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("mizan-kiosk=")
        .to_string();
    assert_eq!(token.len(), 64, "{kiosk_cookie}");
    client.get(format!("{base}/kiosk")).send().await.unwrap();
    // An invitation link (a made-up token is enough: the path is what the log sees).
    let invitation = "0123456789abcdef0123456789abcdef";
    client
        .get(format!("{base}/i/{invitation}"))
        .send()
        .await
        .unwrap();
    // An admin acts on an account named in the path.
    let admin = analysts::browser();
    let form = admin
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = analysts::csrf_of(&form);
    let res = admin
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "مدير"),
            ("password", staff::PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = admin
        .post(format!(
            "{base}/admin/users/%D9%84%D9%8A%D9%84%D9%89/disable"
        ))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("/kiosk/enrol/…"),
        "requests are logged: {text}"
    );
    assert!(text.contains("/admin/users/…/disable"), "{text}");
    for secret in [
        code.as_str(),
        token.as_str(),
        "ليلى",
        "%D9%84%D9%8A",
        "مدير",
    ] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
}
