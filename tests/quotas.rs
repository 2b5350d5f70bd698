//! Quotas over HTTP, tried as a pollster and an attacker would: a respondent whose answers put
//! them in a full cell is thanked and screened out as soon as the cell is known (nothing
//! stored, not asked again on that link); only completed responses take places; N people
//! completing at once into a cell with one place left store exactly one response; the polling
//! branch sees each cell's progress.

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;
#[path = "common/staff.rs"]
mod staff;

use browser::{Browser, Page, WITH_CONTACT, WITHOUT_CONTACT, stored};
use common::{TestServer, repo_path};
use reqwest::StatusCode;

const BASE: &str = "/s/citizen-security";

/// The example survey with a quota of `limit` per governorate × gender cell (Basra men: none).
fn surveys_with_quota(limit: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(repo_path("surveys/citizen-security.toml")).unwrap();
    text.push_str(&format!(
        "\n[[quotas]]\nid = \"governorate_gender\"\nby = [\"governorate\", \"gender\"]\nlimit = {limit}\nlimits = {{ \"basra/male\" = 0 }}\n"
    ));
    std::fs::write(dir.path().join("citizen-security.toml"), text).unwrap();
    dir
}

/// Answer page after page; stops at the check page (`Ok`) or when sent to the thank-you page
/// of a screen-out (`Err(page)`).
async fn answer(b: &mut Browser, answers: &[(&str, &str)]) -> Result<(), Page> {
    let mut path = format!("{BASE}/p/1");
    for _ in 0..50 {
        if path.ends_with("/check") {
            return Ok(());
        }
        if path.ends_with("/done") {
            return Err(b.get(&path).await);
        }
        let page = b.get(&path).await;
        if page.status == StatusCode::SEE_OTHER {
            path = page.location().unwrap().to_string();
            continue;
        }
        assert_eq!(page.status, StatusCode::OK, "GET {path}");
        let posted = b.post(&path, answers).await;
        assert_eq!(
            posted.status,
            StatusCode::SEE_OTHER,
            "POST {path}: {:?}",
            posted.error_texts()
        );
        path = posted.location().unwrap().to_string();
    }
    panic!("no end to the survey");
}

fn with(
    answers: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    answers
        .iter()
        .map(|&(k, v)| if k == key { (k, value) } else { (k, v) })
        .collect()
}

#[tokio::test]
async fn a_full_cell_screens_the_person_out_when_their_cell_is_known_and_stores_nothing() {
    let surveys = surveys_with_quota(1);
    let server = TestServer::start_with(surveys.path()).await;

    // The first woman from Basra completes: the cell's one place is taken.
    let mut first = Browser::new(&server);
    answer(&mut first, WITH_CONTACT)
        .await
        .expect("room in the cell");
    assert_eq!(first.submit().await.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&server).await.len(), 1);

    // The next woman from Basra is thanked at the page that names her cell, before the end.
    let mut second = Browser::new(&server);
    let basra_woman = with(
        &with(WITHOUT_CONTACT, "governorate", "basra"),
        "gender",
        "female",
    );
    let thanks = answer(&mut second, &basra_woman)
        .await
        .expect_err("screened out at the page with governorate and gender");
    assert_eq!(thanks.status, StatusCode::OK);
    assert!(
        thanks
            .body
            .contains("لدينا ما يكفي من الإجابات من أشخاص مثلك"),
        "{}",
        thanks.body
    );
    assert!(
        !thanks.body.contains("أُرسلت إجاباتك"),
        "not told it was sent"
    );
    // Not asked again on this link, and nothing was stored.
    let again = second.get(&format!("{BASE}/p/1")).await;
    assert_eq!(again.location(), Some(format!("{BASE}/done").as_str()));
    assert_eq!(stored(&server).await.len(), 1);
    // In English too.
    let english = second.get(&format!("{BASE}/done?lang=en")).await;
    assert!(
        english
            .body
            .contains("We already have enough answers from people like you")
    );

    // A cell with a limit of its own: Basra men are screened out at once; Basra women from
    // another person still cannot get in; a man from Baghdad can.
    let mut man = Browser::new(&server);
    let male = with(WITH_CONTACT, "gender", "male");
    assert!(
        answer(&mut man, &male).await.is_err(),
        "basra/male takes nobody"
    );
    let mut baghdad = Browser::new(&server);
    let other = with(&male, "governorate", "baghdad");
    answer(&mut baghdad, &other)
        .await
        .expect("room in baghdad/male");
    assert_eq!(baghdad.submit().await.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&server).await.len(), 2);

    // The polling branch's page: completed and limit per cell, in words.
    staff::add_user(&server.database_url, "designer.one", "designer");
    let designer = staff::signed_in(&server, "designer.one").await;
    let page = designer
        .get(server.url("/design?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Quotas"), "{page}");
    let row = |label: &str, n: u32, limit: u32| {
        format!(r#"<th scope="row">{label}</th><td>{n}</td><td>{limit}</td>"#)
    };
    assert!(page.contains(&row("Basra / Female", 1, 1)), "{page}");
    assert!(page.contains(&row("Basra / Male", 0, 0)), "{page}");
    assert!(page.contains(&row("Baghdad / Male", 1, 1)), "{page}");
}

