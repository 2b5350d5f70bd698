//! Field interviews end to end over HTTP: an admin adds an interviewer and assigns an area on
//! the admin pages; the interviewer signs in, starts an interview in the area, records it, and
//! retries the submit as on a poor connection. The response is stamped with the area and a
//! pseudonymous code (never the account name), it is stored once, and the interviewer can
//! neither read it back nor open anyone else's area.

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;
mod db_dump;
#[path = "common/staff.rs"]
mod staff;

use analysts::csrf_of;
use browser::{Browser, WITH_CONTACT, WITHOUT_CONTACT};
use common::TestServer;
use reqwest::StatusCode;

async fn text_of(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
) -> (StatusCode, String) {
    let res = client.get(server.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    server: &TestServer,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, page) = text_of(client, server, form_page).await;
    let csrf = csrf_of(&page);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    client
        .post(server.url(action))
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// The admin adds the interviewer "ليلى" and gives her the area rural / c7; returns the
/// area's id as it appears in her links.
async fn admin_sets_up_an_interviewer(server: &TestServer) -> String {
    let admin = staff::signed_in(server, "مدير").await;
    let added = post(
        &admin,
        server,
        "/admin/users",
        "/admin/users",
        &[
            ("name", "ليلى"),
            ("role", "interviewer"),
            ("password", staff::PASSWORD),
            ("password2", staff::PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        added.status(),
        StatusCode::SEE_OTHER,
        "{}",
        added.text().await.unwrap()
    );
    let assigned = post(
        &admin,
        server,
        "/admin/areas",
        "/admin/areas",
        &[
            ("interviewer", "ليلى"),
            ("stratum", "rural"),
            ("cluster", "c7"),
        ],
    )
    .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    let layla = staff::signed_in(server, "ليلى").await;
    let (status, home) = text_of(&layla, server, "/field").await;
    assert_eq!(status, StatusCode::OK);
    let link = browser::between(&home, r#"href="/field/"#, "/s/citizen-security\"")
        .expect("a start link for the area");
    link.to_string()
}

fn interviewer_browser(server: &TestServer, client: reqwest::Client) -> Browser {
    let mut b = Browser::new(server);
    b.client = client;
    b
}

#[tokio::test]
async fn an_interview_is_stamped_with_its_area_and_a_code_and_stored_once() {
    let server = staff::server_with_staff().await;
    let area = admin_sets_up_an_interviewer(&server).await;
    let base = format!("/field/{area}/s/citizen-security");
    let client = staff::signed_in(&server, "ليلى").await;
    let mut b = interviewer_browser(&server, client.clone());
    // The interviewer's instructions from the survey file, on the interviewer's page only.
    let note = "اقرأ كل عبارة ثم الإجابات الأربع بصوت عالٍ";
    let field_page = b.get(&format!("{base}/p/1")).await;
    assert!(
        field_page.body.contains(note),
        "the instruction is shown to the interviewer"
    );
    assert!(field_page.body.contains("interviewer-note"));
    let public_page = Browser::new(&server).get("/s/citizen-security/p/1").await;
    assert!(!public_page.body.contains(note), "respondents never see it");
    assert!(!public_page.body.contains("interviewer-note"));
    b.answer_all_at(&base, WITH_CONTACT).await;
    let check = b.get(&format!("{base}/check")).await;
    let key = check.submission_key().unwrap();
    // The first submit is stored but its answer is lost on the way back (poor connection):
    // the interviewer presses the button again on the same page.
    let first = b.post(&format!("{base}/submit"), &[("key", &key)]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let retry = b.post(&format!("{base}/submit"), &[("key", &key)]).await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER);
    assert_eq!(retry.location(), Some(format!("{base}/done").as_str()));
    let done = b.get(&format!("{base}/done")).await;
    assert!(
        done.body.contains("ابدأ المقابلة التالية"),
        "next interview offered"
    );
    // A second interview by the same interviewer in the same wave.
    b.answer_all_at(&base, WITHOUT_CONTACT).await;
    assert_eq!(b.submit_at(&base).await.status, StatusCode::SEE_OTHER);

    let tables = db_dump::dump_all(&server.database_url).await;
    let responses = tables
        .iter()
        .find(|t| t.name.ends_with("responses"))
        .unwrap();
    assert_eq!(
        responses.rows.len(),
        2,
        "the retried submit was stored once"
    );
    let col = |name: &str| responses.columns.iter().position(|c| c == name).unwrap();
    let mut codes = Vec::new();
    for row in &responses.rows {
        assert_eq!(row[col("channel")], b"interviewer");
        let m: serde_json::Value = serde_json::from_slice(&row[col("metadata")]).unwrap();
        assert_eq!(m["stratum"], "rural");
        assert_eq!(m["cluster"], "c7");
        assert_eq!(m["mode"], "face-to-face");
        let code = m["interviewer"].as_str().unwrap().to_string();
        assert!(code.starts_with("INT-") && code.len() == 12, "{code}");
        codes.push(code);
        for cell in row {
            assert!(
                !db_dump::contains(cell, "ليلى".as_bytes()),
                "account name in a response"
            );
            assert!(!db_dump::has_time_of_day(cell), "time of day in a response");
        }
    }
    assert_eq!(codes[0], codes[1], "stable within the wave");

    // Her own count per area; no way back to what was answered.
    let (_, home) = text_of(&client, &server, "/field").await;
    assert!(
        home.contains("<strong>٢</strong>"),
        "two interviews counted: {home}"
    );
    let check_again = b.get(&format!("{base}/check")).await;
    assert_eq!(
        check_again.status,
        StatusCode::SEE_OTHER,
        "nothing to check any more"
    );
    let page1 = b.get(&format!("{base}/p/1")).await;
    assert!(
        !page1.is_value_checked("safe_day", "4"),
        "the last interview is not shown"
    );
    assert!(!done.body.contains("الشارع مظلم ليلاً"));
    let (status, _) = text_of(&client, &server, "/results/citizen-security").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an interviewer reads no results"
    );
}

#[tokio::test]
async fn an_interviewer_opens_only_their_own_areas() {
    let server = staff::server_with_staff().await;
    let area = admin_sets_up_an_interviewer(&server).await;
    // سعاد is an interviewer too, but the area is ليلى's.
    let suad = staff::signed_in(&server, "سعاد").await;
    let (status, _) = text_of(
        &suad,
        &server,
        &format!("/field/{area}/s/citizen-security/p/1"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, home) = text_of(&suad, &server, "/field").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("لم تُعيَّن لك أي منطقة"), "no area yet");
    // Signed out: to the sign-in page, and back after it.
    let anon = analysts::browser();
    let res = anon
        .get(server.url(&format!("/field/{area}/s/citizen-security/p/1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=/field/")
    );
}

#[tokio::test]
async fn a_disabled_account_is_refused_at_its_next_request() {
    let server = staff::server_with_staff().await;
    let analyst = staff::signed_in(&server, "محلل").await;
    let (status, _) = text_of(&analyst, &server, "/results").await;
    assert_eq!(status, StatusCode::OK);
    let admin = staff::signed_in(&server, "مدير").await;
    let segment = analysts_segment("محلل");
    let disabled = post(
        &admin,
        &server,
        "/admin/users",
        &format!("/admin/users/{segment}/disable"),
        &[],
    )
    .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    // The analyst's open session stops working at once, and signing in again fails.
    let res = analyst.get(server.url("/results")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let again = analysts::sign_in(
        &analysts::browser(),
        &server,
        "",
        "",
        "محلل",
        staff::PASSWORD,
    )
    .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    // An admin cannot lock themselves out.
    let me = post(
        &admin,
        &server,
        "/admin/users",
        &format!("/admin/users/{}/disable", analysts_segment("مدير")),
        &[],
    )
    .await;
    assert_eq!(me.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Re-enabled, with a new password set by the admin.
    let seg = analysts_segment("محلل");
    post(
        &admin,
        &server,
        "/admin/users",
        &format!("/admin/users/{seg}/enable"),
        &[],
    )
    .await;
    let id: String = "محلل".bytes().map(|b| format!("{b:02x}")).collect();
    let (f1, f2) = (format!("pw-{id}-1"), format!("pw-{id}-2"));
    let new_password = "كلمة-مرور-جديدة-تماما";
    let set = post(
        &admin,
        &server,
        "/admin/users",
        &format!("/admin/users/{seg}/password"),
        &[(f1.as_str(), new_password), (f2.as_str(), new_password)],
    )
    .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let ok = analysts::sign_in(&analysts::browser(), &server, "", "", "محلل", new_password).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ok.headers()["location"],
        "/results",
        "an analyst starts at the results"
    );
}

#[tokio::test]
async fn the_admin_pages_register_a_kiosk_and_refuse_bad_input_in_the_persons_language() {
    let server = staff::server_with_staff().await;
    let admin = staff::signed_in(&server, "مدير").await;
    let bad = post(
        &admin,
        &server,
        "/admin/kiosks?lang=en",
        "/admin/kiosks?lang=en",
        &[
            ("site_ar", ""),
            ("site_en", "Hall"),
            ("stratum", "suburban"),
            ("idle_seconds", "٣٠"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    for part in [
        "Choose at least one survey",
        "site&#39;s name in Arabic",
        "between 60 and 3600",
    ] {
        assert!(
            body.contains(part) || body.contains(&part.replace("&#39;", "'")),
            "{part}"
        );
    }
    let good = post(
        &admin,
        &server,
        "/admin/kiosks",
        "/admin/kiosks",
        &[
            ("survey", "citizen-security"),
            ("site_ar", "مديرية شرطة البصرة"),
            ("site_en", "Basra police directorate"),
            ("stratum", "urban"),
            ("cluster", "basra-centre"),
            ("idle_seconds", "١٢٠"),
        ],
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    let page = good.text().await.unwrap();
    let path = browser::between(&page, r#"<code class="enrol-path" dir="ltr">"#, "</code>")
        .expect("the enrolment path is shown once")
        .to_string();
    let mut kiosk = Browser::new(&server);
    assert_eq!(kiosk.get(&path).await.status, StatusCode::SEE_OTHER);
    assert_eq!(kiosk.get("/kiosk").await.status, StatusCode::OK);
    // Revoked from the admin page: the screen says it is not enrolled from the next request.
    let (_, list) = text_of(&admin, &server, "/admin/kiosks").await;
    assert!(!list.contains(&path), "the path is not shown again");
    let revoke = browser::between(&list, r#"action="/admin/kiosks/"#, "/revoke\"").unwrap();
    let res = post(
        &admin,
        &server,
        "/admin/kiosks",
        &format!("/admin/kiosks/{revoke}/revoke"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = kiosk.get("/kiosk").await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert!(after.body.contains("هذه الشاشة غير مسجّلة"));
}

fn analysts_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
