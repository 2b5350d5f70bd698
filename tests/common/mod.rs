//! Black-box test harness: runs the real `mizan` binary on a loopback port against a fresh
//! database, SQLite by default or PostgreSQL when `MIZAN_TEST_POSTGRES_URL` is set (an admin
//! URL; `.ci/with-postgres` sets it). Every server gets its own database, so tests run in
//! parallel without seeing each other's rows.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// True when the suite runs against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("MIZAN_TEST_POSTGRES_URL").is_ok()
}

/// A fresh, empty database URL for one test: a SQLite file in `dir`, or a new PostgreSQL
/// database created through the admin URL.
pub async fn fresh_database_url(dir: &Path) -> String {
    match std::env::var("MIZAN_TEST_POSTGRES_URL") {
        Ok(admin) => {
            use sqlx::Connection;
            let name = format!("mizan_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL admin URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            // Replace the database name (the path) of the admin URL.
            let (base, query) = match admin.split_once('?') {
                Some((b, q)) => (b.to_string(), format!("?{q}")),
                None => (admin.clone(), String::new()),
            };
            let cut = base.rfind('/').expect("admin URL has a path");
            format!("{}/{name}{query}", &base[..cut])
        }
        Err(_) => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

/// The same database as `database_url` (a PostgreSQL URL made by [`fresh_database_url`]) on the
/// streaming replica that `.ci/with-postgres` runs (`MIZAN_TEST_POSTGRES_REPLICA_URL`), if any.
/// The replica follows the primary: the database appears there once it has replayed it.
pub fn replica_url_of(database_url: &str) -> Option<String> {
    let admin = std::env::var("MIZAN_TEST_POSTGRES_REPLICA_URL").ok()?;
    let path = database_url.split('?').next()?;
    let name = &path[path.rfind('/')? + 1..];
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let cut = base.rfind('/')?;
    Some(format!("{}/{name}{query}", &base[..cut]))
}

pub struct TestServer {
    /// e.g. `http://127.0.0.1:41234`
    pub base: String,
    pub database_url: String,
    pub surveys: PathBuf,
    child: Option<Child>,
    /// Keeps the temporary folder (SQLite file) alive.
    pub dir: tempfile::TempDir,
    /// Extra `serve` flags.
    extra: Vec<String>,
    /// Extra environment (e.g. `DATABASE_READ_URL`), kept for `restart`.
    envs: Vec<(String, String)>,
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

impl TestServer {
    /// The server with the repository's `surveys/` folder.
    pub async fn start() -> TestServer {
        Self::start_with(&repo_path("surveys")).await
    }

    pub async fn start_with(surveys: &Path) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database_url(dir.path()).await;
        Self::start_on(surveys, database_url, dir)
    }

    /// Start on an existing database (e.g. a second app server on the same PostgreSQL).
    pub fn start_on(surveys: &Path, database_url: String, dir: tempfile::TempDir) -> TestServer {
        Self::start_on_with(surveys, database_url, dir, &[])
    }

    /// Start on an existing database with extra `serve` flags (kept for `restart`).
    pub fn start_on_with(
        surveys: &Path,
        database_url: String,
        dir: tempfile::TempDir,
        extra: &[&str],
    ) -> TestServer {
        Self::start_on_with_env(surveys, database_url, dir, extra, &[])
    }

    /// Start on an existing database with extra `serve` flags and environment variables.
    pub fn start_on_with_env(
        surveys: &Path,
        database_url: String,
        dir: tempfile::TempDir,
        extra: &[&str],
        envs: &[(&str, &str)],
    ) -> TestServer {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let envs: Vec<(String, String)> = envs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, base) = spawn_server_env(surveys, &database_url, &as_strs(&extra), &envs);
        TestServer {
            base,
            database_url,
            surveys: surveys.to_path_buf(),
            child: Some(child),
            dir,
            extra,
            envs,
        }
    }

    /// The server's `host:port`, for raw TCP clients.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no graceful shutdown, as in a crash or power cut.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start the server again on the same database (after `kill`), on a new port.
    pub fn restart(&mut self) {
        self.kill();
        let (child, base) = spawn_server_env(
            &self.surveys,
            &self.database_url,
            &as_strs(&self.extra),
            &self.envs,
        );
        self.child = Some(child);
        self.base = base;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Run `mizan serve --listen 127.0.0.1:0 --surveys DIR` and wait for its
/// `listening on http://ADDR` line on stdout.
pub fn spawn_server(surveys: &Path, database_url: &str, extra: &[&str]) -> (Child, String) {
    spawn_server_env(surveys, database_url, extra, &[])
}

/// [`spawn_server`] with extra environment variables.
pub fn spawn_server_env(
    surveys: &Path,
    database_url: &str,
    extra: &[&str],
    envs: &[(String, String)],
) -> (Child, String) {
    spawn_server_logging(surveys, database_url, extra, envs, None)
}

/// [`spawn_server_env`], with the server's log at debug level written to `log` when given.
pub fn spawn_server_logging(
    surveys: &Path,
    database_url: &str,
    extra: &[&str],
    envs: &[(String, String)],
    log: Option<&Path>,
) -> (Child, String) {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
        None => Stdio::inherit(),
    };
    let level = if log.is_some() { "debug" } else { "warn" };
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--surveys")
        .arg(surveys)
        .args(extra)
        .env("DATABASE_URL", database_url)
        .env_remove("DATABASE_READ_URL")
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("RUST_LOG", level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn mizan serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.trim().to_string());
                    sent = true;
                }
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(base) = rx.recv_timeout(Duration::from_millis(100)) {
            return (child, base);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("mizan serve exited before listening: {status}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mizan serve did not report `listening on` within 60 s");
        }
    }
}

/// Run the `mizan` binary with arguments; returns (exit code, stdout, stderr).
pub fn mizan(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mizan"))
        .args(args)
        .env_remove("DATABASE_READ_URL")
        .envs(envs.iter().copied())
        .output()
        .expect("run mizan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
