//! The refusals and headers of the web layer: CSRF, oversize and malformed bodies, unknown
//! pages, security headers, cookie attributes, stylesheet caching, page weight, and `serve`
//! refusing an invalid survey.

mod browser;
mod common;

use browser::{Browser, SURVEY, WITHOUT_CONTACT, stored};
use common::TestServer;
use reqwest::StatusCode;

fn page(n: usize) -> String {
    format!("/s/{SURVEY}/p/{n}")
}

fn assert_html_error(p: &browser::Page, status: StatusCode, heading: &str) {
    assert_eq!(p.status, status, "{}", p.body);
    assert!(
        p.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "an HTML page, not a plain-text rejection"
    );
    assert!(p.body.contains(heading), "{heading:?} in {}", p.body);
}

#[tokio::test]
async fn wrong_or_missing_csrf_token_is_refused_in_the_persons_language() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    b.answer_all(WITHOUT_CONTACT).await;
    let check = b.get(&format!("/s/{SURVEY}/check")).await;
    let key = check.submission_key().unwrap();
    let submit = format!("/s/{SURVEY}/submit");

    let forged = b
        .post_raw(&submit, &[("csrf", "0000"), ("key", &key)])
        .await;
    assert_html_error(&forged, StatusCode::FORBIDDEN, "انتهت صلاحية النموذج");
    let missing = b.post_raw(&submit, &[("key", &key)]).await;
    assert_html_error(&missing, StatusCode::FORBIDDEN, "انتهت صلاحية النموذج");
    b.get(&format!("/s/{SURVEY}?lang=en")).await;
    let english = b
        .post_raw(&page(1), &[("csrf", "x"), ("safe_day", "1")])
        .await;
    assert_html_error(&english, StatusCode::FORBIDDEN, "The form has expired");
    assert!(english.body.contains(r#"<html lang="en" dir="ltr">"#));

    // Another person's token does not work in this session either.
    let mut other = Browser::new(&server);
    let their_token = other.csrf().await;
    let crossed = b
        .post_raw(&submit, &[("csrf", &their_token), ("key", &key)])
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&server).await.len(), 0);
}

#[tokio::test]
async fn oversize_malformed_and_foreign_posts_get_4xx_pages_and_store_nothing() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let token = b.csrf().await;
    let url = format!("{}{}", server.base, page(11));

    let big = format!("csrf={token}&comment={}", "a".repeat(70 * 1024));
    let res = b
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("النموذج كبير جداً"));

    for body in ["csrf=%zz", "comment=%FF%FE&csrf=1"] {
        let res = b
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(res.text().await.unwrap().contains("تعذّر قراءة النموذج"));
    }
    let json = b
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);

    // Values that are not options of the question.
    let p = b
        .post(&page(1), &[("safe_day", "<script>"), ("safe_night", "99")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!p.body.contains("<script>"), "posted values are escaped");
    assert_eq!(stored(&server).await.len(), 0);
}

#[tokio::test]
async fn unknown_surveys_and_pages_are_404_pages() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    for path in [
        "/nothing-here".to_string(),
        "/s/no-such-survey".to_string(),
        format!("/s/{SURVEY}/p/0"),
        format!("/s/{SURVEY}/p/99"),
        format!("/s/{SURVEY}/p/abc"),
        format!("/s/{SURVEY}/p/%FF"),
        "/static/mizan.0000000000.css".to_string(),
    ] {
        let p = b.get(&path).await;
        assert_html_error(&p, StatusCode::NOT_FOUND, "الصفحة غير موجودة");
    }
    let english = b.get("/s/no-such-survey?lang=en").await;
    assert_html_error(&english, StatusCode::NOT_FOUND, "Page not found");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let home = b.get("/").await;
    let css_href = browser::between(&home.body, r#"rel="stylesheet" href=""#, "\"")
        .unwrap()
        .to_string();
    let paths = [
        "/".to_string(),
        format!("/s/{SURVEY}"),
        page(1),
        "/nope".to_string(),
        css_href.clone(),
        "/healthz".to_string(),
    ];
    for path in &paths {
        let p = b.get(path).await;
        let h = |name: &str| p.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            h("content-security-policy").as_deref(),
            Some(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            "{path}"
        );
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(h("referrer-policy").as_deref(), Some("no-referrer"));
        assert_eq!(h("x-frame-options").as_deref(), Some("DENY"));
        let cache = h("cache-control").unwrap();
        if *path == css_href {
            assert_eq!(cache, "public, max-age=31536000, immutable");
            assert!(
                p.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/css")
            );
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
        assert!(!p.body.contains("<script"), "no script on {path}");
    }
}

#[tokio::test]
async fn session_cookie_is_http_only_strict_and_carries_no_answers() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let p = b.get(&page(1)).await;
    // A first page sets only the visit cookie (CSRF token); the session comes with answers.
    let cookies: Vec<String> = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let visit = &cookies[0];
    assert!(visit.starts_with("mizan-visit="), "{visit}");
    for c in [visit] {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/"),
            "{c}"
        );
        assert!(
            !c.contains("Secure"),
            "plain-HTTP loopback needs a non-Secure cookie"
        );
    }
    let saved = b
        .post(&page(1), &[("safe_day", "1"), ("safe_night", "2")])
        .await;
    let cookie = saved.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("mizan="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Path=/"));
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP loopback needs a non-Secure cookie"
    );
    // 21 hours of inactivity: WCAG 2.2.1's 20-hour exception (no script to warn).
    assert!(cookie.contains("Max-Age=75600"), "{cookie}");
    assert!(!cookie.contains("safe_day"));
}

#[tokio::test]
async fn question_pages_stay_under_30_kb_with_the_stylesheet() {
    let server = TestServer::start().await;
    let mut b = Browser::new(&server);
    let home = b.get("/").await;
    let css_href = browser::between(&home.body, r#"rel="stylesheet" href=""#, "\"").unwrap();
    let css = b.get(css_href).await.body.len();
    // The heaviest pages: the 18 governorates and the services checkboxes, with every error.
    for (n, lang) in [(12, "ar"), (12, "en"), (7, "ar"), (1, "ar")] {
        b.get(&format!("/s/{SURVEY}?lang={lang}")).await;
        let errors = b.post(&page(n), &[]).await;
        let total = errors.body.len() + css;
        assert!(
            total < 30 * 1024,
            "page {n} ({lang}) is {total} bytes with CSS"
        );
    }
}

#[tokio::test]
async fn serve_reports_an_invalid_survey_with_the_check_report_and_serves_the_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "id = \"x\"\ntitle = 3\n[[pages]\n",
    )
    .unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        dir.path().join("citizen-security.toml"),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let dir_arg = dir.path().to_str().unwrap();
    let log = dir.path().join("server.log");
    let (mut child, base) = common::spawn_server_logging(dir.path(), &db, &[], &[], Some(&log));
    // One broken file does not take the site down (issue 13): the others are served.
    let ok = reqwest::get(format!("{base}/s/citizen-security"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let gone = reqwest::get(format!("{base}/s/x")).await.unwrap();
    assert_eq!(gone.status(), 404);
    let _ = child.kill();
    let _ = child.wait();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(stderr.contains("broken.toml"), "{stderr}");
    let (_, _, check_report) = common::mizan(&["check", dir_arg], &[]);
    let first_line = check_report.lines().next().unwrap_or("");
    assert!(first_line.contains("broken.toml"), "{check_report}");
    assert!(
        stderr.contains(first_line),
        "same report as check: {first_line:?} in {stderr:?}"
    );
}
