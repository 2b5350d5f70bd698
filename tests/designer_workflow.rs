//! The designer's workflow over HTTP: a draft is not served but can be previewed (nothing
//! stored), a broken file beside good ones is refused with its report while the others keep
//! serving, files are reloaded without a restart (a broken edit keeps the running version),
//! and someone in the middle of a survey when its file changes is told plainly and keeps the
//! answers that still fit. Also "clear my answers" on a shared phone.

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;
mod db_dump;
#[path = "common/staff.rs"]
mod staff;

use browser::{Browser, WITH_CONTACT};
use common::TestServer;
use reqwest::StatusCode;

const DRAFT: &str = "id = \"new-poll\"\nwave = \"2026-W2\"\ndraft = true\ntitle = { ar = \"استطلاع جديد\", en = \"New poll\" }\n\n[[pages]]\nid = \"p1\"\n[[pages.questions]]\nid = \"feel\"\ntype = \"single_choice\"\ntext = { ar = \"كيف تشعر؟\", en = \"How do you feel?\" }\noptions = [\n  { code = \"good\", ar = \"جيد\", en = \"Good\" },\n  { code = \"bad\", ar = \"سيئ\", en = \"Bad\" },\n]\n";

/// A surveys folder with the example survey and `extra` files, a server on it, one account per
/// role.
async fn server_with(extra: &[(&str, &str)]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let surveys = dir.path().join("surveys");
    std::fs::create_dir(&surveys).unwrap();
    std::fs::copy(
        common::repo_path("surveys/citizen-security.toml"),
        surveys.join("citizen-security.toml"),
    )
    .unwrap();
    for (name, text) in extra {
        std::fs::write(surveys.join(name), text).unwrap();
    }
    let url = common::fresh_database_url(dir.path()).await;
    for (name, role) in staff::ROLES {
        staff::add_user(&url, name, role);
    }
    TestServer::start_on(&surveys, url, dir)
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str) -> (StatusCode, String) {
    let res = client.get(server.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn reload(designer: &reqwest::Client, server: &TestServer) {
    let (_, page) = get(designer, server, "/design").await;
    let csrf = analysts::csrf_of(&page);
    let res = designer
        .post(server.url("/design/reload"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn responses(server: &TestServer) -> usize {
    db_dump::dump_all(&server.database_url)
        .await
        .into_iter()
        .find(|t| t.name.ends_with("responses"))
        .map(|t| t.rows.len())
        .unwrap()
}

#[tokio::test]
async fn a_draft_is_previewed_by_designers_and_never_served_or_stored() {
    let server = server_with(&[("new-poll.toml", DRAFT)]).await;
    let mut public = Browser::new(&server);
    assert_eq!(
        public.get("/s/new-poll").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !public.get("/").await.body.contains("استطلاع جديد"),
        "not listed"
    );
    // Signed out or as an analyst: no preview.
    assert_eq!(
        public.get("/preview/s/new-poll").await.status,
        StatusCode::SEE_OTHER
    );
    let analyst = staff::signed_in(&server, "محلل").await;
    assert_eq!(
        get(&analyst, &server, "/preview/s/new-poll/p/1").await.0,
        StatusCode::FORBIDDEN
    );

    let designer = staff::signed_in(&server, "مصمم").await;
    let (status, design) = get(&designer, &server, "/design").await;
    assert_eq!(status, StatusCode::OK);
    assert!(design.contains("مسودة"), "the draft is marked as such");
    assert!(design.contains(r#"href="/preview/s/new-poll""#));
    let mut b = Browser::new(&server);
    b.client = designer.clone();
    for lang in ["ar", "en"] {
        let page = b.get(&format!("/preview/s/new-poll/p/1?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("preview-banner"),
            "a visible preview banner ({lang})"
        );
    }
    let saved = b.post("/preview/s/new-poll/p/1", &[("feel", "good")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let done = b.submit_at("/preview/s/new-poll").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let thanks = b.get("/preview/s/new-poll/done?lang=ar").await;
    assert!(thanks.body.contains("لم يُحفظ شيء"), "{}", thanks.body);
    // The published survey can be previewed too; neither preview stores anything.
    b.answer_all_at("/preview/s/citizen-security", WITH_CONTACT)
        .await;
    assert_eq!(
        b.submit_at("/preview/s/citizen-security").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(responses(&server).await, 0, "previews are never stored");
}

#[tokio::test]
async fn a_broken_file_is_refused_with_its_report_while_the_others_keep_serving() {
    let server = server_with(&[("broken.toml", "id = \"broken\"\ntitle = 3\n[[pages]\n")]).await;
    let mut public = Browser::new(&server);
    assert_eq!(
        public.get("/s/citizen-security").await.status,
        StatusCode::OK
    );
    assert_eq!(public.get("/s/broken").await.status, StatusCode::NOT_FOUND);
    let designer = staff::signed_in(&server, "مصمم").await;
    let (_, design) = get(&designer, &server, "/design").await;
    assert!(
        design.contains("broken.toml:"),
        "the report names the file and line: {design}"
    );
    assert!(design.contains("ملفات مرفوضة"));
}

#[tokio::test]
async fn files_are_reloaded_without_a_restart_and_a_broken_edit_keeps_the_running_version() {
    let server = server_with(&[]).await;
    let surveys = server.surveys.clone();
    let designer = staff::signed_in(&server, "مصمم").await;
    let mut person = Browser::new(&server);
    // Someone is half way through when the file changes: the safe_day question's scale loses
    // "3", and a new survey appears.
    person
        .post(
            "/s/citizen-security/p/1",
            &[("safe_day", "3"), ("safe_night", "2")],
        )
        .await;
    assert!(
        person
            .get("/s/citizen-security/p/1")
            .await
            .is_value_checked("safe_day", "3")
    );
    let file = surveys.join("citizen-security.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    let edited = original.replacen(
        "{ code = \"3\", ar = \"آمن إلى حدٍّ ما\", en = \"Fairly safe\" },",
        "",
        1,
    );
    assert_ne!(edited, original, "the edit applies");
    std::fs::write(&file, &edited).unwrap();
    std::fs::write(
        surveys.join("new-poll.toml"),
        DRAFT.replace("draft = true\n", ""),
    )
    .unwrap();
    reload(&designer, &server).await;
    assert_eq!(
        person.get("/s/new-poll").await.status,
        StatusCode::OK,
        "served without a restart"
    );
    let page = person.get("/s/citizen-security/p/1").await;
    assert!(
        page.body.contains("حُدِّث هذا الاستبيان أثناء إجابتك"),
        "told plainly"
    );
    assert!(
        !page.is_value_checked("safe_day", "3"),
        "an answer that no longer fits is asked again"
    );
    assert!(
        page.is_value_checked("safe_night", "2"),
        "an answer that still fits is kept"
    );
    // A broken edit is refused; the running version keeps serving.
    std::fs::write(&file, "id = \"citizen-security\"\nwave = ").unwrap();
    reload(&designer, &server).await;
    assert_eq!(
        person.get("/s/citizen-security").await.status,
        StatusCode::OK
    );
    let (_, design) = get(&designer, &server, "/design").await;
    assert!(design.contains("citizen-security.toml:"), "{design}");
    // The person finishes; the response records the version it was completed in.
    let answers: Vec<(&str, &str)> = WITH_CONTACT
        .iter()
        .map(|&(k, v)| if k == "safe_day" { (k, "4") } else { (k, v) })
        .collect();
    person.answer_all(&answers).await;
    assert_eq!(person.submit().await.status, StatusCode::SEE_OTHER);
    let tables = db_dump::dump_all(&server.database_url).await;
    let t = tables
        .iter()
        .find(|t| t.name.ends_with("responses"))
        .unwrap();
    let v = t
        .columns
        .iter()
        .position(|c| c == "survey_version")
        .unwrap();
    let version = String::from_utf8(t.rows[0][v].clone()).unwrap();
    assert_eq!(
        version,
        mizan::survey::load::version_of(&edited),
        "the edited version"
    );
}

#[tokio::test]
async fn clear_my_answers_leaves_nothing_for_the_next_person_on_a_shared_phone() {
    let server = server_with(&[]).await;
    let mut b = Browser::new(&server);
    b.post(
        "/s/citizen-security/p/1",
        &[("safe_day", "1"), ("safe_night", "1")],
    )
    .await;
    let page = b.get("/s/citizen-security/p/2").await;
    assert!(page.body.contains(r#"action="/s/citizen-security/clear""#));
    assert!(page.body.contains("امسح إجاباتي"));
    let cleared = b.post("/s/citizen-security/clear", &[]).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert_eq!(cleared.location(), Some("/s/citizen-security?cleared=1"));
    // The start page says it worked (a status message), in the person's language; the plain
    // start page does not.
    let start = b.get("/s/citizen-security?cleared=1").await;
    assert!(
        start
            .body
            .contains(r#"<div class="notice" role="status"><p class="body">مُسحت إجاباتك"#),
        "{}",
        start.body
    );
    assert!(
        !b.get("/s/citizen-security")
            .await
            .body
            .contains("مُسحت إجاباتك")
    );
    let en = b.get("/s/citizen-security?cleared=1&lang=en").await;
    assert!(
        en.body
            .contains("Your answers were cleared from this device")
    );
    assert!(
        !b.get("/s/citizen-security/p/1")
            .await
            .is_value_checked("safe_day", "1")
    );
    // Without the page's CSRF token nothing is cleared (another site cannot do it).
    b.post(
        "/s/citizen-security/p/1",
        &[("safe_day", "2"), ("safe_night", "2")],
    )
    .await;
    let forged = b.post_raw("/s/citizen-security/clear", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        b.get("/s/citizen-security/p/1")
            .await
            .is_value_checked("safe_day", "2")
    );
}

#[tokio::test]
async fn sighup_reloads_the_survey_files() {
    let server = server_with(&[]).await;
    let mut b = Browser::new(&server);
    assert_eq!(b.get("/s/new-poll").await.status, StatusCode::NOT_FOUND);
    std::fs::write(
        server.surveys.join("new-poll.toml"),
        DRAFT.replace("draft = true\n", ""),
    )
    .unwrap();
    let pid = server.pid().unwrap() as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    let mut status = StatusCode::NOT_FOUND;
    for _ in 0..50 {
        status = b.get("/s/new-poll").await.status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "served after SIGHUP, without a restart"
    );
}