#[tokio::test]
async fn people_completing_at_once_into_the_last_place_store_exactly_one_response() {
    let surveys = surveys_with_quota(1);
    let server = TestServer::start_with(surveys.path()).await;
    const PEOPLE: usize = 12;
    // Everyone reaches the check page while the cell is still empty.
    let mut people = Vec::new();
    for _ in 0..PEOPLE {
        let mut b = Browser::new(&server);
        answer(&mut b, WITH_CONTACT)
            .await
            .expect("the cell is empty");
        let check = b.get(&format!("{BASE}/check")).await;
        let key = check.submission_key().unwrap();
        people.push((b, key));
    }
    // Then all submit at the same moment.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(PEOPLE));
    let mut tasks = Vec::new();
    for (mut b, key) in people {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let sent = b.post(&format!("{BASE}/submit"), &[("key", &key)]).await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER);
            let done = b.get(&format!("{BASE}/done")).await;
            // A retry of the same submit changes nothing.
            b.post(&format!("{BASE}/submit"), &[("key", &key)]).await;
            done.body.contains("لدينا ما يكفي من الإجابات")
        }));
    }
    let mut screened = 0;
    for t in tasks {
        screened += usize::from(t.await.unwrap());
    }
    assert_eq!(stored(&server).await.len(), 1, "exactly one stored");
    assert_eq!(
        screened,
        PEOPLE - 1,
        "all the others thanked and screened out"
    );
    let db = mizan::db::Db::connect(&server.database_url).await.unwrap();
    let fills = db.quota_fills("citizen-security").await.unwrap();
    assert_eq!(
        fills,
        vec![(
            "governorate_gender".to_string(),
            "basra/female".to_string(),
            1
        )]
    );
    db.close().await;
}

#[test]
fn quotas_in_a_survey_file_are_checked_with_their_line() {
    let base = std::fs::read_to_string(repo_path("surveys/citizen-security.toml")).unwrap();
    let path = std::path::Path::new("q.toml");
    let problems = |quota: &str| -> Vec<String> {
        match mizan::survey::parse_str(&format!("{base}\n{quota}"), path) {
            Ok(_) => Vec::new(),
            Err(report) => report
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.line, p.message))
                .collect(),
        }
    };
    let line = base.lines().count() + 2;
    assert!(problems("[[quotas]]\nid = \"g\"\nby = [\"governorate\", \"source\"]\nlimit = 5\nlimits = { \"basra/none\" = 2 }\n").is_empty());
    let by_multiple = problems("[[quotas]]\nid = \"s\"\nby = [\"services\"]\nlimit = 5\n");
    assert_eq!(by_multiple.len(), 1, "{by_multiple:?}");
    assert!(
        by_multiple[0].contains("quota `s` is by `services`, a multiple_choice question"),
        "{by_multiple:?}"
    );
    assert!(
        by_multiple[0].starts_with(&format!("{}:", line + 2)),
        "{by_multiple:?}"
    );
    let unknown = problems("[[quotas]]\nid = \"u\"\nby = [\"province\"]\nlimit = 5\n");
    assert!(
        unknown[0].contains("`province`, which is not a question"),
        "{unknown:?}"
    );
    let cell = problems(
        "[[quotas]]\nid = \"c\"\nby = [\"governorate\", \"gender\"]\nlimit = 5\nlimits = { \"basra\" = 1 }\n",
    );
    assert!(
        cell[0].contains("`basra` is not a cell of this quota"),
        "{cell:?}"
    );
    assert!(cell[0].contains("e.g. \"baghdad/"), "{cell:?}");
    let zero = problems("[[quotas]]\nid = \"z\"\nby = [\"gender\"]\nlimit = 0\n");
    assert!(
        zero[0].contains("`limit` must be a whole number from 1"),
        "{zero:?}"
    );
    let missing = problems("[[quotas]]\nid = \"m\"\nlimit = \"ten\"\n");
    assert_eq!(
        missing.len(),
        2,
        "missing `by` and the wrong type of `limit`, in one run: {missing:?}"
    );
}
