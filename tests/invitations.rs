//! Single-use invitations end to end over HTTP, tried as an attacker would: a sample is drawn
//! (`mizan sample draw`), a person opens their link and answers; the response is stamped
//! channel `invitation` with the stratum, cluster and base weight and nothing that links it
//! back (no token, no unit id, no time of day); the link replayed, forged or malformed gets a
//! clear page in the person's language and stores nothing.

#[path = "common/analysts.rs"]
mod analysts;
mod browser;
mod common;
mod db_dump;
#[path = "common/staff.rs"]
mod staff;

use browser::{Browser, WITH_CONTACT};
use common::{TestServer, mizan, repo_path};
use reqwest::StatusCode;

/// Draw 6 of 30 units; returns the CSV rows (unit_id, stratum, cluster, probability,
/// base_weight, link).
fn draw(server: &TestServer, dir: &std::path::Path) -> Vec<Vec<String>> {
    let mut csv = String::from("unit_id,stratum,cluster\n");
    for i in 0..20 {
        csv.push_str(&format!("HH-U{i:03},urban,k{}\n", i / 5));
    }
    for i in 0..10 {
        csv.push_str(&format!("HH-R{i:03},rural,r{}\n", i / 5));
    }
    let frame = dir.join("frame.csv");
    std::fs::write(&frame, csv).unwrap();
    let out = dir.join("invitations.csv");
    let surveys = repo_path("surveys");
    let (code, _, err) = mizan(
        &[
            "sample",
            "draw",
            "--frame",
            frame.to_str().unwrap(),
            "--survey",
            "citizen-security",
            "--size",
            "6",
            "--seed",
            "7",
            "--out",
            out.to_str().unwrap(),
            "--surveys-dir",
            surveys.to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(std::fs::read(&out).unwrap()[3..].to_vec()).unwrap();
    text.split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn an_invitation_works_once_and_its_response_carries_the_design_not_the_person() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rows = draw(&server, dir.path());
    assert_eq!(rows.len(), 6);
    let row = &rows[0];
    let (unit, stratum, cluster, weight, link) = (&row[0], &row[1], &row[2], &row[4], &row[5]);
    assert!(link.starts_with("/i/"), "{link}");
    let token = link.trim_start_matches("/i/").to_string();

    // A messaging app fetching the link for its preview (GETs, no cookies kept) uses nothing.
    for _ in 0..3 {
        let preview = Browser::new(&server).get(link).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    }
    let mut b = Browser::new(&server);
    let start = b.get(link).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert!(
        start.body.contains("ابدأ الآن"),
        "a start button: {}",
        start.body
    );
    assert!(
        start
            .body
            .contains(&format!(r#"<form method="post" action="{link}""#)),
        "the start button posts: {}",
        start.body
    );
    // Posting without the page's CSRF token (a cross-site form) opens nothing.
    let forged = b.post_raw(link, &[("csrf", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let csrf = start.csrf().expect("the start form carries the CSRF token");
    let opened = b.post_raw(link, &[("csrf", csrf.as_str())]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert!(
        opened
            .location()
            .unwrap()
            .starts_with("/s/citizen-security/p/"),
        "{:?}",
        opened.location()
    );
    b.answer_all(WITH_CONTACT).await;
    assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);

    // The same link again, in another browser (a forwarded message) or the same one: used.
    for mut again in [Browser::new(&server), b] {
        let used = again.get(link).await;
        assert_eq!(used.status, StatusCode::GONE);
        let reopened = again.post_raw(link, &[("csrf", csrf.as_str())]).await;
        assert!(
            matches!(reopened.status, StatusCode::GONE | StatusCode::FORBIDDEN),
            "{}",
            reopened.status
        );
        assert!(
            used.body.contains("استُخدم رابط الدعوة هذا من قبل"),
            "{}",
            used.body
        );
    }
    // Forged (well-formed but never issued) and malformed tokens: "not valid", never a 500.
    let mut stranger = Browser::new(&server);
    for bad in [
        "/i/00000000000000000000000000000000".to_string(),
        format!("/i/{}", token.to_uppercase()),
        "/i/abc".to_string(),
        "/i/..%2F..%2Fetc".to_string(),
        format!("/i/{token}x"),
    ] {
        let page = stranger.get(&bad).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(page.body.contains("رابط الدعوة غير صالح"), "{bad}");
    }
    let english = stranger.get("/i/abc?lang=en").await;
    assert!(english.body.contains("This invitation link is not valid"));

    let tables = db_dump::dump_all(&server.database_url).await;
    let responses = tables
        .iter()
        .find(|t| t.name.ends_with("responses"))
        .unwrap();
    assert_eq!(responses.rows.len(), 1, "one response, stored once");
    let col = |name: &str| responses.columns.iter().position(|c| c == name).unwrap();
    let r = &responses.rows[0];
    assert_eq!(r[col("channel")], b"invitation");
    let m: serde_json::Value = serde_json::from_slice(&r[col("metadata")]).unwrap();
    assert_eq!(m["stratum"], stratum.as_str());
    assert_eq!(m["cluster"], cluster.as_str());
    let stored_weight: f64 = m["base_weight"].as_str().unwrap().parse().unwrap();
    assert!((stored_weight - weight.parse::<f64>().unwrap()).abs() < 1e-9);
    // Nothing that links the response back to the invitation or the household.
    let hash = mizan::db::secret_hash(&token);
    for table in &tables {
        for (column, cell) in table.cells() {
            let at = format!("{}.{column}", table.name);
            assert!(!db_dump::contains(cell, token.as_bytes()), "token in {at}");
            assert!(!db_dump::contains(cell, unit.as_bytes()), "unit id in {at}");
            if table.name.ends_with("responses") {
                assert!(!db_dump::contains(cell, &hash), "token hash in {at}");
                assert!(!db_dump::has_time_of_day(cell), "time of day in {at}");
            }
        }
    }
    // The export carries the base weight for the design.
    let out = dir.path().join("export.csv");
    let (code, _, err) = mizan(
        &[
            "export",
            "citizen-security",
            "--out",
            out.to_str().unwrap(),
            "--surveys",
            repo_path("surveys").to_str().unwrap(),
        ],
        &[("DATABASE_URL", &server.database_url)],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let at = header
        .iter()
        .position(|h| *h == "base_weight")
        .expect("a base_weight column");
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[at].parse::<f64>().unwrap(), stored_weight);
    let ch = header.iter().position(|h| *h == "channel").unwrap();
    assert_eq!(first[ch], "invitation");

    // The response rate per stratum (AAPOR RR1) on the designers' page.
    staff::add_user(&server.database_url, "مصمم", "designer");
    let designer = staff::signed_in(&server, "مصمم").await;
    let page = designer
        .get(server.url("/design?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let invited_here = rows.iter().filter(|r| r[1] == *stratum).count();
    let rate = format!("{:.1}%", 100.0 / invited_here as f64);
    assert!(page.contains("Response rate (RR1)"), "{page}");
    assert!(
        page.contains(&format!("<td>{invited_here}</td><td>1</td><td>{rate}</td>")),
        "{rate}: {page}"
    );
}
