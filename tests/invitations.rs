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

/// `mizan estimate` output rows as (variable, estimate).
fn estimates(csv_text: &str) -> Vec<(String, f64)> {
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (var, est, domain) = (at("variable"), at("estimate"), at("domain"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| r[domain].is_empty())
        .map(|r| (r[var].to_string(), r[est].parse().unwrap_or(f64::NAN)))
        .collect()
}

#[tokio::test]
async fn the_design_file_can_adjust_the_base_weights_for_nonresponse_within_strata() {
    // The example survey with a design file beside it: base weights, strata, and the
    // weighting-class adjustment by stratum, from the invitations in the database.
    let surveys = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_path("surveys/citizen-security.toml"),
        surveys.path().join("citizen-security.toml"),
    )
    .unwrap();
    let design = "[design]\nweights = \"base_weight\"\nstrata = \"stratum\"\nlonely_psu = \"certainty\"\n\n\
                  [nonresponse]\nby = \"stratum\"\n\n[reliability]\nmin_n = 1\n\n[[variable]]\nname = \"trust_police\"\ntype = \"mean\"\n";
    std::fs::write(surveys.path().join("citizen-security.design.toml"), design).unwrap();
    let server = TestServer::start_with(surveys.path()).await;
    let dir = tempfile::tempdir().unwrap();
    // 4 of 20 urban and 2 of 10 rural invited (base weight 5 each).
    let rows = draw(&server, dir.path());
    let link_in = |stratum: &str, nth: usize| {
        rows.iter().filter(|r| r[1] == stratum).nth(nth).unwrap()[5].clone()
    };
    // One urban person answers trust 4; both rural people answer trust 2.
    for (link, trust) in [
        (link_in("urban", 0), "4"),
        (link_in("rural", 0), "2"),
        (link_in("rural", 1), "2"),
    ] {
        let mut b = Browser::new(&server);
        let start = b.get(&link).await;
        let csrf = start.csrf().unwrap();
        assert_eq!(
            b.post_raw(&link, &[("csrf", csrf.as_str())]).await.status,
            StatusCode::SEE_OTHER
        );
        let answers: Vec<(&str, &str)> = WITH_CONTACT
            .iter()
            .map(|&(k, v)| {
                if k == "trust_police" {
                    (k, trust)
                } else {
                    (k, v)
                }
            })
            .collect();
        b.answer_all(&answers).await;
        assert_eq!(b.submit().await.status, StatusCode::SEE_OTHER);
    }
    let estimate = |extra: &str| {
        if !extra.is_empty() {
            std::fs::write(surveys.path().join("citizen-security.design.toml"), extra).unwrap();
        }
        let (code, out, err) = mizan(
            &[
                "estimate",
                "--survey",
                "citizen-security",
                "--surveys",
                surveys.path().to_str().unwrap(),
            ],
            &[("DATABASE_URL", &server.database_url)],
        );
        assert_eq!(code, 0, "{err}");
        estimates(&out)
            .into_iter()
            .find(|(v, _)| v == "trust_police")
            .map(|(_, e)| e)
            .unwrap()
    };
    // Adjusted: urban 5 × 4/1 = 20, rural 5 × 2/2 = 5 each → (4·20 + 2·10) / 30.
    let adjusted = estimate("");
    assert!((adjusted - 100.0 / 30.0).abs() < 1e-12, "{adjusted}");
    // Without the adjustment: (4·5 + 2·10) / 15.
    let plain = estimate(&design.replace("[nonresponse]\nby = \"stratum\"\n", ""));
    assert!((plain - 40.0 / 15.0).abs() < 1e-12, "{plain}");

    // The methodology note says so, and the R script rebuilds the same adjusted estimate.
    std::fs::write(surveys.path().join("citizen-security.design.toml"), design).unwrap();
    staff::add_user(&server.database_url, "analyst.one", "analyst");
    let analyst = staff::signed_in(&server, "analyst.one").await;
    let get = |path: &str| {
        let request = analyst.get(server.url(path));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let note = get("/results/citizen-security/methodology?lang=en").await;
    assert!(
        note.contains("Nonresponse adjustment within each class of `stratum`"),
        "{note}"
    );
    let script = get("/results/citizen-security/reproduce.R").await;
    assert!(script.contains("mizan_invited <- setNames("), "{script}");
    let has_r = std::process::Command::new("Rscript")
        .args(["-e", "library(survey)"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_r {
        let micro = get("/results/citizen-security/microdata.csv").await;
        std::fs::write(dir.path().join("micro.csv"), micro).unwrap();
        std::fs::write(dir.path().join("reproduce.R"), &script).unwrap();
        let out = std::process::Command::new("Rscript")
            .args(["reproduce.R", "micro.csv", "out.csv"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        let from_r = estimates(&text)
            .into_iter()
            .find(|(v, _)| v == "trust_police")
            .unwrap()
            .1;
        assert!((from_r - 100.0 / 30.0).abs() < 1e-9, "R: {from_r}");
    } else {
        eprintln!("Rscript with the survey package is not installed: the script was not run");
    }

    // On an exported file the invited numbers come from a CSV beside the design file, and a
    // class with more respondents than invitations is refused with its name.
    let data = dir.path().join("data.csv");
    std::fs::write(&data, "stratum,base_weight,y\na,1,1\na,1,1\nb,1,0\nb,1,0\n").unwrap();
    let design_file = dir.path().join("d.toml");
    std::fs::write(
        &design_file,
        "[design]\nweights = \"base_weight\"\n[nonresponse]\nby = \"stratum\"\ninvited = \"invited.csv\"\n[reliability]\nmin_n = 1\n[[variable]]\nname = \"y\"\ntype = \"mean\"\n",
    )
    .unwrap();
    let invited = dir.path().join("invited.csv");
    std::fs::write(&invited, "stratum,invited\na,2\nb,6\n").unwrap();
    let run = || {
        mizan(
            &[
                "estimate",
                "--data",
                data.to_str().unwrap(),
                "--design",
                design_file.to_str().unwrap(),
            ],
            &[],
        )
    };
    let (code, out, err) = run();
    assert_eq!(code, 0, "{err}");
    let y = estimates(&out)
        .into_iter()
        .find(|(v, _)| v == "y")
        .unwrap()
        .1;
    assert!(
        (y - 0.25).abs() < 1e-12,
        "a: 2 of 2 answered (factor 1), b: 2 of 6 (factor 3): {y}"
    );
    std::fs::write(&invited, "stratum,invited\na,1\nb,6\n").unwrap();
    let (code, _, err) = run();
    assert_ne!(code, 0);
    assert!(
        err.contains("class `a` has 2 respondents but only 1 invitations"),
        "{err}"
    );
}
