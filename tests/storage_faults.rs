//! Faults of the storage underneath a running server, done as they happen in the field: the
//! disk fills up while people answer, the file system goes read-only, another process holds
//! the database's write lock, the database file cannot be written. Each time the server must say so (`/healthz` non-200, a 503 page
//! in the person's language before they invest more answers), lose nothing it acknowledged,
//! and recover by itself within seconds when the fault ends; a retried submit stores once.
//!
//! The SQLite file lives on a small tmpfs mounted for the test (root is needed to mount; CI
//! runs as root). On PostgreSQL these faults are the database server's, not tested here.

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use browser::{Browser, SURVEY, WITH_CONTACT, WITHOUT_CONTACT, stored};
use common::TestServer;
use reqwest::StatusCode;

/// A tmpfs of `size` mounted on a fresh folder, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(SmallDisk { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// A small disk (larger than the free-space reserve, `db::MIN_FREE_BYTES`) for the database.
fn small_disk() -> Option<(SmallDisk, String)> {
    // (file system read-only: see the immutable-file test below)
    if common::on_postgres() {
        println!("skipped: storage faults are SQLite's (PostgreSQL's disk is its server's)");
        return None;
    }
    let Some(disk) = SmallDisk::mount("128m") else {
        panic!("could not mount a tmpfs: this test needs root (CI runs as root)");
    };
    let url = format!("sqlite://{}", disk.path().join("mizan.db").display());
    Some((disk, url))
}

fn on_small_disk() -> Option<(SmallDisk, TestServer)> {
    let (disk, url) = small_disk()?;
    let server = TestServer::start_on(
        &common::repo_path("surveys"),
        url,
        tempfile::tempdir().unwrap(),
    );
    Some((disk, server))
}

/// Write zeros into `path` until the file system is full.
fn fill(path: &Path) -> PathBuf {
    use std::io::Write;
    let filler = path.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    // Whatever part of a block still fitted: one byte at a time until nothing fits.
    while f.write_all(&[0]).is_ok() && f.flush().is_ok() {}
    let _ = f.sync_all();
    filler
}

async fn health(server: &TestServer) -> StatusCode {
    reqwest::get(server.url("/healthz")).await.unwrap().status()
}

