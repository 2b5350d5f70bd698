//! `mizan sample draw` end to end (SQLite, or PostgreSQL under `.ci/with-postgres`): the same
//! frame and seed give the same units in the same order, allocations and base weights are
//! right, the links differ and are single use, the database keeps no unit id and no token,
//! and a failure on either side leaves nothing half-written.

mod common;
mod db_dump;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{fresh_database_url, mizan, repo_path};
use mizan::db::{Db, InvitationOutcome, secret_hash};

/// 60 urban units in 6 clusters, 20 rural units in 4 clusters (the survey's strata).
fn write_frame(dir: &Path) -> PathBuf {
    let mut csv = String::from("unit_id,stratum,cluster,phone\n");
    for i in 0..60 {
        csv.push_str(&format!("U{i:03},urban,k{},0770{i:07}\n", i / 10));
    }
    for i in 0..20 {
        csv.push_str(&format!("R{i:03},rural,r{},0780{i:07}\n", i / 5));
    }
    let path = dir.join("frame.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn draw(url: &str, frame: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let surveys = repo_path("surveys");
    let mut args = vec![
        "sample",
        "draw",
        "--frame",
        frame.to_str().unwrap(),
        "--survey",
        "citizen-security",
        "--size",
        "12",
        "--seed",
        "20261202",
        "--out",
        out.to_str().unwrap(),
        "--surveys-dir",
        surveys.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    mizan(&args, &[("DATABASE_URL", url)])
}

/// The CSV's rows (after the BOM and header), split into cells.
fn read_rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM first");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "unit_id,stratum,cluster,probability,base_weight,link"
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

async fn db_of(url: &str) -> Db {
    Db::connect(url).await.unwrap()
}

#[tokio::test]
async fn the_same_seed_draws_the_same_units_with_new_links() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_frame(dir.path());
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let url_a = fresh_database_url(&dir.path().join("a")).await;
    let url_b = fresh_database_url(&dir.path().join("b")).await;
    let (out_a, out_b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let (code, stdout, err) = draw(&url_a, &frame, &out_a, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("stratum urban: 9 of 60"), "{stdout}");
    assert!(stdout.contains("stratum rural: 3 of 20"), "{stdout}");
    let (code, _, err) = draw(&url_b, &frame, &out_b, &[]);
    assert_eq!(code, 0, "{err}");
    let (a, b) = (read_rows(&out_a), read_rows(&out_b));
    assert_eq!(a.len(), 12);
    // Same units, same order, same probabilities; different links.
    let design = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r[..5].to_vec()).collect()
    };
    assert_eq!(design(&a), design(&b));
    for (ra, rb) in a.iter().zip(&b) {
        assert_ne!(ra[5], rb[5]);
        let token = ra[5].strip_prefix("/i/").expect("link is /i/TOKEN");
        assert_eq!(token.len(), 32, "128 bits as hex");
        assert!(
            token
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    // Proportional: 12·60/80 = 9 urban, 3 rural; π = 9/60 and 3/20, base weights 1/π.
    for row in &a {
        let (p, w) = match row[1].as_str() {
            "urban" => ("0.15", "6.666666666666667"),
            "rural" => ("0.15", "6.666666666666667"),
            other => panic!("stratum {other}"),
        };
        assert_eq!((row[3].as_str(), row[4].as_str()), (p, w), "{row:?}");
        assert!(row[0].starts_with(if row[1] == "urban" { 'U' } else { 'R' }));
    }
    let db = db_of(&url_a).await;
    assert_eq!(
        db.invited_per_stratum("citizen-security").await.unwrap(),
        vec![("rural".to_string(), 3), ("urban".to_string(), 9)]
    );
    // Each link opens once; an unknown token is unknown.
    let token = a[0][5].strip_prefix("/i/").unwrap();
    match db.open_invitation(&secret_hash(token)).await.unwrap() {
        InvitationOutcome::Opened(stamp) => {
            assert_eq!(stamp.survey_id, "citizen-security");
            assert_eq!(stamp.stratum, a[0][1]);
            assert_eq!(stamp.cluster, a[0][2]);
            assert_eq!(stamp.base_weight.to_string(), a[0][4]);
        }
        other => panic!("first open: {other:?}"),
    }
    assert_eq!(
        db.open_invitation(&secret_hash(token)).await.unwrap(),
        InvitationOutcome::AlreadyUsed
    );
    assert_eq!(
        db.open_invitation(&secret_hash(&"0".repeat(32)))
            .await
            .unwrap(),
        InvitationOutcome::Unknown
    );
    db.close().await;

    // Nowhere in the database: a unit id, a phone number of the frame, a token.
    let dump = db_dump::dump_all(&url_a).await;
    let tokens: Vec<String> = a.iter().map(|r| r[5][3..].to_string()).collect();
    for table in &dump {
        for (col, cell) in table.cells() {
            let text = String::from_utf8_lossy(cell);
            for row in &a {
                assert!(
                    !text.contains(&row[0]),
                    "unit id {} in {}.{col}",
                    row[0],
                    table.name
                );
            }
            assert!(!text.contains("0770"), "frame data in {}.{col}", table.name);
            for t in &tokens {
                assert!(!text.contains(t.as_str()), "token in {}.{col}", table.name);
            }
        }
        if table.name.ends_with("invitations") {
            assert_eq!(
                table.columns,
                [
                    "token_hash",
                    "survey_id",
                    "stratum",
                    "cluster",
                    "base_weight",
                    "opened"
                ]
            );
        }
        if table.name.ends_with("sample_draws") {
            let row = &table.rows[0];
            let cell = |name: &str| {
                let i = table.columns.iter().position(|c| c == name).unwrap();
                String::from_utf8_lossy(&row[i]).into_owned()
            };
            assert_eq!(cell("seed"), "20261202");
            assert_eq!(cell("allocation"), "proportional");
            assert_eq!(cell("drawn_on").len(), 10, "a day, no time");
            let report: serde_json::Value = serde_json::from_str(&cell("report")).unwrap();
            assert_eq!(report["strata"][1]["stratum"], "urban");
            assert_eq!(report["strata"][1]["population"], 60);
            assert_eq!(report["strata"][1]["sample"], 9);
        }
    }
}

#[tokio::test]
async fn given_equal_and_two_stage_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_frame(dir.path());
    let url = fresh_database_url(dir.path()).await;
    let out = dir.path().join("equal.csv");
    let (code, _, err) = draw(&url, &frame, &out, &["--allocation", "equal"]);
    assert_eq!(code, 0, "{err}");
    let rows = read_rows(&out);
    let weight_sum = |s: &str| -> f64 {
        rows.iter()
            .filter(|r| r[1] == s)
            .map(|r| r[4].parse::<f64>().unwrap())
            .sum()
    };
    assert_eq!(rows.iter().filter(|r| r[1] == "urban").count(), 6);
    assert!((weight_sum("urban") - 60.0).abs() < 1e-9);
    assert!((weight_sum("rural") - 20.0).abs() < 1e-9);

    let given = dir.path().join("n.csv");
    std::fs::write(&given, "stratum,n\nurban,10\nrural,2\n").unwrap();
    let out = dir.path().join("given.csv");
    let (code, _, err) = draw(
        &url,
        &frame,
        &out,
        &[
            "--allocation",
            "given",
            "--per-stratum",
            given.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read_rows(&out).iter().filter(|r| r[1] == "rural").count(),
        2
    );

    let out = dir.path().join("two.csv");
    let (code, _, err) = draw(
        &url,
        &frame,
        &out,
        &[
            "--allocation",
            "equal",
            "--two-stage",
            "--clusters-per-stratum",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows = read_rows(&out);
    for s in ["urban", "rural"] {
        let clusters: std::collections::BTreeSet<&str> = rows
            .iter()
            .filter(|r| r[1] == s)
            .map(|r| r[2].as_str())
            .collect();
        assert_eq!(clusters.len(), 2, "{s}: {clusters:?}");
    }
    // Urban: 6 clusters of 10, 2 drawn, 3 units each: π = 2/6 · 3/10 = 0.1.
    for r in rows.iter().filter(|r| r[1] == "urban") {
        assert!((r[3].parse::<f64>().unwrap() - 0.1).abs() < 1e-15, "{r:?}");
    }
    let db = db_of(&url).await;
    let invited = db.invited_per_stratum("citizen-security").await.unwrap();
    assert_eq!(
        invited,
        vec![("rural".into(), 6 + 2 + 6), ("urban".into(), 6 + 10 + 6)]
    );
    db.close().await;
}

#[tokio::test]
async fn bad_frames_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    let out = dir.path().join("out.csv");
    let one_urban = format!(
        "unit_id,stratum\nU1,urban\n{}",
        (0..20).map(|i| format!("R{i},rural\n")).collect::<String>()
    );
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "unit_id,stratum\nU1,urban\nU1,urban\nR1,rural\n",
            &[],
            "frame.csv line 3: unit_id \"U1\" is already on line 2",
        ),
        (
            "id,stratum\nU1,urban\n",
            &[],
            "frame.csv line 1: missing column `unit_id`",
        ),
        (
            "unit_id,stratum\nU1,urban\nU2,urban,x\n",
            &[],
            "frame.csv line 3: malformed CSV",
        ),
        (
            &one_urban,
            &["--allocation", "equal"],
            "stratum \"urban\" is asked for 6 units but has only 1",
        ),
        (
            "unit_id,stratum\nU1,urban\nX1,north\n",
            &[],
            "the frame's strata north are not among the survey's strata (urban, rural)",
        ),
        (
            "unit_id,stratum,cluster,size\nU1,urban,k1,0\nU2,urban,k1,2\n",
            &[],
            "frame.csv line 2: size \"0\" is not a positive number",
        ),
    ];
    for (csv, extra, expected) in cases {
        let frame = dir.path().join("frame.csv");
        std::fs::write(&frame, csv).unwrap();
        let (code, _, err) = draw(&url, &frame, &out, extra);
        assert_eq!(code, 1, "{csv}");
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
        assert!(!out.exists());
        assert!(!dir.path().join("out.csv.partial").exists());
    }
    let frame = write_frame(dir.path());
    let given = dir.path().join("n.csv");
    std::fs::write(&given, "stratum,n\nurban,12\n").unwrap();
    let (code, _, err) = draw(
        &url,
        &frame,
        &out,
        &[
            "--allocation",
            "given",
            "--per-stratum",
            given.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("stratum \"rural\" of the frame has no n"),
        "{err}"
    );
    let db = db_of(&url).await;
    assert!(
        db.invited_per_stratum("citizen-security")
            .await
            .unwrap()
            .is_empty()
    );
    db.close().await;
}

#[tokio::test]
async fn a_failed_commit_leaves_no_csv_and_a_failed_csv_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_frame(dir.path());
    let out = dir.path().join("out.csv");
    // The database cannot be opened: no CSV, no partial file.
    let bad_url = format!("sqlite://{}/no/such/dir/x.db", dir.path().display());
    let (code, _, err) = draw(&bad_url, &frame, &out, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.exists() && !dir.path().join("out.csv.partial").exists());
    // The CSV cannot be written: nothing stored.
    let url = fresh_database_url(dir.path()).await;
    let nowhere = dir.path().join("missing-dir").join("out.csv");
    let (code, _, _) = draw(&url, &frame, &nowhere, &[]);
    assert_eq!(code, 1);
    let db = db_of(&url).await;
    assert!(
        db.invited_per_stratum("citizen-security")
            .await
            .unwrap()
            .is_empty()
    );
    db.close().await;
    // An existing file is never overwritten.
    std::fs::write(&out, "earlier links").unwrap();
    let (code, _, err) = draw(&url, &frame, &out, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("not overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier links");
}

#[tokio::test]
async fn an_invitation_opened_at_once_from_many_requests_opens_once() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_frame(dir.path());
    let url = fresh_database_url(dir.path()).await;
    let out = dir.path().join("out.csv");
    let (code, _, err) = draw(&url, &frame, &out, &[]);
    assert_eq!(code, 0, "{err}");
    let token = read_rows(&out)[0][5][3..].to_string();
    let db = Arc::new(db_of(&url).await);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let db = db.clone();
            let hash = secret_hash(&token);
            tokio::spawn(async move { db.open_invitation(&hash).await.unwrap() })
        })
        .collect();
    let mut opened = 0;
    for t in tasks {
        match t.await.unwrap() {
            InvitationOutcome::Opened(_) => opened += 1,
            InvitationOutcome::AlreadyUsed => {}
            InvitationOutcome::Unknown => panic!("known token reported unknown"),
        }
    }
    assert_eq!(opened, 1);
    db.close().await;
}

#[tokio::test]
async fn scrub_leaves_no_order_of_opening_in_the_invitations() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_frame(dir.path());
    let url = fresh_database_url(dir.path()).await;
    let out = dir.path().join("out.csv");
    let (code, _, err) = draw(&url, &frame, &out, &[]);
    assert_eq!(code, 0, "{err}");
    let db = db_of(&url).await;
    for row in read_rows(&out).iter().take(5) {
        let outcome = db
            .open_invitation(&secret_hash(&row[5][3..]))
            .await
            .unwrap();
        assert!(matches!(outcome, InvitationOutcome::Opened(_)));
    }
    db.scrub().await.unwrap();
    if let Some(pool) = db.postgres_pool() {
        // An update writes a new row version at the end of the heap, in the order of opening;
        // after the scrub the rows lie in token-hash order, which is random.
        let physical: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT token_hash FROM invitations ORDER BY ctid")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut sorted = physical.clone();
        sorted.sort();
        assert_eq!(physical.len(), 12);
        assert_eq!(physical, sorted);
    }
    assert_eq!(
        db.invited_per_stratum("citizen-security").await.unwrap(),
        vec![("rural".to_string(), 3), ("urban".to_string(), 9)]
    );
    db.close().await;
}