async fn wait_for_health(server: &TestServer, want_ok: bool, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let ok = health(server).await == StatusCode::OK;
        if ok == want_ok {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "/healthz did not turn {} within {within:?}",
            if want_ok { "ok" } else { "non-200" }
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const CANNOT_SAVE_AR: &str = "لا يمكننا حفظ الإجابات الآن";
const CANNOT_SAVE_EN: &str = "We cannot save answers right now";

fn comment_of(
    answers: &[(&'static str, &'static str)],
    comment: &'static str,
) -> Vec<(&'static str, &'static str)> {
    answers
        .iter()
        .map(|&(k, v)| if k == "comment" { (k, comment) } else { (k, v) })
        .collect()
}

fn count_comment(rows: &[mizan::db::StoredResponse], comment: &str) -> usize {
    rows.iter()
        .filter(|r| {
            r.answers.get("comment") == Some(&mizan::survey::Answer::Value(comment.to_string()))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_is_reported_and_the_server_recovers_when_space_returns() {
    let Some((disk, server)) = on_small_disk() else {
        return;
    };
    assert_eq!(health(&server).await, StatusCode::OK);

    // One person stored before the fault, another half way through the survey when it comes.
    let mut before = Browser::new(&server);
    before
        .answer_all(&comment_of(WITH_CONTACT, "stored-before-the-fault"))
        .await;
    assert_eq!(before.submit().await.status, StatusCode::SEE_OTHER);
    let mut caught = Browser::new(&server);
    let caught_answers = comment_of(WITH_CONTACT, "caught-by-the-fault");
    caught.answer_all(&caught_answers).await;
    let check = caught.get(&format!("/s/{SURVEY}/check")).await;
    let key = check.submission_key().expect("submission key");
    // A write-ahead log that SQLite started afresh after a checkpoint keeps its file, and a
    // write that fits in it needs no new space: on a full disk it is simply stored. After a
    // quiet spell the server truncates the log (the scrub), and the next write needs space.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let filler = fill(disk.path());
    let refused = caught
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert!(refused.body.contains(CANNOT_SAVE_AR), "{}", refused.body);
    wait_for_health(&server, false, Duration::from_secs(10)).await;

    // A newcomer is told before answering anything, in their language.
    let mut newcomer = Browser::new(&server);
    let start = newcomer.get(&format!("/s/{SURVEY}?lang=en")).await;
    assert_eq!(start.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.body.contains(CANNOT_SAVE_EN), "{}", start.body);
    let page = newcomer.get(&format!("/s/{SURVEY}/p/1")).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);

    // Space comes back: the server recovers by itself, within seconds.
    std::fs::remove_file(&filler).unwrap();
    let took = wait_for_health(&server, true, Duration::from_secs(15)).await;
    println!("recovered {took:?} after space came back");

    // The retried submit stores once; a second retry is a duplicate, not a second row.
    let retried = caught
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.body);
    let again = caught
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    // And a new respondent gets through from start to finish.
    let mut after = Browser::new(&server);
    after
        .answer_all(&comment_of(WITHOUT_CONTACT, "stored-after-recovery"))
        .await;
    assert_eq!(after.submit().await.status, StatusCode::SEE_OTHER);

    let rows = stored(&server).await;
    assert_eq!(count_comment(&rows, "stored-before-the-fault"), 1);
    assert_eq!(count_comment(&rows, "caught-by-the-fault"), 1);
    assert_eq!(count_comment(&rows, "stored-after-recovery"), 1);
    assert_eq!(rows.len(), 3);
}

/// `chattr +i` / `-i`: an immutable file cannot be opened for writing, even by root (for whom
/// permission bits are no obstacle), as a file on a file system gone read-only.
fn immutable(path: &Path, on: bool) {
    let ok = Command::new("chattr")
        .arg(if on { "+i" } else { "-i" })
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "chattr needs root and an ext4-like file system for {}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_only_database_file_is_a_503_not_a_blank_500_and_recovers() {
    if common::on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mizan.db");
    let url = format!("sqlite://{}", file.display());
    let (code, _, err) = common::mizan(&["migrate"], &[("DATABASE_URL", &url)]);
    assert_eq!(code, 0, "{err}");
    immutable(&file, true);
    struct Mutable(PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
    let _undo = Mutable(file.clone());
    let server = TestServer::start_on(
        &common::repo_path("surveys"),
        url,
        tempfile::tempdir().unwrap(),
    );

    wait_for_health(&server, false, Duration::from_secs(10)).await;
    let mut person = Browser::new(&server);
    let start = person.get(&format!("/s/{SURVEY}")).await;
    assert_eq!(
        start.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        start.body
    );
    assert!(start.body.contains(CANNOT_SAVE_AR), "{}", start.body);
    let english = person.get(&format!("/s/{SURVEY}/p/1?lang=en")).await;
    assert_eq!(english.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(english.body.contains(CANNOT_SAVE_EN), "{}", english.body);

    immutable(&file, false);
    let took = wait_for_health(&server, true, Duration::from_secs(15)).await;
    println!("recovered {took:?} after the file became writable");
    person
        .answer_all(&comment_of(WITHOUT_CONTACT, "after-read-only"))
        .await;
    assert_eq!(person.submit().await.status, StatusCode::SEE_OTHER);
    assert_eq!(count_comment(&stored(&server).await, "after-read-only"), 1);
    drop(server);
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_locked_by_another_process_answers_within_a_bounded_wait() {
    if common::on_postgres() {
        return;
    }
    let server = TestServer::start().await;
    let path = server
        .database_url
        .strip_prefix("sqlite://")
        .unwrap()
        .to_string();
    let mut person = Browser::new(&server);
    person
        .answer_all(&comment_of(WITHOUT_CONTACT, "waited-for-the-lock"))
        .await;
    let check = person.get(&format!("/s/{SURVEY}/check")).await;
    let key = check.submission_key().unwrap();

    // Another process takes the write lock and keeps it for 30 s.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            conn.execute("BEGIN EXCLUSIVE").await.unwrap();
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(Duration::from_secs(30));
            conn.execute("ROLLBACK").await.unwrap();
        });
    });
    locked_rx.recv().unwrap();

    let started = Instant::now();
    let refused = person
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    let waited = started.elapsed();
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert!(refused.body.contains(CANNOT_SAVE_AR));
    assert!(
        waited < Duration::from_secs(15),
        "the request waited {waited:?}"
    );
    wait_for_health(&server, false, Duration::from_secs(15)).await;

    release_tx.send(()).unwrap();
    holder.join().unwrap();
    wait_for_health(&server, true, Duration::from_secs(15)).await;
    let retried = person
        .post(&format!("/s/{SURVEY}/submit"), &[("key", &key)])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.body);
    assert_eq!(
        count_comment(&stored(&server).await, "waited-for-the-lock"),
        1
    );
}
